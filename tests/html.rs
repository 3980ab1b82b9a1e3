//! The HTML report in a real browser: the system Chromium (Debian package `chromium`, installed by
//! .ci/run) driven by playwright-core (tests/tools) through tests/html/check.mjs, which prints
//! what it saw as JSON. These tests decide what is right.
//!
//! docs/html-report.png is made by the same driver:
//! `nhi scan --from fixtures/demo --now 2026-11-02T00:00:00Z --format html -o /tmp/demo.html`, then
//! `node tests/html/check.mjs /tmp/demo.html --screenshot docs/html-report.png`.

use crate::common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const GITHUB_TOKEN: &str = "ghp_PLANTEDmarkerGITHUB0000000000000000000";
const OPENAI_KEY: &str = "sk-admin-PLANTEDmarkerOPENAI000000000000";
const ANTHROPIC_KEY: &str = "sk-ant-admin01-PLANTEDmarkerANTHROPIC00";

/// `nhi scan --from ... --format html -o FILE` with tokens planted in the environment (none of
/// the sources needs them: they must not leak into the page anyway). Returns the page's bytes.
fn render(from: &[&str], file: &Path) -> (i32, Vec<u8>) {
    let mut cmd = nhi();
    cmd.env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("OPENAI_ADMIN_KEY", OPENAI_KEY)
        .env("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY);
    let out = file.to_str().expect("UTF-8 path");
    let mut args = vec!["scan", "--now", NOW, "--format", "html", "--output", out];
    for f in from {
        args.extend(["--from", f]);
    }
    let r = run_in(cmd, &args);
    assert!(r.stdout.is_empty(), "the page goes to the file only");
    (r.code, std::fs::read(file).expect("the page was written"))
}

/// The report embedded in a page (the element `nhi-report` and the parts after it), parsed.
fn embedded(page: &[u8]) -> Value {
    let page = std::str::from_utf8(page).expect("UTF-8");
    let start = r#"<script type="application/json" id="nhi-report">"#;
    let part = r#"<script type="application/json" class="nhi-report-part">"#;
    let (_, mut rest) = page.split_once(start).expect("the data element");
    let mut data = String::new();
    loop {
        let (text, after) = rest.split_once("</script>").expect("the data element ends");
        data.push_str(text);
        match after.strip_prefix('\n').and_then(|a| a.strip_prefix(part)) {
            Some(next) => rest = next,
            None => break,
        }
    }
    serde_json::from_str(&data).expect("the embedded report is JSON")
}

/// The page with another report embedded (escaped the way nhi escapes it).
fn with_report(page: &[u8], report: &Value) -> Vec<u8> {
    let page = std::str::from_utf8(page).expect("UTF-8");
    let start = r#"<script type="application/json" id="nhi-report">"#;
    let (head, rest) = page.split_once(start).expect("the data element");
    let (_, tail) = rest.split_once("</script>").expect("the data element ends");
    let data = serde_json::to_string(report)
        .expect("JSON")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    format!("{head}{start}{data}</script>{tail}").into_bytes()
}

/// Run the driver over a page; `extra` are its options (--filter, --open, --screenshot).
fn browse(page: &Path, extra: &[&str]) -> Value {
    let chromium = std::env::var("NHI_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install the Debian package chromium (.ci/run does)"
    );
    npm_tool("playwright-core");
    let out = std::process::Command::new("node")
        .arg(root().join("tests/html/check.mjs"))
        .arg(page)
        .args(extra)
        .output()
        .expect("node runs the driver");
    assert!(
        out.status.success(),
        "the driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the driver prints JSON")
}

/// Loaded with no console error, no script error, no failed request, and no request but the
/// page itself (data: URLs aside).
fn assert_clean_load(seen: &Value, page: &Path) {
    let own = seen["url"].as_str().expect("url");
    assert!(
        own.starts_with("file://")
            && own.ends_with(&*page.file_name().expect("name").to_string_lossy())
    );
    for key in ["console_errors", "page_errors", "failed_requests"] {
        assert_eq!(seen[key], json!([]), "{key}");
    }
    for url in seen["requests"].as_array().expect("requests") {
        let url = url.as_str().expect("url");
        assert!(
            url == own || url.starts_with("data:"),
            "the page requested {url}"
        );
    }
}

fn assert_not_blank(seen: &Value) {
    let shot = &seen["screenshot"];
    assert_eq!(shot["width"], 1280);
    assert!(
        shot["distinct_colors"].as_u64().expect("colours") > 100,
        "{shot}"
    );
    assert!(
        shot["non_white_ratio"].as_f64().expect("ratio") > 0.03,
        "{shot}"
    );
}

fn identities(report: &Value) -> &Vec<Value> {
    report["identities"].as_array().expect("identities")
}

/// The rows a --filter left, from the driver's output.
fn filtered<'a>(seen: &'a Value, spec: &str) -> &'a Vec<Value> {
    seen["filters"]
        .as_array()
        .expect("filters")
        .iter()
        .find(|f| f["filter"] == spec)
        .and_then(|f| f["rows"].as_array())
        .expect("the filter ran")
}

