//! Live collection: Microsoft Graph for Entra ID, Resource Manager for Azure RBAC.
//!
//! Per tenant: one token per API (Graph, Resource Manager) from the [`CredentialSource`]; then
//! Graph listings (service principals, applications, application owners, federated identity
//! credentials, directory role assignments, delegated grants), each resource's
//! `appRoleAssignedTo` for the service principals that define application roles, the beta
//! sign-in activity report and Agent ID listings; then every readable subscription's role
//! assignments. Paging follows `@odata.nextLink` / `nextLink` only on the configured host.
//!
//! A refusal costs only what it refuses: a subscription that answers 403 is a failed source of
//! its own; sign-in activity refused (no Entra ID P1/P2, or no AuditLog.Read.All) leaves last
//! use unknown and is reported `skipped`; the tenant's identities are reported either way.

use crate::auth::CredentialSource;
use crate::data::{RbacAssignment, TenantData};
use crate::types::*;
use crate::CONNECTOR;
use futures_util::StreamExt;
use nhi_api::{BoxFuture, CollectContext, Connector, Inventory, SourceReport};
use nhi_http::{Client, ClientConfig, HttpError, Sleeper};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct AzureOptions {
    pub tenants: Vec<String>,
    /// Subscriptions to read; empty: every subscription of the tenant the caller can list.
    pub subscriptions: Vec<String>,
    /// Graph v1.0 base, `https://graph.microsoft.com/v1.0`.
    pub graph_url: String,
    /// Graph beta base; `None`: the v1.0 base with `beta` for its last segment.
    pub graph_beta_url: Option<String>,
    pub arm_url: String,
    pub authority: String,
    /// Requests in flight at once for per-object calls (`appRoleAssignedTo`).
    pub concurrency: usize,
    /// Attempts per request (first included).
    pub max_attempts: u32,
}

impl Default for AzureOptions {
    fn default() -> Self {
        AzureOptions {
            tenants: Vec::new(),
            subscriptions: Vec::new(),
            graph_url: crate::DEFAULT_GRAPH_URL.into(),
            graph_beta_url: None,
            arm_url: crate::DEFAULT_ARM_URL.into(),
            authority: crate::DEFAULT_AUTHORITY.into(),
            concurrency: 8,
            max_attempts: 6,
        }
    }
}

pub struct AzureLive {
    options: AzureOptions,
    credential: CredentialSource,
    sleeper: Arc<dyn Sleeper>,
}

/// Everything a paged listing returned.
struct Listing<T> {
    items: Vec<T>,
    item_errors: Vec<String>,
    /// Why it stopped early.
    stop: Option<String>,
    /// The HTTP status that stopped it.
    status: Option<u16>,
}

impl<T> Listing<T> {
    fn refused(&self) -> bool {
        matches!(self.status, Some(401 | 403))
    }

    /// Read to the end (item errors aside).
    fn complete(&self) -> bool {
        self.stop.is_none()
    }

    fn problems(&self, what: &str) -> Vec<String> {
        let mut out: Vec<String> = self.stop.iter().map(|s| format!("{what}: {s}")).collect();
        if let Some(first) = self.item_errors.first() {
            out.push(format!(
                "{what}: {} item(s) could not be read, first: {first}",
                self.item_errors.len()
            ));
        }
        out
    }
}

/// Every page of a listing: `value` items, following `next_key` (`@odata.nextLink`, `nextLink`)
/// while it is an absolute URL on the client's host, never a URL seen before.
async fn list_all<T: DeserializeOwned>(
    client: &Client,
    path: &str,
    query: &[(&str, String)],
    next_key: &str,
) -> Listing<T> {
    let mut out = Listing {
        items: Vec::new(),
        item_errors: Vec::new(),
        stop: None,
        status: None,
    };
    let mut seen = HashSet::new();
    let mut next: Option<String> = None;
    let mut page = 0u32;
    loop {
        page += 1;
        let result: Result<Value, HttpError> = match &next {
            None => client.get(path, query).await,
            Some(link) => client.get(link, &[]).await,
        };
        let body = match result {
            Ok(b) => b,
            Err(e) => {
                out.status = e.status();
                out.stop = Some(match &e {
                    HttpError::Url(_) => format!(
                        "the next page link leaves the configured host and was not followed ({e})"
                    ),
                    _ => e.to_string(),
                });
                return out;
            }
        };
        let values = match body.get("value") {
            Some(Value::Array(v)) => v.clone(),
            _ => {
                out.stop = Some(format!("{path}: the response has no \"value\" list"));
                return out;
            }
        };
        for (i, v) in values.into_iter().enumerate() {
            match serde_json::from_value::<T>(v) {
                Ok(t) => out.items.push(t),
                Err(e) => out
                    .item_errors
                    .push(format!("{path} page {page} item {i}: {e}")),
            }
        }
        match body.get(next_key).and_then(Value::as_str) {
            None => return out,
            Some(link) if !(link.starts_with("https://") || link.starts_with("http://")) => {
                out.stop = Some(format!(
                    "{path}: the next page link {:?} is not an absolute URL; not followed",
                    link.chars().take(80).collect::<String>()
                ));
                return out;
            }
            Some(link) if !seen.insert(link.to_string()) => {
                out.stop = Some(format!(
                    "{path}: the server returned the same next page link twice; stopped after {page} pages"
                ));
                return out;
            }
            Some(link) => next = Some(link.to_string()),
        }
    }
}

