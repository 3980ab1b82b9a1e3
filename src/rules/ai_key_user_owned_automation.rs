//! A person's key doing a service account's job.
//!
//! A key named `prod-backend` or `github-actions` that belongs to a user is automation running
//! on a person's identity: it breaks when they leave, and everything it does is attributed to
//! them. OpenAI projects have service accounts for exactly this.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{active_ai_keys, ai_key};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ai-key-user-owned-automation",
    title: "Automation runs on a user's AI key",
    category: Category::Ownership,
    severity: Severity::Medium,
    providers: &["openai"],
    kinds: Kinds::Only(&[kinds::OPENAI_PROJECT_API_KEY, kinds::OPENAI_ADMIN_API_KEY]),
    owasp: &[Owasp::HumanUse, Owasp::ImproperOffboarding],
    cis: &[],
    description: "A user-owned OpenAI project key whose name says software uses it (ci, prod, bot, pipeline, ...: configurable).",
    remediation: "Create a service account in the project, give the workload its key, then delete the user's key.",
    config: &["ai.automation_name_words"],
    references: &["https://platform.openai.com/docs/api-reference/project-service-accounts"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(k) = ai_key(s.identity) else {
            return Vec::new();
        };
        if k.owner_type.as_deref() != Some("user") || active_ai_keys(s.identity).next().is_none() {
            return Vec::new();
        }
        let words = &ctx.config.ai.automation_name_words;
        let matched: Vec<&str> = s
            .identity
            .name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| words.iter().any(|x| x.eq_ignore_ascii_case(w)))
            .collect();
        if matched.is_empty() {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!(
                "Key {:?} is owned by user {} but its name says automation ({}).",
                s.identity.name,
                s.owner.map(|o| o.value.as_str()).unwrap_or("?"),
                matched.join(", ")
            ),
        )
        .evidence(json!({ "name": s.identity.name, "matched_words": matched }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::ai_key;
    use nhi_api::{LastUsed, Native};

    #[test]
    fn fires_on_automation_names_of_user_keys() {
        let mut case = ai_key("prod-backend", 10, LastUsed::Never);
        assert_eq!(case.run(&super::Rule).len(), 1);
        case.identity.name = "GitHub Actions deploy".into();
        assert_eq!(case.run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_for_personal_names_and_service_accounts() {
        let mut case = ai_key("alice testing", 10, LastUsed::Never);
        assert!(case.run(&super::Rule).is_empty());
        let mut case2 = ai_key("prod-backend", 10, LastUsed::Never);
        if let Native::AiKey(k) = &mut case2.identity.native {
            k.owner_type = Some("service_account".into());
        }
        assert!(case2.run(&super::Rule).is_empty());
        case.identity.name = "production".into();
        assert_eq!(
            case.run(&super::Rule).len(),
            1,
            "whole words only, any case"
        );
    }
}
