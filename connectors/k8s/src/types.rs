//! The wire formats nhi reads: the few fields of each Kubernetes object that matter, so a
//! cluster export of 50,000 pods parses quickly, and a Secret's `data` and `stringData` are never
//! deserialized at all (nor any annotation of a Secret but the few named here: `kubectl apply`
//! copies a Secret's whole manifest, values included, into
//! `kubectl.kubernetes.io/last-applied-configuration`).

use chrono::{DateTime, Utc};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// The annotation that ties a legacy token Secret to its service account.
pub const SA_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";
/// Set by the API server (1.26+) on legacy tokens: the day the token was last used.
pub const LAST_USED_LABEL: &str = "kubernetes.io/legacy-token-last-used";
/// Set by the legacy token cleaner (1.28+): the day the token was invalidated.
pub const INVALID_SINCE_LABEL: &str = "kubernetes.io/legacy-token-invalid-since";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub creation_timestamp: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "null_map")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_map")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_vec")]
    pub owner_references: Vec<OwnerReference>,
}

impl ObjectMeta {
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub controller: Option<bool>,
}

/// A Secret's metadata, keeping only the annotations and labels that describe a legacy token:
/// everything else (values, last-applied manifests) is skipped as it is read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub creation_timestamp: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "token_keys")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "token_keys")]
    pub annotations: BTreeMap<String, String>,
}

/// A Secret as read from an export or a metadata-only list: its type and metadata, never its
/// values.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Secret {
    #[serde(default)]
    pub metadata: SecretMeta,
    /// Absent from metadata-only lists.
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub automount_service_account_token: Option<bool>,
    /// Secrets listed on the service account (legacy clusters list their token there).
    #[serde(default, deserialize_with = "null_vec")]
    pub secrets: Vec<NameRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NameRef {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    #[serde(default, deserialize_with = "null_vec")]
    pub api_groups: Vec<String>,
    #[serde(default, deserialize_with = "null_vec")]
    pub resources: Vec<String>,
    #[serde(default, deserialize_with = "null_vec")]
    pub verbs: Vec<String>,
    #[serde(default, deserialize_with = "null_vec")]
    pub resource_names: Vec<String>,
    #[serde(default, rename = "nonResourceURLs", deserialize_with = "null_vec")]
    pub non_resource_urls: Vec<String>,
}

/// A Role or ClusterRole.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Role {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default, deserialize_with = "null_vec")]
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Subject {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub role_ref: RoleRef,
    #[serde(default, deserialize_with = "null_vec")]
    pub subjects: Vec<Subject>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(default)]
    pub service_account_name: Option<String>,
    /// Deprecated alias of `serviceAccountName`, still honoured by the API server.
    #[serde(default)]
    pub service_account: Option<String>,
    #[serde(default)]
    pub automount_service_account_token: Option<bool>,
}

impl PodSpec {
    /// The service account its pods run as (`default` when unset).
    pub fn account(&self) -> &str {
        self.service_account_name
            .as_deref()
            .or(self.service_account.as_deref())
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PodTemplate {
    #[serde(default)]
    pub spec: PodSpec,
}

/// The spec of a controller: a pod template, or (CronJob) a job template holding one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControllerSpec {
    #[serde(default)]
    pub template: Option<PodTemplate>,
    #[serde(default)]
    pub job_template: Option<JobTemplate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct JobTemplate {
    #[serde(default)]
    pub spec: JobSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct JobSpec {
    #[serde(default)]
    pub template: Option<PodTemplate>,
}

impl ControllerSpec {
    pub fn pod_spec(&self) -> Option<&PodSpec> {
        match (&self.template, &self.job_template) {
            (Some(t), _) => Some(&t.spec),
            (None, Some(j)) => j.spec.template.as_ref().map(|t| &t.spec),
            _ => None,
        }
    }
}

/// A Namespace: its labels and annotations may name an owner.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Namespace {
    #[serde(default)]
    pub metadata: ObjectMeta,
}

/// A Pod: metadata and the fields of its spec that name its service account.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Pod {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: PodSpec,
}

/// A controller with a pod template.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Controller {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: ControllerSpec,
}

/// A list page from the API: its items and the continue token.
#[derive(Debug, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct Page<T> {
    #[serde(default = "Vec::new", deserialize_with = "null_vec")]
    pub items: Vec<T>,
    #[serde(default)]
    pub metadata: ListMeta,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListMeta {
    #[serde(default, rename = "continue")]
    pub continue_: Option<String>,
}

fn null_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, String>>::deserialize(d)?.unwrap_or_default())
}

fn null_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Keys of a Secret's labels and annotations that nhi keeps; the values of every other key are
/// skipped unread.
const TOKEN_KEYS: &[&str] = &[
    SA_NAME_ANNOTATION,
    "kubernetes.io/service-account.uid",
    LAST_USED_LABEL,
    INVALID_SINCE_LABEL,
];

fn token_keys<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    struct Keep;
    impl<'de> Visitor<'de> for Keep {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of strings")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(k) = map.next_key::<String>()? {
                if TOKEN_KEYS.contains(&k.as_str()) {
                    let v: Option<String> = map.next_value()?;
                    out.insert(k, v.unwrap_or_default());
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    d.deserialize_any(Keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_keeps_only_token_metadata() {
        let s: Secret = serde_json::from_str(
            r#"{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token",
                "data":{"token":"c2VjcmV0"},"stringData":{"x":"y"},
                "metadata":{"name":"t","namespace":"ci","labels":{"kubernetes.io/legacy-token-last-used":"2026-01-02","app":"x"},
                  "annotations":{"kubernetes.io/service-account.name":"runner",
                    "kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"token\":\"c2VjcmV0\"}}"}}}"#,
        )
        .expect("parses");
        assert_eq!(s.metadata.annotations.len(), 1);
        assert_eq!(s.metadata.labels.len(), 1);
        assert!(!format!("{s:?}").contains("c2VjcmV0"));
    }

    #[test]
    fn pod_specs_name_their_account() {
        let p: Pod = serde_json::from_str(r#"{"spec":{"serviceAccount":"old"}}"#).expect("ok");
        assert_eq!(p.spec.account(), "old");
        let p: Pod = serde_json::from_str(r#"{"spec":{}}"#).expect("ok");
        assert_eq!(p.spec.account(), "default");
        let c: Controller = serde_json::from_str(
            r#"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"serviceAccountName":"cron"}}}}}}"#,
        )
        .expect("ok");
        assert_eq!(c.spec.pod_spec().map(PodSpec::account), Some("cron"));
    }
}
