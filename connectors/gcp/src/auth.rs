//! Application Default Credentials, the way `gcloud` and Google's client libraries find them,
//! implemented on reqwest (already built) so no Google SDK has to be compiled:
//!
//! 1. an access token in `GOOGLE_OAUTH_ACCESS_TOKEN` (or `CLOUDSDK_AUTH_ACCESS_TOKEN`), for CI
//!    jobs that already hold one (e.g. from `google-github-actions/auth`);
//! 2. the JSON file named by `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's well-known
//!    `application_default_credentials.json` (`gcloud auth application-default login`):
//!    - `authorized_user`: the refresh-token grant;
//!    - `service_account`: a JWT signed with the key (RS256), the JWT-bearer grant;
//!    - `external_account` (workload identity federation): a subject token read from a file or
//!      a URL, exchanged at Google STS, then optionally a service account impersonated. AWS and
//!      executable credential sources are not supported (named in the error);
//! 3. the metadata server (Compute Engine, GKE, Cloud Run), `GCE_METADATA_HOST` honoured.
//!
//! Tokens live in [`Secret`]s: never taken from argv, never logged, never printed. A token is
//! cached until five minutes before it expires.

use chrono::Utc;
use nhi_api::Secret;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Environment variables that may hold an access token.
pub const TOKEN_VARS: &[&str] = &["GOOGLE_OAUTH_ACCESS_TOKEN", "CLOUDSDK_AUTH_ACCESS_TOKEN"];
/// The scope every token is asked for (read-only use; IAM has no narrower scope for these APIs).
pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Setup(String),
    #[error("cannot get a Google access token from {url}: {detail}")]
    Exchange { url: String, detail: String },
}

/// Where tokens come from.
#[derive(Debug, Clone)]
pub enum Credentials {
    AccessToken(Secret),
    AuthorizedUser {
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
        token_uri: String,
    },
    ServiceAccount {
        client_email: String,
        private_key: Secret,
        private_key_id: Option<String>,
        token_uri: String,
    },
    ExternalAccount(Box<ExternalAccount>),
    Metadata {
        base: String,
    },
}

