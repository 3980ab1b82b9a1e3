//! What Kubernetes RBAC grants a subject, as the Kubernetes rules read it: whether a rule is
//! full administrator access, which escalation capabilities it holds (the Kubernetes docs' "RBAC
//! good practices" and "privilege escalation risks"), whether it does more than read or more
//! than discovery, and how powerful each service account is (for "may create pods where a more
//! privileged service account lives").

use nhi_api::{kinds, Identity, K8sFacts, K8sGrant, K8sPolicyRule, Native};
use serde_json::{json, Value};

/// Kubernetes service accounts.
pub const K8S_ACCOUNTS: &[&str] = &[kinds::K8S_SERVICE_ACCOUNT];

/// The Kubernetes facts of an identity.
pub fn facts(identity: &Identity) -> Option<&K8sFacts> {
    match &identity.native {
        Native::Kubernetes(f) => Some(f),
        _ => None,
    }
}

fn any(list: &[String], value: &str) -> bool {
    list.iter().any(|x| x == "*" || x == value)
}

/// Whether a rule allows `verb` on `resource` (a `resource/subresource` too) of API `group`.
pub fn allows(r: &K8sPolicyRule, group: &str, resource: &str, verb: &str) -> bool {
    if r.resources.is_empty() || !any(&r.api_groups, group) || !any(&r.verbs, verb) {
        return false;
    }
    r.resources.iter().any(|x| {
        x == "*"
            || x == resource
            || resource
                .split_once('/')
                .is_some_and(|(_, sub)| x.strip_prefix("*/") == Some(sub))
    })
}

/// `*` verbs on `*` resources of `*` groups.
pub fn is_full_admin(r: &K8sPolicyRule) -> bool {
    any(&r.api_groups, "*")
        && r.resources.iter().any(|x| x == "*")
        && r.verbs.iter().any(|x| x == "*")
        && r.resource_names.is_empty()
}

/// Whether a grant is administrator access (`cluster-admin`, or a `*`/`*` rule).
pub fn grant_is_admin(g: &K8sGrant) -> bool {
    g.role == "ClusterRole/cluster-admin" || g.rules.iter().any(is_full_admin)
}

const READ_VERBS: &[&str] = &["get", "list", "watch"];

/// Whether a rule does more than read.
pub fn writes(r: &K8sPolicyRule) -> bool {
    r.verbs.iter().any(|v| !READ_VERBS.contains(&v.as_str()))
}

/// Non-resource URLs every caller may read (the built-in `system:discovery`,
/// `system:public-info-viewer` and `system:service-account-issuer-discovery`).
const DISCOVERY_URLS: &[&str] = &[
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/readyz",
    "/version",
    "/version/",
    "/openapi",
    "/openapi/*",
    "/.well-known/openid-configuration",
    "/.well-known/openid-configuration/",
    "/openid/v1/jwks",
    "/openid/v1/jwks/",
];

/// Reviews every caller may create about itself (`system:basic-user`).
const SELF_REVIEWS: &[&str] = &[
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
    "selfsubjectreviews",
];

/// Whether a rule grants nothing beyond discovery and a caller's reviews of itself.
pub fn is_discovery(r: &K8sPolicyRule) -> bool {
    let urls_ok = r
        .non_resource_urls
        .iter()
        .all(|u| DISCOVERY_URLS.contains(&u.as_str()));
    let resources_ok = r
        .resources
        .iter()
        .all(|x| SELF_REVIEWS.contains(&x.as_str()))
        && r.api_groups
            .iter()
            .all(|g| g == "authorization.k8s.io" || g == "authentication.k8s.io");
    let verbs_ok = r.verbs.iter().all(|v| {
        if r.resources.is_empty() {
            v == "get"
        } else {
            v == "create"
        }
    });
    urls_ok && resources_ok && verbs_ok
}

/// The kinds of workload whose creation runs pods as any service account of the namespace.
pub const WORKLOAD_RESOURCES: &[(&str, &str)] = &[
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
];