fn origin_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| url.trim_end_matches('/').to_string())
}

/// The advice for a refused Graph listing.
const GRAPH_FIX: &str = "grant the scanning identity the Microsoft Graph application permissions Application.Read.All and Directory.Read.All (docs/azure-permissions.md)";

impl AzureLive {
    pub fn new(
        options: AzureOptions,
        credential: CredentialSource,
        sleeper: Arc<dyn Sleeper>,
    ) -> Self {
        AzureLive {
            options,
            credential,
            sleeper,
        }
    }

    fn client(&self, base: &str, token: nhi_api::Secret) -> Result<Client, HttpError> {
        let mut config = ClientConfig::new(base, "authorization", "Bearer ", token);
        config.max_attempts = self.options.max_attempts.max(1);
        Client::new(config, self.sleeper.clone())
    }

    async fn collect_all(&self, ctx: &CollectContext) -> Inventory {
        let mut inventory = Inventory::default();
        let http = match reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("nhi/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(h) => h,
            Err(e) => {
                for t in &self.options.tenants {
                    inventory.sources.push(SourceReport::failed(
                        CONNECTOR,
                        t,
                        &self.options.graph_url,
                        format!("cannot set up the HTTP client: {e}"),
                    ));
                }
                return inventory;
            }
        };
        ctx.start("Azure tenants", self.options.tenants.len() as u64);
        for tenant in &self.options.tenants {
            let inv = self.scan_tenant(&http, tenant).await;
            ctx.advance("Azure tenants", tenant, inv.identities.len());
            inventory.merge(inv);
        }
        inventory.sort();
        inventory
    }

