//! Escalation paths open to a service account, from the published Google Cloud research.
//!
//! The catalog (`src/data/gcp-escalation/paths.json`, after Rhino Security Labs' two-part
//! research) lists permission sets that let an identity grant itself more: setting the IAM
//! policy of its project, folder or organization; updating a custom role; minting tokens or
//! keys for other accounts; deploying code (Cloud Functions, Compute, Cloud Run, Cloud Build)
//! that runs as another account it may act as. Roles are expanded with the predefined-role
//! catalog and the scan's custom roles; roles nhi cannot expand are named in the evidence.

use crate::finding::{Category, Confidence, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::gcp::Level;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-privilege-escalation",
    title: "Service account can escalate its privileges",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "The service account's roles on its project, a folder or the organization contain a complete escalation path of the catalog (setIamPolicy, iam.roles.update, key or token creation for other accounts, actAs plus a way to run code), so it can give itself more than it was granted.",
    remediation: "Remove the permission that completes the path (a narrower predefined or custom role), or grant it on the single resource that needs it. Accounts that must keep it deserve the strictest key and impersonation hygiene.",
    config: &[],
    references: &["https://rhinosecuritylabs.com/gcp/privilege-escalation-google-cloud-platform-part-1/", "https://rhinosecuritylabs.com/cloud-security/privilege-escalation-google-cloud-platform-part-2/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        // An Owner of the project is an administrator already (gcp-sa-admin-roles says so).
        if ctx
            .gcp
            .held(&s.identity.id)
            .iter()
            .any(|h| h.role == "roles/owner" && h.level != Level::Resource && h.condition.is_none())
        {
            return Vec::new();
        }
        let paths = ctx.gcp.escalations(&s.identity.id);
        if paths.is_empty() {
            return Vec::new();
        }
        let conditional = paths.iter().all(|p| !p.conditions.is_empty());
        let evidence: Vec<_> = paths
            .iter()
            .map(|p| json!({
                "path": p.path.id, "title": p.path.title, "permissions": p.path.permissions,
                "granted_by": p.granted_by, "conditions": p.conditions, "outcome": p.path.outcome,
            }))
            .collect();
        let ids: Vec<&str> = paths.iter().map(|p| p.path.id.as_str()).collect();
        let mut f = Finding::new(
            &META,
            format!(
                "Service account {} can escalate: {} ({}).",
                s.identity.name,
                paths[0].path.title.to_lowercase(),
                ids.join(", ")
            ),
        )
        .evidence(json!({
            "paths": evidence,
            "roles_not_expanded": ctx.gcp.unknown_roles(&s.identity.id),
        }));
        if conditional {
            f = f.confidence(Confidence::Medium);
        }
        vec![f]
    }

    fn catalog(&self) -> Option<serde_json::Value> {
        let (source, paths) = crate::privilege::gcp::paths();
        Some(json!({
            "source": source,
            "paths": paths.iter().map(|p| json!({"id": p.id, "title": p.title, "permissions": p.permissions, "outcome": p.outcome})).collect::<Vec<_>>(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gcp_sa;
    use crate::rule::Rule as _;

    #[test]
    fn fires_on_complete_paths() {
        let f = gcp_sa("ci")
            .gcp_binding(
                "project",
                "roles/resourcemanager.projectIamAdmin",
                "self",
                None,
            )
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("gcp-iam-001"), "{}", f[0].message);
        // actAs alone is not a path; with a way to run code it is.
        let half =
            gcp_sa("ci").gcp_binding("project", "roles/iam.serviceAccountUser", "self", None);
        assert!(half.run(&super::Rule).is_empty());
        let f = half
            .gcp_binding("project", "roles/cloudfunctions.developer", "self", None)
            .run(&super::Rule);
        assert!(f[0].message.contains("gcp-run-001"), "{}", f[0].message);
    }

    #[test]
    fn custom_roles_are_expanded_and_owners_left_to_the_admin_rule() {
        let mut case =
            gcp_sa("ci").gcp_binding("project", "projects/acme-prod/roles/deployer", "self", None);
        case.inventory.gcp.roles.push(nhi_api::gcp::GcpRole {
            name: "projects/acme-prod/roles/deployer".into(),
            permissions: vec!["iam.roles.update".into()],
        });
        assert!(case.run(&super::Rule)[0].message.contains("gcp-iam-004"));
        let owner = gcp_sa("ci").gcp_binding("project", "roles/owner", "self", None);
        assert!(owner.run(&super::Rule).is_empty());
        assert!(gcp_sa("x")
            .gcp_binding("project", "roles/viewer", "self", None)
            .run(&super::Rule)
            .is_empty());
        assert!(super::Rule
            .catalog()
            .is_some_and(|c| c["paths"].as_array().is_some_and(|p| p.len() > 10)));
    }
}
