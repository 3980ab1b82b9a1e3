//! The rule catalog: one file per rule, each holding its metadata, its logic and its rationale.
//!
//! Rules are pure: they read one identity (with its effective permissions, trust policy and
//! resolved owner) and the evaluation context (time, config), and return findings. They never do
//! I/O and never read the clock. Registration is explicit, in [`all`].

use crate::config::Config;
use crate::finding::{Finding, RuleMeta};
use crate::policy::Effective;
use chrono::{DateTime, Utc};
use nhi_api::policy::PolicyDocument;
use nhi_api::{Identity, Owner};

mod ai_admin_key;
mod ai_admin_keys_excess;
mod ai_key_no_expiry;
mod ai_key_owner_departed;
mod ai_key_unused;
mod ai_key_user_owned_automation;
mod aws_access_key_not_rotated;
mod aws_access_key_unused;
mod aws_access_key_unused_since_setup;
mod aws_access_keys_multiple_active;
mod aws_admin_access;
mod aws_github_oidc_trust_unscoped;
mod aws_human_use;
mod aws_no_owner;
mod aws_privilege_escalation;
mod aws_role_unused;
mod aws_root_access_key;
mod aws_trust_any_principal;
mod aws_trust_cross_account_no_external_id;
mod aws_trust_service_no_source_condition;
mod aws_unused_services;
mod aws_wildcard_permissions;
mod github_actions_can_approve_prs;
mod github_app_all_repos_write;
mod github_app_suspended;
mod github_credential_unused;
mod github_deploy_key_write;
mod github_owner_departed;
mod github_pat_broad_access;
mod github_secret_not_rotated;
mod github_token_no_expiry;
mod github_workflow_token_write;

/// What a rule judges: one identity and what the analyzer derived for it.
pub struct Subject<'a> {
    pub identity: &'a Identity,
    /// Effective permissions (AWS principals; empty for other providers).
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
}

/// Organization-wide facts some rules weigh an identity against, computed once per run.
#[derive(Debug, Default)]
pub struct Facts {
    /// Active admin API keys per (provider, scope).
    pub active_admin_keys: std::collections::BTreeMap<(String, String), usize>,
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
        }
        facts
    }
}

impl Ctx<'_> {
    /// Whole days from `t` to now (negative when `t` is in the future).
    pub fn days_since(&self, t: DateTime<Utc>) -> i64 {
        (self.now - t).num_days()
    }
}

pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, subject: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding>;
}

/// Every rule nhi has, in catalog order.
pub fn all() -> Vec<&'static dyn Rule> {
    vec![
        &aws_root_access_key::Rule,
        &aws_access_key_unused::Rule,
        &aws_access_key_not_rotated::Rule,
        &aws_access_keys_multiple_active::Rule,
        &aws_access_key_unused_since_setup::Rule,
        &aws_role_unused::Rule,
        &aws_admin_access::Rule,
        &aws_privilege_escalation::Rule,
        &aws_wildcard_permissions::Rule,
        &aws_unused_services::Rule,
        &aws_github_oidc_trust_unscoped::Rule,
        &aws_trust_any_principal::Rule,
        &aws_trust_cross_account_no_external_id::Rule,
        &aws_trust_service_no_source_condition::Rule,
        &aws_human_use::Rule,
        &aws_no_owner::Rule,
        &ai_key_unused::Rule,
        &ai_key_no_expiry::Rule,
        &ai_admin_key::Rule,
        &ai_admin_keys_excess::Rule,
        &ai_key_owner_departed::Rule,
        &ai_key_user_owned_automation::Rule,
        &github_deploy_key_write::Rule,
        &github_credential_unused::Rule,
        &github_token_no_expiry::Rule,
        &github_pat_broad_access::Rule,
        &github_app_all_repos_write::Rule,
        &github_app_suspended::Rule,
        &github_secret_not_rotated::Rule,
        &github_owner_departed::Rule,
        &github_workflow_token_write::Rule,
        &github_actions_can_approve_prs::Rule,
    ]
}

