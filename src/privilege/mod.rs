//! The privilege graph: who can become whom across every scanned AWS account, and what each
//! principal can reach.
//!
//! Nodes are IAM users and roles (the non-human identities, and the people's users they could
//! take over) and groups. An edge says "this principal can become that one", through a path of
//! the escalation [`catalog`] (passing a role to a new Lambda function, creating another user's
//! access key, rewriting a role's trust policy...) or a plain `sts:AssumeRole` allowed on both
//! sides. Every edge is checked against both principals: the actions must be allowed on the
//! target's ARN (Denies, boundaries and guardrails applied, conditions decided with the
//! request the path makes), the target must trust the service or the principal, and the target
//! must be worth it (it adds administrator access or a capability the principal lacks).
//!
//! From the edges, a fixed point computes for every principal what it can reach ([`Power`]) and
//! its shortest path to administrator access. The graph is a value: rules read it, and so can
//! anything that draws or exports it.

pub mod azure;
pub mod catalog;
pub mod explain;
pub mod federation;
pub mod gcp;
pub mod power;

use crate::policy::condition::{Context, Side, Truth, Value};
use crate::policy::{principal_context, Effective, GuardrailLevel, PolicyIndex};
use catalog::{Judgement, On, Requirement, Target, Trust};
use chrono::{DateTime, Utc};
use nhi_api::aws::Guardrails;
use nhi_api::policy::{Effect, PolicyDocument, Principal};
use nhi_api::{credential_kinds, kinds, Identity, Inventory, Native, Permission};
pub use power::Power;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A node of the graph.
pub type NodeId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    User,
    Role,
    Group,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::User => "user",
            NodeKind::Role => "role",
            NodeKind::Group => "group",
        }
    }
}

/// A principal (or group) of the estate.
#[derive(Debug)]
pub struct Node<'a> {
    pub kind: NodeKind,
    pub arn: &'a str,
    pub name: &'a str,
    pub account: &'a str,
    /// Its index in the inventory's identities; `None` for people's users and groups.
    pub identity: Option<usize>,
    /// A user people sign in with (inventoried apart, not judged).
    pub person: bool,
    /// What its own permissions amount to.
    pub power: Power,
    /// Who outside the scanned estate may become it (another account, a federated identity
    /// provider, anyone), in words; empty when nobody.
    pub external: Vec<String>,
    /// Accounts outside the scanned estate whose roles its own policies let it assume: what it
    /// reaches there is unknown.
    pub beyond: Vec<String>,
}

/// How sure an edge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Certainty {
    /// Depends on conditions nhi cannot decide, or on resources IAM data does not list.
    Medium,
    High,
}

/// What taking an edge gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The target's permissions (and whatever it can reach in turn).
    Becomes,
    /// Administrator access: the path writes the target's permissions (or the principal's own).
    Admin,
}

/// One way from a principal to another: a catalog path and the targets it reaches.
#[derive(Debug)]
pub struct Route {
    pub path: &'static catalog::Path,
    pub targets: Targets,
    pub outcome: Outcome,
    pub certainty: Certainty,
    /// Conditions that kept a grant undecided, quoted.
    pub conditions: Vec<String>,
}

/// The nodes a route reaches: the principal itself, whole shared candidate sets (when the
/// decision is the same for every member), and nodes decided one by one.
#[derive(Debug, Default)]
pub struct Targets {
    pub itself: bool,
    pub sets: Vec<SetId>,
    pub nodes: Vec<NodeId>,
}

impl Targets {
    fn is_empty(&self) -> bool {
        !self.itself && self.sets.is_empty() && self.nodes.is_empty()
    }
}

/// A shared set of candidate targets (the roles that trust a service in an account...).
pub type SetId = u32;

/// One step of a path to administrator access.
#[derive(Debug, Clone)]
pub struct Hop {
    pub from: NodeId,
    pub to: NodeId,
    pub route: usize,
}

/// The graph of one run.
pub struct PrivilegeGraph<'a> {
    pub nodes: Vec<Node<'a>>,
    /// Node of each inventory identity that is an AWS principal.
    by_identity: HashMap<usize, NodeId>,
    /// Each node's routes (sources only: the non-human identities).
    routes: Vec<Vec<Route>>,
    sets: Vec<Vec<NodeId>>,
    /// What each node can reach, itself included.
    pub reach: Vec<Power>,
    /// Hops to administrator access (0: is admin); `u32::MAX` when none.
    pub dist: Vec<u32>,
    /// The first hop of a shortest path to administrator access: (route, target).
    next: Vec<Option<(usize, NodeId)>>,
    /// Accounts whose principals were scanned.
    pub accounts: BTreeSet<&'a str>,
    pub inventory: &'a Inventory,
    /// Each set's members, best targets first (administrators, then closest to admin, then by
    /// ARN), and how many members have each power: a route into a whole set is judged without
    /// visiting every member.
    set_order: Vec<Vec<NodeId>>,
    set_powers: Vec<Vec<(Power, usize)>>,
}

/// Where a principal's permissions come from and how it is seen: everything the graph and the
/// rules need to build its [`Effective`] permissions.
pub struct Estate<'a> {
    pub index: &'a PolicyIndex,
    pub now: DateTime<Utc>,
    /// Account id → (organization id, guardrails), for member accounts.
    guardrails: HashMap<&'a str, (&'a str, &'a Guardrails)>,
    /// Account id → organization id, for every account an organization lists.
    org_of: HashMap<&'a str, &'a str>,
}

impl<'a> Estate<'a> {
    pub fn new(inventory: &'a Inventory, index: &'a PolicyIndex, now: DateTime<Utc>) -> Self {
        let mut guardrails = HashMap::new();
        let mut org_of = HashMap::new();
        for org in &inventory.aws.organizations {
            for (account, g) in &org.accounts {
                org_of.insert(account.as_str(), org.id.as_str());
                if org.management_account.as_deref() != Some(account.as_str()) {
                    guardrails.insert(account.as_str(), (org.id.as_str(), g));
                }
            }
        }
        Estate {
            index,
            now,
            guardrails,
            org_of,
        }
    }

    /// The request context of an identity acting as itself.
    pub fn context(&self, identity: &Identity) -> Context {
        principal_context(
            identity,
            self.now,
            self.org_of.get(identity.scope.as_str()).copied(),
        )
    }

