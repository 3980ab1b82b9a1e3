//! Cross-provider edges: which workload subjects (a repository's CI jobs, a Kubernetes service
//! account) can become which cloud role, through the role's trust of an OIDC identity provider.
//!
//! A role trusts an issuer (`Principal.Federated` = its OIDC provider) and constrains the token's
//! claims in conditions: the `sub` first of all (`StringEquals` / `StringLike`, lists,
//! `ForAnyValue:`), and sometimes the audience, the repository or its owner. Each workload the
//! scan saw says which subjects its tokens can carry, as patterns where `*` is what whoever
//! triggers the job chooses (a branch name), and who can make a job carry each. An edge exists
//! when some subject is both allowed by the trust and one the workload can carry.
//!
//! Subjects the trust allows that no scanned workload answers for are kept too, named: "any
//! repository on GitHub", a repository of an organization that was not scanned, or one that
//! does not exist (whoever creates it gets in).

use super::{Certainty, NodeId, NodeKind, PrivilegeGraph};
use crate::policy::condition::{Condition, Context, Keys, Side, Truth, Value};
use chrono::{DateTime, Utc};
use nhi_api::policy::{Effect, PolicyDocument};
use nhi_api::{Inventory, SubjectTemplate, Workload};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// "Subject S of a workload can become role R".
#[derive(Debug, Clone)]
pub struct FederationEdge {
    /// The workload, by index in the inventory's workloads; `None` for subjects no scanned
    /// workload answers for.
    pub workload: Option<usize>,
    /// The run's place in the workload's list (the connector lists the most open first).
    pub template: usize,
    pub role: NodeId,
    /// The subject: the workload's template, or the trust's own pattern when unresolved.
    pub subject: String,
    /// Who can make a job present it, in words.
    pub who: String,
    /// What stands in the way; `None` when nothing does.
    pub gate: Option<String>,
    /// The trust statement (Sid or `#N`) and its conditions, quoted.
    pub statement: String,
    pub conditions: Vec<String>,
    pub certainty: Certainty,
    /// Whoever this subject is open to lives outside the scanned estate (any repository on
    /// GitHub, an organization that was not scanned).
    pub foreign: bool,
    /// How a workload was joined to the role when not by its issuer: a Kubernetes service
    /// account's annotated role, its cluster's issuer unknown.
    pub joined_by: Option<String>,
}

/// A `sub` constraint of one trust statement: the token's subject must match one of `values`
/// (or, negated, none of them).
struct SubTest {
    values: Vec<String>,
    /// StringEquals: the values are literal strings; StringLike: globs.
    glob: bool,
    negated: bool,
}

/// The OIDC provider a `Federated` principal names, as an issuer host and path
/// (`token.actions.githubusercontent.com`), for `arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH`.
fn provider_host(federated: &str) -> Option<&str> {
    federated.split_once(":oidc-provider/").map(|(_, h)| h)
}

/// The host and path of an issuer URL.
fn issuer_host(issuer: &str) -> &str {
    issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
}

/// Whether a trust's pattern `a` (`*` any run, `?` one character, as `StringLike` reads
/// them) and a workload's subject template `b` share a subject. A template's `*` stands for one
/// claim value (a branch or environment name), which never holds the `:` between claims.
/// Case-sensitive, as token claims are.
pub fn globs_intersect(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // seen[i][j]: the states (a[i..], b[j..]) already explored.
    let mut seen = vec![vec![false; b.len() + 1]; a.len() + 1];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if seen[i][j] {
            continue;
        }
        seen[i][j] = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        let a_star = i < a.len() && a[i] == '*';
        let b_star = j < b.len() && b[j] == '*';
        // A star may match nothing.
        if a_star {
            stack.push((i + 1, j));
        }
        if b_star {
            stack.push((i, j + 1));
        }
        // Or one more character, which the other side must produce.
        match (i < a.len(), j < b.len()) {
            (true, true) => {
                let (x, y) = (a[i], b[j]);
                if x == '*' && y == '*' {
                    stack.push((i, j + 1));
                    stack.push((i + 1, j));
                } else if x == '*' {
                    stack.push((i, j + 1));
                } else if y == '*' {
                    if x != ':' {
                        stack.push((i + 1, j));
                    }
                } else if (x == '?' && y != ':') || y == '?' || x == y {
                    stack.push((i + 1, j + 1));
                }
            }
            (true, false) if a_star => stack.push((i + 1, j)),
            (false, true) if b_star => stack.push((i, j + 1)),
            _ => {}
        }
    }
    false
}

