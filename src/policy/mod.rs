//! Effective AWS permissions of a principal, with IAM's evaluation logic.
//!
//! A principal is judged on every policy that applies to it at once: its inline and managed
//! policies and its groups' (an Allow in any of them grants), less every explicit Deny in any of
//! them, capped by its permissions boundary and by the organization's service control policies
//! (each level from the root to the account must allow). `iam:PassRole` in one policy and
//! `lambda:CreateFunction` in another is an escalation; `Allow *` beside `Deny *` is nothing.
//!
//! - Actions and wildcards are matched as IAM does (case-insensitive globs, `NotAction`);
//!   [`actions`] gives a wildcard its exact list of actions.
//! - Resources are matched part by part, with policy variables (`${aws:username}`) filled in
//!   from the principal; `NotResource` covers everything but its list.
//! - Conditions are decided ([`condition`]) against the principal, the time of evaluation and
//!   the request a path would make; what cannot be decided is kept, quoted, and lowers
//!   confidence.
//!
//! Work is split so that a document shared by thousands of principals is compiled once:
//! [`PolicyIndex::build`] compiles every distinct document in parallel and records, for each
//! action in [`probes`], which of its statements name it; [`Effective`] then combines a
//! principal's documents with a few lookups per action.

pub mod actions;
pub mod condition;

use condition::{Condition, Context, Keys, Side, Truth, Value};
use nhi_api::policy::{Effect, PolicyDocument, Statement};
use nhi_api::{Identity, Permission, PermissionSource};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

/// Actions asked about often enough to be indexed per document: every action of the escalation
/// catalog, the administrator test and the capability probes. Asking about another action works
/// too, only slower.
pub fn probes() -> &'static Probes {
    static PROBES: OnceLock<Probes> = OnceLock::new();
    PROBES.get_or_init(|| {
        let mut list: BTreeSet<String> = BTreeSet::new();
        for p in crate::privilege::catalog::paths() {
            for a in &p.actions {
                list.insert(a.action.to_ascii_lowercase());
            }
        }
        for a in ADMIN_ACTIONS
            .iter()
            .chain(crate::privilege::power::PROBE_ACTIONS)
            .chain(EXTRA_PROBES)
        {
            list.insert(a.to_ascii_lowercase());
        }
        let actions: Vec<String> = list.into_iter().collect();
        let mut by_service: HashMap<String, Vec<u16>> = HashMap::new();
        for (i, a) in actions.iter().enumerate() {
            let service = a.split(':').next().unwrap_or("").to_string();
            by_service.entry(service).or_default().push(i as u16);
        }
        let mut index: FastMap<String, u16> = actions
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), i as u16))
            .collect();
        let spellings = crate::privilege::catalog::paths()
            .iter()
            .flat_map(|p| p.actions.iter().map(|a| a.action.as_str()))
            .chain(ADMIN_ACTIONS.iter().copied())
            .chain(crate::privilege::power::PROBE_ACTIONS.iter().copied())
            .chain(EXTRA_PROBES.iter().copied());
        for a in spellings {
            if let Some(&i) = index.get(&a.to_ascii_lowercase()) {
                index.insert(a.to_string(), i);
            }
        }
        Probes {
            actions,
            index,
            by_service,
        }
    })
}

/// Actions rules ask about besides the catalog's.
const EXTRA_PROBES: &[&str] = &["iam:CreateAccessKey", "iam:UpdateLoginProfile"];

/// The actions that make an administrator: whoever may do all of them on every resource, and
/// everything else besides, controls the account. A Deny of any of them is not administrator
/// access any more.
pub const ADMIN_ACTIONS: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreatePolicyVersion",
    "iam:CreateRole",
    "iam:PassRole",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:UpdateAssumeRolePolicy",
    "sts:AssumeRole",
    "organizations:LeaveOrganization",
    "kms:Decrypt",
    "s3:GetObject",
    "ec2:RunInstances",
];

/// FNV-1a: action names are short and trusted (ours), and this lookup is on the hot path.
#[derive(Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// The indexed actions, lowercase, and where each is.
pub struct Probes {
    pub actions: Vec<String>,
    /// Lowercase action, and every spelling the catalogs use → index.
    index: FastMap<String, u16>,
    by_service: HashMap<String, Vec<u16>>,
}