    /// The service control policies over an account, level by level.
    pub fn guardrails(&self, account: &str) -> Vec<GuardrailLevel<'a>> {
        let Some((_, g)) = self.guardrails.get(account) else {
            return Vec::new();
        };
        g.scp
            .iter()
            .map(|level| GuardrailLevel {
                target: level.target.as_str(),
                policies: level
                    .policies
                    .iter()
                    .filter_map(|p| {
                        let compiled = p.policy.as_deref().and_then(|k| self.index.get(k))?;
                        Some((format!("scp:{}", p.name), compiled))
                    })
                    .collect(),
            })
            .collect()
    }

    /// The resource control policies over an account's resources, level by level.
    fn rcp(&self, account: &str) -> Vec<GuardrailLevel<'a>> {
        let Some((_, g)) = self.guardrails.get(account) else {
            return Vec::new();
        };
        g.rcp
            .iter()
            .map(|level| GuardrailLevel {
                target: level.target.as_str(),
                policies: level
                    .policies
                    .iter()
                    .filter_map(|p| {
                        let compiled = p.policy.as_deref().and_then(|k| self.index.get(k))?;
                        Some((format!("rcp:{}", p.name), compiled))
                    })
                    .collect(),
            })
            .collect()
    }

    /// An identity's effective permissions: its policies, its account's guardrails, decided
    /// as of `now`.
    pub fn effective(&self, identity: &'a Identity) -> Effective<'a> {
        Effective::with(
            &identity.permissions,
            self.index,
            self.guardrails(&identity.scope),
            self.context(identity),
        )
    }
}

/// A role's trust policy, read for `sts:AssumeRole`.
struct TrustInfo<'a> {
    doc: &'a PolicyDocument,
}

/// Who a trust statement names, for `sts:AssumeRole`.
enum Trusted<'a> {
    Arn(&'a str),
    Account(String),
    Anyone,
}

fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// `arn:aws:iam::123:root` or `123` → the account.
fn root_account(p: &str) -> Option<String> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p.to_string());
    }
    let acct = account_of_arn(p)?;
    p.ends_with(":root").then(|| acct.to_string())
}

fn is_assume(action: &str) -> bool {
    crate::policy::glob_match(action, "sts:AssumeRole")
}

impl<'a> TrustInfo<'a> {
    /// Whom the Allow statements for `sts:AssumeRole` name, and whether each is unconditional.
    fn trusted(&self) -> Vec<(Trusted<'a>, bool)> {
        let mut out = Vec::new();
        for s in &self.doc.statements {
            if s.effect != Effect::Allow
                || !s
                    .action
                    .as_ref()
                    .is_some_and(|a| a.iter().any(|x| is_assume(x)))
            {
                continue;
            }
            let unconditional = s.condition.is_empty();
            match &s.principal {
                Some(Principal::Any) => out.push((Trusted::Anyone, unconditional)),
                Some(p) => {
                    for a in p.of_type("AWS") {
                        if a == "*" {
                            out.push((Trusted::Anyone, unconditional));
                        } else if let Some(acct) = root_account(a) {
                            out.push((Trusted::Account(acct), unconditional));
                        } else {
                            out.push((Trusted::Arn(a.as_str()), unconditional));
                        }
                    }
                }
                None => {}
            }
        }
        out
    }

    /// Whether the trust policy lets `caller` (in `ctx`) assume the role, and whether it names
    /// the caller itself (then the caller's own policies need not allow it, in the same
    /// account).
    fn allows(&self, caller_arn: &str, caller_account: &str, ctx: &Context) -> (Truth, bool) {
        let mut allowed = Truth::False;
        let mut denied = Truth::False;
        let mut named = false;
        for s in &self.doc.statements {
            let Some(actions) = &s.action else { continue };
            if !actions.iter().any(|x| is_assume(x)) {
                continue;
            }
            let (matches, by_arn) = match &s.principal {
                Some(Principal::Any) => (true, false),
                Some(p) => {
                    let mut m = false;
                    let mut by_arn = false;
                    for a in p.of_type("AWS") {
                        if a == "*" {
                            m = true;
                        } else if let Some(acct) = root_account(a) {
                            m |= acct == caller_account;
                        } else if a == caller_arn {
                            m = true;
                            by_arn = true;
                        }
                    }
                    (m, by_arn)
                }
                None => (false, false),
            };
            if !matches {
                continue;
            }
            let compiled = crate::policy::condition::Condition::compile(&s.condition);
            let side = if s.effect == Effect::Allow {
                Side::Allow
            } else {
                Side::Deny
            };
            let t = compiled.eval(ctx, side);
            if s.effect == Effect::Allow {
                if t != Truth::False && by_arn {
                    named = true;
                }
                allowed = allowed.or(t);
            } else {
                denied = denied.or(t);
            }
        }
        (allowed.and(denied.negate()), named)
    }

    /// Who outside the scanned accounts may assume the role, in words.
    fn external(&self, scanned: &BTreeSet<&str>) -> Vec<String> {
        let mut out = BTreeSet::new();
        for s in &self.doc.statements {
            if s.effect != Effect::Allow {
                continue;
            }
            match &s.principal {
                Some(Principal::Any) => {
                    out.insert("any AWS principal (\"*\")".to_string());
                }
                Some(p) => {
                    for a in p.of_type("AWS") {
                        let acct = if a == "*" {
                            out.insert("any AWS principal (\"*\")".to_string());
                            continue;
                        } else {
                            root_account(a).or_else(|| account_of_arn(a).map(str::to_string))
                        };
                        if let Some(acct) = acct.filter(|x| !scanned.contains(x.as_str())) {
                            out.insert(format!("account {acct} (not scanned)"));
                        }
                    }
                    for f in p.of_type("Federated") {
                        out.insert(format!("federated identities of {f}"));
                    }
                }
                None => {}
            }
        }
        out.into_iter().collect()
    }
}

/// The service principals (and federated principals such as Cognito) a role trusts.
fn trusted_services(doc: &PolicyDocument) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in &doc.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        if let Some(p) = &s.principal {
            for v in p.of_type("Service").iter().chain(p.of_type("Federated")) {
                out.insert(v.to_ascii_lowercase());
            }
        }
    }
    out
}

