//! Kubernetes: cluster exports (`--from`), and live scans through the kubeconfig's contexts
//! (`--k8s`, `--kube-context`), their exec plugins included, or the in-cluster service account.

use super::{Plug, PlugEnv, Setup};
use nhi_api::import::Importer;
use nhi_k8s::{ImportOptions, K8sImport, K8sLive, LiveOptions, LiveTarget};
use std::path::PathBuf;

/// Kubernetes clusters, through the kubeconfig or from inside the cluster.
#[derive(clap::Args)]
pub struct K8sArgs {
    /// Scan the Kubernetes cluster of the kubeconfig's current context (KUBECONFIG or
    /// ~/.kube/config); inside a pod with no kubeconfig, the cluster it runs in.
    #[arg(long)]
    k8s: bool,
    /// Scan the cluster of this kubeconfig context (repeatable; clusters are read concurrently).
    #[arg(long = "kube-context", value_name = "NAME")]
    kube_context: Vec<String>,
    /// The kubeconfig to read instead of KUBECONFIG or ~/.kube/config.
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The cluster's name in the report: for exports (default: the file's name) and for a
    /// single live cluster (default: the context's name).
    #[arg(long, value_name = "NAME")]
    k8s_cluster: Option<String>,
    /// The cluster's service-account token issuer (EKS: `aws eks describe-cluster --query
    /// cluster.identity.oidc.issuer`), so exports join AWS roles that trust it; live scans read
    /// it from the API server.
    #[arg(long, value_name = "URL")]
    k8s_oidc_issuer: Option<String>,
    /// Objects per page of each list.
    #[arg(long, value_name = "N", default_value_t = 500)]
    k8s_page_size: u32,
    /// Give up on a cluster after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    k8s_timeout: u64,
}

impl K8sArgs {
    fn targets(&self) -> Vec<LiveTarget> {
        if !self.kube_context.is_empty() {
            return self
                .kube_context
                .iter()
                .map(|c| LiveTarget::Context {
                    kubeconfig: self.kubeconfig.clone(),
                    context: Some(c.clone()),
                })
                .collect();
        }
        let default_file = std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".kube/config"))
            .is_some_and(|p| p.is_file());
        let have_kubeconfig = self.kubeconfig.is_some()
            || std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty())
            || default_file;
        if !have_kubeconfig && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
            return vec![LiveTarget::InCluster];
        }
        vec![LiveTarget::Context {
            kubeconfig: self.kubeconfig.clone(),
            context: None,
        }]
    }
}

impl Plug for K8sArgs {
    fn flags(&self) -> &'static [&'static str] {
        &["--k8s", "--kube-context NAME"]
    }

    fn wanted(&self) -> bool {
        self.k8s || !self.kube_context.is_empty() || self.kubeconfig.is_some()
    }

    fn connectors(&self, _env: &PlugEnv<'_>) -> Vec<Setup> {
        let options = LiveOptions {
            targets: self.targets(),
            cluster: self.k8s_cluster.clone(),
            oidc_issuer: self.k8s_oidc_issuer.clone(),
            page_size: self.k8s_page_size.max(1),
            timeout: std::time::Duration::from_secs(self.k8s_timeout.max(1)),
        };
        vec![Setup::Ready(Box::new(K8sLive::new(options)))]
    }

    fn importer(&self) -> Option<Box<dyn Importer>> {
        Some(Box::new(K8sImport::new(ImportOptions {
            cluster: self.k8s_cluster.clone(),
            oidc_issuer: self.k8s_oidc_issuer.clone(),
        })))
    }
}
