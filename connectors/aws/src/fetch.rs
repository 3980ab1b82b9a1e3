//! Live AWS: scan accounts through the API with the standard credential chain.
//!
//! Fetching only: each account's `GetAccountAuthorizationDetails` pages are converted into the
//! same [`gaad::Gaad`] the file path reads, and its credential report into the same CSV text, so
//! normalization is one code path for files and API. Accounts are the caller's own, named roles
//! (`--aws-assume-role`), or every account of the organization through a role of the same name
//! in each; they are scanned concurrently, each under its own timeout, and each is one source in
//! the report. A call the account denies (or an emulator does not implement) leaves its signal
//! unknown and says which permission to grant.

use crate::types::gaad::{self, Gaad};
use crate::types::organization::OrganizationExport;
use crate::AwsImport;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{JobStatusType, ReportStateType};
use futures_util::stream::{self, StreamExt};
use nhi_api::ServiceAccess;
use nhi_api::{BoxFuture, CollectContext, Connector, Inventory, SourceReport, SourceStatus};
use serde_json::value::RawValue;
use std::time::{Duration, Instant};

/// How to reach AWS and which accounts to scan.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Named profile (as `aws --profile`).
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Endpoint for every service (as `aws --endpoint-url`; `AWS_ENDPOINT_URL` is read too).
    pub endpoint_url: Option<String>,
    /// Scan every account of the organization through `role_name`.
    pub organization: bool,
    pub role_name: Option<String>,
    /// Roles to assume, one account each.
    pub assume_roles: Vec<String>,
    /// Accounts scanned at once.
    pub concurrency: usize,
    pub account_timeout: Duration,
    /// Attempts per API call, first included (adaptive retry mode); 1 turns retries off.
    pub max_attempts: u32,
    /// How long to wait for a credential report to be generated.
    pub report_wait: Duration,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            profile: None,
            region: None,
            endpoint_url: None,
            organization: false,
            role_name: None,
            assume_roles: Vec::new(),
            concurrency: 8,
            account_timeout: Duration::from_secs(600),
            max_attempts: 5,
            report_wait: Duration::from_secs(120),
        }
    }
}

pub struct AwsLive {
    options: LiveOptions,
}

/// One account to scan, and the role to assume into it (none: the caller's own account).
#[derive(Debug, Clone)]
struct Target {
    account: String,
    role_arn: Option<String>,
}

impl AwsLive {
    pub fn new(options: LiveOptions) -> Self {
        AwsLive { options }
    }

    fn origin(&self, target: &Target) -> String {
        let api = self
            .options
            .endpoint_url
            .clone()
            .unwrap_or_else(|| "aws-api".to_string());
        match &target.role_arn {
            Some(role) => format!("{api} as {role}"),
            None => api,
        }
    }

