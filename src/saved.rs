//! Reports read back: a JSON report that `nhi scan --format json` wrote, for `--baseline` and
//! `nhi diff`. Only what those need is read; every other field of the report is ignored, so a
//! report from a newer nhi of the same schema version still reads.

use crate::finding::Severity;
use crate::report::{Report, SCHEMA_VERSION};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
pub struct SavedReport {
    pub schema_version: u32,
    pub evaluated_at: String,
    #[serde(default)]
    pub sources: Vec<SavedSource>,
    pub identities: Vec<SavedIdentity>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedSource {
    pub connector: String,
    pub scope: String,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedIdentity {
    pub id: String,
    pub provider: String,
    pub kind: String,
    pub name: String,
    pub scope: String,
    pub owner: Option<SavedOwner>,
    #[serde(default)]
    pub credentials: Vec<SavedCredential>,
    #[serde(default)]
    pub findings: Vec<SavedFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SavedOwner {
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedCredential {
    pub id: String,
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedFinding {
    pub rule_id: String,
    #[serde(default)]
    pub title: String,
    pub severity: Severity,
    #[serde(default)]
    pub message: String,
    pub fingerprint: String,
    pub credential_id: Option<String>,
    /// Present when an accepted risk covered it.
    pub suppression: Option<serde_json::Value>,
}

impl SavedReport {
    /// Read a JSON report of at most `limit` bytes; the error names the file and says what is
    /// wrong with it.
    pub fn load(path: &Path, limit: u64) -> Result<SavedReport, String> {
        let shown = path.display();
        let bytes = crate::sources::files::read_bounded(path, limit)
            .map_err(|e| format!("{shown}: {e}"))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{shown}: not JSON ({e}); expected a report written by `nhi scan --format json`"
            )
        })?;
        Self::from_value(value).map_err(|e| format!("{shown}: {e}"))
    }

    /// Whether a JSON document is a report (rather than an inventory or an export).
    pub fn is_report(value: &serde_json::Value) -> bool {
        ["schema_version", "tool", "summary", "identities"]
            .iter()
            .all(|k| value.get(k).is_some())
    }

    pub fn from_value(value: serde_json::Value) -> Result<SavedReport, String> {
        if !Self::is_report(&value) {
            let what = if value.get("identities").is_some() {
                "an nhi inventory (nhi collect), not a report"
            } else {
                "not an nhi report"
            };
            return Err(format!(
                "{what}; expected a report written by `nhi scan --format json`"
            ));
        }
        match value.get("schema_version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            other => {
                return Err(format!(
                    "report schema_version {} is not supported (this nhi reads {SCHEMA_VERSION}); scan again with this version",
                    other.map_or_else(|| "(none)".to_string(), |v| v.to_string())
                ))
            }
        }
        serde_json::from_value(value).map_err(|e| {
            format!(
                "not a complete nhi report ({e}); expected one written by `nhi scan --format json`"
            )
        })
    }

    /// The same view of a report built in this run.
    pub fn of(report: &Report) -> Result<SavedReport, String> {
        let value = serde_json::to_value(report).map_err(|e| e.to_string())?;
        Self::from_value(value)
    }

    /// Every finding's fingerprint.
    pub fn fingerprints(&self) -> std::collections::BTreeSet<&str> {
        self.identities
            .iter()
            .flat_map(|i| &i.findings)
            .map(|f| f.fingerprint.as_str())
            .collect()
    }
}
