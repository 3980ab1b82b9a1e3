//! nhi connector for Google Cloud: service accounts, their user-managed keys, the roles they
//! hold anywhere in the resource hierarchy, who may impersonate them, and the workload identity
//! pool providers through which other providers' tokens become Google credentials.
//!
//! Two ways in, one normalization ([`normalize`], pure):
//! - offline, the exports `gcloud ... --format=json` prints, recognized by content
//!   ([`import::GcpImport`]; `docs/gcp-export.sh` makes the whole set);
//! - live ([`Gcp`]): the IAM API (accounts, keys, pools, providers, custom roles), Cloud Asset
//!   Inventory (`searchAllIamPolicies`, bindings at every level), Policy Analyzer (last
//!   authentication of accounts and keys) and Resource Manager (projects, labels), with
//!   Application Default Credentials ([`auth`]).
//!
//! Each project is one source in the report: a project that refuses is `failed` and the others
//! still report; a refused part (Policy Analyzer, keys) makes its project `partial`, with the
//! role to grant.

pub mod auth;
mod fetch;
pub mod import;
pub mod normalize;
pub mod types;

use auth::TokenSource;
use nhi_api::{BoxFuture, CollectContext, Connector, Inventory, SourceReport};
use nhi_http::Sleeper;
use normalize::Export;
use std::collections::BTreeSet;
use std::sync::Arc;

pub use import::GcpImport;

pub const CONNECTOR: &str = "gcp";

#[derive(Debug, Clone)]
pub struct GcpOptions {
    pub iam_url: String,
    pub asset_url: String,
    pub policy_analyzer_url: String,
    pub resource_manager_url: String,
    /// Organizations (numeric ids) whose projects are all read.
    pub orgs: Vec<String>,
    /// Projects (ids) read on their own.
    pub projects: Vec<String>,
    /// Calls at once within a project (key listings).
    pub concurrency: usize,
    /// Projects read at once.
    pub project_concurrency: usize,
    pub max_attempts: u32,
    /// Send resource names `%2F`-encoded in paths (API mocks such as Prism need it).
    pub escape_resource_names: bool,
    /// Pages read per listing (and folders walked) at most.
    pub max_pages: usize,
}

impl Default for GcpOptions {
    fn default() -> Self {
        GcpOptions {
            iam_url: "https://iam.googleapis.com".into(),
            asset_url: "https://cloudasset.googleapis.com".into(),
            policy_analyzer_url: "https://policyanalyzer.googleapis.com".into(),
            resource_manager_url: "https://cloudresourcemanager.googleapis.com".into(),
            orgs: Vec::new(),
            projects: Vec::new(),
            concurrency: 8,
            project_concurrency: 4,
            max_attempts: 6,
            escape_resource_names: false,
            max_pages: 5_000,
        }
    }
}

/// Projects read with one set of clients before the token is checked again (tokens live an
/// hour; a batch takes minutes).
const BATCH: usize = 25;

pub struct Gcp {
    options: GcpOptions,
    tokens: TokenSource,
    sleeper: Arc<dyn Sleeper>,
}

impl Gcp {
    pub fn new(options: GcpOptions, tokens: TokenSource, sleeper: Arc<dyn Sleeper>) -> Gcp {
        Gcp {
            options,
            tokens,
            sleeper,
        }
    }

    fn scopes(&self) -> Vec<String> {
        let mut s: Vec<String> = self
            .options
            .orgs
            .iter()
            .map(|o| format!("organizations/{o}"))
            .collect();
        s.extend(
            self.options
                .projects
                .iter()
                .map(|p| format!("projects/{p}")),
        );
        s
    }

