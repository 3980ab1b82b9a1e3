//! A disabled service account that still holds keys or roles.
//!
//! Disabling is reversible by anyone who may enable it; the keys and bindings come back with
//! it. An account meant to be gone should lose both (or be deleted).

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{gcp_live_keys, gcp_service_account};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-disabled-armed",
    title: "Disabled service account still holds keys or roles",
    category: Category::Hygiene,
    severity: Severity::Low,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "A disabled Google Cloud service account still has enabled user-managed keys or IAM bindings, which return the moment anyone enables it again.",
    remediation: "Delete its keys and remove its bindings (or delete the account: gcloud iam service-accounts delete SA), after confirming nothing needs it.",
    config: &[],
    references: &["https://cloud.google.com/iam/docs/service-accounts-disable-enable"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = gcp_service_account(s.identity) else {
            return Vec::new();
        };
        if !f.disabled {
            return Vec::new();
        }
        let keys: Vec<&str> = gcp_live_keys(s.identity, ctx.now)
            .map(|c| c.id.as_str())
            .collect();
        let mut roles: Vec<String> = ctx
            .gcp
            .held(&s.identity.id)
            .iter()
            .map(|h| format!("{} on {}", h.role, h.resource))
            .collect();
        roles.dedup();
        if keys.is_empty() && roles.is_empty() {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!(
                "Service account {} is disabled but still has {} enabled key(s) and {} role binding(s).",
                s.identity.name,
                keys.len(),
                roles.len()
            ),
        )
        .evidence(json!({"keys": keys, "roles": roles}))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gcp_sa;
    use nhi_api::{Expiry, LastUsed};

    #[test]
    fn fires_when_disabled_with_keys_or_roles() {
        let keys = gcp_sa("a").gcp(|f| f.disabled = true).gcp_key(
            "k",
            5,
            LastUsed::Unknown,
            Expiry::Never,
        );
        assert_eq!(keys.run(&super::Rule).len(), 1);
        let roles = gcp_sa("b").gcp(|f| f.disabled = true).gcp_binding(
            "project",
            "roles/viewer",
            "self",
            None,
        );
        assert_eq!(roles.run(&super::Rule).len(), 1);
        assert!(gcp_sa("c")
            .gcp(|f| f.disabled = true)
            .run(&super::Rule)
            .is_empty());
        let enabled = gcp_sa("d").gcp_key("k", 5, LastUsed::Unknown, Expiry::Never);
        assert!(enabled.run(&super::Rule).is_empty());
    }
}
