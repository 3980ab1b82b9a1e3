//! A role anyone on AWS can assume.
//!
//! `"Principal": "*"` (or `{"AWS": "*"}`) in a trust policy means any AWS principal in any
//! account. Unless a condition ties the caller to your organization, account or a shared secret,
//! the role's permissions are public.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{assume_statements, CALLER_RESTRICTING_KEYS};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use nhi_api::policy::Principal;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-trust-any-principal",
    title: "Role assumable by any AWS principal",
    category: Category::Exposure,
    severity: Severity::Critical,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_ROLE]),
    owasp: &[Owasp::InsecureCloudDeployment, Owasp::EnvironmentIsolation],
    cis: &[],
    description: "The role's trust policy allows \"*\" as principal with no condition restricting the caller's organization, account or ARN.",
    remediation: "Name the principals that may assume the role, or add an aws:PrincipalOrgID (or aws:PrincipalAccount) condition.",
    config: &[],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(trust) = s.trust else {
            return Vec::new();
        };
        let open: Vec<Option<&String>> = assume_statements(trust)
            .filter(|st| match &st.principal {
                Some(Principal::Any) => true,
                Some(p) => p.of_type("AWS").iter().any(|a| a == "*"),
                None => false,
            })
            .filter(|st| {
                !CALLER_RESTRICTING_KEYS
                    .iter()
                    .any(|k| st.has_condition_key(k))
            })
            .map(|st| st.sid.as_ref())
            .collect();
        if open.is_empty() {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            "Any AWS principal in any account can assume this role.",
        )
        .evidence(json!({ "statements": open }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::Case;

    #[test]
    fn fires_on_star_principal() {
        let f = Case::role("open").trust(r#"{"Statement":{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}"#).run(&super::Rule);
        assert_eq!(f.len(), 1);
        let f = Case::role("open").trust(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"sts:AssumeRole"}}"#).run(&super::Rule);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_when_restricted_or_named() {
        let f = Case::role("org").trust(r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}}"#).run(&super::Rule);
        assert!(f.is_empty());
        let f = Case::role("named").trust(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}}"#).run(&super::Rule);
        assert!(f.is_empty());
    }
}
