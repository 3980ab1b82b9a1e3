//! An Entra Agent ID agent with no sponsor, or whose blueprint's credentials nobody owns.
//!
//! Agent ID gives each AI agent its own identity. A sponsor is the person accountable for what
//! the agent does; the blueprint holds the credentials its agent identities sign in with. An
//! agent without a sponsor (or only disabled ones) answers to nobody, and a blueprint whose
//! credentials have no enabled owner or sponsor is a key nobody watches that opens every agent
//! made from it.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::azure;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-agent-unsponsored",
    title: "AI agent without a sponsor or blueprint owner",
    category: Category::Ownership,
    severity: Severity::High,
    providers: &["azure"],
    kinds: Kinds::Only(&[kinds::AZURE_AGENT_IDENTITY, kinds::AZURE_AGENT_USER]),
    owasp: &[Owasp::ImproperOffboarding, Owasp::HumanUse],
    cis: &[],
    description: "An Entra Agent ID agent identity or agent user has no sponsor, or only disabled sponsors; or the blueprint it is made from holds credentials (secrets, certificates, federated credentials) that no enabled owner or sponsor answers for. Judged only when sponsors (or the blueprint's owners) were read.",
    remediation: "Assign a sponsor who is accountable for the agent (Entra admin center → Agent ID → the agent → Sponsors) and owners to its blueprint; remove blueprint credentials nobody claims, and prefer a managed identity or federated credential on the blueprint over secrets.",
    config: &[],
    references: &[
        "https://learn.microsoft.com/en-us/entra/agent-id/identity-platform/agent-identities",
        "https://learn.microsoft.com/en-us/graph/api/resources/agentidentity?view=graph-rest-beta",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, _ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = azure(s.identity) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(sponsors) = &f.sponsors {
            if !sponsors.iter().any(|o| o.enabled != Some(false)) {
                let message = if sponsors.is_empty() {
                    format!("Agent {} has no sponsor.", s.identity.name)
                } else {
                    format!("Every sponsor of agent {} is disabled.", s.identity.name)
                };
                out.push(Finding::new(&META, message).evidence(json!({
                    "sponsors": sponsors.iter().map(|o| json!({"name": o.name, "enabled": o.enabled})).collect::<Vec<_>>(),
                    "blueprint": f.blueprint,
                })));
            }
        }
        if f.blueprint_credentials_unowned == Some(true) {
            out.push(
                Finding::new(
                    &META,
                    format!(
                        "Agent {} signs in with its blueprint's credentials, which no enabled owner or sponsor answers for.",
                        s.identity.name
                    ),
                )
                .credential("blueprint")
                .evidence(json!({"blueprint": f.blueprint})),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::azure;
    use nhi_api::{kinds, AzureFacts, AzureOwner};

    fn run(sponsors: Option<Vec<AzureOwner>>, unowned: Option<bool>) -> usize {
        azure(
            kinds::AZURE_AGENT_IDENTITY,
            "g1",
            AzureFacts {
                sponsors,
                blueprint_credentials_unowned: unowned,
                ..Default::default()
            },
        )
        .run(&super::Rule)
        .len()
    }

    fn sponsor() -> AzureOwner {
        AzureOwner {
            id: "u1".into(),
            kind: "user".into(),
            name: "ana@contoso.com".into(),
            enabled: Some(true),
        }
    }

    #[test]
    fn fires_without_sponsor_or_with_unowned_blueprint() {
        assert_eq!(run(Some(vec![]), Some(false)), 1);
        assert_eq!(run(Some(vec![sponsor()]), Some(true)), 1);
    }

    #[test]
    fn quiet_when_sponsored_and_owned_or_unknown() {
        assert_eq!(run(Some(vec![sponsor()]), Some(false)), 0);
        assert_eq!(run(None, None), 0);
    }
}
