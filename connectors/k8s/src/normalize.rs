//! From a cluster's objects to identities (pure): service accounts with the workloads that run
//! as them, their effective RBAC, their legacy tokens and the cloud identities they wear; the
//! groups every caller belongs to, when a binding names them; and the service accounts'
//! workloads for cross-provider joins (IRSA).

use crate::types::{
    Binding, Controller, Namespace, Pod, Role, Secret, ServiceAccount, INVALID_SINCE_LABEL,
    LAST_USED_LABEL, SA_NAME_ANNOTATION,
};
use chrono::{DateTime, NaiveDate, Utc};
use nhi_api::{
    credential_kinds, kinds, providers, Credential, CredentialStatus, Expiry, Identity, Inventory,
    K8sCloud, K8sFacts, K8sGrant, K8sPolicyRule, K8sWorkloadRef, LastUsed, Native, Workload,
    WorkloadRun,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// IRSA: the IAM role a service account's pods assume.
pub const AWS_ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// GKE Workload Identity.
pub const GCP_SA_ANNOTATION: &str = "iam.gke.io/gcp-service-account";
/// Azure Workload Identity.
pub const AZURE_CLIENT_ANNOTATION: &str = "azure.workload.identity/client-id";

/// Annotations that are copies of the object itself, not facts about it: left out of tags.
const NOISE_ANNOTATIONS: &[&str] = &["kubectl.kubernetes.io/last-applied-configuration"];

/// The groups and user that every caller is in (or, unauthenticated, is).
pub const EVERYONE: &[(&str, &str)] = &[
    ("Group", "system:authenticated"),
    ("Group", "system:unauthenticated"),
    ("User", "system:anonymous"),
];

/// Everything read of one cluster.
#[derive(Debug, Default)]
pub struct Cluster {
    pub name: String,
    /// Where it was read from (files or the API server), for identities' origin.
    pub origin: String,
    /// The cluster's service-account token issuer (`https://oidc.eks.REGION.amazonaws.com/id/X`).
    pub oidc_issuer: Option<String>,
    pub service_accounts: Vec<ServiceAccount>,
    pub secrets: Vec<Secret>,
    pub roles: Vec<Role>,
    pub cluster_roles: Vec<Role>,
    pub role_bindings: Vec<Binding>,
    pub cluster_role_bindings: Vec<Binding>,
    pub pods: Vec<Pod>,
    /// Controllers by kind (`Deployment`, `ReplicaSet`, `CronJob`, ...).
    pub controllers: Vec<(String, Controller)>,
    pub namespaces: Vec<Namespace>,
    /// The kinds that were read (an absent kind is unknown, not empty).
    pub kinds_read: BTreeSet<String>,
}

impl Cluster {
    pub fn new(name: impl Into<String>) -> Self {
        Cluster {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Add another read of the same cluster (another file, another page).
    pub fn merge(&mut self, other: Cluster) {
        self.service_accounts.extend(other.service_accounts);
        self.secrets.extend(other.secrets);
        self.roles.extend(other.roles);
        self.cluster_roles.extend(other.cluster_roles);
        self.role_bindings.extend(other.role_bindings);
        self.cluster_role_bindings
            .extend(other.cluster_role_bindings);
        self.pods.extend(other.pods);
        self.controllers.extend(other.controllers);
        self.namespaces.extend(other.namespaces);
        self.kinds_read.extend(other.kinds_read);
        if self.oidc_issuer.is_none() {
            self.oidc_issuer = other.oidc_issuer;
        }
    }

    /// A one-line count of what was read, for the source message.
    pub fn summary(&self) -> String {
        format!(
            "{} service accounts, {} bindings, {} roles, {} pods, {} controllers, {} token secrets",
            self.service_accounts.len(),
            self.role_bindings.len() + self.cluster_role_bindings.len(),
            self.roles.len() + self.cluster_roles.len(),
            self.pods.len(),
            self.controllers.len(),
            self.secrets
                .iter()
                .filter(|s| s.metadata.annotations.contains_key(SA_NAME_ANNOTATION))
                .count()
        )
    }
}

/// Identity id of a service account.
pub fn account_id(cluster: &str, namespace: &str, name: &str) -> String {
    format!("k8s:{cluster}/{namespace}/{name}")
}

fn rules_of(role: &Role) -> Vec<K8sPolicyRule> {
    role.rules
        .iter()
        .map(|r| K8sPolicyRule {
            api_groups: r.api_groups.clone(),
            resources: r.resources.clone(),
            verbs: r.verbs.clone(),
            resource_names: r.resource_names.clone(),
            non_resource_urls: r.non_resource_urls.clone(),
        })
        .collect()
}

/// Who a binding's subject reaches.
enum Target<'a> {
    Account(&'a str, &'a str),
    AllAccounts,
    NamespaceAccounts(&'a str),
    Everyone(usize),
    Nobody,
}

fn target<'a>(kind: &str, name: &'a str, namespace: Option<&'a str>) -> Target<'a> {
    match kind {
        "ServiceAccount" => match namespace {
            Some(ns) if !ns.is_empty() => Target::Account(ns, name),
            _ => Target::Nobody,
        },
        "Group" if name == "system:serviceaccounts" => Target::AllAccounts,
        "Group" => match name.strip_prefix("system:serviceaccounts:") {
            Some(ns) => Target::NamespaceAccounts(ns),
            None => EVERYONE
                .iter()
                .position(|(k, n)| *k == "Group" && *n == name)
                .map_or(Target::Nobody, Target::Everyone),
        },
        "User" => {
            // A service account named as a user: `system:serviceaccount:NS:NAME`.
            if let Some((ns, sa)) = name
                .strip_prefix("system:serviceaccount:")
                .and_then(|r| r.split_once(':'))
            {
                return Target::Account(ns, sa);
            }
            EVERYONE
                .iter()
                .position(|(k, n)| *k == "User" && *n == name)
                .map_or(Target::Nobody, Target::Everyone)
        }
        _ => Target::Nobody,
    }
}

/// Every grant, by whom it reaches.
#[derive(Default)]
struct Grants<'a> {
    direct: HashMap<(&'a str, &'a str), Vec<K8sGrant>>,
    namespace: HashMap<&'a str, Vec<K8sGrant>>,
    all: Vec<K8sGrant>,
    everyone: BTreeMap<usize, Vec<K8sGrant>>,
}

fn grants(c: &Cluster) -> Grants<'_> {
    let roles: HashMap<(&str, &str), &Role> = c
        .roles
        .iter()
        .map(|r| ((r.metadata.ns(), r.metadata.name.as_str()), r))
        .collect();
    let cluster_roles: HashMap<&str, &Role> = c
        .cluster_roles
        .iter()
        .map(|r| (r.metadata.name.as_str(), r))
        .collect();
    let mut out = Grants::default();
    let bindings = c
        .cluster_role_bindings
        .iter()
        .map(|b| (b, true))
        .chain(c.role_bindings.iter().map(|b| (b, false)));
    for (b, cluster_wide) in bindings {
        let ns = b.metadata.ns();
        let (role, found) = match b.role_ref.kind.as_str() {
            "ClusterRole" => (
                format!("ClusterRole/{}", b.role_ref.name),
                cluster_roles.get(b.role_ref.name.as_str()).copied(),
            ),
            // A RoleBinding's Role lives in the binding's namespace.
            _ => (
                format!("Role/{ns}/{}", b.role_ref.name),
                (!cluster_wide)
                    .then(|| roles.get(&(ns, b.role_ref.name.as_str())).copied())
                    .flatten(),
            ),
        };
        let binding = if cluster_wide {
            format!("ClusterRoleBinding/{}", b.metadata.name)
        } else {
            format!("RoleBinding/{ns}/{}", b.metadata.name)
        };
        let rules = found.map(rules_of).unwrap_or_default();
        for s in &b.subjects {
            // A RoleBinding's ServiceAccount subject without a namespace is in the binding's.
            let subject_ns = s
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .or((!cluster_wide).then_some(ns));
            let who = target(&s.kind, &s.name, subject_ns);
            let subject = match s.kind.as_str() {
                "ServiceAccount" => {
                    format!("ServiceAccount {}/{}", subject_ns.unwrap_or(""), s.name)
                }
                kind => format!("{kind} {}", s.name),
            };
            let grant = K8sGrant {
                binding: binding.clone(),
                subject,
                role: role.clone(),
                namespace: (!cluster_wide).then(|| ns.to_string()),
                role_found: found.is_some(),
                rules: rules.clone(),
            };
            match who {
                Target::Account(ns, name) => out.direct.entry((ns, name)).or_default().push(grant),
                Target::AllAccounts => out.all.push(grant),
                Target::NamespaceAccounts(ns) => out.namespace.entry(ns).or_default().push(grant),
                Target::Everyone(i) => out.everyone.entry(i).or_default().push(grant),
                Target::Nobody => {}
            }
        }
    }
    out
}

/// The top controller of an object: owner references followed through the controllers read
/// (Pod → ReplicaSet → Deployment, Pod → Job → CronJob).
struct Owners<'a> {
    owner: HashMap<(&'a str, &'a str, &'a str), (&'a str, &'a str)>,
}

impl<'a> Owners<'a> {
    fn build(c: &'a Cluster) -> Self {
        let mut owner = HashMap::new();
        for (kind, ctl) in &c.controllers {
            if let Some(r) = controller_ref(&ctl.metadata.owner_references) {
                owner.insert(
                    (kind.as_str(), ctl.metadata.ns(), ctl.metadata.name.as_str()),
                    (r.0, r.1),
                );
            }
        }
        Owners { owner }
    }

    fn top(&self, ns: &'a str, mut kind: &'a str, mut name: &'a str) -> (&'a str, &'a str) {
        // Bounded: owner chains are short, and a malformed export may hold a cycle.
        for _ in 0..8 {
            match self.owner.get(&(kind, ns, name)) {
                Some(&(k, n)) => (kind, name) = (k, n),
                None => break,
            }
        }
        (kind, name)
    }
}

fn controller_ref(refs: &[crate::types::OwnerReference]) -> Option<(&str, &str)> {
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or(refs.first())
        .map(|r| (r.kind.as_str(), r.name.as_str()))
}

/// Which workloads run as each service account: (namespace, account) → (kind, name) → the pod
/// template's automount setting.
type Users<'a> = HashMap<(&'a str, &'a str), BTreeMap<(&'a str, &'a str), Option<bool>>>;

fn users(c: &Cluster) -> Users<'_> {
    let owners = Owners::build(c);
    let mut out: Users = HashMap::new();
    for (kind, ctl) in &c.controllers {
        let Some(spec) = ctl.spec.pod_spec() else {
            continue;
        };
        let ns = ctl.metadata.ns();
        let top = owners.top(ns, kind, &ctl.metadata.name);
        out.entry((ns, spec.account()))
            .or_default()
            .entry(top)
            .or_insert(spec.automount_service_account_token);
    }
    for pod in &c.pods {
        let ns = pod.metadata.ns();
        let top = match controller_ref(&pod.metadata.owner_references) {
            Some((k, n)) => owners.top(ns, k, n),
            None => ("Pod", pod.metadata.name.as_str()),
        };
        out.entry((ns, pod.spec.account()))
            .or_default()
            .entry(top)
            .or_insert(pod.spec.automount_service_account_token);
    }
    out
}

