//! OpenAI and Anthropic organizations, served by scenario mocks (wiremock) on loopback: every
//! AI rule fires where planted and stays quiet on the clean keys; refusals, rate limits and
//! repeating cursors are handled; the admin key never appears in any output.

use crate::common::*;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const OPENAI_KEY: &str = "sk-admin-TESTSECRET-openai-0123456789";
const ANTHROPIC_KEY: &str = "sk-ant-admin01-TESTSECRET-anthropic-9876";
/// Seconds since the epoch of `NOW` minus `days`.
fn ago(days: i64) -> i64 {
    chrono::DateTime::parse_from_rfc3339(NOW)
        .expect("now")
        .timestamp()
        - days * 86_400
}
fn rfc(days: i64) -> String {
    chrono::DateTime::from_timestamp(ago(days), 0)
        .expect("time")
        .to_rfc3339()
}

fn list(data: Value, has_more: bool, last_id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": data, "has_more": has_more, "first_id": null, "last_id": last_id}))
}

fn user_key(
    id: &str,
    name: &str,
    user: &str,
    access: &str,
    created: i64,
    used: Option<i64>,
) -> Value {
    json!({"object": "organization.project.api_key", "id": id, "name": name, "redacted_value": "sk-proj-ab...yz",
           "created_at": ago(created), "last_used_at": used.map(ago), "owner_project_access": access,
           "owner": {"type": "user", "user": {"id": user, "name": user, "email": format!("{user}@wombat.example"), "role": "member"}}})
}

