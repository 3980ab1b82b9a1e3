//! Pure mapping from parsed GAAD and credential-report files to the normalized model.
//!
//! Accounts are independent but for managed policies owned by AWS (every account's export
//! holds the ones it uses, and the first copy of each wins): the import gives those first
//! ([`Normalizer::managed`]), then each group of files that share accounts
//! ([`Normalizer::component`]), so that the files of one group are held at a time.

use crate::types::credential_report::ReportRow;
use crate::types::gaad::{
    self, account_of, AttachedPolicy, GroupDetail, InlinePolicy, ManagedPolicyDetail,
};
use crate::{GaadFile, ReportFile, CONNECTOR};
use nhi_api::{
    credential_kinds, kinds, providers, ConsoleAccess, Credential, CredentialStatus, Expiry,
    Identity, Inventory, LastUsed, Native, Permission, PermissionSource, PolicyRef, SourceReport,
    SourceStatus,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Excluded-count reasons.
pub const EXCLUDED_CONSOLE_USER: &str = "aws_console_user";
pub const EXCLUDED_ROOT_WITHOUT_KEYS: &str = "aws_root_account_without_keys";

/// Problems found while normalizing, by the file they came from.
#[derive(Default)]
struct Issues(BTreeMap<String, Vec<String>>);

impl Issues {
    fn add(&mut self, origin: &str, message: String) {
        self.0.entry(origin.to_string()).or_default().push(message);
    }
}

/// Everything known about one account, joined across files.
#[derive(Default)]
struct Account<'a> {
    users: BTreeMap<&'a str, (&'a gaad::UserDetail, &'a str)>,
    roles: BTreeMap<&'a str, (&'a gaad::RoleDetail, &'a str)>,
    groups: BTreeMap<&'a str, (&'a GroupDetail, &'a str)>,
    report: BTreeMap<&'a str, (&'a ReportRow, &'a str)>,
    has_gaad: bool,
    has_report: bool,
    gaad_truncated: bool,
    gaad_complete: bool,
}

/// Whether a managed policy belongs to one account (a customer-managed policy), rather than
/// to AWS (shared by every account) or to no account an ARN names.
pub(crate) fn is_customer_policy(arn: &str) -> bool {
    account_of(arn).is_some_and(|a| a != "aws")
}

/// A principal as far as account joins go: its ARN, the managed policies it attaches and its
/// permissions boundary.
pub(crate) type Principal<'a> = (&'a str, &'a [AttachedPolicy], Option<&'a gaad::Boundary>);

/// The principals of a GAAD: users, roles and groups.
pub(crate) fn principals(g: &gaad::Gaad) -> impl Iterator<Item = Principal<'_>> {
    let users = g.user_detail_list.iter().flatten().map(|u| {
        let boundary = u.permissions_boundary.as_ref();
        (
            u.arn.as_str(),
            u.attached_managed_policies.as_slice(),
            boundary,
        )
    });
    let roles = g.role_detail_list.iter().flatten().map(|r| {
        let boundary = r.permissions_boundary.as_ref();
        (
            r.arn.as_str(),
            r.attached_managed_policies.as_slice(),
            boundary,
        )
    });
    let groups = g.group_detail_list.iter().flatten().map(|gr| {
        (
            gr.arn.as_str(),
            gr.attached_managed_policies.as_slice(),
            None,
        )
    });
    users.chain(roles).chain(groups)
}

/// The accounts a file holds principals or customer-managed policies (`policies`, by ARN) of,
/// or names in customer-managed policies its principals attach (another account's policy
/// cannot be attached in IAM, but an export that says so is joined to that account's files,
/// whose copy of the policy it then reads).
pub(crate) fn accounts<'a>(
    principals: impl Iterator<Item = Principal<'a>>,
    policies: impl Iterator<Item = &'a str>,
) -> BTreeSet<&'a str> {
    let attached = |(arn, policies, boundary): Principal<'a>| {
        let customer = policies
            .iter()
            .map(|p| p.policy_arn.as_str())
            .chain(boundary.map(|b| b.permissions_boundary_arn.as_str()))
            .filter(|arn| is_customer_policy(arn));
        std::iter::once(arn).chain(customer)
    };
    principals
        .flat_map(attached)
        .chain(policies.filter(|arn| is_customer_policy(arn)))
        .filter_map(account_of)
        .collect()
}

