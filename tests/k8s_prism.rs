//! The Kubernetes live connector against Prism serving Kubernetes' own OpenAPI description
//! (tests/specs/kubernetes, the API server's swagger.json of 1.36). Prism checks every request
//! against the description (an invalid one is answered 422) and answers with bodies made from
//! its schemas: odd, but shaped as the API says. nhi must send only valid requests, and read
//! whatever comes back without panicking or hanging, every time. Static answers repeat one
//! continue token (nhi stops there and says so); dynamic ones invent a new one on every page,
//! which only the per-cluster timeout ends.

use crate::common::*;
use serde_json::Value;
use std::time::Duration;

const TOKEN: &str = "k8s-prism-static-token-0123456789";

fn spec() -> std::path::PathBuf {
    root().join("tests/specs/kubernetes/kubernetes-1.36-swagger.json")
}

fn kubeconfig(dir: &std::path::Path, server: &str) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: prism\nclusters:\n- name: prism\n  cluster:\n    server: {server}\ncontexts:\n- name: prism\n  context:\n    cluster: prism\n    user: prism\nusers:\n- name: prism\n  user:\n    token: {TOKEN}\n"
        ),
    )
    .expect("kubeconfig");
    path
}

fn scan_prism(prism: &Prism, timeout: &str) -> (Run, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = kubeconfig(dir.path(), &prism.url);
    let mut cmd = nhi();
    cmd.env("RUST_LOG", "debug")
        .env_remove("KUBECONFIG")
        .timeout(Duration::from_secs(300));
    let r = run_in(
        cmd,
        &[
            "scan",
            "--now",
            NOW,
            "--format",
            "json",
            "--kubeconfig",
            config.to_str().expect("path"),
            "--k8s-page-size",
            "3",
            "--k8s-timeout",
            timeout,
        ],
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(r.code == 0 || r.code == 2, "exit {}: {}", r.code, r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("a report every time");
    (r, report)
}

/// `endless`: the server may page forever (dynamic answers make up a new continue token each
/// time, as no API server does); the cluster timeout then ends the scan, reported.
fn check(report: &Value, r: &Run, endless: bool) {
    let source = &report["sources"][0];
    assert_eq!(source["connector"], "kubernetes", "{source}");
    let message = source["message"].as_str().unwrap_or("");
    if source["status"] == "failed" {
        assert!(
            endless && message.contains("did not answer within"),
            "{source}"
        );
    }
    // Prism answers a request that breaks the description with 422: nhi sends none.
    assert!(!message.contains("422"), "{message}");
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
}

#[test]
fn static_and_dynamic_answers_never_break_the_scan() {
    npm_tool("prism");
    let prism = Prism::start(&spec(), false);
    let (r, report) = scan_prism(&prism, "240");
    check(&report, &r, false);
    // Static answers are schema-shaped lists: service accounts come out as identities.
    assert!(
        report["identities"]
            .as_array()
            .is_some_and(|i| i.iter().any(|i| i["kind"] == "k8s_service_account")),
        "{}",
        r.stdout
    );
    drop(prism);
    let prism = Prism::start(&spec(), true);
    for _ in 0..2 {
        let (r, report) = scan_prism(&prism, "15");
        check(&report, &r, true);
    }
}
