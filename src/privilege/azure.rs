//! Who can become whom in Entra ID, and who that makes a Global Administrator.
//!
//! Edges, each with why:
//! - an owner of an application, a holder of `Application.ReadWrite.All`, and an Application or
//!   Cloud Application Administrator can add a credential to an application (or its service
//!   principal) and sign in as it: `can_become` its service principal;
//! - a blueprint's credentials are what its agent identities sign in with: the blueprint
//!   `can_become` each of them;
//! - `RoleManagement.ReadWrite.Directory`, `AppRoleAssignment.ReadWrite.All` (it can grant itself
//!   the former) and Privileged Role Administrator can assign any role, Global Administrator
//!   included: they `escalate` to the tenant's administrator node; Global Administrator `is_admin`.
//!
//! Only targets worth becoming get edges from the tenant-wide writers (ones that hold some
//! permission, role or Azure role), so a tenant of 20,000 service principals does not draw
//! 20,000 edges per administrator. From the edges, a breadth-first search backwards from each
//! tenant's administrator node gives every identity its shortest path there.
//!
//! GitHub Actions (and any OIDC workload the scan saw) join here through federated identity
//! credentials: a workload whose token subject can be the credential's subject (an exact
//! subject, or the pattern of a flexible credential's `claims['sub'] matches '…'`) becomes the
//! application's service principal.

use crate::privilege::federation::{globs_intersect, WayIn, WayOut};
use nhi_api::{kinds, AzureFacts, Identity, Inventory, Native};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Microsoft Graph application permissions that take over a tenant.
pub const TAKEOVER_PERMISSIONS: &[&str] = &[
    "RoleManagement.ReadWrite.Directory",
    "AppRoleAssignment.ReadWrite.All",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
];

/// Microsoft Graph application permissions that read or write everyone's data.
pub const BROAD_DATA_PERMISSIONS: &[&str] = &[
    "Mail.ReadWrite",
    "Mail.Send",
    "Files.ReadWrite.All",
    "Sites.FullControl.All",
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
];

/// Directory roles that control the tenant or its applications.
pub const PRIVILEGED_DIRECTORY_ROLES: &[&str] = &[
    "Global Administrator",
    "Privileged Role Administrator",
    "Application Administrator",
    "Cloud Application Administrator",
];

/// Azure roles that control a subscription or management group.
pub const CONTROL_ROLES: &[&str] = &[
    "Owner",
    "User Access Administrator",
    "Contributor",
    "Role Based Access Control Administrator",
];

const APP_WRITER_ROLES: &[&str] = &[
    "Application Administrator",
    "Cloud Application Administrator",
];
const ROLE_ASSIGNERS: &[&str] = &[
    "RoleManagement.ReadWrite.Directory",
    "AppRoleAssignment.ReadWrite.All",
];

pub fn facts(identity: &Identity) -> Option<&AzureFacts> {
    match &identity.native {
        Native::Azure(f) => Some(f),
        _ => None,
    }
}

