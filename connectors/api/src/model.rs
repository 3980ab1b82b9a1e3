//! Identity, credential, permission, trust and owner: the provider-neutral vocabulary.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Provider names used in [`Identity::provider`].
pub mod providers {
    pub const AWS: &str = "aws";
    pub const OPENAI: &str = "openai";
    pub const ANTHROPIC: &str = "anthropic";
    pub const GITHUB: &str = "github";
    pub const GITLAB: &str = "gitlab";
    pub const KUBERNETES: &str = "kubernetes";
    pub const GCP: &str = "gcp";
    pub const AZURE: &str = "azure";
}

/// Identity kinds used in [`Identity::kind`].
pub mod kinds {
    /// An IAM user that is (or may be) used by software: it has access keys, or no console password.
    pub const IAM_USER: &str = "iam_user";
    pub const IAM_ROLE: &str = "iam_role";
    /// The account's root user, inventoried when it holds access keys.
    pub const AWS_ROOT: &str = "aws_root_account";
    /// An OpenAI project API key owned by a user (service accounts' keys are credentials of
    /// the service account).
    pub const OPENAI_PROJECT_API_KEY: &str = "openai_project_api_key";
    pub const OPENAI_ADMIN_API_KEY: &str = "openai_admin_api_key";
    pub const OPENAI_SERVICE_ACCOUNT: &str = "openai_service_account";
    pub const ANTHROPIC_API_KEY: &str = "anthropic_api_key";
    /// A GitHub App installed on an organization.
    pub const GITHUB_APP_INSTALLATION: &str = "github_app_installation";
    /// An SSH key with access to one repository.
    pub const GITHUB_DEPLOY_KEY: &str = "github_deploy_key";
    /// A fine-grained personal access token granted access to the organization.
    pub const GITHUB_FINE_GRAINED_PAT: &str = "github_fine_grained_pat";
    /// A fine-grained PAT's pending request for access to the organization.
    pub const GITHUB_FINE_GRAINED_PAT_REQUEST: &str = "github_fine_grained_pat_request";
    /// A classic PAT or SSH key authorized for a SAML single sign-on organization.
    pub const GITHUB_CREDENTIAL_AUTHORIZATION: &str = "github_credential_authorization";
    /// An Actions secret (organization, repository or environment): what pipelines
    /// authenticate with.
    pub const GITHUB_ACTIONS_SECRET: &str = "github_actions_secret";
    /// The organization's Actions workflow token (`GITHUB_TOKEN`) defaults.
    pub const GITHUB_WORKFLOW_TOKEN: &str = "github_workflow_token";
    /// A project access token (and the bot user behind it).
    pub const GITLAB_PROJECT_ACCESS_TOKEN: &str = "gitlab_project_access_token";
    /// A group access token (and the bot user behind it).
    pub const GITLAB_GROUP_ACCESS_TOKEN: &str = "gitlab_group_access_token";
    /// A personal access token of a bot, service-account or human user.
    pub const GITLAB_PERSONAL_ACCESS_TOKEN: &str = "gitlab_personal_access_token";
    /// A deploy token of a project, a group or the instance.
    pub const GITLAB_DEPLOY_TOKEN: &str = "gitlab_deploy_token";
    /// An SSH deploy key enabled on a project (or an instance deploy key).
    pub const GITLAB_DEPLOY_KEY: &str = "gitlab_deploy_key";
    /// A pipeline trigger token of a project.
    pub const GITLAB_TRIGGER_TOKEN: &str = "gitlab_trigger_token";
    /// A CI/CD variable of a project, a group or the instance (never its value).
    pub const GITLAB_CI_VARIABLE: &str = "gitlab_ci_variable";
    /// A runner (instance, group or project type) and its authentication token.
    pub const GITLAB_RUNNER: &str = "gitlab_runner";
    /// A project's or group's runner registration token, still enabled (deprecated flow).
    pub const GITLAB_RUNNER_REGISTRATION_TOKEN: &str = "gitlab_runner_registration_token";
    /// A service account user (group or instance).
    pub const GITLAB_SERVICE_ACCOUNT: &str = "gitlab_service_account";
    /// A Kubernetes service account, scoped `cluster/namespace`.
    pub const K8S_SERVICE_ACCOUNT: &str = "k8s_service_account";
    /// A group or user every caller of a Kubernetes cluster belongs to (`system:authenticated`,
    /// `system:unauthenticated`, `system:anonymous`): what bindings to it grant, any token (or
    /// none) gets. Inventoried only when a binding names it.
    pub const K8S_EVERYONE: &str = "k8s_everyone";
    /// A Google Cloud service account (scope: its project).
    pub const GCP_SERVICE_ACCOUNT: &str = "gcp_service_account";
    /// A workload identity pool provider: the door through which tokens of another provider
    /// (GitHub Actions, AWS) become Google Cloud credentials.
    pub const GCP_WORKLOAD_IDENTITY_PROVIDER: &str = "gcp_workload_identity_provider";
    /// An Entra ID service principal: an application's instance in a tenant, a managed identity
    /// (system- or user-assigned), or a legacy one.
    pub const AZURE_SERVICE_PRINCIPAL: &str = "azure_service_principal";
    /// An Entra ID application registration: where most credentials and federated identity
    /// credentials live.
    pub const AZURE_APPLICATION: &str = "azure_application";
    /// An Entra Agent ID agent identity (a service principal made for an AI agent).
    pub const AZURE_AGENT_IDENTITY: &str = "azure_agent_identity";
    /// An Entra Agent ID blueprint: the application that holds its agents' credentials.
    pub const AZURE_AGENT_BLUEPRINT: &str = "azure_agent_identity_blueprint";
    /// An Entra Agent ID agent user (a user account an agent acts as).
    pub const AZURE_AGENT_USER: &str = "azure_agent_user";
}

