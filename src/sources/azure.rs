//! Entra ID and Azure RBAC, with credentials found the way the Azure CLI and SDKs find them.

use super::{Plug, PlugEnv, Setup};
use nhi_api::import::Importer;
use nhi_api::SourceReport;
use nhi_azure::{
    AzureImport, AzureLive, AzureOptions, CredentialSource, CONNECTOR, DEFAULT_ARM_URL,
    DEFAULT_AUTHORITY, DEFAULT_GRAPH_URL,
};

/// Entra ID tenants (Microsoft Graph) and their Azure subscriptions (Resource Manager).
#[derive(clap::Args)]
pub struct AzureArgs {
    /// Scan this Entra ID tenant (id or domain; repeatable): service principals, applications,
    /// Agent ID, and Azure RBAC of every subscription the caller can read. Credentials come from
    /// the environment (AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH
    /// or AZURE_FEDERATED_TOKEN_FILE), a managed identity, or `az login`.
    #[arg(long = "azure-tenant", value_name = "TENANT_ID")]
    azure_tenant: Vec<String>,
    /// Read only this subscription's role assignments (repeatable; default: every subscription
    /// the caller can list).
    #[arg(long = "azure-subscription", value_name = "ID", requires = "azure_tenant")]
    azure_subscription: Vec<String>,
    /// Microsoft Graph v1.0 base URL (sovereign clouds: https://graph.microsoft.us/v1.0, ...).
    #[arg(long, value_name = "URL", default_value = DEFAULT_GRAPH_URL)]
    azure_graph_url: String,
    /// Microsoft Graph beta base URL (sign-in activity, Agent ID, flexible federated
    /// credentials); default: the v1.0 URL with `beta` in place of `v1.0`.
    #[arg(long, value_name = "URL")]
    azure_graph_beta_url: Option<String>,
    /// Resource Manager base URL (sovereign clouds: https://management.usgovcloudapi.net, ...).
    #[arg(long, value_name = "URL", default_value = DEFAULT_ARM_URL)]
    azure_arm_url: String,
    /// Sign-in endpoint; AZURE_AUTHORITY_HOST when set.
    #[arg(long, value_name = "URL", env = "AZURE_AUTHORITY_HOST", default_value = DEFAULT_AUTHORITY)]
    azure_authority_host: String,
    /// Attempts per request when rate limited or on a server error (first included).
    #[arg(long, value_name = "N", default_value_t = 6)]
    azure_max_attempts: u32,
    /// Per-object Graph requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    azure_concurrency: usize,
}

impl Plug for AzureArgs {
    fn flags(&self) -> &'static [&'static str] {
        &["--azure-tenant TENANT_ID"]
    }

    fn wanted(&self) -> bool {
        !self.azure_tenant.is_empty()
    }

    fn connectors(&self, env: &PlugEnv<'_>) -> Vec<Setup> {
        let credential = CredentialSource::from_env(&|k| std::env::var(k).ok());
        if let CredentialSource::ClientCertificate { path, .. } = &credential {
            if !path.is_file() {
                return self
                    .azure_tenant
                    .iter()
                    .map(|t| {
                        Setup::Failed(SourceReport::failed(
                            CONNECTOR,
                            t,
                            &self.azure_graph_url,
                            format!(
                                "AZURE_CLIENT_CERTIFICATE_PATH {} is not a file: give the PEM file holding the app's certificate and private key",
                                path.display()
                            ),
                        ))
                    })
                    .collect();
            }
        }
        let options = AzureOptions {
            tenants: self.azure_tenant.clone(),
            subscriptions: self.azure_subscription.clone(),
            graph_url: self.azure_graph_url.clone(),
            graph_beta_url: self.azure_graph_beta_url.clone(),
            arm_url: self.azure_arm_url.clone(),
            authority: self.azure_authority_host.clone(),
            concurrency: self.azure_concurrency.max(1),
            max_attempts: self.azure_max_attempts.max(1),
        };
        vec![Setup::Ready(Box::new(AzureLive::new(
            options,
            credential,
            env.sleeper.clone(),
        )))]
    }

    fn importer(&self) -> Option<Box<dyn Importer>> {
        Some(Box::new(AzureImport::new()))
    }
}
