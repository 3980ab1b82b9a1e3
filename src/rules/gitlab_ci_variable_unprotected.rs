//! A CI/CD variable that holds a credential and is not protected.
//!
//! An unprotected variable is given to every pipeline, of every branch and tag: anyone who can
//! push a branch (the Developer role) can write a job that sends it anywhere. Protected
//! variables reach only pipelines of protected branches and tags, which only Maintainers
//! control. The key's name or the value's shape (judged when read, never kept) says it is a
//! credential.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::gitlab;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-ci-variable-unprotected",
    title: "GitLab CI/CD credential variable readable by any branch",
    category: Category::Exposure,
    severity: Severity::High,
    providers: &["gitlab"],
    kinds: Kinds::Only(&[kinds::GITLAB_CI_VARIABLE]),
    owasp: &[Owasp::SecretLeakage, Owasp::EnvironmentIsolation],
    cis: &[],
    description: "A project, group or instance CI/CD variable whose key names a credential (*_TOKEN, *_KEY, *_SECRET, *PASSWORD*, AWS_SECRET_ACCESS_KEY, ...) or whose value has a credential's shape is not protected: every branch's pipeline, and so anyone who can push a branch, can read it.",
    remediation: "Edit the variable and select \"Protect variable\", and protect the branches and tags that deploy; scope it to the environment that needs it. Better, replace long-lived cloud keys with the job's id_token and a role that trusts only protected refs.",
    config: &[],
    references: &[
        "https://docs.gitlab.com/ci/variables/#protect-a-cicd-variable",
        "https://docs.gitlab.com/ci/cloud_services/aws/",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = gitlab(s.identity) else {
            return Vec::new();
        };
        let Some(key) = f.variable_key.as_deref() else {
            return Vec::new();
        };
        let Some(why) =
            super::gitlab_ci_variable_unmasked::why_credential(key, f.value_looks_like_credential)
        else {
            return Vec::new();
        };
        if f.protected != Some(false) {
            return Vec::new();
        }
        let env = f.environment_scope.as_deref().unwrap_or("*");
        let reach = if env == "*" {
            "every branch's pipeline can read it".to_string()
        } else {
            format!("any branch's job deploying to environment {env} can read it")
        };
        vec![Finding::new(
            &META,
            format!(
                "CI/CD variable {} is not protected: {reach} ({why}).",
                s.identity.name
            ),
        )
        .evidence(json!({
            "key": key,
            "protected": false,
            "masked": f.masked,
            "environment_scope": env,
            "reason": why,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gitlab;
    use nhi_api::{kinds, GitlabFacts, LastUsed};

    fn run(key: &str, protected: Option<bool>) -> usize {
        gitlab(
            kinds::GITLAB_CI_VARIABLE,
            10,
            LastUsed::Unknown,
            GitlabFacts {
                variable_key: Some(key.into()),
                protected,
                environment_scope: Some("*".into()),
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_unprotected_credentials() {
        assert_eq!(run("AWS_SECRET_ACCESS_KEY", Some(false)), 1);
    }

    #[test]
    fn quiet_on_protected_or_plain() {
        assert_eq!(run("AWS_SECRET_ACCESS_KEY", Some(true)), 0);
        assert_eq!(run("AWS_DEFAULT_REGION", Some(false)), 0);
        assert_eq!(run("AWS_SECRET_ACCESS_KEY", None), 0);
    }
}
