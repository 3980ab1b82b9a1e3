//! `nhi graph`: the JSON against its schema (Python's jsonschema), DOT through Graphviz's `dot`,
//! Mermaid through Mermaid's own parser (in Chromium), the BloodHound payload's rules, the cuts,
//! and the README's picture.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

const DEMO: &str = "fixtures/demo";
const GITHUB: &str = "fixtures/github/acme-inventory.json";

fn graph(extra: &[&str]) -> Run {
    let mut args = vec!["graph", "--from", DEMO, "--from", GITHUB, "--now", NOW];
    args.extend_from_slice(extra);
    run(&args)
}

fn ok(r: &Run) -> &str {
    assert_eq!(r.code, 0, "{}", r.stderr);
    &r.stdout
}

fn json_graph(extra: &[&str]) -> Value {
    serde_json::from_str(ok(&graph(extra))).expect("graph JSON")
}

#[test]
fn json_validates_against_the_published_schema() {
    ensure_python_jsonschema();
    let published: Value =
        serde_json::from_str(&read("docs/graph.schema.json")).expect("schema is JSON");
    assert_eq!(
        published,
        nhi::graph::json_schema(),
        "docs/graph.schema.json is out of date: cargo run -- schema --graph > docs/graph.schema.json"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, extra) in [("whole", &[][..]), ("cut", &["--to", "admin"][..])] {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, ok(&graph(extra))).expect("write");
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import json, sys, jsonschema\n\
                 schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))\n\
                 jsonschema.Draft202012Validator.check_schema(schema)\n\
                 errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))\n\
                 print(len(errors)); [print(e.json_path, e.message) for e in errors[:5]]",
            ])
            .arg(root().join("docs/graph.schema.json"))
            .arg(&file)
            .output()
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout.lines().next(), Some("0"), "{name}: {stdout}");
    }
    // The validator does reject what the schema forbids.
    let mut broken = json_graph(&["--to", "admin"]);
    broken["edges"][0]["kind"] = Value::String("teleports".into());
    let file = dir.path().join("broken.json");
    std::fs::write(&file, broken.to_string()).expect("write");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))\n\
             print(len(list(v.iter_errors(json.load(open(sys.argv[2]))))))",
        ])
        .arg(root().join("docs/graph.schema.json"))
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert_ne!(String::from_utf8_lossy(&out.stdout).trim(), "0");
}

#[test]
fn the_demo_graph_holds_the_pipeline_path() {
    let g = json_graph(&[]);
    let ids: BTreeSet<&str> = g["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    for id in [
        "github:acme/web",
        "arn:aws:iam::314159265358:role/gh-web-preview",
        "arn:aws:iam::314159265358:role/release-admin",
        "admin:314159265358",
        "github:acme/actions/GITHUB_TOKEN",
    ] {
        assert!(ids.contains(id), "{id}");
    }
    let edges = g["edges"].as_array().expect("edges");
    let edge = |from: &str, to: &str| {
        edges
            .iter()
            .find(|e| e["from"] == from && e["to"] == to)
            .unwrap_or_else(|| panic!("{from} -> {to}"))
    };
    let oidc = edge(
        "github:acme/web",
        "arn:aws:iam::314159265358:role/gh-web-preview",
    );
    assert_eq!(oidc["kind"], "federation");
    assert_eq!(oidc["subjects"][0], "repo:acme/web:ref:refs/heads/*");
    let assume = edge(
        "arn:aws:iam::314159265358:role/gh-web-preview",
        "arn:aws:iam::314159265358:role/release-admin",
    );
    assert_eq!(assume["kind"], "can_become");
    assert_eq!(assume["actions"][0], "sts:AssumeRole");
    assert_eq!(
        edge(
            "arn:aws:iam::314159265358:role/release-admin",
            "admin:314159265358"
        )["kind"],
        "is_admin"
    );
    // Every edge joins two nodes of the graph.
    for e in edges {
        assert!(ids.contains(e["from"].as_str().unwrap_or_default()), "{e}");
        assert!(ids.contains(e["to"].as_str().unwrap_or_default()), "{e}");
    }
    // Byte-identical on a second run.
    assert_eq!(ok(&graph(&[])), ok(&graph(&[])));
}

