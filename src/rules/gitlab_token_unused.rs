//! A GitLab token nobody uses.
//!
//! An unused token grants access nothing needs, and nobody notices when someone else starts
//! using it. A token GitLab says was never used is judged by its age, so a new one has the whole
//! threshold to be put to use. Deploy tokens and keys, whose use GitLab does not report, are not
//! judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::judge::unused_credentials;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-token-unused",
    title: "GitLab token unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["gitlab"],
    kinds: Kinds::Only(KINDS),
    owasp: &[Owasp::ImproperOffboarding, Owasp::LongLivedSecrets],
    cis: &[],
    description: "An active project, group or personal access token, or pipeline trigger token, has not been used within the threshold (default 90 days), or was never used and was created longer ago than that.",
    remediation: "Revoke it (project or group Settings → Access tokens, the user's Access tokens page, or Settings → CI/CD → Pipeline trigger tokens). Create a new one, with an expiry, if a workload turns out to need it.",
    config: &["thresholds.gitlab_credential_unused_days"],
    references: &["https://docs.gitlab.com/user/project/settings/project_access_tokens/"],
};

const KINDS: &[&str] = &[
    kinds::GITLAB_PROJECT_ACCESS_TOKEN,
    kinds::GITLAB_GROUP_ACCESS_TOKEN,
    kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
    kinds::GITLAB_TRIGGER_TOKEN,
];

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx.config.thresholds.gitlab_credential_unused_days.get();
        unused_credentials(&META, s, ctx, limit, "it was created", "created_at")
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, gitlab};
    use nhi_api::{kinds, GitlabFacts, LastUsed};

    fn run(kind: &str, age: i64, used: LastUsed) -> usize {
        gitlab(kind, age, used, GitlabFacts::default())
            .run(&super::Rule)
            .len()
    }

    #[test]
    fn fires_on_old_use_and_old_never_used() {
        assert_eq!(
            run(
                kinds::GITLAB_TRIGGER_TOKEN,
                400,
                LastUsed::At(days_ago(200))
            ),
            1
        );
        assert_eq!(
            run(kinds::GITLAB_PROJECT_ACCESS_TOKEN, 200, LastUsed::Never),
            1
        );
    }

    #[test]
    fn quiet_on_recent_new_or_unknown() {
        assert_eq!(
            run(kinds::GITLAB_TRIGGER_TOKEN, 400, LastUsed::At(days_ago(5))),
            0
        );
        assert_eq!(
            run(kinds::GITLAB_PERSONAL_ACCESS_TOKEN, 10, LastUsed::Never),
            0
        );
        assert_eq!(
            run(kinds::GITLAB_GROUP_ACCESS_TOKEN, 400, LastUsed::Unknown),
            0
        );
        assert_eq!(run(kinds::GITLAB_DEPLOY_TOKEN, 400, LastUsed::Never), 0);
    }
}
