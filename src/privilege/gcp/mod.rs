//! Google Cloud privilege: which roles each service account holds anywhere in the resource
//! hierarchy, what those roles let it do (predefined roles through the catalog in
//! `src/data/gcp-roles`, custom roles from the scan), who may become each account, and the
//! escalation paths of the published research (`src/data/gcp-escalation`).
//!
//! A binding applies to a service account when it is on the account itself, on its project, or
//! on a folder or the organization above the project. Members are matched by e-mail; Cloud
//! Asset names an account's own policy by e-mail or unique id, and both are joined. Group
//! members are not known to nhi, so a grant to a group is listed with the group as the member,
//! never expanded. IAM Conditions are quoted and not decided: a conditional grant is reported
//! with medium certainty.
//!
//! Built once per run ([`GcpAccess::build`]); rules read it, and `nhi graph` draws its edges.

pub mod cel;

use nhi_api::gcp::{GcpPolicy, GcpPoolProvider};
use nhi_api::{kinds, Identity, Inventory, Native};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// `role<TAB>permission`, only the permissions rules read.
const ROLES_TSV: &str = include_str!("../../data/gcp-roles/roles.tsv");
const PATHS_JSON: &str = include_str!("../../data/gcp-escalation/paths.json");

/// Permissions that let a member become a service account.
pub const IMPERSONATION: &[&str] = &[
    "iam.serviceAccounts.actAs",
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccountKeys.create",
];

/// Where a binding sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Organization,
    Folder,
    Project,
    /// A single resource (a service account, a bucket...).
    Resource,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Organization => "organization",
            Level::Folder => "folder",
            Level::Project => "project",
            Level::Resource => "resource",
        }
    }
}

/// A role as far as nhi knows it.
#[derive(Debug, Clone)]
pub enum RolePermissions {
    /// In the catalog or a custom role of the scan: the permissions of interest it grants.
    Known(BTreeSet<String>),
    /// Neither: nothing is read from it.
    Unknown,
}

/// One escalation path of the catalog.
#[derive(Debug, Clone, Deserialize)]
pub struct Path {
    pub id: String,
    pub title: String,
    pub permissions: Vec<String>,
    /// `admin` (the whole project or more) or `becomes` (another service account).
    pub outcome: String,
}

#[derive(Debug, Deserialize)]
struct PathFile {
    source: String,
    paths: Vec<Path>,
}

/// A role a service account holds, and where.
#[derive(Debug, Clone)]
pub struct Held {
    pub role: String,
    /// Full resource name of the policy.
    pub resource: String,
    pub level: Level,
    pub condition: Option<String>,
}

/// A member who may become a service account.
#[derive(Debug, Clone)]
pub struct Impersonator {
    pub member: String,
    pub role: String,
    pub resource: String,
    pub level: Level,
    /// The impersonation permissions the role grants.
    pub permissions: Vec<String>,
    pub condition: Option<String>,
}

/// An edge of the graph: a member (an inventoried account, or a member string) can become a
/// service account.
#[derive(Debug, Clone)]
pub struct GcpEdge {
    /// An identity id when the member is an inventoried service account, else the member
    /// (`user:...`, `group:...`, `principalSet://...`, `serviceAccount:...`).
    pub from: String,
    pub to: String,
    pub federation: bool,
    pub actions: Vec<String>,
    pub conditions: Vec<String>,
    pub medium: bool,
    /// The role and where it is granted.
    pub via: String,
}

/// An escalation path a service account can take, with the roles that give it.
#[derive(Debug, Clone)]
pub struct Escalation<'p> {
    pub path: &'p Path,
    /// `role @ resource` granting each permission, in path order.
    pub granted_by: Vec<String>,
    pub conditions: Vec<String>,
}

/// Everything the GCP rules and the graph read.
#[derive(Debug, Default)]
pub struct GcpAccess {
    roles: HashMap<String, BTreeSet<String>>,
    paths: Vec<Path>,
    pub source: String,
    /// Service-account identity id → the roles it holds.
    held: HashMap<String, Vec<Held>>,
    /// Service-account identity id → who may become it through its own policy.
    impersonators: HashMap<String, Vec<Impersonator>>,
    /// Project id, `folders/F` or `organizations/O` → who may become every account under it.
    scope_impersonators: HashMap<String, Vec<Impersonator>>,
    /// Service-account identity id → its project and the project's ancestors.
    scopes: HashMap<String, Vec<String>>,
    /// Service-account identity id → `allUsers` / `allAuthenticatedUsers` bindings on it.
    public: HashMap<String, Vec<(String, String)>>,
    /// Pool name → its providers.
    pub pools: BTreeMap<String, Vec<GcpPoolProvider>>,
    /// Member (`serviceAccount:EMAIL`) → identity id, for the graph.
    member_ids: HashMap<String, String>,
    /// Whether bindings inherited from folders and the organization were read.
    pub hierarchy_complete: bool,
    /// Whether any IAM policy was read at all: without them, roles and impersonators are
    /// unknown and rules must not read "none" from empty lists.
    pub policies_known: bool,
}

