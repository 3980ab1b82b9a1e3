//! Every catalog path, one test each: it fires with exactly its actions and a suitable target,
//! and stays quiet with any one action removed or with no target; and the policy-semantics
//! cases a security engineer would check (Denies elsewhere, boundaries, SCPs, AWS-managed
//! policies, dead conditions, NotAction, groups, split policies).

use super::Rule;
use crate::finding::Confidence;
use crate::privilege::catalog::{self, On, Requirement, Target, Trust};
use crate::rule::testing::Case;
use nhi_api::aws::{
    AwsGroup, AwsOrganization, GuardrailLevel, Guardrails, NamedPolicy, PolicyVersion,
};
use nhi_api::policy::PolicyDocument;
use nhi_api::{ConsoleAccess, Native, Permission, PermissionSource};
use serde_json::{json, Value};

const ACCT: &str = "111111111111";
const ADMIN: &str = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
const HARMLESS: &str =
    r#"{"Statement":{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}}"#;

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:{kind}/{name}")
}

fn path(id: &str) -> &'static catalog::Path {
    catalog::paths()
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("{id} is in the catalog"))
}

/// The attacker a path needs: a user where only users can take it, else a role.
fn attacker(p: &catalog::Path) -> Case {
    let user = match &p.target {
        Target::Itself { principal_types } => principal_types.first().is_some_and(|t| t == "user"),
        Target::Group => true,
        _ => false,
    };
    if user {
        Case::user("attacker")
    } else {
        Case::role("attacker")
    }
}

/// Attach a managed policy (by ARN, with a document) to a case.
fn managed(mut c: Case, name: &str, policy_arn: &str, doc: &str) -> Case {
    let doc: PolicyDocument = serde_json::from_str(doc).expect("test policy");
    let key = c.inventory.intern_policy(doc);
    c.identity.permissions.push(Permission {
        source: PermissionSource::Managed,
        name: name.into(),
        arn: Some(policy_arn.into()),
        group: None,
        policy: Some(key),
    });
    c
}

