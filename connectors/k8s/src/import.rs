//! Cluster exports (`kubectl get ... -o json`): a `List` of mixed kinds, an API list
//! (`ServiceAccountList`), or one object; one file for the whole cluster or one per kind.
//!
//! Items are read one at a time from the raw JSON, by kind, into the lean types of
//! [`crate::types`]: a Secret's values are skipped unread.

use crate::normalize::{normalize, Cluster};
use crate::types::{Binding, Controller, Namespace, Pod, Role, Secret};
use crate::{CONNECTOR, EXPORT_HINT};
use nhi_api::import::{json_error_message, Importer, JsonShape, Sniffed};
use nhi_api::{Inventory, SourceReport};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::path::Path;

/// Controllers whose pod templates name a service account.
pub const CONTROLLER_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// The plural resource names files are often called after (`serviceaccounts.json`).
const RESOURCE_FILE_NAMES: &[&str] = &[
    "serviceaccounts",
    "secrets",
    "roles",
    "rolebindings",
    "clusterroles",
    "clusterrolebindings",
    "pods",
    "deployments",
    "statefulsets",
    "daemonsets",
    "replicasets",
    "replicationcontrollers",
    "jobs",
    "cronjobs",
    "namespaces",
    "rbac",
    "workloads",
];

/// How files are read.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The cluster's name (`--k8s-cluster`); else each file's name.
    pub cluster: Option<String>,
    /// The cluster's service-account issuer (`--k8s-oidc-issuer`), for joins with cloud roles.
    pub oidc_issuer: Option<String>,
}

/// Reads cluster exports, then normalizes each cluster once.
#[derive(Default)]
pub struct K8sImport {
    options: ImportOptions,
    clusters: BTreeMap<String, Cluster>,
    reports: Vec<SourceReport>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawList<'a> {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    api_version: String,
    #[serde(borrow, default)]
    items: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct ItemKind {
    #[serde(default)]
    kind: Option<String>,
}

/// The cluster a file describes, and how that was decided.
pub fn cluster_name(path: &str, explicit: Option<&str>) -> (String, &'static str) {
    if let Some(name) = explicit.filter(|n| !n.is_empty()) {
        return (name.to_string(), "from --k8s-cluster");
    }
    let p = Path::new(path);
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    if RESOURCE_FILE_NAMES.contains(&stem.to_ascii_lowercase().as_str()) {
        if let Some(dir) = p
            .parent()
            .and_then(|d| d.file_name())
            .map(|d| d.to_string_lossy().to_string())
        {
            return (
                dir,
                "named after the directory of this per-kind file; --k8s-cluster NAME sets it",
            );
        }
    }
    (stem, "named after the file; --k8s-cluster NAME sets it")
}

impl K8sImport {
    pub fn new(options: ImportOptions) -> Self {
        K8sImport {
            options,
            ..Default::default()
        }
    }

    fn fail(&mut self, origin: &str, message: String) {
        self.reports
            .push(SourceReport::failed(CONNECTOR, "", origin, message));
    }

    /// Read one export file.
    pub fn add_file(&mut self, origin: &str, bytes: &[u8]) {
        let (name, how) = cluster_name(origin, self.options.cluster.as_deref());
        let mut cluster = Cluster::new(&name);
        let mut problems = Vec::new();
        match read_objects(bytes, &mut cluster, &mut problems) {
            Ok(()) => {}
            Err(message) => return self.fail(origin, message),
        }
        let mut message = format!("Kubernetes cluster {name} ({how}): {}", cluster.summary());
        if !cluster.kinds_read.contains("Secret") {
            message.push_str("; no Secrets in this file: legacy tokens are not known unless another file has them");
        }
        let accounts = cluster.service_accounts.len();
        let report = if problems.is_empty() {
            SourceReport::ok(CONNECTOR, &name, origin).message(message)
        } else {
            let n = problems.len();
            problems.truncate(3);
            SourceReport::partial(
                CONNECTOR,
                &name,
                origin,
                format!(
                    "{message}; {n} item(s) could not be read and were left out: {}; export it again unedited: {EXPORT_HINT}",
                    problems.join("; ")
                ),
            )
        };
        self.reports.push(report.identities(accounts));
        cluster.origin = origin.to_string();
        match self.clusters.get_mut(&name) {
            Some(c) => {
                if !c.origin.split(", ").any(|o| o == origin) {
                    c.origin = format!("{}, {origin}", c.origin);
                }
                c.merge(cluster)
            }
            None => {
                self.clusters.insert(name, cluster);
            }
        }
    }

