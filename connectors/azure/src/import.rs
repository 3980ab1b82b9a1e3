//! Exported files (`nhi scan --from`): what `az ad`, `az role` and `az rest` print, recognized by
//! content. `az ad sp list --all`, `az ad app list --all` and `az role assignment list` print bare
//! lists (told apart by their items' keys); `az rest` prints Graph's envelope, whose
//! `@odata.context` names the collection and, for relationships, the parent object
//! (`servicePrincipals('ID')/appRoleAssignedTo`).
//!
//! All Azure files of one scan are one tenant: its id comes from the `organization` export, else
//! from the tenant's own applications.

use crate::data::{RbacAssignment, TenantData};
use crate::types::*;
use crate::CONNECTOR;
use nhi_api::import::{json_error_message, Importer, JsonShape, Sniffed};
use nhi_api::{Inventory, SourceReport};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

/// How to make the exports, for error messages.
pub const EXPORT_HINT: &str = "produce the Azure exports with docs/azure-export.sh (az ad sp list --all, az ad app list --all, az role assignment list --all, az rest for Graph)";

/// What an Azure file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AzureFile {
    ServicePrincipals,
    Applications,
    RbacAssignments,
    /// A Graph envelope, with the part of its context after `$metadata#`.
    Graph(String),
}

/// Recognize an Azure export by its shape (and, for an envelope, its context).
pub fn recognize(file: &Sniffed<'_>) -> Option<AzureFile> {
    match &file.json {
        Some(JsonShape::List(Some(keys))) => {
            if keys.contains("servicePrincipalType") {
                Some(AzureFile::ServicePrincipals)
            } else if keys.contains("appId")
                && keys.contains("signInAudience")
                && (keys.contains("passwordCredentials") || keys.contains("requiredResourceAccess"))
            {
                Some(AzureFile::Applications)
            } else if keys.contains("principalId")
                && keys.contains("roleDefinitionId")
                && keys.contains("scope")
            {
                Some(AzureFile::RbacAssignments)
            } else {
                None
            }
        }
        Some(shape @ JsonShape::Object(_))
            if shape.object_has("@odata.context") && shape.object_has("value") =>
        {
            let text = file.text?;
            let context = odata_context(text)?;
            let (_, fragment) = context.split_once("$metadata#")?;
            Some(AzureFile::Graph(fragment.to_string()))
        }
        _ => None,
    }
}

/// The `@odata.context` of an envelope, read without building the whole document.
fn odata_context(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "@odata.context")]
        context: Option<String>,
    }
    serde_json::from_str::<Head>(text).ok()?.context
}

/// `servicePrincipals('ID')/appRoleAssignedTo` → (`servicePrincipals`, Some(ID), `appRoleAssignedTo`).
fn split_context(fragment: &str) -> (String, Option<String>, String) {
    let fragment = fragment.trim_end_matches("/$entity");
    let (head, tail) = match fragment.split_once('/') {
        Some((h, t)) => (h, t.to_string()),
        None => (fragment, String::new()),
    };
    let (collection, key) = match head.split_once('(') {
        Some((c, rest)) => {
            let inner = rest.trim_end_matches(')');
            let key = inner
                .strip_prefix('\'')
                .and_then(|k| k.split('\'').next())
                .map(str::to_string);
            (c.to_string(), key)
        }
        None => (head.to_string(), None),
    };
    (collection, key, tail)
}

#[derive(Default)]
pub struct AzureImport {
    data: TenantData,
    /// Applications only seen in the owners export (id, appId, displayName).
    owner_listing_apps: Vec<Application>,
    sources: Vec<SourceReport>,
    used: bool,
}

/// Items of a listing, decoded one by one.
struct Items<T> {
    items: Vec<T>,
    errors: Vec<String>,
}

fn items<T: DeserializeOwned>(values: Vec<Value>) -> Items<T> {
    let mut out = Items {
        items: Vec::new(),
        errors: Vec::new(),
    };
    for (i, v) in values.into_iter().enumerate() {
        match serde_json::from_value::<T>(v) {
            Ok(t) => out.items.push(t),
            Err(e) => out.errors.push(format!("item {i}: {e}")),
        }
    }
    out
}

impl AzureImport {
    pub fn new() -> Self {
        Self::default()
    }