/// A path's scenario: the attacker with the path's actions (all but `drop`), and the target
/// when `target` is set.
fn scenario(p: &catalog::Path, drop: Option<usize>, target: bool) -> Case {
    let mut c = attacker(p);
    let me = c.identity.id.clone();
    let victim_kind = match &p.target {
        Target::User { .. } => "user",
        Target::Group => "group",
        _ => "role",
    };
    let victim = arn(victim_kind, "victim");
    let statements: Vec<Value> = p
        .actions
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != drop)
        .map(|(_, a)| {
            let resource = match a.on {
                On::Any => "*".to_string(),
                On::Target => victim.clone(),
                On::Itself => me.clone(),
                On::OwnGroup => arn("group", "attacker-group"),
                On::OwnPolicy => arn("policy", "attacker-policy"),
                On::TargetPolicy => arn("policy", "victim-policy"),
            };
            json!({"Effect": "Allow", "Action": a.action, "Resource": resource})
        })
        .collect();
    c = c.policy(
        PermissionSource::Inline,
        "grant",
        &json!({ "Statement": statements }).to_string(),
    );
    if p.actions.iter().any(|a| a.on == On::OwnPolicy) {
        c = managed(
            c,
            "attacker-policy",
            &arn("policy", "attacker-policy"),
            HARMLESS,
        );
        c.inventory.aws.policy_versions.insert(
            arn("policy", "attacker-policy"),
            vec![PolicyVersion {
                version_id: "v1".into(),
                policy: None,
            }],
        );
    }
    if p.actions.iter().any(|a| a.on == On::OwnGroup) {
        if let Native::AwsUser { groups, .. } = &mut c.identity.native {
            groups.push("attacker-group".into());
        }
        c.inventory.aws.groups.push(AwsGroup {
            arn: arn("group", "attacker-group"),
            name: "attacker-group".into(),
            account: ACCT.into(),
            permissions: Vec::new(),
        });
    }
    if !target {
        return c;
    }
    let admin_policy = "arn:aws:iam::aws:policy/AdministratorAccess";
    match &p.target {
        Target::Itself { .. } | Target::None => c,
        Target::Group => {
            let doc: PolicyDocument = serde_json::from_str(ADMIN).expect("admin");
            let key = c.inventory.intern_policy(doc);
            c.inventory.aws.groups.push(AwsGroup {
                arn: victim,
                name: "victim".into(),
                account: ACCT.into(),
                permissions: vec![Permission {
                    source: PermissionSource::GroupManaged,
                    name: "AdministratorAccess".into(),
                    arn: Some(admin_policy.into()),
                    group: Some("victim".into()),
                    policy: Some(key),
                }],
            });
            c
        }
        Target::User { requires, .. } => {
            let mut v = managed(
                Case::user("victim"),
                "AdministratorAccess",
                admin_policy,
                ADMIN,
            );
            let password = requires.contains(&Requirement::HasLoginProfile);
            if let Native::AwsUser { console, .. } = &mut v.identity.native {
                *console = Some(ConsoleAccess {
                    password_enabled: password,
                    ..Default::default()
                });
            }
            if p.actions.iter().any(|a| a.on == On::TargetPolicy) {
                v = managed(
                    v,
                    "victim-policy",
                    &arn("policy", "victim-policy"),
                    HARMLESS,
                );
            }
            c.with(v)
        }
        Target::Role { trust, .. } => {
            // Trust to the account root: the attacker's own policies must allow sts:AssumeRole
            // (a trust naming the attacker itself would need none; tested apart).
            let trusted = match trust {
                Trust::Existing => json!({"AWS": format!("arn:aws:iam::{ACCT}:root")}),
                Trust::Rewritten => json!({"Service": "ec2.amazonaws.com"}),
            };
            let mut v = managed(Case::role("victim"), "AdministratorAccess", admin_policy, ADMIN)
                .trust(&json!({"Statement": {"Effect": "Allow", "Principal": trusted, "Action": "sts:AssumeRole"}}).to_string());
            if p.actions.iter().any(|a| a.on == On::TargetPolicy) {
                v = managed(
                    v,
                    "victim-policy",
                    &arn("policy", "victim-policy"),
                    HARMLESS,
                );
            }
            c.with(v)
        }
        Target::PassedRole {
            services,
            instance_profile,
        }
        | Target::ServiceRole {
            services,
            instance_profile,
            ..
        } => {
            let mut v = managed(Case::role("victim"), "AdministratorAccess", admin_policy, ADMIN)
                .trust(&json!({"Statement": {"Effect": "Allow", "Principal": {"Service": services[0]}, "Action": "sts:AssumeRole"}}).to_string());
            if *instance_profile {
                if let Native::AwsRole {
                    instance_profiles, ..
                } = &mut v.identity.native
                {
                    instance_profiles.push("victim-profile".into());
                }
            }
            c.with(v)
        }
    }
}

/// The escalation paths a case reports, by catalog id, with the first target of each.
fn reported(c: &Case) -> Vec<(String, String, Confidence)> {
    c.run(&Rule)
        .iter()
        .flat_map(|f| {
            f.evidence["paths"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |p| {
                    (
                        p["id"].as_str().unwrap_or("").to_string(),
                        p["targets"][0]["arn"].as_str().unwrap_or("").to_string(),
                        f.confidence,
                    )
                })
        })
        .collect()
}

