//! A GitLab automation token with a scope that reaches far past what automation needs.
//!
//! `api` is full read-write access to everything the token's user can reach, `sudo` acts as any
//! user (with an admin's token), `admin_mode` keeps an administrator's powers, and
//! `write_repository` pushes code (including `.gitlab-ci.yml`, and so every variable a pipeline
//! reads). Automation (project and group access tokens, PATs of bots and service accounts)
//! rarely needs more than `read_api`, `read_repository` or a registry scope.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gitlab;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-token-broad-scope",
    title: "GitLab automation token with a broad scope",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["gitlab"],
    kinds: Kinds::Only(KINDS),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "An active project or group access token, or a personal access token of a bot or service account, has the api, sudo, admin_mode or write_repository scope.",
    remediation: "Replace it with a token holding only the scopes the workload uses (read_api, read_repository, read_registry...), then revoke this one. Where a pipeline needs to call GitLab, prefer the job's own CI_JOB_TOKEN with an allowlist.",
    config: &[],
    references: &["https://docs.gitlab.com/user/profile/personal_access_tokens/#personal-access-token-scopes"],
};

const KINDS: &[&str] = &[
    kinds::GITLAB_PROJECT_ACCESS_TOKEN,
    kinds::GITLAB_GROUP_ACCESS_TOKEN,
    kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
];

const BROAD: &[&str] = &["api", "sudo", "admin_mode", "write_repository"];

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = gitlab(s.identity) else {
            return Vec::new();
        };
        // A human's own PAT is theirs to scope; automation's is what this rule is about.
        if s.identity.kind == kinds::GITLAB_PERSONAL_ACCESS_TOKEN
            && !matches!(f.user_type.as_deref(), Some("bot" | "service_account"))
        {
            return Vec::new();
        }
        if s.identity.active_credentials().next().is_none() {
            return Vec::new();
        }
        let broad: Vec<&str> = f
            .scopes
            .iter()
            .map(String::as_str)
            .filter(|s| BROAD.contains(s))
            .collect();
        if broad.is_empty() {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!("{} has the {} scope(s).", s.identity.name, broad.join(", ")),
        )
        .evidence(json!({
            "scopes": f.scopes,
            "broad_scopes": broad,
            "user": f.user,
            "user_type": f.user_type,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gitlab;
    use nhi_api::{kinds, GitlabFacts, LastUsed};

    fn run(kind: &str, scopes: &[&str], user_type: &str) -> usize {
        gitlab(
            kind,
            10,
            LastUsed::Never,
            GitlabFacts {
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                user_type: Some(user_type.into()),
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_broad_scopes_of_automation() {
        assert_eq!(run(kinds::GITLAB_PROJECT_ACCESS_TOKEN, &["api"], "bot"), 1);
        assert_eq!(
            run(
                kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
                &["read_api", "sudo"],
                "service_account"
            ),
            1
        );
    }

    #[test]
    fn quiet_on_narrow_scopes_and_humans() {
        assert_eq!(
            run(
                kinds::GITLAB_GROUP_ACCESS_TOKEN,
                &["read_api", "read_repository"],
                "bot"
            ),
            0
        );
        assert_eq!(
            run(kinds::GITLAB_PERSONAL_ACCESS_TOKEN, &["api"], "human"),
            0
        );
    }
}
