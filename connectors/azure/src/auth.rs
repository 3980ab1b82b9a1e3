//! Access tokens, found the way the Azure CLI and SDKs find them (`DefaultAzureCredential`):
//!
//! 1. environment, client secret: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`;
//! 2. environment, client certificate: `AZURE_CLIENT_CERTIFICATE_PATH` (PEM with the private key
//!    and the certificate), with `AZURE_CLIENT_ID`;
//! 3. workload identity (AKS, CI): `AZURE_FEDERATED_TOKEN_FILE` with `AZURE_CLIENT_ID`;
//! 4. managed identity: App Service's `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, else the instance
//!    metadata service (IMDS; `AZURE_POD_IDENTITY_AUTHORITY_HOST` overrides its address);
//! 5. the Azure CLI's login: `az account get-access-token`.
//!
//! `AZURE_AUTHORITY_HOST` names the sign-in endpoint for sovereign clouds. Secrets are read from
//! the environment or files only, never from the command line, and travel only in the token
//! request's body to the authority; tokens are [`Secret`]s and are never printed.

use nhi_api::Secret;
use serde::Deserialize;
use std::time::Duration;

/// Why no token could be had.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

/// Where the scan's access token comes from.
#[derive(Debug, Clone)]
pub enum CredentialSource {
    ClientSecret {
        client_id: String,
        secret: Secret,
    },
    ClientCertificate {
        client_id: String,
        path: std::path::PathBuf,
    },
    WorkloadIdentity {
        client_id: String,
        token_file: std::path::PathBuf,
    },
    ManagedIdentity {
        /// A user-assigned identity's client id; `None` for the system-assigned one.
        client_id: Option<String>,
        endpoint: ManagedEndpoint,
    },
    AzureCli,
    /// Try each in turn (managed identity, then the CLI): the first that answers wins.
    Chain(Vec<CredentialSource>),
}

#[derive(Debug, Clone)]
pub enum ManagedEndpoint {
    /// App Service / Functions: `IDENTITY_ENDPOINT` with the `IDENTITY_HEADER` secret.
    AppService { endpoint: String, header: Secret },
    /// The instance metadata service, at this base URL.
    Imds { base: String },
}

pub const IMDS_DEFAULT: &str = "http://169.254.169.254";

/// A token, and the tenant its credential signs in to.
#[derive(Debug, Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    #[serde(rename = "accessToken")]
    access_token_cli: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl CredentialSource {
    /// The credential the environment describes, in the SDKs' order.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> CredentialSource {
        let get = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let client_id = get("AZURE_CLIENT_ID");
        if let (Some(id), Some(secret)) = (&client_id, get("AZURE_CLIENT_SECRET")) {
            return CredentialSource::ClientSecret {
                client_id: id.clone(),
                secret: Secret::new(secret),
            };
        }
        if let (Some(id), Some(path)) = (&client_id, get("AZURE_CLIENT_CERTIFICATE_PATH")) {
            return CredentialSource::ClientCertificate {
                client_id: id.clone(),
                path: path.into(),
            };
        }
        if let (Some(id), Some(file)) = (&client_id, get("AZURE_FEDERATED_TOKEN_FILE")) {
            return CredentialSource::WorkloadIdentity {
                client_id: id.clone(),
                token_file: file.into(),
            };
        }
        let managed = match (get("IDENTITY_ENDPOINT"), get("IDENTITY_HEADER")) {
            (Some(endpoint), Some(header)) => ManagedEndpoint::AppService {
                endpoint,
                header: Secret::new(header),
            },
            _ => ManagedEndpoint::Imds {
                base: get("AZURE_POD_IDENTITY_AUTHORITY_HOST")
                    .unwrap_or_else(|| IMDS_DEFAULT.to_string()),
            },
        };
        CredentialSource::Chain(vec![
            CredentialSource::ManagedIdentity {
                client_id,
                endpoint: managed,
            },
            CredentialSource::AzureCli,
        ])
    }

    /// In words, for messages.
    pub fn describe(&self) -> String {
        match self {
            CredentialSource::ClientSecret { .. } => "client secret (AZURE_CLIENT_SECRET)".into(),
            CredentialSource::ClientCertificate { path, .. } => format!(
                "client certificate (AZURE_CLIENT_CERTIFICATE_PATH={})",
                path.display()
            ),
            CredentialSource::WorkloadIdentity { token_file, .. } => format!(
                "workload identity (AZURE_FEDERATED_TOKEN_FILE={})",
                token_file.display()
            ),
            CredentialSource::ManagedIdentity { .. } => "managed identity".into(),
            CredentialSource::AzureCli => "Azure CLI login (az account get-access-token)".into(),
            CredentialSource::Chain(list) => list
                .iter()
                .map(|c| c.describe())
                .collect::<Vec<_>>()
                .join(", then "),
        }
    }

    /// An access token for `scope` (`https://graph.microsoft.com/.default`) in `tenant`.
    pub async fn token(
        &self,
        http: &reqwest::Client,
        authority: &str,
        tenant: &str,
        scope: &str,
    ) -> Result<Secret, AuthError> {
        match self {
            CredentialSource::ClientSecret { client_id, secret } => {
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    ("client_secret", secret.expose()),
                    ("scope", scope),
                ];
                token_request(http, authority, tenant, &form).await
            }
            CredentialSource::ClientCertificate { client_id, path } => {
                let audience = token_url(authority, tenant)?;
                let assertion = certificate_assertion(client_id, path, &audience)?;
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", assertion.expose()),
                    ("scope", scope),
                ];
                token_request(http, authority, tenant, &form).await
            }
            CredentialSource::WorkloadIdentity {
                client_id,
                token_file,
            } => {
                let assertion = std::fs::read_to_string(token_file).map_err(|e| {
                    AuthError(format!(
                        "cannot read AZURE_FEDERATED_TOKEN_FILE {}: {e}",
                        token_file.display()
                    ))
                })?;
                let assertion = Secret::new(assertion.trim().to_string());
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", assertion.expose()),
                    ("scope", scope),
                ];
                token_request(http, authority, tenant, &form).await
            }
            CredentialSource::ManagedIdentity {
                client_id,
                endpoint,
            } => managed_token(http, endpoint, client_id.as_deref(), scope).await,
            CredentialSource::AzureCli => cli_token(tenant, scope).await,
            CredentialSource::Chain(list) => {
                let mut why = Vec::new();
                for c in list {
                    match Box::pin(c.token(http, authority, tenant, scope)).await {
                        Ok(t) => return Ok(t),
                        Err(e) => why.push(format!("{}: {e}", c.describe())),
                    }
                }
                Err(AuthError(why.join("; ")))
            }
        }
    }
}

