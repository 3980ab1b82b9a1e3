//! A deploy key that can push.
//!
//! A deploy key is an SSH key with no person behind it: whoever holds the private key can act on
//! the repository from anywhere, and GitHub cannot require more (no SSO, no expiry, no IP list).
//! Write access turns a leaked CI key into a way to push code, tags and workflow files (and so
//! reach every secret the workflows can read). Most deploy keys only need to clone.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{at_login, github, owner_login};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-deploy-key-write",
    title: "Deploy key with write access",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["github"],
    kinds: Kinds::Only(&[kinds::GITHUB_DEPLOY_KEY]),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "An enabled deploy key has write access (read_only=false): the holder of one private key can push to the repository, including workflow files.",
    remediation: "Replace the key with a read-only one (deploy keys cannot be changed: add a new key without \"Allow write access\", move the workload to it, delete this one). Where pushes are needed, use a GitHub App installation scoped to the repository, whose tokens expire within an hour.",
    config: &[],
    references: &["https://docs.github.com/en/authentication/connecting-to-github-with-ssh/managing-deploy-keys#deploy-keys"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = github(s.identity) else {
            return Vec::new();
        };
        if f.read_only != Some(false) || s.identity.active_credentials().next().is_none() {
            return Vec::new();
        }
        let repo = f.repository.as_deref().unwrap_or("its repository");
        vec![Finding::new(
            &META,
            format!(
                "Deploy key {} can push to {repo}; added by {}.",
                s.identity.name,
                at_login(owner_login(s.identity))
            ),
        )
        .evidence(json!({
            "repository": f.repository,
            "read_only": false,
            "added_by": owner_login(s.identity),
            "last_used": s.identity.last_used.at().map(crate::rule::rfc3339),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::github;
    use nhi_api::{kinds::GITHUB_DEPLOY_KEY, GithubFacts, LastUsed};

    fn key(read_only: Option<bool>) -> usize {
        github(
            GITHUB_DEPLOY_KEY,
            10,
            LastUsed::Never,
            GithubFacts {
                read_only,
                repository: Some("acme/api".into()),
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_write_keys_only() {
        assert_eq!(key(Some(false)), 1);
        assert_eq!(key(Some(true)), 0);
        assert_eq!(key(None), 0);
    }

    #[test]
    fn quiet_on_disabled_keys() {
        let mut case = github(
            GITHUB_DEPLOY_KEY,
            10,
            LastUsed::Never,
            GithubFacts {
                read_only: Some(false),
                ..Default::default()
            },
        );
        case.identity.credentials[0].status = nhi_api::CredentialStatus::Inactive;
        assert!(case.run(&super::Rule).is_empty());
    }
}
