//! nhi connector for Kubernetes: service accounts, their legacy token Secrets, their effective
//! RBAC, the workloads that run as them, and the cloud identities they wear.
//!
//! Two routes give the same identities:
//! - exports (`kubectl get serviceaccounts,secrets,roles,... -A -o json`), read by
//!   [`K8sImport`] (the `--from` importer), recognized by content: a `List` of mixed kinds, an
//!   API list, or one file per kind;
//! - the API through kube-rs ([`K8sLive`]): the kubeconfig's contexts (exec plugins included) or
//!   the in-cluster service account, listing page by page, Secrets as metadata only.
//!
//! A Secret's `data` and `stringData` are never deserialized on either route: the types in
//! [`types`] have no field for them, and the live route asks the API server for metadata only,
//! so token values never cross the wire.
//!
//! Layout: [`types`] holds the wire formats, [`import`] reads exports, `live` calls the API,
//! [`normalize`] (pure) turns a cluster's objects into identities.

pub mod import;
mod live;
pub mod normalize;
pub mod types;

pub use import::{ImportOptions, K8sImport};
pub use live::{in_cluster_config, K8sLive, LiveOptions, LiveTarget};

pub const CONNECTOR: &str = "kubernetes";

/// The command that produces an export nhi reads, for error messages.
pub const EXPORT_HINT: &str = "produce it with `kubectl get serviceaccounts,secrets,roles,rolebindings,clusterroles,clusterrolebindings,pods,deployments,statefulsets,daemonsets,replicasets,jobs,cronjobs,namespaces --all-namespaces -o json > cluster.json` (README: Kubernetes)";