/// Candidate targets, grouped into shared sets so that a principal allowed on every resource
/// reaches a whole set at once, built once.
#[derive(Default)]
struct Candidates {
    sets: Vec<Vec<NodeId>>,
    /// (account, service, instance profile needed) → roles that trust the service.
    by_service: HashMap<(String, String, bool), SetId>,
    /// (account, requirement mask) → users meeting the requirements.
    users: HashMap<(String, u8), SetId>,
    roles: HashMap<String, SetId>,
    groups: HashMap<String, SetId>,
    /// Roles whose trust names an account's root without conditions (and has no Deny and no
    /// resource control policy over it) → set.
    trusting_account: HashMap<String, SetId>,
    /// Roles whose trust names anyone (`*`) likewise.
    trusting_anyone: Option<SetId>,
    /// Roles whose trust names a principal by ARN.
    trusting_arn: HashMap<String, Vec<NodeId>>,
    /// Roles whose trust is conditional, has a Deny, or an RCP over it: checked one by one.
    checked_trust: Vec<NodeId>,
    /// A set of roles → its members that have a customer-managed policy (what
    /// iam:CreatePolicyVersion on the target can rewrite).
    with_policy: HashMap<SetId, SetId>,
}

impl Candidates {
    fn set(&mut self, nodes: Vec<NodeId>) -> SetId {
        self.sets.push(nodes);
        (self.sets.len() - 1) as SetId
    }
}

/// The requirement mask of a path's user requirements.
fn mask(requires: &[Requirement]) -> u8 {
    requires.iter().fold(0, |m, r| {
        m | match r {
            Requirement::KeysBelow2 => 1,
            Requirement::NoLoginProfile => 2,
            Requirement::HasLoginProfile => 4,
        }
    })
}

/// What is needed to judge one source principal.
struct Source<'a> {
    node: NodeId,
    identity: &'a Identity,
    effective: Effective<'a>,
}

impl<'a> PrivilegeGraph<'a> {
    /// Build the graph of every AWS principal of the inventory and compute reach.
    pub fn build(inventory: &'a Inventory, estate: &Estate<'a>) -> PrivilegeGraph<'a> {
        let mut nodes: Vec<Node<'a>> = Vec::new();
        let mut by_identity = HashMap::new();
        let mut accounts = BTreeSet::new();
        let mut identities: Vec<Option<&'a Identity>> = Vec::new();
        for (idx, identity) in inventory.identities.iter().enumerate() {
            let principal = identity.provider == nhi_api::providers::AWS
                && (identity.kind == kinds::IAM_USER || identity.kind == kinds::IAM_ROLE);
            if !principal {
                continue;
            }
            accounts.insert(identity.scope.as_str());
            by_identity.insert(idx, nodes.len() as NodeId);
            nodes.push(Node::of(identity, Some(idx), false));
            identities.push(Some(identity));
        }
        for person in &inventory.aws.people {
            nodes.push(Node::of(person, None, true));
            identities.push(Some(person));
        }
        for g in &inventory.aws.groups {
            nodes.push(Node {
                kind: NodeKind::Group,
                arn: &g.arn,
                name: &g.name,
                account: &g.account,
                identity: None,
                person: false,
                power: Power::default(),
                external: Vec::new(),
                beyond: Vec::new(),
            });
            identities.push(None);
        }

        let started = std::time::Instant::now();
        // Trust of every role, and who outside may assume it.
        let trust_docs: Vec<Option<TrustInfo>> = identities
            .iter()
            .map(|identity| {
                let doc = (*identity)?
                    .trust
                    .as_deref()
                    .and_then(|k| inventory.policies.get(k))?;
                Some(TrustInfo { doc })
            })
            .collect();
        for (n, t) in nodes.iter_mut().zip(&trust_docs) {
            if let (NodeKind::Role, Some(t)) = (n.kind, t) {
                n.external = t.external(&accounts);
            }
        }

