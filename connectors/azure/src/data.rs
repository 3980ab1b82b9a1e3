//! Everything read about one tenant, from files or the API, before normalization. The importer
//! and the live connector fill the same struct, so both give the same identities.

use crate::types::*;
use std::collections::{BTreeMap, BTreeSet};

/// An Azure RBAC role assignment, in one form whichever way it was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct RbacAssignment {
    /// The assignment's resource id (its natural key: inherited assignments repeat in every
    /// subscription's listing).
    pub id: String,
    pub principal_id: String,
    /// The definition's GUID (lowercase), from its resource id.
    pub role_definition_id: String,
    pub role_name: Option<String>,
    pub scope: String,
}

impl RbacAssignment {
    /// The one form of either wire form; `None` when it names no principal or role.
    pub fn from_wire(w: &RbacAssignmentWire) -> Option<RbacAssignment> {
        let p = w.properties.as_ref().unwrap_or(&w.flat);
        let principal_id = p.principal_id.clone().filter(|s| !s.is_empty())?;
        let definition = p.role_definition_id.clone().filter(|s| !s.is_empty())?;
        let guid = definition
            .rsplit('/')
            .next()
            .unwrap_or(&definition)
            .to_ascii_lowercase();
        let scope = p.scope.clone().unwrap_or_default();
        Some(RbacAssignment {
            id: w
                .id
                .clone()
                .unwrap_or_else(|| format!("{scope}|{principal_id}|{guid}")),
            principal_id,
            role_definition_id: guid,
            role_name: p
                .role_definition_name
                .clone()
                .or(w.flat.role_definition_name.clone()),
            scope,
        })
    }
}

#[derive(Debug, Default)]
pub struct TenantData {
    /// The tenant id, when known (given, from `/organization`, or inferred from the tenant's
    /// own applications' service principals).
    pub tenant_id: Option<String>,
    /// Where it was read from, for the identities' `origin`.
    pub origin: String,
    pub service_principals: Vec<ServicePrincipal>,
    pub applications: Vec<Application>,
    /// Whether application listings were read at all (else application facts are unknown).
    pub applications_read: bool,
    /// Application object id → owners; `None` when owners were not read.
    pub app_owners: Option<BTreeMap<String, Vec<DirectoryObject>>>,
    /// Application permissions granted, from the resources' `appRoleAssignedTo`.
    pub app_role_assignments: Vec<AppRoleAssignment>,
    /// Delegated grants; `None` when not read.
    pub delegated_grants: Option<Vec<OAuth2PermissionGrant>>,
    /// Directory role assignments; `None` when not read.
    pub directory_roles: Option<Vec<DirectoryRoleAssignment>>,
    /// Directory role definition id → name.
    pub role_definitions: BTreeMap<String, String>,
    /// Application object id → federated identity credentials (every application listed had
    /// its credentials read when `fics_read` holds it).
    pub fics: BTreeMap<String, Vec<FederatedIdentityCredential>>,
    pub fics_read: BTreeSet<String>,
    /// Sign-in activity; `None` when not read (refused, not exported).
    pub sign_ins: Option<Vec<ServicePrincipalSignInActivity>>,
    /// Per-credential sign-in activity; `None` when not read.
    pub credential_sign_ins: Option<Vec<AppCredentialSignInActivity>>,
    /// Azure RBAC assignments, de-duplicated by id.
    pub rbac: BTreeMap<String, RbacAssignment>,
    /// Role definition GUID → name (Azure RBAC).
    pub rbac_role_names: BTreeMap<String, String>,
    pub agent_identities: Vec<ServicePrincipal>,
    pub agent_blueprints: Vec<Application>,
    pub agent_users: Vec<AgentUser>,
}

impl TenantData {
    pub fn add_rbac(&mut self, assignments: impl IntoIterator<Item = RbacAssignment>) {
        for a in assignments {
            self.rbac.entry(a.id.to_ascii_lowercase()).or_insert(a);
        }
    }
}
