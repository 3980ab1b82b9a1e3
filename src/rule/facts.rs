//! Accessors for provider facts rules read, and the identity kinds rules name.

use crate::policy::glob_match;
use nhi_api::policy::{Effect, PolicyDocument, Statement};
use nhi_api::{credential_kinds, kinds, AiKey, Credential, GithubFacts, Identity, Native};

/// IAM users and roles: the principals whose policies the permission rules judge.
pub const IAM_PRINCIPALS: &[&str] = &[kinds::IAM_USER, kinds::IAM_ROLE];

/// Identities that hold AI provider keys (as themselves, or as service accounts).
pub const AI_KEY_HOLDERS: &[&str] = &[
    kinds::OPENAI_PROJECT_API_KEY,
    kinds::OPENAI_ADMIN_API_KEY,
    kinds::OPENAI_SERVICE_ACCOUNT,
    kinds::ANTHROPIC_API_KEY,
];

/// AI provider keys that are identities of their own.
pub const AI_KEYS: &[&str] = &[
    kinds::OPENAI_PROJECT_API_KEY,
    kinds::OPENAI_ADMIN_API_KEY,
    kinds::ANTHROPIC_API_KEY,
];

/// Whether the identity is an IAM user or role.
pub fn is_iam_principal(identity: &Identity) -> bool {
    IAM_PRINCIPALS.contains(&identity.kind.as_str())
}

/// Credential kinds of AI provider API keys.
pub const AI_KEY_KINDS: &[&str] = &[
    credential_kinds::OPENAI_API_KEY,
    credential_kinds::OPENAI_ADMIN_KEY,
    credential_kinds::ANTHROPIC_API_KEY,
];

/// An identity's active AI provider API keys.
pub fn active_ai_keys(identity: &Identity) -> impl Iterator<Item = &Credential> {
    identity
        .active_credentials()
        .filter(|c| AI_KEY_KINDS.contains(&c.kind.as_str()))
}

/// The AI key facts of an identity.
pub fn ai_key(identity: &Identity) -> Option<&AiKey> {
    match &identity.native {
        Native::AiKey(k) => Some(k),
        _ => None,
    }
}

/// The GitHub facts of an identity.
pub fn github(identity: &Identity) -> Option<&GithubFacts> {
    match &identity.native {
        Native::Github(f) => Some(f),
        _ => None,
    }
}

/// The GitLab facts of an identity.
pub fn gitlab(identity: &Identity) -> Option<&nhi_api::GitlabFacts> {
    match &identity.native {
        Native::Gitlab(f) => Some(f),
        _ => None,
    }
}

/// GitLab tokens that software authenticates with (access, personal access, deploy and trigger
/// tokens).
pub const GITLAB_TOKENS: &[&str] = &[
    kinds::GITLAB_PROJECT_ACCESS_TOKEN,
    kinds::GITLAB_GROUP_ACCESS_TOKEN,
    kinds::GITLAB_PERSONAL_ACCESS_TOKEN,
    kinds::GITLAB_DEPLOY_TOKEN,
    kinds::GITLAB_TRIGGER_TOKEN,
];

/// Whether a CI/CD variable's key says it holds a credential: `*_TOKEN`, `*_KEY`, `*_SECRET`,
/// `*PASSWORD*`, `AWS_SECRET_ACCESS_KEY`, ... (whole words of the key, any case). Keys that name
/// a key's id or a public part (`*_KEY_ID`, `PUBLIC_KEY`) do not.
pub fn credential_like_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    if words.contains(&"PUBLIC")
        || matches!(*last, "ID" | "NAME" | "URL" | "PATH" | "FILE" | "REGION")
    {
        return false;
    }
    const SECRET_WORDS: &[&str] = &[
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "PAT",
        "DSN",
    ];
    *last == "KEY"
        || words.iter().any(|w| SECRET_WORDS.contains(w))
        || words
            .iter()
            .any(|w| w.contains("PASSWORD") || w.ends_with("TOKEN") || w.ends_with("SECRET"))
}

/// Whether an access level (`read`, `write`, `admin`) can change things.
pub fn is_write(access: &str) -> bool {
    matches!(access, "write" | "admin")
}

