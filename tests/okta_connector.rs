//! The example connector (examples/connectors/okta.py) run by the real binary
//! (`--connector`) against a scenario mock of the Okta Management API (wiremock, loopback):
//! two pages of API tokens, a rate limit, a deprovisioned user, service apps with client
//! secrets and keys among apps of other kinds. The planted secrets (the API token, a client
//! secret in Okta's listing) appear in no output format; a refused token fails the source with
//! the fix named while the demo account is still reported.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wiremock::matchers::{header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The API token nhi hands to the connector; planted so that a leak would show.
const TOKEN: &str = "00okta-PLANTED-api-token-value-7f3a9c";
/// A client secret as Okta's listing returns it.
const CLIENT_SECRET: &str = "PLANTED-client-secret-QWxhZGRpbjpvcGVu-9d2e";

/// `days` before the tests' `--now` (negative: after it), as Okta writes times.
fn ago(days: i64) -> String {
    let now: chrono::DateTime<chrono::Utc> = NOW.parse().expect("NOW");
    (now - chrono::Duration::days(days))
        .format("%Y-%m-%dT%H:%M:%S.000Z")
        .to_string()
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn okta() -> MockServer {
    let s = MockServer::start().await;
    let auth = || header("Authorization", format!("SSWS {TOKEN}").as_str());
    let next = format!(
        "<{}/api/v1/api-tokens?after=00Tfresh&limit=2>; rel=\"next\"",
        s.uri()
    );
    // API tokens: two pages.
    Mock::given(method("GET"))
        .and(path("/api/v1/api-tokens"))
        .and(query_param("after", "00Tfresh"))
        .and(auth())
        .respond_with(ok(json!([
            {"id": "00Tnew", "name": "terraform", "userId": "00ualice", "clientName": "Okta API",
             "created": ago(10), "lastUpdated": ago(10), "expiresAt": ago(-20), "tokenWindow": "PT720H",
             "network": {"connection": "ANYWHERE"}, "_link": {"self": {"href": "x"}}}
        ])))
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/api-tokens"))
        .and(auth())
        .respond_with(
            ok(json!([
                // Used 120 days ago (expires 180 days after its last use), by a user since
                // deprovisioned, 400 days old.
                {"id": "00Tstale", "name": "ci-deploy", "userId": "00ubob", "clientName": "Okta API",
                 "created": ago(400), "lastUpdated": ago(120), "expiresAt": ago(-60), "tokenWindow": "PT4320H",
                 "network": {"connection": "ANYWHERE"}},
                // Its twin with fresh facts: used yesterday, a present user, 20 days old.
                {"id": "00Tfresh", "name": "scim-sync", "userId": "00ualice", "clientName": "Okta API",
                 "created": ago(20), "lastUpdated": ago(1), "expiresAt": ago(-29), "tokenWindow": "PT720H",
                 "network": {"connection": "ZONE"}}
            ]))
            .insert_header("Link", next.as_str()),
        )
        .with_priority(2)
        .mount(&s)
        .await;
    // Users and their admin roles; alice's roles are rate limited once first.
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00ualice"))
        .and(auth())
        .respond_with(ok(
            json!({"id": "00ualice", "status": "ACTIVE", "profile": {"login": "alice@acme.example"}}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00ubob"))
        .and(auth())
        .respond_with(ok(
            json!({"id": "00ubob", "status": "DEPROVISIONED", "profile": {"login": "bob@acme.example"}}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v1/users/carol(%40|@)acme\.example$"))
        .and(auth())
        .respond_with(ok(
            json!({"id": "00ucarol", "status": "ACTIVE", "profile": {"login": "carol@acme.example"}}),
        ))
        .mount(&s)
        .await;
    let reset = chrono::Utc::now().timestamp().to_string();
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00ualice/roles"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Rate-Limit-Reset", reset.as_str())
                .set_body_json(json!({"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00ualice/roles"))
        .and(auth())
        .respond_with(ok(
            json!([{"id": "ra1", "type": "READ_ONLY_ADMIN", "label": "Read-only Administrator", "status": "ACTIVE"}]),
        ))
        .with_priority(2)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00ubob/roles"))
        .and(auth())
        .respond_with(ok(
            json!([{"id": "ra2", "type": "SUPER_ADMIN", "label": "Super Administrator", "status": "ACTIVE"}]),
        ))
        .mount(&s)
        .await;
    // Apps: a service app, a web app and a SAML app; only the first is a non-human identity.
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .and(query_param("filter", "status eq \"ACTIVE\""))
        .and(auth())
        .respond_with(ok(json!([
            {"id": "0oaetl", "label": "etl-export", "status": "ACTIVE", "signOnMode": "OPENID_CONNECT",
             "created": ago(500), "profile": {"owner": "carol@acme.example"},
             "credentials": {"oauthClient": {"client_id": "0oaetl", "token_endpoint_auth_method": "client_secret_basic"}},
             "settings": {"oauthClient": {"application_type": "service", "grant_types": ["client_credentials"]}}},
            {"id": "0oaweb", "label": "intranet", "status": "ACTIVE", "signOnMode": "OPENID_CONNECT",
             "created": ago(500), "settings": {"oauthClient": {"application_type": "web"}}},
            {"id": "0oasaml", "label": "wiki", "status": "ACTIVE", "signOnMode": "SAML_2_0", "created": ago(500)}
        ])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps/0oaetl/credentials/secrets"))
        .and(auth())
        .respond_with(ok(json!([
            {"id": "ocs_old", "status": "ACTIVE", "client_secret": CLIENT_SECRET,
             "secret_hash": "yk4SVx4sUWVJVbHt6M-UPA", "created": ago(500), "lastUpdated": ago(500)},
            {"id": "ocs_retired", "status": "INACTIVE", "client_secret": CLIENT_SECRET,
             "secret_hash": "bb", "created": ago(900), "lastUpdated": ago(500)}
        ])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps/0oaetl/credentials/jwks"))
        .and(auth())
        .respond_with(ok(json!([])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps/0oaetl/grants"))
        .and(auth())
        .respond_with(ok(json!([
            {"id": "oag1", "scopeId": "okta.users.read", "status": "ACTIVE"},
            {"id": "oag2", "scopeId": "okta.groups.manage", "status": "ACTIVE"}
        ])))
        .mount(&s)
        .await;
    // Anything else, or a wrong token: what Okta answers to an unknown token.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}),
        ))
        .with_priority(10)
        .mount(&s)
        .await;
    s
}

/// `--connector` as the README's "Write your own connector" writes it, pointed at the mock.
fn connector(server: &MockServer) -> String {
    let readme = read("README.md");
    let start = readme
        .find("--connector 'python3 examples/connectors/okta.py")
        .expect("the README runs the example connector")
        + "--connector '".len();
    let end = start + readme[start..].find('\'').expect("quoted");
    let command = &readme[start..end];
    assert!(command.contains("https://acme.okta.com"), "{command}");
    command.replace("https://acme.okta.com", &server.uri())
}

/// nhi with OKTA_API_TOKEN (or another value) in its environment, off the async runtime.
async fn nhi_with(token: &'static str, args: Vec<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        let mut cmd = nhi();
        cmd.env("OKTA_API_TOKEN", token);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_in(cmd, &args)
    })
    .await
    .expect("nhi ran")
}

fn scan_args(server: &MockServer, format: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "scan",
        "--now",
        NOW,
        "--format",
        format,
        "--from",
        "fixtures/demo",
        "--connector",
        &connector(server),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// identity id -> its rule ids, for Okta's identities.
fn okta_findings(report: &Value) -> BTreeMap<String, Vec<String>> {
    report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter(|i| i["provider"] == "okta")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_report_with_the_demo_and_okta() {
    let s = okta().await;
    let r = nhi_with(
        TOKEN,
        scan_args(&s, "json", &["--connector-env", "OKTA_API_TOKEN"]),
    )
    .await;
    let report = ok_report(&r);
    let sources: Vec<(String, String)> = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            (
                s["connector"].as_str().expect("c").to_string(),
                s["scope"].as_str().expect("s").to_string(),
            )
        })
        .collect();
    let host = s.uri().trim_start_matches("http://").to_string();
    assert!(
        sources.contains(&("okta".into(), host.clone())),
        "{sources:?}"
    );
    assert!(sources.iter().any(|(c, _)| c == "aws"), "{sources:?}");
    let okta_source = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["connector"] == "okta")
        .expect("okta source");
    assert_eq!(okta_source["identities"], 4, "{okta_source}");
    assert_eq!(
        okta_source["origin"], "python3 examples/connectors/okta.py",
        "options (the base URL) are not shown"
    );
    // The connector's stderr reaches the user's, after its name; the rate limit was waited out.
    assert!(r.stderr.contains("okta: 3 API tokens read"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("okta: rate limited on /api/v1/users/00ualice/roles"),
        "{}",
        r.stderr
    );

    let findings = okta_findings(&report);
    assert_eq!(
        findings,
        BTreeMap::from([
            (
                "00Tstale".to_string(),
                vec![
                    "generic-no-expiry".to_string(),
                    "generic-not-rotated".to_string(),
                    "generic-owner-departed".to_string(),
                    "generic-unused".to_string(),
                ]
            ),
            ("00Tfresh".to_string(), vec![]),
            ("00Tnew".to_string(), vec![]),
            (
                "0oaetl".to_string(),
                vec![
                    "generic-no-expiry".to_string(),
                    "generic-not-rotated".to_string(),
                ]
            ),
        ]),
    );
    let stale = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["id"] == "00Tstale")
        .expect("stale token");
    assert_eq!(stale["owner"]["value"], "bob@acme.example");
    assert_eq!(stale["last_used_at"], ago(120).replace(".000Z", "Z"));
    // Only the active client secret is judged; the retired one is kept as inactive.
    let etl = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["id"] == "0oaetl")
        .expect("service app");
    assert_eq!(etl["owner"]["value"], "carol@acme.example");
    // What each may do, in Okta's words.
    assert_eq!(
        etl["grants"],
        json!(["okta.groups.manage", "okta.users.read"])
    );
    let fresh = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["id"] == "00Tfresh")
        .expect("fresh token");
    assert_eq!(fresh["grants"], json!(["Read-only Administrator"]));
    for f in etl["findings"].as_array().expect("findings") {
        assert_eq!(f["credential_id"], "ocs_old", "{f}");
    }
    // The demo's findings are those of a scan of the demo alone.
    let demo = demo_json();
    let aws = |r: &Value| {
        findings_by_fingerprint(r)
            .into_iter()
            .filter(|(_, (rule, _, _))| !rule.starts_with("generic-"))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(aws(&report), aws(&demo));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_planted_secrets_appear_in_no_output() {
    let s = okta().await;
    for format in [
        "table", "json", "ndjson", "csv", "sarif", "ocsf", "markdown", "html",
    ] {
        let r = nhi_with(
            TOKEN,
            scan_args(&s, format, &["--connector-env", "OKTA_API_TOKEN"]),
        )
        .await;
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert!(
            r.stdout.contains("00Tstale"),
            "{format}: the token is reported"
        );
        for secret in [TOKEN, CLIENT_SECRET, "yk4SVx4sUWVJVbHt6M"] {
            assert!(
                !r.stdout.contains(secret),
                "{format}: stdout holds {secret}"
            );
            assert!(
                !r.stderr.contains(secret),
                "{format}: stderr holds {secret}"
            );
        }
    }
    // The inventory `nhi collect` writes holds none either.
    let args = vec![
        "collect".to_string(),
        "--connector".into(),
        connector(&s),
        "--connector-env".into(),
        "OKTA_API_TOKEN".into(),
    ];
    let r = nhi_with(TOKEN, args).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("okta_client_secret"));
    for secret in [TOKEN, CLIENT_SECRET] {
        assert!(!r.stdout.contains(secret) && !r.stderr.contains(secret));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_fails_okta_with_the_fix_and_the_demo_is_still_reported() {
    let s = okta().await;
    let r = nhi_with(
        "00wrong-token-value",
        scan_args(&s, "json", &["--connector-env", "OKTA_API_TOKEN"]),
    )
    .await;
    assert_eq!(r.code, 2, "a failed source is an error: {}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let okta = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["connector"] == "okta")
        .expect("okta source")
        .clone();
    assert_eq!(okta["status"], "failed", "{okta}");
    let message = okta["message"].as_str().expect("message");
    assert!(
        message.contains("connector okta exited with status 1")
            && message.contains("Okta refused the token (401)")
            && message.contains("check OKTA_API_TOKEN"),
        "{message}"
    );
    assert!(!r.stdout.contains("00wrong-token-value") && !r.stderr.contains("00wrong-token-value"));
    assert!(report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .any(|s| s["connector"] == "aws" && s["status"] == "ok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_not_visible_unless_the_config_names_it() {
    let s = okta().await;
    // OKTA_API_TOKEN is in nhi's environment, but not handed over.
    let r = nhi_with(TOKEN, scan_args(&s, "json", &[])).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let okta = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["connector"] == "okta")
        .expect("okta source")
        .clone();
    assert_eq!(okta["status"], "failed");
    assert!(
        okta["message"]
            .as_str()
            .is_some_and(|m| m.contains("OKTA_API_TOKEN is not set")),
        "{okta}"
    );
    // Named in nhi.toml instead of on the command line, it is.
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("nhi.toml");
    std::fs::write(
        &config,
        format!(
            "[[connector]]\nname = \"okta-prod\"\ncommand = [\"python3\", \"examples/connectors/okta.py\", \"--base-url\", \"{}\"]\nenv = [\"OKTA_API_TOKEN\"]\ntimeout_seconds = 60\n",
            s.uri()
        ),
    )
    .expect("config");
    let args = vec![
        "scan".to_string(),
        "--now".into(),
        NOW.into(),
        "--format".into(),
        "json".into(),
        "--config".into(),
        config.display().to_string(),
    ];
    let r = nhi_with(TOKEN, args).await;
    let report = ok_report(&r);
    assert_eq!(report["sources"][0]["connector"], "okta-prod");
    assert_eq!(report["sources"][0]["identities"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_input_gives_the_same_bytes() {
    let s = okta().await;
    let once = nhi_with(
        TOKEN,
        scan_args(&s, "json", &["--connector-env", "OKTA_API_TOKEN"]),
    )
    .await;
    let again = nhi_with(
        TOKEN,
        scan_args(&s, "json", &["--connector-env", "OKTA_API_TOKEN"]),
    )
    .await;
    assert_eq!(once.code, 0, "{}", once.stderr);
    assert_eq!(once.stdout, again.stdout);
}
