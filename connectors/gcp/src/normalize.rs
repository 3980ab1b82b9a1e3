//! Google Cloud payloads → identities and the estate privilege analysis reads. Pure: the same
//! [`Export`] (read from files or fetched live) always gives the same inventory, which is what
//! makes offline and live scans agree on identities and fingerprints.

use crate::types::{Activity, IamPolicyResult, Key, PoolProvider, Project, Role, ServiceAccount};
use chrono::{DateTime, Utc};
use nhi_api::gcp::{
    default_account_kind, GcpBinding, GcpCondition, GcpPolicy, GcpPoolProvider, GcpProject,
    GcpRole, GcpServiceAccount, GcpWorkloadIdentityProvider,
};
use nhi_api::{
    credential_kinds, kinds, providers, Credential, CredentialStatus, Expiry, Identity, Inventory,
    LastUsed, Native,
};
use std::collections::{BTreeMap, BTreeSet};

/// Everything read about an organization or a set of projects, whatever it was read from.
/// Each item carries where it came from (a file, an API URL) for the identity's `origin`.
#[derive(Debug, Default)]
pub struct Export {
    pub service_accounts: Vec<(String, ServiceAccount)>,
    pub keys: Vec<(String, Key)>,
    pub policies: Vec<IamPolicyResult>,
    pub activities: Vec<Activity>,
    pub providers: Vec<(String, PoolProvider)>,
    pub roles: Vec<Role>,
    pub projects: Vec<Project>,
    /// The bindings came from an organization-wide search (inherited bindings are seen).
    pub hierarchy_complete: bool,
}

impl Export {
    pub fn merge(&mut self, other: Export) {
        self.service_accounts.extend(other.service_accounts);
        self.keys.extend(other.keys);
        self.policies.extend(other.policies);
        self.activities.extend(other.activities);
        self.providers.extend(other.providers);
        self.roles.extend(other.roles);
        self.projects.extend(other.projects);
        self.hierarchy_complete |= other.hierarchy_complete;
    }
}

/// Parse an RFC 3339 time as Google writes it (`2026-01-02T03:04:05Z`, with or without
/// fractional seconds).
pub fn time(s: Option<&str>) -> Option<DateTime<Utc>> {
    let s = s?.trim();
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `projects/P/serviceAccounts/EMAIL[/keys/K]` → (P, EMAIL, K). Also accepts a full resource
/// name (`//iam.googleapis.com/projects/...`).
pub fn split_account_name(name: &str) -> Option<(&str, &str, Option<&str>)> {
    let name = name.strip_prefix("//iam.googleapis.com/").unwrap_or(name);
    let rest = name.strip_prefix("projects/")?;
    let (project, rest) = rest.split_once("/serviceAccounts/")?;
    match rest.split_once("/keys/") {
        Some((account, key)) => Some((project, account, Some(key))),
        None => Some((project, rest, None)),
    }
}

/// The identity id of a service account: `projects/PROJECT_ID/serviceAccounts/EMAIL`.
pub fn account_id(project: &str, email: &str) -> String {
    format!("projects/{project}/serviceAccounts/{email}")
}

/// `key: value` (or `key=value`) pairs written in a description, keys lower-cased: the
/// convention by which a service account names its owner (`owner: payments-team`).
pub fn description_tags(description: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for part in description.split([';', ',', '\n', '|']) {
        let Some((k, v)) = part.split_once([':', '=']) else {
            continue;
        };
        // The key is the last word before the separator ("Deploys web. owner: x").
        let key = k
            .split_whitespace()
            .last()
            .unwrap_or("")
            .to_ascii_lowercase();
        let value = v.split_whitespace().next().unwrap_or("");
        if key.is_empty()
            || value.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            continue;
        }
        out.entry(key).or_insert_with(|| value.to_string());
    }
    out
}

/// Which projects are which: id ↔ number, ancestors and labels, from every source that says.
#[derive(Debug, Default)]
struct Projects {
    by_id: BTreeMap<String, GcpProject>,
    number_to_id: BTreeMap<String, String>,
}

