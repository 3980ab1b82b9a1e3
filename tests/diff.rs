//! `--baseline` and `nhi diff` on two scans of the demo account: `fixtures/demo` and
//! `fixtures/demo-next`, the same account a little later with four planted changes (see
//! fixtures/generate_demo.py): ci-jenkins's first key rotated, vendor-costwatch's missing
//! ExternalId fixed, a new administrator role (incident-admin), and gh-docs-publish's owner
//! changed. Each change is found, and nothing else is.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What `nhi diff` must find between the two demo scans: (change, identity, detail), in the
/// diff's order. The rotation also resolves the old key's "not rotated" finding.
const PLANTED: &[(&str, &str, &str)] = &[
    ("finding_new", "incident-admin", "aws-admin-access"),
    (
        "finding_resolved",
        "vendor-costwatch",
        "aws-trust-cross-account-no-external-id",
    ),
    (
        "finding_resolved",
        "ci-jenkins",
        "aws-access-key-not-rotated",
    ),
    ("identity_added", "incident-admin", ""),
    ("credential_rotated", "ci-jenkins", "access_key_1"),
    ("owner_changed", "gh-docs-publish", "devrel -> docs-team"),
];

/// The two demo scans as JSON reports in `dir`: (old, new).
fn reports(dir: &Path) -> (PathBuf, PathBuf) {
    let old = dir.join("old.json");
    let new = dir.join("new.json");
    for (from, file) in [("fixtures/demo", &old), ("fixtures/demo-next", &new)] {
        let r = run(&[
            "scan",
            "--from",
            from,
            "--now",
            NOW,
            "--format",
            "json",
            "--output",
            file.to_str().expect("path"),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    (old, new)
}

fn p(path: &Path) -> &str {
    path.to_str().expect("path")
}

fn detail(c: &Value) -> String {
    match c["change"].as_str().expect("change") {
        "finding_new" | "finding_resolved" | "severity_changed" => {
            c["rule_id"].as_str().expect("rule").to_string()
        }
        "credential_rotated" => c["credential_id"].as_str().expect("credential").to_string(),
        "owner_changed" => format!(
            "{} -> {}",
            c["previous_owner"].as_str().unwrap_or("none"),
            c["owner"].as_str().unwrap_or("none")
        ),
        _ => String::new(),
    }
}

fn changes(diff: &Value) -> Vec<(String, String, String)> {
    diff["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["change"].as_str().expect("change").to_string(),
                c["identity"]["name"].as_str().expect("name").to_string(),
                detail(c),
            )
        })
        .collect()
}

fn planted() -> Vec<(String, String, String)> {
    PLANTED
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

#[test]
fn the_demo_fixtures_are_what_the_generator_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (flag, shipped) in [
        (None, "fixtures/demo"),
        (Some("--next"), "fixtures/demo-next"),
    ] {
        let out = dir.path().join(shipped.replace('/', "_"));
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(root().join("fixtures/generate_demo.py"));
        cmd.args(flag);
        cmd.arg("--out").arg(&out);
        let status = cmd.output().expect("python3 runs");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        for file in ["gaad.json", "credential-report.csv"] {
            assert!(
                std::fs::read(out.join(file)).expect("generated")
                    == std::fs::read(root().join(shipped).join(file)).expect("shipped"),
                "{shipped}/{file} differs from what fixtures/generate_demo.py {} writes; run it",
                flag.unwrap_or("")
            );
        }
    }
}

#[test]
fn diff_of_the_two_demo_scans_is_exactly_the_planted_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = reports(dir.path());

    let r = run(&["diff", p(&old), p(&new), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let diff: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(changes(&diff), planted());
    assert_eq!(diff["schema_version"], 1);
    assert_eq!(
        diff["summary"],
        serde_json::json!({"finding_new": 1, "severity_changed": 0, "finding_resolved": 2,
                           "identity_added": 1, "identity_removed": 0,
                           "credential_rotated": 1, "owner_changed": 1})
    );
    let rotated = &diff["changes"][4];
    assert_eq!(rotated["previous_created_at"], "2025-09-27T09:30:00Z");
    assert_eq!(rotated["created_at"], "2026-10-29T09:30:00Z");

    // The exports themselves, analyzed on the spot, give the same diff.
    let direct = run(&[
        "diff",
        "fixtures/demo",
        "fixtures/demo-next",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(direct.code, 0, "{}", direct.stderr);
    assert_eq!(direct.stdout, r.stdout);

    // A scan against itself: no change.
    let same = run(&["diff", p(&new), p(&new), "--format", "json"]);
    assert_eq!(same.code, 0);
    let same: Value = serde_json::from_str(&same.stdout).expect("json");
    assert_eq!(same["changes"], serde_json::json!([]));
}

#[test]
fn every_diff_format_says_the_same_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = reports(dir.path());

    // NDJSON: one self-contained change per line.
    let r = run(&["diff", p(&old), p(&new), "--format", "ndjson"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let seen: Vec<(String, String, String)> = lines
        .iter()
        .map(|c| {
            assert_eq!(c["schema_version"], 1);
            assert_eq!(c["new_evaluated_at"], NOW);
            (
                c["change"].as_str().expect("change").to_string(),
                c["identity"]["name"].as_str().expect("name").to_string(),
                detail(c),
            )
        })
        .collect();
    assert_eq!(seen, planted());

    // The table: the counts, then each change, and no other identity.
    let r = run(&["diff", p(&old), p(&new)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(
        "New findings: 1 · Severity changed: 0 · Resolved findings: 2 · Identities added: 1 · Identities removed: 0 · Credentials rotated: 1 · Owners changed: 1"
    ), "{}", r.stdout);
    for (heading, n) in [
        ("New findings", 1),
        ("Resolved findings", 2),
        ("Identities added", 1),
        ("Credentials rotated", 1),
        ("Owners changed", 1),
    ] {
        assert!(
            r.stdout.contains(&format!("\n{heading} ({n})\n")),
            "{heading}"
        );
    }
    assert!(!r.stdout.contains("Severity changed ("));
    assert!(r.stdout.contains("owner devrel → docs-team"));
    // (The table wraps at 80 columns.)
    assert!(
        r.stdout
            .contains("access_key_1 created 2026-10-29T09:30:00Z"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("2025-09-27T09:30:00Z)"));
    let identities_named = [
        "incident-admin",
        "vendor-costwatch",
        "ci-jenkins",
        "gh-docs-publish",
    ];
    let json = read(&new);
    let report: Value = serde_json::from_str(&json).expect("json");
    for i in report["identities"].as_array().expect("identities") {
        let name = i["name"].as_str().expect("name");
        if !identities_named.contains(&name) && name.len() > 4 {
            assert!(
                !r.stdout.contains(&format!("│ {name} ")),
                "{name} is in the diff"
            );
        }
    }

    // Markdown for an issue body.
    let r = run(&["diff", p(&old), p(&new), "--format", "markdown"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("## nhi diff: 6 changes\n"));
    assert!(r.stdout.contains("### Owners changed (1)"));
    assert!(r.stdout.contains("**incident-admin**"));
}

#[test]
fn diff_fail_on_counts_new_findings_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = reports(dir.path());
    // Forward: the new administrator role is critical.
    assert_eq!(
        run(&["diff", p(&old), p(&new), "--fail-on", "critical"]).code,
        1
    );
    // Backward, the new findings are the fixed ones (high and medium).
    assert_eq!(
        run(&["diff", p(&new), p(&old), "--fail-on", "critical"]).code,
        0
    );
    assert_eq!(
        run(&["diff", p(&new), p(&old), "--fail-on", "high"]).code,
        1
    );
    // No new finding at all.
    assert_eq!(run(&["diff", p(&new), p(&new), "--fail-on", "low"]).code, 0);

    // An accepted risk in NEW is neither listed nor counted.
    let config = dir.path().join("nhi.toml");
    std::fs::write(
        &config,
        "[[suppress]]\nrule = \"aws-admin-access\"\nidentity = \"incident-*\"\nreason = \"incident response, until the review\"\naccepted_by = \"ciso\"\n",
    )
    .expect("write");
    let r = run(&[
        "diff",
        "fixtures/demo",
        "fixtures/demo-next",
        "--now",
        NOW,
        "--config",
        p(&config),
        "--fail-on",
        "critical",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let diff: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(diff["summary"]["finding_new"], 0);
    let shown = run(&[
        "diff",
        "fixtures/demo",
        "fixtures/demo-next",
        "--now",
        NOW,
        "--config",
        p(&config),
        "--show-suppressed",
        "--fail-on",
        "critical",
        "--format",
        "json",
    ]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let shown: Value = serde_json::from_str(&shown.stdout).expect("json");
    assert_eq!(shown["summary"]["finding_new"], 1);
    assert_eq!(
        shown["changes"][0]["suppression"]["accepted_by"], "ciso",
        "{shown}"
    );
}

#[test]
fn diff_says_what_is_wrong_with_a_side() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, _) = reports(dir.path());
    let missing = run(&["diff", p(&old), "no/such/file.json"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no/such/file.json"),
        "{}",
        missing.stderr
    );
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"hello\": 1}").expect("write");
    let r = run(&["diff", p(&garbage), p(&old)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("OLD"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn baseline_marks_new_findings_and_fail_on_counts_only_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = reports(dir.path());
    let scan_next = |extra: &[&str]| {
        let mut args = vec!["scan", "--from", "fixtures/demo-next", "--now", NOW];
        args.extend_from_slice(extra);
        run(&args)
    };

    let r = scan_next(&["--baseline", p(&old), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let total = report["summary"]["findings"].as_u64().expect("findings");
    assert_eq!(
        report["summary"]["baseline"],
        serde_json::json!({"new": 1, "existing": total - 1, "resolved": 2})
    );
    let new_ones: Vec<(String, String)> = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .flat_map(|i| {
            i["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(move |f| (i, f))
        })
        .filter(|(_, f)| f["baseline"] == "new")
        .map(|(i, f)| {
            (
                i["name"].as_str().expect("name").to_string(),
                f["rule_id"].as_str().expect("rule").to_string(),
            )
        })
        .collect();
    assert_eq!(
        new_ones,
        vec![("incident-admin".to_string(), "aws-admin-access".to_string())]
    );
    // Every other finding is marked existing.
    let existing = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .flat_map(|i| i["findings"].as_array().expect("findings"))
        .filter(|f| f["baseline"] == "existing")
        .count() as u64;
    assert_eq!(existing, total - 1);

    // --fail-on counts new findings only.
    assert_eq!(scan_next(&["--fail-on", "critical"]).code, 1);
    assert_eq!(
        scan_next(&["--baseline", p(&old), "--fail-on", "critical"]).code,
        1
    );
    assert_eq!(
        scan_next(&["--baseline", p(&new), "--fail-on", "critical"]).code,
        0
    );
    assert_eq!(
        scan_next(&["--baseline", p(&new), "--fail-on", "low"]).code,
        0
    );

    // The other formats say so too.
    let sarif = scan_next(&["--baseline", p(&old), "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif.stdout).expect("sarif");
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["baselineState"].as_str().expect("baselineState"))
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "new").count(), 1);
    assert_eq!(states.len() as u64, total);
    let table = scan_next(&["--baseline", p(&old)]);
    assert!(table.stdout.contains(&format!(
        "Against the baseline: 1 new, {} existing, 2 resolved",
        total - 1
    )));
    assert!(
        table.stdout.contains("aws-admin-access (new)"),
        "{}",
        table.stdout
    );
    let ndjson = scan_next(&["--baseline", p(&old), "--format", "ndjson"]);
    assert_eq!(
        ndjson
            .stdout
            .lines()
            .filter(|l| l.contains("\"baseline\":\"new\""))
            .count(),
        1
    );
}

#[test]
fn a_bad_baseline_fails_before_scanning_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = dir.path().join("inventory.json");
    let r = run(&[
        "collect",
        "--from",
        "fixtures/demo",
        "--output",
        p(&inventory),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "not json").expect("write");
    for (file, says) in [
        (
            inventory.as_path(),
            "an nhi inventory (nhi collect), not a report",
        ),
        (garbage.as_path(), "not JSON"),
        (Path::new("no/such/report.json"), "cannot read the file"),
    ] {
        let r = run(&[
            "scan",
            "--from",
            "fixtures/demo",
            "--now",
            NOW,
            "--baseline",
            p(file),
            "--fail-on",
            "critical",
        ]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(
            r.stderr.contains("--baseline") && r.stderr.contains(says),
            "{}",
            r.stderr
        );
    }
}
