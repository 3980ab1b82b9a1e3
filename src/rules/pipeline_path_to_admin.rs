//! A role that a CI pipeline of another provider can become, and that is, or leads to,
//! administrator access.
//!
//! The build pipeline's identity is the way in: a workflow of any branch of a repository
//! presents a GitHub Actions OIDC token, the role's trust admits its subject, and the role is
//! an administrator or reaches one through the privilege graph. Each way in is resolved against
//! what the scan saw of the repository (its environments and their protection, the
//! organization's subject template): "anyone who can push a branch to acme/web", "any job of
//! acme/web that deploys to environment prod (required reviewers)", "any repository on GitHub".
//! Critical when any contributor can trigger it; high, saying why, when every way in is gated.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::pipeline::WaysIn;
use crate::rule::{Ctx, Subject};
use nhi_api::kinds;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "pipeline-path-to-admin",
    title: "CI pipeline can become an administrator",
    category: Category::Exposure,
    severity: Severity::Critical,
    providers: &["aws", "github", "gitlab"],
    kinds: Kinds::Only(&[kinds::IAM_ROLE]),
    owasp: &[Owasp::InsecureCloudDeployment, Owasp::Overprivileged],
    cis: &[],
    description: "A workload of another provider (a repository's GitHub Actions jobs) can become this role through its OIDC trust, and the role is an administrator or reaches administrator access through the privilege graph. Critical when anyone who can push a branch, open a pull request or name a new environment gets in; high when every way in is gated (an environment with required reviewers, a single branch).",
    remediation: "Pin the trust's sub condition to a protected environment with required reviewers (repo:OWNER/REPO:environment:NAME) or to a protected branch, never a wildcard; prefer the immutable owner@id/repo@id form. Then take administrator access away from the deploy role: grant what the pipeline deploys, and scope sts:AssumeRole and iam:PassRole.",
    config: &[],
    references: &[
        "https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services",
        "https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect",
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
        let account = graph.node(me).account;
        if graph.dist[me as usize] == 0 {
            let path = format!("{} (admin)", graph.label(me, account));
            return vec![ways.finding(&META, ctx, &path, &[], "administrator")];
        }
        let hops = graph.path_to_admin(me);
        if hops.is_empty() {
            return Vec::new();
        }
        let last = hops.last().map(|h| graph.node(h.to).account).unwrap_or("");
        let outcome = if last == account {
            "administrator".to_string()
        } else {
            format!("administrator in account {last}")
        };
        vec![ways.finding(&META, ctx, &graph.path_line(&hops), &hops, &outcome)]
    }
}

#[cfg(test)]
mod tests;
