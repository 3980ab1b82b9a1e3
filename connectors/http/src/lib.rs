//! The HTTP client nhi's API connectors share.
//!
//! - The token is a [`Secret`] sent in one header, only to the configured base URL: redirects are
//!   never followed and every request URL is built from the base, so the token cannot be sent to
//!   another host.
//! - Rate limits and server errors are retried: `429` and `5xx` (and `403` with
//!   `x-ratelimit-remaining: 0`) wait for `Retry-After` / `x-ratelimit-reset`, or back off
//!   exponentially, up to a bounded number of attempts. Waiting goes through a [`Sleeper`] so
//!   tests can run on a clock of their own.
//! - [`Client::list_all`] follows cursor pagination (`has_more` + `last_id`) and stops when a
//!   server hands back a cursor it already returned, reporting the listing incomplete.
//! - Responses are decoded item by item: one malformed item is an item error, not a failed page.

use nhi_api::{BoxFuture, Secret};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// Waits between attempts. The real one sleeps; tests record and return at once.
pub trait Sleeper: Send + Sync {
    fn sleep(&self, d: Duration) -> BoxFuture<'_, ()>;

    /// The current Unix time in seconds, against which rate-limit reset times are measured.
    /// Tests give a clock of their own.
    fn now_epoch(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }
}

pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, d: Duration) -> BoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// Why a request failed, after retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("HTTP {status} from {url}: {detail}")]
    Status {
        status: u16,
        url: String,
        detail: String,
    },
    #[error("rate limited by {url} after {attempts} attempts")]
    RateLimited { url: String, attempts: u32 },
    #[error("cannot reach {url}: {detail}")]
    Transport { url: String, detail: String },
    #[error("{url} answered something that is not the expected JSON: {detail}")]
    Decode { url: String, detail: String },
    #[error("invalid request URL: {0}")]
    Url(String),
}

impl HttpError {
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL every path is joined to, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// Header that carries the token (`Authorization` with `Bearer `, or `x-api-key`).
    pub auth_header: &'static str,
    pub auth_prefix: &'static str,
    pub token: Secret,
    /// Other headers every request carries (`anthropic-version`).
    pub headers: Vec<(&'static str, String)>,
    /// Attempts per request, first included.
    pub max_attempts: u32,
    /// Longest single wait for a rate limit; a longer `Retry-After` is capped to it.
    pub max_wait: Duration,
    pub timeout: Duration,
}

impl ClientConfig {
    pub fn new(
        base_url: &str,
        auth_header: &'static str,
        auth_prefix: &'static str,
        token: Secret,
    ) -> Self {
        ClientConfig {
            base_url: base_url.to_string(),
            auth_header,
            auth_prefix,
            token,
            headers: Vec::new(),
            max_attempts: 6,
            max_wait: Duration::from_secs(120),
            timeout: Duration::from_secs(30),
        }
    }
}

/// One page of a cursor-paginated listing, items still undecoded.
#[derive(Debug, serde::Deserialize)]
struct Page {
    #[serde(default)]
    data: Vec<Value>,
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    last_id: Option<String>,
}

/// Why a listing stopped before its last page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Incomplete {
    #[error("{0}")]
    Error(HttpError),
    #[error("{path}: the server returned the cursor {cursor:?} twice (has_more stays true); stopped after {pages} pages to avoid a loop")]
    CursorRepeated {
        path: String,
        cursor: String,
        pages: u32,
    },
    #[error("{path}: has_more is true but no last_id was given; stopped after {pages} pages")]
    NoCursor { path: String, pages: u32 },
}

impl Incomplete {
    /// The HTTP status that stopped the listing, if one did.
    pub fn status(&self) -> Option<u16> {
        match self {
            Incomplete::Error(e) => e.status(),
            _ => None,
        }
    }
}

/// A path segment with everything but unreserved characters percent-encoded, so an id taken
/// from a response cannot change the path (`../`, `?`, `#`).
pub fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Everything a listing returned, and whether it is complete.
#[derive(Debug)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Items that could not be decoded, with why.
    pub item_errors: Vec<String>,
    /// `None` when every page was read; else why the listing stopped early.
    pub incomplete: Option<Incomplete>,
    /// Requests made (pages).
    pub requests: u32,
}

impl<T> Listing<T> {
    /// What a source report should say about this listing: why it stopped early, and how many
    /// items could not be read.
    pub fn problems(&self, path: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .incomplete
            .iter()
            .map(|stop| stop.to_string())
            .collect();
        if let Some(first) = self.item_errors.first() {
            out.push(format!(
                "{} item(s) of {path} could not be read, first: {first}",
                self.item_errors.len()
            ));
        }
        out
    }
}

