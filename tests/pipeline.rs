//! Cross-provider paths: the GitHub scenario's organization `acme` (tests/github_scenario.rs)
//! against the AWS roles of tests/aws/pipeline.py, offline (an export and a saved inventory)
//! and live (moto and the GitHub mock in one run), with the same findings and fingerprints.

use crate::aws_live::Moto;
use crate::common::*;
use crate::github_scenario::{Options, Scenario, TOKEN};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const AWS_EXPORT: &str = "fixtures/aws/pipeline/gaad.json";
const GITHUB_INVENTORY: &str = "fixtures/github/acme-inventory.json";

/// (role, rule) → (severity, message) of every pipeline finding.
fn pipeline_findings(report: &Value) -> BTreeMap<(String, String), (String, String, String)> {
    let mut out = BTreeMap::new();
    for i in report["identities"].as_array().expect("identities") {
        for f in i["findings"].as_array().expect("findings") {
            let rule = f["rule_id"].as_str().unwrap_or_default();
            if rule.starts_with("pipeline-") {
                out.insert(
                    (
                        i["name"].as_str().unwrap_or_default().to_string(),
                        rule.to_string(),
                    ),
                    (
                        f["severity"].as_str().unwrap_or_default().to_string(),
                        f["message"].as_str().unwrap_or_default().to_string(),
                        f["fingerprint"].as_str().unwrap_or_default().to_string(),
                    ),
                );
            }
        }
    }
    out
}

fn identity<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no identity {name}"))
}

/// What the scenario plants: role → (rule, severity, how the message starts).
fn expected() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    vec![
        (
            "gh-web-any",
            "pipeline-path-to-admin",
            "critical",
            "anyone who can open a pull request from a branch of acme/web [repo:acme/web:pull_request] →[OIDC, trust GitHubActions]→ gh-web-any (admin).",
        ),
        (
            "gh-web-prod",
            "pipeline-path-to-admin",
            "high",
            "any job of acme/web that deploys to environment prod [repo:acme/web:environment:prod] →[OIDC, trust GitHubActions]→ gh-web-prod (admin). Gated: required reviewers (not the one who triggered it), deployments from protected branches only (severity lowered from critical).",
        ),
        (
            "gh-main-any-repo",
            "pipeline-path-to-sensitive",
            "high",
            "anyone who may create a repository in acme (a new repository has no protected branches or environments) [repo:acme/*:ref:refs/heads/main] →[OIDC, trust GitHubActions]→ gh-main-any-repo (may reach data-write).",
        ),
        (
            "gh-web-by-id",
            "pipeline-path-to-sensitive",
            "high",
            "anyone who can push a branch to acme/web [repo:acme@4200/web@10002:ref:refs/heads/*] →[OIDC, trust GitHubActions]→ gh-web-by-id (may reach secrets).",
        ),
        (
            "gh-two-subjects",
            "pipeline-path-to-admin",
            "critical",
            "anyone who can open a pull request from a branch of acme/api [repo:acme/api:pull_request] →[OIDC, trust GitHubActions]→ gh-two-subjects (admin). 1 more way in (see evidence).",
        ),
        (
            "gh-partner",
            "pipeline-path-to-admin",
            "critical",
            "repository partner-co/tool (organization partner-co not scanned) [repo:partner-co/tool:*] →[OIDC, trust GitHubActions]→ gh-partner (admin).",
        ),
        (
            "gh-ci-api",
            "pipeline-path-to-admin",
            "critical",
            "anyone who can push a branch to acme/api [repo:acme/api:ref:refs/heads/*] →[OIDC, trust GitHubActions]→ gh-ci-api →[sts:AssumeRole]→ pipeline-admin (admin).",
        ),
    ]
}

/// Every planted path fires with its path and severity, and nothing else does.
fn check(report: &Value) {
    let found = pipeline_findings(report);
    for (role, rule, severity, message) in expected() {
        let (s, m, _) = found
            .get(&(role.to_string(), rule.to_string()))
            .unwrap_or_else(|| panic!("{rule} on {role}: {found:#?}"));
        assert_eq!(s, severity, "{role}: {m}");
        assert!(m.starts_with(message), "{role}:\n{m}\nexpected:\n{message}");
    }
    let fired: BTreeSet<&str> = found.keys().map(|(role, _)| role.as_str()).collect();
    let planted: BTreeSet<&str> = expected().iter().map(|e| e.0).collect();
    assert_eq!(
        fired, planted,
        "quiet: gh-docs-publish, gh-web-owner-pinned, pipeline-admin"
    );
}

fn offline() -> Value {
    scan_json(&[AWS_EXPORT, GITHUB_INVENTORY])
}

#[test]
fn the_fixture_is_the_scenario_definition() {
    let out = std::process::Command::new("python3")
        .arg(root().join("tests/aws/pipeline.py"))
        .arg("-")
        .output()
        .expect("python3 runs");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        read(AWS_EXPORT),
        "{AWS_EXPORT} is stale: python3 tests/aws/pipeline.py"
    );
}

