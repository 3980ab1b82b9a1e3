//! One finding per line, each carrying what a ticketing script needs without the rest of the
//! report: the finding, the schema version, the evaluation time and the identity.
//!
//! Accepted risks (suppressed findings) are left out, so that a ticket script never re-opens
//! one; `--show-suppressed` puts them back, each with its `suppression`. With `--baseline`, each
//! line says whether the finding is `new`.

use super::{to_io, Render};
use crate::report::{Owner, Report, ReportFinding};
use serde::Serialize;
use std::io::{self, Write};

/// The flag is `--show-suppressed`.
pub struct Ndjson(pub bool);

#[derive(Serialize)]
struct IdentityRef<'a> {
    id: &'a str,
    provider: &'a str,
    kind: &'a str,
    name: &'a str,
    scope: &'a str,
    owner: Option<&'a Owner>,
}

#[derive(Serialize)]
struct Line<'a> {
    schema_version: u32,
    evaluated_at: &'a str,
    #[serde(flatten)]
    finding: &'a ReportFinding,
    identity: IdentityRef<'a>,
}

impl Render for Ndjson {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for (i, f) in report.shown(self.0) {
            let line = Line {
                schema_version: report.schema_version,
                evaluated_at: &report.evaluated_at,
                finding: f,
                identity: IdentityRef {
                    id: i.id,
                    provider: i.provider,
                    kind: i.kind,
                    name: i.name,
                    scope: i.scope,
                    owner: i.owner.as_ref(),
                },
            };
            serde_json::to_writer(&mut *out, &line).map_err(to_io)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}
