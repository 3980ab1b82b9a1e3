//! An AI provider key that never expires, or expires too late.
//!
//! Expiry bounds how long a leaked key works. Judged only where the provider lets a key expire:
//! OpenAI admin keys and Anthropic keys (OpenAI project keys cannot be given an expiry).

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{active_ai_keys, AI_KEY_HOLDERS};
use crate::rule::judge::Lifetime;
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::credential_kinds;
use serde_json::json;

pub struct Rule;

/// Credential kinds whose provider supports an expiry.
const EXPIRING: &[&str] = &[
    credential_kinds::OPENAI_ADMIN_KEY,
    credential_kinds::ANTHROPIC_API_KEY,
];

static META: RuleMeta = RuleMeta {
    id: "ai-key-no-expiry",
    title: "AI API key without expiry",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["openai", "anthropic"],
    kinds: Kinds::Only(AI_KEY_HOLDERS),
    owasp: &[Owasp::LongLivedSecrets],
    cis: &[],
    description: "An AI provider key that can be given an expiry has none, or expires more than the maximum lifetime (default 366 days) after its creation.",
    remediation: "Replace the key with one that expires (set an expiry when creating it) and rotate before it does.",
    config: &["thresholds.ai_key_max_lifetime_days"],
    references: &["https://platform.openai.com/docs/api-reference/admin-api-keys"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let max = ctx.config.thresholds.ai_key_max_lifetime_days.get();
        active_ai_keys(s.identity)
            .filter(|c| EXPIRING.contains(&c.kind.as_str()))
            .filter_map(|c| {
                let message = match Lifetime::judge(c.expires, c.created_at, max)? {
                    Lifetime::Never => format!("Key {} never expires.", c.id),
                    Lifetime::Beyond { expires, days } => format!(
                        "Key {} expires {}, {days} days after its creation (maximum {max}).",
                        c.id,
                        day(expires),
                    ),
                };
                Some(
                    Finding::new(&META, message)
                        .credential(&c.id)
                        .evidence(json!({
                            "credential": c.id,
                            "created_at": c.created_at.map(rfc3339),
                            "expires_at": c.expires.at().map(rfc3339),
                            "max_lifetime_days": max,
                        })),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{ai_key, days_ago};
    use nhi_api::{credential_kinds, Expiry, LastUsed};

    #[test]
    fn fires_without_expiry_or_with_a_far_one() {
        let mut case = ai_key("k", 10, LastUsed::Never);
        case.identity.credentials[0].kind = credential_kinds::ANTHROPIC_API_KEY.into();
        assert_eq!(case.run(&super::Rule).len(), 1);
        case.identity.credentials[0].expires =
            Expiry::At(days_ago(10) + chrono::Duration::days(800));
        assert_eq!(case.run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_with_short_expiry_or_where_expiry_is_not_possible() {
        let mut case = ai_key("k", 10, LastUsed::Never);
        assert!(
            case.run(&super::Rule).is_empty(),
            "OpenAI project keys cannot expire"
        );
        case.identity.credentials[0].kind = credential_kinds::OPENAI_ADMIN_KEY.into();
        case.identity.credentials[0].expires =
            Expiry::At(days_ago(10) + chrono::Duration::days(90));
        assert!(case.run(&super::Rule).is_empty());
    }
}
