//! GitLab payloads → normalized identities and workloads. Pure: no I/O, no clock.

use crate::types::{
    AccessToken, DeployKey, DeployToken, Presence, ProtectedBranch, Runner, ServiceAccount,
    Trigger, User, Variable,
};
use nhi_api::{
    credential_kinds, kinds, providers, Credential, CredentialStatus, Expiry, GitlabFacts,
    Identity, LastUsed, Native, Owner, Workload, WorkloadRun,
};
use std::collections::{BTreeMap, BTreeSet};

/// Everything read for one scope: a group and its subgroups, a project, or the instance.
#[derive(Debug, Default)]
pub struct ScopeData {
    /// The group or project path asked for, or the instance's host.
    pub scope: String,
    /// The instance URL (`https://gitlab.com`): the CI token issuer, and where identities live.
    pub url: String,
    /// Users known by id: state, bot, service account.
    pub users: BTreeMap<u64, User>,
    /// Ids of the scope's members (inherited included); `None` when they could not be read
    /// completely, so nobody is called departed on no evidence.
    pub members: Option<BTreeSet<u64>>,
    pub groups: Vec<GroupData>,
    pub projects: Vec<ProjectData>,
    /// Personal access tokens (all users', or the caller's own).
    pub pats: Vec<AccessToken>,
    pub service_accounts: Vec<ServiceAccount>,
    pub runners: Vec<Runner>,
    /// Instance-level deploy tokens, deploy keys and variables.
    pub deploy_tokens: Vec<DeployToken>,
    pub deploy_keys: Vec<DeployKey>,
    pub variables: Vec<Variable>,
}

#[derive(Debug, Default)]
pub struct GroupData {
    pub path: String,
    pub registration_token: bool,
    pub access_tokens: Vec<AccessToken>,
    pub deploy_tokens: Vec<DeployToken>,
    pub variables: Vec<Variable>,
}

#[derive(Debug, Default)]
pub struct ProjectData {
    pub path: String,
    pub id: u64,
    pub namespace_id: Option<u64>,
    pub archived: bool,
    pub default_branch: Option<String>,
    pub registration_token: bool,
    pub access_tokens: Vec<AccessToken>,
    pub deploy_tokens: Vec<DeployToken>,
    pub deploy_keys: Vec<DeployKey>,
    pub triggers: Vec<Trigger>,
    pub variables: Vec<Variable>,
    /// Its protected branches; `None` when they could not be read.
    pub protected_branches: Option<Vec<ProtectedBranch>>,
    /// Its members' ids, inherited included; `None` when not read.
    pub members: Option<BTreeSet<u64>>,
}

fn last_used(p: Presence) -> LastUsed {
    match p {
        Presence::Absent => LastUsed::Unknown,
        Presence::Null => LastUsed::Never,
        Presence::At(t) => LastUsed::At(t),
    }
}

fn expiry(p: Presence) -> Expiry {
    match p {
        Presence::Absent => Expiry::Unknown,
        Presence::Null => Expiry::Never,
        Presence::At(t) => Expiry::At(t),
    }
}

/// A user state that cannot act: blocked, deactivated, banned, ...
fn gone(state: Option<&str>) -> bool {
    state.is_some_and(|s| s != "active")
}

fn user_type(u: &User) -> &'static str {
    if u.user_type.as_deref() == Some("service_account")
        || u.username.starts_with("service_account_")
    {
        "service_account"
    } else if u.bot == Some(true) || u.user_type.as_deref().is_some_and(|t| t.ends_with("_bot")) {
        "bot"
    } else {
        "human"
    }
}

impl ScopeData {
    fn identity(&self, kind: &str, id: String, name: String, path: &str) -> Identity {
        let mut i = Identity::new(providers::GITLAB, kind, id, name);
        i.scope = self.scope.clone();
        i.origin = Some(format!("{}/api/v4{path}", self.url.trim_end_matches('/')));
        i.tags_known = false;
        i
    }

