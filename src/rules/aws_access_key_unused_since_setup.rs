//! A console user holding an access key that was never used.
//!
//! The console's user-creation flow offers an access key by default; people accept it and never
//! use it. The key then sits in a download folder or a password manager, valid and unwatched.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::{credential_kinds, kinds, LastUsed, Native};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-access-key-unused-since-setup",
    title: "Console user holds an access key never used",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_USER]),
    owasp: &[Owasp::LongLivedSecrets, Owasp::HumanUse],
    cis: &["1.11"],
    description: "A user with a console password has an active access key that has never been used: typically created at setup and never needed.",
    remediation: "Delete the unused key (aws iam delete-access-key). Create keys only when a program needs them, and prefer roles over keys.",
    config: &[],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let console_user = matches!(&s.identity.native, Native::AwsUser { console: Some(c), .. } if c.password_enabled);
        if !console_user {
            return Vec::new();
        }
        s.identity
            .active_credentials()
            .filter(|c| {
                c.kind == credential_kinds::AWS_ACCESS_KEY && c.last_used == LastUsed::Never
            })
            .map(|c| {
                let since = c
                    .created_at
                    .map(|t| format!(" since it was created {}", day(t)))
                    .unwrap_or_default();
                Finding::new(
                    &META,
                    format!(
                        "Console user has access key {} that has never been used{since}.",
                        c.id
                    ),
                )
                .credential(&c.id)
                .evidence(json!({
                    "credential": c.id,
                    "created_at": c.created_at.map(rfc3339),
                    "user_created_at": s.identity.created_at.map(rfc3339),
                }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, Case};
    use nhi_api::LastUsed;

    #[test]
    fn fires_for_console_user_with_never_used_key() {
        let f = Case::user("alice")
            .console(true)
            .key(1, true, 3, LastUsed::Never)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_without_password_or_when_used() {
        assert!(Case::user("ci")
            .console(false)
            .key(1, true, 3, LastUsed::Never)
            .run(&super::Rule)
            .is_empty());
        assert!(Case::user("bob")
            .console(true)
            .key(1, true, 3, LastUsed::At(days_ago(1)))
            .run(&super::Rule)
            .is_empty());
    }
}
