//! Live scans through kube-rs: configuration (kubeconfig contexts with their exec plugins, or
//! the in-cluster service account), paged lists (`limit` / `continue`), Secrets as metadata
//! only (`PartialObjectMetadataList`), and what each failure means for the report.
//!
//! Each cluster is one source: a resource the credentials may not list makes it `partial`
//! naming the permission to grant; refused credentials (401) or an unreachable API server fail
//! that cluster alone.

use crate::import::add_object;
use crate::normalize::{normalize, Cluster};
use crate::types::Page;
use crate::CONNECTOR;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::params::ListParams;
use nhi_api::{error_chain, BoxFuture, CollectContext, Connector, Inventory, SourceReport};
use serde_json::value::RawValue;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The directory where Kubernetes mounts a pod's service-account token and CA.
pub const IN_CLUSTER_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// A cluster to scan.
#[derive(Clone)]
pub enum LiveTarget {
    /// A kubeconfig context; `None`: the current one. `kubeconfig` `None`: `KUBECONFIG` or
    /// `~/.kube/config`.
    Context {
        kubeconfig: Option<PathBuf>,
        context: Option<String>,
    },
    /// The service account this process runs as, inside the cluster.
    InCluster,
    /// A configuration already made (in-cluster from another directory, tests).
    Config {
        name: String,
        config: Box<kube::Config>,
    },
}

#[derive(Clone)]
pub struct LiveOptions {
    pub targets: Vec<LiveTarget>,
    /// The cluster name (`--k8s-cluster`), when one cluster is scanned; else the context name.
    pub cluster: Option<String>,
    /// The service-account issuer, instead of the API server's discovery document.
    pub oidc_issuer: Option<String>,
    /// Items per page.
    pub page_size: u32,
    /// Give up on a cluster after this long.
    pub timeout: Duration,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            targets: Vec::new(),
            cluster: None,
            oidc_issuer: None,
            page_size: 500,
            timeout: Duration::from_secs(600),
        }
    }
}

/// What is listed: kind, API path, whether as metadata only, the resource to grant.
const RESOURCES: &[(&str, &str, bool, &str)] = &[
    (
        "ServiceAccount",
        "/api/v1/serviceaccounts",
        false,
        "serviceaccounts",
    ),
    ("Secret", "/api/v1/secrets", true, "secrets"),
    ("Namespace", "/api/v1/namespaces", false, "namespaces"),
    ("Pod", "/api/v1/pods", false, "pods"),
    (
        "ReplicationController",
        "/api/v1/replicationcontrollers",
        false,
        "replicationcontrollers",
    ),
    (
        "Role",
        "/apis/rbac.authorization.k8s.io/v1/roles",
        false,
        "roles.rbac.authorization.k8s.io",
    ),
    (
        "ClusterRole",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        false,
        "clusterroles.rbac.authorization.k8s.io",
    ),
    (
        "RoleBinding",
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        false,
        "rolebindings.rbac.authorization.k8s.io",
    ),
    (
        "ClusterRoleBinding",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        false,
        "clusterrolebindings.rbac.authorization.k8s.io",
    ),
    (
        "Deployment",
        "/apis/apps/v1/deployments",
        false,
        "deployments.apps",
    ),
    (
        "StatefulSet",
        "/apis/apps/v1/statefulsets",
        false,
        "statefulsets.apps",
    ),
    (
        "DaemonSet",
        "/apis/apps/v1/daemonsets",
        false,
        "daemonsets.apps",
    ),
    (
        "ReplicaSet",
        "/apis/apps/v1/replicasets",
        false,
        "replicasets.apps",
    ),
    ("Job", "/apis/batch/v1/jobs", false, "jobs.batch"),
    (
        "CronJob",
        "/apis/batch/v1/cronjobs",
        false,
        "cronjobs.batch",
    ),
];

/// The RBAC file that grants what the scan reads.
const RBAC_HINT: &str = "docs/k8s-rbac.yaml";

