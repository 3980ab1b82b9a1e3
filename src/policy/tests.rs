//! Policy evaluation: matching, Denies, boundaries, guardrails, conditions.

use super::*;
use chrono::TimeZone;
use nhi_api::{kinds, providers, Inventory};

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .expect("date")
}

#[test]
fn globs() {
    assert!(glob_match("*", "iam:PassRole"));
    assert!(glob_match("iam:*", "iam:PassRole"));
    assert!(glob_match("IAM:pass*", "iam:PassRole"));
    assert!(glob_match("iam:Put*Policy", "iam:PutRolePolicy"));
    assert!(glob_match("iam:?assRole", "iam:PassRole"));
    assert!(!glob_match("iam:Put*", "iam:PassRole"));
    assert!(!glob_match("s3:*", "iam:PassRole"));
    assert!(glob_match("*:*", "s3:GetObject"));
    assert!(!glob_match("iam:PassRol", "iam:PassRole"));
}

fn identity_with(docs: &[(&str, PermissionSource)]) -> (Identity, Inventory) {
    let mut inv = Inventory::default();
    let mut id = Identity::new(
        providers::AWS,
        kinds::IAM_ROLE,
        "arn:aws:iam::1:role/r",
        "r",
    );
    for (i, (d, source)) in docs.iter().enumerate() {
        let doc: PolicyDocument = serde_json::from_str(d).expect("valid doc");
        let key = inv.intern_policy(doc);
        id.permissions.push(Permission {
            source: *source,
            name: format!("p{i}"),
            arn: None,
            group: None,
            policy: Some(key),
        });
    }
    (id, inv)
}

#[test]
fn grants_combine_across_policies_and_denies_win() {
    let (id, inv) = identity_with(&[
        (
            r#"{"Statement":{"Effect":"Allow","Action":"iam:Pass*","Resource":"*"}}"#,
            PermissionSource::Inline,
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":["lambda:*"],"Resource":"arn:aws:lambda:*:1:function:x"}}"#,
            PermissionSource::Managed,
        ),
        (
            r#"{"Statement":{"Effect":"Deny","Action":"lambda:InvokeFunction","Resource":"*"}}"#,
            PermissionSource::GroupInline,
        ),
    ]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    let pass = e.grant("iam:PassRole").expect("passrole");
    assert!(pass.all_resources);
    assert_eq!(pass.via, vec!["inline:p0".to_string()]);
    let create = e.grant("lambda:CreateFunction").expect("create");
    assert!(!create.all_resources);
    assert_eq!(
        create.resources,
        vec!["arn:aws:lambda:*:1:function:x".to_string()]
    );
    assert!(
        e.grant("lambda:InvokeFunction").is_none(),
        "explicit deny wins"
    );
    assert!(e.grant("s3:GetObject").is_none());
    assert!(e.full_admin_via().is_empty());
}

#[test]
fn not_action_allows_everything_else() {
    let (id, inv) = identity_with(&[(
        r#"{"Statement":{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}}"#,
        PermissionSource::Managed,
    )]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    assert!(e.grant("iam:PassRole").is_none());
    assert!(e.grant("lambda:CreateFunction").is_some());
    assert!(e.grant("ec2:RunInstances").is_some());
    assert_eq!(e.broad().len(), 1);
}

#[test]
fn boundary_caps_and_admin() {
    let admin = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
    let (id, inv) = identity_with(&[(admin, PermissionSource::Managed)]);
    let index = PolicyIndex::build(&inv.policies);
    assert_eq!(
        Effective::of(&id, &index, now()).full_admin_via(),
        vec!["managed:p0".to_string()]
    );

    let (id, inv) = identity_with(&[
        (admin, PermissionSource::Managed),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            PermissionSource::Boundary,
        ),
    ]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    assert!(e.full_admin_via().is_empty(), "boundary caps admin");
    assert!(e.grant("iam:PassRole").is_none(), "boundary caps passrole");
}

#[test]
fn conditional_and_self_scoped_grants_are_marked() {
    let (id, inv) = identity_with(&[
        (
            r#"{"Statement":{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::*:user/${aws:username}"}}"#,
            PermissionSource::Inline,
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}}"#,
            PermissionSource::Inline,
        ),
    ]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    assert!(e.grant("iam:CreateAccessKey").expect("granted").only_self());
    assert!(e.grant("iam:PassRole").expect("granted").conditional);
}

const ADMIN: &str = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

#[test]
fn a_deny_in_another_policy_takes_admin_away() {
    let (id, inv) = identity_with(&[
        (ADMIN, PermissionSource::Managed),
        (
            r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#,
            PermissionSource::Inline,
        ),
    ]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    assert!(e.admin().is_none(), "Allow * beside Deny * is nothing");
    assert!(e.grant("s3:GetObject").is_none());

    // A Deny of the IAM core is not administrator access either.
    let (id, inv) = identity_with(&[
        (ADMIN, PermissionSource::Managed),
        (
            r#"{"Statement":{"Effect":"Deny","Action":"iam:*","Resource":"*"}}"#,
            PermissionSource::GroupManaged,
        ),
    ]);
    let index = PolicyIndex::build(&inv.policies);
    assert!(Effective::of(&id, &index, now()).admin().is_none());

    // A Deny of something else is still admin, with the exception named.
    let (id, inv) = identity_with(&[
        (ADMIN, PermissionSource::Managed),
        (
            r#"{"Statement":{"Sid":"NoBuckets","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}}"#,
            PermissionSource::Inline,
        ),
    ]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    let admin = e.admin().expect("still admin");
    assert!(admin.certain);
    assert_eq!(
        admin.except,
        vec!["inline:p1 NoBuckets: Deny s3:DeleteBucket".to_string()]
    );
}

#[test]
fn conditions_that_can_never_hold_remove_the_grant() {
    let (id, inv) = identity_with(&[(
        r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}}}"#,
        PermissionSource::Managed,
    )]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    assert!(
        e.admin().is_none(),
        "a session issued in 2026 is not before 2020"
    );
    assert!(e.grant("iam:PassRole").is_none());

    // Undecidable (the caller's network): kept, at medium certainty, quoted.
    let (id, inv) = identity_with(&[(
        r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}"#,
        PermissionSource::Managed,
    )]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    let admin = e.admin().expect("maybe admin");
    assert!(!admin.certain);
    assert_eq!(
        admin.conditions,
        vec!["IpAddress aws:SourceIp [10.0.0.0/8]".to_string()]
    );
}

#[test]
fn decisions_on_one_resource() {
    let (id, inv) = identity_with(&[
        (
            r#"{"Statement":[{"Sid":"Pass","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/app-*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}},
               {"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::aws:policy/*"},
               {"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::secret/*"}]}"#,
            PermissionSource::Inline,
        ),
        (
            r#"{"Statement":{"Effect":"Deny","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/app-admin"}}"#,
            PermissionSource::Managed,
        ),
    ]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    let lambda = [(
        "iam:PassedToService",
        Value::Known(vec!["lambda.amazonaws.com".into()]),
    )];
    let ec2 = [(
        "iam:PassedToService",
        Value::Known(vec!["ec2.amazonaws.com".into()]),
    )];
    let d = e.decide("iam:PassRole", "arn:aws:iam::1:role/app-worker", &lambda);
    assert_eq!(d.truth, Truth::True);
    assert_eq!(d.via[0].text(), "inline:p0 Pass");
    assert!(!e
        .decide("iam:PassRole", "arn:aws:iam::1:role/app-worker", &ec2)
        .allowed());
    assert!(!e
        .decide("iam:PassRole", "arn:aws:iam::1:role/other", &lambda)
        .allowed());
    let denied = e.decide("iam:PassRole", "arn:aws:iam::1:role/app-admin", &lambda);
    assert!(!denied.allowed() && denied.denied);
    // AWS-managed policies cannot be versioned by anyone but AWS: a customer policy is not
    // covered.
    assert!(!e
        .decide("iam:CreatePolicyVersion", "arn:aws:iam::1:policy/mine", &[])
        .allowed());
    // NotResource: everything but the listed resources.
    assert!(e
        .decide("s3:GetObject", "arn:aws:s3:::public/x", &[])
        .allowed());
    assert!(!e
        .decide("s3:GetObject", "arn:aws:s3:::secret/x", &[])
        .allowed());
}

