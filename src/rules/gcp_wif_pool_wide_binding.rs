//! A service account that a whole workload identity pool may impersonate.
//!
//! `principalSet://.../workloadIdentityPools/POOL/*` is every identity the pool admits: every
//! repository its providers let in, now and after any provider is added. Bind to one
//! repository's attribute instead. Critical when a provider of the pool admits any repository.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::gcp::cel::{judge, Pinning};
use crate::privilege::gcp::GcpAccess;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-wif-pool-wide-binding",
    title: "A whole workload identity pool can impersonate the service account",
    category: Category::Exposure,
    severity: Severity::High,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::InsecureCloudDeployment],
    cis: &[],
    description: "The service account (or its project) grants impersonation to principalSet://.../workloadIdentityPools/POOL/*, every identity the pool admits; critical when a GitHub or GitLab provider of that pool does not pin the repository or owner.",
    remediation: "Bind roles/iam.workloadIdentityUser to principalSet://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/attribute.repository/OWNER/REPO instead of the pool, and pin the provider's attribute condition.",
    config: &[],
    references: &["https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines#impersonation"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for imp in ctx.gcp.impersonators(&s.identity.id) {
            let Some((pool, selector)) = GcpAccess::pool_member(&imp.member) else {
                continue;
            };
            if selector != "*" || !seen.insert(pool.clone()) {
                continue;
            }
            let open: Vec<String> = ctx
                .gcp
                .pools
                .get(&pool)
                .into_iter()
                .flatten()
                .filter(|p| !p.disabled)
                .filter(|p| {
                    p.issuer
                        .as_deref()
                        .and_then(super::gcp_wif_provider_unrestricted::ci_issuer)
                        .is_some()
                })
                .filter(|p| {
                    matches!(
                        judge(p.attribute_condition.as_deref(), &p.attribute_mapping),
                        Pinning::NotPinned(_)
                    )
                })
                .map(|p| p.name.clone())
                .collect();
            let mut f = Finding::new(
                &META,
                format!(
                    "Every identity of pool {pool} can act as {} ({} on {}){}.",
                    s.identity.name,
                    imp.role,
                    imp.resource,
                    if open.is_empty() {
                        String::new()
                    } else {
                        format!(", and provider {} admits any repository", open.join(", "))
                    }
                ),
            )
            .evidence(json!({
                "member": imp.member, "role": imp.role, "resource": imp.resource,
                "permissions": imp.permissions, "unpinned_providers": open,
            }));
            if !open.is_empty() {
                f = f.severity(Severity::Critical);
            }
            out.push(f);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::gcp_sa;

    const POOL: &str = "principalSet://iam.googleapis.com/projects/111/locations/global/workloadIdentityPools/gh/*";

    #[test]
    fn fires_on_pool_wide_members_critical_when_a_provider_is_open() {
        let case = gcp_sa("deploy").gcp_binding("sa", "roles/iam.workloadIdentityUser", POOL, None);
        assert_eq!(case.run(&super::Rule)[0].severity, Severity::High);
        let mut open = case;
        open.inventory
            .gcp
            .pool_providers
            .push(nhi_api::gcp::GcpPoolProvider {
                name: "projects/111/locations/global/workloadIdentityPools/gh/providers/gh".into(),
                issuer: Some("https://token.actions.githubusercontent.com".into()),
                ..Default::default()
            });
        assert_eq!(open.run(&super::Rule)[0].severity, Severity::Critical);
    }

    #[test]
    fn quiet_on_repository_bindings() {
        let f = gcp_sa("deploy")
            .gcp_binding(
                "sa",
                "roles/iam.workloadIdentityUser",
                "principalSet://iam.googleapis.com/projects/111/locations/global/workloadIdentityPools/gh/attribute.repository/acme/web",
                None,
            )
            .run(&super::Rule);
        assert!(f.is_empty());
    }
}
