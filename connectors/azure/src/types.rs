//! Wire formats: Microsoft Graph objects (as Graph, `az ad` and `az rest` print them) and Azure
//! Resource Manager role assignments (as the API and `az role assignment list` print them).
//!
//! Every field is optional or defaulted, and a `null` where a list belongs reads as empty:
//! exports and test servers leave out or null what they please, and one odd object must not
//! cost the rest.

use serde::{Deserialize, Deserializer};

/// `null` reads as the type's default (Graph and Prism send `null` for empty lists).
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A client secret (`passwordCredentials[]`). Graph never returns the secret itself; `hint` is
/// its first three characters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordCredential {
    pub key_id: Option<String>,
    pub display_name: Option<String>,
    pub hint: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
}

/// A certificate or public key (`keyCredentials[]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KeyCredential {
    pub key_id: Option<String>,
    pub display_name: Option<String>,
    /// `AsymmetricX509Cert`, `X509CertAndPassword`, `Symmetric`.
    #[serde(rename = "type")]
    pub key_type: Option<String>,
    /// `Verify` (signs the app in) or `Sign` (SAML token signing).
    pub usage: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppRole {
    pub id: Option<String>,
    pub value: Option<String>,
    pub display_name: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub allowed_member_types: Vec<String>,
}

/// A directory object as `owners`/`sponsors` list it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectoryObject {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub account_enabled: Option<bool>,
    pub app_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePrincipal {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub id: Option<String>,
    pub app_id: Option<String>,
    pub display_name: Option<String>,
    pub app_display_name: Option<String>,
    pub service_principal_type: Option<String>,
    pub app_owner_organization_id: Option<String>,
    pub sign_in_audience: Option<String>,
    pub account_enabled: Option<bool>,
    pub created_date_time: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub alternative_names: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub app_roles: Vec<AppRole>,
    #[serde(deserialize_with = "nullable")]
    pub password_credentials: Vec<PasswordCredential>,
    #[serde(deserialize_with = "nullable")]
    pub key_credentials: Vec<KeyCredential>,
    #[serde(deserialize_with = "nullable")]
    pub tags: Vec<String>,
    /// Agent identities: the blueprint they are made from.
    pub agent_identity_blueprint_id: Option<String>,
    /// When expanded (`$expand=sponsors`).
    pub sponsors: Option<Vec<DirectoryObject>>,
    /// When expanded (`$expand=owners`).
    pub owners: Option<Vec<DirectoryObject>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Application {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub id: Option<String>,
    pub app_id: Option<String>,
    pub display_name: Option<String>,
    pub sign_in_audience: Option<String>,
    pub created_date_time: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub password_credentials: Vec<PasswordCredential>,
    #[serde(deserialize_with = "nullable")]
    pub key_credentials: Vec<KeyCredential>,
    /// When expanded (`$expand=owners`).
    pub owners: Option<Vec<DirectoryObject>>,
    /// When expanded (`$expand=federatedIdentityCredentials`).
    pub federated_identity_credentials: Option<Vec<FederatedIdentityCredential>>,
    /// Blueprints: when expanded (`$expand=sponsors`).
    pub sponsors: Option<Vec<DirectoryObject>>,
}

/// An application permission granted: `principalId` may call `resourceId` with `appRoleId`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppRoleAssignment {
    pub id: Option<String>,
    pub principal_id: Option<String>,
    pub principal_type: Option<String>,
    pub resource_id: Option<String>,
    pub resource_display_name: Option<String>,
    pub app_role_id: Option<String>,
}

/// A delegated permission grant.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OAuth2PermissionGrant {
    pub id: Option<String>,
    pub client_id: Option<String>,
    pub consent_type: Option<String>,
    pub principal_id: Option<String>,
    pub resource_id: Option<String>,
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleDefinition {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub template_id: Option<String>,
}

/// `roleManagement/directory/roleAssignments` (unifiedRoleAssignment).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectoryRoleAssignment {
    pub id: Option<String>,
    pub principal_id: Option<String>,
    pub role_definition_id: Option<String>,
    pub directory_scope_id: Option<String>,
    /// When expanded (`$expand=roleDefinition`).
    pub role_definition: Option<RoleDefinition>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClaimsMatchingExpression {
    pub value: Option<String>,
    pub language_version: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FederatedIdentityCredential {
    pub id: Option<String>,
    pub name: Option<String>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub audiences: Vec<String>,
    /// Flexible federated identity credentials (beta).
    pub claims_matching_expression: Option<ClaimsMatchingExpression>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SignInActivityEntry {
    pub last_sign_in_date_time: Option<String>,
}

/// beta `reports/servicePrincipalSignInActivities`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePrincipalSignInActivity {
    pub id: Option<String>,
    pub app_id: Option<String>,
    pub last_sign_in_activity: Option<SignInActivityEntry>,
    pub delegated_client_sign_in_activity: Option<SignInActivityEntry>,
    pub delegated_resource_sign_in_activity: Option<SignInActivityEntry>,
    pub application_authentication_client_sign_in_activity: Option<SignInActivityEntry>,
    pub application_authentication_resource_sign_in_activity: Option<SignInActivityEntry>,
}

/// beta `reports/appCredentialSignInActivities`: the last sign-in per credential.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppCredentialSignInActivity {
    pub key_id: Option<String>,
    pub app_id: Option<String>,
    pub app_object_id: Option<String>,
    pub service_principal_object_id: Option<String>,
    pub sign_in_date_time: Option<String>,
}

/// An Agent ID agent user (beta `users/microsoft.graph.agentUser`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AgentUser {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub account_enabled: Option<bool>,
    pub created_date_time: Option<String>,
    /// The agent identity it belongs to.
    pub identity_parent_id: Option<String>,
    pub sponsors: Option<Vec<DirectoryObject>>,
}

/// `GET /organization`: the tenant.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Organization {
    pub id: Option<String>,
    pub display_name: Option<String>,
}

/// The part of a role assignment both forms share.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RbacProperties {
    pub principal_id: Option<String>,
    pub principal_type: Option<String>,
    pub role_definition_id: Option<String>,
    /// `az role assignment list` only.
    pub role_definition_name: Option<String>,
    pub scope: Option<String>,
}

/// An Azure RBAC role assignment: the API nests the facts in `properties`; `az role assignment
/// list` prints them flat.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RbacAssignmentWire {
    pub id: Option<String>,
    pub properties: Option<RbacProperties>,
    #[serde(flatten)]
    pub flat: RbacProperties,
}

/// An Azure RBAC role definition (`roleName` under `properties`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RbacRoleDefinitionWire {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<RbacRoleDefinitionProperties>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RbacRoleDefinitionProperties {
    pub role_name: Option<String>,
}

/// `GET /subscriptions`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Subscription {
    pub subscription_id: Option<String>,
    pub display_name: Option<String>,
    pub tenant_id: Option<String>,
}