    async fn base_config(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
            RetryConfig::adaptive().with_max_attempts(self.options.max_attempts.max(1)),
        );
        if let Some(p) = &self.options.profile {
            loader = loader.profile_name(p);
        }
        // IAM is global: the region only signs requests. Take it from the flag, the environment
        // or the profile, never from instance metadata (slow and noisy off EC2).
        let region = match &self.options.region {
            Some(r) => Region::new(r.clone()),
            None => {
                let mut profile = aws_config::profile::ProfileFileRegionProvider::builder();
                if let Some(p) = &self.options.profile {
                    profile = profile.profile_name(p);
                }
                aws_config::meta::region::RegionProviderChain::first_try(
                    aws_config::environment::EnvironmentVariableRegionProvider::new(),
                )
                .or_else(profile.build())
                .or_else(Region::new("us-east-1"))
                .region()
                .await
                .unwrap_or_else(|| Region::new("us-east-1"))
            }
        };
        loader = loader.region(region);
        if let Some(e) = &self.options.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        loader.load().await
    }

    /// The accounts to scan, or a failed source saying why none can be.
    async fn targets(&self, base: &SdkConfig) -> Result<Vec<Target>, SourceReport> {
        let sts = aws_sdk_sts::Client::new(base);
        let caller = sts.get_caller_identity().send().await.map_err(|e| {
            SourceReport::failed(
                crate::CONNECTOR,
                "",
                self.options.endpoint_url.clone().unwrap_or_else(|| "aws-api".into()),
                format!(
                    "sts:GetCallerIdentity failed ({}); if the credentials are the problem, configure them as for the aws CLI (AWS_PROFILE, aws sso login, environment variables, an instance role)",
                    describe(&e)
                ),
            )
        })?;
        let own = caller.account().unwrap_or_default().to_string();
        let partition = caller
            .arn()
            .and_then(|a| a.split(':').nth(1))
            .unwrap_or("aws")
            .to_string();
        if !self.options.assume_roles.is_empty() {
            return Ok(self
                .options
                .assume_roles
                .iter()
                .map(|arn| Target {
                    account: arn.split(':').nth(4).unwrap_or_default().to_string(),
                    role_arn: Some(arn.clone()),
                })
                .collect());
        }
        if !self.options.organization {
            return Ok(vec![Target {
                account: own,
                role_arn: None,
            }]);
        }
        let role_name = self
            .options
            .role_name
            .clone()
            .unwrap_or_else(|| "OrganizationAccountAccessRole".into());
        let org = aws_sdk_organizations::Client::new(base);
        let mut accounts = Vec::new();
        let mut pages = org.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                SourceReport::failed(
                crate::CONNECTOR,
                    "organization",
                    self.options.endpoint_url.clone().unwrap_or_else(|| "aws-api".into()),
                    format!(
                        "cannot list the organization's accounts ({}): run from the management account or a delegated administrator, and grant organizations:ListAccounts",
                        describe(&e)
                    ),
                )
            })?;
            for a in page.accounts() {
                let active = a.status().map(|s| s.as_str() == "ACTIVE").unwrap_or(true);
                if let (Some(id), true) = (a.id(), active) {
                    accounts.push(id.to_string());
                }
            }
        }
        accounts.sort();
        // The caller's own account is scanned with the caller's credentials: no role is needed
        // there.
        Ok(accounts
            .into_iter()
            .map(|account| Target {
                role_arn: (account != own)
                    .then(|| format!("arn:{partition}:iam::{account}:role/{role_name}")),
                account,
            })
            .collect())
    }

    /// Scan one account into an inventory with exactly one source.
    async fn scan_account(&self, base: &SdkConfig, target: Target) -> Inventory {
        let origin = self.origin(&target);
        let started = Instant::now();
        let work = self.fetch_account(base, &target, &origin);
        let mut inventory = match tokio::time::timeout(self.options.account_timeout, work).await {
            Ok(inv) => inv,
            Err(_) => {
                let mut inv = Inventory::default();
                inv.sources.push(SourceReport::failed(
                crate::CONNECTOR,
                    &target.account,
                    &origin,
                    format!(
                        "account {} timed out after {} s; raise --aws-account-timeout or scan it alone",
                        target.account,
                        self.options.account_timeout.as_secs()
                    ),
                ));
                inv
            }
        };
        tracing::info!(account = %target.account, identities = inventory.identities.len(), elapsed_ms = started.elapsed().as_millis() as u64, "account scanned");
        collapse_sources(&mut inventory, &target.account, &origin);
        inventory
    }

    async fn fetch_account(&self, base: &SdkConfig, target: &Target, origin: &str) -> Inventory {
        let config = match &target.role_arn {
            None => base.clone(),
            Some(role) => {
                let provider = aws_config::sts::AssumeRoleProvider::builder(role.clone())
                    .session_name("nhi-scan")
                    .configure(base)
                    .build()
                    .await;
                let config = base
                    .to_builder()
                    .credentials_provider(
                        aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                    )
                    .build();
                // Fail early, with the role named, if it cannot be assumed.
                if let Err(e) = aws_sdk_sts::Client::new(&config)
                    .get_caller_identity()
                    .send()
                    .await
                {
                    let mut inv = Inventory::default();
                    inv.sources.push(SourceReport::failed(
                crate::CONNECTOR,
                        &target.account,
                        origin,
                        format!(
                            "cannot assume {role} ({}): deploy the role from docs/aws-permissions.json in account {} and let the scanning principal assume it (sts:AssumeRole)",
                            describe(&e),
                            target.account
                        ),
                    ));
                    return inv;
                }
                config
            }
        };
        let iam = aws_sdk_iam::Client::new(&config);
        let mut import = AwsImport::new();
        let mut problems = Vec::new();
        // Facts that are missing without the account being incomplete.
        let mut notes = Vec::new();
        match fetch_gaad(&iam).await {
            Ok(g) => import.add_gaad_parsed(&format!("{origin} GetAccountAuthorizationDetails"), g),
            Err(e) => {
                let mut inv = Inventory::default();
                inv.sources.push(SourceReport::failed(
                crate::CONNECTOR,
                    &target.account,
                    origin,
                    format!(
                        "account {}: GetAccountAuthorizationDetails failed ({e}); grant iam:GetAccountAuthorizationDetails",
                        target.account
                    ),
                ));
                return inv;
            }
        }
        match fetch_credential_report(&iam, self.options.report_wait).await {
            Ok(csv) => import.add_credential_report_csv(&format!("{origin} credential report"), &csv),
            Err(e) => problems.push(format!(
                "account {}: credential report unavailable ({e}), so access keys and console passwords are unknown; grant iam:GenerateCredentialReport and iam:GetCredentialReport",
                target.account
            )),
        }
        let mut inventory = import.finish();
        let arns: Vec<String> = inventory
            .identities
            .iter()
            .filter(|i| {
                !i.provider_managed
                    && (i.kind == nhi_api::kinds::IAM_USER || i.kind == nhi_api::kinds::IAM_ROLE)
            })
            .map(|i| i.id.clone())
            .collect();
        let (access, unavailable) = fetch_service_access(&iam, arns).await;
        for identity in &mut inventory.identities {
            if let Some(services) = access.get(&identity.id) {
                identity.service_access = Some(services.clone());
            }
        }
        if let Some(why) = unavailable {
            notes.push(format!(
                "account {}: service last accessed data unavailable ({why}), so unused permissions are not judged; grant iam:GenerateServiceLastAccessedDetails and iam:GetServiceLastAccessedDetails",
                target.account
            ));
        }
        if !notes.is_empty() {
            inventory.sources.push(
                SourceReport::ok(crate::CONNECTOR, &target.account, origin)
                    .message(notes.join("; ")),
            );
        }
        if !problems.is_empty() {
            inventory.sources.push(SourceReport::partial(
                crate::CONNECTOR,
                &target.account,
                origin,
                problems.join("; "),
            ));
        }
        inventory
    }
}

