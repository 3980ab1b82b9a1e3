//! A user-managed service-account key older than the rotation period.
//!
//! The longer a key lives, the more places it has been copied to. CIS Google Cloud Foundations
//! 1.7 asks for rotation within 90 days.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gcp_live_keys;
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-key-not-rotated",
    title: "Service-account key not rotated",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::LongLivedSecrets],
    cis: &[],
    description: "An enabled user-managed service-account key is older than the rotation period (default 90 days; CIS Google Cloud Foundations 1.7).",
    remediation: "Create a new key, move its users to it, then disable and delete the old one (gcloud iam service-accounts keys disable/delete). Better: remove the need for a key.",
    config: &["thresholds.gcp_key_max_age_days"],
    references: &["https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys#rotate-keys"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx.config.thresholds.gcp_key_max_age_days.get();
        gcp_live_keys(s.identity, ctx.now)
            .filter_map(|c| {
                let created = c.created_at?;
                let age = ctx.days_since(created);
                (age > limit).then(|| {
                    Finding::new(
                        &META,
                        format!(
                            "Key {} of {} was created {} ({age} days ago; threshold {limit}).",
                            c.id,
                            s.identity.name,
                            day(created)
                        ),
                    )
                    .credential(&c.id)
                    .evidence(json!({
                        "credential": c.id,
                        "created_at": rfc3339(created),
                        "age_days": age,
                        "threshold_days": limit,
                    }))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gcp_sa;
    use nhi_api::{Expiry, LastUsed};

    #[test]
    fn fires_on_old_keys_only() {
        let f = gcp_sa("ci")
            .gcp_key("old", 200, LastUsed::Unknown, Expiry::Never)
            .gcp_key("new", 10, LastUsed::Unknown, Expiry::Never)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id.as_deref(), Some("old"));
        let mut case = gcp_sa("ci").gcp_key("k", 50, LastUsed::Unknown, Expiry::Never);
        assert!(case.run(&super::Rule).is_empty());
        case.config.thresholds.gcp_key_max_age_days = crate::config::Days::new(30);
        assert_eq!(case.run(&super::Rule).len(), 1);
    }
}