/// An in-cluster configuration: the API server from `KUBERNETES_SERVICE_HOST` and
/// `KUBERNETES_SERVICE_PORT`, the token and CA from `dir` (the token file is re-read as the
/// kubelet rotates it).
pub fn in_cluster_config(host: &str, port: &str, dir: &Path) -> Result<kube::Config, String> {
    let port: u16 = port
        .trim()
        .parse()
        .map_err(|e| format!("KUBERNETES_SERVICE_PORT is not a port ({e})"))?;
    let host = host.trim();
    let authority = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let url: http::Uri = format!("https://{authority}")
        .parse()
        .map_err(|e| format!("KUBERNETES_SERVICE_HOST is not a host name ({e})"))?;
    let token = dir.join("token");
    if !token.is_file() {
        return Err(format!(
            "no service-account token at {}: is automountServiceAccountToken false for the pod?",
            token.display()
        ));
    }
    let ca_file = dir.join("ca.crt");
    let ca = std::fs::read(&ca_file)
        .map_err(|e| format!("cannot read the cluster CA {}: {e}", ca_file.display()))?;
    let certs: Vec<Vec<u8>> = pem_certs(&ca);
    if certs.is_empty() {
        return Err(format!("{} holds no PEM certificate", ca_file.display()));
    }
    let mut config = kube::Config::new(url);
    config.default_namespace = std::fs::read_to_string(dir.join("namespace"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "default".into());
    config.root_cert = Some(certs);
    config.root_cert_file = Some(ca_file);
    config.auth_info.token_file = Some(token.display().to_string());
    Ok(config)
}

/// DER certificates of a PEM bundle.
fn pem_certs(pem: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine;
    let decode = |b: &str| base64::engine::general_purpose::STANDARD.decode(b).ok();
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            body = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            if let Some(b) = body.take().and_then(|b| decode(&b)) {
                out.push(b);
            }
        } else if let Some(b) = body.as_mut() {
            b.push_str(line);
        }
    }
    out
}

pub struct K8sLive {
    options: LiveOptions,
}

impl K8sLive {
    pub fn new(options: LiveOptions) -> Self {
        K8sLive { options }
    }
}

impl Connector for K8sLive {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn collect<'a>(&'a self, ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(async move {
            ctx.start("Kubernetes clusters", self.options.targets.len() as u64);
            let single = self.options.targets.len() == 1;
            let scans = self.options.targets.iter().map(|t| async move {
                let inv = scan_target(t, &self.options, single).await;
                let label = inv
                    .sources
                    .first()
                    .map(|s| s.scope.clone())
                    .unwrap_or_default();
                ctx.advance("Kubernetes clusters", &label, inv.identities.len());
                inv
            });
            let mut inventory = Inventory::default();
            for inv in futures_util::future::join_all(scans).await {
                inventory.merge(inv);
            }
            inventory.sort();
            inventory
        })
    }
}

/// A target's configuration and cluster name.
async fn configure(
    target: &LiveTarget,
    options: &LiveOptions,
    single: bool,
) -> Result<(String, String, kube::Config), (String, String)> {
    let named = |fallback: &str| match (&options.cluster, single) {
        (Some(c), true) => c.clone(),
        _ => fallback.to_string(),
    };
    match target {
        LiveTarget::Config { name, config } => Ok((named(name), name.clone(), (**config).clone())),
        LiveTarget::InCluster => {
            let host = std::env::var("KUBERNETES_SERVICE_HOST").unwrap_or_default();
            let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_default();
            let name = named("in-cluster");
            if host.is_empty() {
                return Err((name, "not running inside a cluster (KUBERNETES_SERVICE_HOST is not set), and no kubeconfig was found: give --kubeconfig FILE or set KUBECONFIG".into()));
            }
            in_cluster_config(&host, &port, Path::new(IN_CLUSTER_DIR))
                .map(|c| (name.clone(), "in-cluster service account".to_string(), c))
                .map_err(|e| (name, format!("in-cluster configuration: {e}")))
        }
        LiveTarget::Context {
            kubeconfig,
            context,
        } => {
            let file = kubeconfig
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the kubeconfig (KUBECONFIG or ~/.kube/config)".into());
            let read = match kubeconfig {
                Some(p) => Kubeconfig::read_from(p),
                None => Kubeconfig::read(),
            };
            let fallback = context.clone().unwrap_or_else(|| "current-context".into());
            let kc = read.map_err(|e| {
                (
                    named(&fallback),
                    format!(
                        "cannot read {file}: {}; give --kubeconfig FILE",
                        error_chain(&e)
                    ),
                )
            })?;
            let ctx_name = match context.clone().or(kc.current_context.clone()) {
                Some(c) => c,
                None => {
                    return Err((
                        named(&fallback),
                        format!("{file} has no current-context: give --kube-context NAME"),
                    ))
                }
            };
            let opts = KubeConfigOptions {
                context: Some(ctx_name.clone()),
                ..Default::default()
            };
            let name = named(&ctx_name);
            kube::Config::from_custom_kubeconfig(kc, &opts)
                .await
                .map(|c| (name.clone(), format!("context {ctx_name}"), c))
                .map_err(|e| {
                    (
                        name,
                        format!(
                            "cannot use context {ctx_name} of {file}: {}",
                            error_chain(&e)
                        ),
                    )
                })
        }
    }
}

