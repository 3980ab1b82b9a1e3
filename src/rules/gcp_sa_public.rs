//! A service account whose own IAM policy names `allUsers` or `allAuthenticatedUsers`.
//!
//! `allAuthenticatedUsers` is any Google account in the world, not your organization's; with
//! Token Creator or Service Account User that is anyone acting as your workload.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-public",
    title: "Service account policy grants the public",
    category: Category::Exposure,
    severity: Severity::Critical,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::InsecureCloudDeployment, Owasp::Reuse],
    cis: &[],
    description: "The service account's own IAM policy grants a role to allUsers or allAuthenticatedUsers (any Google account): anyone may use whatever the role allows on it, up to acting as it.",
    remediation: "Remove the binding (gcloud iam service-accounts remove-iam-policy-binding SA --member=allAuthenticatedUsers --role=ROLE) and enforce the organization policy constraints/iam.allowedPolicyMemberDomains.",
    config: &[],
    references: &["https://cloud.google.com/iam/docs/principal-identifiers"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let public = ctx.gcp.public(&s.identity.id);
        if public.is_empty() {
            return Vec::new();
        }
        let grants: Vec<String> = public.iter().map(|(m, r)| format!("{r} to {m}")).collect();
        vec![Finding::new(
            &META,
            format!(
                "Service account {} grants {}.",
                s.identity.name,
                grants.join(", ")
            ),
        )
        .evidence(json!({"grants": grants}))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gcp_sa;

    #[test]
    fn fires_on_public_members_of_its_own_policy_only() {
        let f = gcp_sa("ci")
            .gcp_binding(
                "sa",
                "roles/iam.serviceAccountTokenCreator",
                "allAuthenticatedUsers",
                None,
            )
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        let f = gcp_sa("ci")
            .gcp_binding(
                "sa",
                "roles/iam.serviceAccountUser",
                "user:bob@acme.com",
                None,
            )
            .gcp_binding(
                "//storage.googleapis.com/projects/_/buckets/pub",
                "roles/storage.objectViewer",
                "allUsers",
                None,
            )
            .run(&super::Rule);
        assert!(f.is_empty());
    }
}