impl Credentials {
    /// What kind of credential it is, for messages (never the credential).
    pub fn describe(&self) -> String {
        match self {
            Credentials::AccessToken(_) => "an access token from the environment".into(),
            Credentials::AuthorizedUser { .. } => "user credentials (authorized_user)".into(),
            Credentials::ServiceAccount { client_email, .. } => {
                format!("the service-account key of {client_email}")
            }
            Credentials::ExternalAccount(_) => {
                "workload identity federation (external_account)".into()
            }
            Credentials::Metadata { .. } => "the metadata server".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExternalAccount {
    pub audience: String,
    pub subject_token_type: String,
    pub token_url: String,
    pub impersonation_url: Option<String>,
    pub source: SubjectSource,
}

#[derive(Debug, Clone)]
pub enum SubjectSource {
    File {
        path: String,
        json_field: Option<String>,
    },
    Url {
        url: String,
        headers: Vec<(String, String)>,
        json_field: Option<String>,
    },
}

/// The credential file formats, as far as nhi reads them.
#[derive(Deserialize)]
struct CredentialFile {
    #[serde(rename = "type")]
    kind: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    client_email: Option<String>,
    private_key: Option<String>,
    private_key_id: Option<String>,
    token_uri: Option<String>,
    audience: Option<String>,
    subject_token_type: Option<String>,
    token_url: Option<String>,
    service_account_impersonation_url: Option<String>,
    credential_source: Option<serde_json::Value>,
}

/// Find credentials the way ADC does. `Err` says what was tried and what to set.
pub fn discover() -> Result<Credentials, String> {
    if let Some(token) = Secret::from_env(TOKEN_VARS) {
        return Ok(Credentials::AccessToken(token));
    }
    if let Ok(path) = std::env::var("GOOGLE_APPLICATION_CREDENTIALS") {
        if !path.trim().is_empty() {
            return from_file(&PathBuf::from(path.trim()));
        }
    }
    if let Some(path) = well_known_file().filter(|p| p.exists()) {
        return from_file(&path);
    }
    // The metadata server answers only on Google Cloud; a failure there is reported when the
    // first token is asked for, with what else could be set.
    let host = std::env::var("GCE_METADATA_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "metadata.google.internal".into());
    let base = if host.starts_with("http://") || host.starts_with("https://") {
        host
    } else {
        format!("http://{host}")
    };
    Ok(Credentials::Metadata { base })
}

fn well_known_file() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("CLOUDSDK_CONFIG") {
        return Some(PathBuf::from(dir).join("application_default_credentials.json"));
    }
    if cfg!(windows) {
        std::env::var("APPDATA").ok().map(|d| {
            PathBuf::from(d)
                .join("gcloud")
                .join("application_default_credentials.json")
        })
    } else {
        std::env::var("HOME").ok().map(|h| {
            PathBuf::from(h)
                .join(".config/gcloud")
                .join("application_default_credentials.json")
        })
    }
}

/// Read a credential file (`GOOGLE_APPLICATION_CREDENTIALS` or the well-known one).
pub fn from_file(path: &std::path::Path) -> Result<Credentials, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("cannot read the Google credential file {shown}: {e}; set GOOGLE_APPLICATION_CREDENTIALS to a readable file or run `gcloud auth application-default login`")
    })?;
    let file: CredentialFile = serde_json::from_str(&text).map_err(|e| {
        format!("the Google credential file {shown} is not a credential JSON (line {} column {}); give a service-account key, an authorized_user or an external_account file", e.line(), e.column())
    })?;
    let need = |v: Option<String>, field: &str| {
        v.filter(|s| !s.is_empty()).ok_or_else(|| {
            format!(
                "the Google credential file {shown} ({}) has no {field}",
                file.kind
            )
        })
    };
    match file.kind.as_str() {
        "authorized_user" => Ok(Credentials::AuthorizedUser {
            client_id: need(file.client_id.clone(), "client_id")?,
            client_secret: Secret::new(need(file.client_secret.clone(), "client_secret")?),
            refresh_token: Secret::new(need(file.refresh_token.clone(), "refresh_token")?),
            token_uri: file.token_uri.clone().unwrap_or_else(|| DEFAULT_TOKEN_URI.into()),
        }),
        "service_account" => Ok(Credentials::ServiceAccount {
            client_email: need(file.client_email.clone(), "client_email")?,
            private_key: Secret::new(need(file.private_key.clone(), "private_key")?),
            private_key_id: file.private_key_id.clone(),
            token_uri: file.token_uri.clone().unwrap_or_else(|| DEFAULT_TOKEN_URI.into()),
        }),
        "external_account" => {
            let source = file.credential_source.clone().ok_or_else(|| {
                format!("the Google credential file {shown} (external_account) has no credential_source")
            })?;
            let json_field = source
                .pointer("/format/subject_token_field_name")
                .and_then(|v| v.as_str())
                .filter(|_| source.pointer("/format/type").and_then(|v| v.as_str()) == Some("json"))
                .map(str::to_string);
            let source = if let Some(f) = source.get("file").and_then(|v| v.as_str()) {
                SubjectSource::File {
                    path: f.to_string(),
                    json_field,
                }
            } else if let Some(u) = source.get("url").and_then(|v| v.as_str()) {
                let headers = source
                    .get("headers")
                    .and_then(|h| h.as_object())
                    .map(|h| {
                        h.iter()
                            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                            .collect()
                    })
                    .unwrap_or_default();
                SubjectSource::Url {
                    url: u.to_string(),
                    headers,
                    json_field,
                }
            } else {
                return Err(format!(
                    "the Google credential file {shown} uses an external_account credential source nhi does not support (only file and url sources; not AWS or executable): give an access token in GOOGLE_OAUTH_ACCESS_TOKEN instead"
                ));
            };
            Ok(Credentials::ExternalAccount(Box::new(ExternalAccount {
                audience: need(file.audience.clone(), "audience")?,
                subject_token_type: need(file.subject_token_type.clone(), "subject_token_type")?,
                token_url: file
                    .token_url
                    .clone()
                    .unwrap_or_else(|| "https://sts.googleapis.com/v1/token".into()),
                impersonation_url: file.service_account_impersonation_url.clone(),
                source,
            })))
        }
        other => Err(format!(
            "the Google credential file {shown} has type {other:?}; nhi reads authorized_user, service_account and external_account files"
        )),
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(alias = "accessToken")]
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Hands out access tokens, refreshing them before they expire.
pub struct TokenSource {
    credentials: Credentials,
    http: reqwest::Client,
    cached: Mutex<Option<(Secret, Instant)>>,
}

impl TokenSource {
    pub fn new(credentials: Credentials) -> TokenSource {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("nhi/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        TokenSource {
            credentials,
            http,
            cached: Mutex::new(None),
        }
    }

