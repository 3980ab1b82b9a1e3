//! nhi connector for an OpenAI organization, through the Administration API.
//!
//! Lists projects (archived ones too), each project's API keys (`owner_project_access=any`, so
//! keys of owners who lost access are listed) and service accounts, the organization's admin API
//! keys and its members. Needs an organization **admin key** (`OPENAI_ADMIN_KEY`). Fetching
//! (`fetch`) is kept apart from mapping (`normalize`, pure).

pub mod fetch;
pub mod normalize;
pub mod types;

use nhi_api::{BoxFuture, CollectContext, Connector, Inventory, Secret, SourceReport};
use nhi_http::{Client, ClientConfig, HttpError, Sleeper};
use std::sync::Arc;

pub const CONNECTOR: &str = "openai";
pub const DEFAULT_URL: &str = "https://api.openai.com/v1";
/// Where a token comes from; never from the command line.
pub const TOKEN_VARS: &[&str] = &["OPENAI_ADMIN_KEY"];
pub(crate) const PAGE: u32 = 100;
/// Projects fetched at once.
pub(crate) const CONCURRENCY: usize = 4;

pub struct OpenAi {
    pub(crate) client: Client,
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
            inventory.sources.push(SourceReport::api(
                CONNECTOR,
                normalize::ORG_SCOPE,
                &self.origin,
                identities.len(),
                &problems,
                refused.as_ref().map(|r| r as &dyn std::fmt::Display),
                "The Administration API needs an organization admin key: create one in the OpenAI dashboard under Organization settings → Admin keys, and set OPENAI_ADMIN_KEY to it",
            ));
            inventory.identities = identities;
            inventory
        })
    }
}
