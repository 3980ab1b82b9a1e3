//! Pure mapping from fetched OpenAI payloads to the normalized model.

use crate::types::{AdminApiKey, Project, ProjectApiKey, ServiceAccount, User};
use chrono::{DateTime, Utc};
use nhi_api::{
    credential_kinds, kinds, providers, AiKey, Credential, CredentialStatus, Expiry, Identity,
    LastUsed, Native, Owner,
};
use std::collections::HashSet;

/// One project with what was listed in it.
pub struct ProjectData {
    pub project: Project,
    pub keys: Vec<ProjectApiKey>,
    pub service_accounts: Vec<ServiceAccount>,
}

/// Everything fetched from one organization.
pub struct Fetched {
    pub projects: Vec<ProjectData>,
    pub admin_keys: Vec<AdminApiKey>,
    /// Organization members; `None` when the list could not be read completely.
    pub users: Option<Vec<User>>,
}

/// Scope of organization-wide identities (OpenAI's admin API does not name the organization).
pub const ORG_SCOPE: &str = "organization";

pub fn time(secs: Option<i64>) -> Option<DateTime<Utc>> {
    // Out-of-range values (negative, absurd) are missing facts, not errors.
    secs.filter(|s| *s > 0)
        .and_then(|s| DateTime::from_timestamp(s, 0))
}

fn last_used(secs: Option<i64>) -> LastUsed {
    match time(secs) {
        Some(t) => LastUsed::At(t),
        None => LastUsed::Never,
    }
}

fn key_credential(
    id: &str,
    kind: &str,
    created: Option<i64>,
    used: Option<i64>,
    expires: Option<i64>,
) -> Credential {
    Credential {
        id: id.to_string(),
        kind: kind.to_string(),
        status: CredentialStatus::Active,
        created_at: time(created),
        last_used: last_used(used),
        // OpenAI keys without an expiry (every project key) never expire.
        expires: time(expires).map_or(Expiry::Never, Expiry::At),
        details: nhi_api::StrMap::new(),
    }
}

