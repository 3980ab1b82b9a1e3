//! An Entra ID application (or Agent ID blueprint) with no owner, or only owners who are
//! disabled.
//!
//! Owners are who Entra asks about an application: who can rotate its secrets, who answers when
//! it misbehaves. An application without one (or whose owners' accounts are disabled; deleted
//! owners vanish from the list) is left to nobody. Judged only when owners were read.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::azure;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-app-no-owner",
    title: "Entra ID application without an active owner",
    category: Category::Ownership,
    severity: Severity::Medium,
    providers: &["azure"],
    kinds: Kinds::Only(&[kinds::AZURE_APPLICATION, kinds::AZURE_AGENT_BLUEPRINT]),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "An application registration or Agent ID blueprint has no owners (medium), or every owner is a disabled account (high): nobody answers for its credentials and permissions. Deleted owners drop out of the owners list, so they count as none.",
    remediation: "Find the team that runs what signs in as it (its service principal's sign-ins, its redirect URIs) and add two of its people as owners (az ad app owner add). If nobody claims it, disable its service principal and remove its credentials.",
    config: &[],
    references: &["https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/overview-assign-app-owners"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = azure(s.identity) else {
            return Vec::new();
        };
        let Some(owners) = &f.owners else {
            return Vec::new();
        };
        let active = owners.iter().filter(|o| o.enabled != Some(false)).count();
        if active > 0 {
            return Vec::new();
        }
        let (message, severity) = if owners.is_empty() {
            (
                format!("Application {} has no owners.", s.identity.name),
                Severity::Medium,
            )
        } else {
            (
                format!(
                    "Every owner of application {} is disabled: {}.",
                    s.identity.name,
                    owners
                        .iter()
                        .map(|o| o.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Severity::High,
            )
        };
        vec![Finding::new(&META, message).severity(severity).evidence(json!({
            "owners": owners.iter().map(|o| json!({"name": o.name, "kind": o.kind, "enabled": o.enabled})).collect::<Vec<_>>(),
            "credentials": s.identity.credentials.len(),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::azure;
    use nhi_api::{kinds, AzureFacts, AzureOwner};

    fn run(owners: Option<Vec<AzureOwner>>) -> usize {
        azure(
            kinds::AZURE_APPLICATION,
            "a1",
            AzureFacts {
                owners,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    fn owner(enabled: Option<bool>) -> AzureOwner {
        AzureOwner {
            id: "u1".into(),
            kind: "user".into(),
            name: "bob@contoso.com".into(),
            enabled,
        }
    }

    #[test]
    fn fires_on_none_or_disabled() {
        assert_eq!(run(Some(vec![])), 1);
        assert_eq!(run(Some(vec![owner(Some(false))])), 1);
    }

    #[test]
    fn quiet_with_an_owner_or_unknown() {
        assert_eq!(run(Some(vec![owner(Some(true))])), 0);
        assert_eq!(run(Some(vec![owner(None)])), 0);
        assert_eq!(run(None), 0);
    }
}