    async fn scan_tenant(&self, http: &reqwest::Client, tenant: &str) -> Inventory {
        let mut inventory = Inventory::default();
        let graph_origin = self.options.graph_url.trim_end_matches('/').to_string();
        let beta_origin = self.options.graph_beta_url.clone().unwrap_or_else(|| {
            let base = graph_origin.strip_suffix("/v1.0").unwrap_or(&graph_origin);
            format!("{base}/beta")
        });
        let scope = format!("{}/.default", origin_of(&self.options.graph_url));
        let token = match self
            .credential
            .token(http, &self.options.authority, tenant, &scope)
            .await
        {
            Ok(t) => t,
            Err(e) => {
                inventory.sources.push(SourceReport::failed(
                    CONNECTOR,
                    tenant,
                    &graph_origin,
                    format!(
                        "no Microsoft Graph token for tenant {tenant} ({}): {e}; set AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE, run on a managed identity, or `az login --tenant {tenant}`",
                        self.credential.describe()
                    ),
                ));
                return inventory;
            }
        };
        let clients = self
            .client(&graph_origin, token.clone())
            .and_then(|v1| Ok((v1, self.client(&beta_origin, token)?)));
        let (graph, beta) = match clients {
            Ok(c) => c,
            Err(e) => {
                inventory.sources.push(SourceReport::failed(
                    CONNECTOR,
                    tenant,
                    &graph_origin,
                    format!("bad --azure-graph-url or --azure-graph-beta-url: {e}"),
                ));
                return inventory;
            }
        };
        let mut data = TenantData {
            tenant_id: Some(tenant.to_ascii_lowercase()),
            origin: graph_origin.clone(),
            ..Default::default()
        };
        let mut problems: Vec<String> = Vec::new();
        let mut reports: Vec<SourceReport> = Vec::new();
        let top = || vec![("$top", "999".to_string())];

        // The tenant's id (a domain name was given, perhaps).
        let org: Listing<Organization> =
            list_all(&graph, "organization", &[], "@odata.nextLink").await;
        if let Some(id) = org
            .items
            .iter()
            .find_map(|o| o.id.clone())
            .filter(|i| !i.is_empty())
        {
            data.tenant_id = Some(id.to_ascii_lowercase());
        }
        let scope_id = data.tenant_id.clone().unwrap_or_else(|| tenant.to_string());

        let sps: Listing<ServicePrincipal> =
            list_all(&graph, "servicePrincipals", &top(), "@odata.nextLink").await;
        if sps.items.is_empty() && !sps.complete() {
            let why = sps.stop.clone().unwrap_or_default();
            let fix = if sps.refused() {
                GRAPH_FIX
            } else {
                "check --azure-graph-url and the network"
            };
            inventory.sources.push(SourceReport::failed(
                CONNECTOR,
                &scope_id,
                &graph_origin,
                format!("cannot list service principals ({why}); {fix}"),
            ));
            return inventory;
        }
        problems.extend(sps.problems("service principals"));
        data.service_principals = sps.items;

        let apps: Listing<Application> =
            list_all(&graph, "applications", &top(), "@odata.nextLink").await;
        problems.extend(apps.problems("applications"));
        data.applications_read = apps.complete();
        data.applications = apps.items;

        let owners: Listing<Application> = list_all(
            &graph,
            "applications",
            &[
                ("$select", "id,appId,displayName".to_string()),
                (
                    "$expand",
                    "owners($select=id,displayName,userPrincipalName,accountEnabled)".to_string(),
                ),
                ("$top", "999".to_string()),
            ],
            "@odata.nextLink",
        )
        .await;
        if owners.complete() {
            let mut map = BTreeMap::new();
            for a in owners.items {
                if let Some(id) = a.id {
                    map.insert(id.to_ascii_lowercase(), a.owners.unwrap_or_default());
                }
            }
            data.app_owners = Some(map);
        } else {
            problems.extend(owners.problems("application owners (ownership not judged)"));
        }

        // Federated identity credentials, flexible ones included (beta); v1.0 if beta refuses.
        let fic_query = vec![
            ("$select", "id".to_string()),
            ("$expand", "federatedIdentityCredentials".to_string()),
            ("$top", "999".to_string()),
        ];
        let mut fics: Listing<Application> =
            list_all(&beta, "applications", &fic_query, "@odata.nextLink").await;
        if !fics.complete() {
            fics = list_all(&graph, "applications", &fic_query, "@odata.nextLink").await;
        }
        if fics.complete() {
            for a in fics.items {
                if let Some(id) = a.id {
                    let id = id.to_ascii_lowercase();
                    data.fics_read.insert(id.clone());
                    data.fics
                        .insert(id, a.federated_identity_credentials.unwrap_or_default());
                }
            }
        } else {
            problems.extend(fics.problems("federated identity credentials"));
        }

        let roles: Listing<DirectoryRoleAssignment> = list_all(
            &graph,
            "roleManagement/directory/roleAssignments",
            &[],
            "@odata.nextLink",
        )
        .await;
        if roles.complete() {
            data.directory_roles = Some(roles.items);
        } else {
            problems.extend(roles.problems("directory role assignments"));
        }
        let definitions: Listing<RoleDefinition> = list_all(
            &graph,
            "roleManagement/directory/roleDefinitions",
            &[],
            "@odata.nextLink",
        )
        .await;
        for d in definitions.items {
            if let (Some(id), Some(name)) = (d.id.or(d.template_id), d.display_name) {
                data.role_definitions.insert(id.to_ascii_lowercase(), name);
            }
        }

        let grants: Listing<OAuth2PermissionGrant> =
            list_all(&graph, "oauth2PermissionGrants", &[], "@odata.nextLink").await;
        if grants.complete() {
            data.delegated_grants = Some(grants.items);
        } else {
            problems.extend(grants.problems("delegated permission grants"));
        }

        // Application permissions: who holds each resource's application roles.
        let resources: Vec<String> = data
            .service_principals
            .iter()
            .filter(|sp| {
                sp.app_roles.iter().any(|r| {
                    r.allowed_member_types.is_empty()
                        || r.allowed_member_types.iter().any(|m| m == "Application")
                })
            })
            .filter_map(|sp| sp.id.clone())
            .collect();
        let graph_ref = &graph;
        let assigned: Vec<(String, Listing<AppRoleAssignment>)> =
            futures_util::stream::iter(resources.into_iter().map(|id| async move {
                let path = format!(
                    "servicePrincipals/{}/appRoleAssignedTo",
                    nhi_http::segment(&id)
                );
                let l = list_all(
                    graph_ref,
                    &path,
                    &[("$top", "999".to_string())],
                    "@odata.nextLink",
                )
                .await;
                (id, l)
            }))
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        let mut assigned = assigned;
        assigned.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unread = Vec::new();
        for (id, l) in assigned {
            if !l.complete() {
                unread.push(format!("{id} ({})", l.stop.clone().unwrap_or_default()));
            }
            data.app_role_assignments.extend(l.items);
        }
        if let Some(first) = unread.first() {
            problems.push(format!(
                "application permission grants of {} resource(s) not read completely, first: {first}",
                unread.len()
            ));
        }

        // Sign-in activity (beta, Entra ID P1/P2 and AuditLog.Read.All).
        let sign_ins: Listing<ServicePrincipalSignInActivity> = list_all(
            &beta,
            "reports/servicePrincipalSignInActivities",
            &[],
            "@odata.nextLink",
        )
        .await;
        let sign_in_origin = format!("{beta_origin}/reports/servicePrincipalSignInActivities");
        if sign_ins.complete() {
            data.sign_ins = Some(sign_ins.items);
            let creds: Listing<AppCredentialSignInActivity> = list_all(
                &beta,
                "reports/appCredentialSignInActivities",
                &[],
                "@odata.nextLink",
            )
            .await;
            if creds.complete() {
                data.credential_sign_ins = Some(creds.items);
            }
        } else if sign_ins.refused() {
            reports.push(
                SourceReport::skipped(
                    CONNECTOR,
                    &scope_id,
                    &sign_in_origin,
                    format!(
                        "sign-in activity was refused ({}): last use is unknown, so staleness is not judged; it needs Entra ID P1 or P2 and the AuditLog.Read.All permission",
                        sign_ins.stop.clone().unwrap_or_default()
                    ),
                )
                .kind("sign_in_activity"),
            );
        } else {
            reports.push(
                SourceReport::partial(
                    CONNECTOR,
                    &scope_id,
                    &sign_in_origin,
                    format!(
                        "sign-in activity could not be read ({}): last use is unknown",
                        sign_ins.stop.clone().unwrap_or_default()
                    ),
                )
                .kind("sign_in_activity"),
            );
        }

        // Entra Agent ID (beta): absent in tenants and clouds without it.
        let agent_origin = beta_origin.clone();
        let expand_sponsors = vec![("$expand", "sponsors".to_string())];
        let agents: Listing<ServicePrincipal> = list_all(
            &beta,
            "servicePrincipals/microsoft.graph.agentIdentity",
            &expand_sponsors,
            "@odata.nextLink",
        )
        .await;
        let blueprints: Listing<Application> = list_all(
            &beta,
            "applications/microsoft.graph.agentIdentityBlueprint",
            &[("$expand", "owners".to_string())],
            "@odata.nextLink",
        )
        .await;
        let agent_users: Listing<AgentUser> = list_all(
            &beta,
            "users/microsoft.graph.agentUser",
            &expand_sponsors,
            "@odata.nextLink",
        )
        .await;
        let agent_stops: Vec<String> = [
            ("agent identities", agents.stop.as_ref()),
            ("agent identity blueprints", blueprints.stop.as_ref()),
            ("agent users", agent_users.stop.as_ref()),
        ]
        .into_iter()
        .filter_map(|(w, s)| s.map(|s| format!("{w}: {s}")))
        .collect();
        data.agent_identities = agents.items;
        data.agent_blueprints = blueprints.items;
        data.agent_users = agent_users.items;
        if !agent_stops.is_empty() {
            reports.push(
                SourceReport::skipped(
                    CONNECTOR,
                    &scope_id,
                    &agent_origin,
                    format!(
                        "Entra Agent ID objects not read completely ({}); Agent ID needs the beta endpoints and AgentIdentity.Read.All or Directory.Read.All",
                        agent_stops.join("; ")
                    ),
                )
                .kind("agent_id"),
            );
        }

        // Azure RBAC.
        reports.extend(self.read_rbac(http, tenant, &scope_id, &mut data).await);

        let identities = crate::normalize::identities(&data);
        let mut notes = crate::missing(&data, true);
        notes.retain(|n| !n.starts_with("no sign-in activity"));
        let summary = format!("{} identities", identities.len());
        let report = if problems.is_empty() {
            let message = if notes.is_empty() {
                summary
            } else {
                format!("{summary}; {}", notes.join("; "))
            };
            SourceReport::ok(CONNECTOR, &scope_id, &graph_origin).message(message)
        } else {
            problems.extend(notes);
            SourceReport::partial(
                CONNECTOR,
                &scope_id,
                &graph_origin,
                format!("{summary}; {}", problems.join("; ")),
            )
        };
        inventory.sources.push(report.identities(identities.len()));
        inventory.sources.extend(reports);
        inventory.identities = identities;
        inventory
    }