        let customer_policies: Vec<Vec<&str>> = identities
            .iter()
            .map(|i| i.map(|i| own_policies(&i.permissions)).unwrap_or_default())
            .collect();
        let cand = candidates(&nodes, &identities, &trust_docs, &customer_policies, estate);
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            sets = cand.sets.len(),
            "graph: powers, trust and candidate sets"
        );

        // Each node's own power and, for the non-human identities, its routes: one effective
        // permission set per node, computed once.
        let resolve = Resolve {
            inventory,
            nodes: &nodes,
            customer_policies: &customer_policies,
            trust: &trust_docs,
            cand: &cand,
            estate,
        };
        let scanned = &accounts;
        let computed: Vec<(Power, Vec<Route>, Vec<String>)> = nodes
            .par_iter()
            .zip(&identities)
            .enumerate()
            .map(|(i, (n, identity))| match identity {
                Some(identity) => {
                    let effective = estate.effective(identity);
                    let power = Power::of(&effective);
                    let source = n.identity.is_some() && !identity.provider_managed;
                    let beyond = match source {
                        true => unscanned_reach(&effective, scanned),
                        false => Vec::new(),
                    };
                    let routes = match source {
                        true => resolve.routes(&Source {
                            node: i as NodeId,
                            identity,
                            effective,
                        }),
                        false => Vec::new(),
                    };
                    (power, routes, beyond)
                }
                None => {
                    let Some(g) = inventory.aws.groups.iter().find(|g| g.arn == n.arn) else {
                        return (Power::default(), Vec::new(), Vec::new());
                    };
                    let mut ctx = Context::new(estate.now);
                    ctx.set("aws:PrincipalAccount", [g.account.as_str()]);
                    let e = Effective::with(
                        &g.permissions,
                        estate.index,
                        estate.guardrails(&g.account),
                        ctx,
                    );
                    (Power::of(&e), Vec::new(), Vec::new())
                }
            })
            .collect();
        let mut routes = Vec::with_capacity(nodes.len());
        for (n, (power, r, beyond)) in nodes.iter_mut().zip(computed) {
            n.power = power;
            n.beyond = beyond;
            routes.push(r);
        }
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "graph: routes"
        );
        let mut graph = PrivilegeGraph {
            reach: nodes.iter().map(|n| n.power).collect(),
            dist: nodes
                .iter()
                .map(|n| if n.power.admin { 0 } else { u32::MAX })
                .collect(),
            next: vec![None; nodes.len()],
            nodes,
            by_identity,
            routes,
            sets: cand.sets,
            accounts,
            inventory,
            set_order: Vec::new(),
            set_powers: Vec::new(),
        };
        graph.fixed_point();
        graph.index_sets();
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "graph: reach"
        );
        graph
    }

    /// Propagate reach and distance to administrator access along the routes until nothing
    /// changes. Each round is one more hop.
    fn fixed_point(&mut self) {
        for _round in 0..32 {
            // Per candidate set: the union of reach, and its member closest to admin.
            let set_reach: Vec<Power> = self
                .sets
                .iter()
                .map(|s| {
                    s.iter().fold(Power::default(), |acc, &t| {
                        acc.union(self.reach[t as usize])
                    })
                })
                .collect();
            let set_best: Vec<Option<(u32, NodeId)>> = self
                .sets
                .iter()
                .map(|s| {
                    s.iter()
                        .map(|&t| (self.dist[t as usize], t))
                        .filter(|(d, _)| *d != u32::MAX)
                        .min()
                })
                .collect();
            type Update = (usize, Power, u32, Option<(usize, NodeId)>);
            let updates: Vec<Update> = self
                .routes
                .par_iter()
                .enumerate()
                .filter(|(_, r)| !r.is_empty())
                .filter_map(|(i, routes)| {
                    let me = i as NodeId;
                    let mut reach = self.reach[i];
                    let mut dist = self.dist[i];
                    let mut next = self.next[i];
                    for (ri, route) in routes.iter().enumerate() {
                        let members = || {
                            route
                                .targets
                                .sets
                                .iter()
                                .flat_map(|s| self.sets[*s as usize].iter().copied())
                                .chain(route.targets.nodes.iter().copied())
                                .chain(route.targets.itself.then_some(me))
                        };
                        let (gain, best) = match route.outcome {
                            // Administrator in one hop, through whichever target.
                            Outcome::Admin => (Power::ADMIN, members().next().map(|t| (0, t))),
                            Outcome::Becomes => {
                                let mut gain =
                                    route.targets.sets.iter().fold(Power::default(), |acc, s| {
                                        acc.union(set_reach[*s as usize])
                                    });
                                let mut best = route
                                    .targets
                                    .sets
                                    .iter()
                                    .filter_map(|s| set_best[*s as usize])
                                    .filter(|(_, t)| *t != me)
                                    .min();
                                for &t in &route.targets.nodes {
                                    gain = gain.union(self.reach[t as usize]);
                                    let d = self.dist[t as usize];
                                    if d != u32::MAX && best.is_none_or(|b| (d, t) < b) {
                                        best = Some((d, t));
                                    }
                                }
                                (gain, best)
                            }
                        };
                        reach = reach.union(gain);
                        if let Some((d, t)) = best {
                            if d + 1 < dist {
                                dist = d + 1;
                                next = Some((ri, t));
                            }
                        }
                    }
                    (reach != self.reach[i] || dist != self.dist[i])
                        .then_some((i, reach, dist, next))
                })
                .collect();
            if updates.is_empty() {
                return;
            }
            for (i, reach, dist, next) in updates {
                self.reach[i] = reach;
                self.dist[i] = dist;
                self.next[i] = next;
            }
        }
    }

    /// Order each set's members best first and count their powers.
    fn index_sets(&mut self) {
        let nodes = &self.nodes;
        let dist = &self.dist;
        self.set_order = self
            .sets
            .par_iter()
            .map(|set| {
                let mut order = set.clone();
                order.sort_by(|&a, &b| {
                    let key = |n: NodeId| (!nodes[n as usize].power.admin, dist[n as usize]);
                    key(a)
                        .cmp(&key(b))
                        .then_with(|| nodes[a as usize].arn.cmp(nodes[b as usize].arn))
                });
                order
            })
            .collect();
        self.set_powers = self
            .sets
            .iter()
            .map(|set| {
                let mut counts: Vec<(Power, usize)> = Vec::new();
                for &n in set {
                    let p = nodes[n as usize].power;
                    match counts.iter_mut().find(|(q, _)| *q == p) {
                        Some((_, c)) => *c += 1,
                        None => counts.push((p, 1)),
                    }
                }
                counts
            })
            .collect();
    }

    /// The targets of a route that give `from` something it lacks in one step, best first (at
    /// most `limit` of them), and how many there are in all.
    pub fn best_targets(&self, from: NodeId, route: &Route, limit: usize) -> (Vec<NodeId>, usize) {
        let mine = self.nodes[from as usize].power;
        let worth = |t: NodeId| t != from && mine.gains_from(self.gain(route, t));
        let order = |a: &NodeId, b: &NodeId| {
            let key = |n: NodeId| (!self.gain(route, n).admin, self.dist[n as usize]);
            key(*a)
                .cmp(&key(*b))
                .then_with(|| self.nodes[*a as usize].arn.cmp(self.nodes[*b as usize].arn))
        };
        if route.targets.itself {
            return (vec![from], 1);
        }
        // One whole set: its order and power counts answer at once.
        if let ([set], []) = (
            route.targets.sets.as_slice(),
            route.targets.nodes.as_slice(),
        ) {
            let set = *set as usize;
            let total = match route.outcome {
                Outcome::Admin => self.sets[set].iter().filter(|&&t| t != from).count(),
                // The principal itself, if a member, has its own power: never counted.
                Outcome::Becomes => self.set_powers[set]
                    .iter()
                    .filter(|(p, _)| mine.gains_from(*p))
                    .map(|(_, c)| c)
                    .sum(),
            };
            let best = self.set_order[set]
                .iter()
                .copied()
                .filter(|&t| worth(t))
                .take(limit)
                .collect();
            return (best, total);
        }
        let mut all = self.targets(from, route);
        all.retain(|&t| worth(t));
        let total = all.len();
        if total > limit {
            all.select_nth_unstable_by(limit - 1, order);
            all.truncate(limit);
        }
        all.sort_by(order);
        (all, total)
    }

    /// The node of an inventory identity, if it is an AWS principal.
    pub fn node_of(&self, identity_index: usize) -> Option<NodeId> {
        self.by_identity.get(&identity_index).copied()
    }

    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    /// The identity behind a node (a non-human identity or a person's user).
    pub fn identity(&self, id: NodeId) -> Option<&'a Identity> {
        let n = &self.nodes[id as usize];
        match n.identity {
            Some(i) => self.inventory.identities.get(i),
            None if n.kind == NodeKind::User => {
                self.inventory.aws.people.iter().find(|p| p.id == n.arn)
            }
            None => None,
        }
    }

    /// A node's routes.
    pub fn routes(&self, id: NodeId) -> &[Route] {
        &self.routes[id as usize]
    }

    /// The nodes a route reaches from `from`, each once, in node order.
    pub fn targets(&self, from: NodeId, route: &Route) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = route.targets.nodes.clone();
        for s in &route.targets.sets {
            out.extend(self.sets[*s as usize].iter().copied());
        }
        out.retain(|&t| t != from);
        if route.targets.itself {
            out.push(from);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// What a route gives in one step when it reaches `target`: administrator access, or the
    /// target's own permissions (what the target reaches in turn is the next step's).
    pub fn gain(&self, route: &Route, target: NodeId) -> Power {
        match route.outcome {
            Outcome::Admin => Power::ADMIN,
            Outcome::Becomes => self.nodes[target as usize].power,
        }
    }

    /// The shortest path from a node to administrator access, hop by hop; empty when there is
    /// none or the node is an administrator itself.
    pub fn path_to_admin(&self, from: NodeId) -> Vec<Hop> {
        let mut hops = Vec::new();
        let mut at = from;
        let mut seen = BTreeSet::new();
        while self.dist[at as usize] != 0 && seen.insert(at) {
            let Some((route, to)) = self.next[at as usize] else {
                return Vec::new();
            };
            hops.push(Hop {
                from: at,
                to,
                route,
            });
            if self.routes[at as usize][route].outcome == Outcome::Admin {
                break;
            }
            at = to;
        }
        hops
    }

    /// The route of a hop.
    pub fn route(&self, hop: &Hop) -> &Route {
        &self.routes[hop.from as usize][hop.route]
    }

    /// Number of edges (route × target), for logs and benchmarks.
    pub fn edge_count(&self) -> usize {
        self.routes
            .iter()
            .map(|rs| {
                rs.iter()
                    .map(|r| {
                        r.targets.nodes.len()
                            + usize::from(r.targets.itself)
                            + r.targets
                                .sets
                                .iter()
                                .map(|s| self.sets[*s as usize].len())
                                .sum::<usize>()
                    })
                    .sum::<usize>()
            })
            .sum()
    }
}

