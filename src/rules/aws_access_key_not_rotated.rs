//! An active access key older than the rotation period.
//!
//! Long-lived keys accumulate copies: laptops, CI variables, old containers. Rotation bounds how
//! long a leaked copy stays useful. A key used every day still needs rotating, so use does not
//! silence this rule.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::{credential_kinds, kinds};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-access-key-not-rotated",
    title: "Access key not rotated",
    category: Category::Hygiene,
    severity: Severity::Medium,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_USER]),
    owasp: &[Owasp::LongLivedSecrets],
    cis: &["1.14"],
    description: "An active IAM access key is older than the rotation period (default 90 days).",
    remediation: "Create a second key, move every consumer to it, deactivate then delete the old one. Better: replace the user's keys with a role (IAM Roles Anywhere, OIDC federation, instance or task roles).",
    config: &["thresholds.access_key_max_age_days"],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx.config.thresholds.access_key_max_age_days.get();
        s.identity
            .active_credentials()
            .filter(|c| c.kind == credential_kinds::AWS_ACCESS_KEY)
            .filter_map(|c| {
                let created = c.created_at?;
                let age = ctx.days_since(created);
                (age > limit).then(|| {
                    Finding::new(
                        &META,
                        format!("Access key {} was created {} and is {age} days old (rotate every {limit}).", c.id, day(created)),
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
    use crate::rule::testing::{days_ago, Case};
    use nhi_api::LastUsed;

    #[test]
    fn fires_on_old_keys_even_when_used() {
        let f = Case::user("ci")
            .key(1, true, 91, LastUsed::At(days_ago(0)))
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id.as_deref(), Some("access_key_1"));
    }

    #[test]
    fn quiet_on_young_or_inactive_keys() {
        assert!(Case::user("ci")
            .key(1, true, 89, LastUsed::Never)
            .run(&super::Rule)
            .is_empty());
        assert!(Case::user("ci")
            .key(1, false, 900, LastUsed::Never)
            .run(&super::Rule)
            .is_empty());
    }
}
