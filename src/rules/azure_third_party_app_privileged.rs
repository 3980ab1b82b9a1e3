//! A multi-tenant application owned by another tenant, holding high permissions here.
//!
//! Consenting to a vendor's application creates its service principal in your tenant; the
//! vendor keeps the application and its credentials. Whatever it was granted here, any
//! compromise of the vendor (or of its credentials) can use — the supply-chain side of
//! non-human identities. Microsoft's own applications are not judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::azure::{
    graph_permissions, is_broad_scope, BROAD_DATA_PERMISSIONS, CONTROL_ROLES,
    PRIVILEGED_DIRECTORY_ROLES, TAKEOVER_PERMISSIONS,
};
use crate::rule::facts::azure;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-third-party-app-privileged",
    title: "Third-party application with high permissions",
    category: Category::Exposure,
    severity: Severity::High,
    providers: &["azure"],
    kinds: Kinds::Only(&[kinds::AZURE_SERVICE_PRINCIPAL]),
    owasp: &[Owasp::VulnerableThirdParty, Owasp::Overprivileged],
    cis: &[],
    description: "The service principal of a multi-tenant application owned by another tenant (appOwnerOrganizationId, not Microsoft's) holds a takeover or broad-data Graph application permission, a privileged directory role, or control of a subscription. Critical when the permission can take over the tenant.",
    remediation: "Check with the vendor what the permission is used for and whether a narrower one does; revoke the grant (Enterprise applications → Permissions → Revoke) or remove the role. Restrict user consent, review admin consent requests, and watch the vendor's sign-ins (Conditional Access for workload identities can limit where it signs in from).",
    config: &[],
    references: &[
        "https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/manage-application-permissions",
        "https://www.microsoft.com/en-us/security/blog/2024/01/25/midnight-blizzard-guidance-for-responders-on-nation-state-attack/",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = azure(s.identity) else {
            return Vec::new();
        };
        if !f.third_party {
            return Vec::new();
        }
        let takeover = graph_permissions(f, TAKEOVER_PERMISSIONS);
        let mut high: Vec<String> = graph_permissions(f, BROAD_DATA_PERMISSIONS)
            .into_iter()
            .map(str::to_string)
            .collect();
        high.extend(
            f.directory_roles
                .iter()
                .filter(|r| PRIVILEGED_DIRECTORY_ROLES.contains(&r.role.as_str()))
                .map(|r| r.role.clone()),
        );
        high.extend(
            f.rbac
                .iter()
                .filter(|a| CONTROL_ROLES.contains(&a.role.as_str()) && is_broad_scope(&a.scope))
                .map(|a| format!("{} on {}", a.role, a.scope)),
        );
        if takeover.is_empty() && high.is_empty() {
            return Vec::new();
        }
        let mut all: Vec<String> = takeover.iter().map(|p| p.to_string()).collect();
        all.extend(high.iter().cloned());
        let severity = if takeover.is_empty() {
            Severity::High
        } else {
            Severity::Critical
        };
        vec![Finding::new(
            &META,
            format!(
                "{} is a third-party application (owned by tenant {}) holding {}.",
                s.identity.name,
                f.app_owner_tenant.as_deref().unwrap_or("?"),
                all.join(", ")
            ),
        )
        .severity(severity)
        .evidence(json!({
            "app_owner_tenant": f.app_owner_tenant,
            "app_id": f.app_id,
            "privileges": all,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::azure;
    use nhi_api::{kinds, AzureAppPermission, AzureFacts};

    fn run(third_party: bool, permission: &str) -> usize {
        let app_permissions = vec![AzureAppPermission {
            resource: "Microsoft Graph".into(),
            resource_app_id: None,
            permission: permission.into(),
            app_role_id: "x".into(),
        }];
        azure(
            kinds::AZURE_SERVICE_PRINCIPAL,
            "s1",
            AzureFacts {
                third_party,
                app_permissions,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_a_vendor_app_with_high_permissions() {
        assert_eq!(run(true, "Mail.ReadWrite"), 1);
    }

    #[test]
    fn quiet_on_own_apps_or_low_permissions() {
        assert_eq!(run(false, "Mail.ReadWrite"), 0);
        assert_eq!(run(true, "User.Read.All"), 0);
    }
}