impl Probes {
    pub fn index_of(&self, action: &str) -> Option<u16> {
        // The catalogs' own spellings are indexed as written: no allocation on the hot path.
        match self.index.get(action) {
            Some(i) => Some(*i),
            None if action.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.index.get(&action.to_ascii_lowercase()).copied()
            }
            None => None,
        }
    }
}

/// Case-insensitive glob match of an IAM pattern (`*` any run, `?` one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Which resources a statement's resource clause covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resources {
    /// `"Resource": "*"`.
    All,
    Some(Vec<String>),
    /// `NotResource`: everything but these.
    Not(Vec<String>),
}

/// A statement, compiled.
#[derive(Debug, Clone)]
pub struct CompiledStatement {
    pub allow: bool,
    /// `Action` patterns, or `NotAction` patterns when `negated`.
    actions: Vec<String>,
    negated: bool,
    resources: Resources,
    pub condition: Condition,
    pub sid: Option<String>,
    /// Position in the document, from 0.
    pub index: usize,
}

impl CompiledStatement {
    fn compile(index: usize, s: &Statement) -> Option<Self> {
        let (actions, negated) = match (&s.action, &s.not_action) {
            (Some(a), _) => (a.0.clone(), false),
            (None, Some(na)) => (na.0.clone(), true),
            // A statement with neither grants nothing.
            (None, None) => return None,
        };
        let resources = match (&s.resource, &s.not_resource) {
            (Some(r), _) if r.iter().any(|r| r == "*") => Resources::All,
            (Some(r), _) => Resources::Some(r.0.clone()),
            (None, Some(nr)) => Resources::Not(nr.0.clone()),
            // Trust policies have no Resource: the role itself.
            (None, None) => Resources::All,
        };
        Some(CompiledStatement {
            allow: s.effect == Effect::Allow,
            actions,
            negated,
            resources,
            condition: Condition::compile(&s.condition),
            sid: s.sid.clone(),
            index,
        })
    }

    pub fn matches(&self, action: &str) -> bool {
        let any = self.actions.iter().any(|p| glob_match(p, action));
        any != self.negated
    }

    /// Whether the statement names every action (`*`).
    fn all_actions(&self) -> bool {
        !self.negated && self.actions.iter().any(|a| a == "*" || a == "*:*")
    }

    fn all_resources(&self) -> bool {
        matches!(self.resources, Resources::All | Resources::Not(_))
    }

    /// Whether the statement covers `resource`, policy variables filled from `keys`.
    fn covers(&self, resource: &str, keys: &dyn Keys) -> bool {
        match &self.resources {
            Resources::All => true,
            Resources::Some(patterns) => patterns.iter().any(|p| {
                fill_variables(p, keys).is_some_and(|p| condition::arn_like(&p, resource))
            }),
            Resources::Not(patterns) => !patterns.iter().any(|p| {
                fill_variables(p, keys).is_some_and(|p| condition::arn_like(&p, resource))
            }),
        }
    }

    /// "Sid" or "#N" (1-based), for evidence.
    pub fn name(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => sid.clone(),
            _ => format!("#{}", self.index + 1),
        }
    }
}

