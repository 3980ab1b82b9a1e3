//! The diff's output formats: a table for a person, JSON (one document), NDJSON (one change per
//! line, for ticket scripts) and Markdown (a PR comment or an issue body).

use super::{Change, ChangeKind, Diff, DIFF_SCHEMA_VERSION};
use crate::render::markdown_text as text;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Readable tables for a terminal.
    Table,
    /// The whole diff, one JSON document.
    Json,
    /// One change per line, each self-contained.
    Ndjson,
    /// Markdown for a pull-request comment or an issue body.
    Markdown,
}

pub fn render(diff: &Diff, format: DiffFormat, width: u16, out: &mut dyn Write) -> io::Result<()> {
    match format {
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, diff).map_err(io::Error::from)?;
            out.write_all(b"\n")
        }
        DiffFormat::Ndjson => ndjson(diff, out),
        DiffFormat::Table => table(diff, width, out),
        DiffFormat::Markdown => out.write_all(markdown(diff).as_bytes()),
    }
}

#[derive(Serialize)]
struct Line<'a> {
    schema_version: u32,
    old_evaluated_at: &'a str,
    new_evaluated_at: &'a str,
    #[serde(flatten)]
    change: &'a Change,
}

fn ndjson(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    for change in &diff.changes {
        let line = Line {
            schema_version: DIFF_SCHEMA_VERSION,
            old_evaluated_at: &diff.old.evaluated_at,
            new_evaluated_at: &diff.new.evaluated_at,
            change,
        };
        serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn heading(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::FindingNew => "New findings",
        ChangeKind::SeverityChanged => "Severity changed",
        ChangeKind::FindingResolved => "Resolved findings",
        ChangeKind::IdentityAdded => "Identities added",
        ChangeKind::IdentityRemoved => "Identities removed",
        ChangeKind::CredentialRotated => "Credentials rotated",
        ChangeKind::OwnerChanged => "Owners changed",
    }
}

fn or_none(v: &Option<Option<String>>) -> &str {
    v.as_ref().and_then(|v| v.as_deref()).unwrap_or("none")
}

/// What changed, in one line (the identity aside).
fn what(c: &Change) -> String {
    let severity = c.severity.map(|s| s.as_str()).unwrap_or("");
    let rule = c.rule_id.as_deref().unwrap_or("");
    let suppressed = if c.is_suppressed() {
        " (suppressed)"
    } else {
        ""
    };
    match c.change {
        ChangeKind::FindingNew | ChangeKind::FindingResolved => {
            format!(
                "{severity} {rule}{suppressed}: {}",
                c.message.as_deref().unwrap_or("")
            )
        }
        ChangeKind::SeverityChanged => format!(
            "{rule}: {} → {severity}{suppressed}",
            c.previous_severity.map(|s| s.as_str()).unwrap_or("")
        ),
        ChangeKind::IdentityAdded => "added".to_string(),
        ChangeKind::IdentityRemoved => "removed".to_string(),
        ChangeKind::CredentialRotated => match &c.previous_created_at {
            Some(Some(before)) => format!(
                "{} created {} (was {before})",
                c.credential_id.as_deref().unwrap_or(""),
                or_none(&c.created_at)
            ),
            _ => format!(
                "{} is new (created {})",
                c.credential_id.as_deref().unwrap_or(""),
                or_none(&c.created_at)
            ),
        },
        ChangeKind::OwnerChanged => format!(
            "owner {} → {}",
            or_none(&c.previous_owner),
            or_none(&c.owner)
        ),
    }
}

fn counts(diff: &Diff) -> String {
    ChangeKind::ALL
        .iter()
        .map(|k| format!("{}: {}", heading(*k), diff.count(*k)))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn table(diff: &Diff, width: u16, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "nhi diff · {} ({} findings) → {} ({} findings)",
        diff.old.evaluated_at, diff.old.findings, diff.new.evaluated_at, diff.new.findings
    )?;
    writeln!(out, "{}", counts(diff))?;
    if diff.changes.is_empty() {
        writeln!(out, "\nNo changes.")?;
        return Ok(());
    }
    for kind in ChangeKind::ALL {
        let changes: Vec<&Change> = diff.changes.iter().filter(|c| c.change == kind).collect();
        if changes.is_empty() {
            continue;
        }
        writeln!(out, "\n{} ({})", heading(kind), changes.len())?;
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
            .set_width(width.max(60))
            .set_header(vec!["Identity", "Change"]);
        for c in changes {
            t.add_row(vec![
                format!(
                    "{}\n{} · {}",
                    c.identity.name, c.identity.kind, c.identity.scope
                ),
                what(c),
            ]);
        }
        for line in t.lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    Ok(())
}

fn markdown(diff: &Diff) -> String {
    let mut doc = format!(
        "## nhi diff: {} {}\n\nFrom {} to {}.\n\n{}\n",
        diff.changes.len(),
        if diff.changes.len() == 1 {
            "change"
        } else {
            "changes"
        },
        text(&diff.old.evaluated_at),
        text(&diff.new.evaluated_at),
        counts(diff)
    );
    for kind in ChangeKind::ALL {
        let changes: Vec<&Change> = diff.changes.iter().filter(|c| c.change == kind).collect();
        if changes.is_empty() {
            continue;
        }
        doc.push_str(&format!(
            "\n### {} ({})\n\n| Identity | Change | Fingerprint |\n|---|---|---|\n",
            heading(kind),
            changes.len()
        ));
        for c in changes {
            doc.push_str(&format!(
                "| **{}**<br>{} · {} | {} | {} |\n",
                text(&c.identity.name),
                text(&c.identity.kind),
                text(&c.identity.scope),
                text(&what(c)),
                c.fingerprint
                    .as_deref()
                    .map(|f| format!("`{}`", text(f)))
                    .unwrap_or_default()
            ));
        }
    }
    if diff.changes.is_empty() {
        doc.push_str("\nNo changes.\n");
    }
    doc
}
