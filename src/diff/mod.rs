//! `nhi diff OLD NEW`: what changed between two scans.
//!
//! Each side is a JSON report (`nhi scan --format json`), or anything `--from` reads (an
//! inventory from `nhi collect`, exports, a directory of them), which is analyzed first with the
//! same config and `--now` for both sides. The changes are:
//!
//! - findings new and resolved, by fingerprint, and findings whose severity changed;
//! - identities added and removed, by provider, scope, kind and id;
//! - credentials rotated: a credential of an identity in both with a creation time it did not
//!   have before, or an id it did not have;
//! - owners changed.
//!
//! Messages that change with time alone ("unused for 97 days") are not changes. Findings under
//! an accepted risk in NEW are left out unless `--show-suppressed`, as in the scan's ticket feeds.

mod render;

pub use render::{render, DiffFormat};

use crate::finding::Severity;
use crate::saved::{SavedFinding, SavedIdentity, SavedReport};
use serde::Serialize;
use std::collections::BTreeMap;

/// The version of the diff's JSON and NDJSON output.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    FindingNew,
    SeverityChanged,
    FindingResolved,
    IdentityAdded,
    IdentityRemoved,
    CredentialRotated,
    OwnerChanged,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 7] = [
        ChangeKind::FindingNew,
        ChangeKind::SeverityChanged,
        ChangeKind::FindingResolved,
        ChangeKind::IdentityAdded,
        ChangeKind::IdentityRemoved,
        ChangeKind::CredentialRotated,
        ChangeKind::OwnerChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::FindingNew => "finding_new",
            ChangeKind::SeverityChanged => "severity_changed",
            ChangeKind::FindingResolved => "finding_resolved",
            ChangeKind::IdentityAdded => "identity_added",
            ChangeKind::IdentityRemoved => "identity_removed",
            ChangeKind::CredentialRotated => "credential_rotated",
            ChangeKind::OwnerChanged => "owner_changed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct IdentityRef {
    pub provider: String,
    pub scope: String,
    pub kind: String,
    pub id: String,
    pub name: String,
}

impl IdentityRef {
    fn of(i: &SavedIdentity) -> IdentityRef {
        IdentityRef {
            provider: i.provider.clone(),
            scope: i.scope.clone(),
            kind: i.kind.clone(),
            id: i.id.clone(),
            name: i.name.clone(),
        }
    }
}

/// One change. Which fields are present depends on `change`: findings carry the rule,
/// fingerprint, severity and message (`previous_severity` for a severity change); a rotation
/// carries the credential and its creation times; an owner change both owners. A `previous_*`
/// field is null where there was nothing before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub change: ChangeKind,
    pub identity: IdentityRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_severity: Option<Severity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_created_at: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_owner: Option<Option<String>>,
    /// The accepted risk that covers the finding in NEW (with `--show-suppressed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<serde_json::Value>,
}

impl Change {
    fn new(change: ChangeKind, identity: &SavedIdentity) -> Change {
        Change {
            change,
            identity: IdentityRef::of(identity),
            rule_id: None,
            title: None,
            fingerprint: None,
            severity: None,
            previous_severity: None,
            message: None,
            credential_id: None,
            created_at: None,
            previous_created_at: None,
            owner: None,
            previous_owner: None,
            suppression: None,
        }
    }

    fn finding(change: ChangeKind, identity: &SavedIdentity, f: &SavedFinding) -> Change {
        Change {
            rule_id: Some(f.rule_id.clone()),
            title: Some(f.title.clone()),
            fingerprint: Some(f.fingerprint.clone()),
            severity: Some(f.severity),
            message: Some(f.message.clone()),
            credential_id: f.credential_id.clone(),
            suppression: f.suppression.clone(),
            ..Change::new(change, identity)
        }
    }

    /// Whether the finding it is about is an accepted risk in NEW.
    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }
}

/// What a side of the diff was.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub evaluated_at: String,
    pub identities: usize,
    pub findings: usize,
}

