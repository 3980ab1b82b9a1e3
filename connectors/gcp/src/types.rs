//! Google Cloud payloads as nhi reads them, from the REST APIs and from `gcloud ... --format=json`
//! (which prints the same resources). Unknown fields are ignored and optional ones default, so a
//! field Google drops is a missing fact, not a failure. Key material (`privateKeyData`) has no
//! field here: it is never read, so it can never be stored or printed.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `projects.serviceAccounts` (IAM API) / `gcloud iam service-accounts list`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    /// `projects/P/serviceAccounts/EMAIL`.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub project_id: String,
    #[serde(default)]
    pub unique_id: Option<String>,
    pub email: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

/// `projects.serviceAccounts.keys` / `gcloud iam service-accounts keys list`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Key {
    /// `projects/P/serviceAccounts/EMAIL/keys/KEY_ID`.
    pub name: String,
    /// `USER_MANAGED` or `SYSTEM_MANAGED`.
    #[serde(default)]
    pub key_type: Option<String>,
    #[serde(default)]
    pub key_algorithm: Option<String>,
    /// `GOOGLE_PROVIDED` or `USER_PROVIDED` (an uploaded public key).
    #[serde(default)]
    pub key_origin: Option<String>,
    #[serde(default)]
    pub valid_after_time: Option<String>,
    #[serde(default)]
    pub valid_before_time: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

/// `{accounts, nextPageToken}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountPage {
    #[serde(default)]
    pub accounts: Vec<serde_json::Value>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// Cloud Asset `searchAllIamPolicies` result / `gcloud asset search-all-iam-policies`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IamPolicyResult {
    pub resource: String,
    #[serde(default)]
    pub asset_type: Option<String>,
    /// `projects/NUMBER`.
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub folders: Vec<String>,
    #[serde(default)]
    pub organization: Option<String>,
    #[serde(default)]
    pub policy: Policy,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Policy {
    #[serde(default)]
    pub bindings: Vec<Binding>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Binding {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub condition: Option<Expr>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Expr {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub expression: Option<String>,
}

/// Policy Analyzer `activities:query` item / `gcloud policy-intelligence query-activity`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    #[serde(default)]
    pub activity_type: Option<String>,
    /// `//iam.googleapis.com/projects/P/serviceAccounts/EMAIL_OR_ID[/keys/KEY_ID]`.
    #[serde(default)]
    pub full_resource_name: Option<String>,
    #[serde(default)]
    pub observation_period: Option<Period>,
    #[serde(default)]
    pub activity: serde_json::Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
}

/// A workload identity pool provider / `gcloud iam workload-identity-pools providers list`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolProvider {
    /// `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`.
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub attribute_mapping: BTreeMap<String, String>,
    #[serde(default)]
    pub attribute_condition: Option<String>,
    #[serde(default)]
    pub oidc: Option<Oidc>,
    #[serde(default)]
    pub aws: Option<AwsProvider>,
    #[serde(default)]
    pub saml: Option<serde_json::Value>,
    #[serde(default)]
    pub x509: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Oidc {
    #[serde(default)]
    pub issuer_uri: Option<String>,
    #[serde(default)]
    pub allowed_audiences: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsProvider {
    #[serde(default)]
    pub account_id: Option<String>,
}

/// A role with its permissions / `gcloud iam roles describe` (custom roles).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub included_permissions: Vec<String>,
    #[serde(default)]
    pub deleted: bool,
}

/// A project: Resource Manager v3 (`name: projects/NUMBER`, `parent: folders/F`) or v1 / `gcloud
/// projects list` (`projectNumber`, `parent: {type, id}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub project_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub project_number: Option<serde_json::Value>,
    #[serde(default)]
    pub parent: Option<serde_json::Value>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub lifecycle_state: Option<String>,
}

impl Project {
    /// The project number, from `projectNumber` or a v3 `name: projects/NUMBER`.
    pub fn number(&self) -> Option<String> {
        match &self.project_number {
            Some(serde_json::Value::String(s)) if !s.is_empty() => return Some(s.clone()),
            Some(serde_json::Value::Number(n)) => return Some(n.to_string()),
            _ => {}
        }
        self.name
            .as_deref()
            .and_then(|n| n.strip_prefix("projects/"))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
    }

    /// The parent as `folders/F` or `organizations/O`.
    pub fn parent(&self) -> Option<String> {
        match &self.parent {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(serde_json::Value::Object(o)) => {
                let kind = o.get("type")?.as_str()?;
                let id = o.get("id")?.as_str()?;
                Some(format!("{kind}s/{id}"))
            }
            _ => None,
        }
    }
}

/// A Cloud Identity group membership / `gcloud identity groups memberships list
/// --group-email=G` (one file per group).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// `groups/GROUP_ID/memberships/MEMBERSHIP_ID` (the group by id, not by e-mail).
    #[serde(default)]
    pub name: Option<String>,
    /// The member: `id` is its e-mail (user, service account or group).
    #[serde(default)]
    pub preferred_member_key: Option<EntityKey>,
    /// The group, where the payload carries it (some tools add it; gcloud does not).
    #[serde(default)]
    pub group_key: Option<EntityKey>,
    /// `USER`, `SERVICE_ACCOUNT`, `GROUP`, `SHARED_DRIVE`, `OTHER`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// A Cloud Identity entity key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityKey {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub namespace: Option<String>,
}
