//! A Google Cloud service account with a user-managed key.
//!
//! A user-managed key is a private key file that never expires by default and works from
//! anywhere: it gets copied into CI systems, laptops and images, and leaks from there. Google
//! recommends not creating them at all (attached service accounts, workload identity
//! federation and impersonation need no key). CIS Google Cloud Foundations 1.4.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gcp_live_keys;
use crate::rule::{rfc3339, Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-user-managed-key",
    title: "Service account has a user-managed key",
    category: Category::Hygiene,
    severity: Severity::Low,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::LongLivedSecrets, Owasp::SecretLeakage],
    cis: &[],
    description: "A Google Cloud service account has an enabled user-managed key (CIS Google Cloud Foundations 1.4): a private key file that works from anywhere until deleted.",
    remediation: "Replace the key with an attached service account, workload identity federation or impersonation, then delete it (gcloud iam service-accounts keys delete KEY_ID --iam-account=SA). Enforce the organization policy constraints/iam.disableServiceAccountKeyCreation.",
    config: &[],
    references: &["https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        gcp_live_keys(s.identity, ctx.now)
            .map(|c| {
                Finding::new(
                    &META,
                    format!(
                        "Service account {} has user-managed key {}{}.",
                        s.identity.name,
                        c.id,
                        c.created_at
                            .map(|t| format!(" (created {})", crate::rule::day(t)))
                            .unwrap_or_default()
                    ),
                )
                .credential(&c.id)
                .evidence(json!({
                    "credential": c.id,
                    "created_at": c.created_at.map(rfc3339),
                }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, gcp_sa};
    use nhi_api::{Expiry, LastUsed};

    #[test]
    fn fires_per_live_key_quiet_without_or_with_expired_keys() {
        let f = gcp_sa("ci")
            .gcp_key("k1", 10, LastUsed::Unknown, Expiry::Never)
            .gcp_key("k2", 10, LastUsed::Unknown, Expiry::At(days_ago(1)))
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id.as_deref(), Some("k1"));
        assert!(gcp_sa("clean").run(&super::Rule).is_empty());
    }
}
