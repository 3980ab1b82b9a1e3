//! Effective AWS permissions of a principal.
//!
//! A principal is judged on the union of every policy that applies to it (inline, managed, its
//! groups'), less explicit Denies from any of them, capped by its permissions boundary — not
//! policy by policy: `iam:PassRole` in one policy and `lambda:CreateFunction` in another is an
//! escalation.
//!
//! Work is split so that a document shared by thousands of principals is analyzed once:
//! [`PolicyIndex::build`] compiles every distinct document in parallel and precomputes its answer
//! for every action in [`PROBES`]; [`Effective`] then combines a principal's documents with a few
//! lookups per action.

use nhi_api::policy::{Effect, PolicyDocument, Statement};
use nhi_api::{Identity, Permission, PermissionSource};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Actions the rules ask about. Asking about another action works too, only slower.
pub const PROBES: &[&str] = &[
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreatePolicyVersion",
    "iam:PassRole",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateLoginProfile",
    "sts:AssumeRole",
    "lambda:CreateFunction",
    "lambda:InvokeFunction",
    "lambda:UpdateFunctionCode",
    "lambda:CreateEventSourceMapping",
    "ec2:RunInstances",
    "cloudformation:CreateStack",
    "glue:CreateDevEndpoint",
    "datapipeline:CreatePipeline",
    "datapipeline:PutPipelineDefinition",
];

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
    /// `"Resource": "*"`, or `NotResource` (everything but a few).
    All,
    Some(Vec<String>),
}

#[derive(Debug, Clone)]
struct CompiledStatement {
    allow: bool,
    /// `Action` patterns, or `NotAction` patterns when `negated`.
    actions: Vec<String>,
    negated: bool,
    resources: Resources,
    conditional: bool,
}

impl CompiledStatement {
    fn compile(s: &Statement) -> Option<Self> {
        let (actions, negated) = match (&s.action, &s.not_action) {
            (Some(a), _) => (a.0.clone(), false),
            (None, Some(na)) => (na.0.clone(), true),
            // A statement with neither grants nothing.
            (None, None) => return None,
        };
        let resources = match (&s.resource, &s.not_resource) {
            (Some(r), _) if r.iter().any(|r| r == "*") => Resources::All,
            (Some(r), _) => Resources::Some(r.0.clone()),
            (None, Some(_)) => Resources::All,
            (None, None) => Resources::All,
        };
        Some(CompiledStatement {
            allow: s.effect == Effect::Allow,
            actions,
            negated,
            resources,
            conditional: !s.condition.is_empty(),
        })
    }

    fn matches(&self, action: &str) -> bool {
        let any = self.actions.iter().any(|p| glob_match(p, action));
        any != self.negated
    }
}

/// One document's answer for one action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocGrant {
    /// Allowed on every resource by an unconditional statement.
    pub all: bool,
    /// Allowed on every resource, but only under a condition.
    pub all_conditional: bool,
    /// Resource patterns allowed when not on all.
    pub scoped: Vec<String>,
    /// Denied on every resource with no condition: nothing else can grant it.
    pub denied: bool,
}

impl DocGrant {
    fn allows(&self) -> bool {
        self.all || self.all_conditional || !self.scoped.is_empty()
    }
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
    statements: Vec<CompiledStatement>,
    probes: Vec<DocGrant>,
    /// An unconditional Allow of `*` on `*`.
    pub full_admin: bool,
    pub broad: Vec<Broad>,
}

impl CompiledPolicy {
    pub fn compile(doc: &PolicyDocument) -> Self {
        let statements: Vec<CompiledStatement> = doc
            .statements
            .iter()
            .filter_map(CompiledStatement::compile)
            .collect();
        let mut p = CompiledPolicy {
            statements,
            probes: Vec::new(),
            full_admin: false,
            broad: Vec::new(),
        };
        p.probes = PROBES.iter().map(|a| p.evaluate(a)).collect();
        let deny_everything = p
            .statements
            .iter()
            .any(|s| !s.allow && !s.conditional && s.resources == Resources::All && s.matches("*"));
        p.full_admin = !deny_everything
            && p.statements.iter().any(|s| {
                s.allow
                    && !s.negated
                    && !s.conditional
                    && s.resources == Resources::All
                    && s.actions.iter().any(|a| a == "*")
            });
        let mut broad = BTreeSet::new();
        for s in p
            .statements
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
            if !s.conditional && s.matches("iam:PassRole") {
                broad.insert(Broad::PassRoleAnyRole);
            }
        }
        p.broad = broad.into_iter().collect();
        p
    }

    fn evaluate(&self, action: &str) -> DocGrant {
        let mut g = DocGrant::default();
        for s in self.statements.iter().filter(|s| s.matches(action)) {
            match (s.allow, &s.resources) {
                (true, Resources::All) if !s.conditional => g.all = true,
                (true, Resources::All) => g.all_conditional = true,
                (true, Resources::Some(r)) => g.scoped.extend(r.iter().cloned()),
                (false, Resources::All) if !s.conditional => g.denied = true,
                // A conditional or resource-scoped Deny removes only part of a grant; the grant
                // stays, judged as it is.
                (false, _) => {}
            }
        }
        g
    }

    /// This document's answer for an action; `probe` is the action's index in [`PROBES`], if
    /// it is one (precomputed), else the document is evaluated now.
    fn grant(&self, action: &str, probe: Option<usize>) -> std::borrow::Cow<'_, DocGrant> {
        match probe.and_then(|i| self.probes.get(i)) {
            Some(g) => std::borrow::Cow::Borrowed(g),
            None => std::borrow::Cow::Owned(self.evaluate(action)),
        }
    }
}

