//! End-to-end: the real binary on the demo account and variations of it.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn demo_scan_prints_the_table_and_exits_zero() {
    let r = run(&["scan", "--from", "fixtures/demo", "--now", NOW]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Identities by risk"));
    assert!(r.stdout.contains("gh-actions-legacy"));
    assert!(r.stdout.contains("How to fix"));
    assert!(
        r.stderr.is_empty(),
        "nothing for people on a clean run: {}",
        r.stderr
    );
}

#[test]
fn json_report_matches_the_contract() {
    let v = demo_json();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"]["name"], "nhi");
    assert!(v["tool"]["version"].is_string());
    assert_eq!(v["evaluated_at"], NOW);
    for s in v["sources"].as_array().expect("sources") {
        for k in [
            "connector",
            "scope",
            "origin",
            "status",
            "identities",
            "message",
        ] {
            assert!(s.get(k).is_some(), "source.{k}");
        }
        assert!(
            ["ok", "partial", "failed", "skipped"].contains(&s["status"].as_str().expect("status"))
        );
    }
    let summary = &v["summary"];
    for k in ["critical", "high", "medium", "low", "info"] {
        assert!(summary["by_severity"][k].is_u64(), "by_severity.{k}");
    }
    for k in [
        "staleness",
        "over-privilege",
        "ownership",
        "hygiene",
        "exposure",
    ] {
        assert!(summary["by_category"][k].is_u64(), "by_category.{k}");
    }
    assert_eq!(summary["excluded"]["aws_console_user"], 13);
    let identities = v["identities"].as_array().expect("identities");
    assert_eq!(
        summary["identities"].as_u64(),
        Some(identities.len() as u64)
    );
    assert!(identities.len() >= 50, "demo has 50-150 principals");
    let mut total = 0;
    let mut previous_score = u64::MAX;
    for i in identities {
        for k in [
            "id",
            "provider",
            "kind",
            "name",
            "scope",
            "created_at",
            "last_used_at",
            "owner",
            "credentials",
            "risk",
            "findings",
        ] {
            assert!(i.get(k).is_some(), "identity.{k} in {i}");
        }
        assert!(["iam_user", "iam_role", "aws_root_account"]
            .contains(&i["kind"].as_str().expect("kind")));
        let score = i["risk"]["score"].as_u64().expect("score");
        assert!(score <= 100 && score <= previous_score, "sorted by risk");
        previous_score = score;
        if let Some(o) = i["owner"].as_object() {
            assert!(o["value"].is_string() && o["source"].is_string());
        }
        for c in i["credentials"].as_array().expect("credentials") {
            for k in [
                "id",
                "kind",
                "status",
                "created_at",
                "last_used_at",
                "expires_at",
            ] {
                assert!(c.get(k).is_some(), "credential.{k}");
            }
        }
        for f in i["findings"].as_array().expect("findings") {
            total += 1;
            for k in [
                "rule_id",
                "title",
                "category",
                "severity",
                "message",
                "evidence",
                "remediation",
                "fingerprint",
                "owasp",
                "credential_id",
            ] {
                assert!(f.get(k).is_some(), "finding.{k}");
            }
            assert!(f["owasp"].as_array().is_some_and(|o| !o.is_empty()));
            assert!(f["evidence"].is_object());
            assert_eq!(f["fingerprint"].as_str().map(str::len), Some(32));
        }
        for t in [&i["created_at"], &i["last_used_at"]] {
            if let Some(t) = t.as_str() {
                assert!(
                    t.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(t).is_ok(),
                    "{t}"
                );
            }
        }
    }
    assert_eq!(summary["findings"].as_u64(), Some(total));
}

