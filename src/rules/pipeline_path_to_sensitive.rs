//! A role that a CI pipeline of another provider can become, and that reaches sensitive
//! capabilities (secrets, data, compute, IAM writes, audit logs) without administrator access.
//! Administrator paths are `pipeline-path-to-admin`'s.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::pipeline::WaysIn;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "pipeline-path-to-sensitive",
    title: "CI pipeline can reach sensitive services",
    category: Category::Exposure,
    severity: Severity::High,
    providers: &["aws", "github", "gitlab"],
    kinds: Kinds::Only(&[kinds::IAM_ROLE]),
    owasp: &[Owasp::InsecureCloudDeployment, Owasp::Overprivileged],
    cis: &[],
    description: "A workload of another provider (a repository's GitHub Actions jobs) can become this role through its OIDC trust, and the role, or a role it can become, may read secrets or data, change data, run code, write IAM or blind the audit trail, without reaching administrator access. High when anyone who can push a branch, open a pull request or name a new environment gets in; medium when every way in is gated.",
    remediation: "Pin the trust's sub condition to a protected environment with required reviewers or a protected branch, and narrow the role to the resources the pipeline deploys.",
    config: &[],
    references: &[
        "https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html",
    ],
};

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let (Some(me), Some(ways)) = (s.node, WaysIn::of(s, ctx)) else {
            return Vec::new();
        };
        let graph = ctx.graph;
        let i = me as usize;
        if graph.dist[i] != u32::MAX {
            return Vec::new();
        }
        let reach = graph.reach[i];
        let names = reach.names();
        if names.is_empty() {
            return Vec::new();
        }
        let path = format!(
            "{} (may reach {})",
            graph.label(me, graph.node(me).account),
            names.join(", ")
        );
        vec![ways.finding(&META, ctx, &path, &[], &names.join(", "))]
    }
}
