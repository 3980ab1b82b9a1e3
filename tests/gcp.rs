//! Google Cloud from exports: the demo organization (fixtures/gcp, made by
//! fixtures/generate_gcp.py) has every rule planted in acme-prod and clean twins in acme-dev;
//! key material planted in a key file reaches no output; malformed exports name the file and
//! the fix; docs/gcp-export.sh writes the files nhi reads (checked with a stand-in gcloud).

use crate::common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const PLANTED: &str = "UExBTlRFRC1QUklWQVRFLUtFWS1NQVRFUklBTC1ETy1OT1QtUFJJTlQ=";

/// Every Google Cloud rule id.
fn gcp_rules() -> BTreeSet<String> {
    let r = run(&["rules", "--format", "json"]);
    let rules: Vec<Value> = serde_json::from_str(&r.stdout).expect("json");
    rules
        .iter()
        .filter_map(|r| r["id"].as_str())
        .filter(|id| id.starts_with("gcp-"))
        .map(str::to_string)
        .collect()
}

/// (scope, name) → rule ids of a JSON report.
pub fn rules_by_identity(report: &Value) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for i in report["identities"].as_array().expect("identities") {
        let key = (
            i["scope"].as_str().unwrap_or("").to_string(),
            i["name"].as_str().unwrap_or("").to_string(),
        );
        let rules: BTreeSet<String> = i["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
            .collect();
        out.insert(key, rules);
    }
    out
}

/// What the demo organization must give: every rule in acme-prod, nothing in acme-dev but the
/// fresh key's user-managed-key finding, nothing in acme-data.
pub fn assert_planted_and_twins(report: &Value) {
    let by = rules_by_identity(report);
    let fired: BTreeSet<&String> = by
        .iter()
        .filter(|((scope, _), _)| scope == "acme-prod")
        .flat_map(|(_, r)| r)
        .collect();
    for rule in gcp_rules() {
        assert!(
            fired.contains(&rule),
            "{rule} does not fire in acme-prod: {by:#?}"
        );
    }
    let expect = |scope: &str, name: &str, rules: &[&str]| {
        let got = by
            .get(&(scope.to_string(), name.to_string()))
            .unwrap_or_else(|| panic!("{scope}/{name} missing: {by:#?}"));
        let want: BTreeSet<String> = rules.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, &want, "{scope}/{name}");
    };
    let prod = |n: &str| format!("{n}@acme-prod.iam.gserviceaccount.com");
    expect(
        "acme-prod",
        &prod("public-sa"),
        &[
            "gcp-sa-public",
            "gcp-sa-impersonable",
            "gcp-sa-user-managed-key",
        ],
    );
    expect(
        "acme-prod",
        &prod("gh-deployer"),
        &["gcp-wif-pool-wide-binding", "gcp-sa-impersonable"],
    );
    expect(
        "acme-prod",
        "github/github",
        &["gcp-wif-provider-unrestricted"],
    );
    expect(
        "acme-prod",
        "111-compute@developer.gserviceaccount.com",
        &[
            "gcp-default-compute-sa-editor",
            "gcp-sa-impersonable",
            "gcp-sa-privilege-escalation",
        ],
    );
    expect(
        "acme-prod",
        &prod("never-used"),
        &["gcp-sa-unused", "gcp-sa-impersonable"],
    );
    expect(
        "acme-prod",
        &prod("etl-runner"),
        &["gcp-sa-privilege-escalation", "gcp-sa-impersonable"],
    );
    for ((scope, name), rules) in &by {
        match scope.as_str() {
            "acme-dev" if name.starts_with("fresh-key@") => {
                assert_eq!(
                    rules.iter().collect::<Vec<_>>(),
                    ["gcp-sa-user-managed-key"],
                    "{name}"
                )
            }
            "acme-dev" | "acme-data" => assert!(rules.is_empty(), "twin {scope}/{name}: {rules:?}"),
            _ => {}
        }
    }
}

#[test]
fn every_rule_fires_in_the_demo_organization_and_stays_quiet_on_its_twins() {
    let r = scan(&["fixtures/gcp"], "json");
    let report = ok_report(&r);
    assert_planted_and_twins(&report);
    // Reproducible: the same bytes twice.
    assert_eq!(scan(&["fixtures/gcp"], "json").stdout, r.stdout);
    // Unique id join: public-sa's own policy is named by unique id in the export.
    assert!(r.stdout.contains("allAuthenticatedUsers"));
}

