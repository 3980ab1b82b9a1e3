//! A project or group whose runner registration token is still enabled.
//!
//! Registration tokens are deprecated (GitLab 15.6, removal planned): anyone who holds one can
//! register a runner to the project or group and receive its jobs, with their variables and job
//! tokens. They never expire and are often pasted in wikis and provisioning scripts. Runners
//! created with an authentication token (Settings → CI/CD → New runner) need none.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gitlab;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-runner-registration-token",
    title: "GitLab runner registration token still enabled",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["gitlab"],
    kinds: Kinds::Only(&[kinds::GITLAB_RUNNER_REGISTRATION_TOKEN]),
    owasp: &[Owasp::LongLivedSecrets, Owasp::InsecureAuthentication],
    cis: &[],
    description: "A project or group still has a runner registration token (the deprecated registration flow): whoever holds it can register a runner and receive the project's jobs and their secrets.",
    remediation: "Create runners with authentication tokens (Settings → CI/CD → Runners → New runner), then turn off \"Allow members of projects and groups to create runners with runner registration tokens\" (group Settings → CI/CD → Runners, or Admin for the instance), which also resets the token.",
    config: &[],
    references: &["https://docs.gitlab.com/ci/runners/new_creation_workflow/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = gitlab(s.identity) else {
            return Vec::new();
        };
        if s.identity.active_credentials().next().is_none() {
            return Vec::new();
        }
        let what = f.level.as_deref().unwrap_or("project");
        vec![Finding::new(
            &META,
            format!(
                "The {what} {} still has a runner registration token: anyone holding it can register a runner and receive its jobs.",
                f.path.as_deref().unwrap_or(&s.identity.scope)
            ),
        )
        .evidence(json!({"level": what, "path": f.path}))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gitlab;
    use nhi_api::{kinds, CredentialStatus, GitlabFacts, LastUsed};

    #[test]
    fn fires_while_enabled() {
        let facts = GitlabFacts {
            level: Some("project".into()),
            path: Some("acme/web".into()),
            ..Default::default()
        };
        let mut c = gitlab(
            kinds::GITLAB_RUNNER_REGISTRATION_TOKEN,
            10,
            LastUsed::Unknown,
            facts,
        );
        assert_eq!(c.run(&super::Rule).len(), 1);
        c.identity.credentials[0].status = CredentialStatus::Revoked;
        assert!(c.run(&super::Rule).is_empty());
        let runner = gitlab(
            kinds::GITLAB_RUNNER,
            10,
            LastUsed::Unknown,
            GitlabFacts::default(),
        );
        assert!(runner.run(&super::Rule).is_empty());
    }
}