/// Credential kinds used in [`Credential::kind`].
pub mod credential_kinds {
    pub const AWS_ACCESS_KEY: &str = "aws_access_key";
    pub const AWS_SIGNING_CERTIFICATE: &str = "aws_signing_certificate";
    pub const OPENAI_API_KEY: &str = "openai_api_key";
    pub const OPENAI_ADMIN_KEY: &str = "openai_admin_key";
    pub const ANTHROPIC_API_KEY: &str = "anthropic_api_key";
    pub const GITHUB_DEPLOY_KEY: &str = "github_deploy_key";
    pub const GITHUB_FINE_GRAINED_PAT: &str = "github_fine_grained_pat";
    pub const GITHUB_CLASSIC_PAT: &str = "github_classic_pat";
    pub const GITHUB_SSH_KEY: &str = "github_ssh_key";
    pub const GITHUB_ACTIONS_SECRET: &str = "github_actions_secret";
    pub const GITLAB_ACCESS_TOKEN: &str = "gitlab_access_token";
    pub const GITLAB_PERSONAL_ACCESS_TOKEN: &str = "gitlab_personal_access_token";
    pub const GITLAB_DEPLOY_TOKEN: &str = "gitlab_deploy_token";
    pub const GITLAB_DEPLOY_KEY: &str = "gitlab_deploy_key";
    pub const GITLAB_TRIGGER_TOKEN: &str = "gitlab_trigger_token";
    pub const GITLAB_CI_VARIABLE: &str = "gitlab_ci_variable";
    pub const GITLAB_RUNNER_TOKEN: &str = "gitlab_runner_token";
    pub const GITLAB_RUNNER_REGISTRATION_TOKEN: &str = "gitlab_runner_registration_token";
    /// A long-lived service-account token Secret (`kubernetes.io/service-account-token`).
    pub const K8S_LEGACY_TOKEN: &str = "k8s_legacy_token";
    /// A user-managed Google Cloud service-account key (never the key material).
    pub const GCP_SERVICE_ACCOUNT_KEY: &str = "gcp_service_account_key";
    /// An Entra ID password credential (client secret).
    pub const AZURE_CLIENT_SECRET: &str = "azure_client_secret";
    /// An Entra ID key credential (certificate).
    pub const AZURE_CERTIFICATE: &str = "azure_certificate";
}

/// When something was last used, as far as the source can tell.
///
/// "Never" and "unknown" are different answers: a key the provider says was never used is judged
/// by its age; a key whose use the source cannot see is not judged at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LastUsed {
    #[default]
    Unknown,
    Never,
    At(DateTime<Utc>),
}

