//! Kubernetes live scans against loopback API servers (wiremock) that serve the demo cluster
//! (fixtures/k8s/demo-eks.json) as the API does: `<Kind>List` pages with `limit` / `continue`,
//! Secrets only as `PartialObjectMetadataList` when asked for metadata, Status bodies for
//! errors. Authentication goes through a kubeconfig whose user is an exec plugin (a script
//! printing an ExecCredential), as EKS, GKE and AKS kubeconfigs are.

use crate::common::*;
use crate::k8s::{k8s_findings, CLUSTER, ISSUER, PLANTED, PLANTED_FINDINGS};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const EXEC_TOKEN: &str = "k8s-exec-plugin-token-0123456789";
const METADATA_ACCEPT: &str = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/// API paths of each kind the demo cluster holds.
const PATHS: &[(&str, &str)] = &[
    ("ServiceAccount", "/api/v1/serviceaccounts"),
    ("Secret", "/api/v1/secrets"),
    ("Namespace", "/api/v1/namespaces"),
    ("Pod", "/api/v1/pods"),
    ("ReplicationController", "/api/v1/replicationcontrollers"),
    ("Role", "/apis/rbac.authorization.k8s.io/v1/roles"),
    (
        "ClusterRole",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    ),
    (
        "RoleBinding",
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
    ),
    (
        "ClusterRoleBinding",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    ),
    ("Deployment", "/apis/apps/v1/deployments"),
    ("StatefulSet", "/apis/apps/v1/statefulsets"),
    ("DaemonSet", "/apis/apps/v1/daemonsets"),
    ("ReplicaSet", "/apis/apps/v1/replicasets"),
    ("Job", "/apis/batch/v1/jobs"),
    ("CronJob", "/apis/batch/v1/cronjobs"),
];

/// How a mock cluster behaves.
#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    Healthy,
    /// Secrets may not be listed.
    SecretsForbidden,
    /// Every request is refused: the token expired.
    Expired,
}

fn status(code: u16, reason: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code,
    }))
}

/// One resource's list: pages of `limit` items, continued by offset.
struct Lister {
    kind: &'static str,
    items: Vec<Value>,
    scenario: Scenario,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Respond for Lister {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.seen
            .lock()
            .expect("lock")
            .push(request.url.to_string());
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if self.scenario == Scenario::Expired || auth != format!("Bearer {EXEC_TOKEN}") {
            return status(401, "Unauthorized", "Unauthorized");
        }
        if self.kind == "Secret" && self.scenario == Scenario::SecretsForbidden {
            return status(403, "Forbidden", "secrets is forbidden: User \"system:serviceaccount:nhi:scanner\" cannot list resource \"secrets\" in API group \"\" at the cluster scope");
        }
        let accept = request
            .headers
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let metadata_only = accept.starts_with("application/json;as=PartialObjectMetadataList");
        // Secrets are served only as metadata: a full list would carry their values.
        if self.kind == "Secret" && !metadata_only {
            return status(
                406,
                "NotAcceptable",
                "this test server serves secrets as metadata only",
            );
        }
        let query: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        let limit: usize = query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(usize::MAX);
        let start: usize = query
            .get("continue")
            .and_then(|c| c.strip_prefix("offset-"))
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let end = start.saturating_add(limit).min(self.items.len());
        let page: Vec<Value> = self.items[start.min(end)..end]
            .iter()
            .map(|item| {
                if metadata_only {
                    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": item["metadata"]})
                } else {
                    // API lists name the kind once, not on each item.
                    let mut i = item.clone();
                    if let Some(o) = i.as_object_mut() {
                        o.remove("kind");
                        o.remove("apiVersion");
                    }
                    i
                }
            })
            .collect();
        let mut metadata = json!({"resourceVersion": "4242"});
        if end < self.items.len() {
            metadata["continue"] = json!(format!("offset-{end}"));
            metadata["remainingItemCount"] = json!(self.items.len() - end);
        }
        let (kind, api_version) = if metadata_only {
            ("PartialObjectMetadataList".to_string(), "meta.k8s.io/v1")
        } else {
            (format!("{}List", self.kind), "v1")
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "kind": kind, "apiVersion": api_version, "metadata": metadata, "items": page,
        }))
    }
}