/// A resource pattern with its policy variables (`${aws:username}`) filled in from what is
/// known; `None` when a variable cannot be filled (the pattern then matches nothing).
pub fn fill_variables(pattern: &str, keys: &dyn Keys) -> Option<String> {
    if !pattern.contains("${") {
        return Some(pattern.to_string());
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let var = &after[..end];
        match var {
            "*" => out.push('*'),
            "?" => out.push('?'),
            "$" => out.push('$'),
            _ => {
                let key = var.split(',').next().unwrap_or(var).trim();
                match keys.value(key) {
                    Value::Known(v) if v.len() == 1 => out.push_str(&v[0]),
                    _ => return None,
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A broad grant found in one document, for the wildcard rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Broad {
    /// `service:*` on every resource.
    ServiceWildcard(String),
    /// An Allow with `NotAction`: everything but the listed actions.
    NotAction(Vec<String>),
    /// `iam:PassRole` on every role.
    PassRoleAnyRole,
}

/// A document analyzed once for all principals it applies to.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub statements: Vec<CompiledStatement>,
    /// For each probe action this document names: the statements that name it.
    probes: Vec<(u16, Vec<u16>)>,
    /// Some Allow statement names every action on every resource.
    allows_everything: bool,
    pub broad: Vec<Broad>,
}

impl CompiledPolicy {
    pub fn compile(doc: &PolicyDocument) -> Self {
        let statements: Vec<CompiledStatement> = doc
            .statements
            .iter()
            .enumerate()
            .filter_map(|(i, s)| CompiledStatement::compile(i, s))
            .collect();
        let probes = index_probes(&statements);
        let allows_everything = statements
            .iter()
            .any(|s| s.allow && s.all_actions() && s.all_resources());
        let mut broad = BTreeSet::new();
        for s in statements
            .iter()
            .filter(|s| s.allow && s.resources == Resources::All)
        {
            if s.negated {
                broad.insert(Broad::NotAction(s.actions.clone()));
                continue;
            }
            for a in &s.actions {
                if let Some(service) = a.strip_suffix(":*") {
                    if !service.contains('*') {
                        broad.insert(Broad::ServiceWildcard(service.to_ascii_lowercase()));
                    }
                }
            }
            if s.condition.is_empty() && s.matches("iam:PassRole") {
                broad.insert(Broad::PassRoleAnyRole);
            }
        }
        CompiledPolicy {
            statements,
            probes,
            allows_everything,
            broad: broad.into_iter().collect(),
        }
    }

    /// The statements that name `action`, from the probe index when it is a probe.
    fn matching<'s>(
        &'s self,
        action: &'s str,
        probe: Option<u16>,
    ) -> impl Iterator<Item = &'s CompiledStatement> + 's {
        let indexed: &'s [u16] = match probe {
            Some(p) => match self.probes.binary_search_by_key(&p, |(i, _)| *i) {
                Ok(at) => &self.probes[at].1,
                Err(_) => &[],
            },
            None => &[],
        };
        let by_index = indexed.iter().map(|&i| &self.statements[i as usize]);
        let unindexed: &'s [CompiledStatement] = match probe {
            None => &self.statements,
            Some(_) => &[],
        };
        let by_scan = unindexed.iter().filter(move |s| s.matches(action));
        by_index.chain(by_scan)
    }
}

/// For each probe, the statements that name it. Each action pattern is checked only against the
/// probes of its service (all probes for a service wildcard or `NotAction`).
fn index_probes(statements: &[CompiledStatement]) -> Vec<(u16, Vec<u16>)> {
    let probes = probes();
    let mut found: BTreeMap<u16, Vec<u16>> = BTreeMap::new();
    for (si, s) in statements.iter().enumerate() {
        let candidates: Vec<u16> = if s.negated {
            (0..probes.actions.len() as u16).collect()
        } else {
            let mut c = Vec::new();
            for pattern in &s.actions {
                let service = pattern.split(':').next().unwrap_or("");
                if service.contains(['*', '?']) || !pattern.contains(':') {
                    c.extend(0..probes.actions.len() as u16);
                } else if let Some(list) = probes.by_service.get(&service.to_ascii_lowercase()) {
                    c.extend(list.iter().copied());
                }
            }
            c.sort_unstable();
            c.dedup();
            c
        };
        for p in candidates {
            if s.matches(&probes.actions[p as usize]) {
                found.entry(p).or_default().push(si as u16);
            }
        }
    }
    found.into_iter().collect()
}

/// Every distinct document of an inventory, compiled once.
#[derive(Debug, Default)]
pub struct PolicyIndex {
    compiled: HashMap<nhi_api::PolicyRef, CompiledPolicy>,
}

impl PolicyIndex {
    pub fn build(policies: &BTreeMap<nhi_api::PolicyRef, PolicyDocument>) -> Self {
        let compiled = policies
            .par_iter()
            .map(|(k, doc)| (k.clone(), CompiledPolicy::compile(doc)))
            .collect();
        PolicyIndex { compiled }
    }

    pub fn get(&self, key: &str) -> Option<&CompiledPolicy> {
        self.compiled.get(key)
    }

    pub fn len(&self) -> usize {
        self.compiled.len()
    }

    pub fn is_empty(&self) -> bool {
        self.compiled.is_empty()
    }
}

/// A policy label for evidence: `managed:DeployPolicy`, `group_inline:ci/ecr-push`.
pub fn label(p: &Permission) -> String {
    match &p.group {
        Some(g) => format!("{}:{}/{}", p.source.as_str(), g, p.name),
        None => format!("{}:{}", p.source.as_str(), p.name),
    }
}

/// Where a grant comes from: a policy and one of its statements.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatementRef {
    /// `managed:DeployPolicy`, `scp:DenyIam`.
    pub policy: String,
    /// The statement's Sid, or `#N`.
    pub statement: String,
}