impl Connector for AwsLive {
    fn name(&self) -> &'static str {
        crate::CONNECTOR
    }

    fn collect<'a>(&'a self, ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(async move {
            let base = self.base_config().await;
            let targets = match self.targets(&base).await {
                Ok(t) => t,
                Err(report) => {
                    let mut inv = Inventory::default();
                    inv.sources.push(report);
                    return inv;
                }
            };
            // The organization's guardrails, read once from the management account.
            let guardrails = match self.options.organization {
                true => Some(read_organization(&aws_sdk_organizations::Client::new(&base)).await),
                false => None,
            };
            tracing::info!(accounts = targets.len(), "scanning AWS accounts");
            ctx.start("AWS accounts", targets.len() as u64);
            let base = &base;
            let inventories: Vec<Inventory> = stream::iter(targets)
                .map(|t| async move {
                    let account = t.account.clone();
                    let inv = self.scan_account(base, t).await;
                    ctx.advance("AWS accounts", &account, inv.identities.len());
                    inv
                })
                .buffer_unordered(self.options.concurrency.max(1))
                .collect()
                .await;
            let mut inventory = Inventory::default();
            for inv in inventories {
                inventory.merge(inv);
            }
            let origin = format!(
                "{} organizations",
                self.options.endpoint_url.as_deref().unwrap_or("aws-api")
            );
            match guardrails {
                Some(Ok(export)) => {
                    let mut import = AwsImport::new();
                    import.add_organization_parsed(&origin, export);
                    inventory.merge(import.finish());
                }
                Some(Err(why)) => inventory.sources.push(SourceReport::partial(
                    crate::CONNECTOR,
                    "organization",
                    &origin,
                    format!(
                        "service and resource control policies unreadable ({why}), so privilege findings do not account for them; grant organizations:DescribeOrganization, ListRoots, ListParents, ListPolicies, DescribePolicy and ListTargetsForPolicy"
                    ),
                )),
                None => {}
            }
            inventory.sort();
            inventory
        })
    }
}

