use super::Render;
use crate::report::Report;
use std::io::{self, Write};

pub struct Csv;

const HEADER: &[&str] = &[
    "fingerprint",
    "severity",
    "confidence",
    "category",
    "rule_id",
    "title",
    "provider",
    "scope",
    "identity_kind",
    "identity_id",
    "identity_name",
    "owner",
    "credential_id",
    "message",
    "remediation",
    "owasp",
    "evaluated_at",
];

impl Render for Csv {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record(HEADER)?;
        for (i, f) in report.findings() {
            w.write_record([
                f.fingerprint.as_str(),
                f.severity.as_str(),
                match f.confidence {
                    crate::finding::Confidence::High => "high",
                    crate::finding::Confidence::Medium => "medium",
                    crate::finding::Confidence::Low => "low",
                },
                f.category.as_str(),
                f.rule_id,
                f.title,
                &i.provider,
                &i.scope,
                &i.kind,
                &i.id,
                &i.name,
                i.owner.as_ref().map(|o| o.value.as_str()).unwrap_or(""),
                f.credential_id.as_deref().unwrap_or(""),
                &f.message,
                f.remediation,
                &f.owasp.join(" "),
                &report.evaluated_at,
            ])?;
        }
        w.flush()
    }
}
