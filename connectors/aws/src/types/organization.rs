//! An AWS Organization's structure and control policies, as `docs/aws-organization-export.sh`
//! writes them from the `aws organizations` commands, and as the live scan reads them: the same
//! shape either way, so both go through one normalization.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The organization export.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrganizationExport {
    /// `aws organizations describe-organization --query Organization`.
    pub organization: OrgInfo,
    /// `aws organizations list-roots --query Roots`.
    #[serde(default)]
    pub roots: Vec<RootInfo>,
    /// `aws organizations list-accounts --query Accounts`.
    #[serde(default)]
    pub accounts: Vec<AccountInfo>,
    /// Child (account or OU) id → its parent's id, from `aws organizations list-parents`.
    #[serde(default)]
    pub parents: BTreeMap<String, String>,
    /// Every service and resource control policy: `describe-policy --query Policy` with
    /// `Targets` from `list-targets-for-policy`.
    #[serde(default)]
    pub policies: Vec<ControlPolicy>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgInfo {
    pub id: String,
    #[serde(default)]
    pub master_account_id: Option<String>,
    #[serde(default)]
    pub available_policy_types: Vec<PolicyTypeStatus>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootInfo {
    pub id: String,
    #[serde(default)]
    pub policy_types: Vec<PolicyTypeStatus>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyTypeStatus {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountInfo {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ControlPolicy {
    pub policy_summary: PolicySummary,
    /// The policy document, as a JSON string.
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub targets: Vec<PolicyTarget>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicySummary {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "Type", default)]
    pub kind: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyTarget {
    pub target_id: String,
}

pub const SCP: &str = "SERVICE_CONTROL_POLICY";
pub const RCP: &str = "RESOURCE_CONTROL_POLICY";

impl OrganizationExport {
    /// Whether a policy type is enabled: on a root (as list-roots says), else as the
    /// organization lists it.
    pub fn enabled(&self, kind: &str) -> bool {
        let on = |types: &[PolicyTypeStatus]| {
            types
                .iter()
                .any(|t| t.kind == kind && t.status.as_deref().unwrap_or("ENABLED") == "ENABLED")
        };
        self.roots.iter().any(|r| on(&r.policy_types))
            || on(&self.organization.available_policy_types)
    }

    /// The chain of targets above and including `account`, from the root down.
    pub fn chain(&self, account: &str) -> Vec<String> {
        let mut chain = vec![account.to_string()];
        let mut at = account.to_string();
        // Organizations nest at most five OUs deep; a loop in bad data stops here.
        for _ in 0..16 {
            let Some(parent) = self.parents.get(&at) else {
                break;
            };
            chain.push(parent.clone());
            at = parent.clone();
        }
        chain.reverse();
        chain
    }
}
