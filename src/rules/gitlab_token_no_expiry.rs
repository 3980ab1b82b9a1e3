//! A GitLab token or deploy key that never expires, or expires too far ahead.
//!
//! GitLab caps the lifetime of new access tokens at a year, but tokens made before that rule,
//! self-managed instances that lift it, deploy tokens, deploy keys and trigger tokens can live
//! forever. A credential without expiry outlives the pipeline, the project and often the person
//! who made it.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::judge::Lifetime;
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gitlab-token-no-expiry",
    title: "GitLab token without expiry",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["gitlab"],
    kinds: Kinds::Only(KINDS),
    owasp: &[Owasp::LongLivedSecrets],
    cis: &[],
    description: "An active GitLab project, group or personal access token, deploy token, trigger token or deploy key never expires, or expires more than the maximum lifetime (default 366 days) after it was created.",
    remediation: "Rotate it: create a replacement with an expiry date (at most a year; project and group access tokens can rotate themselves), move the workload to it, then revoke this one. On self-managed instances, set a maximum lifetime for access tokens (Admin → Settings → General → Account and limit).",
    config: &["thresholds.gitlab_token_max_lifetime_days"],
    references: &[
        "https://docs.gitlab.com/user/profile/personal_access_tokens/#access-token-expiration",
        "https://docs.gitlab.com/administration/settings/account_and_limit_settings/#limit-the-lifetime-of-access-tokens",
    ],
};

const KINDS: &[&str] = &[
    kinds::GITLAB_PROJECT_ACCESS_TOKEN,
    kinds::GITLAB_GROUP_ACCESS_TOKEN,
    kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
    kinds::GITLAB_DEPLOY_TOKEN,
    kinds::GITLAB_TRIGGER_TOKEN,
    kinds::GITLAB_DEPLOY_KEY,
];

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let max = ctx.config.thresholds.gitlab_token_max_lifetime_days.get();
        s.identity
            .active_credentials()
            .filter_map(|c| {
                let created = c.created_at.or(s.identity.created_at);
                let lifetime = Lifetime::judge(c.expires, created, max)?;
                let message = match lifetime {
                    Lifetime::Never => format!("{} never expires.", s.identity.name),
                    Lifetime::Beyond { expires, days } => format!(
                        "{} expires {}, {days} days after it was created (maximum {max}).",
                        s.identity.name,
                        day(expires)
                    ),
                };
                Some(
                    Finding::new(&META, message)
                        .credential(&c.id)
                        .evidence(json!({
                            "credential": c.id,
                            "kind": c.kind,
                            "created_at": created.map(rfc3339),
                            "expires_at": c.expires.at().map(rfc3339),
                            "never_expires": lifetime == Lifetime::Never,
                            "max_lifetime_days": max,
                        })),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, gitlab};
    use nhi_api::{kinds, CredentialStatus, Expiry, GitlabFacts, LastUsed};

    fn run(kind: &str, expires: Expiry, status: CredentialStatus) -> usize {
        let mut c = gitlab(kind, 10, LastUsed::Never, GitlabFacts::default());
        c.identity.credentials[0].expires = expires;
        c.identity.credentials[0].status = status;
        c.run(&super::Rule).len()
    }

    #[test]
    fn fires_on_no_expiry_and_far_expiry() {
        let active = CredentialStatus::Active;
        assert_eq!(run(kinds::GITLAB_DEPLOY_TOKEN, Expiry::Never, active), 1);
        assert_eq!(
            run(
                kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
                Expiry::At(days_ago(-800)),
                active
            ),
            1
        );
        assert_eq!(run(kinds::GITLAB_DEPLOY_KEY, Expiry::Never, active), 1);
    }

    #[test]
    fn quiet_on_bounded_unknown_or_revoked() {
        let active = CredentialStatus::Active;
        assert_eq!(
            run(
                kinds::GITLAB_PROJECT_ACCESS_TOKEN,
                Expiry::At(days_ago(-300)),
                active
            ),
            0
        );
        assert_eq!(run(kinds::GITLAB_TRIGGER_TOKEN, Expiry::Unknown, active), 0);
        assert_eq!(
            run(
                kinds::GITLAB_GROUP_ACCESS_TOKEN,
                Expiry::Never,
                CredentialStatus::Revoked
            ),
            0
        );
        assert_eq!(run(kinds::GITLAB_CI_VARIABLE, Expiry::Never, active), 0);
    }
}
