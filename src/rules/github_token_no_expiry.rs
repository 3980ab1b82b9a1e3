//! A GitHub token that never expires, or expires too far ahead.
//!
//! Fine-grained PATs and classic PATs can be made to live forever; an organization can forbid
//! that, but only by policy. A token without expiry outlives the project, the laptop it was
//! pasted on and often the person who made it. A pending request for such a token is reported
//! too: approving it would grant the never-expiring token access.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::judge::Lifetime;
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::{kinds, CredentialStatus};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-token-no-expiry",
    title: "GitHub token without expiry",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["github"],
    kinds: Kinds::Only(KINDS),
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

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let max = ctx.config.thresholds.github_token_max_lifetime_days.get();
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
                let lifetime = Lifetime::judge(c.expires, granted, max)?;
                let message = match lifetime {
                    Lifetime::Never => format!("{} {what} never expires.", s.identity.name),
                    Lifetime::Beyond { expires, days } => format!(
                        "{} {what} expires {}, {days} days after it was granted (maximum {max}).",
                        s.identity.name,
                        day(expires),
                    ),
                };
                Some(
                    Finding::new(&META, message)
                        .credential(&c.id)
                        .evidence(json!({
                            "credential": c.id,
                            "granted_at": granted.map(rfc3339),
                            "expires_at": c.expires.at().map(rfc3339),
                            "never_expires": lifetime == Lifetime::Never,
                            "pending_request": pending,
                            "max_lifetime_days": max,
                            "days_left": c.expires.at().map(|e| (e - ctx.now).num_days()),
                        })),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, github};
    use nhi_api::{kinds, CredentialStatus, Expiry, GithubFacts, LastUsed};

    fn case(
        kind: &str,
        never: Option<bool>,
        expires_in_days: Option<i64>,
    ) -> crate::rule::testing::Case {
        let mut c = github(kind, 10, LastUsed::Never, GithubFacts::default());
        c.identity.credentials[0].expires = match (never, expires_in_days) {
            (Some(true), _) => Expiry::Never,
            (_, Some(d)) => Expiry::At(days_ago(10 - d)),
            _ => Expiry::Unknown,
        };
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
