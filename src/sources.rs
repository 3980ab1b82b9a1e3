//! `--from PATH`: exported files and saved inventories, recognized by content, not by name.
//!
//! Each file is one source in the report. A file that cannot be read or recognized is a failed
//! source with a message naming the file, what was expected and how to produce it; the others are
//! still read.

use nhi_api::{
    CollectContext, Connector, Inventory, Secret, SourceReport, SourceStatus,
    INVENTORY_SCHEMA_VERSION,
};
use nhi_aws::AwsImport;
use nhi_http::{Sleeper, TokioSleeper};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const ACCEPTED: &str = "expected a GetAccountAuthorizationDetails export (aws iam get-account-authorization-details --output json), an IAM credential report (CSV, or the JSON of aws iam get-credential-report), or an nhi inventory (nhi collect)";

/// Keys that tell the JSON inputs apart, read without building the document.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "UserDetailList")]
    users: Option<IgnoredAny>,
    #[serde(rename = "RoleDetailList")]
    roles: Option<IgnoredAny>,
    #[serde(rename = "GroupDetailList")]
    groups: Option<IgnoredAny>,
    #[serde(rename = "Policies")]
    policies: Option<IgnoredAny>,
    #[serde(rename = "Content")]
    content: Option<IgnoredAny>,
    #[serde(rename = "ReportFormat")]
    report_format: Option<IgnoredAny>,
    schema_version: Option<IgnoredAny>,
    identities: Option<IgnoredAny>,
}

/// Expand `--from` arguments: a directory means every file in it (recursively, sorted, hidden
/// files skipped).
pub fn expand(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files, &mut out);
            files.sort();
            if files.is_empty() {
                out.push(Err((
                    p.clone(),
                    "the directory has no files to read".to_string(),
                )));
            }
            out.extend(files.into_iter().map(Ok));
        } else {
            out.push(Ok(p.clone()));
        }
    }
    out
}

fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<Result<PathBuf, (PathBuf, String)>>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(Err((
                dir.to_path_buf(),
                format!("cannot list the directory: {e}"),
            )));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, files, errors);
        } else {
            files.push(path);
        }
    }
}

fn failed(origin: &str, message: String) -> SourceReport {
    SourceReport {
        kind: None,
        connector: "input".to_string(),
        scope: String::new(),
        origin: origin.to_string(),
        status: SourceStatus::Failed,
        identities: 0,
        message: Some(message),
    }
}

/// Read every `--from` path into one inventory.
pub fn load(paths: &[PathBuf]) -> Inventory {
    let mut inventory = Inventory::default();
    let mut aws = AwsImport::new();
    let mut aws_used = false;
    for item in expand(paths) {
        let path = match item {
            Ok(p) => p,
            Err((p, message)) => {
                inventory
                    .sources
                    .push(failed(&p.display().to_string(), message));
                continue;
            }
        };
        let origin = path.display().to_string();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                inventory
                    .sources
                    .push(failed(&origin, format!("cannot read the file: {e}")));
                continue;
            }
        };
        tracing::debug!(file = %origin, bytes = bytes.len(), "reading");
        match classify(&bytes) {
            Kind::Empty => inventory.sources.push(failed(&origin, format!("the file is empty; {ACCEPTED}"))),
            Kind::Binary => inventory
                .sources
                .push(failed(&origin, format!("the file is binary, not a text export; {ACCEPTED}"))),
            Kind::JsonList => inventory.sources.push(failed(
                &origin,
                format!("the file holds a JSON list, not an export object; {ACCEPTED}"),
            )),
            Kind::CredentialReportCsv(text) => {
                aws_used = true;
                aws.add_credential_report_csv(&origin, text);
            }
            Kind::Json => match serde_json::from_slice::<Probe>(&bytes) {
                Err(e) => inventory.sources.push(failed(&origin, nhi_aws::json_error_message(&e, ACCEPTED))),
                Ok(p) if p.users.is_some() || p.roles.is_some() || p.groups.is_some() || p.policies.is_some() => {
                    aws_used = true;
                    aws.add_gaad(&origin, &bytes);
                }
                Ok(p) if p.content.is_some() && p.report_format.is_some() => {
                    aws_used = true;
                    aws.add_credential_report_json(&origin, &bytes);
                }
                Ok(p) if p.schema_version.is_some() && p.identities.is_some() => {
                    read_inventory(&mut inventory, &origin, &bytes);
                }
                Ok(_) => inventory.sources.push(failed(
                    &origin,
                    format!("the JSON object is not a recognized export; {ACCEPTED}"),
                )),
            },
            Kind::Other => inventory.sources.push(failed(
                &origin,
                format!("the file is neither JSON nor a credential report CSV (header user,arn,user_creation_time,...); {ACCEPTED}"),
            )),
        }
    }
    if aws_used {
        inventory.merge(aws.finish());
    }
    inventory.sort();
    inventory
}