pub struct Client {
    http: reqwest::Client,
    base: Url,
    headers: HeaderMap,
    config: ClientConfig,
    sleeper: Arc<dyn Sleeper>,
}

impl Client {
    pub fn new(config: ClientConfig, sleeper: Arc<dyn Sleeper>) -> Result<Self, HttpError> {
        let mut base = Url::parse(&config.base_url)
            .map_err(|e| HttpError::Url(format!("{}: {e}", config.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(HttpError::Url(format!(
                "{}: only http and https are supported",
                config.base_url
            )));
        }
        // Joining "projects" to ".../v1" must give ".../v1/projects".
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let mut headers = HeaderMap::new();
        let mut auth =
            HeaderValue::from_str(&format!("{}{}", config.auth_prefix, config.token.expose()))
                .map_err(|_| {
                    HttpError::Url("the token contains characters a header cannot carry".into())
                })?;
        auth.set_sensitive(true);
        headers.insert(HeaderName::from_static(config.auth_header), auth);
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        for (k, v) in &config.headers {
            let value = HeaderValue::from_str(v)
                .map_err(|_| HttpError::Url(format!("bad value for header {k}")))?;
            headers.insert(HeaderName::from_static(k), value);
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .user_agent(concat!("nhi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpError::Transport {
                url: config.base_url.clone(),
                detail: e.to_string(),
            })?;
        Ok(Client {
            http,
            base,
            headers,
            config,
            sleeper,
        })
    }

    /// The URL for a path relative to the base, with a query.
    pub fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url, HttpError> {
        let mut url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| HttpError::Url(format!("{path}: {e}")))?;
        if url.origin() != self.base.origin() {
            return Err(HttpError::Url(format!(
                "{path} leaves the configured API host"
            )));
        }
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// GET a path and decode its JSON body.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, HttpError> {
        let url = self.url(path, query)?;
        let bytes = self.get_bytes(&url).await?;
        serde_json::from_slice(&bytes).map_err(|e| HttpError::Decode {
            url: url.to_string(),
            detail: e.to_string(),
        })
    }

    async fn get_bytes(&self, url: &Url) -> Result<Vec<u8>, HttpError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            tracing::debug!(%url, attempt, "GET");
            let result = self
                .http
                .get(url.clone())
                .headers(self.headers.clone())
                .send()
                .await;
            let response = match result {
                Ok(r) => r,
                Err(e)
                    if attempt < self.config.max_attempts && (e.is_timeout() || e.is_connect()) =>
                {
                    self.sleeper.sleep(backoff(attempt)).await;
                    continue;
                }
                Err(e) => {
                    return Err(HttpError::Transport {
                        url: url.to_string(),
                        detail: without_url(&e),
                    });
                }
            };
            let status = response.status();
            if status.is_success() {
                return response.bytes().await.map(|b| b.to_vec()).map_err(|e| {
                    HttpError::Transport {
                        url: url.to_string(),
                        detail: without_url(&e),
                    }
                });
            }
            let wait = retry_wait(
                status.as_u16(),
                response.headers(),
                attempt,
                self.sleeper.now_epoch(),
            );
            if let Some(wait) = wait {
                if attempt < self.config.max_attempts {
                    let wait = wait.min(self.config.max_wait);
                    tracing::info!(%url, status = status.as_u16(), wait_s = wait.as_secs(), "rate limited or server error; waiting");
                    self.sleeper.sleep(wait).await;
                    continue;
                }
                if status == StatusCode::TOO_MANY_REQUESTS
                    || is_rate_limit_403(status.as_u16(), response.headers())
                {
                    return Err(HttpError::RateLimited {
                        url: url.to_string(),
                        attempts: attempt,
                    });
                }
            }
            let body = response.text().await.unwrap_or_default();
            return Err(HttpError::Status {
                status: status.as_u16(),
                url: url.to_string(),
                detail: error_detail(&body),
            });
        }
    }

