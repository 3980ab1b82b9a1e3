//! The identity graph of a scan, as `nhi graph` writes it: every identity (with its kind,
//! provider, scope and risk), the workloads of other providers that can become cloud roles, and
//! the edges between them with the actions and conditions that grant each one.
//!
//! Edges come from the analysis itself, never recomputed here: the privilege graph's routes
//! (an `sts:AssumeRole`, a path of the escalation catalog) and the cross-provider edges (a
//! repository's CI jobs through a role's OIDC trust). Administrator access is a node of its own
//! per account (`admin:ACCOUNT`), so "paths to admin" are paths to those nodes.
//!
//! The graph is one owned value ([`IdentityGraph`]) with a JSON Schema (`docs/graph.schema.json`);
//! [`dot`], [`mermaid`] and [`opengraph`] write the same value for Graphviz, for a README or an
//! issue, and for BloodHound CE.

pub mod dot;
pub mod mermaid;
pub mod opengraph;

use crate::analyzer::Analysis;
use crate::privilege::azure::{AzureEdgeKind, AzureGraph};
use crate::privilege::federation::Federation;
use crate::privilege::{Certainty, NodeId, NodeKind, Outcome, PrivilegeGraph};
use chrono::{DateTime, Utc};
use nhi_api::Inventory;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IdentityGraph {
    pub schema_version: u32,
    pub evaluated_at: String,
    /// What the graph was cut to (`--from-identity`, `--to`); empty when it is whole.
    pub filter: Filter,
    /// Sorted by id.
    pub nodes: Vec<Node>,
    /// Sorted by (from, to, kind, path).
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Filter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_identity: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeClass {
    /// An identity of the inventory.
    Identity,
    /// A person's IAM user, inventoried apart and not judged, that a path may take over.
    Person,
    /// An IAM group whose policies a path may change or join.
    Group,
    /// Something that runs code and presents tokens to another provider (a repository's CI).
    Workload,
    /// A token subject a trust admits that no scanned workload answers for (another
    /// organization's repository, any repository on GitHub).
    Subject,
    /// Administrator access to an account: where paths to admin end.
    Admin,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Node {
    /// The identity's id (an ARN, `github:acme/web`...), `admin:ACCOUNT`, or
    /// `subject:ISSUER_HOST:PATTERN`.
    pub id: String,
    pub class: NodeClass,
    /// The identity kind (`iam_role`, `github_repository`...), or the class for the others.
    pub kind: String,
    pub provider: String,
    pub name: String,
    pub scope: String,
    /// Risk score 0–100 and highest finding severity, for judged identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    /// Whether it is an administrator of its account.
    pub admin: bool,
    /// What it can reach through the graph: `admin`, or sensitive capabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reaches: Vec<String>,
    /// Who outside the scanned estate may become it, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reachable_from_outside: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Risk {
    pub score: u8,
    pub severity: String,
}

/// What an edge says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// `from` can act as `to` (assume it, pass it to a service it drives, take its keys).
    CanBecome,
    /// `from` can write its own or `to`'s permissions: administrator of `to`'s account.
    Escalates,
    /// `from` is an administrator of the account `to` stands for.
    IsAdmin,
    /// A workload's token (or a subject no scanned workload answers for) is admitted by `to`'s
    /// trust policy.
    Federation,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// The escalation catalog's path id (`sts-001`, `lambda-001`...), for privilege edges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The actions the edge takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// Conditions that kept it undecided, or the trust statement's conditions, quoted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// `high` or `medium`.
    pub certainty: &'static str,
    /// Federation: the token subjects that get in, the most open first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// Federation: who can make a job present the first subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    /// Federation: what stands in the way; absent when nothing does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// Federation: the trust statement (Sid or `#N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
}

fn certainty(c: Certainty) -> &'static str {
    match c {
        Certainty::High => "high",
        Certainty::Medium => "medium",
    }
}

/// The id of the node that stands for administrator access to an account.
fn admin_id(account: &str) -> String {
    format!("admin:{account}")
}

