//! The vocabulary of judgement: severity, confidence, category, OWASP NHI mapping, rule metadata
//! and the findings rules emit.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a rule is that the finding is real (a wildcard resource is certain; a grant under a
/// condition, or beside a policy whose content is unknown, less so).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// What a finding is about. These names are part of the report contract.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Category {
    /// Not used.
    #[serde(rename = "staleness")]
    Staleness,
    /// What it may do.
    #[serde(rename = "over-privilege")]
    OverPrivilege,
    /// Who answers for it.
    #[serde(rename = "ownership")]
    Ownership,
    /// How its credentials are kept: age, count, expiry, root.
    #[serde(rename = "hygiene")]
    Hygiene,
    /// Who may become it.
    #[serde(rename = "exposure")]
    Exposure,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Staleness,
        Category::OverPrivilege,
        Category::Ownership,
        Category::Hygiene,
        Category::Exposure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Staleness => "staleness",
            Category::OverPrivilege => "over-privilege",
            Category::Ownership => "ownership",
            Category::Hygiene => "hygiene",
            Category::Exposure => "exposure",
        }
    }
}

/// OWASP Top 10 Non-Human Identities Risks (2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Owasp {
    #[serde(rename = "NHI1")]
    ImproperOffboarding,
    #[serde(rename = "NHI2")]
    SecretLeakage,
    #[serde(rename = "NHI3")]
    VulnerableThirdParty,
    #[serde(rename = "NHI4")]
    InsecureAuthentication,
    #[serde(rename = "NHI5")]
    Overprivileged,
    #[serde(rename = "NHI6")]
    InsecureCloudDeployment,
    #[serde(rename = "NHI7")]
    LongLivedSecrets,
    #[serde(rename = "NHI8")]
    EnvironmentIsolation,
    #[serde(rename = "NHI9")]
    Reuse,
    #[serde(rename = "NHI10")]
    HumanUse,
}

impl Owasp {
    pub fn code(self) -> &'static str {
        match self {
            Owasp::ImproperOffboarding => "NHI1",
            Owasp::SecretLeakage => "NHI2",
            Owasp::VulnerableThirdParty => "NHI3",
            Owasp::InsecureAuthentication => "NHI4",
            Owasp::Overprivileged => "NHI5",
            Owasp::InsecureCloudDeployment => "NHI6",
            Owasp::LongLivedSecrets => "NHI7",
            Owasp::EnvironmentIsolation => "NHI8",
            Owasp::Reuse => "NHI9",
            Owasp::HumanUse => "NHI10",
        }
    }
}

/// Everything about a rule that does not depend on the identity it judges.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Stable id, also the rule's file name (with `_` for `-`).
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    /// Default severity; a finding may raise or lower it for a specific case, config may override.
    pub severity: Severity,
    /// Providers whose identities the rule judges; empty for a generic rule (any provider).
    pub providers: &'static [&'static str],
    /// The identity kinds the rule judges: the analyzer calls it for these only.
    pub kinds: Kinds,
    pub owasp: &'static [Owasp],
    /// CIS AWS Foundations Benchmark v3.0 controls, where one applies.
    pub cis: &'static [&'static str],
    /// What the rule looks for and why it matters.
    pub description: &'static str,
    pub remediation: &'static str,
    /// nhi.toml keys the rule reads.
    pub config: &'static [&'static str],
    pub references: &'static [&'static str],
}

/// Which identities a rule judges; the analyzer dispatches on it, so no rule starts with "is
/// this mine".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kinds {
    /// Identities of these kinds, from the rule's providers.
    Only(&'static [&'static str]),
    /// Identities of every provider and kind no `Only` rule names: what external connectors
    /// bring (an Okta API token, a Snowflake service user). A generic rule reads provider-neutral
    /// facts only (last use, expiry, creation, owner), so that a provider's own rules, when it
    /// has some, always win over it.
    Uncovered,
}

impl Kinds {
    /// Whether the rule names this provider's kind (never for [`Kinds::Uncovered`]).
    pub fn names(&self, providers: &[&str], provider: &str, kind: &str) -> bool {
        match self {
            Kinds::Only(kinds) => providers.contains(&provider) && kinds.contains(&kind),
            Kinds::Uncovered => false,
        }
    }
}

impl Serialize for Kinds {
    /// `nhi rules --format json`: the list of kinds, or `"uncovered"`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Kinds::Only(kinds) => kinds.serialize(s),
            Kinds::Uncovered => s.serialize_str("uncovered"),
        }
    }
}

/// What a rule reports about one identity (or one of its credentials).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule_id: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    /// Facts behind the finding, as a JSON object with sorted keys.
    pub evidence: serde_json::Value,
    pub credential_id: Option<String>,
}

impl Finding {
    pub fn new(meta: &RuleMeta, message: impl Into<String>) -> Self {
        Finding {
            rule_id: meta.id,
            severity: meta.severity,
            confidence: Confidence::High,
            message: message.into(),
            evidence: serde_json::Value::Object(Default::default()),
            credential_id: None,
        }
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    pub fn confidence(mut self, c: Confidence) -> Self {
        self.confidence = c;
        self
    }

    pub fn evidence(mut self, e: serde_json::Value) -> Self {
        self.evidence = e;
        self
    }

    pub fn credential(mut self, id: &str) -> Self {
        self.credential_id = Some(id.to_string());
        self
    }
}

/// A finding's evidence once judged, held as compact JSON text: a parsed tree of maps and
/// strings costs several times its text, and a large estate's findings carry hundreds of
/// megabytes of it. It is written as raw JSON (re-indented by the pretty report writer,
/// parsed by `serde_json::to_value`), so every format sees the same value, and pretty JSON the
/// same bytes, as if the tree had been kept.
#[derive(Debug, Clone)]
pub struct Evidence(Box<serde_json::value::RawValue>);

impl Evidence {
    pub fn new(value: &serde_json::Value) -> Self {
        Evidence(serde_json::value::to_raw_value(value).expect("a JSON value always serializes"))
    }
}

impl Serialize for Evidence {
    /// As raw JSON: written as it is by a compact serializer, parsed by `serde_json::to_value`,
    /// re-indented by the report's pretty writer (`render::json::to_writer_pretty`).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl JsonSchema for Evidence {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        serde_json::Value::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        serde_json::Value::json_schema(generator)
    }

    fn inline_schema() -> bool {
        serde_json::Value::inline_schema()
    }
}

#[cfg(test)]
mod tests {
    use super::Evidence;
    use serde_json::json;

    /// Kept as text, evidence is written exactly as the tree would have been.
    #[test]
    fn evidence_writes_as_its_value() {
        let value = json!({
            "paths": [{"hop": {"actions": ["iam:PassRole"], "certainty": "high"}, "n": 1.5}],
            "empty": {},
            "none": null,
            "text": "a \"quoted\" é ✓"
        });
        let evidence = Evidence::new(&value);
        assert_eq!(
            serde_json::to_string(&evidence).expect("serializes"),
            serde_json::to_string(&value).expect("serializes")
        );
        // Pretty: render::json's tests.
        assert_eq!(serde_json::to_value(&evidence).expect("serializes"), value);
    }
}