impl LastUsed {
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            LastUsed::At(t) => Some(*t),
            _ => None,
        }
    }

    /// The later of two observations: a use beats never, never beats unknown.
    pub fn latest(self, other: LastUsed) -> LastUsed {
        match (self, other) {
            (LastUsed::At(a), LastUsed::At(b)) => LastUsed::At(a.max(b)),
            (LastUsed::At(a), _) | (_, LastUsed::At(a)) => LastUsed::At(a),
            (LastUsed::Never, _) | (_, LastUsed::Never) => LastUsed::Never,
            _ => LastUsed::Unknown,
        }
    }
}

/// When a credential expires, as far as the source can tell.
///
/// Like [`LastUsed`], "never" and "unknown" differ: a token the provider says never expires is
/// judged; one whose expiry the source does not report is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    #[default]
    Unknown,
    Never,
    At(DateTime<Utc>),
}

impl Expiry {
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            Expiry::At(t) => Some(*t),
            _ => None,
        }
    }
}

/// A non-human identity: a principal that software (not a person) authenticates as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Identity {
    /// Stable natural key within the provider, e.g. the ARN. Never a display name.
    pub id: String,
    /// Provider name, see [`providers`]; any other provider's name is accepted (`okta`), and its
    /// identities are judged by the generic rules.
    pub provider: String,
    /// Kind of identity, see [`kinds`]; rules are dispatched on it. Any other kind is accepted
    /// (`okta_api_token`), and judged by the generic rules.
    pub kind: String,
    /// Human-readable name.
    pub name: String,
    /// Where the identity lives: AWS account id, GitHub organization, ...
    pub scope: String,
    /// Where the identity was read from (file path or API endpoint), for people and SARIF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// The latest use of the identity or of any of its credentials.
    #[serde(default)]
    pub last_used: LastUsed,
    #[serde(default)]
    pub owner: Option<Owner>,
    #[serde(default)]
    pub tags: StrMap,
    /// Whether the source could see tags (or owners) at all (an AWS credential report alone
    /// cannot): rules must not read "no owner" from tags that were never read. A source that
    /// cannot tell who owns an identity sets it to `false`.
    #[serde(default = "yes")]
    pub tags_known: bool,
    #[serde(default)]
    pub credentials: Vec<Credential>,
    /// Policies that grant this identity permissions, with where each came from.
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// Who may become this identity (a role's trust policy), by policy id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<PolicyRef>,
    /// Identities the provider creates and manages itself (AWS service-linked roles). They are
    /// inventoried but not judged by default: their owner cannot change them.
    #[serde(default)]
    pub provider_managed: bool,
    /// Provider-specific facts the built-in providers' rules need; optional, and left out by
    /// other providers' connectors.
    #[serde(default)]
    pub native: Native,
    /// The services its policies grant, with when each was last used (AWS service last accessed
    /// data). `None` when the source could not say: rules must not guess.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_access: Option<Vec<ServiceAccess>>,
    /// The AI agent service this identity acts for (an AWS role trusted by Bedrock, Bedrock
    /// AgentCore or SageMaker), when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_agent: Option<String>,
}

impl Identity {
    pub fn new(provider: &str, kind: &str, id: impl Into<String>, name: impl Into<String>) -> Self {
        Identity {
            id: id.into(),
            provider: provider.to_string(),
            kind: kind.to_string(),
            name: name.into(),
            scope: String::new(),
            origin: None,
            created_at: None,
            last_used: LastUsed::Unknown,
            owner: None,
            tags: StrMap::new(),
            tags_known: true,
            credentials: Vec::new(),
            permissions: Vec::new(),
            trust: None,
            provider_managed: false,
            native: Native::None,
            service_access: None,
            ai_agent: None,
        }
    }

    /// The identity's active credentials.
    pub fn active_credentials(&self) -> impl Iterator<Item = &Credential> {
        self.credentials
            .iter()
            .filter(|c| c.status == CredentialStatus::Active)
    }
}

fn yes() -> bool {
    true
}

/// Who answers for an identity, and how nhi knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Owner {
    /// A login, an e-mail address or a team name.
    pub value: String,
    /// Where the owner came from, e.g. `tag:owner`, `added_by`, `created_by`.
    pub source: String,
    /// Whether the owner is still a member of the organization (or project) the identity lives
    /// in: `Some(false)` when the member list was read and the owner is not on it, `None` when
    /// it could not be told (no member list, or an owner that is a team or a service account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl Owner {
    pub fn new(value: impl Into<String>, source: impl Into<String>) -> Self {
        Owner {
            value: value.into(),
            source: source.into(),
            active: None,
        }
    }

    /// The same owner, with whether it is still a member.
    pub fn active(mut self, active: Option<bool>) -> Self {
        self.active = active;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    Active,
    Inactive,
    Expired,
    Revoked,
    Unknown,
}

