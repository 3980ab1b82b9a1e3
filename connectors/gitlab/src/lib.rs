//! nhi connector for GitLab: groups (with their subgroups), projects, and the instance.
//!
//! For each group or project it lists the non-human identities and what makes them dangerous:
//! project and group access tokens (bot users), deploy tokens and deploy keys, pipeline trigger
//! tokens, CI/CD variables (keys and settings, never values), runner registration tokens still
//! enabled, group runners and service accounts. With `--gitlab-instance` and an administrator's
//! token it reads the instance-wide listings too: every personal access token, instance deploy
//! keys and tokens, every runner, service accounts and instance variables. Members are read so
//! that a trigger token or PAT whose owner left, was blocked or deactivated can be told.
//!
//! Each identity kind is its own source in the report: a kind the token may not read is
//! `skipped` with what to grant, while the rest is still reported; a project that refuses makes
//! its kinds `partial`, naming it.
//!
//! Layout: [`client`] is the transport (token, retries, rate limits, pagination), `fetch`
//! makes the requests, `coverage` says how completely each kind was read, [`normalize`] (pure)
//! maps payloads to identities and workloads, [`types`] holds the wire formats.

pub mod client;
mod coverage;
mod fetch;
pub mod normalize;
pub mod types;

pub use client::Limits;
use client::{Api, Listing};
use coverage::Tally;
use nhi_api::{kinds, BoxFuture, CollectContext, Connector, Inventory, Secret, SourceReport};
use nhi_http::Sleeper;
use normalize::{GroupData, ProjectData, ScopeData};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub const CONNECTOR: &str = "gitlab";
pub const DEFAULT_URL: &str = "https://gitlab.com";
/// Where the token comes from; never from the command line.
pub const TOKEN_VARS: &[&str] = &["GITLAB_TOKEN"];

#[derive(Debug, Clone)]
pub struct GitlabOptions {
    /// The instance: `https://gitlab.com` or a self-managed `https://gitlab.example.com`.
    pub url: String,
    /// Groups to read, each with its subgroups and their projects.
    pub groups: Vec<String>,
    /// Single projects to read (`acme/web`).
    pub projects: Vec<String>,
    /// Read the instance-wide listings (needs an administrator's token).
    pub instance: bool,
    /// Projects read at once.
    pub concurrency: usize,
    pub limits: Limits,
}

impl Default for GitlabOptions {
    fn default() -> Self {
        GitlabOptions {
            url: DEFAULT_URL.into(),
            groups: Vec::new(),
            projects: Vec::new(),
            instance: false,
            concurrency: 4,
            limits: Limits::default(),
        }
    }
}

pub struct Gitlab {
    options: GitlabOptions,
    token: Secret,
    sleeper: Arc<dyn Sleeper>,
}

impl Gitlab {
    pub fn new(options: GitlabOptions, token: Secret, sleeper: Arc<dyn Sleeper>) -> Self {
        Gitlab {
            options,
            token,
            sleeper,
        }
    }

    /// Every scope asked for, as the names their reports carry.
    fn scopes(&self) -> Vec<String> {
        let mut s: Vec<String> = self.options.groups.clone();
        s.extend(self.options.projects.iter().cloned());
        if self.options.instance {
            s.push(instance_scope(&self.options.url));
        }
        s
    }

    async fn collect_all(&self, ctx: &CollectContext) -> Inventory {
        let mut inventory = Inventory::default();
        let api = match Api::new(
            &self.options.url,
            &self.token,
            self.sleeper.clone(),
            self.options.limits.clone(),
        ) {
            Ok(api) => api,
            Err(e) => {
                for scope in self.scopes() {
                    inventory.sources.push(SourceReport::failed(
                        CONNECTOR,
                        &scope,
                        &self.options.url,
                        format!("cannot set up the GitLab client: {e}; give --gitlab-url as https://HOST"),
                    ));
                }
                return inventory;
            }
        };
        let url = self.options.url.trim_end_matches('/').to_string();
        let concurrency = self.options.concurrency.max(1);
        let total = self.options.groups.len() + self.options.projects.len();
        ctx.start("GitLab groups and projects", total as u64);
        for group in &self.options.groups {
            let inv = scan(&api, &url, group, Target::Group, concurrency, ctx).await;
            ctx.advance("GitLab groups and projects", group, inv.identities.len());
            inventory.merge(inv);
        }
        for project in &self.options.projects {
            let inv = scan(&api, &url, project, Target::Project, concurrency, ctx).await;
            ctx.advance("GitLab groups and projects", project, inv.identities.len());
            inventory.merge(inv);
        }
        if self.options.instance {
            inventory.merge(scan_instance(&api, &url).await);
        } else if total > 0 {
            // Without an admin token the PAT listing answers the caller's own tokens.
            inventory.merge(scan_own(&api, &url).await);
        }
        inventory
    }
}

