//! A non-human identity nobody answers for.
//!
//! Ownerless identities are the ones nobody rotates, nobody removes when the project ends, and
//! nobody can be asked about during an incident. The owner comes from the connector or, for AWS,
//! from the first tag whose key is in `ownership.owner_tag_keys`.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::IAM_PRINCIPALS;
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-no-owner",
    title: "No owner",
    category: Category::Ownership,
    severity: Severity::Medium,
    providers: &["aws"],
    kinds: Kinds::Only(IAM_PRINCIPALS),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "The IAM user or role has no owner: none of the configured owner tag keys is set.",
    remediation: "Tag the identity with its owning team (aws iam tag-role / tag-user --tags Key=owner,Value=TEAM), and require the tag with an SCP or tag policy.",
    config: &["ownership.owner_tag_keys"],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html"],
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
            format!("No owner: none of the tags {} is set.", keys.join(", ")),
        )
        .evidence(json!({
            "owner_tag_keys": keys,
            "tags": s.identity.tags.keys().collect::<Vec<_>>(),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::Case;

    #[test]
    fn fires_without_owner_tag() {
        let f = Case::role("r").tag("env", "prod").run(&super::Rule);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_with_owner_tag_in_any_case_or_configured_key() {
        assert!(Case::role("r")
            .tag("Owner", "payments")
            .run(&super::Rule)
            .is_empty());
        let mut case = Case::role("r").tag("squad", "data");
        assert_eq!(case.run(&super::Rule).len(), 1);
        case.config.ownership.owner_tag_keys = vec!["squad".into()];
        assert!(case.run(&super::Rule).is_empty());
    }

    #[test]
    fn quiet_when_tags_were_never_read() {
        let mut case = Case::user("from-report-only");
        case.identity.tags_known = false;
        assert!(case.run(&super::Rule).is_empty());
    }
}