/// A credential an identity authenticates with. Holds ids and metadata, never the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Credential {
    /// Stable id within the identity, e.g. the access key id, or `access_key_1` when the source
    /// names key slots rather than keys (the AWS credential report).
    pub id: String,
    pub kind: String,
    pub status: CredentialStatus,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_used: LastUsed,
    #[serde(default)]
    pub expires: Expiry,
    /// Provider details that help a person, e.g. the last region and service a key was used with.
    #[serde(default)]
    pub details: StrMap,
}

/// Where a policy that applies to an identity came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PermissionSource {
    /// Embedded in the principal itself.
    Inline,
    /// A managed policy attached to the principal.
    Managed,
    /// An inline policy of a group the principal belongs to.
    GroupInline,
    /// A managed policy attached to a group the principal belongs to.
    GroupManaged,
    /// A permissions boundary: caps what the other policies grant, grants nothing itself.
    Boundary,
    /// A permission the provider names in words (an OAuth scope, an admin role, `write` on a
    /// repository), with no policy document: listed in the report as the identity's `grants`;
    /// no rule judges it yet.
    Grant,
}

impl PermissionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionSource::Inline => "inline",
            PermissionSource::Managed => "managed",
            PermissionSource::GroupInline => "group_inline",
            PermissionSource::GroupManaged => "group_managed",
            PermissionSource::Boundary => "boundary",
            PermissionSource::Grant => "grant",
        }
    }
}

/// A key into [`crate::Inventory::policies`]: a content hash, so identical documents are stored
/// and analyzed once however many principals they apply to.
pub type PolicyRef = std::sync::Arc<str>;

/// A policy that applies to an identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Permission {
    pub source: PermissionSource,
    /// Policy name.
    pub name: String,
    /// Provider id of the policy (a managed policy's ARN), when it has one.
    // Shared: a managed policy attached to many principals holds its ARN once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<std::sync::Arc<str>>,
    /// The group it comes through, for group policies.
    // Shared by the group's members' copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<std::sync::Arc<str>>,
    /// The document, when the source holds it. `None` means its content is unknown (an AWS
    /// managed policy that the export does not include, or a document that could not be parsed):
    /// rules must not read absence of a grant from it.
    #[serde(default)]
    pub policy: Option<PolicyRef>,
}

/// An IAM user's console access, from the credential report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConsoleAccess {
    pub password_enabled: bool,
    #[serde(default)]
    pub password_last_used: LastUsed,
    #[serde(default)]
    pub mfa_active: bool,
}

/// Provider-specific facts about an identity that rules read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Native {
    #[default]
    None,
    AwsUser {
        path: String,
        /// Groups the user belongs to.
        #[serde(default)]
        groups: Vec<String>,
        /// Console access; `None` when no credential report was given.
        #[serde(default)]
        console: Option<ConsoleAccess>,
    },
    AwsRole {
        path: String,
        #[serde(default)]
        last_used_region: Option<String>,
        #[serde(default)]
        instance_profiles: Vec<String>,
    },
    AwsRoot,
    /// An AI provider's API key (OpenAI project or admin key, Anthropic key).
    AiKey(Box<AiKey>),
    /// A GitHub identity (app installation, deploy key, token, Actions secret, workflow token).
    Github(Box<GithubFacts>),
    /// A GitLab identity (access, deploy and trigger tokens, deploy keys, CI/CD variables,
    /// runners, service accounts).
    Gitlab(Box<GitlabFacts>),

    /// A Kubernetes service account, or a group every caller belongs to.
    Kubernetes(Box<K8sFacts>),
    /// An Entra ID / Azure identity (service principal, application, agent).
    Azure(Box<AzureFacts>),
    /// An OpenAI project service account.
    AiServiceAccount {
        project_id: String,
        #[serde(default)]
        project_name: Option<String>,
        #[serde(default)]
        role: Option<String>,
    },
    /// A Google Cloud service account.
    GcpServiceAccount(Box<crate::gcp::GcpServiceAccount>),
    /// A Google Cloud workload identity pool provider.
    GcpWorkloadIdentityProvider(Box<crate::gcp::GcpWorkloadIdentityProvider>),
}

