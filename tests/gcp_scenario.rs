//! Google Cloud live, against a loopback mock of the four APIs serving the demo organization
//! (fixtures/gcp) in pages of two: the same identities and fingerprints as the offline export;
//! a 429 waited out; Policy Analyzer refused (last use unknown, said, nothing called unused);
//! one project denied while the others complete.

use crate::common::*;
use nhi_api::{CollectContext, Connector, Inventory, Secret};
use nhi_gcp::auth::{Credentials, TokenSource};
use nhi_gcp::{Gcp, GcpOptions};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "ya29.TESTSECRET-gcp-0123456789";
const PAGE: usize = 2;

#[derive(Default, Clone)]
struct Options {
    deny_project: Option<&'static str>,
    refuse_policy_analyzer: bool,
    rate_limit_once: bool,
}

fn load(rel: &str) -> Value {
    let p = root().join("fixtures/gcp").join(rel);
    std::fs::read_to_string(&p)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| json!([]))
}

fn list(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// A page of `items` under `field`, from `pageToken` (an offset).
fn page(req: &Request, field: &str, items: Vec<Value>) -> ResponseTemplate {
    let start: usize = req
        .url
        .query_pairs()
        .find(|(k, _)| k == "pageToken")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let end = (start + PAGE).min(items.len());
    let mut body = json!({ field: items.get(start..end).unwrap_or(&[]) });
    if end < items.len() {
        body["nextPageToken"] = json!(end.to_string());
    }
    ResponseTemplate::new(200).set_body_json(body)
}

fn forbidden(what: &str) -> ResponseTemplate {
    ResponseTemplate::new(403).set_body_json(json!({"error": {"code": 403, "message": format!("Permission denied on {what}"), "status": "PERMISSION_DENIED"}}))
}

struct Api {
    opts: Options,
    limited: AtomicBool,
    requests: AtomicUsize,
    projects: Vec<Value>,
}

impl Api {
    fn answer(&self, req: &Request) -> ResponseTemplate {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {TOKEN}")) {
            return ResponseTemplate::new(401);
        }
        if self.opts.rate_limit_once && !self.limited.swap(true, Ordering::Relaxed) {
            return ResponseTemplate::new(429).insert_header("retry-after", "0");
        }
        let path = req.url.path().to_string();
        let parent = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "parent")
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segs.as_slice() {
            ["v3", "folders"] if parent == "organizations/1000" => page(
                req,
                "folders",
                vec![json!({"name": "folders/2000", "parent": "organizations/1000"})],
            ),
            ["v3", "folders"] => page(req, "folders", vec![]),
            ["v3", "projects"] if parent == "folders/2000" => {
                page(req, "projects", self.projects.clone())
            }
            ["v3", "projects"] => page(req, "projects", vec![]),
            ["v1", "organizations", o] if o.ends_with(":searchAllIamPolicies") => {
                page(req, "results", list(&load("iam-policies.json")))
            }
            ["v1", "organizations", _, "roles"] => page(req, "roles", vec![]),
            ["v1", "projects", p, "serviceAccounts"] => {
                if self.opts.deny_project == Some(*p) {
                    return forbidden(p);
                }
                page(
                    req,
                    "accounts",
                    list(&load(&format!("{p}/service-accounts.json"))),
                )
            }
            ["v1", "projects", p, "serviceAccounts", email, "keys"] => {
                let keys = list(&load(&format!("{p}/keys/{email}.json")));
                ResponseTemplate::new(200).set_body_json(json!({ "keys": keys }))
            }
            ["v1", "projects", p, "locations", "global", "workloadIdentityPools"] => {
                let mut pools = Vec::new();
                let dir = root().join("fixtures/gcp").join(p).join("providers");
                for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    for prov in list(
                        &serde_json::from_str(
                            &std::fs::read_to_string(e.path()).unwrap_or_default(),
                        )
                        .unwrap_or(json!([])),
                    ) {
                        let name = prov["name"]
                            .as_str()
                            .unwrap_or("")
                            .split("/providers/")
                            .next()
                            .unwrap_or("")
                            .to_string();
                        pools.push(json!({"name": name, "state": "ACTIVE"}));
                    }
                }
                page(req, "workloadIdentityPools", pools)
            }
            ["v1", "projects", number, "locations", "global", "workloadIdentityPools", pool, "providers"] =>
            {
                let project = self
                    .projects
                    .iter()
                    .find(|p| p["name"] == format!("projects/{number}"))
                    .and_then(|p| p["projectId"].as_str())
                    .unwrap_or("");
                page(
                    req,
                    "workloadIdentityPoolProviders",
                    list(&load(&format!("{project}/providers/{pool}.json"))),
                )
            }
            ["v1", "projects", p, "roles"] => {
                let prefix = format!("projects/{p}/");
                let roles: Vec<Value> = list(&load("custom-roles.json"))
                    .into_iter()
                    .filter(|r| r["name"].as_str().is_some_and(|n| n.starts_with(&prefix)))
                    .collect();
                page(req, "roles", roles)
            }
            _ => self.activities(req, &segs),
        }
    }

    fn activities(&self, req: &Request, segs: &[&str]) -> ResponseTemplate {
        // v1/projects/P/locations/global/activityTypes/KIND/activities:query
        if let ["v1", "projects", p, "locations", "global", "activityTypes", kind, "activities:query"] =
            segs
        {
            if self.opts.refuse_policy_analyzer {
                return forbidden(
                    "policyanalyzer.serviceAccountLastAuthenticationActivities.query",
                );
            }
            let file = if *kind == "serviceAccountLastAuthentication" {
                "activity-accounts"
            } else {
                "activity-keys"
            };
            return page(req, "activities", list(&load(&format!("{p}/{file}.json"))));
        }
        ResponseTemplate::new(404).set_body_json(
            json!({"error": {"message": format!("no route for {}", req.url.path())}}),
        )
    }
}

