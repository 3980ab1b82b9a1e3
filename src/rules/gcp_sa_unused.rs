//! A service account, or one of its keys, that has not authenticated for a long time.
//!
//! Last authentication comes from Policy Analyzer. Never used means not within its observation
//! period, so a never-used account is judged from the period's start (or the key's creation,
//! whichever is later); when Policy Analyzer could not be read, use is unknown and nothing is
//! judged.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::facts::{gcp_live_keys, gcp_service_account};
use crate::rule::judge::Unused;
use crate::rule::{rfc3339, Ctx, Subject};
use chrono::{DateTime, Utc};
use nhi_api::kinds;
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "gcp-sa-unused",
    title: "Service account or key unused",
    category: Category::Staleness,
    severity: Severity::Medium,
    providers: &["gcp"],
    kinds: Kinds::Only(&[kinds::GCP_SERVICE_ACCOUNT]),
    owasp: &[Owasp::ImproperOffboarding, Owasp::LongLivedSecrets],
    cis: &[],
    description: "A Google Cloud service account, or one of its user-managed keys, has not authenticated within the threshold (default 90 days), or never within Policy Analyzer's observation period.",
    remediation: "Disable the key or the account (gcloud iam service-accounts keys disable / service-accounts disable), wait for anything that breaks, then delete it.",
    config: &["thresholds.gcp_unused_days"],
    references: &["https://cloud.google.com/policy-intelligence/docs/activity-analyzer-service-account-authentication"],
};

fn later(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let limit = ctx.config.thresholds.gcp_unused_days.get();
        let Some(f) = gcp_service_account(s.identity) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if !f.disabled {
            if let Some(u) = Unused::judge(ctx, s.identity.last_used, f.observed_since, limit) {
                out.push(
                    Finding::new(
                        &META,
                        u.message(
                            &format!("Service account {}", s.identity.name),
                            "Policy Analyzer began observing it",
                        ),
                    )
                    .evidence(json!({
                        "last_authenticated_at": u.last_used.map(rfc3339),
                        "observed_since": f.observed_since.map(rfc3339),
                        "threshold_days": limit,
                    })),
                );
            }
        }
        for c in gcp_live_keys(s.identity, ctx.now) {
            let observed = c
                .details
                .get("observed_since")
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc));
            let Some(u) = Unused::judge(ctx, c.last_used, later(c.created_at, observed), limit)
            else {
                continue;
            };
            out.push(
                Finding::new(
                    &META,
                    u.message(
                        &format!("Key {} of {}", c.id, s.identity.name),
                        "it was created or observed",
                    ),
                )
                .credential(&c.id)
                .evidence(json!({
                    "credential": c.id,
                    "created_at": c.created_at.map(rfc3339),
                    "last_authenticated_at": c.last_used.at().map(rfc3339),
                    "observed_since": observed.map(rfc3339),
                    "threshold_days": limit,
                })),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::{days_ago, gcp_sa};
    use nhi_api::{Expiry, LastUsed};

    #[test]
    fn fires_on_old_use_and_never_used_past_the_observation_start() {
        let mut case = gcp_sa("old").gcp(|f| f.observed_since = Some(days_ago(400)));
        case.identity.last_used = LastUsed::At(days_ago(200));
        assert_eq!(case.run(&super::Rule).len(), 1);
        let mut never = gcp_sa("never").gcp(|f| f.observed_since = Some(days_ago(400)));
        never.identity.last_used = LastUsed::Never;
        assert!(never.run(&super::Rule)[0]
            .message
            .contains("never been used"));
        let f = gcp_sa("k")
            .gcp_key("stale", 300, LastUsed::At(days_ago(120)), Expiry::Never)
            .gcp_key("fresh", 300, LastUsed::At(days_ago(1)), Expiry::Never)
            .run(&super::Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].credential_id.as_deref(), Some("stale"));
    }

    #[test]
    fn quiet_when_recent_short_observation_or_unknown() {
        let mut recent = gcp_sa("recent");
        recent.identity.last_used = LastUsed::At(days_ago(3));
        assert!(recent.run(&super::Rule).is_empty());
        // Never used, but observed for 30 days only: not judged yet.
        let mut short = gcp_sa("short").gcp(|f| f.observed_since = Some(days_ago(30)));
        short.identity.last_used = LastUsed::Never;
        assert!(short.run(&super::Rule).is_empty());
        // Policy Analyzer refused: unknown, never called unused.
        let unknown = gcp_sa("unknown").gcp_key("k", 300, LastUsed::Unknown, Expiry::Never);
        assert!(unknown.run(&super::Rule).is_empty());
    }
}
