//! nhi connector for an Anthropic organization, through the Admin API.
//!
//! Lists the organization's API keys (every status), its workspaces (archived ones too) and its
//! members, so a key whose creator has left is recognized. Needs an **admin key**
//! (`ANTHROPIC_ADMIN_KEY`, `sk-ant-admin...`). The API does not say when a key was last used:
//! rules that need it leave Anthropic keys unjudged rather than guess.

use chrono::{DateTime, Utc};
use nhi_api::{
    credential_kinds, kinds, providers, AiKey, BoxFuture, CollectContext, Connector, Credential,
    CredentialStatus, Identity, Inventory, LastUsed, Native, Owner, Secret,
};
use nhi_http::{source_report, Client, ClientConfig, HttpError, Incomplete, Listing, Sleeper};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub const CONNECTOR: &str = "anthropic";
pub const DEFAULT_URL: &str = "https://api.anthropic.com";
pub const TOKEN_VARS: &[&str] = &["ANTHROPIC_ADMIN_KEY"];
/// The API version nhi speaks.
pub const API_VERSION: &str = "2023-06-01";
const PAGE: u32 = 100;
/// Scope of keys in the default workspace.
pub const DEFAULT_WORKSPACE: &str = "default";

#[derive(Debug, Clone, Deserialize)]
pub struct ApiKey {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<Actor>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub partial_key_hint: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub workspace_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Actor {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Workspace {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub archived_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// What was fetched from one organization.
pub struct Fetched {
    pub keys: Vec<ApiKey>,
    pub workspaces: Vec<Workspace>,
    /// `None` when the member list could not be read completely.
    pub users: Option<Vec<User>>,
}

fn time(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn status(s: Option<&str>) -> CredentialStatus {
    match s {
        Some("active") => CredentialStatus::Active,
        Some("inactive") => CredentialStatus::Inactive,
        Some("expired") => CredentialStatus::Expired,
        Some("archived") => CredentialStatus::Revoked,
        _ => CredentialStatus::Unknown,
    }
}

/// Pure mapping of fetched payloads to identities.
pub fn normalize(f: &Fetched, origin: &str) -> Vec<Identity> {
    let workspaces: HashMap<&str, &Workspace> =
        f.workspaces.iter().map(|w| (w.id.as_str(), w)).collect();
    let users: Option<HashMap<&str, &User>> = f
        .users
        .as_ref()
        .map(|u| u.iter().map(|u| (u.id.as_str(), u)).collect());
    f.keys
        .iter()
        .map(|k| {
            let mut id = Identity::new(
                providers::ANTHROPIC,
                kinds::ANTHROPIC_API_KEY,
                k.id.clone(),
                k.name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| k.id.clone()),
            );
            let workspace = k.workspace_id.as_deref().and_then(|w| workspaces.get(w));
            id.scope = k
                .workspace_id
                .clone()
                .unwrap_or_else(|| DEFAULT_WORKSPACE.to_string());
            id.origin = Some(origin.to_string());
            id.created_at = time(k.created_at.as_deref());
            id.tags_known = false;
            id.credentials.push(Credential {
                id: k.id.clone(),
                kind: credential_kinds::ANTHROPIC_API_KEY.to_string(),
                status: status(k.status.as_deref()),
                created_at: id.created_at,
                last_used: LastUsed::Unknown,
                expires_at: time(k.expires_at.as_deref()),
                details: BTreeMap::new(),
            });
            let creator = k.created_by.as_ref();
            let creator_is_user =
                creator.is_some_and(|c| c.kind.as_deref().is_none_or(|t| t == "user"));
            let member = creator
                .filter(|_| creator_is_user)
                .and_then(|c| users.as_ref().map(|u| u.get(c.id.as_str())));
            id.owner = creator.map(|c| Owner {
                value: member
                    .flatten()
                    .and_then(|u| u.email.clone().or_else(|| u.name.clone()))
                    .unwrap_or_else(|| c.id.clone()),
                source: "created_by".to_string(),
            });
            id.native = Native::AiKey(AiKey {
                project_id: k.workspace_id.clone(),
                project_name: workspace.and_then(|w| w.name.clone()),
                project_archived: workspace.is_some_and(|w| w.archived_at.is_some()),
                owner_type: creator.and_then(|c| c.kind.clone()),
                owner_id: creator.map(|c| c.id.clone()),
                owner_project_access: None,
                owner_in_org: member.map(|m| m.is_some()),
                redacted_hint: k.partial_key_hint.clone(),
            });
            id
        })
        .collect()
}

pub struct Anthropic {
    client: Client,
    origin: String,
}

impl Anthropic {
    pub fn new(
        base_url: &str,
        token: Secret,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<Self, HttpError> {
        let mut config = ClientConfig::new(base_url, "x-api-key", "", token);
        config
            .headers
            .push(("anthropic-version", API_VERSION.to_string()));
        Ok(Anthropic {
            client: Client::new(config, sleeper)?,
            origin: base_url.trim_end_matches('/').to_string(),
        })
    }

    async fn list<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        problems: &mut Vec<String>,
    ) -> Listing<T> {
        let listing = self.client.list_all(path, query, "after_id", PAGE).await;
        problems.extend(listing.problems(path));
        listing
    }