impl Side {
    fn of(r: &SavedReport) -> Side {
        Side {
            evaluated_at: r.evaluated_at.clone(),
            identities: r.identities.len(),
            findings: r.identities.iter().map(|i| i.findings.len()).sum(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub schema_version: u32,
    pub old: Side,
    pub new: Side,
    /// Changes per kind; every kind is present.
    pub summary: BTreeMap<&'static str, usize>,
    pub changes: Vec<Change>,
}

type Key<'a> = (&'a str, &'a str, &'a str, &'a str);

fn key(i: &SavedIdentity) -> Key<'_> {
    (&i.provider, &i.scope, &i.kind, &i.id)
}

/// Compare two reports. Findings suppressed in NEW are left out unless `show_suppressed`.
pub fn compare(old: &SavedReport, new: &SavedReport, show_suppressed: bool) -> Diff {
    let olds: BTreeMap<Key, &SavedIdentity> = old.identities.iter().map(|i| (key(i), i)).collect();
    let news: BTreeMap<Key, &SavedIdentity> = new.identities.iter().map(|i| (key(i), i)).collect();
    let old_findings: BTreeMap<&str, (&SavedIdentity, &SavedFinding)> = old
        .identities
        .iter()
        .flat_map(|i| {
            i.findings
                .iter()
                .map(move |f| (f.fingerprint.as_str(), (i, f)))
        })
        .collect();
    let new_findings: BTreeMap<&str, (&SavedIdentity, &SavedFinding)> = new
        .identities
        .iter()
        .flat_map(|i| {
            i.findings
                .iter()
                .map(move |f| (f.fingerprint.as_str(), (i, f)))
        })
        .collect();

    let mut changes = Vec::new();
    for (fp, (i, f)) in &new_findings {
        match old_findings.get(fp) {
            None => changes.push(Change::finding(ChangeKind::FindingNew, i, f)),
            Some((_, before)) if before.severity != f.severity => changes.push(Change {
                previous_severity: Some(before.severity),
                ..Change::finding(ChangeKind::SeverityChanged, i, f)
            }),
            Some(_) => {}
        }
    }
    for (fp, (i, f)) in &old_findings {
        if !new_findings.contains_key(fp) {
            let mut c = Change::finding(ChangeKind::FindingResolved, i, f);
            // A resolved finding is good news whatever its state was.
            c.suppression = None;
            changes.push(c);
        }
    }
    for (k, i) in &news {
        let Some(before) = olds.get(k) else {
            changes.push(Change::new(ChangeKind::IdentityAdded, i));
            continue;
        };
        let owner = i.owner.as_ref().map(|o| o.value.clone());
        let previous_owner = before.owner.as_ref().map(|o| o.value.clone());
        if owner != previous_owner {
            changes.push(Change {
                owner: Some(owner),
                previous_owner: Some(previous_owner),
                ..Change::new(ChangeKind::OwnerChanged, i)
            });
        }
        for c in &i.credentials {
            let was = before.credentials.iter().find(|b| b.id == c.id);
            let rotated = match was {
                None => true,
                Some(b) => c.created_at.is_some() && b.created_at != c.created_at,
            };
            if rotated {
                changes.push(Change {
                    credential_id: Some(c.id.clone()),
                    created_at: Some(c.created_at.clone()),
                    previous_created_at: Some(was.and_then(|b| b.created_at.clone())),
                    ..Change::new(ChangeKind::CredentialRotated, i)
                });
            }
        }
    }
    for (k, i) in &olds {
        if !news.contains_key(k) {
            changes.push(Change::new(ChangeKind::IdentityRemoved, i));
        }
    }
    changes.retain(|c| show_suppressed || !c.is_suppressed());
    changes.sort_by(|a, b| {
        (a.change, std::cmp::Reverse(a.severity), &a.identity)
            .cmp(&(b.change, std::cmp::Reverse(b.severity), &b.identity))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
            .then_with(|| a.credential_id.cmp(&b.credential_id))
    });
    let mut summary: BTreeMap<&'static str, usize> =
        ChangeKind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
    for c in &changes {
        *summary.entry(c.change.as_str()).or_default() += 1;
    }
    Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        old: Side::of(old),
        new: Side::of(new),
        summary,
        changes,
    }
}

impl Diff {
    /// Whether `--fail-on severity` fails: a new finding (not suppressed) at or above it.
    pub fn fails(&self, severity: Severity) -> bool {
        self.changes.iter().any(|c| {
            c.change == ChangeKind::FindingNew
                && !c.is_suppressed()
                && c.severity.is_some_and(|s| s >= severity)
        })
    }

