//! GitLab's REST (v4) payloads, with only the fields nhi reads. Each type names the page of
//! GitLab's REST documentation (docs.gitlab.com/api/...) its fields come from. Optional wherever
//! GitLab (or an older self-managed version) may leave a field out, so one odd item does not
//! fail a listing.
//!
//! Dates are lenient ([`Presence`]): RFC 3339 times and the plain dates GitLab gives for
//! `expires_at` (`2026-01-31`, the end of that day's validity taken as its midnight UTC) are
//! read; anything else is unknown, not an error. Secret values (a variable's `value`, a trigger's
//! `token`, a project's `runners_token`) are never kept: their types read only what nhi needs to
//! judge (presence, shape) and drop the text.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

/// A time field: absent, `null`, or a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Presence {
    #[default]
    Absent,
    Null,
    At(DateTime<Utc>),
}

impl Presence {
    pub fn at(self) -> Option<DateTime<Utc>> {
        match self {
            Presence::At(t) => Some(t),
            _ => None,
        }
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// Called only when the field is present; absent fields take the default.
pub fn presence<'de, D: Deserializer<'de>>(d: D) -> Result<Presence, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => Presence::Null,
        Some(serde_json::Value::String(s)) => parse_time(&s).map_or(Presence::Absent, Presence::At),
        Some(_) => Presence::Absent,
    })
}

/// A time, or `None` when absent, null or unreadable.
pub fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(presence(d)?.at())
}

/// Whether a secret field carried a non-empty value; the value itself is dropped here.
fn has_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(Some(
        matches!(v, Some(serde_json::Value::String(s)) if !s.is_empty()),
    ))
}

/// The shape of a variable's value, judged as it is read; the value is dropped here.
fn value_shape<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::String(s)) => Some(looks_like_credential(&s)),
        _ => None,
    })
}

/// Whether a value has the shape of a well-known credential: an AWS access key id, a GitLab,
/// GitHub, Slack, OpenAI or Anthropic token prefix, or a PEM private key.
pub fn looks_like_credential(value: &str) -> bool {
    let v = value.trim();
    const PREFIXES: &[&str] = &[
        "glpat-",
        "gldt-",
        "glptt-",
        "glrt-",
        "GR1348941",
        "ghp_",
        "gho_",
        "ghs_",
        "github_pat_",
        "xoxb-",
        "xoxp-",
        "sk-ant-",
        "sk-proj-",
        "npm_",
    ];
    let aws_key_id = v.len() == 20
        && (v.starts_with("AKIA") || v.starts_with("ASIA"))
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    aws_key_id
        || PREFIXES.iter().any(|p| v.starts_with(p))
        || v.contains("-----BEGIN") && v.contains("PRIVATE KEY")
}

/// A user as GitLab embeds it (`owner` of a trigger, a member, `GET /user`). Users API:
/// `id`, `username`, `state` (`active`, `blocked`, `deactivated`, ...), `bot`.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: u64,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub bot: Option<bool>,
    /// Admin listings of users: the user is a service account (`user_type` is not in every
    /// version; service accounts' usernames start with `service_account_`).
    #[serde(default)]
    pub user_type: Option<String>,
}

/// A member (`GET /groups/:id/members/all`, `GET /projects/:id/members/all`; Group and project
/// members API): a user with an `access_level`.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub id: u64,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub access_level: Option<u32>,
}

/// `GET /groups/:id` and `GET /groups/:id/descendant_groups` (Groups API).
#[derive(Debug, Clone, Deserialize)]
pub struct Group {
    pub id: u64,
    pub full_path: String,
    /// Present (to Owners) while the group's runner registration token is enabled.
    #[serde(default, deserialize_with = "has_secret")]
    pub runners_token: Option<bool>,
}

/// `GET /groups/:id/projects?include_subgroups=true` and `GET /projects/:id` (Projects API).
#[derive(Debug, Clone, Deserialize)]
pub struct Project {
    pub id: u64,
    pub path_with_namespace: String,
    #[serde(default)]
    pub namespace: Option<Namespace>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    /// Present (to Maintainers) while the project's runner registration token is enabled.
    #[serde(default, deserialize_with = "has_secret")]
    pub runners_token: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Namespace {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub full_path: Option<String>,
}

/// `GET /projects/:id/access_tokens`, `GET /groups/:id/access_tokens` (Project and Group
/// access tokens API) and `GET /personal_access_tokens` (Personal access tokens API).
#[derive(Debug, Clone, Deserialize)]
pub struct AccessToken {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub user_id: Option<u64>,
    #[serde(default)]
    pub access_level: Option<u32>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub revoked: Option<bool>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    /// `null`: never used.
    #[serde(default, deserialize_with = "presence")]
    pub last_used_at: Presence,
    /// `null`: never expires.
    #[serde(default, deserialize_with = "presence")]
    pub expires_at: Presence,
}

/// `GET /projects/:id/deploy_tokens`, `GET /groups/:id/deploy_tokens`, `GET /deploy_tokens`
/// (Deploy tokens API).
#[derive(Debug, Clone, Deserialize)]
pub struct DeployToken {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub revoked: Option<bool>,
    #[serde(default)]
    pub expired: Option<bool>,
    #[serde(default, deserialize_with = "presence")]
    pub expires_at: Presence,
}

/// `GET /projects/:id/deploy_keys` and `GET /deploy_keys` (Deploy keys API).
#[derive(Debug, Clone, Deserialize)]
pub struct DeployKey {
    pub id: u64,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub fingerprint_sha256: Option<String>,
    #[serde(default)]
    pub can_push: Option<bool>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "presence")]
    pub expires_at: Presence,
    /// Instance listing: the projects the key can push to.
    #[serde(default)]
    pub projects_with_write_access: Vec<ProjectRef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectRef {
    #[serde(default)]
    pub path_with_namespace: Option<String>,
}

