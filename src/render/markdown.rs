//! Markdown for a pull-request comment or an issue body: the summary, the sources and their
//! status, and the findings in one table per severity.
//!
//! GitHub refuses a comment or issue body over 65,536 characters, so the output is kept under a
//! limit ([`MarkdownOptions::limit`]). When the findings do not all fit, the most severe are kept
//! (in report order, so the riskiest identities first) and a closing line says how many were left
//! out at each severity. Everything that comes from a provider (names, messages) is escaped, so it
//! can neither break a table nor mention (`@`) anyone.
//!
//! Accepted risks are counted but not listed (an issue body must not re-open them) unless
//! `--show-suppressed`; then each is marked with its reason. With `--baseline`, new findings are
//! marked **new**.

use super::Render;
use crate::finding::Severity;
use crate::report::{
    BaselineState, Report, ReportFinding, ReportIdentity, Source, SuppressionStatus,
};
use std::fmt::Write as _;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    /// The most the output may take, in UTF-8 bytes: never fewer than the characters GitHub
    /// counts, however it counts them.
    pub limit: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions { limit: 60_000 }
    }
}

/// The options, and `--show-suppressed`.
pub struct Markdown(pub MarkdownOptions, pub bool);

impl Render for Markdown {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(document(report, self.0.limit, self.1).as_bytes())
    }
}

/// Room kept for the closing line that says what was left out.
const NOTE_ROOM: usize = 400;

fn document(r: &Report, limit: usize, show_suppressed: bool) -> String {
    let mut doc = String::new();
    summary(&mut doc, r, show_suppressed);
    // Sources may take a quarter of the room (an organization can have hundreds of accounts);
    // findings get the rest.
    sources(&mut doc, &r.sources, limit / 4);
    findings(&mut doc, r, limit, show_suppressed);
    doc
}

fn summary(doc: &mut String, r: &Report, show_suppressed: bool) {
    let s = &r.summary;
    let _ = writeln!(
        doc,
        "## nhi: {} {} in {} {}\n",
        s.findings,
        plural(s.findings, "finding", "findings"),
        s.identities,
        plural(s.identities, "identity", "identities"),
    );
    let _ = writeln!(
        doc,
        "Evaluated {} by nhi {}.\n",
        text(&r.evaluated_at),
        text(r.tool.version)
    );
    doc.push_str("| Critical | High | Medium | Low | Info |\n|---:|---:|---:|---:|---:|\n");
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|sev| s.by_severity.get(*sev).to_string())
        .collect();
    let _ = writeln!(doc, "| {} |\n", counts.join(" | "));
    let mut notes = Vec::new();
    if let Some(b) = &s.baseline {
        notes.push(format!(
            "Against the baseline: {} new, {} existing, {} resolved.",
            b.new, b.existing, b.resolved
        ));
    }
    if s.suppressed > 0 {
        notes.push(format!(
            "Accepted risks (suppressed, not counted above): {}{}.",
            s.suppressed,
            if show_suppressed {
                ", listed and marked"
            } else {
                ""
            }
        ));
    }
    for entry in &r.suppressions {
        match entry.status {
            SuppressionStatus::Active => {}
            SuppressionStatus::Expired => notes.push(format!(
                "**The suppression at line {} of the config expired on {}**: the {} {} it matches {} again.",
                entry.line,
                text(entry.expires.as_deref().unwrap_or("?")),
                entry.findings,
                plural(entry.findings, "finding", "findings"),
                plural(entry.findings, "counts", "count"),
            )),
            SuppressionStatus::Stale => notes.push(format!(
                "The suppression at line {} of the config matches no finding (stale).",
                entry.line
            )),
        }
    }
    let excluded: usize = s.excluded.values().sum();
    if excluded > 0 {
        let reasons: Vec<String> = s
            .excluded
            .iter()
            .map(|(k, v)| format!("{v} {}", text(k)))
            .collect();
        notes.push(format!(
            "Left out as people: {excluded} ({}).",
            reasons.join(", ")
        ));
    }
    if s.not_judged > 0 {
        notes.push(format!(
            "Inventoried but not judged (provider-managed): {}.",
            s.not_judged
        ));
    }
    if !s.ai_agents.is_empty() {
        let per: Vec<String> = s
            .ai_agents
            .iter()
            .map(|(p, n)| format!("{} {n}", text(p)))
            .collect();
        notes.push(format!("AI agent identities: {}.", per.join(", ")));
    }
    if !notes.is_empty() {
        let _ = writeln!(doc, "{}\n", notes.join(" "));
    }
}

fn source_row(s: &Source) -> String {
    let origin = match &s.kind {
        Some(kind) => format!("{}: {} ({})", s.connector, s.origin, kind),
        None => format!("{}: {}", s.connector, s.origin),
    };
    let status = if s.status.is_error() {
        format!("**{}**", s.status.as_str())
    } else {
        s.status.as_str().to_string()
    };
    format!(
        "| {} | {} | {} | {} | {} |\n",
        text(&origin),
        text(&s.scope),
        status,
        s.identities,
        text(s.message.as_deref().unwrap_or_default())
    )
}

