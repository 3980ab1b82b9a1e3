//! GitHub's REST payloads, with only the fields nhi reads. Optional wherever GitHub (or an older
//! GitHub Enterprise Server) may leave a field out, so one odd item does not fail a listing.
//!
//! Dates are parsed leniently ([`lenient_time`]): a value that is not RFC 3339 becomes `None`
//! rather than failing the item, and the normalizer treats `None` as unknown.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// An RFC 3339 time, or `None` when absent, null or unreadable.
pub fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(match present_time(d)? {
        Presence::At(t) => Some(t),
        Presence::Null | Presence::Absent => None,
    })
}

/// Permission name → access level (`read`, `write`, `admin`). Values that are not strings are
/// dropped, not fatal.
pub fn lenient_permissions<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(flatten_permissions(v.as_ref(), ""))
}

/// `{"organization": {"members": "read"}, "repository": {...}}` → `organization.members: read`;
/// flat maps stay as they are.
fn flatten_permissions(v: Option<&serde_json::Value>, prefix: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(serde_json::Value::Object(map)) = v {
        for (k, v) in map {
            let name = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                serde_json::Value::String(s) => {
                    out.insert(name, s.clone());
                }
                serde_json::Value::Object(_) => out.extend(flatten_permissions(Some(v), &name)),
                _ => {}
            }
        }
    }
    out
}

#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub login: String,
    /// The account's numeric id (immutable: OIDC subjects may carry it).
    #[serde(default)]
    pub id: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Org {
    pub login: String,
    #[serde(default)]
    pub two_factor_requirement_enabled: Option<bool>,
}

/// `GET /orgs/{org}/installations` → `installations[]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Installation {
    pub id: i64,
    #[serde(default)]
    pub app_id: Option<i64>,
    #[serde(default)]
    pub app_slug: Option<String>,
    #[serde(default, deserialize_with = "lenient_permissions")]
    pub permissions: BTreeMap<String, String>,
    #[serde(default)]
    pub repository_selection: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub suspended_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub suspended_by: Option<Account>,
}

/// `GET /orgs/{org}/repos`.
#[derive(Debug, Clone, Deserialize)]
pub struct Repo {
    pub name: String,
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub owner: Option<Account>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
}

/// `GET /repos/{o}/{r}/keys`.
#[derive(Debug, Clone, Deserialize)]
pub struct DeployKey {
    pub id: i64,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub read_only: Option<bool>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    /// `null` means never used; absent (older servers) means unknown.
    #[serde(default, deserialize_with = "present_time")]
    pub last_used: Presence,
    #[serde(default)]
    pub added_by: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `GET /orgs/{org}/personal-access-tokens` and `.../personal-access-token-requests`.
#[derive(Debug, Clone, Deserialize)]
pub struct FineGrainedPat {
    pub id: i64,
    #[serde(default)]
    pub owner: Option<Account>,
    #[serde(default)]
    pub token_id: Option<i64>,
    #[serde(default)]
    pub token_name: Option<String>,
    #[serde(default)]
    pub repository_selection: Option<String>,
    #[serde(default, deserialize_with = "lenient_permissions")]
    pub permissions: BTreeMap<String, String>,
    /// Grants only.
    #[serde(default, deserialize_with = "lenient_time")]
    pub access_granted_at: Option<DateTime<Utc>>,
    /// Requests only.
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub token_expired: Option<bool>,
    /// `null` means the token never expires, which differs from the field being absent.
    #[serde(default, deserialize_with = "present_time")]
    pub token_expires_at: Presence,
    /// `null` means never used.
    #[serde(default, deserialize_with = "present_time")]
    pub token_last_used_at: Presence,
}

/// A field that may be absent (unknown), present as null, or present with a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Presence {
    #[default]
    Absent,
    Null,
    At(DateTime<Utc>),
}

/// Called only when the field is present; absent fields take the default.
fn present_time<'de, D: Deserializer<'de>>(d: D) -> Result<Presence, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => Presence::Null,
        Some(serde_json::Value::String(s)) => DateTime::parse_from_rfc3339(&s)
            .map(|t| Presence::At(t.with_timezone(&Utc)))
            .unwrap_or(Presence::Absent),
        Some(_) => Presence::Absent,
    })
}