#[test]
fn cuts_keep_the_paths_of_interest() {
    let to_admin = json_graph(&["--to", "admin"]);
    let whole = json_graph(&[]);
    let n = |g: &Value| g["nodes"].as_array().map_or(0, Vec::len);
    assert!(
        n(&to_admin) < n(&whole) / 10,
        "{} of {}",
        n(&to_admin),
        n(&whole)
    );
    assert_eq!(to_admin["filter"]["to"], "admin");
    let from = json_graph(&["--from-identity", "github:acme/web", "--to", "admin"]);
    let ids: BTreeSet<&str> = from["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "admin:314159265358",
            "arn:aws:iam::314159265358:role/gh-web-preview",
            "arn:aws:iam::314159265358:role/release-admin",
            "github:acme/web",
        ]
        .into_iter()
        .collect()
    );
    let r = graph(&["--from-identity", "arn:aws:iam::1:role/nobody"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no identity \"arn:aws:iam::1:role/nobody\""),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn graphviz_accepts_the_dot() {
    for extra in [&[][..], &["--to", "admin"][..]] {
        let mut args = vec!["--format", "dot"];
        args.extend_from_slice(extra);
        let dot = graph(&args);
        let out = std::process::Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(ok(&dot).as_bytes())?;
                child.wait_with_output()
            })
            .expect("Graphviz's dot runs (Debian package graphviz; .ci/run installs it)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            !stderr.contains("Warning") && !stderr.contains("Error"),
            "{stderr}"
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
}

/// Mermaid's own parser's verdict on a text.
fn mermaid_parse(text: &str) -> Value {
    npm_tool("playwright-core");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("graph.mmd");
    std::fs::write(&file, text).expect("write");
    let out = std::process::Command::new("node")
        .arg(root().join("tests/graph/mermaid-parse.mjs"))
        .arg(&file)
        .output()
        .expect("node runs (README: Running the tests)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("parser verdict")
}

#[test]
fn mermaid_parses_and_the_readme_shows_the_demo_path() {
    let small = graph(&[
        "--from-identity",
        "github:acme/web",
        "--to",
        "admin",
        "--format",
        "mermaid",
    ]);
    let text = ok(&small).to_string();
    assert_eq!(mermaid_parse(&text)["ok"], true, "{text}");
    let admin = graph(&["--to", "admin", "--format", "mermaid"]);
    assert_eq!(mermaid_parse(ok(&admin))["ok"], true);
    // The parser can say no.
    assert_eq!(mermaid_parse("flowchart LR\n  a[\"x\" -->\n")["ok"], false);
    // The whole graph is past what Mermaid draws: said on stderr.
    let whole = graph(&["--format", "mermaid"]);
    assert!(
        whole.stderr.contains("cut the graph with --from-identity"),
        "{}",
        whole.stderr
    );

    let readme = read("README.md");
    let start = "<!-- graph-picture: generated by the command above; a test keeps it in step -->\n";
    let (_, rest) = readme
        .split_once(start)
        .expect("README graph-picture marker");
    let (block, _) = rest
        .split_once("<!-- /graph-picture -->")
        .expect("end marker");
    let expected = format!("```mermaid\n{text}```\n");
    if block != expected && std::env::var_os("NHI_UPDATE_README").is_some() {
        let updated = readme.replacen(&format!("{start}{block}"), &format!("{start}{expected}"), 1);
        std::fs::write(root().join("README.md"), updated).expect("write README");
        return;
    }
    assert_eq!(
        block, expected,
        "README's graph picture is stale: NHI_UPDATE_README=1 cargo test --test integration graph::"
    );
}

#[test]
fn the_bloodhound_payload_is_well_formed() {
    let payload: Value =
        serde_json::from_str(ok(&graph(&["--to", "admin", "--format", "bloodhound"])))
            .expect("payload JSON");
    assert_eq!(payload["metadata"]["source_kind"], "NHI");
    let nodes = payload["graph"]["nodes"].as_array().expect("nodes");
    let ids: BTreeSet<&str> = nodes.iter().filter_map(|n| n["id"].as_str()).collect();
    assert_eq!(ids.len(), nodes.len());
    assert!(nodes
        .iter()
        .any(|n| n["kinds"][0] == "NHI_GithubRepository"));
    for e in payload["graph"]["edges"].as_array().expect("edges") {
        assert!(!e["kind"].as_str().unwrap_or("-").contains('-'));
        assert!(ids.contains(e["start"]["value"].as_str().unwrap_or_default()));
        assert!(ids.contains(e["end"]["value"].as_str().unwrap_or_default()));
        for v in e["properties"].as_object().expect("properties").values() {
            assert!(!v.is_object() && !v.is_null(), "{e}");
        }
    }
}