/// The login (or e-mail) of the person the source says owns or created the identity.
pub fn owner_login(identity: &Identity) -> Option<&str> {
    identity.owner.as_ref().map(|o| o.value.as_str())
}

/// A login for messages: `@login`.
pub fn at_login(login: Option<&str>) -> String {
    login
        .map(|l| format!("@{l}"))
        .unwrap_or_else(|| "its owner".into())
}

/// The Allow statements of a trust policy that let someone assume the role (any `sts:AssumeRole*`
/// action, or `sts:TagSession` alongside).
pub fn assume_statements(doc: &PolicyDocument) -> impl Iterator<Item = &Statement> {
    doc.statements.iter().filter(|s| {
        s.effect == Effect::Allow
            && s.action.as_ref().is_some_and(|a| {
                a.iter().any(|p| {
                    glob_match(p, "sts:AssumeRole")
                        || glob_match(p, "sts:AssumeRoleWithWebIdentity")
                        || glob_match(p, "sts:AssumeRoleWithSAML")
                })
            })
    })
}

/// Condition keys that tie a trust statement to known callers.
pub const CALLER_RESTRICTING_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "sts:ExternalId",
];

/// The Google Cloud service-account facts of an identity.
pub fn gcp_service_account(identity: &Identity) -> Option<&nhi_api::gcp::GcpServiceAccount> {
    match &identity.native {
        Native::GcpServiceAccount(f) => Some(f),
        _ => None,
    }
}

/// The workload identity provider facts of an identity.
pub fn gcp_provider(identity: &Identity) -> Option<&nhi_api::gcp::GcpWorkloadIdentityProvider> {
    match &identity.native {
        Native::GcpWorkloadIdentityProvider(f) => Some(f),
        _ => None,
    }
}

/// A Google Cloud service account's user-managed keys that can still sign in: enabled and not
/// past their `validBeforeTime`.
pub fn gcp_live_keys(
    identity: &Identity,
    now: chrono::DateTime<chrono::Utc>,
) -> impl Iterator<Item = &Credential> {
    identity
        .active_credentials()
        .filter(|c| c.kind == credential_kinds::GCP_SERVICE_ACCOUNT_KEY)
        .filter(move |c| c.expires.at().is_none_or(|t| t > now))
}

/// Whether a Google Cloud member is a Google-managed service agent (its grants are Google's
/// design, not a choice to review).
pub fn gcp_service_agent_member(member: &str) -> bool {
    member
        .strip_prefix("serviceAccount:")
        .and_then(nhi_api::gcp::default_account_kind)
        == Some("service_agent")
}

/// Entra ID principals that hold permissions and roles (service principals, agent identities).
pub const AZURE_PRINCIPALS: &[&str] =
    &[kinds::AZURE_SERVICE_PRINCIPAL, kinds::AZURE_AGENT_IDENTITY];

/// Entra ID objects that hold credentials.
pub const AZURE_CREDENTIAL_HOLDERS: &[&str] = &[
    kinds::AZURE_APPLICATION,
    kinds::AZURE_SERVICE_PRINCIPAL,
    kinds::AZURE_AGENT_BLUEPRINT,
    kinds::AZURE_AGENT_IDENTITY,
];

/// The Entra ID facts of an identity.
pub fn azure(identity: &Identity) -> Option<&nhi_api::AzureFacts> {
    crate::privilege::azure::facts(identity)
}

#[cfg(test)]
mod gitlab_tests {
    use super::credential_like_key;

    #[test]
    fn credential_keys() {
        for k in [
            "AWS_SECRET_ACCESS_KEY",
            "NPM_TOKEN",
            "DEPLOY_KEY",
            "DB_PASSWORD",
            "SLACK_WEBHOOK_SECRET",
            "GITLAB_PAT",
            "ci_job_token",
        ] {
            assert!(credential_like_key(k), "{k}");
        }
        for k in [
            "AWS_ACCESS_KEY_ID",
            "REGION",
            "SSH_PUBLIC_KEY",
            "KEY_NAME",
            "DOCKER_IMAGE",
            "KEYCLOAK_URL",
        ] {
            assert!(!credential_like_key(k), "{k}");
        }
    }
}
