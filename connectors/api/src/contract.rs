//! The inventory as a contract: reading an inventory (or one identity) that another program
//! wrote, with errors that say where the input is wrong — the line, the column and the JSON path
//! (`identities[3].credentials[0].expires`) — and the inventory's JSON Schema.
//!
//! Providers and kinds are open: any non-empty name is accepted, and provider-specific `native`
//! facts are optional. What nhi does with each field is in `docs/connectors.md`.

use crate::{Identity, Inventory, INVENTORY_SCHEMA_VERSION};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::fmt;

/// Where and why a document does not follow the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractError {
    /// 1-based line of the document (0 when the error is about the whole document).
    pub line: usize,
    pub column: usize,
    /// The JSON path at fault, e.g. `identities[3].kind`; empty for the document itself.
    pub path: String,
    /// What is wrong, e.g. "missing field `kind`".
    pub message: String,
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {} column {}: ", self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ContractError {}

impl ContractError {
    fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        ContractError {
            line: 0,
            column: 0,
            path: path.into(),
            message: message.into(),
        }
    }

    fn from_json(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ContractError {
            line: inner.line(),
            column: inner.column(),
            // serde_path_to_error says `.` for the document itself.
            path: if path == "." { String::new() } else { path },
            message: bare_message(&inner),
        }
    }
}

/// A serde_json error's message without the " at line N column M" serde_json appends (the
/// [`ContractError`] carries them apart).
pub fn bare_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let bare = hide_values(text.strip_suffix(&suffix).unwrap_or(&text));
    match e.classify() {
        serde_json::error::Category::Eof => {
            format!("{bare} (the JSON ends early: is it cut short?)")
        }
        _ => bare,
    }
}

/// serde's message without the input values it quotes (`unknown variant `X``, `string "X"`):
/// a value in the wrong field may be a secret (a token printed as a status), and the message
/// ends up in the report. The line, column and JSON path still say where it is.
fn hide_values(message: &str) -> String {
    let mut out = message.to_string();
    let marker = "unknown variant `";
    if let Some(start) = out.find(marker).map(|i| i + marker.len()) {
        if let Some(len) = out[start..].find('`') {
            out.replace_range(start..start + len, "…");
        }
    }
    // `string "..."`, Debug-quoted: up to the first quote that no backslash escapes.
    let marker = "string \"";
    if let Some(start) = out.find(marker) {
        let body = start + marker.len();
        let mut escaped = false;
        let end = out[body..].char_indices().find_map(|(i, c)| {
            let closes = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            closes.then_some(body + i + 1)
        });
        if let Some(end) = end {
            out.replace_range(start..end, "a string");
        }
    }
    out
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ContractError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(ContractError::from_json)?;
    de.end().map_err(|e| ContractError {
        line: e.line(),
        column: e.column(),
        path: String::new(),
        message: format!(
            "{} (one JSON document was expected; for one identity per line, print no inventory object)",
            bare_message(&e)
        ),
    })?;
    Ok(value)
}

/// Read an inventory document: the schema version first (so that an old or new format is named
/// as such rather than as a missing field), then the whole document, then the identities'
/// required names.
pub fn parse_inventory(bytes: &[u8]) -> Result<Inventory, ContractError> {
    #[derive(Deserialize)]
    struct Version {
        schema_version: u32,
    }
    let version: Version = parse(bytes)?;
    if version.schema_version != INVENTORY_SCHEMA_VERSION {
        return Err(ContractError::at(
            "schema_version",
            format!(
                "is {}; this nhi reads inventories of schema_version {INVENTORY_SCHEMA_VERSION} (docs/inventory.schema.json)",
                version.schema_version
            ),
        ));
    }
    let inventory: Inventory = parse(bytes)?;
    for (i, identity) in inventory.identities.iter().enumerate() {
        check_identity(identity).map_err(|mut e| {
            e.path = format!("identities[{i}].{}", e.path);
            e
        })?;
    }
    Ok(inventory)
}

/// Read one identity (a line of NDJSON output).
pub fn parse_identity(bytes: &[u8]) -> Result<Identity, ContractError> {
    let identity: Identity = parse(bytes)?;
    check_identity(&identity)?;
    Ok(identity)
}