    /// A user as the owner of a token: departed when blocked or deactivated, or (when the
    /// members were read) no longer a member.
    fn owner(&self, user: &User, members: Option<&BTreeSet<u64>>, source: &str) -> Owner {
        let state = user
            .state
            .as_deref()
            .or_else(|| self.users.get(&user.id).and_then(|u| u.state.as_deref()));
        let active = if gone(state) {
            Some(false)
        } else {
            members
                .or(self.members.as_ref())
                .map(|m| m.contains(&user.id))
        };
        let name = if user.username.is_empty() {
            self.users
                .get(&user.id)
                .map(|u| u.username.clone())
                .unwrap_or_else(|| format!("user {}", user.id))
        } else {
            user.username.clone()
        };
        Owner::new(name, source).active(active)
    }
}

fn credential(
    id: u64,
    kind: &str,
    status: CredentialStatus,
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    last_used: LastUsed,
    expires: Expiry,
) -> Credential {
    Credential {
        id: id.to_string(),
        kind: kind.into(),
        status,
        created_at,
        last_used,
        expires,
        details: nhi_api::StrMap::new(),
    }
}

fn token_status(active: Option<bool>, revoked: Option<bool>, expired: bool) -> CredentialStatus {
    if revoked == Some(true) {
        CredentialStatus::Revoked
    } else if expired {
        CredentialStatus::Expired
    } else if active == Some(false) {
        CredentialStatus::Inactive
    } else {
        CredentialStatus::Active
    }
}

/// Every identity of the scope.
pub fn identities(d: &ScopeData) -> Vec<Identity> {
    let mut out = Vec::new();
    for g in &d.groups {
        let facts = || GitlabFacts {
            level: Some("group".into()),
            path: Some(g.path.clone()),
            ..Default::default()
        };
        for t in &g.access_tokens {
            out.push(access_token(
                d,
                t,
                kinds::GITLAB_GROUP_ACCESS_TOKEN,
                "groups",
                &g.path,
                facts(),
            ));
        }
        for t in &g.deploy_tokens {
            out.push(deploy_token(d, t, "groups", &g.path, facts()));
        }
        for v in &g.variables {
            out.push(variable(d, v, "groups", &g.path, facts()));
        }
        if g.registration_token {
            out.push(registration_token(d, "groups", &g.path, facts()));
        }
    }
    for p in &d.projects {
        let facts = || GitlabFacts {
            level: Some("project".into()),
            path: Some(p.path.clone()),
            ..Default::default()
        };
        for t in &p.access_tokens {
            out.push(access_token(
                d,
                t,
                kinds::GITLAB_PROJECT_ACCESS_TOKEN,
                "projects",
                &p.path,
                facts(),
            ));
        }
        for t in &p.deploy_tokens {
            out.push(deploy_token(d, t, "projects", &p.path, facts()));
        }
        for k in &p.deploy_keys {
            out.push(deploy_key(d, k, Some(&p.path), facts()));
        }
        for t in &p.triggers {
            out.push(trigger(d, t, p, facts()));
        }
        for v in &p.variables {
            out.push(variable(d, v, "projects", &p.path, facts()));
        }
        if p.registration_token {
            out.push(registration_token(d, "projects", &p.path, facts()));
        }
    }
    let instance = || GitlabFacts {
        level: Some("instance".into()),
        ..Default::default()
    };
    for t in &d.pats {
        out.push(pat(d, t));
    }
    for t in &d.deploy_tokens {
        out.push(deploy_token(d, t, "instance", "", instance()));
    }
    for k in &d.deploy_keys {
        out.push(deploy_key(d, k, None, instance()));
    }
    for v in &d.variables {
        out.push(variable(d, v, "instance", "", instance()));
    }
    for r in &d.runners {
        out.push(runner(d, r));
    }
    for s in &d.service_accounts {
        let mut i = d.identity(
            kinds::GITLAB_SERVICE_ACCOUNT,
            format!("gitlab:{}/service_account/{}", d.scope, s.id),
            s.username.clone(),
            "/service_accounts",
        );
        i.native = Native::Gitlab(Box::new(GitlabFacts {
            user: Some(s.username.clone()),
            user_type: Some("service_account".into()),
            ..Default::default()
        }));
        out.push(i);
    }
    out
}

/// `gitlab:acme/web/...` for a path, `gitlab:instance/...` for the instance.
fn key(level: &str, path: &str) -> String {
    if level == "instance" {
        "gitlab:instance".to_string()
    } else {
        format!("gitlab:{path}")
    }
}

fn api_path(level: &str, path: &str, what: &str) -> String {
    match level {
        "instance" if what == "variables" => "/admin/ci/variables".to_string(),
        "instance" => format!("/{what}"),
        _ => format!("/{level}/{}/{what}", nhi_http::segment(path)),
    }
}

