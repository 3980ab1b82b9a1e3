use super::*;
use crate::rule::testing::gcp_sa;

#[test]
fn catalog_is_consistent() {
    let roles = predefined();
    let interest: BTreeSet<&str> = include_str!("../../data/gcp-roles/interest.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    for (role, perms) in &roles {
        assert!(role.starts_with("roles/"), "{role}");
        for p in perms {
            assert!(
                interest.contains(p.as_str()),
                "{role}: {p} is not in interest.txt"
            );
        }
    }
    for line in include_str!("../../data/gcp-roles/overlay.tsv").lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let mut f = line.split('\t');
        let (role, perm) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
        assert!(
            roles.get(role).is_some_and(|p| p.contains(perm)),
            "overlay {role} {perm} not merged"
        );
    }
    let (source, paths) = paths();
    assert!(source.contains("Rhino"));
    let mut ids = BTreeSet::new();
    for p in &paths {
        assert!(ids.insert(p.id.clone()), "duplicate {}", p.id);
        for perm in &p.permissions {
            assert!(
                interest.contains(perm.as_str()),
                "{}: {perm} not in interest.txt",
                p.id
            );
        }
    }
}

#[test]
fn joins_account_policies_by_unique_id_and_walks_the_hierarchy() {
    let case = gcp_sa("ci")
        .gcp_binding(
            "//iam.googleapis.com/projects/acme-prod/serviceAccounts/uid-ci",
            "roles/iam.serviceAccountUser",
            "user:bob@acme.com",
            None,
        )
        .gcp_binding(
            "folder",
            "roles/iam.serviceAccountTokenCreator",
            "group:ops@acme.com",
            Some("request.time < timestamp('2030-01-01T00:00:00Z')"),
        )
        .gcp_binding("org", "roles/viewer", "user:carol@acme.com", None)
        .gcp_binding("project", "roles/owner", "self", None);
    let inv = case.estate_inventory();
    let access = GcpAccess::build(&inv);
    let id = &inv.identities[0].id;
    let members: Vec<(&str, Level)> = access
        .impersonators(id)
        .iter()
        .map(|i| (i.member.as_str(), i.level))
        .collect();
    // Its own Owner grant includes actAs on itself: listed, but never an edge.
    assert_eq!(
        members,
        vec![
            ("group:ops@acme.com", Level::Folder),
            (
                "serviceAccount:ci@acme-prod.iam.gserviceaccount.com",
                Level::Project
            ),
            ("user:bob@acme.com", Level::Resource)
        ]
    );
    assert_eq!(access.held(id).len(), 1);
    let edges = access.edges(&[]);
    assert_eq!(edges.len(), 2);
    assert!(edges
        .iter()
        .any(|e| e.medium && e.from == "group:ops@acme.com"));
}

#[test]
fn account_to_account_edges_and_federated_workloads() {
    let pool = "principalSet://iam.googleapis.com/projects/111/locations/global/workloadIdentityPools/gh/attribute.repository/acme/web";
    let mut case = gcp_sa("deploy")
        .gcp_binding(
            "sa",
            "roles/iam.serviceAccountTokenCreator",
            "serviceAccount:ci@acme-prod.iam.gserviceaccount.com",
            None,
        )
        .gcp_binding("sa", "roles/iam.workloadIdentityUser", pool, None)
        .with(gcp_sa("ci"));
    case.inventory
        .gcp
        .pool_providers
        .push(nhi_api::gcp::GcpPoolProvider {
            name: "projects/111/locations/global/workloadIdentityPools/gh/providers/gh".into(),
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            attribute_mapping: [(
                "attribute.repository".to_string(),
                "assertion.repository".to_string(),
            )]
            .into(),
            ..Default::default()
        });
    let web = nhi_api::Workload {
        provider: "github".into(),
        kind: "github_repository".into(),
        id: "github:acme/web".into(),
        name: "acme/web".into(),
        scope: "acme".into(),
        identity: None,
        issuer: "https://token.actions.githubusercontent.com".into(),
        subject_forms: vec![],
        runs: vec![],
        claims: [("repository".to_string(), "acme/web".to_string())].into(),
        annotated_role: None,
    };
    let mut other = web.clone();
    other.id = "github:acme/api".into();
    other.claims.insert("repository".into(), "acme/api".into());
    case = case.workload(web).workload(other);
    let inv = case.estate_inventory();
    let access = GcpAccess::build(&inv);
    let edges = access.edges(&inv.workloads);
    let pairs: Vec<(&str, &str, bool)> = edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str(), e.federation))
        .collect();
    let deploy = "projects/acme-prod/serviceAccounts/deploy@acme-prod.iam.gserviceaccount.com";
    assert!(
        pairs.contains(&(
            "projects/acme-prod/serviceAccounts/ci@acme-prod.iam.gserviceaccount.com",
            deploy,
            false
        )),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("github:acme/web", deploy, true)),
        "{pairs:?}"
    );
    assert!(!pairs.iter().any(|p| p.0 == "github:acme/api"), "{pairs:?}");
    assert!(pairs.contains(&(pool, deploy, true)));
}

#[test]
fn gke_workload_identity_is_a_federation_edge() {
    let case = gcp_sa("web").gcp_binding(
        "sa",
        "roles/iam.workloadIdentityUser",
        "serviceAccount:acme-prod.svc.id.goog[web/frontend]",
        None,
    );
    let inv = case.estate_inventory();
    let edges = GcpAccess::build(&inv).edges(&[]);
    assert_eq!(edges.len(), 1);
    assert!(edges[0].federation);
    assert_eq!(
        edges[0].from,
        "serviceAccount:acme-prod.svc.id.goog[web/frontend]"
    );
    assert_eq!(
        edges[0].actions,
        vec!["iam.serviceAccounts.getAccessToken".to_string()]
    );
}
