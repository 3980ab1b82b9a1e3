//! An Entra ID service principal that has not signed in for a long time.
//!
//! Sign-in activity (`servicePrincipalSignInActivities`, Entra ID P1/P2) records the last time
//! a service principal signed in, as a client or as a resource. One unused past the threshold
//! keeps its permissions and credentials for nobody: an attacker's best kind of identity. A
//! principal missing from the report has not signed in within the report's window; without the
//! report nothing is judged. Microsoft's own service principals are not judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{azure, AZURE_PRINCIPALS};
use crate::rule::judge::Unused;
use crate::rule::{rfc3339, Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "azure-sp-unused",
    title: "Entra ID service principal unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["azure"],
    kinds: Kinds::Only(AZURE_PRINCIPALS),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "A service principal (or agent identity) whose last sign-in is older than the threshold (default 90 days), or that has not signed in within the sign-in report and is older than the threshold. Judged only when the sign-in activity report was read.",
    remediation: "Confirm with the owners that nothing uses it, then disable it (accountEnabled = false) and remove its credentials; delete it after a grace period. Remove its permissions and role assignments first if it must stay.",
    config: &["thresholds.azure_sp_unused_days"],
    references: &["https://learn.microsoft.com/en-us/entra/identity/monitoring-health/recommendation-remove-unused-apps"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = azure(s.identity) else {
            return Vec::new();
        };
        if !f.sign_in_known || f.managed_identity.is_some() || f.account_enabled == Some(false) {
            return Vec::new();
        }
        let limit = ctx.config.thresholds.azure_sp_unused_days.get();
        let since = s.identity.created_at.or_else(|| {
            s.identity
                .credentials
                .iter()
                .filter_map(|c| c.created_at)
                .min()
        });
        let Some(u) = Unused::judge(ctx, s.identity.last_used, since, limit) else {
            return Vec::new();
        };
        vec![Finding::new(
            &META,
            u.message(
                &format!("Service principal {}", s.identity.name),
                "its creation",
            ),
        )
        .evidence(json!({
            "last_sign_in": u.last_used.map(rfc3339),
            "never_signed_in_since": u.never_since.map(rfc3339),
            "days": u.days,
            "threshold_days": limit,
            "credentials": s.identity.credentials.len(),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{azure, days_ago};
    use nhi_api::{kinds, AzureFacts, LastUsed};

    fn run(known: bool, last: LastUsed) -> usize {
        let mut c = azure(
            kinds::AZURE_SERVICE_PRINCIPAL,
            "s1",
            AzureFacts {
                sign_in_known: known,
                ..Default::default()
            },
        );
        c.identity.last_used = last;
        c.run(&super::Rule).len()
    }

    #[test]
    fn fires_when_old_or_never() {
        assert_eq!(run(true, LastUsed::At(days_ago(200))), 1);
        assert_eq!(run(true, LastUsed::Never), 1);
    }

    #[test]
    fn quiet_when_recent_or_unknown() {
        assert_eq!(run(true, LastUsed::At(days_ago(3))), 0);
        assert_eq!(run(false, LastUsed::Unknown), 0);
    }
}
