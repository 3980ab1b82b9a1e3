//! The GitLab connector against Prism serving GitLab's own (partial, hand-maintained) OpenAPI
//! description, `tests/specs/gitlab/gitlab-openapi-v3-partial.yaml` (CC BY-SA 4.0, see the
//! LICENSE beside it). Of the calls nhi makes it covers only the instance-level CI/CD variables
//! (`GET /admin/ci/variables`); every other instance listing is not in it (Prism answers 404),
//! which nhi must report as `skipped` with the fix, not as a failure of the run.
//!
//! Prism serves the description's paths at its root, while GitLab serves them under `/api/v4`:
//! a small relay in front strips the prefix and passes the request (token included) on.
//!
//! The description says the variables listing answers one object; GitLab's REST documentation
//! and servers answer a list. nhi reads lists: the kind is `partial`, naming the path and why,
//! and the example's value never reaches the output.

use crate::common::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "glpat-PRISMTEST000000000000";

/// GET `path` from Prism over plain HTTP/1.0, with the token; status and body.
fn relay(port: u16, req: &Request) -> ResponseTemplate {
    let path = req
        .url
        .path()
        .strip_prefix("/api/v4")
        .unwrap_or(req.url.path());
    let target = match req.url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let token = req
        .headers
        .get("private-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return ResponseTemplate::new(502);
    };
    let _ = write!(
        stream,
        "GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nPRIVATE-TOKEN: {token}\r\n\r\n"
    );
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(502);
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(body)
}

#[test]
fn prism_serves_the_instance_variables_and_the_rest_is_skipped_with_the_fix() {
    let spec = root().join("tests/specs/gitlab/gitlab-openapi-v3-partial.yaml");
    let prism = Prism::start(&spec, false);
    let port: u16 = prism
        .url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("prism port");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(move |req: &Request| relay(port, req))
            .mount(&server)
            .await;
        server
    });
    let mut cmd = nhi();
    cmd.env("GITLAB_TOKEN", TOKEN)
        .env("RUST_LOG", "debug")
        .timeout(Duration::from_secs(180));
    let r = run_in(
        cmd,
        &[
            "scan",
            "--gitlab-instance",
            "--gitlab-url",
            &server.uri(),
            "--now",
            NOW,
            "--format",
            "json",
        ],
    );
    // Incomplete input: 2, with the report written.
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
    assert!(
        !r.stdout.contains("TEST_1"),
        "the example's value never reaches the report"
    );
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let sources = report["sources"].as_array().expect("sources");
    let kind = |k: &str| {
        sources
            .iter()
            .find(|s| s["kind"] == k)
            .unwrap_or_else(|| panic!("no {k}: {sources:#?}"))
    };
    let variables = kind("gitlab_ci_variable");
    assert_eq!(variables["status"], "partial", "{variables}");
    let message = variables["message"].as_str().unwrap_or("");
    assert!(
        message.contains("/admin/ci/variables") && message.contains("expected a list"),
        "{message}"
    );
    for k in [
        "gitlab_deploy_token",
        "gitlab_deploy_key",
        "gitlab_runner",
        "gitlab_service_account",
    ] {
        let s = kind(k);
        assert_eq!(s["status"], "skipped", "{s}");
        assert!(
            s["message"]
                .as_str()
                .unwrap_or("")
                .contains("administrator's token"),
            "{s}"
        );
    }
    // Prism saw the requests the relay passed on, with the token GitLab expects.
    let seen = runtime
        .block_on(server.received_requests())
        .unwrap_or_default();
    assert!(seen
        .iter()
        .any(|r| r.url.path() == "/api/v4/admin/ci/variables"));
}