/// An escalation capability: its id, what it lets a holder do, and the (group, resource, verbs)
/// that grant it.
pub struct Capability {
    pub id: &'static str,
    pub what: &'static str,
    grants: &'static [(&'static str, &'static str, &'static [&'static str])],
    /// Only cluster-wide grants count (reading secrets in one namespace is that namespace's).
    cluster_wide_only: bool,
}

pub const CAPABILITIES: &[Capability] = &[
    Capability {
        id: "escalate",
        what: "grant any permission through roles it edits (escalate)",
        grants: &[
            ("rbac.authorization.k8s.io", "roles", &["escalate"]),
            ("rbac.authorization.k8s.io", "clusterroles", &["escalate"]),
        ],
        cluster_wide_only: false,
    },
    Capability {
        id: "bind",
        what: "bind any role to anyone, itself included (bind)",
        grants: &[
            ("rbac.authorization.k8s.io", "roles", &["bind"]),
            ("rbac.authorization.k8s.io", "clusterroles", &["bind"]),
        ],
        cluster_wide_only: false,
    },
    Capability {
        id: "impersonate",
        what: "act as other users, groups or service accounts (impersonate)",
        grants: &[
            ("", "users", &["impersonate"]),
            ("", "groups", &["impersonate"]),
            ("", "serviceaccounts", &["impersonate"]),
            ("authentication.k8s.io", "uids", &["impersonate"]),
            ("authentication.k8s.io", "userextras/*", &["impersonate"]),
        ],
        cluster_wide_only: false,
    },
    Capability {
        id: "pods-exec",
        what: "run commands in, attach to, or add containers to running pods, and take their service accounts' tokens",
        grants: &[
            ("", "pods/exec", &["create", "get"]),
            ("", "pods/attach", &["create", "get"]),
            ("", "pods/ephemeralcontainers", &["update", "patch"]),
        ],
        cluster_wide_only: false,
    },
    Capability {
        id: "read-secrets",
        what: "read every Secret of the cluster, service-account tokens included",
        grants: &[("", "secrets", &["get", "list", "watch"])],
        cluster_wide_only: true,
    },
    Capability {
        id: "create-tokens",
        what: "mint tokens for service accounts (serviceaccounts/token create)",
        grants: &[("", "serviceaccounts/token", &["create"])],
        cluster_wide_only: false,
    },
    Capability {
        id: "nodes-proxy",
        what: "reach the kubelet API of nodes, and run commands in any pod there (nodes/proxy)",
        grants: &[("", "nodes/proxy", &["get", "create"])],
        cluster_wide_only: false,
    },
    Capability {
        id: "approve-csr",
        what: "approve certificate signing requests, issuing client certificates for any user",
        grants: &[(
            "certificates.k8s.io",
            "certificatesigningrequests/approval",
            &["update", "patch"],
        )],
        cluster_wide_only: false,
    },
    Capability {
        id: "admission-webhooks",
        what: "write admission webhooks, which see and may change every object created",
        grants: &[
            (
                "admissionregistration.k8s.io",
                "mutatingwebhookconfigurations",
                &["create", "update", "patch"],
            ),
            (
                "admissionregistration.k8s.io",
                "validatingwebhookconfigurations",
                &["create", "update", "patch"],
            ),
        ],
        cluster_wide_only: false,
    },
    Capability {
        id: "create-persistentvolumes",
        what: "create persistent volumes, host paths included, and so read any node's files",
        grants: &[("", "persistentvolumes", &["create"])],
        cluster_wide_only: false,
    },
];

/// One capability a grant holds, with the rule that gives it.
pub struct Held<'a> {
    pub capability: &'static str,
    pub what: String,
    pub grant: &'a K8sGrant,
    pub rule: &'a K8sPolicyRule,
}

impl Held<'_> {
    pub fn evidence(&self) -> Value {
        json!({
            "capability": self.capability,
            "binding": self.grant.binding,
            "subject": self.grant.subject,
            "role": self.grant.role,
            "namespace": self.grant.namespace.as_deref().unwrap_or("*"),
            "rule": rule_json(self.rule),
        })
    }
}

/// A policy rule as evidence.
pub fn rule_json(r: &K8sPolicyRule) -> Value {
    let mut o = serde_json::Map::new();
    if !r.api_groups.is_empty() {
        o.insert("apiGroups".into(), json!(r.api_groups));
    }
    if !r.resources.is_empty() {
        o.insert("resources".into(), json!(r.resources));
    }
    if !r.non_resource_urls.is_empty() {
        o.insert("nonResourceURLs".into(), json!(r.non_resource_urls));
    }
    if !r.resource_names.is_empty() {
        o.insert("resourceNames".into(), json!(r.resource_names));
    }
    o.insert("verbs".into(), json!(r.verbs));
    Value::Object(o)
}