/// The accounts of a GAAD file ([`accounts`]).
pub(crate) fn gaad_accounts(g: &gaad::Gaad) -> BTreeSet<&str> {
    accounts(
        principals(g),
        g.policies.iter().flatten().map(|p| p.arn.as_str()),
    )
}

/// Builds the inventory of an import, one group of files at a time.
#[derive(Default)]
pub(crate) struct Normalizer {
    inventory: Inventory,
    issues: Issues,
    /// Problems with managed policies, by file then ARN: reported before the file's other
    /// problems, in ARN order.
    policy_issues: BTreeMap<String, BTreeMap<String, String>>,
    /// Managed policies by ARN: the interned default version, or why it is unusable.
    managed: BTreeMap<Arc<str>, Result<PolicyRef, String>>,
    /// Identities contributed to, per file.
    per_origin: BTreeMap<String, usize>,
    notes: BTreeMap<String, Vec<String>>,
    truncated: BTreeSet<String>,
    /// The accounts each file holds data of.
    scopes_of: BTreeMap<String, BTreeSet<String>>,
    /// Files normalized: GAAD files then credential reports, each by the order they were added.
    origins: Vec<(bool, usize, String)>,
}

impl Normalizer {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Intern managed policies' default versions, given in the order their files were added:
    /// the first copy of an ARN wins, here and over later calls.
    pub(crate) fn managed<'p>(
        &mut self,
        policies: impl IntoIterator<Item = (&'p ManagedPolicyDetail, &'p str)>,
    ) {
        let mut details: BTreeMap<&str, (&ManagedPolicyDetail, &str)> = BTreeMap::new();
        for (p, origin) in policies {
            if !self.managed.contains_key(p.arn.as_str()) {
                details.entry(p.arn.as_str()).or_insert((p, origin));
            }
        }
        for (arn, (p, origin)) in details {
            let result = match p.default_version().and_then(|v| v.document.as_ref()) {
                Some(doc) => gaad::decode_document(doc)
                    .map(|d| self.inventory.intern_policy(d))
                    .map_err(|e| format!("managed policy {arn}: {e}")),
                None => Err(format!(
                    "managed policy {arn}: the export has no document for its default version"
                )),
            };
            if let Err(e) = &result {
                self.policy_issues
                    .entry(origin.to_string())
                    .or_default()
                    .insert(arn.to_string(), e.clone());
            }
            self.managed.insert(arn.into(), result);
            // Customers can make another stored version the default
            // (iam:SetDefaultPolicyVersion); AWS-managed policies cannot be changed by anyone
            // but AWS.
            if is_customer_policy(arn) {
                let default = p.default_version().map(|v| v.version_id.as_str());
                let others: Vec<nhi_api::aws::PolicyVersion> = p
                    .policy_version_list
                    .iter()
                    .filter(|v| Some(v.version_id.as_str()) != default)
                    .map(|v| nhi_api::aws::PolicyVersion {
                        version_id: v.version_id.clone(),
                        policy: v
                            .document
                            .as_ref()
                            .and_then(|d| gaad::decode_document(d).ok())
                            .map(|d| self.inventory.intern_policy(d)),
                    })
                    .collect();
                if !others.is_empty() {
                    self.inventory
                        .aws
                        .policy_versions
                        .insert(arn.to_string(), others);
                }
            }
        }
    }

    /// Normalize a group of files that no other file shares an account with, each with its
    /// place in the order files were added. Managed policies owned by AWS must have been given
    /// to [`Normalizer::managed`] already.
    pub(crate) fn component(
        &mut self,
        gaads: &[(usize, GaadFile)],
        reports: &[(usize, ReportFile)],
    ) {
        self.managed(gaads.iter().flat_map(|(_, f)| {
            f.gaad
                .policies
                .iter()
                .flatten()
                .filter(|p| is_customer_policy(&p.arn))
                .map(|p| (p, f.origin.as_str()))
        }));
        let mut accounts: BTreeMap<&str, Account> = BTreeMap::new();
        let mut scopes_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (index, f) in gaads {
            self.origins.push((false, *index, f.origin.clone()));
            let origin = f.origin.as_str();
            let g = &f.gaad;
            for u in g.user_detail_list.iter().flatten() {
                if let Some(acct) = account_of(&u.arn) {
                    let a = accounts.entry(acct).or_default();
                    a.users.entry(u.arn.as_str()).or_insert((u, origin));
                }
            }
            for r in g.role_detail_list.iter().flatten() {
                if let Some(acct) = account_of(&r.arn) {
                    let a = accounts.entry(acct).or_default();
                    a.roles.entry(r.arn.as_str()).or_insert((r, origin));
                }
            }
            for gr in g.group_detail_list.iter().flatten() {
                if let Some(acct) = account_of(&gr.arn) {
                    let a = accounts.entry(acct).or_default();
                    a.groups
                        .entry(gr.group_name.as_str())
                        .or_insert((gr, origin));
                }
            }
            let seen_accounts = gaad_accounts(g);
            for acct in &seen_accounts {
                let a = accounts.entry(acct).or_default();
                a.has_gaad = true;
                if g.is_truncated {
                    a.gaad_truncated = true;
                } else {
                    a.gaad_complete = true;
                }
            }
            scopes_of.entry(origin).or_default().extend(seen_accounts);
        }
        for (index, f) in reports {
            self.origins.push((true, *index, f.origin.clone()));
            let origin = f.origin.as_str();
            for message in &f.row_errors {
                self.issues.add(origin, message.clone());
            }
            for row in &f.rows {
                if let Some(acct) = account_of(&row.arn) {
                    let a = accounts.entry(acct).or_default();
                    a.has_report = true;
                    a.report.entry(row.arn.as_str()).or_insert((row, origin));
                    scopes_of.entry(origin).or_default().insert(acct);
                }
            }
        }

        // The files that hold data of an account.
        let covers =
            |origin: &str, acct: &str| scopes_of.get(origin).is_some_and(|s| s.contains(acct));
        for (acct, account) in &accounts {
            self.account(acct, account);
            if account.has_gaad && !account.has_report {
                for (_, f) in gaads.iter().filter(|(_, f)| covers(&f.origin, acct)) {
                    self.notes.entry(f.origin.clone()).or_default().push(format!(
                        "no credential report for account {acct}: access keys and console passwords are unknown, so key rules are not evaluated and people cannot be told from automation users; {}",
                        crate::REPORT_HINT
                    ));
                }
            }
            if account.has_report && !account.has_gaad {
                for (_, f) in reports.iter().filter(|(_, f)| covers(&f.origin, acct)) {
                    self.notes.entry(f.origin.clone()).or_default().push(format!(
                        "no GetAccountAuthorizationDetails export for account {acct}: roles, permissions and tags are not judged; {}",
                        crate::GAAD_HINT
                    ));
                }
            }
            if account.gaad_truncated && !account.gaad_complete {
                for (_, f) in gaads
                    .iter()
                    .filter(|(_, f)| f.gaad.is_truncated && covers(&f.origin, acct))
                {
                    self.truncated.insert(f.origin.clone());
                }
            }
        }
        for (origin, accounts) in scopes_of {
            self.scopes_of
                .entry(origin.to_string())
                .or_default()
                .extend(accounts.into_iter().map(str::to_string));
        }
    }

    /// A normalizer for groups of files to be normalized beside this one (on another core),
    /// knowing the managed policies it knows; [`Normalizer::absorb`] takes its work back.
    pub(crate) fn fork(&self) -> Normalizer {
        Normalizer {
            managed: self.managed.clone(),
            ..Normalizer::default()
        }
    }

    /// Take back what a fork normalized. Forks hold other files and other accounts, so
    /// nothing they found is in this one already. The customer-managed policies a fork read
    /// stay with it: they belong to its accounts, which no other group names.
    pub(crate) fn absorb(&mut self, fork: Normalizer) {
        self.inventory.merge(fork.inventory);
        for (origin, messages) in fork.issues.0 {
            self.issues.0.entry(origin).or_default().extend(messages);
        }
        for (origin, messages) in fork.policy_issues {
            self.policy_issues
                .entry(origin)
                .or_default()
                .extend(messages);
        }
        for (origin, n) in fork.per_origin {
            *self.per_origin.entry(origin).or_default() += n;
        }
        for (origin, notes) in fork.notes {
            self.notes.entry(origin).or_default().extend(notes);
        }
        self.truncated.extend(fork.truncated);
        for (origin, accounts) in fork.scopes_of {
            self.scopes_of.entry(origin).or_default().extend(accounts);
        }
        self.origins.extend(fork.origins);
    }

    /// A managed policy's ARN (shared with every other attachment of a policy the export
    /// holds) and its document, when it is known.
    fn managed_policy(&self, arn: &str) -> (Arc<str>, Option<PolicyRef>) {
        match self.managed.get_key_value(arn) {
            Some((key, result)) => (key.clone(), result.as_ref().ok().cloned()),
            None => (arn.into(), None),
        }
    }

    /// One more identity read from this file.
    fn count(&mut self, origin: &str) {
        match self.per_origin.get_mut(origin) {
            Some(n) => *n += 1,
            None => {
                self.per_origin.insert(origin.to_string(), 1);
            }
        }
    }

    /// The inventory, with a source report for each file normalized.
    pub(crate) fn finish(self) -> Inventory {
        let Normalizer {
            mut inventory,
            issues,
            policy_issues,
            per_origin,
            notes,
            truncated,
            scopes_of,
            mut origins,
            ..
        } = self;
        origins.sort();
        for (_, _, origin) in &origins {
            let origin = origin.as_str();
            let problems: Vec<&str> = policy_issues
                .get(origin)
                .into_iter()
                .flat_map(|m| m.values())
                .chain(issues.0.get(origin).into_iter().flatten())
                .map(String::as_str)
                .collect();
            let mut status = SourceStatus::Ok;
            let mut parts = Vec::new();
            if truncated.contains(origin) {
                status = SourceStatus::Partial;
                parts.push("the export is one page of several (IsTruncated is true) and no last page was given: identities on other pages are missing; export without --max-items, or give every page file".to_string());
            }
            if !problems.is_empty() {
                status = SourceStatus::Partial;
                let shown: Vec<&str> = problems.iter().take(5).copied().collect();
                let more = problems.len().saturating_sub(shown.len());
                let mut text = format!(
                    "{} item(s) could not be read: {}",
                    problems.len(),
                    shown.join("; ")
                );
                if more > 0 {
                    text.push_str(&format!("; and {more} more"));
                }
                parts.push(text);
            }
            parts.extend(notes.get(origin).into_iter().flatten().cloned());
            let scope = scopes_of
                .get(origin)
                .map(|s| s.iter().map(String::as_str).collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            inventory.sources.push(
                SourceReport::new(CONNECTOR, scope, origin, status)
                    .identities(per_origin.get(origin).copied().unwrap_or(0))
                    .message_if(Some(parts.join(". "))),
            );
        }
        inventory
    }

    /// An account's identities, from its files joined.
    fn account<'a>(&mut self, acct: &str, account: &Account<'a>) {
        let ctx = self;
        // Groups: their policies, read once, for members and for who may join them.
        let mut groups: BTreeMap<&str, Vec<Permission>> = BTreeMap::new();
        for (name, (g, origin)) in &account.groups {
            let mut permissions = Vec::new();
            let label = format!("group {}", g.group_name);
            // Members' copies of the group's permissions share its name.
            let group: Arc<str> = g.group_name.as_str().into();
            inline_permissions(
                ctx,
                &mut permissions,
                &g.group_policy_list,
                PermissionSource::GroupInline,
                Some(&group),
                &label,
                origin,
            );
            managed_permissions(
                ctx,
                &mut permissions,
                &g.attached_managed_policies,
                PermissionSource::GroupManaged,
                Some(&group),
            );
            ctx.inventory.aws.groups.push(nhi_api::aws::AwsGroup {
                arn: g.arn.clone(),
                name: g.group_name.clone(),
                account: acct.to_string(),
                permissions: permissions.clone(),
            });
            groups.insert(name, permissions);
        }
        // Users: from the GAAD, joined to the report; plus report rows the GAAD does not have.
        let mut user_arns: BTreeSet<&str> = account.users.keys().copied().collect();
        user_arns.extend(
            account
                .report
                .iter()
                .filter(|(_, (r, _))| !r.is_root())
                .map(|(arn, _)| *arn),
        );
        for arn in user_arns {
            let detail = account.users.get(arn);
            let row = account.report.get(arn);
            if let Some(identity) =
                user_identity(ctx, acct, &groups, arn, detail.copied(), row.copied())
            {
                for origin in detail.map(|d| d.1).into_iter().chain(row.map(|r| r.1)) {
                    ctx.count(origin);
                }
                ctx.inventory.identities.push(identity);
            }
        }
        for (arn, (role, origin)) in &account.roles {
            let identity = role_identity(ctx, acct, arn, role, origin);
            ctx.count(origin);
            ctx.inventory.identities.push(identity);
        }
        for (row, origin) in account.report.values().filter(|(r, _)| r.is_root()) {
            let creds = report_credentials(row);
            if creds.is_empty() {
                *ctx.inventory
                    .excluded
                    .entry(EXCLUDED_ROOT_WITHOUT_KEYS.to_string())
                    .or_default() += 1;
                continue;
            }
            let mut id = Identity::new(providers::AWS, kinds::AWS_ROOT, row.arn.clone(), "root");
            id.scope = acct.to_string();
            id.origin = Some(origin.to_string());
            id.created_at = row.created_at;
            id.last_used = creds
                .iter()
                .fold(row.password_last_used, |acc, c| acc.latest(c.last_used));
            id.credentials = creds;
            id.native = Native::AwsRoot;
            ctx.count(origin);
            ctx.inventory.identities.push(id);
        }
    }
}