/// A literal (StringEquals) value as a glob that matches only itself.
fn literal(value: &str) -> String {
    // Token claims never hold `*` or `?`: a literal value with them can never be presented as
    // a pattern would be; map them to characters no subject has.
    value.replace(['*', '?'], "\u{0}")
}

/// The part of a glob before its first wildcard: two globs can share a subject only when one's
/// literal start begins the other's.
fn literal_prefix(glob: &str) -> &str {
    &glob[..glob.find(['*', '?']).unwrap_or(glob.len())]
}

/// The scanned workloads' subject templates, by the OIDC issuer that signs their tokens and the
/// literal start of each pattern, so a role's trust meets only the templates its values can
/// match: with thousands of roles and of repositories, trying every pair is quadratic.
struct TemplateIndex<'a> {
    /// By issuer host (lowercase): (literal prefix, workload, template), sorted.
    by_host: HashMap<String, Vec<(&'a str, usize, usize)>>,
    /// Workloads with no known issuer (a cluster whose issuer was not given), by the role their
    /// IRSA annotation names.
    by_annotation: HashMap<&'a str, Vec<usize>>,
}

impl<'a> TemplateIndex<'a> {
    fn build(workloads: &'a [Workload], subjects: &'a [Vec<SubjectTemplate>]) -> Self {
        let mut by_host: HashMap<String, Vec<(&'a str, usize, usize)>> = HashMap::new();
        let mut by_annotation: HashMap<&'a str, Vec<usize>> = HashMap::new();
        for (wi, w) in workloads.iter().enumerate() {
            if w.issuer.is_empty() {
                if let Some(role) = w.annotated_role.as_deref() {
                    by_annotation.entry(role).or_default().push(wi);
                }
                continue;
            }
            let entries = by_host
                .entry(issuer_host(&w.issuer).to_ascii_lowercase())
                .or_default();
            for (ti, t) in subjects[wi].iter().enumerate() {
                entries.push((literal_prefix(&t.pattern), wi, ti));
            }
        }
        for entries in by_host.values_mut() {
            entries.sort_unstable();
        }
        TemplateIndex {
            by_host,
            by_annotation,
        }
    }

    /// The (workload, template) pairs of `host` whose pattern may meet `allowed`: those whose
    /// literal start begins with `allowed`'s, or is a proper beginning of it.
    fn meeting(&self, host: &str, allowed: &str, out: &mut Vec<(usize, usize)>) {
        let Some(entries) = self.by_host.get(&host.to_ascii_lowercase()) else {
            return;
        };
        let p = literal_prefix(allowed);
        let start = entries.partition_point(|(q, ..)| *q < p);
        out.extend(
            entries[start..]
                .iter()
                .take_while(|(q, ..)| q.starts_with(p))
                .map(|&(_, wi, ti)| (wi, ti)),
        );
        for (k, _) in p.char_indices() {
            let q = &p[..k];
            let start = entries.partition_point(|(x, ..)| *x < q);
            out.extend(
                entries[start..]
                    .iter()
                    .take_while(|(x, ..)| *x == q)
                    .map(|&(_, wi, ti)| (wi, ti)),
            );
        }
    }

    /// Every template of `host`.
    fn all(&self, host: &str, out: &mut Vec<(usize, usize)>) {
        if let Some(entries) = self.by_host.get(&host.to_ascii_lowercase()) {
            out.extend(entries.iter().map(|&(_, wi, ti)| (wi, ti)));
        }
    }
}

impl SubTest {
    /// Whether a subject template is allowed by this test.
    fn admits(&self, t: &SubjectTemplate) -> bool {
        let hits = self.values.iter().any(|v| {
            let allowed = if self.glob { v.clone() } else { literal(v) };
            if !globs_intersect(&allowed, &t.pattern) {
                return false;
            }
            // A concrete value the template explicitly leaves to another template.
            let concrete = !allowed.contains(['*', '?']);
            !(concrete && t.except.iter().any(|e| e == &allowed))
        });
        if self.negated {
            // Holds unless the template can only present excluded subjects: a pattern with a
            // wildcard leaves the caller other choices.
            !hits || t.pattern.contains(['*', '?'])
        } else {
            hits
        }
    }
}

/// Request keys of a workload's token for the condition evaluator: its known claims, the
/// subject (decided apart), and the claims the job chooses.
struct TokenKeys<'a> {
    prefix: &'a str,
    workload: Option<&'a Workload>,
    base: &'a Context,
}

