use crate::aws::AwsEstate;
use crate::gcp::GcpEstate;
use crate::policy::PolicyDocument;
use crate::{Identity, PolicyRef};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the saved-inventory format (`nhi collect`).
pub const INVENTORY_SCHEMA_VERSION: u32 = 2;

/// How much of a source could be read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

impl SourceReport {
    /// A source with `status` and nothing said yet. Prefer the named builders below.
    pub fn new(
        connector: impl Into<String>,
        scope: impl Into<String>,
        origin: impl Into<String>,
        status: SourceStatus,
    ) -> Self {
        SourceReport {
            connector: connector.into(),
            scope: scope.into(),
            origin: origin.into(),
            kind: None,
            status,
            identities: 0,
            message: None,
        }
    }

    /// Everything was read.
    pub fn ok(
        connector: impl Into<String>,
        scope: impl Into<String>,
        origin: impl Into<String>,
    ) -> Self {
        Self::new(connector, scope, origin, SourceStatus::Ok)
    }

    /// Nothing usable was read; `message` names the input and the fix.
    pub fn failed(
        connector: impl Into<String>,
        scope: impl Into<String>,
        origin: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(connector, scope, origin, SourceStatus::Failed).message(message)
    }

    /// Some of it was read; `message` says what is missing and why.
    pub fn partial(
        connector: impl Into<String>,
        scope: impl Into<String>,
        origin: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(connector, scope, origin, SourceStatus::Partial).message(message)
    }

    /// Deliberately not read; `message` says why and what would allow it.
    pub fn skipped(
        connector: impl Into<String>,
        scope: impl Into<String>,
        origin: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(connector, scope, origin, SourceStatus::Skipped).message(message)
    }

    /// The identity kind the source covers.
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// How many identities were read from it.
    pub fn identities(mut self, n: usize) -> Self {
        self.identities = n;
        self
    }

    /// What to tell a person about it.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The report of an API source read with one credential: `failed` when the credential was
    /// refused (`refused` says how, `fix` what to do about it), `partial` when `problems` says
    /// something is missing, else `ok`.
    pub fn api(
        connector: impl Into<String>,
        scope: impl Into<String>,
        origin: impl Into<String>,
        identities: usize,
        problems: &[String],
        refused: Option<&dyn std::fmt::Display>,
        fix: &str,
    ) -> Self {
        let report = match refused {
            Some(stop) => Self::failed(
                connector,
                scope,
                origin,
                format!("the key was refused ({stop}). {fix}"),
            ),
            None if problems.is_empty() => Self::ok(connector, scope, origin),
            None => Self::partial(connector, scope, origin, problems.join("; ")),
        };
        report.identities(identities)
    }

    /// A message when there is one (an empty one is none).
    pub fn message_if(mut self, message: Option<String>) -> Self {
        self.message = message.filter(|m| !m.is_empty());
        self
    }
}

/// An error with its causes, as one line: `outer: cause: root cause`. A cause whose text the line
/// already holds is left out (many errors repeat their source in their own message).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !more.is_empty() && !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// Everything collected: identities, the policy documents they refer to, and what was read.
///
/// This is nhi's inventory contract (`nhi collect` writes it, `nhi scan --from` and
/// `nhi scan --connector` read it); `docs/inventory.schema.json` is its JSON Schema and
/// `docs/connectors.md` says what each field is for. Fields may be added within a schema
/// version; none is renamed or removed without a new one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Inventory {
    /// The version of this format: 2.
    pub schema_version: u32,
    /// What each source read, and how that went.
    #[serde(default)]
    pub sources: Vec<SourceReport>,
    pub identities: Vec<Identity>,
    /// Policy documents by content hash (IAM-style policies; other providers leave it empty).
    #[serde(default)]
    pub policies: BTreeMap<PolicyRef, PolicyDocument>,
    /// Principals seen but left out because they are people, counted by reason.
    #[serde(default)]
    pub excluded: BTreeMap<String, usize>,
    /// Workloads that present identity tokens to other providers (CI repositories, service
    /// accounts): where cross-provider paths start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<crate::Workload>,
    /// AWS facts privilege analysis reads besides identities (groups, people, policy versions,
    /// organizations).
    #[serde(default, skip_serializing_if = "AwsEstate::is_empty")]
    pub aws: AwsEstate,
    /// Google Cloud facts privilege analysis reads besides identities (IAM policies of the
    /// resource hierarchy, projects, custom roles, pool providers).
    #[serde(default, skip_serializing_if = "GcpEstate::is_empty")]
    pub gcp: GcpEstate,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory {
            schema_version: INVENTORY_SCHEMA_VERSION,
            sources: Vec::new(),
            identities: Vec::new(),
            policies: BTreeMap::new(),
            excluded: BTreeMap::new(),
            workloads: Vec::new(),
            aws: AwsEstate::default(),
            gcp: GcpEstate::default(),
        }
    }
}

impl Inventory {
    /// Add another inventory's content to this one.
    pub fn merge(&mut self, mut other: Inventory) {
        self.sources.extend(other.sources);
        // Moved, not copied, into an empty inventory (the usual case: a million identities
        // would otherwise be copied once more).
        if self.identities.is_empty() {
            self.identities = other.identities;
        } else {
            self.identities.extend(other.identities);
        }
        // Documents are keyed by their content: either map's copy of a key is the same, so the
        // smaller map goes into the larger.
        if other.policies.len() > self.policies.len() {
            std::mem::swap(&mut self.policies, &mut other.policies);
        }
        self.policies.extend(other.policies);
        for (reason, n) in other.excluded {
            *self.excluded.entry(reason).or_default() += n;
        }
        self.workloads.extend(other.workloads);
        self.aws.merge(other.aws);
        self.gcp.merge(other.gcp);
    }

    /// Store a document and return its reference; identical documents share one entry.
    /// Every reference to one document shares its key.
    pub fn intern_policy(&mut self, doc: PolicyDocument) -> PolicyRef {
        let id = doc.content_id();
        if let Some((key, _)) = self.policies.get_key_value(id.as_str()) {
            return key.clone();
        }
        let key: PolicyRef = id.into();
        self.policies.insert(key.clone(), doc);
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
        self.workloads
            .sort_by(|a, b| (&a.provider, &a.scope, &a.id).cmp(&(&b.provider, &b.scope, &b.id)));
        self.aws.sort();
        self.gcp.sort();
    }
}
