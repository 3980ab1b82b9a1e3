//! The report: one frozen, versioned struct that every renderer reads.
//!
//! This is the JSON contract (schema_version 1), deliberately separate from the internal model so
//! that internal changes cannot change the output by accident. Adding a field is compatible;
//! renaming or removing one needs a new schema version. `docs/report.schema.json` describes it.

use crate::analyzer::{Analysis, Assessment, Judged};
use crate::finding::{Category, Confidence, Severity};
use chrono::{DateTime, SecondsFormat, Utc};
use nhi_api::{Credential, CredentialStatus, Inventory, LastUsed, SourceStatus};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

// Borrows the inventory's strings (`'a`): a million identities' ids and names are not copied
// again to be written.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report<'a> {
    pub schema_version: u32,
    pub tool: Tool,
    pub evaluated_at: String,
    pub sources: Vec<Source>,
    pub summary: Summary,
    pub identities: Vec<ReportIdentity<'a>>,
    /// Every `[[suppress]]` entry of the config and what it did: `active` (it suppresses
    /// `findings`), `expired` (its date has passed: the `findings` it matches count again) or
    /// `stale` (it matches nothing). Absent when the config has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<SuppressionReport>,
    /// The rules that ran (metadata for renderers such as SARIF).
    #[serde(skip)]
    #[schemars(skip)]
    pub rules: Vec<&'static crate::finding::RuleMeta>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Source {
    pub connector: String,
    pub scope: String,
    pub origin: String,
    /// The identity kind the source covers, when a connector reports kind by kind (GitHub).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[schemars(with = "SourceStatusSchema")]
    pub status: SourceStatus,
    pub identities: usize,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct BySeverity {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl BySeverity {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Summary {
    pub identities: usize,
    /// Findings not suppressed (accepted risks are counted in `suppressed`).
    pub findings: usize,
    /// Findings not suppressed, per severity.
    pub by_severity: BySeverity,
    /// Findings not suppressed, per category; every category is present.
    pub by_category: BTreeMap<&'static str, usize>,
    /// Findings an active `[[suppress]]` entry covers (they are in `identities` with their
    /// `suppression`, and in no other count).
    pub suppressed: usize,
    /// With `--baseline`: findings by their state against the baseline report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// Identities per kind.
    pub by_kind: BTreeMap<String, usize>,
    /// Principals left out because they are people, by reason.
    pub excluded: BTreeMap<String, usize>,
    /// Identities inventoried but not judged (managed by the provider itself).
    pub not_judged: usize,
    /// Identities that AI agents act as (AWS roles trusted by Bedrock, AgentCore, SageMaker),
    /// per provider.
    pub ai_agents: BTreeMap<String, usize>,
}

/// Findings compared with a baseline report (`--baseline`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BaselineSummary {
    /// Findings whose fingerprint the baseline lacks (suppressed ones included).
    pub new: usize,
    /// Findings the baseline has too.
    pub existing: usize,
    /// Findings of the baseline that this report no longer has.
    pub resolved: usize,
}

/// A finding's state against the baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    New,
    Existing,
}

/// The `[[suppress]]` entry that covers a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AppliedSuppression {
    pub reason: String,
    pub accepted_by: Option<String>,
    /// The first day (YYYY-MM-DD, UTC) it no longer applies, if it lapses.
    pub expires: Option<String>,
    /// The line of its `[[suppress]]` header in the config file.
    pub line: usize,
}

/// What a `[[suppress]]` entry did in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionStatus {
    /// It suppresses the findings it matches.
    Active,
    /// Its `expires` date has passed: the findings it matches count again.
    Expired,
    /// It matches no finding: the risk is gone, or the entry is wrong.
    Stale,
}

