//! SARIF 2.1.0, in the shape GitHub code scanning ingests. Each finding is a result whose
//! `partialFingerprints` carries nhi's fingerprint, so code-scanning dashboards keep one alert per
//! finding across runs. Identities are logical locations.
//!
//! Code scanning accepts only relative paths: an identity read from an input file is located in
//! that file, relative to the working directory (or `--sarif-root`); every other identity (live
//! sources, saved inventories) gets a stable pseudo-path of its own, [`pseudo_path`]. Never a URL,
//! never an absolute path.
//!
//! `automationDetails.id` names the scan configuration (the sources scanned, or
//! `--sarif-category`), so that an AWS scan and a GitHub scan uploaded to one repository do not
//! close each other's alerts. GitHub's documented limits are kept ([`SarifLimits`]): when the
//! findings do not all fit, the most severe are kept and the run says what was left out.
//! Accepted risks (`[[suppress]]`) are left out, as in the ticket feeds: GitHub code scanning
//! ignores SARIF's `suppressions` and would open an alert for each. With `--show-suppressed`
//! they are results with an external, accepted suppression. With `--baseline`, each result has
//! its `baselineState`.

use super::{to_io, Render};
use crate::finding::Severity;
use crate::report::{BaselineState, Report, ReportFinding, ReportIdentity};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// GitHub code scanning's limits on one SARIF upload (docs.github.com, "SARIF support for code
/// scanning" and "SARIF results exceed limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SarifLimits {
    /// Results per run. GitHub rejects a run over 25,000 and stores only 5,000 of them, so
    /// nhi keeps the 5,000 most severe itself (`--sarif-max-results`).
    pub results: usize,
    /// The upload's size in bytes, gzip-compressed as GitHub measures it (10 MB).
    pub bytes: usize,
    /// Tags per rule: GitHub rejects more than 20 and shows 10.
    pub tags: usize,
}

impl SarifLimits {
    /// The most results GitHub accepts in one run; more and it rejects the upload.
    pub const MAX_RESULTS: usize = 25_000;
    /// The most results GitHub stores of one run.
    pub const DEFAULT_RESULTS: usize = 5_000;
}

