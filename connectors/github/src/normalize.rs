//! GitHub payloads → normalized identities. Pure: no I/O, no clock.

use crate::types::{
    ActionsSecret, CredentialAuthorization, DeployKey, FineGrainedPat, Installation, Presence,
    WorkflowPermissions,
};
use nhi_api::{
    credential_kinds, kinds, providers, Credential, CredentialStatus, Expiry, GithubFacts,
    Identity, LastUsed, Native, Owner,
};
use std::collections::{BTreeMap, BTreeSet};

/// Everything read from one organization.
#[derive(Debug, Default)]
pub struct OrgData {
    pub org: String,
    /// The REST base URL, for each identity's origin.
    pub api_url: String,
    /// Logins (lowercase) of the organization's members; `None` when the list could not be read
    /// completely, so nobody is called departed on no evidence.
    pub members: Option<BTreeSet<String>>,
    /// Logins (lowercase) of outside collaborators; `None` when they could not be read (the
    /// listing needs an organization owner or an App with "Members: read").
    pub collaborators: Option<BTreeSet<String>>,
    pub installations: Vec<Installation>,
    /// (repository `owner/name`, key).
    pub deploy_keys: Vec<(String, DeployKey)>,
    pub pats: Vec<FineGrainedPat>,
    pub pat_requests: Vec<FineGrainedPat>,
    pub credential_authorizations: Vec<CredentialAuthorization>,
    pub org_secrets: Vec<ActionsSecret>,
    /// Organization secret name → the repositories it is shared with (visibility `selected`).
    pub org_secret_repositories: BTreeMap<String, Vec<String>>,
    /// (repository, secret).
    pub repo_secrets: Vec<(String, ActionsSecret)>,
    /// (repository, environment, secret).
    pub env_secrets: Vec<(String, String, ActionsSecret)>,
    pub workflow: Option<WorkflowPermissions>,
    /// The organization's customized OIDC `sub` claim keys (empty: the default).
    pub oidc_sub_claim_keys: Vec<String>,
}

impl OrgData {
    /// Whether `login` still belongs to the organization. Fine-grained PATs and SAML credentials
    /// belong to members only; a deploy key may have been added by an outside collaborator with
    /// admin rights, so for those a login outside the member list is departed only when the
    /// collaborator list was read too.
    fn in_org(&self, login: &str, collaborators_may_own: bool) -> Option<bool> {
        let login = login.to_ascii_lowercase();
        let members = self.members.as_ref()?;
        if members.contains(&login) {
            return Some(true);
        }
        if !collaborators_may_own {
            return Some(false);
        }
        self.collaborators.as_ref().map(|c| c.contains(&login))
    }

    fn origin(&self, path: &str) -> Option<String> {
        Some(format!("{}{path}", self.api_url.trim_end_matches('/')))
    }

    fn identity(&self, kind: &str, id: String, name: String, origin: &str) -> Identity {
        let mut i = Identity::new(providers::GITHUB, kind, id, name);
        i.scope = self.org.clone();
        i.origin = self.origin(origin);
        // GitHub has no tags on these identities; owner comes from the payloads.
        i.tags_known = false;
        i
    }

    /// The person who owns or created an identity, and whether they are still in the
    /// organization.
    fn owned(&self, login: Option<&str>, source: &str) -> Option<Owner> {
        let login = login.filter(|l| !l.is_empty())?;
        Some(Owner::new(login, source).active(self.in_org(login, source == "added_by")))
    }
}

fn last_used(p: Presence) -> LastUsed {
    match p {
        Presence::Absent => LastUsed::Unknown,
        Presence::Null => LastUsed::Never,
        Presence::At(t) => LastUsed::At(t),
    }
}

/// A token's expiry: `null` means it never expires.
fn expiry(p: Presence) -> Expiry {
    match p {
        Presence::Absent => Expiry::Unknown,
        Presence::Null => Expiry::Never,
        Presence::At(t) => Expiry::At(t),
    }
}

