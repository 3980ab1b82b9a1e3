//! Google Cloud: exports (`--from`, recognized by content) and live scans of organizations and
//! projects (`--gcp-org`, `--gcp-project`) with Application Default Credentials.

use super::{Plug, PlugEnv, Setup};
use nhi_api::import::Importer;
use nhi_api::SourceReport;
use nhi_gcp::auth::{discover, TokenSource};
use nhi_gcp::{Gcp, GcpImport, GcpOptions, CONNECTOR};

/// Google Cloud organizations and projects, with Application Default Credentials.
#[derive(clap::Args)]
pub struct GcpArgs {
    /// Scan every project of this Google Cloud organization (numeric id; repeatable). Bindings
    /// are read organization-wide, so inherited roles are seen. Credentials are found as gcloud
    /// finds them: GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth
    /// application-default login`, the metadata server.
    #[arg(long = "gcp-org", value_name = "ORG_ID")]
    gcp_org: Vec<String>,
    /// Scan this Google Cloud project (id; repeatable).
    #[arg(long = "gcp-project", value_name = "PROJECT")]
    gcp_project: Vec<String>,
    /// Base URL for every Google Cloud API (tests, proxies); the per-API flags below win.
    #[arg(long, value_name = "URL")]
    gcp_api_url: Option<String>,
    /// IAM API URL.
    #[arg(long, value_name = "URL", default_value = "https://iam.googleapis.com")]
    gcp_iam_url: String,
    /// Cloud Asset Inventory API URL.
    #[arg(long, value_name = "URL", default_value = "https://cloudasset.googleapis.com")]
    gcp_asset_url: String,
    /// Policy Analyzer API URL.
    #[arg(long, value_name = "URL", default_value = "https://policyanalyzer.googleapis.com")]
    gcp_policy_analyzer_url: String,
    /// Resource Manager API URL.
    #[arg(long, value_name = "URL", default_value = "https://cloudresourcemanager.googleapis.com")]
    gcp_resource_manager_url: String,
    /// Projects read at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    gcp_concurrency: usize,
    /// Attempts per API call (waits out 429 and 5xx); 1 turns retries off.
    #[arg(long, value_name = "N", default_value_t = 6)]
    gcp_max_attempts: u32,
    /// Pages read per listing (and folders walked) at most; a listing cut short makes its
    /// source partial.
    #[arg(long, value_name = "N", default_value_t = 5_000)]
    gcp_max_pages: usize,
    /// Send resource names %2F-encoded in paths, for API mocks that take a whole resource name
    /// as one path parameter (Prism serving Google's descriptions).
    #[arg(long, hide = true)]
    gcp_encode_resource_names: bool,
}

impl GcpArgs {
    fn url(&self, specific: &str, default: &str) -> String {
        match &self.gcp_api_url {
            Some(base) if specific == default => base.clone(),
            _ => specific.to_string(),
        }
    }
}

impl Plug for GcpArgs {
    fn flags(&self) -> &'static [&'static str] {
        &["--gcp-org ORG_ID", "--gcp-project PROJECT"]
    }

    fn wanted(&self) -> bool {
        !self.gcp_org.is_empty() || !self.gcp_project.is_empty()
    }

    fn connectors(&self, env: &PlugEnv<'_>) -> Vec<Setup> {
        let defaults = GcpOptions::default();
        let options = GcpOptions {
            iam_url: self.url(&self.gcp_iam_url, &defaults.iam_url),
            asset_url: self.url(&self.gcp_asset_url, &defaults.asset_url),
            policy_analyzer_url: self.url(&self.gcp_policy_analyzer_url, &defaults.policy_analyzer_url),
            resource_manager_url: self.url(&self.gcp_resource_manager_url, &defaults.resource_manager_url),
            orgs: self.gcp_org.clone(),
            projects: self.gcp_project.clone(),
            project_concurrency: self.gcp_concurrency.max(1),
            max_attempts: self.gcp_max_attempts.max(1),
            escape_resource_names: self.gcp_encode_resource_names,
            max_pages: self.gcp_max_pages.max(1),
            ..defaults
        };
        match discover() {
            Ok(credentials) => vec![Setup::Ready(Box::new(Gcp::new(
                options,
                TokenSource::new(credentials),
                env.sleeper.clone(),
            )))],
            Err(message) => self
                .gcp_org
                .iter()
                .map(|o| format!("organizations/{o}"))
                .chain(self.gcp_project.iter().map(|p| format!("projects/{p}")))
                .map(|scope| {
                    Setup::Failed(SourceReport::failed(
                        CONNECTOR,
                        scope,
                        &options.iam_url,
                        message.clone(),
                    ))
                })
                .collect(),
        }
    }

    fn importer(&self) -> Option<Box<dyn Importer>> {
        Some(Box::new(GcpImport::new()))
    }
}