async fn openai_org() -> MockServer {
    let s = MockServer::start().await;
    let auth = || header("authorization", format!("Bearer {OPENAI_KEY}").as_str());
    // Projects on two pages.
    Mock::given(method("GET")).and(path("/v1/organization/projects")).and(query_param("after", "proj_2")).and(auth())
        .respond_with(list(json!([{"id": "proj_3", "object": "organization.project", "name": "Fleet", "created_at": ago(500), "status": "active"}]), false, "proj_3"))
        .mount(&s).await;
    Mock::given(method("GET")).and(path("/v1/organization/projects")).and(query_param("include_archived", "true")).and(auth())
        .respond_with(list(json!([
            {"id": "proj_1", "object": "organization.project", "name": "Support bot", "created_at": ago(600), "status": "active"},
            {"id": "proj_2", "object": "organization.project", "name": "Old pilot", "created_at": ago(900), "archived_at": ago(100), "status": "archived"}
        ]), true, "proj_2"))
        .mount(&s).await;
    Mock::given(method("GET")).and(path("/v1/organization/projects/proj_1/api_keys")).and(query_param("owner_project_access", "any"))
        .respond_with(list(json!([
            user_key("key_stale", "alice notebook", "user_alice", "active", 300, Some(200)),
            user_key("key_never", "bob eval", "user_bob", "active", 120, None),
            user_key("key_fresh", "alice exploration", "user_alice", "active", 30, Some(1)),
            user_key("key_prod", "prod-backend", "user_carol", "inactive", 200, Some(2)),
            {"object": "organization.project.api_key", "id": "key_sa", "name": "ci", "redacted_value": "sk-svcacct-ab...yz",
             "created_at": ago(50), "last_used_at": ago(0), "owner_project_access": "active",
             "owner": {"type": "service_account", "service_account": {"id": "sa_ci", "name": "ci", "role": "member", "created_at": ago(50)}}}
        ]), false, "key_sa"))
        .mount(&s).await;
    Mock::given(method("GET")).and(path("/v1/organization/projects/proj_1/service_accounts"))
        .respond_with(list(json!([{"object": "organization.project.service_account", "id": "sa_ci", "name": "ci", "role": "member", "created_at": ago(50)}]), false, "sa_ci"))
        .mount(&s).await;
    for p in ["proj_2", "proj_3"] {
        Mock::given(method("GET"))
            .and(path(format!(
                "/v1/organization/projects/{p}/service_accounts"
            )))
            .respond_with(list(json!([]), false, ""))
            .mount(&s)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v1/organization/projects/proj_2/api_keys"))
        .respond_with(list(json!([]), false, ""))
        .mount(&s)
        .await;
    // A rate limit on the way: waited out.
    Mock::given(method("GET"))
        .and(path("/v1/organization/projects/proj_3/api_keys"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"message": "Rate limit reached"}})),
        )
        .up_to_n_times(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/organization/projects/proj_3/api_keys"))
        .respond_with(list(
            json!([user_key(
                "key_fleet",
                "dave routing",
                "user_dave",
                "active",
                20,
                Some(0)
            )]),
            false,
            "key_fleet",
        ))
        .mount(&s)
        .await;
    Mock::given(method("GET")).and(path("/v1/organization/admin_api_keys"))
        .respond_with(list(json!([
            {"object": "organization.admin_api_key", "id": "admin_sa", "name": "org automation", "redacted_value": "sk-admin...a1",
             "created_at": ago(30), "expires_at": ago(-60), "last_used_at": ago(0),
             "owner": {"type": "service_account", "object": "organization.service_account", "id": "sa_org", "name": "org-automation", "role": "owner"}},
            {"object": "organization.admin_api_key", "id": "admin_dave", "name": "dave admin", "redacted_value": "sk-admin...b2",
             "created_at": ago(60), "expires_at": null, "last_used_at": ago(3),
             "owner": {"type": "user", "object": "organization.user", "id": "user_dave", "name": "Dave", "role": "owner"}},
            {"object": "organization.admin_api_key", "id": "admin_carol", "name": "carol script", "redacted_value": "sk-admin...c3",
             "created_at": ago(300), "expires_at": null, "last_used_at": null,
             "owner": {"type": "user", "object": "organization.user", "id": "user_carol", "name": "Carol", "role": "owner"}}
        ]), false, "admin_carol"))
        .mount(&s).await;
    // Members on two pages; carol has left.
    Mock::given(method("GET")).and(path("/v1/organization/users")).and(query_param("after", "user_bob"))
        .respond_with(list(json!([{"object": "organization.user", "id": "user_dave", "email": "dave@wombat.example", "added_at": ago(700)}]), false, "user_dave"))
        .mount(&s).await;
    Mock::given(method("GET")).and(path("/v1/organization/users"))
        .respond_with(list(json!([
            {"object": "organization.user", "id": "user_alice", "email": "alice@wombat.example", "added_at": ago(700)},
            {"object": "organization.user", "id": "user_bob", "email": "bob@wombat.example", "added_at": ago(700)}
        ]), true, "user_bob"))
        .mount(&s).await;
    s
}

