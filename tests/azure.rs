//! Azure / Entra ID: the demo tenant's exports (every rule planted beside a clean twin), bad
//! exports, the GitHub join into the escalation graph, and the live connector against a scenario
//! mock of Graph, Resource Manager and the token endpoint that serves the same tenant.

use crate::common::*;
use std::collections::BTreeSet;

const DEMO: &str = "fixtures/azure/demo";

/// (rule, identity name) of every finding.
fn fired(report: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for i in report["identities"].as_array().expect("identities") {
        for f in i["findings"].as_array().expect("findings") {
            out.insert((
                f["rule_id"].as_str().expect("rule").to_string(),
                i["name"].as_str().expect("name").to_string(),
            ));
        }
    }
    out
}

/// Where each rule is planted in the demo tenant. Every other identity is a clean twin of one
/// of these (a pinned subject, a short secret, a signing certificate, an enabled owner, a read
/// permission, a resource-group scope, a sponsored agent...), so the set is exact.
pub fn planted() -> BTreeSet<(String, String)> {
    [
        ("azure-credential-long-lived", "ci-deployer"),
        ("azure-credential-long-lived", "expired-cert-app"),
        ("azure-credential-on-service-principal", "legacy-batch"),
        ("azure-sp-unused", "old-reporting"),
        ("azure-sp-unused", "never-used-connector"),
        ("azure-app-no-owner", "orphan-webhook"),
        ("azure-app-no-owner", "departed-owner-tool"),
        ("azure-app-no-owner", "support-agent-blueprint"),
        ("azure-dangerous-graph-permission", "graph-sync"),
        ("azure-dangerous-graph-permission", "mail-archiver"),
        ("azure-dangerous-graph-permission", "VendorCRM"),
        ("azure-privileged-directory-role", "tenant-admin-automation"),
        ("azure-subscription-control", "infra-terraform"),
        ("azure-subscription-control", "mi-web-deploy"),
        ("azure-federation-too-wide", "ci-deployer"),
        ("azure-third-party-app-privileged", "VendorCRM"),
        ("azure-agent-unsponsored", "support-agent"),
        ("azure-agent-unsponsored", "support-agent@contoso.com"),
        ("azure-path-to-global-admin", "ci-deployer"),
        ("azure-path-to-global-admin", "graph-sync"),
    ]
    .into_iter()
    .map(|(r, n)| (r.to_string(), n.to_string()))
    .collect()
}

