//! Actions may approve pull requests.
//!
//! With `can_approve_pull_request_reviews`, a workflow's `GITHUB_TOKEN` can approve a pull
//! request, so the review a branch protection rule requires can come from a bot that anyone
//! who opens a pull request can drive: a pipeline identity defeats the human check.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::github;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-actions-can-approve-prs",
    title: "Actions can approve pull requests",
    category: Category::OverPrivilege,
    severity: Severity::Medium,
    providers: &["github"],
    kinds: Kinds::Only(&[kinds::GITHUB_WORKFLOW_TOKEN]),
    owasp: &[Owasp::Overprivileged, Owasp::HumanUse],
    cis: &[],
    description: "The organization lets GitHub Actions create and approve pull requests: a workflow token can supply the approval branch protection requires.",
    remediation: "Organization Settings → Actions → General → Workflow permissions: clear \"Allow GitHub Actions to create and approve pull requests\".",
    config: &[],
    references: &["https://docs.github.com/en/rest/actions/permissions#get-default-workflow-permissions-for-an-organization"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = github(s.identity) else {
            return Vec::new();
        };
        if f.can_approve_pull_request_reviews != Some(true) {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!(
                "Workflows in {} can approve pull requests with their GITHUB_TOKEN.",
                s.identity.scope
            ),
        )
        .evidence(json!({ "can_approve_pull_request_reviews": true }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::github;
    use nhi_api::{kinds, GithubFacts, LastUsed};

    fn run(can: Option<bool>) -> usize {
        github(
            kinds::GITHUB_WORKFLOW_TOKEN,
            10,
            LastUsed::Unknown,
            GithubFacts {
                can_approve_pull_request_reviews: can,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_only_when_allowed() {
        assert_eq!(run(Some(true)), 1);
        assert_eq!(run(Some(false)), 0);
        assert_eq!(run(None), 0);
    }
}
