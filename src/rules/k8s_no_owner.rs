//! A service account nobody answers for: no owner-like label or annotation on it or on its
//! namespace.
//!
//! The keys are the ones `ownership.owner_tag_keys` names for every provider (`owner`, `team`,
//! ...), compared without regard to case, also after a prefix (`example.com/owner`). Not judged
//! when the namespaces were not read, nor for a `default` account that holds nothing.

use crate::finding::{Category, Finding, Kinds, Owasp, RuleMeta, Severity};
use crate::rule::k8s::{facts, is_builtin, K8S_ACCOUNTS};
use crate::rule::{Ctx, Subject};
use serde_json::json;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "k8s-no-owner",
    title: "Service account has no owner",
    category: Category::Ownership,
    severity: Severity::Medium,
    providers: &["kubernetes"],
    kinds: Kinds::Only(K8S_ACCOUNTS),
    owasp: &[Owasp::ImproperOffboarding],
    cis: &[],
    description: "Neither the service account nor its namespace has a label or annotation whose key is one of ownership.owner_tag_keys (optionally after a prefix, as in example.com/owner).",
    remediation: "Label the namespace (or the service account) with its owning team: kubectl label namespace NS team=NAME; require the label with an admission policy.",
    config: &["ownership.owner_tag_keys"],
    references: &["https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/"],
};

/// The first owner-like key with a value, in the configured order.
/// Labels and annotations (an identity's tags, its namespace's).
fn owner<'a, T>(tags: T, keys: &[String]) -> Option<(&'a str, &'a str)>
where
    T: IntoIterator<Item = (&'a String, &'a String)> + Copy,
{
    keys.iter().find_map(|key| {
        tags.into_iter()
            .find(|(k, v)| {
                let base = k.rsplit('/').next().unwrap_or(k);
                base.eq_ignore_ascii_case(key) && !v.trim().is_empty()
            })
            .map(|(k, v)| (k.as_str(), v.as_str()))
    })
}

impl crate::rule::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Subject<'_>, ctx: &Ctx<'_>) -> Vec<Finding> {
        let Some(f) = facts(s.identity) else {
            return Vec::new();
        };
        let keys = &ctx.config.ownership.owner_tag_keys;
        // Kubernetes makes a `default` account in every namespace: one that holds nothing has
        // nothing to answer for.
        let bare_default = s.identity.name.rsplit('/').next() == Some("default")
            && f.grants.iter().all(is_builtin);
        if bare_default
            || s.owner.is_some()
            || !f.namespace_known
            || owner(&s.identity.tags, keys).is_some()
            || owner(&f.namespace_tags, keys).is_some()
        {
            return Vec::new();
        }
        vec![Finding::new(
            &META,
            format!(
                "No owner: neither {} nor namespace {} has a label or annotation {}.",
                s.identity.name,
                f.namespace,
                keys.join(", ")
            ),
        )
        .evidence(json!({
            "owner_tag_keys": keys,
            "labels_and_annotations": s.identity.tags.keys().collect::<Vec<_>>(),
            "namespace_labels_and_annotations": f.namespace_tags.keys().collect::<Vec<_>>(),
        }))]
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::testing::k8s::account;

    #[test]
    fn fires_without_owner_on_account_or_namespace() {
        assert_eq!(account("ci", "runner").run(&super::Rule).len(), 1);
    }

    #[test]
    fn quiet_with_an_owner_anywhere_or_unread_namespaces() {
        assert!(account("ci", "runner")
            .tag("example.com/Team", "build")
            .run(&super::Rule)
            .is_empty());
        let mut ns = account("ci", "runner");
        if let nhi_api::Native::Kubernetes(f) = &mut ns.identity.native {
            f.namespace_tags.insert("owner".into(), "platform".into());
        }
        assert!(ns.run(&super::Rule).is_empty());
        let mut unknown = account("ci", "runner");
        if let nhi_api::Native::Kubernetes(f) = &mut unknown.identity.native {
            f.namespace_known = false;
        }
        assert!(unknown.run(&super::Rule).is_empty());
        assert!(account("ci", "default").run(&super::Rule).is_empty());
    }
}