    pub fn finish(self) -> Inventory {
        let mut inventory = Inventory::default();
        for (_, mut cluster) in self.clusters {
            if cluster.oidc_issuer.is_none() {
                cluster.oidc_issuer = self.options.oidc_issuer.clone();
            }
            inventory.merge(normalize(&cluster));
        }
        inventory.sources.extend(self.reports);
        inventory.sort();
        inventory
    }
}

/// Add one object of `kind` (its JSON text) to the cluster.
pub fn add_object(kind: &str, raw: &str, cluster: &mut Cluster) -> Result<bool, serde_json::Error> {
    match kind {
        "ServiceAccount" => cluster.service_accounts.push(serde_json::from_str(raw)?),
        "Secret" => cluster.secrets.push(serde_json::from_str::<Secret>(raw)?),
        "Role" => cluster.roles.push(serde_json::from_str::<Role>(raw)?),
        "ClusterRole" => cluster.cluster_roles.push(serde_json::from_str(raw)?),
        "RoleBinding" => cluster
            .role_bindings
            .push(serde_json::from_str::<Binding>(raw)?),
        "ClusterRoleBinding" => cluster
            .cluster_role_bindings
            .push(serde_json::from_str(raw)?),
        "Pod" => cluster.pods.push(serde_json::from_str::<Pod>(raw)?),
        "Namespace" => cluster
            .namespaces
            .push(serde_json::from_str::<Namespace>(raw)?),
        k if CONTROLLER_KINDS.contains(&k) => cluster
            .controllers
            .push((k.to_string(), serde_json::from_str::<Controller>(raw)?)),
        _ => return Ok(false),
    }
    cluster.kinds_read.insert(kind.to_string());
    Ok(true)
}

/// Read a file's objects: a list (of mixed kinds, or of one kind) or a single object.
fn read_objects(
    bytes: &[u8],
    cluster: &mut Cluster,
    problems: &mut Vec<String>,
) -> Result<(), String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("the file is not UTF-8 ({e}); {EXPORT_HINT}"))?;
    let text = text.trim_start_matches('\u{feff}');
    let head: RawList = serde_json::from_str(text).map_err(|e| {
        format!(
            "not a Kubernetes export: {}",
            json_error_message(&e, EXPORT_HINT)
        )
    })?;
    let Some(items) = &head.items else {
        // One object.
        if head.kind.is_empty() {
            return Err(format!("the JSON object has no `kind`; {EXPORT_HINT}"));
        }
        add_object(&head.kind, text, cluster).map_err(|e| {
            format!(
                "the {} could not be read: {}",
                head.kind,
                json_error_message(&e, EXPORT_HINT)
            )
        })?;
        return Ok(());
    };
    if head.kind.is_empty() || head.api_version.is_empty() {
        return Err(format!(
            "a list without `kind` and `apiVersion` is not a Kubernetes export; {EXPORT_HINT}"
        ));
    }
    // An API list (`ServiceAccountList`) names its items' kind once; kubectl's `List` names it
    // on each item.
    let list_kind = head
        .kind
        .strip_suffix("List")
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    for (i, item) in items.iter().enumerate() {
        let kind = match serde_json::from_str::<ItemKind>(item.get()) {
            Ok(ItemKind { kind: Some(k) }) if !k.is_empty() => k,
            Ok(_) => match &list_kind {
                Some(k) => k.clone(),
                None => {
                    problems.push(format!("item {} has no `kind`", i + 1));
                    continue;
                }
            },
            Err(e) => {
                problems.push(format!("item {}: {e}", i + 1));
                continue;
            }
        };
        if let Err(e) = add_object(&kind, item.get(), cluster) {
            problems.push(format!("item {} ({kind}): {e}", i + 1));
        }
    }
    Ok(())
}

/// Whether a JSON document looks like a Kubernetes object or list.
fn is_k8s(shape: &JsonShape) -> bool {
    shape.object_has("apiVersion") && shape.object_has("kind")
}

/// Whether a text file looks like a Kubernetes YAML export (which nhi does not read).
fn is_k8s_yaml(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("apiVersion:") || (t.starts_with("kind:") && text.contains("\napiVersion:"))
}

impl Importer for K8sImport {
    fn accepts(&self) -> &'static str {
        "a Kubernetes cluster export (kubectl get serviceaccounts,secrets,roles,rolebindings,clusterroles,clusterrolebindings,pods,... -A -o json)"
    }

    fn claims(&self, file: &Sniffed<'_>) -> bool {
        match &file.json {
            Some(shape @ JsonShape::Object(_)) => is_k8s(shape),
            Some(JsonShape::List(_)) => false,
            None => file.text.is_some_and(is_k8s_yaml),
        }
    }

    fn add(&mut self, origin: &str, bytes: &[u8], file: &Sniffed<'_>) {
        if file.json.is_none() {
            return self.fail(
                origin,
                format!("this is a Kubernetes export in YAML; nhi reads JSON: {EXPORT_HINT}"),
            );
        }
        self.add_file(origin, bytes)
    }

    fn is_used(&self) -> bool {
        !(self.clusters.is_empty() && self.reports.is_empty())
    }

    fn finish(self: Box<Self>) -> Inventory {
        K8sImport::finish(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names() {
        assert_eq!(cluster_name("x/prod-eu.json", None).0, "prod-eu");
        assert_eq!(
            cluster_name("exports/staging/serviceaccounts.json", None).0,
            "staging"
        );
        assert_eq!(cluster_name("x/prod-eu.json", Some("prod")).0, "prod");
    }

    #[test]
    fn api_lists_and_kubectl_lists() {
        let mut c = Cluster::new("c");
        let mut p = Vec::new();
        read_objects(
            br#"{"apiVersion":"v1","kind":"ServiceAccountList","metadata":{},"items":[{"metadata":{"name":"a","namespace":"n"}}]}"#,
            &mut c,
            &mut p,
        )
        .expect("reads");
        read_objects(
            br#"{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod","metadata":{"name":"p","namespace":"n"},"spec":{}},{"metadata":{}},{"kind":"Service","metadata":{"name":"s"}}]}"#,
            &mut c,
            &mut p,
        )
        .expect("reads");
        assert_eq!((c.service_accounts.len(), c.pods.len()), (1, 1));
        assert_eq!(p, vec!["item 2 has no `kind`".to_string()]);
        assert!(read_objects(br#"{"items":[]}"#, &mut c, &mut p).is_err());
        let e = read_objects(
            br#"{"apiVersion":"v1","kind":"List","items":{}}"#,
            &mut c,
            &mut p,
        )
        .expect_err("items must be a list");
        assert!(e.contains("kubectl get"), "{e}");
    }
}