fn access_token(
    d: &ScopeData,
    t: &AccessToken,
    kind: &str,
    level: &str,
    path: &str,
    mut facts: GitlabFacts,
) -> Identity {
    let bot = t.user_id.and_then(|id| d.users.get(&id));
    let what = if level == "groups" {
        "group_access_token"
    } else {
        "project_access_token"
    };
    let mut i = d.identity(
        kind,
        format!("{}/{what}/{}", key(level, path), t.id),
        format!("{path}: {}", t.name),
        &api_path(level, path, "access_tokens"),
    );
    i.created_at = t.created_at;
    i.last_used = last_used(t.last_used_at);
    i.credentials.push(credential(
        t.id,
        credential_kinds::GITLAB_ACCESS_TOKEN,
        token_status(t.active, t.revoked, false),
        t.created_at,
        i.last_used,
        expiry(t.expires_at),
    ));
    facts.scopes = t.scopes.clone();
    facts.access_level = t.access_level;
    facts.user = bot.map(|u| u.username.clone());
    facts.user_type = Some("bot".into());
    i.native = Native::Gitlab(Box::new(facts));
    i
}

fn pat(d: &ScopeData, t: &AccessToken) -> Identity {
    let user = t.user_id.and_then(|id| d.users.get(&id));
    let who = user
        .map(|u| u.username.clone())
        .or(t.user_id.map(|id| format!("user {id}")))
        .unwrap_or_else(|| "unknown user".into());
    let mut i = d.identity(
        kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
        format!("gitlab:{}/personal_access_token/{}", d.scope, t.id),
        format!("{who}: {}", t.name),
        "/personal_access_tokens",
    );
    i.created_at = t.created_at;
    i.last_used = last_used(t.last_used_at);
    i.owner = user.map(|u| d.owner(u, None, "user"));
    i.credentials.push(credential(
        t.id,
        credential_kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
        token_status(t.active, t.revoked, false),
        t.created_at,
        i.last_used,
        expiry(t.expires_at),
    ));
    i.native = Native::Gitlab(Box::new(GitlabFacts {
        level: Some("user".into()),
        scopes: t.scopes.clone(),
        user: user.map(|u| u.username.clone()),
        user_type: user.map(|u| user_type(u).to_string()),
        ..Default::default()
    }));
    i
}

fn deploy_token(
    d: &ScopeData,
    t: &DeployToken,
    level: &str,
    path: &str,
    mut facts: GitlabFacts,
) -> Identity {
    let label = if path.is_empty() { "instance" } else { path };
    let mut i = d.identity(
        kinds::GITLAB_DEPLOY_TOKEN,
        format!("{}/deploy_token/{}", key(level, path), t.id),
        format!("{label}: {}", t.name),
        &api_path(level, path, "deploy_tokens"),
    );
    i.credentials.push(credential(
        t.id,
        credential_kinds::GITLAB_DEPLOY_TOKEN,
        token_status(None, t.revoked, t.expired == Some(true)),
        None,
        LastUsed::Unknown,
        expiry(t.expires_at),
    ));
    facts.scopes = t.scopes.clone();
    facts.user = t.username.clone();
    i.native = Native::Gitlab(Box::new(facts));
    i
}

fn deploy_key(
    d: &ScopeData,
    k: &DeployKey,
    project: Option<&str>,
    mut facts: GitlabFacts,
) -> Identity {
    let title = k.title.clone().unwrap_or_else(|| format!("key {}", k.id));
    let (id, name, path, can_push) = match project {
        Some(p) => (
            format!("gitlab:{p}/deploy_key/{}", k.id),
            format!("{p}: {title}"),
            api_path("projects", p, "deploy_keys"),
            k.can_push,
        ),
        None => (
            format!("gitlab:instance/deploy_key/{}", k.id),
            format!("instance: {title}"),
            "/deploy_keys".to_string(),
            // The instance listing names the projects it can push to.
            Some(!k.projects_with_write_access.is_empty()),
        ),
    };
    let mut i = d.identity(kinds::GITLAB_DEPLOY_KEY, id, name, &path);
    i.created_at = k.created_at;
    let mut c = credential(
        k.id,
        credential_kinds::GITLAB_DEPLOY_KEY,
        CredentialStatus::Active,
        k.created_at,
        LastUsed::Unknown,
        expiry(k.expires_at),
    );
    if let Some(fp) = &k.fingerprint_sha256 {
        c.details.insert("fingerprint".into(), fp.clone());
    }
    let writable: Vec<String> = k
        .projects_with_write_access
        .iter()
        .filter_map(|p| p.path_with_namespace.clone())
        .collect();
    if !writable.is_empty() {
        c.details.insert("can_push_to".into(), writable.join(", "));
    }
    i.credentials.push(c);
    facts.can_push = can_push;
    i.native = Native::Gitlab(Box::new(facts));
    i
}