    pub fn describe(&self) -> String {
        self.credentials.describe()
    }

    /// A token valid for at least five more minutes.
    pub async fn token(&self) -> Result<Secret, AuthError> {
        if let Ok(guard) = self.cached.lock() {
            if let Some((t, until)) = guard.as_ref() {
                if Instant::now() + Duration::from_secs(300) < *until {
                    return Ok(t.clone());
                }
            }
        }
        let (token, lifetime) = self.fetch().await?;
        if let Ok(mut guard) = self.cached.lock() {
            *guard = Some((token.clone(), Instant::now() + lifetime));
        }
        Ok(token)
    }

    async fn fetch(&self) -> Result<(Secret, Duration), AuthError> {
        match &self.credentials {
            // An access token of unknown age: used as given (an hour is its usual life).
            Credentials::AccessToken(t) => Ok((t.clone(), Duration::from_secs(3600))),
            Credentials::AuthorizedUser {
                client_id,
                client_secret,
                refresh_token,
                token_uri,
            } => {
                self.form(
                    token_uri,
                    &[
                        ("grant_type", "refresh_token"),
                        ("client_id", client_id),
                        ("client_secret", client_secret.expose()),
                        ("refresh_token", refresh_token.expose()),
                    ],
                )
                .await
            }
            Credentials::ServiceAccount {
                client_email,
                private_key,
                private_key_id,
                token_uri,
            } => {
                let assertion = sign_assertion(
                    client_email,
                    private_key,
                    private_key_id.as_deref(),
                    token_uri,
                )?;
                self.form(
                    token_uri,
                    &[
                        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                        ("assertion", assertion.expose()),
                    ],
                )
                .await
            }
            Credentials::ExternalAccount(x) => self.external(x).await,
            Credentials::Metadata { base } => {
                let url = format!(
                    "{}/computeMetadata/v1/instance/service-accounts/default/token",
                    base.trim_end_matches('/')
                );
                let response = self
                    .http
                    .get(&url)
                    .header("Metadata-Flavor", "Google")
                    .send()
                    .await
                    .map_err(|e| AuthError::Setup(format!(
                        "no Google credentials found: GOOGLE_OAUTH_ACCESS_TOKEN and GOOGLE_APPLICATION_CREDENTIALS are not set, there is no gcloud application-default login, and the metadata server at {base} cannot be reached ({}). Run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS",
                        e.without_url()
                    )))?;
                self.decode(&url, response).await
            }
        }
    }

    async fn form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<(Secret, Duration), AuthError> {
        let body = form_encode(form);
        let response = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| AuthError::Exchange {
                url: url.into(),
                detail: e.without_url().to_string(),
            })?;
        self.decode(url, response).await
    }