fn read_inventory(inventory: &mut Inventory, origin: &str, bytes: &[u8]) {
    match serde_json::from_slice::<Inventory>(bytes) {
        Ok(saved) if saved.schema_version == INVENTORY_SCHEMA_VERSION => inventory.merge(saved),
        Ok(saved) => inventory.sources.push(failed(
            origin,
            format!(
                "inventory schema_version {} is not supported (this nhi reads {INVENTORY_SCHEMA_VERSION}); collect it again with this version",
                saved.schema_version
            ),
        )),
        Err(e) => inventory.sources.push(failed(
            origin,
            nhi_aws::json_error_message(&e, "expected an inventory written by `nhi collect`"),
        )),
    }
}

enum Kind<'a> {
    Empty,
    Binary,
    Json,
    JsonList,
    CredentialReportCsv(&'a str),
    Other,
}

fn classify(bytes: &[u8]) -> Kind<'_> {
    let trimmed = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let Some(first) = trimmed.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Kind::Empty;
    };
    // A NUL in the first KiB is the usual sign of binary data; text exports never have one.
    if trimmed.iter().take(1024).any(|&b| b == 0) {
        return Kind::Binary;
    }
    match first {
        b'{' => Kind::Json,
        b'[' => Kind::JsonList,
        _ => match std::str::from_utf8(trimmed) {
            Ok(text) if AwsImport::is_credential_report(text) => Kind::CredentialReportCsv(text),
            Ok(_) => Kind::Other,
            Err(_) => Kind::Binary,
        },
    }
}

/// An API source asked for on the command line.
#[derive(Debug, Clone)]
pub struct ApiSource {
    /// Connector name: `openai` or `anthropic`.
    pub connector: &'static str,
    pub base_url: String,
}

/// A failed source for an API that could not be set up (no token, bad URL).
fn setup_failed(source: &ApiSource, message: String) -> Box<SourceReport> {
    Box::new(SourceReport {
        kind: None,
        connector: source.connector.to_string(),
        scope: String::new(),
        origin: source.base_url.clone(),
        status: SourceStatus::Failed,
        identities: 0,
        message: Some(message),
    })
}

/// Build the connector for an API source, reading its token from the environment (never from
/// the command line).
fn connector(
    source: &ApiSource,
    sleeper: Arc<dyn Sleeper>,
) -> Result<Box<dyn Connector>, Box<SourceReport>> {
    let (vars, what): (&[&str], &str) = match source.connector {
        nhi_openai::CONNECTOR => (
            nhi_openai::TOKEN_VARS,
            "an OpenAI organization admin key (Organization settings → Admin keys)",
        ),
        nhi_anthropic::CONNECTOR => (
            nhi_anthropic::TOKEN_VARS,
            "an Anthropic admin key, sk-ant-admin... (Claude Console → Settings → Admin keys)",
        ),
        other => return Err(setup_failed(source, format!("unknown connector {other}"))),
    };
    let Some(token) = Secret::from_env(vars) else {
        return Err(setup_failed(
            source,
            format!(
                "{} is not set: set it to {what}; nhi reads keys only from the environment",
                vars.join(" or ")
            ),
        ));
    };
    let built: Result<Box<dyn Connector>, nhi_http::HttpError> = match source.connector {
        nhi_openai::CONNECTOR => nhi_openai::OpenAi::new(&source.base_url, token, sleeper)
            .map(|c| Box::new(c) as Box<dyn Connector>),
        _ => nhi_anthropic::Anthropic::new(&source.base_url, token, sleeper)
            .map(|c| Box::new(c) as Box<dyn Connector>),
    };
    built.map_err(|e| setup_failed(source, e.to_string()))
}