/// A path fires with exactly its actions and a target, and is quiet without any one of them
/// or without a target.
fn check_path(id: &str) {
    let p = path(id);
    let full = scenario(p, None, true);
    let found = reported(&full);
    let hit = found.iter().find(|(i, _, _)| i == id);
    let expected_target = match p.target {
        Target::Itself { .. } => full.identity.id.clone(),
        Target::Group => arn("group", "victim"),
        Target::User { .. } => arn("user", "victim"),
        _ => arn("role", "victim"),
    };
    match hit {
        Some((_, target, confidence)) => {
            assert_eq!(target, &expected_target, "{id}: reaches the planted target");
            if p.judgement == catalog::Judgement::Resources {
                assert_eq!(
                    *confidence,
                    Confidence::Medium,
                    "{id}: judged on roles that could be behind a resource"
                );
            }
        }
        None => {
            panic!("{id} does not fire with exactly its actions and a target; reported: {found:?}")
        }
    }
    for (i, a) in p.actions.iter().enumerate() {
        let found = reported(&scenario(p, Some(i), true));
        assert!(
            !found.iter().any(|(x, _, _)| x == id),
            "{id} still fires without {}: {found:?}",
            a.action
        );
    }
    if !matches!(p.target, Target::Itself { .. }) {
        let found = reported(&scenario(p, None, false));
        assert!(
            !found.iter().any(|(x, _, _)| x == id),
            "{id} fires with no target in the estate: {found:?}"
        );
    }
}

macro_rules! catalog_tests {
    ($($name:ident => $id:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check_path($id);
            }
        )*

        #[test]
        fn every_catalog_path_has_its_test() {
            let tested = [$($id),*];
            let catalog: Vec<&str> = catalog::paths().iter().map(|p| p.id.as_str()).collect();
            assert_eq!(catalog, tested.to_vec());
        }
    };
}

catalog_tests!(
    apprunner_001 => "apprunner-001",
    apprunner_002 => "apprunner-002",
    batch_001 => "batch-001",
    batch_002 => "batch-002",
    batch_003 => "batch-003",
    bedrock_001 => "bedrock-001",
    bedrock_002 => "bedrock-002",
    bedrock_003 => "bedrock-003",
    bedrock_004 => "bedrock-004",
    bedrock_005 => "bedrock-005",
    bedrock_006 => "bedrock-006",
    bedrock_007 => "bedrock-007",
    braket_001 => "braket-001",
    cloudformation_001 => "cloudformation-001",
    cloudformation_002 => "cloudformation-002",
    cloudformation_003 => "cloudformation-003",
    cloudformation_004 => "cloudformation-004",
    cloudformation_005 => "cloudformation-005",
    codebuild_001 => "codebuild-001",
    codebuild_002 => "codebuild-002",
    codebuild_003 => "codebuild-003",
    codebuild_004 => "codebuild-004",
    codedeploy_001 => "codedeploy-001",
    cognitoidentity_001 => "cognitoidentity-001",
    datapipeline_001 => "datapipeline-001",
    ec2_001 => "ec2-001",
    ec2_002 => "ec2-002",
    ec2_003 => "ec2-003",
    ec2_004 => "ec2-004",
    ec2_005 => "ec2-005",
    ecs_001 => "ecs-001",
    ecs_002 => "ecs-002",
    ecs_003 => "ecs-003",
    ecs_004 => "ecs-004",
    ecs_005 => "ecs-005",
    ecs_006 => "ecs-006",
    ecs_007 => "ecs-007",
    ecs_008 => "ecs-008",
    ecs_009 => "ecs-009",
    emr_001 => "emr-001",
    emrserverless_001 => "emrserverless-001",
    gamelift_001 => "gamelift-001",
    glue_001 => "glue-001",
    glue_003 => "glue-003",
    glue_004 => "glue-004",
    glue_005 => "glue-005",
    glue_006 => "glue-006",
    glue_007 => "glue-007",
    iam_001 => "iam-001",
    iam_002 => "iam-002",
    iam_003 => "iam-003",
    iam_004 => "iam-004",
    iam_005 => "iam-005",
    iam_006 => "iam-006",
    iam_007 => "iam-007",
    iam_008 => "iam-008",
    iam_009 => "iam-009",
    iam_010 => "iam-010",
    iam_011 => "iam-011",
    iam_012 => "iam-012",
    iam_013 => "iam-013",
    iam_014 => "iam-014",
    iam_015 => "iam-015",
    iam_016 => "iam-016",
    iam_017 => "iam-017",
    iam_018 => "iam-018",
    iam_019 => "iam-019",
    iam_020 => "iam-020",
    iam_021 => "iam-021",
    imagebuilder_001 => "imagebuilder-001",
    kinesisanalytics_001 => "kinesisanalytics-001",
    lambda_001 => "lambda-001",
    lambda_002 => "lambda-002",
    lambda_003 => "lambda-003",
    lambda_004 => "lambda-004",
    lambda_005 => "lambda-005",
    lambda_006 => "lambda-006",
    nhi_001 => "nhi-001",
    nhi_002 => "nhi-002",
    nhi_003 => "nhi-003",
    nhi_004 => "nhi-004",
    omics_001 => "omics-001",
    sagemaker_001 => "sagemaker-001",
    sagemaker_002 => "sagemaker-002",
    sagemaker_004 => "sagemaker-004",
    sagemaker_005 => "sagemaker-005",
    ssm_001 => "ssm-001",
    ssm_002 => "ssm-002",
    ssm_003 => "ssm-003",
    sts_001 => "sts-001"
);

