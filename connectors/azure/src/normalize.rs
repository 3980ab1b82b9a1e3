//! Pure: a tenant's payloads → identities. No I/O, no clock.

use crate::data::TenantData;
use crate::types::*;
use crate::wellknown::{self, lookup};
use chrono::{DateTime, Utc};
use nhi_api::{
    credential_kinds, kinds, providers, AzureAppPermission, AzureDelegatedGrant,
    AzureDirectoryRole, AzureFacts, AzureFederatedCredential, AzureOwner, AzureRbacAssignment,
    Credential, CredentialStatus, Expiry, Identity, LastUsed, Native, Owner,
};
use std::collections::{BTreeMap, HashMap};

/// The AI agent service Agent ID identities act for, in [`Identity::ai_agent`].
pub const AGENT_SERVICE: &str = "entra_agent_id";

pub fn parse_time(s: Option<&str>) -> Option<DateTime<Utc>> {
    let s = s?.trim();
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            // `az` sometimes prints no offset.
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// The identity id of an object: `azure:TENANT/COLLECTION/OBJECT_ID`.
pub fn identity_id(tenant: &str, collection: &str, object_id: &str) -> String {
    format!(
        "azure:{tenant}/{collection}/{}",
        object_id.to_ascii_lowercase()
    )
}

fn s(o: &Option<String>) -> &str {
    o.as_deref().unwrap_or("")
}

fn lower(o: &Option<String>) -> String {
    s(o).to_ascii_lowercase()
}

/// The tenant the data belongs to: given, else the owner of the tenant's own applications (the
/// `appOwnerOrganizationId` its applications' service principals share), else `unknown`.
pub fn tenant_of(data: &TenantData) -> String {
    if let Some(t) = data.tenant_id.as_deref().filter(|t| !t.is_empty()) {
        return t.to_ascii_lowercase();
    }
    let own_apps: std::collections::BTreeSet<String> =
        data.applications.iter().map(|a| lower(&a.app_id)).collect();
    let mut votes: BTreeMap<String, usize> = BTreeMap::new();
    for sp in &data.service_principals {
        if own_apps.contains(&lower(&sp.app_id)) {
            if let Some(t) = sp.app_owner_organization_id.as_deref() {
                *votes.entry(t.to_ascii_lowercase()).or_default() += 1;
            }
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(t, _)| t)
        .unwrap_or_else(|| "unknown".to_string())
}

fn owner_of(o: &DirectoryObject) -> Option<AzureOwner> {
    let id = o.id.clone()?;
    let kind = o
        .odata_type
        .as_deref()
        .map(|t| t.trim_start_matches("#microsoft.graph.").to_string())
        .unwrap_or_else(|| {
            if o.user_principal_name.is_some() {
                "user".into()
            } else if o.app_id.is_some() {
                "servicePrincipal".into()
            } else {
                "directoryObject".into()
            }
        });
    let name = o
        .user_principal_name
        .clone()
        .or_else(|| o.display_name.clone())
        .unwrap_or_else(|| id.clone());
    Some(AzureOwner {
        id: id.to_ascii_lowercase(),
        kind,
        name,
        enabled: o.account_enabled,
    })
}

fn owners(list: &[DirectoryObject]) -> Vec<AzureOwner> {
    let mut out: Vec<AzureOwner> = list.iter().filter_map(owner_of).collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.id == b.id);
    out
}

/// The identity's owner for people: the first enabled owner, else the first.
fn lead_owner(list: &[AzureOwner]) -> Option<Owner> {
    let o = list
        .iter()
        .find(|o| o.enabled != Some(false))
        .or_else(|| list.first())?;
    Some(Owner::new(o.name.clone(), "entra:owners").active(o.enabled))
}

fn credentials(
    passwords: &[PasswordCredential],
    keys: &[KeyCredential],
    on: &str,
    used: &HashMap<String, DateTime<Utc>>,
    usage_known: bool,
) -> Vec<Credential> {
    let mut out = Vec::new();
    let last_used = |id: &str| match used.get(id) {
        Some(t) => LastUsed::At(*t),
        None if usage_known => LastUsed::Never,
        None => LastUsed::Unknown,
    };
    for (i, p) in passwords.iter().enumerate() {
        let id = p
            .key_id
            .clone()
            .map(|k| k.to_ascii_lowercase())
            .unwrap_or_else(|| format!("secret-{i}"));
        let mut details = BTreeMap::new();
        details.insert("on".to_string(), on.to_string());
        if let Some(n) = &p.display_name {
            details.insert("display_name".into(), n.clone());
        }
        if let Some(h) = &p.hint {
            details.insert("hint".into(), h.chars().take(3).collect());
        }
        out.push(Credential {
            last_used: last_used(&id),
            id,
            kind: credential_kinds::AZURE_CLIENT_SECRET.into(),
            status: CredentialStatus::Active,
            created_at: parse_time(p.start_date_time.as_deref()),
            expires: parse_time(p.end_date_time.as_deref())
                .map(Expiry::At)
                .unwrap_or(Expiry::Unknown),
            details: details.into(),
        });
    }
    for (i, k) in keys.iter().enumerate() {
        let id = k
            .key_id
            .clone()
            .map(|k| k.to_ascii_lowercase())
            .unwrap_or_else(|| format!("key-{i}"));
        let mut details = BTreeMap::new();
        details.insert("on".to_string(), on.to_string());
        for (name, v) in [
            ("display_name", &k.display_name),
            ("usage", &k.usage),
            ("type", &k.key_type),
        ] {
            if let Some(v) = v {
                details.insert(name.into(), v.clone());
            }
        }
        out.push(Credential {
            last_used: last_used(&id),
            id,
            kind: credential_kinds::AZURE_CERTIFICATE.into(),
            status: CredentialStatus::Active,
            created_at: parse_time(k.start_date_time.as_deref()),
            expires: parse_time(k.end_date_time.as_deref())
                .map(Expiry::At)
                .unwrap_or(Expiry::Unknown),
            details: details.into(),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn fic(f: &FederatedIdentityCredential) -> AzureFederatedCredential {
    AzureFederatedCredential {
        name: f.name.clone().unwrap_or_default(),
        issuer: f.issuer.clone().unwrap_or_default(),
        subject: f.subject.clone().filter(|s| !s.is_empty()),
        claims_matching_expression: f
            .claims_matching_expression
            .as_ref()
            .and_then(|e| e.value.clone())
            .filter(|v| !v.is_empty()),
        audiences: f.audiences.clone(),
    }
}

/// Indexes built once per tenant.
struct Index {
    tenant: String,
    grants_by_principal: HashMap<String, Vec<AzureAppPermission>>,
    delegated_by_client: HashMap<String, Vec<AzureDelegatedGrant>>,
    roles_by_principal: HashMap<String, Vec<AzureDirectoryRole>>,
    rbac_by_principal: HashMap<String, Vec<AzureRbacAssignment>>,
    /// Last sign-in per app id; `None` when the report was not read.
    sign_ins: Option<HashMap<String, DateTime<Utc>>>,
    credential_use: HashMap<String, DateTime<Utc>>,
    credential_use_known: bool,
    owners: HashMap<String, Vec<AzureOwner>>,
    owners_known: bool,
    fics: HashMap<String, Vec<AzureFederatedCredential>>,
}

impl Index {
    fn new(data: &TenantData) -> Self {
        let tenant = tenant_of(data);
        let mut resources = HashMap::new();
        for sp in data.service_principals.iter().chain(&data.agent_identities) {
            let roles: HashMap<String, &str> = sp
                .app_roles
                .iter()
                .filter_map(|r| Some((r.id.as_deref()?.to_ascii_lowercase(), r.value.as_deref()?)))
                .collect();
            resources.insert(
                lower(&sp.id),
                (
                    sp.display_name.as_deref().unwrap_or(""),
                    sp.app_id.as_deref(),
                    roles,
                ),
            );
        }
        let mut grants_by_principal: HashMap<String, Vec<AzureAppPermission>> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for a in &data.app_role_assignments {
            let (Some(principal), Some(role)) =
                (a.principal_id.as_deref(), a.app_role_id.as_deref())
            else {
                continue;
            };
            let key = (
                principal.to_ascii_lowercase(),
                lower(&a.resource_id),
                role.to_ascii_lowercase(),
            );
            if !seen.insert(key.clone()) {
                continue;
            }
            let resource = resources.get(&key.1);
            let resource_app_id = resource.and_then(|r| r.1).map(str::to_string);
            let named = resource.and_then(|r| r.2.get(&key.2).copied()).or_else(|| {
                let is_graph = resource_app_id.as_deref() == Some(wellknown::GRAPH_APP_ID)
                    || a.resource_display_name.as_deref() == Some("Microsoft Graph");
                is_graph
                    .then(|| lookup(wellknown::GRAPH_APP_ROLES, &key.2))
                    .flatten()
            });
            // The all-zero role id is "default access", not a permission.
            if named.is_none() && key.2 == "00000000-0000-0000-0000-000000000000" {
                continue;
            }
            grants_by_principal
                .entry(key.0.clone())
                .or_default()
                .push(AzureAppPermission {
                    resource: resource
                        .map(|r| r.0.to_string())
                        .filter(|n| !n.is_empty())
                        .or_else(|| a.resource_display_name.clone())
                        .unwrap_or_else(|| key.1.clone()),
                    resource_app_id,
                    permission: named.map(str::to_string).unwrap_or_else(|| key.2.clone()),
                    app_role_id: key.2.clone(),
                });
        }
        for v in grants_by_principal.values_mut() {
            v.sort();
        }
        let mut delegated_by_client: HashMap<String, Vec<AzureDelegatedGrant>> = HashMap::new();
        for g in data.delegated_grants.iter().flatten() {
            let Some(client) = g.client_id.as_deref() else {
                continue;
            };
            let resource = resources
                .get(&lower(&g.resource_id))
                .map(|r| r.0.to_string())
                .unwrap_or_else(|| lower(&g.resource_id));
            let mut scopes: Vec<String> =
                s(&g.scope).split_whitespace().map(str::to_string).collect();
            scopes.sort();
            scopes.dedup();
            delegated_by_client
                .entry(client.to_ascii_lowercase())
                .or_default()
                .push(AzureDelegatedGrant {
                    resource,
                    scopes,
                    consent_type: g.consent_type.clone().unwrap_or_default(),
                });
        }
        for v in delegated_by_client.values_mut() {
            v.sort();
        }
        let mut roles_by_principal: HashMap<String, Vec<AzureDirectoryRole>> = HashMap::new();
        for r in data.directory_roles.iter().flatten() {
            let (Some(principal), Some(def)) =
                (r.principal_id.as_deref(), r.role_definition_id.as_deref())
            else {
                continue;
            };
            let def = def.to_ascii_lowercase();
            let role = r
                .role_definition
                .as_ref()
                .and_then(|d| d.display_name.clone())
                .or_else(|| data.role_definitions.get(&def).cloned())
                .or_else(|| lookup(wellknown::DIRECTORY_ROLES, &def).map(str::to_string))
                .unwrap_or_else(|| def.clone());
            roles_by_principal
                .entry(principal.to_ascii_lowercase())
                .or_default()
                .push(AzureDirectoryRole {
                    role,
                    role_definition_id: def,
                    scope: r.directory_scope_id.clone().unwrap_or_else(|| "/".into()),
                });
        }
        for v in roles_by_principal.values_mut() {
            v.sort();
            v.dedup();
        }
        let mut rbac_by_principal: HashMap<String, Vec<AzureRbacAssignment>> = HashMap::new();
        for a in data.rbac.values() {
            let role = a
                .role_name
                .clone()
                .or_else(|| data.rbac_role_names.get(&a.role_definition_id).cloned())
                .or_else(|| {
                    lookup(wellknown::AZURE_ROLES, &a.role_definition_id).map(str::to_string)
                })
                .unwrap_or_else(|| a.role_definition_id.clone());
            rbac_by_principal
                .entry(a.principal_id.to_ascii_lowercase())
                .or_default()
                .push(AzureRbacAssignment {
                    role,
                    role_definition_id: a.role_definition_id.clone(),
                    scope: a.scope.clone(),
                });
        }
        for v in rbac_by_principal.values_mut() {
            v.sort();
            v.dedup();
        }
        let sign_ins = data.sign_ins.as_ref().map(|list| {
            let mut m: HashMap<String, DateTime<Utc>> = HashMap::new();
            for e in list {
                let Some(app) = e.app_id.as_deref() else {
                    continue;
                };
                let latest = [
                    &e.last_sign_in_activity,
                    &e.delegated_client_sign_in_activity,
                    &e.delegated_resource_sign_in_activity,
                    &e.application_authentication_client_sign_in_activity,
                    &e.application_authentication_resource_sign_in_activity,
                ]
                .into_iter()
                .flatten()
                .filter_map(|a| parse_time(a.last_sign_in_date_time.as_deref()))
                .max();
                if let Some(t) = latest {
                    let slot = m.entry(app.to_ascii_lowercase()).or_insert(t);
                    *slot = (*slot).max(t);
                }
            }
            m
        });
        let mut credential_use: HashMap<String, DateTime<Utc>> = HashMap::new();
        for c in data.credential_sign_ins.iter().flatten() {
            if let (Some(k), Some(t)) = (
                c.key_id.as_deref(),
                parse_time(c.sign_in_date_time.as_deref()),
            ) {
                let slot = credential_use.entry(k.to_ascii_lowercase()).or_insert(t);
                *slot = (*slot).max(t);
            }
        }
        let mut owners_map: HashMap<String, Vec<AzureOwner>> = HashMap::new();
        let mut owners_known = data.app_owners.is_some();
        if let Some(map) = &data.app_owners {
            for (app, list) in map {
                owners_map.insert(app.to_ascii_lowercase(), owners(list));
            }
        }
        for app in data.applications.iter().chain(&data.agent_blueprints) {
            if let Some(list) = &app.owners {
                owners_known = true;
                owners_map.insert(lower(&app.id), owners(list));
            }
        }
        let mut fics: HashMap<String, Vec<AzureFederatedCredential>> = HashMap::new();
        for (app, list) in &data.fics {
            fics.entry(app.to_ascii_lowercase())
                .or_default()
                .extend(list.iter().map(fic));
        }
        for app in data.applications.iter().chain(&data.agent_blueprints) {
            if let Some(list) = &app.federated_identity_credentials {
                fics.entry(lower(&app.id))
                    .or_default()
                    .extend(list.iter().map(fic));
            }
        }
        for v in fics.values_mut() {
            v.sort();
            v.dedup();
        }
        Index {
            tenant,
            grants_by_principal,
            delegated_by_client,
            roles_by_principal,
            rbac_by_principal,
            sign_ins,
            credential_use,
            credential_use_known: data.credential_sign_ins.is_some(),
            owners: owners_map,
            owners_known,
            fics,
        }
    }

    /// Owners of an application: known only when owners were read (an application missing
    /// from the owners listing has none).
    fn owners_of(
        &self,
        app_object_id: &str,
        expanded: Option<&Vec<DirectoryObject>>,
    ) -> Option<Vec<AzureOwner>> {
        if let Some(list) = expanded {
            return Some(owners(list));
        }
        self.owners_known
            .then(|| self.owners.get(app_object_id).cloned().unwrap_or_default())
    }

    fn last_used(&self, app_id: &str) -> LastUsed {
        match &self.sign_ins {
            Some(m) => m
                .get(&app_id.to_ascii_lowercase())
                .map(|t| LastUsed::At(*t))
                .unwrap_or(LastUsed::Never),
            None => LastUsed::Unknown,
        }
    }

    /// What a principal holds: app permissions, delegated grants, directory roles, RBAC.
    fn privileges(&self, facts: &mut AzureFacts, object_id: &str) {
        facts.app_permissions = self
            .grants_by_principal
            .get(object_id)
            .cloned()
            .unwrap_or_default();
        facts.delegated_permissions = self
            .delegated_by_client
            .get(object_id)
            .cloned()
            .unwrap_or_default();
        facts.directory_roles = self
            .roles_by_principal
            .get(object_id)
            .cloned()
            .unwrap_or_default();
        facts.rbac = self
            .rbac_by_principal
            .get(object_id)
            .cloned()
            .unwrap_or_default();
    }
}

fn managed_identity(sp: &ServicePrincipal) -> Option<String> {
    if sp.service_principal_type.as_deref() != Some("ManagedIdentity") {
        return None;
    }
    let user = sp.alternative_names.iter().any(|n| {
        n.eq_ignore_ascii_case("isExplicit=True")
            || n.to_ascii_lowercase()
                .contains("/providers/microsoft.managedidentity/userassignedidentities/")
    });
    Some(
        if user {
            "user_assigned"
        } else {
            "system_assigned"
        }
        .into(),
    )
}

fn is_agent_identity(sp: &ServicePrincipal) -> bool {
    sp.odata_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("#microsoft.graph.agentIdentity"))
}

fn is_blueprint(app: &Application) -> bool {
    app.odata_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("#microsoft.graph.agentIdentityBlueprint"))
}

/// Every identity of a tenant.
pub fn identities(data: &TenantData) -> Vec<Identity> {
    let ix = Index::new(data);
    let tenant = ix.tenant.clone();
    let origin = (!data.origin.is_empty()).then(|| data.origin.clone());
    let mut out: Vec<Identity> = Vec::new();

    // Applications (and blueprints) by app id, for their service principals.
    let mut blueprints: Vec<&Application> = data.agent_blueprints.iter().collect();
    let mut apps: Vec<&Application> = Vec::new();
    for a in &data.applications {
        if is_blueprint(a) {
            blueprints.push(a);
        } else {
            apps.push(a);
        }
    }
    let mut agent_sps: Vec<&ServicePrincipal> = data.agent_identities.iter().collect();
    let mut sps: Vec<&ServicePrincipal> = Vec::new();
    for sp in &data.service_principals {
        if is_agent_identity(sp) {
            agent_sps.push(sp);
        } else {
            sps.push(sp);
        }
    }
    dedup_by_id(&mut apps, |a| lower(&a.id));
    dedup_by_id(&mut blueprints, |a| lower(&a.id));
    dedup_by_id(&mut sps, |a| lower(&a.id));
    dedup_by_id(&mut agent_sps, |a| lower(&a.id));
    let agent_ids: std::collections::HashSet<String> =
        agent_sps.iter().map(|a| lower(&a.id)).collect();
    sps.retain(|sp| !agent_ids.contains(&lower(&sp.id)));
    let blueprint_ids: std::collections::HashSet<String> =
        blueprints.iter().map(|a| lower(&a.id)).collect();
    apps.retain(|a| !blueprint_ids.contains(&lower(&a.id)));

    let app_by_app_id: HashMap<String, &Application> = apps
        .iter()
        .chain(&blueprints)
        .filter(|a| a.app_id.is_some())
        .map(|a| (lower(&a.app_id), *a))
        .collect();
    let sp_by_app_id: HashMap<String, &ServicePrincipal> = sps
        .iter()
        .filter(|s| s.app_id.is_some())
        .map(|s| (lower(&s.app_id), *s))
        .collect();

    let credential_use = &ix.credential_use;
    let usage_known = ix.credential_use_known;

    for sp in &sps {
        let Some(oid) = sp.id.as_deref().map(str::to_ascii_lowercase) else {
            continue;
        };
        let app_id = lower(&sp.app_id);
        let app = app_by_app_id.get(&app_id).copied();
        let mut facts = AzureFacts {
            tenant_id: tenant.clone(),
            object_id: oid.clone(),
            app_id: sp.app_id.clone(),
            service_principal_type: sp.service_principal_type.clone(),
            managed_identity: managed_identity(sp),
            app_owner_tenant: sp
                .app_owner_organization_id
                .as_ref()
                .map(|t| t.to_ascii_lowercase()),
            sign_in_audience: sp.sign_in_audience.clone(),
            account_enabled: sp.account_enabled,
            sign_in_known: ix.sign_ins.is_some(),
            ..Default::default()
        };
        let microsoft = facts
            .app_owner_tenant
            .as_deref()
            .is_some_and(|t| wellknown::MICROSOFT_TENANTS.contains(&t));
        facts.third_party = app.is_none()
            && !microsoft
            && facts.managed_identity.is_none()
            && facts
                .app_owner_tenant
                .as_deref()
                .is_some_and(|t| t != tenant && tenant != "unknown");
        ix.privileges(&mut facts, &oid);
        let mut identity = Identity::new(
            providers::AZURE,
            kinds::AZURE_SERVICE_PRINCIPAL,
            identity_id(&tenant, "servicePrincipals", &oid),
            sp.display_name.clone().unwrap_or_else(|| oid.clone()),
        );
        if let Some(app) = app {
            let app_oid = lower(&app.id);
            facts.application = Some(identity_id(
                &tenant,
                if is_blueprint(app) {
                    "agentIdentityBlueprints"
                } else {
                    "applications"
                },
                &app_oid,
            ));
            facts.federated = ix.fics.get(&app_oid).cloned().unwrap_or_default();
            if let Some(list) = ix.owners_of(&app_oid, app.owners.as_ref()) {
                identity.owner = lead_owner(&list);
            }
        }
        identity.scope = tenant.clone();
        identity.origin = origin.clone();
        identity.created_at = parse_time(sp.created_date_time.as_deref())
            .or_else(|| app.and_then(|a| parse_time(a.created_date_time.as_deref())));
        identity.last_used = if app_id.is_empty() {
            LastUsed::Unknown
        } else {
            ix.last_used(&app_id)
        };
        identity.tags_known = false;
        identity.provider_managed = microsoft;
        identity.credentials = credentials(
            &sp.password_credentials,
            &sp.key_credentials,
            "service_principal",
            credential_use,
            usage_known,
        );
        identity.native = Native::Azure(Box::new(facts));
        out.push(identity);
    }

    for app in apps.iter().chain(&blueprints) {
        let Some(oid) = app.id.as_deref().map(str::to_ascii_lowercase) else {
            continue;
        };
        let blueprint = is_blueprint(app) || blueprint_ids.contains(&oid);
        let app_id = lower(&app.app_id);
        let sp = sp_by_app_id.get(&app_id).copied();
        let owners = ix.owners_of(&oid, app.owners.as_ref());
        let mut facts = AzureFacts {
            tenant_id: tenant.clone(),
            object_id: oid.clone(),
            app_id: app.app_id.clone(),
            sign_in_audience: app.sign_in_audience.clone(),
            owners: owners.clone(),
            sponsors: app.sponsors.as_deref().map(self::owners),
            federated: ix.fics.get(&oid).cloned().unwrap_or_default(),
            sign_in_known: ix.sign_ins.is_some(),
            ..Default::default()
        };
        facts.service_principal = sp
            .and_then(|s| s.id.as_deref())
            .map(|id| identity_id(&tenant, "servicePrincipals", id));
        let (kind, collection) = if blueprint {
            (kinds::AZURE_AGENT_BLUEPRINT, "agentIdentityBlueprints")
        } else {
            (kinds::AZURE_APPLICATION, "applications")
        };
        let mut identity = Identity::new(
            providers::AZURE,
            kind,
            identity_id(&tenant, collection, &oid),
            app.display_name.clone().unwrap_or_else(|| oid.clone()),
        );
        identity.scope = tenant.clone();
        identity.origin = origin.clone();
        identity.created_at = parse_time(app.created_date_time.as_deref());
        identity.last_used = if app_id.is_empty() {
            LastUsed::Unknown
        } else {
            ix.last_used(&app_id)
        };
        identity.tags_known = false;
        identity.owner = owners.as_deref().and_then(lead_owner);
        identity.credentials = credentials(
            &app.password_credentials,
            &app.key_credentials,
            "application",
            credential_use,
            usage_known,
        );
        if blueprint {
            identity.ai_agent = Some(AGENT_SERVICE.into());
        }
        identity.native = Native::Azure(Box::new(facts));
        out.push(identity);
    }

    // Blueprints by object id and app id, for their agents.
    let blueprint_unowned: HashMap<String, Option<bool>> = blueprints
        .iter()
        .map(|b| {
            let oid = lower(&b.id);
            let has_credentials = !b.password_credentials.is_empty()
                || !b.key_credentials.is_empty()
                || ix.fics.get(&oid).is_some_and(|f| !f.is_empty());
            let owners = ix.owners_of(&oid, b.owners.as_ref());
            let sponsors = b.sponsors.as_deref().map(self::owners);
            let answered = |l: &Option<Vec<AzureOwner>>| {
                l.as_ref()
                    .map(|l| l.iter().any(|o| o.enabled != Some(false)))
            };
            let unowned = match (answered(&owners), answered(&sponsors)) {
                (Some(true), _) | (_, Some(true)) => Some(false),
                (None, None) => None,
                _ => Some(has_credentials),
            };
            (oid, unowned)
        })
        .collect();
    let blueprint_by_app_id: HashMap<String, String> = blueprints
        .iter()
        .map(|b| (lower(&b.app_id), lower(&b.id)))
        .collect();

    for sp in &agent_sps {
        let Some(oid) = sp.id.as_deref().map(str::to_ascii_lowercase) else {
            continue;
        };
        let blueprint_ref = lower(&sp.agent_identity_blueprint_id);
        // The blueprint id is its app id; accept an object id too.
        let blueprint_oid = blueprint_by_app_id
            .get(&blueprint_ref)
            .cloned()
            .or_else(|| {
                blueprint_unowned
                    .contains_key(&blueprint_ref)
                    .then(|| blueprint_ref.clone())
            });
        let mut facts = AzureFacts {
            tenant_id: tenant.clone(),
            object_id: oid.clone(),
            app_id: sp.app_id.clone(),
            service_principal_type: sp.service_principal_type.clone(),
            app_owner_tenant: sp
                .app_owner_organization_id
                .as_ref()
                .map(|t| t.to_ascii_lowercase()),
            account_enabled: sp.account_enabled,
            sponsors: sp.sponsors.as_deref().map(owners),
            owners: sp.owners.as_deref().map(owners),
            blueprint: blueprint_oid
                .as_ref()
                .map(|b| identity_id(&tenant, "agentIdentityBlueprints", b)),
            blueprint_credentials_unowned: blueprint_oid
                .as_ref()
                .and_then(|b| blueprint_unowned.get(b).copied().flatten()),
            sign_in_known: ix.sign_ins.is_some(),
            ..Default::default()
        };
        ix.privileges(&mut facts, &oid);
        let mut identity = Identity::new(
            providers::AZURE,
            kinds::AZURE_AGENT_IDENTITY,
            identity_id(&tenant, "agentIdentities", &oid),
            sp.display_name.clone().unwrap_or_else(|| oid.clone()),
        );
        identity.scope = tenant.clone();
        identity.origin = origin.clone();
        identity.created_at = parse_time(sp.created_date_time.as_deref());
        identity.last_used = sp
            .app_id
            .as_deref()
            .map(|a| ix.last_used(a))
            .unwrap_or_default();
        identity.tags_known = false;
        identity.owner = facts.sponsors.as_deref().and_then(lead_owner).map(|mut o| {
            o.source = "entra:sponsors".into();
            o
        });
        identity.credentials = credentials(
            &sp.password_credentials,
            &sp.key_credentials,
            "service_principal",
            credential_use,
            usage_known,
        );
        identity.ai_agent = Some(AGENT_SERVICE.into());
        identity.native = Native::Azure(Box::new(facts));
        out.push(identity);
    }

    for u in &data.agent_users {
        let Some(oid) = u.id.as_deref().map(str::to_ascii_lowercase) else {
            continue;
        };
        let facts = AzureFacts {
            tenant_id: tenant.clone(),
            object_id: oid.clone(),
            account_enabled: u.account_enabled,
            sponsors: u.sponsors.as_deref().map(owners),
            blueprint: None,
            ..Default::default()
        };
        let mut identity = Identity::new(
            providers::AZURE,
            kinds::AZURE_AGENT_USER,
            identity_id(&tenant, "agentUsers", &oid),
            u.user_principal_name
                .clone()
                .or_else(|| u.display_name.clone())
                .unwrap_or_else(|| oid.clone()),
        );
        identity.scope = tenant.clone();
        identity.origin = origin.clone();
        identity.created_at = parse_time(u.created_date_time.as_deref());
        identity.tags_known = false;
        identity.ai_agent = Some(AGENT_SERVICE.into());
        identity.owner = facts.sponsors.as_deref().and_then(lead_owner).map(|mut o| {
            o.source = "entra:sponsors".into();
            o
        });
        if let Some(parent) = u.identity_parent_id.as_deref() {
            identity
                .tags
                .insert("agent_identity".into(), parent.to_ascii_lowercase());
        }
        identity.native = Native::Azure(Box::new(facts));
        out.push(identity);
    }
    out.sort_by(|a, b| (&a.kind, &a.id).cmp(&(&b.kind, &b.id)));
    out
}

fn dedup_by_id<T>(list: &mut Vec<&T>, key: impl Fn(&T) -> String) {
    let mut seen = std::collections::HashSet::new();
    list.retain(|x| seen.insert(key(x)));
}
