//! Google Cloud privilege: which roles each service account holds anywhere in the resource
//! hierarchy, what those roles let it do (predefined roles through the catalog in
//! `src/data/gcp-roles`, custom roles from the scan), who may become each account, and the
//! escalation paths of the published research (`src/data/gcp-escalation`).
//!
//! A binding applies to a service account when it is on the account itself, on its project, or
//! on a folder or the organization above the project. Members are matched by e-mail; Cloud
//! Asset names an account's own policy by e-mail or unique id, and both are joined. A grant to
//! a group counts for the service accounts among its members when the group's memberships
//! were exported (nested groups followed); otherwise the group is listed as the member, never
//! expanded. IAM Conditions are decided against `--now` where they can be
//! ([`cel::decide`]): a grant whose time window has closed (or not opened yet) does not count;
//! one whose window is open counts as unconditional; one limited to some resources
//! (`resource.name.startsWith`, `resource.type ==`) stays conditional, with what it limits to
//! said. Other conditions are quoted and not decided: such a grant is reported with medium
//! certainty.
//!
//! Built once per run ([`GcpAccess::build`]); rules read it, and `nhi graph` draws its edges.

pub mod cel;

use nhi_api::gcp::{GcpBinding, GcpPolicy, GcpPoolProvider};
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
    /// The IAM Condition, when it leaves the grant uncertain (limited to some resources, or
    /// undecided); `None` when unconditional or decided to hold now.
    pub condition: Option<String>,
    /// What nhi made of the condition: what it limits the grant to, why it is undecided, or
    /// that it holds at `--now`.
    pub note: Option<String>,
    /// The group (`group:EMAIL`) the grant names, when the account holds it as a member.
    pub via: Option<String>,
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
    /// As [`Held::condition`].
    pub condition: Option<String>,
    pub note: Option<String>,
    /// The group the grant names, when `member` holds it as one of the group's members.
    pub via: Option<String>,
}

impl Impersonator {
    /// The condition with what nhi made of it, for evidence and edges.
    pub fn quoted_condition(&self) -> Option<String> {
        quote(&self.condition, &self.note)
    }
}

impl Held {
    /// The condition with what nhi made of it, for evidence.
    pub fn quoted_condition(&self) -> Option<String> {
        quote(&self.condition, &self.note)
    }
}

fn quote(condition: &Option<String>, note: &Option<String>) -> Option<String> {
    match (condition, note) {
        (Some(c), Some(n)) => Some(format!("{c} ({n})")),
        (Some(c), None) => Some(c.clone()),
        (None, _) => None,
    }
}

