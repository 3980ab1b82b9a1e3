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
    /// The repositories, with what their CI can present to clouds.
    pub repositories: Vec<Repository>,
}

/// A repository, as the workload its Actions jobs are.
#[derive(Debug, Default, Clone)]
pub struct Repository {
    /// `owner/name`.
    pub full_name: String,
    pub id: Option<u64>,
    pub owner_id: Option<u64>,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    pub archived: bool,
    /// Its environments with their protection; `None` when they could not be read.
    pub environments: Option<Vec<crate::types::Environment>>,
    /// The claims its OIDC subject is made of (empty: GitHub's default); `None` when its
    /// template could not be read, so either the default or the organization's may apply.
    pub oidc_claim_keys: Option<Vec<String>>,
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
        i.native = Native::Github(Box::new(GithubFacts {
            app_slug: inst.app_slug.clone(),
            repository_selection: inst.repository_selection.clone(),
            permissions: inst.permissions.clone(),
            suspended_at: inst.suspended_at,
            updated_at: inst.updated_at,
            ..Default::default()
        }));
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
            )])
            .into(),
        });
        i.native = Native::Github(Box::new(facts));
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
        i.native = Native::Github(Box::new(GithubFacts {
            default_workflow_permissions: w.default_workflow_permissions.clone(),
            can_approve_pull_request_reviews: w.can_approve_pull_request_reviews,
            oidc_sub_claim_keys: d.oidc_sub_claim_keys.clone(),
            ..Default::default()
        }));
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
        details: details.into(),
    });
    i.native = Native::Github(Box::new(facts));
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
        details: nhi_api::StrMap::new(),
    });
    i.native = Native::Github(Box::new(facts));
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
        details: nhi_api::StrMap::new(),
    });
    i.native = Native::Github(Box::new(GithubFacts {
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
    }));
    i
}

/// The issuer of Actions OIDC tokens for an API URL: github.com's, or a GitHub Enterprise
/// Server's (`https://HOST/_services/token`).
pub fn oidc_issuer(api_url: &str) -> String {
    let url = api_url.trim_end_matches('/');
    match url.strip_suffix("/api/v3") {
        Some(host) => format!("{host}/_services/token"),
        None => "https://token.actions.githubusercontent.com".to_string(),
    }
}

/// What guards an environment, in words; `None` when any job may deploy to it.
fn environment_gate(env: &crate::types::Environment) -> Option<String> {
    let mut gates = Vec::new();
    for rule in &env.protection_rules {
        match rule.kind.as_str() {
            "required_reviewers" => gates.push(if rule.prevent_self_review == Some(true) {
                "required reviewers (not the one who triggered it)".to_string()
            } else {
                "required reviewers".to_string()
            }),
            // A wait timer delays, it does not stop; the branch policy is read below.
            "wait_timer" | "branch_policy" => {}
            other if !other.is_empty() => gates.push(format!("deployment protection rule {other}")),
            _ => {}
        }
    }
    match &env.deployment_branch_policy {
        Some(p) if p.protected_branches => {
            gates.push("deployments from protected branches only".into())
        }
        Some(p) if p.custom_branch_policies => {
            gates.push("deployments from allowed branches only".into())
        }
        _ => {}
    }
    (!gates.is_empty()).then(|| gates.join(", "))
}

/// A run of a repository's jobs: its subject context and the claims that come with it.
fn run(
    context: &str,
    ref_: &str,
    environment: Option<&str>,
    event: &str,
    who: String,
    gate: Option<String>,
) -> nhi_api::WorkloadRun {
    let mut claims = BTreeMap::new();
    claims.insert("context".to_string(), context.to_string());
    claims.insert("ref".to_string(), ref_.to_string());
    claims.insert("event_name".to_string(), event.to_string());
    if let Some(env) = environment {
        claims.insert("environment".to_string(), env.to_string());
    }
    nhi_api::WorkloadRun {
        claims,
        who,
        gate,
        except: Vec::new(),
    }
}

