//! Kubernetes: the demo cluster export (fixtures/k8s/demo-eks.json, made by
//! fixtures/k8s/generate_demo_cluster.py) with every rule planted beside a clean twin; its IRSA
//! service account's path to an AWS administrator of the demo account; secret values planted in
//! its Secrets that no output may show; exports split by kind; bad exports. The live route is in
//! `k8s_live`.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

pub const CLUSTER: &str = "fixtures/k8s/demo-eks.json";
/// The value planted in every Secret of the demo cluster (data, stringData, last-applied).
pub const PLANTED: &str = "nhi-planted-k8s-token-value-DO-NOT-PRINT";
/// The demo EKS cluster's issuer, as `aws eks describe-cluster` gives it.
pub const ISSUER: &str =
    "https://oidc.eks.eu-west-1.amazonaws.com/id/5E1F0DE0DEMO0EKS0C1U5TER0W0MBAT";

/// Every (rule, service account) the demo cluster must produce, and nothing else.
pub const PLANTED_FINDINGS: &[(&str, &str)] = &[
    ("k8s-cluster-admin", "ci/runner"),
    ("k8s-automount-privileged", "ci/runner"),
    ("k8s-cluster-admin", "web/ops"),
    ("k8s-privilege-escalation", "web/deployer-bot"),
    ("k8s-privilege-escalation", "ops/rbac-manager"),
    ("k8s-privilege-escalation", "data/secret-reader"),
    ("k8s-automount-privileged", "data/secret-reader"),
    ("k8s-privilege-escalation", "payments/debugger"),
    ("k8s-no-owner", "payments/debugger"),
    ("k8s-default-service-account-granted", "payments/default"),
    ("k8s-privilege-escalation", "payments/default"),
    ("k8s-automount-privileged", "payments/default"),
    ("k8s-no-owner", "payments/default"),
    ("k8s-service-account-unused", "payments/old-batch"),
    ("k8s-no-owner", "payments/old-batch"),
    ("k8s-no-owner", "payments/new-batch"),
    ("k8s-legacy-token", "legacy/jenkins"),
    ("k8s-legacy-token", "legacy/old-ci"),
    ("k8s-legacy-token-unused", "legacy/old-ci"),
    ("k8s-service-account-unused", "legacy/old-ci"),
    ("k8s-bound-to-everyone", "group/system:authenticated"),
];

/// (rule, `namespace/name`) of every Kubernetes finding of a JSON report.
pub fn k8s_findings(report: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for i in report["identities"].as_array().expect("identities") {
        if i["provider"] != "kubernetes" {
            continue;
        }
        let id = i["id"].as_str().expect("id");
        let short = id.split_once('/').map(|(_, rest)| rest).unwrap_or(id);
        for f in i["findings"].as_array().expect("findings") {
            out.insert((
                f["rule_id"].as_str().expect("rule").to_string(),
                short.to_string(),
            ));
        }
    }
    out
}

fn planted() -> BTreeSet<(String, String)> {
    PLANTED_FINDINGS
        .iter()
        .map(|(r, i)| (r.to_string(), i.to_string()))
        .collect()
}

fn identity<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} is in the report"))
}

#[test]
fn every_rule_fires_where_planted_and_stays_quiet_on_its_twin() {
    let r = scan(&[CLUSTER], "json");
    let report = ok_report(&r);
    assert_eq!(k8s_findings(&report), planted());
    // Every Kubernetes rule is planted somewhere.
    let rules: BTreeSet<&str> = PLANTED_FINDINGS.iter().map(|p| p.0).collect();
    let listed = run(&["rules", "--format", "json"]);
    let catalog: Value = serde_json::from_str(&listed.stdout).expect("rules json");
    for rule in catalog.as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        if id.starts_with("k8s-") {
            assert!(rules.contains(id), "{id} is planted in the demo cluster");
        }
    }
    // The source says where the cluster's name came from.
    let source = &report["sources"][0];
    assert_eq!(source["scope"], "demo-eks");
    assert!(
        source["message"]
            .as_str()
            .is_some_and(|m| m.contains("named after the file")),
        "{source}"
    );
    assert!(r.stderr.contains("--k8s-cluster"), "{}", r.stderr);
    // Control-plane accounts are inventoried, not judged.
    let controller = identity(&report, "k8s:demo-eks/kube-system/replicaset-controller");
    assert_eq!(controller["provider_managed"], true, "{controller}");
}