/// Build the whole graph of an analysed inventory.
pub fn build(
    inventory: &Inventory,
    analysis: &Analysis<'_>,
    graph: &PrivilegeGraph<'_>,
    federation: &Federation,
    azure: &AzureGraph,
    now: DateTime<Utc>,
) -> IdentityGraph {
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let risk: BTreeMap<&str, &crate::analyzer::Assessment> = analysis
        .assessments
        .iter()
        .map(|a| (a.identity.id.as_str(), a))
        .collect();
    for i in &inventory.identities {
        let a = risk.get(i.id.as_str());
        nodes.insert(
            i.id.clone(),
            Node {
                id: i.id.clone(),
                class: NodeClass::Identity,
                kind: i.kind.clone(),
                provider: i.provider.clone(),
                name: i.name.clone(),
                scope: i.scope.clone(),
                risk: a.filter(|a| a.judged).map(|a| Risk {
                    score: a.risk.score,
                    severity: a
                        .risk
                        .severity
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "none".into()),
                }),
                admin: false,
                reaches: Vec::new(),
                reachable_from_outside: Vec::new(),
            },
        );
    }
    // The privilege graph's principals: what they reach, and the people and groups it holds.
    let id_of = |n: NodeId| graph.node(n).arn.to_string();
    for (n, node) in graph.nodes.iter().enumerate() {
        let id = id_of(n as NodeId);
        let entry = nodes.entry(id.clone()).or_insert_with(|| Node {
            id: id.clone(),
            class: match node.kind {
                NodeKind::Group => NodeClass::Group,
                _ => NodeClass::Person,
            },
            kind: match node.kind {
                NodeKind::Group => "iam_group".into(),
                NodeKind::User => "iam_user".into(),
                NodeKind::Role => "iam_role".into(),
            },
            provider: nhi_api::providers::AWS.into(),
            name: node.name.to_string(),
            scope: node.account.to_string(),
            risk: None,
            admin: false,
            reaches: Vec::new(),
            reachable_from_outside: Vec::new(),
        });
        entry.admin = graph.dist[n] == 0;
        entry.reaches = graph.reach[n]
            .names()
            .into_iter()
            .map(str::to_string)
            .collect();
        entry.reachable_from_outside = node.external.clone();
    }
    let mut edges: Vec<Edge> = Vec::new();
    let mut admin_accounts: BTreeSet<String> = BTreeSet::new();
    for (n, node) in graph.nodes.iter().enumerate() {
        let from = n as NodeId;
        if graph.dist[n] == 0 {
            admin_accounts.insert(node.account.to_string());
            edges.push(Edge {
                from: id_of(from),
                to: admin_id(node.account),
                kind: EdgeKind::IsAdmin,
                path: None,
                actions: Vec::new(),
                conditions: Vec::new(),
                certainty: "high",
                subjects: Vec::new(),
                who: None,
                gate: None,
                statement: None,
            });
        }
        let mine = node.power;
        for route in graph.routes(from) {
            for target in graph.targets(from, route) {
                let gain = graph.gain(route, target);
                if target != from && !mine.gains_from(gain) {
                    continue;
                }
                let (kind, to) = match route.outcome {
                    Outcome::Admin => {
                        let account = graph.node(target).account;
                        admin_accounts.insert(account.to_string());
                        (EdgeKind::Escalates, admin_id(account))
                    }
                    Outcome::Becomes if target == from => continue,
                    Outcome::Becomes => (EdgeKind::CanBecome, id_of(target)),
                };
                edges.push(Edge {
                    from: id_of(from),
                    to,
                    kind,
                    path: Some(route.path.id.clone()),
                    actions: route
                        .path
                        .actions
                        .iter()
                        .map(|a| a.action.clone())
                        .collect(),
                    conditions: route.conditions.clone(),
                    certainty: certainty(route.certainty),
                    subjects: Vec::new(),
                    who: None,
                    gate: None,
                    statement: None,
                });
            }
        }
    }
    for account in admin_accounts {
        let id = admin_id(&account);
        nodes.insert(
            id.clone(),
            Node {
                id,
                class: NodeClass::Admin,
                kind: "admin".into(),
                provider: nhi_api::providers::AWS.into(),
                name: format!("administrator of {account}"),
                scope: account,
                risk: None,
                admin: true,
                reaches: Vec::new(),
                reachable_from_outside: Vec::new(),
            },
        );
    }
    // Workloads and the subjects beyond them.
    for w in &inventory.workloads {
        nodes.entry(w.id.clone()).or_insert_with(|| Node {
            id: w.id.clone(),
            class: NodeClass::Workload,
            kind: w.kind.clone(),
            provider: w.provider.clone(),
            name: w.name.clone(),
            scope: w.scope.clone(),
            risk: None,
            admin: false,
            reaches: Vec::new(),
            reachable_from_outside: Vec::new(),
        });
    }
    // One edge per (workload or foreign subject, role), its subjects the most open first.
    let mut federated: BTreeMap<
        (String, NodeId),
        Vec<&crate::privilege::federation::FederationEdge>,
    > = BTreeMap::new();
    for e in &federation.edges {
        let from = match e.workload.and_then(|w| inventory.workloads.get(w)) {
            Some(w) => w.id.clone(),
            None => {
                let id = format!("subject:{}", e.subject);
                nodes.entry(id.clone()).or_insert_with(|| Node {
                    id: id.clone(),
                    class: NodeClass::Subject,
                    kind: "oidc_subject".into(),
                    provider: if e.subject.starts_with("repo:") || e.subject == "*" {
                        nhi_api::providers::GITHUB.into()
                    } else {
                        "oidc".into()
                    },
                    name: e.who.clone(),
                    scope: e.subject.clone(),
                    risk: None,
                    admin: false,
                    reaches: Vec::new(),
                    reachable_from_outside: Vec::new(),
                });
                id
            }
        };
        federated.entry((from, e.role)).or_default().push(e);
    }
    for ((from, role), mut list) in federated {
        list.sort_by_key(|e| (e.gate.is_some(), e.template));
        let lead = list[0];
        let mut subjects: Vec<String> = list.iter().map(|e| e.subject.clone()).collect();
        subjects.dedup();
        edges.push(Edge {
            from,
            to: id_of(role),
            kind: EdgeKind::Federation,
            path: None,
            actions: vec!["sts:AssumeRoleWithWebIdentity".into()],
            conditions: lead.conditions.clone(),
            certainty: certainty(lead.certainty),
            subjects,
            who: Some(lead.who.clone()),
            gate: lead.gate.clone(),
            statement: Some(lead.statement.clone()),
        });
    }
    // Google Cloud: who can become each service account (members and federated principals).
    // The same pure resolution the rules read, expanded into edges only when a graph is drawn
    // (a project-wide grant is one edge per account of the project).
    let gcp = crate::privilege::gcp::GcpAccess::build(inventory, now);
    let gcp_edges = gcp.edges(&inventory.workloads);
    for e in &gcp_edges {
        if !nodes.contains_key(&e.from) {
            let (class, kind) = match e.from.split_once(':') {
                Some(("user", _)) => (NodeClass::Person, "gcp_user"),
                Some(("group", _)) => (NodeClass::Group, "gcp_group"),
                Some(("serviceAccount", _)) if !e.federation => {
                    (NodeClass::Identity, "gcp_service_account")
                }
                _ => (NodeClass::Subject, "gcp_principal"),
            };
            let name = e
                .from
                .split_once(':')
                .filter(|(k, _)| matches!(*k, "user" | "group" | "serviceAccount" | "domain"))
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| e.from.clone());
            nodes.insert(
                e.from.clone(),
                Node {
                    id: e.from.clone(),
                    class,
                    kind: kind.into(),
                    provider: nhi_api::providers::GCP.into(),
                    name,
                    scope: String::new(),
                    risk: None,
                    admin: false,
                    reaches: Vec::new(),
                    reachable_from_outside: Vec::new(),
                },
            );
        }
        edges.push(Edge {
            from: e.from.clone(),
            to: e.to.clone(),
            kind: if e.federation {
                EdgeKind::Federation
            } else {
                EdgeKind::CanBecome
            },
            path: None,
            actions: e.actions.clone(),
            conditions: e.conditions.clone(),
            certainty: if e.medium { "medium" } else { "high" },
            subjects: e.subject.iter().cloned().collect(),
            who: Some(e.via.clone()),
            gate: None,
            statement: None,
        });
    }
    // What a Google Cloud account amounts to, and so what the Kubernetes accounts that can
    // become it (GKE Workload Identity) reach.
    for i in &inventory.identities {
        let reaches: Vec<String> = match i.kind.as_str() {
            nhi_api::kinds::GCP_SERVICE_ACCOUNT => gcp.admin_like(&i.id),
            nhi_api::kinds::K8S_SERVICE_ACCOUNT => gcp
                .ways_out(&i.id)
                .into_iter()
                .flat_map(|w| {
                    let who = w.identity.rsplit('/').next().unwrap_or("").to_string();
                    w.reaches.into_iter().map(move |r| format!("as {who}: {r}"))
                })
                .collect(),
            _ => continue,
        };
        if let Some(n) = nodes.get_mut(&i.id) {
            n.reaches.extend(reaches);
        }
    }
    azure_edges(inventory, azure, &mut nodes, &mut edges);
    edges.sort_by(|a, b| (&a.from, &a.to, a.kind, &a.path).cmp(&(&b.from, &b.to, b.kind, &b.path)));
    edges.dedup_by(|a, b| a.from == b.from && a.to == b.to && a.kind == b.kind && a.path == b.path);
    IdentityGraph {
        schema_version: SCHEMA_VERSION,
        evaluated_at: crate::report::time(now),
        filter: Filter::default(),
        nodes: nodes.into_values().collect(),
        edges,
    }
}