impl Connector for Gitlab {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn collect<'a>(&'a self, ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(self.collect_all(ctx))
    }
}

fn instance_scope(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| url.to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Group,
    Project,
}

/// Ids of a listing's members that are active, or `None` when it is incomplete.
fn member_ids(listing: &Listing<types::Member>) -> Option<BTreeSet<u64>> {
    listing
        .complete()
        .then(|| listing.items.iter().map(|m| m.id).collect())
}

/// One group or project, read top to bottom: fetch, separate data from coverage, normalize,
/// report.
async fn scan(
    api: &Api,
    url: &str,
    scope: &str,
    target: Target,
    concurrency: usize,
    ctx: &CollectContext,
) -> Inventory {
    let before = api.requests();
    let mut inventory = Inventory::default();
    let fetched = match target {
        Target::Group => fetch::group(api, scope, concurrency, ctx).await,
        Target::Project => fetch::project(api, scope).await,
    };
    let what = if target == Target::Group {
        "group"
    } else {
        "project"
    };
    let f = match fetched {
        Ok(f) => f,
        Err(e) => {
            inventory
                .sources
                .push(coverage::unreadable(api.base_url(), what, scope, &e));
            return inventory;
        }
    };
    let mut data = ScopeData {
        scope: scope.to_string(),
        url: url.to_string(),
        ..Default::default()
    };
    let mut problems: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    // Members: departed owners are judged only on a complete list.
    if let Some(members) = &f.members {
        data.members = member_ids(members);
        if data.members.is_none() {
            let why = members
                .stop
                .as_ref()
                .map(|e| e.to_string())
                .or(members.off_host.clone())
                .unwrap_or_default();
            notes.push(format!(
                "member list not read to the end ({why}): whether trigger token owners left is judged only from their state and their project's members"
            ));
        }
    }
    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut t = |kind: &'static str, whom: &str, l: &dyn Fn(&mut Tally, &str)| {
        l(tallies.entry(kind).or_default(), whom)
    };
    for g in &f.groups {
        let path = g.group.full_path.as_str();
        t(kinds::GITLAB_GROUP_ACCESS_TOKEN, path, &|x, w| {
            x.add(w, &g.access_tokens)
        });
        t(kinds::GITLAB_DEPLOY_TOKEN, path, &|x, w| {
            x.add(w, &g.deploy_tokens)
        });
        t(kinds::GITLAB_CI_VARIABLE, path, &|x, w| {
            x.add(w, &g.variables)
        });
        data.groups.push(GroupData {
            path: path.to_string(),
            registration_token: g.group.runners_token == Some(true),
            access_tokens: g.access_tokens.items.clone(),
            deploy_tokens: g.deploy_tokens.items.clone(),
            variables: g.variables.items.clone(),
        });
    }
    for p in &f.projects {
        let path = p.project.path_with_namespace.as_str();
        t(kinds::GITLAB_PROJECT_ACCESS_TOKEN, path, &|x, w| {
            x.add(w, &p.access_tokens)
        });
        t(kinds::GITLAB_DEPLOY_TOKEN, path, &|x, w| {
            x.add(w, &p.deploy_tokens)
        });
        t(kinds::GITLAB_DEPLOY_KEY, path, &|x, w| {
            x.add(w, &p.deploy_keys)
        });
        t(kinds::GITLAB_TRIGGER_TOKEN, path, &|x, w| {
            x.add(w, &p.triggers)
        });
        t(kinds::GITLAB_CI_VARIABLE, path, &|x, w| {
            x.add(w, &p.variables)
        });
        let members = p.members.as_ref().and_then(member_ids);
        if p.members.is_some() && members.is_none() {
            t(kinds::GITLAB_TRIGGER_TOKEN, path, &|x, w| {
                x.note(format!("members of {w} not read to the end: whether its trigger token owners left is judged from their state only"))
            });
        }
        for m in p.members.iter().flat_map(|l| l.items.iter()) {
            data.users.entry(m.id).or_insert_with(|| types::User {
                id: m.id,
                username: m.username.clone(),
                state: m.state.clone(),
                bot: None,
                user_type: None,
            });
        }
        data.projects.push(ProjectData {
            path: path.to_string(),
            id: p.project.id,
            namespace_id: p.project.namespace.as_ref().and_then(|n| n.id),
            archived: p.project.archived,
            default_branch: p.project.default_branch.clone(),
            registration_token: p.project.runners_token == Some(true),
            access_tokens: p.access_tokens.items.clone(),
            deploy_tokens: p.deploy_tokens.items.clone(),
            deploy_keys: p.deploy_keys.items.clone(),
            triggers: p.triggers.items.clone(),
            variables: p.variables.items.clone(),
            protected_branches: p
                .protected_branches
                .complete()
                .then(|| p.protected_branches.items.clone()),
            members,
        });
    }
    if let Some(members) = &f.members {
        for m in &members.items {
            data.users.entry(m.id).or_insert_with(|| types::User {
                id: m.id,
                username: m.username.clone(),
                state: m.state.clone(),
                bot: None,
                user_type: None,
            });
        }
    }
    if let Some(l) = &f.service_accounts {
        t(kinds::GITLAB_SERVICE_ACCOUNT, scope, &|x, w| x.add(w, l));
        data.service_accounts = l.items.clone();
    }
    if let Some(l) = &f.runners {
        t(kinds::GITLAB_RUNNER, scope, &|x, w| x.add(w, l));
        data.runners = l.items.clone();
    }
    for (what, listing) in [
        ("subgroups", f.subgroups.as_ref().map(listing_state)),
        ("projects", f.project_listing.as_ref().map(listing_state)),
    ] {
        match listing {
            Some((Some(stop), _)) => problems.push(format!(
                "{what} not listed completely ({stop}): their identities are missing"
            )),
            Some((None, Some(note))) => notes.push(format!("{what} listing: {note}")),
            _ => {}
        }
    }
    let identities = normalize::identities(&data);
    inventory.workloads = normalize::workloads(&data);
    let base = api.base_url();
    let origin_of = |what: &str| match target {
        Target::Group => format!("/groups/{}/{what}", nhi_http::segment(scope)),
        Target::Project => format!("/projects/{}/{what}", nhi_http::segment(scope)),
    };
    for (kind, tally) in tallies {
        let origin = match kind {
            kinds::GITLAB_PROJECT_ACCESS_TOKEN => "/projects/*/access_tokens".to_string(),
            kinds::GITLAB_GROUP_ACCESS_TOKEN => origin_of("access_tokens"),
            kinds::GITLAB_DEPLOY_TOKEN => origin_of("deploy_tokens"),
            kinds::GITLAB_DEPLOY_KEY => "/projects/*/deploy_keys".to_string(),
            kinds::GITLAB_TRIGGER_TOKEN => "/projects/*/triggers".to_string(),
            kinds::GITLAB_CI_VARIABLE => origin_of("variables"),
            kinds::GITLAB_SERVICE_ACCOUNT => origin_of("service_accounts"),
            kinds::GITLAB_RUNNER => origin_of("runners"),
            _ => origin_of(""),
        };
        inventory
            .sources
            .push(tally.report(base, scope, kind, &origin, &identities));
    }
    let requests = api.requests() - before;
    let members = data
        .members
        .as_ref()
        .map_or_else(|| "unknown".to_string(), |m| m.len().to_string());
    let summary = match target {
        Target::Group => format!(
            "{} groups, {} projects, members {members}; {requests} API requests",
            f.groups.len(),
            f.projects.len()
        ),
        Target::Project => format!("1 project; {requests} API requests"),
    };
    let summary = std::iter::once(summary)
        .chain(notes)
        .collect::<Vec<_>>()
        .join("; ");
    let origin = format!("{base}{}", origin_of("").trim_end_matches('/'));
    let report = if problems.is_empty() {
        SourceReport::ok(CONNECTOR, scope, origin).message(summary)
    } else {
        SourceReport::partial(
            CONNECTOR,
            scope,
            origin,
            format!("{summary}; {}", problems.join("; ")),
        )
    };
    inventory.sources.push(report.identities(identities.len()));
    inventory.identities = identities;
    inventory
}