impl<'a> Node<'a> {
    fn of(identity: &'a Identity, index: Option<usize>, person: bool) -> Self {
        Node {
            kind: if identity.kind == kinds::IAM_USER {
                NodeKind::User
            } else {
                NodeKind::Role
            },
            arn: &identity.id,
            name: &identity.name,
            account: &identity.scope,
            identity: index,
            person,
            power: Power::default(),
            external: Vec::new(),
            beyond: Vec::new(),
        }
    }
}

/// Group the estate's principals into candidate sets.
fn candidates(
    nodes: &[Node<'_>],
    identities: &[Option<&Identity>],
    trust: &[Option<TrustInfo<'_>>],
    customer_policies: &[Vec<&str>],
    estate: &Estate<'_>,
) -> Candidates {
    let mut cand = Candidates::default();
    let mut by_service: BTreeMap<(String, String, bool), Vec<NodeId>> = BTreeMap::new();
    let mut users: BTreeMap<(String, u8), Vec<NodeId>> = BTreeMap::new();
    let mut roles: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
    let mut groups: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
    let mut trusting_account: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
    let mut trusting_anyone = Vec::new();
    // The requirement masks paths use.
    let masks: BTreeSet<u8> = catalog::paths()
        .iter()
        .filter_map(|p| match &p.target {
            Target::User { requires, .. } => Some(mask(requires)),
            _ => None,
        })
        .collect();
    for (i, n) in nodes.iter().enumerate() {
        let id = i as NodeId;
        let identity = identities[i];
        if identity.is_some_and(|x| x.provider_managed) {
            // Service-linked roles: only their service uses them.
            continue;
        }
        match n.kind {
            NodeKind::User => {
                let Some(user) = identity else { continue };
                for &m in &masks {
                    let fits = [
                        (1, Requirement::KeysBelow2),
                        (2, Requirement::NoLoginProfile),
                        (4, Requirement::HasLoginProfile),
                    ]
                    .iter()
                    .all(|(bit, r)| m & bit == 0 || meets(user, *r));
                    if fits {
                        users
                            .entry((n.account.to_string(), m))
                            .or_default()
                            .push(id);
                    }
                }
            }
            NodeKind::Group => groups.entry(n.account.to_string()).or_default().push(id),
            NodeKind::Role => {
                roles.entry(n.account.to_string()).or_default().push(id);
                let Some(t) = &trust[i] else { continue };
                let has_profile = identity.is_some_and(|x| {
                    matches!(&x.native, Native::AwsRole { instance_profiles, .. } if !instance_profiles.is_empty())
                });
                for service in trusted_services(t.doc) {
                    if has_profile {
                        by_service
                            .entry((n.account.to_string(), service.clone(), true))
                            .or_default()
                            .push(id);
                    }
                    by_service
                        .entry((n.account.to_string(), service, false))
                        .or_default()
                        .push(id);
                }
                let plain = !t.doc.statements.iter().any(|s| s.effect == Effect::Deny)
                    && estate.rcp(n.account).is_empty();
                for (who, unconditional) in t.trusted() {
                    match who {
                        Trusted::Account(a) if unconditional && plain => {
                            trusting_account.entry(a).or_default().push(id)
                        }
                        Trusted::Anyone if unconditional && plain => trusting_anyone.push(id),
                        Trusted::Arn(arn) => cand
                            .trusting_arn
                            .entry(arn.to_string())
                            .or_default()
                            .push(id),
                        _ => cand.checked_trust.push(id),
                    }
                }
            }
        }
    }
    for (k, v) in by_service {
        let s = cand.set(v);
        cand.by_service.insert(k, s);
    }
    for (k, v) in users {
        let s = cand.set(v);
        cand.users.insert(k, s);
    }
    for (k, v) in roles {
        let s = cand.set(v);
        cand.roles.insert(k, s);
    }
    for (k, v) in groups {
        let s = cand.set(v);
        cand.groups.insert(k, s);
    }
    for (k, mut v) in trusting_account {
        v.dedup();
        let s = cand.set(v);
        cand.trusting_account.insert(k, s);
    }
    if !trusting_anyone.is_empty() {
        trusting_anyone.dedup();
        cand.trusting_anyone = Some(cand.set(trusting_anyone));
    }
    for v in cand.trusting_arn.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    cand.checked_trust.sort_unstable();
    cand.checked_trust.dedup();
    // The role sets, narrowed to roles with a customer-managed policy.
    let role_sets: Vec<SetId> = cand
        .roles
        .values()
        .chain(cand.trusting_account.values())
        .chain(cand.trusting_anyone.iter())
        .copied()
        .collect();
    for set in role_sets {
        let members: Vec<NodeId> = cand.sets[set as usize]
            .iter()
            .copied()
            .filter(|&r| !customer_policies[r as usize].is_empty())
            .collect();
        let narrowed = cand.set(members);
        cand.with_policy.insert(set, narrowed);
    }
    cand
}

/// Everything route resolution reads.
struct Resolve<'g, 'a> {
    inventory: &'a Inventory,
    nodes: &'g [Node<'a>],
    /// Each node's customer-managed policies (what CreatePolicyVersion can rewrite).
    customer_policies: &'g [Vec<&'a str>],
    trust: &'g [Option<TrustInfo<'a>>],
    cand: &'g Candidates,
    estate: &'g Estate<'a>,
}

