//! A suspended GitHub App installation left installed.
//!
//! Suspending an installation stops its tokens but keeps its grants: anyone who can unsuspend it
//! restores everything at once, and nobody reviews an app that "is off anyway". An installation
//! suspended for good should be uninstalled.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::github;
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-app-suspended",
    title: "Suspended app still installed",
    category: Category::Hygiene,
    severity: Severity::Low,
    providers: &["github"],
    kinds: Kinds::Only(&[kinds::GITHUB_APP_INSTALLATION]),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "A GitHub App installation is suspended but still installed, keeping its permissions and repository access ready to be restored.",
    remediation: "If the app is no longer needed, uninstall it (organization Settings → GitHub Apps → Configure → Uninstall). If it is, unsuspend it deliberately and review its permissions first.",
    config: &[],
    references: &["https://docs.github.com/en/apps/using-github-apps/suspending-a-github-app-installation"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = github(s.identity) else {
            return Vec::new();
        };
        let Some(since) = f.suspended_at else {
            return Vec::new();
        };
        vec![Finding::new(
            &META,
            format!(
                "App {} has been suspended since {} ({} days) but is still installed.",
                s.identity.name,
                day(since),
                ctx.days_since(since).max(0)
            ),
        )
        .evidence(json!({
            "app_slug": f.app_slug,
            "suspended_at": rfc3339(since),
            "permissions": f.permissions,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, github};
    use nhi_api::{kinds, GithubFacts, LastUsed};

    fn run(suspended: Option<i64>) -> usize {
        github(
            kinds::GITHUB_APP_INSTALLATION,
            100,
            LastUsed::Unknown,
            GithubFacts {
                suspended_at: suspended.map(days_ago),
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_only_when_suspended() {
        assert_eq!(run(Some(40)), 1);
        assert_eq!(run(None), 0);
    }
}