impl StatementRef {
    pub fn text(&self) -> String {
        format!("{} {}", self.policy, self.statement)
    }
}

/// What a principal is allowed for one action, all its policies combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// On every resource.
    pub all_resources: bool,
    /// Resource patterns, when not on every resource (policy variables filled in).
    pub resources: Vec<String>,
    /// Only under a condition nhi cannot decide (and on no resource without one).
    pub conditional: bool,
    /// Policies that grant it.
    pub via: Vec<String>,
    /// The statements that grant it.
    pub statements: Vec<StatementRef>,
    /// The undecided conditions, quoted.
    pub conditions: Vec<String>,
}

impl Grant {
    /// Whether every granted resource is scoped to the caller itself (`${aws:username}`), so the
    /// action cannot reach anyone else.
    pub fn only_self(&self) -> bool {
        !self.all_resources
            && !self.resources.is_empty()
            && self.resources.iter().all(|r| r.contains("${aws:username}"))
    }

    pub fn resources_text(&self) -> String {
        if self.all_resources {
            "*".to_string()
        } else {
            self.resources.join(", ")
        }
    }
}

/// Whether a principal may do one action on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub truth: Truth,
    /// An explicit Deny (of the principal's policies, its boundary or a guardrail) applies for
    /// certain: nothing, not even a trust policy naming the principal, can allow it.
    pub denied: bool,
    /// The statements that allow it.
    pub via: Vec<StatementRef>,
    /// Conditions that kept it undecided, quoted.
    pub conditions: Vec<String>,
}

impl Decision {
    fn no() -> Decision {
        Decision {
            truth: Truth::False,
            denied: false,
            via: Vec::new(),
            conditions: Vec::new(),
        }
    }

    fn deny() -> Decision {
        Decision {
            denied: true,
            ..Decision::no()
        }
    }

    pub fn allowed(&self) -> bool {
        self.truth != Truth::False
    }
}

/// Whether an ARN pattern could match an IAM resource of `kind` (`role/...`): IAM's service
/// part, no region, and a resource part whose literal start agrees with the kind.
fn could_be_iam(pattern: &str, kind: &str) -> bool {
    let mut parts = pattern.splitn(6, ':');
    let (Some(_arn), Some(_partition), Some(service), Some(region), Some(_account), Some(res)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    if !glob_match(service, "iam") || !(region.is_empty() || region.chars().all(|c| c == '*')) {
        return false;
    }
    let literal: String = res.chars().take_while(|c| *c != '*' && *c != '?').collect();
    let wanted = format!("{kind}/");
    let wildcard = literal.len() < res.len();
    literal.starts_with(&wanted) || (wildcard && wanted.starts_with(&literal))
}

/// Which IAM resources an action's allow statements could reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// IAM ARN patterns (variables filled).
    Patterns(Vec<String>),
    None,
}

impl Scope {
    /// Whether an ARN could be covered.
    pub fn may_cover(&self, arn: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Patterns(p) => p.iter().any(|p| condition::arn_like(p, arn)),
            Scope::None => false,
        }
    }
}

/// Administrator access: every action on every resource, no Deny or cap taking the core away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    /// The policies that allow everything.
    pub via: Vec<String>,
    /// Decided without doubt, or under conditions nhi cannot decide (quoted).
    pub certain: bool,
    pub conditions: Vec<String>,
    /// Denies that take some actions away without touching the core (quoted).
    pub except: Vec<String>,
}

/// One level of guardrails (the root, an OU, the account): its control policies, compiled.
pub struct GuardrailLevel<'a> {
    pub target: &'a str,
    pub policies: Vec<(String, &'a CompiledPolicy)>,
}

/// A principal's policies, compiled, ready to be asked what it may do.
pub struct Effective<'a> {
    grants: Vec<(&'a Permission, &'a CompiledPolicy)>,
    boundaries: Vec<(&'a Permission, &'a CompiledPolicy)>,
    /// Service control policies, level by level; empty when none apply.
    guardrails: Vec<GuardrailLevel<'a>>,
    /// Policies that apply but whose content is unknown.
    pub unknown: Vec<&'a Permission>,
    /// A boundary applies but its content is unknown: grants may be capped in ways not seen.
    pub boundary_unknown: bool,
    /// The principal, as conditions see it.
    pub context: Context,
    admin: Option<Admin>,
}