/// `GET /projects/:id/triggers` (Pipeline trigger tokens API). The `token` field is read only
/// to drop it.
#[derive(Debug, Clone, Deserialize)]
pub struct Trigger {
    pub id: u64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "presence")]
    pub last_used: Presence,
    #[serde(default, deserialize_with = "presence")]
    pub expires_at: Presence,
    #[serde(default)]
    pub owner: Option<User>,
}

/// `GET /projects/:id/variables`, `GET /groups/:id/variables`, `GET /admin/ci/variables`
/// (Project-level, Group-level and Instance-level CI/CD variables APIs). The `value` is judged
/// by shape as it is read and then dropped: it never reaches the model.
#[derive(Debug, Clone, Deserialize)]
pub struct Variable {
    pub key: String,
    #[serde(default)]
    pub variable_type: Option<String>,
    #[serde(default)]
    pub protected: Option<bool>,
    #[serde(default)]
    pub masked: Option<bool>,
    #[serde(default)]
    pub hidden: Option<bool>,
    #[serde(default)]
    pub raw: Option<bool>,
    #[serde(default)]
    pub environment_scope: Option<String>,
    #[serde(default, rename = "value", deserialize_with = "value_shape")]
    pub value_looks_like_credential: Option<bool>,
}

/// `GET /groups/:id/runners`, `GET /runners/all` and `GET /runners/:id` (Runners API).
#[derive(Debug, Clone, Deserialize)]
pub struct Runner {
    pub id: u64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub runner_type: Option<String>,
    #[serde(default)]
    pub paused: Option<bool>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "presence")]
    pub contacted_at: Presence,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "presence")]
    pub token_expires_at: Presence,
}

/// `GET /groups/:id/service_accounts` and `GET /service_accounts` (Service accounts API;
/// Premium and Ultimate).
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceAccount {
    pub id: u64,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /projects/:id/protected_branches` (Protected branches API).
#[derive(Debug, Clone, Deserialize)]
pub struct ProtectedBranch {
    pub name: String,
    #[serde(default)]
    pub push_access_levels: Vec<AccessLevel>,
    #[serde(default)]
    pub merge_access_levels: Vec<AccessLevel>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccessLevel {
    #[serde(default)]
    pub access_level: Option<u32>,
    #[serde(default)]
    pub access_level_description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_judged_and_dropped() {
        let v: Variable = serde_json::from_str(
            r#"{"key":"AWS_ACCESS_KEY_ID","value":"AKIAIOSFODNN7EXAMPLE","masked":false}"#,
        )
        .expect("variable");
        assert_eq!(v.value_looks_like_credential, Some(true));
        assert!(!format!("{v:?}").contains("AKIA"));
        let v: Variable =
            serde_json::from_str(r#"{"key":"REGION","value":"eu-west-1"}"#).expect("variable");
        assert_eq!(v.value_looks_like_credential, Some(false));
        let v: Variable = serde_json::from_str(r#"{"key":"HIDDEN","value":null}"#).expect("v");
        assert_eq!(v.value_looks_like_credential, None);
    }

    #[test]
    fn dates_and_plain_dates_are_read() {
        let t: AccessToken = serde_json::from_str(
            r#"{"id":1,"expires_at":"2026-01-31","last_used_at":null,"created_at":"bad"}"#,
        )
        .expect("token");
        assert_eq!(
            t.expires_at.at().map(|t| t.to_rfc3339()),
            Some("2026-01-31T00:00:00+00:00".into())
        );
        assert_eq!(t.last_used_at, Presence::Null);
        assert_eq!(t.created_at, None);
        let p: Project = serde_json::from_str(
            r#"{"id":1,"path_with_namespace":"a/b","runners_token":"GR1348941secret"}"#,
        )
        .expect("project");
        assert_eq!(p.runners_token, Some(true));
        assert!(!format!("{p:?}").contains("GR1348941"));
    }
}