    pub fn count(&self, kind: ChangeKind) -> usize {
        self.summary.get(kind.as_str()).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(identities: serde_json::Value) -> SavedReport {
        SavedReport::from_value(json!({
            "schema_version": 1, "tool": {"name": "nhi"}, "summary": {},
            "evaluated_at": "2026-11-02T00:00:00Z", "identities": identities,
        }))
        .expect("a report")
    }

    fn identity(
        id: &str,
        owner: Option<&str>,
        creds: serde_json::Value,
        findings: serde_json::Value,
    ) -> serde_json::Value {
        json!({"id": id, "provider": "aws", "kind": "iam_user", "name": id, "scope": "1",
               "owner": owner.map(|o| json!({"value": o, "source": "tag:owner"})),
               "credentials": creds, "findings": findings})
    }

    fn finding(fp: &str, severity: &str) -> serde_json::Value {
        json!({"rule_id": "r", "title": "t", "severity": severity, "message": "m",
               "fingerprint": fp, "credential_id": null})
    }

    #[test]
    fn every_kind_of_change_and_nothing_else() {
        let old = report(json!([
            identity(
                "a",
                Some("x"),
                json!([{"id": "k1", "created_at": "2025-01-01T00:00:00Z"}]),
                json!([finding("f1", "medium"), finding("f2", "high")])
            ),
            identity("gone", None, json!([]), json!([finding("f3", "low")])),
            identity(
                "same",
                Some("y"),
                json!([{"id": "k1", "created_at": null}]),
                json!([finding("f4", "low")])
            ),
        ]));
        let new = report(json!([
            identity(
                "a",
                Some("z"),
                json!([{"id": "k1", "created_at": "2026-10-30T00:00:00Z"},
                                              {"id": "k2", "created_at": "2026-10-31T00:00:00Z"}]),
                json!([finding("f1", "high"), finding("f5", "critical")])
            ),
            identity(
                "same",
                Some("y"),
                json!([{"id": "k1", "created_at": null}]),
                json!([finding("f4", "low")])
            ),
            identity("added", None, json!([]), json!([])),
        ]));
        let d = compare(&old, &new, false);
        let seen: Vec<(&str, &str, Option<&str>)> = d
            .changes
            .iter()
            .map(|c| {
                (
                    c.change.as_str(),
                    c.identity.id.as_str(),
                    c.fingerprint.as_deref().or(c.credential_id.as_deref()),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("finding_new", "a", Some("f5")),
                ("severity_changed", "a", Some("f1")),
                ("finding_resolved", "a", Some("f2")),
                ("finding_resolved", "gone", Some("f3")),
                ("identity_added", "added", None),
                ("identity_removed", "gone", None),
                ("credential_rotated", "a", Some("k1")),
                ("credential_rotated", "a", Some("k2")),
                ("owner_changed", "a", None),
            ]
        );
        assert_eq!(d.changes[1].previous_severity, Some(Severity::Medium));
        assert_eq!(d.changes[7].previous_created_at, Some(None));
        assert_eq!(d.count(ChangeKind::FindingResolved), 2);
        assert!(d.fails(Severity::Critical));
        assert!(compare(&old, &old, false).changes.is_empty());
    }

    #[test]
    fn suppressed_new_findings_are_left_out_and_do_not_fail() {
        let old = report(json!([identity("a", None, json!([]), json!([]))]));
        let mut f = finding("f1", "critical");
        f["suppression"] = json!({"reason": "accepted", "line": 3});
        let new = report(json!([identity("a", None, json!([]), json!([f]))]));
        let d = compare(&old, &new, false);
        assert!(d.changes.is_empty());
        assert!(!d.fails(Severity::Low));
        let shown = compare(&old, &new, true);
        assert_eq!(shown.changes.len(), 1);
        assert!(!shown.fails(Severity::Low));
    }
}
