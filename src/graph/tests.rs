use super::*;
use crate::config::Config;
use crate::rule::testing::{now, Case};
use nhi_api::PermissionSource;
use serde_json::json;

const ADMIN: &str = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
const GITHUB: &str = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";

/// A repository `acme/web` whose jobs can become `ci`, which may assume `top` (admin); and an
/// unrelated role.
fn estate() -> Inventory {
    let workload = nhi_api::Workload {
        subject_forms: vec!["repo:acme/web:{context}".into()],
        runs: vec![nhi_api::WorkloadRun {
            claims: [("context".to_string(), "ref:refs/heads/*".to_string())].into(),
            who: "anyone who can push a branch to acme/web".into(),
            gate: None,
            except: vec![],
        }],
        ..crate::rule::testing::github_repository("acme/web")
    };
    Case::role("ci")
        .policy(
            PermissionSource::Inline,
            "assume",
            r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/top"}}"#,
        )
        .trust(
            &json!({"Statement": {"Effect": "Allow", "Principal": {"Federated": GITHUB},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/web:*"}}}})
            .to_string(),
        )
        .with(
            Case::role("top")
                .policy(PermissionSource::Managed, "AdministratorAccess", ADMIN)
                .trust(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ci"},"Action":"sts:AssumeRole"}}"#),
        )
        .with(Case::role("bystander").policy(
            PermissionSource::Inline,
            "logs",
            r#"{"Statement":{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}}"#,
        ))
        .workload(workload)
        .estate_inventory()
}

fn graph_of(inventory: &Inventory) -> IdentityGraph {
    crate::analyzer::analyze_then(inventory, &Config::default(), now(), |a, g, f, z| {
        build(inventory, a, g, f, z, now())
    })
    .1
}

fn arn(name: &str) -> String {
    format!("arn:aws:iam::111111111111:role/{name}")
}

fn has_edge(g: &IdentityGraph, from: &str, to: &str, kind: EdgeKind) -> bool {
    g.edges
        .iter()
        .any(|e| e.from == from && e.to == to && e.kind == kind)
}

#[test]
fn the_whole_graph_has_every_identity_and_the_path() {
    let inventory = estate();
    let g = graph_of(&inventory);
    for id in [arn("ci"), arn("top"), arn("bystander")] {
        assert!(g.nodes.iter().any(|n| n.id == id), "{id}");
    }
    assert!(has_edge(
        &g,
        "github:acme/web",
        &arn("ci"),
        EdgeKind::Federation
    ));
    assert!(has_edge(&g, &arn("ci"), &arn("top"), EdgeKind::CanBecome));
    assert!(has_edge(
        &g,
        &arn("top"),
        "admin:111111111111",
        EdgeKind::IsAdmin
    ));
    let federation = g
        .edges
        .iter()
        .find(|e| e.kind == EdgeKind::Federation)
        .expect("federation edge");
    assert_eq!(federation.subjects, vec!["repo:acme/web:ref:refs/heads/*"]);
    assert_eq!(
        federation.who.as_deref(),
        Some("anyone who can push a branch to acme/web")
    );
    let ci = g.nodes.iter().find(|n| n.id == arn("ci")).expect("ci");
    assert_eq!(ci.reaches, vec!["admin"]);
    assert!(!ci.admin);
    assert!(ci.risk.is_some(), "judged identities carry their risk");
    // Sorted, so the output is stable.
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

#[test]
fn cut_to_the_paths_of_interest() {
    let inventory = estate();
    let g = graph_of(&inventory);
    let to_admin = g.clone().cut(&[], Some("admin")).expect("cut");
    let ids: BTreeSet<&str> = to_admin.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(ids.contains("github:acme/web"));
    assert!(ids.contains(arn("ci").as_str()));
    assert!(ids.contains("admin:111111111111"));
    assert!(!ids.contains(arn("bystander").as_str()), "{ids:?}");
    assert_eq!(to_admin.filter.to.as_deref(), Some("admin"));

    let from_top = g.clone().cut(&[arn("top")], Some("admin")).expect("cut");
    let ids: BTreeSet<&str> = from_top.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        [arn("top").as_str(), "admin:111111111111"]
            .into_iter()
            .collect()
    );
    assert!(from_top
        .edges
        .iter()
        .all(|e| ids.contains(e.from.as_str()) && ids.contains(e.to.as_str())));

    assert!(matches!(
        g.clone().cut(&["nope".into()], None),
        Err(FilterError::UnknownIdentity(_))
    ));
    assert!(matches!(
        g.cut(&[], Some("root")),
        Err(FilterError::UnknownTarget(_))
    ));
}

#[test]
fn opengraph_follows_bloodhound_rules() {
    let inventory = estate();
    let payload = opengraph::payload(&graph_of(&inventory));
    assert_eq!(payload["metadata"], json!({"source_kind": "NHI"}));
    let nodes = payload["graph"]["nodes"].as_array().expect("nodes");
    let ids: BTreeSet<&str> = nodes.iter().filter_map(|n| n["id"].as_str()).collect();
    assert_eq!(ids.len(), nodes.len(), "ids are unique");
    for n in nodes {
        let kinds = n["kinds"].as_array().expect("kinds");
        assert!((1..=3).contains(&kinds.len()), "{n}");
        assert!(kinds
            .iter()
            .all(|k| k.as_str().is_some_and(|k| k.starts_with("NHI_"))));
        primitive_properties(&n["properties"]);
    }
    for e in payload["graph"]["edges"].as_array().expect("edges") {
        let kind = e["kind"].as_str().expect("kind");
        assert!(!kind.contains('-') && kind.starts_with("NHI_"), "{kind}");
        for end in ["start", "end"] {
            assert_eq!(e[end]["match_by"], "id");
            assert!(
                ids.contains(e[end]["value"].as_str().expect("value")),
                "{e}"
            );
        }
        primitive_properties(&e["properties"]);
    }
}

/// BloodHound takes primitive property values, or arrays of one primitive type; no objects, no
/// nulls.
fn primitive_properties(props: &serde_json::Value) {
    for (k, v) in props.as_object().expect("properties object") {
        match v {
            serde_json::Value::Array(items) => {
                assert!(!items.is_empty(), "{k}");
                let first = std::mem::discriminant(&items[0]);
                assert!(
                    items.iter().all(|i| std::mem::discriminant(i) == first
                        && !i.is_object()
                        && !i.is_array()
                        && !i.is_null()),
                    "{k}: {v}"
                );
            }
            serde_json::Value::Object(_) | serde_json::Value::Null => panic!("{k}: {v}"),
            _ => {}
        }
    }
}

#[test]
fn drawings_name_every_node_and_edge() {
    let inventory = estate();
    let g = graph_of(&inventory);
    let mut dot_out = Vec::new();
    dot::write(&g, &mut dot_out).expect("dot");
    let dot_text = String::from_utf8(dot_out).expect("utf8");
    assert!(dot_text.starts_with("digraph nhi {"));
    assert_eq!(dot_text.matches(" -> ").count(), g.edges.len());
    let mut mermaid_out = Vec::new();
    mermaid::write(&g, &mut mermaid_out).expect("mermaid");
    let m = String::from_utf8(mermaid_out).expect("utf8");
    assert!(m.starts_with("flowchart LR\n"));
    assert_eq!(m.matches("|\"").count(), g.edges.len());
    assert!(m.contains("OIDC repo:acme/web:ref:refs/heads/*"), "{m}");
}