/// Entra ID's edges: who can add credentials to whom, who can assign roles, who is Global
/// Administrator (`admin:TENANT`), and workloads federated into applications.
fn azure_edges(
    inventory: &Inventory,
    azure: &AzureGraph,
    nodes: &mut BTreeMap<String, Node>,
    edges: &mut Vec<Edge>,
) {
    let blank = |from: &str, to: &str, kind: EdgeKind| Edge {
        from: from.to_string(),
        to: to.to_string(),
        kind,
        path: None,
        actions: Vec::new(),
        conditions: Vec::new(),
        certainty: "high",
        subjects: Vec::new(),
        who: None,
        gate: None,
        statement: None,
    };
    for e in &azure.edges {
        let kind = match e.kind {
            AzureEdgeKind::CanBecome => EdgeKind::CanBecome,
            AzureEdgeKind::Escalates => EdgeKind::Escalates,
            AzureEdgeKind::IsAdmin => EdgeKind::IsAdmin,
        };
        if e.kind != AzureEdgeKind::CanBecome {
            if let Some(n) = nodes.get_mut(&e.from) {
                n.admin |= e.kind == AzureEdgeKind::IsAdmin;
            }
            let tenant = e.to.trim_start_matches("admin:").to_string();
            nodes.entry(e.to.clone()).or_insert_with(|| Node {
                id: e.to.clone(),
                class: NodeClass::Admin,
                kind: "admin".into(),
                provider: nhi_api::providers::AZURE.into(),
                name: format!("Global Administrator of {tenant}"),
                scope: tenant,
                risk: None,
                admin: true,
                reaches: Vec::new(),
                reachable_from_outside: Vec::new(),
            });
        }
        let mut edge = blank(&e.from, &e.to, kind);
        edge.actions = vec![e.via.clone()];
        edges.push(edge);
    }
    // One edge per (workload, identity), its credentials' subjects the most open first.
    let mut federated: BTreeMap<(usize, &str), Vec<&crate::privilege::azure::AzureFederationEdge>> =
        BTreeMap::new();
    for f in &azure.federation {
        federated
            .entry((f.workload, f.identity.as_str()))
            .or_default()
            .push(f);
    }
    for ((workload, identity), mut list) in federated {
        let Some(w) = inventory.workloads.get(workload) else {
            continue;
        };
        list.sort_by_key(|f| f.gate.is_some());
        let lead = list[0];
        let mut edge = blank(&w.id, identity, EdgeKind::Federation);
        edge.actions = vec!["federated identity credential".into()];
        edge.subjects = list
            .iter()
            .flat_map(|f| f.subjects.iter().cloned())
            .collect();
        edge.subjects.dedup();
        edge.who = Some(lead.who.clone());
        edge.gate = lead.gate.clone();
        edge.statement = Some(lead.credential.clone());
        edges.push(edge);
    }
    for (id, n) in nodes.iter_mut() {
        if let Some(d) = azure.distance(id) {
            if n.provider == nhi_api::providers::AZURE && n.class == NodeClass::Identity {
                n.reaches = vec![match d {
                    0 | 1 => "admin".into(),
                    2 => "admin in 1 step".into(),
                    d => format!("admin in {} steps", d - 1),
                }];
            }
        }
    }
}

