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
            Some("resource.type == 'iam.googleapis.com/ServiceAccount'"),
        )
        .gcp_binding("org", "roles/viewer", "user:carol@acme.com", None)
        .gcp_binding("project", "roles/owner", "self", None);
    let inv = case.estate_inventory();
    let access = GcpAccess::build(&inv, crate::rule::testing::now());
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
        claims: [("repository".to_string(), "acme/web".to_string())].into(),
        ..crate::rule::testing::github_repository("acme/web")
    };
    let mut other = web.clone();
    other.id = "github:acme/api".into();
    other.claims.insert("repository".into(), "acme/api".into());
    case = case.workload(web).workload(other);
    let inv = case.estate_inventory();
    let access = GcpAccess::build(&inv, crate::rule::testing::now());
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
    let edges = GcpAccess::build(&inv, crate::rule::testing::now()).edges(&[]);
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

/// A Kubernetes service account `k8s:prod/NS/NAME`, annotated to wear `annotation` if given.
fn ksa(ns: &str, name: &str, annotation: Option<&str>) -> crate::rule::testing::Case {
    let mut case = crate::rule::testing::k8s::account(ns, name);
    if let Native::Kubernetes(f) = &mut case.identity.native {
        f.cloud.gcp_service_account = annotation.map(str::to_string);
    }
    case
}

const DEPLOYER: &str =
    "projects/acme-prod/serviceAccounts/deploy@acme-prod.iam.gserviceaccount.com";

#[test]
fn gke_workload_identity_joins_the_kubernetes_account_of_that_namespace_and_name() {
    let case = gcp_sa("deploy")
        .gcp_binding("project", "roles/editor", "self", None)
        .gcp_binding(
            "sa",
            "roles/iam.workloadIdentityUser",
            "serviceAccount:acme-prod.svc.id.goog[ci/deployer]",
            None,
        )
        .with(ksa(
            "ci",
            "deployer",
            Some("deploy@acme-prod.iam.gserviceaccount.com"),
        ))
        .with(ksa("ci", "other", None))
        .with(ksa("web", "deployer", None));
    let inv = case.estate_inventory();
    let access = GcpAccess::build(&inv, crate::rule::testing::now());
    let joins = access.gke("k8s:prod/ci/deployer");
    assert_eq!(joins.len(), 1);
    assert_eq!(joins[0].target, DEPLOYER);
    assert!(joins[0].annotation_agrees && !joins[0].medium());
    assert!(
        joins[0].evidence().contains("annotation agrees"),
        "{}",
        joins[0].evidence()
    );
    // Same name in another namespace, or another name: no join.
    assert!(access.gke("k8s:prod/web/deployer").is_empty());
    assert!(access.gke("k8s:prod/ci/other").is_empty());
    // The edge starts at the Kubernetes identity; its reach is the account's Editor grant.
    let edges = access.edges(&[]);
    let e = edges
        .iter()
        .find(|e| e.from == "k8s:prod/ci/deployer")
        .expect("edge from the k8s identity");
    assert_eq!(e.to, DEPLOYER);
    assert!(e.federation && !e.medium);
    let out = access.ways_out("k8s:prod/ci/deployer");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].reaches[0], "roles/editor on project acme-prod");
    // Editor includes deploymentmanager.deployments.create: a path to admin of its own.
    assert!(
        out[0]
            .reaches
            .iter()
            .any(|r| r.starts_with("escalation gcp-run-006: ")),
        "{:?}",
        out[0].reaches
    );
}

#[test]
fn gke_join_without_or_against_the_annotation_is_medium_and_says_so() {
    let bind = |case: crate::rule::testing::Case| {
        case.gcp_binding(
            "sa",
            "roles/iam.workloadIdentityUser",
            "serviceAccount:acme-prod.svc.id.goog[ci/deployer]",
            None,
        )
    };
    for (annotation, words) in [
        (None, "no iam.gke.io/gcp-service-account annotation"),
        (
            Some("other@acme-prod.iam.gserviceaccount.com"),
            "names other@acme-prod.iam.gserviceaccount.com instead",
        ),
    ] {
        let inv = bind(gcp_sa("deploy"))
            .with(ksa("ci", "deployer", annotation))
            .estate_inventory();
        let access = GcpAccess::build(&inv, crate::rule::testing::now());
        let j = &access.gke("k8s:prod/ci/deployer")[0];
        assert!(j.medium());
        assert!(j.evidence().contains(words), "{}", j.evidence());
        // A narrow account reaches nothing admin-like.
        assert!(access.ways_out("k8s:prod/ci/deployer")[0]
            .reaches
            .is_empty());
    }
    // A role without impersonation permissions joins nothing.
    let inv = gcp_sa("deploy")
        .gcp_binding(
            "sa",
            "roles/iam.serviceAccountViewer",
            "serviceAccount:acme-prod.svc.id.goog[ci/deployer]",
            None,
        )
        .with(ksa("ci", "deployer", None))
        .estate_inventory();
    assert!(GcpAccess::build(&inv, crate::rule::testing::now())
        .gke("k8s:prod/ci/deployer")
        .is_empty());
}

