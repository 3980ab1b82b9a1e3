//! Azure / Entra ID: the demo tenant's exports (every rule planted beside a clean twin), bad
//! exports, the GitHub join into the escalation graph, and the live connector against a scenario
//! mock of Graph, Resource Manager and the token endpoint that serves the same tenant.

use crate::common::*;
use std::collections::BTreeSet;

const DEMO: &str = "fixtures/azure/demo";

/// (rule, identity name) of every finding.
fn fired(report: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for i in report["identities"].as_array().expect("identities") {
        for f in i["findings"].as_array().expect("findings") {
            out.insert((
                f["rule_id"].as_str().expect("rule").to_string(),
                i["name"].as_str().expect("name").to_string(),
            ));
        }
    }
    out
}

/// Where each rule is planted in the demo tenant. Every other identity is a clean twin of one
/// of these (a pinned subject, a short secret, a signing certificate, an enabled owner, a read
/// permission, a resource-group scope, a sponsored agent...), so the set is exact.
pub fn planted() -> BTreeSet<(String, String)> {
    [
        ("azure-credential-long-lived", "ci-deployer"),
        ("azure-credential-long-lived", "expired-cert-app"),
        ("azure-credential-on-service-principal", "legacy-batch"),
        ("azure-sp-unused", "old-reporting"),
        ("azure-sp-unused", "never-used-connector"),
        ("azure-app-no-owner", "orphan-webhook"),
        ("azure-app-no-owner", "departed-owner-tool"),
        ("azure-app-no-owner", "support-agent-blueprint"),
        ("azure-dangerous-graph-permission", "graph-sync"),
        ("azure-dangerous-graph-permission", "mail-archiver"),
        ("azure-dangerous-graph-permission", "VendorCRM"),
        ("azure-privileged-directory-role", "tenant-admin-automation"),
        ("azure-subscription-control", "infra-terraform"),
        ("azure-subscription-control", "mi-web-deploy"),
        ("azure-federation-too-wide", "ci-deployer"),
        ("azure-third-party-app-privileged", "VendorCRM"),
        ("azure-agent-unsponsored", "support-agent"),
        ("azure-agent-unsponsored", "support-agent@contoso.com"),
        ("azure-path-to-global-admin", "ci-deployer"),
        ("azure-path-to-global-admin", "graph-sync"),
    ]
    .into_iter()
    .map(|(r, n)| (r.to_string(), n.to_string()))
    .collect()
}