fn user_identity<'a>(
    ctx: &mut Normalizer,
    acct: &str,
    groups_of_account: &BTreeMap<&str, Vec<Permission>>,
    arn: &str,
    detail: Option<(&'a gaad::UserDetail, &'a str)>,
    row: Option<(&'a ReportRow, &'a str)>,
) -> Option<Identity> {
    let credentials = row.map(|(r, _)| report_credentials(r)).unwrap_or_default();
    let console = row.map(|(r, _)| ConsoleAccess {
        password_enabled: r.password_enabled.unwrap_or(false),
        password_last_used: r.password_last_used,
        mfa_active: r.mfa_active,
    });
    // A person: signs in with a password and holds no active programmatic credential.
    let person = console.as_ref().is_some_and(|c| c.password_enabled)
        && !credentials
            .iter()
            .any(|c| c.status == CredentialStatus::Active);

    let name = detail
        .map(|(d, _)| d.user_name.clone())
        .or_else(|| row.map(|(r, _)| r.user.clone()))
        .unwrap_or_default();
    let mut id = Identity::new(providers::AWS, kinds::IAM_USER, arn, name);
    id.scope = acct.to_string();
    id.origin = detail.map(|d| d.1).or(row.map(|r| r.1)).map(str::to_string);
    id.created_at = detail
        .and_then(|(d, _)| d.create_date)
        .or(row.and_then(|(r, _)| r.created_at));
    let console_use = console
        .as_ref()
        .map(|c| c.password_last_used)
        .filter(|u| matches!(u, LastUsed::At(_)))
        .unwrap_or(LastUsed::Unknown);
    id.last_used = if row.is_some() {
        credentials
            .iter()
            .fold(LastUsed::Never, |acc, c| acc.latest(c.last_used))
            .latest(console_use)
    } else {
        LastUsed::Unknown
    };
    id.credentials = credentials;
    let mut groups = Vec::new();
    id.tags_known = detail.is_some();
    if let Some((d, origin)) = detail {
        id.tags = d
            .tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect();
        let principal = format!("user {}", d.user_name);
        inline_permissions(
            ctx,
            &mut id.permissions,
            &d.user_policy_list,
            PermissionSource::Inline,
            None,
            &principal,
            origin,
        );
        managed_permissions(
            ctx,
            &mut id.permissions,
            &d.attached_managed_policies,
            PermissionSource::Managed,
            None,
        );
        for group_name in &d.group_list {
            groups.push(group_name.clone());
            match groups_of_account.get(group_name.as_str()) {
                Some(permissions) => id.permissions.extend(permissions.iter().cloned()),
                None => ctx.issues.add(
                    origin,
                    format!("{principal}: group {group_name} is not in the export, so its policies are unknown"),
                ),
            }
        }
        if let Some(b) = &d.permissions_boundary {
            boundary_permission(ctx, &mut id.permissions, &b.permissions_boundary_arn);
        }
    }
    id.native = Native::AwsUser {
        path: detail
            .map(|(d, _)| d.path.clone())
            .unwrap_or_else(|| "/".to_string()),
        groups,
        console,
    };
    if person {
        // Not judged, but kept: a principal that can take this user over gains its rights.
        *ctx.inventory
            .excluded
            .entry(EXCLUDED_CONSOLE_USER.to_string())
            .or_default() += 1;
        ctx.inventory.aws.people.push(id);
        return None;
    }
    Some(id)
}