/// Every distinct document of an inventory, compiled once.
#[derive(Debug, Default)]
pub struct PolicyIndex {
    compiled: HashMap<String, CompiledPolicy>,
}

impl PolicyIndex {
    pub fn build(policies: &BTreeMap<String, PolicyDocument>) -> Self {
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

/// What a principal is allowed for one action, all its policies combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// On every resource.
    pub all_resources: bool,
    /// Resource patterns, when not on every resource.
    pub resources: Vec<String>,
    /// On every resource only under a condition (and on no resource unconditionally).
    pub conditional: bool,
    /// Policies that grant it.
    pub via: Vec<String>,
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

/// A principal's policies, compiled, ready to be asked what it may do.
pub struct Effective<'a> {
    grants: Vec<(&'a Permission, &'a CompiledPolicy)>,
    boundaries: Vec<(&'a Permission, &'a CompiledPolicy)>,
    /// Policies that apply but whose content is unknown.
    pub unknown: Vec<&'a Permission>,
    /// A boundary applies but its content is unknown: grants may be capped in ways not seen.
    pub boundary_unknown: bool,
    /// Policies granting `*` on `*` past the boundary, computed once: three rules ask.
    full_admin: Vec<String>,
}

impl<'a> Effective<'a> {
    /// No policies at all: what identities that are not IAM principals have.
    pub fn empty() -> Self {
        Effective {
            grants: Vec::new(),
            boundaries: Vec::new(),
            unknown: Vec::new(),
            boundary_unknown: false,
            full_admin: Vec::new(),
        }
    }

    pub fn of(identity: &'a Identity, index: &'a PolicyIndex) -> Self {
        let mut e = Effective {
            grants: Vec::new(),
            boundaries: Vec::new(),
            unknown: Vec::new(),
            boundary_unknown: false,
            full_admin: Vec::new(),
        };
        for p in &identity.permissions {
            let compiled = p.policy.as_deref().and_then(|k| index.get(k));
            match (p.source, compiled) {
                (PermissionSource::Boundary, Some(c)) => e.boundaries.push((p, c)),
                (PermissionSource::Boundary, None) => e.boundary_unknown = true,
                (_, Some(c)) => e.grants.push((p, c)),
                (_, None) => e.unknown.push(p),
            }
        }
        let capped = e.boundaries.iter().any(|(_, b)| !b.full_admin);
        if !capped {
            e.full_admin = e
                .grants
                .iter()
                .filter(|(_, c)| c.full_admin)
                .map(|(p, _)| label(p))
                .collect();
        }
        e
    }

    /// Whether a permissions boundary applies (known or not).
    pub fn has_boundary(&self) -> bool {
        !self.boundaries.is_empty() || self.boundary_unknown
    }

    /// Whether any policy applies.
    pub fn is_empty(&self) -> bool {
        self.grants.is_empty() && self.unknown.is_empty()
    }

    /// What the principal may do for `action`, or `None` if nothing allows it (or a Deny or the
    /// boundary takes it away).
    pub fn grant(&self, action: &str) -> Option<Grant> {
        let mut all = false;
        let mut all_conditional = false;
        let mut resources = BTreeSet::new();
        let mut via = BTreeSet::new();
        let probe = PROBES.iter().position(|p| p.eq_ignore_ascii_case(action));
        for (perm, c) in &self.grants {
            let g = c.grant(action, probe);
            if g.denied {
                return None;
            }
            if g.allows() {
                via.insert(label(perm));
                all |= g.all;
                all_conditional |= g.all_conditional;
                resources.extend(g.scoped.iter().cloned());
            }
        }
        for (_, b) in &self.boundaries {
            let g = b.grant(action, probe);
            if g.denied || !g.allows() {
                return None;
            }
        }
        if via.is_empty() {
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
            conditional: !all && all_conditional,
            via: via.into_iter().collect(),
        })
    }

