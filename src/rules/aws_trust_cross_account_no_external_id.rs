//! A role another account can assume without an ExternalId.
//!
//! When a third party (a SaaS vendor) assumes roles in many customers' accounts, the ExternalId
//! condition is what stops one customer from tricking the vendor into acting on another's account
//! (the confused deputy). Accounts of your own organization can be listed as trusted in nhi.toml.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::assume_statements;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;
use std::collections::BTreeSet;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-trust-cross-account-no-external-id",
    title: "Cross-account trust without ExternalId",
    category: Category::Exposure,
    severity: Severity::High,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_ROLE]),
    owasp: &[Owasp::VulnerableThirdParty, Owasp::EnvironmentIsolation],
    cis: &[],
    description: "The role trusts principals of another AWS account (not listed in aws.trusted_accounts) with no sts:ExternalId or aws:PrincipalOrgID condition.",
    remediation: "Add a StringEquals condition on sts:ExternalId with the value the third party gives you; for your own accounts use aws:PrincipalOrgID, or list them in aws.trusted_accounts.",
    config: &["aws.trusted_accounts"],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html"],
};

/// The account of an `AWS` principal: a bare account id or an ARN.
fn account(principal: &str) -> Option<&str> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(principal);
    }
    principal.split(':').nth(4).filter(|a| a.len() == 12)
}

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(trust) = s.trust else {
            return Vec::new();
        };
        let own = s.identity.scope.as_str();
        let mut foreign = BTreeSet::new();
        for st in assume_statements(trust) {
            if st.has_any_condition_key(&[
                "sts:ExternalId",
                "aws:PrincipalOrgID",
                "aws:PrincipalOrgPaths",
            ]) {
                continue;
            }
            let Some(p) = &st.principal else { continue };
            for principal in p.of_type("AWS") {
                if let Some(acct) = account(principal) {
                    if acct != own && !ctx.config.aws.trusted_accounts.iter().any(|t| t == acct) {
                        foreign.insert(principal.clone());
                    }
                }
            }
        }
        if foreign.is_empty() {
            return Vec::new();
        }
        let accounts: BTreeSet<&str> = foreign.iter().filter_map(|p| account(p)).collect();
        vec![Finding::new(
            &META,
            format!(
                "Account(s) {} can assume this role with no ExternalId condition.",
                accounts.into_iter().collect::<Vec<_>>().join(", ")
            ),
        )
        .evidence(json!({ "principals": foreign }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::Case;

    const FOREIGN: &str = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}}"#;

    #[test]
    fn fires_on_foreign_account_without_external_id() {
        let f = Case::role("vendor").trust(FOREIGN).run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("999999999999"));
    }

    #[test]
    fn quiet_with_external_id_own_or_trusted_account() {
        let f = Case::role("vendor").trust(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}}"#).run(&super::Rule);
        assert!(f.is_empty());
        let f = Case::role("own").trust(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ci"},"Action":"sts:AssumeRole"}}"#).run(&super::Rule);
        assert!(f.is_empty());
        let mut case = Case::role("org").trust(FOREIGN);
        case.config.aws.trusted_accounts = vec!["999999999999".into()];
        assert!(case.run(&super::Rule).is_empty());
    }
}