#[test]
fn each_finding_carries_its_evidence() {
    let report = scan_json(&[CLUSTER]);
    let bot = identity(&report, "k8s:demo-eks/web/deployer-bot");
    let f = &bot["findings"][0];
    assert_eq!(f["severity"], "critical");
    let cap = &f["evidence"]["capabilities"][0];
    assert_eq!(cap["binding"], "RoleBinding/ci/web-deployer-bot");
    assert_eq!(cap["role"], "Role/ci/deploy-bot");
    assert_eq!(cap["more_privileged"]["service_account"], "ci/runner");
    assert_eq!(cap["rule"]["resources"][0], "deployments");
    let debugger = identity(&report, "k8s:demo-eks/payments/debugger");
    let esc = debugger["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "k8s-privilege-escalation")
        .expect("escalation");
    assert_eq!(esc["severity"], "high", "namespaced: high");
    assert_eq!(
        esc["evidence"]["capabilities"][0]["capability"],
        "pods-exec"
    );
}

#[test]
fn the_irsa_service_account_reaches_an_aws_administrator() {
    // Issuer unknown: joined by the annotated role ARN, and the evidence says so.
    let report = scan_json(&[CLUSTER, "fixtures/demo"]);
    let role = identity(&report, "arn:aws:iam::314159265358:role/eks-ci-deployer");
    let f = role["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "pipeline-path-to-admin")
        .expect("path to admin");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("any pod in namespace ci that runs as deployer")),
        "{f}"
    );
    let way = &f["evidence"]["ways_in"][0];
    assert_eq!(way["workload"], "k8s:demo-eks/ci/deployer");
    assert!(way["joined_by"]
        .as_str()
        .is_some_and(|j| j.contains("annotation")));
    let sa = identity(&report, "k8s:demo-eks/ci/deployer");
    assert_eq!(sa["reaches"][0]["reaches"][0], "admin", "{sa}");
    assert_eq!(
        sa["reaches"][0]["identity"],
        "arn:aws:iam::314159265358:role/eks-ci-deployer"
    );
    // The twin wears a role that is no administrator.
    let app = identity(&report, "k8s:demo-eks/web/app");
    assert_eq!(app["reaches"][0]["reaches"], serde_json::json!([]));
    // Issuer given: joined by it, with high certainty.
    let r = run(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--from",
        CLUSTER,
        "--from",
        "fixtures/demo",
        "--k8s-oidc-issuer",
        ISSUER,
    ]);
    let report = ok_report(&r);
    let role = identity(&report, "arn:aws:iam::314159265358:role/eks-ci-deployer");
    let f = role["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "pipeline-path-to-admin")
        .expect("path to admin");
    let way = &f["evidence"]["ways_in"][0];
    assert_eq!(way["workload"], "k8s:demo-eks/ci/deployer");
    assert_eq!(way["certainty"], "high");
    assert!(way.get("joined_by").is_none(), "{way}");
    // The graph draws the path: service account -> role -> admin.
    let g = run(&[
        "graph",
        "--now",
        NOW,
        "--from",
        CLUSTER,
        "--from",
        "fixtures/demo",
        "--from-identity",
        "k8s:demo-eks/ci/deployer",
        "--to",
        "admin",
        "--format",
        "mermaid",
    ]);
    assert_eq!(g.code, 0, "{}", g.stderr);
    assert!(g.stdout.contains("eks-ci-deployer"), "{}", g.stdout);
}

