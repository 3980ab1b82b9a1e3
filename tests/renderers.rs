//! Snapshot of every renderer on the demo account at a fixed time. A change to any output shows
//! up here as a diff to review (`cargo insta review`, or INSTA_UPDATE=always and read the diff).

use crate::common::*;

fn render(format: &str) -> String {
    let r = scan(&["fixtures/demo"], format);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn table_at_80_columns() {
    insta::assert_snapshot!("table_80", render("table"));
}

#[test]
fn table_at_120_columns() {
    let mut cmd = nhi();
    cmd.env("COLUMNS", "120");
    let r = run_in(cmd, &["scan", "--from", "fixtures/demo", "--now", NOW]);
    insta::assert_snapshot!("table_120", r.stdout);
}

#[test]
fn json() {
    insta::assert_snapshot!("json", render("json"));
}

#[test]
fn ndjson() {
    insta::assert_snapshot!("ndjson", render("ndjson"));
}

#[test]
fn csv() {
    let out = render("csv");
    let mut reader = ::csv::Reader::from_reader(out.as_bytes());
    let rows = reader.records().count();
    assert_eq!(
        rows as u64,
        demo_json()["summary"]["findings"].as_u64().expect("count")
    );
    insta::assert_snapshot!("csv", out);
}

#[test]
fn sarif() {
    insta::assert_snapshot!("sarif", render("sarif"));
}

#[test]
fn ocsf() {
    insta::assert_snapshot!("ocsf", render("ocsf"));
}

#[test]
fn markdown() {
    insta::assert_snapshot!("markdown", render("markdown"));
}

/// (severity, count) pairs.
type Counts = Vec<(String, usize)>;

/// Findings shown in each severity's table, and the closing line's count left out per severity.
fn markdown_counts(md: &str) -> (Counts, Counts) {
    let mut shown: Counts = Vec::new();
    for line in md.lines() {
        if let Some(head) = line.strip_prefix("### ") {
            let severity = head.split(' ').next().unwrap_or_default().to_lowercase();
            if severity != "sources" {
                shown.push((severity, 0));
            }
        } else if line.starts_with("| **") {
            if let Some(last) = shown.last_mut() {
                last.1 += 1;
            }
        }
    }
    let left = md
        .lines()
        .find(|l| l.starts_with("**Left out to fit in"))
        .and_then(|l| l.split_once(" findings ("))
        .and_then(|(_, rest)| rest.split_once(")"))
        .map(|(list, _)| {
            list.split(", ")
                .map(|item| {
                    let (n, severity) = item.split_once(' ').expect("count and severity");
                    (severity.to_string(), n.parse().expect("a count"))
                })
                .collect()
        })
        .unwrap_or_default();
    (shown, left)
}

#[test]
fn markdown_is_cut_to_fit_a_github_comment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = std::process::Command::new("python3")
        .arg(root().join("benches/generate_estate.py"))
        .args(["--principals", "2000", "--out"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs the estate generator");
    assert!(status.success());
    let estate = dir.path().to_str().expect("path");
    let report = scan_json(&[estate]);
    let total = |severity: &str| {
        report["summary"]["by_severity"][severity]
            .as_u64()
            .expect("count") as usize
    };

    for (limit, args) in [
        (60_000, vec![]),
        (20_000, vec!["--markdown-limit", "20000"]),
    ] {
        let mut cmd = vec![
            "scan", "--now", NOW, "--from", estate, "--format", "markdown",
        ];
        cmd.extend(args);
        let r = run(&cmd);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.len() <= limit, "{} > {limit}", r.stdout.len());
        assert!(r.stdout.len() > limit * 9 / 10, "the room is used");
        assert_eq!(r.stdout, run(&cmd).stdout, "deterministic");

        let (shown, left) = markdown_counts(&r.stdout);
        assert!(!left.is_empty(), "says what was left out");
        // Every finding is shown or counted, and the most severe are kept first: nothing is
        // shown below a severity that lost some.
        let mut cut = false;
        for severity in ["critical", "high", "medium", "low", "info"] {
            let s = shown.iter().find(|(k, _)| k == severity).map_or(0, |x| x.1);
            let l = left.iter().find(|(k, _)| k == severity).map_or(0, |x| x.1);
            assert_eq!(s + l, total(severity), "{severity}");
            assert!(!cut || s == 0, "{severity} shown after a cut");
            cut |= l > 0;
        }
    }
}

#[test]
fn table_with_failed_sources_says_so() {
    let r = run(&[
        "scan",
        "--from",
        "fixtures/bad/not-gaad.json",
        "--from",
        "fixtures/demo/credential-report.csv",
        "--now",
        NOW,
    ]);
    assert_eq!(r.code, 2);
    insta::assert_snapshot!("table_failed_source", r.stdout);
}

#[test]
fn rules_catalog() {
    let r = run(&["rules"]);
    insta::assert_snapshot!("rules_table", r.stdout);
}

/// The HTML page's skeleton: the template with its style, script, CSP hashes and embedded data
/// left out (the data is the JSON report, compared in tests/html.rs; the page is tested in
/// Chromium there).
#[test]
fn html_skeleton() {
    let page = render("html");
    let mut skeleton = String::new();
    let mut rest = page.as_str();
    for (open, close) in [
        ("<style>", "</style>"),
        (
            r#"<script type="application/json" id="nhi-report">"#,
            "</script>",
        ),
        ("<script>", "</script>"),
    ] {
        let (before, after) = rest.split_once(open).expect("element opens");
        let (_, after) = after.split_once(close).expect("element closes");
        skeleton.push_str(before);
        skeleton.push_str(open);
        skeleton.push('…');
        skeleton.push_str(close);
        rest = after;
    }
    skeleton.push_str(rest);
    let skeleton = without_hashes(&skeleton);
    insta::assert_snapshot!("html_skeleton", skeleton);
}

/// The CSP's sha256 sources with their values left out (they change with every asset edit).
fn without_hashes(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some((before, after)) = rest.split_once("'sha256-") {
        out.push_str(before);
        out.push_str("'sha256-…'");
        rest = after.split_once('\'').map_or("", |(_, a)| a);
    }
    out.push_str(rest);
    out
}

/// `nhi diff` of the two demo scans, in every format.
#[test]
fn diff_formats() {
    for format in ["table", "json", "ndjson", "markdown"] {
        let r = run(&[
            "diff",
            "fixtures/demo",
            "fixtures/demo-next",
            "--now",
            NOW,
            "--format",
            format,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        insta::assert_snapshot!(format!("diff_{format}"), r.stdout);
    }
}

/// The table and Markdown with accepted risks (one active, one expired, one stale) and a
/// baseline: the marks, the counts and the notes.
#[test]
fn table_and_markdown_with_suppressions_and_a_baseline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("old.json");
    let r = run(&[
        "scan",
        "--from",
        "fixtures/demo",
        "--now",
        NOW,
        "--format",
        "json",
        "--output",
        baseline.to_str().expect("path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let config = dir.path().join("nhi.toml");
    std::fs::write(
        &config,
        r#"[[suppress]]
rule = "aws-admin-access"
identity = "*-admin"
reason = "administrator roles by design"
accepted_by = "security-lead"
expires = 2027-03-31

[[suppress]]
rule = "aws-access-key-not-rotated"
identity = "ci-*"
reason = "jenkins is being retired"
expires = 2026-10-01

[[suppress]]
rule = "aws-role-unused"
identity = "nothing-*"
reason = "an old vendor role"
"#,
    )
    .expect("write");
    for (format, extra) in [
        ("table", None),
        ("table", Some("--show-suppressed")),
        ("markdown", None),
        ("markdown", Some("--show-suppressed")),
    ] {
        let mut args = vec![
            "scan",
            "--from",
            "fixtures/demo-next",
            "--now",
            NOW,
            "--config",
            config.to_str().expect("path"),
            "--baseline",
            baseline.to_str().expect("path"),
            "--format",
            format,
        ];
        args.extend(extra);
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let name = format!(
            "suppressed_baseline_{format}{}",
            if extra.is_some() { "_shown" } else { "" }
        );
        insta::assert_snapshot!(name, r.stdout);
    }
}
