//! More organization admin keys than needed.
//!
//! Every admin key is full control of the organization. One or two, owned by the automation that
//! manages the organization, is the norm; more means keys made for one-off scripts that nobody
//! deleted.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ai-admin-keys-excess",
    title: "Too many organization admin keys",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["openai"],
    kinds: Kinds::Only(&[kinds::OPENAI_ADMIN_API_KEY]),
    owasp: &[Owasp::Overprivileged, Owasp::Reuse],
    cis: &[],
    description: "The organization has more active admin keys than the configured maximum (default 2); each is reported.",
    remediation: "Decide which admin keys are needed, move their users to those, and delete the rest.",
    config: &["ai.max_admin_keys"],
    references: &["https://platform.openai.com/docs/api-reference/admin-api-keys"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let i = s.identity;
        if i.active_credentials().next().is_none() {
            return Vec::new();
        }
        let max = ctx.config.ai.max_admin_keys as usize;
        let count = ctx
            .facts
            .active_admin_keys
            .get(&(i.provider.clone(), i.scope.clone()))
            .copied()
            .unwrap_or(0);
        if count <= max {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!("One of {count} active admin keys in the organization (maximum {max})."),
        )
        .evidence(json!({ "active_admin_keys": count, "max_admin_keys": max }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::ai_key;
    use nhi_api::{kinds, LastUsed};

    #[test]
    fn fires_above_the_maximum_only() {
        let mut case = ai_key("k", 10, LastUsed::Never);
        case.identity.kind = kinds::OPENAI_ADMIN_API_KEY.into();
        assert!(case.run(&super::Rule).is_empty(), "1 of max 2");
        case.config.ai.max_admin_keys = 0;
        assert_eq!(case.run(&super::Rule).len(), 1);
    }
}
