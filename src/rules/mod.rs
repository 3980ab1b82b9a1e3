//! The rule catalog: one file per rule, each holding its metadata, its logic and its rationale.
//! Registration is explicit, in [`all`]; what a rule is and the helpers rules share live in
//! [`crate::rule`].

pub use crate::rule::Rule;

mod ai_admin_key;
mod ai_admin_keys_excess;
mod ai_key_no_expiry;
mod ai_key_owner_departed;
mod ai_key_unused;
mod ai_key_user_owned_automation;
mod aws_access_key_not_rotated;
mod aws_access_key_unused;
mod aws_access_key_unused_since_setup;
mod aws_access_keys_multiple_active;
mod aws_admin_access;
mod aws_github_oidc_trust_unscoped;
mod aws_human_use;
mod aws_no_owner;
mod aws_path_to_admin;
mod aws_privilege_escalation;
mod aws_role_unused;
mod aws_root_access_key;
mod aws_trust_any_principal;
mod aws_trust_cross_account_no_external_id;
mod aws_trust_service_no_source_condition;
mod aws_unused_services;
mod aws_wildcard_permissions;
mod azure_agent_unsponsored;
mod azure_app_no_owner;
mod azure_credential_long_lived;
mod azure_credential_on_service_principal;
mod azure_dangerous_graph_permission;
mod azure_federation_too_wide;
mod azure_path_to_global_admin;
mod azure_privileged_directory_role;
mod azure_sp_unused;
mod azure_subscription_control;
mod azure_third_party_app_privileged;
mod gcp_default_compute_sa_editor;
mod gcp_sa_admin_roles;
mod gcp_sa_disabled_armed;
mod gcp_sa_impersonable;
mod gcp_sa_key_no_expiry;
mod gcp_sa_key_not_rotated;
mod gcp_sa_no_owner;
mod gcp_sa_privilege_escalation;
mod gcp_sa_public;
mod gcp_sa_unused;
mod gcp_sa_user_managed_key;
mod gcp_wif_pool_wide_binding;
mod gcp_wif_provider_unrestricted;
mod generic_no_expiry;
mod generic_no_owner;
mod generic_not_rotated;
mod generic_owner_departed;
mod generic_unused;
mod github_actions_can_approve_prs;
mod github_app_all_repos_write;
mod github_app_suspended;
mod github_credential_unused;
mod github_deploy_key_write;
mod github_owner_departed;
mod github_pat_broad_access;
mod github_secret_not_rotated;
mod github_token_no_expiry;
mod github_workflow_token_write;
mod gitlab_bot_high_access_level;
mod gitlab_ci_variable_unmasked;
mod gitlab_ci_variable_unprotected;
mod gitlab_deploy_key_push;
mod gitlab_owner_departed;
mod gitlab_runner_registration_token;
mod gitlab_runner_stale;
mod gitlab_token_broad_scope;
mod gitlab_token_no_expiry;
mod gitlab_token_unused;
mod k8s_automount_privileged;
mod k8s_bound_to_everyone;
mod k8s_cluster_admin;
mod k8s_default_service_account_granted;
mod k8s_legacy_token;
mod k8s_legacy_token_unused;
mod k8s_no_owner;
mod k8s_privilege_escalation;
mod k8s_service_account_unused;
mod pipeline_path_to_admin;
mod pipeline_path_to_sensitive;

