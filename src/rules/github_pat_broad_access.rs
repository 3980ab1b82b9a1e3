//! A personal access token with broad access to the organization.
//!
//! A token is a person's power in a string. Fine-grained PATs were made to be narrow: one with
//! write access to every repository, or with organization administration, is a standing copy of
//! an administrator that no session, SSO prompt or device check stands in front of. Classic
//! PATs authorized for SSO are judged by their scopes: `admin:*`, `delete_repo` and
//! `site_admin` reach far beyond what automation needs.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{github, is_write, owner_login};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-pat-broad-access",
    title: "Personal access token with broad access",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["github"],
    kinds: Kinds::Only(&[kinds::GITHUB_FINE_GRAINED_PAT, kinds::GITHUB_CREDENTIAL_AUTHORIZATION]),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "A fine-grained PAT has write or admin access on all repositories, or write/admin organization permissions (administration, members, secrets, personal access tokens); or a SAML-authorized classic PAT has admin:*, delete_repo or site_admin scopes.",
    remediation: "Replace the token with one limited to the repositories and permissions its job needs, or with a GitHub App installation scoped the same way. Then revoke the broad token (organization Settings → Personal access tokens, or the member's SAML identity page).",
    config: &[],
    references: &["https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens#fine-grained-personal-access-tokens"],
};

/// Organization permissions that administer people, secrets or the organization itself.
const ORG_ADMIN_PERMISSIONS: &[&str] = &[
    "organization.administration",
    "organization.members",
    "organization.secrets",
    "organization.personal_access_tokens",
    "organization.organization_administration",
    "organization.organization_secrets",
    "organization.organization_personal_access_tokens",
    "organization.custom_roles",
];

fn broad_scopes(scopes: &[String]) -> Vec<String> {
    scopes
        .iter()
        .filter(|s| s.starts_with("admin:") || *s == "delete_repo" || *s == "site_admin")
        .cloned()
        .collect()
}

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = github(s.identity) else {
            return Vec::new();
        };
        if s.identity.active_credentials().next().is_none() {
            return Vec::new();
        }
        let all_repos = f.repository_selection.as_deref() == Some("all");
        let repo_write: Vec<String> = f
            .permissions
            .iter()
            .filter(|(k, v)| k.starts_with("repository.") && is_write(v))
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let org_admin: Vec<String> = f
            .permissions
            .iter()
            .filter(|(k, v)| ORG_ADMIN_PERMISSIONS.contains(&k.as_str()) && is_write(v))
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let scopes = broad_scopes(&f.scopes);
        let mut reasons = Vec::new();
        if all_repos && !repo_write.is_empty() {
            reasons.push(format!(
                "write access to all repositories ({})",
                repo_write.join(", ")
            ));
        }
        if !org_admin.is_empty() {
            reasons.push(format!("organization permissions {}", org_admin.join(", ")));
        }
        if !scopes.is_empty() {
            reasons.push(format!("scopes {}", scopes.join(", ")));
        }
        if reasons.is_empty() {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!("{} has {}.", s.identity.name, reasons.join("; ")),
        )
        .evidence(json!({
            "repository_selection": f.repository_selection,
            "repository_write": repo_write,
            "organization_admin": org_admin,
            "broad_scopes": scopes,
            "owner": owner_login(s.identity),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::github;
    use nhi_api::{kinds, GithubFacts, LastUsed};

    fn run(kind: &str, facts: GithubFacts) -> usize {
        github(kind, 10, LastUsed::Never, facts)
            .run(&super::Rule)
            .len()
    }

    fn perms(p: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fires_on_all_repo_write_org_admin_and_admin_scopes() {
        let all_write = GithubFacts {
            repository_selection: Some("all".into()),
            permissions: perms(&[("repository.contents", "write")]),
            ..Default::default()
        };
        assert_eq!(run(kinds::GITHUB_FINE_GRAINED_PAT, all_write), 1);
        let org_admin = GithubFacts {
            repository_selection: Some("selected".into()),
            permissions: perms(&[("organization.administration", "write")]),
            ..Default::default()
        };
        assert_eq!(run(kinds::GITHUB_FINE_GRAINED_PAT, org_admin), 1);
        let classic = GithubFacts {
            scopes: vec!["repo".into(), "admin:org".into()],
            ..Default::default()
        };
        assert_eq!(run(kinds::GITHUB_CREDENTIAL_AUTHORIZATION, classic), 1);
    }

    #[test]
    fn quiet_on_narrow_tokens() {
        let selected_write = GithubFacts {
            repository_selection: Some("selected".into()),
            permissions: perms(&[
                ("repository.contents", "write"),
                ("organization.members", "read"),
            ]),
            ..Default::default()
        };
        assert_eq!(run(kinds::GITHUB_FINE_GRAINED_PAT, selected_write), 0);
        let all_read = GithubFacts {
            repository_selection: Some("all".into()),
            permissions: perms(&[("repository.metadata", "read")]),
            ..Default::default()
        };
        assert_eq!(run(kinds::GITHUB_FINE_GRAINED_PAT, all_read), 0);
        let classic = GithubFacts {
            scopes: vec!["repo".into(), "read:org".into()],
            ..Default::default()
        };
        assert_eq!(run(kinds::GITHUB_CREDENTIAL_AUTHORIZATION, classic), 0);
    }
}
