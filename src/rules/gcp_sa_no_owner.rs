//! A service account nobody is named as owning.
//!
//! Service accounts have no tags. The convention nhi reads is `owner: VALUE` (or any of the
//! configured owner keys, e.g. `team: VALUE`) in the account's description; a label with one of
//! those keys on its project counts too. Google's default accounts are left out.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gcp_service_account;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-no-owner",
    title: "Service account has no owner",
    category: Category::Ownership,
    severity: Severity::Low,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "Neither the service account's description (owner: VALUE, or another configured owner key) nor a label of its project names who answers for it.",
    remediation: "Add the owner to the description (gcloud iam service-accounts update SA --description='... owner: TEAM') or label the project (gcloud projects update P --update-labels=owner=TEAM).",
    config: &["ownership.owner_tag_keys"],
    references: &["https://cloud.google.com/iam/docs/best-practices-service-accounts#naming-conventions"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = gcp_service_account(s.identity) else {
            return Vec::new();
        };
        if s.owner.is_some() || !s.identity.tags_known || f.default_account.is_some() {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!("No owner is named for service account {}.", s.identity.name),
        )
        .evidence(json!({
            "looked_for": ctx.config.ownership.owner_tag_keys,
            "description": f.description,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gcp_sa;

    #[test]
    fn fires_without_owner_quiet_with_one() {
        assert_eq!(gcp_sa("ci").run(&super::Rule).len(), 1);
        assert!(gcp_sa("ci")
            .tag("team", "payments")
            .run(&super::Rule)
            .is_empty());
        assert!(gcp_sa("42-compute@developer.gserviceaccount.com")
            .run(&super::Rule)
            .is_empty());
    }
}