async fn scan_target(target: &LiveTarget, options: &LiveOptions, single: bool) -> Inventory {
    let mut inventory = Inventory::default();
    let (name, how, config) = match configure(target, options, single).await {
        Ok(x) => x,
        Err((name, message)) => {
            inventory
                .sources
                .push(SourceReport::failed(CONNECTOR, name, "", message));
            return inventory;
        }
    };
    let origin = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let client = match kube::Client::try_from(config) {
        Ok(c) => c,
        Err(e) => {
            inventory.sources.push(SourceReport::failed(
                CONNECTOR,
                &name,
                &origin,
                format!(
                    "cannot set up the Kubernetes client ({how}): {}",
                    error_chain(&e)
                ),
            ));
            return inventory;
        }
    };
    let scan = scan_cluster(&client, &name, &how, &origin, options);
    match tokio::time::timeout(options.timeout, scan).await {
        Ok(inv) => inv,
        Err(_) => {
            inventory.sources.push(SourceReport::failed(
                CONNECTOR,
                &name,
                &origin,
                format!(
                    "the cluster did not answer within {} s; the other sources are reported",
                    options.timeout.as_secs()
                ),
            ));
            inventory
        }
    }
}

/// How a list failed.
enum ListError {
    /// The credentials were refused: nothing can be read.
    Unauthorized(String),
    /// The API server could not be reached.
    Unreachable(String),
    /// This resource may not be listed.
    Forbidden(String),
    Other(String),
}

fn classify(e: kube::Error) -> ListError {
    match e {
        kube::Error::Api(status) => match status.code {
            401 => ListError::Unauthorized(status.message.clone()),
            403 => ListError::Forbidden(status.message.clone()),
            code => ListError::Other(format!("HTTP {code} {}: {}", status.reason, status.message)),
        },
        e @ (kube::Error::HyperError(_) | kube::Error::Service(_)) => {
            ListError::Unreachable(error_chain(&e))
        }
        e => ListError::Other(error_chain(&e)),
    }
}

/// List every page of one resource into the cluster.
async fn list_all(
    client: &kube::Client,
    kind: &str,
    path: &str,
    metadata_only: bool,
    page_size: u32,
) -> Result<(Cluster, usize, Option<String>), ListError> {
    let mut cluster = Cluster::default();
    let mut bad = 0;
    let mut token: Option<String> = None;
    // Bounded: a server that keeps answering with a continue token is not followed forever.
    for _ in 0..100_000 {
        let mut lp = ListParams::default().limit(page_size);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let request = kube::core::Request::new(path);
        let request = if metadata_only {
            request.list_metadata(&lp)
        } else {
            request.list(&lp)
        }
        .map_err(|e| ListError::Other(e.to_string()))?;
        // The text is parsed here rather than by `Client::request`, which logs a body it
        // cannot parse.
        let text = client.request_text(request).await.map_err(classify)?;
        let page: Page<Box<RawValue>> = serde_json::from_str(&text).map_err(|e| {
            ListError::Other(format!(
                "the {kind} list is not a Kubernetes list (line {} column {}: {})",
                e.line(),
                e.column(),
                e.classify_text()
            ))
        })?;
        for item in &page.items {
            if add_object(kind, item.get(), &mut cluster).is_err() {
                bad += 1;
            }
        }
        cluster.kinds_read.insert(kind.to_string());
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            // The API server never hands out the same token twice: a server that does would
            // be followed forever.
            Some(t) if token.as_ref() == Some(&t) => {
                return Ok((
                    cluster,
                    bad,
                    Some(format!(
                        "the {kind} list stopped where the server answered the same continue token twice"
                    )),
                ))
            }
            Some(t) => token = Some(t),
            None => return Ok((cluster, bad, None)),
        }
    }
    Ok((
        cluster,
        bad,
        Some(format!("the {kind} list stopped after 100,000 pages")),
    ))
}

trait ClassifyText {
    fn classify_text(&self) -> &'static str;
}

impl ClassifyText for serde_json::Error {
    fn classify_text(&self) -> &'static str {
        use serde_json::error::Category;
        match self.classify() {
            Category::Eof => "the response ends early",
            Category::Syntax => "not valid JSON",
            Category::Data => "unexpected content",
            Category::Io => "could not be read",
        }
    }
}

/// The cluster's service-account token issuer, from its discovery document.
async fn issuer(client: &kube::Client) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Discovery {
        issuer: String,
    }
    let request = http::Request::get("/.well-known/openid-configuration")
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let text = client
        .request_text(request)
        .await
        .map_err(|e| match classify(e) {
            ListError::Forbidden(_) => {
                "403 Forbidden: bind ClusterRole system:service-account-issuer-discovery"
                    .to_string()
            }
            ListError::Unauthorized(m) | ListError::Unreachable(m) | ListError::Other(m) => m,
        })?;
    let d: Discovery =
        serde_json::from_str(&text).map_err(|e| format!("not an OpenID configuration: {e}"))?;
    if d.issuer.starts_with("https://") || d.issuer.starts_with("http://") {
        Ok(d.issuer)
    } else {
        Err(format!("the issuer {:?} is not a URL", d.issuer))
    }
}

