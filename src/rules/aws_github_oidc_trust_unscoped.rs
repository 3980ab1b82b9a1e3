//! A role that GitHub Actions workflows can assume without a strict subject.
//!
//! GitHub's OIDC provider signs tokens for every workflow of every repository on github.com. The
//! trust policy's `token.actions.githubusercontent.com:sub` condition is what restricts the role to
//! your repository (and branch or environment). Without it, any GitHub user can write a workflow
//! that assumes the role; with `repo:ORG/*` any repository of the organization (including forks
//! made inside it and every new repository) can.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::assume_statements;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

static META: RuleMeta = RuleMeta {
    id: "aws-github-oidc-trust-unscoped",
    title: "GitHub OIDC trust without a strict subject",
    category: Category::Exposure,
    severity: Severity::Critical,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_ROLE]),
    owasp: &[Owasp::InsecureCloudDeployment, Owasp::InsecureAuthentication],
    cis: &[],
    description: "A role trusts GitHub Actions' OIDC provider but its token.actions.githubusercontent.com:sub condition is missing (critical: any repository on GitHub), a wildcard over repositories (high), or its :aud condition is not sts.amazonaws.com (medium).",
    remediation: "Add a StringEquals (or StringLike on the ref only) condition on token.actions.githubusercontent.com:sub naming the repository and branch or environment, e.g. repo:ORG/REPO:environment:production, and token.actions.githubusercontent.com:aud = sts.amazonaws.com.",
    config: &[],
    references: &[
        "https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub",
    ],
};

/// Whether a `sub` pattern lets any repository (of any owner, or of one owner) through.
fn wildcard_scope(pattern: &str) -> Option<&'static str> {
    let rest = match pattern.strip_prefix("repo:") {
        Some(r) => r,
        // `*`, `*:ref:...`, or a claim with another prefix but a wildcard in front.
        None if pattern.starts_with('*') => return Some("any repository on GitHub"),
        None => return None,
    };
    let repo_part = rest.split(':').next().unwrap_or(rest);
    let (owner, repo) = repo_part.split_once('/').unwrap_or((repo_part, ""));
    if owner.contains('*') || owner.contains('?') {
        Some("any repository on GitHub")
    } else if repo.contains('*') || repo.contains('?') || repo.is_empty() {
        Some("any repository of the organization")
    } else {
        None
    }
}

fn raise(current: &mut Option<Severity>, to: Severity) {
    *current = Some(current.map_or(to, |s| s.max(to)));
}

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(trust) = s.trust else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        let mut severity = None;
        for st in assume_statements(trust) {
            let Some(provider) = st.principal.as_ref().and_then(|p| {
                p.of_type("Federated")
                    .iter()
                    .find(|f| f.contains(GITHUB_ISSUER))
                    .cloned()
            }) else {
                continue;
            };
            // The claim keys are named after the issuer host (with an enterprise slug if any).
            let issuer = provider
                .split_once("oidc-provider/")
                .map(|(_, h)| h)
                .unwrap_or(GITHUB_ISSUER);
            let sub_key = format!("{issuer}:sub");
            let aud_key = format!("{issuer}:aud");
            let subs: Vec<(&str, &String)> = st
                .condition_values(&sub_key)
                .flat_map(|(op, vals)| vals.iter().map(move |v| (op, v)))
                .collect();
            if subs.is_empty() {
                raise(&mut severity, Severity::Critical);
                problems.push(json!({
                    "provider": provider,
                    "problem": "no sub condition: any workflow in any repository on GitHub can assume the role",
                }));
            }
            for (op, v) in &subs {
                // Only *Like operators expand wildcards; StringEquals compares literally.
                if !op.to_ascii_lowercase().contains("like") {
                    continue;
                }
                if let Some(scope) = wildcard_scope(v) {
                    let sev = if scope.starts_with("any repository on") {
                        Severity::Critical
                    } else {
                        Severity::High
                    };
                    raise(&mut severity, sev);
                    problems.push(json!({
                        "provider": provider,
                        "problem": format!("sub pattern {v:?} ({op}) lets {scope} assume the role"),
                    }));
                }
            }
            let auds: Vec<&String> = st
                .condition_values(&aud_key)
                .flat_map(|(_, v)| v.iter())
                .collect();
            if !subs.is_empty() && !auds.iter().any(|a| a.as_str() == "sts.amazonaws.com") {
                raise(&mut severity, Severity::Medium);
                problems.push(json!({
                    "provider": provider,
                    "problem": if auds.is_empty() {
                        "no aud condition (expected sts.amazonaws.com)".to_string()
                    } else {
                        format!("aud is {auds:?}, not sts.amazonaws.com")
                    },
                }));
            }
        }
        let Some(severity) = severity else {
            return Vec::new();
        };
        let summary: Vec<&str> = problems
            .iter()
            .filter_map(|p| p["problem"].as_str())
            .collect();
        vec![Finding::new(
            &META,
            format!("GitHub Actions trust is too broad: {}.", summary.join("; ")),
        )
        .severity(severity)
        .evidence(json!({ "problems": problems }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::Case;

    fn trust(condition: &str) -> String {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{condition}}}]}}"#
        )
    }

    #[test]
    fn missing_sub_is_critical() {
        let f = Case::role("gh").trust(&trust(r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#)).run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
    }

    #[test]
    fn org_wildcard_is_high_and_bad_aud_is_medium() {
        let f = Case::role("gh").trust(&trust(r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}"#)).run(&super::Rule);
        assert_eq!(f[0].severity, Severity::High);
        let f = Case::role("gh").trust(&trust(r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/api:ref:refs/heads/main"}}"#)).run(&super::Rule);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn quiet_when_strict() {
        let f = Case::role("gh").trust(&trust(r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/api:environment:prod"}}"#)).run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
        let f = Case::role("gh").trust(&trust(r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/api:*"}}"#)).run(&super::Rule);
        assert!(f.is_empty(), "one repository, any ref: {f:?}");
        let f = Case::role("lambda").trust(r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}"#).run(&super::Rule);
        assert!(f.is_empty());
    }
}