async fn anthropic_org() -> MockServer {
    let s = MockServer::start().await;
    let auth = || header("x-api-key", ANTHROPIC_KEY);
    let version = || header("anthropic-version", "2023-06-01");
    Mock::given(method("GET")).and(path("/v1/organizations/api_keys")).and(query_param("after_id", "apikey_2")).and(auth()).and(version())
        .respond_with(list(json!([
            {"type": "api_key", "id": "apikey_3", "name": "old demo", "created_at": rfc(400), "created_by": {"id": "user_here", "type": "user"},
             "expires_at": null, "partial_key_hint": "sk-ant-api03-C...cc", "status": "archived", "workspace_id": null},
            {"type": "api_key", "id": "apikey_4", "name": "q3 batch", "created_at": rfc(200), "created_by": {"id": "user_gone", "type": "user"},
             "expires_at": rfc(10), "partial_key_hint": "sk-ant-api03-D...dd", "status": "expired", "workspace_id": "wrkspc_claims"}
        ]), false, "apikey_4"))
        .mount(&s).await;
    Mock::given(method("GET")).and(path("/v1/organizations/api_keys")).and(auth()).and(version())
        .respond_with(list(json!([
            {"type": "api_key", "id": "apikey_1", "name": "claims-pipeline", "created_at": rfc(200), "created_by": {"id": "user_gone", "type": "user"},
             "expires_at": null, "partial_key_hint": "sk-ant-api03-A...aa", "status": "active", "workspace_id": "wrkspc_claims"},
            {"type": "api_key", "id": "apikey_2", "name": "triage", "created_at": rfc(20), "created_by": {"id": "user_here", "type": "user"},
             "expires_at": rfc(-70), "partial_key_hint": "sk-ant-api03-B...bb", "status": "active", "workspace_id": "wrkspc_claims"}
        ]), true, "apikey_2"))
        .mount(&s).await;
    Mock::given(method("GET")).and(path("/v1/organizations/workspaces")).and(auth())
        .respond_with(list(json!([{"type": "workspace", "id": "wrkspc_claims", "name": "Claims", "archived_at": null, "created_at": rfc(500)}]), false, "wrkspc_claims"))
        .mount(&s).await;
    Mock::given(method("GET")).and(path("/v1/organizations/users")).and(auth())
        .respond_with(list(json!([{"type": "user", "id": "user_here", "email": "here@wombat.example", "name": "Here", "role": "admin", "added_at": rfc(600)}]), false, "user_here"))
        .mount(&s).await;
    s
}