/// One service an identity is granted, and its last use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceAccess {
    /// Service namespace (`s3`, `iam`).
    pub namespace: String,
    /// `None`: never used within the provider's tracking period.
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Facts about an AI provider key that its rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AiKey {
    /// Project (OpenAI) or workspace (Anthropic) the key belongs to; `None` for
    /// organization-wide keys.
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub project_name: Option<String>,
    /// The project or workspace is archived.
    #[serde(default)]
    pub project_archived: bool,
    /// `user` or `service_account`.
    #[serde(default)]
    pub owner_type: Option<String>,
    #[serde(default)]
    pub owner_id: Option<String>,
    /// OpenAI's `owner_project_access`: whether the owner still has access to the project.
    #[serde(default)]
    pub owner_project_access: Option<String>,
    /// The provider's own redacted form of the key (`sk-abc...def`); never the key.
    #[serde(default)]
    pub redacted_hint: Option<String>,
}

/// Facts about a GitHub identity that its rules read. Fields a kind does not have stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GithubFacts {
    /// `owner/name` of the repository, for repository-scoped identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The deployment environment of an environment secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_slug: Option<String>,
    /// `all` or `selected` (installations, fine-grained PATs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_selection: Option<String>,
    /// Permission → access (`read`, `write`, `admin`); a PAT's are `organization.members`,
    /// `repository.contents`, ...
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub permissions: BTreeMap<String, String>,
    /// A SAML credential authorization's `credential_type` (`personal access token`, `SSH key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<String>,
    /// OAuth scopes of a classic PAT.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Deploy keys: `false` means the key can push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_at: Option<DateTime<Utc>>,
    /// Organization secrets: `all`, `private` or `selected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// The repositories an organization secret with visibility `selected` is shared with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selected_repositories: Vec<String>,
    /// When a secret's value was last set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Workflow token: `read` or `write`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_workflow_permissions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_approve_pull_request_reviews: Option<bool>,
    /// Workflow token: the claims the organization's Actions OIDC `sub` is built from, when it
    /// customized them (empty: GitHub's default, `repo:ORG/REPO:...`). Cloud trust policies that
    /// match on `sub` depend on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oidc_sub_claim_keys: Vec<String>,
}

/// Facts about a GitLab identity that its rules read. Fields a kind does not have stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GitlabFacts {
    /// `project`, `group` or `instance`: where the identity is defined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Full path of the project (`acme/platform/web`) or group (`acme/platform`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Token scopes (`api`, `read_repository`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Access level of a project or group access token's bot: 10 Guest ... 40 Maintainer,
    /// 50 Owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_level: Option<u32>,
    /// Username of the user a token acts as (a project or group token's bot user, a PAT's
    /// owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `bot`, `service_account` or `human`, for the user a token acts as, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// Deploy keys: whether the key can push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_push: Option<bool>,
    /// CI/CD variables: the key (never the value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_scope: Option<String>,
    /// `env_var` or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable_type: Option<String>,
    /// Whether the variable's value had the shape of a known credential (an AWS access key
    /// id, a GitLab token prefix, a private key) when it was read. Judged at read time; the
    /// value itself is never kept. `None` when the API did not return a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_looks_like_credential: Option<bool>,
    /// Runners: `instance_type`, `group_type` or `project_type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    /// Runners: `online`, `offline`, `stale` or `never_contacted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Facts about a Kubernetes subject (a service account, or a group every caller belongs to)
/// that its rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct K8sFacts {
    pub cluster: String,
    /// Empty for cluster-wide subjects (the everyone groups).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// The service account's `automountServiceAccountToken`; `None` when unset (Kubernetes
    /// mounts the token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount: Option<bool>,
    /// The top controllers whose pods run as it (owner references resolved), and bare pods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<K8sWorkloadRef>,
    /// Whether pods were read: without them, no workload list is complete.
    #[serde(default)]
    pub workloads_known: bool,
    /// Its effective RBAC: every role bound to it, directly or through its groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<K8sGrant>,
    /// Labels and annotations of its namespace (owner-like keys are looked for there too).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub namespace_tags: BTreeMap<String, String>,
    /// Whether the namespace object was read (its tags can be judged).
    #[serde(default)]
    pub namespace_known: bool,
    /// Cloud identities it wears, from its annotations.
    #[serde(default, skip_serializing_if = "K8sCloud::is_empty")]
    pub cloud: K8sCloud,
}

