//! A role nobody has assumed for a long time.
//!
//! Unused roles keep their permissions and their trust: whoever the trust names can still become
//! them. A role younger than the threshold is not judged (it may not have been needed yet), and
//! service-linked roles are left to AWS (inventoried, not judged, unless configured).

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::{day, rfc3339, Ctx, Subject};
use nhi_api::{kinds, LastUsed};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-role-unused",
    title: "Role unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["aws"],
    kinds: Kinds::Only(&[kinds::IAM_ROLE]),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "An IAM role older than the threshold (default 90 days) has not been assumed within it, or never.",
    remediation: "Confirm with the owner that nothing assumes the role (CloudTrail AssumeRole events), then delete it, or remove its policies and trust first if you want a way back.",
    config: &["thresholds.role_unused_days"],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let id = s.identity;
        let limit = ctx.config.thresholds.role_unused_days.get();
        let Some(created) = id.created_at else {
            return Vec::new();
        };
        if ctx.days_since(created) <= limit {
            return Vec::new();
        }
        let message = match id.last_used {
            LastUsed::At(t) if ctx.days_since(t) > limit => format!(
                "Role was last assumed {} ({} days ago; threshold {limit}).",
                day(t),
                ctx.days_since(t)
            ),
            LastUsed::Never => format!(
                "Role has not been assumed since it was created {} ({} days ago; AWS tracks the last 400 days).",
                day(created),
                ctx.days_since(created)
            ),
            _ => return Vec::new(),
        };
        vec![Finding::new(&META, message).evidence(json!({
            "created_at": rfc3339(created),
            "last_used_at": id.last_used.at().map(rfc3339),
            "threshold_days": limit,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, Case};
    use nhi_api::LastUsed;

    #[test]
    fn fires_on_old_unused_roles() {
        let mut case = Case::role("old");
        case.identity.last_used = LastUsed::At(days_ago(200));
        assert_eq!(case.run(&super::Rule).len(), 1);
        case.identity.last_used = LastUsed::Never;
        assert_eq!(case.run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_on_new_recently_used_or_unknown_roles() {
        let mut case = Case::role("new");
        case.identity.created_at = Some(days_ago(30));
        case.identity.last_used = LastUsed::Never;
        assert!(
            case.run(&super::Rule).is_empty(),
            "new role has a grace period"
        );
        let mut case = Case::role("busy");
        case.identity.last_used = LastUsed::At(days_ago(2));
        assert!(case.run(&super::Rule).is_empty());
        let mut case = Case::role("unknown");
        case.identity.last_used = LastUsed::Unknown;
        assert!(case.run(&super::Rule).is_empty());
    }
}