fn trigger(d: &ScopeData, t: &Trigger, p: &ProjectData, mut facts: GitlabFacts) -> Identity {
    let what = t
        .description
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("trigger {}", t.id));
    let mut i = d.identity(
        kinds::GITLAB_TRIGGER_TOKEN,
        format!("gitlab:{}/trigger/{}", p.path, t.id),
        format!("{}: {what}", p.path),
        &api_path("projects", &p.path, "triggers"),
    );
    i.created_at = t.created_at;
    i.last_used = last_used(t.last_used);
    i.owner = t
        .owner
        .as_ref()
        .map(|o| d.owner(o, p.members.as_ref(), "owner"));
    i.credentials.push(credential(
        t.id,
        credential_kinds::GITLAB_TRIGGER_TOKEN,
        CredentialStatus::Active,
        t.created_at,
        i.last_used,
        // Older versions have no expiry for trigger tokens: absent is unknown.
        expiry(t.expires_at),
    ));
    facts.user = t.owner.as_ref().map(|o| o.username.clone());
    i.native = Native::Gitlab(Box::new(facts));
    i
}

fn variable(
    d: &ScopeData,
    v: &Variable,
    level: &str,
    path: &str,
    mut facts: GitlabFacts,
) -> Identity {
    let env = v.environment_scope.clone().unwrap_or_else(|| "*".into());
    let label = if path.is_empty() { "instance" } else { path };
    let (id, name) = if env == "*" {
        (
            format!("{}/variable/{}", key(level, path), v.key),
            format!("{label}: {}", v.key),
        )
    } else {
        (
            format!("{}/variable/{}@{env}", key(level, path), v.key),
            format!("{label} ({env}): {}", v.key),
        )
    };
    let mut i = d.identity(
        kinds::GITLAB_CI_VARIABLE,
        id,
        name,
        &api_path(level, path, "variables"),
    );
    i.credentials.push(Credential {
        id: v.key.clone(),
        kind: credential_kinds::GITLAB_CI_VARIABLE.into(),
        status: CredentialStatus::Active,
        created_at: None,
        last_used: LastUsed::Unknown,
        expires: Expiry::Unknown,
        details: nhi_api::StrMap::new(),
    });
    facts.variable_key = Some(v.key.clone());
    facts.masked = v.masked;
    facts.protected = v.protected;
    facts.hidden = v.hidden;
    facts.raw = v.raw;
    facts.environment_scope = v.environment_scope.clone();
    facts.variable_type = v.variable_type.clone();
    facts.value_looks_like_credential = v.value_looks_like_credential;
    i.native = Native::Gitlab(Box::new(facts));
    i
}

fn registration_token(d: &ScopeData, level: &str, path: &str, facts: GitlabFacts) -> Identity {
    let mut i = d.identity(
        kinds::GITLAB_RUNNER_REGISTRATION_TOKEN,
        format!("{}/runner_registration_token", key(level, path)),
        format!("{path}: runner registration token"),
        &format!("/{level}/{}", nhi_http::segment(path)),
    );
    i.credentials.push(Credential {
        id: "runners_token".into(),
        kind: credential_kinds::GITLAB_RUNNER_REGISTRATION_TOKEN.into(),
        status: CredentialStatus::Active,
        created_at: None,
        last_used: LastUsed::Unknown,
        expires: Expiry::Unknown,
        details: nhi_api::StrMap::new(),
    });
    i.native = Native::Gitlab(Box::new(facts));
    i
}