#[test]
fn every_aws_rule_fires_somewhere_on_the_demo_and_every_rule_is_quiet_somewhere() {
    let v = demo_json();
    let rules = run(&["rules", "--format", "json"]);
    let catalog: Vec<Value> = serde_json::from_str(&rules.stdout).expect("rules json");
    let judged: Vec<&Value> = v["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter(|i| i["provider_managed"] == false)
        .collect();
    // Service last accessed data exists only on live scans: that rule is covered by
    // tests/aws_recorded.rs.
    const LIVE_ONLY: &[&str] = &["aws-unused-services"];
    for rule in catalog
        .iter()
        .filter(|r| {
            r["providers"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p == "aws"))
        })
        .filter(|r| !LIVE_ONLY.contains(&r["id"].as_str().unwrap_or_default()))
    {
        let id = rule["id"].as_str().expect("id");
        let firing = judged
            .iter()
            .filter(|i| {
                i["findings"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|f| f["rule_id"] == id))
            })
            .count();
        assert!(firing > 0, "{id} fires nowhere on the demo");
        assert!(firing < judged.len(), "{id} fires everywhere");
    }
}

#[test]
fn ndjson_is_one_self_contained_finding_per_line() {
    let r = scan(&["fixtures/demo"], "ndjson");
    assert_eq!(r.code, 0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines.len() as u64,
        demo_json()["summary"]["findings"].as_u64().expect("count")
    );
    let mut fingerprints = BTreeSet::new();
    for line in lines {
        let f: Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(f.is_object());
        assert_eq!(f["schema_version"], 1);
        assert_eq!(f["evaluated_at"], NOW);
        for k in ["id", "provider", "kind", "name", "scope", "owner"] {
            assert!(f["identity"].get(k).is_some(), "identity.{k}");
        }
        for k in [
            "rule_id",
            "severity",
            "category",
            "message",
            "remediation",
            "fingerprint",
        ] {
            assert!(f.get(k).is_some(), "{k}");
        }
        assert!(
            fingerprints.insert(f["fingerprint"].as_str().expect("fp").to_string()),
            "fingerprints are unique"
        );
    }
}

#[test]
fn same_input_and_now_give_byte_identical_output_in_every_format() {
    for format in ["table", "json", "ndjson", "csv", "sarif"] {
        let a = scan(&["fixtures/demo"], format);
        let b = scan(&["fixtures/demo"], format);
        assert_eq!(a.code, 0);
        assert_eq!(a.stdout, b.stdout, "{format} output differs between runs");
    }
}

/// Scan a directory of exports: it must give exactly the demo's findings and fingerprints.
fn assert_same_findings_as_demo(dir: &std::path::Path) {
    let scanned = scan_json(&[dir.to_str().expect("path")]);
    assert_eq!(
        findings_by_fingerprint(&demo_json()),
        findings_by_fingerprint(&scanned)
    );
}

/// Reverse every list of the GAAD, split it into two page files, shuffle the report rows:
/// no fingerprint may change.
#[test]
fn input_order_and_file_splits_change_no_fingerprint() {
    let mut gaad: Value = serde_json::from_str(&read("fixtures/demo/gaad.json")).expect("gaad");
    for key in [
        "UserDetailList",
        "RoleDetailList",
        "GroupDetailList",
        "Policies",
    ] {
        gaad[key].as_array_mut().expect("list").reverse();
    }
    let mut page1 = serde_json::json!({"IsTruncated": true, "Marker": "page2"});
    let mut page2 = serde_json::json!({"IsTruncated": false});
    for key in [
        "UserDetailList",
        "RoleDetailList",
        "GroupDetailList",
        "Policies",
    ] {
        let list = gaad[key].as_array().expect("list").clone();
        let (a, b) = list.split_at(list.len() / 2);
        page1[key] = Value::Array(a.to_vec());
        page2[key] = Value::Array(b.to_vec());
    }
    let report = read("fixtures/demo/credential-report.csv");
    let mut lines: Vec<&str> = report.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("b-page1.json"),
        serde_json::to_vec(&page1).expect("json"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("a-page2.json"),
        serde_json::to_vec(&page2).expect("json"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("report.csv"),
        format!("{header}\n{}\n", lines.join("\n")),
    )
    .expect("write");
    assert_same_findings_as_demo(dir.path());
}

/// The API returns policy documents URL-encoded; `aws` decodes them. Both must give the same result.
#[test]
fn url_encoded_documents_give_the_same_findings() {
    fn encode_docs(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    if (k == "PolicyDocument" || k == "AssumeRolePolicyDocument" || k == "Document")
                        && val.is_object()
                    {
                        let text = serde_json::to_string(val).expect("json");
                        *val = Value::String(
                            percent_encoding::utf8_percent_encode(
                                &text,
                                percent_encoding::NON_ALPHANUMERIC,
                            )
                            .to_string(),
                        );
                    } else {
                        encode_docs(val);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(encode_docs),
            _ => {}
        }
    }
    let mut gaad: Value = serde_json::from_str(&read("fixtures/demo/gaad.json")).expect("gaad");
    encode_docs(&mut gaad);
    let encoded = serde_json::to_string(&gaad).expect("json");
    assert!(
        encoded.contains("\"%7B%22Statement%22"),
        "documents were encoded"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("gaad.json"), encoded).expect("write");
    std::fs::copy(
        root().join("fixtures/demo/credential-report.csv"),
        dir.path().join("report.csv"),
    )
    .expect("copy");
    assert_same_findings_as_demo(dir.path());
}

/// `aws iam get-credential-report` without --query prints JSON with the CSV base64-encoded.
#[test]
fn credential_report_as_the_cli_prints_it_is_read() {
    use base64::Engine;
    let csv = read("fixtures/demo/credential-report.csv");
    let envelope = serde_json::json!({
        "Content": base64::engine::general_purpose::STANDARD.encode(csv),
        "ReportFormat": "text/csv",
        "GeneratedTime": "2026-11-01T09:30:00+00:00",
    });
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        root().join("fixtures/demo/gaad.json"),
        dir.path().join("gaad.json"),
    )
    .expect("copy");
    std::fs::write(dir.path().join("report.json"), envelope.to_string()).expect("write");
    assert_same_findings_as_demo(dir.path());
}

