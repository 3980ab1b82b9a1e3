//! A GitLab trigger token or personal access token whose owner left, was blocked or
//! deactivated.
//!
//! A trigger token runs pipelines as its owner; when the owner leaves the project the token
//! stops working only in some versions, and a PAT of a blocked user is one reactivation away.
//! Nobody is left to answer for the credential. Judged only when the owner's state or the
//! members list could be read.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{at_login, gitlab, owner_login};
use crate::rule::judge::departed_owner;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-owner-departed",
    title: "GitLab token owned by someone who left",
    category: Category::Ownership,
    severity: Severity::High,
    providers: &["gitlab"],
    kinds: Kinds::Only(&[kinds::GITLAB_TRIGGER_TOKEN, kinds::GITLAB_PERSONAL_ACCESS_TOKEN]),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "The owner of an active pipeline trigger token or personal access token is blocked, deactivated, or no longer a member of the project or group scanned.",
    remediation: "Find what uses the token (the trigger's last use, the calling job's config), replace it with a token owned by a current maintainer or a service account, then revoke this one. Add a token review to offboarding.",
    config: &[],
    references: &[
        "https://docs.gitlab.com/ci/triggers/",
        "https://owasp.org/www-project-non-human-identities-top-10/2025/1-improper-offboarding/",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let (Some(f), Some(_)) = (gitlab(s.identity), departed_owner(s.identity)) else {
            return Vec::new();
        };
        if s.identity.active_credentials().next().is_none() {
            return Vec::new();
        }
        let who = at_login(owner_login(s.identity));
        vec![Finding::new(
            &META,
            format!(
                "{} belongs to {who}, who is blocked, deactivated or no longer a member.",
                s.identity.name
            ),
        )
        .evidence(json!({"owner": owner_login(s.identity), "owner_active": false, "path": f.path}))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gitlab;
    use nhi_api::{kinds, GitlabFacts, LastUsed};

    fn run(kind: &str, active: Option<bool>) -> usize {
        gitlab(kind, 10, LastUsed::Never, GitlabFacts::default())
            .owner("bob", active)
            .run(&super::Rule)
            .len()
    }

    #[test]
    fn fires_only_on_a_known_departure() {
        assert_eq!(run(kinds::GITLAB_TRIGGER_TOKEN, Some(false)), 1);
        assert_eq!(run(kinds::GITLAB_PERSONAL_ACCESS_TOKEN, Some(false)), 1);
        assert_eq!(run(kinds::GITLAB_TRIGGER_TOKEN, Some(true)), 0);
        assert_eq!(run(kinds::GITLAB_TRIGGER_TOKEN, None), 0);
        assert_eq!(run(kinds::GITLAB_DEPLOY_KEY, Some(false)), 0);
    }
}
