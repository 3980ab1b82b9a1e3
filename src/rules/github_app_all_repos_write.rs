//! A GitHub App installed on every repository with write or admin permissions.
//!
//! An app's installation token is a non-human identity the vendor (or whoever runs the app)
//! holds. Installed on all repositories, it reaches every repository created later too, and a
//! compromise of the app (its private key, its vendor) becomes a compromise of the whole
//! organization's code. Write to `contents`, `workflows` or `administration` on all
//! repositories is the usual supply-chain path.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{github, is_write};
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-app-all-repos-write",
    title: "App installed on all repositories with write access",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["github"],
    kinds: Kinds::Only(&[kinds::GITHUB_APP_INSTALLATION]),
    owasp: &[Owasp::Overprivileged, Owasp::VulnerableThirdParty],
    cis: &[],
    description: "A GitHub App installation has repository_selection=all and write or admin permissions: it can change every repository of the organization, including ones created later.",
    remediation: "In organization Settings → GitHub Apps → Configure, switch the installation to \"Only select repositories\" and pick the ones it serves. Ask the vendor whether write permissions can be dropped; uninstall apps nobody uses.",
    config: &[],
    references: &["https://docs.github.com/en/apps/using-github-apps/reviewing-and-modifying-installed-github-apps"],
};

/// Permissions that change code or the pipeline, or administer: critical on all repositories.
const CRITICAL: &[&str] = &[
    "administration",
    "contents",
    "workflows",
    "secrets",
    "organization_administration",
    "members",
];

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = github(s.identity) else {
            return Vec::new();
        };
        if f.repository_selection.as_deref() != Some("all") {
            return Vec::new();
        }
        let write: Vec<String> = f
            .permissions
            .iter()
            .filter(|(_, v)| is_write(v))
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        if write.is_empty() {
            return Vec::new();
        }
        let critical = f
            .permissions
            .iter()
            .any(|(k, v)| is_write(v) && CRITICAL.contains(&k.as_str()));
        let finding = Finding::new(
            &META,
            format!(
                "App {} is installed on all repositories with {}.",
                s.identity.name,
                write.join(", ")
            ),
        )
        .evidence(json!({
            "app_slug": f.app_slug,
            "repository_selection": "all",
            "write_permissions": write,
        }));
        vec![if critical {
            finding.severity(Severity::Critical)
        } else {
            finding
        }]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::github;
    use nhi_api::{kinds, GithubFacts, LastUsed};

    fn run(selection: &str, perms: &[(&str, &str)]) -> Vec<crate::finding::Finding> {
        github(
            kinds::GITHUB_APP_INSTALLATION,
            10,
            LastUsed::Unknown,
            GithubFacts {
                repository_selection: Some(selection.into()),
                permissions: perms
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            },
        )
        .run(&super::Rule)
    }

    #[test]
    fn fires_on_all_repositories_with_write() {
        let f = run("all", &[("contents", "write"), ("metadata", "read")]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        let f = run("all", &[("issues", "write")]);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn quiet_on_selected_or_read_only() {
        assert!(run("selected", &[("contents", "write")]).is_empty());
        assert!(run("all", &[("metadata", "read"), ("contents", "read")]).is_empty());
    }
}
