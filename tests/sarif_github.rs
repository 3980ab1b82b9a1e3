//! SARIF that GitHub code scanning ingests: every `artifactLocation.uri` is a relative path
//! (input files relative to the working directory or `--sarif-root`, live identities a stable
//! `nhi/...` pseudo-path), never a URL or an absolute path, in file, live and mixed scans;
//! `automationDetails.id` per scan configuration; GitHub's limits kept, the most severe results
//! kept, and what was cut said. Cut logs still pass Microsoft's validator.

use crate::common::*;
use crate::github_scenario::{Options, Scenario, TOKEN};
use crate::sarif_validator::validate;
use chrono::{DateTime, Utc};
use nhi::render::{Format, RenderOptions, SarifLimits, SarifOptions};
use serde_json::Value;
use std::collections::BTreeSet;

fn sarif(r: &Run) -> Value {
    assert!(r.code == 0 || r.code == 2, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr))
}

/// Every `uri` anywhere in the log except the rules' help links and the schema, which are
/// documentation rather than locations.
fn uris(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if k == "uri" {
                        out.push(v.as_str().expect("uri is a string").to_string());
                    } else {
                        walk(v, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut out);
    out
}

/// The checks GitHub makes of a location: relative, no scheme, no way out of the repository.
fn assert_relative(doc: &Value) -> Vec<String> {
    let uris = uris(doc);
    assert!(!uris.is_empty());
    for u in &uris {
        assert!(!u.contains("://") && !u.contains(':'), "a URI scheme: {u}");
        assert!(!u.starts_with('/') && !u.starts_with('\\'), "absolute: {u}");
        assert!(!u.split('/').any(|s| s == ".." || s.is_empty()), "{u}");
        assert!(!u.contains(' '), "{u}");
    }
    let results = doc["runs"][0]["results"].as_array().expect("results");
    for r in results {
        assert_eq!(r["locations"].as_array().map(Vec::len), Some(1), "{r}");
    }
    uris
}

fn automation_id(doc: &Value) -> String {
    doc["runs"][0]["automationDetails"]["id"]
        .as_str()
        .expect("automationDetails.id")
        .to_string()
}

/// `nhi scan --github-org acme` against the scenario, with extra arguments.
fn github_scan(url: &str, args: &[&str]) -> Run {
    let mut cmd = nhi();
    cmd.env_remove("GH_TOKEN")
        .env("GITHUB_TOKEN", TOKEN)
        .timeout(std::time::Duration::from_secs(120));
    let mut all = vec!["scan", "--github-org", "acme", "--github-api-url", url];
    all.extend_from_slice(args);
    run_in(cmd, &all)
}

#[test]
fn file_scans_locate_findings_in_their_input_files() {
    let doc = sarif(&scan(&["fixtures/demo"], "sarif"));
    let uris: BTreeSet<String> = assert_relative(&doc).into_iter().collect();
    assert_eq!(
        uris,
        BTreeSet::from([
            "fixtures/demo/credential-report.csv".to_string(),
            "fixtures/demo/gaad.json".to_string()
        ])
    );
    assert_eq!(automation_id(&doc), "nhi/aws:314159265358/");

    // Run from elsewhere with absolute paths: files outside the working directory get
    // pseudo-paths (and a note on stderr), unless --sarif-root names the repository.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let demo = root().join("fixtures/demo");
    let absolute = demo.to_str().expect("path");
    let mut cmd = nhi();
    cmd.current_dir(elsewhere.path());
    let r = run_in(
        cmd,
        &[
            "scan", "--from", absolute, "--now", NOW, "--format", "sarif",
        ],
    );
    let doc = sarif(&r);
    assert!(!r.stdout.contains(absolute), "an absolute path in the log");
    let uris = assert_relative(&doc);
    assert!(
        uris.iter().all(|u| u.starts_with("nhi/aws/314159265358/")),
        "{uris:?}"
    );
    assert!(
        r.stderr.contains("is outside the working directory"),
        "{}",
        r.stderr
    );

    let mut cmd = nhi();
    cmd.current_dir(elsewhere.path());
    let r = run_in(
        cmd,
        &[
            "scan",
            "--from",
            absolute,
            "--now",
            NOW,
            "--format",
            "sarif",
            "--sarif-root",
            root().to_str().expect("path"),
        ],
    );
    let uris: BTreeSet<String> = assert_relative(&sarif(&r)).into_iter().collect();
    assert!(uris.contains("fixtures/demo/gaad.json"), "{uris:?}");
    assert_eq!(uris.len(), 2);

    // A saved inventory's identities came from APIs: pseudo-paths, and the category of its
    // sources.
    let doc = sarif(&scan(&["fixtures/github/acme-inventory.json"], "sarif"));
    let uris = assert_relative(&doc);
    assert!(
        uris.iter().all(|u| u.starts_with("nhi/github/acme/")),
        "{uris:?}"
    );
    assert_eq!(automation_id(&doc), "nhi/github:acme/");
}

#[test]
fn live_and_mixed_scans_get_pseudo_paths_never_urls() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let scenario = runtime.block_on(Scenario::start(Options {
        graphql: true,
        ..Default::default()
    }));
    let url = scenario.url();

    let live = github_scan(&url, &["--now", NOW, "--format", "sarif"]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let doc = sarif(&live);
    let uris = assert_relative(&doc);
    assert!(
        uris.iter().all(|u| u.starts_with("nhi/github/acme/")),
        "{uris:?}"
    );
    assert!(
        !live.stdout.contains(&url),
        "the API's address is in the log"
    );
    assert!(!live.stdout.contains(TOKEN));
    // One alert per identity keeps its place from run to run.
    assert!(uris.contains(&"nhi/github/acme/github_app_installation/ci-bot".to_string()));
    let github_category = automation_id(&doc);
    assert_eq!(github_category, "nhi/github:acme/");

    let mixed = github_scan(
        &url,
        &["--from", "fixtures/demo", "--now", NOW, "--format", "sarif"],
    );
    assert_eq!(mixed.code, 0, "{}", mixed.stderr);
    let doc = sarif(&mixed);
    let uris: BTreeSet<String> = assert_relative(&doc).into_iter().collect();
    assert!(uris.contains("fixtures/demo/gaad.json"));
    assert!(uris.iter().any(|u| u.starts_with("nhi/github/acme/")));
    assert!(uris
        .iter()
        .all(|u| u.starts_with("fixtures/demo/") || u.starts_with("nhi/github/acme/")));
    // Each configuration its own category, so uploads do not close each other's alerts.
    let mixed_category = automation_id(&doc);
    assert_eq!(mixed_category, "nhi/aws:314159265358+github:acme/");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("mixed.sarif");
    std::fs::write(&file, &mixed.stdout).expect("write");
    assert_eq!(validate(&file), Vec::<String>::new());

    let named = github_scan(
        &url,
        &[
            "--now",
            NOW,
            "--format",
            "sarif",
            "--sarif-category",
            "nightly/github",
        ],
    );
    assert_eq!(automation_id(&sarif(&named)), "nightly/github/");
}

#[test]
fn results_beyond_the_limit_are_cut_most_severe_kept_and_said() {
    let all = sarif(&scan(&["fixtures/demo"], "sarif"));
    let total = all["runs"][0]["results"].as_array().expect("results").len();
    let critical = all["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["properties"]["severity"] == "critical")
        .count();
    assert!(critical > 5 && total > critical);
    assert!(all["runs"][0].get("properties").is_none(), "nothing cut");

    let r = run(&[
        "scan",
        "--from",
        "fixtures/demo",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--sarif-max-results",
        "5",
    ]);
    let doc = sarif(&r);
    let run0 = &doc["runs"][0];
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    assert!(results
        .iter()
        .all(|r| r["properties"]["severity"] == "critical"));
    let left = &run0["properties"]["nhiResultsLeftOut"];
    assert_eq!(left["total"].as_u64(), Some((total - 5) as u64));
    assert_eq!(
        left["bySeverity"]["critical"].as_u64(),
        Some((critical - 5) as u64)
    );
    let note = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .find(|n| n["level"] == "warning")
        .expect("a note of what was cut");
    assert!(note["message"]["text"]
        .as_str()
        .expect("text")
        .starts_with(&format!("nhi left out {} of {total} results", total - 5)));
    // Every rule stays, so code scanning knows the rules that ran.
    assert_eq!(
        run0["tool"]["driver"]["rules"].as_array().map(Vec::len),
        all["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .map(Vec::len)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("cut.sarif");
    std::fs::write(&file, &r.stdout).expect("write");
    assert_eq!(validate(&file), Vec::<String>::new());

    // GitHub rejects more than 25,000 results per run: so does the flag.
    let over = run(&[
        "scan",
        "--from",
        "fixtures/demo",
        "--format",
        "sarif",
        "--sarif-max-results",
        "25001",
    ]);
    assert_eq!(over.code, 2);
}

/// The demo's report, built with the library as `nhi scan --from fixtures/demo --now NOW` does.
fn demo_report() -> nhi::report::Report<'static> {
    let now: DateTime<Utc> = NOW.parse().expect("time");
    let config = nhi::config::Config::parse("", &nhi::rules::ids()).expect("config");
    let inventory = nhi::sources::SourceArgs::files(&[root().join("fixtures/demo")])
        .expect("args")
        .collect(now, &config)
        .expect("collect");
    // The report borrows the inventory; this test process keeps it to the end.
    let inventory: &'static _ = Box::leak(Box::new(inventory));
    let analysis = nhi::analyzer::analyze(inventory, &config, now);
    nhi::report::Report::build(inventory, analysis, now)
}

fn render(report: &nhi::report::Report, limits: SarifLimits) -> Value {
    let mut out = Vec::new();
    nhi::render::renderer(
        Format::Sarif,
        RenderOptions {
            sarif: SarifOptions {
                limits,
                ..SarifOptions::default()
            },
            ..RenderOptions::default()
        },
    )
    .render(report, &mut out)
    .expect("render");
    serde_json::from_slice(&out).expect("json")
}

#[test]
fn a_log_over_the_size_limit_keeps_the_most_severe_results_that_fit() {
    let report = demo_report();
    let full = render(&report, SarifLimits::default());
    let total = full["runs"][0]["results"]
        .as_array()
        .expect("results")
        .len();
    let full_size = serde_json::to_vec_pretty(&full).expect("json").len();
    let gzipped = |log: &serde_json::Value| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, &serde_json::to_vec_pretty(log).expect("json"))
            .expect("gzip");
        gz.finish().expect("gzip").len()
    };
    // A limit halfway between a log of one result (the rule list alone grows with the catalog)
    // and the whole log's compressed size, so that some results must go and some fit.
    let one = render(
        &report,
        SarifLimits {
            results: 1,
            ..SarifLimits::default()
        },
    );
    let limits = SarifLimits {
        bytes: (gzipped(&one) + gzipped(&full)) / 2,
        ..SarifLimits::default()
    };
    let cut = render(&report, limits);
    let bytes = serde_json::to_vec_pretty(&cut).expect("json");
    assert!(bytes.len() < full_size);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &bytes).expect("gzip");
    let compressed = gz.finish().expect("gzip").len();
    assert!(
        compressed <= limits.bytes,
        "{compressed} > {}",
        limits.bytes
    );
    let results = cut["runs"][0]["results"].as_array().expect("results");
    assert!(
        !results.is_empty() && results.len() < total,
        "{}",
        results.len()
    );
    // The kept ones are the most severe: none kept is less severe than one left out.
    let rank = |s: &str| {
        ["info", "low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
    };
    let least_kept = results
        .iter()
        .filter_map(|r| rank(r["properties"]["severity"].as_str()?))
        .min()
        .expect("some");
    let left = &cut["runs"][0]["properties"]["nhiResultsLeftOut"];
    assert_eq!(left["total"].as_u64(), Some((total - results.len()) as u64));
    let most_left = left["bySeverity"]
        .as_object()
        .expect("bySeverity")
        .keys()
        .filter_map(|s| rank(s))
        .max()
        .expect("some left out");
    assert!(least_kept >= most_left);
    assert!(left["reason"]
        .as_str()
        .expect("reason")
        .contains("10 MB gzip-compressed"));
}