/// v3 projects from the export's v1 list.
fn v3_projects() -> Vec<Value> {
    list(&load("projects.json"))
        .into_iter()
        .map(|p| {
            json!({
                "projectId": p["projectId"],
                "name": format!("projects/{}", p["projectNumber"].as_str().unwrap_or("")),
                "parent": "folders/2000",
                "labels": p["labels"],
                "state": "ACTIVE",
            })
        })
        .collect()
}

struct Scenario {
    server: MockServer,
    api: Arc<Api>,
}

impl Scenario {
    async fn start(opts: Options) -> Scenario {
        let server = MockServer::start().await;
        let api = Arc::new(Api {
            opts,
            limited: AtomicBool::new(false),
            requests: AtomicUsize::new(0),
            projects: v3_projects(),
        });
        let responder = api.clone();
        Mock::given(wiremock::matchers::any())
            .respond_with(move |req: &Request| responder.answer(req))
            .mount(&server)
            .await;
        Scenario { server, api }
    }

    async fn collect(&self, options: GcpOptions) -> Inventory {
        let url = self.server.uri();
        let gcp = Gcp::new(
            GcpOptions {
                iam_url: url.clone(),
                asset_url: url.clone(),
                policy_analyzer_url: url.clone(),
                resource_manager_url: url,
                ..options
            },
            TokenSource::new(Credentials::AccessToken(Secret::new(TOKEN))),
            Arc::new(nhi_http::TokioSleeper),
        );
        let now = chrono::DateTime::parse_from_rfc3339(NOW)
            .expect("now")
            .to_utc();
        gcp.collect(&CollectContext::new(now)).await
    }
}

fn org() -> GcpOptions {
    GcpOptions {
        orgs: vec!["1000".into()],
        ..Default::default()
    }
}

/// The offline inventory of the demo export, read the way `--from` reads it.
fn offline() -> Inventory {
    nhi::sources::files::load(
        &[root().join("fixtures/gcp")],
        nhi::sources::files::DEFAULT_MAX_FILE_SIZE,
        vec![Box::new(nhi_gcp::GcpImport::new())],
    )
}

