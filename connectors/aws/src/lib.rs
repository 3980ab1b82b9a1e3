//! nhi connector for AWS IAM.
//!
//! This crate reads the two standard exports:
//! - `aws iam get-account-authorization-details --output json` (GAAD), in the CLI's form (policy
//!   documents as objects) or the API's (URL-encoded strings), in one file or several page files;
//! - the credential report, as CSV, or as the JSON `aws iam get-credential-report` prints
//!   (base64 `Content`).
//!
//! and normalizes them into the model of `nhi-api`. Files are added one by one to an
//! [`AwsImport`] (the `--from` importer), which joins them by account and ARN when it finishes;
//! [`AwsLive`] reads the same data through the API (one account, named accounts or a whole
//! organization).
//!
//! Layout: [`types`] holds the wire formats, [`fetch`] every API call, `normalize` (pure) maps
//! payloads to identities.

pub mod fetch;
mod normalize;
#[cfg(test)]
mod robustness;
pub mod types;

pub use fetch::{AwsLive, LiveOptions};
pub use types::{credential_report, gaad};

use base64::Engine;
use nhi_api::import::{json_error_message, Importer, JsonShape, Sniffed};
use nhi_api::{Inventory, SourceReport};
use serde::Deserialize;

pub const CONNECTOR: &str = "aws";

/// The command that produces a GAAD export, for error messages.
pub const GAAD_HINT: &str =
    "produce it with `aws iam get-account-authorization-details --output json > gaad.json`";
/// The commands that produce a credential report, for error messages.
pub const REPORT_HINT: &str = "produce it with `aws iam generate-credential-report` then `aws iam get-credential-report --query Content --output text | base64 -d > credential-report.csv`";

/// A GAAD file that has been read, with where it came from.
struct GaadFile {
    origin: String,
    gaad: gaad::Gaad,
}

/// A GAAD as added: parsed already (from the API), or a file's bytes, parsed when the import
/// finishes, all files at once on every core.
enum GaadSlot {
    Parsed(GaadFile),
    Bytes { origin: String, bytes: Vec<u8> },
}

impl GaadSlot {
    fn parse(self) -> Result<GaadFile, (String, String)> {
        match self {
            GaadSlot::Parsed(file) => Ok(file),
            GaadSlot::Bytes { origin, bytes } => {
                let parsed = serde_json::from_slice::<gaad::Gaad>(&bytes);
                drop(bytes);
                match parsed {
                    Ok(gaad) if gaad.looks_like_gaad() => Ok(GaadFile { origin, gaad }),
                    Ok(_) => Err((
                        origin,
                        format!("this JSON is not a GetAccountAuthorizationDetails export (no UserDetailList, RoleDetailList, GroupDetailList or Policies); {GAAD_HINT}"),
                    )),
                    Err(e) => Err((origin, json_error_message(&e, GAAD_HINT))),
                }
            }
        }
    }
}

struct ReportFile {
    origin: String,
    rows: Vec<credential_report::ReportRow>,
    row_errors: Vec<String>,
}

/// Collects AWS export files, then normalizes them together.
#[derive(Default)]
pub struct AwsImport {
    gaads: Vec<GaadSlot>,
    reports: Vec<ReportFile>,
    organizations: Vec<(String, types::organization::OrganizationExport)>,
    failed: Vec<SourceReport>,
}

/// The JSON that `aws iam get-credential-report` prints without `--query`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialReportEnvelope {
    content: String,
}

impl AwsImport {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a text looks like a credential report (CSV).
    pub fn is_credential_report(text: &str) -> bool {
        text.trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(credential_report::HEADER_START)
    }

    /// Add a file already recognized as a GAAD export (a JSON object with GAAD lists).
    /// Its bytes are kept and parsed when the import finishes, with the other files in parallel.
    pub fn add_gaad(&mut self, origin: &str, bytes: &[u8]) {
        self.gaads.push(GaadSlot::Bytes {
            origin: origin.to_string(),
            bytes: bytes.to_vec(),
        });
    }

    /// Add a GAAD already read (from the API).
    pub fn add_gaad_parsed(&mut self, origin: &str, gaad: gaad::Gaad) {
        self.gaads.push(GaadSlot::Parsed(GaadFile {
            origin: origin.to_string(),
            gaad,
        }));
    }

    /// Add an organization export (`docs/aws-organization-export.sh`).
    pub fn add_organization(&mut self, origin: &str, bytes: &[u8]) {
        match serde_json::from_slice(bytes) {
            Ok(export) => self.organizations.push((origin.to_string(), export)),
            Err(e) => self.fail(origin, json_error_message(&e, ORGANIZATION_HINT)),
        }
    }

    /// Add an organization export already read (from the API).
    pub fn add_organization_parsed(
        &mut self,
        origin: &str,
        export: types::organization::OrganizationExport,
    ) {
        self.organizations.push((origin.to_string(), export));
    }

