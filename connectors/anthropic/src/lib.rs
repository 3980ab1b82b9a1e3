//! nhi connector for an Anthropic organization, through the Admin API.
//!
//! Lists the organization's API keys (every status), its workspaces (archived ones too) and its
//! members, so a key whose creator has left is recognized. Needs an **admin key**
//! (`ANTHROPIC_ADMIN_KEY`, `sk-ant-admin...`). The API does not say when a key was last used:
//! rules that need it leave Anthropic keys unjudged rather than guess.

pub mod fetch;
pub mod normalize;
pub mod types;

use nhi_api::{BoxFuture, CollectContext, Connector, Inventory, Secret, SourceReport};
use nhi_http::{Client, ClientConfig, HttpError, Sleeper};
pub use normalize::normalize;
use std::sync::Arc;

pub const CONNECTOR: &str = "anthropic";
pub const DEFAULT_URL: &str = "https://api.anthropic.com";
pub const TOKEN_VARS: &[&str] = &["ANTHROPIC_ADMIN_KEY"];
/// The API version nhi speaks.
pub const API_VERSION: &str = "2023-06-01";
pub(crate) const PAGE: u32 = 100;
/// Scope of keys in the default workspace.
pub const DEFAULT_WORKSPACE: &str = "default";

pub struct Anthropic {
    pub(crate) client: Client,
    origin: String,
}

impl Anthropic {
    pub fn new(
        base_url: &str,
        token: Secret,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<Self, HttpError> {
        let mut config = ClientConfig::new(base_url, "x-api-key", "", token);
        config
            .headers
            .push(("anthropic-version", API_VERSION.to_string()));
        Ok(Anthropic {
            client: Client::new(config, sleeper)?,
            origin: base_url.trim_end_matches('/').to_string(),
        })
    }
}

impl Connector for Anthropic {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn collect<'a>(&'a self, _ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(async move {
            let (fetched, problems, refused) = self.fetch().await;
            let identities = normalize(&fetched, &self.origin);
            let mut inventory = Inventory::default();
            inventory.sources.push(SourceReport::api(
                CONNECTOR,
                "organization",
                &self.origin,
                identities.len(),
                &problems,
                refused.as_ref().map(|r| r as &dyn std::fmt::Display),
                "The Admin API needs an admin key (sk-ant-admin...): an organization admin creates one in the Claude Console under Settings → Admin keys; set ANTHROPIC_ADMIN_KEY to it",
            ));
            inventory.identities = identities;
            inventory
        })
    }
}
