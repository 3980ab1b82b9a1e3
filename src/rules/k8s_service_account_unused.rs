//! A service account no workload runs as, older than the threshold.
//!
//! Pods and controllers (deployments, cron jobs, ...) name the account they run as; an account
//! none names, and whose legacy tokens (if any) have not been used lately, is left over from
//! something removed, yet its bindings still grant whatever it had. The `default` account of
//! each namespace is never judged here: Kubernetes makes one in every namespace. Not judged
//! when the source did not include pods.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::k8s::{facts, K8S_ACCOUNTS};
use crate::rule::{day, rfc3339, Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "k8s-service-account-unused",
    title: "Service account unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["kubernetes"],
    kinds: Kinds::Only(K8S_ACCOUNTS),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "No pod or pod template runs as the service account, none of its legacy tokens was used within the threshold, and it is older than the threshold (default 90 days). The default service account is never judged.",
    remediation: "Confirm nothing outside the cluster uses it (its token Secrets' legacy-token-last-used labels, audit logs), then delete its bindings and the service account.",
    config: &["thresholds.k8s_service_account_unused_days"],
    references: &["https://kubernetes.io/docs/concepts/security/service-accounts/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = facts(s.identity) else {
            return Vec::new();
        };
        let limit = ctx.config.thresholds.k8s_service_account_unused_days.get();
        let name = s.identity.name.rsplit('/').next().unwrap_or("");
        if name == "default" || !f.workloads_known || !f.workloads.is_empty() {
            return Vec::new();
        }
        let Some(created) = s.identity.created_at else {
            return Vec::new();
        };
        let age = ctx.days_since(created);
        if age <= limit {
            return Vec::new();
        }
        // A token used lately means something outside the cluster uses the account.
        if s.identity
            .last_used
            .at()
            .is_some_and(|t| ctx.days_since(t) <= limit)
        {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!(
                "No pod or controller runs as {}, created {} ({age} days ago; threshold {limit}).",
                s.identity.name,
                day(created)
            ),
        )
        .evidence(json!({
            "created_at": rfc3339(created),
            "last_used_at": s.identity.last_used.at().map(rfc3339),
            "bindings": f.grants.iter().map(|g| g.binding.clone()).collect::<Vec<_>>(),
            "threshold_days": limit,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, k8s::account};
    use nhi_api::LastUsed;

    #[test]
    fn fires_on_an_old_account_nothing_runs_as() {
        assert_eq!(account("ci", "old-runner").run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_when_used_new_default_recent_token_or_pods_unknown() {
        assert!(account("ci", "runner")
            .runs_in("Deployment", "runner")
            .run(&super::Rule)
            .is_empty());
        assert!(account("ci", "default").run(&super::Rule).is_empty());
        let mut new = account("ci", "new");
        new.identity.created_at = Some(days_ago(10));
        assert!(new.run(&super::Rule).is_empty());
        assert!(account("ci", "external")
            .token("t", LastUsed::At(days_ago(2)), false)
            .run(&super::Rule)
            .is_empty());
        assert!(account("ci", "unknown")
            .pods_unknown()
            .run(&super::Rule)
            .is_empty());
    }
}
