//! A role trusting an AWS service with no source condition.
//!
//! Services that act across accounts (SNS, S3 notifications, CloudTrail, Config, ...) can be made
//! to assume a role on behalf of another customer's resource unless the trust checks
//! aws:SourceArn or aws:SourceAccount. Compute services that only run your own resources (EC2,
//! Lambda, ECS tasks: configurable) cannot be confused this way and are not reported.

use crate::finding::{Category, Confidence, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::assume_statements;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;
use std::collections::BTreeSet;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-trust-service-no-source-condition",
    title: "Service trust without source condition",
    category: Category::Exposure,
    severity: Severity::Low,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_ROLE]),
    owasp: &[Owasp::InsecureCloudDeployment],
    cis: &[],
    description: "The role trusts an AWS service principal that can act for other accounts' resources, with no aws:SourceArn, aws:SourceAccount or aws:SourceOrgID condition (cross-service confused deputy).",
    remediation: "Add a condition aws:SourceAccount (your account id) or aws:SourceArn (the resource that uses the role) to the trust statement.",
    config: &["aws.services_without_confused_deputy"],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html#cross-service-confused-deputy-prevention"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(trust) = s.trust else {
            return Vec::new();
        };
        let exempt = &ctx.config.aws.services_without_confused_deputy;
        let mut services = BTreeSet::new();
        for st in assume_statements(trust) {
            if st.has_any_condition_key(&[
                "aws:SourceArn",
                "aws:SourceAccount",
                "aws:SourceOrgID",
                "aws:SourceOrgPaths",
            ]) {
                continue;
            }
            let Some(p) = &st.principal else { continue };
            for svc in p.of_type("Service") {
                if !exempt.iter().any(|e| e.eq_ignore_ascii_case(svc)) {
                    services.insert(svc.clone());
                }
            }
        }
        if services.is_empty() {
            return Vec::new();
        }
        let list: Vec<String> = services.into_iter().collect();
        vec![Finding::new(
            &META,
            format!(
                "Trusts {} with no aws:SourceArn or aws:SourceAccount condition.",
                list.join(", ")
            ),
        )
        .confidence(Confidence::Medium)
        .evidence(json!({ "services": list }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::Case;

    #[test]
    fn fires_for_cross_account_capable_services() {
        let f = Case::role("sns").trust(r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole"}}"#).run(&super::Rule);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_for_compute_services_and_with_conditions() {
        let f = Case::role("fn").trust(r#"{"Statement":{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}}"#).run(&super::Rule);
        assert!(f.is_empty());
        let f = Case::role("sns").trust(r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}}"#).run(&super::Rule);
        assert!(f.is_empty());
    }
}
