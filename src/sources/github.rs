//! GitHub organizations, with a token from GITHUB_TOKEN / GH_TOKEN or a GitHub App.

use super::{Plug, PlugEnv, Setup};
use nhi_api::{Secret, SourceReport};
use nhi_github::{Auth, Github, GithubOptions, CONNECTOR, DEFAULT_URL, TOKEN_VARS};
use std::path::PathBuf;

/// GitHub organizations, with a token from GITHUB_TOKEN / GH_TOKEN or a GitHub App.
#[derive(clap::Args)]
pub struct GithubArgs {
    /// Scan this GitHub organization (repeatable). The token comes from GITHUB_TOKEN or
    /// GH_TOKEN, unless --github-app-id is given.
    #[arg(long = "github-org", value_name = "ORG")]
    github_org: Vec<String>,
    /// GitHub API URL: GitHub Enterprise Server is https://HOST/api/v3.
    #[arg(long, value_name = "URL", default_value = DEFAULT_URL)]
    github_api_url: String,
    /// Authenticate as this GitHub App (with --github-app-key and --github-installation-id)
    /// instead of a token; needed to list fine-grained PATs.
    #[arg(long, value_name = "ID", requires_all = ["github_app_key", "github_installation_id"])]
    github_app_id: Option<u64>,
    /// The GitHub App's private key (PEM file).
    #[arg(long, value_name = "FILE", requires = "github_app_id")]
    github_app_key: Option<PathBuf>,
    /// The app's installation on the organization(s).
    #[arg(long, value_name = "ID", requires = "github_app_id")]
    github_installation_id: Option<u64>,
    /// Repositories read at once per organization.
    #[arg(long, value_name = "N", default_value_t = 4)]
    github_concurrency: usize,
}

impl GithubArgs {
    /// How to authenticate: the App's key (a path on the command line, never the key), or a
    /// token from the environment.
    fn auth(&self) -> Result<Auth, String> {
        if let (Some(app_id), Some(key_file), Some(installation_id)) = (
            self.github_app_id,
            &self.github_app_key,
            self.github_installation_id,
        ) {
            let key = std::fs::read_to_string(key_file).map_err(|e| {
                format!(
                    "cannot read the GitHub App private key {}: {e}; give the .pem file downloaded from the app's settings",
                    key_file.display()
                )
            })?;
            return Ok(Auth::App {
                app_id,
                private_key: Secret::new(key),
                installation_id,
            });
        }
        Secret::from_env(TOKEN_VARS).map(Auth::Token).ok_or_else(|| {
            format!(
                "{} is not set: set it to a token that can read the organization (a fine-grained token or GitHub App for full coverage), or use --github-app-id; nhi reads tokens only from the environment",
                TOKEN_VARS.join(" or ")
            )
        })
    }
}

impl Plug for GithubArgs {
    fn flags(&self) -> &'static [&'static str] {
        &["--github-org ORG"]
    }

    fn wanted(&self) -> bool {
        !self.github_org.is_empty()
    }

    fn connectors(&self, env: &PlugEnv<'_>) -> Vec<Setup> {
        match self.auth() {
            Ok(auth) => {
                let options = GithubOptions {
                    api_url: self.github_api_url.clone(),
                    orgs: self.github_org.clone(),
                    concurrency: self.github_concurrency.max(1),
                    ..Default::default()
                };
                vec![Setup::Ready(Box::new(Github::new(
                    options,
                    auth,
                    env.sleeper.clone(),
                )))]
            }
            // One failed source per organization asked for.
            Err(message) => self
                .github_org
                .iter()
                .map(|org| {
                    Setup::Failed(SourceReport::failed(
                        CONNECTOR,
                        org,
                        &self.github_api_url,
                        message.clone(),
                    ))
                })
                .collect(),
        }
    }
}
