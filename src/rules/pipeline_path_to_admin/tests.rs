//! Each shape of GitHub Actions OIDC trust against repositories as the GitHub connector
//! describes them (its own normalizer builds the workloads), for both pipeline rules.

use super::Rule;
use crate::finding::{Confidence, Finding, Severity};
use crate::rule::testing::Case;
use crate::rule::Rule as _;
use nhi_api::{PermissionSource, Workload};
use nhi_github::normalize::{workloads, OrgData, Repository};
use nhi_github::types::{Environment, ProtectionRule};
use serde_json::json;

const ADMIN: &str = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
const READ_SECRETS: &str =
    r#"{"Statement":{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#;
const NOTHING: &str =
    r#"{"Statement":{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}}"#;
const GITHUB: &str = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";

fn sensitive() -> &'static dyn crate::rule::Rule {
    &super::super::pipeline_path_to_sensitive::Rule
}

/// Organization `acme` (id 100): `web` (id 200) with a `prod` environment that needs
/// reviewers and an unprotected `staging`; `api` (id 201) with none.
fn acme() -> Vec<Workload> {
    let prod = Environment {
        name: "prod".into(),
        protection_rules: vec![ProtectionRule {
            kind: "required_reviewers".into(),
            prevent_self_review: Some(true),
            reviewers: vec![json!({"type": "Team"})],
        }],
        deployment_branch_policy: None,
    };
    let staging = Environment {
        name: "staging".into(),
        ..Default::default()
    };
    let data = OrgData {
        org: "acme".into(),
        api_url: "https://api.github.com".into(),
        repositories: vec![
            Repository {
                full_name: "acme/web".into(),
                id: Some(200),
                owner_id: Some(100),
                environments: Some(vec![prod, staging]),
                ..Default::default()
            },
            Repository {
                full_name: "acme/api".into(),
                id: Some(201),
                owner_id: Some(100),
                environments: Some(vec![]),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    workloads(&data)
}

/// A role trusting GitHub's issuer with `condition`, with `policy` as its permissions.
fn role(name: &str, condition: serde_json::Value, policy: &str) -> Case {
    let mut c = Case::role(name)
        .policy(PermissionSource::Inline, "p", policy)
        .trust(
            &json!({"Statement": {
                "Sid": "GitHubActions",
                "Effect": "Allow",
                "Principal": {"Federated": GITHUB},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }})
            .to_string(),
        );
    for w in acme() {
        c = c.workload(w);
    }
    c
}

fn sub_like(values: serde_json::Value) -> serde_json::Value {
    json!({
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": values},
    })
}

fn sub_equals(values: serde_json::Value) -> serde_json::Value {
    json!({
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": values,
        },
    })
}

fn one(f: Vec<Finding>) -> Finding {
    assert_eq!(f.len(), 1, "{f:#?}");
    f.into_iter().next().expect("one finding")
}

fn subjects(f: &Finding) -> Vec<String> {
    f.evidence["ways_in"]
        .as_array()
        .expect("ways_in")
        .iter()
        .map(|w| w["subject"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn any_branch_of_a_repository_becomes_admin() {
    let f = one(role("deploy-web", sub_like(json!("repo:acme/web:*")), ADMIN).run(&Rule));
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.confidence, Confidence::High);
    assert!(
        f.message.starts_with(
            "anyone who can open a pull request from a branch of acme/web [repo:acme/web:pull_request] →[OIDC, trust GitHubActions]→ deploy-web (admin)."
        ),
        "{}",
        f.message
    );
    let s = subjects(&f);
    for expected in [
        "repo:acme/web:pull_request",
        "repo:acme/web:ref:refs/heads/*",
        "repo:acme/web:ref:refs/tags/*",
        "repo:acme/web:environment:staging",
        "repo:acme/web:environment:prod",
        "repo:acme/web:environment:*",
    ] {
        assert!(s.contains(&expected.to_string()), "{expected} in {s:?}");
    }
    assert!(
        !s.iter().any(|x| x.contains("acme/api")),
        "another repository is not a way in: {s:?}"
    );
    let prod = &f.evidence["ways_in"]
        .as_array()
        .expect("ways_in")
        .iter()
        .find(|w| w["subject"] == "repo:acme/web:environment:prod")
        .expect("prod")["gate"];
    assert_eq!(prod, "required reviewers (not the one who triggered it)");
    assert_eq!(f.evidence["outcome"], "administrator");
    assert_eq!(f.evidence["ways_in"][0]["workload"], "github:acme/web");
    assert_eq!(f.evidence["ways_in"][0]["trust_statement"], "GitHubActions");
}

#[test]
fn a_protected_environment_lowers_the_severity_and_says_why() {
    let f = one(role(
        "deploy-prod",
        sub_equals(json!("repo:acme/web:environment:prod")),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.message.contains(
            "any job of acme/web that deploys to environment prod [repo:acme/web:environment:prod]"
        ),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("Gated: required reviewers (not the one who triggered it) (severity lowered from critical)."),
        "{}",
        f.message
    );
    assert_eq!(subjects(&f), vec!["repo:acme/web:environment:prod"]);
    // An unprotected environment is no gate.
    let f = one(role(
        "deploy-staging",
        sub_equals(json!("repo:acme/web:environment:staging")),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.severity, Severity::Critical);
    // A repository without that environment: naming it in a job creates it, unprotected.
    let f = one(role(
        "deploy-api-prod",
        sub_equals(json!("repo:acme/api:environment:prod")),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.message.starts_with(
            "any job of acme/api that names a new environment [repo:acme/api:environment:prod]"
        ),
        "{}",
        f.message
    );
}

#[test]
fn main_of_every_repository_and_of_new_ones() {
    let f = one(role(
        "deploy-main",
        sub_like(json!("repo:acme/*:ref:refs/heads/main")),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(
        f.severity,
        Severity::Critical,
        "any member may create a repository and push its main"
    );
    assert!(
        f.message.starts_with(
            "anyone who may create a repository in acme (a new repository has no protected branches or environments) [repo:acme/*:ref:refs/heads/main]"
        ),
        "{}",
        f.message
    );
    let s = subjects(&f);
    assert!(
        s.contains(&"repo:acme/web:ref:refs/heads/main".to_string()),
        "{s:?}"
    );
    assert!(
        s.contains(&"repo:acme/api:ref:refs/heads/main".to_string()),
        "{s:?}"
    );
    let web_main = f.evidence["ways_in"]
        .as_array()
        .expect("ways_in")
        .iter()
        .find(|w| w["subject"] == "repo:acme/web:ref:refs/heads/main")
        .expect("web main");
    assert!(
        web_main["gate"]
            .as_str()
            .is_some_and(|g| g.starts_with("only jobs of branch main")),
        "{web_main}"
    );
    // One named repository's main only: gated by the branch.
    let f = one(role(
        "deploy-web-main",
        sub_equals(json!("repo:acme/web:ref:refs/heads/main")),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.severity, Severity::High);
}

#[test]
fn the_immutable_id_form_is_resolved() {
    let f = one(role(
        "deploy-by-id",
        sub_like(json!("repo:acme@100/web@200:ref:refs/heads/*")),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(subjects(&f), vec!["repo:acme@100/web@200:ref:refs/heads/*"]);
    assert_eq!(f.evidence["ways_in"][0]["workload"], "github:acme/web");
    assert!(
        f.message
            .starts_with("anyone who can push a branch to acme/web"),
        "{}",
        f.message
    );
    // Another repository's id is nobody the scan saw: a repository acme does not have.
    let f = one(role(
        "deploy-other-id",
        sub_equals(json!("repo:acme@100/web@999:ref:refs/heads/main")),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.evidence["ways_in"][0]["workload"], json!(null));
}

#[test]
fn every_value_of_a_sub_list_counts() {
    // The first value is gated; the second is not.
    let f = one(role(
        "deploy-two",
        sub_equals(json!([
            "repo:acme/web:environment:prod",
            "repo:acme/web:pull_request"
        ])),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.message
            .starts_with("anyone who can open a pull request from a branch of acme/web [repo:acme/web:pull_request]"),
        "{}",
        f.message
    );
    assert!(f.message.contains("1 more way in"), "{}", f.message);
}

#[test]
fn an_organization_that_was_not_scanned_is_named() {
    let f = one(role(
        "deploy-partner",
        sub_like(json!("repo:partner/tool:*")),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.message.starts_with(
            "repository partner/tool (organization partner not scanned) [repo:partner/tool:*]"
        ),
        "{}",
        f.message
    );
    assert_eq!(f.evidence["ways_in"][0]["outside_the_scan"], true);
    // A named environment there may be protected; nhi cannot tell.
    let f = one(role(
        "deploy-partner-prod",
        sub_equals(json!("repo:partner/tool:environment:prod")),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.message.contains("whose protection nhi could not read"),
        "{}",
        f.message
    );
    // Any repository on GitHub.
    let f = one(role("deploy-any", sub_like(json!("repo:*")), ADMIN).run(&Rule));
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.evidence["ways_in"]
            .as_array()
            .expect("ways_in")
            .iter()
            .any(|w| w["who"] == "any repository on GitHub"),
        "{}",
        f.evidence
    );
}

#[test]
fn two_hops_to_admin() {
    let assume_admin = r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/admin"}}"#;
    let c = role(
        "ci-api",
        sub_like(json!("repo:acme/api:ref:refs/heads/*")),
        assume_admin,
    )
    .with(
        Case::role("admin")
            .policy(PermissionSource::Managed, "AdministratorAccess", ADMIN)
            .trust(
                r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ci-api"},"Action":"sts:AssumeRole"}}"#,
            ),
    );
    let f = one(c.run(&Rule));
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.message.starts_with(
            "anyone who can push a branch to acme/api [repo:acme/api:ref:refs/heads/*] →[OIDC, trust GitHubActions]→ ci-api →[sts:AssumeRole]→ admin (admin)."
        ),
        "{}",
        f.message
    );
    assert_eq!(
        f.evidence["hops"][0]["to"],
        "arn:aws:iam::111111111111:role/admin"
    );
    assert!(
        c.run(sensitive()).is_empty(),
        "admin paths are the other rule's"
    );
}

#[test]
fn sensitive_without_admin() {
    let c = role("reader", sub_like(json!("repo:acme/web:*")), READ_SECRETS);
    assert!(c.run(&Rule).is_empty());
    let f = one(c.run(sensitive()));
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.message
            .contains("→[OIDC, trust GitHubActions]→ reader (may reach secrets)"),
        "{}",
        f.message
    );
    let gated = role(
        "reader-prod",
        sub_equals(json!("repo:acme/web:environment:prod")),
        READ_SECRETS,
    );
    assert_eq!(one(gated.run(sensitive())).severity, Severity::Medium);
}

#[test]
fn quiet_cases() {
    // Nothing sensitive.
    let c = role("harmless", sub_like(json!("repo:acme/web:*")), NOTHING);
    assert!(c.run(&Rule).is_empty());
    assert!(c.run(sensitive()).is_empty());
    // The token's other claims rule the scanned repository out: the repository of that name
    // belongs to another owner.
    let c = role(
        "pinned-owner",
        json!({
            "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/web:*"},
            "StringEquals": {"token.actions.githubusercontent.com:repository_owner_id": "999"},
        }),
        ADMIN,
    );
    let f = c.run(&Rule);
    assert!(
        f.iter().all(|f| f.evidence["ways_in"]
            .as_array()
            .is_some_and(|w| w.iter().all(|w| w["workload"].is_null()))),
        "{f:#?}"
    );
    assert!(f.is_empty(), "{f:#?}");
    // Not a web-identity trust.
    let c = Case::role("plain")
        .policy(PermissionSource::Managed, "AdministratorAccess", ADMIN)
        .trust(r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#);
    assert!(c.run(&Rule).is_empty());
    // A Deny on web identity in the trust is not an Allow.
    let c = Case::role("denied")
        .policy(PermissionSource::Managed, "AdministratorAccess", ADMIN)
        .trust(
            &json!({"Statement": {
                "Effect": "Deny",
                "Principal": {"Federated": GITHUB},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }})
            .to_string(),
        )
        .workload(acme()[0].clone());
    assert!(c.run(&Rule).is_empty());
}

#[test]
fn no_sub_condition_is_any_workload_of_the_issuer() {
    let f = one(role(
        "no-sub",
        json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}),
        ADMIN,
    )
    .run(&Rule));
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.evidence["ways_in"]
            .as_array()
            .expect("ways_in")
            .iter()
            .any(|w| w["subject"] == "*" && w["outside_the_scan"] == true),
        "{}",
        f.evidence
    );
}

#[test]
fn metadata() {
    assert_eq!(Rule.meta().id, "pipeline-path-to-admin");
    assert_eq!(sensitive().meta().id, "pipeline-path-to-sensitive");
}

/// The join is the issuer's, not GitHub's: a Kubernetes service account whose cluster issues
/// tokens (EKS IRSA: `system:serviceaccount:NS:SA` from the cluster's OIDC provider) reaches a
/// role that trusts that provider, and no other cluster's account does.
#[test]
fn a_service_account_of_an_eks_cluster_joins_the_same_way() {
    const EKS: &str = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
    let account = |ns: &str, sa: &str, issuer: &str| Workload {
        provider: "kubernetes".into(),
        kind: "k8s_service_account".into(),
        id: format!("k8s:prod/{ns}/{sa}"),
        name: format!("{ns}/{sa}"),
        scope: "prod".into(),
        identity: None,
        issuer: format!("https://{issuer}"),
        subject_forms: vec![format!("system:serviceaccount:{ns}:{sa}")],
        runs: vec![nhi_api::WorkloadRun {
            claims: Default::default(),
            who: format!("any pod in namespace {ns} that runs as {sa}"),
            gate: None,
            except: vec![],
        }],
        claims: Default::default(),
        annotated_role: None,
    };
    let f = one(
        Case::role("irsa-deployer")
            .policy(PermissionSource::Inline, "p", ADMIN)
            .trust(
                &json!({"Statement": {
                    "Effect": "Allow",
                    "Principal": {"Federated": format!("arn:aws:iam::111111111111:oidc-provider/{EKS}")},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {
                        format!("{EKS}:aud"): "sts.amazonaws.com",
                        format!("{EKS}:sub"): "system:serviceaccount:ci:deployer",
                    }},
                }})
                .to_string(),
            )
            .workload(account("ci", "deployer", EKS))
            .workload(account("ci", "builder", EKS))
            .workload(account("ci", "deployer", "oidc.eks.eu-west-1.amazonaws.com/id/OTHER"))
            .run(&Rule),
    );
    assert_eq!(subjects(&f), vec!["system:serviceaccount:ci:deployer"]);
    assert!(
        f.message.starts_with(
            "any pod in namespace ci that runs as deployer [system:serviceaccount:ci:deployer] →[OIDC, trust #1]→ irsa-deployer (admin)."
        ),
        "{}",
        f.message
    );
    assert_eq!(f.evidence["ways_in"].as_array().map(Vec::len), Some(1));
    assert_eq!(f.evidence["ways_in"][0]["workload"], "k8s:prod/ci/deployer");
}

/// GitLab CI: group `acme` with `acme/web` (main protected for Maintainers) as the GitLab
/// connector's own normalizer describes it, against roles trusting gitlab.com.
mod gitlab {
    use super::*;
    use nhi_gitlab::normalize::{workloads, ProjectData, ScopeData};
    use nhi_gitlab::types::ProtectedBranch;

    const GITLAB: &str = "arn:aws:iam::111111111111:oidc-provider/gitlab.com";

    fn acme() -> Vec<Workload> {
        let main: ProtectedBranch = serde_json::from_value(json!({
            "name": "main",
            "push_access_levels": [{"access_level": 40}],
            "merge_access_levels": [{"access_level": 40}],
        }))
        .expect("branch");
        workloads(&ScopeData {
            scope: "acme".into(),
            url: "https://gitlab.com".into(),
            projects: vec![ProjectData {
                path: "acme/web".into(),
                id: 7,
                protected_branches: Some(vec![main]),
                ..Default::default()
            }],
            ..Default::default()
        })
    }

    fn role(sub: serde_json::Value) -> Case {
        let mut c = Case::role("deploy-gitlab")
            .policy(PermissionSource::Inline, "p", ADMIN)
            .trust(
                &json!({"Statement": {
                    "Sid": "GitLabCI",
                    "Effect": "Allow",
                    "Principal": {"Federated": GITLAB},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"gitlab.com:aud": "https://gitlab.com"},
                        "StringLike": {"gitlab.com:sub": sub},
                    },
                }})
                .to_string(),
            );
        for w in acme() {
            c = c.workload(w);
        }
        c
    }

    #[test]
    fn any_branch_pipeline_of_a_project_becomes_admin() {
        let f = one(role(json!("project_path:acme/web:ref_type:branch:ref:*")).run(&Rule));
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.message.starts_with(
                "anyone who can push a branch to acme/web (Developer role) [project_path:acme/web:ref_type:branch:ref:*] →[OIDC, trust GitLabCI]→ deploy-gitlab (admin)."
            ),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_protected_branch_is_a_gate_and_another_project_is_not_a_way_in() {
        let f = one(role(json!("project_path:acme/web:ref_type:branch:ref:main")).run(&Rule));
        assert_eq!(f.severity, Severity::High, "{}", f.message);
        assert!(f.message.contains("protected branch main"), "{}", f.message);
        assert!(
            role(json!("project_path:acme/api:ref_type:branch:ref:main"))
                .run(&Rule)
                .iter()
                .all(|f| !f.message.contains("acme/web (Developer"))
        );
    }

    #[test]
    fn any_project_on_gitlab_is_outside_the_scan() {
        let f = one(role(json!("project_path:*")).run(&Rule));
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.message.contains("any project on the GitLab instance"),
            "{}",
            f.message
        );
    }
}

#[test]
fn an_annotated_service_account_joins_its_role_when_the_issuer_is_unknown() {
    const EKS: &str = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
    let account = |sa: &str, role: &str| Workload {
        provider: "kubernetes".into(),
        kind: "k8s_service_account".into(),
        id: format!("k8s:prod/ci/{sa}"),
        name: format!("ci/{sa}"),
        scope: "prod".into(),
        identity: Some(format!("k8s:prod/ci/{sa}")),
        issuer: String::new(),
        subject_forms: vec![format!("system:serviceaccount:ci:{sa}")],
        runs: vec![nhi_api::WorkloadRun {
            claims: Default::default(),
            who: format!("any pod in namespace ci that runs as {sa}"),
            gate: None,
            except: vec![],
        }],
        claims: Default::default(),
        annotated_role: Some(format!("arn:aws:iam::111111111111:role/{role}")),
    };
    let trust = json!({"Statement": {
        "Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::111111111111:oidc-provider/{EKS}")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {format!("{EKS}:sub"): "system:serviceaccount:ci:deployer"}},
    }})
    .to_string();
    let f = one(Case::role("irsa-deployer")
        .policy(PermissionSource::Inline, "p", ADMIN)
        .trust(&trust)
        .workload(account("deployer", "irsa-deployer"))
        // Annotated with another role: no join, even with the trusted subject's name.
        .workload(Workload {
            id: "k8s:other/ci/deployer".into(),
            scope: "other".into(),
            ..account("deployer", "something-else")
        })
        .run(&Rule));
    let ways = f.evidence["ways_in"].as_array().expect("ways");
    assert_eq!(ways.len(), 1, "{ways:?}");
    assert_eq!(ways[0]["workload"], "k8s:prod/ci/deployer");
    assert_eq!(ways[0]["certainty"], "medium");
    assert!(ways[0]["joined_by"]
        .as_str()
        .is_some_and(|s| s.contains("eks.amazonaws.com/role-arn")));
}
