//! An Entra ID client secret or certificate that lives too long, or has expired and is still
//! there.
//!
//! The portal offers client secrets of up to two years, and the API will set any end date: a
//! secret that outlives its rotation plan is read out of a pipeline, a laptop or a wiki long
//! after anyone remembers it. An expired credential signs nothing in, but keeping it hides
//! which credential is really used and invites "just extend it".

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::AZURE_CREDENTIAL_HOLDERS;
use crate::rule::judge::Lifetime;
use crate::rule::{day, rfc3339, Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-credential-long-lived",
    title: "Entra ID credential long-lived or expired",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["azure"],
    kinds: Kinds::Only(AZURE_CREDENTIAL_HOLDERS),
    owasp: &[Owasp::LongLivedSecrets],
    cis: &[],
    description: "A client secret or certificate on an application, service principal or Agent ID blueprint whose lifetime (end minus start) is longer than the maximum (default 365 days), or that has expired and was never removed (low).",
    remediation: "Replace client secrets with a certificate or, better, a federated identity credential (workload identity federation: no secret at all). Otherwise rotate to a secret that ends within the maximum, update what uses it, and remove the old one (az ad app credential delete). Remove expired credentials. An app management policy (tenantAppManagementPolicy) can cap lifetimes for the whole tenant.",
    config: &["thresholds.azure_credential_max_lifetime_days"],
    references: &[
        "https://learn.microsoft.com/en-us/entra/identity-platform/how-to-add-credentials",
        "https://learn.microsoft.com/en-us/graph/api/resources/tenantappmanagementpolicy",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let max = ctx
            .config
            .thresholds
            .azure_credential_max_lifetime_days
            .get();
        s.identity
            .credentials
            .iter()
            .filter_map(|c| {
                let what = if c.kind == nhi_api::credential_kinds::AZURE_CERTIFICATE {
                    "certificate"
                } else {
                    "client secret"
                };
                let label = c
                    .details
                    .get("display_name")
                    .map(|n| format!(" {n:?}"))
                    .unwrap_or_default();
                let expired = c.expires.at().filter(|t| *t < ctx.now);
                let (message, severity) = if let Some(t) = expired {
                    (
                        format!(
                            "{}'s {what}{label} ({}) expired {} and is still present.",
                            s.identity.name,
                            c.id,
                            day(t)
                        ),
                        Severity::Low,
                    )
                } else {
                    match Lifetime::judge(c.expires, c.created_at, max)? {
                        Lifetime::Never => (
                            format!("{}'s {what}{label} ({}) never expires.", s.identity.name, c.id),
                            Severity::Medium,
                        ),
                        Lifetime::Beyond { expires, days } => (
                            format!(
                                "{}'s {what}{label} ({}) lives {days} days, until {} (maximum {max}).",
                                s.identity.name,
                                c.id,
                                day(expires)
                            ),
                            Severity::Medium,
                        ),
                    }
                };
                Some(
                    Finding::new(&META, message)
                        .severity(severity)
                        .credential(&c.id)
                        .evidence(json!({
                            "credential": c.id,
                            "credential_kind": c.kind,
                            "on": c.details.get("on"),
                            "start": c.created_at.map(rfc3339),
                            "end": c.expires.at().map(rfc3339),
                            "expired": expired.is_some(),
                            "lifetime_days": match (c.created_at, c.expires.at()) {
                                (Some(a), Some(b)) => Some((b - a).num_days()),
                                _ => None,
                            },
                            "max_lifetime_days": max,
                        })),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rule::testing::{azure, azure_secret};
    use nhi_api::{kinds, AzureFacts};

    fn run(start: i64, end: i64) -> Vec<crate::finding::Finding> {
        let mut c = azure(kinds::AZURE_APPLICATION, "a1", AzureFacts::default());
        c.identity
            .credentials
            .push(azure_secret("k1", "application", start, end, false));
        c.run(&super::Rule)
    }

    #[test]
    fn fires_on_two_year_secret_and_on_expired_ones() {
        assert_eq!(run(30, 700).len(), 1);
        let expired = run(400, -5);
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].severity, Severity::Low);
    }

    #[test]
    fn quiet_within_the_maximum() {
        assert!(run(30, 150).is_empty());
    }
}