/// The cloud identities a service account is annotated to wear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct K8sCloud {
    /// `eks.amazonaws.com/role-arn` (IRSA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_role_arn: Option<String>,
    /// `iam.gke.io/gcp-service-account` (GKE Workload Identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp_service_account: Option<String>,
    /// `azure.workload.identity/client-id` (Azure Workload Identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_client_id: Option<String>,
}

impl K8sCloud {
    pub fn is_empty(&self) -> bool {
        self.aws_role_arn.is_none()
            && self.gcp_service_account.is_none()
            && self.azure_client_id.is_none()
    }
}

/// A controller (or a bare pod) whose pods run as a service account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct K8sWorkloadRef {
    /// `Deployment`, `CronJob`, `Pod`, ...
    pub kind: String,
    pub name: String,
    /// The pod template's `automountServiceAccountToken`, which overrides the service
    /// account's; `None` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount: Option<bool>,
}

/// One role bound to a subject, and where it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct K8sGrant {
    /// `ClusterRoleBinding/NAME` or `RoleBinding/NAMESPACE/NAME`.
    pub binding: String,
    /// The binding's subject that reaches it: `ServiceAccount ns/name`, `Group
    /// system:serviceaccounts:ns`.
    pub subject: String,
    /// `ClusterRole/NAME` or `Role/NAMESPACE/NAME`.
    pub role: String,
    /// The namespace it applies in; `None`: cluster-wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Whether the role was found; its rules are empty when it was not (a dangling binding).
    pub role_found: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<K8sPolicyRule>,
}

/// One rule of a Role or ClusterRole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct K8sPolicyRule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verbs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

/// Something that runs code and can present an identity token its provider issues to another
/// provider: a repository's CI jobs (GitHub Actions OIDC), a Kubernetes service account. Where
/// cross-provider paths start: a cloud role that trusts the issuer and one of the subjects can
/// be assumed by whoever can make the workload present that subject.
///
/// Its subjects are stored compactly, as forms and runs: each form is filled in with each run's
/// claims ([`Workload::subjects`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Workload {
    pub provider: String,
    /// `github_repository`, `k8s_service_account`, ...
    pub kind: String,
    /// Stable natural key, e.g. `github:acme/web`.
    pub id: String,
    pub name: String,
    /// Organization, cluster, ...
    pub scope: String,
    /// The identity that speaks for it in the inventory (the organization's workflow token for
    /// a repository), which carries what it can become in the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The token issuer, as a URL: `https://token.actions.githubusercontent.com`.
    pub issuer: String,
    /// How its tokens' subjects are written, one entry per form the provider may use:
    /// `{claim}` stands for a claim of the run (`repo:acme/web:{context}`).
    pub subject_forms: Vec<String>,
    /// The ways its jobs can run, each with the claims it sets and who can make it happen.
    pub runs: Vec<WorkloadRun>,
    /// Other token claims trust policies check, with the values this workload's tokens carry
    /// (`repository`, `repository_owner_id`, ...). Claims the job chooses are not listed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub claims: BTreeMap<String, String>,
    /// The cloud role the workload says it wears (a Kubernetes service account's
    /// `eks.amazonaws.com/role-arn`). When its issuer is not known (an export read without
    /// `--k8s-oidc-issuer`, `issuer` empty), it is joined to that role, and only that role, by
    /// the role's trust of an EKS OIDC provider for one of its subjects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotated_role: Option<String>,
}

/// One way a workload's jobs can run: the claims it sets (`*` where whoever triggers it
/// chooses, a branch name), who can make a job run that way, and what stands in the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WorkloadRun {
    /// `context` = `pull_request`, `ref` = `refs/heads/*`, `environment` = `prod`, ...
    pub claims: BTreeMap<String, String>,
    /// Who can make a job run this way, in words: "anyone who can push a branch to acme/web".
    pub who: String,
    /// What must happen first (required reviewers, protected branches only), in words; `None`
    /// when nothing does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// Other runs (by index) this one's wildcards do not cover: a job naming an existing,
    /// protected environment is that environment's run, not a new one's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<usize>,
}