impl Default for SarifLimits {
    fn default() -> Self {
        SarifLimits {
            results: Self::DEFAULT_RESULTS,
            bytes: 10_000_000,
            tags: 10,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SarifOptions {
    /// Input files by their origin in the report, with the relative URI each gets.
    pub files: BTreeMap<String, String>,
    /// `--sarif-category`: the `automationDetails.id` category instead of the derived one.
    pub category: Option<String>,
    pub limits: SarifLimits,
    /// `--show-suppressed`: accepted risks are results too, with their suppression.
    pub show_suppressed: bool,
}

pub struct Sarif(pub SarifOptions);

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/nhi-dev/nhi";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning reads this to rank alerts.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A relative URI reference for a relative file path (`\\` read as `/`).
pub fn relative_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '\\' => out.push('/'),
            c if c.is_ascii_alphanumeric() || "-._~/@!$&'()*+,;=".contains(c) => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

/// `path` with `.` and `..` resolved without asking the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The URI of each input file relative to `root` (the working directory `cwd` when none), by
/// the origin the report gives it (the path as `--from` expanded it). Files outside the root are
/// returned apart: their identities get pseudo-paths.
pub fn file_uris(
    cwd: &Path,
    root: Option<&Path>,
    files: &[PathBuf],
) -> (BTreeMap<String, String>, Vec<String>) {
    let base = lexical(&root.map_or_else(|| cwd.to_path_buf(), |r| cwd.join(r)));
    let mut uris = BTreeMap::new();
    let mut outside = Vec::new();
    for file in files {
        let origin = file.display().to_string();
        let absolute = lexical(&cwd.join(file));
        match absolute.strip_prefix(&base) {
            Ok(relative) if relative.components().next().is_some() => {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                uris.insert(origin, relative_uri(&parts.join("/")));
            }
            _ => outside.push(origin),
        }
    }
    (uris, outside)
}

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn sentence(s: &str) -> String {
    if s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// One path segment made of characters safe in a URI and a file name: ASCII letters, digits,
/// `-`, `_` and `.` stay; every other ASCII character (runs of them) becomes one `_`; other
/// characters are percent-encoded.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut replaced = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-_.".contains(c) {
            out.push(c);
            replaced = false;
        } else if c.is_ascii() {
            if !replaced {
                out.push('_');
            }
            replaced = true;
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
            replaced = false;
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() || trimmed.chars().all(|c| c == '.') {
        "_".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The stable pseudo-path of an identity that was not read from an input file:
/// `nhi/PROVIDER/SCOPE/KIND/NAME` (e.g. `nhi/aws/123456789012/iam_role/deploy-prod`,
/// `nhi/github/acme/github_deploy_key/acme/svc-000_release-push`). A `/` in the name starts a
/// new segment; see [`segment`] for the rest.
pub fn pseudo_path(i: &ReportIdentity) -> String {
    let mut parts = vec![
        "nhi".to_string(),
        segment(i.provider),
        segment(i.scope),
        segment(i.kind),
    ];
    let name: Vec<String> = i
        .name
        .split('/')
        .filter(|p| !p.trim().is_empty())
        .map(segment)
        .collect();
    if name.is_empty() {
        parts.push("_".to_string());
    } else {
        parts.extend(name);
    }
    parts.join("/")
}

/// `automationDetails.id`: `CATEGORY/`, the category being `--sarif-category` or
/// `nhi/CONNECTOR:SCOPE+...` over the sources scanned (sorted; a hash past 100 characters), so
/// the same configuration gets the same id on every run.
fn automation_id(report: &Report, category: Option<&str>) -> String {
    if let Some(c) = category {
        return if c.ends_with('/') {
            c.to_string()
        } else {
            format!("{c}/")
        };
    }
    let scoped: BTreeSet<String> = report
        .sources
        .iter()
        .filter(|s| !s.scope.is_empty())
        .map(|s| format!("{}:{}", s.connector, s.scope))
        .collect();
    let connectors: BTreeSet<&str> = report
        .sources
        .iter()
        .map(|s| s.connector.as_str())
        .collect();
    let joined = if scoped.is_empty() {
        connectors.iter().copied().collect::<Vec<_>>().join("+")
    } else {
        scoped
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("+")
    };
    let key = if joined.len() <= 100 {
        joined
    } else {
        let digest = Sha256::digest(joined.as_bytes());
        let mut hex = String::with_capacity(12);
        nhi_api::push_hex(&mut hex, &digest[..6]);
        format!(
            "{}-{}-scopes-{hex}",
            connectors.iter().copied().collect::<Vec<_>>().join("+"),
            scoped.len()
        )
    };
    format!("nhi/{}/", if key.is_empty() { "none".into() } else { key })
}

fn rule(m: &crate::finding::RuleMeta, limits: &SarifLimits) -> Value {
    let mut tags = vec!["security".to_string(), m.category.as_str().to_string()];
    tags.extend(m.owasp.iter().map(|o| format!("OWASP-{}", o.code())));
    tags.extend(m.cis.iter().map(|c| format!("CIS-AWS-{c}")));
    tags.truncate(limits.tags);
    json!({
        "id": m.id,
        "name": pascal(m.id),
        "shortDescription": { "text": sentence(m.title) },
        "fullDescription": { "text": sentence(m.description) },
        "help": {
            "text": sentence(m.remediation),
            "markdown": format!("{}\n\n**Fix:** {}", sentence(m.description), sentence(m.remediation)),
        },
        "helpUri": m.references.first().copied().unwrap_or(INFORMATION_URI),
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(m.severity),
            "precision": "high",
        },
    })
}

fn result(report: &Report, options: &SarifOptions, i: &ReportIdentity, f: &ReportFinding) -> Value {
    let rule_index = report.rules.iter().position(|m| m.id == f.rule_id);
    let uri = i
        .origin
        .and_then(|o| options.files.get(o))
        .cloned()
        .unwrap_or_else(|| pseudo_path(i));
    let location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri },
            "region": { "startLine": 1 },
        },
        "logicalLocations": [{ "name": i.name, "fullyQualifiedName": i.id }],
    });
    let mut result = json!({
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": { "text": sentence(&f.message) },
        "locations": [location],
        "partialFingerprints": { "nhiFingerprint/v1": f.fingerprint },
        "properties": {
            "severity": f.severity,
            "confidence": f.confidence,
            "category": f.category,
            "identity": { "id": i.id, "kind": i.kind, "provider": i.provider, "scope": i.scope },
            "credentialId": f.credential_id,
            "security-severity": security_severity(f.severity),
            "evidence": f.evidence,
        },
    });
    if let Some(idx) = rule_index {
        result["ruleIndex"] = json!(idx);
    }
    if let Some(s) = &f.suppression {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": s.reason,
            "properties": {
                "acceptedBy": s.accepted_by,
                "expires": s.expires,
                "configLine": s.line,
            },
        }]);
    }
    if let Some(b) = f.baseline {
        result["baselineState"] = json!(match b {
            BaselineState::New => "new",
            BaselineState::Existing => "unchanged",
        });
    }
    result
}

/// The order in which results are kept when not all fit: open before suppressed, then the most
/// severe, then report order (riskiest identities first).
fn keep_order(findings: &[(&ReportIdentity, &ReportFinding)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&n| {
        let f = findings[n].1;
        (!f.is_open(), std::cmp::Reverse(f.severity), n)
    });
    order
}

/// "N critical, M high" of the findings left out.
fn left_out_counts(left: &[&ReportFinding]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for f in left {
        *counts.entry(f.severity.as_str()).or_insert(0) += 1;
    }
    counts
}

