//! Requests to the GitLab REST API (v4): the token, rate limits, retries and pagination.
//!
//! - The token goes in one `PRIVATE-TOKEN` header (marked sensitive), only to the configured
//!   instance: redirects are never followed, and a pagination link that points anywhere else is
//!   not followed (the listing keeps what it read and says so).
//! - Pagination: `Link: rel="next"` (offset and keyset pagination both give one); when a
//!   server sends no `Link`, `X-Next-Page` names the next page number.
//! - Rate limits: a response with `RateLimit-Remaining: 0` makes the next request wait for
//!   `RateLimit-Reset` (epoch seconds); `429` waits for `Retry-After` (else the reset, else
//!   backoff) and retries; `5xx` backs off. A wait longer than the configured maximum is not
//!   attempted: the listing stops and says when the limit resets.
//! - Waiting goes through a [`Sleeper`], so tests run on a clock of their own.

use nhi_api::Secret;
use nhi_http::{backoff, error_detail, header_str, next_link, without_url, Sleeper};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Why a request or listing stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("HTTP {status} from {path}: {detail}")]
    Status {
        status: u16,
        path: String,
        detail: String,
    },
    #[error("rate limited on {path}{}{}", attempts_hint(*.attempts), reset_hint(*.reset))]
    RateLimited {
        path: String,
        attempts: u32,
        reset: Option<i64>,
    },
    #[error("cannot reach {path}: {detail}")]
    Transport { path: String, detail: String },
    #[error("{path} answered something that is not the expected JSON: {detail}")]
    Decode { path: String, detail: String },
    #[error("{path}: pagination link {link} leaves the configured GitLab URL; not followed")]
    OffHost { path: String, link: String },
    #[error(
        "{path}: the server sent the same next page twice ({link}); stopped after {pages} pages"
    )]
    LinkRepeated {
        path: String,
        link: String,
        pages: u32,
    },
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

    /// A refusal for lack of permission or of a feature (a tier, an admin-only listing), as
    /// opposed to a failure. GitLab answers 404 where it hides what exists.
    pub fn is_refusal(&self) -> bool {
        matches!(self.status(), Some(403 | 404))
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

/// Everything a paginated listing returned, and whether it is complete.
#[derive(Debug)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Items that could not be decoded, with why.
    pub item_errors: Vec<String>,
    /// `None` when every page was read (or the listing ended at a link it would not follow).
    pub stop: Option<ApiError>,
    /// A next-page link that was not followed because it points at another host: the pages
    /// read are kept, and the report says so.
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

    /// Whether every page was read.
    pub fn complete(&self) -> bool {
        self.stop.is_none() && self.off_host.is_none()
    }
}

struct Page {
    body: Vec<u8>,
    next: Option<String>,
    next_page: Option<String>,
}

pub struct Api {
    http: reqwest::Client,
    /// `https://gitlab.example.com/api/v4/`.
    base: Url,
    /// Its path without the trailing slash (`/api/v4`).
    base_path: String,
    headers: HeaderMap,
    sleeper: Arc<dyn Sleeper>,
    limits: Limits,
    requests: AtomicU64,
    /// Unix time until which the rate limit is spent (0: not spent).
    spent_until: AtomicI64,
}

