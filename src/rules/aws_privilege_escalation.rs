//! A principal that can raise its own privileges.
//!
//! Some IAM actions let a principal give itself (or a role it controls) more power than it was
//! granted: rewrite a policy version, attach or write a policy, mint keys or passwords for other
//! users, or pass a more privileged role to a compute service it can then drive. Judged on the
//! union of all the principal's policies, so a path split across two policies is found; explicit
//! Denies and the permissions boundary remove what they cover; actions granted only on the
//! caller itself (`${aws:username}`) are not paths. Administrators are left to `aws-admin-access`.

use crate::finding::{Category, Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::policy::Grant;
use crate::rule::facts::IAM_PRINCIPALS;
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

/// Escalation paths: the actions that must all be granted, and what they let the principal do.
const PATHS: &[(&[&str], &str)] = &[
    (
        &["iam:CreatePolicyVersion"],
        "write a new default version of a managed policy",
    ),
    (
        &["iam:SetDefaultPolicyVersion"],
        "switch a managed policy to a more permissive version",
    ),
    (
        &["iam:AttachUserPolicy"],
        "attach any managed policy to a user",
    ),
    (
        &["iam:AttachGroupPolicy"],
        "attach any managed policy to a group",
    ),
    (
        &["iam:AttachRolePolicy"],
        "attach any managed policy to a role",
    ),
    (&["iam:PutUserPolicy"], "write an inline policy on a user"),
    (&["iam:PutGroupPolicy"], "write an inline policy on a group"),
    (&["iam:PutRolePolicy"], "write an inline policy on a role"),
    (
        &["iam:CreateAccessKey"],
        "create access keys for other users",
    ),
    (
        &["iam:CreateLoginProfile"],
        "set a console password for another user",
    ),
    (
        &["iam:UpdateLoginProfile"],
        "change another user's console password",
    ),
    (
        &["iam:AddUserToGroup"],
        "add a user to a more privileged group",
    ),
    (
        &["lambda:UpdateFunctionCode"],
        "replace the code of a function that runs with a more privileged role",
    ),
    (
        &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
        "rewrite a role's trust policy and assume the role",
    ),
    (
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
        "create a Lambda function with a more privileged role and invoke it",
    ),
    (
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
        "create a Lambda function with a more privileged role and trigger it from an event source",
    ),
    (
        &["iam:PassRole", "ec2:RunInstances"],
        "launch an instance with a more privileged instance profile",
    ),
    (
        &["iam:PassRole", "cloudformation:CreateStack"],
        "create a CloudFormation stack that runs as a more privileged role",
    ),
    (
        &["iam:PassRole", "glue:CreateDevEndpoint"],
        "create a Glue development endpoint with a more privileged role",
    ),
    (
        &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        ],
        "create a Data Pipeline that runs as a more privileged role",
    ),
];

/// Actions that escalate only when aimed at someone else.
const TARGETS_OTHERS: &[&str] = &[
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
];

static META: RuleMeta = RuleMeta {
    id: "aws-privilege-escalation",
    title: "Can escalate its own privileges",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["aws"],
    kinds: IAM_PRINCIPALS,
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "The identity's combined policies allow actions (or combinations, such as iam:PassRole with lambda:CreateFunction) that let it grant itself more privileges than it has.",
    remediation: "Remove the escalating actions, or scope them: iam:PassRole to the specific roles the workload passes (with an iam:PassedToService condition), policy-writing actions to resources the workload owns. A permissions boundary caps all of them.",
    config: &[],
    references: &[
        "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        if s.effective.is_empty() || !s.effective.full_admin_via().is_empty() {
            return Vec::new();
        }
        let mut paths = Vec::new();
        let mut confidence = Confidence::Low;
        for (actions, what) in PATHS {
            let grants: Option<Vec<(&str, Grant)>> = actions
                .iter()
                .map(|a| {
                    let g = s.effective.grant(a)?;
                    (!(TARGETS_OTHERS.contains(a) && g.only_self())).then_some((*a, g))
                })
                .collect();
            let Some(grants) = grants else { continue };
            let path_confidence = if grants.iter().any(|(_, g)| g.conditional) {
                Confidence::Low
            } else if grants.iter().all(|(_, g)| g.all_resources) {
                Confidence::High
            } else {
                Confidence::Medium
            };
            confidence = confidence.max(path_confidence);
            paths.push(json!({
                "actions": actions,
                "effect": what,
                "grants": grants.iter().map(|(a, g)| json!({
                    "action": a,
                    "resources": g.resources_text(),
                    "conditional": g.conditional,
                    "via": g.via,
                })).collect::<Vec<_>>(),
            }));
        }
        if paths.is_empty() {
            return Vec::new();
        }
        let summary: Vec<String> = paths
            .iter()
            .filter_map(|p| p["actions"].as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect();
        vec![Finding::new(
            &META,
            format!(
                "Can escalate privileges through {} path(s): {}.",
                paths.len(),
                summary.join("; ")
            ),
        )
        .confidence(confidence)
        .evidence(json!({ "paths": paths }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Confidence;
    use crate::rule::testing::Case;
    use nhi_api::PermissionSource;

    #[test]
    fn passrole_combination_split_across_policies() {
        let f = Case::role("ci")
            .policy(PermissionSource::Inline, "pass", r#"{"Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}}"#)
            .policy(PermissionSource::Managed, "lambda", r#"{"Statement":{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}}"#)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].confidence, Confidence::High);
    }

    #[test]
    fn wildcards_match_direct_actions() {
        let f = Case::user("ci")
            .policy(
                PermissionSource::Inline,
                "iam",
                r#"{"Statement":{"Effect":"Allow","Action":"iam:Put*","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("iam:PutUserPolicy"));
    }

    #[test]
    fn deny_removes_paths_and_self_scoped_keys_are_not_paths() {
        let f = Case::user("ci")
            .policy(PermissionSource::Inline, "iam", r#"{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}"#)
            .policy(PermissionSource::Managed, "guard", r#"{"Statement":{"Effect":"Deny","NotAction":["iam:Get*","iam:List*"],"Resource":"*"}}"#)
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
        let f = Case::user("ci")
            .policy(PermissionSource::Inline, "self", r#"{"Statement":{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateLoginProfile"],"Resource":"arn:aws:iam::*:user/${aws:username}"}}"#)
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn quiet_for_read_only_and_for_admins() {
        let f = Case::role("ro")
            .policy(PermissionSource::Inline, "ro", r#"{"Statement":{"Effect":"Allow","Action":["iam:Get*","iam:List*","s3:GetObject"],"Resource":"*"}}"#)
            .run(&super::Rule);
        assert!(f.is_empty());
        let f = Case::role("admin")
            .policy(
                PermissionSource::Inline,
                "all",
                r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            )
            .run(&super::Rule);
        assert!(f.is_empty());
    }
}