/// The organization's structure and control policies, through the Organizations API.
async fn read_organization(
    org: &aws_sdk_organizations::Client,
) -> Result<OrganizationExport, String> {
    use crate::types::organization::{
        AccountInfo, ControlPolicy, OrgInfo, PolicySummary, PolicyTarget, PolicyTypeStatus,
        RootInfo, RCP, SCP,
    };
    let status = |t: &aws_sdk_organizations::types::PolicyTypeSummary| PolicyTypeStatus {
        kind: t
            .r#type()
            .map(|k| k.as_str().to_string())
            .unwrap_or_default(),
        status: t.status().map(|s| s.as_str().to_string()),
    };
    let described = org
        .describe_organization()
        .send()
        .await
        .map_err(|e| format!("DescribeOrganization: {}", describe(&e)))?;
    let o = described.organization();
    let mut export = OrganizationExport {
        organization: OrgInfo {
            id: o.and_then(|o| o.id()).unwrap_or_default().to_string(),
            master_account_id: o.and_then(|o| o.master_account_id()).map(str::to_string),
            available_policy_types: o
                .map(|o| o.available_policy_types().iter().map(status).collect())
                .unwrap_or_default(),
        },
        ..Default::default()
    };
    let mut roots = org.list_roots().into_paginator().send();
    while let Some(page) = roots.next().await {
        let page = page.map_err(|e| format!("ListRoots: {}", describe(&e)))?;
        for r in page.roots() {
            export.roots.push(RootInfo {
                id: r.id().unwrap_or_default().to_string(),
                policy_types: r.policy_types().iter().map(status).collect(),
            });
        }
    }
    let mut accounts = org.list_accounts().into_paginator().send();
    while let Some(page) = accounts.next().await {
        let page = page.map_err(|e| format!("ListAccounts: {}", describe(&e)))?;
        for a in page.accounts() {
            export.accounts.push(AccountInfo {
                id: a.id().unwrap_or_default().to_string(),
                name: a.name().map(str::to_string),
                status: a.status().map(|s| s.as_str().to_string()),
            });
        }
    }
    // Parents, from each account up to the root (OUs shared by accounts are asked once).
    let children: Vec<String> = export.accounts.iter().map(|a| a.id.clone()).collect();
    for child in children {
        let mut at = child;
        for _ in 0..8 {
            if export.parents.contains_key(&at) || at.starts_with("r-") {
                break;
            }
            let parents = org
                .list_parents()
                .child_id(&at)
                .send()
                .await
                .map_err(|e| format!("ListParents {at}: {}", describe(&e)))?;
            let Some(parent) = parents.parents().first().and_then(|p| p.id()) else {
                break;
            };
            export.parents.insert(at.clone(), parent.to_string());
            at = parent.to_string();
        }
    }
    for kind in [SCP, RCP] {
        if !export.enabled(kind) {
            continue;
        }
        let filter = aws_sdk_organizations::types::PolicyType::from(kind);
        let mut pages = org.list_policies().filter(filter).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| format!("ListPolicies {kind}: {}", describe(&e)))?;
            for summary in page.policies() {
                let id = summary.id().unwrap_or_default().to_string();
                let content = org
                    .describe_policy()
                    .policy_id(&id)
                    .send()
                    .await
                    .map_err(|e| format!("DescribePolicy {id}: {}", describe(&e)))?
                    .policy()
                    .and_then(|p| p.content())
                    .map(str::to_string);
                let mut targets = Vec::new();
                let mut pages = org
                    .list_targets_for_policy()
                    .policy_id(&id)
                    .into_paginator()
                    .send();
                while let Some(t) = pages.next().await {
                    let t =
                        t.map_err(|e| format!("ListTargetsForPolicy {id}: {}", describe(&e)))?;
                    targets.extend(t.targets().iter().map(|t| PolicyTarget {
                        target_id: t.target_id().unwrap_or_default().to_string(),
                    }));
                }
                export.policies.push(ControlPolicy {
                    policy_summary: PolicySummary {
                        id,
                        name: summary.name().unwrap_or_default().to_string(),
                        kind: kind.to_string(),
                    },
                    content,
                    targets,
                });
            }
        }
    }
    Ok(export)
}