#[test]
fn planted_key_material_reaches_no_output_nor_the_inventory() {
    for format in [
        "table", "json", "ndjson", "csv", "sarif", "html", "markdown", "ocsf",
    ] {
        let r = scan(&["fixtures/gcp"], format);
        assert!(r.code == 0 || r.code == 1, "{format}: {}", r.stderr);
        assert!(
            !r.stdout.contains(PLANTED) && !r.stderr.contains(PLANTED),
            "{format}: key material leaked"
        );
        assert!(!r.stdout.contains("privateKeyData"), "{format}");
    }
    let dir = tempfile::tempdir().expect("tmp");
    let saved = dir.path().join("inventory.json");
    let r = run(&[
        "collect",
        "--from",
        "fixtures/gcp",
        "--output",
        saved.to_str().expect("path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&saved).expect("saved");
    assert!(!text.contains(PLANTED) && !text.contains("privateKeyData"));
    // The saved inventory gives the same findings on another machine.
    let again = scan_json(&[saved.to_str().expect("path")]);
    let direct = scan_json(&["fixtures/gcp"]);
    assert_eq!(
        findings_by_fingerprint(&again),
        findings_by_fingerprint(&direct)
    );
}

#[test]
fn malformed_exports_name_the_file_provider_and_fix_and_the_rest_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let truncated = dir.path().join("sa.json");
    std::fs::write(&truncated, r#"[{"email": "a@p.iam.gserviceaccount.com", "projectId": "p", "name": "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com""#).expect("write");
    let bad_item = dir.path().join("keys.json");
    std::fs::write(&bad_item, r#"[{"name": "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k1", "keyType": "USER_MANAGED", "validAfterTime": "2026-01-01T00:00:00Z"}, {"keyType": 7}]"#).expect("write");
    let r = scan(
        &[
            truncated.to_str().expect("p"),
            bad_item.to_str().expect("p"),
            "fixtures/gcp/acme-dev",
        ],
        "json",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let sources = report["sources"].as_array().expect("sources");
    let of = |p: &std::path::Path| {
        sources
            .iter()
            .find(|s| s["origin"] == p.display().to_string())
            .unwrap_or_else(|| panic!("no source for {}", p.display()))
            .clone()
    };
    let t = of(&truncated);
    assert_eq!(t["status"], "failed");
    let msg = t["message"].as_str().expect("message");
    assert!(
        msg.contains("ends early")
            && msg.contains("Google Cloud")
            && msg.contains("docs/gcp-export.sh"),
        "{msg}"
    );
    let k = of(&bad_item);
    assert_eq!(k["status"], "partial");
    assert_eq!(k["connector"], "gcp");
    assert!(k["message"].as_str().expect("m").contains("item 1"));
    // The valid files are still read.
    assert!(report["identities"].as_array().expect("ids").len() >= 8);
}

#[test]
fn the_graph_draws_who_can_become_each_service_account() {
    let r = run(&[
        "graph",
        "--from",
        "fixtures/gcp",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g: Value = serde_json::from_str(&r.stdout).expect("json");
    let edges: Vec<(String, String, String)> = g["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap_or("").to_string(),
                e["to"].as_str().unwrap_or("").to_string(),
                e["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let sa = |n: &str| {
        format!("projects/acme-prod/serviceAccounts/{n}@acme-prod.iam.gserviceaccount.com")
    };
    for want in [
        ("group:developers@acme.com".to_string(), sa("ci-deployer"), "can_become"),
        ("allAuthenticatedUsers".to_string(), sa("public-sa"), "can_become"),
        (
            "principalSet://iam.googleapis.com/projects/111/locations/global/workloadIdentityPools/github/*".to_string(),
            sa("gh-deployer"),
            "federation",
        ),
        // Service account to service account: editors can act as every account of the project.
        (sa("ci-deployer"), sa("etl-runner"), "can_become"),
    ] {
        assert!(
            edges.contains(&(want.0.clone(), want.1.clone(), want.2.to_string())),
            "{want:?} not in {edges:#?}"
        );
    }
}

/// docs/gcp-export.sh, run against a stand-in gcloud that answers from the demo organization,
/// writes files nhi reads into the same report.
#[test]
fn the_export_script_writes_the_files_nhi_reads() {
    let status = std::process::Command::new("jq").arg("--version").output();
    assert!(
        status.is_ok_and(|o| o.status.success()),
        "jq is needed (Debian package jq; .ci/run installs it)"
    );
    let out = tempfile::tempdir().expect("tmp");
    let run_script = |deny: bool| {
        let mut cmd = std::process::Command::new("bash");
        cmd.arg(root().join("docs/gcp-export.sh"))
            .arg("1000")
            .arg(out.path())
            .env("GCLOUD", root().join("tests/gcp/fake-gcloud"))
            .env("FIXTURES", root().join("fixtures/gcp"));
        if deny {
            cmd.env("DENY_DATA", "1");
        }
        cmd.output().expect("bash runs")
    };
    let o = run_script(false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut files: Vec<String> = Vec::new();
    for entry in files::walk(out.path()) {
        files.push(entry);
    }
    for want in [
        "projects.json",
        "iam-policies.json",
        "custom-roles.json",
        "acme-prod/service-accounts.json",
        "acme-prod/keys/ci-deployer@acme-prod.iam.gserviceaccount.com.json",
        "acme-prod/activity-accounts.json",
        "acme-prod/activity-keys.json",
        "acme-prod/providers/github.json",
        "acme-dev/keys/fresh-key@acme-dev.iam.gserviceaccount.com.json",
        // Optional: the one group whose members the stand-in lets the caller see.
        "groups/auditors@acme.com.json",
    ] {
        assert!(
            files.iter().any(|f| f == want),
            "{want} not written: {files:?}"
        );
    }
    // Accounts without user-managed keys get no (empty) key file.
    assert!(
        !files.iter().any(|f| f.contains("keys/etl-runner")),
        "{files:?}"
    );
    let exported = scan_json(&[out.path().to_str().expect("path")]);
    let fixture = scan_json(&["fixtures/gcp"]);
    assert_eq!(
        findings_by_fingerprint(&exported),
        findings_by_fingerprint(&fixture)
    );
}

mod files {
    /// Every file under `dir`, relative, sorted.
    pub fn walk(dir: &std::path::Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(dir) {
                    out.push(rel.display().to_string());
                }
            }
        }
        out.sort();
        out
    }
}

/// GKE Workload Identity: the demo cluster's ci/gcp-release is bound (as
/// `acme-prod.svc.id.goog[ci/gcp-release]`) to ci-deployer, an Editor of acme-prod; with both
/// scans the graph draws the Kubernetes account into it and its reach says what it gets.
#[test]
fn gke_workload_identity_joins_the_demo_cluster_to_the_demo_organization() {
    let k8s = "k8s:demo-eks/ci/gcp-release";
    let deployer =
        "projects/acme-prod/serviceAccounts/ci-deployer@acme-prod.iam.gserviceaccount.com";
    let r = run(&[
        "graph",
        "--from",
        "fixtures/k8s/demo-eks.json",
        "--from",
        "fixtures/gcp",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g: Value = serde_json::from_str(&r.stdout).expect("json");
    let edges = g["edges"].as_array().expect("edges");
    let e = edges
        .iter()
        .find(|e| e["from"] == k8s && e["to"] == deployer)
        .unwrap_or_else(|| panic!("no GKE edge: {edges:#?}"));
    assert_eq!(e["kind"], "federation");
    assert_eq!(e["certainty"], "high");
    let who = e["who"].as_str().expect("who");
    assert!(
        who.contains("acme-prod.svc.id.goog[ci/gcp-release]") && who.contains("annotation agrees"),
        "{who}"
    );
    let node = g["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == k8s)
        .expect("k8s node");
    let reach: Vec<&str> = node["reaches"]
        .as_array()
        .expect("reaches")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        reach.contains(
            &"as ci-deployer@acme-prod.iam.gserviceaccount.com: roles/editor on project acme-prod"
        ),
        "{reach:?}"
    );
    // Twins: the IRSA account and the GKE-annotated data/etl (no binding names it) join nothing
    // in Google Cloud.
    for twin in ["k8s:demo-eks/ci/deployer", "k8s:demo-eks/data/etl"] {
        assert!(
            !edges.iter().any(|e| e["from"] == twin
                && e["to"].as_str().is_some_and(|t| t.starts_with("projects/"))),
            "{twin}"
        );
    }

    // The report: the Kubernetes account's reaches name the account and what it amounts to.
    let report = scan_json(&["fixtures/k8s/demo-eks.json", "fixtures/gcp"]);
    let ids = report["identities"].as_array().expect("identities");
    let sa = ids.iter().find(|i| i["id"] == k8s).expect("k8s identity");
    let reaches = sa["reaches"].as_array().expect("reaches");
    assert_eq!(reaches.len(), 1, "{reaches:#?}");
    assert_eq!(reaches[0]["identity"], deployer);
    assert_eq!(
        reaches[0]["reaches"][0],
        "roles/editor on project acme-prod"
    );
    // Without the Google Cloud scan there is nothing to join.
    let alone = scan_json(&["fixtures/k8s/demo-eks.json"]);
    let sa = alone["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["id"] == k8s)
        .expect("k8s identity")
        .clone();
    assert!(sa.get("reaches").is_none(), "{sa:#}");
}

/// Group memberships (`gcloud identity groups memberships list --group-email=G`, one file per
/// group, the group from the file name): with developers@acme.com's members exported, the
/// group's project-wide Token Creator on acme-prod counts for acme-data's analytics account, a
/// member; without the file it does not (the twin is the plain demo scan).
#[test]
fn a_group_grant_counts_for_member_accounts_when_memberships_are_exported() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("developers@acme.com.json");
    std::fs::write(
        &file,
        r#"[{"name": "groups/0abc/memberships/1", "preferredMemberKey": {"id": "Analytics@acme-data.iam.gserviceaccount.com"}, "roles": [{"name": "MEMBER"}], "type": "SERVICE_ACCOUNT"},
            {"name": "groups/0abc/memberships/2", "preferredMemberKey": {"id": "dana@acme.com"}, "roles": [{"name": "MEMBER"}], "type": "USER"}]"#,
    )
    .expect("write");
    let analytics = |report: &Value| -> Value {
        report["identities"]
            .as_array()
            .expect("identities")
            .iter()
            .find(|i| i["name"] == "analytics@acme-data.iam.gserviceaccount.com")
            .expect("analytics")
            .clone()
    };
    let without = analytics(&scan_json(&["fixtures/gcp"]));
    assert_eq!(without["findings"], serde_json::json!([]), "{without:#}");

    let report = scan_json(&["fixtures/gcp", file.to_str().expect("path")]);
    let source = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["origin"] == file.display().to_string())
        .expect("the memberships file is a source")
        .clone();
    assert_eq!(source["connector"], "gcp");
    assert_eq!(source["status"], "ok");
    assert_eq!(source["scope"], "developers@acme.com");
    let with = analytics(&report);
    let escalation = with["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "gcp-sa-privilege-escalation")
        .unwrap_or_else(|| panic!("no escalation: {with:#}"));
    let granted = escalation["evidence"]["paths"].to_string();
    assert!(
        granted.contains("through group:developers@acme.com"),
        "{granted}"
    );

    // The graph: analytics can become acme-prod's accounts through the group.
    let r = run(&[
        "graph",
        "--from",
        "fixtures/gcp",
        "--from",
        file.to_str().expect("path"),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g: Value = serde_json::from_str(&r.stdout).expect("json");
    let edge = g["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| {
            e["from"] == "projects/acme-data/serviceAccounts/analytics@acme-data.iam.gserviceaccount.com"
                && e["to"] == "projects/acme-prod/serviceAccounts/ci-deployer@acme-prod.iam.gserviceaccount.com"
        })
        .expect("analytics -> ci-deployer")
        .clone();
    assert!(
        edge["who"]
            .as_str()
            .is_some_and(|w| w.contains("through group:developers@acme.com")),
        "{edge:#}"
    );

    // A memberships file that does not say its group fails, naming the fix; the rest is read.
    let nameless = dir.path().join("members.json");
    std::fs::copy(&file, &nameless).expect("copy");
    let r = scan(&["fixtures/gcp", nameless.to_str().expect("path")], "json");
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let s = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["origin"] == nameless.display().to_string())
        .expect("source")
        .clone();
    assert_eq!(s["status"], "failed");
    assert!(
        s["message"]
            .as_str()
            .is_some_and(|m| m.contains("GROUP_EMAIL.json")),
        "{s:#}"
    );
    assert_eq!(analytics(&report)["findings"], serde_json::json!([]));
}

/// AWS principal → pool → service account, from exports: a pool whose provider trusts the AWS
/// demo account (314159265358) and a binding naming the demo's `gh-deploy-prod` role
/// (`attribute.aws_role/arn:aws:sts::ACCOUNT:assumed-role/NAME`, as Google's default mapping
/// writes it) on one account, the whole pool on another. The graph draws the role into the
/// first (high certainty) and every role of the account into the second (medium); a pool
/// trusting another account admits none of them.
#[test]
fn aws_roles_of_the_scan_federate_into_service_accounts_through_a_pool() {
    let dir = tempfile::tempdir().expect("tmp");
    let write = |name: &str, v: Value| {
        std::fs::write(dir.path().join(name), v.to_string()).expect("write");
    };
    let sa = |n: &str| {
        serde_json::json!({"email": format!("{n}@p1.iam.gserviceaccount.com"), "projectId": "p1",
            "name": format!("projects/p1/serviceAccounts/{n}@p1.iam.gserviceaccount.com"),
            "uniqueId": format!("uid-{n}")})
    };
    write(
        "sas.json",
        serde_json::json!([sa("named"), sa("pooled"), sa("other")]),
    );
    let provider = |pool: &str, account: &str| {
        serde_json::json!({"name": format!("projects/42/locations/global/workloadIdentityPools/{pool}/providers/aws"),
            "aws": {"accountId": account}, "state": "ACTIVE"})
    };
    write(
        "aws.json",
        serde_json::json!([provider("aws", "314159265358")]),
    );
    write(
        "elsewhere.json",
        serde_json::json!([provider("elsewhere", "999999999999")]),
    );
    let set = |pool: &str, sel: &str| {
        format!("principalSet://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/{pool}/{sel}")
    };
    let policy = |n: &str, member: String| {
        serde_json::json!({"resource": format!("//iam.googleapis.com/projects/p1/serviceAccounts/{n}@p1.iam.gserviceaccount.com"),
            "assetType": "iam.googleapis.com/ServiceAccount", "project": "projects/42",
            "policy": {"bindings": [{"role": "roles/iam.workloadIdentityUser", "members": [member]}]}})
    };
    write(
        "policies.json",
        serde_json::json!([
            policy(
                "named",
                set(
                    "aws",
                    "attribute.aws_role/arn:aws:sts::314159265358:assumed-role/gh-deploy-prod"
                )
            ),
            policy("pooled", set("aws", "*")),
            policy("other", set("elsewhere", "*")),
        ]),
    );
    let r = run(&[
        "graph",
        "--from",
        "fixtures/demo",
        "--from",
        dir.path().to_str().expect("path"),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g: Value = serde_json::from_str(&r.stdout).expect("json");
    let into = |n: &str| -> Vec<(String, String)> {
        let to = format!("projects/p1/serviceAccounts/{n}@p1.iam.gserviceaccount.com");
        g["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter(|e| {
                e["to"] == to.as_str()
                    && e["from"]
                        .as_str()
                        .is_some_and(|f| f.starts_with("arn:aws:iam::"))
            })
            .map(|e| {
                (
                    e["from"].as_str().unwrap_or("").to_string(),
                    e["certainty"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        into("named"),
        vec![(
            "arn:aws:iam::314159265358:role/gh-deploy-prod".to_string(),
            "high".to_string()
        )]
    );
    let pooled = into("pooled");
    assert!(pooled.len() > 1, "{pooled:?}");
    assert!(pooled.iter().all(|(_, c)| c == "medium"), "{pooled:?}");
    assert!(pooled
        .iter()
        .any(|(f, _)| f == "arn:aws:iam::314159265358:role/gh-deploy-prod"));
    assert!(into("other").is_empty());
}
