//! Google Cloud facts that are not non-human identities but that privilege analysis reads: the
//! IAM policies of the resource hierarchy (who holds which role where), the projects and their
//! ancestors, and custom role definitions. Roles are expanded to permissions, and "who can
//! become this service account" is answered, in the `nhi` crate, from these facts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything Google Cloud-specific an inventory carries besides identities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpEstate {
    /// Projects with their number, ancestors and labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<GcpProject>,
    /// IAM allow policies, one per resource (organization, folder, project or a single
    /// resource such as a service account).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<GcpPolicy>,
    /// Custom roles (`projects/P/roles/R`, `organizations/O/roles/R`) with their permissions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<GcpRole>,
    /// Workload identity pool providers by full name, so that a binding to a pool can be
    /// judged by what the pool's providers admit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pool_providers: Vec<GcpPoolProvider>,
    /// Whether the bindings were read from a scope that includes the organization and folders
    /// (an organization-wide search). With a project scope, inherited bindings are not seen.
    #[serde(default)]
    pub hierarchy_complete: bool,
    /// Groups whose members are known (Cloud Identity memberships, an optional export): a
    /// grant to `group:EMAIL` counts for them. Groups not listed have unknown members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GcpGroup>,
}

/// A Google group and its direct members, as Cloud Identity lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpGroup {
    /// The group's e-mail, lower-cased.
    pub email: String,
    /// Each member's `preferredMemberKey.id` (an e-mail: a user, a service account or another
    /// group), lower-cased and sorted.
    pub members: Vec<String>,
}

impl GcpEstate {
    pub fn is_empty(&self) -> bool {
        self.projects.is_empty()
            && self.policies.is_empty()
            && self.roles.is_empty()
            && self.pool_providers.is_empty()
            && self.groups.is_empty()
    }

    pub fn merge(&mut self, other: GcpEstate) {
        self.projects.extend(other.projects);
        self.policies.extend(other.policies);
        self.roles.extend(other.roles);
        self.pool_providers.extend(other.pool_providers);
        self.groups.extend(other.groups);
        self.hierarchy_complete |= other.hierarchy_complete;
    }

    /// A canonical order (and one entry per key), so output does not depend on input order.
    pub fn sort(&mut self) {
        self.projects.sort_by(|a, b| a.id.cmp(&b.id));
        self.projects.dedup_by(|a, b| a.id == b.id);
        self.policies.sort_by(|a, b| a.resource.cmp(&b.resource));
        self.policies.dedup_by(|a, b| a.resource == b.resource);
        self.roles.sort_by(|a, b| a.name.cmp(&b.name));
        self.roles.dedup_by(|a, b| a.name == b.name);
        self.pool_providers.sort_by(|a, b| a.name.cmp(&b.name));
        self.pool_providers.dedup_by(|a, b| a.name == b.name);
        // A group exported in several files (pages) is one group with all their members.
        self.groups.sort_by(|a, b| a.email.cmp(&b.email));
        let mut groups: Vec<GcpGroup> = Vec::with_capacity(self.groups.len());
        for g in self.groups.drain(..) {
            match groups.last_mut() {
                Some(last) if last.email == g.email => last.members.extend(g.members),
                _ => groups.push(g),
            }
        }
        for g in &mut groups {
            g.members.sort();
            g.members.dedup();
        }
        self.groups = groups;
    }
}

/// A project, where the source says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpProject {
    /// Project id (`acme-prod`).
    pub id: String,
    /// Project number (`123456789012`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Ancestors, nearest first: `folders/1`, `folders/2`, `organizations/3`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<String>,
    /// Labels, when the source gives them (`owner`, `team`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// The allow policy of one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpPolicy {
    /// Full resource name: `//cloudresourcemanager.googleapis.com/projects/acme-prod`,
    /// `//iam.googleapis.com/projects/acme-prod/serviceAccounts/ci@...`.
    pub resource: String,
    /// `cloudresourcemanager.googleapis.com/Project`, `iam.googleapis.com/ServiceAccount`, ...
    #[serde(default)]
    pub asset_type: String,
    /// `projects/NUMBER` of the project the resource is in (none for folders and organizations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The resource's ancestors above its project: `folders/1`, ..., `organizations/3`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<String>,
    pub bindings: Vec<GcpBinding>,
}

/// One role granted to members, perhaps under an IAM Condition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpBinding {
    pub role: String,
    pub members: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<GcpCondition>,
}

/// An IAM Condition, quoted as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub expression: String,
}

/// A custom role and what it grants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpRole {
    /// `projects/P/roles/R` or `organizations/O/roles/R`.
    pub name: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// A workload identity pool provider, as privilege analysis needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpPoolProvider {
    /// `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`.
    pub name: String,
    /// The OIDC issuer, for OIDC providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The AWS account, for AWS providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_condition: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attribute_mapping: BTreeMap<String, String>,
    #[serde(default)]
    pub disabled: bool,
}

impl GcpPoolProvider {
    /// The pool it belongs to: the name up to `/providers/`.
    pub fn pool(&self) -> &str {
        self.name
            .split_once("/providers/")
            .map(|(p, _)| p)
            .unwrap_or(&self.name)
    }
}

/// Facts about a Google Cloud service account that its rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpServiceAccount {
    pub project_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_number: Option<String>,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
    #[serde(default)]
    pub disabled: bool,
    /// A Google-created account: `compute` (the Compute Engine default), `app_engine` (the App
    /// Engine default) or `service_agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The Policy Analyzer observation period its last authentication was judged against,
    /// when the project's activity was read: never used means not within it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// Facts about a workload identity pool provider that its rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpWorkloadIdentityProvider {
    pub project: String,
    pub pool: String,
    /// `oidc`, `aws`, `saml` or `x509`.
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_condition: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attribute_mapping: BTreeMap<String, String>,
    #[serde(default)]
    pub disabled: bool,
}

/// What a service account's e-mail says about who made it.
pub fn default_account_kind(email: &str) -> Option<&'static str> {
    let (local, domain) = email.split_once('@')?;
    if domain == "developer.gserviceaccount.com" && local.ends_with("-compute") {
        Some("compute")
    } else if domain.ends_with("appspot.gserviceaccount.com") {
        Some("app_engine")
    } else if domain.starts_with("gcp-sa-")
        || domain == "cloudservices.gserviceaccount.com"
        || domain == "cloudbuild.gserviceaccount.com"
        || (domain.ends_with(".gserviceaccount.com")
            && !domain.ends_with(".iam.gserviceaccount.com")
            && domain != "developer.gserviceaccount.com")
    {
        Some("service_agent")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_accounts() {
        assert_eq!(
            default_account_kind("123-compute@developer.gserviceaccount.com"),
            Some("compute")
        );
        assert_eq!(
            default_account_kind("acme@appspot.gserviceaccount.com"),
            Some("app_engine")
        );
        assert_eq!(
            default_account_kind("service-123@gcp-sa-pubsub.iam.gserviceaccount.com"),
            Some("service_agent")
        );
        assert_eq!(
            default_account_kind("123@cloudservices.gserviceaccount.com"),
            Some("service_agent")
        );
        assert_eq!(
            default_account_kind("ci@acme.iam.gserviceaccount.com"),
            None
        );
        assert_eq!(default_account_kind("nope"), None);
    }
}