    /// Every subscription's role assignments (de-duplicated: inherited ones repeat), one
    /// source per subscription.
    async fn read_rbac(
        &self,
        http: &reqwest::Client,
        tenant: &str,
        scope_id: &str,
        data: &mut TenantData,
    ) -> Vec<SourceReport> {
        let arm = self.options.arm_url.trim_end_matches('/').to_string();
        let scope = format!("{}/.default", origin_of(&arm));
        let token = match self
            .credential
            .token(http, &self.options.authority, tenant, &scope)
            .await
        {
            Ok(t) => t,
            Err(e) => {
                return vec![SourceReport::failed(
                    CONNECTOR,
                    scope_id,
                    &arm,
                    format!("no Resource Manager token ({e}): Azure role assignments not read"),
                )
                .kind("azure_rbac")];
            }
        };
        let client = match self.client(&arm, token) {
            Ok(c) => c,
            Err(e) => {
                return vec![SourceReport::failed(
                    CONNECTOR,
                    scope_id,
                    &arm,
                    format!("bad --azure-arm-url: {e}"),
                )
                .kind("azure_rbac")];
            }
        };
        let mut reports = Vec::new();
        let subscriptions: Vec<String> = if self.options.subscriptions.is_empty() {
            let subs: Listing<Subscription> = list_all(
                &client,
                "subscriptions",
                &[("api-version", "2022-12-01".to_string())],
                "nextLink",
            )
            .await;
            if !subs.complete() {
                reports.push(
                    SourceReport::failed(
                        CONNECTOR,
                        scope_id,
                        format!("{arm}/subscriptions"),
                        format!(
                            "cannot list subscriptions ({}); give --azure-subscription ID, or assign the scanning identity Reader on the subscriptions or a management group",
                            subs.stop.clone().unwrap_or_default()
                        ),
                    )
                    .kind("azure_rbac"),
                );
            }
            let mut ids: Vec<String> = subs
                .items
                .into_iter()
                .filter(|s| {
                    s.tenant_id.as_deref().is_none_or(|t| {
                        t.eq_ignore_ascii_case(scope_id) || t.eq_ignore_ascii_case(tenant)
                    })
                })
                .filter_map(|s| s.subscription_id)
                .collect();
            ids.sort();
            ids.dedup();
            ids
        } else {
            self.options.subscriptions.clone()
        };
        for sub in subscriptions {
            let base = format!(
                "subscriptions/{}/providers/Microsoft.Authorization",
                nhi_http::segment(&sub)
            );
            let origin = format!("{arm}/subscriptions/{sub}");
            let listing: Listing<RbacAssignmentWire> = list_all(
                &client,
                &format!("{base}/roleAssignments"),
                &[("api-version", "2022-04-01".to_string())],
                "nextLink",
            )
            .await;
            let definitions: Listing<RbacRoleDefinitionWire> = list_all(
                &client,
                &format!("{base}/roleDefinitions"),
                &[("api-version", "2022-04-01".to_string())],
                "nextLink",
            )
            .await;
            for d in definitions.items {
                let guid = d.name.or_else(|| {
                    d.id.as_deref()
                        .and_then(|i| i.rsplit('/').next())
                        .map(str::to_string)
                });
                if let (Some(guid), Some(name)) = (guid, d.properties.and_then(|p| p.role_name)) {
                    data.rbac_role_names.insert(guid.to_ascii_lowercase(), name);
                }
            }
            let assignments: Vec<RbacAssignment> = listing
                .items
                .iter()
                .filter_map(RbacAssignment::from_wire)
                .collect();
            let n = assignments.len();
            data.add_rbac(assignments);
            let report = if listing.items.is_empty() && listing.refused() {
                SourceReport::failed(
                    CONNECTOR,
                    &sub,
                    &origin,
                    format!(
                        "subscription {sub} refused its role assignments ({}); assign the scanning identity Reader on it (docs/azure-permissions.md)",
                        listing.stop.clone().unwrap_or_default()
                    ),
                )
            } else if listing.complete() && listing.item_errors.is_empty() {
                SourceReport::ok(CONNECTOR, &sub, &origin)
                    .message(format!("{n} role assignment(s)"))
            } else {
                SourceReport::partial(
                    CONNECTOR,
                    &sub,
                    &origin,
                    listing.problems("role assignments").join("; "),
                )
            };
            reports.push(report.kind("azure_rbac"));
        }
        reports
    }
}

impl Connector for AzureLive {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn collect<'a>(&'a self, ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(self.collect_all(ctx))
    }
}