impl Keys for TokenKeys<'_> {
    fn value(&self, key: &str) -> Value {
        let Some(claim) = key
            .get(..self.prefix.len())
            .filter(|p| p.eq_ignore_ascii_case(self.prefix))
            .and_then(|_| key.get(self.prefix.len() + 1..))
        else {
            return self.base.value(key);
        };
        match claim {
            // Decided apart, against the workload's templates.
            "sub" => Value::Chosen,
            // The workflow asks for its own audience; the job picks its ref, environment,
            // workflow and event by how it is triggered.
            "aud" | "ref" | "ref_type" | "environment" | "job_workflow_ref" | "workflow"
            | "workflow_ref" | "event_name" | "head_ref" | "base_ref" | "actor" | "actor_id"
            | "sha" | "run_id" | "run_number" | "run_attempt" => Value::Chosen,
            other => match self.workload.and_then(|w| w.claims.get(other)) {
                Some(v) => Value::Known(vec![v.clone()]),
                None => Value::Unknown,
            },
        }
    }
}

/// The part of a subject pattern that names the repository: `acme/web` of
/// `repo:acme/web:ref:refs/heads/main`, `acme@1/web@2` of the immutable form.
fn repo_part(pattern: &str) -> Option<(&str, &str)> {
    let rest = pattern.strip_prefix("repo:")?;
    let owner_repo = rest.split(':').next().unwrap_or(rest);
    let (owner, repo) = owner_repo.split_once('/').unwrap_or((owner_repo, "*"));
    Some((owner.split('@').next().unwrap_or(owner), repo))
}

/// The part of a GitLab subject pattern that names the project: (`acme/platform`, `web`) of
/// `project_path:acme/platform/web:ref_type:branch:ref:main`; the namespace is `*` when the
/// pattern leaves it open (`project_path:*`).
fn project_part(pattern: &str) -> Option<(&str, &str)> {
    let rest = pattern.strip_prefix("project_path:")?;
    let path = rest.split(':').next().unwrap_or(rest);
    Some(path.rsplit_once('/').unwrap_or((path, "*")))
}

/// Whether a scanned GitLab scope (a group, with its subgroups, or a project) holds namespace
/// `ns`.
fn gitlab_scanned(ns: &str, scanned_scopes: &BTreeSet<&str>) -> bool {
    scanned_scopes
        .iter()
        .any(|s| ns == *s || ns.starts_with(&format!("{s}/")))
}

/// [`describe_foreign`] for GitLab CI subjects (`project_path:GROUP/PROJECT:...`).
fn describe_foreign_gitlab(
    ns: &str,
    project: &str,
    scanned_scopes: &BTreeSet<&str>,
) -> (String, bool) {
    if ns.contains(['*', '?']) {
        return ("any project on the GitLab instance".to_string(), true);
    }
    if !gitlab_scanned(ns, scanned_scopes) {
        return (
            format!("project {ns}/{project} (group {ns} not scanned)"),
            true,
        );
    }
    if project.contains(['*', '?']) {
        return (
            format!(
                "anyone who may create a project in {ns} (a new project has no protected branches)"
            ),
            false,
        );
    }
    (
        format!("project {ns}/{project}, which {ns} does not have (or nhi could not read): whoever creates it gets in"),
        false,
    )
}

/// The namespace and name of a Kubernetes service account subject
/// (`system:serviceaccount:NS:NAME`).
fn k8s_account(subject: &str) -> Option<(&str, &str)> {
    subject
        .strip_prefix("system:serviceaccount:")?
        .split_once(':')
}

/// Describe a trusted subject no scanned workload can present: who it is open to, and whether
/// that lies outside the scanned estate.
fn describe_foreign(pattern: &str, scanned_scopes: &BTreeSet<&str>) -> (String, bool) {
    if let Some((ns, project)) = project_part(pattern) {
        return describe_foreign_gitlab(ns, project, scanned_scopes);
    }
    let Some((owner, repo)) = repo_part(pattern) else {
        return (
            format!("any workload whose token subject matches {pattern}"),
            true,
        );
    };
    if owner.contains(['*', '?']) {
        return ("any repository on GitHub".to_string(), true);
    }
    let repo_name = repo.split('@').next().unwrap_or(repo);
    if !scanned_scopes.contains(owner) {
        return (
            format!("repository {owner}/{repo_name} (organization {owner} not scanned)"),
            true,
        );
    }
    if repo_name.contains(['*', '?']) {
        let named = if repo_name == "*" {
            String::new()
        } else {
            format!(" named {repo_name}")
        };
        return (
            format!("anyone who may create a repository{named} in {owner} (a new repository has no protected branches or environments)"),
            false,
        );
    }
    (
        format!(
            "repository {owner}/{repo_name}, which {owner} does not have (or nhi could not read): whoever creates it gets in"
        ),
        false,
    )
}