fn role_identity(
    ctx: &mut Normalizer,
    acct: &str,
    arn: &str,
    role: &gaad::RoleDetail,
    origin: &str,
) -> Identity {
    let mut id = Identity::new(providers::AWS, kinds::IAM_ROLE, arn, role.role_name.clone());
    id.scope = acct.to_string();
    id.origin = Some(origin.to_string());
    id.created_at = role.create_date;
    id.last_used = match &role.role_last_used {
        None => LastUsed::Unknown,
        Some(u) => u
            .last_used_date
            .map(LastUsed::At)
            .unwrap_or(LastUsed::Never),
    };
    id.tags = role
        .tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    id.provider_managed = role.path.starts_with("/aws-service-role/");
    let principal = format!("role {}", role.role_name);
    match role.assume_role_policy_document.as_ref() {
        Some(doc) => match gaad::decode_document(doc) {
            Ok(d) => {
                id.ai_agent = agent_service(&d);
                id.trust = Some(ctx.inventory.intern_policy(d));
            }
            Err(e) => ctx
                .issues
                .add(origin, format!("{principal}: trust policy: {e}")),
        },
        None => ctx.issues.add(
            origin,
            format!("{principal}: the export has no AssumeRolePolicyDocument"),
        ),
    }
    inline_permissions(
        ctx,
        &mut id.permissions,
        &role.role_policy_list,
        PermissionSource::Inline,
        None,
        &principal,
        origin,
    );
    managed_permissions(
        ctx,
        &mut id.permissions,
        &role.attached_managed_policies,
        PermissionSource::Managed,
        None,
    );
    if let Some(b) = &role.permissions_boundary {
        boundary_permission(ctx, &mut id.permissions, &b.permissions_boundary_arn);
    }
    id.native = Native::AwsRole {
        path: role.path.clone(),
        last_used_region: role.role_last_used.as_ref().and_then(|u| u.region.clone()),
        instance_profiles: role
            .instance_profile_list
            .iter()
            .map(|p| p.instance_profile_name.clone())
            .collect(),
    };
    id
}

