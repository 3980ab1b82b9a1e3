//! Accepted risks: `[[suppress]]` entries of `nhi.toml`.
//!
//! An entry names one finding by its fingerprint, or a rule's findings on the identities a glob
//! matches (over the identity's id, name or scope). Each says why the risk is accepted, and may
//! say who accepted it and until when. A suppressed finding stays in the JSON report with its
//! suppression attached, but is counted apart and left out of the exit code, the table and the
//! ticket feeds (NDJSON, CSV, Markdown) unless `--show-suppressed`.
//!
//! Acceptance lapses: from the `expires` date on (00:00 UTC), an entry no longer applies and the
//! report says it expired. An entry that matches nothing is reported as stale, so the file does
//! not fill up with acceptances of risks that are long gone.
//!
//! This is the filter stage between analysis and rendering: rules never see suppressions, and
//! renderers only read what this module attached to the report.

use crate::report::{AppliedSuppression, Report, SuppressionReport, SuppressionStatus};
use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::Deserialize;

/// One `[[suppress]]` table as written in the file; [`validate`] turns it into a [`Suppression`].
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The fingerprint of one finding, as any report prints it (32 hexadecimal characters).
    pub fingerprint: Option<String>,
    /// A rule id; with `identity`, the rule's findings on the identities the pattern matches.
    pub rule: Option<String>,
    /// A glob (`*` any run of characters, `?` one) matched against the identity's id, name or
    /// scope; `"*"` for every identity.
    pub identity: Option<String>,
    /// Why the risk is accepted. Required.
    pub reason: Option<String>,
    /// The date (YYYY-MM-DD) the acceptance lapses: from that day on (00:00 UTC), the findings
    /// count again and the report says the entry expired.
    #[schemars(with = "Option<String>")]
    pub expires: Option<toml::Value>,
    /// Who accepted the risk.
    pub accepted_by: Option<String>,
}

/// What an entry matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Fingerprint(String),
    Rule { rule: String, identity: String },
}

/// A validated entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The line of its `[[suppress]]` header, to point people at it.
    pub line: usize,
    pub target: Target,
    pub reason: String,
    pub expires: Option<NaiveDate>,
    pub accepted_by: Option<String>,
}

impl Suppression {
    /// Whether it has lapsed at `now`: `expires` is the first day it no longer applies.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|d| now.date_naive() >= d)
    }

    fn matches(&self, identity: [&str; 3], rule_id: &str, fingerprint: &str) -> bool {
        match &self.target {
            Target::Fingerprint(f) => f == fingerprint,
            Target::Rule {
                rule,
                identity: pattern,
            } => rule == rule_id && identity.iter().any(|field| glob(pattern, field)),
        }
    }
}

/// Check every entry; the error names the entry's line and key, as other config errors do.
pub fn validate(
    text: &str,
    entries: &[toml::Spanned<Entry>],
    known_rules: &[&str],
) -> Result<Vec<Suppression>, String> {
    entries
        .iter()
        .map(|spanned| {
            let header = header_line(text, spanned.span().start);
            let at = |key: &str| -> String {
                let line = key_line(text, header, key).unwrap_or(header);
                if key.is_empty() {
                    format!("line {line}: suppress")
                } else {
                    format!("line {line}: suppress.{key}")
                }
            };
            one(spanned.get_ref(), header, known_rules, &at)
        })
        .collect()
}

fn one(
    e: &Entry,
    line: usize,
    known_rules: &[&str],
    at: &dyn Fn(&str) -> String,
) -> Result<Suppression, String> {
    fn nonempty(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let target = match (nonempty(&e.fingerprint), nonempty(&e.rule)) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "{}: give a fingerprint or a rule, not both (a fingerprint already names one finding)",
                at("")
            ))
        }
        (None, None) => {
            return Err(format!(
                "{}: say what it suppresses: fingerprint = \"...\" (one finding, as the report prints it), or rule = \"RULE-ID\" with identity = \"GLOB\"",
                at("")
            ))
        }
        (Some(f), None) => {
            if e.identity.is_some() {
                return Err(format!(
                    "{}: a fingerprint already names one identity's finding; drop identity, or use rule with identity",
                    at("identity")
                ));
            }
            if f.len() != 32 || !f.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "{}: {f:?} is not an nhi fingerprint (32 hexadecimal characters, as the report prints it)",
                    at("fingerprint")
                ));
            }
            Target::Fingerprint(f.to_ascii_lowercase())
        }
        (None, Some(rule)) => {
            if !known_rules.contains(&rule) {
                return Err(format!(
                    "{}: no rule has the id {rule:?}; `nhi rules` lists them",
                    at("rule")
                ));
            }
            let Some(identity) = nonempty(&e.identity) else {
                return Err(format!(
                    "{}: a rule's suppression needs an identity pattern: identity = \"GLOB\" over the id, name or scope (\"*\" for every identity; to turn the rule off, list it in [rules] disabled)",
                    at("identity")
                ));
            };
            Target::Rule {
                rule: rule.to_string(),
                identity: identity.to_string(),
            }
        }
    };
    let Some(reason) = nonempty(&e.reason) else {
        return Err(format!(
            "{}: every suppression says why the risk is accepted: reason = \"...\"",
            at("reason")
        ));
    };
    let accepted_by = match &e.accepted_by {
        None => None,
        Some(_) => Some(
            nonempty(&e.accepted_by)
                .ok_or_else(|| {
                    format!(
                        "{}: empty; name who accepted the risk, or leave the key out",
                        at("accepted_by")
                    )
                })?
                .to_string(),
        ),
    };
    let expires = match &e.expires {
        None => None,
        Some(v) => Some(date(v).ok_or_else(|| {
            format!(
                "{}: {} is not a date; write it as YYYY-MM-DD (expires = 2027-03-31), the first day the acceptance no longer holds",
                at("expires"),
                shown(v)
            )
        })?),
    };
    Ok(Suppression {
        line,
        target,
        reason: reason.to_string(),
        expires,
        accepted_by,
    })
}

