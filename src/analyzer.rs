//! Runs every enabled rule over every identity in parallel, then scores each identity.
//!
//! Policy documents are compiled once for the whole inventory ([`PolicyIndex`]); each identity's
//! effective permissions are combined from them. Output order does not depend on input order:
//! identities are sorted by risk then natural key, findings by severity, rule and fingerprint.

use crate::config::Config;
use crate::finding::{Evidence, Finding, Kinds, RuleMeta, Severity};
use crate::policy::{Effective, PolicyIndex};
use crate::privilege::azure::AzureGraph;
use crate::privilege::federation::{Federation, WayIn, WayOut};
use crate::privilege::{Estate, PrivilegeGraph};
use crate::rule::facts::is_iam_principal;
use crate::rule::{Ctx, Facts, Rule, Subject};
use crate::rules;
use chrono::{DateTime, Utc};
use nhi_api::{Identity, Inventory, Owner};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// A finding with its rule and its stable fingerprint.
#[derive(Debug, Clone)]
pub struct Judged {
    pub meta: &'static RuleMeta,
    /// The finding as the rule made it, its evidence moved out into `evidence`.
    pub finding: Finding,
    pub evidence: Evidence,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Risk {
    pub score: u8,
    /// The highest finding severity; `None` for an identity with no findings.
    pub severity: Option<Severity>,
}

#[derive(Debug)]
pub struct Assessment<'a> {
    pub identity: &'a Identity,
    pub owner: Option<Owner>,
    pub findings: Vec<Judged>,
    pub risk: Risk,
    /// Whether rules ran on it (provider-managed identities are not judged by default).
    pub judged: bool,
    /// Workloads of other providers that can become it (a role's OIDC trust).
    pub reached_by: Vec<WayIn>,
    /// What the workloads it speaks for can become in other providers.
    pub reaches: Vec<WayOut>,
}

#[derive(Debug)]
pub struct Analysis<'a> {
    pub assessments: Vec<Assessment<'a>>,
    pub rules: Vec<&'static RuleMeta>,
}

/// Weight of one finding in the risk score.
pub fn weight(s: Severity) -> u32 {
    match s {
        Severity::Critical => 70,
        Severity::High => 40,
        Severity::Medium => 20,
        Severity::Low => 8,
        Severity::Info => 0,
    }
}

/// Risk score 0–100: the weight of the worst finding, plus a quarter of each other finding's
/// weight, capped at 100. One critical is 70; a high with two mediums is 40 + 5 + 5 = 50.
pub fn score(findings: &[Judged]) -> Risk {
    let mut weights: Vec<u32> = findings
        .iter()
        .map(|j| weight(j.finding.severity))
        .collect();
    weights.sort_unstable_by(|a, b| b.cmp(a));
    let total = weights
        .split_first()
        .map(|(top, rest)| top + rest.iter().map(|w| w / 4).sum::<u32>())
        .unwrap_or(0);
    Risk {
        score: total.min(100) as u8,
        severity: findings.iter().map(|j| j.finding.severity).max(),
    }
}

/// Stable id of a finding: rule, provider, scope, identity and credential; never names, times
/// or order, so it survives renames of display fields, re-runs and file splits.
pub fn fingerprint(rule_id: &str, identity: &Identity, credential_id: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in [
        rule_id,
        identity.provider.as_str(),
        identity.scope.as_str(),
        identity.id.as_str(),
        credential_id.unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    let mut out = String::with_capacity(32);
    nhi_api::push_hex(&mut out, &h.finalize()[..16]);
    out
}

pub fn analyze<'a>(inventory: &'a Inventory, config: &Config, now: DateTime<Utc>) -> Analysis<'a> {
    analyze_then(inventory, config, now, |_, _, _, _| ()).0
}

