//! One finding per row. As in NDJSON, accepted risks are left out unless `--show-suppressed`;
//! the last two columns say a row's baseline state and, when shown, why its risk is accepted.

use super::Render;
use crate::report::{BaselineState, Report};
use std::io::{self, Write};

/// The flag is `--show-suppressed`.
pub struct Csv(pub bool);

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
    "baseline",
    "suppressed_because",
];

impl Render for Csv {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record(HEADER)?;
        for (i, f) in report.shown(self.0) {
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
                i.provider,
                i.scope,
                i.kind,
                i.id,
                i.name,
                i.owner.as_ref().map(|o| o.value.as_str()).unwrap_or(""),
                f.credential_id.as_deref().unwrap_or(""),
                &f.message,
                f.remediation,
                &f.owasp
                    .iter()
                    .map(|o| o.code())
                    .collect::<Vec<_>>()
                    .join(" "),
                &report.evaluated_at,
                match f.baseline {
                    Some(BaselineState::New) => "new",
                    Some(BaselineState::Existing) => "existing",
                    None => "",
                },
                f.suppression.as_ref().map_or("", |s| s.reason.as_str()),
            ])?;
        }
        w.flush()
    }
}
