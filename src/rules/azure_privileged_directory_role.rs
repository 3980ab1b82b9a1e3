//! A service principal holding a privileged Entra directory role.
//!
//! Global Administrator and Privileged Role Administrator control the tenant; Application and
//! Cloud Application Administrators can add credentials to any application and become it. A
//! non-human identity with one of them turns any leak of its credentials into a tenant
//! compromise, with no MFA or Conditional Access for users in the way.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::azure::PRIVILEGED_DIRECTORY_ROLES;
use crate::rule::facts::{azure, AZURE_PRINCIPALS};
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-privileged-directory-role",
    title: "Service principal with a privileged directory role",
    category: Category::OverPrivilege,
    severity: Severity::Critical,
    providers: &["azure"],
    kinds: Kinds::Only(AZURE_PRINCIPALS),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "A service principal (or agent identity) is assigned Global Administrator, Privileged Role Administrator, Application Administrator or Cloud Application Administrator.",
    remediation: "Remove the role assignment (Entra ID → Roles and administrators) and grant the narrow Graph permission the automation needs instead, scoped with an administrative unit or a custom role. If it truly needs the role, make the assignment eligible through PIM and protect the app with a federated credential and Conditional Access for workload identities.",
    config: &[],
    references: &[
        "https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/privileged-roles-permissions",
        "https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/permissions-reference",
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
        let roles: Vec<&nhi_api::AzureDirectoryRole> = f
            .directory_roles
            .iter()
            .filter(|r| PRIVILEGED_DIRECTORY_ROLES.contains(&r.role.as_str()))
            .collect();
        if roles.is_empty() {
            return Vec::new();
        }
        let names: Vec<String> = roles
            .iter()
            .map(|r| {
                if r.scope == "/" || r.scope.is_empty() {
                    r.role.clone()
                } else {
                    format!("{} (scope {})", r.role, r.scope)
                }
            })
            .collect();
        vec![Finding::new(
            &META,
            format!("{} is assigned {}.", s.identity.name, names.join(", ")),
        )
        .evidence(json!({
            "roles": roles.iter().map(|r| json!({"role": r.role, "role_definition_id": r.role_definition_id, "scope": r.scope})).collect::<Vec<_>>(),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::azure;
    use nhi_api::{kinds, AzureDirectoryRole, AzureFacts};

    fn run(role: &str) -> usize {
        let directory_roles = vec![AzureDirectoryRole {
            role: role.into(),
            role_definition_id: "x".into(),
            scope: "/".into(),
        }];
        azure(
            kinds::AZURE_SERVICE_PRINCIPAL,
            "s1",
            AzureFacts {
                directory_roles,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_privileged_roles() {
        assert_eq!(run("Global Administrator"), 1);
        assert_eq!(run("Cloud Application Administrator"), 1);
    }

    #[test]
    fn quiet_on_reader_roles() {
        assert_eq!(run("Directory Readers"), 0);
    }
}