    /// Add a credential report, as CSV text.
    pub fn add_credential_report_csv(&mut self, origin: &str, text: &str) {
        let text = text.trim_start_matches('\u{feff}');
        match credential_report::parse(text) {
            Ok(parsed) => self.reports.push(ReportFile {
                origin: origin.to_string(),
                rows: parsed.rows,
                row_errors: parsed.row_errors.iter().map(|e| e.to_string()).collect(),
            }),
            Err(e) => self.fail(origin, format!("{e}; {REPORT_HINT}")),
        }
    }

    /// Add a credential report as the JSON `aws iam get-credential-report` prints.
    pub fn add_credential_report_json(&mut self, origin: &str, bytes: &[u8]) {
        let envelope: CredentialReportEnvelope = match serde_json::from_slice(bytes) {
            Ok(e) => e,
            Err(e) => return self.fail(origin, json_error_message(&e, REPORT_HINT)),
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(envelope.content.trim())
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()));
        match decoded {
            Ok(text) => self.add_credential_report_csv(origin, &text),
            Err(e) => self.fail(
                origin,
                format!("the credential report's Content is not base64-encoded CSV ({e}); {REPORT_HINT}"),
            ),
        }
    }

    fn fail(&mut self, origin: &str, message: String) {
        self.failed
            .push(SourceReport::failed(CONNECTOR, "", origin, message));
    }

    /// Join every file added so far by account and normalize.
    pub fn finish(mut self) -> Inventory {
        use rayon::prelude::*;
        let parsed: Vec<_> = std::mem::take(&mut self.gaads)
            .into_par_iter()
            .map(GaadSlot::parse)
            .collect();
        let mut gaads = Vec::with_capacity(parsed.len());
        for result in parsed {
            match result {
                Ok(file) => gaads.push(file),
                Err((origin, why)) => self.fail(&origin, why),
            }
        }
        let mut inventory = normalize::normalize(&gaads, &self.reports);
        drop(gaads);
        for (origin, export) in &self.organizations {
            let (org, problems) = normalize::organization(export, origin, &mut inventory);
            let summary = format!(
                "organization {}: guardrails of {} account(s) read ({} service and resource control policies)",
                org.id,
                org.accounts.len(),
                export.policies.len()
            );
            let report = if problems.is_empty() {
                SourceReport::ok(CONNECTOR, &org.id, origin).message(summary)
            } else {
                SourceReport::partial(
                    CONNECTOR,
                    &org.id,
                    origin,
                    format!("{summary}; {}", problems.join("; ")),
                )
            };
            inventory.sources.push(report);
            inventory.aws.organizations.push(org);
        }
        inventory.sources.extend(self.failed);
        inventory.sort();
        inventory
    }
}

/// An organization export: `Organization` beside the accounts and policies.
fn is_organization(shape: &JsonShape) -> bool {
    shape.object_has("Organization") && shape.object_has("Accounts")
}

/// The script that makes an organization export, for error messages.
pub const ORGANIZATION_HINT: &str =
    "produce it with docs/aws-organization-export.sh (run from the management account)";

/// GAAD keys: an object with any of them is a GAAD export (or one of its pages).
const GAAD_KEYS: &[&str] = &[
    "UserDetailList",
    "RoleDetailList",
    "GroupDetailList",
    "Policies",
];

impl Importer for AwsImport {
    fn accepts(&self) -> &'static str {
        "a GetAccountAuthorizationDetails export (aws iam get-account-authorization-details --output json), an IAM credential report (CSV, or the JSON of aws iam get-credential-report), an AWS Organizations export (docs/aws-organization-export.sh)"
    }

    fn claims(&self, file: &Sniffed<'_>) -> bool {
        match &file.json {
            Some(shape @ JsonShape::Object(_)) => {
                is_organization(shape)
                    || GAAD_KEYS.iter().any(|k| shape.object_has(k))
                    || (shape.object_has("Content") && shape.object_has("ReportFormat"))
            }
            Some(JsonShape::List(_)) => false,
            None => file.text.is_some_and(Self::is_credential_report),
        }
    }

    fn add(&mut self, origin: &str, bytes: &[u8], file: &Sniffed<'_>) {
        match (&file.json, file.text) {
            (Some(shape), _) if is_organization(shape) => self.add_organization(origin, bytes),
            (Some(shape), _) if GAAD_KEYS.iter().any(|k| shape.object_has(k)) => {
                self.add_gaad(origin, bytes)
            }
            (Some(_), _) => self.add_credential_report_json(origin, bytes),
            (None, Some(text)) => self.add_credential_report_csv(origin, text),
            (None, None) => self.fail(origin, format!("the file is not UTF-8 text; {REPORT_HINT}")),
        }
    }

    fn is_used(&self) -> bool {
        !(self.gaads.is_empty()
            && self.reports.is_empty()
            && self.organizations.is_empty()
            && self.failed.is_empty())
    }

    fn finish(self: Box<Self>) -> Inventory {
        AwsImport::finish(*self)
    }
}