fn token_url(authority: &str, tenant: &str) -> Result<String, AuthError> {
    if tenant.is_empty()
        || !tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
    {
        return Err(AuthError(format!(
            "{tenant:?} is not a tenant id or domain"
        )));
    }
    Ok(format!(
        "{}/{tenant}/oauth2/v2.0/token",
        authority.trim_end_matches('/')
    ))
}

async fn token_request(
    http: &reqwest::Client,
    authority: &str,
    tenant: &str,
    form: &[(&str, &str)],
) -> Result<Secret, AuthError> {
    let url = token_url(authority, tenant)?;
    let response = http
        .post(&url)
        .form(form)
        .send()
        .await
        .map_err(|e| AuthError(format!("cannot reach {url}: {}", nhi_api::error_chain(&e))))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    parse_token(&body).map_err(|why| AuthError(format!("{url} answered {status}: {why}")))
}

/// The access token of a token response, or what the authority said instead (its error code
/// and description, never the request).
fn parse_token(body: &str) -> Result<Secret, String> {
    let parsed: TokenResponse = serde_json::from_str(body)
        .map_err(|_| "not a token response (is the authority URL right?)".to_string())?;
    if let Some(t) = parsed
        .access_token
        .or(parsed.access_token_cli)
        .filter(|t| !t.is_empty())
    {
        return Ok(Secret::new(t));
    }
    let description: String = parsed
        .error_description
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    Err(format!(
        "{} {description}",
        parsed.error.unwrap_or_else(|| "no access_token".into())
    )
    .trim()
    .to_string())
}

/// The resource a `.default` scope names (managed identity endpoints take a resource).
fn resource_of(scope: &str) -> &str {
    scope.trim_end_matches("/.default")
}