fn listing_state<T>(l: &Listing<T>) -> (Option<String>, Option<String>) {
    (l.stop.as_ref().map(|e| e.to_string()), l.off_host.clone())
}

/// The token's own user and its personal access tokens.
async fn scan_own(api: &Api, url: &str) -> Inventory {
    let mut inventory = Inventory::default();
    let (me, pats) = fetch::own(api).await;
    let me = match me {
        Ok(me) => me,
        Err(e) => {
            // The groups' own reports already say why a refused token fails.
            tracing::info!(error = %e, "GitLab: the token's own user is unreadable");
            return inventory;
        }
    };
    let scope = format!("@{}", me.username);
    let mut data = ScopeData {
        scope: scope.clone(),
        url: url.to_string(),
        ..Default::default()
    };
    data.users.insert(me.id, me.clone());
    data.pats = pats.items.clone();
    let identities = normalize::identities(&data);
    let mut tally = Tally::default();
    tally.add(&scope, &pats);
    tally.note(format!(
        "the token's own user's tokens only; {}",
        coverage::grant_hint(kinds::GITLAB_PERSONAL_ACCESS_TOKEN)
    ));
    inventory.sources.push(tally.report(
        api.base_url(),
        &scope,
        kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
        "/personal_access_tokens",
        &identities,
    ));
    inventory.identities = identities;
    inventory
}

