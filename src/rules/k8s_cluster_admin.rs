//! A service account that is a cluster administrator: bound to `cluster-admin`, or to a role
//! with `*` verbs on `*` resources of every API group.
//!
//! Whoever runs a pod as it, or reads its token, owns the cluster: every Secret, every node,
//! every workload. Cluster-wide it is critical; bound in one namespace (a RoleBinding), it is
//! that namespace's administrator, which is high.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::k8s::{facts, grant_is_admin, rule_json, K8S_ACCOUNTS};
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "k8s-cluster-admin",
    title: "Service account is a Kubernetes administrator",
    category: Category::OverPrivilege,
    severity: Severity::Critical,
    providers: &["kubernetes"],
    kinds: Kinds::Only(K8S_ACCOUNTS),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "The service account is bound to cluster-admin, or to a role granting * verbs on * resources, cluster-wide (critical) or in a namespace through a RoleBinding (high).",
    remediation: "Replace the binding with a Role granting the verbs and resources the workload uses (kubectl auth can-i --list --as=system:serviceaccount:NS:NAME shows what it has); keep cluster-admin for people, through short-lived access.",
    config: &[],
    references: &[
        "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege",
        "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles",
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
        let admin: Vec<_> = f.grants.iter().filter(|g| grant_is_admin(g)).collect();
        if admin.is_empty() {
            return Vec::new();
        }
        let cluster_wide: Vec<_> = admin.iter().filter(|g| g.namespace.is_none()).collect();
        let (severity, lead, reach) = match cluster_wide.first() {
            Some(g) => (Severity::Critical, **g, "the whole cluster".to_string()),
            None => {
                let mut spaces: Vec<&str> = admin
                    .iter()
                    .filter_map(|g| g.namespace.as_deref())
                    .collect();
                spaces.dedup();
                (
                    Severity::High,
                    admin[0],
                    format!("namespace {}", spaces.join(", ")),
                )
            }
        };
        let message = format!(
            "{} is an administrator of {reach}: {} binds {} ({}).",
            s.identity.name, lead.binding, lead.role, lead.subject
        );
        vec![Finding::new(&META, message)
            .severity(severity)
            .evidence(json!({
                "grants": admin.iter().map(|g| json!({
                    "binding": g.binding,
                    "subject": g.subject,
                    "role": g.role,
                    "namespace": g.namespace.as_deref().unwrap_or("*"),
                    "rules": g.rules.iter().map(rule_json).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::k8s::{account, grant};

    #[test]
    fn fires_on_cluster_admin_and_wildcards() {
        let f = account("ci", "runner")
            .grant(grant(
                "ClusterRoleBinding/ci-admin",
                "ClusterRole/cluster-admin",
                None,
                &[],
            ))
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        let f = account("ci", "runner")
            .grant(grant(
                "RoleBinding/ci/all",
                "Role/ci/all",
                Some("ci"),
                &[(&["*"], &["*"], &["*"])],
            ))
            .run(&super::Rule);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("namespace ci"), "{}", f[0].message);
    }

    #[test]
    fn quiet_on_narrower_roles() {
        assert!(account("ci", "runner")
            .grant(grant(
                "ClusterRoleBinding/view",
                "ClusterRole/view",
                None,
                &[(&[""], &["*"], &["get", "list"])]
            ))
            .grant(grant(
                "RoleBinding/ci/x",
                "Role/ci/x",
                Some("ci"),
                &[(&[""], &["*"], &["*"])]
            ))
            .run(&super::Rule)
            .is_empty());
    }
}
