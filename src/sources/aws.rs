//! AWS: IAM exports (`--from`), and live scans through the SDK with the credential chain the
//! `aws` CLI uses (`--aws`, `--aws-assume-role`, `--aws-org`).

use super::{Plug, PlugEnv, Setup};
use nhi_api::import::Importer;
use nhi_aws::{AwsImport, AwsLive, LiveOptions};

/// Live AWS scanning, with the credential chain the aws CLI uses.
#[derive(clap::Args)]
pub struct AwsArgs {
    /// Scan AWS through the API: the account of the default credential chain, or the accounts
    /// named by --aws-assume-role or --aws-org.
    #[arg(long)]
    aws: bool,
    /// Named profile from ~/.aws/config (as `aws --profile`).
    #[arg(long, value_name = "NAME", env = "AWS_PROFILE")]
    aws_profile: Option<String>,
    /// Region for the API calls (IAM is global; default from the profile, else us-east-1).
    #[arg(long, value_name = "REGION")]
    aws_region: Option<String>,
    /// Endpoint for every AWS service (as `aws --endpoint-url`; AWS_ENDPOINT_URL is read too).
    #[arg(long, value_name = "URL")]
    aws_endpoint_url: Option<String>,
    /// Scan every account of the organization, through --aws-role-name in each.
    #[arg(long)]
    aws_org: bool,
    /// Role to assume in each organization account.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole"
    )]
    aws_role_name: String,
    /// Scan the account of this role (repeatable).
    #[arg(long, value_name = "ARN")]
    aws_assume_role: Vec<String>,
    /// Accounts scanned at once (default: aws.concurrency in nhi.toml, else 8).
    #[arg(long, value_name = "N")]
    aws_concurrency: Option<usize>,
    /// Give up on an account after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    aws_account_timeout: u64,
    /// Attempts per API call (adaptive retries on throttling); 1 turns retries off.
    #[arg(long, value_name = "N", default_value_t = 5)]
    aws_max_attempts: u32,
}

impl Plug for AwsArgs {
    fn flags(&self) -> &'static [&'static str] {
        &["--aws"]
    }

    fn wanted(&self) -> bool {
        self.aws || self.aws_org || !self.aws_assume_role.is_empty()
    }

    fn connectors(&self, env: &PlugEnv<'_>) -> Vec<Setup> {
        let options = LiveOptions {
            profile: self.aws_profile.clone(),
            region: self.aws_region.clone(),
            endpoint_url: self.aws_endpoint_url.clone(),
            organization: self.aws_org,
            role_name: Some(self.aws_role_name.clone()),
            assume_roles: self.aws_assume_role.clone(),
            concurrency: self
                .aws_concurrency
                .or(env.config.aws.concurrency.map(|n| n.get()))
                .unwrap_or(8)
                .max(1),
            account_timeout: std::time::Duration::from_secs(self.aws_account_timeout),
            max_attempts: self.aws_max_attempts,
            ..Default::default()
        };
        vec![Setup::Ready(Box::new(AwsLive::new(options)))]
    }

    fn importer(&self) -> Option<Box<dyn Importer>> {
        Some(Box::new(AwsImport::new()))
    }
}