    /// Policies that grant `*` on `*` unconditionally, if the boundary lets it through.
    pub fn full_admin_via(&self) -> &[String] {
        &self.full_admin
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_api::{kinds, providers, Inventory};

    #[test]
    fn globs() {
        assert!(glob_match("*", "iam:PassRole"));
        assert!(glob_match("iam:*", "iam:PassRole"));
        assert!(glob_match("IAM:pass*", "iam:PassRole"));
        assert!(glob_match("iam:Put*Policy", "iam:PutRolePolicy"));
        assert!(glob_match("iam:?assRole", "iam:PassRole"));
        assert!(!glob_match("iam:Put*", "iam:PassRole"));
        assert!(!glob_match("s3:*", "iam:PassRole"));
        assert!(glob_match("*:*", "s3:GetObject"));
        assert!(!glob_match("iam:PassRol", "iam:PassRole"));
    }

    fn identity_with(docs: &[(&str, PermissionSource)]) -> (Identity, Inventory) {
        let mut inv = Inventory::default();
        let mut id = Identity::new(
            providers::AWS,
            kinds::IAM_ROLE,
            "arn:aws:iam::1:role/r",
            "r",
        );
        for (i, (d, source)) in docs.iter().enumerate() {
            let doc: PolicyDocument = serde_json::from_str(d).expect("valid doc");
            let key = inv.intern_policy(doc);
            id.permissions.push(Permission {
                source: *source,
                name: format!("p{i}"),
                arn: None,
                group: None,
                policy: Some(key),
            });
        }
        (id, inv)
    }

    #[test]
    fn grants_combine_across_policies_and_denies_win() {
        let (id, inv) = identity_with(&[
            (
                r#"{"Statement":{"Effect":"Allow","Action":"iam:Pass*","Resource":"*"}}"#,
                PermissionSource::Inline,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":["lambda:*"],"Resource":"arn:aws:lambda:*:1:function:x"}}"#,
                PermissionSource::Managed,
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"lambda:InvokeFunction","Resource":"*"}}"#,
                PermissionSource::GroupInline,
            ),
        ]);
        let index = PolicyIndex::build(&inv.policies);
        let e = Effective::of(&id, &index);
        let pass = e.grant("iam:PassRole").expect("passrole");
        assert!(pass.all_resources);
        assert_eq!(pass.via, vec!["inline:p0".to_string()]);
        let create = e.grant("lambda:CreateFunction").expect("create");
        assert!(!create.all_resources);
        assert_eq!(
            create.resources,
            vec!["arn:aws:lambda:*:1:function:x".to_string()]
        );
        assert!(
            e.grant("lambda:InvokeFunction").is_none(),
            "explicit deny wins"
        );
        assert!(e.grant("s3:GetObject").is_none());
        assert!(e.full_admin_via().is_empty());
    }

    #[test]
    fn not_action_allows_everything_else() {
        let (id, inv) = identity_with(&[(
            r#"{"Statement":{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}}"#,
            PermissionSource::Managed,
        )]);
        let index = PolicyIndex::build(&inv.policies);
        let e = Effective::of(&id, &index);
        assert!(e.grant("iam:PassRole").is_none());
        assert!(e.grant("lambda:CreateFunction").is_some());
        assert!(e.grant("ec2:RunInstances").is_some());
        assert_eq!(e.broad().len(), 1);
    }

    #[test]
    fn boundary_caps_and_admin() {
        let admin = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        let (id, inv) = identity_with(&[(admin, PermissionSource::Managed)]);
        let index = PolicyIndex::build(&inv.policies);
        assert_eq!(
            Effective::of(&id, &index).full_admin_via(),
            vec!["managed:p0".to_string()]
        );

        let (id, inv) = identity_with(&[
            (admin, PermissionSource::Managed),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
                PermissionSource::Boundary,
            ),
        ]);
        let index = PolicyIndex::build(&inv.policies);
        let e = Effective::of(&id, &index);
        assert!(e.full_admin_via().is_empty(), "boundary caps admin");
        assert!(e.grant("iam:PassRole").is_none(), "boundary caps passrole");
    }

    #[test]
    fn conditional_and_self_scoped_grants_are_marked() {
        let (id, inv) = identity_with(&[
            (
                r#"{"Statement":{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::*:user/${aws:username}"}}"#,
                PermissionSource::Inline,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}}"#,
                PermissionSource::Inline,
            ),
        ]);
        let index = PolicyIndex::build(&inv.policies);
        let e = Effective::of(&id, &index);
        assert!(e.grant("iam:CreateAccessKey").expect("granted").only_self());
        assert!(e.grant("iam:PassRole").expect("granted").conditional);
    }
}
