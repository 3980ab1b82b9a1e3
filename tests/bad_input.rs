//! Bad input gets a clear error naming the file, exit code 2, no panic, and nothing else is lost.

use crate::common::*;
use serde_json::Value;

/// Each bad file alone: exit 2, stderr names the file and says what was expected.
#[test]
fn each_bad_file_fails_with_a_useful_message() {
    let cases = [
        ("fixtures/bad/empty.json", "empty"),
        ("fixtures/bad/truncated-gaad.json", "ends early"),
        ("fixtures/bad/not-gaad.json", "not a recognized export"),
        ("fixtures/bad/json-list.json", "JSON list"),
        (
            "fixtures/bad/report-missing-columns.csv",
            "access_key_1_active",
        ),
        ("fixtures/bad/garbage.bin", "binary"),
    ];
    for (file, expected) in cases {
        let r = run(&["scan", "--from", file, "--now", NOW, "--format", "json"]);
        assert_eq!(r.code, 2, "{file}: exit code");
        assert!(
            r.stderr.contains(file),
            "{file}: stderr names the file: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains(expected),
            "{file}: stderr says {expected:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{file}");
        // How to produce the right input is part of the message.
        assert!(
            r.stderr.contains("aws iam"),
            "{file}: says which command makes the export: {}",
            r.stderr
        );
        let report: Value = serde_json::from_str(&r.stdout).expect("a report is still written");
        let source = &report["sources"][0];
        assert_eq!(source["status"], "failed", "{file}");
        assert_eq!(source["origin"], file);
    }
}

#[test]
fn truncated_json_error_has_line_and_column() {
    let r = run(&["scan", "--from", "fixtures/bad/truncated-gaad.json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("at line ") && r.stderr.contains(" column "),
        "{}",
        r.stderr
    );
}

/// Bad files beside the demo: the demo is still fully reported, the bad files are failed sources.
#[test]
fn bad_files_do_not_hide_good_ones() {
    let good = demo_json();
    let r = run(&[
        "scan",
        "--from",
        "fixtures/bad/garbage.bin",
        "--from",
        "fixtures/demo",
        "--from",
        "fixtures/bad/not-gaad.json",
        "--from",
        "fixtures/bad/empty.json",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(findings_by_fingerprint(&good), findings_by_fingerprint(&v));
    let failed: Vec<&str> = v["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter(|s| s["status"] == "failed")
        .filter_map(|s| s["origin"].as_str())
        .collect();
    assert_eq!(failed.len(), 3, "{failed:?}");
    let ok = v["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter(|s| s["status"] == "ok")
        .count();
    assert_eq!(ok, 2);
}

/// A policy document that is not JSON inside a valid GAAD: the principal and policy are named,
/// the source is partial, every principal is still reported, and the bad role's other facts
/// (its trust policy) are still judged.
#[test]
fn bad_policy_document_names_principal_and_policy() {
    let r = run(&[
        "scan",
        "--from",
        "fixtures/bad/gaad-bad-policy.json",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("role broken-policy"), "{}", r.stderr);
    assert!(
        r.stderr.contains("inline policy half-written"),
        "{}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["sources"][0]["status"], "partial");
    let names: Vec<&str> = v["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(
        names.contains(&"broken-policy") && names.contains(&"fine"),
        "{names:?}"
    );
    let broken = v["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .find(|i| i["name"] == "broken-policy")
        .expect("broken");
    assert!(broken["findings"]
        .as_array()
        .expect("f")
        .iter()
        .any(|f| f["rule_id"] == "aws-trust-any-principal"));
    let fine = v["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .find(|i| i["name"] == "fine")
        .expect("fine");
    assert!(fine["findings"].as_array().expect("f").is_empty(), "{fine}");
}

/// GAAD alone (no credential report): users are kept and the report says what is missing.
#[test]
fn missing_credential_report_is_said() {
    let r = run(&[
        "scan",
        "--from",
        "fixtures/demo/gaad.json",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(
        r.code, 0,
        "an incomplete export is not an error: {}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let message = v["sources"][0]["message"].as_str().expect("message");
    assert!(
        message.contains("no credential report for account 314159265358"),
        "{message}"
    );
    assert!(
        r.stderr.contains("no credential report"),
        "said to people too: {}",
        r.stderr
    );
    // Key rules cannot run: no credentials are known.
    let rules: Vec<&str> = v["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .flat_map(|i| i["findings"].as_array().expect("f"))
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(
        !rules.iter().any(|r| r.starts_with("aws-access-key")),
        "{rules:?}"
    );
}

#[test]
fn a_page_without_its_last_page_is_partial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gaad: Value = serde_json::from_str(&read("fixtures/demo/gaad.json")).expect("gaad");
    gaad["IsTruncated"] = Value::Bool(true);
    gaad["Marker"] = Value::String("next".into());
    let path = dir.path().join("page1.json");
    std::fs::write(&path, gaad.to_string()).expect("write");
    let r = run(&[
        "scan",
        "--from",
        path.to_str().expect("path"),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["sources"][0]["status"], "partial");
    assert!(r.stderr.contains("IsTruncated"), "{}", r.stderr);
}

#[test]
fn missing_path_and_empty_directory_are_errors() {
    let r = run(&[
        "scan",
        "--from",
        "fixtures/does-not-exist.json",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("fixtures/does-not-exist.json"),
        "{}",
        r.stderr
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(&[
        "scan",
        "--from",
        dir.path().to_str().expect("path"),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no files"), "{}", r.stderr);
}

/// Hostile sizes: `/dev/zero`, a file over `--max-file-size` and a symbolic-link loop are each
/// refused with the file and the limit named, in bounded memory and time; the demo beside them
/// is still reported, and the exit code is 2.
#[test]
fn endless_oversized_and_looping_inputs_are_refused_and_the_rest_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("huge.log");
    std::fs::write(&big, "not an export\n".repeat(200_000)).expect("write");
    let looped = dir.path().join("exports");
    std::fs::create_dir(&looped).expect("mkdir");
    std::fs::copy(
        root().join("fixtures/demo/credential-report.csv"),
        looped.join("report.csv"),
    )
    .expect("copy");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&looped, looped.join("again")).expect("symlink");
    let big_arg = big.display().to_string();
    let looped_arg = looped.display().to_string();
    let r = run(&[
        "scan",
        "--from",
        "/dev/zero",
        "--from",
        &big_arg,
        "--from",
        &looped_arg,
        "--from",
        "fixtures/demo",
        "--max-file-size",
        "1MiB",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("a report is still written");
    let failed: Vec<(String, String)> = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter(|s| s["status"] == "failed")
        .map(|s| {
            (
                s["origin"].as_str().unwrap_or_default().to_string(),
                s["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let message = |origin: &str| {
        failed
            .iter()
            .find(|(o, _)| o == origin)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("{origin} is a failed source: {failed:?}"))
    };
    assert!(message("/dev/zero").contains("binary"));
    let m = message(&big_arg);
    assert!(
        m.contains("2.6 MiB") && m.contains("1 MiB") && m.contains("--max-file-size"),
        "{m}"
    );
    #[cfg(unix)]
    assert!(
        message(&looped.join("again").display().to_string()).contains("symbolic link loop"),
        "{failed:?}"
    );
    assert_eq!(failed.len(), 3, "{failed:?}");
    // The demo and the copied credential report are still read.
    let ok = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter(|s| s["status"] == "ok")
        .count();
    assert!(ok >= 2, "{}", report["sources"]);
    assert!(report["identities"]
        .as_array()
        .is_some_and(|a| a.len() > 50));
}