    fn fail(&mut self, origin: &str, message: String) {
        self.sources
            .push(SourceReport::failed(CONNECTOR, "", origin, message));
    }

    /// Report a file read: ok, or partial naming its unreadable items.
    fn read(&mut self, origin: &str, what: String, errors: &[String], hint: &str) {
        let report = match errors.first() {
            None => {
                tracing::debug!(file = origin, "{what}");
                SourceReport::ok(CONNECTOR, "", origin)
            }
            Some(first) => SourceReport::partial(
                CONNECTOR,
                "",
                origin,
                format!(
                    "{what}; {} item(s) could not be read, first: {first}; {hint}",
                    errors.len()
                ),
            ),
        };
        self.sources.push(report);
    }

    fn list(&mut self, origin: &str, bytes: &[u8], hint: &str) -> Option<Vec<Value>> {
        match serde_json::from_slice::<Vec<Value>>(bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(origin, json_error_message(&e, hint));
                None
            }
        }
    }

    fn envelope(&mut self, origin: &str, bytes: &[u8], hint: &str) -> Option<(Vec<Value>, bool)> {
        #[derive(serde::Deserialize)]
        struct Envelope {
            #[serde(default)]
            value: Value,
            #[serde(rename = "@odata.nextLink", default)]
            next: Option<String>,
        }
        match serde_json::from_slice::<Envelope>(bytes) {
            Ok(Envelope {
                value: Value::Array(v),
                next,
            }) => Some((v, next.is_some())),
            Ok(_) => {
                self.fail(
                    origin,
                    format!("the Graph response's \"value\" is not a list; {hint}"),
                );
                None
            }
            Err(e) => {
                self.fail(origin, json_error_message(&e, hint));
                None
            }
        }
    }

    pub fn add_file(&mut self, origin: &str, bytes: &[u8], kind: &AzureFile) {
        self.used = true;
        if self.data.origin.is_empty() {
            self.data.origin = origin.to_string();
        }
        match kind {
            AzureFile::ServicePrincipals => {
                let hint = "re-export with `az ad sp list --all > service-principals.json`";
                let Some(values) = self.list(origin, bytes, hint) else {
                    return;
                };
                let it = items::<ServicePrincipal>(values);
                let what = format!("{} service principal(s)", it.items.len());
                self.data.service_principals.extend(it.items);
                self.read(origin, what, &it.errors, hint);
            }
            AzureFile::Applications => {
                let hint = "re-export with `az ad app list --all > applications.json`";
                let Some(values) = self.list(origin, bytes, hint) else {
                    return;
                };
                let it = items::<Application>(values);
                let what = format!("{} application(s)", it.items.len());
                self.data.applications_read = true;
                self.data.applications.extend(it.items);
                self.read(origin, what, &it.errors, hint);
            }
            AzureFile::RbacAssignments => {
                let hint = "re-export with `az role assignment list --all --subscription ID > role-assignments-ID.json`";
                let Some(values) = self.list(origin, bytes, hint) else {
                    return;
                };
                let it = items::<RbacAssignmentWire>(values);
                let assignments: Vec<RbacAssignment> = it
                    .items
                    .iter()
                    .filter_map(RbacAssignment::from_wire)
                    .collect();
                let what = format!("{} Azure role assignment(s)", assignments.len());
                self.data.add_rbac(assignments);
                self.read(origin, what, &it.errors, hint);
            }
            AzureFile::Graph(fragment) => self.add_graph(origin, bytes, fragment),
        }
    }

    fn add_graph(&mut self, origin: &str, bytes: &[u8], fragment: &str) {
        let (collection, key, tail) = split_context(fragment);
        let collection_l = collection.to_ascii_lowercase();
        let tail_l = tail.to_ascii_lowercase();
        let hint = "re-export it with the az rest command of docs/azure-export.sh";
        let Some((values, more)) = self.envelope(origin, bytes, hint) else {
            return;
        };
        let page_note = if more {
            " (this page has an @odata.nextLink: the other pages must be files too; docs/azure-export.sh saves every page)"
        } else {
            ""
        };
        macro_rules! take {
            ($t:ty, $label:expr, $store:expr) => {{
                let it = items::<$t>(values);
                let what = format!("{} {}{page_note}", it.items.len(), $label);
                let errors = it.errors;
                #[allow(clippy::redundant_closure_call)]
                ($store)(self, it.items);
                self.read(origin, what, &errors, hint);
            }};
        }
        match (collection_l.as_str(), key, tail_l.as_str()) {
            ("serviceprincipals", Some(_), "approleassignedto" | "approleassignments") => {
                take!(AppRoleAssignment, "application permission grant(s)", |s: &mut Self, v: Vec<AppRoleAssignment>| s.data.app_role_assignments.extend(v))
            }
            ("applications", Some(app), "federatedidentitycredentials") => {
                let app = app.to_ascii_lowercase();
                take!(FederatedIdentityCredential, format!("federated identity credential(s) of application {app}"), |s: &mut Self, v: Vec<FederatedIdentityCredential>| {
                    s.data.fics_read.insert(app.clone());
                    s.data.fics.entry(app.clone()).or_default().extend(v);
                })
            }
            ("serviceprincipals", None, t) if t.ends_with("agentidentity") => {
                take!(ServicePrincipal, "agent identit(ies)", |s: &mut Self, v: Vec<ServicePrincipal>| s.data.agent_identities.extend(v))
            }
            ("applications", None, t) if t.ends_with("agentidentityblueprint") => {
                take!(Application, "agent identity blueprint(s)", |s: &mut Self, v: Vec<Application>| s.data.agent_blueprints.extend(v))
            }
            ("users", None, t) if t.ends_with("agentuser") => {
                take!(AgentUser, "agent user(s)", |s: &mut Self, v: Vec<AgentUser>| s.data.agent_users.extend(v))
            }
            ("serviceprincipals", None, "") => {
                take!(ServicePrincipal, "service principal(s)", |s: &mut Self, v: Vec<ServicePrincipal>| s.data.service_principals.extend(v))
            }
            ("applications", None, "") => {
                let expanded_owners = fragment.contains("owners(") || fragment.contains("owners)");
                take!(Application, "application(s)", |s: &mut Self, v: Vec<Application>| {
                    let owners_listing = expanded_owners || v.iter().any(|a| a.owners.is_some());
                    if owners_listing {
                        let map = s.data.app_owners.get_or_insert_with(BTreeMap::new);
                        for a in &v {
                            if let Some(id) = &a.id {
                                map.insert(id.to_ascii_lowercase(), a.owners.clone().unwrap_or_default());
                            }
                        }
                        s.owner_listing_apps.extend(v);
                    } else {
                        s.data.applications_read = true;
                        s.data.applications.extend(v);
                    }
                })
            }
            ("rolemanagement", None, t) if t.starts_with("directory/roleassignments") => {
                take!(DirectoryRoleAssignment, "directory role assignment(s)", |s: &mut Self, v: Vec<DirectoryRoleAssignment>| s.data.directory_roles.get_or_insert_with(Vec::new).extend(v))
            }
            ("rolemanagement", None, t) if t.starts_with("directory/roledefinitions") => {
                take!(RoleDefinition, "directory role definition(s)", |s: &mut Self, v: Vec<RoleDefinition>| {
                    for d in v {
                        if let (Some(id), Some(name)) = (d.id.or(d.template_id), d.display_name) {
                            s.data.role_definitions.insert(id.to_ascii_lowercase(), name);
                        }
                    }
                })
            }
            ("oauth2permissiongrants", None, "") => {
                take!(OAuth2PermissionGrant, "delegated permission grant(s)", |s: &mut Self, v: Vec<OAuth2PermissionGrant>| s.data.delegated_grants.get_or_insert_with(Vec::new).extend(v))
            }
            ("reports", None, "serviceprincipalsigninactivities") => {
                take!(ServicePrincipalSignInActivity, "service principal sign-in activit(ies)", |s: &mut Self, v: Vec<ServicePrincipalSignInActivity>| s.data.sign_ins.get_or_insert_with(Vec::new).extend(v))
            }
            ("reports", None, "appcredentialsigninactivities") => {
                take!(AppCredentialSignInActivity, "credential sign-in activit(ies)", |s: &mut Self, v: Vec<AppCredentialSignInActivity>| s.data.credential_sign_ins.get_or_insert_with(Vec::new).extend(v))
            }
            ("organization", None, "") => {
                take!(Organization, "organization(s)", |s: &mut Self, v: Vec<Organization>| {
                    if let Some(id) = v.into_iter().find_map(|o| o.id) {
                        s.data.tenant_id = Some(id.to_ascii_lowercase());
                    }
                })
            }
            _ => self.fail(
                origin,
                format!(
                    "a Microsoft Graph response for {fragment:?}, which nhi does not read; the Graph exports nhi reads are listed in docs/azure-export.sh"
                ),
            ),
        }
    }

    /// Normalize everything added, with one report for the tenant saying what was missing.
    pub fn finish(mut self) -> Inventory {
        let known: std::collections::HashSet<String> = self
            .data
            .applications
            .iter()
            .filter_map(|a| a.id.as_ref().map(|i| i.to_ascii_lowercase()))
            .collect();
        let extra: Vec<Application> = std::mem::take(&mut self.owner_listing_apps)
            .into_iter()
            .filter(|a| {
                a.id.as_ref()
                    .is_some_and(|i| !known.contains(&i.to_ascii_lowercase()))
            })
            .map(|mut a| {
                a.owners = None;
                a
            })
            .collect();
        // Applications seen only in the owners export are still applications (their
        // credentials unknown): only when the full listing was not given.
        if !self.data.applications_read {
            self.data.applications.extend(extra);
        }
        let mut inventory = Inventory::default();
        let has_data = !(self.data.service_principals.is_empty()
            && self.data.applications.is_empty()
            && self.data.agent_identities.is_empty()
            && self.data.agent_blueprints.is_empty()
            && self.data.agent_users.is_empty());
        if has_data {
            let identities = crate::normalize::identities(&self.data);
            let tenant = crate::normalize::tenant_of(&self.data);
            let missing = crate::missing(&self.data, false);
            let summary = format!(
                "tenant {tenant} from exported files: {} identities",
                identities.len()
            );
            let message = if missing.is_empty() {
                summary
            } else {
                format!("{summary}; {}", missing.join("; "))
            };
            inventory.sources.push(
                SourceReport::ok(CONNECTOR, &tenant, "exported files")
                    .identities(identities.len())
                    .message(message),
            );
            for s in &mut self.sources {
                if s.scope.is_empty() && s.status != nhi_api::SourceStatus::Failed {
                    s.scope = tenant.clone();
                }
            }
            inventory.identities = identities;
        } else if !self.data.rbac.is_empty() || self.data.tenant_id.is_some() {
            inventory.sources.push(SourceReport::partial(
                CONNECTOR,
                self.data.tenant_id.clone().unwrap_or_default(),
                "exported files",
                format!("Azure exports were given but no service principal or application listing: nothing to judge the role assignments against; {EXPORT_HINT}"),
            ));
        }
        inventory.sources.append(&mut self.sources);
        inventory.sort();
        inventory
    }
}

