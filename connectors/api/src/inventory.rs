use crate::policy::PolicyDocument;
use crate::{Identity, PolicyRef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the saved-inventory format (`nhi collect`).
pub const INVENTORY_SCHEMA_VERSION: u32 = 1;

/// How much of a source could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// Everything was read.
    Ok,
    /// Some of it was read; `message` says what is missing and why.
    Partial,
    /// Nothing usable was read.
    Failed,
    /// Deliberately not read (not configured, or not permitted and not required).
    Skipped,
}

impl SourceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceStatus::Ok => "ok",
            SourceStatus::Partial => "partial",
            SourceStatus::Failed => "failed",
            SourceStatus::Skipped => "skipped",
        }
    }

    /// Whether the run should exit with the input-error code.
    pub fn is_error(self) -> bool {
        matches!(self, SourceStatus::Partial | SourceStatus::Failed)
    }
}

/// One thing a connector read (a file, an account, an organization), and how that went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceReport {
    /// Connector name, e.g. `aws`.
    pub connector: String,
    /// What it covers: account id, organization; empty when unknown (a file that failed to parse).
    pub scope: String,
    /// Where it was read from: a file path or an API endpoint.
    pub origin: String,
    /// The identity kind it covers, when a source is read kind by kind (a GitHub organization's
    /// deploy keys, its fine-grained PATs): one kind can be skipped while the others are read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub status: SourceStatus,
    /// Identities read from it.
    pub identities: usize,
    /// What is missing and how to fix it; `None` when status is `ok` and there is nothing to say.
    #[serde(default)]
    pub message: Option<String>,
}

/// Everything collected: identities, the policy documents they refer to, and what was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub schema_version: u32,
    pub sources: Vec<SourceReport>,
    pub identities: Vec<Identity>,
    /// Policy documents by content hash.
    pub policies: BTreeMap<PolicyRef, PolicyDocument>,
    /// Principals seen but left out because they are people, counted by reason.
    pub excluded: BTreeMap<String, usize>,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory {
            schema_version: INVENTORY_SCHEMA_VERSION,
            sources: Vec::new(),
            identities: Vec::new(),
            policies: BTreeMap::new(),
            excluded: BTreeMap::new(),
        }
    }
}

impl Inventory {
    /// Add another inventory's content to this one.
    pub fn merge(&mut self, other: Inventory) {
        self.sources.extend(other.sources);
        self.identities.extend(other.identities);
        self.policies.extend(other.policies);
        for (reason, n) in other.excluded {
            *self.excluded.entry(reason).or_default() += n;
        }
    }

    /// Store a document and return its reference; identical documents share one entry.
    pub fn intern_policy(&mut self, doc: PolicyDocument) -> PolicyRef {
        let key = doc.content_id();
        self.policies.entry(key.clone()).or_insert(doc);
        key
    }

    /// Put identities and sources in a canonical order so output does not depend on input order.
    pub fn sort(&mut self) {
        self.identities.sort_by(|a, b| {
            (&a.provider, &a.scope, &a.kind, &a.id).cmp(&(&b.provider, &b.scope, &b.kind, &b.id))
        });
        self.sources.sort_by(|a, b| {
            (&a.connector, &a.origin, &a.scope).cmp(&(&b.connector, &b.origin, &b.scope))
        });
    }
}