/// The subject both sides agree on, for people: segment by segment (`:`), the more specific of
/// the trust's value and the workload's template.
fn meet(allowed: &str, template: &str) -> String {
    if !allowed.contains(['*', '?']) {
        return allowed.to_string();
    }
    if !template.contains(['*', '?']) {
        return template.to_string();
    }
    let a: Vec<&str> = allowed.split(':').collect();
    let t: Vec<&str> = template.split(':').collect();
    if a.len() != t.len() {
        return template.to_string();
    }
    a.iter()
        .zip(&t)
        .map(|(x, y)| if x.contains(['*', '?']) { *y } else { *x })
        .collect::<Vec<_>>()
        .join(":")
}

/// What narrowing a template to the subject a trust names puts in the way: a job of a named
/// branch runs that branch's code, which branch protection may guard.
fn narrowing_gate(template: &str, subject: &str) -> Option<String> {
    if !template.contains("ref:refs/heads/*") || subject.contains(['*', '?']) {
        return None;
    }
    let branch = subject.split("ref:refs/heads/").nth(1)?;
    let branch = branch.split(':').next().unwrap_or(branch);
    Some(format!(
        "only jobs of branch {branch} (nhi does not read branch protection: if {branch} is not protected, anyone who can push to it gets in)"
    ))
}

/// What may guard a named environment or branch of a repository nhi did not read.
fn unread_gate(pattern: &str) -> Option<String> {
    if let Some(rest) = pattern.strip_prefix("project_path:") {
        let branch = rest.split(":ref_type:branch:ref:").nth(1)?;
        if branch.contains(['*', '?', ':']) {
            return None;
        }
        return Some(format!(
            "only jobs of branch {branch}, whose protection nhi could not read"
        ));
    }
    let (_, context) = pattern.strip_prefix("repo:")?.split_once(':')?;
    if context.contains(['*', '?']) {
        return None;
    }
    if let Some(env) = context.strip_prefix("environment:") {
        return Some(format!(
            "only jobs deploying to environment {env}, whose protection nhi could not read"
        ));
    }
    let branch = context.strip_prefix("ref:refs/heads/")?;
    Some(format!(
        "only jobs of branch {branch}, whose protection nhi could not read"
    ))
}

/// The cross-provider edges of a run, indexed by the role they lead to and the workload they
/// start from.
#[derive(Debug, Default)]
pub struct Federation {
    pub edges: Vec<FederationEdge>,
    by_role: HashMap<NodeId, Vec<usize>>,
    by_workload: HashMap<usize, Vec<usize>>,
}

