//! nhi connector for GitHub organizations.
//!
//! For each organization it lists the non-human identities and what makes them dangerous:
//! GitHub App installations, every repository's deploy keys, fine-grained PATs granted access
//! (and pending requests), SAML credential authorizations (classic PATs, SSH keys), Actions
//! secrets at organization, repository and environment level, and the organization's default
//! workflow token permissions. Members and outside collaborators are listed so that identities
//! whose creator or owner has left can be told apart.
//!
//! Each identity kind is its own source in the report: a kind the token may not read (the PAT
//! listing needs a GitHub App) is `skipped` with what to grant, while the rest of the
//! organization is still reported. Repository-level kinds say how many repositories were read.
//!
//! Calls: one GraphQL query per 100 repositories finds which have deploy keys and what
//! environments they have; then one REST call per repository for its secrets, one per repository
//! that has deploy keys, and one per environment. Without GraphQL (GitHub Enterprise Server
//! without it, test servers) the repository list, keys and environments come from REST.

pub mod client;
pub mod normalize;
pub mod types;

use client::{Api, ApiError, Listing};
pub use client::{Auth, Limits};
use futures_util::stream::{self, StreamExt};
use nhi_api::{kinds, BoxFuture, CollectContext, Connector, Inventory, SourceReport, SourceStatus};
use nhi_http::{segment, Sleeper};
use normalize::OrgData;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use types::{
    ActionsSecret, CredentialAuthorization, DeployKey, Environment, FineGrainedPat, Installation,
    Member, OidcSubject, Org, Repo, WorkflowPermissions,
};

pub const CONNECTOR: &str = "github";
pub const DEFAULT_URL: &str = "https://api.github.com";
/// Where a token comes from; never from the command line.
pub const TOKEN_VARS: &[&str] = &["GITHUB_TOKEN", "GH_TOKEN"];
const PER_PAGE: &str = "per_page=100";

#[derive(Debug, Clone)]
pub struct GithubOptions {
    /// REST API base: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise
    /// Server.
    pub api_url: String,
    pub orgs: Vec<String>,
    /// Repositories read at once per organization. GitHub asks integrations not to make many
    /// concurrent requests (secondary rate limits), so this stays small.
    pub concurrency: usize,
    pub limits: Limits,
}

impl Default for GithubOptions {
    fn default() -> Self {
        GithubOptions {
            api_url: DEFAULT_URL.into(),
            orgs: Vec::new(),
            concurrency: 4,
            limits: Limits::default(),
        }
    }
}

pub struct Github {
    options: GithubOptions,
    auth: Auth,
    sleeper: Arc<dyn Sleeper>,
}

impl Github {
    pub fn new(options: GithubOptions, auth: Auth, sleeper: Arc<dyn Sleeper>) -> Self {
        Github {
            options,
            auth,
            sleeper,
        }
    }

    fn failed(&self, org: &str, message: String) -> SourceReport {
        SourceReport {
            connector: CONNECTOR.into(),
            scope: org.to_string(),
            origin: format!("{}/orgs/{org}", self.options.api_url.trim_end_matches('/')),
            kind: None,
            status: SourceStatus::Failed,
            identities: 0,
            message: Some(message),
        }
    }

    async fn collect_all(&self, ctx: &CollectContext) -> Inventory {
        let mut inventory = Inventory::default();
        let api = match Api::new(
            &self.options.api_url,
            &self.auth,
            self.sleeper.clone(),
            self.options.limits.clone(),
        )
        .await
        {
            Ok(api) => api,
            Err(e) => {
                for org in &self.options.orgs {
                    inventory
                        .sources
                        .push(self.failed(org, format!("cannot set up the GitHub client: {e}")));
                }
                return inventory;
            }
        };
        ctx.start("GitHub organizations", self.options.orgs.len() as u64);
        for org in &self.options.orgs {
            let before = api.requests();
            let inv = scan_org(&api, org, self.options.concurrency.max(1), ctx).await;
            tracing::info!(
                org,
                requests = api.requests() - before,
                identities = inv.identities.len(),
                "GitHub organization read"
            );
            ctx.advance("GitHub organizations", org, inv.identities.len());
            inventory.merge(inv);
        }
        inventory
    }
}