/// A role that trusts lambda.amazonaws.com and is an administrator.
fn lambda_admin() -> Case {
    managed(
        Case::role("lambda-admin"),
        "AdministratorAccess",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        ADMIN,
    )
    .trust(r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}"#)
}

const PASS: &str = r#"{"Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}}"#;
const LAMBDA: &str = r#"{"Statement":{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}}"#;

fn ids(c: &Case) -> Vec<String> {
    reported(c).into_iter().map(|(i, _, _)| i).collect()
}

#[test]
fn a_path_split_over_two_policies_is_found() {
    let c = Case::role("ci")
        .policy(PermissionSource::Inline, "pass", PASS)
        .policy(PermissionSource::Managed, "lambda", LAMBDA)
        .with(lambda_admin());
    assert!(ids(&c).contains(&"lambda-001".to_string()));
    let f = c.run(&Rule);
    assert_eq!(
        f[0].severity,
        crate::finding::Severity::Critical,
        "certain path to admin"
    );
    assert!(
        f[0].message.contains("ci →[iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction]→ lambda-admin (admin)"),
        "{}",
        f[0].message
    );
    let hop = &f[0].evidence["paths"][0]["hop"];
    assert_eq!(hop["grants"][0]["via"][0], "inline:pass #1");
    assert_eq!(hop["to"], "arn:aws:iam::111111111111:role/lambda-admin");
}

#[test]
fn a_deny_in_another_policy_removes_the_path() {
    let deny = r#"{"Statement":{"Effect":"Deny","Action":"iam:PassRole","Resource":"*"}}"#;
    let c = Case::role("ci")
        .policy(PermissionSource::Inline, "pass", PASS)
        .policy(PermissionSource::Managed, "lambda", LAMBDA)
        .policy(PermissionSource::Managed, "guard", deny)
        .with(lambda_admin());
    assert!(ids(&c).is_empty(), "{:?}", ids(&c));
}

#[test]
fn a_boundary_caps_the_path() {
    let base = Case::role("ci")
        .policy(PermissionSource::Inline, "pass", PASS)
        .policy(PermissionSource::Managed, "lambda", LAMBDA);
    let capped = base
        .policy(
            PermissionSource::Boundary,
            "boundary",
            r#"{"Statement":{"Effect":"Allow","Action":["lambda:*","s3:*"],"Resource":"*"}}"#,
        )
        .with(lambda_admin());
    assert!(ids(&capped).is_empty());
}