/// Every rule nhi has, in catalog order.
pub fn all() -> Vec<&'static dyn Rule> {
    vec![
        &aws_root_access_key::Rule,
        &aws_access_key_unused::Rule,
        &aws_access_key_not_rotated::Rule,
        &aws_access_keys_multiple_active::Rule,
        &aws_access_key_unused_since_setup::Rule,
        &aws_role_unused::Rule,
        &aws_admin_access::Rule,
        &aws_privilege_escalation::Rule,
        &aws_path_to_admin::Rule,
        &aws_wildcard_permissions::Rule,
        &aws_unused_services::Rule,
        &pipeline_path_to_admin::Rule,
        &pipeline_path_to_sensitive::Rule,
        &aws_github_oidc_trust_unscoped::Rule,
        &aws_trust_any_principal::Rule,
        &aws_trust_cross_account_no_external_id::Rule,
        &aws_trust_service_no_source_condition::Rule,
        &aws_human_use::Rule,
        &aws_no_owner::Rule,
        &ai_key_unused::Rule,
        &ai_key_no_expiry::Rule,
        &ai_admin_key::Rule,
        &ai_admin_keys_excess::Rule,
        &ai_key_owner_departed::Rule,
        &ai_key_user_owned_automation::Rule,
        &github_deploy_key_write::Rule,
        &github_credential_unused::Rule,
        &github_token_no_expiry::Rule,
        &github_pat_broad_access::Rule,
        &github_app_all_repos_write::Rule,
        &github_app_suspended::Rule,
        &github_secret_not_rotated::Rule,
        &github_owner_departed::Rule,
        &github_workflow_token_write::Rule,
        &github_actions_can_approve_prs::Rule,
        &generic_unused::Rule,
        &generic_no_expiry::Rule,
        &generic_not_rotated::Rule,
        &generic_no_owner::Rule,
        &generic_owner_departed::Rule,
        &gitlab_token_no_expiry::Rule,
        &gitlab_token_unused::Rule,
        &gitlab_token_broad_scope::Rule,
        &gitlab_bot_high_access_level::Rule,
        &gitlab_deploy_key_push::Rule,
        &gitlab_owner_departed::Rule,
        &gitlab_ci_variable_unprotected::Rule,
        &gitlab_ci_variable_unmasked::Rule,
        &gitlab_runner_registration_token::Rule,
        &gitlab_runner_stale::Rule,
        &k8s_cluster_admin::Rule,
        &k8s_privilege_escalation::Rule,
        &k8s_bound_to_everyone::Rule,
        &k8s_default_service_account_granted::Rule,
        &k8s_automount_privileged::Rule,
        &k8s_legacy_token::Rule,
        &k8s_legacy_token_unused::Rule,
        &k8s_service_account_unused::Rule,
        &k8s_no_owner::Rule,
        &gcp_sa_user_managed_key::Rule,
        &gcp_sa_key_not_rotated::Rule,
        &gcp_sa_key_no_expiry::Rule,
        &gcp_sa_unused::Rule,
        &gcp_sa_disabled_armed::Rule,
        &gcp_sa_admin_roles::Rule,
        &gcp_default_compute_sa_editor::Rule,
        &gcp_sa_privilege_escalation::Rule,
        &gcp_sa_impersonable::Rule,
        &gcp_sa_public::Rule,
        &gcp_wif_provider_unrestricted::Rule,
        &gcp_wif_pool_wide_binding::Rule,
        &gcp_sa_no_owner::Rule,
        &azure_credential_long_lived::Rule,
        &azure_credential_on_service_principal::Rule,
        &azure_sp_unused::Rule,
        &azure_app_no_owner::Rule,
        &azure_dangerous_graph_permission::Rule,
        &azure_privileged_directory_role::Rule,
        &azure_subscription_control::Rule,
        &azure_federation_too_wide::Rule,
        &azure_third_party_app_privileged::Rule,
        &azure_agent_unsponsored::Rule,
        &azure_path_to_global_admin::Rule,
    ]
}

/// Every rule id, for config validation.
pub fn ids() -> Vec<&'static str> {
    all().iter().map(|r| r.meta().id).collect()
}

