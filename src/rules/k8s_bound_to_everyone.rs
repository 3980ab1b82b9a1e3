//! A binding that grants everyone more than discovery: `system:authenticated` (every
//! service account of the cluster, every user, and on managed clusters often anyone with an
//! account at the cloud provider), `system:unauthenticated` or `system:anonymous` (anyone who
//! can reach the API server).
//!
//! Clusters bind discovery, health and self-review roles to these groups themselves; anything
//! else is open to every caller.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::k8s::{facts, is_discovery, rule_json};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "k8s-bound-to-everyone",
    title: "Kubernetes role bound to everyone",
    category: Category::Exposure,
    severity: Severity::Critical,
    providers: &["kubernetes"],
    kinds: Kinds::Only(&[kinds::K8S_EVERYONE]),
    owasp: &[Owasp::Overprivileged, Owasp::InsecureAuthentication],
    cis: &[],
    description: "A RoleBinding or ClusterRoleBinding names system:authenticated, system:unauthenticated or system:anonymous and grants more than discovery (API discovery, health, version, and reviews of one's own access).",
    remediation: "Delete the binding, or bind the role to the service accounts or groups that need it; never bind to system:anonymous or system:unauthenticated beyond the built-in discovery roles.",
    config: &[],
    references: &[
        "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#avoid-binding-to-system-authenticated-and-system-unauthenticated",
        "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = facts(s.identity) else {
            return Vec::new();
        };
        let open: Vec<_> = f
            .grants
            .iter()
            .filter(|g| g.rules.iter().any(|r| !is_discovery(r)))
            .collect();
        let Some(first) = open.first() else {
            return Vec::new();
        };
        vec![Finding::new(
            &META,
            format!(
                "{} binds {} to {}{}: every caller {} gets it.",
                first.binding,
                first.role,
                s.identity.name,
                if open.len() > 1 { format!(" (and {} more bindings)", open.len() - 1) } else { String::new() },
                if s.identity.name == "system:authenticated" {
                    "with any valid token (every service account included)"
                } else {
                    "that can reach the API server, without credentials,"
                }
            ),
        )
        .evidence(json!({
            "grants": open.iter().map(|g| json!({
                "binding": g.binding, "role": g.role,
                "namespace": g.namespace.as_deref().unwrap_or("*"),
                "rules": g.rules.iter().filter(|r| !is_discovery(r)).map(rule_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::k8s::{everyone, grant};

    #[test]
    fn fires_beyond_discovery() {
        let f = everyone("system:authenticated")
            .grant(grant(
                "ClusterRoleBinding/oops",
                "ClusterRole/view",
                None,
                &[(&[""], &["pods"], &["list"])],
            ))
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("ClusterRoleBinding/oops"));
    }

    #[test]
    fn quiet_on_discovery() {
        assert!(everyone("system:unauthenticated")
            .grant(grant(
                "ClusterRoleBinding/system:basic-user",
                "ClusterRole/system:basic-user",
                None,
                &[(
                    &["authorization.k8s.io"],
                    &["selfsubjectaccessreviews"],
                    &["create"]
                )]
            ))
            .run(&super::Rule)
            .is_empty());
    }
}