/// A token subject a workload can present: a pattern where `*` stands for what whoever triggers
/// the job chooses, and what stands in the way. Derived from a [`Workload`]'s forms and runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectTemplate {
    /// `repo:acme/web:ref:refs/heads/*`, `repo:acme/web:environment:prod`.
    pub pattern: String,
    pub who: String,
    pub gate: Option<String>,
    /// Concrete subjects the pattern does not cover (other runs').
    pub except: Vec<String>,
}

impl Workload {
    /// One form filled in with a run's claims (then the workload's); a claim neither has is
    /// empty.
    fn fill(&self, form: &str, run: &WorkloadRun) -> String {
        let mut out = String::with_capacity(form.len() + 32);
        let mut rest = form;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let key = &after[..close];
                    let value = run.claims.get(key).or_else(|| self.claims.get(key));
                    out.push_str(value.map(String::as_str).unwrap_or(""));
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Every subject its tokens can carry: each form with each run, the most open runs first
    /// (in the connector's order).
    pub fn subjects(&self) -> Vec<SubjectTemplate> {
        let mut out = Vec::with_capacity(self.subject_forms.len() * self.runs.len());
        for form in &self.subject_forms {
            for run in &self.runs {
                out.push(SubjectTemplate {
                    pattern: self.fill(form, run),
                    who: run.who.clone(),
                    gate: run.gate.clone(),
                    except: run
                        .except
                        .iter()
                        .filter_map(|&i| self.runs.get(i))
                        .map(|other| self.fill(form, other))
                        .collect(),
                });
            }
        }
        out
    }
}

/// Facts about an Entra ID identity (service principal, application registration, Agent ID
/// object) that its rules read. Lists the source could not read are `None`, never empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AzureFacts {
    /// The tenant it lives in.
    pub tenant_id: String,
    /// Its directory object id.
    pub object_id: String,
    /// The application (client) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Service principals: `Application`, `ManagedIdentity`, `Legacy`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_principal_type: Option<String>,
    /// Managed identities: `system_assigned` or `user_assigned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_identity: Option<String>,
    /// The tenant that owns the application (`appOwnerOrganizationId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_owner_tenant: Option<String>,
    /// A multi-tenant application owned by another tenant (not Microsoft's).
    #[serde(default)]
    pub third_party: bool,
    /// `AzureADMyOrg`, `AzureADMultipleOrgs`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_audience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_enabled: Option<bool>,
    /// Owners (applications, blueprints); `None` when they were not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<AzureOwner>>,
    /// Agent ID sponsors; `None` when they were not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsors: Option<Vec<AzureOwner>>,
    /// Application permissions granted to it (app role assignments), names resolved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_permissions: Vec<AzureAppPermission>,
    /// Delegated permission grants (OAuth2 permission grants) of its client.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegated_permissions: Vec<AzureDelegatedGrant>,
    /// Entra directory roles assigned to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub directory_roles: Vec<AzureDirectoryRole>,
    /// Azure RBAC role assignments of the principal, with their scopes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rbac: Vec<AzureRbacAssignment>,
    /// Federated identity credentials (on the application; copied to its service principal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub federated: Vec<AzureFederatedCredential>,
    /// Service principal → its application registration's identity id (same tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// Application → its service principal's identity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_principal: Option<String>,
    /// Agent identity → its blueprint's identity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blueprint: Option<String>,
    /// Agent identity: its blueprint holds credentials that no enabled owner or sponsor
    /// answers for (`None` when the blueprint or its owners were not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blueprint_credentials_unowned: Option<bool>,
    /// Whether the sign-in activity report was read (else last use is unknown).
    #[serde(default)]
    pub sign_in_known: bool,
}

/// An owner or sponsor of an Entra object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AzureOwner {
    pub id: String,
    /// `user`, `servicePrincipal`, `group`, ...
    pub kind: String,
    /// UPN for users, display name otherwise.
    pub name: String,
    /// `Some(false)`: a disabled account; `None`: not told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// One application permission (app role) granted to a service principal.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct AzureAppPermission {
    /// The resource API's display name (`Microsoft Graph`).
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_app_id: Option<String>,
    /// The permission's value (`Application.ReadWrite.All`), or the app role id when the
    /// resource's roles were not read.
    pub permission: String,
    pub app_role_id: String,
}

