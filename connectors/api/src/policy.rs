//! IAM-style policy documents (identity policies, trust policies, permissions boundaries), typed.
//!
//! AWS lets most fields be a string or a list, and condition values be strings, booleans or
//! numbers; this module accepts every such spelling and stores one canonical form, so that two
//! documents that mean the same thing have the same [`PolicyDocument::content_id`].

use schemars::JsonSchema;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyDocument {
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "Id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Statement", deserialize_with = "one_or_many_statements")]
    #[schemars(schema_with = "statements_schema")]
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A content hash of the canonical form: equal for documents that differ only in spelling
    /// (string vs one-element list, encoding, whitespace).
    pub fn content_id(&self) -> String {
        // Serializing a struct of strings, lists and maps cannot fail; fall back to the Debug
        // form rather than panic if it ever did.
        let bytes = serde_json::to_vec(self).unwrap_or_else(|_| format!("{self:?}").into_bytes());
        let digest = Sha256::digest(&bytes);
        let mut out = String::with_capacity(39);
        out.push_str("sha256:");
        crate::push_hex(&mut out, &digest[..16]);
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Statement {
    #[serde(rename = "Sid", default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Action", default, skip_serializing_if = "Option::is_none")]
    pub action: Option<StringList>,
    #[serde(rename = "NotAction", default, skip_serializing_if = "Option::is_none")]
    pub not_action: Option<StringList>,
    #[serde(rename = "Resource", default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<StringList>,
    #[serde(
        rename = "NotResource",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub not_resource: Option<StringList>,
    #[serde(rename = "Principal", default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    #[serde(
        rename = "NotPrincipal",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub not_principal: Option<Principal>,
    /// Operator (`StringEquals`, `ForAnyValue:StringLike`, ...) to condition key to values.
    #[serde(
        rename = "Condition",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub condition: BTreeMap<String, BTreeMap<String, StringList>>,
}

impl Statement {
    /// Values of a condition key under any operator, with the operator. Keys compare
    /// case-insensitively, as AWS does.
    pub fn condition_values<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a StringList)> + 'a {
        self.condition.iter().flat_map(move |(op, entries)| {
            entries
                .iter()
                .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
                .map(move |(_, v)| (op.as_str(), v))
        })
    }

    /// Whether any operator constrains this condition key.
    pub fn has_condition_key(&self, key: &str) -> bool {
        self.condition_values(key).next().is_some()
    }

    /// Whether any of these condition keys is constrained.
    pub fn has_any_condition_key(&self, keys: &[&str]) -> bool {
        keys.iter().any(|k| self.has_condition_key(k))
    }
}

/// Who a statement applies to: `"*"`, or principals by type (`AWS`, `Service`, `Federated`,
/// `CanonicalUser`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Any,
    Typed(BTreeMap<String, StringList>),
}

impl Principal {
    /// The principals of one type (`AWS`, `Service`, `Federated`).
    pub fn of_type(&self, kind: &str) -> &[String] {
        match self {
            Principal::Any => &[],
            Principal::Typed(m) => m
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(kind))
                .map(|(_, v)| v.0.as_slice())
                .unwrap_or(&[]),
        }
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Any => s.serialize_str("*"),
            Principal::Typed(m) => m.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Principal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Str(String),
            Map(BTreeMap<String, StringList>),
        }
        match Repr::deserialize(d)? {
            Repr::Str(s) if s == "*" => Ok(Principal::Any),
            Repr::Str(s) => Err(de::Error::custom(format!(
                "Principal must be \"*\" or an object such as {{\"AWS\": ...}}, found {s:?}"
            ))),
            Repr::Map(m) => Ok(Principal::Typed(m)),
        }
    }
}

impl JsonSchema for Principal {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Principal".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let list = generator.subschema_for::<StringList>();
        schema(serde_json::json!({
            "description": "`\"*\"` (anyone), or principals by type (`AWS`, `Service`, `Federated`, `CanonicalUser`).",
            "oneOf": [
                { "const": "*" },
                { "type": "object", "additionalProperties": list },
            ],
        }))
    }
}