/// One `[[suppress]]` entry and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SuppressionReport {
    /// The line of its `[[suppress]]` header in the config file.
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The identity glob (with `rule`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    pub reason: String,
    pub accepted_by: Option<String>,
    pub expires: Option<String>,
    pub status: SuppressionStatus,
    /// Findings it matches (when several entries match one finding, the first applies).
    pub findings: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Owner {
    pub value: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportCredential {
    pub id: String,
    pub kind: String,
    #[schemars(with = "CredentialStatusSchema")]
    pub status: CredentialStatus,
    pub created_at: Option<String>,
    pub last_used_at: Option<String>,
    /// `used`, `never` or `unknown`: whether `last_used_at` is null because the credential was
    /// never used or because the source cannot tell.
    pub usage: &'static str,
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Risk {
    pub score: u8,
    /// Highest finding severity, or `none`.
    pub severity: &'static str,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportFinding {
    pub rule_id: &'static str,
    pub title: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    pub evidence: crate::finding::Evidence,
    pub remediation: &'static str,
    pub fingerprint: String,
    // The rule's OWASP NHI Top 10 codes (`NHI5`), not copied per finding.
    #[schemars(with = "Vec<String>")]
    pub owasp: &'static [crate::finding::Owasp],
    #[schemars(with = "Vec<String>")]
    pub cis: &'static [&'static str],
    pub credential_id: Option<String>,
    /// The accepted risk (`[[suppress]]` entry) that covers it; absent when none applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<AppliedSuppression>,
    /// With `--baseline`: `new` when the baseline report lacks its fingerprint, else `existing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

impl ReportFinding {
    /// Whether it counts: in the summary, the exit code, the table and ticket feeds. Suppressed
    /// findings do not.
    pub fn is_open(&self) -> bool {
        self.suppression.is_none()
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportIdentity<'a> {
    pub id: &'a str,
    pub provider: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub scope: &'a str,
    pub origin: Option<&'a str>,
    pub created_at: Option<String>,
    pub last_used_at: Option<String>,
    pub usage: &'static str,
    pub owner: Option<Owner>,
    pub provider_managed: bool,
    /// The AI agent service this identity acts for, if any.
    pub ai_agent: Option<&'a str>,
    pub credentials: Vec<ReportCredential>,
    pub risk: Risk,
    pub findings: Vec<ReportFinding>,
    /// Workloads of other providers that can become this identity (CI jobs through a role's
    /// OIDC trust); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reached_by: Vec<crate::privilege::federation::WayIn>,
    /// What the workloads this identity speaks for can become in other providers (a GitHub
    /// organization's workflow token: its repositories' OIDC roles); absent when nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reaches: Vec<crate::privilege::federation::WayOut>,
    /// What it may do, in the provider's own words (OAuth scopes, admin roles), as its connector
    /// named them (inventory `permissions` of source `grant`); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<&'a str>,
}

/// How much of a source could be read (mirrors `nhi_api::SourceStatus` for the schema).
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum SourceStatusSchema {
    Ok,
    Partial,
    Failed,
    Skipped,
}

/// A credential's state (mirrors `nhi_api::CredentialStatus` for the schema).
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum CredentialStatusSchema {
    Active,
    Inactive,
    Expired,
    Revoked,
    Unknown,
}

/// The report's JSON Schema (draft 2020-12), as published in `docs/report.schema.json`.
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default();
    schema["$id"] =
        serde_json::Value::String("https://github.com/nhi-dev/nhi/docs/report.schema.json".into());
    schema["title"] =
        serde_json::Value::String(format!("nhi report, schema_version {SCHEMA_VERSION}"));
    schema
}

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn usage(u: LastUsed) -> &'static str {
    match u {
        LastUsed::At(_) => "used",
        LastUsed::Never => "never",
        LastUsed::Unknown => "unknown",
    }
}

fn credential(c: &Credential) -> ReportCredential {
    ReportCredential {
        id: c.id.clone(),
        kind: c.kind.clone(),
        status: c.status,
        created_at: c.created_at.map(time),
        last_used_at: c.last_used.at().map(time),
        usage: usage(c.last_used),
        expires_at: c.expires.at().map(time),
    }
}

fn finding(j: Judged) -> ReportFinding {
    ReportFinding {
        rule_id: j.meta.id,
        title: j.meta.title,
        category: j.meta.category,
        severity: j.finding.severity,
        confidence: j.finding.confidence,
        message: j.finding.message,
        evidence: j.evidence,
        remediation: j.meta.remediation,
        fingerprint: j.fingerprint,
        owasp: j.meta.owasp,
        cis: j.meta.cis,
        credential_id: j.finding.credential_id,
        suppression: None,
        baseline: None,
    }
}

/// The report's entry for one assessment, moving its findings and paths (a copy of a large
/// estate's findings would double the memory they take).
fn identity(a: Assessment<'_>) -> ReportIdentity<'_> {
    let i = a.identity;
    ReportIdentity {
        id: &i.id,
        provider: &i.provider,
        kind: &i.kind,
        name: &i.name,
        scope: &i.scope,
        origin: i.origin.as_deref(),
        created_at: i.created_at.map(time),
        last_used_at: i.last_used.at().map(time),
        usage: usage(i.last_used),
        owner: a.owner.map(|o| Owner {
            value: o.value,
            source: o.source,
        }),
        provider_managed: i.provider_managed,
        ai_agent: i.ai_agent.as_deref(),
        credentials: i.credentials.iter().map(credential).collect(),
        risk: Risk {
            score: a.risk.score,
            severity: a.risk.severity.map(Severity::as_str).unwrap_or("none"),
        },
        findings: a.findings.into_iter().map(finding).collect(),
        reached_by: a.reached_by,
        reaches: a.reaches,
        grants: i
            .permissions
            .iter()
            .filter(|p| p.source == nhi_api::PermissionSource::Grant)
            .map(|p| p.name.as_str())
            .collect(),
    }
}

impl<'a> Report<'a> {
    pub fn build(inventory: &Inventory, analysis: Analysis<'a>, now: DateTime<Utc>) -> Report<'a> {
        let not_judged = analysis.assessments.iter().filter(|a| !a.judged).count();
        let rules = analysis.rules;
        let identities: Vec<ReportIdentity> =
            analysis.assessments.into_iter().map(identity).collect();
        let mut by_kind = BTreeMap::new();
        let mut ai_agents = BTreeMap::new();
        for i in &identities {
            *by_kind.entry(i.kind.to_string()).or_default() += 1;
            if i.ai_agent.is_some() {
                *ai_agents.entry(i.provider.to_string()).or_default() += 1;
            }
        }
        let mut report = Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "nhi",
                version: env!("CARGO_PKG_VERSION"),
            },
            evaluated_at: time(now),
            sources: inventory
                .sources
                .iter()
                .map(|s| Source {
                    connector: s.connector.clone(),
                    scope: s.scope.clone(),
                    origin: s.origin.clone(),
                    kind: s.kind.clone(),
                    status: s.status,
                    identities: s.identities,
                    message: s.message.clone(),
                })
                .collect(),
            summary: Summary {
                identities: identities.len(),
                findings: 0,
                by_severity: BySeverity::default(),
                by_category: BTreeMap::new(),
                suppressed: 0,
                baseline: None,
                by_kind,
                excluded: inventory.excluded.clone(),
                not_judged,
                ai_agents,
            },
            identities,
            suppressions: Vec::new(),
            rules,
        };
        report.recount();
        report
    }

    /// Count the findings again after suppressions or a baseline were applied: the summary's
    /// counts are of open findings, suppressed ones are counted apart.
    pub fn recount(&mut self) {
        let mut by_severity = BySeverity::default();
        let mut by_category: BTreeMap<&'static str, usize> =
            Category::ALL.iter().map(|c| (c.as_str(), 0)).collect();
        let (mut findings, mut suppressed) = (0, 0);
        let (mut new, mut existing) = (0, 0);
        for f in self.identities.iter().flat_map(|i| &i.findings) {
            match f.baseline {
                Some(BaselineState::New) => new += 1,
                Some(BaselineState::Existing) => existing += 1,
                None => {}
            }
            if !f.is_open() {
                suppressed += 1;
                continue;
            }
            findings += 1;
            by_severity.add(f.severity);
            *by_category.entry(f.category.as_str()).or_default() += 1;
        }
        let s = &mut self.summary;
        s.findings = findings;
        s.by_severity = by_severity;
        s.by_category = by_category;
        s.suppressed = suppressed;
        if let Some(b) = &mut s.baseline {
            b.new = new;
            b.existing = existing;
        }
    }

    /// Whether the run fails `--fail-on severity`: an open finding at or above it (with a
    /// baseline, a new one).
    pub fn fails(&self, severity: Severity) -> bool {
        self.findings().any(|(_, f)| {
            f.is_open() && f.baseline != Some(BaselineState::Existing) && f.severity >= severity
        })
    }

    /// The highest severity of any open finding.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings()
            .filter(|(_, f)| f.is_open())
            .map(|(_, f)| f.severity)
            .max()
    }

    /// Whether any source could not be read completely.
    pub fn has_source_errors(&self) -> bool {
        self.sources.iter().any(|s| s.status.is_error())
    }

    /// Findings with their identity, in report order.
    pub fn findings(&self) -> impl Iterator<Item = (&ReportIdentity<'_>, &ReportFinding)> {
        self.identities
            .iter()
            .flat_map(|i| i.findings.iter().map(move |f| (i, f)))
    }

    /// The findings a person or a ticket feed sees: open ones, and suppressed ones too with
    /// `--show-suppressed`.
    pub fn shown(
        &self,
        show_suppressed: bool,
    ) -> impl Iterator<Item = (&ReportIdentity<'_>, &ReportFinding)> {
        self.findings()
            .filter(move |(_, f)| show_suppressed || f.is_open())
    }
}
