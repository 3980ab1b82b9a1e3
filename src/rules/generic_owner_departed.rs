//! An identity of a provider nhi has no rules for whose owner has left.
//!
//! Offboarding a person removes them, not what they left behind: a token they made keeps
//! working, and nobody is left to answer for it or notice its misuse. Judged only where the
//! source says whether the owner is still a member (`owner.active`).

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::judge::departed_owner;
use crate::rule::{Ctx, Subject};
use nhi_api::CredentialStatus;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "generic-owner-departed",
    title: "Owner has left",
    category: Category::Ownership,
    severity: Severity::High,
    providers: &[],
    kinds: Kinds::Uncovered,
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "The owner of an identity of a kind no provider rule judges is no longer active (deactivated, removed from the organization), and the identity still holds a usable credential (or has none to revoke).",
    remediation: "Find what uses the identity, move it to an identity a current team owns, then revoke the credential. Add a review of what people own to offboarding.",
    config: &[],
    references: &["https://owasp.org/www-project-non-human-identities-top-10/2025/1-improper-offboarding/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let i = s.identity;
        let Some(owner) = departed_owner(i) else {
            return Vec::new();
        };
        let live = i.credentials.is_empty()
            || i.credentials.iter().any(|c| {
                matches!(
                    c.status,
                    CredentialStatus::Active | CredentialStatus::Inactive
                )
            });
        if !live {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!(
                "{} {} belongs to {}, who is no longer active.",
                i.kind, i.name, owner.value
            ),
        )
        .evidence(json!({
            "owner": owner.value,
            "owner_source": owner.source,
            "owner_active": false,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::external;
    use nhi_api::{CredentialStatus, Expiry, LastUsed};

    fn run(active: Option<bool>) -> usize {
        external(10, LastUsed::Never, Expiry::Unknown, active)
            .run(&super::Rule)
            .len()
    }

    #[test]
    fn fires_when_the_owner_left() {
        assert_eq!(run(Some(false)), 1);
    }

    #[test]
    fn quiet_when_present_unknown_or_nothing_is_left_to_use() {
        assert_eq!(run(Some(true)), 0);
        assert_eq!(run(None), 0);
        let mut case = external(10, LastUsed::Never, Expiry::Unknown, Some(false));
        case.identity.credentials[0].status = CredentialStatus::Revoked;
        assert!(case.run(&super::Rule).is_empty());
    }
}