fn runner(d: &ScopeData, r: &Runner) -> Identity {
    let what = r
        .description
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("runner {}", r.id));
    let mut i = d.identity(
        kinds::GITLAB_RUNNER,
        format!("gitlab:{}/runner/{}", d.scope, r.id),
        format!("runner {}: {what}", r.id),
        &format!("/runners/{}", r.id),
    );
    i.created_at = r.created_at;
    i.last_used = last_used(r.contacted_at);
    i.credentials.push(credential(
        r.id,
        credential_kinds::GITLAB_RUNNER_TOKEN,
        if r.paused == Some(true) {
            CredentialStatus::Inactive
        } else {
            CredentialStatus::Active
        },
        r.created_at,
        i.last_used,
        expiry(r.token_expires_at),
    ));
    i.native = Native::Gitlab(Box::new(GitlabFacts {
        level: r
            .runner_type
            .as_deref()
            .map(|t| t.trim_end_matches("_type").to_string()),
        runner_type: r.runner_type.clone(),
        paused: r.paused,
        status: r.status.clone(),
        ..Default::default()
    }));
    i
}

/// Who may push to a protected branch, in words, and whether that stops a Developer.
fn branch_gate(b: &ProtectedBranch) -> Option<String> {
    let lowest = |levels: &[crate::types::AccessLevel]| {
        levels
            .iter()
            .filter_map(|l| l.access_level)
            .filter(|l| *l > 0)
            .min()
    };
    let push = lowest(&b.push_access_levels);
    let merge = lowest(&b.merge_access_levels);
    // Developers (30) may push or merge: the protection stops no contributor.
    if push.is_some_and(|l| l <= 30) || merge.is_some_and(|l| l <= 30) {
        return None;
    }
    let role = |l: Option<u32>| match l {
        None => "no one".to_string(),
        Some(40) => "Maintainers".to_string(),
        Some(50) => "Owners".to_string(),
        Some(60) => "administrators".to_string(),
        Some(n) => format!("access level {n}"),
    };
    Some(format!(
        "protected branch {} (push: {}, merge: {})",
        b.name,
        role(push),
        role(merge)
    ))
}

fn run(ref_type: &str, ref_: &str, who: String, gate: Option<String>) -> WorkloadRun {
    WorkloadRun {
        claims: BTreeMap::from([
            ("ref_type".to_string(), ref_type.to_string()),
            ("ref".to_string(), ref_.to_string()),
        ]),
        who,
        gate,
        except: Vec::new(),
    }
}

