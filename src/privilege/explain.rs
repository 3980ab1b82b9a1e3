//! Paths in words and in JSON: one line for a table (`ci →[iam:PassRole + ...]→ deploy (admin)`)
//! and, hop by hop, the principal, the actions, the policy statements that grant them and the
//! principal reached.

use super::{Estate, Hop, NodeId, NodeKind, Outcome, PrivilegeGraph};
use serde_json::{json, Value};

impl PrivilegeGraph<'_> {
    /// A node for people: its name, with its account when it is not `account`.
    pub fn label(&self, id: NodeId, account: &str) -> String {
        let n = self.node(id);
        let name = match n.kind {
            NodeKind::Group => format!("group {}", n.name),
            _ => n.name.to_string(),
        };
        if n.account == account {
            name
        } else {
            format!("{name} ({})", n.account)
        }
    }

    /// `a →[x + y]→ b →[sts:AssumeRole]→ c (admin)`.
    pub fn path_line(&self, hops: &[Hop]) -> String {
        let Some(first) = hops.first() else {
            return String::new();
        };
        let account = self.node(first.from).account;
        let mut line = self.label(first.from, account);
        for hop in hops {
            let route = self.route(hop);
            let to = if hop.to == hop.from {
                "itself".to_string()
            } else {
                self.label(hop.to, account)
            };
            line.push_str(&format!(" →[{}]→ {to}", route.path.actions_text()));
        }
        let last = hops.last().map(|h| (self.route(h), h.to));
        if let Some((route, to)) = last {
            let gained = self.node(first.from).power.gained(self.gain(route, to));
            let end = if gained.is_empty() {
                "nothing more".to_string()
            } else {
                gained.join(", ")
            };
            line.push_str(&format!(" ({end})"));
        }
        line
    }

    /// One hop as JSON: who, what, granted by which statements, to whom, with what outcome.
    pub fn hop_json(&self, estate: &Estate<'_>, hop: &Hop) -> Value {
        let route = self.route(hop);
        let from = self.node(hop.from);
        let to = self.node(hop.to);
        let grants: Vec<Value> = match self.identity(hop.from) {
            Some(identity) => {
                let e = estate.effective(identity);
                route
                    .path
                    .actions
                    .iter()
                    .map(|a| {
                        let on_target = matches!(a.on, super::catalog::On::Target);
                        let service = match &route.path.target {
                            super::catalog::Target::PassedRole { services, .. } => {
                                services.first().map(String::as_str)
                            }
                            _ => None,
                        };
                        let d = on_target.then(|| {
                            e.decide(&a.action, to.arn, &super::extra_for(&a.action, service))
                        });
                        let g = e.grant(&a.action);
                        let via: Vec<String> = match (&d, &g) {
                            (Some(d), _) if !d.via.is_empty() => {
                                d.via.iter().map(|v| v.text()).collect()
                            }
                            (_, Some(g)) => g.statements.iter().map(|v| v.text()).collect(),
                            _ => Vec::new(),
                        };
                        json!({
                            "action": a.action,
                            "resource": if on_target { to.arn.to_string() } else {
                                g.as_ref().map(|g| g.resources_text()).unwrap_or_default()
                            },
                            "via": via,
                        })
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        json!({
            "from": from.arn,
            "path": route.path.id,
            "actions": route.path.actions.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
            "grants": grants,
            "to": to.arn,
            "outcome": match route.outcome {
                Outcome::Admin => "admin (writes the target's permissions)".to_string(),
                Outcome::Becomes => format!("becomes {}", to.name),
            },
            "certainty": match route.certainty {
                super::Certainty::High => "high",
                super::Certainty::Medium => "medium",
            },
            "conditions": route.conditions,
        })
    }
}