impl Projects {
    fn build(export: &Export) -> Projects {
        let mut p = Projects::default();
        for project in &export.projects {
            let entry = p.entry(&project.project_id);
            if let Some(n) = project.number() {
                entry.number = Some(n);
            }
            if entry.ancestors.is_empty() {
                entry.ancestors.extend(project.parent());
            }
            entry.labels.extend(project.labels.clone());
        }
        for result in &export.policies {
            // A project's own policy names it by id, with its number and ancestors.
            if let Some(id) = result
                .resource
                .strip_prefix("//cloudresourcemanager.googleapis.com/projects/")
            {
                let entry = p.entry(id);
                if let Some(number) = result
                    .project
                    .as_deref()
                    .and_then(|n| n.strip_prefix("projects/"))
                {
                    entry.number = Some(number.to_string());
                }
                let ancestors = ancestors(result);
                if !ancestors.is_empty() {
                    entry.ancestors = ancestors;
                }
            }
        }
        for (_, sa) in &export.service_accounts {
            if !sa.project_id.is_empty() {
                p.entry(&sa.project_id);
            }
        }
        for project in p.by_id.values() {
            if let Some(n) = &project.number {
                p.number_to_id.insert(n.clone(), project.id.clone());
            }
        }
        p
    }

    fn entry(&mut self, id: &str) -> &mut GcpProject {
        self.by_id
            .entry(id.to_string())
            .or_insert_with(|| GcpProject {
                id: id.to_string(),
                ..Default::default()
            })
    }

    /// A project id from an id or a number.
    fn id_of(&self, project: &str) -> String {
        self.number_to_id
            .get(project)
            .cloned()
            .unwrap_or_else(|| project.to_string())
    }
}

/// A policy result's ancestors above its project, nearest first.
fn ancestors(result: &IamPolicyResult) -> Vec<String> {
    let mut out: Vec<String> = result.folders.clone();
    out.extend(result.organization.clone());
    out
}

/// Last authentications from Policy Analyzer: per account (by email and unique id) and per key,
/// and per project the start of the observation period when the project's activity was read.
#[derive(Debug, Default)]
struct LastAuth {
    accounts: BTreeMap<String, DateTime<Utc>>,
    keys: BTreeMap<String, DateTime<Utc>>,
    account_periods: BTreeMap<String, DateTime<Utc>>,
    key_periods: BTreeMap<String, DateTime<Utc>>,
}

impl LastAuth {
    fn build(activities: &[Activity], projects: &Projects) -> LastAuth {
        let mut out = LastAuth::default();
        for a in activities {
            let Some(resource) = a.full_resource_name.as_deref() else {
                continue;
            };
            let Some((project, account, key)) = split_account_name(resource) else {
                continue;
            };
            let project = projects.id_of(project);
            let at = time(
                a.activity
                    .get("lastAuthenticatedTime")
                    .and_then(|v| v.as_str()),
            );
            let start = a
                .observation_period
                .as_ref()
                .and_then(|p| time(p.start_time.as_deref()));
            let is_key = key.is_some()
                || a.activity_type.as_deref() == Some("serviceAccountKeyLastAuthentication");
            let (map, periods, id) = match key {
                Some(k) => (&mut out.keys, &mut out.key_periods, k.to_string()),
                None if is_key => continue,
                None => (
                    &mut out.accounts,
                    &mut out.account_periods,
                    account.to_string(),
                ),
            };
            if let Some(t) = at {
                let e = map.entry(id).or_insert(t);
                *e = (*e).max(t);
            }
            if let Some(s) = start {
                let e = periods.entry(project).or_insert(s);
                *e = (*e).min(s);
            }
        }
        out
    }
}

