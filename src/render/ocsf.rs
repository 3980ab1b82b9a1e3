//! OCSF: one Detection Finding (class 2004, category 2 "Findings", OCSF schema 1.5.0) per finding,
//! one JSON object per line, for the tools that ingest OCSF (AWS Security Lake, Security Hub,
//! Prowler's pipeline, SIEMs).
//!
//! The mapping, in short: `finding_info.uid` is nhi's fingerprint (stable across runs, so a
//! consumer can de-duplicate on it); `metadata.event_code` and `finding_info.analytic` name the
//! rule; the identity is the one affected resource; the rule's remediation and references are
//! `remediation`; OWASP, CIS, evidence and the credential go to `unmapped`. Every time is the
//! report's `evaluated_at`, never the clock, so the same input gives the same bytes.
//!
//! OCSF has no field that tells clouds apart from other providers, so the `cloud` object comes
//! from a data table ([`CLOUDS`]); nothing here branches on a provider otherwise.

use super::{to_io, Render};
use crate::finding::{Confidence, RuleMeta, Severity};
use crate::report::{Report, ReportFinding, ReportIdentity};
use nhi_api::providers;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};

pub struct Ocsf;

/// The OCSF schema version the objects follow (what `metadata.version` says).
pub const OCSF_VERSION: &str = "1.5.0";

const CLASS_UID: u32 = 2004;
const CATEGORY_UID: u32 = 2;
/// Activity 1, "Create": each run reports its findings as found now; consumers match them to
/// earlier ones by `finding_info.uid`.
const ACTIVITY_CREATE: u32 = 1;
/// OCSF's analytic type 1, "Rule".
const ANALYTIC_RULE: u32 = 1;
const PRODUCT_URL: &str = "https://github.com/nhi-dev/nhi";

/// A provider whose scope is a cloud account, and how OCSF names it.
struct Cloud {
    /// nhi's provider id (`Identity::provider`).
    provider: &'static str,
    /// OCSF `cloud.provider`.
    name: &'static str,
    /// OCSF `account.type_id` and its caption.
    account_type_id: u32,
    account_type: &'static str,
}

/// Providers that are clouds. The others (GitHub, OpenAI, Anthropic) get no `cloud` object: their
/// scope is still the resource's group. Add a row when a cloud provider is added.
const CLOUDS: &[Cloud] = &[
    Cloud {
        provider: providers::AWS,
        name: "AWS",
        account_type_id: 10,
        account_type: "AWS Account",
    },
    Cloud {
        provider: providers::GCP,
        name: "GCP",
        // OCSF 1.5 has no "GCP Project" account type (the validator's enum stops at 10, AWS
        // Account); a project is where a service account lives, as an AWS account is.
        account_type_id: 5,
        account_type: "GCP Account",
    },
];

#[derive(Serialize)]
struct DetectionFinding<'a> {
    class_uid: u32,
    class_name: &'static str,
    category_uid: u32,
    category_name: &'static str,
    activity_id: u32,
    activity_name: &'static str,
    type_uid: u32,
    type_name: &'static str,
    time: i64,
    time_dt: &'a str,
    timezone_offset: i32,
    severity_id: u32,
    severity: &'static str,
    status_id: u32,
    status: &'static str,
    confidence_id: u32,
    confidence: &'static str,
    message: &'a str,
    metadata: Metadata<'a>,
    finding_info: FindingInfo<'a>,
    resources: [Resource<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud: Option<CloudObject<'a>>,
    remediation: Remediation<'a>,
    /// The identity's risk (0-100, nhi's score), not the finding's alone.
    risk_score: u8,
    risk_level_id: u32,
    risk_level: &'static str,
    unmapped: Unmapped<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    version: &'static str,
    product: Product<'a>,
    event_code: &'a str,
    profiles: Vec<&'static str>,
}

#[derive(Serialize)]
struct Product<'a> {
    uid: &'static str,
    name: &'static str,
    vendor_name: &'static str,
    version: &'a str,
    url_string: &'static str,
}