impl<'a> Effective<'a> {
    /// No policies at all: what identities that are not IAM principals have.
    pub fn empty() -> Self {
        Effective {
            grants: Vec::new(),
            boundaries: Vec::new(),
            guardrails: Vec::new(),
            unknown: Vec::new(),
            boundary_unknown: false,
            context: Context::default(),
            admin: None,
        }
    }

    /// The effective permissions of an identity at `now`, with no guardrails over its account.
    pub fn of(
        identity: &'a Identity,
        index: &'a PolicyIndex,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        Self::with(
            &identity.permissions,
            index,
            Vec::new(),
            principal_context(identity, now, None),
        )
    }

    /// The effective permissions of `permissions` (an identity's own, or with a group's
    /// added), under `guardrails`, with conditions decided in `context`.
    pub fn with(
        permissions: impl IntoIterator<Item = &'a Permission>,
        index: &'a PolicyIndex,
        guardrails: Vec<GuardrailLevel<'a>>,
        context: Context,
    ) -> Self {
        let mut e = Effective {
            grants: Vec::new(),
            boundaries: Vec::new(),
            guardrails,
            unknown: Vec::new(),
            boundary_unknown: false,
            context,
            admin: None,
        };
        for p in permissions {
            let compiled = p.policy.as_deref().and_then(|k| index.get(k));
            match (p.source, compiled) {
                (PermissionSource::Boundary, Some(c)) => e.boundaries.push((p, c)),
                (PermissionSource::Boundary, None) => e.boundary_unknown = true,
                (_, Some(c)) => e.grants.push((p, c)),
                (_, None) => e.unknown.push(p),
            }
        }
        e.admin = e.compute_admin();
        e
    }

    /// Whether a permissions boundary applies (known or not).
    pub fn has_boundary(&self) -> bool {
        !self.boundaries.is_empty() || self.boundary_unknown
    }

    /// Whether guardrails (SCPs) apply.
    pub fn has_guardrails(&self) -> bool {
        !self.guardrails.is_empty()
    }

    /// Whether any policy applies.
    pub fn is_empty(&self) -> bool {
        self.grants.is_empty() && self.unknown.is_empty()
    }

    /// What the principal may do for `action` on some resource, or `None` if nothing allows it
    /// (or a Deny, the boundary or a guardrail takes it away everywhere).
    pub fn grant(&self, action: &str) -> Option<Grant> {
        let probe = probes().index_of(action);
        let ctx = &self.context;
        let mut all = false;
        let mut all_conditional = false;
        let mut resources = BTreeSet::new();
        let mut via = BTreeSet::new();
        let mut statements = BTreeSet::new();
        let mut conditions = BTreeSet::new();
        for (perm, c) in &self.grants {
            for s in c.matching(action, probe) {
                let truth = s.condition.eval(ctx, side(s));
                if truth == Truth::False {
                    continue;
                }
                if !s.allow {
                    // A Deny on everything, for certain, leaves nothing; a conditional or
                    // resource-scoped Deny removes only part, and the grant is judged as it is.
                    if truth == Truth::True && s.resources == Resources::All {
                        return None;
                    }
                    continue;
                }
                via.insert(label(perm));
                statements.insert(StatementRef {
                    policy: label(perm),
                    statement: s.name(),
                });
                if truth == Truth::Unknown {
                    conditions.extend(s.condition.undecided(ctx, Side::Allow));
                }
                match &s.resources {
                    Resources::All | Resources::Not(_) if truth == Truth::True => all = true,
                    Resources::All | Resources::Not(_) => all_conditional = true,
                    // As written: `decide` fills variables when a target is known.
                    Resources::Some(r) => resources.extend(r.iter().cloned()),
                }
            }
        }
        if via.is_empty() || !self.capped_allows(action, probe) {
            return None;
        }
        let all_resources = all || all_conditional;
        Some(Grant {
            all_resources,
            resources: if all_resources {
                Vec::new()
            } else {
                resources.into_iter().collect()
            },
            conditional: !all && (all_conditional || !conditions.is_empty()),
            via: via.into_iter().collect(),
            statements: statements.into_iter().collect(),
            conditions: conditions.into_iter().collect(),
        })
    }

    /// Whether anything allows `action` on some resource at all (before Denies and caps): a
    /// cheap test that rules most actions out before a [`Effective::grant`].
    pub fn allows_some(&self, action: &str) -> bool {
        let probe = probes().index_of(action);
        self.grants.iter().any(|(_, c)| {
            c.matching(action, probe).any(|s| {
                s.allow
                    && (s.condition.is_empty()
                        || s.condition.eval(&self.context, Side::Allow) != Truth::False)
            })
        })
    }

    /// Which IAM resources of a type (`role`, `user`, `group`, `policy`) the allow statements
    /// for `action` could reach: all of them, a few patterns, or none. Used to pick candidate
    /// targets before deciding each.
    pub fn scope(&self, action: &str, kind: &str) -> Scope {
        let probe = probes().index_of(action);
        let mut patterns = Vec::new();
        for (_, c) in &self.grants {
            for s in c.matching(action, probe).filter(|s| s.allow) {
                match &s.resources {
                    Resources::All | Resources::Not(_) => return Scope::All,
                    Resources::Some(list) => {
                        for p in list {
                            if p == "*" {
                                return Scope::All;
                            }
                            let Some(p) = fill_variables(p, &self.context) else {
                                continue;
                            };
                            if could_be_iam(&p, kind) {
                                patterns.push(p);
                            }
                        }
                    }
                }
            }
        }
        if patterns.is_empty() {
            Scope::None
        } else {
            patterns.sort();
            patterns.dedup();
            Scope::Patterns(patterns)
        }
    }

    /// Whether the boundary and every guardrail level let `action` through on some resource.
    fn capped_allows(&self, action: &str, probe: Option<u16>) -> bool {
        let ctx = &self.context;
        let allows = |c: &CompiledPolicy| {
            c.matching(action, probe)
                .any(|s| s.allow && s.condition.eval(ctx, Side::Allow) != Truth::False)
        };
        let denies_all = |c: &CompiledPolicy| {
            c.matching(action, probe).any(|s| {
                !s.allow
                    && s.resources == Resources::All
                    && s.condition.eval(ctx, Side::Deny) == Truth::True
            })
        };
        for (_, b) in &self.boundaries {
            if !allows(b) || denies_all(b) {
                return false;
            }
        }
        for level in &self.guardrails {
            if !level.policies.iter().any(|(_, c)| allows(c))
                || level.policies.iter().any(|(_, c)| denies_all(c))
            {
                return false;
            }
        }
        true
    }

    /// Whether the principal may do `action` on `resource`, with `extra` request keys (the
    /// service a role is passed to, the policy attached).
    pub fn decide(&self, action: &str, resource: &str, extra: &[(&str, Value)]) -> Decision {
        let probe = probes().index_of(action);
        let keys = condition::With {
            base: &self.context,
            extra,
        };
        let mut allowed = Truth::False;
        let mut denied = Truth::False;
        let mut via = BTreeSet::new();
        let mut conditions = BTreeSet::new();
        for (perm, c) in &self.grants {
            for s in c.matching(action, probe) {
                if !s.covers(resource, &keys) {
                    continue;
                }
                let truth = s.condition.eval(&keys, side(s));
                if truth == Truth::False {
                    continue;
                }
                if truth == Truth::Unknown {
                    conditions.extend(s.condition.undecided(&keys, side(s)));
                }
                if s.allow {
                    allowed = allowed.or(truth);
                    via.insert(StatementRef {
                        policy: label(perm),
                        statement: s.name(),
                    });
                } else {
                    denied = denied.or(truth);
                }
            }
        }
        if denied == Truth::True {
            return Decision::deny();
        }
        if allowed == Truth::False {
            return Decision::no();
        }
        let mut truth = allowed.and(denied.negate());
        let caps = self
            .boundaries
            .iter()
            .map(|(_, b)| vec![("boundary".to_string(), *b)])
            .chain(self.guardrails.iter().map(|l| {
                l.policies
                    .iter()
                    .map(|(n, c)| (n.clone(), *c))
                    .collect::<Vec<_>>()
            }));
        for level in caps {
            let mut level_allows = Truth::False;
            for (_, c) in &level {
                for s in c.matching(action, probe) {
                    if !s.covers(resource, &keys) {
                        continue;
                    }
                    let t = s.condition.eval(&keys, side(s));
                    if s.allow {
                        level_allows = level_allows.or(t);
                    } else if t == Truth::True {
                        return Decision::deny();
                    } else if t == Truth::Unknown {
                        truth = truth.and(Truth::Unknown);
                        conditions.extend(s.condition.undecided(&keys, Side::Deny));
                    }
                }
            }
            truth = truth.and(level_allows);
            if truth == Truth::False {
                return Decision::no();
            }
        }
        Decision {
            truth,
            denied: false,
            via: via.into_iter().collect(),
            conditions: conditions.into_iter().collect(),
        }
    }

    /// Whether `action` is decided the same way on every resource, so that one decision stands
    /// for all: some Allow names it on every resource, for certain and without a condition on
    /// the resource, and no Deny names it (in the principal's policies, its boundary or a
    /// guardrail); the boundary and every guardrail level allow it likewise.
    pub fn uniform(&self, action: &str) -> bool {
        let probe = probes().index_of(action);
        let ctx = &self.context;
        let allows_all = |c: &CompiledPolicy| {
            c.matching(action, probe).any(|st| {
                st.allow
                    && st.resources == Resources::All
                    && !st.condition.tests.iter().any(|t| {
                        let k = t.key.to_ascii_lowercase();
                        k.starts_with("aws:resource") || k.starts_with("iam:resource")
                    })
                    && st.condition.eval(ctx, Side::Allow) == Truth::True
            })
        };
        let denies = |c: &CompiledPolicy| {
            c.matching(action, probe)
                .any(|st| !st.allow && st.condition.eval(ctx, Side::Deny) != Truth::False)
        };
        self.grants.iter().any(|(_, c)| allows_all(c))
            && !self.grants.iter().any(|(_, c)| denies(c))
            && self
                .boundaries
                .iter()
                .all(|(_, b)| allows_all(b) && !denies(b))
            && self.guardrails.iter().all(|l| {
                l.policies.iter().any(|(_, c)| allows_all(c))
                    && !l.policies.iter().any(|(_, c)| denies(c))
            })
    }

    /// Administrator access, if the principal has it.
    pub fn admin(&self) -> Option<&Admin> {
        self.admin.as_ref()
    }

    /// Policies that grant administrator access, if the principal has it.
    pub fn full_admin_via(&self) -> &[String] {
        self.admin.as_ref().map_or(&[], |a| a.via.as_slice())
    }

    fn compute_admin(&self) -> Option<Admin> {
        let ctx = &self.context;
        let mut via = BTreeSet::new();
        let mut certain = false;
        let mut conditions = BTreeSet::new();
        for (perm, c) in self.grants.iter().filter(|(_, c)| c.allows_everything) {
            for s in c
                .statements
                .iter()
                .filter(|s| s.allow && s.all_actions() && s.all_resources())
            {
                match s.condition.eval(ctx, Side::Allow) {
                    Truth::False => {}
                    Truth::True => {
                        certain = true;
                        via.insert(label(perm));
                    }
                    Truth::Unknown => {
                        conditions.extend(s.condition.undecided(ctx, Side::Allow));
                        via.insert(label(perm));
                    }
                }
            }
        }
        if via.is_empty() {
            return None;
        }
        // The core must survive every Deny, the boundary and the guardrails.
        for action in ADMIN_ACTIONS {
            let g = self.grant(action)?;
            if !g.all_resources {
                return None;
            }
            if g.conditional && certain {
                // Allowed for certain only under a condition: not certain any more.
                conditions.extend(g.conditions);
            }
        }
        // Denies that take something away without touching the core.
        let mut except = BTreeSet::new();
        for (perm, c) in &self.grants {
            for s in c.statements.iter().filter(|s| !s.allow) {
                let t = s.condition.eval(ctx, Side::Deny);
                if t == Truth::False {
                    continue;
                }
                let mut text = format!(
                    "{} {}: Deny {}{}",
                    label(perm),
                    s.name(),
                    if s.negated { "NotAction " } else { "" },
                    s.actions.join(", ")
                );
                if t == Truth::Unknown {
                    conditions.extend(s.condition.undecided(ctx, Side::Deny));
                    text.push_str(" (under a condition)");
                }
                except.insert(text);
            }
        }
        Some(Admin {
            via: via.into_iter().collect(),
            certain: certain && conditions.is_empty(),
            conditions: conditions.into_iter().collect(),
            except: except.into_iter().collect(),
        })
    }

    /// The actions of a service the principal may do on some resource, counted through the
    /// action catalog: (allowed, of which permissions management, the service's total).
    pub fn service_actions(&self, service: &str) -> (usize, usize, usize) {
        let catalog = actions::catalog();
        let Some(s) = catalog.service(service) else {
            return (0, 0, 0);
        };
        let mut allowed = 0;
        let mut permissions = 0;
        for (name, level) in &s.actions {
            let action = format!("{}:{name}", s.prefix);
            if self.allowed_somewhere(&action) {
                allowed += 1;
                if *level == actions::Level::PermissionsManagement {
                    permissions += 1;
                }
            }
        }
        (allowed, permissions, s.actions.len())
    }

    /// Whether `action` is allowed on some resource: [`Effective::grant`] without building the
    /// grant.
    fn allowed_somewhere(&self, action: &str) -> bool {
        let probe = probes().index_of(action);
        let ctx = &self.context;
        let denied_everywhere = self.grants.iter().any(|(_, c)| {
            c.matching(action, probe).any(|st| {
                !st.allow
                    && st.resources == Resources::All
                    && st.condition.eval(ctx, Side::Deny) == Truth::True
            })
        });
        !denied_everywhere && self.allows_some(action) && self.capped_allows(action, probe)
    }

    /// Broad grants with the policies they come from, each once.
    pub fn broad(&self) -> BTreeMap<&'a Broad, BTreeSet<String>> {
        let mut out: BTreeMap<&Broad, BTreeSet<String>> = BTreeMap::new();
        for (p, c) in &self.grants {
            for b in &c.broad {
                out.entry(b).or_default().insert(label(p));
            }
        }
        out
    }

    /// Every (policy, statement) of the principal's own policies, for the rare question no
    /// method answers.
    pub fn statements(&self) -> impl Iterator<Item = (&'a Permission, &'a CompiledStatement)> + '_ {
        self.grants
            .iter()
            .flat_map(|(p, c)| c.statements.iter().map(move |s| (*p, s)))
    }
}