    async fn collect_all(&self, ctx: &CollectContext) -> Inventory {
        let mut inventory = Inventory::default();
        let mut export = Export::default();
        let origin = self.options.iam_url.trim_end_matches('/').to_string();
        let apis = match fetch::Apis::new(&self.options, &self.tokens, self.sleeper.clone()).await {
            Ok(a) => a,
            Err(message) => {
                for scope in self.scopes() {
                    inventory.sources.push(SourceReport::failed(
                        CONNECTOR,
                        &scope,
                        &origin,
                        message.clone(),
                    ));
                }
                return inventory;
            }
        };

        // Which projects: every active one under each organization, plus those named.
        let mut projects: BTreeSet<String> = self.options.projects.iter().cloned().collect();
        for org in &self.options.orgs {
            let mut problems = Vec::new();
            let found = fetch::org_projects(&apis, org, &mut problems).await;
            projects.extend(found.iter().map(|p| p.project_id.clone()));
            export.projects.extend(found);
            // Bindings at every level of the organization, and its custom roles.
            let scope = format!("organizations/{org}");
            let bindings = fetch::policies(&apis, &scope).await;
            if let Some(e) = &bindings.error {
                problems.push(format!(
                    "Cloud Asset search of IAM policies failed ({e}): roles and who can impersonate whom are unknown; grant roles/cloudasset.viewer on the organization"
                ));
            } else {
                export.hierarchy_complete = true;
            }
            if let Some(first) = bindings.item_errors.first() {
                problems.push(format!(
                    "{} policy result(s) could not be read, first: {first}",
                    bindings.item_errors.len()
                ));
            }
            let n_policies = bindings.items.len();
            export.policies.extend(bindings.items);
            let roles = fetch::org_roles(&apis, org).await;
            problems.extend(roles.problem());
            if let Some(e) = &roles.error {
                problems.push(format!(
                    "organization custom roles could not be read ({e}); grant roles/iam.organizationRoleViewer"
                ));
            }
            export.roles.extend(roles.items);
            let summary = format!(
                "organization {org}: {} project(s), IAM policies of {n_policies} resource(s)",
                projects.len()
            );
            let origin = format!(
                "{}/v1/{scope}",
                self.options.asset_url.trim_end_matches('/')
            );
            inventory.sources.push(if problems.is_empty() {
                SourceReport::ok(CONNECTOR, &scope, origin).message(summary)
            } else {
                SourceReport::partial(
                    CONNECTOR,
                    &scope,
                    origin,
                    format!("{summary}; {}", problems.join("; ")),
                )
            });
        }
        // Projects named on their own: their metadata, and their bindings when no organization
        // search covers them (inherited bindings are then not seen, and the report says so).
        for p in &self.options.projects {
            let scope = format!("projects/{p}");
            let mut problems = Vec::new();
            match fetch::project_meta(&apis, p).await {
                Ok(meta) => export.projects.push(meta),
                Err(e) => problems.push(format!(
                    "project metadata (labels) could not be read ({e}); grant roles/browser"
                )),
            }
            if self.options.orgs.is_empty() {
                let bindings = fetch::policies(&apis, &scope).await;
                problems.extend(bindings.problem());
                if let Some(e) = &bindings.error {
                    problems.push(format!(
                        "Cloud Asset search of IAM policies failed ({e}): roles and who can impersonate whom are unknown; grant roles/cloudasset.viewer"
                    ));
                }
                export.policies.extend(bindings.items);
            }
            let origin = format!(
                "{}/v1/{scope}",
                self.options.asset_url.trim_end_matches('/')
            );
            let note = "bindings inherited from folders and the organization are not seen with a project scope (use --gcp-org)";
            inventory.sources.push(if problems.is_empty() {
                SourceReport::ok(CONNECTOR, &scope, origin).message(note)
            } else {
                SourceReport::partial(
                    CONNECTOR,
                    &scope,
                    origin,
                    format!("{}; {note}", problems.join("; ")),
                )
            });
        }

        let projects: Vec<String> = projects.into_iter().collect();
        let mut first = Some(apis);
        for batch in projects.chunks(BATCH) {
            let apis = match first.take() {
                Some(a) => a,
                None => match fetch::Apis::new(&self.options, &self.tokens, self.sleeper.clone())
                    .await
                {
                    Ok(a) => a,
                    Err(message) => {
                        for p in batch {
                            inventory.sources.push(SourceReport::failed(
                                CONNECTOR,
                                p,
                                &origin,
                                message.clone(),
                            ));
                        }
                        continue;
                    }
                },
            };
            for read in fetch::projects(&apis, &self.options, batch, ctx).await {
                export.merge(read.export);
                inventory.sources.push(read.report);
            }
        }
        let mut normalized = normalize::normalize(&export);
        normalized.sources.append(&mut inventory.sources);
        normalized.sort();
        normalized
    }
}

impl Connector for Gcp {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn collect<'a>(&'a self, ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(self.collect_all(ctx))
    }
}
