//! The judgement both pipeline rules share: the ways a role can be entered from another
//! provider's workloads (a repository's CI jobs through GitHub's OIDC issuer...), worst first,
//! and how a finding words a path that starts there.

use super::{Ctx, Subject};
use crate::finding::{Confidence, Finding, RuleMeta, Severity};
use crate::privilege::federation::FederationEdge;
use crate::privilege::{Certainty, Hop};
use serde_json::{json, Value};

/// Ways in given one by one in a finding's evidence (a role trusting every repository of a
/// large organization has thousands); the identity's `reached_by` lists them all.
const SHOWN: usize = 25;

/// The ways into one role, ungated ones first.
pub struct WaysIn<'a> {
    pub edges: Vec<&'a FederationEdge>,
}

impl<'a> WaysIn<'a> {
    /// The ways into the subject's role; `None` when no workload can become it.
    pub fn of(s: &Subject<'_>, ctx: &Ctx<'a>) -> Option<WaysIn<'a>> {
        let node = s.node?;
        let mut edges: Vec<&FederationEdge> = ctx.federation.into_role(node).collect();
        if edges.is_empty() {
            return None;
        }
        // Open before gated, certain before not, the broadest (no workload: beyond the
        // scanned repositories) first, then in the connector's order of how open a subject is.
        let key = |e: &FederationEdge| {
            (
                e.gate.is_some(),
                e.certainty != Certainty::High,
                e.workload.is_some(),
                e.workload,
                e.template,
            )
        };
        edges.sort_by(|a, b| {
            key(a)
                .cmp(&key(b))
                .then_with(|| (&a.subject, &a.who).cmp(&(&b.subject, &b.who)))
        });
        edges.dedup_by(|a, b| a.subject == b.subject && a.who == b.who);
        Some(WaysIn { edges })
    }

    /// Whether anyone who can trigger a job gets in: some way in has nothing in the way.
    pub fn open(&self) -> bool {
        self.edges.iter().any(|e| e.gate.is_none())
    }

    /// The way in a finding leads with.
    fn first(&self) -> &'a FederationEdge {
        self.edges[0]
    }

    /// A finding on a path that starts with these ways in: `severity` when one is open, one
    /// step lower (saying why) when all are gated. `path` is the role's own path onwards, as
    /// [`crate::privilege::PrivilegeGraph::path_line`] words it (or the role's name and what it
    /// is); `hops` its steps.
    pub fn finding(
        &self,
        meta: &'static RuleMeta,
        ctx: &Ctx<'_>,
        path: &str,
        hops: &[Hop],
        outcome: &str,
    ) -> Finding {
        let first = self.first();
        let graph = ctx.graph;
        let mut message = format!(
            "{} [{}] →[OIDC, trust {}]→ {path}.",
            first.who, first.subject, first.statement
        );
        let severity = if self.open() {
            meta.severity
        } else {
            message.push_str(&format!(
                " Gated: {} (severity lowered from {}).",
                first.gate.as_deref().unwrap_or_default(),
                meta.severity
            ));
            lower(meta.severity)
        };
        if self.edges.len() > 1 {
            message.push_str(&format!(
                " {} more way{} in (see evidence).",
                self.edges.len() - 1,
                if self.edges.len() == 2 { "" } else { "s" }
            ));
        }
        let certain = first.certainty == Certainty::High
            && hops
                .iter()
                .all(|h| graph.route(h).certainty == Certainty::High);
        Finding::new(meta, message)
            .severity(severity)
            .confidence(if certain {
                Confidence::High
            } else {
                Confidence::Medium
            })
            .evidence(json!({
                "ways_in": self.edges.iter().take(SHOWN).map(|e| edge_json(ctx, e)).collect::<Vec<_>>(),
                "ways_in_total": self.edges.len(),
                "hops": hops.iter().map(|h| graph.hop_json(ctx.estate, h)).collect::<Vec<_>>(),
                "outcome": outcome,
            }))
    }
}

/// One way in, as evidence.
pub fn edge_json(ctx: &Ctx<'_>, e: &FederationEdge) -> Value {
    let workload = e
        .workload
        .and_then(|w| ctx.graph.inventory.workloads.get(w));
    let mut v = json!({
        "workload": workload.map(|w| w.id.as_str()),
        "subject": e.subject,
        "who": e.who,
        "gate": e.gate,
        "trust_statement": e.statement,
        "conditions": e.conditions,
        "certainty": match e.certainty {
            Certainty::High => "high",
            Certainty::Medium => "medium",
        },
        "outside_the_scan": e.foreign,
    });
    if let (Some(how), Some(o)) = (&e.joined_by, v.as_object_mut()) {
        o.insert("joined_by".into(), json!(how));
    }
    v
}

fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}