async fn scan_cluster(
    client: &kube::Client,
    name: &str,
    how: &str,
    origin: &str,
    options: &LiveOptions,
) -> Inventory {
    let lists = RESOURCES
        .iter()
        .map(|&(kind, path, meta, _)| list_all(client, kind, path, meta, options.page_size.max(1)));
    let (results, discovered) =
        futures_util::future::join(futures_util::future::join_all(lists), async {
            match &options.oidc_issuer {
                Some(i) => Ok(i.clone()),
                None => issuer(client).await,
            }
        })
        .await;
    let mut cluster = Cluster::new(name);
    cluster.origin = origin.to_string();
    let mut problems = Vec::new();
    let mut bad_items = 0;
    for (result, &(kind, _, _, resource)) in results.into_iter().zip(RESOURCES) {
        match result {
            Ok((part, bad, note)) => {
                cluster.merge(part);
                bad_items += bad;
                problems.extend(note);
            }
            Err(ListError::Unauthorized(m)) => {
                let mut inv = Inventory::default();
                inv.sources.push(SourceReport::failed(
                    CONNECTOR,
                    name,
                    origin,
                    format!("the API server refused the credentials of {how} (401 Unauthorized: {m}): the token has expired or is not valid; refresh the kubeconfig's credentials (aws eks update-kubeconfig, gcloud container clusters get-credentials, az aks get-credentials) and run again"),
                ));
                return inv;
            }
            Err(ListError::Unreachable(m)) => {
                let mut inv = Inventory::default();
                inv.sources.push(SourceReport::failed(
                    CONNECTOR,
                    name,
                    origin,
                    format!("cannot reach the API server of {how} at {origin} ({m}); check the cluster is up and the kubeconfig's server address; the other sources are reported"),
                ));
                return inv;
            }
            Err(ListError::Forbidden(m)) => problems.push(format!(
                "cannot list {kind} objects (403 Forbidden: {m}): grant list on {resource} (ClusterRole in {RBAC_HINT})"
            )),
            Err(ListError::Other(m)) => problems.push(format!("cannot list {kind} objects: {m}")),
        }
    }
    if bad_items > 0 {
        problems.push(format!(
            "{bad_items} object(s) could not be read and were left out"
        ));
    }
    let mut notes = vec![format!(
        "Kubernetes cluster {name} ({how}): {}",
        cluster.summary()
    )];
    match discovered {
        Ok(i) => cluster.oidc_issuer = Some(i),
        Err(e) => notes.push(format!(
            "its OIDC issuer could not be read ({e}): IRSA service accounts are joined to AWS roles by their annotated role ARN; --k8s-oidc-issuer URL sets it"
        )),
    }
    let mut inventory = normalize(&cluster);
    let accounts = cluster.service_accounts.len();
    let report = if problems.is_empty() {
        SourceReport::ok(CONNECTOR, name, origin).message(notes.join("; "))
    } else {
        notes.extend(problems);
        SourceReport::partial(CONNECTOR, name, origin, notes.join("; "))
    };
    inventory.sources.push(report.identities(accounts));
    inventory
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: &str =
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQk3yAAAA\n-----END CERTIFICATE-----\n";

    #[test]
    fn in_cluster_reads_env_token_and_ca_from_a_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("token"), "eyJ-token").expect("token");
        std::fs::write(dir.path().join("ca.crt"), CA).expect("ca");
        std::fs::write(dir.path().join("namespace"), "nhi\n").expect("ns");
        let c = in_cluster_config("10.96.0.1", "443", dir.path()).expect("config");
        assert_eq!(c.cluster_url.to_string(), "https://10.96.0.1:443/");
        assert_eq!(c.default_namespace, "nhi");
        assert_eq!(c.root_cert.as_ref().map(Vec::len), Some(1));
        assert_eq!(
            c.auth_info.token_file.as_deref(),
            Some(dir.path().join("token").display().to_string().as_str())
        );
        let v6 = in_cluster_config("fd00::1", "6443", dir.path()).expect("v6");
        assert_eq!(v6.cluster_url.to_string(), "https://[fd00::1]:6443/");
        assert!(in_cluster_config("10.96.0.1", "x", dir.path()).is_err());
        std::fs::remove_file(dir.path().join("token")).expect("rm");
        let e = in_cluster_config("10.96.0.1", "443", dir.path()).expect_err("no token");
        assert!(e.contains("automountServiceAccountToken"), "{e}");
    }

    #[test]
    fn pem_bodies_decode() {
        assert_eq!(pem_certs(CA.as_bytes()).len(), 1);
        assert!(pem_certs(b"nothing").is_empty());
    }
}
