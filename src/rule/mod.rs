//! What a rule is and what it may read: the [`Rule`] trait, the [`Subject`] it judges, the
//! evaluation context [`Ctx`], and the judgements and accessors rules share ([`judge`],
//! [`facts`]). The catalog of rules itself is [`crate::rules`].
//!
//! Rules are pure: they read one identity (with its effective permissions, trust policy and
//! resolved owner) and the evaluation context (time, config, organization-wide facts), and return
//! findings. They never do I/O and never read the clock. The analyzer calls a rule only for the
//! identity kinds its metadata names.

pub mod facts;
pub mod judge;
pub mod k8s;
pub mod pipeline;
#[cfg(test)]
pub(crate) mod testing;

use crate::config::Config;
use crate::finding::{Finding, RuleMeta};
use crate::policy::Effective;
use chrono::{DateTime, Utc};
use nhi_api::policy::PolicyDocument;
use nhi_api::{Identity, Owner};

/// A rule: metadata beside the logic.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    /// Judge one identity of a kind the metadata names.
    fn check(&self, subject: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding>;
    /// A catalog the rule works from (the escalation paths), for `nhi rules --format json`.
    fn catalog(&self) -> Option<serde_json::Value> {
        None
    }
}

/// What a rule judges: one identity and what the analyzer derived for it.
pub struct Subject<'a> {
    pub identity: &'a Identity,
    /// Its node in the privilege graph (AWS principals).
    pub node: Option<crate::privilege::NodeId>,
    /// Effective permissions (IAM users and roles; empty for every other kind).
    pub effective: &'a Effective<'a>,
    /// The identity's trust policy, when it has one.
    pub trust: Option<&'a PolicyDocument>,
    /// The owner, as resolved from the connector and the configured tag keys.
    pub owner: Option<&'a Owner>,
}

/// What every rule may read besides the identity.
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub config: &'a Config,
    pub facts: &'a Facts,
    /// Who can become whom across the scanned AWS estate.
    pub graph: &'a crate::privilege::PrivilegeGraph<'a>,
    /// How any AWS principal's effective permissions are computed (for evidence).
    pub estate: &'a crate::privilege::Estate<'a>,
    /// Which workloads of other providers (CI jobs, service accounts) can become which role.
    pub federation: &'a crate::privilege::federation::Federation,
    /// Google Cloud roles, who may become which service account, escalation paths.
    pub gcp: &'a crate::privilege::gcp::GcpAccess,
    /// Who can become whom in Entra ID, and the paths to each tenant's Global Administrator.
    pub azure: &'a crate::privilege::azure::AzureGraph,
}

impl Ctx<'_> {
    /// Whole days from `t` to now (negative when `t` is in the future).
    pub fn days_since(&self, t: DateTime<Utc>) -> i64 {
        (self.now - t).num_days()
    }
}

/// Organization-wide facts some rules weigh an identity against, computed once per run.
#[derive(Debug, Default)]
pub struct Facts {
    /// Active admin API keys per (provider, scope).
    pub active_admin_keys: std::collections::BTreeMap<(String, String), usize>,
    /// The most powerful service account of each Kubernetes (cluster, namespace): its power
    /// ([`k8s::power`]) and name.
    pub k8s_strongest: std::collections::HashMap<(String, String), (u8, String)>,
}

impl Facts {
    pub fn of(inventory: &nhi_api::Inventory) -> Self {
        let mut facts = Facts::default();
        for i in &inventory.identities {
            if i.kind == nhi_api::kinds::OPENAI_ADMIN_API_KEY
                && i.active_credentials().next().is_some()
            {
                *facts
                    .active_admin_keys
                    .entry((i.provider.clone(), i.scope.clone()))
                    .or_default() += 1;
            }
            if let Some(f) = k8s::facts(i).filter(|_| i.kind == nhi_api::kinds::K8S_SERVICE_ACCOUNT)
            {
                let p = k8s::power(&f.grants);
                let slot = facts
                    .k8s_strongest
                    .entry((f.cluster.clone(), f.namespace.clone()))
                    .or_insert((0, String::new()));
                // Ties go to the first name, so the answer does not depend on input order.
                if p > slot.0 || (p == slot.0 && p > 0 && (slot.1.is_empty() || i.name < slot.1)) {
                    *slot = (p, i.name.clone());
                }
            }
        }
        facts
    }
}

/// RFC 3339 date (day precision) for messages.
pub fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// RFC 3339 time for evidence.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