fn day_label(value: Option<&String>) -> Option<DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(value?.trim(), "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

/// The legacy token Secrets of each service account.
fn tokens(c: &Cluster) -> HashMap<(&str, &str), Vec<Credential>> {
    let mut out: HashMap<(&str, &str), Vec<Credential>> = HashMap::new();
    for s in &c.secrets {
        let m = &s.metadata;
        let Some(account) = m.annotations.get(SA_NAME_ANNOTATION) else {
            continue;
        };
        if s.type_
            .as_deref()
            .is_some_and(|t| t != "kubernetes.io/service-account-token")
        {
            continue;
        }
        let ns = m.namespace.as_deref().unwrap_or("");
        let invalid_since = day_label(m.labels.get(INVALID_SINCE_LABEL));
        let mut details = BTreeMap::new();
        details.insert("secret".to_string(), format!("{ns}/{}", m.name));
        if let Some(t) = invalid_since {
            details.insert(
                "invalid_since".to_string(),
                t.format("%Y-%m-%d").to_string(),
            );
        }
        out.entry((ns, account.as_str()))
            .or_default()
            .push(Credential {
                id: m.name.clone(),
                kind: credential_kinds::K8S_LEGACY_TOKEN.into(),
                status: if invalid_since.is_some() {
                    CredentialStatus::Revoked
                } else {
                    CredentialStatus::Active
                },
                created_at: m.creation_timestamp,
                last_used: day_label(m.labels.get(LAST_USED_LABEL))
                    .map_or(LastUsed::Unknown, LastUsed::At),
                expires: Expiry::Never,
                details: details.into(),
            });
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.id.cmp(&b.id));
    }
    out
}

