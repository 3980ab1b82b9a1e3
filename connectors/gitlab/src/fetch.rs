//! Every request for one group, project or instance. Nothing here judges or reports: what came
//! back, and why something did not, goes to [`crate::coverage`].
//!
//! Calls for a group with G groups (itself and its subgroups), P projects and R runners:
//! 1 for the group, then side by side its subgroups, projects (100 a page), members, service
//! accounts and runners; 3 per group (access tokens, deploy tokens, variables); 6 per project
//! (access tokens, deploy tokens, deploy keys, triggers, variables, protected branches) and 1
//! more per project that has trigger tokens (its members, to tell departed owners); 1 per
//! runner (its details: last contact, token expiry). Listings of more than 100 items add pages.

use crate::client::{Api, ApiError, Listing};
use crate::types::{
    AccessToken, DeployKey, DeployToken, Group, Member, Project, ProtectedBranch, Runner,
    ServiceAccount, Trigger, User, Variable,
};
use futures_util::stream::{self, StreamExt};
use nhi_api::CollectContext;
use nhi_http::segment;

pub(crate) const PER_PAGE: &str = "per_page=100";

/// What one group answered about itself (the top group or a subgroup).
pub(crate) struct GroupRead {
    pub group: Group,
    pub access_tokens: Listing<AccessToken>,
    pub deploy_tokens: Listing<DeployToken>,
    pub variables: Listing<Variable>,
}

/// What one project answered.
pub(crate) struct ProjectRead {
    pub project: Project,
    pub access_tokens: Listing<AccessToken>,
    pub deploy_tokens: Listing<DeployToken>,
    pub deploy_keys: Listing<DeployKey>,
    pub triggers: Listing<Trigger>,
    pub variables: Listing<Variable>,
    pub protected_branches: Listing<ProtectedBranch>,
    /// Read only when the project has trigger tokens.
    pub members: Option<Listing<Member>>,
}

/// Everything a group scan (`--gitlab-group`) or a project scan (`--gitlab-project`) answered.
pub(crate) struct Fetched {
    /// The group's own read and its subgroups'; empty for a project scan.
    pub groups: Vec<GroupRead>,
    /// How the subgroups were listed (`None`: a project scan).
    pub subgroups: Option<Listing<Group>>,
    /// How the projects were listed (`None`: a project scan).
    pub project_listing: Option<Listing<Project>>,
    pub projects: Vec<ProjectRead>,
    /// Members of the top group, inherited ones included (`None`: a project scan).
    pub members: Option<Listing<Member>>,
    pub service_accounts: Option<Listing<ServiceAccount>>,
    pub runners: Option<Listing<Runner>>,
}

/// Read a group and everything under it. `Err` when the group itself cannot be read.
pub(crate) async fn group(
    api: &Api,
    path: &str,
    concurrency: usize,
    ctx: &CollectContext,
) -> Result<Fetched, ApiError> {
    let g = format!("/groups/{}", segment(path));
    let top: Group = api.get(g.clone()).await?;
    let (subgroups, projects, members, service_accounts, runners) = futures_util::join!(
        api.list::<Group>(format!("{g}/descendant_groups?{PER_PAGE}")),
        api.list::<Project>(format!(
            "{g}/projects?include_subgroups=true&order_by=id&sort=asc&{PER_PAGE}"
        )),
        api.list::<Member>(format!("{g}/members/all?{PER_PAGE}")),
        api.list::<ServiceAccount>(format!("{g}/service_accounts?{PER_PAGE}")),
        api.list::<Runner>(format!("{g}/runners?{PER_PAGE}")),
    );
    let runners = with_details(api, runners).await;
    let mut all_groups = vec![top];
    all_groups.extend(subgroups.items.iter().cloned());
    let groups: Vec<GroupRead> = stream::iter(all_groups)
        .map(|group| read_group(api, group))
        .buffered(concurrency)
        .collect()
        .await;
    let progress = format!("GitLab projects ({path})");
    ctx.start(&progress, projects.items.len() as u64);
    let reads: Vec<ProjectRead> = stream::iter(projects.items.iter().cloned())
        .map(|p| async {
            let name = p.path_with_namespace.clone();
            let read = read_project(api, p).await;
            ctx.advance(&progress, &name, 0);
            read
        })
        .buffered(concurrency)
        .collect()
        .await;
    Ok(Fetched {
        groups,
        subgroups: Some(subgroups),
        project_listing: Some(projects),
        projects: reads,
        members: Some(members),
        service_accounts: Some(service_accounts),
        runners: Some(runners),
    })
}