/// Every identity of the organization.
pub fn identities(d: &OrgData) -> Vec<Identity> {
    let org = d.org.as_str();
    let mut out = Vec::new();
    for inst in &d.installations {
        let name = inst
            .app_slug
            .clone()
            .or(inst.app_id.map(|a| format!("app {a}")))
            .unwrap_or_else(|| format!("installation {}", inst.id));
        let mut i = d.identity(
            kinds::GITHUB_APP_INSTALLATION,
            format!("github:{org}/installation/{}", inst.id),
            name,
            &format!("/orgs/{org}/installations"),
        );
        i.created_at = inst.created_at;
        i.native = Native::Github(GithubFacts {
            app_slug: inst.app_slug.clone(),
            repository_selection: inst.repository_selection.clone(),
            permissions: inst.permissions.clone(),
            suspended_at: inst.suspended_at,
            updated_at: inst.updated_at,
            ..Default::default()
        });
        out.push(i);
    }
    for (repo, key) in &d.deploy_keys {
        let title = key
            .title
            .clone()
            .unwrap_or_else(|| format!("key {}", key.id));
        let facts = GithubFacts {
            repository: Some(repo.clone()),
            read_only: key.read_only,
            enabled: key.enabled,
            ..Default::default()
        };
        let owner = d.owned(key.added_by.as_deref(), "added_by");
        let mut i = d.identity(
            kinds::GITHUB_DEPLOY_KEY,
            format!("github:{repo}/deploy_key/{}", key.id),
            format!("{repo}: {title}"),
            &format!("/repos/{repo}/keys"),
        );
        i.created_at = key.created_at;
        i.last_used = last_used(key.last_used);
        i.owner = owner;
        i.credentials.push(Credential {
            id: key.id.to_string(),
            kind: credential_kinds::GITHUB_DEPLOY_KEY.into(),
            status: if key.enabled == Some(false) {
                CredentialStatus::Inactive
            } else {
                CredentialStatus::Active
            },
            created_at: key.created_at,
            last_used: i.last_used,
            // Deploy keys cannot be given an expiry.
            expires: Expiry::Never,
            details: BTreeMap::from([(
                "access".to_string(),
                match key.read_only {
                    Some(false) => "write",
                    Some(true) => "read",
                    None => "unknown",
                }
                .to_string(),
            )]),
        });
        i.native = Native::Github(facts);
        out.push(i);
    }
    for (pending, list) in [(false, &d.pats), (true, &d.pat_requests)] {
        for pat in list {
            out.push(fine_grained_pat(d, pat, pending));
        }
    }
    for ca in &d.credential_authorizations {
        out.push(credential_authorization(d, ca));
    }
    let secrets = d
        .org_secrets
        .iter()
        .map(|s| (None, None, s))
        .chain(d.repo_secrets.iter().map(|(r, s)| (Some(r), None, s)))
        .chain(d.env_secrets.iter().map(|(r, e, s)| (Some(r), Some(e), s)));
    for (repo, env, secret) in secrets {
        out.push(actions_secret(d, repo, env, secret));
    }
    if let Some(w) = &d.workflow {
        let mut i = d.identity(
            kinds::GITHUB_WORKFLOW_TOKEN,
            format!("github:{org}/actions/GITHUB_TOKEN"),
            "GITHUB_TOKEN (organization defaults)".to_string(),
            &format!("/orgs/{org}/actions/permissions/workflow"),
        );
        i.native = Native::Github(GithubFacts {
            default_workflow_permissions: w.default_workflow_permissions.clone(),
            can_approve_pull_request_reviews: w.can_approve_pull_request_reviews,
            oidc_sub_claim_keys: d.oidc_sub_claim_keys.clone(),
            ..Default::default()
        });
        out.push(i);
    }
    out
}

