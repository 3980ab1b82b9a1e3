//! An active credential of a provider nhi has no rules for, older than the rotation period.
//!
//! Long-lived credentials gather copies (laptops, CI variables, old images); rotation bounds how
//! long a leaked copy stays useful. Use does not silence it: a credential used every day still
//! needs rotating. Judged only where the source says when the credential was created.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{day, rfc3339, Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "generic-not-rotated",
    title: "Credential not rotated",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &[],
    kinds: Kinds::Uncovered,
    owasp: &[Owasp::LongLivedSecrets],
    cis: &[],
    description: "An active credential of a kind no provider rule judges is older than the rotation period (default 365 days).",
    remediation: "Create a new credential, move every consumer to it, then revoke the old one; better, replace it with short-lived tokens the provider issues to a federated workload.",
    config: &["thresholds.credential_max_age_days", "thresholds.providers"],
    references: &["https://owasp.org/www-project-non-human-identities-top-10/2025/7-long-lived-secrets/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx
            .config
            .thresholds
            .generic(&s.identity.provider)
            .max_age_days
            .get();
        s.identity
            .active_credentials()
            .filter_map(|c| {
                let created = c.created_at?;
                let age = ctx.days_since(created);
                (age > limit).then(|| {
                    Finding::new(
                        &META,
                        format!(
                            "Credential {} was created {} and is {age} days old (rotate every {limit}).",
                            c.id,
                            day(created)
                        ),
                    )
                    .credential(&c.id)
                    .evidence(json!({
                        "credential": c.id,
                        "created_at": rfc3339(created),
                        "age_days": age,
                        "threshold_days": limit,
                    }))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, external};
    use nhi_api::{CredentialStatus, Expiry, LastUsed};

    #[test]
    fn fires_on_old_credentials_even_when_used() {
        let case = external(400, LastUsed::At(days_ago(0)), Expiry::Never, None);
        assert_eq!(case.run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_on_young_inactive_or_undated_credentials() {
        let at = LastUsed::At(days_ago(0));
        assert!(external(300, at, Expiry::Never, None)
            .run(&super::Rule)
            .is_empty());
        let mut case = external(400, at, Expiry::Never, None);
        case.identity.credentials[0].status = CredentialStatus::Inactive;
        assert!(case.run(&super::Rule).is_empty());
        let mut case = external(400, at, Expiry::Never, None);
        case.identity.credentials[0].created_at = None;
        assert!(case.run(&super::Rule).is_empty());
    }
}
