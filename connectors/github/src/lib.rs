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

//!
//! Layout: [`client`] is the transport (auth, retries, rate limits, pagination), `fetch` makes
//! the requests for one organization, `coverage` says how completely each kind was read,
//! [`normalize`] (pure) maps payloads to identities, [`types`] holds the wire formats.

pub mod client;
mod coverage;
mod fetch;
pub mod normalize;
pub mod types;

use client::Api;
pub use client::{Auth, Limits};
use nhi_api::{BoxFuture, CollectContext, Connector, Inventory, SourceReport};
use nhi_http::Sleeper;
use std::sync::Arc;

pub const CONNECTOR: &str = "github";
pub const DEFAULT_URL: &str = "https://api.github.com";
/// Where a token comes from; never from the command line.
pub const TOKEN_VARS: &[&str] = &["GITHUB_TOKEN", "GH_TOKEN"];
pub(crate) const PER_PAGE: &str = "per_page=100";

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
        let origin = format!("{}/orgs/{org}", self.options.api_url.trim_end_matches('/'));
        SourceReport::failed(CONNECTOR, org, origin, message)
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

/// One organization, read top to bottom: fetch, separate data from coverage, normalize, report.
async fn scan_org(api: &Api, org: &str, concurrency: usize, ctx: &CollectContext) -> Inventory {
    let requests_before = api.requests();
    let mut inventory = Inventory::default();
    let fetched = match fetch::org(api, org, concurrency, ctx).await {
        Ok(f) => f,
        Err(e) => {
            inventory
                .sources
                .push(coverage::unreadable(api.base_url(), org, &e));
            return inventory;
        }
    };
    let (data, assessment) = coverage::split(fetched, org, api.base_url());
    let identities = normalize::identities(&data);
    inventory.workloads = normalize::workloads(&data);
    inventory.sources = assessment.reports(
        api.base_url(),
        org,
        &identities,
        api.requests() - requests_before,
    );
    inventory.identities = identities;
    inventory
}
