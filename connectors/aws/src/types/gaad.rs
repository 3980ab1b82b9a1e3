//! The `GetAccountAuthorizationDetails` response, as the `aws` CLI writes it (policy documents as
//! objects) and as the API returns it (policy documents as URL-encoded strings).
//!
//! Every field is optional and unknown fields are ignored: AWS adds fields, and exports made with
//! `--filter` leave lists out.

use chrono::{DateTime, Utc};
use nhi_api::policy::PolicyDocument;
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Gaad {
    pub user_detail_list: Option<Vec<UserDetail>>,
    pub group_detail_list: Option<Vec<GroupDetail>>,
    pub role_detail_list: Option<Vec<RoleDetail>>,
    pub policies: Option<Vec<ManagedPolicyDetail>>,
    #[serde(default)]
    pub is_truncated: bool,
}

impl Gaad {
    /// Whether this object has any of the lists a GAAD response is made of.
    pub fn looks_like_gaad(&self) -> bool {
        self.user_detail_list.is_some()
            || self.group_detail_list.is_some()
            || self.role_detail_list.is_some()
            || self.policies.is_some()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserDetail {
    pub path: String,
    pub user_name: String,
    pub user_id: String,
    pub arn: String,
    pub create_date: Option<DateTime<Utc>>,
    pub user_policy_list: Vec<InlinePolicy>,
    pub group_list: Vec<String>,
    pub attached_managed_policies: Vec<AttachedPolicy>,
    pub permissions_boundary: Option<Boundary>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GroupDetail {
    pub path: String,
    pub group_name: String,
    pub group_id: String,
    pub arn: String,
    pub group_policy_list: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<AttachedPolicy>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RoleDetail {
    pub path: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub create_date: Option<DateTime<Utc>>,
    pub assume_role_policy_document: Option<Box<RawValue>>,
    pub instance_profile_list: Vec<InstanceProfile>,
    pub role_policy_list: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<AttachedPolicy>,
    pub permissions_boundary: Option<Boundary>,
    pub tags: Vec<Tag>,
    /// Absent in old exports and some emulators (unknown); `{}` when the role was not used in
    /// the tracking window (never).
    pub role_last_used: Option<RoleLastUsed>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RoleLastUsed {
    pub last_used_date: Option<DateTime<Utc>>,
    pub region: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InstanceProfile {
    pub instance_profile_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: Option<Box<RawValue>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Boundary {
    pub permissions_boundary_arn: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ManagedPolicyDetail {
    pub policy_name: String,
    pub arn: String,
    pub default_version_id: Option<String>,
    pub policy_version_list: Vec<PolicyVersion>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PolicyVersion {
    pub document: Option<Box<RawValue>>,
    pub version_id: String,
    pub is_default_version: bool,
}

impl ManagedPolicyDetail {
    /// The version in force: the one `DefaultVersionId` names, else the one flagged default.
    pub fn default_version(&self) -> Option<&PolicyVersion> {
        self.default_version_id
            .as_deref()
            .and_then(|id| self.policy_version_list.iter().find(|v| v.version_id == id))
            .or_else(|| {
                self.policy_version_list
                    .iter()
                    .find(|v| v.is_default_version)
            })
    }
}

/// Decode a policy document as found in a GAAD: a JSON object (`aws` CLI output) or a
/// URL-encoded JSON string (the raw API response). Kept raw until here so that a 100 MB export
/// is not first built into a tree of JSON values.
pub fn decode_document(raw: &RawValue) -> Result<PolicyDocument, String> {
    let text = raw.get().trim_start();
    match text.as_bytes().first() {
        Some(b'"') => {
            let s: String =
                serde_json::from_str(text).map_err(|e| format!("not a valid string: {e}"))?;
            let decoded = if s.trim_start().starts_with('{') {
                std::borrow::Cow::Owned(s)
            } else {
                percent_encoding::percent_decode_str(&s)
                    .decode_utf8()
                    .map(|c| std::borrow::Cow::Owned(c.into_owned()))
                    .map_err(|e| format!("URL-encoded document is not UTF-8: {e}"))?
            };
            serde_json::from_str(&decoded).map_err(|e| format!("not a valid policy document: {e}"))
        }
        Some(b'{') => {
            serde_json::from_str(text).map_err(|e| format!("not a valid policy document: {e}"))
        }
        _ => Err("policy document must be a JSON object or a URL-encoded string".to_string()),
    }
}

/// The 12-digit account id in an ARN (`arn:aws:iam::123456789012:user/x`).
pub fn account_of(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, _partition, _service, _region, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (prefix == "arn" && !account.is_empty()).then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).expect("valid JSON")
    }

    #[test]
    fn documents_in_both_encodings_decode_to_the_same() {
        let obj = raw(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        );
        let enc = raw(
            r#""%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D""#,
        );
        let a = decode_document(&obj).expect("object form");
        let b = decode_document(&enc).expect("encoded form");
        let plain = raw(
            r#""{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}],\"Version\":\"2012-10-17\"}""#,
        );
        assert_eq!(decode_document(&plain).expect("JSON in a string"), a);
        assert_eq!(a, b);
    }

    #[test]
    fn bad_documents_say_why() {
        let e = decode_document(&raw(r#""%7Bnot json""#)).expect_err("invalid");
        assert!(e.contains("not a valid policy document"), "{e}");
        assert!(decode_document(&raw("42")).is_err());
    }

    #[test]
    fn account_ids_from_arns() {
        assert_eq!(
            account_of("arn:aws:iam::123456789012:user/ci/deploy"),
            Some("123456789012")
        );
        assert_eq!(
            account_of("arn:aws-us-gov:iam::210987654321:role/x"),
            Some("210987654321")
        );
        assert_eq!(account_of("not-an-arn"), None);
        assert_eq!(account_of("arn:aws:iam:::user/x"), None);
    }

    #[test]
    fn default_version_follows_default_version_id() {
        let p: ManagedPolicyDetail = serde_json::from_value(serde_json::json!({
            "PolicyName": "p", "Arn": "arn:aws:iam::1:policy/p", "DefaultVersionId": "v2",
            "PolicyVersionList": [
                {"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Statement": []}},
                {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Statement": []}},
                {"VersionId": "v3", "IsDefaultVersion": false, "Document": {"Statement": []}}
            ]
        }))
        .expect("parses");
        assert_eq!(
            p.default_version().map(|v| v.version_id.as_str()),
            Some("v2")
        );
    }
}
