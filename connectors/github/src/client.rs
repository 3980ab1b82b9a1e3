//! Requests to the GitHub REST and GraphQL APIs: authentication (through octocrab), rate limits,
//! retries and `Link` pagination.
//!
//! - Every request goes to the configured API host. A pagination link that points anywhere else
//!   (Prism's examples point at api.github.com) is not followed, and the token is never sent
//!   there: requests carry relative URIs and octocrab adds the token only for its base host.
//! - Primary rate limit: when a response says `x-ratelimit-remaining: 0`, the next request waits
//!   for `x-ratelimit-reset`. A `403`/`429` rate-limit answer waits for `retry-after` (secondary
//!   limits) or the reset, then retries. A wait longer than the configured maximum is not
//!   attempted: the listing stops and says when the limit resets.
//! - Waiting goes through a [`Sleeper`], so tests run on a clock of their own.

use http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use nhi_api::Secret;
use nhi_http::{backoff, error_detail, header_str, next_link, retry_wait, Sleeper};
use octocrab::Octocrab;
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Why a request or listing stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("HTTP {status} from {path}: {detail}{}", accepted_hint(.accepted))]
    Status {
        status: u16,
        path: String,
        detail: String,
        /// What GitHub says the call needs (`x-accepted-github-permissions` for fine-grained
        /// tokens and Apps, `x-accepted-oauth-scopes` for classic tokens).
        accepted: Option<String>,
    },
    #[error("rate limited on {path}{}{}", attempts_hint(*.attempts), reset_hint(*.reset))]
    RateLimited {
        path: String,
        attempts: u32,
        /// Unix time at which the limit resets, when GitHub said.
        reset: Option<i64>,
    },
    #[error("cannot reach {path}: {detail}")]
    Transport { path: String, detail: String },
    #[error("{path} answered something that is not the expected JSON: {detail}")]
    Decode { path: String, detail: String },
    #[error("{path}: pagination link {link} leaves the configured API URL; not followed")]
    OffHost { path: String, link: String },
    #[error("{path}: the server sent the same next-page link twice ({link}); stopped after {pages} pages")]
    LinkRepeated {
        path: String,
        link: String,
        pages: u32,
    },
}

fn accepted_hint(accepted: &Option<String>) -> String {
    match accepted {
        Some(a) if !a.is_empty() => format!(" (GitHub says this call needs: {a})"),
        _ => String::new(),
    }
}

fn attempts_hint(attempts: u32) -> String {
    match attempts {
        0 => ": not sent, the rate limit is spent".to_string(),
        n => format!(" after {n} attempt(s)"),
    }
}

fn reset_hint(reset: Option<i64>) -> String {
    match reset.and_then(|r| chrono::DateTime::from_timestamp(r, 0)) {
        Some(t) => format!(
            "; the limit resets at {}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        None => String::new(),
    }
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A refusal for lack of permission (or of a feature: SAML, a plan), as opposed to a
    /// failure. GitHub answers 404 rather than 403 where it hides what exists.
    pub fn is_refusal(&self) -> bool {
        matches!(self.status(), Some(403 | 404))
    }
}

/// How a client authenticates.
pub enum Auth {
    /// A personal access token or any bearer token (`GITHUB_TOKEN`, `GH_TOKEN`).
    Token(Secret),
    /// A GitHub App installation: the app's private key signs a JWT, exchanged for installation
    /// tokens that octocrab renews before they expire.
    App {
        app_id: u64,
        private_key: Secret,
        installation_id: u64,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Token(_) => f.write_str("Token(***)"),
            Auth::App {
                app_id,
                installation_id,
                ..
            } => write!(
                f,
                "App {{ app_id: {app_id}, installation_id: {installation_id}, private_key: *** }}"
            ),
        }
    }
}

/// Limits of one client.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Attempts per request, first included.
    pub max_attempts: u32,
    /// The longest wait for a rate limit; a limit that resets later stops the listing.
    pub max_wait: Duration,
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_attempts: 6,
            max_wait: Duration::from_secs(900),
            timeout: Duration::from_secs(30),
        }
    }
}

/// One decoded page and the link to the next.
struct Page {
    body: Vec<u8>,
    next: Option<String>,
}

/// Everything a paginated listing returned, and whether it is complete.
#[derive(Debug)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Items that could not be decoded, with why.
    pub item_errors: Vec<String>,
    /// `None` when every page was read (or the listing ended at a link it would not follow).
    pub stop: Option<ApiError>,
    /// A next-page link that was not followed because it points at another host. The pages
    /// read are kept and the listing is not counted as failed (the token must never go there;
    /// GitHub itself never sends such links, test servers and misconfigured proxies do), but
    /// the report says so.
    pub off_host: Option<String>,
}