impl Federation {
    /// Every edge of the estate: each role trusting an OIDC issuer, against every workload of
    /// that issuer the scan saw.
    pub fn build(inventory: &Inventory, graph: &PrivilegeGraph<'_>, now: DateTime<Utc>) -> Self {
        let ctx = Context::new(now);
        let scopes: BTreeSet<&str> = inventory
            .workloads
            .iter()
            .map(|w| w.scope.as_str())
            .collect();
        // Each workload's subjects, expanded once.
        let subjects: Vec<Vec<SubjectTemplate>> =
            inventory.workloads.iter().map(Workload::subjects).collect();
        let index = TemplateIndex::build(&inventory.workloads, &subjects);
        let mut edges = Vec::new();
        for (id, node) in graph.nodes.iter().enumerate() {
            if node.kind != NodeKind::Role {
                continue;
            }
            let Some(doc) = graph
                .identity(id as NodeId)
                .and_then(|i| i.trust.as_deref())
                .and_then(|k| inventory.policies.get(k))
            else {
                continue;
            };
            role_edges(
                id as NodeId,
                node.arn,
                doc,
                inventory,
                &subjects,
                &index,
                &scopes,
                &ctx,
                &mut edges,
            );
        }
        let mut by_role: HashMap<NodeId, Vec<usize>> = HashMap::new();
        let mut by_workload: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, e) in edges.iter().enumerate() {
            by_role.entry(e.role).or_default().push(i);
            if let Some(w) = e.workload {
                by_workload.entry(w).or_default().push(i);
            }
        }
        Federation {
            edges,
            by_role,
            by_workload,
        }
    }

    /// The edges into a role: who outside AWS can become it.
    pub fn into_role(&self, role: NodeId) -> impl Iterator<Item = &FederationEdge> {
        self.by_role
            .get(&role)
            .into_iter()
            .flatten()
            .map(|&i| &self.edges[i])
    }

    /// The edges out of a workload (by index in the inventory's workloads).
    pub fn from_workload(&self, workload: usize) -> impl Iterator<Item = &FederationEdge> {
        self.by_workload
            .get(&workload)
            .into_iter()
            .flatten()
            .map(|&i| &self.edges[i])
    }

    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// Who can become a role, one entry per workload (or per trusted subject no scanned
    /// workload answers for), open ones first.
    pub fn ways_in(&self, role: NodeId, inventory: &Inventory) -> Vec<WayIn> {
        let mut groups: BTreeMap<(Option<usize>, String), Vec<&FederationEdge>> = BTreeMap::new();
        for e in self.into_role(role) {
            let key = match e.workload {
                Some(w) => (Some(w), String::new()),
                None => (None, e.subject.clone()),
            };
            groups.entry(key).or_default().push(e);
        }
        let mut out: Vec<WayIn> = groups
            .into_values()
            .map(|mut edges| {
                edges.sort_by_key(|e| (e.gate.is_some(), e.template));
                let lead = edges[0];
                let mut subjects: Vec<String> = edges.iter().map(|e| e.subject.clone()).collect();
                subjects.dedup();
                WayIn {
                    workload: lead
                        .workload
                        .and_then(|w| inventory.workloads.get(w))
                        .map(|w| w.id.clone()),
                    subjects,
                    who: lead.who.clone(),
                    gate: lead.gate.clone(),
                    outside_the_scan: lead.foreign,
                }
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

    /// What a workload can become, one entry per role, with what the role amounts to.
    pub fn ways_out(&self, workload: usize, graph: &PrivilegeGraph<'_>) -> Vec<WayOut> {
        let mut groups: BTreeMap<NodeId, Vec<&FederationEdge>> = BTreeMap::new();
        for e in self.from_workload(workload) {
            groups.entry(e.role).or_default().push(e);
        }
        let name = graph
            .inventory
            .workloads
            .get(workload)
            .map(|w| w.id.clone())
            .unwrap_or_default();
        let mut out: Vec<WayOut> = groups
            .into_iter()
            .map(|(role, mut edges)| {
                edges.sort_by_key(|e| (e.gate.is_some(), e.template));
                let mut subjects: Vec<String> = edges.iter().map(|e| e.subject.clone()).collect();
                subjects.dedup();
                let i = role as usize;
                let reaches = match graph.dist[i] {
                    0 => vec!["admin".to_string()],
                    u32::MAX => graph.reach[i]
                        .names()
                        .iter()
                        .map(|n| n.to_string())
                        .collect(),
                    1 => vec!["admin in 1 step".to_string()],
                    d => vec![format!("admin in {d} steps")],
                };
                WayOut {
                    workload: name.clone(),
                    identity: graph.node(role).arn.to_string(),
                    subjects,
                    gate: edges[0].gate.clone(),
                    reaches,
                }
            })
            .collect();
        out.sort_by(|a, b| a.identity.cmp(&b.identity));
        out
    }
}

/// Who can become an identity from another provider, as the report gives it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WayIn {
    /// The workload (`github:acme/web`); null for a trusted subject no scanned workload
    /// answers for (another organization, any repository).
    pub workload: Option<String>,
    /// The token subjects that get in, the most open first.
    pub subjects: Vec<String>,
    /// Who can make a job present the first of them.
    pub who: String,
    /// What stands in its way; null when nothing does.
    pub gate: Option<String>,
    /// Whether whoever gets in lies outside the scanned estate.
    pub outside_the_scan: bool,
}

/// An identity of another provider a workload can become, as the report gives it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WayOut {
    pub workload: String,
    /// The identity it can become (a role ARN).
    pub identity: String,
    pub subjects: Vec<String>,
    /// What stands in the way of the most open subject; null when nothing does.
    pub gate: Option<String>,
    /// What the identity amounts to: `admin`, `admin in N steps`, or the sensitive
    /// capabilities it may reach (empty: none).
    pub reaches: Vec<String>,
}

/// Whether a trust statement can be used with a web identity token.
fn web_identity(st: &nhi_api::policy::Statement) -> bool {
    st.effect == Effect::Allow
        && st.action.as_ref().is_some_and(|a| {
            a.iter()
                .any(|x| crate::policy::glob_match(x, "sts:AssumeRoleWithWebIdentity"))
        })
}

