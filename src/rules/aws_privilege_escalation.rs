//! A principal that can raise its own privileges, by any path of the escalation catalog.
//!
//! The catalog (pathfinding.cloud's 86 paths and nhi's own) lists the actions that let a
//! principal give itself more power: rewrite its own policies, take over another user, rewrite
//! a role's trust, or pass a more privileged role to a compute service it then drives. A path
//! is reported only when it reaches somebody: the actions are allowed on that target's ARN (all
//! the principal's policies combined, less Denies, capped by boundary and guardrails), the
//! target trusts the service or the principal, and it adds something the principal lacks
//! (administrator access, or a capability such as reading secrets). Paths through resources IAM
//! data does not list (existing functions, instances) are judged on the roles that could be
//! behind them, at medium confidence. Administrators are left to `aws-admin-access`.

use crate::finding::{Category, Confidence, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::Certainty;
use crate::rule::facts::IAM_PRINCIPALS;
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

/// Targets named per path in the evidence.
const SHOWN: usize = 5;

static META: RuleMeta = RuleMeta {
    id: "aws-privilege-escalation",
    title: "Can escalate its own privileges",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["aws"],
    kinds: Kinds::Only(IAM_PRINCIPALS),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "The identity's combined policies allow a privilege-escalation path of the catalog (pathfinding.cloud and nhi's own): rewriting its own policies, taking over another user or role, or passing a more privileged role to a service it drives, with a target in the scanned estate that gives it more than it has. Critical when a path certainly reaches administrator access.",
    remediation: "Change the statement named in the evidence: remove the escalating actions, or scope them (iam:PassRole to the roles the workload passes with an iam:PassedToService condition; policy-writing and key-creating actions to resources the workload owns). A permissions boundary caps all of them.",
    config: &[],
    references: &[
        "https://pathfinding.cloud",
        "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn catalog(&self) -> Option<serde_json::Value> {
        Some(json!(crate::privilege::catalog::paths()
            .iter()
            .map(|p| json!({
                "id": p.id,
                "name": p.name,
                "category": p.category,
                "actions": p.actions.iter().map(|a| &a.action).collect::<Vec<_>>(),
                "judgement": p.judgement,
                "reason": p.reason,
                "url": p.url,
            }))
            .collect::<Vec<_>>()))
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(me) = s.node else {
            return Vec::new();
        };
        let graph = ctx.graph;
        let mine = graph.node(me);
        let mut paths = Vec::new();
        let mut lines = Vec::new();
        let mut admin_certain = false;
        let mut confidence = Confidence::Medium;
        for (ri, route) in graph.routes(me).iter().enumerate() {
            // The targets that give it something it lacks, best first.
            // Best first: administrator access, then closest to it, then by ARN.
            let (shown, total) = graph.best_targets(me, route, SHOWN);
            let Some(&best) = shown.first() else {
                continue;
            };
            let hop = crate::privilege::Hop {
                from: me,
                to: best,
                route: ri,
            };
            let reaches_admin = graph.gain(route, best).admin;
            if reaches_admin && route.certainty == Certainty::High {
                admin_certain = true;
            }
            if route.certainty == Certainty::High {
                confidence = Confidence::High;
            }
            let mut line = graph.path_line(std::slice::from_ref(&hop));
            if total > 1 {
                line.push_str(&format!(" (+{} more)", total - 1));
            }
            lines.push(line);
            paths.push(json!({
                "id": route.path.id,
                "name": route.path.name,
                "category": route.path.category,
                "summary": route.path.summary,
                "judgement": route.path.judgement,
                "reason": route.path.reason,
                "certainty": match route.certainty { Certainty::High => "high", Certainty::Medium => "medium" },
                "conditions": route.conditions,
                "prerequisites": route.path.prerequisites,
                "hop": graph.hop_json(ctx.estate, &hop),
                "targets": shown.iter().map(|t| json!({
                    "arn": graph.node(*t).arn,
                    "name": graph.node(*t).name,
                    "kind": graph.node(*t).kind.as_str(),
                    "gains": mine.power.gained(graph.gain(route, *t)),
                })).collect::<Vec<_>>(),
                "more_targets": total.saturating_sub(SHOWN),
                "url": route.path.url,
            }));
        }
        if paths.is_empty() {
            return Vec::new();
        }
        let shown: Vec<&str> = lines.iter().take(3).map(String::as_str).collect();
        let more = lines.len().saturating_sub(shown.len());
        let message = format!(
            "Can escalate through {} path(s): {}{}.",
            lines.len(),
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        );
        let severity = if admin_certain {
            Severity::Critical
        } else {
            META.severity
        };
        vec![Finding::new(&META, message)
            .severity(severity)
            .confidence(confidence)
            .evidence(json!({
                "paths": paths,
                // Where its reach is unknown: accounts that were not scanned.
                "may_assume_beyond_the_scan": mine.beyond,
            }))]
    }
}

#[cfg(test)]
mod tests;
