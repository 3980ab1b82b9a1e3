//! An AI provider API key nobody uses.
//!
//! LLM keys are made for a quick test and forgotten; they can still spend money and read
//! whatever the project can (fine-tunes, files, assistants). A key never used is judged by its
//! age, so a new key has the whole threshold to be put to use. Keys whose use the provider does
//! not report (Anthropic's) are not judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{active_ai_keys, AI_KEY_HOLDERS};
use crate::rule::judge::Unused;
use crate::rule::{rfc3339, Ctx, Subject};
use nhi_api::LastUsed;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ai-key-unused",
    title: "AI API key unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["openai", "anthropic"],
    kinds: Kinds::Only(AI_KEY_HOLDERS),
    owasp: &[Owasp::ImproperOffboarding, Owasp::LongLivedSecrets],
    cis: &[],
    description: "An AI provider API key has not been used within the threshold (default 90 days), or was never used and is older than the threshold.",
    remediation: "Delete the key in the provider's console (OpenAI: project settings → API keys; Anthropic: Console → API keys). If something still needs access, give it a service-account key of its own.",
    config: &["thresholds.ai_key_unused_days"],
    references: &["https://platform.openai.com/docs/api-reference/project-api-keys"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx.config.thresholds.ai_key_unused_days.get();
        active_ai_keys(s.identity)
            .filter_map(|c| {
                let message = Unused::judge(ctx, c.last_used, c.created_at, limit)?
                    .message(&format!("Key {}", c.id), "it was created");
                Some(
                    Finding::new(&META, message)
                        .credential(&c.id)
                        .evidence(json!({
                            "credential": c.id,
                            "created_at": c.created_at.map(rfc3339),
                            "last_used_at": c.last_used.at().map(rfc3339),
                            "never_used": c.last_used == LastUsed::Never,
                            "threshold_days": limit,
                        })),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{ai_key, days_ago};
    use nhi_api::LastUsed;

    #[test]
    fn fires_on_old_use_and_old_never_used_keys() {
        assert_eq!(
            ai_key("k", 200, LastUsed::At(days_ago(100)))
                .run(&super::Rule)
                .len(),
            1
        );
        assert_eq!(ai_key("k", 200, LastUsed::Never).run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_on_recent_new_or_unknown_use() {
        assert!(ai_key("k", 200, LastUsed::At(days_ago(3)))
            .run(&super::Rule)
            .is_empty());
        assert!(ai_key("k", 10, LastUsed::Never)
            .run(&super::Rule)
            .is_empty());
        assert!(ai_key("k", 900, LastUsed::Unknown)
            .run(&super::Rule)
            .is_empty());
    }
}