#[test]
fn gke_member_parsing() {
    assert_eq!(
        gke_member("serviceAccount:p.svc.id.goog[ns/ksa]"),
        Some(("p.svc.id.goog", "ns", "ksa"))
    );
    for bad in [
        "serviceAccount:ci@p.iam.gserviceaccount.com",
        "serviceAccount:p.svc.id.goog[ns]",
        "serviceAccount:p.example.com[ns/ksa]",
        "user:p.svc.id.goog[ns/ksa]",
    ] {
        assert_eq!(gke_member(bad), None, "{bad}");
    }
}

#[test]
fn conditions_are_decided_at_now() {
    let grant = |condition: &str| {
        let inv = gcp_sa("ci")
            .gcp_binding(
                "project",
                "roles/iam.serviceAccountTokenCreator",
                "user:bob@acme.com",
                Some(condition),
            )
            .gcp_binding("project", "roles/owner", "self", Some(condition))
            .estate_inventory();
        let access = GcpAccess::build(&inv, crate::rule::testing::now());
        let id = inv.identities[0].id.clone();
        let held: Vec<(Option<String>, Option<String>)> = access
            .held(&id)
            .iter()
            .map(|h| (h.condition.clone(), h.note.clone()))
            .collect();
        let members: Vec<String> = access
            .impersonators(&id)
            .iter()
            .map(|i| i.member.clone())
            .collect();
        (held, members)
    };
    // Expired, and not started yet: neither the role nor the impersonation counts.
    for c in [
        "request.time < timestamp('2026-01-01T00:00:00Z')",
        "request.time > timestamp('2027-01-01T00:00:00Z')",
    ] {
        let (held, members) = grant(c);
        assert!(held.is_empty(), "{c}: {held:?}");
        assert!(!members.contains(&"user:bob@acme.com".to_string()), "{c}");
    }
    // An open window: unconditional, with the condition kept in the note.
    let (held, members) = grant("request.time < timestamp('2027-01-01T00:00:00Z')");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0, None);
    assert!(held[0]
        .1
        .as_deref()
        .is_some_and(|n| n.contains("holds at --now")));
    assert!(members.contains(&"user:bob@acme.com".to_string()));
    // A resource limit: still conditional, saying what it limits to.
    let (held, _) = grant("resource.name.startsWith('projects/_/buckets/logs')");
    assert!(held[0].0.is_some());
    assert_eq!(
        held[0].1.as_deref(),
        Some("applies only to resources whose name starts with projects/_/buckets/logs")
    );
    // Undecidable: as before, conditional.
    let (held, _) = grant("request.time.getHours('UTC') < 18");
    assert!(held[0].0.is_some());
    assert!(held[0]
        .1
        .as_deref()
        .is_some_and(|n| n.starts_with("not decided")));
}

/// A pool `aws` of project 111 with one AWS provider trusting `account`.
fn aws_pool(
    case: crate::rule::testing::Case,
    account: &str,
    disabled: bool,
) -> crate::rule::testing::Case {
    let mut case = case;
    case.inventory
        .gcp
        .pool_providers
        .push(nhi_api::gcp::GcpPoolProvider {
            name: "projects/111/locations/global/workloadIdentityPools/aws/providers/aws".into(),
            aws_account: Some(account.into()),
            disabled,
            ..Default::default()
        });
    case
}

const AWS_POOL: &str =
    "principalSet://iam.googleapis.com/projects/111/locations/global/workloadIdentityPools/aws";