/// A mock API server serving the demo cluster; the URLs it was asked are recorded.
async fn cluster(scenario: Scenario) -> (MockServer, Arc<Mutex<Vec<String>>>) {
    let export: Value = serde_json::from_str(&read(CLUSTER)).expect("demo cluster");
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    for (kind, path) in PATHS {
        let items: Vec<Value> = export["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|i| i["kind"] == *kind)
            .cloned()
            .collect();
        Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path(*path))
            .respond_with(Lister {
                kind,
                items,
                scenario,
                seen: seen.clone(),
            })
            .mount(&server)
            .await;
    }
    Mock::given(wiremock::matchers::path(
        "/.well-known/openid-configuration",
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "issuer": ISSUER,
        "jwks_uri": format!("{ISSUER}/keys"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })))
    .mount(&server)
    .await;
    (server, seen)
}

/// A kubeconfig with one context per (name, server), each authenticating through an exec
/// plugin that prints an ExecCredential.
fn kubeconfig(dir: &Path, clusters: &[(&str, &str)]) -> PathBuf {
    let plugin = dir.join("credential-plugin.sh");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\n# Prints a token the way aws eks get-token does.\ncat <<EOF\n{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{EXEC_TOKEN}\",\"expirationTimestamp\":\"2099-01-01T00:00:00Z\"}}}}\nEOF\n"
        ),
    )
    .expect("plugin");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let mut text = String::from("apiVersion: v1\nkind: Config\n");
    text.push_str(&format!("current-context: {}\nclusters:\n", clusters[0].0));
    for (name, server) in clusters {
        text.push_str(&format!(
            "- name: {name}\n  cluster:\n    server: {server}\n"
        ));
    }
    text.push_str("contexts:\n");
    for (name, _) in clusters {
        text.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: exec-user\n"
        ));
    }
    text.push_str(&format!(
        "users:\n- name: exec-user\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      interactiveMode: Never\n",
        plugin.display()
    ));
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).expect("kubeconfig");
    path
}

