//! A service account holding a way to become more than it is: `escalate`, `bind` and
//! `impersonate`; `pods/exec`, `pods/attach` and ephemeral containers; reading every Secret;
//! minting service-account tokens; `nodes/proxy`; approving certificate requests; writing
//! admission webhooks; creating persistent volumes; and creating pods or any workload in a
//! namespace where a more privileged service account lives (the new pod runs as that account).
//!
//! Each capability is shown with its binding, its role and the rule that grants it. Critical
//! when a capability reaches the whole cluster, high when it stays in a namespace.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::k8s::{
    capabilities, creates_workloads, facts, power, power_words, rule_json, K8S_ACCOUNTS,
};
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "k8s-privilege-escalation",
    title: "Service account can escalate its Kubernetes privileges",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["kubernetes"],
    kinds: Kinds::Only(K8S_ACCOUNTS),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "The service account's RBAC holds a privilege-escalation capability: escalate, bind or impersonate; pods/exec, pods/attach or ephemeral containers; cluster-wide secrets read; serviceaccounts/token create; nodes/proxy; CSR approval; admission webhook writes; persistentvolumes create; or creating workloads in a namespace where a more privileged service account lives. Critical when cluster-wide.",
    remediation: "Remove the verb or resource from the role (or bind it in a narrower namespace); keep escalate, bind, impersonate, nodes/proxy, CSR approval and webhook configuration to cluster operators; move privileged service accounts to namespaces where only their own controllers may create pods.",
    config: &[],
    references: &[
        "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks",
        "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = facts(s.identity) else {
            return Vec::new();
        };
        let mut held: Vec<(String, bool, serde_json::Value)> = capabilities(&f.grants)
            .into_iter()
            .map(|h| (h.what.clone(), h.grant.namespace.is_none(), h.evidence()))
            .collect();
        // Creating workloads where a stronger account lives makes one a pod of that account.
        let mine = power(&f.grants);
        for g in &f.grants {
            let Some(rule) = creates_workloads(g) else {
                continue;
            };
            let mut targets: Vec<(&str, u8, &str)> = ctx
                .facts
                .k8s_strongest
                .iter()
                .filter(|((cluster, ns), (p, name))| {
                    cluster == &f.cluster
                        && *p > mine
                        && name != &s.identity.name
                        && g.namespace.as_deref().is_none_or(|n| n == ns)
                })
                .map(|((_, ns), (p, name))| (ns.as_str(), *p, name.as_str()))
                .collect();
            targets.sort();
            let Some(&(ns, p, name)) = targets.iter().max_by_key(|t| (t.1, std::cmp::Reverse(t.0)))
            else {
                continue;
            };
            held.push((
                format!(
                    "create pods in namespace {ns}, where {name} ({}) lives, and run them as it",
                    power_words(p)
                ),
                p >= 3,
                json!({
                    "capability": "create-workloads",
                    "binding": g.binding,
                    "subject": g.subject,
                    "role": g.role,
                    "namespace": g.namespace.as_deref().unwrap_or("*"),
                    "rule": rule_json(rule),
                    "more_privileged": {"service_account": name, "namespace": ns, "power": power_words(p)},
                    "namespaces_with_more_privileged_accounts": targets.iter().map(|t| t.0).collect::<Vec<_>>(),
                }),
            ));
        }
        if held.is_empty() {
            return Vec::new();
        }
        let critical = held.iter().any(|h| h.1);
        let mut what: Vec<&str> = held.iter().map(|h| h.0.as_str()).collect();
        what.dedup();
        let message = format!(
            "{} can escalate{}: it may {}.",
            s.identity.name,
            if critical {
                " cluster-wide"
            } else {
                " within its namespaces"
            },
            what.join("; ")
        );
        vec![Finding::new(&META, message)
            .severity(if critical {
                Severity::Critical
            } else {
                Severity::High
            })
            .evidence(json!({
                "capabilities": held.iter().map(|h| h.2.clone()).collect::<Vec<_>>(),
            }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::k8s::{account, grant};

    #[test]
    fn each_capability_fires_with_its_evidence() {
        for (groups, resources, verbs, ns) in [
            (
                &["rbac.authorization.k8s.io"][..],
                &["clusterroles"][..],
                &["bind"][..],
                None,
            ),
            (
                &["rbac.authorization.k8s.io"],
                &["roles"],
                &["escalate"],
                Some("ci"),
            ),
            (&[""], &["users", "groups"], &["impersonate"], None),
            (&[""], &["pods/exec"], &["create"], Some("ci")),
            (&[""], &["pods/ephemeralcontainers"], &["patch"], Some("ci")),
            (&[""], &["secrets"], &["list"], None),
            (&[""], &["serviceaccounts/token"], &["create"], Some("ci")),
            (&[""], &["nodes/proxy"], &["get"], None),
            (
                &["certificates.k8s.io"],
                &["certificatesigningrequests/approval"],
                &["update"],
                None,
            ),
            (
                &["admissionregistration.k8s.io"],
                &["mutatingwebhookconfigurations"],
                &["create"],
                None,
            ),
            (&[""], &["persistentvolumes"], &["create"], None),
        ] {
            let f = account("ci", "runner")
                .grant(grant(
                    "ClusterRoleBinding/b",
                    "ClusterRole/r",
                    ns,
                    &[(groups, resources, verbs)],
                ))
                .run(&super::Rule);
            assert_eq!(f.len(), 1, "{resources:?}");
            let want = if ns.is_none() {
                Severity::Critical
            } else {
                Severity::High
            };
            assert_eq!(f[0].severity, want, "{resources:?}");
            assert_eq!(
                f[0].evidence["capabilities"][0]["binding"],
                "ClusterRoleBinding/b"
            );
            assert_eq!(f[0].evidence["capabilities"][0]["role"], "ClusterRole/r");
        }
    }

    #[test]
    fn creating_pods_beside_a_stronger_account() {
        let strong = account("ci", "deployer").grant(grant(
            "ClusterRoleBinding/d",
            "ClusterRole/cluster-admin",
            None,
            &[],
        ));
        let f = account("ci", "builder")
            .grant(grant(
                "RoleBinding/ci/b",
                "Role/ci/b",
                Some("ci"),
                &[(&[""], &["pods"], &["create"])],
            ))
            .with(strong)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("ci/deployer"), "{}", f[0].message);
        assert_eq!(f[0].severity, Severity::Critical);
        // In a namespace of weaker accounts only, creating pods is no escalation.
        let weak = account("web", "app");
        assert!(account("web", "builder")
            .grant(grant(
                "RoleBinding/web/b",
                "Role/web/b",
                Some("web"),
                &[(&["apps"], &["deployments"], &["create"])]
            ))
            .with(weak)
            .run(&super::Rule)
            .is_empty());
    }

    #[test]
    fn quiet_on_reads_namespaced_secrets_and_admins() {
        assert!(account("ci", "runner")
            .grant(grant(
                "RoleBinding/ci/s",
                "Role/ci/s",
                Some("ci"),
                &[(&[""], &["secrets", "pods"], &["get", "list"])]
            ))
            .grant(grant(
                "ClusterRoleBinding/a",
                "ClusterRole/cluster-admin",
                None,
                &[(&["*"], &["*"], &["*"])]
            ))
            .run(&super::Rule)
            .is_empty());
    }
}
