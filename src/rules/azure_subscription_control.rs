//! Owner, User Access Administrator or Contributor on a whole subscription or management group.
//!
//! Owner and User Access Administrator can grant any role to anyone, themselves included;
//! Contributor can change every resource (run code on VMs, read Key Vault secrets through access
//! policies, deploy). Given to a service principal at subscription or management-group scope,
//! they make its credentials the keys to the estate.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::azure::{is_broad_scope, CONTROL_ROLES};
use crate::rule::facts::{azure, AZURE_PRINCIPALS};
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-subscription-control",
    title: "Service principal controls a subscription",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["azure"],
    kinds: Kinds::Only(AZURE_PRINCIPALS),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "A service principal, managed identity or agent identity holds Owner, User Access Administrator, Role Based Access Control Administrator or Contributor at subscription, management-group or root scope.",
    remediation: "Assign a narrower built-in or custom role at the resource group or resource the automation manages (az role assignment create --scope ...), then remove the broad assignment. Role-assigning roles (Owner, User Access Administrator) should carry a condition limiting which roles they may assign.",
    config: &[],
    references: &[
        "https://learn.microsoft.com/en-us/azure/role-based-access-control/best-practices",
        "https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles",
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
        let hits: Vec<&nhi_api::AzureRbacAssignment> = f
            .rbac
            .iter()
            .filter(|a| CONTROL_ROLES.contains(&a.role.as_str()) && is_broad_scope(&a.scope))
            .collect();
        if hits.is_empty() {
            return Vec::new();
        }
        let text: Vec<String> = hits
            .iter()
            .map(|a| {
                format!(
                    "{} on {}",
                    a.role,
                    if a.scope.is_empty() { "/" } else { &a.scope }
                )
            })
            .collect();
        vec![Finding::new(&META, format!("{} holds {}.", s.identity.name, text.join(", ")))
            .evidence(json!({
                "assignments": hits.iter().map(|a| json!({"role": a.role, "scope": a.scope, "role_definition_id": a.role_definition_id})).collect::<Vec<_>>(),
                "managed_identity": f.managed_identity,
            }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::azure;
    use nhi_api::{kinds, AzureFacts, AzureRbacAssignment};

    fn run(role: &str, scope: &str) -> usize {
        let rbac = vec![AzureRbacAssignment {
            role: role.into(),
            role_definition_id: "x".into(),
            scope: scope.into(),
        }];
        azure(
            kinds::AZURE_SERVICE_PRINCIPAL,
            "s1",
            AzureFacts {
                rbac,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_broad_scopes() {
        assert_eq!(run("Owner", "/subscriptions/1111"), 1);
        assert_eq!(
            run(
                "Contributor",
                "/providers/Microsoft.Management/managementGroups/root"
            ),
            1
        );
    }

    #[test]
    fn quiet_on_narrow_scopes_or_roles() {
        assert_eq!(run("Owner", "/subscriptions/1111/resourceGroups/rg"), 0);
        assert_eq!(run("Reader", "/subscriptions/1111"), 0);
    }
}