async fn nhi_run(args: Vec<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        let mut cmd = nhi();
        cmd.env_remove("KUBECONFIG")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .env("RUST_LOG", "debug");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_in(cmd, &args)
    })
    .await
    .expect("nhi ran")
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Identities as compared across routes: everything but where they were read from.
fn comparable(report: &Value) -> Vec<Value> {
    report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .map(|i| {
            let mut i = i.clone();
            if let Some(o) = i.as_object_mut() {
                o.remove("origin");
            }
            i
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_live_route_gives_the_identities_and_fingerprints_of_the_export() {
    let (server, seen) = cluster(Scenario::Healthy).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = kubeconfig(dir.path(), &[("demo-eks", &server.uri())]);
    let live = nhi_run(strings(&[
        "-vv",
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--kubeconfig",
        config.to_str().expect("path"),
        "--k8s-page-size",
        "4",
        "--from",
        "fixtures/demo",
    ]))
    .await;
    let live_report = ok_report(&live);
    let file = run(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--from",
        CLUSTER,
        "--from",
        "fixtures/demo",
        "--k8s-oidc-issuer",
        ISSUER,
    ]);
    let file_report = ok_report(&file);
    assert_eq!(comparable(&live_report), comparable(&file_report));
    assert_eq!(
        findings_by_fingerprint(&live_report),
        findings_by_fingerprint(&file_report)
    );
    assert_eq!(k8s_findings(&live_report).len(), PLANTED_FINDINGS.len());
    // Paged: the pods came in pages of four, each continuing the last.
    let urls = seen.lock().expect("lock").clone();
    let pod_pages: Vec<&String> = urls.iter().filter(|u| u.contains("/api/v1/pods")).collect();
    assert!(pod_pages.len() >= 4, "{pod_pages:?}");
    assert!(pod_pages.iter().all(|u| u.contains("limit=4")));
    assert!(pod_pages.iter().any(|u| u.contains("continue=offset-4")));
    // Secrets were asked for as metadata only, and never in full (the server would refuse).
    let requests = server.received_requests().await.expect("recorded");
    let secrets: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v1/secrets")
        .collect();
    assert!(!secrets.is_empty());
    for r in secrets {
        assert_eq!(
            r.headers.get("accept").and_then(|v| v.to_str().ok()),
            Some(METADATA_ACCEPT)
        );
    }
    // The exec plugin's token authenticated every request, and never reached the output.
    assert!(requests.iter().all(
        |r| r.headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {EXEC_TOKEN}"))
    ));
    for text in [&live.stdout, &live.stderr] {
        assert!(!text.contains(EXEC_TOKEN) && !text.contains(PLANTED));
    }
    // The issuer came from the API server: the IRSA join is by issuer.
    let source = live_report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["connector"] == "kubernetes")
        .expect("k8s source");
    assert_eq!(source["scope"], "demo-eks");
    assert_eq!(source["origin"], server.uri());
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_secrets_make_the_cluster_partial_naming_the_permission() {
    let (server, _) = cluster(Scenario::SecretsForbidden).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = kubeconfig(dir.path(), &[("demo-eks", &server.uri())]);
    let r = nhi_run(strings(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--kubeconfig",
        config.to_str().expect("path"),
        "--kube-context",
        "demo-eks",
    ]))
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let source = &report["sources"][0];
    assert_eq!(source["status"], "partial");
    let message = source["message"].as_str().expect("message");
    assert!(message.contains("grant list on secrets"), "{message}");
    assert!(message.contains("docs/k8s-rbac.yaml"), "{message}");
    // Everything else was read: without tokens, only the token rules stay quiet.
    let found = k8s_findings(&report);
    assert!(found.contains(&("k8s-cluster-admin".to_string(), "ci/runner".to_string())));
    assert!(!found
        .iter()
        .any(|(rule, _)| rule.starts_with("k8s-legacy-token")));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_and_a_cluster_that_is_down_fail_only_their_clusters() {
    let (healthy, _) = cluster(Scenario::Healthy).await;
    let (expired, _) = cluster(Scenario::Expired).await;
    let down = format!("http://127.0.0.1:{}", free_port());
    let dir = tempfile::tempdir().expect("temp dir");
    let config = kubeconfig(
        dir.path(),
        &[
            ("demo-eks", &healthy.uri()),
            ("expired", &expired.uri()),
            ("down", &down),
        ],
    );
    let r = nhi_run(strings(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--kubeconfig",
        config.to_str().expect("path"),
        "--kube-context",
        "demo-eks",
        "--kube-context",
        "expired",
        "--kube-context",
        "down",
        "--k8s-timeout",
        "60",
    ]))
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"));
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let by_scope: BTreeMap<String, (String, String)> = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            (
                s["scope"].as_str().unwrap_or("").to_string(),
                (
                    s["status"].as_str().unwrap_or("").to_string(),
                    s["message"].as_str().unwrap_or("").to_string(),
                ),
            )
        })
        .collect();
    assert_eq!(by_scope["demo-eks"].0, "ok");
    assert_eq!(by_scope["expired"].0, "failed");
    assert!(
        by_scope["expired"].1.contains("401"),
        "{:?}",
        by_scope["expired"]
    );
    assert!(
        by_scope["expired"].1.contains("refresh"),
        "{:?}",
        by_scope["expired"]
    );
    assert_eq!(by_scope["down"].0, "failed");
    assert!(
        by_scope["down"].1.contains("cannot reach"),
        "{:?}",
        by_scope["down"]
    );
    assert_eq!(k8s_findings(&report).len(), PLANTED_FINDINGS.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_context_or_kubeconfig_is_a_failed_source_with_the_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = kubeconfig(dir.path(), &[("demo-eks", "http://127.0.0.1:1")]);
    let r = nhi_run(strings(&[
        "scan",
        "--format",
        "json",
        "--kubeconfig",
        config.to_str().expect("path"),
        "--kube-context",
        "nope",
    ]))
    .await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nope"), "{}", r.stderr);
    let r = nhi_run(strings(&[
        "scan",
        "--format",
        "json",
        "--kubeconfig",
        "/nonexistent/kubeconfig",
    ]))
    .await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/kubeconfig"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"));
}