/// The catalog of predefined roles: role → permissions of interest.
pub fn predefined() -> HashMap<String, BTreeSet<String>> {
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for line in ROLES_TSV.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some((role, perm)) = line.split_once('\t') {
            out.entry(role.to_string())
                .or_default()
                .insert(perm.trim().to_string());
        }
    }
    out
}

/// The escalation catalog.
pub fn paths() -> (String, Vec<Path>) {
    match serde_json::from_str::<PathFile>(PATHS_JSON) {
        Ok(f) => (f.source, f.paths),
        Err(_) => (String::new(), Vec::new()),
    }
}

/// A policy's resource: its level and the key the hierarchy index uses.
fn classify(policy: &GcpPolicy) -> (Level, String) {
    let r = policy.resource.as_str();
    if let Some(rest) = r.strip_prefix("//cloudresourcemanager.googleapis.com/") {
        if rest.starts_with("organizations/") {
            return (Level::Organization, rest.to_string());
        }
        if rest.starts_with("folders/") {
            return (Level::Folder, rest.to_string());
        }
        if let Some(p) = rest.strip_prefix("projects/") {
            return (Level::Project, p.to_string());
        }
    }
    (Level::Resource, r.to_string())
}

/// `//iam.googleapis.com/projects/P/serviceAccounts/EMAIL_OR_ID` → `EMAIL_OR_ID`.
fn account_resource(resource: &str) -> Option<&str> {
    let rest = resource.strip_prefix("//iam.googleapis.com/projects/")?;
    let (_, account) = rest.split_once("/serviceAccounts/")?;
    (!account.contains('/')).then_some(account)
}

fn is_public(member: &str) -> bool {
    member == "allUsers" || member == "allAuthenticatedUsers"
}

impl GcpAccess {
    pub fn build(inventory: &Inventory) -> GcpAccess {
        let mut access = GcpAccess {
            roles: predefined(),
            hierarchy_complete: inventory.gcp.hierarchy_complete,
            policies_known: !inventory.gcp.policies.is_empty(),
            ..Default::default()
        };
        let (source, paths) = paths();
        access.source = source;
        access.paths = paths;
        for role in &inventory.gcp.roles {
            access.roles.insert(
                role.name.clone(),
                role.permissions.iter().cloned().collect(),
            );
        }
        for p in &inventory.gcp.pool_providers {
            access
                .pools
                .entry(p.pool().to_string())
                .or_default()
                .push(p.clone());
        }

        // Accounts by e-mail and unique id; each account's project and the project's ancestors.
        let mut by_key: HashMap<String, &Identity> = HashMap::new();
        let ancestors: HashMap<&str, &[String]> = inventory
            .gcp
            .projects
            .iter()
            .map(|p| (p.id.as_str(), p.ancestors.as_slice()))
            .collect();
        let accounts: Vec<(&Identity, &nhi_api::gcp::GcpServiceAccount)> = inventory
            .identities
            .iter()
            .filter(|i| i.kind == kinds::GCP_SERVICE_ACCOUNT)
            .filter_map(|i| match &i.native {
                Native::GcpServiceAccount(f) => Some((i, f)),
                _ => None,
            })
            .collect();
        for (i, f) in &accounts {
            by_key.insert(f.email.to_ascii_lowercase(), i);
            if let Some(u) = &f.unique_id {
                by_key.insert(u.clone(), i);
            }
            access.member_ids.insert(
                format!("serviceaccount:{}", f.email.to_ascii_lowercase()),
                i.id.clone(),
            );
        }

        // Index the policies by what they sit on.
        let mut on_scope: HashMap<String, Vec<&GcpPolicy>> = HashMap::new();
        let mut on_account: HashMap<&str, Vec<&GcpPolicy>> = HashMap::new();
        for policy in &inventory.gcp.policies {
            let (level, key) = classify(policy);
            match level {
                Level::Resource => {
                    if let Some(account) = account_resource(&policy.resource)
                        .and_then(|a| by_key.get(&a.to_ascii_lowercase()))
                    {
                        on_account
                            .entry(account.id.as_str())
                            .or_default()
                            .push(policy);
                    }
                }
                _ => on_scope.entry(key).or_default().push(policy),
            }
            // What each binding grants to accounts it names.
            for b in &policy.bindings {
                for m in &b.members {
                    let Some(email) = m.strip_prefix("serviceAccount:") else {
                        continue;
                    };
                    if let Some(i) = by_key.get(&email.to_ascii_lowercase()) {
                        access.held.entry(i.id.clone()).or_default().push(Held {
                            role: b.role.clone(),
                            resource: policy.resource.clone(),
                            level,
                            condition: b.condition.as_ref().map(|c| c.expression.clone()),
                        });
                    }
                }
            }
        }

        // Who may become each account: its own policy, then its project's, folders', org's.
        // Grants on a scope are stored once per scope (a project-wide Token Creator reaches
        // every account there) and joined when asked, so memory grows with the bindings, not
        // with accounts × members.
        let impersonators_of = |access: &GcpAccess, policy: &GcpPolicy, level: Level| {
            let mut out = Vec::new();
            for b in &policy.bindings {
                let grants = access.grants(&b.role, IMPERSONATION);
                if grants.is_empty() {
                    continue;
                }
                for m in b.members.iter().filter(|m| !m.starts_with("deleted:")) {
                    out.push(Impersonator {
                        member: m.clone(),
                        role: b.role.clone(),
                        resource: policy.resource.clone(),
                        level,
                        permissions: grants.clone(),
                        condition: b.condition.as_ref().map(|c| c.expression.clone()),
                    });
                }
            }
            out
        };
        for (key, list) in &on_scope {
            let level = if key.starts_with("organizations/") {
                Level::Organization
            } else if key.starts_with("folders/") {
                Level::Folder
            } else {
                Level::Project
            };
            let mut found = Vec::new();
            for policy in list {
                found.extend(impersonators_of(&access, policy, level));
            }
            if !found.is_empty() {
                access.scope_impersonators.insert(key.clone(), found);
            }
        }
        for (i, f) in &accounts {
            let mut scopes = vec![f.project_id.clone()];
            scopes.extend(
                ancestors
                    .get(f.project_id.as_str())
                    .copied()
                    .unwrap_or(&[])
                    .iter()
                    .cloned(),
            );
            access.scopes.insert(i.id.clone(), scopes);
            let mut own = Vec::new();
            for policy in on_account.get(i.id.as_str()).into_iter().flatten() {
                for b in &policy.bindings {
                    for m in b.members.iter().filter(|m| is_public(m)) {
                        access
                            .public
                            .entry(i.id.clone())
                            .or_default()
                            .push((m.clone(), b.role.clone()));
                    }
                }
                own.extend(impersonators_of(&access, policy, Level::Resource));
            }
            if !own.is_empty() {
                access.impersonators.insert(i.id.clone(), own);
            }
        }
        for list in access.held.values_mut() {
            list.sort_by(|a, b| {
                (a.level, &a.resource, &a.role).cmp(&(b.level, &b.resource, &b.role))
            });
            list.dedup_by(|a, b| {
                a.role == b.role && a.resource == b.resource && a.condition == b.condition
            });
        }
        access
    }

