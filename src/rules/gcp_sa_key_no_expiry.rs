//! A user-managed service-account key that never expires.
//!
//! Google creates keys valid until 9999-12-31 unless the organization policy
//! `constraints/iam.serviceAccountKeyExpiryHours` sets a lifetime: a leaked key then works
//! until someone notices and deletes it.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gcp_live_keys;
use crate::rule::{Ctx, Subject};
use nhi_api::{kinds, Expiry};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-key-no-expiry",
    title: "Service-account key never expires",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::LongLivedSecrets],
    cis: &[],
    description: "An enabled user-managed service-account key has no expiry (validBeforeTime 9999-12-31): if it leaks, it works until it is deleted.",
    remediation: "Set the organization policy constraints/iam.serviceAccountKeyExpiryHours so new keys expire, and replace this key with one that does (or with keyless authentication).",
    config: &[],
    references: &["https://cloud.google.com/resource-manager/docs/organization-policy/restricting-service-accounts#limit_key_expiry"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        gcp_live_keys(s.identity, ctx.now)
            .filter(|c| c.expires == Expiry::Never)
            .map(|c| {
                Finding::new(
                    &META,
                    format!("Key {} of {} never expires.", c.id, s.identity.name),
                )
                .credential(&c.id)
                .evidence(json!({"credential": c.id, "valid_before": "9999-12-31"}))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, gcp_sa};
    use nhi_api::{Expiry, LastUsed};

    #[test]
    fn fires_on_keys_without_expiry() {
        let f = gcp_sa("ci")
            .gcp_key("forever", 5, LastUsed::Unknown, Expiry::Never)
            .gcp_key("bounded", 5, LastUsed::Unknown, Expiry::At(days_ago(-30)))
            .gcp_key("unknown", 5, LastUsed::Unknown, Expiry::Unknown)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id.as_deref(), Some("forever"));
    }
}