    async fn decode(
        &self,
        url: &str,
        response: reqwest::Response,
    ) -> Result<(Secret, Duration), AuthError> {
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| AuthError::Exchange {
            url: url.into(),
            detail: e.without_url().to_string(),
        })?;
        if !status.is_success() {
            // The error body names the problem (invalid_grant...); it never holds a token.
            return Err(AuthError::Exchange {
                url: url.into(),
                detail: format!(
                    "HTTP {}: {}",
                    status.as_u16(),
                    nhi_http::error_detail(&String::from_utf8_lossy(&bytes))
                ),
            });
        }
        let t: TokenResponse = serde_json::from_slice(&bytes).map_err(|e| AuthError::Exchange {
            url: url.into(),
            detail: format!("the answer is not a token response: {e}"),
        })?;
        Ok((
            Secret::new(t.access_token),
            Duration::from_secs(t.expires_in.unwrap_or(3600)),
        ))
    }

    async fn external(&self, x: &ExternalAccount) -> Result<(Secret, Duration), AuthError> {
        let subject = match &x.source {
            SubjectSource::File { path, json_field } => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    AuthError::Setup(format!(
                        "cannot read the workload identity subject token file {path}: {e}"
                    ))
                })?;
                pick(&text, json_field.as_deref(), path)?
            }
            SubjectSource::Url {
                url,
                headers,
                json_field,
            } => {
                let mut req = self.http.get(url);
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                let text = req
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .map_err(|e| AuthError::Exchange {
                        url: url.clone(),
                        detail: e.without_url().to_string(),
                    })?
                    .text()
                    .await
                    .map_err(|e| AuthError::Exchange {
                        url: url.clone(),
                        detail: e.without_url().to_string(),
                    })?;
                pick(&text, json_field.as_deref(), url)?
            }
        };
        let (sts, lifetime) = self
            .form(
                &x.token_url,
                &[
                    (
                        "grant_type",
                        "urn:ietf:params:oauth:grant-type:token-exchange",
                    ),
                    ("audience", &x.audience),
                    ("scope", SCOPE),
                    (
                        "requested_token_type",
                        "urn:ietf:params:oauth:token-type:access_token",
                    ),
                    ("subject_token_type", &x.subject_token_type),
                    ("subject_token", subject.expose()),
                ],
            )
            .await?;
        let Some(url) = &x.impersonation_url else {
            return Ok((sts, lifetime));
        };
        let response = self
            .http
            .post(url)
            .bearer_auth(sts.expose())
            .json(&serde_json::json!({"scope": [SCOPE], "lifetime": "3600s"}))
            .send()
            .await
            .map_err(|e| AuthError::Exchange {
                url: url.clone(),
                detail: e.without_url().to_string(),
            })?;
        self.decode(url, response).await
    }
}

/// The subject token: the whole text, or one field of its JSON.
fn pick(text: &str, field: Option<&str>, from: &str) -> Result<Secret, AuthError> {
    match field {
        None => Ok(Secret::new(text.trim())),
        Some(f) => serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get(f).and_then(|t| t.as_str()).map(str::to_string))
            .map(Secret::new)
            .ok_or_else(|| {
                AuthError::Setup(format!(
                    "the subject token from {from} has no JSON field {f}"
                ))
            }),
    }
}

/// The JWT-bearer assertion for a service-account key: RS256 over iss/scope/aud/iat/exp.
fn sign_assertion(
    email: &str,
    private_key: &Secret,
    key_id: Option<&str>,
    token_uri: &str,
) -> Result<Secret, AuthError> {
    let now = Utc::now().timestamp();
    let claims = serde_json::json!({
        "iss": email,
        "scope": SCOPE,
        "aud": token_uri,
        "iat": now,
        "exp": now + 3600,
    });
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(private_key.expose().as_bytes()).map_err(|e| {
            AuthError::Setup(format!(
            "the private key of the service-account credential file ({email}) cannot be read: {e}"
        ))
        })?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = key_id.map(str::to_string);
    jsonwebtoken::encode(&header, &claims, &key)
        .map(Secret::new)
        .map_err(|e| AuthError::Setup(format!("cannot sign the token request for {email}: {e}")))
}

