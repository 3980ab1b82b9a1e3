//! A GitHub deploy key, fine-grained PAT or SAML-authorized credential nobody uses.
//!
//! Unused credentials are pure risk: they grant access nothing needs, and nobody notices when
//! someone else starts using them. A credential GitHub says was never used is judged by its age
//! (since it was added or granted), so a new one has the whole threshold to be put to use.
//! Credentials whose use GitHub does not report (older Enterprise Servers) are not judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::judge::unused_credentials;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-credential-unused",
    title: "GitHub credential unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["github"],
    kinds: Kinds::Only(KINDS),
    owasp: &[Owasp::ImproperOffboarding, Owasp::LongLivedSecrets],
    cis: &[],
    description: "A deploy key, fine-grained personal access token or SAML-authorized classic token / SSH key has not been used within the threshold (default 90 days), or was never used and was added longer ago than that.",
    remediation: "Delete the deploy key (repository Settings → Deploy keys), revoke the fine-grained token's access (organization Settings → Personal access tokens → Active tokens), or revoke the SAML authorization (organization People → member → SAML identity). Recreate it if a workload turns out to need it.",
    config: &["thresholds.github_credential_unused_days"],
    references: &[
        "https://docs.github.com/en/rest/deploy-keys/deploy-keys",
        "https://docs.github.com/en/organizations/managing-programmatic-access-to-your-organization/reviewing-and-revoking-personal-access-tokens-in-your-organization",
    ],
};

const KINDS: &[&str] = &[
    kinds::GITHUB_DEPLOY_KEY,
    kinds::GITHUB_FINE_GRAINED_PAT,
    kinds::GITHUB_CREDENTIAL_AUTHORIZATION,
];

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx.config.thresholds.github_credential_unused_days.get();
        unused_credentials(&META, s, ctx, limit, "it was added", "added_at")
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, github};
    use nhi_api::{kinds, GithubFacts, LastUsed};

    fn run(kind: &str, age: i64, used: LastUsed) -> usize {
        github(kind, age, used, GithubFacts::default())
            .run(&super::Rule)
            .len()
    }

    #[test]
    fn fires_on_old_use_and_old_never_used() {
        assert_eq!(
            run(kinds::GITHUB_DEPLOY_KEY, 400, LastUsed::At(days_ago(120))),
            1
        );
        assert_eq!(run(kinds::GITHUB_FINE_GRAINED_PAT, 100, LastUsed::Never), 1);
        assert_eq!(
            run(
                kinds::GITHUB_CREDENTIAL_AUTHORIZATION,
                400,
                LastUsed::At(days_ago(91))
            ),
            1
        );
    }

    #[test]
    fn quiet_on_recent_new_unknown_or_other_kinds() {
        assert_eq!(
            run(kinds::GITHUB_DEPLOY_KEY, 400, LastUsed::At(days_ago(5))),
            0
        );
        assert_eq!(run(kinds::GITHUB_DEPLOY_KEY, 30, LastUsed::Never), 0);
        assert_eq!(run(kinds::GITHUB_DEPLOY_KEY, 900, LastUsed::Unknown), 0);
        assert_eq!(run(kinds::GITHUB_ACTIONS_SECRET, 900, LastUsed::Never), 0);
    }
}
