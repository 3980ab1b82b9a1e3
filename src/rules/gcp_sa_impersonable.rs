//! Who can become this service account.
//!
//! Anyone holding `iam.serviceAccounts.actAs`, `getAccessToken`, `signBlob`, `signJwt`,
//! `implicitDelegation` or `iam.serviceAccountKeys.create` on the account, or on its project,
//! folder or organization, can act as it. Granted on the project (Service Account User, Token
//! Creator), it reaches every account there: CIS Google Cloud Foundations 1.6 asks for such
//! grants on single accounts only. Owner and Editor are left out (they administer the project
//! anyway), as are Google's service agents (their grants are Google's design) and workload
//! identity pools (judged by `gcp-wif-pool-wide-binding`) and GKE Workload Identity members.

use crate::finding::{Category, Confidence, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::gcp::{GcpAccess, Level};
use crate::rule::facts::gcp_service_agent_member;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

/// Grants quoted in the evidence, and members named in the message: a project-wide grant
/// repeats on every account of the project, and the report should not grow with that.
const EVIDENCE_GRANTS: usize = 10;
const NAMED_MEMBERS: usize = 5;

/// "a, b, c and 4 more".
fn listed(members: &[&str]) -> String {
    let mut out = members
        .iter()
        .take(NAMED_MEMBERS)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if members.len() > NAMED_MEMBERS {
        out.push_str(&format!(" and {} more", members.len() - NAMED_MEMBERS));
    }
    out
}

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-impersonable",
    title: "Others can impersonate the service account",
    category: Category::Exposure,
    severity: Severity::High,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::Reuse, Owasp::Overprivileged],
    cis: &[],
    description: "Members hold roles that let them act as this service account (actAs, getAccessToken, signBlob, signJwt, implicitDelegation or key creation). High when granted on its project, folder or organization, which reaches every account there (CIS Google Cloud Foundations 1.6); low when granted on the account alone.",
    remediation: "Grant Service Account User and Token Creator on the single accounts a member needs, not on projects or above (gcloud iam service-accounts add-iam-policy-binding SA ...), and remove the broad bindings.",
    config: &[],
    references: &["https://cloud.google.com/iam/docs/service-account-permissions", "https://rhinosecuritylabs.com/gcp/privilege-escalation-google-cloud-platform-part-1/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let me = crate::rule::facts::gcp_service_account(s.identity)
            .map(|f| format!("serviceAccount:{}", f.email))
            .unwrap_or_default();
        let who: Vec<_> = ctx
            .gcp
            .impersonators(&s.identity.id)
            .into_iter()
            .filter(|i| !matches!(i.role.as_str(), "roles/owner" | "roles/editor"))
            .filter(|i| !gcp_service_agent_member(&i.member))
            .filter(|i| GcpAccess::pool_member(&i.member).is_none())
            // GKE Workload Identity (PROJECT.svc.id.goog[NAMESPACE/KSA]) is the keyless way a
            // pod becomes an account: drawn in the graph, not reported as exposure.
            .filter(|i| !i.member.contains(".svc.id.goog["))
            .filter(|i| !i.member.eq_ignore_ascii_case(&me))
            .collect();
        if who.is_empty() {
            return Vec::new();
        }
        let broad = who.iter().any(|i| i.level != Level::Resource);
        let mut members: Vec<&str> = who.iter().map(|i| i.member.as_str()).collect();
        members.sort();
        members.dedup();
        // The evidence lists the first grants (a project-wide grant repeats on every account).
        let grants: Vec<_> = who
            .iter()
            .take(EVIDENCE_GRANTS)
            .map(|i| {
                let mut g = json!({
                    "member": i.member, "role": i.role, "resource": i.resource,
                    "level": i.level.as_str(), "permissions": i.permissions, "condition": i.condition,
                });
                if let Some(note) = &i.note {
                    g["condition_note"] = json!(note);
                }
                if let Some(group) = &i.via {
                    g["through"] = json!(group);
                }
                g
            })
            .collect();
        let mut f = Finding::new(
            &META,
            format!(
                "{} member(s) can act as {}{}: {}.",
                members.len(),
                s.identity.name,
                if broad {
                    " through a project-, folder- or organization-wide grant"
                } else {
                    ""
                },
                listed(&members)
            ),
        )
        .evidence(json!({"grants": grants, "grants_total": who.len(), "members": members.len()}));
        if !broad {
            f = f.severity(Severity::Low);
        }
        if who.iter().all(|i| i.condition.is_some()) {
            f = f.confidence(Confidence::Medium);
        }
        vec![f]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::gcp_sa;

    #[test]
    fn project_wide_token_creator_is_high_single_grant_low() {
        let f = gcp_sa("ci")
            .gcp_binding(
                "project",
                "roles/iam.serviceAccountTokenCreator",
                "group:devs@acme.com",
                None,
            )
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("group:devs@acme.com"));
        let f = gcp_sa("ci")
            .gcp_binding(
                "sa",
                "roles/iam.serviceAccountUser",
                "user:bob@acme.com",
                None,
            )
            .run(&super::Rule);
        assert_eq!(f[0].severity, Severity::Low);
        // Inherited from the organization.
        let f = gcp_sa("ci")
            .gcp_binding(
                "org",
                "roles/iam.serviceAccountKeyAdmin",
                "user:eve@acme.com",
                None,
            )
            .run(&super::Rule);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn quiet_on_owners_service_agents_pools_and_unrelated_roles() {
        let f = gcp_sa("ci")
            .gcp_binding("project", "roles/owner", "user:alice@acme.com", None)
            .gcp_binding("project", "roles/iam.serviceAccountTokenCreator", "serviceAccount:service-111@gcp-sa-pubsub.iam.gserviceaccount.com", None)
            .gcp_binding("sa", "roles/iam.workloadIdentityUser", "principalSet://iam.googleapis.com/projects/111/locations/global/workloadIdentityPools/gh/*", None)
            .gcp_binding("project", "roles/viewer", "user:bob@acme.com", None)
            .gcp_binding("sa", "roles/iam.workloadIdentityUser", "serviceAccount:acme-prod.svc.id.goog[web/frontend]", None)
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
    }
}
