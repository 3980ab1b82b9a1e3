//! Service-wide wildcards and inverted grants.
//!
//! `s3:*` on `*`, an Allow with `NotAction`, or `iam:PassRole` on every role grant far more than
//! any workload uses, including actions added to the service later. Administrators are left to
//! `aws-admin-access`; a wildcard that an explicit Deny takes away entirely is not reported.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::policy::Broad;
use crate::rule::facts::IAM_PRINCIPALS;
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

/// Services where a wildcard amounts to control over identity, keys, secrets or the organization.
const SENSITIVE: &[&str] = &[
    "iam",
    "sts",
    "kms",
    "organizations",
    "secretsmanager",
    "ssm",
    "lambda",
    "ec2",
];

static META: RuleMeta = RuleMeta {
    id: "aws-wildcard-permissions",
    title: "Service-wide wildcard permissions",
    category: Category::OverPrivilege,
    severity: Severity::Medium,
    providers: &["aws"],
    kinds: Kinds::Only(IAM_PRINCIPALS),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "A policy allows every action of a service on every resource (service:*), allows everything except a list (NotAction), or lets the identity pass any role (iam:PassRole on *). High for sensitive services.",
    remediation: "List the actions the workload uses (IAM Access Analyzer policy generation, or last-accessed data) and the resources it touches; scope iam:PassRole to named roles with an iam:PassedToService condition.",
    config: &[],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        if !s.effective.full_admin_via().is_empty() {
            return Vec::new();
        }
        let mut items = Vec::new();
        let mut names = Vec::new();
        let mut severity = META.severity;
        for (broad, via) in s.effective.broad() {
            let (name, sensitive) = match broad {
                Broad::ServiceWildcard(svc) => {
                    // Wholly denied elsewhere: nothing is left of it.
                    if s.effective.grant(&format!("{svc}:*")).is_none() {
                        continue;
                    }
                    (format!("{svc}:*"), SENSITIVE.contains(&svc.as_str()))
                }
                // A boundary caps an inverted grant to what the boundary allows.
                Broad::NotAction(_) if s.effective.has_boundary() => continue,
                Broad::NotAction(except) => (format!("NotAction [{}]", except.join(", ")), true),
                Broad::PassRoleAnyRole => {
                    if !s
                        .effective
                        .grant("iam:PassRole")
                        .is_some_and(|g| g.all_resources)
                    {
                        continue;
                    }
                    ("iam:PassRole on *".to_string(), true)
                }
            };
            if sensitive {
                severity = Severity::High;
            }
            let mut item = json!({ "grant": name, "via": via });
            if let Broad::ServiceWildcard(svc) = broad {
                // What the wildcard means today, from the action catalog.
                let (allowed, permissions, total) = s.effective.service_actions(svc);
                item["actions_allowed"] = json!(allowed);
                item["permissions_management_actions"] = json!(permissions);
                item["service_actions"] = json!(total);
            }
            items.push(item);
            names.push(name);
        }
        if items.is_empty() {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!("Wildcard grants on every resource: {}.", names.join(", ")),
        )
        .severity(severity)
        .evidence(json!({ "grants": items }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::Case;
    use nhi_api::PermissionSource;

    #[test]
    fn fires_on_service_wildcards_notaction_and_passrole() {
        let f = Case::role("r")
            .policy(
                PermissionSource::Inline,
                "s3",
                r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        let f = Case::role("r")
            .policy(
                PermissionSource::Inline,
                "p",
                r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert_eq!(f[0].severity, Severity::High);
        let f = Case::role("r")
            .policy(
                PermissionSource::Inline,
                "p",
                r#"{"Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert!(f[0].message.contains("iam:PassRole on *"));
    }

    #[test]
    fn quiet_when_a_deny_or_boundary_takes_it_away() {
        let f = Case::role("r")
            .policy(PermissionSource::Inline, "p", r#"{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}"#)
            .policy(PermissionSource::Inline, "guard", r#"{"Statement":{"Effect":"Deny","NotAction":["iam:Get*","iam:List*"],"Resource":"*"}}"#)
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
        let f = Case::role("r")
            .policy(PermissionSource::Inline, "p", r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"},{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#)
            .policy(PermissionSource::Boundary, "b", r#"{"Statement":{"Effect":"Allow","Action":"logs:CreateLogStream","Resource":"*"}}"#)
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn quiet_when_scoped_or_denied() {
        let f = Case::role("r")
            .policy(PermissionSource::Inline, "s3", r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/*"}}"#)
            .run(&super::Rule);
        assert!(f.is_empty());
        let f = Case::role("r")
            .policy(
                PermissionSource::Inline,
                "s3",
                r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            )
            .policy(
                PermissionSource::Inline,
                "deny",
                r#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert!(f.is_empty());
    }
}