/// The instance-wide listings (`--gitlab-instance`): each kind an administrator's token reads.
async fn scan_instance(api: &Api, url: &str) -> Inventory {
    let before = api.requests();
    let scope = instance_scope(url);
    let mut inventory = Inventory::default();
    let i = fetch::instance(api).await;
    let mut data = ScopeData {
        scope: scope.clone(),
        url: url.to_string(),
        ..Default::default()
    };
    for u in &i.users.items {
        data.users.insert(u.id, u.clone());
    }
    if i.users.complete() {
        // On the instance, "member" is "has an account": blocked and deactivated users are
        // told by their state.
        data.members = Some(data.users.keys().copied().collect());
    }
    data.pats = i.pats.items.clone();
    data.deploy_tokens = i.deploy_tokens.items.clone();
    data.deploy_keys = i.deploy_keys.items.clone();
    data.runners = i.runners.items.clone();
    data.service_accounts = i.service_accounts.items.clone();
    data.variables = i.variables.items.clone();
    let identities = normalize::identities(&data);
    let admin =
        "needs an administrator's token (read_api; with admin mode on, the admin_mode scope too)";
    let base = api.base_url();
    for (kind, origin, tally) in [
        (
            kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
            "/personal_access_tokens",
            tally_of(&scope, &i.pats),
        ),
        (
            kinds::GITLAB_DEPLOY_TOKEN,
            "/deploy_tokens",
            tally_of(&scope, &i.deploy_tokens),
        ),
        (
            kinds::GITLAB_DEPLOY_KEY,
            "/deploy_keys",
            tally_of(&scope, &i.deploy_keys),
        ),
        (
            kinds::GITLAB_RUNNER,
            "/runners/all",
            tally_of(&scope, &i.runners),
        ),
        (
            kinds::GITLAB_SERVICE_ACCOUNT,
            "/service_accounts",
            tally_of(&scope, &i.service_accounts),
        ),
        (
            kinds::GITLAB_CI_VARIABLE,
            "/admin/ci/variables",
            tally_of(&scope, &i.variables),
        ),
    ] {
        let mut report = tally.report(base, &scope, kind, origin, &identities);
        if report.status == nhi_api::SourceStatus::Skipped {
            let m = report.message.take().unwrap_or_default();
            report.message = Some(format!("{m}; the instance-wide listing {admin}"));
        }
        inventory.sources.push(report);
    }
    let users = if i.users.complete() {
        format!("{} users", i.users.items.len())
    } else {
        "users unknown (the user listing needs an administrator's token): departed owners are told only by state".to_string()
    };
    inventory.sources.push(
        SourceReport::ok(CONNECTOR, &scope, format!("{base}/"))
            .message(format!(
                "instance-wide listings; {users}; {} API requests",
                api.requests() - before
            ))
            .identities(identities.len()),
    );
    inventory.identities = identities;
    inventory
}

fn tally_of<T>(scope: &str, l: &Listing<T>) -> Tally {
    let mut t = Tally::default();
    t.add(scope, l);
    t
}