fn temp_page(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn demo_page_in_chromium() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = temp_page(&dir, "demo.html");
    let (code, bytes) = render(&["fixtures/demo"], &page);
    assert_eq!(code, 0);
    let report = embedded(&bytes);

    // A chain of hops to open: the demo's path to admin from ci-jenkins.
    let (chained, hops) = identities(&report)
        .iter()
        .find_map(|i| {
            i["findings"].as_array()?.iter().find_map(|f| {
                // A path of steps (a role that is admin itself has none to draw).
                let hops = f["evidence"]["hops"].as_array().filter(|h| !h.is_empty())?;
                Some((i, hops.clone()))
            })
        })
        .expect("the demo has a path to admin");
    let chained_id = chained["id"].as_str().expect("id");

    let seen = browse(
        &page,
        &["--filter", "severity=critical", "--open", chained_id],
    );
    assert_clean_load(&seen, &page);
    assert_not_blank(&seen);
    assert_eq!(seen["charts"], 6);
    assert_eq!(
        seen["sources_alert"],
        Value::Null,
        "every demo source is ok"
    );
    assert_eq!(
        seen["count_text"],
        format!("{} identities", identities(&report).len())
    );

    // Filtering by severity leaves exactly the critical identities.
    let rows = filtered(&seen, "severity=critical");
    let critical = identities(&report)
        .iter()
        .filter(|i| i["risk"]["severity"] == "critical")
        .count();
    assert!(!rows.is_empty());
    assert_eq!(rows.len(), critical);
    for row in rows {
        assert_eq!(row["severity"], "critical", "{row}");
    }

    // The detail shows every finding, and the path as a chain from -> ... -> to.
    let detail = &seen["detail"];
    assert_eq!(detail["title"], chained["name"]);
    let rules: Vec<&Value> = chained["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| &f["rule_id"])
        .collect();
    assert_eq!(
        detail["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .collect::<Vec<_>>(),
        rules
    );
    let mut nodes = vec![hops[0]["from"].clone()];
    nodes.extend(hops.iter().map(|h| h["to"].clone()));
    assert!(
        detail["chains"]
            .as_array()
            .expect("chains")
            .contains(&Value::Array(nodes)),
        "{detail}"
    );
    let evidence: Value =
        serde_json::from_str(detail["evidence_json"].as_str().expect("evidence")).expect("JSON");
    assert_eq!(evidence, chained["findings"][0]["evidence"]);
}

#[test]
fn demo_and_github_page_in_chromium() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = temp_page(&dir, "both.html");
    let (code, bytes) = render(
        &["fixtures/demo", "fixtures/github/acme-inventory.json"],
        &page,
    );
    assert_eq!(code, 0);
    let report = embedded(&bytes);
    let total = identities(&report).len();
    let seen = browse(
        &page,
        &[
            "--filter",
            "severity=critical",
            "--filter",
            "provider=github",
        ],
    );
    assert_clean_load(&seen, &page);
    assert_not_blank(&seen);
    assert_eq!(seen["count_text"], format!("{total} identities"));
    // Rendered lazily: only the rows in view (and a few around them) exist.
    let in_dom = seen["rows_in_dom"].as_u64().expect("rows") as usize;
    assert!(in_dom > 0 && in_dom < total, "{in_dom} rows of {total}");

    let rows = filtered(&seen, "severity=critical");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["severity"] == "critical"));
    let github = filtered(&seen, "provider=github");
    let expected = identities(&report)
        .iter()
        .filter(|i| i["provider"] == "github")
        .count();
    assert_eq!(github.len(), expected);
    assert!(github.iter().all(|r| r["provider"] == "github"));
}

#[test]
fn page_holds_no_planted_token_and_is_byte_identical() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = ["fixtures/demo", "fixtures/github/acme-inventory.json"];
    let (_, first) = render(&from, &temp_page(&dir, "1.html"));
    let (_, second) = render(&from, &temp_page(&dir, "2.html"));
    assert!(first == second, "two runs differ");
    let text = String::from_utf8(first.clone()).expect("UTF-8");
    for token in [GITHUB_TOKEN, OPENAI_KEY, ANTHROPIC_KEY] {
        assert!(!text.contains(token), "the page holds a planted token");
    }
    // The embedded data is the JSON report, the same document `--format json` writes.
    let r = scan(&from, "json");
    let json: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(embedded(&first), json);
}

