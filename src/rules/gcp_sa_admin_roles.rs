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
                let mut g = json!({"role": h.role, "resource": h.resource, "level": h.level.as_str(), "condition": h.condition});
                if let Some(note) = &h.note {
                    g["condition_note"] = json!(note);
                }
                if let Some(group) = &h.via {
                    g["through"] = json!(group);
                }
                g
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
        // A grant limited to some resources stays conditional (medium), saying to what.
        let f = gcp_sa("ci")
            .gcp_binding(
                "project",
                "roles/owner",
                "self",
                Some("resource.name.startsWith('projects/_/buckets/acme-logs')"),
            )
            .run(&super::Rule);
        assert_eq!(f[0].confidence, crate::finding::Confidence::Medium);
        assert_eq!(
            f[0].evidence["grants"][0]["condition_note"],
            "applies only to resources whose name starts with projects/_/buckets/acme-logs"
        );
        // A time window open at --now (2026-11-01) is decided: high confidence.
        let f = gcp_sa("ci")
            .gcp_binding(
                "project",
                "roles/owner",
                "self",
                Some("request.time < timestamp('2027-01-01T00:00:00Z')"),
            )
            .run(&super::Rule);
        assert_eq!(f[0].confidence, crate::finding::Confidence::High);
    }

    #[test]
    fn a_group_grant_counts_for_member_accounts_when_memberships_are_known() {
        let grant =
            || gcp_sa("ci").gcp_binding("project", "roles/owner", "group:ops@acme.com", None);
        // Members unknown: as before, the group's grant is not the account's.
        assert!(grant().run(&super::Rule).is_empty());
        let f = grant()
            .gcp_group("ops@acme.com", &["ci@acme-prod.iam.gserviceaccount.com"])
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence["grants"][0]["through"], "group:ops@acme.com");
        // Nested: ops contains platform, which contains the account.
        let f = grant()
            .gcp_group("ops@acme.com", &["platform@acme.com"])
            .gcp_group(
                "platform@acme.com",
                &["ci@acme-prod.iam.gserviceaccount.com", "ops@acme.com"],
            )
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        // A group the account is not in.
        let f = grant()
            .gcp_group(
                "ops@acme.com",
                &["alice@acme.com", "other@acme-prod.iam.gserviceaccount.com"],
            )
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn an_expired_or_not_yet_started_owner_grant_does_not_fire() {
        for c in [
            "request.time < timestamp('2026-10-01T00:00:00Z')",
            "request.time >= timestamp('2027-01-01T00:00:00Z')",
        ] {
            let f = gcp_sa("ci")
                .gcp_binding("project", "roles/owner", "self", Some(c))
                .run(&super::Rule);
            assert!(f.is_empty(), "{c}: {f:?}");
        }
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