/// The JSON report of an inventory, as `nhi scan` writes it.
fn report(inventory: &Inventory) -> Value {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("inv.json");
    std::fs::write(&path, serde_json::to_string(inventory).expect("inventory")).expect("write");
    let r = scan(&[path.to_str().expect("path")], "json");
    assert!(r.code == 0 || r.code == 2, "{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("json")
}

/// Identities without their origin (a file offline, an API URL live).
fn identities(inv: &Inventory) -> Vec<Value> {
    inv.identities
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i).expect("identity");
            v.as_object_mut().map(|o| o.remove("origin"));
            v
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_gives_the_offline_identities_and_fingerprints_with_a_429_waited_out() {
    let scenario = Scenario::start(Options {
        rate_limit_once: true,
        ..Default::default()
    })
    .await;
    let live = scenario.collect(org()).await;
    for s in &live.sources {
        assert_eq!(s.status, nhi_api::SourceStatus::Ok, "{s:?}");
    }
    let offline = offline();
    assert_eq!(identities(&live), identities(&offline));
    assert_eq!(live.gcp.policies, offline.gcp.policies);
    let (live_r, offline_r) = (report(&live), report(&offline));
    assert_eq!(
        findings_by_fingerprint(&live_r),
        findings_by_fingerprint(&offline_r)
    );
    crate::gcp::assert_planted_and_twins(&live_r);
    // Pages of two were followed: far more requests than endpoints.
    assert!(scenario.api.requests.load(Ordering::Relaxed) > 40);
    let text = serde_json::to_string(&live).expect("json");
    assert!(!text.contains(TOKEN) && !text.contains("UExBTlRFRC1QUklWQVRF"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_analyzer_refused_leaves_last_use_unknown_and_says_so() {
    let scenario = Scenario::start(Options {
        refuse_policy_analyzer: true,
        ..Default::default()
    })
    .await;
    let live = scenario.collect(org()).await;
    let prod = live
        .sources
        .iter()
        .find(|s| s.scope == "acme-prod")
        .expect("acme-prod source");
    assert_eq!(prod.status, nhi_api::SourceStatus::Partial, "{prod:?}");
    let msg = prod.message.as_deref().unwrap_or("");
    assert!(
        msg.contains("last use is unknown")
            && msg.contains("roles/policyanalyzer.activityAnalysisViewer"),
        "{msg}"
    );
    for i in &live.identities {
        assert_eq!(i.last_used, nhi_api::LastUsed::Unknown, "{}", i.id);
    }
    let r = report(&live);
    let unused = crate::gcp::rules_by_identity(&r)
        .values()
        .any(|rules| rules.contains("gcp-sa-unused"));
    assert!(!unused, "nothing is called unused when use is unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_project_denied_the_others_complete() {
    let scenario = Scenario::start(Options {
        deny_project: Some("acme-data"),
        ..Default::default()
    })
    .await;
    let live = scenario.collect(org()).await;
    let by: BTreeMap<&str, &nhi_api::SourceReport> =
        live.sources.iter().map(|s| (s.scope.as_str(), s)).collect();
    let data = by.get("acme-data").expect("acme-data source");
    assert_eq!(data.status, nhi_api::SourceStatus::Failed);
    let msg = data.message.as_deref().unwrap_or("");
    assert!(
        msg.contains("403") && msg.contains("roles/iam.securityReviewer"),
        "{msg}"
    );
    assert_eq!(
        by.get("acme-prod").map(|s| s.status),
        Some(nhi_api::SourceStatus::Ok)
    );
    assert_eq!(
        by.get("acme-dev").map(|s| s.status),
        Some(nhi_api::SourceStatus::Ok)
    );
    assert!(live.identities.iter().all(|i| i.scope != "acme-data"));
    assert_eq!(
        live.identities
            .iter()
            .filter(|i| i.scope == "acme-prod")
            .count(),
        9
    );
    // Through the CLI the run reports and exits 2.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("inv.json");
    std::fs::write(&path, serde_json::to_string(&live).expect("inv")).expect("write");
    let r = scan(&[path.to_str().expect("p")], "json");
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_scans_live_with_a_token_from_the_environment() {
    let scenario = Scenario::start(Options::default()).await;
    let url = scenario.server.uri();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = nhi();
        cmd.env("GOOGLE_OAUTH_ACCESS_TOKEN", TOKEN)
            .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
            .env("RUST_LOG", "trace");
        run_in(
            cmd,
            &[
                "scan",
                "--gcp-org",
                "1000",
                "--gcp-api-url",
                &url,
                "--now",
                NOW,
                "--format",
                "json",
            ],
        )
    })
    .await
    .expect("runs");
    // Findings at default settings exit 0 (no --fail-on); every source read.
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN),
        "the token leaked"
    );
    let r: Value = serde_json::from_str(&out.stdout).expect("json");
    let offline_r = report(&offline());
    assert_eq!(
        findings_by_fingerprint(&r),
        findings_by_fingerprint(&offline_r)
    );
}