/// A TOML date (`2027-03-31`) or a string holding one.
fn date(v: &toml::Value) -> Option<NaiveDate> {
    let text = match v {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        _ => return None,
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
}

fn shown(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(n) => n.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Array(_) => "a list".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

/// The 1-based line of the `[[suppress]]` header of the entry whose span starts at `offset`
/// (the nearest header at or above it), or of the offset itself for an inline table.
fn header_line(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    let line = text[..offset].matches('\n').count() + 1;
    let lines: Vec<&str> = text.lines().take(line).collect();
    lines
        .iter()
        .enumerate()
        .rev()
        .find(|(_, l)| {
            let l = l.trim();
            l.starts_with("[[")
                && l.trim_start_matches('[')
                    .trim_start()
                    .starts_with("suppress")
        })
        .map_or(line, |(n, _)| n + 1)
}

/// The line of `key = ...` within the entry that starts at `header`, before the next header.
fn key_line(text: &str, header: usize, key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    text.lines()
        .enumerate()
        .skip(header)
        .take_while(|(_, l)| !l.trim_start().starts_with('['))
        .find(|(_, l)| {
            l.split_once('=')
                .is_some_and(|(k, _)| k.trim().trim_matches('"') == key)
        })
        .map(|(n, _)| n + 1)
}

/// `*` matches any run of characters (none too), `?` exactly one; everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and how much of the text it has taken so far.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Attach the first entry that applies to each finding, say in the report what each entry did,
/// and count the findings again.
pub fn apply(report: &mut Report, suppressions: &[Suppression], now: DateTime<Utc>) {
    let mut matched = vec![0usize; suppressions.len()];
    for identity in &mut report.identities {
        let fields = [identity.id, identity.name, identity.scope];
        for finding in &mut identity.findings {
            let mut applied = None;
            for (n, s) in suppressions.iter().enumerate() {
                if !s.matches(fields, finding.rule_id, &finding.fingerprint) {
                    continue;
                }
                matched[n] += 1;
                if applied.is_none() && !s.expired(now) {
                    applied = Some(AppliedSuppression {
                        reason: s.reason.clone(),
                        accepted_by: s.accepted_by.clone(),
                        expires: s.expires.map(|d| d.to_string()),
                        line: s.line,
                    });
                }
            }
            finding.suppression = applied;
        }
    }
    report.suppressions = suppressions
        .iter()
        .zip(matched)
        .map(|(s, findings)| {
            let (fingerprint, rule, identity) = match &s.target {
                Target::Fingerprint(f) => (Some(f.clone()), None, None),
                Target::Rule { rule, identity } => {
                    (None, Some(rule.clone()), Some(identity.clone()))
                }
            };
            SuppressionReport {
                line: s.line,
                fingerprint,
                rule,
                identity,
                reason: s.reason.clone(),
                accepted_by: s.accepted_by.clone(),
                expires: s.expires.map(|d| d.to_string()),
                status: if s.expired(now) {
                    SuppressionStatus::Expired
                } else if findings == 0 {
                    SuppressionStatus::Stale
                } else {
                    SuppressionStatus::Active
                },
                findings,
            }
        })
        .collect();
    report.recount();
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["aws-no-owner", "aws-role-unused"];

    fn parse(text: &str) -> Result<Vec<Suppression>, String> {
        crate::config::Config::parse(text, RULES).map(|c| c.suppressions)
    }

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("*", "arn:aws:iam::1:role/x"));
        assert!(glob("legacy-*", "legacy-ftp-sync"));
        assert!(!glob("legacy-*", "ci-legacy"));
        assert!(glob("*legacy*", "ci-github-legacy"));
        assert!(glob(
            "arn:aws:iam::*:role/gh-?eploy-*",
            "arn:aws:iam::1:role/gh-deploy-prod"
        ));
        assert!(!glob("a?c", "ac"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b*c", "aXbYbZ"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
        assert!(glob("**x", "abx"));
        assert!(glob("é*", "éa"));
    }

    #[test]
    fn entries_parse_with_their_header_line() {
        let s = parse(
            r#"[thresholds]
role_unused_days = 30

[[suppress]]
fingerprint = "0123456789ABCDEF0123456789abcdef"
reason = "break-glass, reviewed quarterly"
expires = 2027-03-31
accepted_by = "security-lead"

[[suppress]]
rule = "aws-no-owner"
identity = "arn:aws:iam::*:role/vendor-*"
reason = "vendors are owned by procurement"
expires = "2027-01-01"
"#,
        )
        .expect("valid");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].line, 4);
        assert_eq!(
            s[0].target,
            Target::Fingerprint("0123456789abcdef0123456789abcdef".into())
        );
        assert_eq!(s[0].expires, NaiveDate::from_ymd_opt(2027, 3, 31));
        assert_eq!(s[0].accepted_by.as_deref(), Some("security-lead"));
        assert_eq!(s[1].line, 10);
        assert_eq!(s[1].expires, NaiveDate::from_ymd_opt(2027, 1, 1));
    }

    #[test]
    fn expiry_is_the_first_day_it_no_longer_holds() {
        let s = &parse("[[suppress]]\nrule = \"aws-no-owner\"\nidentity = \"*\"\nreason = \"r\"\nexpires = 2026-11-02\n")
            .expect("valid")[0];
        let at = |t: &str| {
            DateTime::parse_from_rfc3339(t)
                .expect("time")
                .with_timezone(&Utc)
        };
        assert!(!s.expired(at("2026-11-01T23:59:59Z")));
        assert!(s.expired(at("2026-11-02T00:00:00Z")));
    }

    #[test]
    fn bad_entries_name_their_line_and_key() {
        let cases: &[(&str, &str)] = &[
            (
                "[[suppress]]\nfingerprint = \"0123456789abcdef0123456789abcdef\"\n",
                "line 1: suppress.reason: every suppression says why",
            ),
            (
                "[rules]\n\n[[suppress]]\nfingerprint = \"0123456789abcdef0123456789abcdef\"\nreason = \"  \"\n",
                "line 5: suppress.reason",
            ),
            (
                "[[suppress]]\nrule = \"aws-no-owner\"\nidentity = \"*\"\nreason = \"r\"\nexpires = \"2027-13-01\"\n",
                "line 5: suppress.expires: \"2027-13-01\" is not a date",
            ),
            (
                "[[suppress]]\nrule = \"aws-no-owner\"\nidentity = \"*\"\nreason = \"r\"\nexpires = 2027-03-01T10:00:00Z\n",
                "line 5: suppress.expires: 2027-03-01T10:00:00Z is not a date",
            ),
            (
                "[[suppress]]\nrule = \"aws-nope\"\nidentity = \"*\"\nreason = \"r\"\n",
                "line 2: suppress.rule: no rule has the id \"aws-nope\"",
            ),
            (
                "\n[[suppress]]\nreason = \"r\"\n",
                "line 2: suppress: say what it suppresses",
            ),
            (
                "[[suppress]]\nrule = \"aws-no-owner\"\nfingerprint = \"0123456789abcdef0123456789abcdef\"\nreason = \"r\"\n",
                "line 1: suppress: give a fingerprint or a rule, not both",
            ),
            (
                "[[suppress]]\nrule = \"aws-no-owner\"\nreason = \"r\"\n",
                "line 1: suppress.identity: a rule's suppression needs an identity pattern",
            ),
            (
                "[[suppress]]\nfingerprint = \"abc\"\nreason = \"r\"\n",
                "line 2: suppress.fingerprint: \"abc\" is not an nhi fingerprint",
            ),
            (
                "[[suppress]]\nfingerprint = \"0123456789abcdef0123456789abcdef\"\nreason = \"r\"\naccepted_by = \"\"\n",
                "line 4: suppress.accepted_by: empty",
            ),
            (
                "[[suppress]]\nfingerprint = \"0123456789abcdef0123456789abcdef\"\nreason = \"r\"\nowner = \"x\"\n",
                "line 4: suppress[0].owner: unknown field `owner`",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text).expect_err(text);
            assert!(
                err.starts_with(expected),
                "{text}\n=> {err}\n(expected {expected})"
            );
        }
    }
}