#[test]
fn policy_variables_are_filled_from_the_principal() {
    let mut inv = Inventory::default();
    let mut id = Identity::new(
        providers::AWS,
        kinds::IAM_USER,
        "arn:aws:iam::1:user/alice",
        "alice",
    );
    id.scope = "1".into();
    let doc: PolicyDocument = serde_json::from_str(
        r#"{"Statement":{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::*:user/${aws:username}"}}"#,
    )
    .expect("doc");
    id.permissions.push(Permission {
        source: PermissionSource::Inline,
        name: "self".into(),
        arn: None,
        group: None,
        policy: Some(inv.intern_policy(doc)),
    });
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    assert!(e
        .decide("iam:CreateAccessKey", "arn:aws:iam::1:user/alice", &[])
        .allowed());
    assert!(!e
        .decide("iam:CreateAccessKey", "arn:aws:iam::1:user/bob", &[])
        .allowed());
}

#[test]
fn guardrails_cap_every_level() {
    let (id, mut inv) = identity_with(&[(ADMIN, PermissionSource::Managed)]);
    let full: PolicyDocument = serde_json::from_str(ADMIN).expect("doc");
    let deny_iam: PolicyDocument = serde_json::from_str(
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
    )
    .expect("doc");
    let only_s3: PolicyDocument =
        serde_json::from_str(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#)
            .expect("doc");
    let full = inv.intern_policy(full);
    let deny_iam = inv.intern_policy(deny_iam);
    let only_s3 = inv.intern_policy(only_s3);
    let index = PolicyIndex::build(&inv.policies);
    let level = |key: &str| GuardrailLevel {
        target: "r-1",
        policies: vec![("scp:x".into(), index.get(key).expect("compiled"))],
    };
    let ctx = || principal_context(&id, now(), None);
    let e = Effective::with(&id.permissions, &index, vec![level(&full)], ctx());
    assert!(e.admin().is_some(), "FullAWSAccess changes nothing");
    let e = Effective::with(
        &id.permissions,
        &index,
        vec![level(&full), level(&deny_iam)],
        ctx(),
    );
    assert!(e.admin().is_none());
    assert!(e.grant("iam:PassRole").is_none());
    assert!(e.grant("s3:GetObject").is_some());
    let e = Effective::with(
        &id.permissions,
        &index,
        vec![level(&full), level(&only_s3)],
        ctx(),
    );
    assert!(
        e.grant("ec2:RunInstances").is_none(),
        "every level must allow"
    );
    assert!(!e
        .decide("ec2:RunInstances", "arn:aws:ec2:*:1:instance/*", &[])
        .allowed());
}

#[test]
fn uniform_decisions() {
    let (id, inv) = identity_with(&[(
        r#"{"Statement":[{"Effect":"Allow","Action":["iam:PassRole","sts:AssumeRole"],"Resource":"*"},{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::1:role/x"}]}"#,
        PermissionSource::Inline,
    )]);
    let index = PolicyIndex::build(&inv.policies);
    let e = Effective::of(&id, &index, now());
    assert!(e.uniform("iam:PassRole"));
    assert!(!e.uniform("sts:AssumeRole"), "a Deny on one role");
}