/// The request keys a path sets when it performs an action: the service a role is passed to,
/// the policy it attaches (an administrator policy, so a condition on which policy may be
/// attached decides whether it can).
fn extra_for(action: &str, service: Option<&str>) -> Vec<(&'static str, Value)> {
    let mut extra = Vec::new();
    if action.eq_ignore_ascii_case("iam:PassRole") {
        if let Some(s) = service {
            extra.push(("iam:PassedToService", Value::Known(vec![s.to_string()])));
        }
    }
    if action.to_ascii_lowercase().starts_with("iam:attach") {
        extra.push((
            "iam:PolicyARN",
            Value::Known(vec![
                "arn:aws:iam::aws:policy/AdministratorAccess".to_string()
            ]),
        ));
    }
    extra
}

impl<'g, 'a> Resolve<'g, 'a> {
    fn routes(&self, s: &Source<'a>) -> Vec<Route> {
        if s.effective.admin().is_some() || s.effective.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for path in catalog::paths() {
            if path.judgement == Judgement::None {
                continue;
            }
            // Every action must be allowed on some resource at all; except assuming a role
            // whose trust may name the principal itself (then its own policies need not allow
            // it).
            let trust_may_allow = matches!(
                path.target,
                Target::Role {
                    trust: Trust::Existing,
                    ..
                }
            );
            let needed = || {
                path.actions
                    .iter()
                    .filter(|a| !(trust_may_allow && is_assume(&a.action)))
            };
            // A cheap look first: most principals allow few of the catalog's actions.
            if !needed().all(|a| s.effective.allows_some(&a.action)) {
                continue;
            }
            let grants: Option<Vec<crate::policy::Grant>> =
                needed().map(|a| s.effective.grant(&a.action)).collect();
            let Some(grants) = grants else { continue };
            let Some((targets, outcome, sure)) = self.resolve(s, path) else {
                continue;
            };
            if targets.is_empty() {
                continue;
            }
            let conditions: BTreeSet<String> = grants
                .iter()
                .flat_map(|g| g.conditions.iter().cloned())
                .collect();
            let certainty = if !sure
                || grants.iter().any(|g| g.conditional)
                || path.judgement == Judgement::Resources
            {
                Certainty::Medium
            } else {
                Certainty::High
            };
            out.push(Route {
                path,
                targets,
                outcome,
                certainty,
                conditions: conditions.into_iter().collect(),
            });
        }
        out
    }

    /// Whether every action of `path` that is `on` one of `on` is decided the same on every
    /// resource (then a whole candidate set is reached at once).
    fn uniform(&self, s: &Source<'a>, path: &catalog::Path, on: &[On]) -> bool {
        path.actions.iter().filter(|a| on.contains(&a.on)).all(|a| {
            s.effective.uniform(&a.action)
                && s.effective
                    .grant(&a.action)
                    .is_some_and(|g| g.all_resources && !g.conditional)
        })
    }

    /// What the actions of a path that act on the target could reach: a target outside it is
    /// not decided at all. `identity_assume`: whether sts:AssumeRole must be allowed by the
    /// principal's own policies (not when the trust names it).
    fn candidate_filter(
        &self,
        s: &Source<'a>,
        path: &catalog::Path,
        identity_assume: bool,
    ) -> Vec<crate::policy::Scope> {
        let kind = match path.target {
            Target::User { .. } => "user",
            Target::Group => "group",
            _ => "role",
        };
        path.actions
            .iter()
            .filter(|a| a.on == On::Target)
            .filter(|a| identity_assume || !is_assume(&a.action))
            .map(|a| s.effective.scope(&a.action, kind))
            .collect()
    }

    /// Decide every action of a path that acts on a target (`on: target` or `target_policy`)
    /// on one target.
    fn decide_on(
        &self,
        s: &Source<'a>,
        path: &catalog::Path,
        target: NodeId,
        service: Option<&str>,
    ) -> Truth {
        let node = &self.nodes[target as usize];
        let mut truth = Truth::True;
        for a in &path.actions {
            let t = match a.on {
                On::Target if is_assume(&a.action) => self.assume(s, target),
                On::Target => {
                    s.effective
                        .decide(&a.action, node.arn, &extra_for(&a.action, service))
                        .truth
                }
                On::TargetPolicy => self.customer_policies[target as usize]
                    .iter()
                    .map(|p| s.effective.decide(&a.action, p, &[]).truth)
                    .max()
                    .unwrap_or(Truth::False),
                _ => continue,
            };
            truth = truth.and(t);
            if truth == Truth::False {
                break;
            }
        }
        truth
    }

