//! A CI/CD variable that holds a credential and is not masked.
//!
//! An unmasked variable's value is printed as-is wherever a job echoes it: job logs, which
//! every project member (and, on public projects, everyone) can read, keep it for months. The
//! key's name says it is a credential (`*_TOKEN`, `*_KEY`, `*_SECRET`, `*PASSWORD*`), or its
//! value had the shape of one when nhi read it (the value itself is never kept).

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{credential_like_key, gitlab};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-ci-variable-unmasked",
    title: "GitLab CI/CD credential variable not masked",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["gitlab"],
    kinds: Kinds::Only(&[kinds::GITLAB_CI_VARIABLE]),
    owasp: &[Owasp::SecretLeakage],
    cis: &[],
    description: "A project, group or instance CI/CD variable whose key names a credential (*_TOKEN, *_KEY, *_SECRET, *PASSWORD*, ...) or whose value has a credential's shape is not masked, so job logs show it in clear.",
    remediation: "Edit the variable and select \"Masked\" (or \"Masked and hidden\"); rotate the credential if job logs may already hold it. Better, fetch it at run time from a secrets manager with the job's id_token.",
    config: &[],
    references: &["https://docs.gitlab.com/ci/variables/#mask-a-cicd-variable"],
};

/// Why a variable is taken for a credential, or `None`.
pub(crate) fn why_credential(key: &str, shape: Option<bool>) -> Option<&'static str> {
    if credential_like_key(key) {
        Some("its key names a credential")
    } else if shape == Some(true) {
        Some("its value has the shape of a credential")
    } else {
        None
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
        let Some(key) = f.variable_key.as_deref() else {
            return Vec::new();
        };
        let Some(why) = why_credential(key, f.value_looks_like_credential) else {
            return Vec::new();
        };
        if f.masked != Some(false) {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!(
                "CI/CD variable {} is not masked, and {why}.",
                s.identity.name
            ),
        )
        .evidence(json!({
            "key": key,
            "masked": false,
            "protected": f.protected,
            "environment_scope": f.environment_scope,
            "reason": why,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::gitlab;
    use nhi_api::{kinds, GitlabFacts, LastUsed};

    fn run(key: &str, masked: Option<bool>, shape: Option<bool>) -> usize {
        gitlab(
            kinds::GITLAB_CI_VARIABLE,
            10,
            LastUsed::Unknown,
            GitlabFacts {
                variable_key: Some(key.into()),
                masked,
                value_looks_like_credential: shape,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_unmasked_credentials() {
        assert_eq!(run("NPM_TOKEN", Some(false), None), 1);
        assert_eq!(run("UPLOAD_CONFIG", Some(false), Some(true)), 1);
    }

    #[test]
    fn quiet_on_masked_or_plain_values() {
        assert_eq!(run("NPM_TOKEN", Some(true), None), 0);
        assert_eq!(run("REGION", Some(false), Some(false)), 0);
        assert_eq!(run("NPM_TOKEN", None, None), 0);
    }
}