/// A delegated grant: the scopes a client may use on a resource on behalf of users.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct AzureDelegatedGrant {
    pub resource: String,
    pub scopes: Vec<String>,
    /// `AllPrincipals` (admin consent) or `Principal`.
    pub consent_type: String,
}

/// A directory role assigned to a principal.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct AzureDirectoryRole {
    /// `Global Administrator`, or the definition id when unnamed.
    pub role: String,
    pub role_definition_id: String,
    /// `/` for the whole directory.
    pub scope: String,
}

/// An Azure RBAC role assignment.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct AzureRbacAssignment {
    /// `Owner`, or the definition's GUID when its name is unknown.
    pub role: String,
    /// The role definition's GUID.
    pub role_definition_id: String,
    /// `/subscriptions/…`, `/providers/Microsoft.Management/managementGroups/…`, `/`.
    pub scope: String,
}

/// A federated identity credential: tokens of `issuer` with this `subject` (or matching the
/// flexible `claims_matching_expression`) sign in as the application.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct AzureFederatedCredential {
    pub name: String,
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims_matching_expression: Option<String>,
    #[serde(default)]
    pub audiences: Vec<String>,
}

/// A small map of strings, kept as a list sorted by key: an identity's tags, a credential's
/// details. A `BTreeMap` allocates a node of eleven slots for its first entry (about 540
/// bytes for one tag); over a million identities that is half a gigabyte of empty slots.
/// It reads, writes and describes itself in JSON as a map does: an object with string values,
/// keys in order; a key given twice keeps its last value.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StrMap(Vec<(String, String)>);

type PairRefs = fn(&(String, String)) -> (&String, &String);

impl StrMap {
    pub fn new() -> Self {
        StrMap(Vec::new())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Set a key's value; the value it had, if any.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> std::iter::Map<std::slice::Iter<'_, (String, String)>, PairRefs> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }
}

impl FromIterator<(String, String)> for StrMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut map = StrMap::new();
        map.extend(iter);
        map
    }
}

impl Extend<(String, String)> for StrMap {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a> IntoIterator for &'a StrMap {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (String, String)>, PairRefs>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for StrMap {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for StrMap {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for StrMap {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = StrMap;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<StrMap, A::Error> {
                let mut out = StrMap(Vec::with_capacity(map.size_hint().unwrap_or(0).min(64)));
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.insert(k, v);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

impl JsonSchema for StrMap {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        <BTreeMap<String, String> as JsonSchema>::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <BTreeMap<String, String> as JsonSchema>::json_schema(generator)
    }

    fn inline_schema() -> bool {
        true
    }
}

impl From<BTreeMap<String, String>> for StrMap {
    fn from(map: BTreeMap<String, String>) -> Self {
        // Already in key order.
        StrMap(map.into_iter().collect())
    }
}

#[cfg(test)]
mod str_map_tests {
    use super::*;

    #[test]
    fn reads_and_writes_json_as_a_map_does() {
        let text = r#"{"team":"a","owner":"x","env":"prod","owner":"y"}"#;
        let ours: StrMap = serde_json::from_str(text).expect("parses");
        let map: BTreeMap<String, String> = serde_json::from_str(text).expect("parses");
        assert_eq!(
            serde_json::to_string(&ours).expect("writes"),
            serde_json::to_string(&map).expect("writes")
        );
        assert_eq!(ours.get("owner").map(String::as_str), Some("y"));
        assert_eq!(ours.len(), 3);
        assert!(serde_json::from_str::<StrMap>(r#"{"a":1}"#).is_err());
        assert_eq!(
            serde_json::to_value(schemars::schema_for!(StrMap)).expect("schema")["type"],
            "object"
        );
    }

    #[test]
    fn keeps_keys_in_order() {
        let mut m: StrMap = [("b", "2"), ("a", "1")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(m.insert("c".into(), "3".into()), None);
        assert_eq!(m.insert("a".into(), "0".into()), Some("1".into()));
        assert_eq!(
            m.keys().map(String::as_str).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert!(m.contains_key("b") && !m.contains_key("d"));
        let from: StrMap = BTreeMap::from([("z".to_string(), "9".to_string())]).into();
        assert_eq!(
            from.iter().collect::<Vec<_>>(),
            [(&"z".to_string(), &"9".to_string())]
        );
    }
}
