//! A namespace's `default` service account granted rights.
//!
//! Every pod that names no service account runs as `default`: whatever it is granted, every
//! such pod of the namespace holds, often without its authors knowing. Kubernetes binds nothing
//! to it; any binding beyond the cluster's own bootstrap bindings is someone's shortcut.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::k8s::{facts, is_builtin, K8S_ACCOUNTS};
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "k8s-default-service-account-granted",
    title: "Default service account granted rights",
    category: Category::OverPrivilege,
    severity: Severity::Medium,
    providers: &["kubernetes"],
    kinds: Kinds::Only(K8S_ACCOUNTS),
    owasp: &[Owasp::Overprivileged, Owasp::Reuse],
    cis: &[],
    description: "A namespace's default service account, which every pod that names no service account runs as, is bound to a role (directly or through the system:serviceaccounts groups) beyond the cluster's bootstrap bindings.",
    remediation: "Create a dedicated service account for the workload that needs the rights, bind the role to it, set serviceAccountName in its pod template, and remove the binding from default.",
    config: &[],
    references: &["https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = facts(s.identity) else {
            return Vec::new();
        };
        if s.identity.name.rsplit('/').next() != Some("default") {
            return Vec::new();
        }
        let extra: Vec<_> = f.grants.iter().filter(|g| !is_builtin(g)).collect();
        let Some(first) = extra.first() else {
            return Vec::new();
        };
        vec![Finding::new(
            &META,
            format!(
                "{} is granted {} through {} ({}){}: every pod of namespace {} that names no service account holds it.",
                s.identity.name,
                first.role,
                first.binding,
                first.subject,
                if extra.len() > 1 { format!(" and {} more", extra.len() - 1) } else { String::new() },
                f.namespace
            ),
        )
        .evidence(json!({
            "grants": extra.iter().map(|g| json!({
                "binding": g.binding, "subject": g.subject, "role": g.role,
                "namespace": g.namespace.as_deref().unwrap_or("*"),
            })).collect::<Vec<_>>(),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::k8s::{account, grant};

    #[test]
    fn fires_on_a_granted_default() {
        let f = account("web", "default")
            .grant(grant(
                "RoleBinding/web/x",
                "ClusterRole/edit",
                Some("web"),
                &[(&[""], &["pods"], &["create"])],
            ))
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_on_bare_defaults_builtins_and_other_accounts() {
        assert!(account("web", "default").run(&super::Rule).is_empty());
        assert!(account("kube-system", "default")
            .grant(grant(
                "ClusterRoleBinding/system:x",
                "ClusterRole/system:x",
                None,
                &[]
            ))
            .run(&super::Rule)
            .is_empty());
        assert!(account("web", "app")
            .grant(grant(
                "RoleBinding/web/x",
                "ClusterRole/edit",
                Some("web"),
                &[]
            ))
            .run(&super::Rule)
            .is_empty());
    }
}