fn fine_grained_pat(d: &OrgData, pat: &FineGrainedPat, pending: bool) -> Identity {
    let org = d.org.as_str();
    let (kind, id, path) = if pending {
        (
            kinds::GITHUB_FINE_GRAINED_PAT_REQUEST,
            format!("github:{org}/pat_request/{}", pat.id),
            format!("/orgs/{org}/personal-access-token-requests"),
        )
    } else {
        (
            kinds::GITHUB_FINE_GRAINED_PAT,
            format!("github:{org}/pat/{}", pat.id),
            format!("/orgs/{org}/personal-access-tokens"),
        )
    };
    let token_id = pat.token_id.unwrap_or(pat.id);
    let name = pat
        .token_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("token {token_id}"));
    let facts = GithubFacts {
        repository_selection: pat.repository_selection.clone(),
        permissions: pat.permissions.clone(),
        ..Default::default()
    };
    let owner = d.owned(pat.owner.as_ref().map(|o| o.login.as_str()), "token_owner");
    let mut i = d.identity(kind, id, name, &path);
    i.created_at = if pending {
        pat.created_at
    } else {
        pat.access_granted_at
    };
    i.last_used = last_used(pat.token_last_used_at);
    i.owner = owner;
    let status = if pat.token_expired == Some(true) {
        CredentialStatus::Expired
    } else if pending {
        // Not granted yet: it cannot reach the organization until approved.
        CredentialStatus::Inactive
    } else {
        CredentialStatus::Active
    };
    let mut details = BTreeMap::new();
    if let Some(reason) = pat.reason.as_ref().filter(|r| !r.is_empty()) {
        details.insert("request_reason".to_string(), reason.clone());
    }
    i.credentials.push(Credential {
        id: token_id.to_string(),
        kind: credential_kinds::GITHUB_FINE_GRAINED_PAT.into(),
        status,
        created_at: i.created_at,
        last_used: i.last_used,
        expires: expiry(pat.token_expires_at),
        details,
    });
    i.native = Native::Github(facts);
    i
}

fn credential_authorization(d: &OrgData, ca: &CredentialAuthorization) -> Identity {
    let org = d.org.as_str();
    let ssh = ca
        .credential_type
        .as_deref()
        .is_some_and(|t| t.to_ascii_lowercase().contains("ssh"));
    let what = ca
        .authorized_credential_title
        .clone()
        .or(ca.authorized_credential_note.clone())
        .filter(|t| !t.is_empty())
        .or(ca.credential_type.clone())
        .unwrap_or_else(|| "credential".into());
    let facts = GithubFacts {
        credential_type: ca.credential_type.clone(),
        scopes: ca.scopes.clone(),
        ..Default::default()
    };
    let owner = d.owned(Some(&ca.login), "login");
    let mut i = d.identity(
        kinds::GITHUB_CREDENTIAL_AUTHORIZATION,
        format!("github:{org}/credential/{}", ca.credential_id),
        format!("{}: {what}", ca.login),
        &format!("/orgs/{org}/credential-authorizations"),
    );
    i.created_at = ca.credential_authorized_at;
    i.last_used = last_used(ca.credential_accessed_at);
    i.owner = owner;
    i.credentials.push(Credential {
        id: ca.credential_id.to_string(),
        kind: if ssh {
            credential_kinds::GITHUB_SSH_KEY
        } else {
            credential_kinds::GITHUB_CLASSIC_PAT
        }
        .into(),
        status: CredentialStatus::Active,
        created_at: ca.credential_authorized_at,
        last_used: i.last_used,
        expires: match expiry(ca.authorized_credential_expires_at) {
            // SSH keys have no expiry to set: a missing one says nothing.
            Expiry::Never if ssh => Expiry::Unknown,
            e => e,
        },
        details: BTreeMap::new(),
    });
    i.native = Native::Github(facts);
    i
}