    /// The targets of a path for a source, how reaching them pays, and whether it is certain;
    /// `None` when the path does not apply to this principal.
    fn resolve(
        &self,
        s: &Source<'a>,
        path: &'static catalog::Path,
    ) -> Option<(Targets, Outcome, bool)> {
        let me = &self.nodes[s.node as usize];
        let account = me.account.to_string();
        // Actions on policies, groups or the principal itself whose grants cannot reach any such
        // resource rule the path out before any target is considered.
        for a in &path.actions {
            let kind = match a.on {
                On::OwnPolicy | On::TargetPolicy => "policy",
                On::OwnGroup => "group",
                On::Itself => me.kind.as_str(),
                On::Any | On::Target => continue,
            };
            if s.effective.scope(&a.action, kind) == crate::policy::Scope::None {
                return None;
            }
        }
        let mut targets = Targets::default();
        let mut sure = true;
        // Decide one candidate; keep it when allowed.
        let mut check = |t: NodeId, truth: Truth, targets: &mut Targets| {
            if truth != Truth::False && t != s.node {
                sure &= truth == Truth::True;
                targets.nodes.push(t);
            }
        };
        match &path.target {
            Target::None => None,
            Target::Itself { principal_types } => {
                if !principal_types.iter().any(|t| t == me.kind.as_str()) {
                    return None;
                }
                for a in &path.actions {
                    let truth = match a.on {
                        On::Itself => {
                            s.effective
                                .decide(&a.action, me.arn, &extra_for(&a.action, None))
                                .truth
                        }
                        On::OwnGroup => self
                            .own_groups(s)
                            .iter()
                            .map(|g| {
                                s.effective
                                    .decide(&a.action, g, &extra_for(&a.action, None))
                                    .truth
                            })
                            .max()
                            .unwrap_or(Truth::False),
                        On::OwnPolicy => {
                            let versions =
                                a.action.eq_ignore_ascii_case("iam:SetDefaultPolicyVersion");
                            own_policies(&s.identity.permissions)
                                .iter()
                                .filter(|p| !versions || self.has_other_versions(p))
                                .map(|p| s.effective.decide(&a.action, p, &[]).truth)
                                .max()
                                .unwrap_or(Truth::False)
                        }
                        _ => continue,
                    };
                    if truth == Truth::False {
                        return None;
                    }
                    sure &= truth == Truth::True;
                }
                targets.itself = true;
                Some((targets, Outcome::Admin, sure))
            }
            Target::Group => {
                if me.kind != NodeKind::User {
                    return None;
                }
                let set = *self.cand.groups.get(&account)?;
                let member_of = self.own_groups(s);
                let filter = self.candidate_filter(s, path, true);
                for &g in &self.cand.sets[set as usize] {
                    let arn = self.nodes[g as usize].arn;
                    if member_of.contains(&arn) || !filter.iter().all(|f| f.may_cover(arn)) {
                        continue;
                    }
                    check(g, self.decide_on(s, path, g, None), &mut targets);
                }
                Some((targets, Outcome::Becomes, sure))
            }
            Target::User { modify, requires } => {
                let set = *self.cand.users.get(&(account, mask(requires)))?;
                let outcome = if *modify {
                    Outcome::Admin
                } else {
                    Outcome::Becomes
                };
                if self.uniform(s, path, &[On::Target])
                    && !path.actions.iter().any(|a| a.on == On::TargetPolicy)
                {
                    targets.sets.push(set);
                } else {
                    let filter = self.candidate_filter(s, path, true);
                    for &u in &self.cand.sets[set as usize] {
                        if filter
                            .iter()
                            .all(|f| f.may_cover(self.nodes[u as usize].arn))
                        {
                            check(u, self.decide_on(s, path, u, None), &mut targets);
                        }
                    }
                }
                Some((targets, outcome, sure))
            }
            Target::Role { trust, modify } => {
                let outcome = if *modify {
                    Outcome::Admin
                } else {
                    Outcome::Becomes
                };
                // Decided the same on every role: reach whole sets (narrowed to roles with a
                // customer-managed policy when the path rewrites one).
                let others_uniform = self.uniform(s, path, &[On::Target, On::TargetPolicy]);
                let rewrites_policy = path.actions.iter().any(|a| a.on == On::TargetPolicy);
                let pick = |set: SetId| match rewrites_policy {
                    true => self.cand.with_policy.get(&set).copied(),
                    false => Some(set),
                };
                match trust {
                    Trust::Rewritten => {
                        let set = *self.cand.roles.get(&account)?;
                        if others_uniform {
                            targets.sets.extend(pick(set));
                        } else {
                            let filter = self.candidate_filter(s, path, true);
                            for &r in &self.cand.sets[set as usize] {
                                if filter
                                    .iter()
                                    .all(|f| f.may_cover(self.nodes[r as usize].arn))
                                {
                                    check(r, self.decide_on(s, path, r, None), &mut targets);
                                }
                            }
                        }
                    }
                    Trust::Existing => {
                        // The identity side of sts:AssumeRole and the other actions on the
                        // role: when uniform, roles that trust the principal's account (or
                        // anyone) without conditions are reached as whole sets.
                        let assume_uniform = s.effective.uniform("sts:AssumeRole")
                            && s.effective
                                .grant("sts:AssumeRole")
                                .is_some_and(|g| g.all_resources && !g.conditional);
                        let mut one_by_one: BTreeSet<NodeId> = BTreeSet::new();
                        let shared = [
                            self.cand.trusting_account.get(me.account).copied(),
                            self.cand.trusting_anyone,
                        ];
                        // The roles of shared sets need the principal's own sts:AssumeRole.
                        let filter = self.candidate_filter(s, path, true);
                        let assume_scope = s.effective.scope("sts:AssumeRole", "role");
                        for set in shared.into_iter().flatten() {
                            if others_uniform && assume_uniform {
                                targets.sets.extend(pick(set));
                            } else {
                                one_by_one.extend(self.cand.sets[set as usize].iter().filter(
                                    |&&r| {
                                        let arn = self.nodes[r as usize].arn;
                                        filter.iter().all(|f| f.may_cover(arn))
                                            && assume_scope.may_cover(arn)
                                    },
                                ));
                            }
                        }
                        // Roles that name the principal (or may, under conditions): its own
                        // policies need not allow sts:AssumeRole when the trust names it.
                        let named = self.candidate_filter(s, path, false);
                        if let Some(v) = self.cand.trusting_arn.get(me.arn) {
                            one_by_one.extend(v.iter().filter(|&&r| {
                                named
                                    .iter()
                                    .all(|f| f.may_cover(self.nodes[r as usize].arn))
                            }));
                        }
                        one_by_one.extend(self.cand.checked_trust.iter().filter(|&&r| {
                            named
                                .iter()
                                .all(|f| f.may_cover(self.nodes[r as usize].arn))
                        }));
                        for r in one_by_one {
                            let mut truth = self.decide_on(s, path, r, None);
                            if !path.actions.iter().any(|a| is_assume(&a.action)) {
                                truth = truth.and(self.assume(s, r));
                            }
                            check(r, truth, &mut targets);
                        }
                    }
                }
                Some((targets, outcome, sure))
            }
            Target::PassedRole {
                services,
                instance_profile,
            }
            | Target::ServiceRole {
                services,
                instance_profile,
                ..
            } => {
                let passing = matches!(path.target, Target::PassedRole { .. });
                for service in services {
                    let key = (
                        account.clone(),
                        service.to_ascii_lowercase(),
                        *instance_profile,
                    );
                    let Some(&set) = self.cand.by_service.get(&key) else {
                        continue;
                    };
                    // An existing resource runs as whichever role it was given: any of them.
                    // A new one runs as the role the principal may pass to the service.
                    let pass_uniform = self.uniform(s, path, &[On::Target])
                        && s.effective
                            .decide(
                                "iam:PassRole",
                                "arn:aws:iam::000000000000:role/any",
                                &extra_for("iam:PassRole", Some(service)),
                            )
                            .truth
                            == Truth::True;
                    if !passing || pass_uniform {
                        targets.sets.push(set);
                        continue;
                    }
                    let filter = self.candidate_filter(s, path, true);
                    for &r in &self.cand.sets[set as usize] {
                        if filter
                            .iter()
                            .all(|f| f.may_cover(self.nodes[r as usize].arn))
                        {
                            check(r, self.decide_on(s, path, r, Some(service)), &mut targets);
                        }
                    }
                }
                targets.sets.sort_unstable();
                targets.sets.dedup();
                targets.nodes.sort_unstable();
                targets.nodes.dedup();
                Some((targets, Outcome::Becomes, sure))
            }
        }
    }

