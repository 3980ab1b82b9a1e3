//! nhi connector for an OpenAI organization, through the Administration API.
//!
//! Lists projects (archived ones too), each project's API keys (`owner_project_access=any`, so
//! keys of owners who lost access are listed) and service accounts, the organization's admin API
//! keys and its members. Needs an organization **admin key** (`OPENAI_ADMIN_KEY`). Fetching
//! (`fetch`) is kept apart from mapping (`normalize`, pure).

pub mod normalize;
pub mod types;

use futures_util::stream::{self, StreamExt};
use nhi_api::{BoxFuture, CollectContext, Connector, Inventory, Secret};
use nhi_http::{
    segment, source_report, Client, ClientConfig, HttpError, Incomplete, Listing, Sleeper,
};
use normalize::{Fetched, ProjectData};
use std::sync::Arc;

pub const CONNECTOR: &str = "openai";
pub const DEFAULT_URL: &str = "https://api.openai.com/v1";
/// Where a token comes from; never from the command line.
pub const TOKEN_VARS: &[&str] = &["OPENAI_ADMIN_KEY"];
const PAGE: u32 = 100;
/// Projects fetched at once.
const CONCURRENCY: usize = 4;

pub struct OpenAi {
    client: Client,
    origin: String,
}

impl OpenAi {
    pub fn new(
        base_url: &str,
        token: Secret,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<Self, HttpError> {
        let config = ClientConfig::new(base_url, "authorization", "Bearer ", token);
        Ok(OpenAi {
            client: Client::new(config, sleeper)?,
            origin: base_url.trim_end_matches('/').to_string(),
        })
    }

    async fn list<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        problems: &mut Vec<String>,
    ) -> Listing<T> {
        let listing = self.client.list_all(path, query, "after", PAGE).await;
        problems.extend(listing.problems(path));
        listing
    }

    /// Everything the organization lists, and what could not be read.
    pub async fn fetch(&self) -> (Fetched, Vec<String>, Option<Incomplete>) {
        let mut problems = Vec::new();
        let projects = self
            .list::<types::Project>(
                "organization/projects",
                &[("include_archived", "true".into())],
                &mut problems,
            )
            .await;
        let refused = projects
            .incomplete
            .clone()
            .filter(|s| matches!(s.status(), Some(401 | 403)));
        let per_project: Vec<(ProjectData, Vec<String>)> = stream::iter(projects.items)
            .map(|project| async move {
                let mut problems = Vec::new();
                let id = segment(&project.id);
                let keys = self
                    .list(
                        &format!("organization/projects/{id}/api_keys"),
                        &[("owner_project_access", "any".into())],
                        &mut problems,
                    )
                    .await;
                let service_accounts = self
                    .list(
                        &format!("organization/projects/{id}/service_accounts"),
                        &[],
                        &mut problems,
                    )
                    .await;
                (
                    ProjectData {
                        project,
                        keys: keys.items,
                        service_accounts: service_accounts.items,
                    },
                    problems,
                )
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let mut project_data = Vec::with_capacity(per_project.len());
        for (data, p) in per_project {
            project_data.push(data);
            problems.extend(p);
        }
        let admin_keys = self
            .list("organization/admin_api_keys", &[], &mut problems)
            .await;
        let users = self
            .list::<types::User>("organization/users", &[], &mut problems)
            .await;
        let users = users.incomplete.is_none().then_some(users.items);
        if users.is_none() {
            problems.push(
                "the member list is incomplete, so whether key owners are still members is unknown"
                    .into(),
            );
        }
        (
            Fetched {
                projects: project_data,
                admin_keys: admin_keys.items,
                users,
            },
            problems,
            refused,
        )
    }
}

impl Connector for OpenAi {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn collect<'a>(&'a self, _ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(async move {
            let (fetched, problems, refused) = self.fetch().await;
            let identities = normalize::normalize(&fetched, &self.origin);
            let mut inventory = Inventory::default();
            inventory.sources.push(source_report(
                CONNECTOR,
                &self.origin,
                normalize::ORG_SCOPE,
                identities.len(),
                &problems,
                refused.as_ref(),
                "The Administration API needs an organization admin key: create one in the OpenAI dashboard under Organization settings → Admin keys, and set OPENAI_ADMIN_KEY to it",
            ));
            inventory.identities = identities;
            inventory
        })
    }
}
