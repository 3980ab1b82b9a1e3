//! The Compute Engine default service account with Editor.
//!
//! Projects created before Google changed the default (and organizations without the
//! `iam.automaticIamGrantsForDefaultServiceAccounts` constraint) grant the default Compute
//! account Editor on the project. Every VM and GKE node that runs as it can then change almost
//! anything in the project.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gcp_service_account;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-default-compute-sa-editor",
    title: "Default Compute service account has Editor",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::Overprivileged, Owasp::InsecureCloudDeployment],
    cis: &[],
    description: "The Compute Engine default service account (PROJECT_NUMBER-compute@developer.gserviceaccount.com) holds roles/editor: every instance and node running as it can change almost anything in the project (CIS Google Cloud Foundations 4.1 and 1.5).",
    remediation: "Remove roles/editor from the default account, give workloads dedicated service accounts with narrow roles, and set the organization policy constraints/iam.automaticIamGrantsForDefaultServiceAccounts.",
    config: &[],
    references: &["https://cloud.google.com/compute/docs/access/service-accounts#default_service_account"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = gcp_service_account(s.identity) else {
            return Vec::new();
        };
        if f.default_account.as_deref() != Some("compute") {
            return Vec::new();
        }
        ctx.gcp
            .held(&s.identity.id)
            .iter()
            .filter(|h| h.role == "roles/editor")
            .take(1)
            .map(|h| {
                Finding::new(
                    &META,
                    format!(
                        "The default Compute service account {} holds roles/editor on {}.",
                        s.identity.name, h.resource
                    ),
                )
                .evidence(json!({"resource": h.resource, "level": h.level.as_str()}))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gcp_sa;

    #[test]
    fn fires_on_the_default_account_only() {
        let compute = "42-compute@developer.gserviceaccount.com";
        assert_eq!(
            gcp_sa(compute)
                .gcp_binding("project", "roles/editor", "self", None)
                .run(&super::Rule)
                .len(),
            1
        );
        assert!(gcp_sa(compute)
            .gcp_binding("project", "roles/logging.logWriter", "self", None)
            .run(&super::Rule)
            .is_empty());
        assert!(gcp_sa("ci")
            .gcp_binding("project", "roles/editor", "self", None)
            .run(&super::Rule)
            .is_empty());
    }
}
