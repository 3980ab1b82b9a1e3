//! A service account holding a basic role (Owner, Editor) or an administrator role.
//!
//! Basic roles grant thousands of permissions across every service; `*Admin` roles include
//! managing access to what they administer. A workload rarely needs either. CIS Google Cloud
//! Foundations 1.5.

use crate::finding::{Category, Confidence, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gcp_service_account;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-admin-roles",
    title: "Service account holds basic or admin roles",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "A Google Cloud service account holds roles/owner, roles/editor or an administrator role (a role whose name ends in Admin or .admin) on the organization, a folder, a project or a resource (CIS Google Cloud Foundations 1.5).",
    remediation: "Replace the role with predefined roles scoped to what the workload does (the IAM recommender lists unused permissions), then remove the binding.",
    config: &[],
    references: &["https://cloud.google.com/iam/docs/roles-overview#basic", "https://cloud.google.com/iam/docs/recommender-overview"],
};

/// Basic and administrator roles.
pub fn is_admin_role(role: &str) -> bool {
    let name = role.rsplit('/').next().unwrap_or(role);
    role == "roles/owner"
        || role == "roles/editor"
        || name.ends_with("Admin")
        || name.ends_with(".admin")
        || name == "admin"
}

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let compute_default = gcp_service_account(s.identity)
            .is_some_and(|f| f.default_account.as_deref() == Some("compute"));
        let held: Vec<_> = ctx
            .gcp
            .held(&s.identity.id)
            .iter()
            .filter(|h| is_admin_role(&h.role))
            // The default Compute account's Editor has a rule of its own.
            .filter(|h| !(compute_default && h.role == "roles/editor"))
            .collect();
        if held.is_empty() {
            return Vec::new();
        }
        let conditional = held.iter().all(|h| h.condition.is_some());
        let grants: Vec<_> = held
            .iter()
            .map(|h| {
                json!({"role": h.role, "resource": h.resource, "level": h.level.as_str(), "condition": h.condition})
            })
            .collect();
        let names: Vec<&str> = held.iter().map(|h| h.role.as_str()).collect();
        let mut f = Finding::new(
            &META,
            format!(
                "Service account {} holds {}.",
                s.identity.name,
                names.join(", ")
            ),
        )
        .evidence(json!({"grants": grants}));
        if conditional {
            f = f.confidence(Confidence::Medium);
        }
        vec![f]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gcp_sa;

    #[test]
    fn fires_on_basic_and_admin_roles_anywhere() {
        for (res, role) in [
            ("project", "roles/owner"),
            ("folder", "roles/editor"),
            ("org", "roles/iam.securityAdmin"),
            (
                "//storage.googleapis.com/projects/_/buckets/b",
                "roles/storage.admin",
            ),
        ] {
            let f = gcp_sa("ci")
                .gcp_binding(res, role, "self", None)
                .run(&super::Rule);
            assert_eq!(f.len(), 1, "{role}");
        }
        let f = gcp_sa("ci")
            .gcp_binding(
                "project",
                "roles/owner",
                "self",
                Some("request.time < timestamp('2027-01-01T00:00:00Z')"),
            )
            .run(&super::Rule);
        assert_eq!(f[0].confidence, crate::finding::Confidence::Medium);
    }

    #[test]
    fn quiet_on_narrow_roles_and_others_bindings() {
        let f = gcp_sa("ci")
            .gcp_binding("project", "roles/storage.objectViewer", "self", None)
            .gcp_binding("project", "roles/owner", "user:alice@acme.com", None)
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
        // The default Compute account's Editor is the other rule's.
        let f = gcp_sa("42-compute@developer.gserviceaccount.com")
            .gcp_binding("project", "roles/editor", "self", None)
            .run(&super::Rule);
        assert!(f.is_empty());
    }
}
