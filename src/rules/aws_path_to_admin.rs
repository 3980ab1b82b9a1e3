//! A principal that can reach administrator access in several steps.
//!
//! One escalation path is `aws-privilege-escalation`. Attackers chain them: a CI user may
//! assume a deploy role, which may pass an administrator role to a new Lambda function. Each
//! step alone looks harmless. The privilege graph joins every scanned account's principals and
//! finds the shortest chain to administrator access; the finding gives it hop by hop, with the
//! statements that allow each step. Critical when the start can be reached from outside the
//! scanned estate (another account, a federated identity provider, anyone).

use crate::finding::{Category, Confidence, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::privilege::Certainty;
use crate::rule::facts::IAM_PRINCIPALS;
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "aws-path-to-admin",
    title: "Path to administrator access",
    category: Category::OverPrivilege,
    severity: Severity::High,
    providers: &["aws"],
    kinds: Kinds::Only(IAM_PRINCIPALS),
    owasp: &[Owasp::Overprivileged, Owasp::InsecureCloudDeployment],
    cis: &[],
    description: "The identity is not an administrator, but a chain of two or more steps (assuming a role, then an escalation path, ...) across the scanned accounts ends in administrator access. Critical when someone outside the scanned estate can become the identity.",
    remediation: "Break the chain at its weakest link: usually the first hop's statement (named in the evidence), or the trust policy that lets the next role be assumed. Scope sts:AssumeRole and iam:PassRole to the roles the workload needs.",
    config: &[],
    references: &[
        "https://pathfinding.cloud",
        "https://github.com/nccgroup/PMapper",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(me) = s.node else {
            return Vec::new();
        };
        let graph = ctx.graph;
        let hops = graph.path_to_admin(me);
        // One hop is an escalation path of its own.
        if hops.len() < 2 {
            return Vec::new();
        }
        let external = &graph.node(me).external;
        let severity = if external.is_empty() {
            META.severity
        } else {
            Severity::Critical
        };
        let certain = hops
            .iter()
            .all(|h| graph.route(h).certainty == Certainty::High);
        let last = hops.last().map(|h| graph.node(h.to).account).unwrap_or("");
        let mut message = format!(
            "Reaches administrator access{} in {} steps: {}.",
            if last == graph.node(me).account {
                String::new()
            } else {
                format!(" in account {last}")
            },
            hops.len(),
            graph.path_line(&hops)
        );
        if !external.is_empty() {
            message.push_str(&format!(
                " It can be assumed from outside the scanned estate ({}).",
                external.join(", ")
            ));
        }
        vec![Finding::new(&META, message)
            .severity(severity)
            .confidence(if certain {
                Confidence::High
            } else {
                Confidence::Medium
            })
            .evidence(json!({
                "hops": hops.iter().map(|h| graph.hop_json(ctx.estate, h)).collect::<Vec<_>>(),
                "admin_account": last,
                "reachable_from_outside": external,
                "may_assume_beyond_the_scan": graph.node(me).beyond,
            }))]
    }
}

#[cfg(test)]
mod tests {
    use super::Rule;
    use crate::finding::{Confidence, Severity};
    use crate::rule::testing::Case;
    use nhi_api::PermissionSource;
    use serde_json::json;