/// A JSON object as a schema (anything else as the schema that accepts everything).
fn schema(value: serde_json::Value) -> schemars::Schema {
    match value {
        serde_json::Value::Object(map) => schemars::Schema::from(map),
        _ => schemars::Schema::default(),
    }
}

fn statements_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let statement = generator.subschema_for::<Statement>();
    schema(serde_json::json!({
        "description": "One statement, or a list of them.",
        "oneOf": [statement.clone(), { "type": "array", "items": statement }],
    }))
}

/// A list of strings that AWS may spell as a single string, and whose items may be booleans or
/// numbers (condition values). Always serialized as a list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct StringList(pub Vec<String>);

impl StringList {
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a StringList {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl JsonSchema for StringList {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StringList".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let scalar = serde_json::json!({ "type": ["string", "boolean", "number"] });
        schema(serde_json::json!({
            "description": "A string (or boolean or number), or a list of them.",
            "oneOf": [scalar.clone(), { "type": "array", "items": scalar }],
        }))
    }
}

struct ScalarVisitor;

impl Visitor<'_> for ScalarVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, boolean or number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor).map(Scalar)
    }
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = StringList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringList, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(Scalar(s)) = seq.next_element()? {
                    out.push(s);
                }
                Ok(StringList(out))
            }
        }
        d.deserialize_any(ListVisitor)
    }
}

fn one_or_many_statements<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Statement>, D::Error> {
    // Through a Value rather than an untagged enum: untagged enums hide the inner error, and
    // the error for a malformed statement should name the field.
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::Array(_) => {
            Vec::<Statement>::deserialize(v).map_err(|e| de::Error::custom(e.to_string()))
        }
        serde_json::Value::Object(_) => Statement::deserialize(v)
            .map(|s| vec![s])
            .map_err(|e| de::Error::custom(e.to_string())),
        other => Err(de::Error::custom(format!(
            "Statement must be an object or a list of objects, found {}",
            json_kind(&other)
        ))),
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> PolicyDocument {
        serde_json::from_str(s).expect("valid policy")
    }

    #[test]
    fn single_and_list_spellings_are_the_same_document() {
        let a = parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        );
        let b = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]}"#,
        );
        assert_eq!(a, b);
        assert_eq!(a.content_id(), b.content_id());
        assert!(a.content_id().starts_with("sha256:"));
    }

    #[test]
    fn different_documents_have_different_ids() {
        let a = parse(r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#);
        let b = parse(r#"{"Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}}"#);
        assert_ne!(a.content_id(), b.content_id());
    }

    #[test]
    fn principals_and_conditions() {
        let d = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
              "Action":"sts:AssumeRoleWithWebIdentity",
              "Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"},"Bool":{"aws:SecureTransport":true}}},
              {"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#,
        );
        let s = &d.statements[0];
        assert_eq!(
            s.principal.as_ref().map(|p| p.of_type("federated").len()),
            Some(1)
        );
        let subs: Vec<_> = s
            .condition_values("Token.Actions.GitHubUserContent.com:sub")
            .collect();
        assert_eq!(subs.len(), 1);
        assert_eq!(subs[0].0, "StringLike");
        assert_eq!(
            s.condition["Bool"]["aws:SecureTransport"].0,
            vec!["true".to_string()]
        );
        assert_eq!(d.statements[1].principal, Some(Principal::Any));
    }

    #[test]
    fn bad_documents_are_errors_not_panics() {
        for bad in [
            r#"{}"#,
            r#"{"Statement":"x"}"#,
            r#"{"Statement":[{"Effect":"Maybe"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"someone"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":{"a":1}}]}"#,
        ] {
            assert!(
                serde_json::from_str::<PolicyDocument>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
