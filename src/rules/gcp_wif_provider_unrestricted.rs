//! A workload identity provider for GitHub Actions or GitLab CI that does not pin the
//! repository or its owner.
//!
//! Every repository on GitHub can get a token from `token.actions.githubusercontent.com`. A
//! provider with no `attributeCondition`, or one that tests only the branch or the workflow,
//! lets any of them into the pool; whatever the pool may impersonate, they may too. The
//! condition is read with the CEL subset of [`crate::privilege::gcp::cel`]: when it uses
//! something outside it, the finding says nhi could not decide.

use crate::finding::{Category, Confidence, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::gcp::cel::{judge, Pinning};
use crate::rule::facts::gcp_provider;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-wif-provider-unrestricted",
    title: "Workload identity provider admits any repository",
    category: Category::Exposure,
    severity: Severity::Critical,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_WORKLOAD_IDENTITY_PROVIDER]),
    owasp: &[Owasp::InsecureCloudDeployment, Owasp::VulnerableThirdParty],
    cis: &[],
    description: "A workload identity pool provider trusting GitHub Actions or GitLab CI has no attributeCondition (critical), or one that does not pin the repository or its owner (high): tokens of any repository on that service enter the pool.",
    remediation: "Set an attribute condition that names your owner or repositories, e.g. --attribute-condition=\"assertion.repository_owner_id == '123456'\" (ids survive renames), and bind service accounts to principalSet://.../attribute.repository/OWNER/REPO rather than to the whole pool.",
    config: &[],
    references: &["https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines#conditions", "https://github.com/google-github-actions/auth#security-considerations"],
};

/// A CI issuer whose tokens any repository on the service can obtain.
pub fn ci_issuer(issuer: &str) -> Option<&'static str> {
    let host = issuer
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    if host == "token.actions.githubusercontent.com"
        || host.starts_with("token.actions.githubusercontent.com/")
    {
        Some("GitHub")
    } else if host == "gitlab.com" {
        Some("GitLab")
    } else {
        None
    }
}

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(p) = gcp_provider(s.identity) else {
            return Vec::new();
        };
        let Some(service) = p.issuer.as_deref().and_then(ci_issuer) else {
            return Vec::new();
        };
        if p.disabled {
            return Vec::new();
        }
        let evidence = json!({
            "issuer": p.issuer,
            "attribute_condition": p.attribute_condition,
            "attribute_mapping": p.attribute_mapping,
        });
        let finding = match judge(p.attribute_condition.as_deref(), &p.attribute_mapping) {
            Pinning::Pinned(_) => return Vec::new(),
            Pinning::NotPinned(why) if p.attribute_condition.is_none() => Finding::new(
                &META,
                format!("Provider {} trusts every {service} repository: {why}.", s.identity.name),
            ),
            Pinning::NotPinned(why) => Finding::new(
                &META,
                format!(
                    "Provider {}'s condition does not pin a {service} repository or owner ({why}).",
                    s.identity.name
                ),
            )
            .severity(Severity::High),
            Pinning::Undecided(why) => Finding::new(
                &META,
                format!(
                    "nhi cannot tell whether provider {}'s condition pins a {service} repository or owner: {why}.",
                    s.identity.name
                ),
            )
            .severity(Severity::Medium)
            .confidence(Confidence::Low),
        };
        vec![finding.evidence(evidence)]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::Case;
    use nhi_api::gcp::GcpWorkloadIdentityProvider;
    use nhi_api::{kinds, providers, Identity, Native};

    fn provider(condition: Option<&str>) -> Case {
        let mut i = Identity::new(
            providers::GCP,
            kinds::GCP_WORKLOAD_IDENTITY_PROVIDER,
            "projects/111/locations/global/workloadIdentityPools/gh/providers/gh",
            "gh/gh",
        );
        i.scope = "acme-prod".into();
        i.native = Native::GcpWorkloadIdentityProvider(Box::new(GcpWorkloadIdentityProvider {
            project: "acme-prod".into(),
            pool: "gh".into(),
            protocol: "oidc".into(),
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            attribute_condition: condition.map(str::to_string),
            attribute_mapping: [("google.subject".to_string(), "assertion.sub".to_string())].into(),
            disabled: false,
        }));
        Case::of(i)
    }

    #[test]
    fn severity_follows_the_condition() {
        assert_eq!(
            provider(None).run(&super::Rule)[0].severity,
            Severity::Critical
        );
        assert_eq!(
            provider(Some("assertion.ref == 'refs/heads/main'")).run(&super::Rule)[0].severity,
            Severity::High
        );
        let f = provider(Some("assertion.repository.matches('^acme/')")).run(&super::Rule);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].message.contains("cannot tell"));
        assert!(provider(Some("assertion.repository_owner == 'acme'"))
            .run(&super::Rule)
            .is_empty());
    }
}
