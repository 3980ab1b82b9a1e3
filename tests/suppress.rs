//! Accepted risks (`[[suppress]]` in nhi.toml) through the real binary on the demo account: by
//! fingerprint and by rule plus identity glob, expired, stale, and every kind of bad entry, each
//! with its exit code with and without `--fail-on`.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A config file holding `text`, kept as long as the returned directory lives.
fn config(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("nhi.toml");
    std::fs::write(&file, text).expect("write config");
    (dir, file)
}

/// `nhi scan --from fixtures/demo --now NOW --config FILE ARGS...`.
fn scan_with(file: &std::path::Path, args: &[&str]) -> Run {
    let mut all = vec![
        "scan",
        "--from",
        "fixtures/demo",
        "--now",
        NOW,
        "--config",
        file.to_str().expect("path"),
    ];
    all.extend_from_slice(args);
    run(&all)
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr))
}

/// (rule, identity name, fingerprint) of every finding at `severity`.
fn at(report: &Value, severity: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for i in report["identities"].as_array().expect("identities") {
        for f in i["findings"].as_array().expect("findings") {
            if f["severity"] == severity {
                out.push((
                    f["rule_id"].as_str().expect("rule").to_string(),
                    i["name"].as_str().expect("name").to_string(),
                    f["fingerprint"].as_str().expect("fingerprint").to_string(),
                ));
            }
        }
    }
    out
}

fn suppressed_fingerprints(report: &Value) -> BTreeSet<String> {
    report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .flat_map(|i| i["findings"].as_array().expect("findings"))
        .filter(|f| f.get("suppression").is_some())
        .map(|f| f["fingerprint"].as_str().expect("fingerprint").to_string())
        .collect()
}

/// One `[[suppress]]` entry per fingerprint.
fn by_fingerprint(fingerprints: &[String], extra: &str) -> String {
    fingerprints
        .iter()
        .map(|f| {
            format!(
                "[[suppress]]\nfingerprint = \"{f}\"\nreason = \"accepted in review\"\n{extra}\n"
            )
        })
        .collect()
}