    /// Every item of a cursor-paginated listing (`has_more`, `last_id`), passing the cursor as
    /// `cursor_param`. Stops, incomplete, at the first error or when a cursor repeats.
    pub async fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        cursor_param: &str,
        page_size: u32,
    ) -> Listing<T> {
        let mut listing = Listing {
            items: Vec::new(),
            item_errors: Vec::new(),
            incomplete: None,
            requests: 0,
        };
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q: Vec<(&str, String)> = query.to_vec();
            q.push(("limit", page_size.to_string()));
            if let Some(c) = &cursor {
                q.push((cursor_param, c.clone()));
            }
            listing.requests += 1;
            let page: Page = match self.get(path, &q).await {
                Ok(p) => p,
                Err(e) => {
                    listing.incomplete = Some(Incomplete::Error(e));
                    return listing;
                }
            };
            for (i, item) in page.data.into_iter().enumerate() {
                match serde_json::from_value::<T>(item) {
                    Ok(v) => listing.items.push(v),
                    Err(e) => listing
                        .item_errors
                        .push(format!("{path} item {i} of page {}: {e}", listing.requests)),
                }
            }
            if !page.has_more {
                return listing;
            }
            match page.last_id {
                Some(next) if seen.insert(next.clone()) => cursor = Some(next),
                Some(next) => {
                    listing.incomplete = Some(Incomplete::CursorRepeated {
                        path: path.to_string(),
                        cursor: next,
                        pages: listing.requests,
                    });
                    return listing;
                }
                None => {
                    listing.incomplete = Some(Incomplete::NoCursor {
                        path: path.to_string(),
                        pages: listing.requests,
                    });
                    return listing;
                }
            }
        }
    }
}

/// A `403` that is a rate limit, not a refusal: GitHub's primary limit (`x-ratelimit-remaining:
/// 0`) and its secondary limits (`retry-after` given).
pub fn is_rate_limit_403(status: u16, headers: &HeaderMap) -> bool {
    status == 403
        && (header_str(headers, "x-ratelimit-remaining") == Some("0")
            || headers.contains_key("retry-after"))
}

/// A header's value as trimmed text, if it is text.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// How long to wait before retrying a response, or `None` when its status is not worth
/// retrying: `Retry-After` first, then the `x-ratelimit-reset` epoch second (measured against
/// `now_epoch`), else exponential backoff by `attempt`.
pub fn retry_wait(
    status: u16,
    headers: &HeaderMap,
    attempt: u32,
    now_epoch: i64,
) -> Option<Duration> {
    let rate_limited = status == 429 || is_rate_limit_403(status, headers);
    if !rate_limited && !(500..600).contains(&status) {
        return None;
    }
    if let Some(secs) = header_str(headers, "retry-after").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(secs.clamp(0.0, 86_400.0)));
    }
    // GitHub style: the epoch second at which the window resets.
    if let Some(reset) =
        header_str(headers, "x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok())
    {
        if reset > now_epoch {
            return Some(Duration::from_secs((reset - now_epoch) as u64));
        }
    }
    Some(backoff(attempt))
}

/// 1 s, 2 s, 4 s ... capped at 60 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(6)).min(Duration::from_secs(60))
}

/// A provider's error message, short, from a JSON error body if there is one.
pub fn error_detail(body: &str) -> String {
    let from_json = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("message"))
            .or_else(|| v.pointer("/error"))
            .and_then(|m| m.as_str().map(str::to_string))
    });
    let text = from_json.unwrap_or_else(|| body.trim().to_string());
    let mut short: String = text.chars().take(300).collect();
    if short.is_empty() {
        short = "no detail given".to_string();
    }
    short
}

/// The `rel="next"` URL of a `Link` header (GitHub's and GitLab's pagination), wherever it
/// stands among the other relations.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim();
                p == "rel=\"next\"" || p == "rel=next"
            });
            let url = target.strip_prefix('<')?.strip_suffix('>')?;
            is_next.then(|| url.to_string())
        })
}

/// The path and query of a pagination link relative to an API's base (`base_path` is the
/// base URL's path without its trailing `/`), when it points at that API: the same scheme, host
/// and port, under the base path. A link anywhere else is not followed (the token would go with
/// it).
pub fn local_link(base: &Url, base_path: &str, link: &str) -> Option<String> {
    let url = Url::parse(link).ok()?;
    if url.origin() != base.origin() || !url.path().starts_with(base_path) {
        return None;
    }
    let rest = &url.path()[base_path.len()..];
    if !rest.starts_with('/') {
        return None;
    }
    Some(match url.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    })
}