#[test]
fn an_scp_deny_on_the_account_neutralizes_the_path() {
    let build = |deny: bool| {
        let mut c = Case::role("ci")
            .policy(PermissionSource::Inline, "pass", PASS)
            .policy(PermissionSource::Managed, "lambda", LAMBDA)
            .with(lambda_admin());
        let full: PolicyDocument = serde_json::from_str(ADMIN).expect("doc");
        let guard: PolicyDocument = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:PassRole","Resource":"*"}]}"#,
        )
        .expect("doc");
        let full = c.inventory.intern_policy(full);
        let guard = c.inventory.intern_policy(guard);
        let level = |target: &str, name: &str, key: &str| GuardrailLevel {
            target: target.into(),
            policies: vec![NamedPolicy {
                id: format!("p-{name}"),
                name: name.into(),
                policy: Some(key.into()),
            }],
        };
        let mut scp = vec![level("r-root", "FullAWSAccess", &full)];
        if deny {
            scp.push(level("ou-prod", "DenyPassRole", &guard));
        }
        c.inventory.aws.organizations.push(AwsOrganization {
            id: "o-test".into(),
            management_account: Some("999999999999".into()),
            origin: "test".into(),
            accounts: [(
                ACCT.to_string(),
                Guardrails {
                    scp,
                    rcp: Vec::new(),
                },
            )]
            .into(),
        });
        c
    };
    assert!(ids(&build(false)).contains(&"lambda-001".to_string()));
    assert!(ids(&build(true)).is_empty(), "{:?}", ids(&build(true)));
}

#[test]
fn aws_managed_policies_cannot_be_versioned() {
    let versioned = |resource: &str| {
        let mut c = managed(
            Case::user("ci"),
            "mine",
            &arn("policy", "mine"),
            HARMLESS,
        )
        .policy(
            PermissionSource::Inline,
            "v",
            &json!({"Statement": {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": resource}}).to_string(),
        );
        c.inventory.aws.policy_versions.clear();
        c
    };
    assert!(ids(&versioned("arn:aws:iam::aws:policy/*")).is_empty());
    assert!(ids(&versioned(&arn("policy", "*"))).contains(&"iam-001".to_string()));
}

#[test]
fn a_condition_that_can_never_hold_removes_the_grant() {
    let dated = |date: &str| {
        Case::role("ci")
            .policy(
                PermissionSource::Inline,
                "pass",
                &json!({"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": date}}}})
                .to_string(),
            )
            .policy(PermissionSource::Managed, "lambda", LAMBDA)
            .with(lambda_admin())
    };
    assert!(ids(&dated("2020-01-01T00:00:00Z")).is_empty());
    assert!(ids(&dated("2030-01-01T00:00:00Z")).contains(&"lambda-001".to_string()));
}

#[test]
fn undecidable_conditions_keep_the_path_at_medium_confidence() {
    let c = Case::role("ci")
        .policy(
            PermissionSource::Inline,
            "pass",
            r#"{"Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}"#,
        )
        .policy(PermissionSource::Managed, "lambda", LAMBDA)
        .with(lambda_admin());
    let f = c.run(&Rule);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].confidence, Confidence::Medium);
    assert_eq!(
        f[0].evidence["paths"][0]["conditions"][0],
        "IpAddress aws:SourceIp [10.0.0.0/8]"
    );
}

#[test]
fn passed_to_service_conditions_are_decided() {
    let to = |service: &str| {
        Case::role("ci")
            .policy(
                PermissionSource::Inline,
                "pass",
                &json!({"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PassedToService": service}}}})
                .to_string(),
            )
            .policy(PermissionSource::Managed, "lambda", LAMBDA)
            .with(lambda_admin())
    };
    assert!(ids(&to("lambda.amazonaws.com")).contains(&"lambda-001".to_string()));
    assert!(ids(&to("ec2.amazonaws.com")).is_empty());
}

#[test]
fn not_action_allows_everything_else() {
    let c = Case::role("ci")
        .policy(
            PermissionSource::Inline,
            "broad",
            r#"{"Statement":{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}}"#,
        )
        .with(lambda_admin());
    let found = ids(&c);
    assert!(found.contains(&"lambda-001".to_string()), "{found:?}");
    assert!(found.contains(&"iam-005".to_string()), "{found:?}");
    let quiet = Case::role("ci").policy(
        PermissionSource::Inline,
        "broad",
        r#"{"Statement":{"Effect":"Allow","NotAction":["iam:*","sts:*"],"Resource":"*"}}"#,
    );
    assert!(ids(&quiet).is_empty(), "{:?}", ids(&quiet));
}