#[test]
fn aws_roles_of_the_trusted_account_federate_into_service_accounts() {
    use crate::rule::testing::Case;
    let build = |member: &str, account: &str, disabled: bool| {
        let case = gcp_sa("deploy")
            .gcp_binding("sa", "roles/iam.workloadIdentityUser", member, None)
            .with(Case::role("ci"))
            .with(Case::role("batch"));
        let inv = aws_pool(case, account, disabled).estate_inventory();
        GcpAccess::build(&inv, crate::rule::testing::now())
            .edges(&[])
            .into_iter()
            .filter(|e| e.from.starts_with("arn:aws:"))
            .map(|e| (e.from, e.to, e.medium))
            .collect::<Vec<_>>()
    };
    let ci = "arn:aws:iam::111111111111:role/ci";
    let batch = "arn:aws:iam::111111111111:role/batch";
    // One role, named as Google's default mapping writes it: high certainty, that role only.
    for selector in [
        "attribute.aws_role/arn:aws:sts::111111111111:assumed-role/ci",
        "attribute.aws_role/arn:aws:iam::111111111111:role/ci",
    ] {
        let member = format!("{AWS_POOL}/{selector}");
        assert_eq!(
            build(&member, "111111111111", false),
            vec![(ci.to_string(), DEPLOYER.to_string(), false)],
            "{selector}"
        );
    }
    let session = "principal://iam.googleapis.com/projects/111/locations/global/workloadIdentityPools/aws/subject/arn:aws:sts::111111111111:assumed-role/batch/job-1";
    assert_eq!(
        build(session, "111111111111", false),
        vec![(batch.to_string(), DEPLOYER.to_string(), false)]
    );
    // The whole pool: every role of the account, medium certainty.
    let whole = format!("{AWS_POOL}/*");
    let edges = build(&whole, "111111111111", false);
    assert_eq!(edges.len(), 2);
    assert!(edges.iter().all(|e| e.2), "{edges:?}");
    // Twins: another account's pool, a disabled provider, another role named.
    assert!(build(&whole, "222222222222", false).is_empty());
    assert!(build(&whole, "111111111111", true).is_empty());
    let other =
        format!("{AWS_POOL}/attribute.aws_role/arn:aws:sts::111111111111:assumed-role/nope");
    assert!(build(&other, "111111111111", false).is_empty());
    let wrong_account =
        format!("{AWS_POOL}/attribute.aws_role/arn:aws:sts::222222222222:assumed-role/ci");
    assert!(build(&wrong_account, "111111111111", false).is_empty());
}

#[test]
fn the_catalog_covers_every_permission_of_interest_and_editors_run_code() {
    let roles = predefined();
    let covered: BTreeSet<&str> = roles.values().flatten().map(String::as_str).collect();
    for perm in include_str!("../../data/gcp-roles/interest.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        assert!(
            covered.contains(perm),
            "no role of the catalog grants {perm}"
        );
    }
    let editor = &roles["roles/editor"];
    for perm in [
        "iam.serviceAccounts.actAs",
        "compute.instances.create",
        "cloudfunctions.functions.create",
        "cloudfunctions.functions.update",
        "run.services.create",
        "cloudbuild.builds.create",
    ] {
        assert!(editor.contains(perm), "roles/editor: {perm}");
    }
    // Google's basic roles do not mint tokens for other accounts.
    assert!(!editor.contains("iam.serviceAccounts.getAccessToken"));
    // A project Editor can run code as any account of the project: the catalog's paths say so.
    let inv = gcp_sa("ci")
        .gcp_binding("project", "roles/editor", "self", None)
        .estate_inventory();
    let access = GcpAccess::build(&inv, crate::rule::testing::now());
    let ids: BTreeSet<String> = access
        .escalations(&inv.identities[0].id)
        .iter()
        .map(|e| e.path.id.clone())
        .collect();
    for id in [
        "gcp-run-001",
        "gcp-run-002",
        "gcp-run-003",
        "gcp-run-004",
        "gcp-run-005",
    ] {
        assert!(ids.contains(id), "{id} not in {ids:?}");
    }
    // Compute Instance Admin (v1) and Cloud Run Developer are expanded too: with Service
    // Account User they are run-code paths.
    for (role, path) in [
        ("roles/compute.instanceAdmin.v1", "gcp-run-003"),
        ("roles/run.developer", "gcp-run-004"),
    ] {
        let inv = gcp_sa("ci")
            .gcp_binding("project", role, "self", None)
            .gcp_binding("project", "roles/iam.serviceAccountUser", "self", None)
            .estate_inventory();
        let access = GcpAccess::build(&inv, crate::rule::testing::now());
        assert!(
            access
                .escalations(&inv.identities[0].id)
                .iter()
                .any(|e| e.path.id == path),
            "{role}"
        );
    }
}