/// Whether a Graph permission of this identity is one of `names`.
pub fn graph_permissions<'a>(f: &'a AzureFacts, names: &[&str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = f
        .app_permissions
        .iter()
        .filter(|p| names.contains(&p.permission.as_str()))
        .map(|p| p.permission.as_str())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Directory roles of this identity among `names`, assigned tenant-wide.
pub fn directory_roles<'a>(f: &'a AzureFacts, names: &[&str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = f
        .directory_roles
        .iter()
        .filter(|r| names.contains(&r.role.as_str()))
        .map(|r| r.role.as_str())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether a scope is a whole subscription, a management group or the root.
pub fn is_broad_scope(scope: &str) -> bool {
    let s = scope.trim_end_matches('/').to_ascii_lowercase();
    if s.is_empty() {
        return true;
    }
    if let Some(group) = s.strip_prefix("/providers/microsoft.management/managementgroups/") {
        return !group.contains('/');
    }
    match s.strip_prefix("/subscriptions/") {
        Some(rest) => !rest.contains('/'),
        None => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AzureEdgeKind {
    CanBecome,
    Escalates,
    IsAdmin,
}

#[derive(Debug, Clone)]
pub struct AzureEdge {
    pub from: String,
    /// An identity id, or the tenant's administrator node ([`admin_node`]).
    pub to: String,
    pub kind: AzureEdgeKind,
    /// What grants it: `owner of application X`, `Application.ReadWrite.All`, ...
    pub via: String,
}

/// A workload's subject admitted by a federated identity credential.
#[derive(Debug, Clone)]
pub struct AzureFederationEdge {
    pub workload: usize,
    pub identity: String,
    pub credential: String,
    pub subjects: Vec<String>,
    pub who: String,
    pub gate: Option<String>,
}

/// The administrator node of a tenant.
pub fn admin_node(tenant: &str) -> String {
    format!("admin:{tenant}")
}

#[derive(Debug, Default)]
pub struct AzureGraph {
    pub edges: Vec<AzureEdge>,
    pub federation: Vec<AzureFederationEdge>,
    /// Identity id → (hops to its tenant's administrator node, the first edge of the path).
    next: HashMap<String, (u32, usize)>,
}

fn has_privilege(f: &AzureFacts) -> bool {
    !f.app_permissions.is_empty() || !f.directory_roles.is_empty() || !f.rbac.is_empty()
}

/// The subject patterns of a federated credential: the exact subject (its `*` and `?` are
/// literal), or a flexible credential's `claims['sub'] matches '…'` / `eq '…'` values.
pub fn subject_patterns(c: &nhi_api::AzureFederatedCredential) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = &c.subject {
        out.push(s.replace(['*', '?'], "\u{0}"));
    }
    if let Some(expr) = &c.claims_matching_expression {
        let mut rest = expr.as_str();
        while let Some(at) = rest.find("claims['sub']") {
            rest = &rest[at + "claims['sub']".len()..];
            let trimmed = rest.trim_start();
            let (glob, after) = if let Some(a) = trimmed.strip_prefix("matches") {
                (true, a)
            } else if let Some(a) = trimmed.strip_prefix("eq") {
                (false, a)
            } else {
                continue;
            };
            let after = after.trim_start();
            if let Some(body) = after.strip_prefix('\'') {
                if let Some(end) = body.find('\'') {
                    let v = &body[..end];
                    out.push(if glob {
                        v.to_string()
                    } else {
                        v.replace(['*', '?'], "\u{0}")
                    });
                }
            }
        }
    }
    out
}

impl AzureGraph {
    pub fn build(inventory: &Inventory) -> AzureGraph {
        let mut edges: Vec<AzureEdge> = Vec::new();
        let azure: Vec<(&Identity, &AzureFacts)> = inventory
            .identities
            .iter()
            .filter_map(|i| facts(i).map(|f| (i, f)))
            .collect();
        if azure.is_empty() {
            return AzureGraph::default();
        }
        // Directory object id → identity id (service principals and agent identities).
        let mut by_object: HashMap<(String, String), &str> = HashMap::new();
        for (i, f) in &azure {
            if matches!(
                i.kind.as_str(),
                kinds::AZURE_SERVICE_PRINCIPAL | kinds::AZURE_AGENT_IDENTITY
            ) {
                by_object.insert((f.tenant_id.clone(), f.object_id.clone()), i.id.as_str());
            }
        }
        // Service principals worth becoming, per tenant.
        let mut worth: BTreeMap<&str, Vec<&Identity>> = BTreeMap::new();
        for (i, f) in &azure {
            if matches!(
                i.kind.as_str(),
                kinds::AZURE_SERVICE_PRINCIPAL | kinds::AZURE_AGENT_IDENTITY
            ) && has_privilege(f)
                && f.managed_identity.is_none()
            {
                worth.entry(f.tenant_id.as_str()).or_default().push(i);
            }
        }
        for (i, f) in &azure {
            // Owners of an application become its service principal.
            if matches!(
                i.kind.as_str(),
                kinds::AZURE_APPLICATION | kinds::AZURE_AGENT_BLUEPRINT
            ) {
                for owner in f.owners.iter().flatten() {
                    let Some(from) = by_object.get(&(f.tenant_id.clone(), owner.id.clone())) else {
                        continue;
                    };
                    let target = if i.kind == kinds::AZURE_AGENT_BLUEPRINT {
                        Some(i.id.clone())
                    } else {
                        f.service_principal.clone()
                    };
                    if let Some(to) = target.filter(|t| t != from) {
                        edges.push(AzureEdge {
                            from: from.to_string(),
                            to,
                            kind: AzureEdgeKind::CanBecome,
                            via: format!(
                                "owner of application {}: can add a credential to it",
                                i.name
                            ),
                        });
                    }
                }
            }
            // A blueprint's credentials sign its agents in.
            if i.kind == kinds::AZURE_AGENT_IDENTITY {
                if let Some(bp) = &f.blueprint {
                    edges.push(AzureEdge {
                        from: bp.clone(),
                        to: i.id.clone(),
                        kind: AzureEdgeKind::CanBecome,
                        via: "its blueprint's credentials sign the agent identity in".into(),
                    });
                }
            }
            if !matches!(
                i.kind.as_str(),
                kinds::AZURE_SERVICE_PRINCIPAL | kinds::AZURE_AGENT_IDENTITY
            ) {
                continue;
            }
            let admin = admin_node(&f.tenant_id);
            let tenant_wide =
                |r: &nhi_api::AzureDirectoryRole| r.scope == "/" || r.scope.is_empty();
            if f.directory_roles
                .iter()
                .any(|r| r.role == "Global Administrator" && tenant_wide(r))
            {
                edges.push(AzureEdge {
                    from: i.id.clone(),
                    to: admin.clone(),
                    kind: AzureEdgeKind::IsAdmin,
                    via: "Global Administrator".into(),
                });
            }
            let mut assigners: Vec<String> = graph_permissions(f, ROLE_ASSIGNERS)
                .into_iter()
                .map(str::to_string)
                .collect();
            if f.directory_roles
                .iter()
                .any(|r| r.role == "Privileged Role Administrator" && tenant_wide(r))
            {
                assigners.push("Privileged Role Administrator".into());
            }
            for via in assigners {
                edges.push(AzureEdge {
                    from: i.id.clone(),
                    to: admin.clone(),
                    kind: AzureEdgeKind::Escalates,
                    via: format!("{via}: can assign itself Global Administrator"),
                });
            }
            let mut writers: Vec<String> = graph_permissions(f, &["Application.ReadWrite.All"])
                .into_iter()
                .map(str::to_string)
                .collect();
            writers.extend(
                f.directory_roles
                    .iter()
                    .filter(|r| APP_WRITER_ROLES.contains(&r.role.as_str()) && tenant_wide(r))
                    .map(|r| r.role.clone()),
            );
            writers.sort();
            writers.dedup();
            if let Some(via) = writers.first() {
                for target in worth.get(f.tenant_id.as_str()).into_iter().flatten() {
                    if target.id == i.id {
                        continue;
                    }
                    edges.push(AzureEdge {
                        from: i.id.clone(),
                        to: target.id.clone(),
                        kind: AzureEdgeKind::CanBecome,
                        via: format!("{via}: can add a credential to any application"),
                    });
                }
            }
        }
        edges.sort_by(|a, b| {
            (&a.from, &a.to, a.kind, &a.via).cmp(&(&b.from, &b.to, b.kind, &b.via))
        });
        edges.dedup_by(|a, b| a.from == b.from && a.to == b.to && a.kind == b.kind);

        // Shortest paths to each administrator node, backwards.
        let mut into: HashMap<&str, Vec<usize>> = HashMap::new();
        for (n, e) in edges.iter().enumerate() {
            into.entry(e.to.as_str()).or_default().push(n);
        }
        let mut next: HashMap<String, (u32, usize)> = HashMap::new();
        let mut queue: VecDeque<(String, u32)> = VecDeque::new();
        let admins: std::collections::BTreeSet<&str> = edges
            .iter()
            .filter(|e| e.kind != AzureEdgeKind::CanBecome)
            .map(|e| e.to.as_str())
            .collect();
        for a in admins {
            queue.push_back((a.to_string(), 0));
        }
        while let Some((node, d)) = queue.pop_front() {
            for &n in into.get(node.as_str()).into_iter().flatten() {
                let from = edges[n].from.clone();
                if next.contains_key(&from) || from.starts_with("admin:") {
                    continue;
                }
                next.insert(from.clone(), (d + 1, n));
                queue.push_back((from, d + 1));
            }
        }
        let federation = federation_edges(inventory, &azure);
        AzureGraph {
            edges,
            federation,
            next,
        }
    }

    /// Hops from an identity to its tenant's administrator node.
    pub fn distance(&self, identity: &str) -> Option<u32> {
        self.next.get(identity).map(|(d, _)| *d)
    }

    /// The shortest path from an identity to administrator, edge by edge.
    pub fn path(&self, identity: &str) -> Vec<&AzureEdge> {
        let mut out = Vec::new();
        let mut at = identity.to_string();
        while let Some((_, e)) = self.next.get(&at) {
            let edge = &self.edges[*e];
            out.push(edge);
            if out.len() > 64 {
                break;
            }
            at = edge.to.clone();
        }
        out
    }

    /// Workloads of other providers that can become an identity.
    pub fn ways_in(&self, identity: &str, inventory: &Inventory) -> Vec<WayIn> {
        let mut out: Vec<WayIn> = self
            .federation
            .iter()
            .filter(|e| e.identity == identity)
            .map(|e| WayIn {
                workload: inventory.workloads.get(e.workload).map(|w| w.id.clone()),
                subjects: e.subjects.clone(),
                who: e.who.clone(),
                gate: e.gate.clone(),
                outside_the_scan: false,
            })
            .collect();
        out.sort_by(|a, b| {
            (a.gate.is_some(), &a.workload, &a.subjects).cmp(&(
                b.gate.is_some(),
                &b.workload,
                &b.subjects,
            ))
        });
        out
    }

    /// What a workload can become in Entra ID.
    pub fn ways_out(&self, workload: usize, inventory: &Inventory) -> Vec<WayOut> {
        let name = inventory
            .workloads
            .get(workload)
            .map(|w| w.id.clone())
            .unwrap_or_default();
        let mut out: Vec<WayOut> = self
            .federation
            .iter()
            .filter(|e| e.workload == workload)
            .map(|e| WayOut {
                workload: name.clone(),
                identity: e.identity.clone(),
                subjects: e.subjects.clone(),
                gate: e.gate.clone(),
                reaches: match self.distance(&e.identity) {
                    Some(0 | 1) => vec!["admin".into()],
                    Some(2) => vec!["admin in 1 step".into()],
                    Some(d) => vec![format!("admin in {} steps", d - 1)],
                    None => Vec::new(),
                },
            })
            .collect();
        out.sort_by(|a, b| a.identity.cmp(&b.identity));
        out
    }
}

fn federation_edges(
    inventory: &Inventory,
    azure: &[(&Identity, &AzureFacts)],
) -> Vec<AzureFederationEdge> {
    let mut out = Vec::new();
    if inventory.workloads.is_empty() {
        return out;
    }
    let subjects: Vec<Vec<nhi_api::SubjectTemplate>> =
        inventory.workloads.iter().map(|w| w.subjects()).collect();
    for (i, f) in azure {
        if !matches!(
            i.kind.as_str(),
            kinds::AZURE_SERVICE_PRINCIPAL | kinds::AZURE_AGENT_IDENTITY
        ) {
            continue;
        }
        for c in &f.federated {
            let patterns = subject_patterns(c);
            for (wi, w) in inventory.workloads.iter().enumerate() {
                if !same_issuer(&w.issuer, &c.issuer) {
                    continue;
                }
                let mut hits: Vec<(&nhi_api::SubjectTemplate, String)> = Vec::new();
                for t in &subjects[wi] {
                    for p in &patterns {
                        // A concrete subject another run of the workload answers for is that run's.
                        let left_to_another =
                            !p.contains(['*', '?']) && t.except.iter().any(|e| e == p);
                        if globs_intersect(p, &t.pattern) && !left_to_another {
                            let subject = if p.contains('\u{0}') || !p.contains(['*', '?']) {
                                c.subject.clone().unwrap_or_else(|| p.clone())
                            } else {
                                t.pattern.clone()
                            };
                            hits.push((t, subject));
                        }
                    }
                }
                if hits.is_empty() {
                    continue;
                }
                hits.sort_by_key(|(t, _)| t.gate.is_some());
                let lead = hits[0].0;
                let mut subj: Vec<String> = hits.iter().map(|(_, s)| s.clone()).collect();
                subj.dedup();
                out.push(AzureFederationEdge {
                    workload: wi,
                    identity: i.id.clone(),
                    credential: c.name.clone(),
                    subjects: subj,
                    who: lead.who.clone(),
                    gate: lead.gate.clone(),
                });
            }
        }
    }
    out
}

fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}
