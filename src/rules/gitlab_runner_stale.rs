//! A GitLab runner that has not contacted the instance for a long time.
//!
//! A runner's authentication token stays valid while the runner is registered: a machine that
//! was decommissioned, or a copy of its `config.toml`, can come back and pick up jobs (and the
//! variables they carry). A runner never contacted is judged by its age.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gitlab;
use crate::rule::judge::Unused;
use crate::rule::{rfc3339, Ctx, Subject};
use nhi_api::{kinds, LastUsed};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-runner-stale",
    title: "GitLab runner not seen for a long time",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["gitlab"],
    kinds: Kinds::Only(&[kinds::GITLAB_RUNNER]),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "A runner has not contacted GitLab within the threshold (default 90 days), or never did and was created longer ago than that; its authentication token still works.",
    remediation: "Delete the runner (Settings → CI/CD → Runners, or Admin → CI/CD → Runners), which revokes its token; register a new one with an authentication token if the machine is still needed. Set a runner token expiration interval on the instance, group or project.",
    config: &["thresholds.gitlab_runner_unused_days"],
    references: &["https://docs.gitlab.com/ci/runners/configure_runners/#authentication-token-security"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx.config.thresholds.gitlab_runner_unused_days.get();
        let Some(f) = gitlab(s.identity) else {
            return Vec::new();
        };
        let Some(u) = Unused::judge(ctx, s.identity.last_used, s.identity.created_at, limit) else {
            return Vec::new();
        };
        let message = match u.last_used {
            Some(_) => u
                .message(&s.identity.name, "")
                .replace("was last used", "last contacted GitLab"),
            None => u
                .message(&s.identity.name, "it was created")
                .replace("been used", "contacted GitLab"),
        };
        vec![Finding::new(&META, message).evidence(json!({
            "runner_type": f.runner_type,
            "paused": f.paused,
            "status": f.status,
            "contacted_at": s.identity.last_used.at().map(rfc3339),
            "never_contacted": s.identity.last_used == LastUsed::Never,
            "threshold_days": limit,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, gitlab};
    use nhi_api::{kinds, GitlabFacts, LastUsed};

    fn run(age: i64, contacted: LastUsed) -> Vec<crate::finding::Finding> {
        gitlab(kinds::GITLAB_RUNNER, age, contacted, GitlabFacts::default()).run(&super::Rule)
    }

    #[test]
    fn fires_on_old_contact_and_old_never_contacted() {
        let f = run(400, LastUsed::At(days_ago(200)));
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("last contacted GitLab"),
            "{}",
            f[0].message
        );
        assert_eq!(run(400, LastUsed::Never).len(), 1);
    }

    #[test]
    fn quiet_on_recent_new_or_unknown() {
        assert!(run(400, LastUsed::At(days_ago(1))).is_empty());
        assert!(run(10, LastUsed::Never).is_empty());
        assert!(run(400, LastUsed::Unknown).is_empty());
    }
}