/// AWS services that run AI agents with the role they assume.
const AGENT_SERVICES: &[(&str, &str)] = &[
    ("bedrock.amazonaws.com", "bedrock"),
    ("bedrock-agentcore.amazonaws.com", "bedrock-agentcore"),
    ("sagemaker.amazonaws.com", "sagemaker"),
];

/// The AI agent service a trust policy lets assume the role, if any (the first, by the list's
/// order, when several are trusted).
fn agent_service(trust: &nhi_api::policy::PolicyDocument) -> Option<String> {
    let trusted: Vec<&str> = trust
        .statements
        .iter()
        .filter(|s| s.effect == nhi_api::policy::Effect::Allow)
        .filter_map(|s| s.principal.as_ref())
        .flat_map(|p| p.of_type("Service").iter().map(String::as_str))
        .collect();
    AGENT_SERVICES
        .iter()
        .find(|(principal, _)| trusted.iter().any(|t| t.eq_ignore_ascii_case(principal)))
        .map(|(_, name)| name.to_string())
}

fn inline_permissions(
    ctx: &mut Normalizer,
    out: &mut Vec<Permission>,
    list: &[InlinePolicy],
    source: PermissionSource,
    group: Option<&Arc<str>>,
    principal: &str,
    origin: &str,
) {
    for p in list {
        let policy = match p.policy_document.as_deref().map(gaad::decode_document) {
            Some(Ok(doc)) => Some(ctx.inventory.intern_policy(doc)),
            Some(Err(e)) => {
                ctx.issues.add(
                    origin,
                    format!("{principal}: inline policy {}: {e}", p.policy_name),
                );
                None
            }
            None => {
                ctx.issues.add(
                    origin,
                    format!(
                        "{principal}: inline policy {} has no PolicyDocument",
                        p.policy_name
                    ),
                );
                None
            }
        };
        out.push(Permission {
            source,
            name: p.policy_name.clone(),
            arn: None,
            group: group.cloned(),
            policy,
        });
    }
}