fn actions_secret(
    d: &OrgData,
    repo: Option<&String>,
    env: Option<&String>,
    secret: &ActionsSecret,
) -> Identity {
    let org = d.org.as_str();
    let name = &secret.name;
    let (id, display, path) = match (repo, env) {
        (Some(r), Some(e)) => (
            format!("github:{r}/environment/{e}/actions_secret/{name}"),
            format!("{r} ({e}): {name}"),
            format!("/repos/{r}/environments/{e}/secrets"),
        ),
        (Some(r), None) => (
            format!("github:{r}/actions_secret/{name}"),
            format!("{r}: {name}"),
            format!("/repos/{r}/actions/secrets"),
        ),
        _ => (
            format!("github:{org}/actions_secret/{name}"),
            name.clone(),
            format!("/orgs/{org}/actions/secrets"),
        ),
    };
    let mut i = d.identity(kinds::GITHUB_ACTIONS_SECRET, id, display, &path);
    i.created_at = secret.created_at;
    i.credentials.push(Credential {
        id: name.clone(),
        kind: credential_kinds::GITHUB_ACTIONS_SECRET.into(),
        status: CredentialStatus::Active,
        // The value's age is what rotation is about.
        created_at: secret.updated_at.or(secret.created_at),
        last_used: LastUsed::Unknown,
        expires: Expiry::Unknown,
        details: BTreeMap::new(),
    });
    i.native = Native::Github(GithubFacts {
        repository: repo.cloned(),
        environment: env.cloned(),
        visibility: secret.visibility.clone(),
        selected_repositories: match repo {
            None => d
                .org_secret_repositories
                .get(name)
                .cloned()
                .unwrap_or_default(),
            Some(_) => Vec::new(),
        },
        updated_at: secret.updated_at.or(secret.created_at),
        ..Default::default()
    });
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> OrgData {
        OrgData {
            org: "acme".into(),
            api_url: "https://api.github.com".into(),
            members: Some(BTreeSet::from(["alice".to_string()])),
            collaborators: Some(BTreeSet::from(["vendor".to_string()])),
            ..Default::default()
        }
    }

    #[test]
    fn deploy_key_owner_and_use_are_mapped() {
        let mut d = data();
        let key: DeployKey = serde_json::from_str(
            r#"{"id":7,"title":"ci","read_only":false,"added_by":"Bob","last_used":null,"created_at":"2024-01-01T00:00:00Z"}"#,
        )
        .expect("key");
        d.deploy_keys.push(("acme/api".into(), key));
        let ids = identities(&d);
        assert_eq!(ids.len(), 1);
        let i = &ids[0];
        assert_eq!(i.id, "github:acme/api/deploy_key/7");
        assert_eq!(i.last_used, LastUsed::Never);
        let Native::Github(f) = &i.native else {
            panic!("github facts")
        };
        assert_eq!(i.owner.as_ref().and_then(|o| o.active), Some(false));
        assert_eq!(f.read_only, Some(false));
    }

    #[test]
    fn an_outside_collaborators_key_is_not_departed_but_needs_the_list() {
        let key = |by: &str| -> DeployKey {
            serde_json::from_value(serde_json::json!({"id": 1, "added_by": by})).expect("key")
        };
        let departed = |d: &OrgData| {
            let ids = identities(d);
            ids[0].owner.as_ref().and_then(|o| o.active)
        };
        let mut d = data();
        d.deploy_keys.push(("acme/api".into(), key("Vendor")));
        assert_eq!(departed(&d), Some(true));
        d.collaborators = None;
        assert_eq!(departed(&d), None, "collaborators unknown: not judged");
        d.deploy_keys[0].1 = key("alice");
        assert_eq!(departed(&d), Some(true));
    }

    #[test]
    fn unknown_members_leave_departure_unknown() {
        let mut d = data();
        d.members = None;
        let pat: FineGrainedPat =
            serde_json::from_str(r#"{"id":1,"owner":{"login":"zed"},"token_expires_at":null}"#)
                .expect("pat");
        d.pats.push(pat);
        let ids = identities(&d);
        assert_eq!(ids[0].owner.as_ref().map(|o| o.active), Some(None));
        assert_eq!(ids[0].credentials[0].expires, Expiry::Never);
    }
}