/// Read one project. `Err` when the project itself cannot be read.
pub(crate) async fn project(api: &Api, path: &str) -> Result<Fetched, ApiError> {
    let p: Project = api.get(format!("/projects/{}", segment(path))).await?;
    Ok(Fetched {
        groups: Vec::new(),
        subgroups: None,
        project_listing: None,
        projects: vec![read_project(api, p).await],
        members: None,
        service_accounts: None,
        runners: None,
    })
}

async fn read_group(api: &Api, group: Group) -> GroupRead {
    let g = format!("/groups/{}", group.id);
    let (access_tokens, deploy_tokens, variables) = futures_util::join!(
        api.list(format!("{g}/access_tokens?{PER_PAGE}")),
        api.list(format!("{g}/deploy_tokens?{PER_PAGE}")),
        api.list(format!("{g}/variables?{PER_PAGE}")),
    );
    GroupRead {
        group,
        access_tokens,
        deploy_tokens,
        variables,
    }
}

async fn read_project(api: &Api, project: Project) -> ProjectRead {
    let p = format!("/projects/{}", project.id);
    let access_tokens = api.list(format!("{p}/access_tokens?{PER_PAGE}")).await;
    let deploy_tokens = api.list(format!("{p}/deploy_tokens?{PER_PAGE}")).await;
    let deploy_keys = api.list(format!("{p}/deploy_keys?{PER_PAGE}")).await;
    let triggers: Listing<Trigger> = api.list(format!("{p}/triggers?{PER_PAGE}")).await;
    let variables = api.list(format!("{p}/variables?{PER_PAGE}")).await;
    let protected_branches = api.list(format!("{p}/protected_branches?{PER_PAGE}")).await;
    let members = if triggers.items.is_empty() {
        None
    } else {
        Some(api.list(format!("{p}/members/all?{PER_PAGE}")).await)
    };
    ProjectRead {
        project,
        access_tokens,
        deploy_tokens,
        deploy_keys,
        triggers,
        variables,
        protected_branches,
        members,
    }
}

/// Each runner's details (last contact, token expiry), which the listings leave out. A runner
/// whose details cannot be read keeps what the listing said.
async fn with_details(api: &Api, mut runners: Listing<Runner>) -> Listing<Runner> {
    let ids: Vec<u64> = runners.items.iter().map(|r| r.id).collect();
    let details: Vec<Result<Runner, ApiError>> = stream::iter(ids)
        .map(|id| api.get::<Runner>(format!("/runners/{id}")))
        .buffered(4)
        .collect()
        .await;
    for (runner, detail) in runners.items.iter_mut().zip(details) {
        match detail {
            Ok(d) => *runner = d,
            Err(e) => runners
                .item_errors
                .push(format!("details of runner {}: {e}", runner.id)),
        }
    }
    runners
}

/// The instance-wide listings an administrator's token reads (`--gitlab-instance`).
pub(crate) struct Instance {
    pub pats: Listing<AccessToken>,
    pub users: Listing<User>,
    pub deploy_tokens: Listing<DeployToken>,
    pub deploy_keys: Listing<DeployKey>,
    pub runners: Listing<Runner>,
    pub service_accounts: Listing<ServiceAccount>,
    pub variables: Listing<Variable>,
}

pub(crate) async fn instance(api: &Api) -> Instance {
    let (pats, users, deploy_tokens, deploy_keys, runners, service_accounts, variables) = futures_util::join!(
        api.list(format!("/personal_access_tokens?{PER_PAGE}")),
        // Keyset pagination: the users listing is the one that grows past offset limits.
        api.list(format!(
            "/users?pagination=keyset&order_by=id&sort=asc&{PER_PAGE}"
        )),
        api.list(format!("/deploy_tokens?{PER_PAGE}")),
        api.list(format!("/deploy_keys?{PER_PAGE}")),
        api.list(format!("/runners/all?{PER_PAGE}")),
        api.list(format!("/service_accounts?{PER_PAGE}")),
        api.list(format!("/admin/ci/variables?{PER_PAGE}")),
    );
    let runners = with_details(api, runners).await;
    Instance {
        pats,
        users,
        deploy_tokens,
        deploy_keys,
        runners,
        service_accounts,
        variables,
    }
}

/// The token's own user and its personal access tokens (without an admin token, the PAT
/// listing answers only the caller's own).
pub(crate) async fn own(api: &Api) -> (Result<User, ApiError>, Listing<AccessToken>) {
    futures_util::join!(
        api.get::<User>("/user".to_string()),
        api.list(format!("/personal_access_tokens?{PER_PAGE}")),
    )
}