/// Every rule id, for config validation.
pub fn ids() -> Vec<&'static str> {
    all().iter().map(|r| r.meta().id).collect()
}

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
        last_used: nhi_api::LastUsed,
        since: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Option<Unused> {
        match (last_used, since) {
            (nhi_api::LastUsed::At(t), _) if ctx.days_since(t) > limit => Some(Unused {
                limit,
                last_used: Some(t),
                never_since: None,
                days: ctx.days_since(t),
            }),
            (nhi_api::LastUsed::Never, Some(start)) if ctx.days_since(start) > limit => {
                Some(Unused {
                    limit,
                    last_used: None,
                    never_since: Some(start),
                    days: ctx.days_since(start),
                })
            }
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

/// A credential's lifetime in days, from `start` (creation, grant) to `expires`, when it is
/// longer than `max`.
pub fn lifetime_beyond(start: DateTime<Utc>, expires: DateTime<Utc>, max: i64) -> Option<i64> {
    Some((expires - start).num_days()).filter(|days| *days > max)
}

/// RFC 3339 date (day precision) for messages.
pub fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// RFC 3339 time for evidence.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Credential kinds of AI provider API keys.
pub const AI_KEY_KINDS: &[&str] = &[
    nhi_api::credential_kinds::OPENAI_API_KEY,
    nhi_api::credential_kinds::OPENAI_ADMIN_KEY,
    nhi_api::credential_kinds::ANTHROPIC_API_KEY,
];

/// An identity's active AI provider API keys.
pub fn active_ai_keys(identity: &Identity) -> impl Iterator<Item = &nhi_api::Credential> {
    identity
        .active_credentials()
        .filter(|c| AI_KEY_KINDS.contains(&c.kind.as_str()))
}

/// The AI key facts of an identity, if it is an AI key.
pub fn ai_key(identity: &Identity) -> Option<&nhi_api::AiKey> {
    match &identity.native {
        nhi_api::Native::AiKey(k) => Some(k),
        _ => None,
    }
}

/// The GitHub facts of an identity of `kinds`, if it is one.
pub fn github<'a>(identity: &'a Identity, kinds: &[&str]) -> Option<&'a nhi_api::GithubFacts> {
    match &identity.native {
        nhi_api::Native::Github(f) if kinds.contains(&identity.kind.as_str()) => Some(f),
        _ => None,
    }
}

/// Whether an access level (`read`, `write`, `admin`) can change things.
pub fn is_write(access: &str) -> bool {
    matches!(access, "write" | "admin")
}

/// A login for messages: `@login`.
pub fn at_login(login: Option<&str>) -> String {
    login
        .map(|l| format!("@{l}"))
        .unwrap_or_else(|| "its owner".into())
}

/// A role's trust policy: what the trust rules judge.
pub fn role_trust<'a>(s: &Subject<'a>) -> Option<&'a PolicyDocument> {
    s.trust
        .filter(|_| s.identity.kind == nhi_api::kinds::IAM_ROLE)
}

/// IAM users and roles: the principals whose policies the permission rules judge.
pub fn is_iam_principal(identity: &Identity) -> bool {
    identity.kind == nhi_api::kinds::IAM_USER || identity.kind == nhi_api::kinds::IAM_ROLE
}

/// The Allow statements of a trust policy that let someone assume the role (any `sts:AssumeRole*`
/// action, or `sts:TagSession` alongside).
pub fn assume_statements(
    doc: &PolicyDocument,
) -> impl Iterator<Item = &nhi_api::policy::Statement> {
    doc.statements.iter().filter(|s| {
        s.effect == nhi_api::policy::Effect::Allow
            && s.action.as_ref().is_some_and(|a| {
                a.iter().any(|p| {
                    crate::policy::glob_match(p, "sts:AssumeRole")
                        || crate::policy::glob_match(p, "sts:AssumeRoleWithWebIdentity")
                        || crate::policy::glob_match(p, "sts:AssumeRoleWithSAML")
                })
            })
    })
}

/// Condition keys that tie a trust statement to known callers.
pub const CALLER_RESTRICTING_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "sts:ExternalId",
];

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod catalog_tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_match_file_names() {
        let ids = ids();
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate rule id");
        let source = include_str!("mod.rs");
        for id in ids {
            let module = id.replace('-', "_");
            assert!(
                source.contains(&format!("mod {module};")),
                "rule {id} must live in src/rules/{module}.rs"
            );
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}"
            );
        }
    }

    #[test]
    fn metadata_is_complete() {
        for rule in all() {
            let m = rule.meta();
            assert!(!m.title.is_empty(), "{}: title", m.id);
            assert!(m.description.len() > 40, "{}: description", m.id);
            assert!(m.remediation.len() > 30, "{}: remediation", m.id);
            assert!(!m.owasp.is_empty(), "{}: OWASP NHI mapping", m.id);
            assert!(!m.providers.is_empty(), "{}: providers", m.id);
            assert!(!m.references.is_empty(), "{}: references", m.id);
            assert!(!m.title.ends_with('.'), "{}: titles have no period", m.id);
        }
    }

    #[test]
    fn config_keys_named_by_rules_exist() {
        let known = [
            "thresholds.access_key_unused_days",
            "thresholds.access_key_max_age_days",
            "thresholds.role_unused_days",
            "ownership.owner_tag_keys",
            "aws.trusted_accounts",
            "aws.services_without_confused_deputy",
            "thresholds.ai_key_unused_days",
            "thresholds.service_unused_days",
            "thresholds.ai_key_max_lifetime_days",
            "ai.max_admin_keys",
            "ai.automation_name_words",
            "thresholds.github_credential_unused_days",
            "thresholds.github_token_max_lifetime_days",
            "thresholds.github_secret_max_age_days",
        ];
        for rule in all() {
            for key in rule.meta().config {
                assert!(
                    known.contains(key),
                    "{}: unknown config key {key}",
                    rule.meta().id
                );
            }
        }
    }
}
