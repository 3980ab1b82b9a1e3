//! A legacy service-account token the API server says has not been used for a long time.
//!
//! Since 1.26 the API server labels each legacy token Secret with the day it was last used
//! (`kubernetes.io/legacy-token-last-used`). One unused for longer than the threshold is
//! almost certainly forgotten, yet still works for whoever holds a copy. Tokens whose use is
//! not tracked are not judged here.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::k8s::K8S_ACCOUNTS;
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::credential_kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "k8s-legacy-token-unused",
    title: "Legacy service account token unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["kubernetes"],
    kinds: Kinds::Only(K8S_ACCOUNTS),
    owasp: &[Owasp::ImproperOffboarding, Owasp::LongLivedSecrets],
    cis: &[],
    description: "A legacy service-account token Secret was last used (kubernetes.io/legacy-token-last-used) longer ago than the threshold (default 90 days).",
    remediation: "Delete the Secret (kubectl delete secret -n NS NAME); if something still needs access, give it a short-lived token (kubectl create token).",
    config: &["thresholds.k8s_legacy_token_unused_days"],
    references: &["https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#legacy-serviceaccount-token-tracking-controller"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx.config.thresholds.k8s_legacy_token_unused_days.get();
        s.identity
            .active_credentials()
            .filter(|c| c.kind == credential_kinds::K8S_LEGACY_TOKEN)
            .filter_map(|c| {
                let at = c.last_used.at()?;
                let days = ctx.days_since(at);
                (days > limit).then(|| {
                    Finding::new(
                        &META,
                        format!(
                            "Legacy token {} of {} was last used {} ({days} days ago; threshold {limit}).",
                            c.id,
                            s.identity.name,
                            day(at)
                        ),
                    )
                    .credential(&c.id)
                    .evidence(json!({
                        "secret": c.details.get("secret"),
                        "last_used_at": rfc3339(at),
                        "days_unused": days,
                        "threshold_days": limit,
                    }))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, k8s::account};
    use nhi_api::LastUsed;

    #[test]
    fn fires_on_old_use_only() {
        let f = account("ci", "runner")
            .token("a", LastUsed::At(days_ago(200)), false)
            .token("b", LastUsed::At(days_ago(3)), false)
            .token("c", LastUsed::Unknown, false)
            .token("d", LastUsed::At(days_ago(400)), true)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id.as_deref(), Some("a"));
    }
}
