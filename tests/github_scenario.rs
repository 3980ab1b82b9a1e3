//! The GitHub connector against a scenario of our own (wiremock): an organization with 500
//! repositories, `Link` pagination, GraphQL batching (and its absence), rate limits waited out
//! on a test clock, a refused PAT listing, members who left, and a pagination link to another
//! host. Every rule fires where planted and stays quiet elsewhere.

use crate::common::*;
use nhi_api::{BoxFuture, CollectContext, Connector, Inventory};
use nhi_github::{Auth, Github, GithubOptions};
use nhi_http::Sleeper;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub(crate) const TOKEN: &str = "ghp_SCENARIO1111111111111111111111111111";
const REPOS: usize = 500;
/// The test clock: 2026-11-02T00:00:00Z, the reports' `--now`.
const CLOCK: i64 = 1_793_577_600;

fn ago(days: i64) -> String {
    chrono::DateTime::from_timestamp(CLOCK - days * 86_400, 0)
        .expect("time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Records waits instead of sleeping, on a clock that stands still.
#[derive(Default)]
struct TestClock(Mutex<Vec<Duration>>);

impl Sleeper for TestClock {
    fn sleep(&self, d: Duration) -> BoxFuture<'_, ()> {
        if let Ok(mut v) = self.0.lock() {
            v.push(d);
        }
        Box::pin(async {})
    }
    fn now_epoch(&self) -> i64 {
        CLOCK
    }
}

#[derive(Clone, Copy, Default)]
pub(crate) struct Options {
    pub(crate) graphql: bool,
    pub(crate) rate_limits: bool,
    pub(crate) pat_listing_refused: bool,
    /// Members' next-page link points at this other server.
    pub(crate) off_host_members: Option<u16>,
    /// Serve as GitHub Enterprise Server does: REST under /api/v3, GraphQL at /api/graphql.
    pub(crate) enterprise: bool,
    /// Answer every request 401 (a revoked or mistyped token).
    pub(crate) reject_token: bool,
    /// svc-009's secrets answer that the hourly budget is spent, resetting in two hours.
    pub(crate) exhausted: bool,
}

/// The repositories are `svc-000` to `svc-499`, except the three the pipeline scenario's roles
/// trust by name: `web` (environments `prod`, with required reviewers, and `staging`), `api`
/// and `docs`.
fn repo_name(i: usize) -> String {
    match i {
        2 => "web".into(),
        3 => "api".into(),
        4 => "docs".into(),
        _ => format!("svc-{i:03}"),
    }
}

/// The repository's index, from its name.
fn repo_index(name: &str) -> Option<usize> {
    match name {
        "web" => Some(2),
        "api" => Some(3),
        "docs" => Some(4),
        _ => name.strip_prefix("svc-")?.parse().ok(),
    }
}

/// GitHub's ids: the organization's, and each repository's.
pub const ORG_ID: u64 = 4200;

pub fn repo_id(i: usize) -> u64 {
    10_000 + i as u64
}

/// A repository's environments, as `GET /repos/{o}/{r}/environments` lists them.
fn environments(i: usize) -> Vec<Value> {
    match i {
        2 => vec![
            json!({"name": "prod", "protection_rules": [
                {"id": 1, "type": "required_reviewers", "prevent_self_review": true,
                 "reviewers": [{"type": "Team", "reviewer": {"slug": "release"}}]}],
             "deployment_branch_policy": {"protected_branches": true, "custom_branch_policies": false}}),
            json!({"name": "staging", "protection_rules": [], "deployment_branch_policy": null}),
        ],
        _ if has_env(i) => vec![json!({"name": "prod"})],
        _ => vec![],
    }
}

/// Repositories with environments: `web` and every 50th.
const WITH_ENVIRONMENTS: usize = 11;
/// Environment secret listings: one per environment.
const ENVIRONMENT_CALLS: usize = 12;

/// Requests for a whole scan. With GraphQL: the organization calls, 5 pages of repositories,
/// then for each repository its secrets and its OIDC subject template, keys for the 20 with
/// any, environments for those with any, and one secrets listing per environment. By REST
/// only: one refused GraphQL attempt, 5 REST pages, and keys, secrets, environments and
/// template for every repository.
fn calls(graphql: bool) -> usize {
    if graphql {
        ORG_CALLS + 5 + 2 * REPOS + 20 + WITH_ENVIRONMENTS + ENVIRONMENT_CALLS
    } else {
        ORG_CALLS + 1 + 5 + 4 * REPOS + ENVIRONMENT_CALLS
    }
}

fn has_key(i: usize) -> bool {
    i.is_multiple_of(25)
}

fn has_env(i: usize) -> bool {
    i.is_multiple_of(50)
}

fn json_response(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn with_next(r: ResponseTemplate, base: &str, next: &str) -> ResponseTemplate {
    r.insert_header(
        "link",
        format!("<{base}{next}>; rel=\"next\", <{base}/x?page=9>; rel=\"last\"").as_str(),
    )
}

fn page_of(req: &Request) -> usize {
    req.url
        .query_pairs()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1)
}

pub(crate) struct Scenario {
    server: MockServer,
    prefix: &'static str,
}

/// Organization-level requests: the organization, members (2 pages), outside collaborators,
/// installations, fine-grained PATs (2 pages), PAT requests, credential authorizations,
/// organization secrets and the repositories of the one shared with selected repositories,
/// workflow permissions, the OIDC subject claims.
const ORG_CALLS: usize = 13;

impl Scenario {
    pub(crate) async fn start(options: Options) -> Scenario {
        let server = MockServer::start().await;
        let prefix = if options.enterprise { "/api/v3" } else { "" };
        let base = format!("{}{prefix}", server.uri());
        let limited_403 = Arc::new(AtomicBool::new(options.rate_limits));
        let limited_429 = Arc::new(AtomicBool::new(options.rate_limits));
        let limited_secondary = Arc::new(AtomicBool::new(options.rate_limits));
        let route = move |req: &Request| -> ResponseTemplate {
            let Some(p) = req.url.path().strip_prefix(prefix).map(str::to_string) else {
                return ResponseTemplate::new(404);
            };
            let page = page_of(req);
            if options.reject_token {
                return ResponseTemplate::new(401)
                    .set_body_json(json!({"message": "Bad credentials"}));
            }
            match p.as_str() {
                "/orgs/acme" => json_response(json!({"login": "acme"})),
                "/orgs/acme/members" if page == 1 => {
                    let r = json_response(json!([{"login": "alice"}, {"login": "Bob"}]));
                    match options.off_host_members {
                        Some(port) => r.insert_header(
                            "link",
                            format!(
                                "<http://127.0.0.1:{port}/orgs/acme/members?page=2>; rel=\"next\""
                            )
                            .as_str(),
                        ),
                        None => with_next(r, &base, "/orgs/acme/members?per_page=100&page=2"),
                    }
                }
                "/orgs/acme/members" => {
                    if limited_secondary.swap(false, Ordering::SeqCst) {
                        return ResponseTemplate::new(403).set_body_json(json!({
                            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
                        }));
                    }
                    json_response(json!([{"login": "carol"}]))
                }
                "/orgs/acme/outside_collaborators" => {
                    json_response(json!([{"login": "vendor-dev"}]))
                }
                "/orgs/acme/installations" => {
                    json_response(json!({"total_count": 3, "installations": [
                        {"id": 1, "app_id": 11, "app_slug": "ci-bot", "repository_selection": "all",
                         "permissions": {"contents": "write", "metadata": "read"},
                         "created_at": ago(400), "updated_at": ago(30), "suspended_at": null},
                        {"id": 2, "app_id": 12, "app_slug": "lint", "repository_selection": "selected",
                         "permissions": {"checks": "write", "metadata": "read"},
                         "created_at": ago(400), "updated_at": ago(30), "suspended_at": null},
                        {"id": 3, "app_id": 13, "app_slug": "old-app", "repository_selection": "selected",
                         "permissions": {"metadata": "read"},
                         "created_at": ago(900), "updated_at": ago(300), "suspended_at": ago(200)},
                    ]}))
                }
                "/orgs/acme/personal-access-tokens" if options.pat_listing_refused => {
                    ResponseTemplate::new(404)
                        .insert_header(
                            "x-accepted-github-permissions",
                            "organization_personal_access_tokens=read",
                        )
                        .set_body_json(json!({"message": "Not Found"}))
                }
                "/orgs/acme/personal-access-tokens" if page == 1 => with_next(
                    json_response(json!([
                        {"id": 101, "owner": {"login": "alice"}, "token_id": 9101, "token_name": "deploy-bot",
                         "repository_selection": "selected", "permissions": {"repository": {"contents": "write"}},
                         "access_granted_at": ago(100), "token_expired": false, "token_expires_at": null,
                         "token_last_used_at": ago(1)},
                        {"id": 102, "owner": {"login": "mallory"}, "token_id": 9102, "token_name": "old-script",
                         "repository_selection": "selected", "permissions": {"repository": {"metadata": "read"}},
                         "access_granted_at": ago(300), "token_expired": false, "token_expires_at": ago(-30),
                         "token_last_used_at": ago(200)},
                    ])),
                    &base,
                    "/orgs/acme/personal-access-tokens?per_page=100&page=2",
                ),
                "/orgs/acme/personal-access-tokens" => json_response(json!([
                    {"id": 103, "owner": {"login": "bob"}, "token_id": 9103, "token_name": "admin-tool",
                     "repository_selection": "all", "permissions": {"repository": {"contents": "write"}},
                     "access_granted_at": ago(20), "token_expired": false, "token_expires_at": ago(-40),
                     "token_last_used_at": ago(2)},
                    {"id": 104, "owner": {"login": "carol"}, "token_id": 9104, "token_name": "reporting",
                     "repository_selection": "selected", "permissions": {"repository": {"metadata": "read"}},
                     "access_granted_at": ago(10), "token_expired": false, "token_expires_at": ago(-80),
                     "token_last_used_at": ago(2)},
                ])),
                "/orgs/acme/personal-access-token-requests" if options.pat_listing_refused => {
                    ResponseTemplate::new(404)
                }
                "/orgs/acme/personal-access-token-requests" => json_response(json!([
                    {"id": 201, "owner": {"login": "mallory"}, "token_id": 9201, "token_name": "please",
                     "reason": "backfill", "repository_selection": "selected", "permissions": {},
                     "created_at": ago(3), "token_expired": false, "token_expires_at": null, "token_last_used_at": null},
                ])),
                "/orgs/acme/credential-authorizations" => json_response(json!([
                    {"login": "alice", "credential_id": 301, "credential_type": "personal access token",
                     "scopes": ["repo", "admin:org"], "credential_authorized_at": ago(50),
                     "credential_accessed_at": ago(1), "authorized_credential_expires_at": null,
                     "authorized_credential_note": "laptop"},
                    {"login": "bob", "credential_id": 302, "credential_type": "SSH key", "scopes": [],
                     "credential_authorized_at": ago(600), "credential_accessed_at": ago(300),
                     "authorized_credential_title": "old build box"},
                ])),
                "/orgs/acme/actions/secrets" => {
                    json_response(json!({"total_count": 2, "secrets": [
                        {"name": "OLD_AWS_KEY", "created_at": ago(800), "updated_at": ago(730), "visibility": "selected",
                     "selected_repositories_url": format!("{base}/orgs/acme/actions/secrets/OLD_AWS_KEY/repositories")},
                        {"name": "FRESH", "created_at": ago(10), "updated_at": ago(10), "visibility": "private"},
                    ]}))
                }
                "/orgs/acme/actions/secrets/OLD_AWS_KEY/repositories" => {
                    json_response(json!({"total_count": 2,
                    "repositories": [{"name": "svc-000", "full_name": "acme/svc-000"}, {"name": "svc-001", "full_name": "acme/svc-001"}]}))
                }
                "/orgs/acme/actions/oidc/customization/sub" => json_response(json!({
                    "include_claim_keys": ["repo", "context", "job_workflow_ref"]})),
                "/orgs/acme/actions/permissions/workflow" => json_response(json!({
                    "default_workflow_permissions": "write", "can_approve_pull_request_reviews": true})),
                "/orgs/acme/repos" => {
                    let start = (page - 1) * 100;
                    let items: Vec<Value> = (start..(start + 100).min(REPOS))
                        .map(|i| json!({"id": repo_id(i), "name": repo_name(i), "full_name": format!("acme/{}", repo_name(i)), "owner": {"login": "acme", "id": ORG_ID}}))
                        .collect();
                    let r = json_response(Value::Array(items));
                    if start + 100 < REPOS {
                        with_next(
                            r,
                            &base,
                            &format!("/orgs/acme/repos?type=all&per_page=100&page={}", page + 1),
                        )
                    } else {
                        r
                    }
                }
                "/repos/acme/svc-009/actions/secrets" if options.exhausted => {
                    ResponseTemplate::new(403)
                        .insert_header("x-ratelimit-remaining", "0")
                        .insert_header("x-ratelimit-reset", (CLOCK + 7200).to_string().as_str())
                        .set_body_json(json!({"message": "API rate limit exceeded"}))
                }
                _ => repo_route(&p, &limited_403, &limited_429),
            }
        };
        Mock::given(method("GET"))
            .respond_with(route)
            .mount(&server)
            .await;
        if options.graphql {
            Mock::given(method("POST"))
                .and(path(if options.enterprise {
                    "/api/graphql"
                } else {
                    "/graphql"
                }))
                .respond_with(graphql)
                .mount(&server)
                .await;
        }
        Scenario { server, prefix }
    }

    pub(crate) fn url(&self) -> String {
        format!("{}{}", self.server.uri(), self.prefix)
    }

    async fn collect(&self, clock: Arc<TestClock>) -> Inventory {
        let github = Github::new(
            GithubOptions {
                api_url: self.url(),
                orgs: vec!["acme".into()],
                ..Default::default()
            },
            Auth::Token(nhi_api::Secret::new(TOKEN)),
            clock,
        );
        let now = chrono::DateTime::from_timestamp(CLOCK, 0).expect("now");
        github.collect(&CollectContext::new(now)).await
    }

    async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

fn repo_route(p: &str, limited_403: &AtomicBool, limited_429: &AtomicBool) -> ResponseTemplate {
    let parts: Vec<&str> = p.trim_start_matches('/').split('/').collect();
    let Some(i) = parts.get(2).and_then(|r| repo_index(r)) else {
        return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
    };
    match &parts[3..] {
        ["keys"] if has_key(i) => {
            let key = match i {
                0 => {
                    json!({"id": 5000, "title": "release-push", "read_only": false, "added_by": "mallory",
                            "created_at": ago(700), "last_used": ago(3), "enabled": true, "verified": true})
                }
                25 => {
                    json!({"id": 5025, "title": "forgotten", "read_only": true, "added_by": "alice",
                             "created_at": ago(400), "last_used": null, "enabled": true, "verified": true})
                }
                // svc-050's key was added by an outside collaborator: not departed.
                _ => json!({"id": 5000 + i, "title": "ci", "read_only": true,
                            "added_by": if i == 50 { "vendor-dev" } else { "carol" },
                            "created_at": ago(100), "last_used": ago(1), "enabled": true, "verified": true}),
            };
            json_response(json!([key]))
        }
        ["keys"] => json_response(json!([])),
        ["actions", "secrets"] => {
            if i == 7 && limited_403.swap(false, Ordering::SeqCst) {
                return ResponseTemplate::new(403)
                    .insert_header("x-ratelimit-remaining", "0")
                    .insert_header("x-ratelimit-reset", (CLOCK + 120).to_string().as_str())
                    .set_body_json(json!({"message": "API rate limit exceeded"}));
            }
            if i == 8 && limited_429.swap(false, Ordering::SeqCst) {
                return ResponseTemplate::new(429).insert_header("retry-after", "7");
            }
            let secrets = match i {
                0 => json!([{"name": "NPM_TOKEN", "created_at": ago(600), "updated_at": ago(500)}]),
                1 => json!([{"name": "SENTRY_DSN", "created_at": ago(20), "updated_at": ago(20)}]),
                _ => json!([]),
            };
            json_response(
                json!({"total_count": secrets.as_array().map_or(0, Vec::len), "secrets": secrets}),
            )
        }
        ["environments"] => {
            let envs = environments(i);
            json_response(json!({"total_count": envs.len(), "environments": envs}))
        }
        ["environments", "prod", "secrets"] if has_env(i) => {
            json_response(json!({"total_count": 1,
            "secrets": [{"name": "PROD_DB", "created_at": ago(10), "updated_at": ago(10)}]}))
        }
        ["environments", _, "secrets"] if !environments(i).is_empty() => {
            json_response(json!({"total_count": 0, "secrets": []}))
        }
        // Every repository uses GitHub's default subject, but svc-006, which opted in to the
        // organization's template.
        ["actions", "oidc", "customization", "sub"] => json_response(if i == 6 {
            json!({"use_default": false})
        } else {
            json!({"use_default": true})
        }),
        _ => ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
    }
}

/// GraphQL: repositories 100 a page, with deploy-key counts and environments.
fn graphql(req: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let start: usize = body["variables"]["cursor"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let end = (start + 100).min(REPOS);
    let nodes: Vec<Value> = (start..end)
        .map(|i| {
            json!({"name": repo_name(i), "databaseId": repo_id(i), "isArchived": false,
                   "owner": {"login": "acme", "databaseId": ORG_ID},
                   "deployKeys": {"totalCount": u64::from(has_key(i))},
                   "environments": {"totalCount": environments(i).len()}})
        })
        .collect();
    json_response(json!({"data": {"organization": {"repositories": {
        "pageInfo": {"hasNextPage": end < REPOS, "endCursor": end.to_string()},
        "nodes": nodes,
    }}}}))
}

/// `nhi COMMAND --github-org acme --github-api-url URL ARGS...`, with `token` as GITHUB_TOKEN
/// (none: no token variable at all) and trace logging on.
fn nhi_github(command: &str, url: &str, token: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = nhi();
    cmd.env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env("RUST_LOG", "trace")
        .timeout(Duration::from_secs(120));
    if let Some(token) = token {
        cmd.env("GITHUB_TOKEN", token);
    }
    let mut all = vec![command, "--github-org", "acme", "--github-api-url", url];
    all.extend_from_slice(args);
    run_in(cmd, &all)
}

/// Analyze an inventory with the real binary.
fn analyze(inventory: &Inventory) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("inventory.json");
    std::fs::write(
        &file,
        serde_json::to_string(inventory).expect("inventory json"),
    )
    .expect("write");
    let r = scan(&[file.to_str().expect("path")], "json");
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr))
}

