//! A federated identity credential whose subject admits any pull request or any branch.
//!
//! Workload identity federation removes secrets: a GitHub Actions job presents its OIDC token
//! and signs in as the application when the token's issuer and subject match. The subject
//! decides who: `repo:ORG/REPO:pull_request` is any pull request's job (including code nobody
//! reviewed), and a flexible credential matching `repo:ORG/REPO:ref:refs/heads/*` or
//! `repo:ORG/*` is any branch or any repository — anyone who can push.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::azure;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-federation-too-wide",
    title: "Federated credential admits any PR or branch",
    category: Category::Exposure,
    severity: Severity::High,
    providers: &["azure"],
    kinds: Kinds::Only(&[kinds::AZURE_APPLICATION, kinds::AZURE_AGENT_BLUEPRINT]),
    owasp: &[Owasp::InsecureCloudDeployment, Owasp::InsecureAuthentication],
    cis: &[],
    description: "A federated identity credential's subject admits any pull request (`…:pull_request`), or a flexible credential's claims expression matches any branch, repository or subject with a wildcard (`ref:refs/heads/*`, `repo:ORG/*`).",
    remediation: "Pin the subject to a protected branch or, better, a GitHub environment with required reviewers (repo:ORG/REPO:environment:prod) and give pull-request jobs a separate application with read-only rights. Replace wildcard flexible expressions with exact subjects.",
    config: &[],
    references: &[
        "https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation",
        "https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect",
    ],
};

/// Why a subject pattern admits too much, if it does.
fn too_wide(pattern: &str, glob: bool) -> Option<&'static str> {
    if pattern.ends_with(":pull_request") || (glob && pattern.contains(":pull_request")) {
        return Some("any pull request");
    }
    if !glob || !pattern.contains(['*', '?']) {
        return None;
    }
    if pattern.contains("ref:refs/heads/*") || pattern.ends_with(":*") {
        return Some("any branch");
    }
    Some("a wildcard subject")
}

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = azure(s.identity) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for c in &f.federated {
            let mut why: Vec<(&str, String)> = Vec::new();
            if let Some(sub) = &c.subject {
                if let Some(w) = too_wide(sub, false) {
                    why.push((w, sub.clone()));
                }
            }
            if c.claims_matching_expression.is_some() {
                for p in
                    crate::privilege::azure::subject_patterns(&nhi_api::AzureFederatedCredential {
                        subject: None,
                        ..c.clone()
                    })
                {
                    if let Some(w) = too_wide(&p, true) {
                        why.push((w, p));
                    }
                }
            }
            let Some((reason, subject)) = why.first() else {
                continue;
            };
            out.push(
                Finding::new(
                    &META,
                    format!(
                        "{}'s federated credential {:?} admits {reason} ({subject}) from {}.",
                        s.identity.name, c.name, c.issuer
                    ),
                )
                .credential(&format!("fic:{}", c.name))
                .evidence(json!({
                    "credential": c.name,
                    "issuer": c.issuer,
                    "subject": c.subject,
                    "claims_matching_expression": c.claims_matching_expression,
                    "audiences": c.audiences,
                    "admits": reason,
                })),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::azure;
    use nhi_api::{kinds, AzureFacts, AzureFederatedCredential};

    fn run(subject: Option<&str>, expr: Option<&str>) -> usize {
        let federated = vec![AzureFederatedCredential {
            name: "gh".into(),
            issuer: "https://token.actions.githubusercontent.com".into(),
            subject: subject.map(str::to_string),
            claims_matching_expression: expr.map(str::to_string),
            audiences: vec!["api://AzureADTokenExchange".into()],
        }];
        azure(
            kinds::AZURE_APPLICATION,
            "a1",
            AzureFacts {
                federated,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    #[test]
    fn fires_on_pull_requests_and_any_branch() {
        assert_eq!(run(Some("repo:acme/web:pull_request"), None), 1);
        assert_eq!(
            run(
                None,
                Some("claims['sub'] matches 'repo:acme/web:ref:refs/heads/*'")
            ),
            1
        );
    }

    #[test]
    fn quiet_on_pinned_subjects() {
        assert_eq!(run(Some("repo:acme/web:environment:prod"), None), 0);
        assert_eq!(run(Some("repo:acme/web:ref:refs/heads/main"), None), 0);
        assert_eq!(
            run(
                None,
                Some("claims['sub'] eq 'repo:acme/web:ref:refs/heads/main'")
            ),
            0
        );
    }
}