    /// Whether the source may assume role `r`: the role's trust allows it, the source's own
    /// policies allow sts:AssumeRole on the role (unless the trust names the source, in the
    /// same account, and no Deny says otherwise), and no resource control policy over the
    /// role's account denies it.
    fn assume(&self, s: &Source<'a>, r: NodeId) -> Truth {
        let me = &self.nodes[s.node as usize];
        let role = &self.nodes[r as usize];
        if role.kind != NodeKind::Role {
            return Truth::False;
        }
        let Some(trust) = &self.trust[r as usize] else {
            return Truth::False;
        };
        let (trusted, named) = trust.allows(me.arn, me.account, &s.effective.context);
        if trusted == Truth::False {
            return Truth::False;
        }
        let identity = s.effective.decide("sts:AssumeRole", role.arn, &[]);
        let own = if named && role.account == me.account && !identity.denied {
            Truth::True
        } else {
            identity.truth
        };
        trusted.and(own).and(self.rcp_allows(s, role))
    }

    /// Resource control policies over the role's account, for sts:AssumeRole by the source.
    fn rcp_allows(&self, s: &Source<'a>, role: &Node<'a>) -> Truth {
        let mut t = Truth::True;
        for level in self.estate.rcp(role.account) {
            let mut level_allows = Truth::False;
            for (_, c) in &level.policies {
                for st in c
                    .statements
                    .iter()
                    .filter(|st| st.matches("sts:AssumeRole"))
                {
                    let side = if st.allow { Side::Allow } else { Side::Deny };
                    let v = st.condition.eval(&s.effective.context, side);
                    if st.allow {
                        level_allows = level_allows.or(v);
                    } else {
                        t = t.and(v.negate());
                    }
                }
            }
            t = t.and(level_allows);
        }
        t
    }

    /// The ARNs of the groups the source (a user) belongs to.
    fn own_groups(&self, s: &Source<'a>) -> Vec<&'a str> {
        let Native::AwsUser { groups, .. } = &s.identity.native else {
            return Vec::new();
        };
        self.inventory
            .aws
            .groups
            .iter()
            .filter(|g| g.account == s.identity.scope && groups.contains(&g.name))
            .map(|g| g.arn.as_str())
            .collect()
    }

    /// Whether a customer-managed policy has stored versions besides its default.
    fn has_other_versions(&self, arn: &str) -> bool {
        self.inventory
            .aws
            .policy_versions
            .get(arn)
            .is_some_and(|v| !v.is_empty())
    }
}

/// Customer-managed policies among `permissions` (AWS-managed policies cannot be changed by
/// customers).
fn own_policies(permissions: &[Permission]) -> Vec<&str> {
    let mut out: Vec<&str> = permissions
        .iter()
        .filter_map(|p| p.arn.as_deref())
        .filter(|arn| account_of_arn(arn).is_some_and(|a| a != "aws"))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The accounts outside the scanned estate whose roles a principal's own policies let it assume.
fn unscanned_reach(e: &Effective<'_>, scanned: &BTreeSet<&str>) -> Vec<String> {
    if !e.allows_some("sts:AssumeRole") {
        return Vec::new();
    }
    match e.scope("sts:AssumeRole", "role") {
        crate::policy::Scope::All => vec!["roles of any account".to_string()],
        crate::policy::Scope::None => Vec::new(),
        crate::policy::Scope::Patterns(patterns) => {
            let mut out: BTreeSet<String> = BTreeSet::new();
            for p in patterns {
                match p.split(':').nth(4) {
                    Some(a) if a.contains(['*', '?']) => {
                        out.insert("roles of any account".to_string());
                    }
                    Some(a) if !a.is_empty() && !scanned.contains(a) => {
                        out.insert(format!("roles of account {a}"));
                    }
                    _ => {}
                }
            }
            out.into_iter().collect()
        }
    }
}

/// Whether a user meets a path's requirement.
fn meets(user: &Identity, r: Requirement) -> bool {
    let keys = user
        .credentials
        .iter()
        .filter(|c| c.kind == credential_kinds::AWS_ACCESS_KEY)
        .count();
    let console = match &user.native {
        Native::AwsUser { console, .. } => console.as_ref().map(|c| c.password_enabled),
        _ => None,
    };
    match r {
        Requirement::KeysBelow2 => keys < 2,
        // Unknown without a credential report: not ruled out.
        Requirement::NoLoginProfile => console != Some(true),
        Requirement::HasLoginProfile => console != Some(false),
    }
}