#[test]
fn failed_source_is_shown_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = temp_page(&dir, "failed.html");
    let (code, _) = render(
        &[
            "fixtures/bad/not-gaad.json",
            "fixtures/demo/credential-report.csv",
        ],
        &page,
    );
    assert_eq!(code, 2);
    let seen = browse(&page, &[]);
    assert_clean_load(&seen, &page);
    let alert = seen["sources_alert"].as_str().expect("an alert at the top");
    assert!(alert.contains("failed"), "{alert}");
    assert!(alert.contains("fixtures/bad/not-gaad.json"), "{alert}");
    assert!(alert.contains("not a recognized export"), "{alert}");
}

/// Names are data: a name that tries to end the script element or open markup shows as text.
#[test]
fn hostile_names_stay_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hostile = r#"</script><img src=x onerror=alert(1)><!--<script>alert(2)</script> & "#;
    let mut inventory: Value =
        serde_json::from_str(&read("fixtures/github/acme-inventory.json")).expect("inventory");
    inventory["identities"][0]["name"] = json!(hostile);
    let id = inventory["identities"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let input = dir.path().join("hostile-inventory.json");
    std::fs::write(&input, inventory.to_string()).expect("written");
    let page = temp_page(&dir, "hostile.html");
    let (code, bytes) = render(&[input.to_str().expect("UTF-8")], &page);
    assert_eq!(code, 0);
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert_eq!(
        text.matches("</script>").count(),
        2,
        "only the page's own two"
    );
    let seen = browse(&page, &["--open", &id]);
    assert_clean_load(&seen, &page);
    assert_eq!(seen["detail"]["title"], hostile);
}

/// Findings may later carry `suppression` and `baseline`: the page shows and filters them, and
/// (the other tests) works without them.
#[test]
fn suppression_and_baseline_when_present() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = temp_page(&dir, "plain.html");
    let (_, bytes) = render(&["fixtures/demo"], &plain);
    let mut report = embedded(&bytes);
    let mut new_ids = Vec::new();
    let mut suppressed_ids = Vec::new();
    for (n, identity) in report["identities"]
        .as_array_mut()
        .expect("identities")
        .iter_mut()
        .enumerate()
    {
        let id = identity["id"].clone();
        for f in identity["findings"].as_array_mut().expect("findings") {
            let is_new = n % 3 == 0;
            f["baseline"] = json!(if is_new { "new" } else { "existing" });
            if is_new && !new_ids.contains(&id) {
                new_ids.push(id.clone());
            }
            if n % 4 == 1 {
                f["suppression"] = json!({
                    "reason": "accepted: <b>break-glass</b>",
                    "accepted_by": "security-lead",
                    "expires": "2027-01-01T00:00:00Z"
                });
                if !suppressed_ids.contains(&id) {
                    suppressed_ids.push(id.clone());
                }
            }
        }
    }
    let page = temp_page(&dir, "annotated.html");
    std::fs::write(&page, with_report(&bytes, &report)).expect("written");
    let open = suppressed_ids[0].as_str().expect("id");
    let seen = browse(
        &page,
        &[
            "--filter",
            "baseline=new",
            "--filter",
            "suppression=suppressed",
            "--open",
            open,
        ],
    );
    assert_clean_load(&seen, &page);
    let by_index = |rows: &Vec<Value>| -> Vec<Value> {
        let mut ids: Vec<Value> = rows
            .iter()
            .map(|r| {
                identities(&report)[r["index"].as_u64().expect("index") as usize]["id"].clone()
            })
            .collect();
        ids.sort_by_key(|v| v.to_string());
        ids
    };
    let sorted = |mut v: Vec<Value>| {
        v.sort_by_key(|v| v.to_string());
        v
    };
    let new_rows = filtered(&seen, "baseline=new");
    assert_eq!(by_index(new_rows), sorted(new_ids));
    assert!(new_rows
        .iter()
        .all(|r| r["badges"].as_str().expect("badges").contains("new")));
    let suppressed_rows = filtered(&seen, "suppression=suppressed");
    assert_eq!(by_index(suppressed_rows), sorted(suppressed_ids));
    let badges = seen["detail"]["badges"].as_array().expect("badges");
    assert!(badges.contains(&json!("suppressed")), "{badges:?}");
    assert!(badges.contains(&json!("existing")), "{badges:?}");
}

/// docs/html-report.png (README) is a screenshot of the demo page, 1280 pixels wide.
#[test]
fn screenshot_in_docs_is_the_demo_at_1280() {
    let png = std::fs::read(root().join("docs/html-report.png")).expect("docs/html-report.png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().expect("IHDR width"));
    assert_eq!(width, 1280);
}
