//! A GitHub token that never expires, or expires too far ahead.
//!
//! Fine-grained PATs and classic PATs can be made to live forever; an organization can forbid
//! that, but only by policy. A token without expiry outlives the project, the laptop it was
//! pasted on and often the person who made it. A pending request for such a token is reported
//! too: approving it would grant the never-expiring token access.

use super::{day, github, lifetime_beyond, rfc3339, Ctx, Subject};
use crate::finding::{Category, Finding, Owasp, RuleMeta, Severity};
use nhi_api::{kinds, CredentialStatus};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-token-no-expiry",
    title: "GitHub token without expiry",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["github"],
    owasp: &[Owasp::LongLivedSecrets],
    cis: &[],
    description: "A fine-grained PAT (granted or requested) or a SAML-authorized classic PAT never expires, or expires more than the maximum lifetime (default 366 days) after it was granted.",
    remediation: "Ask the owner to replace it with a token that expires (at most a year), then revoke this one. Set the organization's personal access token policy to require a maximum lifetime (Settings → Personal access tokens). For automation, prefer a GitHub App: its tokens expire within an hour.",
    config: &["thresholds.github_token_max_lifetime_days"],
    references: &["https://docs.github.com/en/organizations/managing-programmatic-access-to-your-organization/setting-a-personal-access-token-policy-for-your-organization"],
};

const KINDS: &[&str] = &[
    kinds::GITHUB_FINE_GRAINED_PAT,
    kinds::GITHUB_FINE_GRAINED_PAT_REQUEST,
    kinds::GITHUB_CREDENTIAL_AUTHORIZATION,
];

impl super::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = github(s.identity, KINDS) else {
            return Vec::new();
        };
        let max = i64::from(ctx.config.thresholds.github_token_max_lifetime_days);
        let pending = s.identity.kind == kinds::GITHUB_FINE_GRAINED_PAT_REQUEST;
        let what = if pending {
            "requests access with a token that"
        } else {
            "is a token that"
        };
        s.identity
            .credentials
            .iter()
            // Active tokens, and a pending request's token (not granted yet, so inactive).
            .filter(|c| {
                c.status == CredentialStatus::Active
                    || (pending && c.status == CredentialStatus::Inactive)
            })
            .filter_map(|c| {
                let granted = c.created_at.or(s.identity.created_at);
                let message = match (f.never_expires, c.expires_at, granted) {
                    (Some(true), _, _) => {
                        format!("{} {what} never expires.", s.identity.name)
                    }
                    (_, Some(exp), Some(g)) => {
                        let days = lifetime_beyond(g, exp, max)?;
                        format!(
                            "{} {what} expires {}, {days} days after it was granted (maximum {max}).",
                            s.identity.name,
                            day(exp),
                        )
                    }
                    _ => return None,
                };
                Some(
                    Finding::new(&META, message)
                        .credential(&c.id)
                        .evidence(json!({
                            "credential": c.id,
                            "granted_at": granted.map(rfc3339),
                            "expires_at": c.expires_at.map(rfc3339),
                            "never_expires": f.never_expires == Some(true),
                            "pending_request": pending,
                            "max_lifetime_days": max,
                            "days_left": c.expires_at.map(|e| (e - ctx.now).num_days()),
                        })),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{days_ago, github};
    use nhi_api::{kinds, CredentialStatus, GithubFacts, LastUsed};

    fn case(
        kind: &str,
        never: Option<bool>,
        expires_in_days: Option<i64>,
    ) -> crate::rules::testing::Case {
        let mut c = github(
            kind,
            10,
            LastUsed::Never,
            GithubFacts {
                never_expires: never,
                ..Default::default()
            },
        );
        c.identity.credentials[0].expires_at = expires_in_days.map(|d| days_ago(10 - d));
        c
    }

    #[test]
    fn fires_on_no_expiry_and_far_expiry() {
        assert_eq!(
            case(kinds::GITHUB_FINE_GRAINED_PAT, Some(true), None)
                .run(&super::Rule)
                .len(),
            1
        );
        assert_eq!(
            case(
                kinds::GITHUB_CREDENTIAL_AUTHORIZATION,
                Some(false),
                Some(800)
            )
            .run(&super::Rule)
            .len(),
            1
        );
        let mut request = case(kinds::GITHUB_FINE_GRAINED_PAT_REQUEST, Some(true), None);
        request.identity.credentials[0].status = CredentialStatus::Inactive;
        assert_eq!(request.run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_on_bounded_unknown_or_expired() {
        assert!(case(kinds::GITHUB_FINE_GRAINED_PAT, Some(false), Some(90))
            .run(&super::Rule)
            .is_empty());
        assert!(case(kinds::GITHUB_FINE_GRAINED_PAT, None, None)
            .run(&super::Rule)
            .is_empty());
        let mut expired = case(kinds::GITHUB_FINE_GRAINED_PAT, Some(true), None);
        expired.identity.credentials[0].status = CredentialStatus::Expired;
        assert!(expired.run(&super::Rule).is_empty());
        assert!(case(kinds::GITHUB_DEPLOY_KEY, Some(true), None)
            .run(&super::Rule)
            .is_empty());
    }
}