/// Why a filter cannot apply.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("no identity {0:?} in the graph (give an identity id as the report shows it, e.g. an ARN or github:ORG/...)")]
    UnknownIdentity(String),
    #[error("unknown --to target {0:?}: the one target is `admin`")]
    UnknownTarget(String),
}

impl IdentityGraph {
    /// Keep only the paths of interest: what the given identities reach (`from`), what reaches
    /// administrator access (`to = admin`), or both: the paths from those identities to admin.
    pub fn cut(mut self, from: &[String], to: Option<&str>) -> Result<IdentityGraph, FilterError> {
        if from.is_empty() && to.is_none() {
            return Ok(self);
        }
        let index: BTreeMap<&str, usize> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect();
        let mut forward: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        let mut backward: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for e in &self.edges {
            if let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) {
                forward[a].push(b);
                backward[b].push(a);
            }
        }
        let reach = |starts: Vec<usize>, adjacency: &[Vec<usize>]| -> BTreeSet<usize> {
            let mut seen: BTreeSet<usize> = starts.iter().copied().collect();
            let mut queue: VecDeque<usize> = starts.into();
            while let Some(n) = queue.pop_front() {
                for &m in &adjacency[n] {
                    if seen.insert(m) {
                        queue.push_back(m);
                    }
                }
            }
            seen
        };
        let mut keep: Option<BTreeSet<usize>> = None;
        if !from.is_empty() {
            let mut starts = Vec::new();
            for id in from {
                let i = index
                    .get(id.as_str())
                    .ok_or_else(|| FilterError::UnknownIdentity(id.clone()))?;
                starts.push(*i);
            }
            keep = Some(reach(starts, &forward));
        }
        if let Some(to) = to {
            if to != "admin" {
                return Err(FilterError::UnknownTarget(to.to_string()));
            }
            let admins: Vec<usize> = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.class == NodeClass::Admin)
                .map(|(i, _)| i)
                .collect();
            let to_admin = reach(admins, &backward);
            keep = Some(match keep {
                Some(k) => k.intersection(&to_admin).copied().collect(),
                None => to_admin,
            });
        }
        let keep = keep.unwrap_or_default();
        let kept: BTreeSet<String> = keep.iter().map(|&i| self.nodes[i].id.clone()).collect();
        self.nodes.retain(|n| kept.contains(&n.id));
        self.edges
            .retain(|e| kept.contains(&e.from) && kept.contains(&e.to));
        self.filter = Filter {
            from_identity: from.to_vec(),
            to: to.map(str::to_string),
        };
        Ok(self)
    }

    /// A node's short label for drawings: its name, and kind and scope.
    pub fn label(n: &Node) -> (String, String) {
        let detail = match n.class {
            NodeClass::Admin | NodeClass::Subject => n.kind.replace('_', " "),
            _ if n.scope.is_empty() => n.kind.clone(),
            _ => format!("{} · {}", n.kind, n.scope),
        };
        (n.name.clone(), detail)
    }

    /// An edge's short label for drawings.
    pub fn edge_label(e: &Edge) -> String {
        match e.kind {
            EdgeKind::IsAdmin => "is admin".into(),
            EdgeKind::Federation => {
                let mut s = format!(
                    "OIDC {}",
                    e.subjects.first().map(String::as_str).unwrap_or("")
                );
                if e.subjects.len() > 1 {
                    s.push_str(&format!(" (+{})", e.subjects.len() - 1));
                }
                if let Some(g) = &e.gate {
                    s.push_str(&format!(" [gated: {g}]"));
                }
                s
            }
            _ => e.actions.join(" + "),
        }
    }
}

/// The graph's JSON Schema (draft 2020-12), as published in `docs/graph.schema.json`.
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(IdentityGraph)).unwrap_or_default();
    schema["$id"] =
        serde_json::Value::String("https://github.com/nhi-dev/nhi/docs/graph.schema.json".into());
    schema["title"] = serde_json::Value::String(format!(
        "nhi identity graph, schema_version {SCHEMA_VERSION}"
    ));
    schema
}

#[cfg(test)]
mod tests;