/// Run nhi with the AI keys in its environment, off the async runtime.
async fn nhi_with_keys(args: Vec<String>, extra_env: Vec<(&'static str, &'static str)>) -> Run {
    tokio::task::spawn_blocking(move || {
        let mut cmd = nhi();
        cmd.env("OPENAI_ADMIN_KEY", OPENAI_KEY)
            .env("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_in(cmd, &args)
    })
    .await
    .expect("nhi ran")
}

fn args(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["scan", "--now", NOW, "--format", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// rule ids per identity id.
fn findings(report: &Value) -> std::collections::BTreeMap<String, Vec<String>> {
    report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().expect("id").to_string(),
                i["findings"]
                    .as_array()
                    .expect("f")
                    .iter()
                    .map(|f| f["rule_id"].as_str().expect("rule").to_string())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn openai_rules_fire_where_planted_and_stay_quiet_elsewhere() {
    let server = openai_org().await;
    let url = format!("{}/v1", server.uri());
    let r = nhi_with_keys(args(&["--openai", "--openai-api-url", &url]), vec![]).await;
    let report = ok_report(&r);
    let collected = nhi_with_keys(
        ["collect", "--openai", "--openai-api-url", &url]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        vec![],
    )
    .await;
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    assert_valid_inventory(&collected.stdout, "an OpenAI organization's inventory");
    let f = findings(&report);
    let has = |id: &str, rule: &str| f.get(id).is_some_and(|r| r.iter().any(|x| x == rule));
    assert!(has("key_stale", "ai-key-unused"));
    assert!(has("key_never", "ai-key-unused"));
    assert!(has("key_prod", "ai-key-owner-departed"));
    assert!(has("key_prod", "ai-key-user-owned-automation"));
    assert!(has("admin_carol", "ai-key-owner-departed"), "{f:?}");
    assert!(has("admin_carol", "ai-key-unused"));
    assert!(has("admin_dave", "ai-key-no-expiry"));
    for admin in ["admin_sa", "admin_dave", "admin_carol"] {
        assert!(has(admin, "ai-admin-key"), "{admin}");
        assert!(
            has(admin, "ai-admin-keys-excess"),
            "{admin}: 3 admin keys, maximum 2"
        );
    }
    assert!(!has("admin_sa", "ai-key-no-expiry"), "expires in 60 days");
    assert!(
        !has("admin_sa", "ai-key-owner-departed"),
        "service account owner"
    );
    assert_eq!(f["key_fresh"], Vec::<String>::new(), "clean user key");
    assert_eq!(f["sa_ci"], Vec::<String>::new(), "clean service account");
    assert_eq!(f["key_fleet"], Vec::<String>::new(), "read after a 429");
    assert!(
        !has("key_stale", "ai-key-user-owned-automation"),
        "a personal name"
    );
    // Kinds and owners.
    let kinds: std::collections::BTreeSet<&str> = report["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "openai_admin_api_key",
            "openai_project_api_key",
            "openai_service_account"
        ]
        .into_iter()
        .collect()
    );
    let prod = report["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .find(|i| i["id"] == "key_prod")
        .expect("key_prod");
    assert_eq!(prod["owner"]["value"], "user_carol@wombat.example");
    assert_eq!(prod["owner"]["source"], "owner.user");
    // Only the provider's redacted hint could ever show; the admin key never.
    assert!(!r.stdout.contains(OPENAI_KEY) && !r.stderr.contains(OPENAI_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn anthropic_rules_fire_where_planted_and_stay_quiet_elsewhere() {
    let server = anthropic_org().await;
    let r = nhi_with_keys(
        args(&["--anthropic", "--anthropic-api-url", &server.uri()]),
        vec![],
    )
    .await;
    let report = ok_report(&r);
    let collected = nhi_with_keys(
        [
            "collect",
            "--anthropic",
            "--anthropic-api-url",
            &server.uri(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        vec![],
    )
    .await;
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    assert_valid_inventory(&collected.stdout, "an Anthropic organization's inventory");
    let f = findings(&report);
    assert_eq!(f.len(), 4);
    let mut k1 = f["apikey_1"].clone();
    k1.sort();
    assert_eq!(k1, vec!["ai-key-no-expiry", "ai-key-owner-departed"]);
    assert_eq!(
        f["apikey_2"],
        Vec::<String>::new(),
        "expiring key of a member"
    );
    assert_eq!(
        f["apikey_3"],
        Vec::<String>::new(),
        "archived keys are not judged"
    );
    let k1 = report["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .find(|i| i["id"] == "apikey_1")
        .expect("k1");
    assert_eq!(k1["scope"], "wrkspc_claims");
    assert_eq!(
        k1["credentials"][0]["usage"], "unknown",
        "Anthropic does not report use"
    );
    assert!(!r.stdout.contains(ANTHROPIC_KEY) && !r.stderr.contains(ANTHROPIC_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn providers_mix_with_aws_in_one_report_and_keys_never_leak() {
    let openai = openai_org().await;
    let anthropic = anthropic_org().await;
    let openai_url = format!("{}/v1", openai.uri());
    for format in ["json", "table", "ndjson", "csv", "sarif"] {
        let r = nhi_with_keys(
            vec![
                "-vv".into(),
                "scan".into(),
                "--now".into(),
                NOW.into(),
                "--format".into(),
                format.into(),
                "--from".into(),
                "fixtures/demo".into(),
                "--openai".into(),
                "--openai-api-url".into(),
                openai_url.clone(),
                "--anthropic".into(),
                "--anthropic-api-url".into(),
                anthropic.uri(),
            ],
            vec![("RUST_LOG", "trace")],
        )
        .await;
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        for secret in [OPENAI_KEY, ANTHROPIC_KEY, "TESTSECRET"] {
            assert!(!r.stdout.contains(secret), "{format}: secret in stdout");
            assert!(!r.stderr.contains(secret), "{format}: secret in logs");
        }
        assert!(
            r.stderr.contains("GET"),
            "debug logs were on: {}",
            &r.stderr[..r.stderr.len().min(500)]
        );
        if format == "json" {
            let report: Value = serde_json::from_str(&r.stdout).expect("json");
            let providers: std::collections::BTreeSet<&str> = report["identities"]
                .as_array()
                .expect("ids")
                .iter()
                .filter_map(|i| i["provider"].as_str())
                .collect();
            assert_eq!(
                providers,
                ["anthropic", "aws", "openai"].into_iter().collect()
            );
            assert_eq!(report["sources"].as_array().expect("sources").len(), 4);
            assert_eq!(report["summary"]["ai_agents"]["aws"], 3);
        }
        if format == "table" {
            assert!(
                r.stdout.contains("openai: http://127.0.0.1"),
                "one table for every provider"
            );
            assert!(r.stdout.contains("AI agent identities: aws 3."));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_key_fails_its_source_with_the_fix_and_others_still_report() {
    let openai = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"message": "Incorrect API key provided"}})),
        )
        .mount(&openai)
        .await;
    let anthropic = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(403).set_body_json(json!({"type": "error", "error": {"type": "permission_error", "message": "This endpoint requires an admin API key"}})))
        .mount(&anthropic).await;
    let r = nhi_with_keys(
        args(&[
            "--from",
            "fixtures/demo",
            "--openai",
            "--openai-api-url",
            &format!("{}/v1", openai.uri()),
            "--anthropic",
            "--anthropic-api-url",
            &anthropic.uri(),
        ]),
        vec![],
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let source = |c: &str| {
        report["sources"]
            .as_array()
            .expect("s")
            .iter()
            .find(|s| s["connector"] == c)
            .expect("source")
            .clone()
    };
    assert_eq!(source("openai")["status"], "failed");
    assert!(source("openai")["message"]
        .as_str()
        .expect("m")
        .contains("OPENAI_ADMIN_KEY"));
    assert!(source("openai")["message"]
        .as_str()
        .expect("m")
        .contains("401"));
    assert_eq!(source("anthropic")["status"], "failed");
    assert!(source("anthropic")["message"]
        .as_str()
        .expect("m")
        .contains("admin key"));
    assert!(
        r.stderr.contains("OPENAI_ADMIN_KEY") && r.stderr.contains("ANTHROPIC_ADMIN_KEY"),
        "{}",
        r.stderr
    );
    assert_eq!(
        findings_by_fingerprint(&report),
        findings_by_fingerprint(&demo_json()),
        "AWS still fully reported"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeating_cursor_is_detected_and_the_source_is_partial() {
    let s = MockServer::start().await;
    Mock::given(method("GET")).and(path("/v1/organization/projects"))
        .respond_with(list(json!([{"id": "proj_x", "object": "organization.project", "name": "x", "created_at": ago(10)}]), true, "proj_x"))
        .mount(&s).await;
    Mock::given(method("GET"))
        .respond_with(list(json!([]), false, ""))
        .mount(&s)
        .await;
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        nhi_with_keys(
            args(&["--openai", "--openai-api-url", &format!("{}/v1", s.uri())]),
            vec![],
        ),
    )
    .await
    .expect("no hang");
    assert_eq!(r.code, 2);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(report["sources"][0]["status"], "partial");
    assert!(report["sources"][0]["message"]
        .as_str()
        .expect("m")
        .contains("twice"));
    let requests = s.received_requests().await.expect("recorded");
    let project_pages = requests
        .iter()
        .filter(|r| r.url.path() == "/v1/organization/projects")
        .count();
    assert_eq!(project_pages, 2, "stopped at the first repeated cursor");
}

#[test]
fn a_missing_key_is_a_failed_source_naming_the_variable() {
    let mut cmd = nhi();
    cmd.env_remove("OPENAI_ADMIN_KEY");
    let r = run_in(
        cmd,
        &[
            "scan",
            "--openai",
            "--openai-api-url",
            "http://127.0.0.1:9/v1",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("OPENAI_ADMIN_KEY is not set"),
        "{}",
        r.stderr
    );
    let help = run(&["scan", "--help"]);
    assert!(
        !help.stdout.contains("--openai-key") && !help.stdout.contains("--token"),
        "no key on the command line"
    );
}
