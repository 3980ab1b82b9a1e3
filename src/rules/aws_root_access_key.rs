//! The root user holds an access key.
//!
//! Root keys cannot be scoped by any policy, cannot be restricted by SCPs in the management
//! account, and give full control of the account and its billing. No automation needs them: every
//! task root keys could do is done by a role. CIS requires that none exist.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::{credential_kinds, kinds, LastUsed};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-root-access-key",
    title: "Root user has an active access key",
    category: Category::Hygiene,
    severity: Severity::Critical,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::AWS_ROOT]),
    owasp: &[Owasp::LongLivedSecrets, Owasp::Overprivileged],
    cis: &["1.4"],
    description: "The account's root user holds an active access key: a long-lived secret with unrestricted power over the account that no policy can limit.",
    remediation: "Sign in as the root user, open Security credentials and delete the access key. Move whatever used it to an IAM role with only the permissions it needs.",
    config: &[],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        s.identity
            .active_credentials()
            .filter(|c| c.kind == credential_kinds::AWS_ACCESS_KEY)
            .map(|c| {
                let used = match c.last_used {
                    LastUsed::At(t) => format!("last used {}", day(t)),
                    LastUsed::Never => "never used".to_string(),
                    LastUsed::Unknown => "use unknown".to_string(),
                };
                Finding::new(
                    &META,
                    format!("The root user has an active access key ({}, {used}).", c.id),
                )
                .credential(&c.id)
                .evidence(json!({
                    "credential": c.id,
                    "created_at": c.created_at.map(rfc3339),
                    "last_used_at": c.last_used.at().map(rfc3339),
                }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::Case;
    use nhi_api::{kinds, LastUsed};

    #[test]
    fn fires_on_an_active_root_key_only() {
        let mut case = Case::user("root").key(1, true, 900, LastUsed::Never).key(
            2,
            false,
            900,
            LastUsed::Never,
        );
        case.identity.kind = kinds::AWS_ROOT.into();
        let f = case.run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id.as_deref(), Some("access_key_1"));
    }

    #[test]
    fn quiet_for_users_and_inactive_root_keys() {
        assert!(Case::user("ci")
            .key(1, true, 10, LastUsed::Never)
            .run(&super::Rule)
            .is_empty());
        let mut case = Case::user("root").key(1, false, 900, LastUsed::Never);
        case.identity.kind = kinds::AWS_ROOT.into();
        assert!(case.run(&super::Rule).is_empty());
    }
}
