//! Live collection: every network call, pagination, and how each refusal is reported. What is
//! fetched is put into the same [`Export`] the file importer builds, and normalized the same way.

use crate::auth::TokenSource;
use crate::normalize::Export;
use crate::types::{Activity, IamPolicyResult, Key, PoolProvider, Project, Role, ServiceAccount};
use crate::{GcpOptions, CONNECTOR};
use futures_util::stream::{self, StreamExt};
use nhi_api::{CollectContext, SourceReport};
use nhi_http::{Client, ClientConfig, HttpError, Sleeper};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;

/// The four APIs, each a client with the current token.
pub(crate) struct Apis {
    pub iam: Client,
    pub asset: Client,
    pub activity: Client,
    pub crm: Client,
    escape: bool,
    /// Pages read per listing at most (a server handing out new page tokens forever).
    pub max_pages: usize,
}

impl Apis {
    pub async fn new(
        options: &GcpOptions,
        tokens: &TokenSource,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<Apis, String> {
        let token = tokens.token().await.map_err(|e| {
            format!(
                "cannot authenticate to Google Cloud with {}: {e}",
                tokens.describe()
            )
        })?;
        let make = |url: &str| {
            let mut config = ClientConfig::new(url, "authorization", "Bearer ", token.clone());
            config.max_attempts = options.max_attempts.max(1);
            Client::new(config, sleeper.clone()).map_err(|e| e.to_string())
        };
        Ok(Apis {
            iam: make(&options.iam_url)?,
            asset: make(&options.asset_url)?,
            activity: make(&options.policy_analyzer_url)?,
            crm: make(&options.resource_manager_url)?,
            escape: options.escape_resource_names,
            max_pages: options.max_pages,
        })
    }

    /// A resource name as a path: slashes kept (Google's APIs), or `%2F`-encoded for mocks
    /// that match a whole resource name as one path parameter (Prism).
    pub fn name(&self, name: &str) -> String {
        if self.escape {
            name.replace('/', "%2F")
        } else {
            name.to_string()
        }
    }
}

/// Every page of a `nextPageToken` listing; the items under `field`, each decoded on its own.
pub(crate) struct Pages<T> {
    pub items: Vec<T>,
    pub item_errors: Vec<String>,
    pub error: Option<HttpError>,
}

impl<T> Pages<T> {
    /// What a source report should say about items that could not be read or pages not read.
    pub fn problem(&self) -> Option<String> {
        self.item_errors.first().map(|first| {
            format!(
                "{} problem(s) reading a listing, first: {first}",
                self.item_errors.len()
            )
        })
    }
}

pub(crate) async fn pages<T: DeserializeOwned>(
    max_pages: usize,
    client: &Client,
    path: &str,
    query: &[(&str, String)],
    field: &str,
) -> Pages<T> {
    let mut out = Pages {
        items: Vec::new(),
        item_errors: Vec::new(),
        error: None,
    };
    let mut token: Option<String> = None;
    let mut seen = HashSet::new();
    let mut read = 0usize;
    loop {
        if read >= max_pages.max(1) {
            out.item_errors.push(format!(
                "{path}: stopped after {read} pages (--gcp-max-pages); the listing may be incomplete"
            ));
            return out;
        }
        read += 1;
        let mut q = query.to_vec();
        if let Some(t) = &token {
            q.push(("pageToken", t.clone()));
        }
        let page: Value = match client.get(path, &q).await {
            Ok(v) => v,
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        };
        if let Some(items) = page.get(field).and_then(Value::as_array) {
            for (i, item) in items.iter().enumerate() {
                match serde_json::from_value::<T>(item.clone()) {
                    Ok(v) => out.items.push(v),
                    Err(e) => out.item_errors.push(format!("{path} {field}[{i}]: {e}")),
                }
            }
        }
        match page.get("nextPageToken").and_then(Value::as_str) {
            Some(next) if !next.is_empty() => {
                if !seen.insert(next.to_string()) {
                    out.item_errors.push(format!(
                        "{path}: the server returned the page token {next:?} twice; stopped to avoid a loop"
                    ));
                    return out;
                }
                token = Some(next.to_string());
            }
            _ => return out,
        }
    }
}

/// What one project gave, and what its source report says.
pub(crate) struct ProjectRead {
    pub export: Export,
    pub report: SourceReport,
}

fn refused(e: &HttpError) -> bool {
    matches!(e.status(), Some(401) | Some(403) | Some(404))
}

/// Read one project: accounts, their keys, pools and providers, custom roles and last
/// authentications. A refusal of the account listing fails the project; anything else that is
/// refused leaves the project partial, with the permission named.
pub(crate) async fn project(apis: &Apis, options: &GcpOptions, project: &str) -> ProjectRead {
    let mut export = Export::default();
    let origin = format!(
        "{}/v1/projects/{project}",
        options.iam_url.trim_end_matches('/')
    );
    let sa_path = format!(
        "v1/{}/serviceAccounts",
        apis.name(&format!("projects/{project}"))
    );
    let sas: Pages<ServiceAccount> = pages(
        apis.max_pages,
        &apis.iam,
        &sa_path,
        &[("pageSize", "100".to_string())],
        "accounts",
    )
    .await;
    if let Some(e) = &sas.error {
        let fix = if refused(e) {
            "grant roles/iam.securityReviewer (or roles/iam.serviceAccountViewer) on the project; the other projects are still reported"
        } else {
            "the other projects are still reported"
        };
        return ProjectRead {
            export,
            report: SourceReport::failed(
                CONNECTOR,
                project,
                origin,
                format!("cannot list service accounts: {e}; {fix}"),
            ),
        };
    }
    let mut problems: Vec<String> = Vec::new();
    problems.extend(
        sas.item_errors
            .iter()
            .take(1)
            .map(|e| format!("an account could not be read: {e}")),
    );
    let account_origin = format!(
        "{}/v1/projects/{project}/serviceAccounts",
        options.iam_url.trim_end_matches('/')
    );
    let accounts: Vec<ServiceAccount> = sas
        .items
        .into_iter()
        .map(|mut sa| {
            if sa.project_id.is_empty() {
                sa.project_id = project.to_string();
            }
            sa
        })
        .collect();
    let n_accounts = accounts.len();

    // Keys: one call per account, a few at a time.
    let key_calls: Vec<_> = accounts
        .iter()
        .map(|sa| {
            let email = sa.email.clone();
            let name = format!("projects/{project}/serviceAccounts/{email}");
            let path = format!("v1/{}/keys", apis.name(&name));
            async move {
                let r: Result<Value, HttpError> = apis
                    .iam
                    .get(&path, &[("keyTypes", "USER_MANAGED".to_string())])
                    .await;
                (email, r)
            }
        })
        .collect();
    let key_reads = stream::iter(key_calls)
        .buffer_unordered(options.concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    let mut key_failures = Vec::new();
    let keys_origin = format!("{account_origin}/-/keys");
    for (email, r) in key_reads {
        match r {
            Ok(v) => {
                for item in v
                    .get("keys")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    match serde_json::from_value::<Key>(item.clone()) {
                        Ok(k) => export.keys.push((keys_origin.clone(), k)),
                        Err(e) => key_failures.push(format!("{email}: {e}")),
                    }
                }
            }
            Err(e) => key_failures.push(format!("{email}: {e}")),
        }
    }
    if let Some(first) = key_failures.first() {
        problems.push(format!(
            "keys of {} account(s) could not be listed (grant roles/iam.serviceAccountKeyViewer or roles/iam.securityReviewer), first: {first}",
            key_failures.len()
        ));
    }
    export.service_accounts = accounts
        .into_iter()
        .map(|sa| (account_origin.clone(), sa))
        .collect();

    // Workload identity pools and their providers.
    let pools_path = format!(
        "v1/{}/workloadIdentityPools",
        apis.name(&format!("projects/{project}/locations/global"))
    );
    let pools: Pages<Value> = pages(
        apis.max_pages,
        &apis.iam,
        &pools_path,
        &[("pageSize", "100".into())],
        "workloadIdentityPools",
    )
    .await;
    problems.extend(pools.problem());
    if let Some(e) = &pools.error {
        problems.push(format!(
            "workload identity pools could not be listed ({e}); grant roles/iam.workloadIdentityPoolViewer"
        ));
    }
    for pool in &pools.items {
        let Some(name) = pool.get("name").and_then(Value::as_str) else {
            continue;
        };
        let path = format!("v1/{}/providers", apis.name(name));
        let providers: Pages<PoolProvider> = pages(
            apis.max_pages,
            &apis.iam,
            &path,
            &[("pageSize", "100".into())],
            "workloadIdentityPoolProviders",
        )
        .await;
        problems.extend(providers.problem());
        if let Some(e) = &providers.error {
            problems.push(format!("providers of {name} could not be listed ({e})"));
        }
        let origin = format!(
            "{}/v1/{name}/providers",
            options.iam_url.trim_end_matches('/')
        );
        export
            .providers
            .extend(providers.items.into_iter().map(|p| (origin.clone(), p)));
    }

    // Custom roles of the project.
    let roles_path = format!("v1/{}/roles", apis.name(&format!("projects/{project}")));
    let roles: Pages<Role> = pages(
        apis.max_pages,
        &apis.iam,
        &roles_path,
        &[("view", "FULL".into()), ("pageSize", "300".into())],
        "roles",
    )
    .await;
    problems.extend(roles.problem());
    if let Some(e) = &roles.error {
        problems.push(format!(
            "custom roles could not be read ({e}); their permissions are unknown; grant roles/iam.roleViewer"
        ));
    }
    export.roles = roles.items;

    // Last authentications.
    for kind in [
        "serviceAccountLastAuthentication",
        "serviceAccountKeyLastAuthentication",
    ] {
        let path = format!(
            "v1/{}/activities:query",
            apis.name(&format!(
                "projects/{project}/locations/global/activityTypes/{kind}"
            ))
        );
        let acts: Pages<Activity> = pages(
            apis.max_pages,
            &apis.activity,
            &path,
            &[("pageSize", "1000".into())],
            "activities",
        )
        .await;
        problems.extend(acts.problem());
        if let Some(e) = &acts.error {
            problems.push(format!(
                "Policy Analyzer did not give {kind} ({e}): last use is unknown for this project, so nothing here is called unused; enable policyanalyzer.googleapis.com and grant roles/policyanalyzer.activityAnalysisViewer"
            ));
        }
        export.activities.extend(acts.items);
    }

    let report = if problems.is_empty() {
        SourceReport::ok(CONNECTOR, project, origin)
            .message(format!("{n_accounts} service account(s)"))
    } else {
        SourceReport::partial(CONNECTOR, project, origin, problems.join("; "))
    };
    ProjectRead {
        export,
        report: report.identities(n_accounts),
    }
}

/// The projects under an organization (through its folders), with labels and numbers.
pub(crate) async fn org_projects(
    apis: &Apis,
    org: &str,
    problems: &mut Vec<String>,
) -> Vec<Project> {
    let mut out = Vec::new();
    let mut parents = vec![format!("organizations/{org}")];
    let mut seen = HashSet::new();
    while let Some(parent) = parents.pop() {
        if !seen.insert(parent.clone()) {
            continue;
        }
        if seen.len() > apis.max_pages.max(1) {
            problems.push(format!(
                "stopped after {} folders (--gcp-max-pages); projects deeper in the hierarchy may be missing",
                seen.len() - 1
            ));
            break;
        }
        let projects: Pages<Project> = pages(
            apis.max_pages,
            &apis.crm,
            "v3/projects",
            &[("parent", parent.clone()), ("pageSize", "1000".into())],
            "projects",
        )
        .await;
        problems.extend(projects.problem());
        if let Some(e) = &projects.error {
            problems.push(format!(
                "projects under {parent} could not be listed ({e}); grant roles/browser on the organization"
            ));
        }
        out.extend(
            projects
                .items
                .into_iter()
                .filter(|p| p.state.as_deref().unwrap_or("ACTIVE") == "ACTIVE"),
        );
        let folders: Pages<Value> = pages(
            apis.max_pages,
            &apis.crm,
            "v3/folders",
            &[("parent", parent.clone()), ("pageSize", "1000".into())],
            "folders",
        )
        .await;
        problems.extend(folders.problem());
        if let Some(e) = &folders.error {
            problems.push(format!("folders under {parent} could not be listed ({e})"));
        }
        for f in &folders.items {
            if let Some(name) = f.get("name").and_then(Value::as_str) {
                parents.push(name.to_string());
            }
        }
    }
    out
}

/// One project's metadata (labels, number), for `--gcp-project`.
pub(crate) async fn project_meta(apis: &Apis, project: &str) -> Result<Project, HttpError> {
    apis.crm
        .get(
            &format!("v3/{}", apis.name(&format!("projects/{project}"))),
            &[],
        )
        .await
}

/// Bindings across a scope (`organizations/O` or `projects/P`).
pub(crate) async fn policies(apis: &Apis, scope: &str) -> Pages<IamPolicyResult> {
    pages(
        apis.max_pages,
        &apis.asset,
        &format!("v1/{}:searchAllIamPolicies", apis.name(scope)),
        &[("pageSize", "500".into())],
        "results",
    )
    .await
}

/// An organization's custom roles.
pub(crate) async fn org_roles(apis: &Apis, org: &str) -> Pages<Role> {
    pages(
        apis.max_pages,
        &apis.iam,
        &format!("v1/{}/roles", apis.name(&format!("organizations/{org}"))),
        &[("view", "FULL".into()), ("pageSize", "300".into())],
        "roles",
    )
    .await
}

/// Read every project asked for, a few at a time, with progress.
pub(crate) async fn projects(
    apis: &Apis,
    options: &GcpOptions,
    projects: &[String],
    ctx: &CollectContext,
) -> Vec<ProjectRead> {
    ctx.start("Google Cloud projects", projects.len() as u64);
    let calls: Vec<_> = projects
        .iter()
        .map(|p| async move {
            let read = project(apis, options, p).await;
            ctx.advance("Google Cloud projects", p, read.report.identities);
            read
        })
        .collect();
    stream::iter(calls)
        .buffer_unordered(options.project_concurrency.max(1))
        .collect()
        .await
}