/// GitHub organizations asked for on the command line.
#[derive(Debug, Clone)]
pub struct GithubSource {
    pub options: nhi_github::GithubOptions,
    /// GitHub App authentication; `None` reads a token from the environment.
    pub app: Option<GithubApp>,
}

#[derive(Debug, Clone)]
pub struct GithubApp {
    pub app_id: u64,
    /// The app's private key (PEM). A path, never the key itself, is given on the command line.
    pub key_file: PathBuf,
    pub installation_id: u64,
}

/// The GitHub connector, or why it cannot run (one failed source per organization).
fn github_connector(
    source: &GithubSource,
    sleeper: Arc<dyn Sleeper>,
) -> Result<Box<dyn Connector>, Vec<SourceReport>> {
    let fail = |message: String| {
        source
            .options
            .orgs
            .iter()
            .map(|org| SourceReport {
                connector: nhi_github::CONNECTOR.to_string(),
                scope: org.clone(),
                origin: source.options.api_url.clone(),
                kind: None,
                status: SourceStatus::Failed,
                identities: 0,
                message: Some(message.clone()),
            })
            .collect::<Vec<_>>()
    };
    let auth = match &source.app {
        Some(app) => {
            let key = std::fs::read_to_string(&app.key_file).map_err(|e| {
                fail(format!(
                    "cannot read the GitHub App private key {}: {e}; give the .pem file downloaded from the app's settings",
                    app.key_file.display()
                ))
            })?;
            nhi_github::Auth::App {
                app_id: app.app_id,
                private_key: Secret::new(key),
                installation_id: app.installation_id,
            }
        }
        None => match Secret::from_env(nhi_github::TOKEN_VARS) {
            Some(token) => nhi_github::Auth::Token(token),
            None => {
                return Err(fail(format!(
                    "{} is not set: set it to a token that can read the organization (a fine-grained token or GitHub App for full coverage), or use --github-app-id; nhi reads tokens only from the environment",
                    nhi_github::TOKEN_VARS.join(" or ")
                )))
            }
        },
    };
    Ok(Box::new(nhi_github::Github::new(
        source.options.clone(),
        auth,
        sleeper,
    )))
}

/// Collect from every API source (and live AWS and GitHub, when asked) concurrently.
pub async fn collect_apis(
    sources: &[ApiSource],
    aws: Option<&nhi_aws::live::LiveOptions>,
    github: Option<&GithubSource>,
    ctx: &CollectContext,
) -> Inventory {
    let sleeper: Arc<dyn Sleeper> = Arc::new(TokioSleeper);
    let mut inventory = Inventory::default();
    let mut connectors: Vec<Box<dyn Connector>> = Vec::new();
    if let Some(options) = aws {
        connectors.push(Box::new(nhi_aws::live::AwsLive::new(options.clone())));
    }
    if let Some(source) = github {
        match github_connector(source, sleeper.clone()) {
            Ok(c) => connectors.push(c),
            Err(reports) => inventory.sources.extend(reports),
        }
    }
    for s in sources {
        match connector(s, sleeper.clone()) {
            Ok(c) => connectors.push(c),
            Err(report) => inventory.sources.push(*report),
        }
    }
    let collected = futures_util::future::join_all(connectors.iter().map(|c| c.collect(ctx))).await;
    for inv in collected {
        inventory.merge(inv);
    }
    inventory.sort();
    inventory
}
