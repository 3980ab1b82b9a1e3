//! An Actions secret whose value has not changed for too long.
//!
//! Actions secrets are the credentials pipelines authenticate with: cloud keys, registry tokens,
//! deploy keys. GitHub keeps no record of their use, so their age is the one signal there is. A
//! value set years ago has been readable by every workflow run (and every workflow change) since.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::github;
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-secret-not-rotated",
    title: "Actions secret not rotated",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["github"],
    kinds: Kinds::Only(&[kinds::GITHUB_ACTIONS_SECRET]),
    owasp: &[Owasp::LongLivedSecrets, Owasp::SecretLeakage],
    cis: &[],
    description: "An organization, repository or environment Actions secret was last set longer ago than the threshold (default 365 days).",
    remediation: "Rotate the credential at its issuer and store the new value (gh secret set NAME). Better, replace long-lived cloud keys with OpenID Connect federation from Actions, so there is no secret to rotate; delete secrets no workflow references.",
    config: &["thresholds.github_secret_max_age_days"],
    references: &["https://docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = github(s.identity) else {
            return Vec::new();
        };
        let Some(set) = f.updated_at else {
            return Vec::new();
        };
        let max = ctx.config.thresholds.github_secret_max_age_days.get();
        let age = ctx.days_since(set);
        if age <= max {
            return Vec::new();
        }
        let level = match (&f.repository, &f.environment) {
            (Some(r), Some(e)) => format!("environment {e} of {r}"),
            (Some(r), None) => format!("repository {r}"),
            _ => match f.visibility.as_deref() {
                Some("selected") => format!(
                    "the organization (shared with {} selected repositories)",
                    f.selected_repositories.len()
                ),
                Some(v) => format!("the organization (visible to {v} repositories)"),
                None => "the organization".to_string(),
            },
        };
        vec![Finding::new(
            &META,
            format!(
                "Secret {} of {level} was last set {} ({age} days ago; maximum {max}).",
                s.identity
                    .credentials
                    .first()
                    .map(|c| c.id.as_str())
                    .unwrap_or(&s.identity.name),
                day(set)
            ),
        )
        .evidence(json!({
            "updated_at": rfc3339(set),
            "age_days": age,
            "max_age_days": max,
            "repository": f.repository,
            "environment": f.environment,
            "visibility": f.visibility,
            "selected_repositories": f.selected_repositories,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, github};
    use nhi_api::{kinds, GithubFacts, LastUsed};

    fn run(kind: &str, updated: Option<i64>) -> usize {
        github(
            kind,
            900,
            LastUsed::Unknown,
            GithubFacts {
                updated_at: updated.map(days_ago),
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_old_values() {
        assert_eq!(run(kinds::GITHUB_ACTIONS_SECRET, Some(400)), 1);
    }

    #[test]
    fn quiet_on_fresh_unknown_or_other_kinds() {
        assert_eq!(run(kinds::GITHUB_ACTIONS_SECRET, Some(30)), 0);
        assert_eq!(run(kinds::GITHUB_ACTIONS_SECRET, None), 0);
        assert_eq!(run(kinds::GITHUB_DEPLOY_KEY, Some(400)), 0);
    }
}