impl Api {
    /// A client for the instance at `url` (`https://gitlab.com`, `https://gitlab.example.com`);
    /// the REST API is its `/api/v4`.
    pub fn new(
        url: &str,
        token: &Secret,
        sleeper: Arc<dyn Sleeper>,
        limits: Limits,
    ) -> Result<Self, String> {
        let mut base = Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(format!("{url}: give an http(s) URL with a host"));
        }
        base.set_query(None);
        base.set_fragment(None);
        let root = base.path().trim_end_matches('/').to_string();
        let base_path = if root.ends_with("/api/v4") {
            root
        } else {
            format!("{root}/api/v4")
        };
        base.set_path(&format!("{base_path}/"));
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(token.expose())
            .map_err(|_| "GITLAB_TOKEN contains characters a header cannot carry".to_string())?;
        auth.set_sensitive(true);
        headers.insert("private-token", auth);
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.timeout)
            .user_agent(concat!("nhi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Api {
            http,
            base,
            base_path,
            headers,
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

    /// The REST base URL (`https://gitlab.com/api/v4`), for reports.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The path and query of a `Link` URL, when it points at the configured API.
    fn local_link(&self, link: &str) -> Option<String> {
        nhi_http::local_link(&self.base, &self.base_path, link)
    }

    fn url(&self, path: &str) -> Result<Url, String> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| format!("{path}: {e}"))?;
        if url.origin() != self.base.origin() {
            return Err(format!("{path} leaves the configured GitLab URL"));
        }
        Ok(url)
    }

    /// Wait while the rate limit is spent.
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
                "GitLab rate limit spent; waiting for it to reset"
            );
            self.sleeper.sleep(wait).await;
            let _ =
                self.spent_until
                    .compare_exchange(until, 0, Ordering::Relaxed, Ordering::Relaxed);
        }
        Ok(())
    }

    fn note_budget(&self, headers: &HeaderMap) {
        if header_str(headers, "ratelimit-remaining") == Some("0") {
            if let Some(reset) = reset_epoch(headers) {
                self.spent_until.fetch_max(reset, Ordering::Relaxed);
            }
        }
    }

    /// GET one path (relative to the API base, with its query), retrying rate limits, server
    /// errors and transport failures.
    async fn send(&self, path: &str) -> Result<Page, ApiError> {
        let url = self.url(path).map_err(|detail| ApiError::Transport {
            path: path.to_string(),
            detail,
        })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_for_budget(path).await?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(path, attempt, "GitLab request");
            let sent = self
                .http
                .get(url.clone())
                .headers(self.headers.clone())
                .send()
                .await;
            let response = match sent {
                Ok(r) => r,
                Err(e) if attempt < self.limits.max_attempts => {
                    tracing::debug!(path, error = %without_url(&e), "transport error; retrying");
                    self.sleeper.sleep(backoff(attempt)).await;
                    continue;
                }
                Err(e) => {
                    return Err(ApiError::Transport {
                        path: path.to_string(),
                        detail: without_url(&e),
                    })
                }
            };
            let status = response.status();
            let headers = response.headers().clone();
            self.note_budget(&headers);
            let body = match response.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) if attempt < self.limits.max_attempts => {
                    tracing::debug!(path, error = %without_url(&e), "body cut short; retrying");
                    self.sleeper.sleep(backoff(attempt)).await;
                    continue;
                }
                Err(e) => {
                    return Err(ApiError::Transport {
                        path: path.to_string(),
                        detail: without_url(&e),
                    })
                }
            };
            if status.is_success() {
                return Ok(Page {
                    body,
                    next: next_link(&headers),
                    next_page: header_str(&headers, "x-next-page")
                        .filter(|v| !v.is_empty())
                        .map(str::to_string),
                });
            }
            let rate_limited = status == StatusCode::TOO_MANY_REQUESTS;
            if rate_limited || status.is_server_error() {
                let now = self.sleeper.now_epoch();
                let reset = reset_epoch(&headers);
                let wait = header_str(&headers, "retry-after")
                    .and_then(|v| v.parse::<f64>().ok())
                    .map(|s| Duration::from_secs_f64(s.clamp(0.0, 86_400.0)))
                    .or_else(|| {
                        reset
                            .filter(|r| *r > now && rate_limited)
                            .map(|r| Duration::from_secs((r - now) as u64))
                    })
                    .unwrap_or_else(|| backoff(attempt));
                if attempt < self.limits.max_attempts && wait <= self.limits.max_wait {
                    tracing::info!(
                        path,
                        status = status.as_u16(),
                        wait_s = wait.as_secs(),
                        "rate limited or server error; waiting"
                    );
                    self.sleeper.sleep(wait).await;
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
            return Err(ApiError::Status {
                status: status.as_u16(),
                path: path.to_string(),
                detail: error_detail(&String::from_utf8_lossy(&body)),
            });
        }
    }

    /// GET one object.
    pub async fn get<T: DeserializeOwned>(&self, path: String) -> Result<T, ApiError> {
        let page = self.send(&path).await?;
        serde_json::from_slice(&page.body).map_err(|e| ApiError::Decode {
            path: path.clone(),
            detail: e.to_string(),
        })
    }

    /// Every item of a paginated listing (`path` relative to the API base, with its query),
    /// following `Link: rel="next"`, else `X-Next-Page`. Each item is decoded on its own.
    pub async fn list<T: DeserializeOwned>(&self, path: String) -> Listing<T> {
        let path = path.as_str();
        let mut listing = Listing::empty();
        let mut seen = HashSet::new();
        let mut next = Some(path.to_string());
        let mut pages = 0u32;
        while let Some(current) = next.take() {
            pages += 1;
            let page = match self.send(&current).await {
                Ok(p) => p,
                Err(e) => {
                    listing.stop = Some(e);
                    return listing;
                }
            };
            let items = match serde_json::from_slice::<Value>(&page.body) {
                Ok(Value::Array(items)) => items,
                Ok(_) => {
                    listing.stop = Some(ApiError::Decode {
                        path: current,
                        detail: "expected a list".into(),
                    });
                    return listing;
                }
                Err(e) => {
                    listing.stop = Some(ApiError::Decode {
                        path: current,
                        detail: e.to_string(),
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
            let local = match (page.next, page.next_page) {
                (Some(link), _) => match self.local_link(&link) {
                    Some(local) => local,
                    None => {
                        tracing::warn!(path, %link, "next-page link leaves the configured GitLab URL; not followed");
                        listing.off_host = Some(
                            ApiError::OffHost {
                                path: path.to_string(),
                                link,
                            }
                            .to_string(),
                        );
                        return listing;
                    }
                },
                (None, Some(n)) if n.chars().all(|c| c.is_ascii_digit()) => with_page(&current, &n),
                _ => return listing,
            };
            if !seen.insert(local.clone()) || local == current {
                listing.stop = Some(ApiError::LinkRepeated {
                    path: path.to_string(),
                    link: local,
                    pages,
                });
                return listing;
            }
            next = Some(local);
        }
        listing
    }
}

/// `RateLimit-Reset` (epoch seconds), GitLab's header; `X-RateLimit-Reset` on older proxies.
fn reset_epoch(headers: &HeaderMap) -> Option<i64> {
    header_str(headers, "ratelimit-reset")
        .or_else(|| header_str(headers, "x-ratelimit-reset"))
        .and_then(|v| v.parse::<i64>().ok())
}

/// A path with its `page` query parameter set to `page`.
fn with_page(path: &str, page: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .map(str::to_string)
        .collect();
    params.push(format!("page={page}"));
    format!("{base}?{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_numbers_replace_the_page_parameter() {
        assert_eq!(with_page("/x?per_page=100", "2"), "/x?per_page=100&page=2");
        assert_eq!(
            with_page("/x?per_page=100&page=2", "3"),
            "/x?per_page=100&page=3"
        );
        assert_eq!(with_page("/x", "2"), "/x?page=2");
    }

    #[test]
    fn links_stay_on_the_instance() {
        let api = Api::new(
            "https://gitlab.example.com",
            &Secret::new("t"),
            Arc::new(nhi_http::TokioSleeper),
            Limits::default(),
        )
        .expect("api");
        assert_eq!(api.base_url(), "https://gitlab.example.com/api/v4");
        assert_eq!(
            api.local_link("https://gitlab.example.com/api/v4/groups?page=2")
                .as_deref(),
            Some("/groups?page=2")
        );
        assert_eq!(
            api.local_link("https://evil.example.org/api/v4/groups"),
            None
        );
        assert_eq!(
            api.local_link("http://gitlab.example.com/api/v4/groups"),
            None
        );
        assert_eq!(api.local_link("https://gitlab.example.com/other"), None);
    }
}