#[test]
fn every_rule_fires_where_planted_and_nowhere_else() {
    let report = ok_report(&scan(&[DEMO], "json"));
    assert_eq!(fired(&report), planted());
    let rules: BTreeSet<String> = planted().into_iter().map(|(r, _)| r).collect();
    for id in nhi::rules::ids()
        .into_iter()
        .filter(|i| i.starts_with("azure-"))
    {
        assert!(rules.contains(id), "{id} is planted in the demo tenant");
    }
    // Identities and their facts.
    let ids = report["identities"].as_array().expect("identities");
    let by_name = |n: &str| {
        ids.iter()
            .find(|i| i["name"] == n && i["kind"] != "azure_application")
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(report["summary"]["ai_agents"]["azure"], 6);
    assert_eq!(by_name("support-agent")["ai_agent"], "entra_agent_id");
    assert_eq!(
        report["summary"]["not_judged"], 1,
        "Microsoft Graph's own service principal"
    );
    let scope = by_name("ci-deployer")["scope"].as_str().expect("scope");
    assert_eq!(scope, "7d3e4f5a-1b2c-4d6e-8f90-a1b2c3d4e5f6");
}

#[test]
fn output_is_deterministic_and_management_group_assignments_count_once() {
    let a = scan(&[DEMO], "json");
    let b = scan(&[DEMO], "json");
    assert_eq!(a.stdout, b.stdout);
    let inv = run(&["collect", "--from", DEMO]);
    assert_eq!(inv.code, 0, "{}", inv.stderr);
    let inv: serde_json::Value = serde_json::from_str(&inv.stdout).expect("inventory");
    let mi = inv["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == "mi-web-deploy")
        .expect("mi");
    assert_eq!(
        mi["native"]["rbac"].as_array().map(Vec::len),
        Some(1),
        "{mi}"
    );
    assert_eq!(mi["native"]["managed_identity"], "user_assigned");
}

#[test]
fn broken_exports_name_the_file_and_the_fix_and_the_rest_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    for f in std::fs::read_dir(root().join(DEMO)).expect("demo") {
        let f = f.expect("entry").path();
        std::fs::copy(&f, dir.path().join(f.file_name().expect("name"))).expect("copy");
    }
    // A truncated listing, and an item whose credentials are not a list.
    let sps = read(format!("{DEMO}/service-principals.json"));
    std::fs::write(
        dir.path().join("service-principals.json"),
        &sps[..sps.len() / 3],
    )
    .expect("w");
    let apps = read(format!("{DEMO}/applications.json")).replacen(
        "\"passwordCredentials\": [",
        "\"passwordCredentials\": \"oops\", \"x\": [",
        1,
    );
    std::fs::write(dir.path().join("applications.json"), apps).expect("w");
    let d = dir.path().to_str().expect("utf8");
    let r = scan(&[d], "json");
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let sources = report["sources"].as_array().expect("sources");
    let truncated = sources
        .iter()
        .find(|s| {
            s["origin"]
                .as_str()
                .is_some_and(|o| o.ends_with("service-principals.json"))
        })
        .expect("reported");
    assert_eq!(truncated["status"], "failed");
    let m = truncated["message"].as_str().expect("message");
    assert!(
        m.contains("ends early") && m.contains("azure-export.sh"),
        "{m}"
    );
    let partial = sources
        .iter()
        .find(|s| {
            s["origin"]
                .as_str()
                .is_some_and(|o| o.ends_with("applications.json"))
        })
        .expect("reported");
    assert_eq!(partial["status"], "partial", "{partial}");
    assert!(partial["message"]
        .as_str()
        .expect("m")
        .contains("az ad app list --all"));
    // The applications that could be read are still judged.
    assert!(fired(&report).contains(&("azure-app-no-owner".into(), "orphan-webhook".into())));
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn a_github_workload_reaches_global_admin_through_a_federated_credential() {
    let r = run(&[
        "graph",
        "--from",
        DEMO,
        "--from",
        "fixtures/github/acme-inventory.json",
        "--now",
        NOW,
        "--from-identity",
        "github:acme/api",
        "--to",
        "admin",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g: serde_json::Value = serde_json::from_str(&r.stdout).expect("graph");
    let edges = g["edges"].as_array().expect("edges");
    let ci = "azure:7d3e4f5a-1b2c-4d6e-8f90-a1b2c3d4e5f6/servicePrincipals/";
    let fed = edges
        .iter()
        .find(|e| e["from"] == "github:acme/api" && e["kind"] == "federation")
        .expect("federation edge");
    assert!(fed["to"].as_str().expect("to").starts_with(ci));
    assert!(
        fed["subjects"]
            .to_string()
            .contains("repo:acme/api:pull_request"),
        "{fed}"
    );
    assert!(edges
        .iter()
        .any(|e| e["kind"] == "can_become" && e["from"] == fed["to"]));
    assert!(edges.iter().any(
        |e| e["kind"] == "is_admin" && e["to"] == "admin:7d3e4f5a-1b2c-4d6e-8f90-a1b2c3d4e5f6"
    ));
    // The report says who can get in, and that it leads to admin.
    let report = scan_json(&[DEMO, "fixtures/github/acme-inventory.json"]);
    let ci = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == "ci-deployer" && i["kind"] == "azure_service_principal")
        .expect("ci");
    assert_eq!(ci["reached_by"][0]["workload"], "github:acme/api", "{ci}");
}

mod live {
    //! The live connector against a loopback scenario of the same tenant: Graph (v1.0 and
    //! beta), Resource Manager and the token endpoint, serving the demo's files as the APIs
    //! would. Paging (`@odata.nextLink` on the same host; one pointing elsewhere is not
    //! followed), a 429 with Retry-After, a 403 on sign-in activity, two readable subscriptions
    //! and a denied one.

    use super::*;
    use serde_json::{json, Value};
    use std::time::Duration;
    use wiremock::matchers::{body_string_contains, header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const TENANT: &str = "7d3e4f5a-1b2c-4d6e-8f90-a1b2c3d4e5f6";
    const SECRET: &str = "planted-Cl13nt-S3cret~value";
    const TOKEN: &str = "eyJ0eXAiOiJKV1Qi.mock-access-token";
    const SUB3: &str = "11111111-aaaa-4bbb-8ccc-000000000003";

    fn demo(name: &str) -> Value {
        serde_json::from_str(&read(format!("{DEMO}/{name}"))).expect("demo file")
    }

    fn ok(body: Value) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(body)
    }

    /// An `az role assignment list` item in the API's form (facts under `properties`).
    fn arm_form(a: &Value) -> Value {
        json!({
            "id": a["id"], "name": a["name"], "type": a["type"],
            "properties": {
                "principalId": a["principalId"], "principalType": a["principalType"],
                "roleDefinitionId": a["roleDefinitionId"], "scope": a["scope"],
            }
        })
    }

    async fn get(server: &MockServer, p: &str, body: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(p))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(body)
            .mount(server)
            .await;
    }

    /// The tenant, served; `sign_ins`: whether sign-in activity is licensed.
    async fn tenant(sign_ins: bool) -> MockServer {
        let s = MockServer::start().await;
        let base = s.uri();
        // Token endpoint: the client secret, form-encoded, for Graph and for Resource Manager.
        Mock::given(method("POST"))
            .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
            .and(body_string_contains("client_secret=planted-Cl13nt-S3cret"))
            .respond_with(ok(
                json!({"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}),
            ))
            .mount(&s)
            .await;
        get(&s, "/v1.0/organization", ok(demo("organization.json"))).await;
        // Service principals in two pages; the second is rate limited once.
        let sps = demo("service-principals.json");
        let all = sps.as_array().expect("list");
        let (first, second) = all.split_at(all.len() / 2);
        Mock::given(method("GET"))
            .and(path("/v1.0/servicePrincipals"))
            .and(query_param("$skiptoken", "p2"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
            .up_to_n_times(1)
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1.0/servicePrincipals"))
            .and(query_param("$skiptoken", "p2"))
            .respond_with(ok(json!({"value": second})))
            .mount(&s)
            .await;
        get(
            &s,
            "/v1.0/servicePrincipals",
            ok(json!({
                "value": first,
                "@odata.nextLink": format!("{base}/v1.0/servicePrincipals?$skiptoken=p2"),
            })),
        )
        .await;
        // Applications: the full listing, the owners listing and the federated credentials.
        let owners = demo("application-owners.json");
        Mock::given(method("GET"))
            .and(path("/v1.0/applications"))
            .and(query_param("$select", "id,appId,displayName"))
            .respond_with(ok(owners))
            .mount(&s)
            .await;
        let apps = demo("applications.json");
        let fics: Vec<Value> = apps
            .as_array()
            .expect("apps")
            .iter()
            .map(|a| {
                let name = a["displayName"].as_str().expect("name");
                let f = std::fs::read_to_string(root().join(format!("{DEMO}/fic-{name}.json")))
                    .ok()
                    .map(|t| serde_json::from_str::<Value>(&t).expect("fic")["value"].clone())
                    .unwrap_or(json!([]));
                json!({"id": a["id"], "federatedIdentityCredentials": f})
            })
            .collect();
        Mock::given(method("GET"))
            .and(path("/beta/applications"))
            .and(query_param("$expand", "federatedIdentityCredentials"))
            .respond_with(ok(json!({"value": fics})))
            .mount(&s)
            .await;
        get(&s, "/v1.0/applications", ok(json!({"value": apps}))).await;
        get(
            &s,
            "/v1.0/roleManagement/directory/roleAssignments",
            ok(demo("directory-role-assignments.json")),
        )
        .await;
        get(
            &s,
            "/v1.0/oauth2PermissionGrants",
            ok(demo("oauth2-permission-grants.json")),
        )
        .await;
        let graph_sp = all
            .iter()
            .find(|sp| sp["displayName"] == "Microsoft Graph")
            .expect("graph")["id"]
            .as_str()
            .expect("id")
            .to_string();
        get(
            &s,
            &format!("/v1.0/servicePrincipals/{graph_sp}/appRoleAssignedTo"),
            ok(demo("graph-app-role-assigned-to.json")),
        )
        .await;
        if sign_ins {
            get(
                &s,
                "/beta/reports/servicePrincipalSignInActivities",
                ok(demo("sign-in-activity.json")),
            )
            .await;
            get(
                &s,
                "/beta/reports/appCredentialSignInActivities",
                ResponseTemplate::new(404),
            )
            .await;
        } else {
            get(&s, "/beta/reports/servicePrincipalSignInActivities", ResponseTemplate::new(403).set_body_json(json!({
                "error": {"code": "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "message": "Neither tenant is B2C or tenant doesn't have premium license"}}))).await;
        }
        get(
            &s,
            "/beta/servicePrincipals/microsoft.graph.agentIdentity",
            ok(demo("agent-identities.json")),
        )
        .await;
        get(
            &s,
            "/beta/applications/microsoft.graph.agentIdentityBlueprint",
            ok(demo("agent-identity-blueprints.json")),
        )
        .await;
        get(
            &s,
            "/beta/users/microsoft.graph.agentUser",
            ok(demo("agent-users.json")),
        )
        .await;
        // Resource Manager: three subscriptions, the third denied.
        let subs = [
            "11111111-aaaa-4bbb-8ccc-000000000001",
            "11111111-aaaa-4bbb-8ccc-000000000002",
            SUB3,
        ];
        get(&s, "/subscriptions", ok(json!({"value": subs.iter().map(|id| json!({
            "id": format!("/subscriptions/{id}"), "subscriptionId": id, "tenantId": TENANT, "displayName": id,
        })).collect::<Vec<_>>()}))).await;
        for sub in &subs[..2] {
            let list: Vec<Value> = demo(&format!("role-assignments-{sub}.json"))
                .as_array()
                .expect("list")
                .iter()
                .map(arm_form)
                .collect();
            // One page, then the rest through nextLink.
            let (a, b) = list.split_at(1);
            Mock::given(method("GET"))
                .and(path(format!(
                    "/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments"
                )))
                .and(query_param("page", "2"))
                .respond_with(ok(json!({"value": b})))
                .mount(&s)
                .await;
            get(&s, &format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments"), ok(json!({
                "value": a,
                "nextLink": format!("{base}/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&page=2"),
            }))).await;
        }
        get(&s, &format!("/subscriptions/{SUB3}/providers/Microsoft.Authorization/roleAssignments"), ResponseTemplate::new(403).set_body_json(json!({
            "error": {"code": "AuthorizationFailed", "message": "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'"}}))).await;
        s
    }

    fn live(server: &MockServer, format: &str, env: &[(&str, &str)]) -> Run {
        let mut cmd = nhi();
        for k in [
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_CERTIFICATE_PATH",
            "AZURE_FEDERATED_TOKEN_FILE",
            "AZURE_AUTHORITY_HOST",
            "IDENTITY_ENDPOINT",
            "IDENTITY_HEADER",
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("AZURE_AUTHORITY_HOST", server.uri())
            .timeout(Duration::from_secs(120));
        for (k, v) in env {
            cmd.env(k, v);
        }
        run_in(
            cmd,
            &[
                "scan",
                "--now",
                NOW,
                "--format",
                format,
                "--azure-tenant",
                TENANT,
                "--azure-graph-url",
                &format!("{}/v1.0", server.uri()),
                "--azure-arm-url",
                &server.uri(),
            ],
        )
    }

    fn secret_env() -> Vec<(&'static str, &'static str)> {
        vec![
            ("AZURE_CLIENT_ID", "scanner-app"),
            ("AZURE_CLIENT_SECRET", SECRET),
        ]
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn live_scan_gives_the_offline_identities_and_fingerprints() {
        let server = tenant(true).await;
        let r = live(&server, "json", &secret_env());
        assert_eq!(
            r.code, 2,
            "the denied subscription is a failed source: {}",
            r.stderr
        );
        let report: Value = serde_json::from_str(&r.stdout).expect("json");
        let offline = ok_report(&scan(&[DEMO], "json"));
        assert_eq!(
            findings_by_fingerprint(&report),
            findings_by_fingerprint(&offline)
        );
        let ids = |r: &Value| {
            r["identities"]
                .as_array()
                .expect("ids")
                .iter()
                .map(|i| i["id"].as_str().expect("id").to_string())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(ids(&report), ids(&offline));
        let sources = report["sources"].as_array().expect("sources");
        let denied = sources
            .iter()
            .find(|s| s["scope"] == SUB3)
            .expect("denied subscription reported");
        assert_eq!(denied["status"], "failed");
        assert!(
            denied["message"].as_str().expect("m").contains("Reader"),
            "{denied}"
        );
        for s in sources.iter().filter(|s| s["scope"] != SUB3) {
            assert_eq!(s["status"], "ok", "{s}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refused_sign_in_activity_leaves_last_use_unknown_and_says_so() {
        let server = tenant(false).await;
        let r = live(&server, "json", &secret_env());
        let report: Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
        let sign_in = report["sources"]
            .as_array()
            .expect("s")
            .iter()
            .find(|s| s["kind"] == "sign_in_activity")
            .expect("reported");
        assert_eq!(sign_in["status"], "skipped");
        assert!(
            sign_in["message"].as_str().expect("m").contains("P1 or P2"),
            "{sign_in}"
        );
        let mut expected = planted();
        expected.retain(|(rule, _)| rule != "azure-sp-unused");
        assert_eq!(fired(&report), expected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_client_secret_never_appears_in_any_output() {
        let server = tenant(true).await;
        for format in [
            "table", "json", "ndjson", "csv", "sarif", "html", "markdown", "ocsf",
        ] {
            let mut env = secret_env();
            env.push(("RUST_LOG", "trace"));
            let r = live(&server, format, &env);
            assert!(!r.stdout.is_empty(), "{format}: {}", r.stderr);
            for text in [&r.stdout, &r.stderr] {
                assert!(!text.contains(SECRET), "{format} leaks the client secret");
                assert!(!text.contains(TOKEN), "{format} leaks the access token");
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn federated_token_file_and_managed_identity_flows() {
        let server = tenant(true).await;
        // Workload identity: the federated token goes as the client assertion.
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("token");
        std::fs::write(&file, "federated.jwt.from-the-platform\n").expect("w");
        Mock::given(method("POST"))
            .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
            .and(body_string_contains(
                "client_assertion=federated.jwt.from-the-platform",
            ))
            .and(body_string_contains("client-assertion-type%3Ajwt-bearer"))
            .respond_with(ok(json!({"access_token": TOKEN})))
            .mount(&server)
            .await;
        let r = live(
            &server,
            "json",
            &[
                ("AZURE_CLIENT_ID", "ci-app"),
                ("AZURE_FEDERATED_TOKEN_FILE", file.to_str().expect("p")),
            ],
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(
            fired(&serde_json::from_str(&r.stdout).expect("json")),
            planted()
        );
        // Managed identity (IMDS): no environment credential at all.
        Mock::given(method("GET"))
            .and(path("/metadata/identity/oauth2/token"))
            .and(header("metadata", "true"))
            .and(query_param("api-version", "2018-02-01"))
            .respond_with(ok(
                json!({"access_token": TOKEN, "expires_in": "3599", "token_type": "Bearer"}),
            ))
            .mount(&server)
            .await;
        let r = live(
            &server,
            "json",
            &[("AZURE_POD_IDENTITY_AUTHORITY_HOST", &server.uri())],
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(
            fired(&serde_json::from_str(&r.stdout).expect("json")),
            planted()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_next_link_to_another_host_is_not_followed() {
        let server = MockServer::start().await;
        let elsewhere = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ok(json!({"access_token": TOKEN})))
            .mount(&server)
            .await;
        get(&server, "/v1.0/servicePrincipals", ok(json!({
            "value": demo("service-principals.json").as_array().expect("l")[..3],
            "@odata.nextLink": format!("{}/v1.0/servicePrincipals?$skiptoken=steal", elsewhere.uri()),
        }))).await;
        Mock::given(method("GET"))
            .respond_with(ok(json!({"value": []})))
            .expect(0)
            .mount(&elsewhere)
            .await;
        let r = live(&server, "json", &secret_env());
        assert_eq!(r.code, 2, "{}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout).expect("json");
        let tenant = report["sources"]
            .as_array()
            .expect("s")
            .iter()
            .find(|s| s["kind"].is_null() && s["scope"] == TENANT)
            .expect("tenant");
        assert_eq!(tenant["status"], "partial");
        assert!(
            tenant["message"]
                .as_str()
                .expect("m")
                .contains("leaves the configured host"),
            "{tenant}"
        );
        assert_eq!(report["summary"]["identities"], 3);
    }
}

mod prism {
    //! The live connector against Prism serving the published descriptions (tests/specs: the
    //! Microsoft Graph v1.0 and beta subsets, Azure role assignments): static mode gives a
    //! report, dynamic mode (schema-valid nonsense) many times over never panics.

    use super::*;
    use serde_json::{json, Value};
    use std::time::Duration;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    struct Apis {
        v1: Prism,
        beta: Prism,
        arm: Prism,
        token: MockServer,
    }

    async fn apis(dynamic: bool) -> Apis {
        let token = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"access_token": "prism-token"})),
            )
            .mount(&token)
            .await;
        Apis {
            v1: Prism::start(
                &root().join("tests/specs/msgraph/graph-v1.0-nhi-subset.prism.yaml"),
                dynamic,
            ),
            beta: Prism::start(
                &root().join("tests/specs/msgraph/graph-beta-nhi-subset.prism.yaml"),
                dynamic,
            ),
            arm: Prism::start(
                &root().join(
                    "tests/specs/azure/authorization-RoleAssignmentsCalls.2026-08-01.bundled.json",
                ),
                dynamic,
            ),
            token,
        }
    }

    fn scan_prism(a: &Apis) -> (Run, Value) {
        let mut cmd = nhi();
        for k in [
            "AZURE_CLIENT_CERTIFICATE_PATH",
            "AZURE_FEDERATED_TOKEN_FILE",
            "IDENTITY_ENDPOINT",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("AZURE_CLIENT_ID", "prism")
            .env("AZURE_CLIENT_SECRET", "prism-secret")
            .env("AZURE_AUTHORITY_HOST", a.token.uri())
            .timeout(Duration::from_secs(300));
        let r = run_in(
            cmd,
            &[
                "scan",
                "--now",
                NOW,
                "--format",
                "json",
                "--azure-tenant",
                "t1",
                "--azure-subscription",
                "00000000-0000-0000-0000-000000000001",
                "--azure-graph-url",
                &a.v1.url,
                "--azure-graph-beta-url",
                &a.beta.url,
                "--azure-arm-url",
                &a.arm.url,
                // Prism's dynamic mode answers some requests with a 500: no retries here.
                "--azure-max-attempts",
                "1",
            ],
        );
        assert!(
            !r.stderr.contains("panicked") && !r.stderr.contains("stopped unexpectedly"),
            "{}",
            r.stderr
        );
        assert!(matches!(r.code, 0 | 2), "exit {}: {}", r.code, r.stderr);
        let report: Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
        (r, report)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn static_descriptions_give_a_report() {
        let a = apis(false).await;
        let (_, report) = scan_prism(&a);
        let sources = report["sources"].as_array().expect("sources");
        let tenant = sources
            .iter()
            .find(|s| s["connector"] == "azure" && s["kind"].is_null())
            .expect("tenant source");
        assert!(
            matches!(tenant["status"].as_str(), Some("ok" | "partial")),
            "{tenant}"
        );
        assert!(
            report["summary"]["identities"].as_u64().unwrap_or(0) > 0,
            "{}",
            report["sources"]
        );
        // Its listing's nextLink points at example.com: not followed, and said so.
        let rbac = sources
            .iter()
            .find(|s| s["kind"] == "azure_rbac")
            .expect("subscription source");
        assert!(
            rbac["message"]
                .as_str()
                .is_some_and(|m| m.contains("leaves the configured host")),
            "{rbac}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dynamic_descriptions_never_panic() {
        let a = apis(true).await;
        for _ in 0..5 {
            let (_, report) = scan_prism(&a);
            assert!(report["sources"].as_array().is_some_and(|s| !s.is_empty()));
        }
    }
}