pub fn normalize(f: &Fetched, origin: &str) -> Vec<Identity> {
    let members: Option<HashSet<&str>> = f
        .users
        .as_ref()
        .map(|u| u.iter().map(|u| u.id.as_str()).collect());
    let in_org = |user_id: &str| members.as_ref().map(|m| m.contains(user_id));
    let mut out = Vec::new();
    for p in &f.projects {
        let project = &p.project;
        let project_name = project.name.clone().filter(|n| !n.is_empty());
        // Service accounts, with the keys they own as credentials.
        for sa in &p.service_accounts {
            let mut id = Identity::new(
                providers::OPENAI,
                kinds::OPENAI_SERVICE_ACCOUNT,
                sa.id.clone(),
                sa.name.clone().unwrap_or_else(|| sa.id.clone()),
            );
            id.scope = project.id.clone();
            id.origin = Some(origin.to_string());
            id.created_at = time(sa.created_at);
            id.tags_known = false;
            id.native = Native::AiServiceAccount {
                project_id: project.id.clone(),
                project_name: project_name.clone(),
                role: sa.role.clone(),
            };
            for k in p.keys.iter().filter(|k| {
                k.owner
                    .service_account
                    .as_ref()
                    .is_some_and(|o| o.id == sa.id)
            }) {
                id.credentials.push(key_credential(
                    &k.id,
                    credential_kinds::OPENAI_API_KEY,
                    k.created_at,
                    k.last_used_at,
                    None,
                ));
            }
            id.last_used = id
                .credentials
                .iter()
                .fold(LastUsed::Never, |acc, c| acc.latest(c.last_used));
            out.push(id);
        }
        // Keys not owned by a listed service account are identities of their own.
        let sa_ids: HashSet<&str> = p.service_accounts.iter().map(|s| s.id.as_str()).collect();
        for k in &p.keys {
            if k.owner
                .service_account
                .as_ref()
                .is_some_and(|o| sa_ids.contains(o.id.as_str()))
            {
                continue;
            }
            let mut id = Identity::new(
                providers::OPENAI,
                kinds::OPENAI_PROJECT_API_KEY,
                k.id.clone(),
                k.name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| k.id.clone()),
            );
            id.scope = project.id.clone();
            id.origin = Some(origin.to_string());
            id.created_at = time(k.created_at);
            id.tags_known = false;
            let credential = key_credential(
                &k.id,
                credential_kinds::OPENAI_API_KEY,
                k.created_at,
                k.last_used_at,
                None,
            );
            id.last_used = credential.last_used;
            id.credentials.push(credential);
            let (owner_type, owner_id, owner) = match (&k.owner.user, &k.owner.service_account) {
                (Some(u), _) => (
                    Some("user"),
                    Some(u.id.clone()),
                    Some(
                        Owner::new(
                            u.email
                                .clone()
                                .or_else(|| u.name.clone())
                                .unwrap_or_else(|| u.id.clone()),
                            "owner.user",
                        )
                        .active(in_org(&u.id)),
                    ),
                ),
                (None, Some(s)) => (
                    Some("service_account"),
                    Some(s.id.clone()),
                    Some(Owner::new(
                        s.name.clone().unwrap_or_else(|| s.id.clone()),
                        "owner.service_account",
                    )),
                ),
                (None, None) => (k.owner.kind.as_deref(), None, None),
            };
            id.owner = owner;
            id.native = Native::AiKey(Box::new(AiKey {
                project_id: Some(project.id.clone()),
                project_name: project_name.clone(),
                project_archived: project.archived(),
                owner_type: owner_type.map(str::to_string),
                owner_id,
                owner_project_access: k.owner_project_access.clone(),
                redacted_hint: k.redacted_value.clone(),
            }));
            out.push(id);
        }
    }
    for k in &f.admin_keys {
        let mut id = Identity::new(
            providers::OPENAI,
            kinds::OPENAI_ADMIN_API_KEY,
            k.id.clone(),
            k.name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| k.id.clone()),
        );
        id.scope = ORG_SCOPE.to_string();
        id.origin = Some(origin.to_string());
        id.created_at = time(k.created_at);
        id.tags_known = false;
        let credential = key_credential(
            &k.id,
            credential_kinds::OPENAI_ADMIN_KEY,
            k.created_at,
            k.last_used_at,
            k.expires_at,
        );
        id.last_used = credential.last_used;
        id.credentials.push(credential);
        let owner_type = k.owner.kind.clone();
        id.owner = k
            .owner
            .name
            .clone()
            .or_else(|| k.owner.id.clone())
            .map(|value| {
                Owner::new(
                    value,
                    format!("owner.{}", owner_type.as_deref().unwrap_or("unknown")),
                )
                .active(match (owner_type.as_deref(), k.owner.id.as_deref()) {
                    (Some("user"), Some(uid)) => in_org(uid),
                    _ => None,
                })
            });
        id.native = Native::AiKey(Box::new(AiKey {
            owner_type,
            owner_id: k.owner.id.clone(),
            redacted_hint: k.redacted_value.clone(),
            ..AiKey::default()
        }));
        out.push(id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::*;

    fn key(id: &str, owner: KeyOwner, access: &str, used: Option<i64>) -> ProjectApiKey {
        ProjectApiKey {
            id: id.into(),
            name: Some(format!("{id} name")),
            redacted_value: Some("sk-abc...xyz".into()),
            created_at: Some(1_700_000_000),
            last_used_at: used,
            owner_project_access: Some(access.into()),
            owner,
        }
    }

    #[test]
    fn keys_service_accounts_and_admin_keys() {
        let user_owner = KeyOwner {
            kind: Some("user".into()),
            user: Some(OwnerUser {
                id: "user_gone".into(),
                name: Some("Gone".into()),
                email: Some("gone@example.com".into()),
            }),
            service_account: None,
        };
        let sa_owner = KeyOwner {
            kind: Some("service_account".into()),
            user: None,
            service_account: Some(OwnerServiceAccount {
                id: "sa_1".into(),
                name: Some("ci".into()),
            }),
        };
        let fetched = Fetched {
            projects: vec![ProjectData {
                project: Project {
                    id: "proj_1".into(),
                    name: Some("Support bot".into()),
                    created_at: Some(1),
                    archived_at: None,
                    status: Some("active".into()),
                },
                keys: vec![
                    key("key_u", user_owner, "inactive", None),
                    key("key_s", sa_owner, "active", Some(1_750_000_000)),
                ],
                service_accounts: vec![ServiceAccount {
                    id: "sa_1".into(),
                    name: Some("ci".into()),
                    role: Some("member".into()),
                    created_at: Some(1_700_000_000),
                }],
            }],
            admin_keys: vec![AdminApiKey {
                id: "key_admin".into(),
                name: Some("Main".into()),
                redacted_value: Some("sk-admin...def".into()),
                created_at: Some(1_700_000_000),
                expires_at: None,
                last_used_at: Some(-5),
                owner: AdminKeyOwner {
                    kind: Some("user".into()),
                    id: Some("user_here".into()),
                    name: Some("Here".into()),
                },
            }],
            users: Some(vec![User {
                id: "user_here".into(),
                email: None,
                name: None,
            }]),
        };
        let ids = normalize(&fetched, "https://api.openai.com/v1");
        assert_eq!(ids.len(), 3);
        let sa = ids
            .iter()
            .find(|i| i.kind == kinds::OPENAI_SERVICE_ACCOUNT)
            .expect("sa");
        assert_eq!(sa.credentials.len(), 1);
        assert_eq!(sa.credentials[0].id, "key_s");
        let user_key = ids.iter().find(|i| i.id == "key_u").expect("user key");
        assert_eq!(
            user_key.owner.as_ref().map(|o| o.value.as_str()),
            Some("gone@example.com")
        );
        let Native::AiKey(native) = &user_key.native else {
            panic!("ai key")
        };
        assert_eq!(user_key.owner.as_ref().and_then(|o| o.active), Some(false));
        assert_eq!(native.owner_project_access.as_deref(), Some("inactive"));
        assert_eq!(user_key.credentials[0].last_used, LastUsed::Never);
        let admin = ids
            .iter()
            .find(|i| i.kind == kinds::OPENAI_ADMIN_API_KEY)
            .expect("admin");
        assert_eq!(admin.scope, ORG_SCOPE);
        assert_eq!(
            admin.credentials[0].last_used,
            LastUsed::Never,
            "nonsense time is not a use"
        );
        assert_eq!(admin.owner.as_ref().and_then(|o| o.active), Some(true));
    }

    #[test]
    fn membership_unknown_when_users_unread() {
        let fetched = Fetched {
            projects: vec![],
            admin_keys: vec![AdminApiKey {
                id: "k".into(),
                name: None,
                redacted_value: None,
                created_at: None,
                expires_at: None,
                last_used_at: None,
                owner: AdminKeyOwner {
                    kind: Some("user".into()),
                    id: Some("u".into()),
                    name: None,
                },
            }],
            users: None,
        };
        let ids = normalize(&fetched, "o");
        assert_eq!(ids[0].owner.as_ref().map(|o| o.active), Some(None));
    }
}