#[test]
fn fail_on_sets_exit_code_one() {
    for (level, code) in [("critical", 1), ("high", 1), ("low", 1)] {
        let r = run(&[
            "scan",
            "--from",
            "fixtures/demo",
            "--now",
            NOW,
            "--format",
            "json",
            "--fail-on",
            level,
        ]);
        assert_eq!(r.code, code, "--fail-on {level}");
        assert!(
            serde_json::from_str::<Value>(&r.stdout).is_ok(),
            "report still written"
        );
    }
    // Only the credential report: the worst finding there is the root key (critical).
    let r = run(&[
        "scan",
        "--from",
        "fixtures/demo/credential-report.csv",
        "--now",
        NOW,
        "--fail-on",
        "high",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1);
}

#[test]
fn fail_on_below_the_worst_finding_exits_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("nhi.toml");
    std::fs::write(&config, "[rules.severity]\naws-root-access-key = \"low\"\n").expect("write");
    let r = run(&[
        "scan",
        "--from",
        "fixtures/demo/credential-report.csv",
        "--now",
        NOW,
        "--fail-on",
        "high",
        "--config",
        config.to_str().expect("path"),
        "--format",
        "json",
    ]);
    // Only report-based rules run; medium findings remain, none high.
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let r = run(&[
        "scan",
        "--from",
        "fixtures/demo",
        "--now",
        NOW,
        "--format",
        "json",
        "--output",
        out.to_str().expect("path"),
        "--fail-on",
        "high",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(out).expect("written")).expect("json");
    assert_eq!(v["schema_version"], 1);
}

#[test]
fn config_disables_rules_overrides_severity_and_sets_thresholds() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("nhi.toml"),
        "[rules]\ndisabled = [\"aws-no-owner\"]\n[rules.severity]\naws-role-unused = \"low\"\n[thresholds]\nrole_unused_days = 250\n",
    )
    .expect("write");
    // nhi.toml is found in the working directory.
    let mut cmd = nhi();
    cmd.current_dir(dir.path());
    let demo = root().join("fixtures/demo");
    let r = run_in(
        cmd,
        &[
            "scan",
            "--from",
            demo.to_str().expect("path"),
            "--now",
            NOW,
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let findings: Vec<&Value> = v["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .flat_map(|i| i["findings"].as_array().expect("f"))
        .collect();
    assert!(!findings.iter().any(|f| f["rule_id"] == "aws-no-owner"));
    let unused: Vec<&&Value> = findings
        .iter()
        .filter(|f| f["rule_id"] == "aws-role-unused")
        .collect();
    assert_eq!(unused.len(), 2, "200-day-old use is within 250 days now");
    assert!(unused.iter().all(|f| f["severity"] == "low"));
}

#[test]
fn bad_config_is_a_usage_error_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("nhi.toml");
    std::fs::write(&config, "[thresholds]\nacess_key_unused_days = 30\n").expect("write");
    let r = run(&[
        "scan",
        "--from",
        "fixtures/demo",
        "--config",
        config.to_str().expect("path"),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("acess_key_unused_days"), "{}", r.stderr);
    assert!(r.stderr.contains("nhi.toml"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(run(&["scan"]).code, 2, "no source");
    assert_eq!(
        run(&["scan", "--from", "fixtures/demo", "--now", "yesterday"]).code,
        2
    );
    assert_eq!(
        run(&["scan", "--from", "fixtures/demo", "--format", "xml"]).code,
        2
    );
}

#[test]
fn table_fits_80_columns() {
    let r = run(&["scan", "--from", "fixtures/demo", "--now", NOW]);
    for line in r.stdout.lines() {
        assert!(
            line.chars().count() <= 80,
            "too wide ({}): {line}",
            line.chars().count()
        );
    }
}

#[test]
fn rules_catalog_lists_every_rule() {
    let r = run(&["rules", "--format", "json"]);
    assert_eq!(r.code, 0);
    let catalog: Vec<Value> = serde_json::from_str(&r.stdout).expect("json");
    assert!(catalog.len() >= 15);
    let ids: BTreeSet<&str> = catalog.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), catalog.len());
    for r in &catalog {
        assert!(r["remediation"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(r["owasp"].as_array().is_some_and(|o| !o.is_empty()));
    }
    let table = run(&["rules"]);
    assert!(table.stdout.contains("aws-privilege-escalation"));
}

#[test]
fn collect_then_scan_gives_the_same_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("inventory.json");
    let r = run(&[
        "collect",
        "--from",
        "fixtures/demo",
        "--output",
        inv.to_str().expect("path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let from_inventory = scan_json(&[inv.to_str().expect("path")]);
    let direct = demo_json();
    assert_eq!(direct["identities"], from_inventory["identities"]);
    assert_eq!(direct["summary"], from_inventory["summary"]);
}

#[test]
fn closed_stdout_exits_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("nhi"))
        .current_dir(root())
        .args([
            "scan",
            "--from",
            "fixtures/demo",
            "--now",
            NOW,
            "--format",
            "ndjson",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("one line");
    // The reader is dropped here: the pipe is closed while nhi may still be writing.
    let out = child.wait_with_output().expect("wait");
    assert!(first.starts_with('{'));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        out.status.success() || out.status.code() == Some(0),
        "{:?} {stderr}",
        out.status
    );
}

/// An AWS Organizations export (docs/aws-organization-export.sh) puts the demo account under a
/// service control policy that denies writing IAM policies to everyone but terraform-ci:
/// deploy-bot's self-escalation is gone, the rest stays.
#[test]
fn an_organization_export_applies_its_guardrails() {
    let rules = |report: &Value, name: &str| -> Vec<String> {
        report["identities"]
            .as_array()
            .expect("identities")
            .iter()
            .filter(|i| i["name"] == name)
            .flat_map(|i| i["findings"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
            .collect()
    };
    let plain = demo_json();
    assert!(rules(&plain, "deploy-bot").contains(&"aws-privilege-escalation".to_string()));
    let guarded = scan_json(&["fixtures/demo", "fixtures/aws/organization.json"]);
    assert!(
        !rules(&guarded, "deploy-bot").contains(&"aws-privilege-escalation".to_string()),
        "the SCP denies iam:PutUserPolicy"
    );
    assert!(rules(&guarded, "ops-automation").contains(&"aws-privilege-escalation".to_string()));
    assert!(rules(&guarded, "terraform-ci").contains(&"aws-admin-access".to_string()));
    let source = guarded["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["origin"] == "fixtures/aws/organization.json")
        .expect("the export is a source");
    assert_eq!(source["status"], "ok");
    assert!(source["message"]
        .as_str()
        .is_some_and(|m| m.contains("organization o-wombat0001: guardrails of 2 account(s)")));
}