/// What serde cannot say: the names an identity is keyed and dispatched on are not empty and
/// hold no control characters (they end up in terminals, CSV cells and fingerprints).
pub fn check_identity(identity: &Identity) -> Result<(), ContractError> {
    for (field, value) in [
        ("id", &identity.id),
        ("provider", &identity.provider),
        ("kind", &identity.kind),
    ] {
        if value.trim().is_empty() {
            return Err(ContractError::at(field, "must not be empty"));
        }
        if value.chars().any(char::is_control) {
            return Err(ContractError::at(
                field,
                "must not hold control characters (newlines, escapes)",
            ));
        }
    }
    for (i, c) in identity.credentials.iter().enumerate() {
        if c.id.trim().is_empty() {
            return Err(ContractError::at(
                format!("credentials[{i}].id"),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

/// The inventory's JSON Schema (draft 2020-12), as published in `docs/inventory.schema.json`:
/// what nhi reads (fields with defaults may be left out).
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Inventory)).unwrap_or_default();
    schema["$id"] = serde_json::Value::String(
        "https://github.com/nhi-dev/nhi/docs/inventory.schema.json".into(),
    );
    schema["title"] = serde_json::Value::String(format!(
        "nhi inventory, schema_version {INVENTORY_SCHEMA_VERSION}"
    ));
    // The type says "a number"; the contract is this version and no other.
    schema["properties"]["schema_version"]["const"] = INVENTORY_SCHEMA_VERSION.into();
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Expiry, LastUsed, Native};

    const EXTERNAL: &str = r#"{"schema_version": 2, "identities": [
        {"id": "tok_1", "provider": "okta", "kind": "okta_api_token", "name": "ci", "scope": "acme.okta.com",
         "last_used": {"at": "2026-01-02T00:00:00Z"},
         "credentials": [{"id": "tok_1", "kind": "okta_api_token", "status": "active", "expires": "never"}]}
    ]}"#;

    #[test]
    fn unknown_providers_and_kinds_without_native_are_read() {
        let inv = parse_inventory(EXTERNAL.as_bytes()).expect("valid");
        let i = &inv.identities[0];
        assert_eq!(
            (i.provider.as_str(), i.kind.as_str()),
            ("okta", "okta_api_token")
        );
        assert_eq!(i.native, Native::None);
        assert!(i.last_used.at().is_some());
        assert_eq!(i.credentials[0].expires, Expiry::Never);
        assert!(inv.sources.is_empty() && inv.policies.is_empty());
    }

    #[test]
    fn errors_name_the_json_path_and_the_line() {
        let bad = EXTERNAL.replace(r#""expires": "never""#, r#""expires": "someday""#);
        let e = parse_inventory(bad.as_bytes()).expect_err("bad expiry");
        assert_eq!(e.path, "identities[0].credentials[0].expires");
        assert_eq!(e.line, 4);
        assert!(
            !e.message.contains("someday"),
            "values are not repeated: {e}"
        );
        assert!(
            e.message.contains("unknown variant `…`, expected one of"),
            "{e}"
        );
        assert!(e.to_string().starts_with("line 4 column"), "{e}");

        let bad = EXTERNAL.replace(r#""kind": "okta_api_token", "name""#, r#""name""#);
        let e = parse_inventory(bad.as_bytes()).expect_err("no kind");
        assert_eq!(e.path, "identities[0]");
        assert!(e.message.contains("missing field `kind`"), "{e}");

        let bad = EXTERNAL.replace(r#""provider": "okta""#, r#""provider": " ""#);
        let e = parse_inventory(bad.as_bytes()).expect_err("empty provider");
        assert_eq!(e.path, "identities[0].provider");

        let e = parse_inventory(b"{\"schema_version\": 1, \"identities\": []}").expect_err("v1");
        assert_eq!(e.path, "schema_version");
        assert!(e.message.contains("is 1"), "{e}");

        let bad = EXTERNAL.replace(r#""scope": "acme.okta.com""#, r#""scope": 7"#);
        let e = parse_inventory(bad.as_bytes()).expect_err("a number");
        assert!(
            e.message
                .starts_with("invalid type: integer `7`, expected a string"),
            "{e}"
        );
        let bad = EXTERNAL.replace(r#""status": "active""#, r#""status": "tok \"en\" sk-1""#);
        let e = parse_inventory(bad.as_bytes()).expect_err("a list");
        assert!(!e.message.contains("sk-1"), "{e}");
        let bad = EXTERNAL.replace(r#""name": "ci""#, r#""name": {"secret": "x"}"#);
        assert!(parse_inventory(bad.as_bytes()).is_err());
        let bad = EXTERNAL.replace(
            r#""schema_version": 2"#,
            r#""schema_version": "sk-live \"quoted\" value""#,
        );
        let e = parse_inventory(bad.as_bytes()).expect_err("a string");
        assert_eq!(e.message, "invalid type: a string, expected u32", "{e}");

        let e = parse_inventory(b"{\"schema_version\": 2, \"identities\": [").expect_err("cut");
        assert!(e.message.contains("ends early"), "{e}");

        let e =
            parse_inventory(b"{\"schema_version\": 2, \"identities\": []} {}").expect_err("two");
        assert!(e.message.contains("one JSON document"), "{e}");
    }

    #[test]
    fn one_identity_per_line() {
        let line = br#"{"id": "app_1", "provider": "okta", "kind": "okta_service_app", "name": "etl", "scope": "acme"}"#;
        let i = parse_identity(line).expect("valid");
        assert_eq!(i.last_used, LastUsed::Unknown);
        let e = parse_identity(br#"{"id": "a", "provider": "okta", "kind": "k", "name": "n", "scope": "s", "credentials": [{"id": "c", "kind": "k", "status": "on"}]}"#)
            .expect_err("status");
        assert_eq!(e.path, "credentials[0].status");
        let e = parse_identity(b"not json").expect_err("garbage");
        assert_eq!((e.line, e.path.as_str()), (1, ""));
    }

    #[test]
    fn the_schema_is_the_type() {
        let schema = json_schema();
        let required = schema["required"].as_array().expect("required");
        assert!(required.iter().any(|r| r == "identities"));
        assert!(
            !required.iter().any(|r| r == "policies"),
            "policies may be left out"
        );
        assert_eq!(
            schema["properties"]["schema_version"]["const"],
            INVENTORY_SCHEMA_VERSION
        );
        let identity = &schema["$defs"]["Identity"];
        for key in ["id", "provider", "kind", "name", "scope"] {
            assert!(
                identity["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|k| k == key)),
                "{key}"
            );
        }
    }
}
