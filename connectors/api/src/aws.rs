//! AWS facts that are not non-human identities but that privilege analysis reads: the groups a
//! principal may join, the people an attacker may take over, the stored versions of managed
//! policies, and the organization's guardrails (service and resource control policies).

use crate::{Identity, Permission, PolicyRef};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything AWS-specific an inventory carries besides identities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AwsEstate {
    /// IAM groups, with their policies: joining one (iam:AddUserToGroup) grants them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<AwsGroup>,
    /// IAM users left out of the identities because people use them (console password, no
    /// active key). Not judged, but a principal that can take one over gains its permissions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Identity>,
    /// Customer-managed policy ARN → its stored versions that are not the default: a principal
    /// with iam:SetDefaultPolicyVersion can switch to one of them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policy_versions: BTreeMap<String, Vec<PolicyVersion>>,
    /// Organizations and the guardrails each of their accounts is under.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organizations: Vec<AwsOrganization>,
}

impl AwsEstate {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
            && self.people.is_empty()
            && self.policy_versions.is_empty()
            && self.organizations.is_empty()
    }

    pub fn merge(&mut self, other: AwsEstate) {
        self.groups.extend(other.groups);
        self.people.extend(other.people);
        for (arn, versions) in other.policy_versions {
            self.policy_versions.entry(arn).or_insert(versions);
        }
        self.organizations.extend(other.organizations);
    }

    /// A canonical order, so output does not depend on input order.
    pub fn sort(&mut self) {
        self.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.groups.dedup_by(|a, b| a.arn == b.arn);
        self.people.sort_by(|a, b| a.id.cmp(&b.id));
        self.people.dedup_by(|a, b| a.id == b.id);
        self.organizations.sort_by(|a, b| a.id.cmp(&b.id));
    }
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AwsGroup {
    pub arn: String,
    pub name: String,
    /// The account id.
    pub account: String,
    /// Its inline and attached policies (source `inline` / `managed`).
    pub permissions: Vec<Permission>,
}

/// A stored, non-default version of a customer-managed policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyVersion {
    pub version_id: String,
    /// The document, when it could be read.
    pub policy: Option<PolicyRef>,
}

/// An AWS Organization: for each member account, the service control policies (SCPs) and
/// resource control policies (RCPs) that apply, level by level from the root down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AwsOrganization {
    pub id: String,
    /// The management account: guardrails do not apply to it.
    #[serde(default)]
    pub management_account: Option<String>,
    /// Where the structure was read from.
    pub origin: String,
    /// Account id → its guardrails.
    pub accounts: BTreeMap<String, Guardrails>,
}

/// The control policies over one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Guardrails {
    /// Root, organizational units, the account: each level must allow an action.
    #[serde(default)]
    pub scp: Vec<GuardrailLevel>,
    #[serde(default)]
    pub rcp: Vec<GuardrailLevel>,
}

/// The control policies attached at one level (the root, an OU, the account).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GuardrailLevel {
    /// `r-...`, `ou-...` or the account id.
    pub target: String,
    pub policies: Vec<NamedPolicy>,
}

/// A control policy, by name, id and document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NamedPolicy {
    pub id: String,
    pub name: String,
    /// The document, when it could be read.
    pub policy: Option<PolicyRef>,
}