impl Importer for AzureImport {
    fn accepts(&self) -> &'static str {
        "Azure / Entra ID exports (az ad sp list --all, az ad app list --all, az role assignment list --all, az rest for Microsoft Graph; docs/azure-export.sh makes them all)"
    }

    fn claims(&self, file: &Sniffed<'_>) -> bool {
        recognize(file).is_some()
    }

    fn add(&mut self, origin: &str, bytes: &[u8], file: &Sniffed<'_>) {
        match recognize(file) {
            Some(kind) => self.add_file(origin, bytes, &kind),
            None => self.fail(origin, format!("not an Azure export; {EXPORT_HINT}")),
        }
    }

    fn is_used(&self) -> bool {
        self.used
    }

    fn finish(self: Box<Self>) -> Inventory {
        AzureImport::finish(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_name_the_parent() {
        assert_eq!(
            split_context("servicePrincipals('abc')/appRoleAssignedTo"),
            (
                "servicePrincipals".into(),
                Some("abc".into()),
                "appRoleAssignedTo".into()
            )
        );
        assert_eq!(
            split_context("applications(id,appId,displayName,owners(id,displayName))"),
            ("applications".into(), None, "".into())
        );
        assert_eq!(
            split_context("roleManagement/directory/roleAssignments"),
            (
                "roleManagement".into(),
                None,
                "directory/roleAssignments".into()
            )
        );
        assert_eq!(
            split_context("servicePrincipals/microsoft.graph.agentIdentity"),
            (
                "servicePrincipals".into(),
                None,
                "microsoft.graph.agentIdentity".into()
            )
        );
    }
}
