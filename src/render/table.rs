//! Tables for a person at a terminal: a summary, the identities with findings by risk, every
//! finding, and how to fix each kind of finding once. Wraps to the given width (80 columns
//! and up stay readable). Accepted risks are counted in the summary but left out of the tables
//! unless `--show-suppressed`; expired and stale `[[suppress]]` entries are named.

use super::Render;
use crate::report::{BaselineState, Report, ReportFinding, SuppressionStatus};
use comfy_table::{presets, ColumnConstraint, ContentArrangement, Table as Grid, Width};
use std::collections::BTreeSet;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    /// Total width to fit, in columns.
    pub width: u16,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions { width: 100 }
    }
}

/// The options, and `--show-suppressed`.
pub struct Table(pub TableOptions, pub bool);

/// What the Finding cell says after the rule id: `new` with a baseline, and the suppression.
fn marks(f: &ReportFinding) -> String {
    let mut marks = Vec::new();
    if f.baseline == Some(BaselineState::New) {
        marks.push("new".to_string());
    }
    if let Some(s) = &f.suppression {
        marks.push(format!("suppressed: {}", s.reason));
    }
    if marks.is_empty() {
        String::new()
    } else {
        format!(" ({})", marks.join("; "))
    }
}

fn grid(width: u16, header: &[&str]) -> Grid {
    let mut t = Grid::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(header.to_vec());
    t
}

