//! The live AWS path on recorded, scrubbed API responses (fixtures/aws/api) served by wiremock:
//! GetAccountAuthorizationDetails across two pages, and service last accessed data, both parsed
//! by the real AWS SDK. Covers what moto cannot show.

use crate::common::*;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn xml(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_raw(read(format!("fixtures/aws/api/{name}.xml")), "text/xml")
}

#[tokio::test(flavor = "multi_thread")]
async fn paginated_gaad_and_service_last_accessed_data() {
    let server = MockServer::start().await;
    let action = |a: &str| body_string_contains(format!("Action={a}&"));
    // The second page is asked for with the first page's marker.
    Mock::given(method("POST"))
        .and(action("GetAccountAuthorizationDetails"))
        .and(body_string_contains("Marker=AAAAPAGE2MARKERSCRUBBED"))
        .respond_with(xml("GetAccountAuthorizationDetails-page2"))
        .with_priority(1)
        .mount(&server)
        .await;
    for name in [
        "GetAccountAuthorizationDetails",
        "GetCallerIdentity",
        "GenerateCredentialReport",
        "GetCredentialReport",
        "GenerateServiceLastAccessedDetails",
        "GetServiceLastAccessedDetails",
    ] {
        let file = if name == "GetAccountAuthorizationDetails" {
            "GetAccountAuthorizationDetails-page1"
        } else {
            name
        };
        Mock::given(method("POST"))
            .and(action(name))
            .respond_with(xml(file))
            .with_priority(2)
            .mount(&server)
            .await;
    }
    let url = server.uri();
    let r = tokio::task::spawn_blocking(move || {
        let mut cmd = nhi();
        cmd.env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLESCANNER01")
            .env("AWS_SECRET_ACCESS_KEY", "recorded-test-secret")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
        run_in(
            cmd,
            &[
                "scan",
                "--aws",
                "--aws-endpoint-url",
                &url,
                "--aws-max-attempts",
                "1",
                "--now",
                NOW,
                "--format",
                "json",
            ],
        )
    })
    .await
    .expect("nhi ran");
    let report = ok_report(&r);
    assert_eq!(report["sources"][0]["scope"], "111122223333");
    let names: Vec<&str> = report["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(
        names.contains(&"orders-fn") && names.contains(&"billing-fn"),
        "both GAAD pages read: {names:?}"
    );
    let orders = report["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .find(|i| i["name"] == "orders-fn")
        .expect("orders-fn");
    let unused = orders["findings"]
        .as_array()
        .expect("f")
        .iter()
        .find(|f| f["rule_id"] == "aws-unused-services")
        .expect("unused services judged");
    assert_eq!(
        unused["message"],
        "Uses 2 of 4 granted services in the last 90 days; unused: iam, kms."
    );
    assert_eq!(
        orders["last_used_at"], "2026-10-30T12:00:00Z",
        "RoleLastUsed parsed"
    );
    let requests = server.received_requests().await.expect("recorded");
    let gaad_pages = requests
        .iter()
        .filter(|r| {
            String::from_utf8_lossy(&r.body).contains("Action=GetAccountAuthorizationDetails&")
        })
        .count();
    assert_eq!(gaad_pages, 2);
}
