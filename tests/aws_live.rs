//! Live AWS scanning against moto (the real AWS emulator), started by the tests on loopback
//! ports they choose, seeded by tests/aws/moto_scenario.py, stopped when the test ends.

use crate::common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};

/// A moto server seeded with a scenario; stopped on drop.
pub(crate) struct Moto {
    child: Child,
    _stdin: Option<ChildStdin>,
    pub(crate) url: String,
    /// Lines the scenario printed before READY (KEY ..., MEMBERS ...).
    lines: Vec<String>,
}

impl Moto {
    pub(crate) fn start(scenario: &[&str]) -> Moto {
        ensure_moto();
        let port = free_port();
        let mut child = Command::new("python3")
            .arg(root().join("tests/aws/moto_scenario.py"))
            .arg(port.to_string())
            .args(scenario)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs (moto is installed by .ci/run: pip install 'moto[server]')");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("scenario output");
            if line == "READY" {
                return Moto {
                    child,
                    _stdin: stdin,
                    url: format!("http://127.0.0.1:{port}"),
                    lines,
                };
            }
            lines.push(line);
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the moto scenario {scenario:?} ended before READY: {lines:?} (is moto[server] installed?)");
    }

    fn line(&self, prefix: &str) -> Vec<String> {
        self.lines
            .iter()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(|l| l.trim().to_string())
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SECRET: &str = "nhi-test-secret-access-key-DO-NOT-PRINT";

fn aws(moto: &Moto, key: (&str, &str), extra: &[&str]) -> Run {
    aws_at(&moto.url, key, extra)
}

/// `nhi scan --aws` (or `collect`, when `extra` starts with it) against an endpoint, with only
/// the given key in the credential chain.
fn aws_at(endpoint: &str, key: (&str, &str), extra: &[&str]) -> Run {
    let mut cmd = nhi();
    cmd.env("AWS_ACCESS_KEY_ID", key.0)
        .env("AWS_SECRET_ACCESS_KEY", key.1)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .timeout(std::time::Duration::from_secs(180));
    // moto dates everything from the real clock, so live scans are judged at the real time.
    let mut args = vec!["--aws-endpoint-url", endpoint];
    if !extra.contains(&"--aws-max-attempts") {
        args.extend(["--aws-max-attempts", "1"]);
    }
    args.extend_from_slice(extra);
    let mut full = vec!["scan", "--aws"];
    if extra.first() == Some(&"collect") {
        full = vec!["collect", "--aws"];
        args.retain(|a| *a != "collect");
    }
    full.extend(args);
    run_in(cmd, &full)
}

fn rules_by_name(report: &Value) -> std::collections::BTreeMap<String, Vec<String>> {
    report["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|i| {
            (
                i["name"].as_str().expect("name").to_string(),
                i["findings"]
                    .as_array()
                    .expect("f")
                    .iter()
                    .map(|f| f["rule_id"].as_str().expect("r").to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn account_scan_finds_what_the_scenario_plants() {
    let moto = Moto::start(&["account"]);
    let r = aws(
        &moto,
        ("AKIAEXAMPLESCANNER01", SECRET),
        &["--format", "json", "-vv"],
    );
    let report = ok_report(&r);
    assert_eq!(report["sources"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["sources"][0]["scope"], "123456789012");
    // moto does not implement service last accessed data: the signal is unknown, and said.
    let message = report["sources"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("service last accessed data unavailable"),
        "{message}"
    );
    assert!(
        !report.to_string().contains("aws-unused-services"),
        "not judged when unknown"
    );
    let f = rules_by_name(&report);
    let has = |name: &str, rule: &str| f.get(name).is_some_and(|r| r.iter().any(|x| x == rule));
    assert!(has("ci-legacy", "aws-access-key-unused"));
    assert!(has("ci-legacy", "aws-access-key-not-rotated"));
    assert!(
        has("ci-legacy", "aws-privilege-escalation"),
        "PassRole in a group + Lambda in the user"
    );
    assert!(has("ci-legacy", "aws-no-owner"));
    assert!(
        has("batch-never", "aws-access-key-unused"),
        "never used, 60 days old"
    );
    assert!(!has("batch-never", "aws-access-key-not-rotated"));
    assert!(has("two-keys", "aws-access-keys-multiple-active"));
    assert!(has("terraform", "aws-admin-access"));
    assert!(has("gh-any-repo", "aws-github-oidc-trust-unscoped"));
    assert!(has(
        "vendor-no-external-id",
        "aws-trust-cross-account-no-external-id"
    ));
    for clean in ["clean-svc", "gh-strict", "fn-orders"] {
        assert_eq!(f.get(clean), Some(&Vec::new()), "{clean} is clean: {f:?}");
    }
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains(SECRET), "the secret key leaked");
    }
    for format in ["table", "ndjson", "csv", "sarif"] {
        let r = aws(
            &moto,
            ("AKIAEXAMPLESCANNER01", SECRET),
            &["--format", format, "-vv"],
        );
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert!(
            !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
            "{format}: the secret key leaked"
        );
    }
}

#[test]
fn collect_then_scan_gives_the_same_findings_and_fingerprints() {
    let moto = Moto::start(&["account"]);
    let now = chrono::Utc::now().to_rfc3339();
    let live = aws(
        &moto,
        ("AKIAEXAMPLESCANNER01", SECRET),
        &["--format", "json", "--now", &now],
    );
    assert_eq!(live.code, 0, "{}", live.stderr);
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("inventory.json");
    let c = aws(
        &moto,
        ("AKIAEXAMPLESCANNER01", SECRET),
        &["collect", "--output", inv.to_str().expect("path")],
    );
    assert_eq!(c.code, 0, "{}", c.stderr);
    let saved = std::fs::read_to_string(&inv).expect("inventory written");
    assert!(!saved.contains(SECRET));
    assert_valid_inventory(&saved, "a live AWS account's inventory");
    let offline = run(&[
        "scan",
        "--from",
        inv.to_str().expect("path"),
        "--now",
        &now,
        "--format",
        "json",
    ]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let a: Value = serde_json::from_str(&live.stdout).expect("json");
    let b: Value = serde_json::from_str(&offline.stdout).expect("json");
    assert_eq!(findings_by_fingerprint(&a), findings_by_fingerprint(&b));
    assert_eq!(a["identities"], b["identities"]);
}

#[test]
fn the_documented_permissions_suffice_and_a_missing_one_is_named() {
    let moto = Moto::start(&["perm"]);
    let keys = moto.line("KEY ");
    let key = |user: &str| -> (String, String) {
        let parts: Vec<&str> = keys
            .iter()
            .find(|k| k.starts_with(&format!("{user} ")))
            .expect("key printed")
            .split(' ')
            .collect();
        (parts[1].to_string(), parts[2].to_string())
    };
    let (id, secret) = key("scanner");
    let r = aws(&moto, (&id, &secret), &["--format", "json"]);
    let report = ok_report(&r);
    assert!(rules_by_name(&report).contains_key("terraform"));

    let (id, secret) = key("scanner-no-report");
    let r = aws(&moto, (&id, &secret), &["--format", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(report["sources"][0]["status"], "partial");
    let message = report["sources"][0]["message"].as_str().expect("message");
    assert!(
        message.contains("iam:GenerateCredentialReport"),
        "{message}"
    );
    assert!(
        rules_by_name(&report).contains_key("terraform"),
        "roles and policies still judged"
    );
    assert!(!r.stdout.contains(&secret) && !r.stderr.contains(&secret));
}

#[test]
fn organization_scan_reports_each_account_and_survives_one_failing() {
    let moto = Moto::start(&["org"]);
    let members = moto.line("MEMBERS ");
    let members: Vec<&str> = members
        .first()
        .expect("members printed")
        .split(' ')
        .collect();
    assert_eq!(members.len(), 3);
    let key = moto.line("KEY org-scanner ");
    let parts: Vec<&str> = key.first().expect("key printed").split(' ').collect();
    let r = aws(
        &moto,
        (parts[0], parts[1]),
        &[
            "--aws-org",
            "--aws-role-name",
            "nhi-scanner",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 2, "one account failed: {}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let sources = report["sources"].as_array().expect("sources");
    let status = |account: &str| {
        sources
            .iter()
            .find(|s| s["scope"] == account)
            .map(|s| s["status"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        status("123456789012").as_deref(),
        Some("ok"),
        "management account: {sources:?}"
    );
    assert_eq!(status(members[0]).as_deref(), Some("ok"), "{sources:?}");
    assert_eq!(status(members[1]).as_deref(), Some("ok"), "{sources:?}");
    assert_eq!(status(members[2]).as_deref(), Some("failed"), "{sources:?}");
    let failed = sources
        .iter()
        .find(|s| s["scope"] == members[2])
        .expect("failed source");
    let message = failed["message"].as_str().expect("message");
    assert!(
        message.contains(members[2]) && message.contains("iam:GetAccountAuthorizationDetails"),
        "{message}"
    );
    assert!(r.stderr.contains(members[2]), "said on stderr too");
    // The others are fully reported: each member's planted vendor trust is found.
    let scopes_with_vendor: Vec<&str> = report["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .filter(|i| i["name"].as_str().is_some_and(|n| n.starts_with("vendor-")))
        .filter_map(|i| i["scope"].as_str())
        .collect();
    assert_eq!(
        scopes_with_vendor,
        vec![members[0], members[1]]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    // The organization's guardrails are read: the SCP on the prod OU (members[0]) denies
    // iam:PassRole, so the escalation planted in every member is neutralized there and only
    // there.
    let escalates = |account: &str| {
        report["identities"]
            .as_array()
            .expect("ids")
            .iter()
            .any(|i| {
                i["scope"] == account
                    && i["name"].as_str().is_some_and(|n| n.starts_with("ci-"))
                    && i["findings"].as_array().is_some_and(|f| {
                        f.iter().any(|f| f["rule_id"] == "aws-privilege-escalation")
                    })
            })
    };
    assert!(!escalates(members[0]), "neutralized by the SCP on its OU");
    assert!(escalates(members[1]), "the same path, no SCP");
    let org_source = sources
        .iter()
        .find(|s| {
            s["message"]
                .as_str()
                .is_some_and(|m| m.contains("guardrails"))
        })
        .expect("the organization's guardrails are a source");
    assert_eq!(org_source["status"], "ok", "{org_source}");
    let live_message = org_source["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // The documented export script, run against the same organization, gives the same
    // guardrails offline.
    ensure_aws_cli();
    let out = std::process::Command::new("bash")
        .arg(root().join("docs/aws-organization-export.sh"))
        .env("AWS_ACCESS_KEY_ID", parts[0])
        .env("AWS_SECRET_ACCESS_KEY", parts[1])
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("bash runs the export script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("organization.json");
    std::fs::write(&file, &out.stdout).expect("write export");
    let offline = scan_json(&[file.to_str().expect("utf-8 path")]);
    let offline_message = offline["sources"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(offline["sources"][0]["status"], "ok");
    assert_eq!(
        offline_message, live_message,
        "the same organization, read both ways"
    );
    let collected = run(&["collect", "--from", file.to_str().expect("utf-8 path")]);
    let inventory: Value = serde_json::from_str(&collected.stdout).expect("inventory");
    let prod = &inventory["aws"]["organizations"][0]["accounts"][members[0]]["scp"];
    let levels: Vec<&str> = prod
        .as_array()
        .expect("levels")
        .iter()
        .filter_map(|l| l["target"].as_str())
        .collect();
    assert_eq!(levels.len(), 3, "root, prod OU, account: {prod}");
    assert!(levels[1].starts_with("ou-"));
    assert!(prod[1]["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .any(|p| p["name"] == "DenyPassRole"));
    assert!(
        !r.stdout.contains(parts[1]) && !r.stderr.contains(parts[1]),
        "secret key never printed"
    );
}

/// A loopback HTTP proxy in front of moto that answers the first `faults` requests with a
/// throttling error or a 503 (alternately), then forwards. One request per connection.
struct FaultProxy {
    url: String,
    seen: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl FaultProxy {
    fn start(upstream: &str, faults: usize) -> FaultProxy {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let upstream = upstream.trim_start_matches("http://").to_string();
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let mut client = stream;
                    let _ = client.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                    // Read one request: headers, then Content-Length bytes of body.
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let header_end = loop {
                        match client.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(k) => buf.extend_from_slice(&chunk[..k]),
                        }
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while buf.len() < header_end + length {
                        match client.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(k) => buf.extend_from_slice(&chunk[..k]),
                        }
                    }
                    let response = if n < faults {
                        if n.is_multiple_of(2) {
                            let body = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>";
                            format!("HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).into_bytes()
                        } else {
                            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
                        }
                    } else {
                        // Forward with the connection closed after the response, and relay it.
                        let request = String::from_utf8_lossy(&buf[..header_end])
                            .replace("connection: keep-alive", "connection: close")
                            .replace("Connection: keep-alive", "Connection: close");
                        let mut upstream = match std::net::TcpStream::connect(&upstream) {
                            Ok(s) => s,
                            Err(_) => return,
                        };
                        let mut out = request.into_bytes();
                        if !head.to_ascii_lowercase().contains("connection:") {
                            let at = out.len() - 2;
                            out.splice(at..at, b"Connection: close\r\n".iter().copied());
                        }
                        out.extend_from_slice(&buf[header_end..]);
                        if upstream.write_all(&out).is_err() {
                            return;
                        }
                        let mut response = Vec::new();
                        let _ = upstream.read_to_end(&mut response);
                        response
                    };
                    let _ = client.write_all(&response);
                });
            }
        });
        FaultProxy { url, seen }
    }
}

#[test]
fn throttling_and_server_errors_are_retried_until_the_scan_completes() {
    let moto = Moto::start(&["account"]);
    let proxy = FaultProxy::start(&moto.url, 3);
    let r = aws_at(
        &proxy.url,
        ("AKIAEXAMPLESCANNER01", SECRET),
        &["--aws-max-attempts", "5", "--format", "json"],
    );
    let report = ok_report(&r);
    assert!(rules_by_name(&report).contains_key("terraform"));
    assert!(
        proxy.seen.load(std::sync::atomic::Ordering::SeqCst) > 3,
        "faults were served, then the retries went through"
    );
}

#[test]
fn throttling_past_the_retries_fails_the_account_with_a_clear_message() {
    let moto = Moto::start(&["account"]);
    let proxy = FaultProxy::start(&moto.url, usize::MAX);
    let r = aws_at(
        &proxy.url,
        ("AKIAEXAMPLESCANNER01", SECRET),
        &["--aws-max-attempts", "2", "--format", "json"],
    );
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("a report is still written");
    assert_eq!(report["sources"][0]["status"], "failed");
    let message = report["sources"][0]["message"].as_str().expect("message");
    assert!(
        message.contains("Throttling") || message.contains("503"),
        "{message}"
    );
}