/// Word-wrap prose to the width, indenting continuation lines.
fn write_wrapped(out: &mut dyn Write, width: u16, text: &str, indent: &str) -> io::Result<()> {
    let width = usize::from(width);
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            writeln!(out, "{line}")?;
            line = indent.to_string();
        } else if len > 0 && line != indent {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.trim().is_empty() {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Render a table without trailing spaces on its lines (kinder to diffs and snapshots).
fn write_grid(out: &mut dyn Write, t: &Grid) -> io::Result<()> {
    for line in t.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

impl Render for Table {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let width = self.0.width.max(60);
        let s = &r.summary;
        writeln!(out, "nhi {} · evaluated {}", r.tool.version, r.evaluated_at)?;
        writeln!(
            out,
            "{} identities, {} findings: {} critical, {} high, {} medium, {} low, {} info",
            s.identities,
            s.findings,
            s.by_severity.critical,
            s.by_severity.high,
            s.by_severity.medium,
            s.by_severity.low,
            s.by_severity.info
        )?;
        if let Some(b) = &s.baseline {
            writeln!(
                out,
                "Against the baseline: {} new, {} existing, {} resolved",
                b.new, b.existing, b.resolved
            )?;
        }
        if s.suppressed > 0 {
            let text = if self.1 {
                format!(
                    "Suppressed (accepted risks, not counted above): {}, listed and marked.",
                    s.suppressed
                )
            } else {
                format!(
                    "Suppressed (accepted risks, not counted above nor listed): {}; --show-suppressed lists them.",
                    s.suppressed
                )
            };
            write_wrapped(out, width, &text, "  ")?;
        }
        for entry in &r.suppressions {
            let text = match entry.status {
                SuppressionStatus::Active => continue,
                SuppressionStatus::Expired => format!(
                    "! The suppression at line {} of the config expired on {}: the {} it matches {} again.",
                    entry.line,
                    entry.expires.as_deref().unwrap_or("?"),
                    match entry.findings {
                        1 => "1 finding".to_string(),
                        n => format!("{n} findings"),
                    },
                    if entry.findings == 1 { "counts" } else { "count" }
                ),
                SuppressionStatus::Stale => format!(
                    "! The suppression at line {} of the config matches no finding (stale): remove it, or correct it.",
                    entry.line
                ),
            };
            write_wrapped(out, width, &text, "    ")?;
        }
        let excluded: usize = s.excluded.values().sum();
        if excluded > 0 || s.not_judged > 0 {
            let reasons: Vec<String> = s.excluded.iter().map(|(k, v)| format!("{v} {k}")).collect();
            let text = format!(
                "Left out as people: {excluded}{}. Inventoried but not judged (provider-managed): {}.",
                if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) },
                s.not_judged
            );
            write_wrapped(out, width, &text, "  ")?;
        }
        if !s.ai_agents.is_empty() {
            let per: Vec<String> = s
                .ai_agents
                .iter()
                .map(|(p, n)| format!("{p} {n}"))
                .collect();
            write_wrapped(
                out,
                width,
                &format!("AI agent identities: {}.", per.join(", ")),
                "  ",
            )?;
        }
        writeln!(out)?;

        let mut sources = grid(width, &["Source", "Scope", "Status", "Identities"]);
        for src in &r.sources {
            sources.add_row(vec![
                format!("{}: {}", src.connector, src.origin),
                src.scope.clone(),
                src.status.as_str().to_string(),
                src.identities.to_string(),
            ]);
        }
        write_grid(out, &sources)?;
        for src in r.sources.iter().filter(|s| s.message.is_some()) {
            let text = format!(
                "{} {}: {}",
                if src.status.is_error() { "!" } else { "·" },
                src.origin,
                src.message.as_deref().unwrap_or_default()
            );
            write_wrapped(out, width, &text, "    ")?;
        }
        writeln!(out)?;

        let show = self.1;
        let visible = |f: &&ReportFinding| show || f.is_open();
        let flagged: Vec<_> = r
            .identities
            .iter()
            .filter(|i| i.findings.iter().any(|f| visible(&f)))
            .collect();
        if flagged.is_empty() {
            writeln!(out, "No findings.")?;
            return Ok(());
        }
        writeln!(out, "Identities by risk")?;
        let mut ids = grid(width, &["Risk", "Identity", "Owner", "Findings"]);
        for i in &flagged {
            ids.add_row(vec![
                format!("{} {}", i.risk.score, i.risk.severity),
                match &i.ai_agent {
                    Some(agent) => {
                        format!("{}\n{} · {} · AI agent ({agent})", i.name, i.kind, i.scope)
                    }
                    None => format!("{}\n{} · {}", i.name, i.kind, i.scope),
                },
                i.owner
                    .as_ref()
                    .map(|o| o.value.clone())
                    .unwrap_or_else(|| "-".into()),
                i.findings.iter().filter(visible).count().to_string(),
            ]);
        }
        if let Some(c) = ids.column_mut(0) {
            c.set_constraint(ColumnConstraint::ContentWidth);
        }
        write_grid(out, &ids)?;
        let clean = r.identities.len() - flagged.len();
        if clean > 0 {
            let what = if show || s.suppressed == 0 {
                "findings"
            } else {
                "open findings"
            };
            writeln!(out, "{clean} more identities have no {what}.")?;
        }
        writeln!(out)?;

        writeln!(out, "Findings")?;
        let mut findings = grid(width, &["Severity", "Identity", "Finding"]);
        for (i, f) in r.shown(show) {
            findings.add_row(vec![
                f.severity.as_str().to_string(),
                i.name.to_string(),
                format!("{}{}\n{}", f.rule_id, marks(f), f.message),
            ]);
        }
        if let Some(c) = findings.column_mut(0) {
            c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(10)));
        }
        write_grid(out, &findings)?;
        writeln!(out)?;

        writeln!(out, "How to fix")?;
        let fired: BTreeSet<&str> = r.shown(show).map(|(_, f)| f.rule_id).collect();
        let mut fixes = grid(width, &["Rule", "Remediation"]);
        for m in r.rules.iter().filter(|m| fired.contains(m.id)) {
            fixes.add_row(vec![
                format!("{}\n{}", m.id, m.title),
                m.remediation.to_string(),
            ]);
        }
        write_grid(out, &fixes)?;
        Ok(())
    }
}
