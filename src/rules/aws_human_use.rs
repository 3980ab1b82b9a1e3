//! An automation user that people also sign in as.
//!
//! A user with access keys (software) and a console password (a person) blurs who did what in
//! CloudTrail, usually means a shared password, and keeps the automation's permissions reachable
//! by whoever knows it. It is how a departed employee keeps access to production.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{day, Ctx, Subject};
use nhi_api::{credential_kinds, kinds, LastUsed, Native};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-human-use",
    title: "Automation user also used by people",
    category: Category::Ownership,
    severity: Severity::Medium,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_USER]),
    owasp: &[Owasp::HumanUse],
    cis: &[],
    description: "An IAM user with an active access key also has a console password, so people can sign in as the automation identity.",
    remediation: "Delete the user's login profile (aws iam delete-login-profile) and give the people who used it their own identities (IAM Identity Center).",
    config: &[],
    references: &["https://owasp.org/www-project-non-human-identities-top-10/2025/10-human-use-of-nhi/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Native::AwsUser {
            console: Some(console),
            ..
        } = &s.identity.native
        else {
            return Vec::new();
        };
        let has_key = s
            .identity
            .active_credentials()
            .any(|c| c.kind == credential_kinds::AWS_ACCESS_KEY);
        if s.identity.kind != kinds::IAM_USER || !console.password_enabled || !has_key {
            return Vec::new();
        }
        let signed_in = match console.password_last_used {
            LastUsed::At(t) => format!("; someone signed in with it {}", day(t)),
            LastUsed::Never => "; the password has never been used".to_string(),
            LastUsed::Unknown => String::new(),
        };
        vec![Finding::new(
            &META,
            format!("User has access keys and a console password{signed_in}."),
        )
        .evidence(json!({
            "password_last_used_at": console.password_last_used.at().map(crate::rule::rfc3339),
            "mfa_active": console.mfa_active,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::Case;
    use nhi_api::LastUsed;

    #[test]
    fn fires_with_password_and_key() {
        let f = Case::user("deploy")
            .console(true)
            .key(1, true, 10, LastUsed::Never)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_without_password_or_without_active_key() {
        assert!(Case::user("ci")
            .console(false)
            .key(1, true, 10, LastUsed::Never)
            .run(&super::Rule)
            .is_empty());
        assert!(Case::user("ci")
            .console(true)
            .key(1, false, 10, LastUsed::Never)
            .run(&super::Rule)
            .is_empty());
    }
}