    pub async fn fetch(&self) -> (Fetched, Vec<String>, Option<Incomplete>) {
        let mut problems = Vec::new();
        let keys = self
            .list::<ApiKey>("v1/organizations/api_keys", &[], &mut problems)
            .await;
        let refused = keys
            .incomplete
            .clone()
            .filter(|s| matches!(s.status(), Some(401 | 403)));
        let workspaces = self
            .list::<Workspace>(
                "v1/organizations/workspaces",
                &[("include_archived", "true".into())],
                &mut problems,
            )
            .await;
        let users = self
            .list::<User>("v1/organizations/users", &[], &mut problems)
            .await;
        let users = users.incomplete.is_none().then_some(users.items);
        if users.is_none() {
            problems.push("the member list is incomplete, so whether key creators are still members is unknown".into());
        }
        (
            Fetched {
                keys: keys.items,
                workspaces: workspaces.items,
                users,
            },
            problems,
            refused,
        )
    }
}

impl Connector for Anthropic {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn collect<'a>(&'a self, _ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(async move {
            let (fetched, problems, refused) = self.fetch().await;
            let identities = normalize(&fetched, &self.origin);
            let mut inventory = Inventory::default();
            inventory.sources.push(source_report(
                CONNECTOR,
                &self.origin,
                "organization",
                identities.len(),
                &problems,
                refused.as_ref(),
                "The Admin API needs an admin key (sk-ant-admin...): an organization admin creates one in the Claude Console under Settings → Admin keys; set ANTHROPIC_ADMIN_KEY to it",
            ));
            inventory.identities = identities;
            inventory
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_with_workspaces_and_creators() {
        let f = Fetched {
            keys: vec![
                ApiKey {
                    id: "apikey_1".into(),
                    name: Some("ci-pipeline".into()),
                    created_at: Some("2025-01-01T00:00:00Z".into()),
                    created_by: Some(Actor {
                        id: "user_gone".into(),
                        kind: Some("user".into()),
                    }),
                    expires_at: None,
                    partial_key_hint: Some("sk-ant-api03-R2D...igAA".into()),
                    status: Some("active".into()),
                    workspace_id: Some("wrkspc_1".into()),
                },
                ApiKey {
                    id: "apikey_2".into(),
                    name: None,
                    created_at: Some("not a date".into()),
                    created_by: None,
                    expires_at: Some("2027-01-01T00:00:00Z".into()),
                    partial_key_hint: None,
                    status: Some("archived".into()),
                    workspace_id: None,
                },
            ],
            workspaces: vec![Workspace {
                id: "wrkspc_1".into(),
                name: Some("Prod".into()),
                archived_at: None,
            }],
            users: Some(vec![User {
                id: "user_here".into(),
                email: Some("here@example.com".into()),
                name: None,
            }]),
        };
        let ids = normalize(&f, "https://api.anthropic.com");
        assert_eq!(ids.len(), 2);
        let Native::AiKey(n) = &ids[0].native else {
            panic!("ai key")
        };
        assert_eq!(n.owner_in_org, Some(false));
        assert_eq!(n.project_name.as_deref(), Some("Prod"));
        assert_eq!(ids[0].credentials[0].last_used, LastUsed::Unknown);
        assert_eq!(ids[1].scope, DEFAULT_WORKSPACE);
        assert_eq!(ids[1].created_at, None);
        assert_eq!(ids[1].credentials[0].status, CredentialStatus::Revoked);
    }
}