#[cfg(test)]
mod catalog_tests {
    use super::*;
    use crate::finding::Kinds;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_match_file_names() {
        let ids = ids();
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate rule id");
        let source = include_str!("mod.rs");
        for id in ids {
            let module = id.replace('-', "_");
            assert!(
                source.contains(&format!("mod {module};")),
                "rule {id} must live in src/rules/{module}.rs"
            );
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}"
            );
        }
    }

    #[test]
    fn metadata_is_complete() {
        for rule in all() {
            let m = rule.meta();
            assert!(!m.title.is_empty(), "{}: title", m.id);
            assert!(m.description.len() > 40, "{}: description", m.id);
            assert!(m.remediation.len() > 30, "{}: remediation", m.id);
            assert!(!m.owasp.is_empty(), "{}: OWASP NHI mapping", m.id);
            match m.kinds {
                Kinds::Only(kinds) => {
                    assert!(!m.providers.is_empty(), "{}: providers", m.id);
                    assert!(!kinds.is_empty(), "{}: the identity kinds it judges", m.id);
                }
                Kinds::Uncovered => assert!(
                    m.providers.is_empty() && m.id.starts_with("generic-"),
                    "{}: a generic rule judges any provider, and its id says so",
                    m.id
                ),
            }
            assert!(!m.references.is_empty(), "{}: references", m.id);
            assert!(!m.title.ends_with('.'), "{}: titles have no period", m.id);
        }
    }

    #[test]
    fn config_keys_named_by_rules_exist() {
        let known = crate::config::Config::keys();
        assert!(
            known.contains(&"thresholds.role_unused_days".to_string()),
            "{known:?}"
        );
        for rule in all() {
            for key in rule.meta().config {
                assert!(
                    known.iter().any(|k| k == key),
                    "{}: {key} is not a key of nhi.toml (known: {known:?})",
                    rule.meta().id
                );
            }
        }
    }

    #[test]
    fn every_rule_names_kinds_some_connector_produces() {
        use nhi_api::kinds;
        let produced = [
            kinds::IAM_USER,
            kinds::IAM_ROLE,
            kinds::AWS_ROOT,
            kinds::OPENAI_PROJECT_API_KEY,
            kinds::OPENAI_ADMIN_API_KEY,
            kinds::OPENAI_SERVICE_ACCOUNT,
            kinds::ANTHROPIC_API_KEY,
            kinds::GITHUB_APP_INSTALLATION,
            kinds::GITHUB_DEPLOY_KEY,
            kinds::GITHUB_FINE_GRAINED_PAT,
            kinds::GITHUB_FINE_GRAINED_PAT_REQUEST,
            kinds::GITHUB_CREDENTIAL_AUTHORIZATION,
            kinds::GITHUB_ACTIONS_SECRET,
            kinds::GITHUB_WORKFLOW_TOKEN,
            kinds::GITLAB_PROJECT_ACCESS_TOKEN,
            kinds::GITLAB_GROUP_ACCESS_TOKEN,
            kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
            kinds::GITLAB_DEPLOY_TOKEN,
            kinds::GITLAB_DEPLOY_KEY,
            kinds::GITLAB_TRIGGER_TOKEN,
            kinds::GITLAB_CI_VARIABLE,
            kinds::GITLAB_RUNNER,
            kinds::GITLAB_RUNNER_REGISTRATION_TOKEN,
            kinds::GITLAB_SERVICE_ACCOUNT,
            kinds::K8S_SERVICE_ACCOUNT,
            kinds::K8S_EVERYONE,
            kinds::GCP_SERVICE_ACCOUNT,
            kinds::GCP_WORKLOAD_IDENTITY_PROVIDER,
            kinds::AZURE_SERVICE_PRINCIPAL,
            kinds::AZURE_APPLICATION,
            kinds::AZURE_AGENT_IDENTITY,
            kinds::AZURE_AGENT_BLUEPRINT,
            kinds::AZURE_AGENT_USER,
        ];
        for rule in all() {
            let Kinds::Only(kinds) = rule.meta().kinds else {
                continue;
            };
            for kind in kinds {
                assert!(
                    produced.contains(kind),
                    "{}: unknown kind {kind}",
                    rule.meta().id
                );
            }
        }
    }
}