/// The projects as workloads: the ways their CI jobs run and the subject their `id_tokens`
/// carry (GitLab's `project_path:GROUP/PROJECT:ref_type:TYPE:ref:REF`), issued by the instance.
pub fn workloads(d: &ScopeData) -> Vec<Workload> {
    let issuer = d.url.trim_end_matches('/').to_string();
    let mut out = Vec::new();
    for p in d.projects.iter().filter(|p| !p.archived) {
        let path = &p.path;
        let mut runs = vec![
            run(
                "branch",
                "*",
                format!("anyone who can push a branch to {path} (Developer role)"),
                None,
            ),
            run(
                "tag",
                "*",
                format!("anyone who can push a tag to {path} (Developer role, unless tags are protected)"),
                None,
            ),
        ];
        match &p.protected_branches {
            Some(branches) => {
                for b in branches {
                    let gate = branch_gate(b);
                    let who = if gate.is_some() {
                        format!(
                            "whoever may push or merge to protected branch {} of {path}",
                            b.name
                        )
                    } else {
                        format!(
                            "any Developer of {path}, who may push or merge to branch {}",
                            b.name
                        )
                    };
                    runs.push(run("branch", &b.name, who, gate));
                }
                // A job of a protected branch is that branch's run, not any branch's.
                runs[0].except = (2..runs.len()).collect();
            }
            None => {
                runs[0].who = format!(
                    "anyone who can push a branch to {path} (branch protection unknown: nhi could not read it)"
                );
                // The default branch is the one trusts name most; say that its protection is
                // unknown rather than call it open.
                if let Some(b) = &p.default_branch {
                    runs.push(run(
                        "branch",
                        b,
                        format!("whoever may push or merge to branch {b} of {path}"),
                        Some(format!(
                            "only jobs of branch {b}, whose protection nhi could not read"
                        )),
                    ));
                    runs[0].except = vec![2];
                }
            }
        }
        let mut claims = BTreeMap::new();
        claims.insert("project_path".to_string(), path.clone());
        if let Some((ns, _)) = path.rsplit_once('/') {
            claims.insert("namespace_path".to_string(), ns.to_string());
        }
        claims.insert("project_id".to_string(), p.id.to_string());
        if let Some(ns) = p.namespace_id {
            claims.insert("namespace_id".to_string(), ns.to_string());
        }
        out.push(Workload {
            provider: providers::GITLAB.into(),
            kind: "gitlab_project".into(),
            id: format!("gitlab:{path}"),
            name: path.clone(),
            scope: d.scope.clone(),
            identity: None,
            issuer: issuer.clone(),
            subject_forms: vec!["project_path:{project_path}:ref_type:{ref_type}:ref:{ref}".into()],
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

    fn data() -> ScopeData {
        ScopeData {
            scope: "acme".into(),
            url: "https://gitlab.com".into(),
            members: Some(BTreeSet::from([1])),
            ..Default::default()
        }
    }

    #[test]
    fn trigger_owners_are_departed_when_blocked_or_gone() {
        let mut d = data();
        let t = |owner: serde_json::Value| -> Trigger {
            serde_json::from_value(serde_json::json!({"id": 5, "owner": owner, "last_used": null}))
                .expect("trigger")
        };
        d.projects.push(ProjectData {
            path: "acme/web".into(),
            members: Some(BTreeSet::from([1, 2])),
            triggers: vec![
                t(serde_json::json!({"id": 1, "username": "alice", "state": "active"})),
                t(serde_json::json!({"id": 2, "username": "bob", "state": "blocked"})),
                t(serde_json::json!({"id": 3, "username": "carol", "state": "active"})),
            ],
            ..Default::default()
        });
        let active: Vec<Option<bool>> = identities(&d)
            .iter()
            .map(|i| i.owner.as_ref().and_then(|o| o.active))
            .collect();
        assert_eq!(active, vec![Some(true), Some(false), Some(false)]);
        d.projects[0].members = None;
        d.members = None;
        let active: Vec<Option<bool>> = identities(&d)
            .iter()
            .map(|i| i.owner.as_ref().and_then(|o| o.active))
            .collect();
        assert_eq!(
            active,
            vec![None, Some(false), None],
            "unknown members: not judged"
        );
    }

    #[test]
    fn workloads_carry_gitlab_subjects_and_protected_branches() {
        let mut d = data();
        let main: ProtectedBranch = serde_json::from_value(serde_json::json!({
            "name": "main",
            "push_access_levels": [{"access_level": 40}],
            "merge_access_levels": [{"access_level": 40}]
        }))
        .expect("branch");
        d.projects.push(ProjectData {
            path: "acme/platform/web".into(),
            id: 7,
            protected_branches: Some(vec![main]),
            ..Default::default()
        });
        let w = &workloads(&d)[0];
        assert_eq!(w.issuer, "https://gitlab.com");
        let subjects = w.subjects();
        let patterns: Vec<&str> = subjects.iter().map(|s| s.pattern.as_str()).collect();
        assert_eq!(
            patterns,
            vec![
                "project_path:acme/platform/web:ref_type:branch:ref:*",
                "project_path:acme/platform/web:ref_type:tag:ref:*",
                "project_path:acme/platform/web:ref_type:branch:ref:main",
            ]
        );
        assert_eq!(
            subjects[0].except,
            vec!["project_path:acme/platform/web:ref_type:branch:ref:main"]
        );
        assert!(subjects[2]
            .gate
            .as_deref()
            .is_some_and(|g| g.contains("Maintainers")));
        assert_eq!(w.claims["namespace_path"], "acme/platform");
        d.projects[0].archived = true;
        assert!(workloads(&d).is_empty());
    }

    #[test]
    fn variable_values_never_reach_the_model() {
        let mut d = data();
        let v: Variable = serde_json::from_str(
            r#"{"key":"AWS_SECRET_ACCESS_KEY","value":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","masked":false,"protected":false,"environment_scope":"*"}"#,
        )
        .expect("variable");
        d.projects.push(ProjectData {
            path: "acme/web".into(),
            variables: vec![v],
            ..Default::default()
        });
        let json = serde_json::to_string(&identities(&d)).expect("json");
        assert!(!json.contains("wJalrXUtnFEMI"), "{json}");
        assert!(json.contains("AWS_SECRET_ACCESS_KEY"));
    }
}