#[derive(Serialize)]
struct FindingInfo<'a> {
    uid: &'a str,
    title: &'a str,
    desc: &'a str,
    types: [&'static str; 1],
    analytic: Analytic<'a>,
    created_time: i64,
    created_time_dt: &'a str,
    first_seen_time: i64,
    first_seen_time_dt: &'a str,
    last_seen_time: i64,
    last_seen_time_dt: &'a str,
}

#[derive(Serialize)]
struct Analytic<'a> {
    uid: &'a str,
    name: &'a str,
    category: &'static str,
    type_id: u32,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Resource<'a> {
    uid: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    group: Group<'a>,
    labels: Vec<String>,
    data: ResourceData<'a>,
}

#[derive(Serialize)]
struct Group<'a> {
    uid: &'a str,
    name: &'a str,
}

/// What the report knows about the identity beyond OCSF's resource fields.
#[derive(Serialize)]
struct ResourceData<'a> {
    provider: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a crate::report::Owner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used_at: Option<&'a str>,
    usage: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ai_agent: Option<&'a str>,
}

#[derive(Serialize)]
struct CloudObject<'a> {
    provider: &'static str,
    account: Account<'a>,
}

#[derive(Serialize)]
struct Account<'a> {
    uid: &'a str,
    name: &'a str,
    type_id: u32,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Remediation<'a> {
    desc: &'a str,
    references: &'a [&'static str],
}

#[derive(Serialize)]
struct Unmapped<'a> {
    owasp: &'a [crate::finding::Owasp],
    cis: &'a [&'static str],
    evidence: &'a crate::finding::Evidence,
    credential_id: Option<&'a str>,
    /// The accepted risk that covers the finding (status Suppressed).
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<&'a crate::report::AppliedSuppression>,
    /// `new` or `existing`, with `--baseline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<crate::report::BaselineState>,
}