fn managed_permissions(
    ctx: &Normalizer,
    out: &mut Vec<Permission>,
    list: &[AttachedPolicy],
    source: PermissionSource,
    group: Option<&Arc<str>>,
) {
    for p in list {
        let (arn, policy) = ctx.managed_policy(&p.policy_arn);
        out.push(Permission {
            source,
            name: p.policy_name.clone(),
            arn: Some(arn),
            group: group.cloned(),
            policy,
        });
    }
}

fn boundary_permission(ctx: &Normalizer, out: &mut Vec<Permission>, arn: &str) {
    let name = arn.rsplit('/').next().unwrap_or(arn).to_string();
    let (arn, policy) = ctx.managed_policy(arn);
    out.push(Permission {
        source: PermissionSource::Boundary,
        name,
        arn: Some(arn),
        group: None,
        policy,
    });
}

fn report_credentials(row: &ReportRow) -> Vec<Credential> {
    let mut out = Vec::new();
    for (i, slot) in row.access_keys.iter().enumerate() {
        if let Some(k) = slot {
            let mut details = nhi_api::StrMap::new();
            if let Some(r) = &k.last_used_region {
                details.insert("last_used_region".to_string(), r.clone());
            }
            if let Some(s) = &k.last_used_service {
                details.insert("last_used_service".to_string(), s.clone());
            }
            out.push(Credential {
                id: format!("access_key_{}", i + 1),
                kind: credential_kinds::AWS_ACCESS_KEY.to_string(),
                status: if k.active {
                    CredentialStatus::Active
                } else {
                    CredentialStatus::Inactive
                },
                created_at: Some(k.last_rotated),
                last_used: k.last_used,
                // AWS access keys do not expire.
                expires: Expiry::Never,
                details,
            });
        }
    }
    for (i, slot) in row.certs.iter().enumerate() {
        if let Some(c) = slot {
            out.push(Credential {
                id: format!("signing_certificate_{}", i + 1),
                kind: credential_kinds::AWS_SIGNING_CERTIFICATE.to_string(),
                status: if c.active {
                    CredentialStatus::Active
                } else {
                    CredentialStatus::Inactive
                },
                created_at: Some(c.last_rotated),
                last_used: LastUsed::Unknown,
                // The certificate's own validity is not in the credential report.
                expires: Expiry::Unknown,
                details: nhi_api::StrMap::new(),
            });
        }
    }
    out
}

