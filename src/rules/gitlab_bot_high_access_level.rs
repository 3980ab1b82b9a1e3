//! A project or group access token whose bot user is a Maintainer or Owner.
//!
//! GitLab gives new project access tokens the Maintainer role unless told otherwise. A
//! Maintainer bot can change protected branches, CI/CD variables and settings, and an Owner bot
//! can delete the project or group: far more than a pipeline or integration needs.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gitlab;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-bot-high-access-level",
    title: "GitLab bot token with Maintainer or Owner role",
    category: Category::OverPrivilege,
    severity: Severity::Medium,
    providers: &["gitlab"],
    kinds: Kinds::Only(&[kinds::GITLAB_PROJECT_ACCESS_TOKEN, kinds::GITLAB_GROUP_ACCESS_TOKEN]),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "An active project or group access token's bot user has the Maintainer (40) or Owner (50) role, which lets it change protected branches, CI/CD variables and settings.",
    remediation: "Create a replacement token with the lowest role that works (Reporter to read, Developer to push unprotected branches), move the workload to it, then revoke this one.",
    config: &[],
    references: &["https://docs.gitlab.com/user/permissions/"],
};

fn role(level: u32) -> &'static str {
    if level >= 50 {
        "Owner"
    } else {
        "Maintainer"
    }
}

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = gitlab(s.identity) else {
            return Vec::new();
        };
        let Some(level) = f.access_level.filter(|l| *l >= 40) else {
            return Vec::new();
        };
        if s.identity.active_credentials().next().is_none() {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!(
                "{}'s bot user{} has the {} role ({level}).",
                s.identity.name,
                f.user
                    .as_deref()
                    .map(|u| format!(" @{u}"))
                    .unwrap_or_default(),
                role(level)
            ),
        )
        .evidence(
            json!({"access_level": level, "role": role(level), "bot_user": f.user, "path": f.path}),
        )]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gitlab;
    use nhi_api::{kinds, GitlabFacts, LastUsed};

    fn run(level: Option<u32>) -> usize {
        gitlab(
            kinds::GITLAB_PROJECT_ACCESS_TOKEN,
            10,
            LastUsed::Never,
            GitlabFacts {
                access_level: level,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_maintainer_and_owner_only() {
        assert_eq!(run(Some(40)), 1);
        assert_eq!(run(Some(50)), 1);
        assert_eq!(run(Some(30)), 0);
        assert_eq!(run(None), 0);
    }
}