/// OCSF `severity_id` and caption.
fn severity(s: Severity) -> (u32, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// OCSF `risk_level_id` and caption, from the identity's risk severity (`none` when it has no
/// finding, which cannot happen for an identity a finding is about; Info all the same).
fn risk_level(identity_severity: &str) -> (u32, &'static str) {
    match Severity::ALL
        .into_iter()
        .find(|s| s.as_str() == identity_severity)
    {
        Some(Severity::Critical) => (4, "Critical"),
        Some(Severity::High) => (3, "High"),
        Some(Severity::Medium) => (2, "Medium"),
        Some(Severity::Low) => (1, "Low"),
        Some(Severity::Info) | None => (0, "Info"),
    }
}

fn confidence(c: Confidence) -> (u32, &'static str) {
    match c {
        Confidence::Low => (1, "Low"),
        Confidence::Medium => (2, "Medium"),
        Confidence::High => (3, "High"),
    }
}

/// OCSF `status_id` and caption: an accepted risk (`[[suppress]]`) is 3 "Suppressed", every
/// other finding nhi reports is open, 1 "New". This is the one place a finding's state maps to
/// OCSF's.
fn status(finding: &ReportFinding) -> (u32, &'static str) {
    if finding.is_open() {
        (1, "New")
    } else {
        (3, "Suppressed")
    }
}

fn labels(i: &ReportIdentity) -> Vec<String> {
    let mut labels = vec![format!("provider:{}", i.provider)];
    if let Some(owner) = &i.owner {
        labels.push(format!("owner:{}", owner.value));
    }
    if let Some(agent) = &i.ai_agent {
        labels.push(format!("ai_agent:{agent}"));
    }
    if i.provider_managed {
        labels.push("provider_managed".to_string());
    }
    labels
}

fn finding<'a>(
    report: &'a Report,
    time: i64,
    rule: Option<&'a RuleMeta>,
    i: &'a ReportIdentity,
    f: &'a ReportFinding,
) -> DetectionFinding<'a> {
    let at = report.evaluated_at.as_str();
    let (severity_id, severity) = severity(f.severity);
    let (status_id, status) = status(f);
    let (confidence_id, confidence) = confidence(f.confidence);
    let (risk_level_id, risk_level) = risk_level(i.risk.severity);
    let cloud = CLOUDS
        .iter()
        .find(|c| c.provider == i.provider)
        .map(|c| CloudObject {
            provider: c.name,
            account: Account {
                uid: i.scope,
                name: i.scope,
                type_id: c.account_type_id,
                kind: c.account_type,
            },
        });
    let mut profiles = vec!["datetime"];
    if cloud.is_some() {
        profiles.insert(0, "cloud");
    }
    DetectionFinding {
        class_uid: CLASS_UID,
        class_name: "Detection Finding",
        category_uid: CATEGORY_UID,
        category_name: "Findings",
        activity_id: ACTIVITY_CREATE,
        activity_name: "Create",
        type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
        type_name: "Detection Finding: Create",
        time,
        time_dt: at,
        timezone_offset: 0,
        severity_id,
        severity,
        status_id,
        status,
        confidence_id,
        confidence,
        message: &f.message,
        metadata: Metadata {
            version: OCSF_VERSION,
            product: Product {
                uid: "nhi",
                name: "nhi",
                vendor_name: "nhi",
                version: report.tool.version,
                url_string: PRODUCT_URL,
            },
            event_code: f.rule_id,
            profiles,
        },
        finding_info: FindingInfo {
            uid: &f.fingerprint,
            title: f.title,
            desc: rule.map(|m| m.description).unwrap_or(&f.message),
            types: [f.category.as_str()],
            analytic: Analytic {
                uid: f.rule_id,
                name: f.title,
                category: f.category.as_str(),
                type_id: ANALYTIC_RULE,
                kind: "Rule",
            },
            created_time: time,
            created_time_dt: at,
            first_seen_time: time,
            first_seen_time_dt: at,
            last_seen_time: time,
            last_seen_time_dt: at,
        },
        resources: [Resource {
            uid: i.id,
            name: i.name,
            kind: i.kind,
            group: Group {
                uid: i.scope,
                name: i.scope,
            },
            labels: labels(i),
            data: ResourceData {
                provider: i.provider,
                origin: i.origin,
                owner: i.owner.as_ref(),
                created_at: i.created_at.as_deref(),
                last_used_at: i.last_used_at.as_deref(),
                usage: i.usage,
                ai_agent: i.ai_agent,
            },
        }],
        cloud,
        remediation: Remediation {
            desc: f.remediation,
            references: rule.map(|m| m.references).unwrap_or(&[]),
        },
        risk_score: i.risk.score,
        risk_level_id,
        risk_level,
        unmapped: Unmapped {
            owasp: f.owasp,
            cis: f.cis,
            evidence: &f.evidence,
            credential_id: f.credential_id.as_deref(),
            suppression: f.suppression.as_ref(),
            baseline: f.baseline,
        },
    }
}

impl Render for Ocsf {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // OCSF times are milliseconds since the epoch.
        let time = chrono::DateTime::parse_from_rfc3339(&report.evaluated_at)
            .map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("evaluated_at {:?}: {e}", report.evaluated_at),
                )
            })?
            .timestamp_millis();
        let rules: HashMap<&str, &RuleMeta> = report.rules.iter().map(|m| (m.id, *m)).collect();
        for (i, f) in report.findings() {
            let rule = rules.get(f.rule_id).copied();
            serde_json::to_writer(&mut *out, &finding(report, time, rule, i, f)).map_err(to_io)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_uid_is_class_times_100_plus_activity() {
        assert_eq!(CLASS_UID * 100 + ACTIVITY_CREATE, 200401);
    }

    #[test]
    fn every_severity_maps_to_its_ocsf_level() {
        let ids: Vec<u32> = Severity::ALL.iter().map(|s| severity(*s).0).collect();
        assert_eq!(ids, [5, 4, 3, 2, 1]);
        assert_eq!(risk_level("critical"), (4, "Critical"));
        assert_eq!(risk_level("none"), (0, "Info"));
    }
}