/// `application/x-www-form-urlencoded`.
fn form_encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{body_string_contains, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    fn tmp() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "nhi-gcp-auth-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&d).expect("dir");
        d
    }

    fn rand_suffix() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn authorized_user_refresh_and_cache() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .and(body_string_contains("refresh_token=1%2Fref"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"access_token": "ya29.user", "expires_in": 3599}),
            ))
            .expect(1)
            .mount(&server)
            .await;
        let dir = tmp();
        let file = write(
            &dir,
            "adc.json",
            &format!(
                r#"{{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"1/ref","token_uri":"{}/token"}}"#,
                server.uri()
            ),
        );
        let creds = from_file(&file).expect("reads");
        assert!(format!("{creds:?}").contains("***"));
        let source = TokenSource::new(creds);
        assert_eq!(source.token().await.expect("token").expose(), "ya29.user");
        // Cached: the mock expects one exchange only.
        assert_eq!(source.token().await.expect("token").expose(), "ya29.user");
    }

    #[tokio::test]
    async fn external_account_file_source_with_impersonation() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/token"))
            .and(body_string_contains("subject_token=gh-oidc-token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"access_token": "sts-token", "expires_in": 3600}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(
                "/v1/projects/-/serviceAccounts/ci@p.iam.gserviceaccount.com:generateAccessToken",
            ))
            .and(header("authorization", "Bearer sts-token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"accessToken": "ya29.sa", "expireTime": "2030-01-01T00:00:00Z"}),
            ))
            .mount(&server)
            .await;
        let dir = tmp();
        let token_file = write(&dir, "oidc.json", r#"{"value":"gh-oidc-token"}"#);
        let file = write(
            &dir,
            "wif.json",
            &serde_json::json!({
                "type": "external_account",
                "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/providers/gh",
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                "token_url": format!("{}/v1/token", server.uri()),
                "service_account_impersonation_url": format!("{}/v1/projects/-/serviceAccounts/ci@p.iam.gserviceaccount.com:generateAccessToken", server.uri()),
                "credential_source": {"file": token_file, "format": {"type": "json", "subject_token_field_name": "value"}}
            })
            .to_string(),
        );
        let source = TokenSource::new(from_file(&file).expect("reads"));
        assert_eq!(source.token().await.expect("token").expose(), "ya29.sa");
    }

    #[tokio::test]
    async fn metadata_server_and_refusals() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/computeMetadata/v1/instance/service-accounts/default/token"))
            .and(header("Metadata-Flavor", "Google"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"access_token": "ya29.md", "expires_in": 100, "token_type": "Bearer"}),
            ))
            .mount(&server)
            .await;
        let source = TokenSource::new(Credentials::Metadata { base: server.uri() });
        assert_eq!(source.token().await.expect("token").expose(), "ya29.md");

        let refused = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(
                serde_json::json!({"error": "invalid_grant", "error_description": "Bad Request"}),
            ))
            .mount(&refused)
            .await;
        let source = TokenSource::new(Credentials::AuthorizedUser {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            refresh_token: Secret::new("r"),
            token_uri: format!("{}/token", refused.uri()),
        });
        let e = source.token().await.expect_err("refused").to_string();
        assert!(e.contains("HTTP 400") && e.contains("invalid_grant"), "{e}");
    }

    #[test]
    fn bad_files_name_the_file_and_the_fix() {
        let dir = tmp();
        let f = write(
            &dir,
            "x.json",
            r#"{"type":"external_account","audience":"a","subject_token_type":"t","credential_source":{"environment_id":"aws1"}}"#,
        );
        let e = from_file(&f).expect_err("aws source");
        assert!(e.contains("not support") && e.contains("x.json"), "{e}");
        let f = write(&dir, "y.json", "not json");
        assert!(from_file(&f).expect_err("bad").contains("y.json"));
        let f = write(
            &dir,
            "z.json",
            r#"{"type":"service_account","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}"#,
        );
        let creds = from_file(&f).expect("reads");
        let e = sign_assertion("a@b", &Secret::new("nope"), None, "u").expect_err("bad key");
        assert!(e.to_string().contains("a@b"));
        assert!(!format!("{creds:?}").contains("BEGIN"));
    }
}