impl Render for Sarif {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let options = &self.0;
        let limits = &options.limits;
        let rules: Vec<Value> = report.rules.iter().map(|m| rule(m, limits)).collect();
        let findings: Vec<(&ReportIdentity, &ReportFinding)> =
            report.shown(options.show_suppressed).collect();
        let order = keep_order(&findings);
        let results: Vec<Value> = findings
            .iter()
            .map(|(i, f)| result(report, options, i, f))
            .collect();
        let mut kept = order.len().min(limits.results.max(1));
        let mut reason = (kept < order.len()).then(|| {
            if limits.results == SarifLimits::DEFAULT_RESULTS {
                format!(
                    "GitHub code scanning stores at most {} results per run",
                    limits.results
                )
            } else {
                format!("--sarif-max-results keeps at most {}", limits.results)
            }
        });
        loop {
            let keep: BTreeSet<usize> = order[..kept].iter().copied().collect();
            let left: Vec<&ReportFinding> = order[kept..].iter().map(|&n| findings[n].1).collect();
            let doc = document(
                report,
                options,
                &rules,
                &results,
                &keep,
                &left,
                reason.as_deref(),
            );
            let bytes = serde_json::to_vec_pretty(&doc).map_err(to_io)?;
            let compressed = compressed_size(&bytes, limits.bytes)?;
            if compressed <= limits.bytes || kept == 0 {
                out.write_all(&bytes)?;
                return out.write_all(b"\n");
            }
            // Too large: drop the least important results whose share of the compressed size
            // makes up the excess (at least one), then measure again.
            let ratio = compressed as f64 / bytes.len() as f64;
            let mut excess = ((compressed - limits.bytes) as f64 / ratio).ceil() as usize + 1;
            while kept > 0 && excess > 0 {
                kept -= 1;
                let size = serde_json::to_vec_pretty(&results[order[kept]])
                    .map_err(to_io)?
                    .len();
                excess = excess.saturating_sub(size);
            }
            reason = Some(format!(
                "GitHub code scanning accepts SARIF uploads up to 10 MB gzip-compressed (nhi keeps them under {} bytes)",
                limits.bytes
            ));
        }
    }
}

/// The gzip-compressed size of `bytes`, as GitHub measures an upload; not computed when the
/// bytes themselves are well under `limit` (JSON never grows when compressed, but for a header).
fn compressed_size(bytes: &[u8], limit: usize) -> io::Result<usize> {
    if bytes.len() + 64 <= limit {
        return Ok(bytes.len() + 64);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes)?;
    Ok(gz.finish()?.len())
}

/// The whole log, with the results in `keep` (in report order) and what was left out said in
/// the run.
fn document(
    report: &Report,
    options: &SarifOptions,
    rules: &[Value],
    results: &[Value],
    keep: &BTreeSet<usize>,
    left: &[&ReportFinding],
    reason: Option<&str>,
) -> Value {
    let mut notifications: Vec<Value> = report
        .sources
        .iter()
        .filter(|s| s.status.is_error())
        .map(|s| {
            json!({
                "level": "error",
                "message": { "text": sentence(&format!(
                    "{} source {} ({}): {}",
                    s.connector,
                    s.origin,
                    s.status.as_str(),
                    s.message.as_deref().unwrap_or("not read completely")
                )) },
            })
        })
        .collect();
    let counts = left_out_counts(left);
    if !left.is_empty() {
        let per: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|s| counts.get(s.as_str()).map(|n| format!("{n} {s}")))
            .collect();
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "nhi left out {} of {} results ({}): {}. The most severe are kept; the JSON report (--format json) has every finding.",
                left.len(),
                left.len() + keep.len(),
                per.join(", "),
                reason.unwrap_or("GitHub code scanning limits"),
            ) },
        }));
    }
    let description = {
        let scopes: BTreeSet<String> = report
            .sources
            .iter()
            .filter(|s| !s.scope.is_empty())
            .map(|s| format!("{} {}", s.connector, s.scope))
            .collect();
        if scopes.is_empty() {
            "nhi scan".to_string()
        } else {
            format!(
                "nhi scan of {}",
                scopes.into_iter().collect::<Vec<_>>().join(", ")
            )
        }
    };
    let mut run = json!({
        "tool": { "driver": {
            "name": "nhi",
            "version": report.tool.version,
            "semanticVersion": report.tool.version,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "automationDetails": {
            "id": automation_id(report, options.category.as_deref()),
            "description": { "text": description },
        },
        "invocations": [{
            "executionSuccessful": !report.has_source_errors(),
            "endTimeUtc": report.evaluated_at,
            "toolExecutionNotifications": notifications,
        }],
        "columnKind": "unicodeCodePoints",
        "results": keep.iter().map(|&n| &results[n]).collect::<Vec<_>>(),
    });
    if !left.is_empty() {
        run["properties"] = json!({
            "nhiResultsLeftOut": {
                "total": left.len(),
                "bySeverity": counts,
                "reason": reason,
            },
        });
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_names() {
        assert_eq!(
            relative_uri("fixtures/demo/gaad.json"),
            "fixtures/demo/gaad.json"
        );
        assert_eq!(
            relative_uri("my exports\\a b.json"),
            "my%20exports/a%20b.json"
        );
        assert_eq!(pascal("aws-no-owner"), "AwsNoOwner");
        assert_eq!(sentence("x"), "x.");
        assert_eq!(sentence("x."), "x.");
    }
}
