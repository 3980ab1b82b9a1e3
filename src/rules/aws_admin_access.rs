//! A non-human identity with administrator access.
//!
//! `*` on `*` (or IAMFullAccess, which can grant itself anything) turns any leak of the identity's
//! credentials, or any compromise of whoever may assume it, into a full account takeover.
//! Automation almost never needs it. Judged on effective permissions: a permissions boundary that
//! caps it, or an explicit Deny of everything, silences the rule.

use crate::finding::{Category, Confidence, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::IAM_PRINCIPALS;
use crate::rule::{Ctx, Subject};
use nhi_api::PermissionSource;
use serde_json::json;

pub struct Rule;

/// AWS managed policies that amount to administrator access, judged by ARN when the export does
/// not include their documents.
const ADMIN_POLICIES: &[&str] = &[
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/IAMFullAccess",
];

static META: RuleMeta = RuleMeta {
    id: "aws-admin-access",
    title: "Administrator access",
    category: Category::OverPrivilege,
    severity: Severity::Critical,
    providers: &["aws"],
    kinds: Kinds::Only(IAM_PRINCIPALS),
    owasp: &[Owasp::Overprivileged],
    cis: &["1.16"],
    description: "The identity may perform every action on every resource (a policy allowing \"*\" on \"*\", AdministratorAccess, or IAMFullAccess).",
    remediation: "Replace the administrator policy with one listing the actions and resources the workload uses (IAM Access Analyzer can generate it from CloudTrail), or cap it with a permissions boundary.",
    config: &[],
    references: &[
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let admin = s.effective.admin();
        let mut via = admin.map(|a| a.via.clone()).unwrap_or_default();
        // Known documents are judged by content (a Deny, a boundary or a guardrail may take it
        // away); unknown ones, and IAMFullAccess (which can grant itself the rest unless a Deny
        // stops it), by ARN.
        let iam_writable = s
            .effective
            .grant("iam:AttachRolePolicy")
            .is_some_and(|g| g.all_resources);
        via.extend(
            s.identity
                .permissions
                .iter()
                .filter(|p| p.source != PermissionSource::Boundary)
                .filter(|p| match p.arn.as_deref() {
                    Some(arn) if ADMIN_POLICIES.contains(&arn) => {
                        p.policy.is_none() || (arn.ends_with("/IAMFullAccess") && iam_writable)
                    }
                    _ => false,
                })
                .map(crate::policy::label),
        );
        via.sort();
        via.dedup();
        if via.is_empty() {
            return Vec::new();
        }
        let mut evidence = json!({ "via": via });
        let mut confidence = Confidence::High;
        if let Some(a) = admin {
            if !a.conditions.is_empty() {
                evidence["undecided_conditions"] = json!(a.conditions);
                confidence = Confidence::Medium;
            }
            if !a.except.is_empty() {
                evidence["except"] = json!(a.except);
            }
        }
        let mut message = format!("Has administrator access through {}.", via.join(", "));
        if let Some(a) = admin.filter(|a| !a.except.is_empty()) {
            message.push_str(&format!(" Denied only: {}.", a.except.join("; ")));
        }
        vec![Finding::new(&META, message)
            .confidence(confidence)
            .evidence(evidence)]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::Case;
    use nhi_api::{Permission, PermissionSource};

    const ADMIN: &str = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

    #[test]
    fn fires_on_star_star_and_on_admin_policies_by_arn() {
        let f = Case::role("deploy")
            .policy(PermissionSource::Inline, "all", ADMIN)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("inline:all"));
        let mut case = Case::user("ci");
        case.identity.permissions.push(Permission {
            source: PermissionSource::GroupManaged,
            name: "AdministratorAccess".into(),
            arn: Some("arn:aws:iam::aws:policy/AdministratorAccess".into()),
            group: Some("admins".into()),
            policy: None,
        });
        assert_eq!(case.run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_when_scoped_or_capped() {
        let f = Case::role("s3")
            .policy(
                PermissionSource::Inline,
                "s3",
                r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert!(f.is_empty());
        let f = Case::role("capped")
            .policy(PermissionSource::Managed, "all", ADMIN)
            .policy(
                PermissionSource::Boundary,
                "b",
                r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert!(f.is_empty());
        let f = Case::role("conditional")
            .policy(PermissionSource::Managed, "all", r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#)
            .run(&super::Rule);
        assert!(f.is_empty());
    }

    #[test]
    fn a_deny_in_another_policy_is_not_admin() {
        let f = Case::role("locked")
            .policy(PermissionSource::Managed, "all", ADMIN)
            .policy(
                PermissionSource::Inline,
                "deny",
                r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
        let f = Case::role("no-iam")
            .policy(PermissionSource::Managed, "all", ADMIN)
            .policy(
                PermissionSource::GroupInline,
                "deny-iam",
                r#"{"Statement":{"Effect":"Deny","Action":"iam:*","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
        // A Deny of something else leaves admin, and says what it takes away.
        let f = Case::role("mostly")
            .policy(PermissionSource::Managed, "all", ADMIN)
            .policy(
                PermissionSource::Inline,
                "deny-s3",
                r#"{"Statement":{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("Denied only: inline:deny-s3 #1: Deny s3:DeleteBucket"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn a_condition_that_cannot_hold_is_not_admin() {
        let f = Case::role("expired")
            .policy(PermissionSource::Managed, "all", r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}}"#)
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
    }
}