    const ADMIN: &str = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
    const ASSUME_ANY: &str =
        r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}"#;

    /// A role in `account` trusting `principal` (an ARN or an account root) for sts:AssumeRole,
    /// with extra trust conditions.
    fn role_in(account: &str, name: &str, principal: &str, condition: serde_json::Value) -> Case {
        let mut c = Case::role(name);
        c.identity.id = format!("arn:aws:iam::{account}:role/{name}");
        c.identity.scope = account.into();
        let mut st =
            json!({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"});
        if !condition.is_null() {
            st["Condition"] = condition;
        }
        c.trust(&json!({ "Statement": st }).to_string())
    }

    fn arn(name: &str) -> String {
        format!("arn:aws:iam::111111111111:role/{name}")
    }

    #[test]
    fn two_hop_chain_through_a_passrole_path() {
        let c = Case::role("ci")
            .policy(PermissionSource::Inline, "assume", ASSUME_ANY)
            .with(
                role_in("111111111111", "deployer", &arn("ci"), json!(null)).policy(
                    PermissionSource::Inline,
                    "deploy",
                    r#"{"Statement":{"Effect":"Allow","Action":["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}}"#,
                ),
            )
            .with(
                Case::role("lambda-admin")
                    .policy(PermissionSource::Managed, "AdministratorAccess", ADMIN)
                    .trust(r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}"#),
            );
        let f = c.run(&Rule);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].message.contains(
                "ci →[sts:AssumeRole]→ deployer →[iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction]→ lambda-admin (admin)"
            ),
            "{}",
            f[0].message
        );
        let hops = f[0].evidence["hops"].as_array().expect("hops");
        assert_eq!(hops.len(), 2);
        assert_eq!(hops[0]["grants"][0]["via"][0], "inline:assume #1");
        assert_eq!(hops[1]["path"], "lambda-001");
    }

    #[test]
    fn three_hop_role_chain() {
        let c = Case::role("ci")
            .policy(PermissionSource::Inline, "assume", ASSUME_ANY)
            .with(
                role_in("111111111111", "r1", &arn("ci"), json!(null)).policy(
                    PermissionSource::Inline,
                    "a",
                    ASSUME_ANY,
                ),
            )
            .with(
                role_in("111111111111", "r2", &arn("r1"), json!(null)).policy(
                    PermissionSource::Inline,
                    "a",
                    ASSUME_ANY,
                ),
            )
            .with(
                role_in("111111111111", "top", &arn("r2"), json!(null)).policy(
                    PermissionSource::Managed,
                    "admin",
                    ADMIN,
                ),
            );
        let f = c.run(&Rule);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].evidence["hops"].as_array().map(Vec::len), Some(3));
        assert!(
            f[0].message.contains(
                "ci →[sts:AssumeRole]→ r1 →[sts:AssumeRole]→ r2 →[sts:AssumeRole]→ top (admin)"
            ),
            "{}",
            f[0].message
        );
        // Quiet when the chain is broken in the middle: r2 no longer trusts r1.
        let broken = Case::role("ci")
            .policy(PermissionSource::Inline, "assume", ASSUME_ANY)
            .with(
                role_in("111111111111", "r1", &arn("ci"), json!(null)).policy(
                    PermissionSource::Inline,
                    "a",
                    ASSUME_ANY,
                ),
            )
            .with(
                role_in("111111111111", "r2", &arn("someone-else"), json!(null)).policy(
                    PermissionSource::Inline,
                    "a",
                    ASSUME_ANY,
                ),
            )
            .with(
                role_in("111111111111", "top", &arn("r2"), json!(null)).policy(
                    PermissionSource::Managed,
                    "admin",
                    ADMIN,
                ),
            );
        assert!(broken.run(&Rule).is_empty());
    }

    #[test]
    fn cross_account_with_and_without_external_id() {
        let chain = |condition: serde_json::Value| {
            Case::role("ci")
                .policy(PermissionSource::Inline, "assume", ASSUME_ANY)
                .with(
                    role_in(
                        "222222222222",
                        "partner",
                        "arn:aws:iam::111111111111:root",
                        condition,
                    )
                    .policy(PermissionSource::Inline, "a", ASSUME_ANY),
                )
                .with(
                    role_in(
                        "222222222222",
                        "partner-admin",
                        "arn:aws:iam::222222222222:role/partner",
                        json!(null),
                    )
                    .policy(PermissionSource::Managed, "admin", ADMIN),
                )
        };
        let open = chain(json!(null)).run(&Rule);
        assert_eq!(open.len(), 1, "{open:?}");
        assert_eq!(open[0].confidence, Confidence::High);
        assert!(
            open[0].message.contains("in account 222222222222"),
            "{}",
            open[0].message
        );
        let gated = chain(json!({"StringEquals": {"sts:ExternalId": "s3cr3t"}})).run(&Rule);
        assert_eq!(gated.len(), 1, "{gated:?}");
        assert_eq!(
            gated[0].confidence,
            Confidence::Medium,
            "the external id is not known to nhi"
        );
    }

    #[test]
    fn a_trust_to_the_account_root_leaves_it_to_the_identity_policy() {
        let chain = |identity: &str| {
            Case::role("ci")
                .policy(PermissionSource::Inline, "assume", identity)
                .with(
                    role_in(
                        "111111111111",
                        "hub",
                        "arn:aws:iam::111111111111:root",
                        json!(null),
                    )
                    .policy(PermissionSource::Inline, "a", ASSUME_ANY),
                )
                .with(
                    role_in("111111111111", "top", &arn("hub"), json!(null)).policy(
                        PermissionSource::Managed,
                        "admin",
                        ADMIN,
                    ),
                )
        };
        assert_eq!(chain(ASSUME_ANY).run(&Rule).len(), 1);
        let only_other = r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/elsewhere"}}"#;
        assert!(chain(only_other).run(&Rule).is_empty());
    }

    #[test]
    fn critical_when_the_start_is_reachable_from_outside() {
        let c = role_in(
            "111111111111",
            "ci",
            "arn:aws:iam::333333333333:root",
            json!(null),
        )
        .policy(PermissionSource::Inline, "assume", ASSUME_ANY)
        .with(
            role_in("111111111111", "r1", &arn("ci"), json!(null)).policy(
                PermissionSource::Inline,
                "a",
                ASSUME_ANY,
            ),
        )
        .with(
            role_in("111111111111", "top", &arn("r1"), json!(null)).policy(
                PermissionSource::Managed,
                "admin",
                ADMIN,
            ),
        );
        let f = c.run(&Rule);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(
            f[0].evidence["reachable_from_outside"][0],
            "account 333333333333 (not scanned)"
        );
    }

    #[test]
    fn one_hop_is_left_to_the_escalation_rule() {
        let c = Case::role("ci")
            .policy(PermissionSource::Inline, "assume", ASSUME_ANY)
            .with(
                role_in("111111111111", "top", &arn("ci"), json!(null)).policy(
                    PermissionSource::Managed,
                    "admin",
                    ADMIN,
                ),
            );
        assert!(c.run(&Rule).is_empty());
        let escalation = crate::rules::all()
            .into_iter()
            .find(|r| r.meta().id == "aws-privilege-escalation")
            .expect("the escalation rule");
        assert_eq!(c.run(escalation).len(), 1);
    }
}
