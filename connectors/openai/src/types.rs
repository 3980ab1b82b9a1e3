//! OpenAI Administration API payloads, as far as nhi reads them. Unknown fields are ignored;
//! optional ones default, so a field OpenAI drops or renames is a missing fact, not a failure.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Project {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub archived_at: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
}

impl Project {
    pub fn archived(&self) -> bool {
        self.archived_at.is_some_and(|t| t > 0) || self.status.as_deref() == Some("archived")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectApiKey {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub redacted_value: Option<String>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub last_used_at: Option<i64>,
    #[serde(default)]
    pub owner_project_access: Option<String>,
    #[serde(default)]
    pub owner: KeyOwner,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct KeyOwner {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub user: Option<OwnerUser>,
    #[serde(default)]
    pub service_account: Option<OwnerServiceAccount>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OwnerUser {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OwnerServiceAccount {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServiceAccount {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub created_at: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AdminApiKey {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub redacted_value: Option<String>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub last_used_at: Option<i64>,
    #[serde(default)]
    pub owner: AdminKeyOwner,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AdminKeyOwner {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}
