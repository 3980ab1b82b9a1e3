//! Microsoft Graph application permissions that take over a tenant, or read everyone's data.
//!
//! Application permissions act without a user, on the whole tenant. Four of them are a tenant
//! takeover: `RoleManagement.ReadWrite.Directory` (assign itself Global Administrator),
//! `AppRoleAssignment.ReadWrite.All` (grant itself the former), `Application.ReadWrite.All`
//! (add a credential to a more privileged application and become it) and
//! `Directory.ReadWrite.All`. Others reach every mailbox, file or user.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::azure::{graph_permissions, BROAD_DATA_PERMISSIONS, TAKEOVER_PERMISSIONS};
use crate::rule::facts::{azure, AZURE_PRINCIPALS};
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-dangerous-graph-permission",
    title: "Dangerous Microsoft Graph application permission",
    category: Category::OverPrivilege,
    severity: Severity::Critical,
    providers: &["azure"],
    kinds: Kinds::Only(AZURE_PRINCIPALS),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "A service principal holds a Microsoft Graph application permission that takes over the tenant (RoleManagement.ReadWrite.Directory, AppRoleAssignment.ReadWrite.All, Application.ReadWrite.All, Directory.ReadWrite.All: critical) or reaches everyone's data (Mail.ReadWrite, Mail.Send, Files.ReadWrite.All, Sites.FullControl.All, User.ReadWrite.All, Group.ReadWrite.All: high).",
    remediation: "Replace the permission with the least one that does the job (Application.ReadWrite.OwnedBy instead of Application.ReadWrite.All; Sites.Selected or an Exchange application access policy / RBAC for Applications to scope mail) and revoke the grant (Enterprise applications → Permissions, or remove the appRoleAssignment). Protect what remains with a federated credential instead of a secret.",
    config: &[],
    references: &[
        "https://learn.microsoft.com/en-us/graph/permissions-reference",
        "https://posts.specterops.io/azure-privilege-escalation-via-azure-api-permissions-abuse-74aee1006f48",
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
        let takeover = graph_permissions(f, TAKEOVER_PERMISSIONS);
        let data = graph_permissions(f, BROAD_DATA_PERMISSIONS);
        let (list, severity, what) = if !takeover.is_empty() {
            (
                &takeover,
                Severity::Critical,
                "that can take over the tenant",
            )
        } else if !data.is_empty() {
            (&data, Severity::High, "that reach every user's data")
        } else {
            return Vec::new();
        };
        vec![Finding::new(
            &META,
            format!(
                "{} holds Microsoft Graph application permission(s) {what}: {}.",
                s.identity.name,
                list.join(", ")
            ),
        )
        .severity(severity)
        .evidence(json!({
            "takeover_permissions": takeover,
            "data_permissions": data,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::azure;
    use nhi_api::{kinds, AzureAppPermission, AzureFacts};

    fn run(perms: &[&str]) -> Vec<crate::finding::Finding> {
        let app_permissions = perms
            .iter()
            .map(|p| AzureAppPermission {
                resource: "Microsoft Graph".into(),
                resource_app_id: None,
                permission: p.to_string(),
                app_role_id: "x".into(),
            })
            .collect();
        azure(
            kinds::AZURE_SERVICE_PRINCIPAL,
            "s1",
            AzureFacts {
                app_permissions,
                ..Default::default()
            },
        )
        .run(&super::Rule)
    }

    #[test]
    fn fires_critical_on_takeover_and_high_on_data() {
        assert_eq!(
            run(&["Application.ReadWrite.All", "Mail.Send"])[0].severity,
            Severity::Critical
        );
        assert_eq!(run(&["Mail.Send"])[0].severity, Severity::High);
    }

    #[test]
    fn quiet_on_read_permissions() {
        assert!(run(&["User.Read.All", "Application.Read.All"]).is_empty());
    }
}