/// `GET /orgs/{org}/credential-authorizations` (SAML single sign-on orgs).
#[derive(Debug, Clone, Deserialize)]
pub struct CredentialAuthorization {
    pub login: String,
    pub credential_id: i64,
    #[serde(default)]
    pub credential_type: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub credential_authorized_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "present_time")]
    pub credential_accessed_at: Presence,
    #[serde(default, deserialize_with = "present_time")]
    pub authorized_credential_expires_at: Presence,
    #[serde(default)]
    pub authorized_credential_title: Option<String>,
    #[serde(default)]
    pub authorized_credential_note: Option<String>,
}

/// An Actions secret (organization, repository or environment).
#[derive(Debug, Clone, Deserialize)]
pub struct ActionsSecret {
    pub name: String,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Organization secrets: `all`, `private` or `selected`.
    #[serde(default)]
    pub visibility: Option<String>,
}

/// `GET /repos/{o}/{r}/environments` → `environments[]`: a deployment environment and what
/// guards it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    #[serde(default)]
    pub protection_rules: Vec<ProtectionRule>,
    #[serde(default)]
    pub deployment_branch_policy: Option<DeploymentBranchPolicy>,
}

/// `required_reviewers`, `wait_timer`, `branch_policy`, or a custom app's rule.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct ProtectionRule {
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Required reviewers: whether the one who triggered the deployment may approve it.
    #[serde(default)]
    pub prevent_self_review: Option<bool>,
    #[serde(default)]
    pub reviewers: Vec<serde_json::Value>,
}

/// Which branches may deploy to an environment (`null`: any).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct DeploymentBranchPolicy {
    #[serde(default)]
    pub protected_branches: bool,
    #[serde(default)]
    pub custom_branch_policies: bool,
}

/// `GET /orgs/{org}/actions/permissions/workflow`.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkflowPermissions {
    #[serde(default)]
    pub default_workflow_permissions: Option<String>,
    #[serde(default)]
    pub can_approve_pull_request_reviews: Option<bool>,
}

/// `GET /orgs/{org}/actions/oidc/customization/sub` and
/// `GET /repos/{owner}/{repo}/actions/oidc/customization/sub`: the claims the Actions OIDC
/// token's `sub` is made of (by default `repo:ORG/REPO:...`). A repository says `use_default`:
/// `true` is GitHub's default, `false` with keys its own template, `false` without keys the
/// organization's.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OidcSubject {
    #[serde(default)]
    pub use_default: Option<bool>,
    #[serde(default)]
    pub include_claim_keys: Vec<String>,
}

/// `GET /orgs/{org}/members`, `/outside_collaborators`.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub login: String,
}

/// The GraphQL answer to the repository query (`fetch`): repositories 100 at a time, each with
/// its deploy-key count and environments.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlData {
    pub organization: Option<GqlOrg>,
}
#[derive(Deserialize)]
pub struct GqlOrg {
    pub repositories: GqlRepos,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlRepos {
    pub page_info: GqlPageInfo,
    #[serde(default)]
    pub nodes: Vec<Option<GqlRepo>>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlPageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlRepo {
    pub name: String,
    #[serde(default)]
    pub database_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub is_archived: Option<bool>,
    pub owner: GqlOwner,
    pub deploy_keys: Option<GqlCount>,
    pub environments: Option<GqlCount>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlOwner {
    pub login: String,
    #[serde(default)]
    pub database_id: Option<u64>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlCount {
    pub total_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_null_is_never_and_absent_is_unknown() {
        let p: FineGrainedPat =
            serde_json::from_str(r#"{"id":1,"token_expires_at":null}"#).expect("pat");
        assert_eq!(p.token_expires_at, Presence::Null);
        assert_eq!(p.token_last_used_at, Presence::Absent);
        let p: FineGrainedPat = serde_json::from_str(
            r#"{"id":1,"token_expires_at":"2030-01-01T00:00:00-07:00","token_last_used_at":"lorem"}"#,
        )
        .expect("pat");
        assert!(matches!(p.token_expires_at, Presence::At(_)));
        assert_eq!(p.token_last_used_at, Presence::Absent);
    }

    #[test]
    fn nested_permissions_are_flattened() {
        let p: FineGrainedPat = serde_json::from_str(
            r#"{"id":1,"permissions":{"organization":{"members":"read"},"repository":{"contents":"write","x":3}}}"#,
        )
        .expect("pat");
        assert_eq!(
            p.permissions.get("repository.contents").map(String::as_str),
            Some("write")
        );
        assert_eq!(p.permissions.len(), 2);
    }
}
