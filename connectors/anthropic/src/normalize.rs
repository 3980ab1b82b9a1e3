//! Admin API payloads → normalized identities. Pure: no I/O, no clock.

use crate::types::{ApiKey, User, Workspace};
use crate::DEFAULT_WORKSPACE;
use chrono::{DateTime, Utc};
use nhi_api::{
    credential_kinds, kinds, providers, AiKey, Credential, CredentialStatus, Expiry, Identity,
    LastUsed, Native, Owner,
};
use std::collections::HashMap;

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
                // Anthropic keys without an expiry never expire.
                expires: time(k.expires_at.as_deref()).map_or(Expiry::Never, Expiry::At),
                details: nhi_api::StrMap::new(),
            });
            let creator = k.created_by.as_ref();
            let creator_is_user =
                creator.is_some_and(|c| c.kind.as_deref().is_none_or(|t| t == "user"));
            let member = creator
                .filter(|_| creator_is_user)
                .and_then(|c| users.as_ref().map(|u| u.get(c.id.as_str())));
            id.owner = creator.map(|c| {
                Owner::new(
                    member
                        .flatten()
                        .and_then(|u| u.email.clone().or_else(|| u.name.clone()))
                        .unwrap_or_else(|| c.id.clone()),
                    "created_by",
                )
                .active(member.map(|m| m.is_some()))
            });
            id.native = Native::AiKey(Box::new(AiKey {
                project_id: k.workspace_id.clone(),
                project_name: workspace.and_then(|w| w.name.clone()),
                project_archived: workspace.is_some_and(|w| w.archived_at.is_some()),
                owner_type: creator.and_then(|c| c.kind.clone()),
                owner_id: creator.map(|c| c.id.clone()),
                owner_project_access: None,
                redacted_hint: k.partial_key_hint.clone(),
            }));
            id
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::*;

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
        assert_eq!(ids[0].owner.as_ref().and_then(|o| o.active), Some(false));
        assert_eq!(n.project_name.as_deref(), Some("Prod"));
        assert_eq!(ids[0].credentials[0].last_used, LastUsed::Unknown);
        assert_eq!(ids[1].scope, DEFAULT_WORKSPACE);
        assert_eq!(ids[1].created_at, None);
        assert_eq!(ids[1].credentials[0].status, CredentialStatus::Revoked);
    }
}