/// An organization export → the guardrails over each of its accounts, with the control
/// policies' documents interned. Problems (a policy whose document cannot be read) are returned
/// to be reported; such a policy is kept with an unknown document.
pub(crate) fn organization(
    export: &crate::types::organization::OrganizationExport,
    origin: &str,
    inventory: &mut Inventory,
) -> (nhi_api::aws::AwsOrganization, Vec<String>) {
    use crate::types::organization::{RCP, SCP};
    use nhi_api::aws::{AwsOrganization, GuardrailLevel, Guardrails, NamedPolicy};
    let mut problems = Vec::new();
    // Each policy's document, once.
    let mut documents: BTreeMap<&str, Option<PolicyRef>> = BTreeMap::new();
    for p in &export.policies {
        let doc = match p.content.as_deref() {
            Some(text) => match serde_json::from_str::<nhi_api::policy::PolicyDocument>(text) {
                Ok(d) => Some(inventory.intern_policy(d)),
                Err(e) => {
                    problems.push(format!(
                        "control policy {} ({}): {e}",
                        p.policy_summary.name, p.policy_summary.id
                    ));
                    None
                }
            },
            None => {
                problems.push(format!(
                    "control policy {} ({}) has no content",
                    p.policy_summary.name, p.policy_summary.id
                ));
                None
            }
        };
        documents.insert(p.policy_summary.id.as_str(), doc);
    }
    let levels = |kind: &str, chain: &[String]| -> Vec<GuardrailLevel> {
        if !export.enabled(kind) {
            return Vec::new();
        }
        chain
            .iter()
            .map(|target| GuardrailLevel {
                target: target.clone(),
                policies: export
                    .policies
                    .iter()
                    .filter(|p| p.policy_summary.kind == kind)
                    .filter(|p| p.targets.iter().any(|t| &t.target_id == target))
                    .map(|p| NamedPolicy {
                        id: p.policy_summary.id.clone(),
                        name: p.policy_summary.name.clone(),
                        policy: documents
                            .get(p.policy_summary.id.as_str())
                            .cloned()
                            .flatten(),
                    })
                    .collect(),
            })
            .collect()
    };
    let accounts = export
        .accounts
        .iter()
        .filter(|a| a.status.as_deref().is_none_or(|s| s == "ACTIVE"))
        .map(|a| {
            let chain = export.chain(&a.id);
            (
                a.id.clone(),
                Guardrails {
                    scp: levels(SCP, &chain),
                    rcp: levels(RCP, &chain),
                },
            )
        })
        .collect();
    (
        AwsOrganization {
            id: export.organization.id.clone(),
            management_account: export.organization.master_account_id.clone(),
            origin: origin.to_string(),
            accounts,
        },
        problems,
    )
}