async fn managed_token(
    http: &reqwest::Client,
    endpoint: &ManagedEndpoint,
    client_id: Option<&str>,
    scope: &str,
) -> Result<Secret, AuthError> {
    let resource = resource_of(scope);
    let request = match endpoint {
        ManagedEndpoint::AppService { endpoint, header } => {
            let mut url = reqwest::Url::parse(endpoint)
                .map_err(|e| AuthError(format!("IDENTITY_ENDPOINT {endpoint:?}: {e}")))?;
            url.query_pairs_mut()
                .append_pair("api-version", "2019-08-01")
                .append_pair("resource", resource);
            if let Some(id) = client_id {
                url.query_pairs_mut().append_pair("client_id", id);
            }
            http.get(url).header("X-IDENTITY-HEADER", header.expose())
        }
        ManagedEndpoint::Imds { base } => {
            let mut url = reqwest::Url::parse(&format!(
                "{}/metadata/identity/oauth2/token",
                base.trim_end_matches('/')
            ))
            .map_err(|e| AuthError(format!("managed identity endpoint {base:?}: {e}")))?;
            url.query_pairs_mut()
                .append_pair("api-version", "2018-02-01")
                .append_pair("resource", resource);
            if let Some(id) = client_id {
                url.query_pairs_mut().append_pair("client_id", id);
            }
            // IMDS answers in milliseconds where it exists; elsewhere, do not hang the scan.
            http.get(url)
                .header("Metadata", "true")
                .timeout(Duration::from_secs(3))
        }
    };
    let response = request.send().await.map_err(|e| {
        AuthError(format!(
            "no managed identity endpoint answered ({})",
            nhi_api::error_chain(&e)
        ))
    })?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    parse_token(&body)
        .map_err(|why| AuthError(format!("managed identity answered {status}: {why}")))
}

async fn cli_token(tenant: &str, scope: &str) -> Result<Secret, AuthError> {
    let resource = resource_of(scope);
    let (resource, tenant) = (resource.to_string(), tenant.to_string());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("az")
            .args([
                "account",
                "get-access-token",
                "--resource",
                &resource,
                "--tenant",
                &tenant,
                "--output",
                "json",
            ])
            .stdin(std::process::Stdio::null())
            .output()
    })
    .await
    .map_err(|e| AuthError(format!("cannot run az: {e}")))?
    .map_err(|e| AuthError(format!("cannot run az (is the Azure CLI installed?): {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(AuthError(format!(
            "az account get-access-token failed: {}",
            first.chars().take(300).collect::<String>()
        )));
    }
    parse_token(&String::from_utf8_lossy(&out.stdout)).map_err(AuthError)
}

/// A signed client assertion for certificate sign-in: RS256, `x5t` = the certificate's SHA-1
/// thumbprint, valid ten minutes.
fn certificate_assertion(
    client_id: &str,
    path: &std::path::Path,
    audience: &str,
) -> Result<Secret, AuthError> {
    use base64::Engine;
    use sha1::Digest;
    let pem = std::fs::read_to_string(path).map_err(|e| {
        AuthError(format!(
            "cannot read AZURE_CLIENT_CERTIFICATE_PATH {}: {e}",
            path.display()
        ))
    })?;
    let cert_b64: String = pem
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|rest| rest.split("-----END CERTIFICATE-----").next())
        .ok_or_else(|| {
            AuthError(format!(
                "{} holds no certificate: give a PEM file with the private key and the certificate",
                path.display()
            ))
        })?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(cert_b64)
        .map_err(|e| {
            AuthError(format!(
                "{}: the certificate is not base64: {e}",
                path.display()
            ))
        })?;
    let thumbprint = sha1::Sha1::digest(&der);
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| {
        AuthError(format!(
            "{}: no RSA private key nhi can use ({e}); give a PEM with an unencrypted RSA key",
            path.display()
        ))
    })?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.x5t = Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(thumbprint));
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": format!("nhi-{now}-{}", std::process::id()),
        "nbf": now,
        "iat": now,
        "exp": now + 600,
    });
    jsonwebtoken::encode(&header, &claims, &key)
        .map(Secret::new)
        .map_err(|e| AuthError(format!("cannot sign the client assertion: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_picks_the_sdk_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let c = CredentialSource::from_env(&env(&[
            ("AZURE_CLIENT_ID", "id"),
            ("AZURE_CLIENT_SECRET", "s3cret"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/t"),
        ]));
        assert!(matches!(c, CredentialSource::ClientSecret { .. }));
        assert!(!format!("{c:?}").contains("s3cret"));
        let c = CredentialSource::from_env(&env(&[
            ("AZURE_CLIENT_ID", "id"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/t"),
        ]));
        assert!(matches!(c, CredentialSource::WorkloadIdentity { .. }));
        let c = CredentialSource::from_env(&env(&[]));
        assert!(matches!(c, CredentialSource::Chain(_)));
    }

    #[test]
    fn token_errors_say_what_the_authority_said() {
        let e = parse_token(r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"}"#).expect_err("no token");
        assert_eq!(
            e,
            "invalid_client AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(
            parse_token(r#"{"access_token":"t"}"#).map(|t| t.expose().to_string()),
            Ok("t".into())
        );
        assert!(token_url("https://login", "../x").is_err());
    }
}
