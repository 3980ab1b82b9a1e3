//! An AI key whose owner has lost access or left.
//!
//! Keys outlive their creators' access: a person leaves the project or the company and the key
//! they made keeps working, in a pipeline or on their laptop. OpenAI reports
//! `owner_project_access=inactive` for keys whose owner lost access to the project; a key whose
//! owner (or Anthropic creator) is not in the organization's member list belongs to someone who
//! left. When the member list could not be read, only the first signal is used.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{active_ai_keys, ai_key, AI_KEYS};
use crate::rule::judge::departed_owner;
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ai-key-owner-departed",
    title: "AI API key owned by someone who left",
    category: Category::Ownership,
    severity: Severity::High,
    providers: &["openai", "anthropic"],
    kinds: Kinds::Only(AI_KEYS),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "The key's owner no longer has access to its project (OpenAI owner_project_access=inactive), or its owner or creator is not a member of the organization any more.",
    remediation: "Find what uses the key (usage dashboard, by key), give that workload a service-account key, then delete this key. Make key review part of offboarding.",
    config: &[],
    references: &["https://owasp.org/www-project-non-human-identities-top-10/2025/1-improper-offboarding/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(k) = ai_key(s.identity) else {
            return Vec::new();
        };
        if active_ai_keys(s.identity).next().is_none() {
            return Vec::new();
        }
        let lost_access = k.owner_project_access.as_deref() == Some("inactive");
        let left = departed_owner(s.identity).is_some();
        if !lost_access && !left {
            return Vec::new();
        }
        let who = s
            .owner
            .map(|o| o.value.as_str())
            .or(k.owner_id.as_deref())
            .unwrap_or("its owner");
        let message = match (left, lost_access) {
            (true, _) => {
                format!("{who} is no longer a member of the organization, but the key is active.")
            }
            (false, _) => format!(
                "{who} no longer has access to project {}, but the key is active.",
                k.project_name
                    .as_deref()
                    .or(k.project_id.as_deref())
                    .unwrap_or("?")
            ),
        };
        vec![Finding::new(&META, message).evidence(json!({
            "owner": who,
            "owner_project_access": k.owner_project_access,
            "owner_in_org": s.identity.owner.as_ref().and_then(|o| o.active),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::ai_key;
    use nhi_api::{LastUsed, Native};

    fn with(access: Option<&str>, in_org: Option<bool>) -> usize {
        let mut case = ai_key("k", 10, LastUsed::Never);
        if let Native::AiKey(k) = &mut case.identity.native {
            k.owner_project_access = access.map(String::from);
        }
        if let Some(owner) = &mut case.identity.owner {
            owner.active = in_org;
        }
        case.run(&super::Rule).len()
    }

    #[test]
    fn fires_when_access_lost_or_member_gone() {
        assert_eq!(with(Some("inactive"), Some(true)), 1);
        assert_eq!(with(Some("active"), Some(false)), 1);
        assert_eq!(with(None, Some(false)), 1);
    }

    #[test]
    fn quiet_when_present_or_unknown() {
        assert_eq!(with(Some("active"), Some(true)), 0);
        assert_eq!(with(None, None), 0);
    }
}
