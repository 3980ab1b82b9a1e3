//! The GitHub connector against Prism serving GitHub's official OpenAPI description
//! (`@octokit/openapi`, pinned in tests/tools/package.json). Prism takes seconds to load the
//! description, so each mode is started once and every check of that mode runs against it.
//!
//! Static mode answers each endpoint's documented example. Its `Link` headers point at
//! https://api.github.com: nhi must not follow them (nor send the token there), and say so.
//! `credential-authorizations` is not in the description (404): that kind must be `skipped`.
//! Dynamic mode answers schema-valid nonsense: no panic, no hang, a report every time.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const TOKEN: &str = "ghp_PRISMTEST0000000000000000000000000000";

fn spec() -> std::path::PathBuf {
    npm_tool("prism");
    root().join("tests/tools/node_modules/@octokit/openapi/generated/api.github.com.json")
}

fn scan(url: &str, extra: &[&str]) -> Run {
    let mut cmd = nhi();
    cmd.env("GITHUB_TOKEN", TOKEN)
        .env_remove("GH_TOKEN")
        .env("RUST_LOG", "trace")
        .timeout(Duration::from_secs(180));
    let mut args = vec![
        "scan",
        "--github-org",
        "octo-org",
        "--github-api-url",
        url,
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    run_in(cmd, &args)
}

#[test]
fn static_examples_give_every_kind_with_findings() {
    let prism = Prism::start(&spec(), false);
    let r = scan(&prism.url, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json report");

    let kinds: BTreeSet<&str> = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    for kind in [
        "github_app_installation",
        "github_deploy_key",
        "github_fine_grained_pat",
        "github_fine_grained_pat_request",
        "github_actions_secret",
        "github_workflow_token",
    ] {
        assert!(kinds.contains(kind), "{kind} missing: {kinds:?}");
    }
    // Organization, repository and environment secrets are all read.
    let secrets: Vec<&str> = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter(|i| i["kind"] == "github_actions_secret")
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert!(
        secrets
            .iter()
            .any(|s| s.starts_with("github:octo-org/actions_secret/")),
        "{secrets:?}"
    );
    assert!(
        secrets.iter().any(|s| s.contains("/environment/staging/")),
        "{secrets:?}"
    );
    assert!(
        secrets
            .iter()
            .any(|s| s.starts_with("github:octocat/Hello-World/actions_secret/")),
        "{secrets:?}"
    );

    let sources = report["sources"].as_array().expect("sources");
    let by_kind = |kind: &str| {
        sources
            .iter()
            .find(|s| s["kind"] == kind)
            .unwrap_or_else(|| panic!("no source for {kind}: {sources:?}"))
    };
    let saml = by_kind("github_credential_authorization");
    assert_eq!(saml["status"], "skipped", "{saml}");
    assert!(saml["message"].as_str().expect("message").contains("SAML"));
    for kind in [
        "github_app_installation",
        "github_deploy_key",
        "github_actions_secret",
    ] {
        let s = by_kind(kind);
        assert_eq!(s["status"], "ok", "{s}");
        // The example's next-page link goes to api.github.com: not followed, and said.
        assert!(
            s["message"].as_str().unwrap_or("").contains("another host")
                || s["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("leaves the configured API URL"),
            "{s}"
        );
    }
    assert!(r.stderr.contains("not followed"), "{}", r.stderr);

    let rules: BTreeSet<&str> = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter_map(|i| i["findings"].as_array())
        .flatten()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    for rule in [
        "github-secret-not-rotated",
        "github-credential-unused",
        "github-actions-can-approve-prs",
    ] {
        assert!(rules.contains(rule), "{rule} missing: {rules:?}");
    }

    // --fail-on decides the exit code; the documented examples hold medium findings only.
    assert_eq!(
        scan(&prism.url, &["--fail-on", "medium", "--format", "ndjson"]).code,
        1
    );
    assert_eq!(
        scan(&prism.url, &["--fail-on", "high", "--format", "csv"]).code,
        0
    );

    // The token appears nowhere, whatever the format, even with trace logging.
    for format in ["table", "json", "ndjson", "csv", "sarif"] {
        let r = scan(&prism.url, &["--format", format, "-vv"]);
        assert!(
            !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
            "{format}"
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}

#[test]
fn dynamic_payloads_never_panic_or_hang() {
    let prism = Prism::start(&spec(), true);
    let mut requests = 0u64;
    let mut scans = 0;
    while requests < 500 {
        let r = scan(&prism.url, &["--format", "json"]);
        scans += 1;
        assert!(
            matches!(r.code, 0..=2),
            "exit {} (a crash?): {}",
            r.code,
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
        let report: Value = serde_json::from_str(&r.stdout).expect("a report every time");
        let org = report["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .find(|s| s["kind"].is_null() && s["connector"] == "github")
            .expect("organization source");
        // Random payloads may fail the organization lookup; that still costs one request.
        let made = org["message"]
            .as_str()
            .and_then(|m| m.split(" API requests").next())
            .and_then(|m| m.rsplit(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(1);
        requests += made;
        assert!(scans < 200, "fewer requests per scan than expected");
    }
    eprintln!("dynamic mode: {scans} scans, {requests} requests");
}
