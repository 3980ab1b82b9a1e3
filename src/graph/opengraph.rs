//! The graph as a BloodHound OpenGraph data payload, to upload to BloodHound CE beside GitHound's
//! data: `{"metadata": {"source_kind": "NHI"}, "graph": {"nodes": [...], "edges": [...]}}`.
//!
//! As BloodHound's documentation asks: every node has a unique `id` and one to three `kinds`
//! (prefixed `NHI_`, so none overlaps a built-in kind; the first decides its icon); edge kinds are
//! PascalCase without dashes; properties are primitives or homogeneous arrays of primitives,
//! never objects or nulls. Edges match their nodes by id.

use super::{EdgeKind, IdentityGraph, NodeClass};
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// `iam_role` → `NHI_IamRole`.
fn kind(s: &str) -> String {
    let mut out = String::from("NHI_");
    for part in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

fn edge_kind(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::CanBecome => "NHI_CanBecome",
        EdgeKind::Escalates => "NHI_EscalatesToAdmin",
        EdgeKind::IsAdmin => "NHI_AdminOf",
        EdgeKind::Federation => "NHI_CanAssumeWithWebIdentity",
    }
}

/// Insert a property unless it is empty (BloodHound takes no nulls).
fn put(props: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if !empty {
        props.insert(key.to_string(), value);
    }
}

pub fn payload(g: &IdentityGraph) -> Value {
    let nodes: Vec<Value> = g
        .nodes
        .iter()
        .map(|n| {
            let class = match n.class {
                NodeClass::Identity => "NHI_Identity",
                NodeClass::Person => "NHI_Person",
                NodeClass::Group => "NHI_Group",
                NodeClass::Workload => "NHI_Workload",
                NodeClass::Subject => "NHI_Subject",
                NodeClass::Admin => "NHI_Admin",
            };
            let mut kinds = vec![kind(&n.kind)];
            if kinds[0] != class {
                kinds.push(class.to_string());
            }
            let mut props = Map::new();
            put(&mut props, "name", json!(n.name));
            put(&mut props, "displayname", json!(n.name));
            put(&mut props, "objectid", json!(n.id));
            put(&mut props, "provider", json!(n.provider));
            put(&mut props, "nhi_kind", json!(n.kind));
            put(&mut props, "scope", json!(n.scope));
            props.insert("admin".into(), json!(n.admin));
            if let Some(r) = &n.risk {
                props.insert("risk_score".into(), json!(r.score));
                put(&mut props, "risk_severity", json!(r.severity));
            }
            put(&mut props, "reaches", json!(n.reaches));
            put(
                &mut props,
                "reachable_from_outside",
                json!(n.reachable_from_outside),
            );
            json!({"id": n.id, "kinds": kinds, "properties": props})
        })
        .collect();
    let edges: Vec<Value> = g
        .edges
        .iter()
        .map(|e| {
            let mut props = Map::new();
            put(&mut props, "path", json!(e.path));
            put(&mut props, "actions", json!(e.actions));
            put(&mut props, "conditions", json!(e.conditions));
            put(&mut props, "certainty", json!(e.certainty));
            put(&mut props, "subjects", json!(e.subjects));
            put(&mut props, "who", json!(e.who));
            put(&mut props, "gate", json!(e.gate));
            props.insert("gated".into(), json!(e.gate.is_some()));
            put(&mut props, "statement", json!(e.statement));
            json!({
                "kind": edge_kind(e.kind),
                "start": {"value": e.from, "match_by": "id"},
                "end": {"value": e.to, "match_by": "id"},
                "properties": props,
            })
        })
        .collect();
    json!({
        "metadata": {"source_kind": "NHI"},
        "graph": {"nodes": nodes, "edges": edges},
    })
}

pub fn write(g: &IdentityGraph, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &payload(g)).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::kind;

    #[test]
    fn kinds_are_prefixed_pascal_case() {
        assert_eq!(kind("iam_role"), "NHI_IamRole");
        assert_eq!(kind("github_repository"), "NHI_GithubRepository");
        assert_eq!(kind("admin"), "NHI_Admin");
    }
}