/// The fixed escalation capabilities of a subject's grants (administrator grants left out: they
/// hold everything, and are judged as such).
pub fn capabilities(grants: &[K8sGrant]) -> Vec<Held<'_>> {
    let mut out = Vec::new();
    for g in grants.iter().filter(|g| !grant_is_admin(g)) {
        for c in CAPABILITIES {
            if c.cluster_wide_only && g.namespace.is_some() {
                continue;
            }
            if let Some(rule) = g.rules.iter().find(|r| {
                c.grants
                    .iter()
                    .any(|(group, res, verbs)| verbs.iter().any(|v| allows(r, group, res, v)))
            }) {
                out.push(Held {
                    capability: c.id,
                    what: c.what.to_string(),
                    grant: g,
                    rule,
                });
            }
        }
    }
    out
}

/// The rule of a grant that lets it create workloads, if any.
pub fn creates_workloads(g: &K8sGrant) -> Option<&K8sPolicyRule> {
    g.rules.iter().find(|r| {
        WORKLOAD_RESOURCES
            .iter()
            .any(|(group, res)| allows(r, group, res, "create"))
    })
}

/// How powerful a service account is, for comparing two: 4 cluster administrator, 3 an
/// escalation capability cluster-wide, 2 namespace administrator or a namespaced escalation,
/// 1 it may change something, 0 it reads at most.
pub fn power(grants: &[K8sGrant]) -> u8 {
    let mut p = 0;
    for g in grants {
        if grant_is_admin(g) {
            p = p.max(if g.namespace.is_none() { 4 } else { 2 });
        } else if g.rules.iter().any(writes) {
            p = p.max(1);
        }
    }
    for h in capabilities(grants) {
        p = p.max(if h.grant.namespace.is_none() { 3 } else { 2 });
    }
    p
}

/// Words for a power level.
pub fn power_words(p: u8) -> &'static str {
    match p {
        4 => "cluster administrator",
        3 => "holds a cluster-wide escalation",
        2 => "namespace administrator or holds an escalation",
        1 => "may change objects",
        _ => "reads at most",
    }
}

/// Whether a grant is one of the cluster's bootstrap bindings (`system:*`), which every
/// cluster has.
pub fn is_builtin(g: &K8sGrant) -> bool {
    g.binding.starts_with("ClusterRoleBinding/system:")
        || g.binding
            .split('/')
            .nth(2)
            .is_some_and(|name| name.starts_with("system:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> K8sPolicyRule {
        K8sPolicyRule {
            api_groups: groups.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn matching() {
        assert!(allows(
            &rule(&[""], &["pods/exec"], &["create"]),
            "",
            "pods/exec",
            "create"
        ));
        assert!(allows(
            &rule(&["*"], &["*"], &["*"]),
            "",
            "pods/exec",
            "create"
        ));
        assert!(!allows(
            &rule(&[""], &["pods"], &["create"]),
            "",
            "pods/exec",
            "create"
        ));
        assert!(allows(
            &rule(&[""], &["*/exec"], &["get"]),
            "",
            "pods/exec",
            "get"
        ));
        assert!(!allows(
            &rule(&["apps"], &["pods/exec"], &["create"]),
            "",
            "pods/exec",
            "create"
        ));
        assert!(is_full_admin(&rule(&["*"], &["*"], &["*"])));
        assert!(!is_full_admin(&rule(&[""], &["*"], &["*"])));
    }

    #[test]
    fn discovery() {
        let d = K8sPolicyRule {
            non_resource_urls: vec!["/api".into(), "/version".into()],
            verbs: vec!["get".into()],
            ..Default::default()
        };
        assert!(is_discovery(&d));
        assert!(is_discovery(&rule(
            &["authorization.k8s.io"],
            &["selfsubjectaccessreviews"],
            &["create"]
        )));
        assert!(!is_discovery(&rule(&[""], &["pods"], &["list"])));
        let metrics = K8sPolicyRule {
            non_resource_urls: vec!["/metrics".into()],
            verbs: vec!["get".into()],
            ..Default::default()
        };
        assert!(!is_discovery(&metrics));
    }
}