#[test]
fn offline_paths_fire_with_their_path_and_the_quiet_ones_stay_quiet() {
    let report = offline();
    check(&report);
    // The path in the evidence: the way in, then the hops.
    let ci = identity(&report, "gh-ci-api");
    let f = ci["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "pipeline-path-to-admin")
        .expect("finding");
    assert_eq!(f["evidence"]["ways_in"][0]["workload"], "github:acme/api");
    assert_eq!(
        f["evidence"]["ways_in"][0]["trust_statement"],
        "GitHubActions"
    );
    assert_eq!(
        f["evidence"]["hops"][0]["to"],
        "arn:aws:iam::123456789012:role/pipeline-admin"
    );
    // The two-subject role: its gated first value is there too, with its gate.
    let two = identity(&report, "gh-two-subjects");
    let ways: Vec<&Value> = two["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "pipeline-path-to-admin")
        .and_then(|f| f["evidence"]["ways_in"].as_array())
        .expect("ways in")
        .iter()
        .collect();
    assert!(
        ways.iter()
            .any(|w| w["subject"] == "repo:acme/web:environment:prod"
                && w["gate"]
                    .as_str()
                    .is_some_and(|g| g.contains("required reviewers"))),
        "{ways:#?}"
    );
    // Inbound on the role, outbound on the organization's workflow token.
    let reached_by = identity(&report, "gh-web-any")["reached_by"]
        .as_array()
        .expect("reached_by");
    assert_eq!(reached_by.len(), 1, "one workload: {reached_by:#?}");
    assert_eq!(reached_by[0]["workload"], "github:acme/web");
    assert!(identity(&report, "gh-docs-publish")["reached_by"].is_array());
    assert!(
        identity(&report, "gh-web-owner-pinned")
            .get("reached_by")
            .is_none(),
        "the owner id rules acme/web out"
    );
    let token = identity(&report, "GITHUB_TOKEN (organization defaults)");
    let reaches: BTreeMap<&str, &Value> = token["reaches"]
        .as_array()
        .expect("reaches")
        .iter()
        .map(|r| (r["identity"].as_str().unwrap_or_default(), &r["reaches"]))
        .filter(|(id, _)| id.ends_with("role/gh-ci-api"))
        .collect();
    assert_eq!(
        reaches.values().next().and_then(|v| v[0].as_str()),
        Some("admin in 1 step"),
        "{reaches:#?}"
    );
}

#[test]
fn without_the_organization_the_subjects_are_named_not_resolved() {
    let report = scan_json(&[AWS_EXPORT]);
    let found = pipeline_findings(&report);
    let (severity, message, _) = found
        .get(&(
            "gh-web-any".to_string(),
            "pipeline-path-to-admin".to_string(),
        ))
        .expect("gh-web-any");
    assert_eq!(severity, "critical");
    assert!(
        message
            .starts_with("repository acme/web (organization acme not scanned) [repo:acme/web:*]"),
        "{message}"
    );
}

#[test]
fn the_table_shows_a_path_end_to_end() {
    let r = scan(&[AWS_EXPORT, GITHUB_INVENTORY], "table");
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The Finding column, its wrapped lines joined.
    let flat = r
        .stdout
        .lines()
        .filter_map(|l| l.rsplit('┆').next())
        .map(|cell| cell.trim_end_matches(['│', ' ']))
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("anyone who can push a branch to acme/api [repo:acme/api:ref:refs/heads/*] →[OIDC, trust GitHubActions]→ gh-ci-api →[sts:AssumeRole]→ pipeline-admin (admin)."),
        "{}",
        r.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_moto_and_github_give_the_same_paths_and_fingerprints() {
    let moto = Moto::start(&["pipeline"]);
    let github = Scenario::start(Options {
        graphql: true,
        ..Default::default()
    })
    .await;
    let url = github.url();
    let endpoint = moto.url.clone();
    let run = tokio::task::spawn_blocking(move || {
        let mut cmd = nhi();
        cmd.env("AWS_ACCESS_KEY_ID", "AKIAMOTOPIPELINE0001")
            .env("AWS_SECRET_ACCESS_KEY", "moto-pipeline-secret")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("GITHUB_TOKEN", TOKEN)
            .timeout(std::time::Duration::from_secs(300));
        run_in(
            cmd,
            &[
                "scan",
                "--aws",
                "--aws-endpoint-url",
                &endpoint,
                "--aws-max-attempts",
                "1",
                "--github-org",
                "acme",
                "--github-api-url",
                &url,
                "--now",
                NOW,
                "--format",
                "json",
            ],
        )
    })
    .await
    .expect("scan ran");
    let live: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stderr, run.stdout));
    check(&live);
    let offline = offline();
    let fingerprints = |r: &Value| -> BTreeMap<(String, String), String> {
        pipeline_findings(r)
            .into_iter()
            .map(|(k, (_, _, fp))| (k, fp))
            .collect()
    };
    assert_eq!(fingerprints(&live), fingerprints(&offline));
}