impl Connector for Github {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn collect<'a>(&'a self, ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(self.collect_all(ctx))
    }
}

/// What to tell a person whose token may not read a kind.
fn grant_hint(kind: &str) -> &'static str {
    match kind {
        kinds::GITHUB_APP_INSTALLATION => "grant the organization permission \"Administration: read\" (fine-grained token or GitHub App), or use an organization owner's classic token with read:org",
        kinds::GITHUB_FINE_GRAINED_PAT => "only a GitHub App can list fine-grained PATs: run with --github-app-id, --github-app-key and --github-installation-id of an app with the organization permission \"Personal access tokens: read\"",
        kinds::GITHUB_CREDENTIAL_AUTHORIZATION => "this listing exists only for organizations with SAML single sign-on (GitHub Enterprise Cloud) and needs an organization owner's token with read:org",
        kinds::GITHUB_DEPLOY_KEY => "grant the repository permission \"Administration: read\" (fine-grained token or GitHub App), or use a classic token with repo scope held by a repository admin",
        kinds::GITHUB_ACTIONS_SECRET => "grant \"Secrets: read\" on the organization and its repositories (fine-grained token or GitHub App), or a classic token with repo and admin:org scopes",
        kinds::GITHUB_WORKFLOW_TOKEN => "grant the organization permission \"Administration: read\", or a classic token with admin:org",
        _ => "check the token's permissions",
    }
}

/// How one identity kind of one organization was read.
#[derive(Default)]
struct KindOutcome {
    /// The main listing was refused (403/404): the kind is skipped.
    refused: Option<ApiError>,
    problems: Vec<String>,
    /// Said in the report without making the kind partial.
    notes: Vec<String>,
}

impl KindOutcome {
    fn listing<T>(&mut self, listing: &Listing<T>, what: &str) {
        if let Some(first) = listing.item_errors.first() {
            self.problems.push(format!(
                "{} {what} could not be read, first: {first}",
                listing.item_errors.len()
            ));
        }
        if let Some(stop) = &listing.stop {
            self.problems.push(stop.to_string());
        }
        self.notes.extend(listing.off_host.clone());
    }

    /// Record a top-level listing: a refusal skips the kind.
    fn main<T>(&mut self, listing: &Listing<T>, what: &str) {
        match &listing.stop {
            // Skipped only when nothing at all came back; a refusal after some pages is a gap.
            Some(e)
                if e.is_refusal() && listing.items.is_empty() && listing.item_errors.is_empty() =>
            {
                self.refused = Some(e.clone());
            }
            _ => self.listing(listing, what),
        }
    }
}

fn kind_report(
    api: &Api,
    org: &str,
    kind: &str,
    path: &str,
    identities: usize,
    outcome: KindOutcome,
) -> SourceReport {
    let notes = outcome.notes.join("; ");
    let with_notes = |m: String| match (m.is_empty(), notes.is_empty()) {
        (_, true) => m,
        (true, false) => notes.clone(),
        (false, false) => format!("{m}; {notes}"),
    };
    let (status, message) = match outcome.refused {
        Some(e) => (
            SourceStatus::Skipped,
            format!("not readable with this token ({e}); {}", grant_hint(kind)),
        ),
        None if outcome.problems.is_empty() => (SourceStatus::Ok, String::new()),
        None => (SourceStatus::Partial, outcome.problems.join("; ")),
    };
    let message = Some(with_notes(message)).filter(|m| !m.is_empty());
    SourceReport {
        connector: CONNECTOR.into(),
        scope: org.to_string(),
        origin: format!("{}{path}", api.base_url()),
        kind: Some(kind.to_string()),
        status,
        identities,
        message,
    }
}

/// A repository and what GraphQL already told about it.
struct RepoInfo {
    full_name: String,
    /// Deploy keys it has; `None` when unknown (REST must be asked).
    deploy_keys: Option<u64>,
    /// Its environments; `None` when unknown.
    environments: Option<Vec<String>>,
}

