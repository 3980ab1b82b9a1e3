//! SARIF 2.1.0. Each finding is a result whose `partialFingerprints` carries nhi's fingerprint, so
//! code-scanning dashboards keep one alert per finding across runs. Identities are logical
//! locations; the file an identity was read from, when there is one, is its physical location.

use super::{to_io, Render};
use crate::finding::Severity;
use crate::report::Report;
use serde_json::{json, Value};
use std::io::{self, Write};

pub struct Sarif;

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

/// A relative URI reference for a file path.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '\\' => out.push('/'),
            c if c.is_ascii_alphanumeric() || "-._~/:@!$&'()*+,;=".contains(c) => out.push(c),
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

impl Render for Sarif {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let rules: Vec<Value> = report
            .rules
            .iter()
            .map(|m| {
                let mut tags = vec!["security".to_string(), m.category.as_str().to_string()];
                tags.extend(m.owasp.iter().map(|o| format!("OWASP-{}", o.code())));
                tags.extend(m.cis.iter().map(|c| format!("CIS-AWS-{c}")));
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
            })
            .collect();
        let results: Vec<Value> = report
            .findings()
            .map(|(i, f)| {
                let rule_index = report.rules.iter().position(|m| m.id == f.rule_id);
                let mut location = json!({
                    "logicalLocations": [{ "name": i.name, "fullyQualifiedName": i.id }],
                });
                if let Some(origin) = &i.origin {
                    location["physicalLocation"] = json!({ "artifactLocation": { "uri": uri(origin) } });
                }
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
                result
            })
            .collect();
        let notifications: Vec<Value> = report
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
        let doc = json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "nhi",
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }},
                "invocations": [{
                    "executionSuccessful": !report.has_source_errors(),
                    "endTimeUtc": report.evaluated_at,
                    "toolExecutionNotifications": notifications,
                }],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }],
        });
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(to_io)?;
        out.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_names() {
        assert_eq!(uri("fixtures/demo/gaad.json"), "fixtures/demo/gaad.json");
        assert_eq!(uri("my exports\\a b.json"), "my%20exports/a%20b.json");
        assert_eq!(pascal("aws-no-owner"), "AwsNoOwner");
        assert_eq!(sentence("x"), "x.");
        assert_eq!(sentence("x."), "x.");
    }
}
