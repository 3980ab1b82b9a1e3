//! Connectors outside the binary (`--connector CMD`, docs/connectors.md) through the real
//! binary: programs that print garbage, hang, exit 3, print 2 GB, bring a provider and kinds nhi
//! has never seen, or print their environment. Each gives a clear source result while the other
//! sources are reported; unknown providers get the generic rules. And the inventory contract:
//! its published schema is the type's, and every inventory nhi writes follows it.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// `days` before the tests' `--now` (negative: after it), RFC 3339.
fn ago(days: i64) -> String {
    let now: chrono::DateTime<chrono::Utc> = NOW.parse().expect("NOW");
    (now - chrono::Duration::days(days))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Connector scripts in a temporary directory; each runs as `sh DIR/NAME.sh` and is named NAME.
struct Scripts(tempfile::TempDir);

impl Scripts {
    fn new() -> Self {
        Scripts(tempfile::tempdir().expect("tempdir"))
    }

    /// Write a script; the command that runs it.
    fn add(&self, name: &str, body: &str) -> String {
        let path = self.0.path().join(format!("{name}.sh"));
        std::fs::write(&path, body).expect("script written");
        format!("sh {}", path.display())
    }

    /// A script that prints these lines (here-document, so quotes need no escaping).
    fn printing(&self, name: &str, lines: &[Value]) -> String {
        let text: Vec<String> = lines.iter().map(Value::to_string).collect();
        self.add(name, &format!("cat <<'EOF'\n{}\nEOF\n", text.join("\n")))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

/// An identity from a provider nhi has no rules for.
fn snowflake_user(id: &str, created: i64, used: i64, expires: Value, owner_active: bool) -> Value {
    json!({
        "id": id, "provider": "snowflake", "kind": "snowflake_service_user", "name": id,
        "scope": "acme-eu1",
        "created_at": ago(created),
        "last_used": {"at": ago(used)},
        "owner": {"value": "dana@acme.example", "source": "snowflake_comment", "active": owner_active},
        "credentials": [{"id": format!("{id}-rsa1"), "kind": "snowflake_key_pair", "status": "active",
                         "created_at": ago(created), "last_used": {"at": ago(used)}, "expires": expires}],
        "permissions": [{"source": "grant", "name": "role ACCOUNTADMIN"}]
    })
}

fn source<'a>(report: &'a Value, connector: &str) -> &'a Value {
    report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["connector"] == connector)
        .unwrap_or_else(|| panic!("no source {connector}: {}", report["sources"]))
}

fn message(source: &Value) -> &str {
    source["message"].as_str().unwrap_or("")
}