/// Allow statements are decided in the caller's favour; so are Deny statements (avoided).
fn side(s: &CompiledStatement) -> Side {
    if s.allow {
        Side::Allow
    } else {
        Side::Deny
    }
}

/// The request context of a principal acting as itself: its ARN, account, name, tags, and how a
/// non-human identity authenticates (access keys have no MFA and no session; a role's session
/// was just issued and carries no MFA).
pub fn principal_context(
    identity: &Identity,
    now: chrono::DateTime<chrono::Utc>,
    org_id: Option<&str>,
) -> Context {
    let mut ctx = Context::new(now);
    ctx.set("aws:PrincipalArn", [identity.id.as_str()]);
    ctx.set("aws:PrincipalAccount", [identity.scope.as_str()]);
    ctx.set("aws:PrincipalIsAWSService", ["false"]);
    if identity.tags_known {
        for (k, v) in &identity.tags {
            ctx.set(&format!("aws:PrincipalTag/{k}"), [v.as_str()]);
        }
    }
    match identity.kind.as_str() {
        nhi_api::kinds::IAM_USER => {
            ctx.set("aws:username", [identity.name.as_str()]);
            ctx.set("aws:PrincipalType", ["User"]);
            ctx.set_value("aws:MultiFactorAuthPresent", Value::Absent);
            ctx.set_value("aws:MultiFactorAuthAge", Value::Absent);
            ctx.set_value("aws:TokenIssueTime", Value::Absent);
        }
        nhi_api::kinds::IAM_ROLE => {
            ctx.set_value("aws:username", Value::Absent);
            ctx.set("aws:PrincipalType", ["AssumedRole"]);
            ctx.set("aws:MultiFactorAuthPresent", ["false"]);
            ctx.set_value("aws:MultiFactorAuthAge", Value::Absent);
            ctx.set("aws:TokenIssueTime", [now.to_rfc3339()]);
        }
        _ => {}
    }
    match org_id {
        Some(id) => ctx.set("aws:PrincipalOrgID", [id]),
        None => ctx.set_value("aws:PrincipalOrgID", Value::Unknown),
    }
    ctx
}

#[cfg(test)]
mod tests;