#[allow(clippy::too_many_arguments)]
fn role_edges(
    role: NodeId,
    role_arn: &str,
    doc: &PolicyDocument,
    inventory: &Inventory,
    subjects: &[Vec<SubjectTemplate>],
    templates: &TemplateIndex<'_>,
    scopes: &BTreeSet<&str>,
    ctx: &Context,
    out: &mut Vec<FederationEdge>,
) {
    for (index, st) in doc.statements.iter().enumerate() {
        if !web_identity(st) {
            continue;
        }
        let statement = match &st.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => format!("#{}", index + 1),
        };
        let condition = Condition::compile(&st.condition);
        let quoted = condition.quote();
        for federated in st.principal.iter().flat_map(|p| p.of_type("Federated")) {
            let Some(host) = provider_host(federated) else {
                continue;
            };
            let sub_key = format!("{host}:sub");
            let tests: Vec<SubTest> = condition
                .tests
                .iter()
                .filter(|t| t.key.eq_ignore_ascii_case(&sub_key))
                .map(|t| SubTest {
                    values: t.values.clone(),
                    glob: t.operator_text.contains("Like"),
                    negated: t.operator_text.contains("Not"),
                })
                .collect();
            let positive: Vec<&SubTest> = tests.iter().filter(|t| !t.negated).collect();
            let edge = |workload: Option<(usize, usize)>,
                        subject: String,
                        who: String,
                        gate,
                        certainty,
                        foreign| {
                FederationEdge {
                    workload: workload.map(|(w, _)| w),
                    template: workload.map_or(0, |(_, t)| t),
                    role,
                    subject,
                    who,
                    gate,
                    statement: statement.clone(),
                    conditions: quoted.clone(),
                    certainty,
                    foreign,
                    joined_by: None,
                }
            };
            let certainty = |t: Truth| {
                if t == Truth::True {
                    Certainty::High
                } else {
                    Certainty::Medium
                }
            };
            // Subjects of scanned workloads the trust admits. Only templates that can meet a
            // value of the first positive test can pass every test: the others are not tried.
            let mut candidates: Vec<(usize, usize)> = Vec::new();
            match positive.first() {
                Some(first) => {
                    for v in &first.values {
                        let allowed = if first.glob { v.clone() } else { literal(v) };
                        templates.meeting(host, &allowed, &mut candidates);
                    }
                }
                None => templates.all(host, &mut candidates),
            }
            if host.starts_with("oidc.eks.") {
                for &wi in templates.by_annotation.get(role_arn).into_iter().flatten() {
                    candidates.extend((0..subjects[wi].len()).map(|ti| (wi, ti)));
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut answered: BTreeSet<&str> = BTreeSet::new();
            for group in candidates.chunk_by(|a, b| a.0 == b.0) {
                let wi = group[0].0;
                let w = &inventory.workloads[wi];
                // By issuer; or, for a service account whose cluster's issuer is not known, by
                // the role its IRSA annotation names, when this role trusts an EKS issuer.
                let by_issuer =
                    !w.issuer.is_empty() && issuer_host(&w.issuer).eq_ignore_ascii_case(host);
                let by_annotation = w.issuer.is_empty()
                    && host.starts_with("oidc.eks.")
                    && w.annotated_role.as_deref() == Some(role_arn);
                if !(by_issuer || by_annotation) {
                    continue;
                }
                let joined_by = by_annotation.then(|| {
                    format!(
                        "its eks.amazonaws.com/role-arn annotation names this role; the cluster's OIDC issuer was not given (--k8s-oidc-issuer), so {host} is taken to be it"
                    )
                });
                let keys = TokenKeys {
                    prefix: host,
                    workload: Some(w),
                    base: ctx,
                };
                let others = condition.eval(&keys, Side::Allow);
                for &(_, ti) in group {
                    let t = &subjects[wi][ti];
                    if !tests.iter().all(|test| test.admits(t)) {
                        continue;
                    }
                    // The trust's values this template answers for: the subject to name. A
                    // value is answered even when the token's other claims rule the workload
                    // out: the subject is that workload's, and it does not get in.
                    let mut values: Vec<&str> = Vec::new();
                    for test in &positive {
                        for v in &test.values {
                            let allowed = if test.glob { v.clone() } else { literal(v) };
                            if globs_intersect(&allowed, &t.pattern) {
                                answered.insert(v);
                                values.push(v);
                            }
                        }
                    }
                    if others == Truth::False {
                        continue;
                    }
                    let subjects: Vec<String> = if values.is_empty() {
                        vec![t.pattern.clone()]
                    } else {
                        let mut s: Vec<String> =
                            values.iter().map(|v| meet(v, &t.pattern)).collect();
                        s.sort();
                        s.dedup();
                        s
                    };
                    for subject in subjects {
                        let gate = t
                            .gate
                            .clone()
                            .or_else(|| narrowing_gate(&t.pattern, &subject));
                        // The run's place: the connector lists the most open first.
                        let mut e = edge(
                            Some((wi, ti % w.runs.len().max(1))),
                            subject,
                            t.who.clone(),
                            gate,
                            if by_annotation {
                                Certainty::Medium
                            } else {
                                certainty(others)
                            },
                            false,
                        );
                        e.joined_by = joined_by.clone();
                        out.push(e);
                    }
                }
            }
            // What the trust admits beyond the scanned workloads.
            let keys = TokenKeys {
                prefix: host,
                workload: None,
                base: ctx,
            };
            let others = condition.eval(&keys, Side::Allow);
            if others == Truth::False {
                continue;
            }
            if positive.is_empty() {
                out.push(edge(
                    None,
                    "*".into(),
                    format!(
                        "any workload {host} issues tokens to (the trust has no sub condition)"
                    ),
                    None,
                    certainty(others),
                    true,
                ));
                continue;
            }
            for test in positive {
                for v in &test.values {
                    // A value a scanned workload answers for is that workload's; a wildcard
                    // over an organization's repositories is open to new ones too.
                    // Any owner is every organization on GitHub, scanned or not.
                    let open_beyond = repo_part(v).is_some_and(|(owner, repo)| {
                        owner.contains(['*', '?'])
                            || (scopes.contains(owner) && repo.contains(['*', '?']))
                    }) || project_part(v).is_some_and(|(ns, project)| {
                        ns.contains(['*', '?'])
                            || (gitlab_scanned(ns, scopes) && project.contains(['*', '?']))
                    });
                    if answered.contains(v.as_str()) && !open_beyond {
                        continue;
                    }
                    let (who, foreign) = match k8s_account(v) {
                        // A Kubernetes service account of a cluster that was not scanned.
                        Some((ns, name)) => (
                            format!("any pod that runs as service account {ns}/{name} in the cluster whose OIDC issuer is {host} (not scanned)"),
                            true,
                        ),
                        None => describe_foreign(v, scopes),
                    };
                    // A named environment or branch of a repository nhi did not read may be
                    // protected: say so, and that nhi cannot tell.
                    let gate = foreign.then(|| unread_gate(v)).flatten();
                    out.push(edge(None, v.clone(), who, gate, certainty(others), foreign));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index never leaves out a template that could meet the value: compared with trying
    /// every template, over patterns with wildcards on either side.
    #[test]
    fn the_template_index_finds_every_template_a_value_can_meet() {
        let subjects = |patterns: &[&str]| -> Vec<SubjectTemplate> {
            patterns
                .iter()
                .map(|p| SubjectTemplate {
                    pattern: p.to_string(),
                    who: String::new(),
                    gate: None,
                    except: Vec::new(),
                })
                .collect()
        };
        let a = crate::rule::testing::github_repository("acme/web");
        let mut b = a.clone();
        b.issuer = "https://TOKEN.actions.githubusercontent.com/".into();
        let mut other = a.clone();
        other.issuer = "https://gitlab.com".into();
        let workloads = vec![a, b, other];
        let templates = vec![
            subjects(&[
                "repo:acme/web:ref:refs/heads/*",
                "repo:acme/web:environment:prod",
                "repo:acme/web:pull_request",
            ]),
            subjects(&["repo:acme/api:*", "repo:acme-labs/x:ref:refs/heads/main"]),
            subjects(&["project_path:acme/web:ref_type:branch:ref:main"]),
        ];
        let index = TemplateIndex::build(&workloads, &templates);
        for value in [
            "repo:acme/web:*",
            "repo:acme/*",
            "repo:acme/web:ref:refs/heads/main",
            "repo:acme/api:environment:prod",
            "repo:acme-labs/x:ref:refs/heads/main",
            "repo:acme?web:pull_request",
            "*",
            "repo:other/*",
            "project_path:acme/web:*",
        ] {
            let mut found = Vec::new();
            index.meeting("token.actions.githubusercontent.com", value, &mut found);
            found.sort();
            found.dedup();
            let mut expected = Vec::new();
            for (wi, ts) in templates.iter().enumerate().take(2) {
                for (ti, t) in ts.iter().enumerate() {
                    if globs_intersect(value, &t.pattern) {
                        expected.push((wi, ti));
                    }
                }
            }
            // Every template that meets the value is found (more may be, never fewer).
            for e in &expected {
                assert!(found.contains(e), "{value}: {e:?} missing from {found:?}");
            }
            // Templates of another issuer never are.
            assert!(found.iter().all(|(wi, _)| *wi < 2), "{value}: {found:?}");
        }
        let mut none = Vec::new();
        index.meeting(
            "token.actions.githubusercontent.com",
            "repo:zeta/*",
            &mut none,
        );
        assert!(none.is_empty(), "{none:?}");
        let mut all = Vec::new();
        index.all("gitlab.com", &mut all);
        assert_eq!(all, vec![(2, 0)]);
    }

    #[test]
    fn glob_intersections() {
        assert!(globs_intersect(
            "repo:acme/web:*",
            "repo:acme/web:ref:refs/heads/*"
        ));
        assert!(globs_intersect(
            "repo:acme/*:ref:refs/heads/main",
            "repo:acme/web:ref:refs/heads/*"
        ));
        assert!(!globs_intersect(
            "repo:acme/web:environment:prod",
            "repo:acme/web:ref:refs/heads/*"
        ));
        assert!(globs_intersect(
            "repo:acme/web:environment:prod",
            "repo:acme/web:environment:*"
        ));
        assert!(!globs_intersect("repo:acme/api:*", "repo:acme/web:*"));
        assert!(globs_intersect("repo:*", "repo:acme@1/web@2:pull_request"));
        assert!(globs_intersect("a?c", "abc"));
        assert!(!globs_intersect("a?c", "ac"));
        assert!(globs_intersect("*", ""));
        assert!(!globs_intersect("x", ""));
        // A template's star is one claim value: an environment name holds no `:`.
        assert!(!globs_intersect(
            "repo:acme/*:ref:refs/heads/main",
            "repo:acme/web:environment:*"
        ));
        assert!(globs_intersect(
            "repo:acme/*",
            "repo:acme/web:environment:*"
        ));
    }

    #[test]
    fn gitlab_subjects_are_described_by_group_and_project() {
        let scopes = BTreeSet::from(["acme"]);
        assert_eq!(
            describe_foreign("project_path:*:ref_type:branch:ref:main", &scopes),
            ("any project on the GitLab instance".to_string(), true)
        );
        assert!(describe_foreign("project_path:other/web:ref_type:branch:ref:main", &scopes).1);
        let (who, foreign) = describe_foreign(
            "project_path:acme/platform/*:ref_type:branch:ref:main",
            &scopes,
        );
        assert!(
            !foreign && who.contains("create a project in acme/platform"),
            "{who}"
        );
        let (who, foreign) =
            describe_foreign("project_path:acme/gone:ref_type:branch:ref:main", &scopes);
        assert!(!foreign && who.contains("whoever creates it"), "{who}");
        assert_eq!(
            unread_gate("project_path:other/web:ref_type:branch:ref:main").as_deref(),
            Some("only jobs of branch main, whose protection nhi could not read")
        );
        // GitHub subjects are described as before.
        assert_eq!(
            describe_foreign("repo:*:ref:refs/heads/main", &scopes),
            ("any repository on GitHub".to_string(), true)
        );
    }

    #[test]
    fn literal_values_do_not_glob() {
        let t = SubjectTemplate {
            pattern: "repo:acme/web:ref:refs/heads/*".into(),
            who: "w".into(),
            gate: None,
            except: vec![],
        };
        let eq = SubTest {
            values: vec!["repo:acme/web:*".into()],
            glob: false,
            negated: false,
        };
        assert!(
            !eq.admits(&t),
            "StringEquals with a star matches only a literal star"
        );
        let like = SubTest { glob: true, ..eq };
        assert!(like.admits(&t));
    }

    #[test]
    fn an_existing_environment_is_not_a_new_one() {
        let new_env = SubjectTemplate {
            pattern: "repo:acme/web:environment:*".into(),
            who: "w".into(),
            gate: None,
            except: vec!["repo:acme/web:environment:prod".into()],
        };
        let prod = SubTest {
            values: vec!["repo:acme/web:environment:prod".into()],
            glob: false,
            negated: false,
        };
        assert!(!prod.admits(&new_env));
        let staging = SubTest {
            values: vec!["repo:acme/web:environment:staging".into()],
            glob: false,
            negated: false,
        };
        assert!(
            staging.admits(&new_env),
            "naming it creates it, unprotected"
        );
    }
}
