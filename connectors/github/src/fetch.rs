//! Every request for one organization: the organization-wide listings side by side, the
//! repositories (by GraphQL, 100 a request, else by REST), then each repository's deploy keys and
//! secrets a few repositories at a time. Nothing here judges or reports: what came back, and why
//! something did not, goes to [`crate::coverage`].

use crate::client::{Api, ApiError, Listing};
use crate::types::{
    ActionsSecret, CredentialAuthorization, DeployKey, Environment, FineGrainedPat, GqlData,
    Installation, Member, OidcSubject, Org, Repo, WorkflowPermissions,
};
use crate::PER_PAGE;
use futures_util::stream::{self, StreamExt};
use nhi_api::{kinds, CollectContext};
use nhi_http::segment;
use std::collections::BTreeSet;

/// Everything one organization answered.
pub(crate) struct Fetched {
    pub members: Listing<Member>,
    pub collaborators: Listing<Member>,
    pub installations: Listing<Installation>,
    pub pats: Listing<FineGrainedPat>,
    pub pat_requests: Listing<FineGrainedPat>,
    pub credentials: Listing<CredentialAuthorization>,
    pub org_secrets: Listing<ActionsSecret>,
    /// For each organization secret shared with selected repositories: those repositories.
    pub secret_repositories: Vec<(String, Listing<Repo>)>,
    pub workflow: Result<WorkflowPermissions, ApiError>,
    pub oidc: Result<OidcSubject, ApiError>,
    pub repos: Vec<RepoInfo>,
    /// How the repository list was read by REST, when GraphQL was not available (`None`: by
    /// GraphQL, completely).
    pub repo_listing: Option<Listing<Repo>>,
    /// What each repository answered, in the order of `repos`.
    pub reads: Vec<RepoRead>,
}

/// Read an organization. `Err` when the organization itself cannot be read (bad token, unknown
/// organization): nothing else is asked then.
pub(crate) async fn org(
    api: &Api,
    org: &str,
    concurrency: usize,
    ctx: &CollectContext,
) -> Result<Fetched, ApiError> {
    let org_path = format!("/orgs/{}", segment(org));
    api.get::<Org>(org_path.clone()).await?;

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
    let (repos, repo_listing) = match repos_by_graphql(api, org).await {
        Ok(repos) => (repos, None),
        Err(e) => {
            tracing::info!(org, error = %e, "GraphQL not available; listing repositories by REST");
            let listing: Listing<Repo> = api
                .list(format!("{org_path}/repos?type=all&{PER_PAGE}"), None)
                .await;
            let repos = listing
                .items
                .iter()
                .map(|r| RepoInfo {
                    full_name: r.full_name.clone().unwrap_or_else(|| {
                        format!(
                            "{}/{}",
                            r.owner.as_ref().map(|o| o.login.as_str()).unwrap_or(org),
                            r.name
                        )
                    }),
                    id: r.id,
                    owner_id: r.owner.as_ref().and_then(|o| o.id),
                    created_at: r.created_at,
                    archived: r.archived,
                    deploy_keys: None,
                    environments: None,
                })
                .collect();
            (repos, Some(listing))
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

    // Which repositories see each organization secret shared with selected ones.
    let mut secret_repositories = Vec::new();
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
        secret_repositories.push((secret.name.clone(), listing));
    }

    Ok(Fetched {
        members,
        collaborators,
        installations,
        pats,
        pat_requests,
        credentials,
        org_secrets,
        secret_repositories,
        workflow,
        oidc,
        repos,
        repo_listing,
        reads,
    })
}

/// A repository and what the listing already told about it.
pub(crate) struct RepoInfo {
    pub full_name: String,
    pub id: Option<u64>,
    pub owner_id: Option<u64>,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    pub archived: bool,
    /// Deploy keys it has; `None` when unknown (REST must be asked).
    pub deploy_keys: Option<u64>,
    /// How many environments it has; `None` when unknown.
    pub environments: Option<u64>,
}

const REPOS_QUERY: &str = "query($org: String!, $cursor: String) {
  organization(login: $org) {
    repositories(first: 100, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes {
        name
        databaseId
        createdAt
        isArchived
        owner { login ... on Organization { databaseId } ... on User { databaseId } }
        deployKeys { totalCount }
        environments { totalCount }
      }
    }
  }
}";

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
            out.push(RepoInfo {
                full_name: format!("{}/{}", node.owner.login, node.name),
                id: node.database_id,
                owner_id: node.owner.database_id,
                created_at: node.created_at,
                archived: node.is_archived.unwrap_or(false),
                deploy_keys: node.deploy_keys.map(|d| d.total_count),
                environments: node.environments.map(|e| e.total_count),
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
pub(crate) struct RepoRead {
    pub keys: Vec<(String, DeployKey)>,
    pub keys_error: Option<ApiError>,
    pub secrets: Vec<(String, ActionsSecret)>,
    pub secrets_error: Option<ApiError>,
    pub env_secrets: Vec<(String, String, ActionsSecret)>,
    pub env_error: Option<ApiError>,
    /// Its environments with their protection; `None` when they could not be read.
    pub environments: Option<Vec<Environment>>,
    /// Its OIDC subject template; `None` when it could not be read.
    pub oidc: Option<OidcSubject>,
    pub item_errors: Vec<String>,
    /// Listings that ended at a link to another host: (kind, note).
    pub off_host: Vec<(&'static str, String)>,
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
    // Environments, with what protects them (who may become a cloud role through one depends
    // on it); not asked when the listing said there are none.
    let environments: Vec<Environment> = if repo.environments == Some(0) {
        read.environments = Some(Vec::new());
        Vec::new()
    } else {
        let envs = api
            .list(
                format!("{base}/environments?{PER_PAGE}"),
                Some("environments"),
            )
            .await;
        let (envs, stop): (Vec<Environment>, _) = read.absorb(kinds::GITHUB_ACTIONS_SECRET, envs);
        match stop {
            // A repository without environments answers 404 on some servers.
            Some(e) if e.status() == Some(404) => {
                read.environments = Some(Vec::new());
                Vec::new()
            }
            Some(e) => {
                read.env_error = Some(e);
                Vec::new()
            }
            None => {
                read.environments = Some(envs.clone());
                envs
            }
        }
    };
    // Its OIDC subject template: which subjects its jobs' tokens carry.
    match api
        .get::<OidcSubject>(format!("{base}/actions/oidc/customization/sub"))
        .await
    {
        Ok(o) => read.oidc = Some(o),
        Err(e) => {
            tracing::debug!(repo = %repo.full_name, error = %e, "OIDC subject template unreadable")
        }
    }
    for env in environments.iter().map(|e| e.name.clone()) {
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