#[test]
fn by_fingerprint_and_by_pattern_findings_stay_in_json_and_leave_everything_else() {
    let plain = demo_json();
    let critical = at(&plain, "critical");
    let root_key = critical
        .iter()
        .find(|(rule, _, _)| rule == "aws-root-access-key")
        .expect("the demo's root has an access key")
        .2
        .clone();
    let admins: BTreeSet<String> = critical
        .iter()
        .filter(|(rule, name, _)| rule == "aws-admin-access" && name.ends_with("-admin"))
        .map(|(_, _, f)| f.clone())
        .collect();
    assert_eq!(admins.len(), 4, "{critical:?}");
    let (_dir, file) = config(&format!(
        r#"# accepted risks
[[suppress]]
fingerprint = "{root_key}"
reason = "root key kept for the billing export, in a safe"
accepted_by = "cfo"
expires = 2027-03-31

[[suppress]]
rule = "aws-admin-access"
identity = "*-admin"
reason = "administrator roles by design"
"#
    ));

    let r = scan_with(&file, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = json(&r);
    let mut expected = admins.clone();
    expected.insert(root_key.clone());
    assert_eq!(suppressed_fingerprints(&report), expected);
    // Suppressed findings stay in the report with the suppression attached...
    let root_finding = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .flat_map(|i| i["findings"].as_array().expect("findings"))
        .find(|f| f["fingerprint"] == root_key.as_str())
        .expect("still in the report");
    assert_eq!(
        root_finding["suppression"],
        serde_json::json!({"reason": "root key kept for the billing export, in a safe",
                           "accepted_by": "cfo", "expires": "2027-03-31", "line": 2})
    );
    // ...and are counted apart.
    let (s, p) = (&report["summary"], &plain["summary"]);
    assert_eq!(s["suppressed"], 5);
    assert_eq!(p["suppressed"], 0);
    assert_eq!(
        s["findings"].as_u64(),
        p["findings"].as_u64().map(|n| n - 5)
    );
    assert_eq!(
        s["by_severity"]["critical"].as_u64(),
        p["by_severity"]["critical"].as_u64().map(|n| n - 5)
    );
    let entries = report["suppressions"].as_array().expect("suppressions");
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (
            &entries[0]["status"],
            &entries[0]["findings"],
            &entries[0]["line"]
        ),
        (&"active".into(), &1.into(), &2.into())
    );
    assert_eq!(
        (
            &entries[1]["status"],
            &entries[1]["findings"],
            &entries[1]["line"]
        ),
        (&"active".into(), &4.into(), &8.into())
    );

    // The table and the ticket feeds leave them out, unless --show-suppressed.
    let table = scan_with(&file, &["--format", "table"]);
    assert_eq!(table.code, 0);
    assert!(
        !table.stdout.contains("aws-root-access-key"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("Suppressed (accepted risks"));
    let shown = scan_with(&file, &["--format", "table", "--show-suppressed"]);
    assert!(shown.stdout.contains("aws-root-access-key"));
    assert!(
        shown
            .stdout
            .contains("aws-root-access-key (suppressed: root"),
        "{}",
        shown.stdout
    );
    for format in ["ndjson", "csv", "sarif", "markdown"] {
        let hidden = scan_with(&file, &["--format", format]);
        let listed = scan_with(&file, &["--format", format, "--show-suppressed"]);
        assert_eq!((hidden.code, listed.code), (0, 0), "{format}");
        for fp in &expected {
            assert!(!hidden.stdout.contains(fp.as_str()), "{format} lists {fp}");
            assert!(listed.stdout.contains(fp.as_str()), "{format} hides {fp}");
        }
    }
    let ndjson = scan_with(&file, &["--format", "ndjson"]);
    assert_eq!(
        ndjson.stdout.lines().count() as u64,
        s["findings"].as_u64().expect("count")
    );

    // Other critical findings remain: --fail-on critical still fails.
    assert_eq!(
        scan_with(&file, &["--format", "json", "--fail-on", "critical"]).code,
        1
    );
}

#[test]
fn suppressing_every_critical_finding_passes_fail_on_critical_until_it_expires() {
    let critical: Vec<String> = at(&demo_json(), "critical")
        .into_iter()
        .map(|(_, _, f)| f)
        .collect();
    assert!(critical.len() > 5);
    let plain = run(&[
        "scan",
        "--from",
        "fixtures/demo",
        "--now",
        NOW,
        "--fail-on",
        "critical",
    ]);
    assert_eq!(plain.code, 1);

    // Expiring the day after NOW: active.
    let (_d1, active) = config(&by_fingerprint(&critical, "expires = 2026-11-03"));
    assert_eq!(scan_with(&active, &["--fail-on", "critical"]).code, 0);
    assert_eq!(scan_with(&active, &["--fail-on", "high"]).code, 1);
    assert_eq!(scan_with(&active, &[]).code, 0);

    // Expiring on NOW's day: it no longer applies, and the run says so.
    let (_d2, expired) = config(&by_fingerprint(&critical, "expires = 2026-11-02"));
    let r = scan_with(&expired, &["--fail-on", "critical", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = json(&r);
    assert_eq!(report["summary"]["suppressed"], 0);
    assert!(suppressed_fingerprints(&report).is_empty());
    let entries = report["suppressions"].as_array().expect("suppressions");
    assert_eq!(entries.len(), critical.len());
    for e in entries {
        assert_eq!(
            (&e["status"], &e["findings"]),
            (&"expired".into(), &1.into())
        );
    }
    assert!(
        r.stderr
            .contains("line 1: the suppression expired on 2026-11-02"),
        "{}",
        r.stderr
    );
    assert_eq!(scan_with(&expired, &[]).code, 0);
    let table = scan_with(&expired, &[]);
    assert!(table
        .stdout
        .contains("! The suppression at line 1 of the config expired on 2026-11-02"));
}

#[test]
fn a_suppression_that_matches_nothing_is_stale() {
    let (_dir, file) = config(
        r#"[[suppress]]
rule = "aws-admin-access"
identity = "nobody-*"
reason = "an old vendor role"

[[suppress]]
fingerprint = "00000000000000000000000000000000"
reason = "a finding long fixed"
"#,
    );
    let r = scan_with(&file, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = json(&r);
    let statuses: Vec<(&Value, &Value, &Value)> = report["suppressions"]
        .as_array()
        .expect("suppressions")
        .iter()
        .map(|e| (&e["line"], &e["status"], &e["findings"]))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (&1.into(), &"stale".into(), &0.into()),
            (&6.into(), &"stale".into(), &0.into())
        ]
    );
    assert_eq!(report["summary"]["suppressed"], 0);
    assert!(r
        .stderr
        .contains("line 1: the suppression matches no finding (stale)"));
    assert!(r
        .stderr
        .contains("line 6: the suppression matches no finding (stale)"));
    // Stale entries suppress nothing: the exit code is the plain scan's.
    assert_eq!(scan_with(&file, &["--fail-on", "critical"]).code, 1);
    assert_eq!(scan_with(&file, &["--fail-on", "critical", "-q"]).code, 1);
}

#[test]
fn each_bad_entry_is_a_config_error_naming_its_line() {
    let fp = "0123456789abcdef0123456789abcdef";
    let cases: Vec<(String, &str)> = vec![
        (
            format!("[[suppress]]\nfingerprint = \"{fp}\"\n"),
            "line 1: suppress.reason: every suppression says why",
        ),
        (
            format!("[thresholds]\nrole_unused_days = 30\n\n[[suppress]]\nfingerprint = \"{fp}\"\nreason = \"\"\n"),
            "line 6: suppress.reason",
        ),
        (
            "[[suppress]]\nrule = \"aws-admin-access\"\nidentity = \"*\"\nreason = \"r\"\nexpires = \"next March\"\n".into(),
            "line 5: suppress.expires: \"next March\" is not a date",
        ),
        (
            "[[suppress]]\nrule = \"aws-admin-access\"\nidentity = \"*\"\nreason = \"r\"\nexpires = 2027-02-30\n".into(),
            "line 5: suppress[0].expires",
        ),
        (
            "[[suppress]]\nrule = \"aws-no-such-rule\"\nidentity = \"*\"\nreason = \"r\"\n".into(),
            "line 2: suppress.rule: no rule has the id \"aws-no-such-rule\"",
        ),
        (
            "[[suppress]]\nrule = \"aws-admin-access\"\nreason = \"r\"\n".into(),
            "line 1: suppress.identity",
        ),
        (
            "[[suppress]]\nreason = \"r\"\n".into(),
            "line 1: suppress: say what it suppresses",
        ),
        (
            "[[suppress]]\nfingerprint = \"not-a-fingerprint\"\nreason = \"r\"\n".into(),
            "line 2: suppress.fingerprint",
        ),
        (
            format!("[[suppress]]\nfingerprint = \"{fp}\"\nreason = \"r\"\nuntil = 2027-01-01\n"),
            "line 4: suppress[0].until: unknown field",
        ),
    ];
    for (text, expected) in &cases {
        let (_dir, file) = config(text);
        for extra in [&[][..], &["--fail-on", "critical"][..]] {
            let r = scan_with(&file, extra);
            assert_eq!(r.code, 2, "{text}\n{}", r.stderr);
            assert!(r.stdout.is_empty(), "nothing is scanned: {}", r.stdout);
            assert!(
                r.stderr
                    .contains(&format!("{}: {expected}", file.display())),
                "{text}\n=> {}\n(expected {expected})",
                r.stderr
            );
        }
    }
}