/// The identities and estate of everything read. A key past its `validBeforeTime` stays
/// `active` here (the data has no clock); rules compare its expiry with their `now`.
pub fn normalize(export: &Export) -> Inventory {
    let projects = Projects::build(export);
    let auth = LastAuth::build(&export.activities, &projects);
    let mut inventory = Inventory::default();

    // Keys by account (user-managed only: Google rotates its own), deduplicated by key id.
    let mut keys: BTreeMap<(String, String), BTreeMap<String, &Key>> = BTreeMap::new();
    for (_, key) in &export.keys {
        if key.key_type.as_deref() == Some("SYSTEM_MANAGED") {
            continue;
        }
        if let Some((project, email, Some(id))) = split_account_name(&key.name) {
            keys.entry((projects.id_of(project), email.to_string()))
                .or_default()
                .insert(id.to_string(), key);
        }
    }

    // Accounts, one per (project, email); keys of an account no listing named still make one.
    let mut accounts: BTreeMap<(String, String), (String, ServiceAccount)> = BTreeMap::new();
    for (origin, sa) in &export.service_accounts {
        let project = if sa.project_id.is_empty() {
            split_account_name(&sa.name)
                .map(|(p, _, _)| projects.id_of(p))
                .unwrap_or_default()
        } else {
            sa.project_id.clone()
        };
        accounts
            .entry((project, sa.email.clone()))
            .or_insert_with(|| (origin.clone(), sa.clone()));
    }
    for (origin, key) in &export.keys {
        if let Some((project, email, _)) = split_account_name(&key.name) {
            let project = projects.id_of(project);
            if key.key_type.as_deref() == Some("SYSTEM_MANAGED") {
                continue;
            }
            accounts
                .entry((project.clone(), email.to_string()))
                .or_insert_with(|| {
                    (
                        origin.clone(),
                        ServiceAccount {
                            name: account_id(&project, email),
                            project_id: project.clone(),
                            email: email.to_string(),
                            ..Default::default()
                        },
                    )
                });
        }
    }

    for ((project, email), (origin, sa)) in &accounts {
        let project_facts = projects.by_id.get(project);
        let mut identity = Identity::new(
            providers::GCP,
            kinds::GCP_SERVICE_ACCOUNT,
            account_id(project, email),
            email.clone(),
        );
        identity.scope = project.clone();
        identity.origin = Some(origin.clone());
        let default_account = default_account_kind(email);
        identity.provider_managed = default_account == Some("service_agent");
        // Owner convention: `owner: X` in the description; project labels fill in the rest.
        if let Some(d) = &sa.description {
            identity.tags = description_tags(d).into();
        }
        if let Some(p) = project_facts {
            for (k, v) in &p.labels {
                if !identity.tags.contains_key(k) {
                    identity.tags.insert(k.clone(), v.clone());
                }
            }
        }
        let account_seen = auth
            .accounts
            .get(email.as_str())
            .or_else(|| sa.unique_id.as_ref().and_then(|u| auth.accounts.get(u)))
            .copied();
        let account_period = auth.account_periods.get(project).copied();
        let mut last_used = match (account_seen, account_period) {
            (Some(t), _) => LastUsed::At(t),
            (None, Some(_)) => LastUsed::Never,
            (None, None) => LastUsed::Unknown,
        };
        let key_period = auth.key_periods.get(project).copied();
        for (key_id, key) in keys
            .get(&(project.clone(), email.clone()))
            .into_iter()
            .flatten()
        {
            let created = time(key.valid_after_time.as_deref());
            let expires = match time(key.valid_before_time.as_deref()) {
                Some(t) if t.format("%Y").to_string() == "9999" => Expiry::Never,
                Some(t) => Expiry::At(t),
                None => Expiry::Unknown,
            };
            let status = if key.disabled {
                CredentialStatus::Inactive
            } else {
                CredentialStatus::Active
            };
            let key_used = match (auth.keys.get(key_id.as_str()), key_period) {
                (Some(t), _) => LastUsed::At(*t),
                (None, Some(_)) => LastUsed::Never,
                (None, None) => LastUsed::Unknown,
            };
            let mut details = BTreeMap::new();
            if let Some(a) = &key.key_algorithm {
                details.insert("algorithm".to_string(), a.clone());
            }
            if let Some(o) = &key.key_origin {
                details.insert("origin".to_string(), o.clone());
            }
            if let Some(s) = key_period {
                details.insert("observed_since".to_string(), s.to_rfc3339());
            }
            identity.credentials.push(Credential {
                id: key_id.clone(),
                kind: credential_kinds::GCP_SERVICE_ACCOUNT_KEY.into(),
                status,
                created_at: created,
                last_used: key_used,
                expires,
                details: details.into(),
            });
            last_used = last_used.latest(key_used);
        }
        identity.last_used = last_used;
        identity.native = Native::GcpServiceAccount(Box::new(GcpServiceAccount {
            project_id: project.clone(),
            project_number: project_facts.and_then(|p| p.number.clone()),
            email: email.clone(),
            unique_id: sa.unique_id.clone(),
            disabled: sa.disabled,
            default_account: default_account.map(str::to_string),
            description: sa.description.clone(),
            observed_since: account_period,
        }));
        inventory.identities.push(identity);
    }

    let mut seen_providers = BTreeSet::new();
    for (origin, p) in &export.providers {
        if !seen_providers.insert(p.name.clone()) {
            continue;
        }
        inventory
            .identities
            .push(provider_identity(origin, p, &projects));
        inventory.gcp.pool_providers.push(GcpPoolProvider {
            name: p.name.clone(),
            issuer: p.oidc.as_ref().and_then(|o| o.issuer_uri.clone()),
            aws_account: p.aws.as_ref().and_then(|a| a.account_id.clone()),
            attribute_condition: p
                .attribute_condition
                .clone()
                .filter(|c| !c.trim().is_empty()),
            attribute_mapping: p.attribute_mapping.clone(),
            disabled: p.disabled || p.state.as_deref() == Some("DISABLED"),
        });
    }

    inventory.gcp.projects = projects.by_id.into_values().collect();
    inventory.gcp.policies = export.policies.iter().map(policy).collect();
    inventory.gcp.roles = export
        .roles
        .iter()
        .filter(|r| !r.deleted && !r.name.starts_with("roles/"))
        .map(|r| GcpRole {
            name: r.name.clone(),
            permissions: r.included_permissions.clone(),
        })
        .collect();
    inventory.gcp.hierarchy_complete = export.hierarchy_complete;
    inventory.sort();
    inventory
}

