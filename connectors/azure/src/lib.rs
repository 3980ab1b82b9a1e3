//! nhi connector for Entra ID (Microsoft Graph) and Azure RBAC (Resource Manager).
//!
//! Non-human identities here are service principals (applications' instances, managed
//! identities, legacy ones), the application registrations that hold most credentials, and
//! Entra Agent ID objects (agent identities, their blueprints, agent users). For each it reads
//! credentials (client secrets and certificates, on the application or on the service principal
//! object), owners, application permissions (app role assignments, names resolved from the
//! resource's `appRoles`), delegated grants, directory roles, Azure RBAC assignments and their
//! scopes, federated identity credentials, and sign-in activity.
//!
//! Two ways in, one model: [`import::AzureImport`] reads what `az ad`, `az role` and `az rest`
//! export (`docs/azure-export.sh`); [`AzureLive`] reads the same through Graph and Resource
//! Manager. Both fill a [`data::TenantData`] that [`normalize`] (pure) turns into identities, so
//! the same tenant gives the same identities and fingerprints either way.
//!
//! Layout: [`types`] wire formats, [`data`] one tenant's payloads, [`normalize`] payloads →
//! identities, [`import`] exported files, [`auth`] token flows, [`fetch`] the API calls.

pub mod auth;
pub mod data;
pub mod fetch;
pub mod import;
pub mod normalize;
pub mod types;
pub mod wellknown;

pub use auth::CredentialSource;
pub use fetch::{AzureLive, AzureOptions};
pub use import::AzureImport;

pub const CONNECTOR: &str = "azure";
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";
pub const DEFAULT_ARM_URL: &str = "https://management.azure.com";
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// What a tenant's data lacks, in words, for its source report.
pub fn missing(data: &data::TenantData, live: bool) -> Vec<String> {
    let mut out = Vec::new();
    let how = |file: &str, call: &str| {
        if live {
            call.to_string()
        } else {
            file.to_string()
        }
    };
    if data.sign_ins.is_none() {
        out.push(format!(
            "no sign-in activity: last use is unknown ({})",
            how(
                "export beta/reports/servicePrincipalSignInActivities with az rest",
                "it needs AuditLog.Read.All and Entra ID P1 or P2"
            )
        ));
    }
    if !data.applications.is_empty()
        && data.app_owners.is_none()
        && data.applications.iter().all(|a| a.owners.is_none())
    {
        out.push(format!(
            "application owners not read: ownership is not judged ({})",
            how(
                "export applications?$expand=owners with az rest",
                "grant Application.Read.All"
            )
        ));
    }
    if data.directory_roles.is_none() {
        out.push(format!(
            "directory role assignments not read ({})",
            how(
                "export roleManagement/directory/roleAssignments with az rest",
                "grant RoleManagement.Read.Directory or Directory.Read.All"
            )
        ));
    }
    if data.app_role_assignments.is_empty() && !live {
        out.push("no application permission grants (export servicePrincipals/{id}/appRoleAssignedTo of Microsoft Graph's service principal with az rest)".to_string());
    }
    if data.rbac.is_empty() && !live {
        out.push(
            "no Azure role assignments (az role assignment list --all --subscription ID)"
                .to_string(),
        );
    }
    out
}
