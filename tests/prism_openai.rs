//! The OpenAI connector against Prism serving OpenAI's official OpenAPI description (the admin
//! subset derived into fixtures/openai by derive_spec.py). Static mode answers every list with
//! `has_more: true` and the same `last_id`: nhi must stop, report what it saw, and say `partial`.
//! Dynamic mode answers schema-valid nonsense: no panic, no hang.

use crate::common::*;
use serde_json::Value;

const KEY: &str = "sk-admin-PRISMTEST-0000";

fn scan(url: &str) -> Run {
    let mut cmd = nhi();
    cmd.env("OPENAI_ADMIN_KEY", KEY)
        .timeout(std::time::Duration::from_secs(120));
    run_in(
        cmd,
        &[
            "scan",
            "--openai",
            "--openai-api-url",
            url,
            "--now",
            NOW,
            "--format",
            "json",
        ],
    )
}

#[test]
fn static_examples_finish_partial_because_the_cursor_repeats() {
    let prism = Prism::start(&root().join("fixtures/openai/openapi-admin.json"), false);
    let r = scan(&prism.url);
    assert_eq!(r.code, 2, "partial source exits 2: {}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let source = &report["sources"][0];
    assert_eq!(source["connector"], "openai");
    assert_eq!(source["status"], "partial");
    let message = source["message"].as_str().expect("message");
    assert!(message.contains("twice"), "{message}");
    let kinds: std::collections::BTreeSet<&str> = report["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert!(kinds.contains("openai_admin_api_key"), "{kinds:?}");
    assert!(
        kinds.contains("openai_project_api_key") || kinds.contains("openai_service_account"),
        "{kinds:?}"
    );
    assert!(!r.stdout.contains(KEY) && !r.stderr.contains(KEY));
}

#[test]
fn dynamic_payloads_never_panic_or_hang() {
    let prism = Prism::start(&root().join("fixtures/openai/openapi-admin.json"), true);
    for _ in 0..8 {
        let r = scan(&prism.url);
        assert!(r.code == 0 || r.code == 1 || r.code == 2, "{}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout).expect("a report every time");
        assert!(["ok", "partial", "failed"]
            .contains(&report["sources"][0]["status"].as_str().expect("status")));
    }
}