/// A binding's IAM Condition decided at `now`: `None` when the grant does not count now
/// (its window closed or not open yet); else the condition left uncertain and the note.
fn weigh(
    binding: &GcpBinding,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(Option<String>, Option<String>)> {
    let Some(c) = &binding.condition else {
        return Some((None, None));
    };
    match cel::decide(&c.expression, now) {
        cel::Decision::Holds => Some((
            None,
            Some(format!("condition holds at --now: {}", c.expression)),
        )),
        cel::Decision::Fails(_) => None,
        cel::Decision::Limits(what) => Some((
            Some(c.expression.clone()),
            Some(format!("applies only to {what}")),
        )),
        cel::Decision::Undecided(why) => Some((
            Some(c.expression.clone()),
            Some(format!("not decided: {why}")),
        )),
    }
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
    /// Federation: the member the binding names (the pool selector, the GKE principal).
    pub subject: Option<String>,
}

/// A Kubernetes service account of the scan that GKE Workload Identity lets become a Google
/// Cloud service account: a binding names `serviceAccount:POOL.svc.id.goog[NS/KSA]` with an
/// impersonation role, and the scan holds a Kubernetes service account NS/KSA.
#[derive(Debug, Clone)]
pub struct GkeJoin {
    /// The Kubernetes service account's identity id (`k8s:CLUSTER/NS/KSA`).
    pub k8s: String,
    /// The Google Cloud service account's identity id.
    pub target: String,
    /// The binding's member (`serviceAccount:acme-prod.svc.id.goog[ci/deployer]`).
    pub member: String,
    /// The workload pool (`acme-prod.svc.id.goog`).
    pub pool: String,
    pub role: String,
    pub resource: String,
    pub permissions: Vec<String>,
    pub condition: Option<String>,
    /// The account's `iam.gke.io/gcp-service-account` annotation, when it has one.
    pub annotation: Option<String>,
    /// Whether that annotation names the target account.
    pub annotation_agrees: bool,
}

impl GkeJoin {
    /// How the join was made, in words.
    pub fn evidence(&self) -> String {
        let annotation = match (&self.annotation, self.annotation_agrees) {
            (Some(_), true) => "its iam.gke.io/gcp-service-account annotation agrees".to_string(),
            (Some(other), false) => {
                format!("its iam.gke.io/gcp-service-account annotation names {other} instead")
            }
            (None, _) => "it has no iam.gke.io/gcp-service-account annotation".to_string(),
        };
        format!(
            "{} on {} to {} (GKE Workload Identity; joined on namespace and name, any cluster of workload pool {}); {annotation}",
            self.role, self.resource, self.member, self.pool
        )
    }

    /// High when the annotation names the target (the cluster is set up to wear it) and no
    /// condition is left undecided; medium otherwise (nhi does not know the cluster's pool).
    pub fn medium(&self) -> bool {
        !self.annotation_agrees || self.condition.is_some()
    }
}

/// Kubernetes service accounts by (namespace, name): each one's identity id and its
/// `iam.gke.io/gcp-service-account` annotation.
type KsaIndex<'a> = HashMap<(&'a str, &'a str), Vec<(&'a str, Option<&'a str>)>>;

/// `serviceAccount:POOL.svc.id.goog[NS/KSA]` → (pool, namespace, name).
pub fn gke_member(member: &str) -> Option<(&str, &str, &str)> {
    let rest = member.strip_prefix("serviceAccount:")?;
    let (pool, ksa) = rest.split_once('[')?;
    if !pool.ends_with(".svc.id.goog") {
        return None;
    }
    let (ns, name) = ksa.strip_suffix(']')?.split_once('/')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains('/')).then_some((pool, ns, name))
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
    /// Kubernetes service-account identity id → the Google Cloud accounts it can become
    /// through GKE Workload Identity.
    gke: BTreeMap<String, Vec<GkeJoin>>,
    /// AWS account → its IAM roles in the scan (name, identity id), for pools with an AWS
    /// provider.
    aws_roles: HashMap<String, Vec<(String, String)>>,
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

/// `//cloudresourcemanager.googleapis.com/projects/P` → `project P`; other resources as named.
fn scope_name(resource: &str) -> String {
    match resource.strip_prefix("//cloudresourcemanager.googleapis.com/") {
        Some(rest) => match rest.split_once('/') {
            Some(("projects", p)) => format!("project {p}"),
            Some(("folders", _)) => rest.to_string(),
            Some(("organizations", _)) => rest.to_string(),
            _ => resource.to_string(),
        },
        None => resource.to_string(),
    }
}

/// (account, role name) of `arn:aws:sts::ACCOUNT:assumed-role/NAME[/SESSION]` or
/// `arn:aws:iam::ACCOUNT:role[/PATH]/NAME`.
fn aws_role_of(arn: &str) -> Option<(&str, &str)> {
    if let Some(rest) = arn.strip_prefix("arn:aws:sts::") {
        let (account, rest) = rest.split_once(":assumed-role/")?;
        let name = rest.split('/').next()?;
        return (!name.is_empty()).then_some((account, name));
    }
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, rest) = rest.split_once(":role/")?;
    let name = rest.rsplit('/').next()?;
    (!name.is_empty()).then_some((account, name))
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
    /// Resolve the inventory's bindings, deciding IAM Conditions at `now`.
    pub fn build(inventory: &Inventory, now: chrono::DateTime<chrono::Utc>) -> GcpAccess {
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
        if inventory
            .gcp
            .pool_providers
            .iter()
            .any(|p| p.aws_account.is_some())
        {
            for i in &inventory.identities {
                if i.provider == nhi_api::providers::AWS && i.kind == kinds::IAM_ROLE {
                    access
                        .aws_roles
                        .entry(i.scope.clone())
                        .or_default()
                        .push((i.name.clone(), i.id.clone()));
                }
            }
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
                Native::GcpServiceAccount(f) => Some((i, &**f)),
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

        // Groups with known members: each group's service accounts, nested groups followed.
        let groups: HashMap<&str, &[String]> = inventory
            .gcp
            .groups
            .iter()
            .map(|g| (g.email.as_str(), g.members.as_slice()))
            .collect();
        let mut group_accounts: HashMap<String, Vec<String>> = HashMap::new();
        for g in groups.keys() {
            let mut seen: BTreeSet<&str> = BTreeSet::from([*g]);
            let mut stack = vec![*g];
            let mut found: BTreeSet<String> = BTreeSet::new();
            while let Some(cur) = stack.pop() {
                for m in groups.get(cur).copied().unwrap_or(&[]) {
                    if groups.contains_key(m.as_str()) {
                        if seen.insert(m.as_str()) {
                            stack.push(m.as_str());
                        }
                    } else if by_key.contains_key(m.as_str()) {
                        found.insert(m.clone());
                    }
                }
            }
            if !found.is_empty() {
                group_accounts.insert(g.to_string(), found.into_iter().collect());
            }
        }
        // A binding's members as accounts: (account e-mail or unique id, the group it came
        // through).
        let accounts_named = |m: &str| -> Vec<(String, Option<String>)> {
            if let Some(email) = m.strip_prefix("serviceAccount:") {
                return vec![(email.to_ascii_lowercase(), None)];
            }
            if let Some(g) = m.strip_prefix("group:") {
                if let Some(list) = group_accounts.get(&g.to_ascii_lowercase()) {
                    return list
                        .iter()
                        .map(|a| (a.clone(), Some(m.to_string())))
                        .collect();
                }
            }
            Vec::new()
        };

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
                let Some((condition, note)) = weigh(b, now) else {
                    continue;
                };
                for m in &b.members {
                    for (key, via) in accounts_named(m) {
                        if let Some(i) = by_key.get(&key) {
                            access.held.entry(i.id.clone()).or_default().push(Held {
                                role: b.role.clone(),
                                resource: policy.resource.clone(),
                                level,
                                condition: condition.clone(),
                                note: note.clone(),
                                via,
                            });
                        }
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
                let Some((condition, note)) = weigh(b, now) else {
                    continue;
                };
                for m in b.members.iter().filter(|m| !m.starts_with("deleted:")) {
                    out.push(Impersonator {
                        member: m.clone(),
                        role: b.role.clone(),
                        resource: policy.resource.clone(),
                        level,
                        permissions: grants.clone(),
                        condition: condition.clone(),
                        note: note.clone(),
                        via: None,
                    });
                    // The group's service accounts, each as a member of its own.
                    if m.starts_with("group:") {
                        for (email, via) in accounts_named(m) {
                            out.push(Impersonator {
                                member: format!("serviceAccount:{email}"),
                                role: b.role.clone(),
                                resource: policy.resource.clone(),
                                level,
                                permissions: grants.clone(),
                                condition: condition.clone(),
                                note: note.clone(),
                                via,
                            });
                        }
                    }
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
                (a.level, &a.resource, &a.role, &a.via).cmp(&(
                    b.level,
                    &b.resource,
                    &b.role,
                    &b.via,
                ))
            });
            list.dedup_by(|a, b| {
                a.role == b.role && a.resource == b.resource && a.condition == b.condition
            });
        }
        access.gke = access.gke_joins(inventory);
        access
    }

    /// GKE Workload Identity: every grant to `POOL.svc.id.goog[NS/KSA]` joined with the
    /// Kubernetes service accounts NS/KSA of the scan (any cluster: nhi does not know which
    /// pool a cluster is in). Computed only for grants that name a scanned Kubernetes account.
    fn gke_joins(&self, inventory: &Inventory) -> BTreeMap<String, Vec<GkeJoin>> {
        let mut out: BTreeMap<String, Vec<GkeJoin>> = BTreeMap::new();
        let mut k8s: KsaIndex<'_> = HashMap::new();
        for i in &inventory.identities {
            if i.kind != kinds::K8S_SERVICE_ACCOUNT {
                continue;
            }
            if let Native::Kubernetes(f) = &i.native {
                let name = i.name.rsplit('/').next().unwrap_or(&i.name);
                k8s.entry((f.namespace.as_str(), name))
                    .or_default()
                    .push((i.id.as_str(), f.cloud.gcp_service_account.as_deref()));
            }
        }
        if k8s.is_empty() {
            return out;
        }
        let names_scanned = |imp: &Impersonator| {
            gke_member(&imp.member).is_some_and(|(_, ns, name)| k8s.contains_key(&(ns, name)))
        };
        let wanted = self
            .impersonators
            .values()
            .chain(self.scope_impersonators.values())
            .flatten()
            .any(names_scanned);
        if !wanted {
            return out;
        }
        let emails: HashMap<&str, &str> = self
            .member_ids
            .iter()
            .filter_map(|(m, id)| Some((id.as_str(), m.strip_prefix("serviceaccount:")?)))
            .collect();
        let mut targets: Vec<&String> = self.scopes.keys().collect();
        targets.sort();
        for target in targets {
            for imp in self.impersonators(target) {
                let Some((pool, ns, name)) = gke_member(&imp.member) else {
                    continue;
                };
                for (id, annotation) in k8s.get(&(ns, name)).into_iter().flatten() {
                    let agrees = annotation.is_some_and(|a| {
                        emails
                            .get(target.as_str())
                            .is_some_and(|e| a.eq_ignore_ascii_case(e))
                    });
                    out.entry(id.to_string()).or_default().push(GkeJoin {
                        k8s: id.to_string(),
                        target: target.clone(),
                        member: imp.member.clone(),
                        pool: pool.to_string(),
                        role: imp.role.clone(),
                        resource: imp.resource.clone(),
                        permissions: imp.permissions.clone(),
                        condition: imp.condition.clone(),
                        annotation: annotation.map(str::to_string),
                        annotation_agrees: agrees,
                    });
                }
            }
        }
        out
    }

    /// The Google Cloud service accounts a Kubernetes service account can become (GKE
    /// Workload Identity), by target.
    pub fn gke(&self, k8s_id: &str) -> &[GkeJoin] {
        self.gke.get(k8s_id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// What makes a service account an administrator, in words: a basic role (Owner, Editor)
    /// on a project, folder or the organization, or an escalation path to admin. Empty when
    /// none (or only under conditions nhi could not decide).
    pub fn admin_like(&self, id: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .held(id)
            .iter()
            .filter(|h| {
                matches!(h.role.as_str(), "roles/owner" | "roles/editor")
                    && h.level != Level::Resource
                    && h.condition.is_none()
            })
            .map(|h| format!("{} on {}", h.role, scope_name(&h.resource)))
            .collect();
        for e in self.escalations(id) {
            if e.path.outcome == "admin" && e.conditions.is_empty() {
                out.push(format!("escalation {}: {}", e.path.id, e.path.title));
            }
        }
        out.dedup();
        out
    }

    /// What the Kubernetes service account can become in Google Cloud, as the report gives it.
    pub fn ways_out(&self, k8s_id: &str) -> Vec<crate::privilege::federation::WayOut> {
        let mut out: Vec<crate::privilege::federation::WayOut> = Vec::new();
        for j in self.gke(k8s_id) {
            if let Some(w) = out.iter_mut().find(|w| w.identity == j.target) {
                if !w.subjects.contains(&j.member) {
                    w.subjects.push(j.member.clone());
                }
                continue;
            }
            out.push(crate::privilege::federation::WayOut {
                workload: j.k8s.clone(),
                identity: j.target.clone(),
                subjects: vec![j.member.clone()],
                gate: j.condition.clone(),
                reaches: self.admin_like(&j.target),
            });
        }
        out.sort_by(|a, b| a.identity.cmp(&b.identity));
        out
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
            (a.level, &a.member, &a.role, &a.resource, &a.via).cmp(&(
                b.level,
                &b.member,
                &b.role,
                &b.resource,
                &b.via,
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
                        granted_by.push(match &h.via {
                            Some(g) => format!("{} on {} (through {g})", h.role, h.resource),
                            None => format!("{} on {}", h.role, h.resource),
                        });
                        conditions.extend(h.quoted_condition());
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
                    for (role, provider, whole_pool) in self.selected_aws_roles(&imp.member) {
                        let mut conditions: Vec<String> =
                            imp.quoted_condition().into_iter().collect();
                        conditions.extend(provider.attribute_condition.clone());
                        out.push(GcpEdge {
                            from: role.to_string(),
                            to: target.clone(),
                            federation: true,
                            actions: imp.permissions.clone(),
                            medium: whole_pool || !conditions.is_empty(),
                            conditions,
                            subject: Some(imp.member.clone()),
                            via: format!(
                                "{} on {} (as {}; AWS provider {} trusts account {})",
                                imp.role,
                                imp.resource,
                                imp.member,
                                provider.name,
                                provider.aws_account.as_deref().unwrap_or("")
                            ),
                        });
                    }
                    for w in self.selected_workloads(&imp.member, workloads) {
                        out.push(GcpEdge {
                            from: w.id.clone(),
                            to: target.clone(),
                            federation: true,
                            actions: imp.permissions.clone(),
                            conditions: imp.quoted_condition().into_iter().collect(),
                            medium: true,
                            via: format!("{} on {} (as {})", imp.role, imp.resource, imp.member),
                            subject: Some(imp.member.clone()),
                        });
                    }
                }
                out.push(GcpEdge {
                    from,
                    to: target.clone(),
                    federation,
                    actions: imp.permissions.clone(),
                    conditions: imp.quoted_condition().into_iter().collect(),
                    medium: imp.condition.is_some(),
                    subject: federation.then(|| imp.member.clone()),
                    via: match &imp.via {
                        Some(g) => format!("{} on {} (through {g})", imp.role, imp.resource),
                        None => format!("{} on {}", imp.role, imp.resource),
                    },
                });
            }
        }
        // GKE Workload Identity: the Kubernetes service accounts of the scan the member names.
        for joins in self.gke.values() {
            for j in joins {
                out.push(GcpEdge {
                    from: j.k8s.clone(),
                    to: j.target.clone(),
                    federation: true,
                    actions: j.permissions.clone(),
                    conditions: j.condition.iter().cloned().collect(),
                    medium: j.medium(),
                    via: j.evidence(),
                    subject: Some(j.member.clone()),
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

    /// AWS roles of the scan a pool member admits through the pool's AWS providers: the whole
    /// pool (`*`: every role of the trusted accounts, so `true`), one role
    /// (`attribute.aws_role/ARN`, as Google's default mapping writes it:
    /// `arn:aws:sts::ACCOUNT:assumed-role/NAME`, or the role's IAM ARN), or one session
    /// (`subject/arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
    fn selected_aws_roles(&self, member: &str) -> Vec<(&str, &GcpPoolProvider, bool)> {
        let mut out = Vec::new();
        if self.aws_roles.is_empty() {
            return out;
        }
        let Some((pool, selector)) = Self::pool_member(member) else {
            return out;
        };
        let named: Option<(&str, &str)> =
            if let Some(v) = selector.strip_prefix("attribute.aws_role/") {
                aws_role_of(v)
            } else if let Some(v) = selector.strip_prefix("subject/") {
                aws_role_of(v)
            } else {
                None
            };
        for p in self.pools.get(&pool).into_iter().flatten() {
            let Some(account) = p.aws_account.as_deref().filter(|_| !p.disabled) else {
                continue;
            };
            // A custom mapping that does not define the attribute admits nothing by it.
            let mapped = p.attribute_mapping.is_empty()
                || (selector.starts_with("attribute.aws_role/")
                    && p.attribute_mapping.contains_key("attribute.aws_role"))
                || (selector.starts_with("subject/")
                    && p.attribute_mapping.contains_key("google.subject"));
            for (name, id) in self.aws_roles.get(account).into_iter().flatten() {
                let hit = match named {
                    _ if selector == "*" => true,
                    Some((acct, role)) => mapped && acct == account && role == name,
                    None => false,
                };
                if hit {
                    out.push((id.as_str(), p, selector == "*"));
                }
            }
        }
        out
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