#[test]
fn secret_values_never_appear_in_any_output_or_inventory() {
    let b64 = "bmhpLXBsYW50ZWQtazhzLXRva2VuLXZhbHVlLURPLU5PVC1QUklOVA==";
    assert!(read(CLUSTER).contains(PLANTED) && read(CLUSTER).contains(b64));
    for format in [
        "table", "json", "ndjson", "csv", "sarif", "html", "markdown", "ocsf",
    ] {
        let mut cmd = nhi();
        cmd.env("RUST_LOG", "trace");
        let r = run_in(
            cmd,
            &[
                "-vv", "scan", "--now", NOW, "--format", format, "--from", CLUSTER,
            ],
        );
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        for secret in [PLANTED, b64, "last-applied-configuration"] {
            assert!(!r.stdout.contains(secret), "{format}: {secret} in stdout");
            assert!(!r.stderr.contains(secret), "{format}: {secret} in logs");
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = dir.path().join("inventory.json");
    let r = run(&[
        "collect",
        "--from",
        CLUSTER,
        "-o",
        saved.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&saved).expect("inventory written");
    assert!(!text.contains(PLANTED) && !text.contains(b64));
    assert!(
        text.contains("jenkins-token"),
        "token Secrets are listed by name"
    );
    // The saved inventory judges the same as the export.
    let again = scan_json(&[saved.to_str().expect("path")]);
    assert_eq!(k8s_findings(&again), planted());
}

#[test]
fn one_file_per_kind_is_one_cluster_named_after_its_directory() {
    let export: Value = serde_json::from_str(&read(CLUSTER)).expect("json");
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster_dir = dir.path().join("demo-eks");
    std::fs::create_dir(&cluster_dir).expect("dir");
    let mut by_kind: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for item in export["items"].as_array().expect("items") {
        by_kind
            .entry(item["kind"].as_str().expect("kind").to_string())
            .or_default()
            .push(item.clone());
    }
    for (kind, items) in by_kind {
        // As the API lists them: `<Kind>List`, items without kind and apiVersion.
        let items: Vec<Value> = items
            .into_iter()
            .map(|mut i| {
                let o = i.as_object_mut().expect("object");
                o.remove("kind");
                o.remove("apiVersion");
                i
            })
            .collect();
        let file = cluster_dir.join(format!("{}s.json", kind.to_lowercase()));
        let list = serde_json::json!({"apiVersion": "v1", "kind": format!("{kind}List"), "metadata": {}, "items": items});
        std::fs::write(&file, list.to_string()).expect("write");
    }
    let r = scan(&[cluster_dir.to_str().expect("path")], "json");
    let report = ok_report(&r);
    assert_eq!(k8s_findings(&report), planted());
    let whole = scan_json(&[CLUSTER]);
    assert_eq!(
        findings_by_fingerprint(&report),
        findings_by_fingerprint(&whole),
        "the same fingerprints as the single export"
    );
}

#[test]
fn bad_exports_name_the_file_the_provider_and_the_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "truncated.json",
            r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"ServiceAccount","#,
            "ends early",
        ),
        (
            "items-not-a-list.json",
            r#"{"apiVersion":"v1","kind":"List","items":{"a":1}}"#,
            "not a Kubernetes export",
        ),
        (
            "cluster.yaml",
            "apiVersion: v1\nkind: List\nitems: []\n",
            "YAML",
        ),
        (
            "bad-item.json",
            r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"ServiceAccount","metadata":{"name":7}}]}"#,
            "could not be read",
        ),
    ];
    for (name, body, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write");
        let p = path.to_str().expect("path");
        let r = run(&["scan", "--from", p, "--now", NOW, "--format", "json"]);
        assert_eq!(r.code, 2, "{name}: exit code");
        assert!(!r.stderr.contains("panicked"), "{name}");
        assert!(r.stderr.contains(p), "{name}: names the file: {}", r.stderr);
        assert!(
            r.stderr.contains(expected),
            "{name}: says {expected:?}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("kubectl get"),
            "{name}: says how to make the export: {}",
            r.stderr
        );
        let report: Value = serde_json::from_str(&r.stdout).expect("a report is still written");
        // A file that is not even JSON cannot be told apart: the message lists every export
        // nhi reads, the Kubernetes one among them.
        let connector = if name == "truncated.json" {
            "input"
        } else {
            "kubernetes"
        };
        assert_eq!(report["sources"][0]["connector"], connector, "{name}");
    }
}

#[test]
fn output_is_deterministic() {
    let a = scan(&[CLUSTER, "fixtures/demo"], "json");
    let b = scan(&["fixtures/demo", CLUSTER], "json");
    assert_eq!(a.stdout, b.stdout);
}
