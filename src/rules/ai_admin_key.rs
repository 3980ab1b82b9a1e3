//! An organization admin key exists.
//!
//! An OpenAI admin key manages the whole organization: it creates and deletes keys, projects and
//! members and reads usage. Each one should be known, owned, recently used and short-lived; this
//! rule lists them so they are reviewed.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{day, Ctx, Subject};
use nhi_api::{kinds, LastUsed};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ai-admin-key",
    title: "Organization admin key outstanding",
    category: Category::Hygiene,
    severity: Severity::Low,
    providers: &["openai"],
    kinds: Kinds::Only(&[kinds::OPENAI_ADMIN_API_KEY]),
    owasp: &[Owasp::Overprivileged, Owasp::LongLivedSecrets],
    cis: &[],
    description: "An active OpenAI organization admin key exists. Admin keys control every project, key and member of the organization.",
    remediation: "Keep admin keys for the automation that needs them, owned by a service account, with an expiry; delete any that are unused or whose owner has left (Organization settings → Admin keys).",
    config: &[],
    references: &["https://platform.openai.com/docs/api-reference/admin-api-keys"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        crate::rule::facts::active_ai_keys(s.identity)
            .map(|c| {
                let used = match c.last_used {
                    LastUsed::At(t) => format!("last used {}", day(t)),
                    LastUsed::Never => "never used".to_string(),
                    LastUsed::Unknown => "use unknown".to_string(),
                };
                let owner = s
                    .owner
                    .map(|o| format!(", owned by {}", o.value))
                    .unwrap_or_default();
                Finding::new(
                    &META,
                    format!("Admin key {} is active ({used}{owner}).", c.id),
                )
                .credential(&c.id)
                .evidence(json!({ "credential": c.id, "owner": s.owner.map(|o| &o.value) }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::ai_key;
    use nhi_api::{kinds, LastUsed};

    #[test]
    fn fires_on_admin_keys_only() {
        let mut case = ai_key("k", 10, LastUsed::Never);
        assert!(case.run(&super::Rule).is_empty());
        case.identity.kind = kinds::OPENAI_ADMIN_API_KEY.into();
        assert_eq!(case.run(&super::Rule).len(), 1);
    }
}