const REPOS_QUERY: &str = "query($org: String!, $cursor: String) {
  organization(login: $org) {
    repositories(first: 100, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes {
        name
        owner { login }
        deployKeys { totalCount }
        environments(first: 100) { totalCount nodes { name } }
      }
    }
  }
}";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlData {
    organization: Option<GqlOrg>,
}
#[derive(Deserialize)]
struct GqlOrg {
    repositories: GqlRepos,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlRepos {
    page_info: GqlPageInfo,
    #[serde(default)]
    nodes: Vec<Option<GqlRepo>>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlPageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlRepo {
    name: String,
    owner: types::Account,
    deploy_keys: Option<GqlCount>,
    environments: Option<GqlEnvironments>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlCount {
    total_count: u64,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlEnvironments {
    total_count: u64,
    #[serde(default)]
    nodes: Vec<Option<Environment>>,
}

/// The organization's repositories with deploy-key counts and environments, by GraphQL, 100 a
/// request. `Err` when GraphQL is not available or refuses: the caller falls back to REST.
async fn repos_by_graphql(api: &Api, org: &str) -> Result<Vec<RepoInfo>, ApiError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut seen = BTreeSet::new();
    loop {
        let data = api
            .graphql(
                REPOS_QUERY,
                serde_json::json!({ "org": org, "cursor": cursor }),
            )
            .await?;
        let data: GqlData = serde_json::from_value(data).map_err(|e| ApiError::Decode {
            path: "/graphql".into(),
            detail: e.to_string(),
        })?;
        let Some(found) = data.organization else {
            return Err(ApiError::Decode {
                path: "/graphql".into(),
                detail: format!("organization {org} not found"),
            });
        };
        let repos = found.repositories;
        for node in repos.nodes.into_iter().flatten() {
            let environments = node.environments.and_then(|e| {
                let names: Vec<String> = e.nodes.into_iter().flatten().map(|n| n.name).collect();
                (names.len() as u64 >= e.total_count).then_some(names)
            });
            out.push(RepoInfo {
                full_name: format!("{}/{}", node.owner.login, node.name),
                deploy_keys: node.deploy_keys.map(|d| d.total_count),
                environments,
            });
        }
        match (repos.page_info.has_next_page, repos.page_info.end_cursor) {
            (true, Some(next)) if seen.insert(next.clone()) => cursor = Some(next),
            (true, _) => {
                return Err(ApiError::Decode {
                    path: "/graphql".into(),
                    detail: "repository pagination did not advance".into(),
                })
            }
            (false, _) => return Ok(out),
        }
    }
}

/// What was read from one repository.
#[derive(Default)]
struct RepoRead {
    keys: Vec<(String, DeployKey)>,
    keys_error: Option<ApiError>,
    secrets: Vec<(String, ActionsSecret)>,
    secrets_error: Option<ApiError>,
    env_secrets: Vec<(String, String, ActionsSecret)>,
    env_error: Option<ApiError>,
    item_errors: Vec<String>,
    /// Listings that ended at a link to another host: (kind, note).
    off_host: Vec<(&'static str, String)>,
}

impl RepoRead {
    /// Keep a listing's item errors and off-host note; hand back its items and why it stopped.
    fn absorb<T>(&mut self, kind: &'static str, listing: Listing<T>) -> (Vec<T>, Option<ApiError>) {
        self.item_errors.extend(listing.item_errors);
        self.off_host
            .extend(listing.off_host.map(|note| (kind, note)));
        (listing.items, listing.stop)
    }
}

async fn read_repo(api: &Api, repo: &RepoInfo) -> RepoRead {
    let mut read = RepoRead::default();
    let (owner, name) = repo
        .full_name
        .split_once('/')
        .unwrap_or(("", repo.full_name.as_str()));
    let base = format!("/repos/{}/{}", segment(owner), segment(name));
    if repo.deploy_keys != Some(0) {
        let keys = api.list(format!("{base}/keys?{PER_PAGE}"), None).await;
        let (keys, stop) = read.absorb(kinds::GITHUB_DEPLOY_KEY, keys);
        read.keys_error = stop;
        read.keys = keys
            .into_iter()
            .map(|k| (repo.full_name.clone(), k))
            .collect();
    }
    let secrets = api
        .list(
            format!("{base}/actions/secrets?{PER_PAGE}"),
            Some("secrets"),
        )
        .await;
    let (secrets, stop) = read.absorb(kinds::GITHUB_ACTIONS_SECRET, secrets);
    read.secrets_error = stop;
    read.secrets = secrets
        .into_iter()
        .map(|s| (repo.full_name.clone(), s))
        .collect();
    let environments = match &repo.environments {
        Some(names) => names.clone(),
        None => {
            let envs = api
                .list(
                    format!("{base}/environments?{PER_PAGE}"),
                    Some("environments"),
                )
                .await;
            let (envs, stop): (Vec<Environment>, _) =
                read.absorb(kinds::GITHUB_ACTIONS_SECRET, envs);
            match stop {
                // A repository without environments answers 404 on some servers.
                Some(e) if e.status() == Some(404) => Vec::new(),
                Some(e) => {
                    read.env_error = Some(e);
                    Vec::new()
                }
                None => envs.into_iter().map(|e| e.name).collect(),
            }
        }
    };
    for env in environments {
        let list = api
            .list(
                format!("{base}/environments/{}/secrets?{PER_PAGE}", segment(&env)),
                Some("secrets"),
            )
            .await;
        let (secrets, stop): (Vec<ActionsSecret>, _) =
            read.absorb(kinds::GITHUB_ACTIONS_SECRET, list);
        if let Some(e) = stop {
            read.env_error.get_or_insert(e);
        }
        read.env_secrets.extend(
            secrets
                .into_iter()
                .map(|s| (repo.full_name.clone(), env.clone(), s)),
        );
    }
    read
}

async fn read_repo_with_progress(
    api: &Api,
    repo: &RepoInfo,
    ctx: &CollectContext,
    progress: &str,
) -> RepoRead {
    let read = read_repo(api, repo).await;
    ctx.advance(
        progress,
        &repo.full_name,
        read.keys.len() + read.secrets.len() + read.env_secrets.len(),
    );
    read
}

/// Coverage of one repository-level kind: how many repositories were read, and why not the rest.
struct Coverage {
    total: usize,
    read: usize,
    refused: Vec<(String, ApiError)>,
    failed: Vec<(String, ApiError)>,
}

impl Coverage {
    fn new(total: usize) -> Self {
        Coverage {
            total,
            read: 0,
            refused: Vec::new(),
            failed: Vec::new(),
        }
    }

    fn add(&mut self, repo: &str, error: Option<&ApiError>) {
        match error {
            None => self.read += 1,
            Some(e) if e.is_refusal() => self.refused.push((repo.to_string(), e.clone())),
            Some(e) => self.failed.push((repo.to_string(), e.clone())),
        }
    }

    fn outcome(self, kind: &str, repos_listed: bool, what: &str) -> KindOutcome {
        let mut outcome = KindOutcome::default();
        if self.total > 0 && self.read == 0 && self.failed.is_empty() && repos_listed {
            if let Some((_, e)) = self.refused.first() {
                outcome.refused = Some(e.clone());
                return outcome;
            }
        }
        if self.refused.is_empty() && self.failed.is_empty() {
            return outcome;
        }
        let mut message = format!(
            "{what} read for {} of {} repositories",
            self.read, self.total
        );
        if let Some((repo, e)) = self.refused.first() {
            message.push_str(&format!(
                "; {} refused (first {repo}: {e}); {}",
                self.refused.len(),
                grant_hint(kind)
            ));
        }
        if let Some((repo, e)) = self.failed.first() {
            message.push_str(&format!(
                "; {} failed (first {repo}: {e})",
                self.failed.len()
            ));
        }
        outcome.problems.push(message);
        outcome
    }
}

async fn scan_org(api: &Api, org: &str, concurrency: usize, ctx: &CollectContext) -> Inventory {
    let mut inventory = Inventory::default();
    let o = segment(org);
    let org_path = format!("/orgs/{o}");
    let org_report = |status, message: String, identities| SourceReport {
        connector: CONNECTOR.into(),
        scope: org.to_string(),
        origin: format!("{}{org_path}", api.base_url()),
        kind: None,
        status,
        identities,
        message: Some(message),
    };
    let requests_before = api.requests();
    if let Err(e) = api.get::<Org>(org_path.clone()).await {
        let message = match e.status() {
            Some(401) => format!(
                "the token was refused ({e}): set GITHUB_TOKEN (or GH_TOKEN) to a valid token, or check the GitHub App's key and installation id"
            ),
            Some(404) => format!(
                "organization {org} was not found or is not visible to this token ({e}); check the name and that the token's owner (or app) belongs to it"
            ),
            _ => format!("cannot read organization {org}: {e}"),
        };
        inventory
            .sources
            .push(org_report(SourceStatus::Failed, message, 0));
        return inventory;
    }

    // Organization-wide listings, side by side.
    let (
        members,
        collaborators,
        installations,
        pats,
        pat_requests,
        credentials,
        org_secrets,
        workflow,
        oidc,
    ) = futures_util::join!(
        api.list::<Member>(format!("{org_path}/members?{PER_PAGE}"), None),
        api.list::<Member>(format!("{org_path}/outside_collaborators?{PER_PAGE}"), None),
        api.list::<Installation>(
            format!("{org_path}/installations?{PER_PAGE}"),
            Some("installations")
        ),
        api.list::<FineGrainedPat>(
            format!("{org_path}/personal-access-tokens?{PER_PAGE}"),
            None
        ),
        api.list::<FineGrainedPat>(
            format!("{org_path}/personal-access-token-requests?{PER_PAGE}"),
            None
        ),
        api.list::<CredentialAuthorization>(
            format!("{org_path}/credential-authorizations?{PER_PAGE}"),
            None
        ),
        api.list::<ActionsSecret>(
            format!("{org_path}/actions/secrets?{PER_PAGE}"),
            Some("secrets")
        ),
        api.get::<WorkflowPermissions>(format!("{org_path}/actions/permissions/workflow")),
        api.get::<OidcSubject>(format!("{org_path}/actions/oidc/customization/sub")),
    );

    // Repositories: GraphQL (with deploy-key counts and environments), else REST.
    let mut org_problems = Vec::new();
    let mut org_problems_notes: Vec<String> = Vec::new();
    let mut repos_listed = true;
    let repos = match repos_by_graphql(api, org).await {
        Ok(repos) => repos,
        Err(e) => {
            tracing::info!(org, error = %e, "GraphQL not available; listing repositories by REST");
            let listing: Listing<Repo> = api
                .list(format!("{org_path}/repos?type=all&{PER_PAGE}"), None)
                .await;
            if let Some(stop) = &listing.stop {
                repos_listed = false;
                org_problems.push(format!("repository list incomplete: {stop}"));
            }
            org_problems_notes.extend(listing.off_host.clone());
            if let Some(first) = listing.item_errors.first() {
                org_problems.push(format!(
                    "{} repositories could not be read, first: {first}",
                    listing.item_errors.len()
                ));
            }
            listing
                .items
                .into_iter()
                .map(|r| RepoInfo {
                    full_name: r.full_name.clone().unwrap_or_else(|| {
                        format!(
                            "{}/{}",
                            r.owner.as_ref().map(|o| o.login.as_str()).unwrap_or(org),
                            r.name
                        )
                    }),
                    deploy_keys: None,
                    environments: None,
                })
                .collect()
        }
    };

    let progress = format!("GitHub repositories ({org})");
    ctx.start(&progress, repos.len() as u64);
    // Indices, not references, keep the closure's type free of a borrowed argument (a
    // borrowed argument trips the compiler's `Send` check on the boxed future).
    let reads: Vec<RepoRead> = stream::iter(0..repos.len())
        .map(|i| read_repo_with_progress(api, &repos[i], ctx, &progress))
        .buffered(concurrency)
        .collect()
        .await;

    // Who is still in the organization. A refusal is a note (only departures go unjudged); an
    // error that is not one makes the organization partial.
    let mut who = |listing: &Listing<Member>, what: &str, consequence: &str| {
        let unread = match (&listing.stop, &listing.off_host) {
            (None, None) => {
                return Some(
                    listing
                        .items
                        .iter()
                        .map(|m| m.login.to_ascii_lowercase())
                        .collect::<BTreeSet<String>>(),
                )
            }
            (Some(e), _) if !e.is_refusal() => {
                org_problems.push(format!("{what} unreadable ({e}): {consequence}"));
                return None;
            }
            (Some(e), _) => format!("{what} not readable with this token ({e})"),
            (None, Some(note)) => format!("{what} not read to the end ({note})"),
        };
        org_problems_notes.push(format!("{unread}: {consequence}"));
        None
    };
    let member_set = who(
        &members,
        "member list",
        "whether owners and creators left is not judged",
    );
    let collaborator_set = who(
        &collaborators,
        "outside collaborator list",
        "deploy keys added by people outside the member list are not judged departed",
    );
    let mut data = OrgData {
        org: org.to_string(),
        api_url: api.base_url().to_string(),
        members: member_set,
        collaborators: collaborator_set,
        ..Default::default()
    };

    let mut out_installations = KindOutcome::default();
    out_installations.main(&installations, "installations");
    data.installations = installations.items;

    let mut out_pats = KindOutcome::default();
    out_pats.main(&pats, "fine-grained PATs");
    if out_pats.refused.is_none() {
        // Requests are read with the same permission; their refusal alone is a gap.
        out_pats.listing(&pat_requests, "fine-grained PAT requests");
    }
    data.pats = pats.items;
    data.pat_requests = pat_requests.items;

    let mut out_credentials = KindOutcome::default();
    out_credentials.main(&credentials, "credential authorizations");
    data.credential_authorizations = credentials.items;

    let mut out_workflow = KindOutcome::default();
    match workflow {
        Ok(w) => data.workflow = Some(w),
        Err(e) if e.is_refusal() => out_workflow.refused = Some(e),
        Err(e) => out_workflow.problems.push(e.to_string()),
    }
    match oidc {
        Ok(o) => data.oidc_sub_claim_keys = o.include_claim_keys,
        // Not customized (or not visible): the default subject; nothing is judged on it yet.
        Err(e) if e.is_refusal() => {}
        Err(e) => out_workflow
            .notes
            .push(format!("OIDC subject claims unreadable: {e}")),
    }

    let mut out_secrets = KindOutcome::default();
    let mut secrets_cov = Coverage::new(repos.len());
    let mut keys_cov = Coverage::new(repos.len());
    let mut env_cov = Coverage::new(repos.len());
    let mut item_errors = Vec::new();
    let mut repo_notes: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (repo, read) in repos.iter().zip(reads) {
        keys_cov.add(&repo.full_name, read.keys_error.as_ref());
        secrets_cov.add(&repo.full_name, read.secrets_error.as_ref());
        env_cov.add(&repo.full_name, read.env_error.as_ref());
        for (kind, note) in read.off_host {
            repo_notes.entry(kind).or_default().push(note);
        }
        data.deploy_keys.extend(read.keys);
        data.repo_secrets.extend(read.secrets);
        data.env_secrets.extend(read.env_secrets);
        item_errors.extend(read.item_errors);
    }
    let org_secrets_refused = org_secrets
        .stop
        .as_ref()
        .is_some_and(|e| e.is_refusal() && org_secrets.items.is_empty());
    let repo_secret_outcome = secrets_cov.outcome(
        kinds::GITHUB_ACTIONS_SECRET,
        repos_listed,
        "repository secrets",
    );
    let env_outcome = env_cov.outcome(
        kinds::GITHUB_ACTIONS_SECRET,
        repos_listed,
        "environment secrets",
    );
    if org_secrets_refused && (repos.is_empty() || repo_secret_outcome.refused.is_some()) {
        // Nothing readable at any level: skipped.
        out_secrets.refused = org_secrets.stop.clone();
    } else {
        out_secrets.listing(&org_secrets, "organization secrets");
        out_secrets.problems.extend(repo_secret_outcome.problems);
        if let Some(e) = repo_secret_outcome.refused {
            out_secrets.problems.push(format!(
                "repository secrets refused ({e}); {}",
                grant_hint(kinds::GITHUB_ACTIONS_SECRET)
            ));
        }
        out_secrets.problems.extend(env_outcome.problems);
        if let Some(e) = env_outcome.refused {
            out_secrets
                .problems
                .push(format!("environment secrets refused ({e})"));
        }
    }
    // Which repositories see each organization secret shared with selected ones.
    for secret in org_secrets
        .items
        .iter()
        .filter(|s| s.visibility.as_deref() == Some("selected"))
    {
        let listing: Listing<Repo> = api
            .list(
                format!(
                    "{org_path}/actions/secrets/{}/repositories?{PER_PAGE}",
                    segment(&secret.name)
                ),
                Some("repositories"),
            )
            .await;
        out_secrets.listing(&listing, "selected repositories of a secret");
        let names = listing
            .items
            .iter()
            .map(|r| r.full_name.clone().unwrap_or_else(|| r.name.clone()))
            .collect();
        data.org_secret_repositories
            .insert(secret.name.clone(), names);
    }
    data.org_secrets = org_secrets.items;
    let mut out_keys = keys_cov.outcome(kinds::GITHUB_DEPLOY_KEY, repos_listed, "deploy keys");
    for (kind, outcome) in [
        (kinds::GITHUB_DEPLOY_KEY, &mut out_keys),
        (kinds::GITHUB_ACTIONS_SECRET, &mut out_secrets),
    ] {
        if let Some(notes) = repo_notes.get(kind) {
            outcome.notes.push(format!(
                "{} repository listing(s) ended at a next-page link to another host, not followed (first: {})",
                notes.len(),
                notes.first().map(String::as_str).unwrap_or("")
            ));
        }
    }
    if let Some(first) = item_errors.first() {
        org_problems.push(format!(
            "{} repository item(s) could not be read, first: {first}",
            item_errors.len()
        ));
    }

    let identities = normalize::identities(&data);
    let count = |kind: &str| identities.iter().filter(|i| i.kind == kind).count();
    let reports = [
        (
            kinds::GITHUB_APP_INSTALLATION,
            format!("{org_path}/installations"),
            count(kinds::GITHUB_APP_INSTALLATION),
            out_installations,
        ),
        (
            kinds::GITHUB_DEPLOY_KEY,
            format!("/repos/{o}/*/keys"),
            count(kinds::GITHUB_DEPLOY_KEY),
            out_keys,
        ),
        (
            kinds::GITHUB_FINE_GRAINED_PAT,
            format!("{org_path}/personal-access-tokens"),
            count(kinds::GITHUB_FINE_GRAINED_PAT) + count(kinds::GITHUB_FINE_GRAINED_PAT_REQUEST),
            out_pats,
        ),
        (
            kinds::GITHUB_CREDENTIAL_AUTHORIZATION,
            format!("{org_path}/credential-authorizations"),
            count(kinds::GITHUB_CREDENTIAL_AUTHORIZATION),
            out_credentials,
        ),
        (
            kinds::GITHUB_ACTIONS_SECRET,
            format!("{org_path}/actions/secrets"),
            count(kinds::GITHUB_ACTIONS_SECRET),
            out_secrets,
        ),
        (
            kinds::GITHUB_WORKFLOW_TOKEN,
            format!("{org_path}/actions/permissions/workflow"),
            count(kinds::GITHUB_WORKFLOW_TOKEN),
            out_workflow,
        ),
    ];
    for (kind, path, n, outcome) in reports {
        inventory
            .sources
            .push(kind_report(api, org, kind, &path, n, outcome));
    }
    let count = |set: &Option<BTreeSet<String>>| {
        set.as_ref()
            .map_or_else(|| "unknown".to_string(), |s| s.len().to_string())
    };
    let members_note = format!(
        "members {}, outside collaborators {}",
        count(&data.members),
        count(&data.collaborators)
    );
    let summary = format!(
        "{} repositories, {members_note}; {} API requests",
        repos.len(),
        api.requests() - requests_before
    );
    let summary = std::iter::once(summary)
        .chain(org_problems_notes)
        .collect::<Vec<_>>()
        .join("; ");
    let (status, message) = if org_problems.is_empty() {
        (SourceStatus::Ok, summary)
    } else {
        (
            SourceStatus::Partial,
            format!("{summary}; {}", org_problems.join("; ")),
        )
    };
    inventory
        .sources
        .push(org_report(status, message, identities.len()));
    inventory.identities = identities;
    inventory
}
