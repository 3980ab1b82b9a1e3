//! An identity, or one of its credentials, of a provider nhi has no rules for, not used within
//! the threshold.
//!
//! What an external connector brings (an Okta API token, a Snowflake service user) is judged on
//! the provider-neutral facts alone: each active credential whose use the source reports, or,
//! when it reports none, the identity's own last use. Never used counts from creation, so a new
//! credential has the whole threshold to be put to use; a use the source cannot see is not
//! judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::judge::Unused;
use crate::rule::{rfc3339, Ctx, Subject};
use nhi_api::LastUsed;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "generic-unused",
    title: "Identity or credential unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &[],
    kinds: Kinds::Uncovered,
    owasp: &[Owasp::ImproperOffboarding, Owasp::LongLivedSecrets],
    cis: &[],
    description: "An active credential (or, when the source reports no credential's use, the identity itself) of a kind no provider rule judges has not been used within the threshold (default 90 days), or was never used and is older than it.",
    remediation: "Find what the credential was for; if nothing uses it, revoke it (and remove the identity when it holds nothing else). If something still needs access, give it a credential of its own that expires.",
    config: &["thresholds.credential_unused_days", "thresholds.providers"],
    references: &["https://owasp.org/www-project-non-human-identities-top-10/2025/1-improper-offboarding/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let i = s.identity;
        let limit = ctx.config.thresholds.generic(&i.provider).unused_days.get();
        let active: Vec<_> = i.active_credentials().collect();
        let known: Vec<_> = active
            .iter()
            .filter(|c| c.last_used != LastUsed::Unknown)
            .collect();
        if !known.is_empty() {
            return known
                .into_iter()
                .filter_map(|c| {
                    let since = c.created_at.or(i.created_at);
                    let message = Unused::judge(ctx, c.last_used, since, limit)?
                        .message(&format!("Credential {}", c.id), "it was created");
                    Some(
                        Finding::new(&META, message)
                            .credential(&c.id)
                            .evidence(json!({
                                "credential": c.id,
                                "created_at": since.map(rfc3339),
                                "last_used_at": c.last_used.at().map(rfc3339),
                                "never_used": c.last_used == LastUsed::Never,
                                "threshold_days": limit,
                            })),
                    )
                })
                .collect();
        }
        // Credentials that are all revoked or expired cannot be used: nothing is left to judge.
        if active.is_empty() && !i.credentials.is_empty() {
            return Vec::new();
        }
        let Some(unused) = Unused::judge(ctx, i.last_used, i.created_at, limit) else {
            return Vec::new();
        };
        vec![Finding::new(
            &META,
            unused.message(&format!("{} {}", i.kind, i.name), "it was created"),
        )
        .evidence(json!({
            "created_at": i.created_at.map(rfc3339),
            "last_used_at": i.last_used.at().map(rfc3339),
            "never_used": i.last_used == LastUsed::Never,
            "threshold_days": limit,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::config::ProviderThresholds;
    use crate::rule::testing::{days_ago, external, Case};
    use nhi_api::{Expiry, LastUsed};

    fn run(case: &Case) -> usize {
        case.run(&super::Rule).len()
    }

    #[test]
    fn fires_on_old_use_and_old_never_used_credentials() {
        let at = LastUsed::At(days_ago(200));
        let f = external(300, at, Expiry::Never, Some(true)).run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id.as_deref(), Some("00T1"));
        assert!(
            f[0].message.contains("200 days ago; threshold 90"),
            "{}",
            f[0].message
        );
        assert_eq!(run(&external(300, LastUsed::Never, Expiry::Never, None)), 1);
    }

    #[test]
    fn quiet_on_fresh_new_or_unknown_use() {
        assert_eq!(
            run(&external(
                300,
                LastUsed::At(days_ago(3)),
                Expiry::Never,
                None
            )),
            0
        );
        assert_eq!(run(&external(10, LastUsed::Never, Expiry::Never, None)), 0);
        assert_eq!(
            run(&external(900, LastUsed::Unknown, Expiry::Never, None)),
            0
        );
    }

    #[test]
    fn an_identity_without_credentials_is_judged_on_its_own_use() {
        let mut case = external(300, LastUsed::At(days_ago(200)), Expiry::Never, None);
        case.identity.credentials.clear();
        let f = case.run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id, None);
        // Revoked credentials cannot be used: nothing to judge.
        let mut case = external(300, LastUsed::At(days_ago(200)), Expiry::Never, None);
        case.identity.credentials[0].status = nhi_api::CredentialStatus::Revoked;
        assert_eq!(run(&case), 0);
    }

    #[test]
    fn the_provider_override_wins() {
        let mut case = external(300, LastUsed::At(days_ago(40)), Expiry::Never, None);
        assert_eq!(run(&case), 0);
        case.config.thresholds.providers.insert(
            "okta".into(),
            ProviderThresholds {
                credential_unused_days: Some(crate::config::Days::new(30)),
                ..Default::default()
            },
        );
        assert_eq!(run(&case), 1);
        case.config.thresholds.providers.clear();
        case.config.thresholds.providers.insert(
            "snowflake".into(),
            ProviderThresholds {
                credential_unused_days: Some(crate::config::Days::new(30)),
                ..Default::default()
            },
        );
        assert_eq!(run(&case), 0, "another provider's override does not apply");
    }

    #[test]
    fn never_on_kinds_a_provider_rule_judges() {
        let at = LastUsed::At(days_ago(400));
        assert!(Case::user("ci")
            .key(1, true, 500, at)
            .run(&super::Rule)
            .is_empty());
        let mut case = external(500, at, Expiry::Never, None);
        case.identity.provider = "aws".into();
        case.identity.kind = "iam_user".into();
        assert_eq!(run(&case), 0);
        // The same kind name from another provider is not the provider's kind.
        case.identity.provider = "okta".into();
        assert_eq!(run(&case), 1);
    }
}