#[test]
fn a_path_through_a_group_is_found() {
    let mut c = Case::user("ci").with(lambda_admin());
    let pass: PolicyDocument = serde_json::from_str(PASS).expect("doc");
    let lambda: PolicyDocument = serde_json::from_str(LAMBDA).expect("doc");
    let pass = c.inventory.intern_policy(pass);
    let lambda = c.inventory.intern_policy(lambda);
    for (name, key) in [("pass", pass), ("lambda", lambda)] {
        c.identity.permissions.push(Permission {
            source: PermissionSource::GroupInline,
            name: name.into(),
            arn: None,
            group: Some("deployers".into()),
            policy: Some(key),
        });
    }
    let f = c.run(&Rule);
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].evidence["paths"][0]["hop"]["grants"][0]["via"][0],
        "group_inline:deployers/pass #1"
    );
}

#[test]
fn self_scoped_key_creation_is_not_a_path() {
    let c = Case::user("ci")
        .policy(
            PermissionSource::Inline,
            "self",
            r#"{"Statement":{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateLoginProfile"],"Resource":"arn:aws:iam::*:user/${aws:username}"}}"#,
        )
        .with(managed(
            Case::user("admin-bot"),
            "AdministratorAccess",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            ADMIN,
        ));
    assert!(ids(&c).is_empty(), "{:?}", ids(&c));
}

#[test]
fn quiet_for_read_only_and_for_admins() {
    let ro = Case::role("ro").policy(
        PermissionSource::Inline,
        "ro",
        r#"{"Statement":{"Effect":"Allow","Action":["iam:Get*","iam:List*","s3:GetObject"],"Resource":"*"}}"#,
    );
    assert!(ro.run(&Rule).is_empty());
    let admin = Case::role("admin")
        .policy(PermissionSource::Inline, "all", ADMIN)
        .with(lambda_admin());
    assert!(admin.run(&Rule).is_empty());
}

#[test]
fn no_target_worth_passing_is_no_path() {
    // The only role trusting Lambda can do less than the principal already can.
    let weak = Case::role("lambda-weak").trust(
        r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}"#,
    );
    let c = Case::role("ci")
        .policy(PermissionSource::Inline, "pass", PASS)
        .policy(PermissionSource::Managed, "lambda", LAMBDA)
        .with(weak);
    assert!(ids(&c).is_empty(), "{:?}", ids(&c));
}

#[test]
fn a_trust_naming_the_principal_needs_no_permission_of_its_own() {
    let admin_trusting = |who: &str| {
        managed(Case::role("top"), "AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess", ADMIN)
            .trust(&json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": who}, "Action": "sts:AssumeRole"}}).to_string())
    };
    // Named by ARN in the same account: no sts:AssumeRole needed in its own policies.
    let named = Case::role("ci")
        .policy(PermissionSource::Inline, "nothing", HARMLESS)
        .with(admin_trusting(&arn("role", "ci")));
    assert!(
        ids(&named).contains(&"sts-001".to_string()),
        "{:?}",
        ids(&named)
    );
    // Unless its own policies deny it.
    let denied = Case::role("ci")
        .policy(PermissionSource::Inline, "nothing", HARMLESS)
        .policy(
            PermissionSource::Managed,
            "guard",
            r#"{"Statement":{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}}"#,
        )
        .with(admin_trusting(&arn("role", "ci")));
    assert!(ids(&denied).is_empty(), "{:?}", ids(&denied));
    // Trust to the account root: its own policies decide.
    let root = Case::role("ci")
        .policy(PermissionSource::Inline, "nothing", HARMLESS)
        .with(admin_trusting(&format!("arn:aws:iam::{ACCT}:root")));
    assert!(ids(&root).is_empty());
}