/// One source per account: the worst status, every message, every identity counted once.
fn collapse_sources(inventory: &mut Inventory, account: &str, origin: &str) {
    let status = inventory
        .sources
        .iter()
        .map(|s| s.status)
        .filter(|s| *s != SourceStatus::Ok)
        .max()
        .unwrap_or(SourceStatus::Ok);
    let messages: Vec<String> = inventory
        .sources
        .iter()
        .filter_map(|s| s.message.clone())
        .collect();
    inventory.sources = vec![SourceReport::new(crate::CONNECTOR, account, origin, status)
        .identities(inventory.identities.len())
        .message_if(Some(messages.join("; ")))];
}

/// An SDK error as "Code: message", else its HTTP status and display form.
fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &aws_sdk_iam::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> String {
    let status = e.raw_response().map(|r| r.status().as_u16());
    match (e.code(), e.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_string(),
        _ if matches!(status, Some(401 | 403)) => {
            format!("HTTP {}: access denied", status.unwrap_or_default())
        }
        _ => {
            let text = nhi_api::error_chain(e);
            match status {
                Some(code) => format!("HTTP {code}: {text}"),
                None => text,
            }
        }
    }
}

fn time(t: Option<&aws_sdk_iam::primitives::DateTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

/// A policy document as the API returns it (a URL-encoded string), kept raw for `normalize`.
fn raw_document(doc: Option<&str>) -> Option<Box<RawValue>> {
    doc.and_then(|d| serde_json::to_string(d).ok())
        .and_then(|s| RawValue::from_string(s).ok())
}

fn inline(list: &[aws_sdk_iam::types::PolicyDetail]) -> Vec<gaad::InlinePolicy> {
    list.iter()
        .map(|p| gaad::InlinePolicy {
            policy_name: p.policy_name().unwrap_or_default().to_string(),
            policy_document: raw_document(p.policy_document()),
        })
        .collect()
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<gaad::AttachedPolicy> {
    list.iter()
        .map(|p| gaad::AttachedPolicy {
            policy_name: p.policy_name().unwrap_or_default().to_string(),
            policy_arn: p.policy_arn().unwrap_or_default().to_string(),
        })
        .collect()
}

fn boundary(b: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>) -> Option<gaad::Boundary> {
    b.and_then(|b| b.permissions_boundary_arn())
        .map(|arn| gaad::Boundary {
            permissions_boundary_arn: arn.to_string(),
        })
}

fn tags(list: &[aws_sdk_iam::types::Tag]) -> Vec<gaad::Tag> {
    list.iter()
        .map(|t| gaad::Tag {
            key: t.key().to_string(),
            value: t.value().to_string(),
        })
        .collect()
}

/// Every page of GetAccountAuthorizationDetails, as one GAAD.
async fn fetch_gaad(iam: &aws_sdk_iam::Client) -> Result<Gaad, String> {
    let mut g = Gaad {
        user_detail_list: Some(Vec::new()),
        group_detail_list: Some(Vec::new()),
        role_detail_list: Some(Vec::new()),
        policies: Some(Vec::new()),
        is_truncated: false,
    };
    let mut pages = iam
        .get_account_authorization_details()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e))?;
        let users = g.user_detail_list.get_or_insert_with(Vec::new);
        users.extend(page.user_detail_list().iter().map(|u| gaad::UserDetail {
            path: u.path().unwrap_or("/").to_string(),
            user_name: u.user_name().unwrap_or_default().to_string(),
            user_id: u.user_id().unwrap_or_default().to_string(),
            arn: u.arn().unwrap_or_default().to_string(),
            create_date: time(u.create_date()),
            user_policy_list: inline(u.user_policy_list()),
            group_list: u.group_list().to_vec(),
            attached_managed_policies: attached(u.attached_managed_policies()),
            permissions_boundary: boundary(u.permissions_boundary()),
            tags: tags(u.tags()),
        }));
        let groups = g.group_detail_list.get_or_insert_with(Vec::new);
        groups.extend(page.group_detail_list().iter().map(|gr| gaad::GroupDetail {
            path: gr.path().unwrap_or("/").to_string(),
            group_name: gr.group_name().unwrap_or_default().to_string(),
            group_id: gr.group_id().unwrap_or_default().to_string(),
            arn: gr.arn().unwrap_or_default().to_string(),
            group_policy_list: inline(gr.group_policy_list()),
            attached_managed_policies: attached(gr.attached_managed_policies()),
        }));
        let roles = g.role_detail_list.get_or_insert_with(Vec::new);
        roles.extend(page.role_detail_list().iter().map(|r| {
            gaad::RoleDetail {
                path: r.path().unwrap_or("/").to_string(),
                role_name: r.role_name().unwrap_or_default().to_string(),
                role_id: r.role_id().unwrap_or_default().to_string(),
                arn: r.arn().unwrap_or_default().to_string(),
                create_date: time(r.create_date()),
                assume_role_policy_document: raw_document(r.assume_role_policy_document()),
                instance_profile_list: r
                    .instance_profile_list()
                    .iter()
                    .map(|p| gaad::InstanceProfile {
                        instance_profile_name: p.instance_profile_name().to_string(),
                    })
                    .collect(),
                role_policy_list: inline(r.role_policy_list()),
                attached_managed_policies: attached(r.attached_managed_policies()),
                permissions_boundary: boundary(r.permissions_boundary()),
                tags: tags(r.tags()),
                role_last_used: r.role_last_used().map(|u| gaad::RoleLastUsed {
                    last_used_date: time(u.last_used_date()),
                    region: u.region().map(str::to_string),
                }),
            }
        }));
        let policies = g.policies.get_or_insert_with(Vec::new);
        policies.extend(page.policies().iter().map(|p| {
            gaad::ManagedPolicyDetail {
                policy_name: p.policy_name().unwrap_or_default().to_string(),
                arn: p.arn().unwrap_or_default().to_string(),
                default_version_id: p.default_version_id().map(str::to_string),
                policy_version_list: p
                    .policy_version_list()
                    .iter()
                    .map(|v| gaad::PolicyVersion {
                        document: raw_document(v.document()),
                        version_id: v.version_id().unwrap_or_default().to_string(),
                        is_default_version: v.is_default_version(),
                    })
                    .collect(),
            }
        }));
    }
    Ok(g)
}

