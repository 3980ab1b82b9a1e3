//! AI providers' organizations: OpenAI (Administration API) and Anthropic (Admin API), each with
//! an admin key from the environment.

use super::{Plug, PlugEnv, Setup};
use nhi_api::{Connector, Secret, SourceReport};
use nhi_http::{HttpError, Sleeper};
use std::sync::Arc;

#[derive(clap::Args)]
pub struct AiArgs {
    /// Scan the OpenAI organization of the admin key in OPENAI_ADMIN_KEY.
    #[arg(long)]
    openai: bool,
    /// OpenAI API base URL (a proxy, or a test server).
    #[arg(long, value_name = "URL", default_value = nhi_openai::DEFAULT_URL)]
    openai_api_url: String,
    /// Scan the Anthropic organization of the admin key in ANTHROPIC_ADMIN_KEY.
    #[arg(long)]
    anthropic: bool,
    /// Anthropic API base URL (a proxy, or a test server).
    #[arg(long, value_name = "URL", default_value = nhi_anthropic::DEFAULT_URL)]
    anthropic_api_url: String,
}

/// Makes a connector from the API URL, the admin key and the waiting strategy.
type Build = fn(&str, Secret, Arc<dyn Sleeper>) -> Result<Box<dyn Connector>, HttpError>;

/// How one AI provider's connector is made from its admin key.
struct Provider<'a> {
    connector: &'static str,
    url: &'a str,
    vars: &'static [&'static str],
    /// What the key is and where it is made, for the message when it is missing.
    key: &'static str,
    build: Build,
}

impl Provider<'_> {
    /// The connector, with its admin key from the environment (never from the command line).
    fn setup(&self, sleeper: Arc<dyn Sleeper>) -> Setup {
        let fail = |message: String| {
            Setup::Failed(SourceReport::failed(self.connector, "", self.url, message))
        };
        let Some(key) = Secret::from_env(self.vars) else {
            return fail(format!(
                "{} is not set: set it to {}; nhi reads keys only from the environment",
                self.vars.join(" or "),
                self.key
            ));
        };
        match (self.build)(self.url, key, sleeper) {
            Ok(c) => Setup::Ready(c),
            Err(e) => fail(e.to_string()),
        }
    }
}

impl Plug for AiArgs {
    fn flags(&self) -> &'static [&'static str] {
        &["--openai", "--anthropic"]
    }

    fn wanted(&self) -> bool {
        self.openai || self.anthropic
    }

    fn connectors(&self, env: &PlugEnv<'_>) -> Vec<Setup> {
        let openai = Provider {
            connector: nhi_openai::CONNECTOR,
            url: &self.openai_api_url,
            vars: nhi_openai::TOKEN_VARS,
            key: "an OpenAI organization admin key (Organization settings → Admin keys)",
            build: |url, key, sleeper| {
                nhi_openai::OpenAi::new(url, key, sleeper).map(|c| Box::new(c) as Box<dyn Connector>)
            },
        };
        let anthropic = Provider {
            connector: nhi_anthropic::CONNECTOR,
            url: &self.anthropic_api_url,
            vars: nhi_anthropic::TOKEN_VARS,
            key: "an Anthropic admin key, sk-ant-admin... (Claude Console → Settings → Admin keys)",
            build: |url, key, sleeper| {
                nhi_anthropic::Anthropic::new(url, key, sleeper)
                    .map(|c| Box::new(c) as Box<dyn Connector>)
            },
        };
        [(self.openai, openai), (self.anthropic, anthropic)]
            .into_iter()
            .filter(|(asked, _)| *asked)
            .map(|(_, provider)| provider.setup(env.sleeper.clone()))
            .collect()
    }
}
