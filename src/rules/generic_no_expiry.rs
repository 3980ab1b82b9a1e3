//! A credential of a provider nhi has no rules for that never expires, or lives longer than the
//! maximum.
//!
//! Expiry bounds how long a leaked copy works. Judged where the source says when a credential
//! expires (or that it never does); a source that does not know says `unknown`, and nothing is
//! judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::judge::Lifetime;
use crate::rule::{day, rfc3339, Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "generic-no-expiry",
    title: "Credential without expiry",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &[],
    kinds: Kinds::Uncovered,
    owasp: &[Owasp::LongLivedSecrets],
    cis: &[],
    description: "An active credential of a kind no provider rule judges never expires, or expires more than the maximum lifetime (default 366 days) after its creation.",
    remediation: "Replace the credential with one that expires (or with short-lived tokens from a federated identity), and rotate it before it does.",
    config: &["thresholds.credential_max_lifetime_days", "thresholds.providers"],
    references: &["https://owasp.org/www-project-non-human-identities-top-10/2025/7-long-lived-secrets/"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let i = s.identity;
        let max = ctx
            .config
            .thresholds
            .generic(&i.provider)
            .max_lifetime_days
            .get();
        i.active_credentials()
            .filter_map(|c| {
                let start = c.created_at.or(i.created_at);
                let message = match Lifetime::judge(c.expires, start, max)? {
                    Lifetime::Never => format!("Credential {} never expires.", c.id),
                    Lifetime::Beyond { expires, days } => format!(
                        "Credential {} expires {}, {days} days after its creation (maximum {max}).",
                        c.id,
                        day(expires),
                    ),
                };
                Some(
                    Finding::new(&META, message)
                        .credential(&c.id)
                        .evidence(json!({
                            "credential": c.id,
                            "created_at": start.map(rfc3339),
                            "expires_at": c.expires.at().map(rfc3339),
                            "never_expires": c.expires == nhi_api::Expiry::Never,
                            "max_lifetime_days": max,
                        })),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, external};
    use nhi_api::{Expiry, LastUsed};

    fn run(expires: Expiry) -> usize {
        external(30, LastUsed::At(days_ago(1)), expires, Some(true))
            .run(&super::Rule)
            .len()
    }

    #[test]
    fn fires_without_expiry_or_with_a_far_one() {
        assert_eq!(run(Expiry::Never), 1);
        assert_eq!(
            run(Expiry::At(days_ago(30) + chrono::Duration::days(800))),
            1
        );
    }

    #[test]
    fn quiet_with_a_near_or_unknown_expiry() {
        assert_eq!(
            run(Expiry::At(days_ago(30) + chrono::Duration::days(90))),
            0
        );
        assert_eq!(run(Expiry::Unknown), 0);
    }
}
