//! A long-lived service-account token Secret (`kubernetes.io/service-account-token`).
//!
//! Legacy tokens never expire and are not bound to a pod: whoever copies one keeps the service
//! account until the Secret is deleted. Since Kubernetes 1.24 pods get short-lived projected
//! tokens instead, and a token for something outside the cluster can be minted with an expiry
//! (`kubectl create token`). A token the API server has invalidated
//! (`kubernetes.io/legacy-token-invalid-since`) is left alone.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::k8s::K8S_ACCOUNTS;
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::credential_kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "k8s-legacy-token",
    title: "Long-lived service account token",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["kubernetes"],
    kinds: Kinds::Only(K8S_ACCOUNTS),
    owasp: &[Owasp::LongLivedSecrets, Owasp::SecretLeakage],
    cis: &[],
    description: "A Secret of type kubernetes.io/service-account-token holds a token for the service account that never expires and is not bound to any pod.",
    remediation: "Find what uses the token (its legacy-token-last-used label says when), give it a short-lived token instead (kubectl create token NAME --duration, or a projected volume), then delete the Secret.",
    config: &[],
    references: &[
        "https://kubernetes.io/docs/concepts/security/service-accounts/#get-a-token",
        "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#legacy-serviceaccount-token-cleaner",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        s.identity
            .active_credentials()
            .filter(|c| c.kind == credential_kinds::K8S_LEGACY_TOKEN)
            .map(|c| {
                let used = match c.last_used.at() {
                    Some(t) => format!(", last used {}", day(t)),
                    None => String::new(),
                };
                Finding::new(
                    &META,
                    format!(
                        "Secret {} holds a long-lived token for {} that never expires{used}.",
                        c.details.get("secret").map(String::as_str).unwrap_or(&c.id),
                        s.identity.name
                    ),
                )
                .credential(&c.id)
                .evidence(json!({
                    "secret": c.details.get("secret"),
                    "created_at": c.created_at.map(rfc3339),
                    "last_used_at": c.last_used.at().map(rfc3339),
                }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::k8s::account;
    use nhi_api::LastUsed;

    #[test]
    fn fires_per_active_token_and_skips_invalidated_ones() {
        let f = account("ci", "runner")
            .token("runner-token", LastUsed::Unknown, false)
            .token("old-token", LastUsed::Unknown, true)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id.as_deref(), Some("runner-token"));
        assert!(account("ci", "runner").run(&super::Rule).is_empty());
    }
}
