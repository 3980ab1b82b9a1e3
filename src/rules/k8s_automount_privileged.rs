//! Token automounting left on for a service account that can change things.
//!
//! Unless `automountServiceAccountToken: false` is set on the service account or the pod,
//! every container of every pod running as it gets its token in a file: one compromised
//! container (a dependency, an SSRF to the file system) is then the service account. For an
//! account that only reads that matters little; for one that can change the cluster it is the
//! easiest way in.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::k8s::{capabilities, facts, writes, K8S_ACCOUNTS};
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "k8s-automount-privileged",
    title: "Token automounted for a privileged service account",
    category: Category::Hygiene,
    severity: Severity::Low,
    providers: &["kubernetes"],
    kinds: Kinds::Only(K8S_ACCOUNTS),
    owasp: &[Owasp::SecretLeakage, Owasp::Overprivileged],
    cis: &[],
    description: "The service account holds more than read access, and automountServiceAccountToken is not false on it nor on every pod template that runs as it, so every container of those pods holds its token.",
    remediation: "Set automountServiceAccountToken: false on the service account, and mount a projected token (with an audience and short expiry) only into the container that calls the API.",
    config: &[],
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = facts(s.identity) else {
            return Vec::new();
        };
        if f.automount == Some(false) {
            return Vec::new();
        }
        let privileged = f.grants.iter().find(|g| g.rules.iter().any(writes));
        let privileged = privileged.or_else(|| capabilities(&f.grants).first().map(|h| h.grant));
        let Some(grant) = privileged else {
            return Vec::new();
        };
        // Pods that opt out are fine; an account no pod runs as mounts nowhere yet, but will
        // in the first pod that names it.
        let mounting: Vec<String> = f
            .workloads
            .iter()
            .filter(|w| w.automount != Some(false))
            .map(|w| format!("{}/{}", w.kind, w.name))
            .collect();
        if !f.workloads.is_empty() && mounting.is_empty() {
            return Vec::new();
        }
        let where_ = if mounting.is_empty() {
            "in every pod that will run as it".to_string()
        } else {
            format!("in the pods of {}", mounting.join(", "))
        };
        vec![Finding::new(
            &META,
            format!(
                "{} holds more than read access (through {}) and its token is mounted {where_}.",
                s.identity.name, grant.binding
            ),
        )
        .evidence(json!({
            "automount": f.automount,
            "mounted_in": mounting,
            "binding": grant.binding,
            "role": grant.role,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::k8s::{account, grant};

    fn writer(name: &str) -> crate::rule::testing::Case {
        account("ci", name).grant(grant(
            "RoleBinding/ci/w",
            "Role/ci/w",
            Some("ci"),
            &[(&["apps"], &["deployments"], &["patch"])],
        ))
    }

    #[test]
    fn fires_when_a_writer_mounts_its_token() {
        assert_eq!(
            writer("deployer")
                .runs_in("Deployment", "deployer")
                .run(&super::Rule)
                .len(),
            1
        );
    }

    #[test]
    fn quiet_when_opted_out_or_read_only() {
        let mut off = writer("deployer");
        if let nhi_api::Native::Kubernetes(f) = &mut off.identity.native {
            f.automount = Some(false);
        }
        assert!(off.run(&super::Rule).is_empty());
        let mut pod_off = writer("deployer").runs_in("Deployment", "deployer");
        if let nhi_api::Native::Kubernetes(f) = &mut pod_off.identity.native {
            f.workloads[0].automount = Some(false);
        }
        assert!(pod_off.run(&super::Rule).is_empty());
        assert!(account("ci", "reader")
            .grant(grant(
                "RoleBinding/ci/r",
                "Role/ci/r",
                Some("ci"),
                &[(&[""], &["pods"], &["get", "list"])]
            ))
            .runs_in("Deployment", "reader")
            .run(&super::Rule)
            .is_empty());
    }
}