fn policy(result: &IamPolicyResult) -> GcpPolicy {
    GcpPolicy {
        resource: result.resource.clone(),
        asset_type: result.asset_type.clone().unwrap_or_default(),
        project: result.project.clone().filter(|p| !p.is_empty()),
        ancestors: ancestors(result),
        bindings: result
            .policy
            .bindings
            .iter()
            .map(|b| GcpBinding {
                role: b.role.clone(),
                members: b.members.clone(),
                condition: b.condition.as_ref().and_then(|c| {
                    c.expression.as_ref().map(|e| GcpCondition {
                        title: c.title.clone(),
                        expression: e.clone(),
                    })
                }),
            })
            .collect(),
    }
}

fn provider_identity(origin: &str, p: &PoolProvider, projects: &Projects) -> Identity {
    // projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER
    let parts: Vec<&str> = p.name.split('/').collect();
    let project = parts.get(1).map(|n| projects.id_of(n)).unwrap_or_default();
    let pool = parts.get(5).copied().unwrap_or("").to_string();
    let provider = parts.get(7).copied().unwrap_or("").to_string();
    let protocol = if p.oidc.is_some() {
        "oidc"
    } else if p.aws.is_some() {
        "aws"
    } else if p.saml.is_some() {
        "saml"
    } else if p.x509.is_some() {
        "x509"
    } else {
        "unknown"
    };
    let mut identity = Identity::new(
        providers::GCP,
        kinds::GCP_WORKLOAD_IDENTITY_PROVIDER,
        p.name.clone(),
        format!("{pool}/{provider}"),
    );
    identity.scope = project.clone();
    identity.origin = Some(origin.to_string());
    identity.tags_known = false;
    identity.native = Native::GcpWorkloadIdentityProvider(Box::new(GcpWorkloadIdentityProvider {
        project,
        pool,
        protocol: protocol.into(),
        issuer: p.oidc.as_ref().and_then(|o| o.issuer_uri.clone()),
        attribute_condition: p
            .attribute_condition
            .clone()
            .filter(|c| !c.trim().is_empty()),
        attribute_mapping: p.attribute_mapping.clone(),
        disabled: p.disabled || p.state.as_deref() == Some("DISABLED"),
    }));
    identity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions() {
        assert_eq!(
            split_account_name("projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k1"),
            Some(("p", "a@p.iam.gserviceaccount.com", Some("k1")))
        );
        assert_eq!(
            split_account_name("//iam.googleapis.com/projects/p/serviceAccounts/123"),
            Some(("p", "123", None))
        );
        assert_eq!(split_account_name("organizations/1"), None);
        let t = description_tags("Deploys the web app. owner: payments-team; Team=web");
        assert_eq!(t.get("owner").map(String::as_str), Some("payments-team"));
        assert_eq!(t.get("team").map(String::as_str), Some("web"));
        assert!(description_tags("nothing here").is_empty());
        assert!(description_tags("url: ").is_empty());
    }

    #[test]
    fn keys_activity_and_defaults() {
        let mut e = Export::default();
        e.service_accounts.push((
            "f".into(),
            ServiceAccount {
                name: "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com".into(),
                project_id: "p".into(),
                unique_id: Some("111".into()),
                email: "ci@p.iam.gserviceaccount.com".into(),
                description: Some("owner: alice".into()),
                ..Default::default()
            },
        ));
        e.service_accounts.push((
            "f".into(),
            ServiceAccount {
                project_id: "p".into(),
                email: "42-compute@developer.gserviceaccount.com".into(),
                ..Default::default()
            },
        ));
        for (id, kind, before) in [
            ("k1", "USER_MANAGED", "9999-12-31T23:59:59Z"),
            ("k2", "SYSTEM_MANAGED", "2027-01-01T00:00:00Z"),
            ("k3", "USER_MANAGED", "2026-01-01T00:00:00Z"),
        ] {
            e.keys.push((
                "k".into(),
                Key {
                    name: format!(
                        "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys/{id}"
                    ),
                    key_type: Some(kind.into()),
                    valid_after_time: Some("2025-01-01T00:00:00Z".into()),
                    valid_before_time: Some(before.into()),
                    ..Default::default()
                },
            ));
        }
        e.activities.push(Activity {
            activity_type: Some("serviceAccountKeyLastAuthentication".into()),
            full_resource_name: Some(
                "//iam.googleapis.com/projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys/k1"
                    .into(),
            ),
            observation_period: Some(crate::types::Period {
                start_time: Some("2025-06-01T00:00:00Z".into()),
                end_time: None,
            }),
            activity: serde_json::json!({"lastAuthenticatedTime": "2026-10-01T00:00:00Z"}),
        });
        let inv = normalize(&e);
        assert_eq!(inv.identities.len(), 2);
        let ci = &inv.identities[1];
        assert_eq!(
            ci.id,
            "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com"
        );
        assert_eq!(
            ci.credentials.len(),
            2,
            "system-managed keys are not credentials"
        );
        assert_eq!(ci.credentials[0].expires, Expiry::Never);
        assert_eq!(
            ci.credentials[1].expires.at().map(|t| t.to_rfc3339()),
            Some("2026-01-01T00:00:00+00:00".into())
        );
        assert_eq!(ci.credentials[1].last_used, LastUsed::Never);
        assert_eq!(
            ci.last_used,
            LastUsed::At(time(Some("2026-10-01T00:00:00Z")).expect("t"))
        );
        assert_eq!(ci.tags.get("owner").map(String::as_str), Some("alice"));
        let compute = &inv.identities[0];
        assert!(
            matches!(&compute.native, Native::GcpServiceAccount(f) if f.default_account.as_deref() == Some("compute"))
        );
        // No account activity was read for the project: unknown, not never.
        assert_eq!(compute.last_used, LastUsed::Unknown);
    }
}
