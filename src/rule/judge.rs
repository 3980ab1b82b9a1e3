//! Judgements every provider shares, each made in one place: a credential unused past a
//! threshold, a credential that lives too long, an owner who left. Rules pick which credentials
//! to judge and word the finding; the decision is here.

use super::{day, rfc3339, Ctx, Subject};
use crate::finding::{Finding, RuleMeta};
use chrono::{DateTime, Utc};
use nhi_api::{Expiry, Identity, LastUsed, Owner};

/// A credential unused past a threshold: last used before it, or never used since a start
/// (creation, grant) longer ago than it. Use nhi cannot see is never called unused.
pub struct Unused {
    pub limit: i64,
    pub last_used: Option<DateTime<Utc>>,
    /// Set when never used: since when.
    pub never_since: Option<DateTime<Utc>>,
    pub days: i64,
}

impl Unused {
    pub fn judge(
        ctx: &Ctx<'_>,
        last_used: LastUsed,
        since: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Option<Unused> {
        match (last_used, since) {
            (LastUsed::At(t), _) if ctx.days_since(t) > limit => Some(Unused {
                limit,
                last_used: Some(t),
                never_since: None,
                days: ctx.days_since(t),
            }),
            (LastUsed::Never, Some(start)) if ctx.days_since(start) > limit => Some(Unused {
                limit,
                last_used: None,
                never_since: Some(start),
                days: ctx.days_since(start),
            }),
            _ => None,
        }
    }

    /// "`subject` was last used ..." or "`subject` has never been used since `start` ...".
    pub fn message(&self, subject: &str, start: &str) -> String {
        let limit = self.limit;
        let days = self.days;
        match (self.last_used, self.never_since) {
            (Some(t), _) => format!(
                "{subject} was last used {} ({days} days ago; threshold {limit}).",
                day(t)
            ),
            (None, Some(s)) => format!(
                "{subject} has never been used since {start} {} ({days} days ago; threshold {limit}).",
                day(s)
            ),
            (None, None) => format!("{subject} is unused (threshold {limit} days)."),
        }
    }
}

/// Why a credential's lifetime is too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// It never expires.
    Never,
    /// It expires `days` days after its start, more than the maximum.
    Beyond { expires: DateTime<Utc>, days: i64 },
}

impl Lifetime {
    /// Judge an expiry against a maximum lifetime counted from `start` (creation, grant). An
    /// unknown expiry, or an expiry with no start to count from, is not judged.
    pub fn judge(expires: Expiry, start: Option<DateTime<Utc>>, max: i64) -> Option<Lifetime> {
        match (expires, start) {
            (Expiry::Never, _) => Some(Lifetime::Never),
            (Expiry::At(t), Some(s)) => Some((t - s).num_days())
                .filter(|days| *days > max)
                .map(|days| Lifetime::Beyond { expires: t, days }),
            _ => None,
        }
    }
}

/// The identity's owner, when the source says the owner is no longer a member. An owner whose
/// membership could not be read is never called departed.
pub fn departed_owner(identity: &Identity) -> Option<&Owner> {
    identity.owner.as_ref().filter(|o| o.active == Some(false))
}

/// One finding per active credential of `s` unused for more than `limit` days (never used:
/// judged by its age since `created_key`'s date, the credential's creation or else the
/// identity's). `created` words the start for people ("it was created"), `created_key` names it
/// in the evidence.
pub fn unused_credentials(
    meta: &'static RuleMeta,
    s: &Subject<'_>,
    ctx: &Ctx<'_>,
    limit: i64,
    created: &str,
    created_key: &str,
) -> Vec<Finding> {
    s.identity
        .active_credentials()
        .filter_map(|c| {
            let since = c.created_at.or(s.identity.created_at);
            let message =
                Unused::judge(ctx, c.last_used, since, limit)?.message(&s.identity.name, created);
            Some(
                Finding::new(meta, message)
                    .credential(&c.id)
                    .evidence(serde_json::json!({
                        "credential": c.id,
                        "kind": c.kind,
                        created_key: since.map(rfc3339),
                        "last_used_at": c.last_used.at().map(rfc3339),
                        "never_used": c.last_used == LastUsed::Never,
                        "threshold_days": limit,
                    })),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::testing::days_ago;

    #[test]
    fn lifetimes() {
        assert_eq!(
            Lifetime::judge(Expiry::Never, None, 10),
            Some(Lifetime::Never)
        );
        assert_eq!(
            Lifetime::judge(Expiry::Unknown, Some(days_ago(5)), 10),
            None
        );
        assert_eq!(Lifetime::judge(Expiry::At(days_ago(0)), None, 10), None);
        assert_eq!(
            Lifetime::judge(Expiry::At(days_ago(0)), Some(days_ago(5)), 10),
            None
        );
        assert_eq!(
            Lifetime::judge(Expiry::At(days_ago(0)), Some(days_ago(50)), 10),
            Some(Lifetime::Beyond {
                expires: days_ago(0),
                days: 50
            })
        );
    }

    #[test]
    fn departed_needs_a_known_membership() {
        let mut i = Identity::new("p", "k", "id", "n");
        assert!(departed_owner(&i).is_none());
        i.owner = Some(Owner::new("bob", "added_by"));
        assert!(departed_owner(&i).is_none());
        i.owner = Some(Owner::new("bob", "added_by").active(Some(true)));
        assert!(departed_owner(&i).is_none());
        i.owner = Some(Owner::new("bob", "added_by").active(Some(false)));
        assert_eq!(departed_owner(&i).map(|o| o.value.as_str()), Some("bob"));
    }
}