    /// What a role grants of `wanted`; empty when it grants none of them or is unknown.
    pub fn grants(&self, role: &str, wanted: &[&str]) -> Vec<String> {
        match self.roles.get(role) {
            Some(perms) => wanted
                .iter()
                .filter(|w| perms.contains(**w))
                .map(|w| w.to_string())
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn role(&self, role: &str) -> RolePermissions {
        match self.roles.get(role) {
            Some(p) => RolePermissions::Known(p.clone()),
            None => RolePermissions::Unknown,
        }
    }

    /// The roles a service account holds, wherever granted.
    pub fn held(&self, id: &str) -> &[Held] {
        self.held.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Who may become a service account: grants on the account, then on its project, folders
    /// and organization (in that order; within each, by member).
    pub fn impersonators(&self, id: &str) -> Vec<&Impersonator> {
        let mut out: Vec<&Impersonator> =
            self.impersonators.get(id).into_iter().flatten().collect();
        for scope in self.scopes.get(id).into_iter().flatten() {
            out.extend(self.scope_impersonators.get(scope).into_iter().flatten());
        }
        out.sort_by(|a, b| {
            (a.level, &a.member, &a.role, &a.resource).cmp(&(
                b.level,
                &b.member,
                &b.role,
                &b.resource,
            ))
        });
        out
    }

    /// `allUsers` / `allAuthenticatedUsers` on the account's own policy: (member, role).
    pub fn public(&self, id: &str) -> &[(String, String)] {
        self.public.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    /// The escalation paths open to a service account through roles held on a project, a folder
    /// or the organization (resource-level grants are edges to those resources, not paths).
    pub fn escalations(&self, id: &str) -> Vec<Escalation<'_>> {
        let held: Vec<&Held> = self
            .held(id)
            .iter()
            .filter(|h| h.level != Level::Resource)
            .collect();
        let mut out = Vec::new();
        for path in &self.paths {
            let mut granted_by = Vec::new();
            let mut conditions = Vec::new();
            let all = path.permissions.iter().all(|perm| {
                // Prefer an unconditional grant.
                let mut best: Option<&Held> = None;
                for h in &held {
                    let grants = self.roles.get(&h.role).is_some_and(|p| p.contains(perm));
                    let better =
                        best.is_none_or(|b| b.condition.is_some() && h.condition.is_none());
                    if grants && better {
                        best = Some(h);
                    }
                }
                match best {
                    Some(h) => {
                        granted_by.push(format!("{} on {}", h.role, h.resource));
                        conditions.extend(h.condition.clone());
                        true
                    }
                    None => false,
                }
            });
            if all {
                conditions.sort();
                conditions.dedup();
                out.push(Escalation {
                    path,
                    granted_by,
                    conditions,
                });
            }
        }
        out
    }

    /// Roles held that nhi cannot expand (neither predefined in the catalog nor custom in the
    /// scan).
    pub fn unknown_roles(&self, id: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .held(id)
            .iter()
            .filter(|h| !self.roles.contains_key(&h.role))
            .map(|h| h.role.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Every "can become" edge into service accounts, for the graph: members holding
    /// impersonation permissions, and workload identity pools (federation), with an edge from
    /// each scanned workload (a GitHub repository's CI) whose tokens the pool member selects.
    pub fn edges(&self, workloads: &[nhi_api::Workload]) -> Vec<GcpEdge> {
        let mut out = Vec::new();
        let mut targets: Vec<&String> = self.scopes.keys().collect();
        targets.sort();
        for target in targets {
            for imp in self.impersonators(target) {
                let federation = imp.member.starts_with("principalSet://iam.googleapis.com/")
                    || imp.member.starts_with("principal://iam.googleapis.com/")
                    || imp.member.contains(".svc.id.goog[");
                let from = self
                    .member_ids
                    .get(&imp.member.to_ascii_lowercase())
                    .cloned()
                    .unwrap_or_else(|| imp.member.clone());
                if &from == target {
                    continue;
                }
                if federation {
                    for w in self.selected_workloads(&imp.member, workloads) {
                        out.push(GcpEdge {
                            from: w.id.clone(),
                            to: target.clone(),
                            federation: true,
                            actions: imp.permissions.clone(),
                            conditions: imp.condition.iter().cloned().collect(),
                            medium: true,
                            via: format!("{} on {} (as {})", imp.role, imp.resource, imp.member),
                        });
                    }
                }
                out.push(GcpEdge {
                    from,
                    to: target.clone(),
                    federation,
                    actions: imp.permissions.clone(),
                    conditions: imp.condition.iter().cloned().collect(),
                    medium: imp.condition.is_some(),
                    via: format!("{} on {}", imp.role, imp.resource),
                });
            }
        }
        out.sort_by(|a, b| (&a.from, &a.to, &a.via).cmp(&(&b.from, &b.to, &b.via)));
        out
    }

    /// Scanned workloads whose tokens a pool member selects: the pool's providers trust the
    /// workload's issuer, and the member is the whole pool or names one of its claims. Provider
    /// conditions are not evaluated against the claims here (the edge is medium certainty).
    fn selected_workloads<'w>(
        &self,
        member: &str,
        workloads: &'w [nhi_api::Workload],
    ) -> Vec<&'w nhi_api::Workload> {
        let Some((pool, selector)) = Self::pool_member(member) else {
            return Vec::new();
        };
        let Some(providers) = self.pools.get(&pool) else {
            return Vec::new();
        };
        let norm = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
        workloads
            .iter()
            .filter(|w| {
                providers.iter().any(|p| {
                    !p.disabled
                        && p.issuer.as_deref().map(norm) == Some(norm(&w.issuer))
                        && match selector.split_once('/') {
                            _ if selector == "*" => true,
                            Some((attr, value)) if attr.starts_with("attribute.") => p
                                .attribute_mapping
                                .get(attr)
                                .and_then(|m| m.trim().strip_prefix("assertion."))
                                .and_then(|claim| w.claims.get(claim))
                                .is_some_and(|v| v == value),
                            _ => false,
                        }
                })
            })
            .collect()
    }

    /// The pool a `principalSet://` or `principal://` member belongs to, and what it selects
    /// (`*`, `attribute.repository/acme/web`, `subject/...`).
    pub fn pool_member(member: &str) -> Option<(String, String)> {
        let rest = member
            .strip_prefix("principalSet://iam.googleapis.com/")
            .or_else(|| member.strip_prefix("principal://iam.googleapis.com/"))?;
        let idx = rest.find("/workloadIdentityPools/")?;
        let after = &rest[idx + "/workloadIdentityPools/".len()..];
        let (pool, selector) = after.split_once('/')?;
        Some((
            format!("{}/workloadIdentityPools/{pool}", &rest[..idx]),
            selector.to_string(),
        ))
    }
}

#[cfg(test)]
mod tests;
