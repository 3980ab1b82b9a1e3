//! A GitHub credential whose owner or creator has left the organization.
//!
//! Offboarding removes a person from the organization, but not what they left behind: a deploy
//! key they added keeps working, and so does a token whose owner's access is gone only if the
//! organization notices. Nobody is left to answer for the credential, or to notice its misuse.
//! Only judged when the member list (members and outside collaborators) could be read.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{at_login, github, owner_login};
use crate::rule::judge::departed_owner;
use crate::rule::{Ctx, Subject};
use nhi_api::{kinds, CredentialStatus};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "github-owner-departed",
    title: "GitHub credential owned by someone who left",
    category: Category::Ownership,
    severity: Severity::High,
    providers: &["github"],
    kinds: Kinds::Only(KINDS),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "The person who added a deploy key, or who owns a fine-grained PAT (granted or requested) or a SAML-authorized credential, is no longer a member or outside collaborator of the organization.",
    remediation: "Find what uses the credential (the key's last use, the workload's config), move that workload to an identity a current team owns (a GitHub App installation or a new deploy key), then delete the key or revoke the token's access. Add a credential review to offboarding.",
    config: &[],
    references: &["https://owasp.org/www-project-non-human-identities-top-10/2025/1-improper-offboarding/"],
};

const KINDS: &[&str] = &[
    kinds::GITHUB_DEPLOY_KEY,
    kinds::GITHUB_FINE_GRAINED_PAT,
    kinds::GITHUB_FINE_GRAINED_PAT_REQUEST,
    kinds::GITHUB_CREDENTIAL_AUTHORIZATION,
];

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let (Some(f), Some(_)) = (github(s.identity), departed_owner(s.identity)) else {
            return Vec::new();
        };
        let live = s.identity.credentials.iter().any(|c| {
            matches!(
                c.status,
                CredentialStatus::Active | CredentialStatus::Inactive
            )
        });
        if !live {
            return Vec::new();
        }
        let who = at_login(owner_login(s.identity));
        let message = match s.identity.kind.as_str() {
            kinds::GITHUB_DEPLOY_KEY => format!(
                "Deploy key {} was added by {who}, who is no longer in the organization.",
                s.identity.name
            ),
            kinds::GITHUB_FINE_GRAINED_PAT_REQUEST => format!(
                "Pending token request {} comes from {who}, who is no longer in the organization.",
                s.identity.name
            ),
            _ => format!(
                "{} belongs to {who}, who is no longer in the organization.",
                s.identity.name
            ),
        };
        vec![Finding::new(&META, message).evidence(json!({
            "owner": owner_login(s.identity),
            "owner_in_org": false,
            "repository": f.repository,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::github;
    use nhi_api::{kinds, GithubFacts, LastUsed};

    fn run(kind: &str, in_org: Option<bool>) -> usize {
        github(kind, 10, LastUsed::Never, GithubFacts::default())
            .owner("bob", in_org)
            .run(&super::Rule)
            .len()
    }

    #[test]
    fn fires_when_the_owner_left() {
        assert_eq!(run(kinds::GITHUB_DEPLOY_KEY, Some(false)), 1);
        assert_eq!(run(kinds::GITHUB_FINE_GRAINED_PAT, Some(false)), 1);
    }

    #[test]
    fn quiet_when_present_or_unknown() {
        assert_eq!(run(kinds::GITHUB_DEPLOY_KEY, Some(true)), 0);
        assert_eq!(run(kinds::GITHUB_DEPLOY_KEY, None), 0);
        assert_eq!(run(kinds::GITHUB_ACTIONS_SECRET, Some(false)), 0);
    }
}