/// Generate the credential report, wait until it is ready (with backoff), fetch it.
async fn fetch_credential_report(
    iam: &aws_sdk_iam::Client,
    wait: Duration,
) -> Result<String, String> {
    let deadline = Instant::now() + wait;
    let mut delay = Duration::from_millis(250);
    loop {
        let out = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| format!("GenerateCredentialReport: {}", describe(&e)))?;
        if out.state() == Some(&ReportStateType::Complete) {
            break;
        }
        if Instant::now() + delay > deadline {
            return Err(format!(
                "the report was not ready within {} s",
                wait.as_secs()
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
    let report = iam
        .get_credential_report()
        .send()
        .await
        .map_err(|e| format!("GetCredentialReport: {}", describe(&e)))?;
    let content = report
        .content()
        .ok_or("GetCredentialReport returned no content")?;
    String::from_utf8(content.as_ref().to_vec())
        .map_err(|e| format!("the report is not UTF-8: {e}"))
}

/// Principals whose service last accessed data is fetched at once, per account.
const SERVICE_ACCESS_CONCURRENCY: usize = 8;

/// Service last accessed data of every principal. The first refusal (a denied permission, or an
/// emulator that does not implement the call) stops the rest: the signal is unknown for all.
async fn fetch_service_access(
    iam: &aws_sdk_iam::Client,
    arns: Vec<String>,
) -> (
    std::collections::HashMap<String, Vec<ServiceAccess>>,
    Option<String>,
) {
    let mut out = std::collections::HashMap::new();
    let Some(first) = arns.first().cloned() else {
        return (out, None);
    };
    match service_access(iam, &first).await {
        Ok(services) => {
            out.insert(first, services);
        }
        Err(e) => return (out, Some(e)),
    }
    let results: Vec<(String, Result<Vec<ServiceAccess>, String>)> =
        stream::iter(arns.into_iter().skip(1))
            .map(|arn| async move {
                let r = service_access(iam, &arn).await;
                (arn, r)
            })
            .buffer_unordered(SERVICE_ACCESS_CONCURRENCY)
            .collect()
            .await;
    let mut failures = Vec::new();
    for (arn, r) in results {
        match r {
            Ok(services) => {
                out.insert(arn, services);
            }
            Err(e) => failures.push(format!("{arn}: {e}")),
        }
    }
    let unavailable = (!failures.is_empty()).then(|| {
        format!(
            "{} principal(s) without data, first: {}",
            failures.len(),
            failures[0]
        )
    });
    (out, unavailable)
}

/// Generate and wait for one principal's service last accessed report.
async fn service_access(
    iam: &aws_sdk_iam::Client,
    arn: &str,
) -> Result<Vec<ServiceAccess>, String> {
    let job = iam
        .generate_service_last_accessed_details()
        .arn(arn)
        .send()
        .await
        .map_err(|e| format!("GenerateServiceLastAccessedDetails: {}", describe(&e)))?;
    let job_id = job
        .job_id()
        .ok_or("GenerateServiceLastAccessedDetails returned no job id")?
        .to_string();
    let mut delay = Duration::from_millis(200);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut services = Vec::new();
        let mut marker: Option<String> = None;
        let status = loop {
            let page = iam
                .get_service_last_accessed_details()
                .job_id(&job_id)
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| format!("GetServiceLastAccessedDetails: {}", describe(&e)))?;
            if page.job_status() != &JobStatusType::Completed {
                break Some(page.job_status().clone());
            }
            services.extend(page.services_last_accessed().iter().map(|s| ServiceAccess {
                namespace: s.service_namespace().to_string(),
                last_used_at: time(s.last_authenticated()),
            }));
            match page.marker().filter(|_| page.is_truncated()) {
                Some(m) => marker = Some(m.to_string()),
                None => break Some(JobStatusType::Completed),
            }
        };
        match status {
            Some(JobStatusType::Completed) => {
                services.sort_by(|a, b| a.namespace.cmp(&b.namespace));
                return Ok(services);
            }
            Some(JobStatusType::Failed) => return Err("the report job failed".to_string()),
            _ if Instant::now() + delay > deadline => {
                return Err("the report job did not finish in 120 s".to_string())
            }
            _ => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
            }
        }
    }
}
