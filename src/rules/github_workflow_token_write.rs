//! The organization gives every workflow's `GITHUB_TOKEN` write access by default.
//!
//! Every workflow run gets a token. With `default_workflow_permissions=write`, any workflow that
//! does not declare `permissions:` can push code, create releases and change issues, so one
//! injectable step (a pull request title in a `run:` line, a compromised action) becomes write
//! access to the repository. Read by default, with write granted per job, is the safe setting.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::github;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-workflow-token-write",
    title: "Workflow token has write access by default",
    category: Category::OverPrivilege,
    severity: Severity::Medium,
    providers: &["github"],
    kinds: Kinds::Only(&[kinds::GITHUB_WORKFLOW_TOKEN]),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "The organization's default workflow permissions are read and write: every workflow run's GITHUB_TOKEN can write to its repository unless the workflow narrows it.",
    remediation: "Organization Settings → Actions → General → Workflow permissions: choose \"Read repository contents and packages permissions\". Grant write per job with a `permissions:` block where a workflow needs it.",
    config: &[],
    references: &["https://docs.github.com/en/organizations/managing-organization-settings/disabling-or-limiting-github-actions-for-your-organization#setting-the-permissions-of-the-github_token-for-your-organization"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = github(s.identity) else {
            return Vec::new();
        };
        if f.default_workflow_permissions.as_deref() != Some("write") {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!(
                "Workflows in {} get a GITHUB_TOKEN with write access unless they declare otherwise.",
                s.identity.scope
            ),
        )
        .evidence(json!({ "default_workflow_permissions": "write" }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::github;
    use nhi_api::{kinds, GithubFacts, LastUsed};

    fn run(default: Option<&str>) -> usize {
        github(
            kinds::GITHUB_WORKFLOW_TOKEN,
            10,
            LastUsed::Unknown,
            GithubFacts {
                default_workflow_permissions: default.map(String::from),
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_write_defaults_only() {
        assert_eq!(run(Some("write")), 1);
        assert_eq!(run(Some("read")), 0);
        assert_eq!(run(None), 0);
    }
}
