//! GitLab groups, projects and instances, with a token from GITLAB_TOKEN.

use super::{Plug, PlugEnv, Setup};
use nhi_api::{Secret, SourceReport};
use nhi_gitlab::{Gitlab, GitlabOptions, CONNECTOR, DEFAULT_URL, TOKEN_VARS};

/// GitLab groups, projects and instances, with a token from GITLAB_TOKEN.
#[derive(clap::Args)]
pub struct GitlabArgs {
    /// Scan this GitLab group with its subgroups and projects (repeatable). The token comes
    /// from GITLAB_TOKEN (read_api scope).
    #[arg(long = "gitlab-group", value_name = "GROUP")]
    gitlab_group: Vec<String>,
    /// Scan this GitLab project (`group/project`; repeatable).
    #[arg(long = "gitlab-project", value_name = "PATH")]
    gitlab_project: Vec<String>,
    /// Read the instance-wide listings too (every personal access token, instance deploy keys
    /// and tokens, runners, service accounts, instance variables): needs an administrator's
    /// token.
    #[arg(long)]
    gitlab_instance: bool,
    /// The GitLab instance: https://gitlab.com, or a self-managed https://HOST.
    #[arg(long, value_name = "URL", default_value = DEFAULT_URL)]
    gitlab_url: String,
    /// Projects read at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    gitlab_concurrency: usize,
}

impl Plug for GitlabArgs {
    fn flags(&self) -> &'static [&'static str] {
        &["--gitlab-group GROUP", "--gitlab-project PATH", "--gitlab-instance"]
    }

    fn wanted(&self) -> bool {
        !self.gitlab_group.is_empty() || !self.gitlab_project.is_empty() || self.gitlab_instance
    }

    fn connectors(&self, env: &PlugEnv<'_>) -> Vec<Setup> {
        match Secret::from_env(TOKEN_VARS) {
            Some(token) => {
                let options = GitlabOptions {
                    url: self.gitlab_url.clone(),
                    groups: self.gitlab_group.clone(),
                    projects: self.gitlab_project.clone(),
                    instance: self.gitlab_instance,
                    concurrency: self.gitlab_concurrency.max(1),
                    ..Default::default()
                };
                vec![Setup::Ready(Box::new(Gitlab::new(
                    options,
                    token,
                    env.sleeper.clone(),
                )))]
            }
            None => {
                let message = format!(
                    "{} is not set: set it to a GitLab token with the read_api scope (a Maintainer's or Owner's to see tokens and variables; an administrator's for --gitlab-instance); nhi reads tokens only from the environment",
                    TOKEN_VARS.join(" or ")
                );
                let mut scopes: Vec<&str> = self
                    .gitlab_group
                    .iter()
                    .chain(&self.gitlab_project)
                    .map(String::as_str)
                    .collect();
                if self.gitlab_instance {
                    scopes.push("instance");
                }
                scopes
                    .into_iter()
                    .map(|scope| {
                        Setup::Failed(SourceReport::failed(
                            CONNECTOR,
                            scope,
                            &self.gitlab_url,
                            message.clone(),
                        ))
                    })
                    .collect()
            }
        }
    }
}
