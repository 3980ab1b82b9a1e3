//! An identity of a provider nhi has no rules for that nobody answers for.
//!
//! The owner comes from the connector, or from the first tag whose key is in
//! `ownership.owner_tag_keys`. A source that cannot tell owners at all says so
//! (`tags_known: false`) and is not judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "generic-no-owner",
    title: "Identity without owner",
    category: Category::Ownership,
    severity: Severity::Medium,
    providers: &[],
    kinds: Kinds::Uncovered,
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "An identity of a kind no provider rule judges has no owner: the source names none, and none of the configured owner tag keys is set.",
    remediation: "Record who answers for the identity where the provider keeps it (an owner field, a tag or a description the connector reads), so that someone rotates it, and removes it when its use ends.",
    config: &["ownership.owner_tag_keys"],
    references: &["https://owasp.org/www-project-non-human-identities-top-10/2025/1-improper-offboarding/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        if s.owner.is_some() || !s.identity.tags_known {
            return Vec::new();
        }
        let keys = &ctx.config.ownership.owner_tag_keys;
        vec![Finding::new(
            &META,
            format!(
                "No owner: the source names none, and none of the tags {} is set.",
                keys.join(", ")
            ),
        )
        .evidence(json!({
            "owner_tag_keys": keys,
            "tags": s.identity.tags.keys().collect::<Vec<_>>(),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::external;
    use nhi_api::{Expiry, LastUsed};

    fn ownerless() -> crate::rule::testing::Case {
        let mut case = external(10, LastUsed::Never, Expiry::Unknown, None);
        case.identity.owner = None;
        case
    }

    #[test]
    fn fires_without_owner_or_owner_tag() {
        assert_eq!(ownerless().run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_with_an_owner_an_owner_tag_or_unknown_owners() {
        assert!(external(10, LastUsed::Never, Expiry::Unknown, None)
            .run(&super::Rule)
            .is_empty());
        assert!(ownerless()
            .tag("Team", "platform")
            .run(&super::Rule)
            .is_empty());
        let mut case = ownerless();
        case.identity.tags_known = false;
        assert!(case.run(&super::Rule).is_empty());
    }
}
