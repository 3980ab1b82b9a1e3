//! A credential on a service principal object rather than on its application.
//!
//! Credentials normally live on the application registration, where the portal shows them.
//! Graph also lets anyone who can write a service principal add a password or key to it
//! directly (`addPassword` on the servicePrincipal): it signs in like any other credential but
//! appears in neither the app's "Certificates & secrets" blade nor most reviews, which makes it
//! a well-known persistence trick after a tenant compromise. SAML token-signing certificates
//! (usage `Sign`) belong on the service principal and are left out; managed identities' keys
//! are Azure's own.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{azure, AZURE_PRINCIPALS};
use crate::rule::{rfc3339, Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-credential-on-service-principal",
    title: "Credential on the service principal object",
    category: Category::Hygiene,
    severity: Severity::High,
    providers: &["azure"],
    kinds: Kinds::Only(AZURE_PRINCIPALS),
    owasp: &[Owasp::SecretLeakage, Owasp::LongLivedSecrets],
    cis: &[],
    description: "A client secret, or a certificate used to sign in (usage Verify), is attached to the service principal itself instead of its application registration: invisible in the portal's app credentials and a known persistence technique. SAML signing certificates and managed identities are not judged.",
    remediation: "Find out who added it and why (Entra audit log: 'Add service principal credentials'). If nobody owns it, remove it now (Remove-MgServicePrincipalPassword / az rest -m POST .../servicePrincipals/{id}/removePassword) and investigate the principal's sign-ins. Put legitimate credentials on the application, or use a federated identity credential.",
    config: &[],
    references: &[
        "https://learn.microsoft.com/en-us/graph/api/serviceprincipal-addpassword",
        "https://attack.mitre.org/techniques/T1098/001/",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = azure(s.identity) else {
            return Vec::new();
        };
        if f.managed_identity.is_some() {
            return Vec::new();
        }
        s.identity
            .credentials
            .iter()
            .filter(|c| c.details.get("on").map(String::as_str) == Some("service_principal"))
            .filter(|c| c.details.get("usage").map(String::as_str) != Some("Sign"))
            .filter(|c| c.expires.at().is_none_or(|t| t >= ctx.now))
            .map(|c| {
                let what = if c.kind == nhi_api::credential_kinds::AZURE_CERTIFICATE {
                    "certificate"
                } else {
                    "client secret"
                };
                Finding::new(
                    &META,
                    format!(
                        "Service principal {} holds a {what} ({}) on the service principal object, not on its application.",
                        s.identity.name, c.id
                    ),
                )
                .credential(&c.id)
                .evidence(json!({
                    "credential": c.id,
                    "credential_kind": c.kind,
                    "start": c.created_at.map(rfc3339),
                    "end": c.expires.at().map(rfc3339),
                    "application": f.application,
                }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{azure, azure_secret};
    use nhi_api::{kinds, AzureFacts};

    #[test]
    fn fires_on_a_secret_on_the_service_principal() {
        let mut c = azure(kinds::AZURE_SERVICE_PRINCIPAL, "s1", AzureFacts::default());
        c.identity
            .credentials
            .push(azure_secret("k1", "service_principal", 10, 100, false));
        assert_eq!(c.run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_on_signing_certificates_managed_identities_and_app_credentials() {
        let mut c = azure(kinds::AZURE_SERVICE_PRINCIPAL, "s1", AzureFacts::default());
        let mut cert = azure_secret("k1", "service_principal", 10, 100, true);
        cert.details.insert("usage".into(), "Sign".into());
        c.identity.credentials.push(cert);
        assert!(c.run(&super::Rule).is_empty());
        let mut mi = azure(
            kinds::AZURE_SERVICE_PRINCIPAL,
            "s2",
            AzureFacts {
                managed_identity: Some("system_assigned".into()),
                ..Default::default()
            },
        );
        mi.identity
            .credentials
            .push(azure_secret("k2", "service_principal", 10, 100, true));
        assert!(mi.run(&super::Rule).is_empty());
        let mut app = azure(kinds::AZURE_APPLICATION, "a1", AzureFacts::default());
        app.identity
            .credentials
            .push(azure_secret("k3", "application", 10, 100, false));
        assert!(app.run(&super::Rule).is_empty());
    }
}