impl<T> Listing<T> {
    fn empty() -> Self {
        Listing {
            items: Vec::new(),
            item_errors: Vec::new(),
            stop: None,
            off_host: None,
        }
    }
}

pub struct Api {
    rest: Octocrab,
    graphql: Option<Octocrab>,
    /// The REST base, e.g. `https://ghe.example.com/api/v3/`.
    base: Url,
    /// Its path without the trailing slash (`/api/v3`, or empty for api.github.com).
    base_path: String,
    sleeper: Arc<dyn Sleeper>,
    limits: Limits,
    requests: AtomicU64,
    /// Unix time until which the primary rate limit is spent (0: not spent).
    spent_until: AtomicI64,
}

fn http_client(limits: &Limits) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(limits.timeout)
        .user_agent(concat!("nhi/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

fn builder(
    base: &str,
) -> Result<
    octocrab::OctocrabBuilder<
        octocrab::NoSvc,
        octocrab::DefaultOctocrabBuilderConfig,
        octocrab::NoAuth,
        octocrab::NotLayerReady,
    >,
    String,
> {
    Octocrab::builder()
        .base_uri(base)
        .map_err(|e| format!("{base}: {e}"))
        .map(|b| {
            b.add_header(
                http::header::ACCEPT,
                // Prism refuses `application/vnd.github+json` alone; GitHub accepts both.
                "application/vnd.github+json, application/json".to_string(),
            )
            .add_header(
                http::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_string(),
            )
        })
}

impl Api {
    /// A client for the REST API at `api_url` (`https://api.github.com`, or a GitHub Enterprise
    /// Server's `https://HOST/api/v3`).
    pub async fn new(
        api_url: &str,
        auth: &Auth,
        sleeper: Arc<dyn Sleeper>,
        limits: Limits,
    ) -> Result<Self, String> {
        let mut base = Url::parse(api_url).map_err(|e| format!("{api_url}: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(format!("{api_url}: give an http(s) URL with a host"));
        }
        base.set_query(None);
        base.set_fragment(None);
        let base_path = base.path().trim_end_matches('/').to_string();
        base.set_path(&format!("{base_path}/"));
        let rest_base = base.as_str().trim_end_matches('/').to_string();
        // GraphQL lives beside REST: api.github.com/graphql, HOST/api/graphql on GHES.
        let graphql_base = match base_path.strip_suffix("/v3") {
            Some(api) => format!("{}{api}", base.origin().ascii_serialization()),
            None => rest_base.clone(),
        };
        // One connection pool for every octocrab client (reqwest clients share it when cloned).
        let http = http_client(&limits)?;
        let client = || Ok::<_, String>(http.clone());
        let (rest, graphql) = match auth {
            Auth::Token(token) => {
                let rest = builder(&rest_base)?
                    .personal_token(token.expose().to_string())
                    .build_with_reqwest(octocrab::ReqwestClientConfig::Custom(client()?))
                    .map_err(|e| e.to_string())?;
                let graphql = builder(&graphql_base)?
                    .personal_token(token.expose().to_string())
                    .build_with_reqwest(octocrab::ReqwestClientConfig::Custom(client()?))
                    .map_err(|e| e.to_string())?;
                (rest, Some(graphql))
            }
            Auth::App {
                app_id,
                private_key,
                installation_id,
            } => {
                let key = octocrab::EncodingKey::from_rsa_pem(private_key.expose().as_bytes())
                    .map_err(|e| {
                        format!("the GitHub App private key is not an RSA key in PEM form ({e})")
                    })?;
                let app = builder(&rest_base)?
                    .app(octocrab::models::AppId(*app_id), key)
                    .build_with_reqwest(octocrab::ReqwestClientConfig::Custom(client()?))
                    .map_err(|e| e.to_string())?;
                let (rest, token) = app
                    .installation_and_token(octocrab::models::InstallationId(*installation_id))
                    .await
                    .map_err(|e| {
                        format!(
                            "cannot get a token for installation {installation_id} of app {app_id}: {}",
                            octocrab_error(&e)
                        )
                    })?;
                // GraphQL is used once, early, for batching; the REST client renews its token.
                use octocrab::secrecy::ExposeSecret;
                let graphql = builder(&graphql_base)?
                    .personal_token(token.expose_secret().to_string())
                    .build_with_reqwest(octocrab::ReqwestClientConfig::Custom(client()?))
                    .map_err(|e| e.to_string())?;
                (rest, Some(graphql))
            }
        };
        Ok(Api {
            rest,
            graphql,
            base,
            base_path,
            sleeper,
            limits,
            requests: AtomicU64::new(0),
            spent_until: AtomicI64::new(0),
        })
    }

    /// Requests made so far (pages, retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The REST base URL, for reports.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The path and query of a `Link` URL, when it points at the configured API.
    fn local_link(&self, link: &str) -> Option<String> {
        nhi_http::local_link(&self.base, &self.base_path, link)
    }

    /// Wait while the primary rate limit is spent.
    async fn wait_for_budget(&self, path: &str) -> Result<(), ApiError> {
        let until = self.spent_until.load(Ordering::Relaxed);
        let now = self.sleeper.now_epoch();
        if until > now {
            let wait = Duration::from_secs((until - now) as u64);
            if wait > self.limits.max_wait {
                return Err(ApiError::RateLimited {
                    path: path.to_string(),
                    attempts: 0,
                    reset: Some(until),
                });
            }
            tracing::info!(
                wait_s = wait.as_secs(),
                "GitHub rate limit spent; waiting for it to reset"
            );
            self.sleeper.sleep(wait).await;
            // Whoever wakes first lets the others go too.
            let _ =
                self.spent_until
                    .compare_exchange(until, 0, Ordering::Relaxed, Ordering::Relaxed);
        }
        Ok(())
    }

    fn note_budget(&self, headers: &HeaderMap) {
        if header_str(headers, "x-ratelimit-remaining") == Some("0") {
            if let Some(reset) =
                header_str(headers, "x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok())
            {
                self.spent_until.fetch_max(reset, Ordering::Relaxed);
            }
        }
    }

    /// One request and its whole answer, or why there is none (connection, timeout, body).
    async fn exchange(
        &self,
        path: &str,
        graphql_body: Option<&Value>,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), String> {
        let sent = match (graphql_body, &self.graphql) {
            (Some(body), Some(graphql)) => graphql._post("/graphql", Some(body)).await,
            (Some(_), None) => return Err("no GraphQL client".into()),
            (None, _) => self.rest._get(path).await,
        };
        let response = sent.map_err(|e| octocrab_error(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| octocrab_error(&e))?;
        Ok((status, headers, body.to_bytes().to_vec()))
    }

    /// Send one request (GET, or POST with a JSON body to GraphQL), retrying rate limits and
    /// server errors. `path` is relative to the API base and already validated.
    async fn send(&self, path: &str, graphql_body: Option<&Value>) -> Result<Page, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_for_budget(path).await?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(path, attempt, "GitHub request");
            let (status, headers, body) = match self.exchange(path, graphql_body).await {
                Ok(answer) => answer,
                Err(detail) if attempt < self.limits.max_attempts => {
                    tracing::debug!(path, %detail, "transport error; retrying");
                    self.sleeper.sleep(backoff(attempt)).await;
                    continue;
                }
                Err(detail) => {
                    return Err(ApiError::Transport {
                        path: path.to_string(),
                        detail,
                    })
                }
            };
            self.note_budget(&headers);
            if status.is_success() {
                let next = next_link(&headers);
                return Ok(Page { body, next });
            }
            let text = String::from_utf8_lossy(&body);
            let secondary = status == StatusCode::FORBIDDEN
                && text.to_ascii_lowercase().contains("secondary rate limit");
            let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
                || nhi_http::is_rate_limit_403(status.as_u16(), &headers)
                || secondary;
            let wait = retry_wait(status.as_u16(), &headers, attempt, self.sleeper.now_epoch())
                // GitHub: a secondary limit without retry-after means wait at least a minute.
                .or(secondary.then(|| Duration::from_secs(60)));
            if let Some(wait) = wait {
                let reset =
                    header_str(&headers, "x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok());
                if attempt < self.limits.max_attempts && wait <= self.limits.max_wait {
                    tracing::info!(
                        path,
                        status = status.as_u16(),
                        wait_s = wait.as_secs(),
                        "rate limited or server error; waiting"
                    );
                    self.sleeper.sleep(wait).await;
                    // That wait covered the spent budget this answer announced.
                    if let Some(reset) = reset {
                        let _ = self.spent_until.compare_exchange(
                            reset,
                            0,
                            Ordering::Relaxed,
                            Ordering::Relaxed,
                        );
                    }
                    continue;
                }
                if rate_limited {
                    return Err(ApiError::RateLimited {
                        path: path.to_string(),
                        attempts: attempt,
                        reset,
                    });
                }
            }
            let accepted = header_str(&headers, "x-accepted-github-permissions")
                .or_else(|| header_str(&headers, "x-accepted-oauth-scopes"))
                .filter(|v| !v.is_empty())
                .map(str::to_string);
            return Err(ApiError::Status {
                status: status.as_u16(),
                path: path.to_string(),
                detail: error_detail(&text),
                accepted,
            });
        }
    }

    /// GET one object.
    pub async fn get<T: DeserializeOwned>(&self, path: String) -> Result<T, ApiError> {
        let path = path.as_str();
        let page = self.send(path, None).await?;
        serde_json::from_slice(&page.body).map_err(|e| ApiError::Decode {
            path: path.to_string(),
            detail: e.to_string(),
        })
    }

    /// POST a GraphQL query; its `data`, or why there is none.
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value, ApiError> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let page = self.send("/graphql", Some(&body)).await?;
        let mut value: Value =
            serde_json::from_slice(&page.body).map_err(|e| ApiError::Decode {
                path: "/graphql".into(),
                detail: e.to_string(),
            })?;
        if let Some(errors) = value.get("errors").filter(|e| !e.is_null()) {
            return Err(ApiError::Decode {
                path: "/graphql".into(),
                detail: format!("GraphQL errors: {}", error_detail(&errors.to_string())),
            });
        }
        match value.get_mut("data").map(Value::take) {
            Some(data) if !data.is_null() => Ok(data),
            _ => Err(ApiError::Decode {
                path: "/graphql".into(),
                detail: "no data in the answer".into(),
            }),
        }
    }

    /// Every item of a paginated listing: `path` (relative to the API base, with its query),
    /// following `Link: rel="next"`. The items are the body itself (an array) or the array
    /// under `key` (`{"total_count": N, "secrets": [...]}`). Each item is decoded on its own.
    pub async fn list<T: DeserializeOwned>(&self, path: String, key: Option<&str>) -> Listing<T> {
        let path = path.as_str();
        let mut listing = Listing::empty();
        let mut seen = HashSet::new();
        let mut next = Some(path.to_string());
        let mut pages = 0u32;
        while let Some(current) = next.take() {
            pages += 1;
            let page = match self.send(&current, None).await {
                Ok(p) => p,
                Err(e) => {
                    listing.stop = Some(e);
                    return listing;
                }
            };
            let items = match decode_items(&page.body, key) {
                Ok(items) => items,
                Err(detail) => {
                    listing.stop = Some(ApiError::Decode {
                        path: current,
                        detail,
                    });
                    return listing;
                }
            };
            for (i, item) in items.into_iter().enumerate() {
                match serde_json::from_value::<T>(item) {
                    Ok(v) => listing.items.push(v),
                    Err(e) => listing
                        .item_errors
                        .push(format!("{path}: item {i} of page {pages}: {e}")),
                }
            }
            if let Some(link) = page.next {
                let Some(local) = self.local_link(&link) else {
                    tracing::warn!(path, %link, "next-page link leaves the configured API URL; not followed");
                    listing.off_host = Some(
                        ApiError::OffHost {
                            path: path.to_string(),
                            link,
                        }
                        .to_string(),
                    );
                    return listing;
                };
                if !seen.insert(local.clone()) || local == current {
                    listing.stop = Some(ApiError::LinkRepeated {
                        path: path.to_string(),
                        link,
                        pages,
                    });
                    return listing;
                }
                next = Some(local);
            }
        }
        listing
    }
}

fn decode_items(body: &[u8], key: Option<&str>) -> Result<Vec<Value>, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let array = match key {
        Some(k) => value.get(k).cloned().unwrap_or(Value::Null),
        None => value,
    };
    match array {
        Value::Array(items) => Ok(items),
        other => Err(format!(
            "expected a list{}, got {}",
            key.map(|k| format!(" under \"{k}\"")).unwrap_or_default(),
            kind_of(&other)
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// An octocrab error as one line, with its causes (never a token: octocrab's errors carry no
/// headers).
fn octocrab_error(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_from_a_list_or_a_key() {
        assert_eq!(decode_items(b"[1,2]", None).map(|v| v.len()), Ok(2));
        assert_eq!(
            decode_items(br#"{"total_count":1,"secrets":[{}]}"#, Some("secrets")).map(|v| v.len()),
            Ok(1)
        );
        assert!(decode_items(br#"{"message":"x"}"#, None).is_err());
        assert!(decode_items(b"{", None).is_err());
    }
}