#[test]
fn every_rule_fires_where_planted_and_nowhere_else() {
    let report = ok_report(&scan(&[DEMO], "json"));
    assert_eq!(fired(&report), planted());
    let rules: BTreeSet<String> = planted().into_iter().map(|(r, _)| r).collect();
    for id in nhi::rules::ids()
        .into_iter()
        .filter(|i| i.starts_with("azure-"))
    {
        assert!(rules.contains(id), "{id} is planted in the demo tenant");
    }
    // Identities and their facts.
    let ids = report["identities"].as_array().expect("identities");
    let by_name = |n: &str| {
        ids.iter()
            .find(|i| i["name"] == n && i["kind"] != "azure_application")
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(report["summary"]["ai_agents"]["azure"], 6);
    assert_eq!(by_name("support-agent")["ai_agent"], "entra_agent_id");
    assert_eq!(
        report["summary"]["not_judged"], 1,
        "Microsoft Graph's own service principal"
    );
    let scope = by_name("ci-deployer")["scope"].as_str().expect("scope");
    assert_eq!(scope, "7d3e4f5a-1b2c-4d6e-8f90-a1b2c3d4e5f6");
}

#[test]
fn output_is_deterministic_and_management_group_assignments_count_once() {
    let a = scan(&[DEMO], "json");
    let b = scan(&[DEMO], "json");
    assert_eq!(a.stdout, b.stdout);
    let inv = run(&["collect", "--from", DEMO]);
    assert_eq!(inv.code, 0, "{}", inv.stderr);
    let inv: serde_json::Value = serde_json::from_str(&inv.stdout).expect("inventory");
    let mi = inv["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == "mi-web-deploy")
        .expect("mi");
    assert_eq!(
        mi["native"]["rbac"].as_array().map(Vec::len),
        Some(1),
        "{mi}"
    );
    assert_eq!(mi["native"]["managed_identity"], "user_assigned");
}

#[test]
fn broken_exports_name_the_file_and_the_fix_and_the_rest_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    for f in std::fs::read_dir(root().join(DEMO)).expect("demo") {
        let f = f.expect("entry").path();
        std::fs::copy(&f, dir.path().join(f.file_name().expect("name"))).expect("copy");
    }
    // A truncated listing, and an item whose credentials are not a list.
    let sps = read(format!("{DEMO}/service-principals.json"));
    std::fs::write(
        dir.path().join("service-principals.json"),
        &sps[..sps.len() / 3],
    )
    .expect("w");
    let apps = read(format!("{DEMO}/applications.json")).replacen(
        "\"passwordCredentials\": [",
        "\"passwordCredentials\": \"oops\", \"x\": [",
        1,
    );
    std::fs::write(dir.path().join("applications.json"), apps).expect("w");
    let d = dir.path().to_str().expect("utf8");
    let r = scan(&[d], "json");
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let sources = report["sources"].as_array().expect("sources");
    let truncated = sources
        .iter()
        .find(|s| {
            s["origin"]
                .as_str()
                .is_some_and(|o| o.ends_with("service-principals.json"))
        })
        .expect("reported");
    assert_eq!(truncated["status"], "failed");
    let m = truncated["message"].as_str().expect("message");
    assert!(
        m.contains("ends early") && m.contains("azure-export.sh"),
        "{m}"
    );
    let partial = sources
        .iter()
        .find(|s| {
            s["origin"]
                .as_str()
                .is_some_and(|o| o.ends_with("applications.json"))
        })
        .expect("reported");
    assert_eq!(partial["status"], "partial", "{partial}");
    assert!(partial["message"]
        .as_str()
        .expect("m")
        .contains("az ad app list --all"));
    // The applications that could be read are still judged.
    assert!(fired(&report).contains(&("azure-app-no-owner".into(), "orphan-webhook".into())));
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn a_github_workload_reaches_global_admin_through_a_federated_credential() {
    let r = run(&[
        "graph",
        "--from",
        DEMO,
        "--from",
        "fixtures/github/acme-inventory.json",
        "--now",
        NOW,
        "--from-identity",
        "github:acme/api",
        "--to",
        "admin",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g: serde_json::Value = serde_json::from_str(&r.stdout).expect("graph");
    let edges = g["edges"].as_array().expect("edges");
    let ci = "azure:7d3e4f5a-1b2c-4d6e-8f90-a1b2c3d4e5f6/servicePrincipals/";
    let fed = edges
        .iter()
        .find(|e| e["from"] == "github:acme/api" && e["kind"] == "federation")
        .expect("federation edge");
    assert!(fed["to"].as_str().expect("to").starts_with(ci));
    assert!(
        fed["subjects"]
            .to_string()
            .contains("repo:acme/api:pull_request"),
        "{fed}"
    );
    assert!(edges
        .iter()
        .any(|e| e["kind"] == "can_become" && e["from"] == fed["to"]));
    assert!(edges.iter().any(
        |e| e["kind"] == "is_admin" && e["to"] == "admin:7d3e4f5a-1b2c-4d6e-8f90-a1b2c3d4e5f6"
    ));
    // The report says who can get in, and that it leads to admin.
    let report = scan_json(&[DEMO, "fixtures/github/acme-inventory.json"]);
    let ci = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == "ci-deployer" && i["kind"] == "azure_service_principal")
        .expect("ci");
    assert_eq!(ci["reached_by"][0]["workload"], "github:acme/api", "{ci}");
}
