//! Granted services the identity does not use.
//!
//! AWS records, per principal, when each service its policies grant was last used. Services
//! granted but not used for months are privilege nobody needs: the first thing an attacker with
//! the identity's credentials gets for free. Judged only when that data was collected (a live
//! scan with the permission to generate it), and only for identities older than the threshold.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::IAM_PRINCIPALS;
use crate::rule::{rfc3339, Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-unused-services",
    title: "Granted services not used",
    category: Category::OverPrivilege,
    severity: Severity::Medium,
    providers: &["aws"],
    kinds: Kinds::Only(IAM_PRINCIPALS),
    owasp: &[Owasp::Overprivileged],
    cis: &[],
    description: "The identity's policies grant services it has not used within the threshold (default 90 days), per AWS service last accessed data.",
    remediation: "Remove the unused services from the identity's policies (IAM Access Analyzer can generate a policy from its CloudTrail activity), starting with the ones it never used.",
    config: &["thresholds.service_unused_days"],
    references: &["https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html"],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(services) = &s.identity.service_access else {
            return Vec::new();
        };
        let limit = ctx.config.thresholds.service_unused_days.get();
        if services.is_empty()
            || s.identity
                .created_at
                .is_none_or(|c| ctx.days_since(c) <= limit)
        {
            return Vec::new();
        }
        let (used, unused): (Vec<_>, Vec<_>) = services
            .iter()
            .partition(|a| a.last_used_at.is_some_and(|t| ctx.days_since(t) <= limit));
        if unused.is_empty() {
            return Vec::new();
        }
        let names: Vec<&str> = unused.iter().map(|a| a.namespace.as_str()).collect();
        let shown = names
            .iter()
            .take(10)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let more = names.len().saturating_sub(10);
        vec![Finding::new(
            &META,
            format!(
                "Uses {} of {} granted services in the last {limit} days; unused: {shown}{}.",
                used.len(),
                services.len(),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
        )
        .evidence(json!({
            "granted": services.len(),
            "used": used.iter().map(|a| a.namespace.as_str()).collect::<Vec<_>>(),
            "unused": unused.iter().map(|a| json!({
                "service": a.namespace,
                "last_used_at": a.last_used_at.map(rfc3339),
                // How much is granted for nothing, from the action catalog.
                "actions_allowed": s.effective.service_actions(&a.namespace).0,
            })).collect::<Vec<_>>(),
            "threshold_days": limit,
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, Case};
    use nhi_api::ServiceAccess;

    fn access(ns: &str, days: Option<i64>) -> ServiceAccess {
        ServiceAccess {
            namespace: ns.into(),
            last_used_at: days.map(days_ago),
        }
    }

    #[test]
    fn fires_on_services_unused_or_never_used() {
        let mut case = Case::role("r");
        case.identity.service_access = Some(vec![
            access("s3", Some(3)),
            access("sqs", Some(200)),
            access("iam", None),
        ]);
        let f = case.run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.starts_with("Uses 1 of 3 granted services"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn quiet_when_all_used_unknown_or_young() {
        let mut case = Case::role("r");
        case.identity.service_access = Some(vec![access("s3", Some(3))]);
        assert!(case.run(&super::Rule).is_empty());
        case.identity.service_access = None;
        assert!(case.run(&super::Rule).is_empty(), "unknown is not judged");
        case.identity.service_access = Some(vec![access("iam", None)]);
        case.identity.created_at = Some(days_ago(10));
        assert!(
            case.run(&super::Rule).is_empty(),
            "a new identity has not had the time"
        );
    }
}
