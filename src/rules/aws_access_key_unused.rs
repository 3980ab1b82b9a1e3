//! An active access key that has not been used for a long time.
//!
//! A key nobody uses is pure risk: it can still be leaked and used, and nobody will notice it go.
//! A key that was never used is judged by its age, so a new key has the whole threshold to be put
//! to use before it is called stale; a key whose use the source cannot see is not judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::judge::Unused;
use crate::rule::{rfc3339, Ctx, Subject};
use nhi_api::{credential_kinds, kinds, LastUsed};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-access-key-unused",
    title: "Access key unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_USER]),
    owasp: &[Owasp::ImproperOffboarding, Owasp::LongLivedSecrets],
    cis: &["1.12"],
    description: "An active IAM access key has not been used within the threshold (default 45 days), or was never used and is older than the threshold.",
    remediation: "Deactivate the key (aws iam update-access-key --status Inactive), wait for anything that breaks, then delete it. If nothing needs the user, delete the user.",
    config: &["thresholds.access_key_unused_days"],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx.config.thresholds.access_key_unused_days.get();
        let mut out = Vec::new();
        for c in s
            .identity
            .active_credentials()
            .filter(|c| c.kind == credential_kinds::AWS_ACCESS_KEY)
        {
            let Some(unused) = Unused::judge(ctx, c.last_used, c.created_at, limit) else {
                continue;
            };
            let message = unused.message(&format!("Access key {}", c.id), "it was created");
            out.push(
                Finding::new(&META, message)
                    .credential(&c.id)
                    .evidence(json!({
                        "credential": c.id,
                        "created_at": c.created_at.map(rfc3339),
                        "last_used_at": c.last_used.at().map(rfc3339),
                        "never_used": c.last_used == LastUsed::Never,
                        "threshold_days": limit,
                    })),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, Case};
    use nhi_api::LastUsed;

    #[test]
    fn fires_on_old_use_and_on_old_never_used_keys() {
        let f = Case::user("ci")
            .key(1, true, 300, LastUsed::At(days_ago(46)))
            .key(2, true, 60, LastUsed::Never)
            .run(&super::Rule);
        assert_eq!(f.len(), 2);
        assert!(f[1].message.contains("never been used"));
    }

    #[test]
    fn quiet_on_recent_use_new_keys_inactive_keys_and_unknown_use() {
        let f = Case::user("ci")
            .key(1, true, 300, LastUsed::At(days_ago(3)))
            .key(2, true, 10, LastUsed::Never)
            .run(&super::Rule);
        assert!(f.is_empty(), "{f:?}");
        assert!(Case::user("ci")
            .key(1, false, 300, LastUsed::Never)
            .run(&super::Rule)
            .is_empty());
        assert!(Case::user("ci")
            .key(1, true, 300, LastUsed::Unknown)
            .run(&super::Rule)
            .is_empty());
    }

    #[test]
    fn threshold_comes_from_config() {
        let mut case = Case::user("ci").key(1, true, 300, LastUsed::At(days_ago(20)));
        assert!(case.run(&super::Rule).is_empty());
        case.config.thresholds.access_key_unused_days = crate::config::Days::new(10);
        assert_eq!(case.run(&super::Rule).len(), 1);
    }
}
