//! The Google Cloud connector against Prism serving Google's own API descriptions (IAM v1,
//! Cloud Asset v1, Policy Analyzer v1, Resource Manager v3; OpenAPI conversions kept in
//! tests/specs/gcp with their licence). Each API is its own Prism, as each is its own host.
//!
//! Google's path templates take a whole resource name as one parameter, so the scan sends
//! names %2F-encoded here (`--gcp-encode-resource-names`). In iam-v1, service-account keys and
//! pool-provider keys share one template: Prism may answer the keys call with the other schema,
//! which must be an item error, never a crash.
//!
//! Static mode gives the documented shapes: a report with the project's source and no panic.
//! Dynamic mode gives schema-valid nonsense, many runs: a report every time, never a panic.

use crate::common::*;
use serde_json::Value;
use std::time::Duration;

const TOKEN: &str = "ya29.PRISMTEST-gcp-token-0000";

struct Apis {
    iam: Prism,
    asset: Prism,
    activity: Prism,
    crm: Prism,
}

fn start(dynamic: bool) -> Apis {
    npm_tool("prism");
    let spec = |f: &str| root().join("tests/specs/gcp").join(f);
    Apis {
        iam: Prism::start(&spec("iam-v1.openapi.yaml"), dynamic),
        asset: Prism::start(&spec("cloudasset-v1.openapi.yaml"), dynamic),
        activity: Prism::start(&spec("policyanalyzer-v1.openapi.yaml"), dynamic),
        crm: Prism::start(&spec("cloudresourcemanager-v3.openapi.yaml"), dynamic),
    }
}

fn scan_live(apis: &Apis, extra: &[&str]) -> Run {
    let mut cmd = nhi();
    cmd.env("GOOGLE_OAUTH_ACCESS_TOKEN", TOKEN)
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .env_remove("CLOUDSDK_AUTH_ACCESS_TOKEN")
        .timeout(Duration::from_secs(180));
    let mut args = vec![
        "scan",
        "--gcp-iam-url",
        &apis.iam.url,
        "--gcp-asset-url",
        &apis.asset.url,
        "--gcp-policy-analyzer-url",
        &apis.activity.url,
        "--gcp-resource-manager-url",
        &apis.crm.url,
        "--gcp-encode-resource-names",
        "--gcp-max-attempts",
        "2",
        // Dynamic answers hand out a new page token every time.
        "--gcp-max-pages",
        "3",
        "--now",
        NOW,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run_in(cmd, &args)
}

fn assert_reported(r: &Run) -> Value {
    assert!((0..=2).contains(&r.code), "exit {}: {}", r.code, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
    let report: Value = serde_json::from_str(&r.stdout).expect("a JSON report");
    let sources = report["sources"].as_array().expect("sources");
    assert!(
        sources.iter().all(|s| !s["message"]
            .as_str()
            .unwrap_or("")
            .contains("stopped unexpectedly")),
        "{sources:?}"
    );
    report
}

#[test]
fn static_examples_give_a_report_and_dynamic_answers_never_crash() {
    let apis = start(false);
    let r = scan_live(&apis, &["--gcp-project", "p1"]);
    let report = assert_reported(&r);
    let sources = report["sources"].as_array().expect("sources");
    assert!(
        sources
            .iter()
            .any(|s| s["connector"] == "gcp" && s["scope"] == "p1"),
        "{sources:?}"
    );
    // The documented answers are read: the example service accounts are inventoried.
    assert!(
        report["identities"]
            .as_array()
            .expect("identities")
            .iter()
            .any(|i| i["kind"] == "gcp_service_account"),
        "{}",
        r.stdout
    );
    let r = scan_live(&apis, &["--gcp-org", "1"]);
    assert_reported(&r);
    drop(apis);

    let apis = start(true);
    for run in 0..6 {
        let scope: &[&str] = if run % 2 == 0 {
            &["--gcp-project", "p1"]
        } else {
            &["--gcp-org", "1"]
        };
        let r = scan_live(&apis, scope);
        assert_reported(&r);
    }
}
