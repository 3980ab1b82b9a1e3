//! A user with two active access keys.
//!
//! Two keys are needed only during a rotation. Left in place, the second key doubles what can
//! leak, and usually one of the two is forgotten.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{Ctx, Subject};
use nhi_api::{credential_kinds, kinds};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-access-keys-multiple-active",
    title: "More than one active access key",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_USER]),
    owasp: &[Owasp::LongLivedSecrets, Owasp::Reuse],
    cis: &["1.13"],
    description: "An IAM user has two active access keys. Only one should be active outside a rotation.",
    remediation: "Find which key is in use (the credential report's last-used columns), move any consumer of the other, then deactivate and delete it.",
    config: &[],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let keys: Vec<&str> = s
            .identity
            .active_credentials()
            .filter(|c| c.kind == credential_kinds::AWS_ACCESS_KEY)
            .map(|c| c.id.as_str())
            .collect();
        if keys.len() < 2 {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!("{} active access keys: {}.", keys.len(), keys.join(", ")),
        )
        .evidence(json!({ "active_keys": keys }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::Case;
    use nhi_api::LastUsed;

    #[test]
    fn fires_on_two_active_keys() {
        let f = Case::user("ci")
            .key(1, true, 10, LastUsed::Never)
            .key(2, true, 5, LastUsed::Never)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(f[0].credential_id.is_none());
    }

    #[test]
    fn quiet_with_one_active_key() {
        let f = Case::user("ci")
            .key(1, true, 10, LastUsed::Never)
            .key(2, false, 5, LastUsed::Never)
            .run(&super::Rule);
        assert!(f.is_empty());
    }
}
