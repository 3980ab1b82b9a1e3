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