/// [`analyze`], then hand the analysis, the privilege graph and the cross-provider edges it was
/// judged on to `then` (`nhi graph` draws them), before they are dropped.
pub fn analyze_then<'a, R>(
    inventory: &'a Inventory,
    config: &Config,
    now: DateTime<Utc>,
    then: impl FnOnce(&Analysis<'a>, &PrivilegeGraph<'_>, &Federation, &AzureGraph) -> R,
) -> (Analysis<'a>, R) {
    let catalog = rules::all();
    let dispatch = Dispatch::new(&catalog, |r| !config.is_disabled(r.meta().id));
    let empty = Effective::empty();
    let started = std::time::Instant::now();
    let index = PolicyIndex::build(&inventory.policies);
    let estate = Estate::new(inventory, &index, now);
    let graph = PrivilegeGraph::build(inventory, &estate);
    tracing::debug!(
        nodes = graph.nodes.len(),
        edges = graph.edge_count(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        peak_rss_mib = crate::progress::peak_rss_mib(),
        "privilege graph built"
    );
    tracing::debug!(
        policies = index.len(),
        identities = inventory.identities.len(),
        rules = dispatch.enabled.len(),
        "analyzing"
    );
    let federation = Federation::build(inventory, &graph, now);
    tracing::debug!(edges = federation.edges.len(), "federation edges");
    let azure = AzureGraph::build(inventory);
    tracing::debug!(edges = azure.edges.len(), "Entra ID edges");
    // The workloads each identity speaks for.
    let mut speaks_for: HashMap<&str, Vec<usize>> = HashMap::new();
    for (wi, w) in inventory.workloads.iter().enumerate() {
        if let Some(id) = &w.identity {
            speaks_for.entry(id.as_str()).or_default().push(wi);
        }
    }
    let facts = Facts::of(inventory);
    let gcp = crate::privilege::gcp::GcpAccess::build(inventory, now);
    let ctx = Ctx {
        now,
        config,
        facts: &facts,
        graph: &graph,
        estate: &estate,
        federation: &federation,
        gcp: &gcp,
        azure: &azure,
    };
    let mut assessments: Vec<Assessment> = inventory
        .identities
        .par_iter()
        .enumerate()
        .map(|(position, identity)| {
            let owner = crate::owner::resolve(identity, &config.ownership);
            let judged = !identity.provider_managed
                || match identity.provider.as_str() {
                    nhi_api::providers::GCP => config.gcp.judge_service_agents,
                    _ => config.aws.judge_service_linked_roles,
                };
            let mut findings = Vec::new();
            let kind_rules = dispatch.rules_for(&identity.provider, &identity.kind);
            if judged && !kind_rules.is_empty() {
                // Effective permissions are an IAM idea; other kinds get none.
                let computed = is_iam_principal(identity).then(|| estate.effective(identity));
                let effective = computed.as_ref().unwrap_or(&empty);
                let subject = Subject {
                    identity,
                    node: graph.node_of(position),
                    effective,
                    trust: identity
                        .trust
                        .as_deref()
                        .and_then(|k| inventory.policies.get(k)),
                    owner: owner.as_ref(),
                };
                for rule in kind_rules {
                    let meta = rule.meta();
                    for mut finding in rule.check(&subject, &ctx) {
                        if let Some(s) = config.rules.severity.get(meta.id) {
                            finding.severity = *s;
                        }
                        let fingerprint =
                            fingerprint(meta.id, identity, finding.credential_id.as_deref());
                        let evidence = Evidence::new(&std::mem::take(&mut finding.evidence));
                        findings.push(Judged {
                            meta,
                            finding,
                            evidence,
                            fingerprint,
                        });
                    }
                }
            }
            findings.sort_by(|a, b| {
                b.finding
                    .severity
                    .cmp(&a.finding.severity)
                    .then_with(|| a.meta.id.cmp(b.meta.id))
                    .then_with(|| a.fingerprint.cmp(&b.fingerprint))
            });
            let risk = score(&findings);
            let mut reached_by = graph
                .node_of(position)
                .map(|n| federation.ways_in(n, inventory))
                .unwrap_or_default();
            reached_by.extend(azure.ways_in(&identity.id, inventory));
            let mut reaches: Vec<WayOut> = speaks_for
                .get(identity.id.as_str())
                .into_iter()
                .flatten()
                .flat_map(|&w| {
                    let mut out = federation.ways_out(w, &graph);
                    out.extend(azure.ways_out(w, inventory));
                    out
                })
                .collect();
            // GKE Workload Identity: the Google Cloud accounts a Kubernetes account can become.
            reaches.extend(gcp.ways_out(&identity.id));
            Assessment {
                identity,
                owner,
                findings,
                risk,
                judged,
                reached_by,
                reaches,
            }
        })
        .collect();
    tracing::debug!(
        findings = assessments.iter().map(|a| a.findings.len()).sum::<usize>(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        peak_rss_mib = crate::progress::peak_rss_mib(),
        "rules run"
    );
    assessments.sort_by(|a, b| {
        b.risk.score.cmp(&a.risk.score).then_with(|| {
            let (x, y) = (a.identity, b.identity);
            (&x.provider, &x.scope, &x.kind, &x.id).cmp(&(&y.provider, &y.scope, &y.kind, &y.id))
        })
    });
    // Generic rules are listed (SARIF's rule list) only when they judged something: a report of
    // the built-in providers alone stays as it was without them.
    let generic_ran = assessments
        .iter()
        .any(|a| a.judged && dispatch.is_generic(&a.identity.provider, &a.identity.kind));
    let analysis = Analysis {
        assessments,
        rules: dispatch
            .enabled
            .iter()
            .filter(|r| generic_ran || r.meta().kinds != Kinds::Uncovered)
            .map(|r| r.meta())
            .collect(),
    };
    let out = then(&analysis, &graph, &federation, &azure);
    (analysis, out)
}

/// Which rules judge which identities: each rule the (provider, kind) pairs its metadata names;
/// generic rules ([`Kinds::Uncovered`]) every pair no rule of the catalog names, so a
/// provider's own rules always win, even when they are disabled.
pub struct Dispatch {
    /// Enabled rules, in catalog order.
    pub enabled: Vec<&'static dyn Rule>,
    /// Provider → kind → its enabled rules.
    named: HashMap<&'static str, HashMap<&'static str, Vec<&'static dyn Rule>>>,
    /// Provider → the kinds some rule of the catalog names (enabled or not).
    covered: HashMap<&'static str, HashSet<&'static str>>,
    generic: Vec<&'static dyn Rule>,
}

impl Dispatch {
    pub fn new(catalog: &[&'static dyn Rule], enabled: impl Fn(&dyn Rule) -> bool) -> Self {
        let mut d = Dispatch {
            enabled: Vec::new(),
            named: HashMap::new(),
            covered: HashMap::new(),
            generic: Vec::new(),
        };
        for &rule in catalog {
            let meta = rule.meta();
            let on = enabled(rule);
            if on {
                d.enabled.push(rule);
            }
            match meta.kinds {
                Kinds::Only(kinds) => {
                    for &provider in meta.providers {
                        for &kind in kinds {
                            d.covered.entry(provider).or_default().insert(kind);
                            if on {
                                d.named
                                    .entry(provider)
                                    .or_default()
                                    .entry(kind)
                                    .or_default()
                                    .push(rule);
                            }
                        }
                    }
                }
                Kinds::Uncovered if on => d.generic.push(rule),
                Kinds::Uncovered => {}
            }
        }
        d
    }

    /// The rules that judge an identity of this provider and kind.
    pub fn rules_for(&self, provider: &str, kind: &str) -> &[&'static dyn Rule] {
        match self.named.get(provider).and_then(|k| k.get(kind)) {
            Some(rules) => rules,
            None if self.is_generic(provider, kind) => &self.generic,
            None => &[],
        }
    }

    /// Whether no rule of the catalog names this provider's kind.
    pub fn is_generic(&self, provider: &str, kind: &str) -> bool {
        !self
            .covered
            .get(provider)
            .is_some_and(|kinds| kinds.contains(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Category, Owasp};
    use nhi_api::{kinds, providers};

    static META: RuleMeta = RuleMeta {
        id: "test-rule",
        title: "t",
        category: Category::Hygiene,
        severity: Severity::High,
        providers: &["aws"],
        kinds: Kinds::Only(&["iam_user"]),
        owasp: &[Owasp::Reuse],
        cis: &[],
        description: "",
        remediation: "",
        config: &[],
        references: &[],
    };

    fn judged(s: Severity) -> Judged {
        Judged {
            meta: &META,
            finding: Finding::new(&META, "m").severity(s),
            evidence: Evidence::new(&serde_json::Value::Null),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn score_formula() {
        assert_eq!(
            score(&[]),
            Risk {
                score: 0,
                severity: None
            }
        );
        assert_eq!(score(&[judged(Severity::Critical)]).score, 70);
        assert_eq!(
            score(&[
                judged(Severity::Medium),
                judged(Severity::High),
                judged(Severity::Medium)
            ])
            .score,
            50
        );
        let many: Vec<Judged> = (0..6).map(|_| judged(Severity::Critical)).collect();
        assert_eq!(
            score(&many),
            Risk {
                score: 100,
                severity: Some(Severity::Critical)
            }
        );
    }

    #[test]
    fn fingerprints_depend_on_natural_keys_only() {
        let mut a = Identity::new(
            providers::AWS,
            kinds::IAM_USER,
            "arn:aws:iam::1:user/x",
            "x",
        );
        a.scope = "1".into();
        let f1 = fingerprint("r", &a, Some("access_key_1"));
        a.name = "renamed".into();
        a.tags.insert("k".into(), "v".into());
        assert_eq!(fingerprint("r", &a, Some("access_key_1")), f1);
        assert_ne!(fingerprint("r", &a, Some("access_key_2")), f1);
        assert_ne!(fingerprint("r", &a, None), f1);
        assert_ne!(fingerprint("s", &a, Some("access_key_1")), f1);
        assert_eq!(f1.len(), 32);
    }
}