/// A subject form for a template's claim keys: `repo:acme/web:{context}`. `repo` is written
/// `owner/name`, or `owner@id/name@id` in the immutable form.
fn subject_form(keys: &[String], repo_part: &str) -> String {
    keys.iter()
        .map(|key| match key.as_str() {
            "repo" => format!("repo:{repo_part}"),
            "context" => "{context}".to_string(),
            "ref" => "ref:{ref}".to_string(),
            "environment" => "environment:{environment}".to_string(),
            "event_name" => "event_name:{event_name}".to_string(),
            // Claims of the repository itself.
            k @ ("repository"
            | "repository_owner"
            | "repository_id"
            | "repository_owner_id"
            | "repository_visibility") => format!("{k}:{{{k}}}"),
            // Claims the workflow decides (job_workflow_ref, workflow, actor, ...).
            other => format!("{other}:*"),
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// The repositories as workloads: the ways their Actions jobs run and the subject forms their
/// OIDC tokens use (the name form and, where the ids are known, the immutable
/// `owner@id/repo@id` form), from the repository's template or the organization's.
pub fn workloads(d: &OrgData) -> Vec<nhi_api::Workload> {
    let issuer = oidc_issuer(&d.api_url);
    let default_keys = vec!["repo".to_string(), "context".to_string()];
    let keys_or_default = |k: &[String]| {
        if k.is_empty() {
            default_keys.clone()
        } else {
            k.to_vec()
        }
    };
    let mut out = Vec::new();
    for repo in d.repositories.iter().filter(|r| !r.archived) {
        let full = &repo.full_name;
        let (owner, name) = full.split_once('/').unwrap_or((&d.org, full));
        let mut runs = vec![
            run(
                "pull_request",
                "refs/pull/*/merge",
                None,
                "pull_request",
                format!("anyone who can open a pull request from a branch of {full}"),
                None,
            ),
            run(
                "ref:refs/heads/*",
                "refs/heads/*",
                None,
                "*",
                format!("anyone who can push a branch to {full}"),
                None,
            ),
            run(
                "ref:refs/tags/*",
                "refs/tags/*",
                None,
                "*",
                format!("anyone who can push a tag to {full}"),
                None,
            ),
        ];
        let known: &[crate::types::Environment] = repo.environments.as_deref().unwrap_or(&[]);
        for env in known {
            runs.push(run(
                &format!("environment:{}", env.name),
                "*",
                Some(&env.name),
                "*",
                format!("any job of {full} that deploys to environment {}", env.name),
                environment_gate(env),
            ));
        }
        // A job that names an environment the repository does not have creates it, with no
        // protection at all. When the environments could not be read, nhi cannot tell a new
        // one from a protected one.
        let mut new_env = match repo.environments {
            Some(_) => run(
                "environment:*",
                "*",
                Some("*"),
                "*",
                format!("any job of {full} that names a new environment"),
                None,
            ),
            None => run(
                "environment:*",
                "*",
                Some("*"),
                "*",
                format!("any job of {full} that deploys to an environment"),
                Some(
                    "environment protection unknown (nhi could not read the repository's environments)"
                        .to_string(),
                ),
            ),
        };
        new_env.except = (3..3 + known.len()).collect();
        runs.push(new_env);
        // A repository uses GitHub's default template unless it opted in to the organization's
        // or set its own; when its choice is unknown, either may be in use.
        let mut templates: Vec<Vec<String>> = match &repo.oidc_claim_keys {
            Some(k) => vec![keys_or_default(k)],
            None => vec![
                default_keys.clone(),
                keys_or_default(&d.oidc_sub_claim_keys),
            ],
        };
        templates.dedup();
        let mut repo_parts = vec![format!("{owner}/{name}")];
        if let (Some(oid), Some(rid)) = (repo.owner_id, repo.id) {
            repo_parts.push(format!("{owner}@{oid}/{name}@{rid}"));
        }
        let mut subject_forms: Vec<String> = templates
            .iter()
            .flat_map(|keys| repo_parts.iter().map(move |p| subject_form(keys, p)))
            .collect();
        subject_forms.dedup();
        // Keep only the run claims some form writes (`context` alone, by default).
        for r in &mut runs {
            r.claims.retain(|k, _| {
                subject_forms
                    .iter()
                    .any(|f| f.contains(&format!("{{{k}}}")))
            });
        }
        let mut claims = BTreeMap::new();
        claims.insert("repository".to_string(), full.clone());
        claims.insert("repository_owner".to_string(), owner.to_string());
        if let Some(id) = repo.id {
            claims.insert("repository_id".to_string(), id.to_string());
        }
        if let Some(id) = repo.owner_id {
            claims.insert("repository_owner_id".to_string(), id.to_string());
        }
        out.push(nhi_api::Workload {
            provider: providers::GITHUB.into(),
            kind: "github_repository".into(),
            id: format!("github:{full}"),
            name: full.clone(),
            scope: d.org.clone(),
            // Jobs ask for OIDC tokens with the workflow token's `id-token: write`.
            identity: Some(format!("github:{}/actions/GITHUB_TOKEN", d.org)),
            issuer: issuer.clone(),
            subject_forms,
            runs,
            claims,
            annotated_role: None,
        });
    }
    out
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

    fn repo(
        keys: Option<Vec<String>>,
        environments: Option<Vec<crate::types::Environment>>,
    ) -> Repository {
        Repository {
            full_name: "acme/web".into(),
            id: Some(2),
            owner_id: Some(1),
            environments,
            oidc_claim_keys: keys,
            ..Default::default()
        }
    }

    fn patterns(d: &OrgData) -> Vec<String> {
        workloads(d)
            .into_iter()
            .flat_map(|w| w.subjects())
            .map(|s| s.pattern)
            .collect()
    }

    #[test]
    fn workload_subjects_follow_the_repository_template() {
        let prod: crate::types::Environment = serde_json::from_str(
            r#"{"name":"prod","protection_rules":[{"type":"required_reviewers","prevent_self_review":false,"reviewers":[{}]}],"deployment_branch_policy":{"protected_branches":true,"custom_branch_policies":false}}"#,
        )
        .expect("environment");
        let mut d = data();
        d.oidc_sub_claim_keys = vec!["repository_owner".into(), "context".into()];
        // GitHub's default template: both the name and the immutable form.
        d.repositories = vec![repo(Some(vec![]), Some(vec![prod.clone()]))];
        let p = patterns(&d);
        assert!(
            p.contains(&"repo:acme/web:ref:refs/heads/*".to_string()),
            "{p:?}"
        );
        assert!(
            p.contains(&"repo:acme@1/web@2:pull_request".to_string()),
            "{p:?}"
        );
        assert!(
            !p.iter().any(|x| x.starts_with("repository_owner:")),
            "{p:?}"
        );
        let w = &workloads(&d)[0];
        assert_eq!(w.issuer, "https://token.actions.githubusercontent.com");
        assert_eq!(
            w.identity.as_deref(),
            Some("github:acme/actions/GITHUB_TOKEN")
        );
        assert_eq!(w.claims["repository_owner_id"], "1");
        let subjects = w.subjects();
        let prod_subject = subjects
            .iter()
            .find(|s| s.pattern == "repo:acme/web:environment:prod")
            .expect("prod");
        assert_eq!(
            prod_subject.gate.as_deref(),
            Some("required reviewers, deployments from protected branches only")
        );
        let new_env = subjects
            .iter()
            .find(|s| s.pattern == "repo:acme/web:environment:*")
            .expect("new environments");
        assert_eq!(new_env.gate, None);
        assert_eq!(new_env.except, vec!["repo:acme/web:environment:prod"]);
        // Opted in to the organization's template.
        d.repositories = vec![repo(Some(d.oidc_sub_claim_keys.clone()), Some(vec![]))];
        let p = patterns(&d);
        assert!(
            p.contains(&"repository_owner:acme:ref:refs/heads/*".to_string()),
            "{p:?}"
        );
        assert!(!p.iter().any(|x| x.starts_with("repo:")), "{p:?}");
        // Unknown: either.
        d.repositories = vec![repo(None, None)];
        let p = patterns(&d);
        assert!(
            p.contains(&"repository_owner:acme:pull_request".to_string()),
            "{p:?}"
        );
        assert!(
            p.contains(&"repo:acme/web:pull_request".to_string()),
            "{p:?}"
        );
        let w = &workloads(&d)[0];
        assert!(
            w.subjects()
                .iter()
                .filter(|s| s.pattern.ends_with("environment:*"))
                .all(|s| s.gate.as_deref().is_some_and(|g| g.contains("unknown"))),
            "unread environments are not called unprotected"
        );
        // Enterprise Server issues its own tokens; archived repositories run no jobs.
        d.api_url = "https://ghe.example.com/api/v3".into();
        assert_eq!(
            workloads(&d)[0].issuer,
            "https://ghe.example.com/_services/token"
        );
        d.repositories[0].archived = true;
        assert!(workloads(&d).is_empty());
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