/// A reqwest error's text without the URL (callers add the URL themselves, once).
pub fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text
            .replace(&format!(" ({url})"), "")
            .replace(url.as_str(), "");
    }
    if let Some(source) = std::error::Error::source(e) {
        let causes = nhi_api::error_chain(source);
        if !text.contains(&causes) {
            text.push_str(": ");
            text.push_str(&causes);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn next_link_is_read_from_any_position() {
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::LINK,
            HeaderValue::from_static(
                "<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        h.insert(
            reqwest::header::LINK,
            HeaderValue::from_static("<https://gitlab.com/api/v4/x?page=2>; rel=next"),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://gitlab.com/api/v4/x?page=2")
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Duration>>);

    impl Sleeper for Recorder {
        fn sleep(&self, d: Duration) -> BoxFuture<'_, ()> {
            if let Ok(mut v) = self.0.lock() {
                v.push(d);
            }
            Box::pin(async {})
        }
    }

    fn client(server: &MockServer, sleeper: Arc<Recorder>) -> Client {
        let config = ClientConfig::new(
            &format!("{}/v1", server.uri()),
            "authorization",
            "Bearer ",
            Secret::new("tok-123"),
        );
        Client::new(config, sleeper).expect("client")
    }

    #[tokio::test]
    async fn pages_are_followed_and_a_repeated_cursor_stops_the_loop() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/things"))
            .and(query_param("after", "b"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"data":[{"id":"c"}],"has_more":true,"last_id":"b"}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET")).and(path("/v1/things")).and(header("authorization", "Bearer tok-123"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"data":[{"id":"a"},{"id":"b"},{"nope":1}],"has_more":true,"last_id":"b"})))
            .mount(&server).await;
        #[derive(serde::Deserialize)]
        struct Thing {
            id: String,
        }
        let c = client(&server, Arc::new(Recorder::default()));
        let l: Listing<Thing> = c.list_all("things", &[], "after", 2).await;
        assert_eq!(
            l.items.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            vec!["a", "b", "c"]
        );
        assert_eq!(l.item_errors.len(), 1);
        assert!(
            matches!(l.incomplete, Some(Incomplete::CursorRepeated { .. })),
            "{:?}",
            l.incomplete
        );
        assert_eq!(l.requests, 2);
    }

    #[tokio::test]
    async fn rate_limits_are_waited_out_with_retry_after() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
            .up_to_n_times(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
            .mount(&server)
            .await;
        let rec = Arc::new(Recorder::default());
        let c = client(&server, rec.clone());
        let v: Value = c.get("x", &[]).await.expect("succeeds after waiting");
        assert_eq!(v["ok"], true);
        assert_eq!(
            *rec.0.lock().expect("lock"),
            vec![Duration::from_secs(7), Duration::from_secs(7)]
        );
    }

    #[tokio::test]
    async fn persistent_rate_limit_and_auth_errors_are_reported() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/limited"))
            .respond_with(ResponseTemplate::new(429))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/denied"))
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_json(serde_json::json!({"error":{"message":"admin key required"}})),
            )
            .mount(&server)
            .await;
        let rec = Arc::new(Recorder::default());
        let c = client(&server, rec.clone());
        let e = c.get::<Value>("limited", &[]).await.expect_err("gives up");
        assert!(
            matches!(e, HttpError::RateLimited { attempts: 6, .. }),
            "{e}"
        );
        assert_eq!(rec.0.lock().expect("lock").len(), 5, "bounded retries");
        let e = c.get::<Value>("denied", &[]).await.expect_err("403");
        assert_eq!(e.status(), Some(403));
        assert!(e.to_string().contains("admin key required"));
        assert!(!e.to_string().contains("tok-123"));
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/steal"),
            )
            .mount(&server)
            .await;
        let c = client(&server, Arc::new(Recorder::default()));
        let e = c.get::<Value>("x", &[]).await.expect_err("no redirect");
        assert_eq!(e.status(), Some(302));
    }

    #[test]
    fn ids_cannot_change_the_path() {
        assert_eq!(segment("proj_abc-1.2"), "proj_abc-1.2");
        assert_eq!(segment("../x?y#z"), "..%2Fx%3Fy%23z");
    }

    #[test]
    fn urls_stay_on_the_base_host() {
        let config = ClientConfig::new(
            "https://api.example.com/v1",
            "authorization",
            "Bearer ",
            Secret::new("t"),
        );
        let c = Client::new(config, Arc::new(TokioSleeper)).expect("client");
        assert_eq!(
            c.url("organization/projects", &[("after", "a b".into())])
                .expect("url")
                .as_str(),
            "https://api.example.com/v1/organization/projects?after=a+b"
        );
        let scheme_relative = c.url("//evil.example.org/x", &[]).expect("stays relative");
        assert_eq!(scheme_relative.host_str(), Some("api.example.com"));
        assert!(c.url("https://evil.example.org/x", &[]).is_err());
    }
}