/// identity id -> sorted rule ids.
fn rules_by_identity(report: &Value) -> BTreeMap<String, Vec<String>> {
    report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .map(|i| {
            let mut rules: Vec<String> = i["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| f["rule_id"].as_str().expect("rule").to_string())
                .collect();
            rules.sort();
            (i["id"].as_str().expect("id").to_string(), rules)
        })
        .collect()
}

#[test]
fn each_misbehaving_connector_gets_a_clear_result_and_the_others_are_reported() {
    let s = Scripts::new();
    let good = snowflake_user("svc_etl", 30, 1, json!({"at": ago(-60)}), true);
    let mut bad_expiry = snowflake_user("svc_bad", 30, 1, json!("never"), true);
    bad_expiry["credentials"][0]["expires"] = json!("sk-live-PLANTED-in-the-wrong-field");
    let garbage = s.add("garbage", "echo '<html>502 Bad Gateway</html>'\n");
    let hang = s.add("hang", &format!("cat <<'EOF'\n{good}\nEOF\nsleep 60\n"));
    let exit3 = s.add(
        "exit3",
        "echo 'okta: token expired: create a new one' >&2\nexit 3\n",
    );
    let huge = s.add("huge", "head -c 2147483648 /dev/zero\n");
    let unknown = s.printing("unknown", std::slice::from_ref(&good));
    let partial = s.printing("partial", &[good.clone(), bad_expiry]);
    let started = std::time::Instant::now();
    let mut args = vec![
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--from",
        "fixtures/demo",
        "--connector-timeout",
        "3",
        "--connector-max-output",
        "16",
    ];
    for c in [&garbage, &hang, &exit3, &huge, &unknown, &partial] {
        args.extend(["--connector", c.as_str()]);
    }
    let r = run(&args);
    assert!(started.elapsed().as_secs() < 60, "the hang was stopped");
    assert_eq!(r.code, 2, "failed sources make exit code 2: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("a report is written");

    assert_eq!(
        source(&report, "aws")["status"],
        "ok",
        "the demo is still read"
    );
    let g = source(&report, "garbage");
    assert_eq!(g["status"], "failed");
    assert!(
        message(g).contains("connector garbage")
            && message(g).contains("line 1 column 1: expected value"),
        "{g}"
    );
    let h = source(&report, "hang");
    assert_eq!(
        (h["status"].as_str(), h["identities"].as_u64()),
        (Some("partial"), Some(1)),
        "{h}"
    );
    assert!(message(h).contains("did not finish within 3 s"), "{h}");
    let e = source(&report, "exit3");
    assert_eq!(e["status"], "failed", "{e}");
    assert!(
        message(e).contains(
            "connector exit3 exited with status 3: okta: token expired: create a new one"
        ),
        "{e}"
    );
    assert!(
        r.stderr
            .contains("exit3: okta: token expired: create a new one"),
        "its stderr reaches ours after its name: {}",
        r.stderr
    );
    let big = source(&report, "huge");
    assert_eq!(big["status"], "failed", "{big}");
    assert!(
        message(big).contains("more than 16 MiB") && message(big).contains("max_output_mib"),
        "{big}"
    );
    let u = source(&report, "unknown");
    assert_eq!(
        (u["status"].as_str(), u["identities"].as_u64()),
        (Some("ok"), Some(1)),
        "{u}"
    );
    assert_eq!(u["scope"], "acme-eu1");
    let p = source(&report, "partial");
    assert_eq!(
        (p["status"].as_str(), p["identities"].as_u64()),
        (Some("partial"), Some(1)),
        "{p}"
    );
    assert!(
        message(p).contains("line 2: credentials[0].expires: unknown variant"),
        "the line and the JSON path at fault: {p}"
    );
    assert!(
        !r.stdout.contains("PLANTED") && !r.stderr.contains("PLANTED"),
        "a value in the wrong field is not repeated"
    );
    // The unknown provider's identity is in the report (twice: the hung and the good run
    // printed the same identity, and both are kept as read).
    let snowflake: Vec<&Value> = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter(|i| i["provider"] == "snowflake")
        .collect();
    assert!(!snowflake.is_empty());
    assert_eq!(snowflake[0]["kind"], "snowflake_service_user");
}

#[test]
fn an_external_identity_gets_the_three_generic_findings_and_its_fresh_twin_none() {
    let s = Scripts::new();
    // No expiry, unused for 200 days, its owner gone; 300 days old (not yet due for rotation).
    let stale = snowflake_user("svc_stale", 300, 200, json!("never"), false);
    let fresh = snowflake_user("svc_fresh", 300, 1, json!({"at": ago(-30)}), true);
    // One inventory document this time (the other form a connector may print).
    let document = json!({"schema_version": 2, "identities": [stale, fresh]});
    let c = s.printing("snowflake", &[document]);
    let r = run(&["scan", "--now", NOW, "--format", "json", "--connector", &c]);
    let report = ok_report(&r);
    assert_eq!(
        rules_by_identity(&report),
        BTreeMap::from([
            (
                "svc_stale".to_string(),
                vec![
                    "generic-no-expiry".to_string(),
                    "generic-owner-departed".to_string(),
                    "generic-unused".to_string()
                ]
            ),
            ("svc_fresh".to_string(), vec![]),
        ])
    );
    // Thresholds per provider: with [thresholds.providers.snowflake] the fresh twin's
    // expiry (330 days after creation) is past a 180-day maximum.
    let config = s.path().join("nhi.toml");
    std::fs::write(
        &config,
        "[thresholds.providers.snowflake]\ncredential_max_lifetime_days = 180\n[thresholds.providers.okta]\ncredential_max_lifetime_days = 1\n",
    )
    .expect("config");
    let r = run(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--connector",
        &c,
        "--config",
        config.to_str().expect("path"),
    ]);
    let report = ok_report(&r);
    assert_eq!(
        rules_by_identity(&report)["svc_fresh"],
        ["generic-no-expiry"]
    );
    // The rules list names the generic rules (SARIF's driver lists them too).
    let r = run(&["scan", "--now", NOW, "--format", "sarif", "--connector", &c]);
    assert!(r.stdout.contains("\"generic-unused\""), "{}", r.stderr);
    // A built-in provider's kinds stay with its own rules: the demo has no generic finding.
    assert!(!read_demo_rules().iter().any(|r| r.starts_with("generic-")));
}

fn read_demo_rules() -> Vec<String> {
    rules_by_identity(&demo_json())
        .into_values()
        .flatten()
        .collect()
}

#[test]
fn the_environment_holds_path_and_the_named_variables_only() {
    let s = Scripts::new();
    let c = s.add("printenv", "env >&2\n");
    let mut cmd = nhi();
    cmd.env("NHI_TEST_NAMED", "named-value-4711")
        .env("NHI_TEST_HIDDEN", "hidden-value-0815");
    let r = run_in(
        cmd,
        &[
            "scan",
            "--now",
            NOW,
            "--format",
            "json",
            "--connector",
            &c,
            "--connector-env",
            "NHI_TEST_NAMED",
        ],
    );
    assert!(r.stderr.contains("printenv: PATH="), "{}", r.stderr);
    assert!(
        r.stderr.contains("printenv: NHI_TEST_NAMED=***"),
        "named, and its value never repeated: {}",
        r.stderr
    );
    for hidden in [
        "NHI_TEST_HIDDEN",
        "hidden-value-0815",
        "named-value-4711",
        "COLUMNS=",
    ] {
        assert!(!r.stderr.contains(hidden), "{hidden}: {}", r.stderr);
        assert!(!r.stdout.contains(hidden), "{hidden}");
    }
    // It printed no identities: reported, not an error.
    let report = ok_report(&r);
    assert!(message(source(&report, "printenv")).contains("printed no identities"));
    // `-q` leaves errors only: its stderr is not relayed.
    let r = run(&[
        "-q",
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--connector",
        &c,
    ]);
    assert_eq!(r.code, 0);
    assert!(!r.stderr.contains("printenv:"), "{}", r.stderr);
}

#[test]
fn a_program_that_cannot_run_names_the_fix() {
    let r = run(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--from",
        "fixtures/demo",
        "--connector",
        "nhi-no-such-connector --all",
    ]);
    assert_eq!(r.code, 2);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let m = message(source(&report, "nhi-no-such-connector")).to_string();
    assert!(
        m.contains("cannot run \"nhi-no-such-connector\"")
            && m.contains("install it, or give its full path"),
        "{m}"
    );
    assert_eq!(source(&report, "aws")["status"], "ok");
    // A command line that does not split is a usage error before anything runs.
    let r = run(&["scan", "--connector", "python3 'unclosed"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("a quote is not closed"), "{}", r.stderr);
}

#[test]
fn the_published_inventory_schema_is_the_type() {
    let published: Value =
        serde_json::from_str(&read("docs/inventory.schema.json")).expect("schema is JSON");
    // Compared as a boolean: a dump of two 37 kB schemas says less than the fix.
    assert!(
        published == nhi::api::contract::json_schema(),
        "docs/inventory.schema.json is out of date: run `cargo run -- schema --inventory > docs/inventory.schema.json`"
    );
    let r = run(&["schema", "--inventory"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).expect("json"),
        published
    );
    // The must-fields of docs/connectors.md are required; the should-fields are not.
    let identity = &published["$defs"]["Identity"]["required"];
    for key in ["id", "provider", "kind", "name", "scope"] {
        assert!(
            identity
                .as_array()
                .is_some_and(|r| r.iter().any(|k| k == key)),
            "{key}"
        );
    }
    for key in ["created_at", "last_used", "owner", "credentials", "native"] {
        assert!(
            !identity
                .as_array()
                .is_some_and(|r| r.iter().any(|k| k == key)),
            "{key}"
        );
    }
}

/// Every inventory nhi writes (`nhi collect`) follows the published schema, checked by an
/// independent validator; and the validator does catch a broken one.
#[test]
fn every_inventory_nhi_writes_follows_the_schema() {
    let s = Scripts::new();
    let external = s.printing(
        "snowflake",
        &[snowflake_user("svc_a", 30, 1, json!("never"), true)],
    );
    let cases: [(&str, Vec<&str>); 6] = [
        ("the demo (AWS exports)", vec!["--from", "fixtures/demo"]),
        (
            "an AWS organization export",
            vec![
                "--from",
                "fixtures/aws/organization.json",
                "--from",
                "fixtures/demo",
            ],
        ),
        (
            "the pipeline scenario",
            vec!["--from", "fixtures/aws/pipeline"],
        ),
        (
            "a GitHub organization",
            vec!["--from", "fixtures/github/acme-inventory.json"],
        ),
        (
            "a GitLab group",
            vec!["--from", "fixtures/gitlab/acme-inventory.json"],
        ),
        ("an external connector", vec!["--connector", &external]),
    ];
    for (what, sources) in cases {
        let mut args = vec!["collect"];
        args.extend(sources);
        let r = run(&args);
        // The GitLab scenario plants refusals (a 403 project, Free-tier service accounts): its
        // inventory records partial sources, and collect says so with exit 2.
        let expected = if what.contains("GitLab") { 2 } else { 0 };
        assert_eq!(r.code, expected, "{what}: {}", r.stderr);
        assert_valid_inventory(&r.stdout, what);
    }
    // An identity without a kind is refused by the schema as by nhi.
    let r = run(&["collect", "--from", "fixtures/demo"]);
    let mut broken: Value = serde_json::from_str(&r.stdout).expect("json");
    broken["identities"][0]
        .as_object_mut()
        .expect("identity")
        .remove("kind");
    let validator = std::process::Command::new("python3")
        .arg(root().join("tests/connectors/validate_inventory.py"))
        .arg(root().join("docs/inventory.schema.json"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let out = {
        use std::io::Write;
        let mut v = validator;
        v.stdin
            .take()
            .expect("stdin")
            .write_all(broken.to_string().as_bytes())
            .expect("write");
        v.wait_with_output().expect("ends")
    };
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("'kind' is a required property"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The README's "Write your own connector" section works as written.
#[test]
fn readme_connector_section_names_what_exists() {
    let readme = read("README.md");
    let start = readme
        .find("### Write your own connector")
        .expect("README has the section");
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n## ").map_or(section.len(), |e| e + 4)];
    for path in [
        "examples/connectors/okta.py",
        "docs/connectors.md",
        "docs/inventory.schema.json",
    ] {
        assert!(section.contains(path), "the section names {path}");
        assert!(root().join(path).exists(), "{path} exists");
    }
    assert!(section.contains("--connector-env OKTA_API_TOKEN"));
    assert!(section.contains("[[connector]]"));
}