/// The sources table, within `room` bytes: when they do not all fit, the sources that could not be
/// read completely are kept before those that were.
fn sources(doc: &mut String, sources: &[Source], room: usize) {
    const HEAD: &str = "### Sources\n\n| Source | Scope | Status | Identities | Message |\n|---|---|---|---:|---|\n";
    let rows: Vec<String> = sources.iter().map(source_row).collect();
    let mut keep = vec![false; rows.len()];
    let mut used = HEAD.len();
    let problems_first = (0..rows.len())
        .filter(|&n| sources[n].status.is_error())
        .chain((0..rows.len()).filter(|&n| !sources[n].status.is_error()));
    for n in problems_first {
        if used + rows[n].len() > room {
            break;
        }
        used += rows[n].len();
        keep[n] = true;
    }
    doc.push_str(HEAD);
    for (row, _) in rows.iter().zip(&keep).filter(|(_, k)| **k) {
        doc.push_str(row);
    }
    let left: Vec<&Source> = sources
        .iter()
        .zip(&keep)
        .filter(|(_, k)| !**k)
        .map(|(s, _)| s)
        .collect();
    if !left.is_empty() {
        let errors = left.iter().filter(|s| s.status.is_error()).count();
        let _ = writeln!(
            doc,
            "\n{} more {} left out to fit ({errors} of them not read completely).",
            left.len(),
            plural(left.len(), "source", "sources")
        );
    }
    doc.push('\n');
}

const FINDINGS_HEAD: &str = "| Identity | Rule | Message | Fingerprint |\n|---|---|---|---|\n";

fn finding_row(i: &ReportIdentity, f: &ReportFinding) -> String {
    let new = if f.baseline == Some(BaselineState::New) {
        " **new**"
    } else {
        ""
    };
    let accepted = match &f.suppression {
        Some(s) => format!(
            "<br>*Suppressed{}{}:* {}",
            s.accepted_by
                .as_deref()
                .map(|by| format!(" by {}", text(by)))
                .unwrap_or_default(),
            s.expires
                .as_deref()
                .map(|d| format!(" until {}", text(d)))
                .unwrap_or_default(),
            text(&s.reason)
        ),
        None => String::new(),
    };
    format!(
        "| **{}**<br>{} · {} | {}{new} | {}{accepted} | {} |\n",
        text(i.name),
        text(i.kind),
        text(i.scope),
        code(f.rule_id),
        text(&f.message),
        code(&f.fingerprint),
    )
}

fn section_head(s: Severity, shown: usize, total: usize) -> String {
    let caption = match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    };
    if shown == total {
        format!("### {caption} ({total})\n\n")
    } else {
        format!("### {caption} ({shown} of {total} shown)\n\n")
    }
}

fn findings(doc: &mut String, r: &Report, limit: usize, show_suppressed: bool) {
    // Rows per severity, most severe first, each in report order (riskiest identities first).
    let groups: Vec<(Severity, Vec<String>)> = Severity::ALL
        .iter()
        .map(|&s| {
            let rows = r
                .shown(show_suppressed)
                .filter(|(_, f)| f.severity == s)
                .map(|(i, f)| finding_row(i, f))
                .collect();
            (s, rows)
        })
        .filter(|(_, rows): &(Severity, Vec<String>)| !rows.is_empty())
        .collect();
    if groups.is_empty() {
        doc.push_str("No findings.\n");
        return;
    }
    let whole: usize = groups
        .iter()
        .map(|(s, rows)| {
            section_head(*s, rows.len(), rows.len()).len()
                + FINDINGS_HEAD.len()
                + rows.iter().map(String::len).sum::<usize>()
                + 1
        })
        .sum();
    let fits = doc.len() + whole <= limit;
    let mut room = if fits {
        usize::MAX
    } else {
        limit.saturating_sub(doc.len() + NOTE_ROOM)
    };

    let mut left_out: Vec<(Severity, usize)> = Vec::new();
    let mut cut = false;
    for (s, rows) in &groups {
        // The heading is sized for the longest it can be ("n of m shown").
        let head_len = section_head(*s, rows.len(), rows.len() + 1).len() + FINDINGS_HEAD.len();
        let shown = if cut || head_len > room {
            0
        } else {
            room -= head_len;
            rows.iter()
                .take_while(|row| {
                    let fits = row.len() <= room;
                    if fits {
                        room -= row.len();
                    }
                    fits
                })
                .count()
        };
        if shown < rows.len() {
            cut = true;
            left_out.push((*s, rows.len() - shown));
        }
        if shown > 0 {
            doc.push_str(&section_head(*s, shown, rows.len()));
            doc.push_str(FINDINGS_HEAD);
            for row in &rows[..shown] {
                doc.push_str(row);
            }
            doc.push('\n');
        }
    }
    if !left_out.is_empty() {
        let per: Vec<String> = left_out.iter().map(|(s, n)| format!("{n} {s}")).collect();
        let total: usize = left_out.iter().map(|(_, n)| n).sum();
        let _ = writeln!(
            doc,
            "**Left out to fit in {limit} characters: {total} {} ({}).** The most severe are shown; \
             the whole report is in `nhi scan --format json`.",
            plural(total, "finding", "findings"),
            per.join(", ")
        );
    }
}

pub(crate) fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Text from a report, safe in a Markdown table cell: characters Markdown would read as syntax
/// are escaped, line breaks become `<br>`, and `@` cannot mention anyone.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            // A zero-width space after `@` keeps GitHub from notifying a user or team.
            '@' => out.push_str("@&#8203;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push_str("<br>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// An identifier as code, when it is made of characters that are safe there; otherwise as text.
pub(crate) fn code(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c))
    {
        format!("`{s}`")
    } else {
        text(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_text_cannot_break_a_table_or_mention_anyone() {
        assert_eq!(text("a | b"), "a \\| b");
        assert_eq!(text("one\r\ntwo\nthree"), "one<br>two<br>three");
        assert_eq!(text("ping @octocat"), "ping @&#8203;octocat");
        assert_eq!(
            text("<script> *x* [y](z) `c` a\\b"),
            "\\<script\\> \\*x\\* \\[y\\](z) \\`c\\` a\\\\b"
        );
        assert_eq!(text("tab\there"), "tab here");
        assert_eq!(code("aws-root-access-key"), "`aws-root-access-key`");
        assert_eq!(code("a`b"), "a\\`b");
    }
}