/// rule id → names of the identities it fired on.
fn fired(report: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in report["identities"].as_array().expect("identities") {
        for f in i["findings"].as_array().into_iter().flatten() {
            out.entry(f["rule_id"].as_str().unwrap_or("").to_string())
                .or_default()
                .insert(i["name"].as_str().unwrap_or("").to_string());
        }
    }
    out
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn source<'a>(report: &'a Value, kind: Option<&str>) -> &'a Value {
    report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["kind"].as_str() == kind)
        .unwrap_or_else(|| panic!("no source {kind:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_fires_where_planted_and_rate_limits_are_waited_out() {
    let scenario = Scenario::start(Options {
        graphql: true,
        rate_limits: true,
        ..Default::default()
    })
    .await;
    let clock = Arc::new(TestClock::default());
    let inventory = scenario.collect(clock.clone()).await;

    // Complete: every source ok, all 500 repositories read, rate limits waited out.
    for s in &inventory.sources {
        assert_eq!(s.status, nhi_api::SourceStatus::Ok, "{s:?}");
    }
    let waits = clock.0.lock().expect("waits").clone();
    assert!(
        waits.contains(&Duration::from_secs(120)),
        "x-ratelimit-reset waited: {waits:?}"
    );
    assert!(
        waits.contains(&Duration::from_secs(7)),
        "retry-after waited: {waits:?}"
    );
    assert!(
        waits.contains(&Duration::from_secs(60)),
        "secondary limit waited: {waits:?}"
    );

    let report = analyze(&inventory);
    let org = source(&report, None);
    let message = org["message"].as_str().expect("summary");
    assert!(
        message.starts_with("500 repositories, members 3, outside collaborators 1; "),
        "{message}"
    );

    let old_key = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == "OLD_AWS_KEY")
        .expect("OLD_AWS_KEY");
    let finding = &old_key["findings"][0];
    assert!(
        finding["message"]
            .as_str()
            .unwrap_or("")
            .contains("shared with 2 selected repositories"),
        "{finding}"
    );
    let fired = fired(&report);
    let expect: &[(&str, &[&str])] = &[
        ("github-deploy-key-write", &["acme/svc-000: release-push"]),
        (
            "github-credential-unused",
            &[
                "acme/svc-025: forgotten",
                "old-script",
                "bob: old build box",
            ],
        ),
        (
            "github-token-no-expiry",
            &["deploy-bot", "please", "alice: laptop"],
        ),
        ("github-pat-broad-access", &["admin-tool", "alice: laptop"]),
        ("github-app-all-repos-write", &["ci-bot"]),
        ("github-app-suspended", &["old-app"]),
        (
            "github-secret-not-rotated",
            &["OLD_AWS_KEY", "acme/svc-000: NPM_TOKEN"],
        ),
        (
            "github-owner-departed",
            &["acme/svc-000: release-push", "old-script", "please"],
        ),
        (
            "github-workflow-token-write",
            &["GITHUB_TOKEN (organization defaults)"],
        ),
        (
            "github-actions-can-approve-prs",
            &["GITHUB_TOKEN (organization defaults)"],
        ),
    ];
    for (rule, names) in expect {
        assert_eq!(fired.get(*rule), Some(&set(names)), "{rule}: {fired:#?}");
    }
    let github_rules: BTreeSet<&str> = fired
        .keys()
        .map(String::as_str)
        .filter(|r| r.starts_with("github-"))
        .collect();
    assert_eq!(
        github_rules.len(),
        expect.len(),
        "no other GitHub rule fires: {fired:#?}"
    );
    // Quiet on the clean ones: no finding on these.
    for clean in [
        "lint",
        "reporting",
        "FRESH",
        "acme/svc-001: SENTRY_DSN",
        "acme/svc-050 (prod): PROD_DB",
        "acme/svc-100: ci",
        "acme/svc-050: ci",
    ] {
        assert!(
            fired.values().all(|names| !names.contains(clean)),
            "{clean} should be quiet"
        );
    }

    // Calls for 500 repositories with GraphQL (see `calls`), plus the 3 rate-limited answers
    // retried.
    let requests = scenario.requests().await;
    let graphql = requests
        .iter()
        .filter(|r| r.url.path() == "/graphql")
        .count();
    assert_eq!(graphql, 5);
    assert_eq!(
        requests.len(),
        calls(true) + 3,
        "requests: {}",
        requests.len()
    );
    // The token went with every request, and only to this server.
    assert!(requests.iter().all(
        |r| r.headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {TOKEN}"))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_graphql_rest_gives_the_same_identities() {
    let with = Scenario::start(Options {
        graphql: true,
        ..Default::default()
    })
    .await;
    let without = Scenario::start(Options::default()).await;
    let a = with.collect(Arc::new(TestClock::default())).await;
    let b = without.collect(Arc::new(TestClock::default())).await;
    let ids = |inv: &Inventory| {
        inv.identities
            .iter()
            .map(|i| i.id.clone())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    assert!(
        b.sources
            .iter()
            .all(|s| s.status == nhi_api::SourceStatus::Ok),
        "{:?}",
        b.sources
    );
    let rest = without.requests().await.len();
    let batched = with.requests().await.len();
    // REST needs keys, secrets and environments for each repository: 3 per repository.
    // One refused GraphQL attempt, then 5 pages of repositories by REST.
    assert_eq!(rest, calls(false));
    assert_eq!(batched, calls(true));
    eprintln!(
        "API requests for {REPOS} repositories: {batched} with GraphQL, {rest} with REST only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enterprise_server_paths_work_for_rest_graphql_and_links() {
    let scenario = Scenario::start(Options {
        graphql: true,
        enterprise: true,
        ..Default::default()
    })
    .await;
    let inventory = scenario.collect(Arc::new(TestClock::default())).await;
    for s in &inventory.sources {
        assert_eq!(s.status, nhi_api::SourceStatus::Ok, "{s:?}");
    }
    let requests = scenario.requests().await;
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.url.path() == "/api/graphql")
            .count(),
        5
    );
    assert!(requests
        .iter()
        .all(|r| r.url.path().starts_with("/api/v3/") || r.url.path() == "/api/graphql"));
    assert_eq!(requests.len(), calls(true));
    assert!(inventory
        .identities
        .iter()
        .any(|i| i.name == "acme/svc-000: release-push"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_pat_listing_is_skipped_and_the_rest_is_reported() {
    let scenario = Scenario::start(Options {
        graphql: true,
        pat_listing_refused: true,
        ..Default::default()
    })
    .await;
    let inventory = scenario.collect(Arc::new(TestClock::default())).await;
    let pats = inventory
        .sources
        .iter()
        .find(|s| s.kind.as_deref() == Some("github_fine_grained_pat"))
        .expect("pat source");
    assert_eq!(pats.status, nhi_api::SourceStatus::Skipped);
    let message = pats.message.as_deref().unwrap_or("");
    assert!(
        message.contains("organization_personal_access_tokens=read"),
        "{message}"
    );
    assert!(message.contains("GitHub App"), "{message}");
    for s in inventory
        .sources
        .iter()
        .filter(|s| s.kind.as_deref() != Some("github_fine_grained_pat"))
    {
        assert_eq!(s.status, nhi_api::SourceStatus::Ok, "{s:?}");
    }
    assert!(inventory
        .identities
        .iter()
        .any(|i| i.kind == "github_deploy_key"));
    assert!(!inventory
        .identities
        .iter()
        .any(|i| i.kind == "github_fine_grained_pat"));
    // Skipped is not a failure: exit 0 (no --fail-on).
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("inventory.json");
    std::fs::write(&file, serde_json::to_string(&inventory).expect("json")).expect("write");
    assert_eq!(scan(&[file.to_str().expect("path")], "table").code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_to_another_host_is_never_followed_and_never_gets_the_token() {
    let elsewhere = MockServer::start().await;
    let port = elsewhere.address().port();
    let scenario = Scenario::start(Options {
        graphql: true,
        off_host_members: Some(port),
        ..Default::default()
    })
    .await;
    let inventory = scenario.collect(Arc::new(TestClock::default())).await;
    assert!(
        elsewhere
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "a request went to the other host"
    );
    let org = inventory
        .sources
        .iter()
        .find(|s| s.kind.is_none())
        .expect("org source");
    let message = org.message.as_deref().unwrap_or("");
    assert!(
        message.contains("not followed") && message.contains("not judged"),
        "{message}"
    );
    // The member list is incomplete, so nobody is called departed.
    let report = analyze(&inventory);
    assert!(!fired(&report).contains_key("github-owner-departed"));
}

#[test]
fn the_token_never_appears_in_any_output() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let scenario = runtime.block_on(Scenario::start(Options {
        graphql: true,
        ..Default::default()
    }));
    let url = scenario.url();
    for format in ["table", "json", "ndjson", "csv", "sarif"] {
        let r = nhi_github(
            "scan",
            &url,
            Some(TOKEN),
            &["--now", NOW, "--format", format, "-vv"],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stdout.contains(TOKEN), "{format} stdout");
        assert!(!r.stderr.contains(TOKEN), "{format} stderr");
        assert!(!r.stdout.contains("SCENARIO1111") && !r.stderr.contains("SCENARIO1111"));
    }
    // Mixed with AWS exports in one run and one report.
    let r = nhi_github(
        "scan",
        &url,
        Some(TOKEN),
        &["--from", "fixtures/demo", "--now", NOW, "--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let providers: BTreeSet<&str> = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter_map(|i| i["provider"].as_str())
        .collect();
    assert_eq!(providers, BTreeSet::from(["aws", "github"]));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("inv.json");
    let r = nhi_github(
        "collect",
        &url,
        Some(TOKEN),
        &["--output", file.to_str().expect("path")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!read(&file).contains(TOKEN));
    assert_valid_inventory(&read(&file), "a GitHub organization's inventory (live)");
}

#[test]
fn a_missing_token_names_the_variables() {
    let r = nhi_github("scan", "http://127.0.0.1:9", None, &["--format", "json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("GITHUB_TOKEN or GH_TOKEN is not set"),
        "{}",
        r.stderr
    );
}

/// `fixtures/github/acme-inventory.json` is this scenario's inventory (as `nhi collect` writes
/// it, with the mock's address replaced by api.github.com): a GitHub organization anyone can
/// scan without a token. Regenerate with `NHI_UPDATE_FIXTURES=1 cargo test --test integration github_scenario`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_github_fixture_is_this_scenario() {
    let scenario = Scenario::start(Options {
        graphql: true,
        ..Default::default()
    })
    .await;
    let mut inventory = scenario.collect(Arc::new(TestClock::default())).await;
    inventory.sort();
    let text = serde_json::to_string_pretty(&inventory)
        .expect("json")
        .replace(&scenario.url(), "https://api.github.com")
        + "\n";
    let file = root().join("fixtures/github/acme-inventory.json");
    if std::env::var_os("NHI_UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
        std::fs::write(&file, &text).expect("write fixture");
    }
    assert_eq!(
        read(&file),
        text,
        "fixtures/github/acme-inventory.json is stale: NHI_UPDATE_FIXTURES=1 cargo test --test integration github_scenario"
    );
}

const INSTALLATION_TOKEN: &str = "ghs_INSTALLATION2222222222222222222222222";

#[test]
fn github_app_authentication_signs_a_jwt_and_uses_the_installation_token() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let scenario = runtime.block_on(async {
        let scenario = Scenario::start(Options {
            graphql: true,
            ..Default::default()
        })
        .await;
        Mock::given(method("POST"))
            .and(path("/app/installations/678/access_tokens"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "token": INSTALLATION_TOKEN, "expires_at": "2099-01-01T00:00:00Z",
                "permissions": {"administration": "read", "members": "read", "secrets": "read"},
                "repository_selection": "all"})))
            .mount(&scenario.server)
            .await;
        scenario
    });
    let key = root().join("tests/github/test-app-key.pem");
    let r = nhi_github(
        "scan",
        &scenario.url(),
        None,
        &[
            "--github-app-id",
            "12345",
            "--github-app-key",
            key.to_str().expect("path"),
            "--github-installation-id",
            "678",
            "--now",
            NOW,
            "--format",
            "json",
            "-vv",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(report["summary"]["identities"], 45);
    for secret in [INSTALLATION_TOKEN, "PRIVATE KEY"] {
        assert!(
            !r.stdout.contains(secret) && !r.stderr.contains(secret),
            "{secret} leaked"
        );
    }
    let requests = runtime.block_on(scenario.requests());
    let auth = |r: &Request| {
        r.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (minted, used): (Vec<&Request>, Vec<&Request>) = requests
        .iter()
        .partition(|r| r.url.path() == "/app/installations/678/access_tokens");
    assert_eq!(minted.len(), 1, "one installation token for the whole scan");
    // The app's JWT (three base64url parts) asks for the token; the token does the rest.
    let jwt = auth(minted[0]);
    assert!(
        jwt.starts_with("Bearer ey") && jwt.matches('.').count() == 2,
        "{jwt}"
    );
    assert!(used
        .iter()
        .all(|r| auth(r) == format!("Bearer {INSTALLATION_TOKEN}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_or_an_unknown_organization_fails_that_organization_with_the_fix() {
    let refused = Scenario::start(Options {
        reject_token: true,
        ..Default::default()
    })
    .await;
    let inventory = refused.collect(Arc::new(TestClock::default())).await;
    assert_eq!(inventory.sources.len(), 1);
    let source = &inventory.sources[0];
    assert_eq!(source.status, nhi_api::SourceStatus::Failed);
    let message = source.message.as_deref().unwrap_or("");
    assert!(
        message.contains("401") && message.contains("GITHUB_TOKEN"),
        "{message}"
    );
    // One request, not a storm: a refused token is not retried.
    assert_eq!(refused.requests().await.len(), 1);

    let scenario = Scenario::start(Options::default()).await;
    let github = Github::new(
        GithubOptions {
            api_url: scenario.url(),
            orgs: vec!["acme".into(), "no-such-org".into()],
            ..Default::default()
        },
        Auth::Token(nhi_api::Secret::new(TOKEN)),
        Arc::new(TestClock::default()),
    );
    let now = chrono::DateTime::from_timestamp(CLOCK, 0).expect("now");
    let inventory = github.collect(&CollectContext::new(now)).await;
    let missing = inventory
        .sources
        .iter()
        .find(|s| s.scope == "no-such-org")
        .expect("source for the unknown org");
    assert_eq!(missing.status, nhi_api::SourceStatus::Failed);
    assert!(missing
        .message
        .as_deref()
        .unwrap_or("")
        .contains("not found"));
    // The other organization is still reported in full.
    assert!(inventory
        .sources
        .iter()
        .filter(|s| s.scope == "acme")
        .all(|s| s.status == nhi_api::SourceStatus::Ok));
    assert_eq!(inventory.identities.len(), 45);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_that_resets_too_late_stops_and_says_when() {
    let scenario = Scenario::start(Options {
        graphql: true,
        exhausted: true,
        ..Default::default()
    })
    .await;
    let clock = Arc::new(TestClock::default());
    let inventory = scenario.collect(clock.clone()).await;
    let secrets = inventory
        .sources
        .iter()
        .find(|s| s.kind.as_deref() == Some("github_actions_secret"))
        .expect("secrets source");
    assert_eq!(secrets.status, nhi_api::SourceStatus::Partial);
    let message = secrets.message.as_deref().unwrap_or("");
    assert!(message.contains("of 500 repositories"), "{message}");
    assert!(
        message.contains("the limit resets at 2026-11-02T02:00:00Z"),
        "{message}"
    );
    // Two hours is past the longest wait: nothing was slept, and nothing hammered the API
    // once the budget was known to be spent.
    assert!(clock
        .0
        .lock()
        .expect("waits")
        .iter()
        .all(|w| *w <= Duration::from_secs(900)));
    let sent = scenario.requests().await.len();
    assert!(
        sent < ORG_CALLS + 5 + REPOS,
        "{sent} requests after the budget was spent"
    );
    eprintln!("{sent} requests; {message}");
}
