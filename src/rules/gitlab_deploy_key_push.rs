//! A GitLab deploy key that can push.
//!
//! A deploy key is an SSH key with no person behind it: whoever holds the private key can act
//! on the project from anywhere. Push access turns a leaked CI key into a way to change code
//! and `.gitlab-ci.yml` (and so reach every variable a pipeline reads). Most deploy keys only
//! need to clone.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gitlab;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-deploy-key-push",
    title: "GitLab deploy key with push access",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["gitlab"],
    kinds: Kinds::Only(&[kinds::GITLAB_DEPLOY_KEY]),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "A deploy key is enabled with write access (can_push): the holder of one private key can push to the project, including its CI configuration.",
    remediation: "Turn off \"Grant write permissions to this key\" (project Settings → Repository → Deploy keys) if the workload only clones; where pushes are needed, use a project access token with write_repository and an expiry, or a protected branch that the key cannot push to.",
    config: &[],
    references: &["https://docs.gitlab.com/user/project/deploy_keys/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = gitlab(s.identity) else {
            return Vec::new();
        };
        let Some(c) = s.identity.active_credentials().next() else {
            return Vec::new();
        };
        if f.can_push != Some(true) {
            return Vec::new();
        }
        let targets = c.details.get("can_push_to").cloned();
        let to = targets
            .clone()
            .or(f.path.clone())
            .unwrap_or_else(|| "its projects".into());
        vec![Finding::new(
            &META,
            format!("Deploy key {} can push to {to}.", s.identity.name),
        )
        .evidence(json!({"can_push": true, "project": f.path, "can_push_to": targets}))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gitlab;
    use nhi_api::{kinds, GitlabFacts, LastUsed};

    fn run(can_push: Option<bool>) -> usize {
        gitlab(
            kinds::GITLAB_DEPLOY_KEY,
            10,
            LastUsed::Unknown,
            GitlabFacts {
                can_push,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_push_keys_only() {
        assert_eq!(run(Some(true)), 1);
        assert_eq!(run(Some(false)), 0);
        assert_eq!(run(None), 0);
    }
}