fn tags(
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut t = labels.clone();
    for (k, v) in annotations {
        if !NOISE_ANNOTATIONS.contains(&k.as_str()) {
            t.insert(k.clone(), v.clone());
        }
    }
    t
}

/// Control-plane service accounts: in `kube-system` and bound through the API server's own
/// bootstrap bindings (`system:controller:*`, `system:kube-*`, ...).
fn control_plane(namespace: &str, grants: &[K8sGrant]) -> bool {
    namespace == "kube-system"
        && grants.iter().any(|g| {
            g.binding.starts_with("ClusterRoleBinding/system:")
                || g.binding.starts_with("RoleBinding/kube-system/system:")
        })
}

fn sort_grants(g: &mut [K8sGrant]) {
    g.sort_by(|a, b| (&a.binding, &a.subject).cmp(&(&b.binding, &b.subject)));
}

/// Normalize one cluster.
pub fn normalize(c: &Cluster) -> Inventory {
    let mut inv = Inventory::default();
    let cluster = c.name.as_str();
    let grants = grants(c);
    let users = users(c);
    let mut tokens = tokens(c);
    let namespaces: HashMap<&str, &Namespace> = c
        .namespaces
        .iter()
        .map(|n| (n.metadata.name.as_str(), n))
        .collect();
    let namespaces_read = c.kinds_read.contains("Namespace");
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for sa in &c.service_accounts {
        let m = &sa.metadata;
        let ns = m.ns();
        let name = m.name.as_str();
        if !seen.insert((ns, name)) {
            continue;
        }
        let mut g: Vec<K8sGrant> = Vec::new();
        g.extend(
            grants
                .direct
                .get(&(ns, name))
                .into_iter()
                .flatten()
                .cloned(),
        );
        g.extend(grants.namespace.get(ns).into_iter().flatten().cloned());
        g.extend(grants.all.iter().cloned());
        sort_grants(&mut g);
        let workloads: Vec<K8sWorkloadRef> = users
            .get(&(ns, name))
            .into_iter()
            .flatten()
            .map(|(&(kind, wname), &automount)| K8sWorkloadRef {
                kind: kind.to_string(),
                name: wname.to_string(),
                automount,
            })
            .collect();
        let credentials = tokens.remove(&(ns, name)).unwrap_or_default();
        let cloud = K8sCloud {
            aws_role_arn: m.annotations.get(AWS_ROLE_ANNOTATION).cloned(),
            gcp_service_account: m.annotations.get(GCP_SA_ANNOTATION).cloned(),
            azure_client_id: m.annotations.get(AZURE_CLIENT_ANNOTATION).cloned(),
        };
        let id = account_id(cluster, ns, name);
        let mut identity = Identity::new(
            providers::KUBERNETES,
            kinds::K8S_SERVICE_ACCOUNT,
            id.clone(),
            format!("{ns}/{name}"),
        );
        identity.scope = format!("{cluster}/{ns}");
        identity.origin = Some(c.origin.clone());
        identity.created_at = m.creation_timestamp;
        identity.last_used = credentials
            .iter()
            .filter(|c| c.status == CredentialStatus::Active)
            .fold(LastUsed::Unknown, |acc, c| acc.latest(c.last_used));
        identity.tags = tags(&m.labels, &m.annotations).into();
        identity.provider_managed = control_plane(ns, &g);
        identity.credentials = credentials;
        let ns_obj = namespaces.get(ns);
        identity.native = Native::Kubernetes(Box::new(K8sFacts {
            cluster: cluster.to_string(),
            namespace: ns.to_string(),
            automount: sa.automount_service_account_token,
            workloads,
            workloads_known: c.kinds_read.contains("Pod"),
            grants: g,
            namespace_tags: ns_obj
                .map(|n| tags(&n.metadata.labels, &n.metadata.annotations))
                .unwrap_or_default(),
            namespace_known: namespaces_read && ns_obj.is_some(),
            cloud: cloud.clone(),
        }));
        if let Some(w) = workload(c, ns, name, &id, &cloud) {
            inv.workloads.push(w);
        }
        inv.identities.push(identity);
    }
    for (i, mut g) in grants.everyone {
        let (kind, name) = EVERYONE[i];
        sort_grants(&mut g);
        let mut identity = Identity::new(
            providers::KUBERNETES,
            kinds::K8S_EVERYONE,
            format!("k8s:{cluster}/{}/{name}", kind.to_ascii_lowercase()),
            name,
        );
        identity.scope = cluster.to_string();
        identity.origin = Some(c.origin.clone());
        identity.tags_known = false;
        identity.native = Native::Kubernetes(Box::new(K8sFacts {
            cluster: cluster.to_string(),
            grants: g,
            ..Default::default()
        }));
        inv.identities.push(identity);
    }
    inv.sort();
    inv
}

/// A service account as a workload other providers may trust: its pods present tokens the
/// cluster's issuer signs for `system:serviceaccount:NS:NAME`. Made when the issuer is known,
/// or when the account is annotated with an AWS role (joined by the role's ARN then).
fn workload(c: &Cluster, ns: &str, name: &str, id: &str, cloud: &K8sCloud) -> Option<Workload> {
    let issuer = c.oidc_issuer.clone().unwrap_or_default();
    if issuer.is_empty() && cloud.aws_role_arn.is_none() {
        return None;
    }
    Some(Workload {
        provider: providers::KUBERNETES.into(),
        kind: kinds::K8S_SERVICE_ACCOUNT.into(),
        id: id.to_string(),
        name: format!("{ns}/{name}"),
        scope: c.name.clone(),
        identity: Some(id.to_string()),
        issuer,
        subject_forms: vec![format!("system:serviceaccount:{ns}:{name}")],
        runs: vec![WorkloadRun {
            claims: BTreeMap::new(),
            who: format!("any pod in namespace {ns} that runs as {name}"),
            gate: None,
            except: Vec::new(),
        }],
        claims: BTreeMap::new(),
        annotated_role: cloud.aws_role_arn.clone(),
    })
}
