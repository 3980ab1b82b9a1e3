//! A service principal that can become Global Administrator in two or more hops.
//!
//! Direct privilege is judged by the permission and role rules. This one follows Entra ID's
//! escalation edges: an owner of an application (or a holder of `Application.ReadWrite.All`, or
//! an Application Administrator) can add a credential to it and sign in as it; a holder of
//! `RoleManagement.ReadWrite.Directory` or `AppRoleAssignment.ReadWrite.All` can assign itself
//! any role. A CI application that owns the application holding Global Administrator is one
//! credential away from the tenant, however harmless its own permissions look.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::azure::AzureEdgeKind;
use crate::rule::facts::AZURE_PRINCIPALS;
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-path-to-global-admin",
    title: "Service principal reaches Global Administrator",
    category: Category::OverPrivilege,
    severity: Severity::Critical,
    providers: &["azure"],
    kinds: Kinds::Only(AZURE_PRINCIPALS),
    owasp: &[Owasp::Overprivileged, Owasp::InsecureCloudDeployment],
    cis: &[],
    description: "Following Entra ID escalation edges (owner of an application or Application.ReadWrite.All / Application Administrator: add a credential and become it; RoleManagement.ReadWrite.Directory / AppRoleAssignment.ReadWrite.All / Privileged Role Administrator: assign any role), the service principal reaches Global Administrator in two or more hops; the path is given hop by hop, with the workloads (GitHub repositories) federated into it.",
    remediation: "Cut the first hop: remove the service principal from the owners of the privileged application (use people or a group of people as owners), or replace Application.ReadWrite.All with Application.ReadWrite.OwnedBy. Then reduce the target's own privilege (see azure-privileged-directory-role, azure-dangerous-graph-permission).",
    config: &[],
    references: &[
        "https://posts.specterops.io/azure-privilege-escalation-via-service-principal-abuse-210ae2be2a5",
        "https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/security-planning",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(d) = ctx.azure.distance(&s.identity.id) else {
            return Vec::new();
        };
        if d < 2 {
            return Vec::new();
        }
        let path = ctx.azure.path(&s.identity.id);
        let hops: Vec<serde_json::Value> = path
            .iter()
            .map(|e| {
                json!({
                    "from": e.from,
                    "to": e.to,
                    "kind": match e.kind {
                        AzureEdgeKind::CanBecome => "can_become",
                        AzureEdgeKind::Escalates => "escalates",
                        AzureEdgeKind::IsAdmin => "is_admin",
                    },
                    "via": e.via,
                })
            })
            .collect();
        let ways_in = ctx
            .azure
            .federation
            .iter()
            .filter(|f| f.identity == s.identity.id)
            .count();
        let words: Vec<String> = path.iter().map(|e| e.via.clone()).collect();
        let mut message = format!(
            "{} can become Global Administrator in {d} hops: {}.",
            s.identity.name,
            words.join(" → ")
        );
        if ways_in > 0 {
            message.push_str(&format!(
                " {ways_in} federated workload(s) can sign in as it."
            ));
        }
        vec![Finding::new(&META, message).evidence(json!({
            "hops": d,
            "path": hops,
            "federated_ways_in": ways_in,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::azure;
    use nhi_api::{kinds, AzureDirectoryRole, AzureFacts, AzureOwner};

    #[test]
    fn fires_on_the_owner_of_a_global_admin_app_and_not_on_the_admin_itself() {
        let admin = azure(
            kinds::AZURE_SERVICE_PRINCIPAL,
            "ga",
            AzureFacts {
                directory_roles: vec![AzureDirectoryRole {
                    role: "Global Administrator".into(),
                    role_definition_id: "x".into(),
                    scope: "/".into(),
                }],
                ..Default::default()
            },
        );
        let app = azure(
            kinds::AZURE_APPLICATION,
            "gaapp",
            AzureFacts {
                owners: Some(vec![AzureOwner {
                    id: "ci".into(),
                    kind: "servicePrincipal".into(),
                    name: "ci".into(),
                    enabled: None,
                }]),
                service_principal: Some("azure:t1/servicePrincipals/ga".into()),
                ..Default::default()
            },
        );
        let ci = azure(kinds::AZURE_SERVICE_PRINCIPAL, "ci", AzureFacts::default());
        let case = ci.with(app).with(admin);
        let found = case.run(&super::Rule);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].evidence["hops"], 2);
        let lone = azure(kinds::AZURE_SERVICE_PRINCIPAL, "ci", AzureFacts::default());
        assert!(lone.run(&super::Rule).is_empty());
    }
}
