//! Helpers for rule unit tests: build identities and run one rule on them.

use super::{Ctx, Rule, Subject};
use crate::config::Config;
use crate::finding::{Finding, Kinds};
use crate::policy::{Effective, PolicyIndex};
use crate::privilege::federation::Federation;
use crate::privilege::{Estate, PrivilegeGraph};
use chrono::{DateTime, TimeZone, Utc};
use nhi_api::policy::PolicyDocument;
use nhi_api::{
    credential_kinds, kinds, providers, ConsoleAccess, Credential, CredentialStatus, Expiry,
    Identity, Inventory, LastUsed, Native, Permission, PermissionSource,
};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

pub fn days_ago(n: i64) -> DateTime<Utc> {
    now() - chrono::Duration::days(n)
}

/// A GitHub repository `org/repo` whose jobs present GitHub Actions OIDC tokens, with no
/// subjects or claims yet: tests add what they need.
pub fn github_repository(full_name: &str) -> nhi_api::Workload {
    let org = full_name.split('/').next().unwrap_or(full_name);
    nhi_api::Workload {
        provider: "github".into(),
        kind: "github_repository".into(),
        id: format!("github:{full_name}"),
        name: full_name.into(),
        scope: org.into(),
        identity: None,
        issuer: "https://token.actions.githubusercontent.com".into(),
        subject_forms: Vec::new(),
        runs: Vec::new(),
        claims: Default::default(),
        annotated_role: None,
    }
}

/// An OpenAI user-owned project key created `created_days_ago`, with one credential.
pub fn ai_key(name: &str, created_days_ago: i64, last_used: LastUsed) -> Case {
    let mut identity = Identity::new(
        providers::OPENAI,
        kinds::OPENAI_PROJECT_API_KEY,
        "key_1",
        name,
    );
    identity.scope = "proj_1".into();
    identity.created_at = Some(days_ago(created_days_ago));
    identity.tags_known = false;
    identity.owner =
        Some(nhi_api::Owner::new("alice@example.com", "owner.user").active(Some(true)));
    identity.credentials.push(Credential {
        id: "key_1".into(),
        kind: credential_kinds::OPENAI_API_KEY.into(),
        status: CredentialStatus::Active,
        created_at: Some(days_ago(created_days_ago)),
        last_used,
        expires: Expiry::Never,
        details: Default::default(),
    });
    identity.native = Native::AiKey(Box::new(nhi_api::AiKey {
        project_id: Some("proj_1".into()),
        owner_type: Some("user".into()),
        owner_id: Some("user_1".into()),
        owner_project_access: Some("active".into()),
        ..Default::default()
    }));
    Case::of(identity)
}

/// A GitHub identity of `kind` in org `acme`, created `created_days_ago`, with one active
/// credential used as `last_used`, and the given facts.
pub fn github(
    kind: &str,
    created_days_ago: i64,
    last_used: LastUsed,
    facts: nhi_api::GithubFacts,
) -> Case {
    let mut identity = Identity::new(
        providers::GITHUB,
        kind,
        format!("github:acme/{kind}/1"),
        "thing",
    );
    identity.scope = "acme".into();
    identity.created_at = Some(days_ago(created_days_ago));
    identity.last_used = last_used;
    identity.tags_known = false;
    identity.credentials.push(Credential {
        id: "1".into(),
        kind: kind.into(),
        status: CredentialStatus::Active,
        created_at: Some(days_ago(created_days_ago)),
        last_used,
        expires: Expiry::Unknown,
        details: Default::default(),
    });
    identity.native = Native::Github(Box::new(facts));
    Case::of(identity)
}

/// An identity of a provider nhi has no rules for (what an external connector brings): an Okta
/// API token created `created_days_ago`, with one active credential used as `last_used` that
/// expires as `expires`, owned by a member whose membership is `owner_active`.
pub fn external(
    created_days_ago: i64,
    last_used: LastUsed,
    expires: Expiry,
    owner_active: Option<bool>,
) -> Case {
    let mut identity = Identity::new("okta", "okta_api_token", "00T1", "ci token");
    identity.scope = "acme.okta.com".into();
    identity.created_at = Some(days_ago(created_days_ago));
    identity.last_used = last_used;
    identity.owner =
        Some(nhi_api::Owner::new("svc-ci@acme.example", "userId").active(owner_active));
    identity.credentials.push(Credential {
        id: "00T1".into(),
        kind: "okta_api_token".into(),
        status: CredentialStatus::Active,
        created_at: Some(days_ago(created_days_ago)),
        last_used,
        expires,
        details: Default::default(),
    });
    Case::of(identity)
}

/// A GitLab identity of `kind` in group `acme`, created `created_days_ago`, with one active
/// credential used as `last_used`, and the given facts.
pub fn gitlab(
    kind: &str,
    created_days_ago: i64,
    last_used: LastUsed,
    facts: nhi_api::GitlabFacts,
) -> Case {
    let mut identity = Identity::new(
        providers::GITLAB,
        kind,
        format!("gitlab:acme/web/{kind}/1"),
        "acme/web: thing",
    );
    identity.scope = "acme".into();
    identity.created_at = Some(days_ago(created_days_ago));
    identity.last_used = last_used;
    identity.tags_known = false;
    identity.credentials.push(Credential {
        id: "1".into(),
        kind: kind.into(),
        status: CredentialStatus::Active,
        created_at: Some(days_ago(created_days_ago)),
        last_used,
        expires: Expiry::Unknown,
        details: Default::default(),
    });
    identity.native = Native::Gitlab(Box::new(facts));
    Case::of(identity)
}

pub struct Case {
    pub identity: Identity,
    pub inventory: Inventory,
    pub config: Config,
}

impl Case {
    pub fn user(name: &str) -> Self {
        let mut identity = Identity::new(
            providers::AWS,
            kinds::IAM_USER,
            format!("arn:aws:iam::111111111111:user/{name}"),
            name,
        );
        identity.scope = "111111111111".into();
        identity.created_at = Some(days_ago(400));
        identity.native = Native::AwsUser {
            path: "/".into(),
            groups: vec![],
            console: Some(ConsoleAccess::default()),
        };
        Self::of(identity)
    }

    pub fn role(name: &str) -> Self {
        let mut identity = Identity::new(
            providers::AWS,
            kinds::IAM_ROLE,
            format!("arn:aws:iam::111111111111:role/{name}"),
            name,
        );
        identity.scope = "111111111111".into();
        identity.created_at = Some(days_ago(400));
        identity.native = Native::AwsRole {
            path: "/".into(),
            last_used_region: None,
            instance_profiles: vec![],
        };
        Self::of(identity)
    }

    pub fn of(identity: Identity) -> Self {
        Case {
            identity,
            inventory: Inventory::default(),
            config: Config::default(),
        }
    }

    pub fn console(mut self, password_enabled: bool) -> Self {
        if let Native::AwsUser { console, .. } = &mut self.identity.native {
            *console = Some(ConsoleAccess {
                password_enabled,
                password_last_used: LastUsed::Never,
                mfa_active: false,
            });
        }
        self
    }

    pub fn key(
        mut self,
        slot: u8,
        active: bool,
        created_days_ago: i64,
        last_used: LastUsed,
    ) -> Self {
        self.identity.credentials.push(Credential {
            id: format!("access_key_{slot}"),
            kind: credential_kinds::AWS_ACCESS_KEY.into(),
            status: if active {
                CredentialStatus::Active
            } else {
                CredentialStatus::Inactive
            },
            created_at: Some(days_ago(created_days_ago)),
            last_used,
            expires: Expiry::Never,
            details: Default::default(),
        });
        self
    }

    pub fn policy(mut self, source: PermissionSource, name: &str, doc: &str) -> Self {
        let doc: PolicyDocument = serde_json::from_str(doc).expect("test policy is valid");
        let key = self.inventory.intern_policy(doc);
        self.identity.permissions.push(Permission {
            source,
            name: name.into(),
            arn: None,
            group: None,
            policy: Some(key),
        });
        self
    }

    pub fn trust(mut self, doc: &str) -> Self {
        let doc: PolicyDocument = serde_json::from_str(doc).expect("test trust is valid");
        self.identity.trust = Some(self.inventory.intern_policy(doc));
        self
    }

    /// The person the source says owns the identity, and whether they are still a member.
    pub fn owner(mut self, login: &str, active: Option<bool>) -> Self {
        self.identity.owner = Some(nhi_api::Owner::new(login, "added_by").active(active));
        self
    }

    pub fn tag(mut self, k: &str, v: &str) -> Self {
        self.identity.tags.insert(k.into(), v.into());
        self
    }

    /// Another principal of the same estate (a role to pass, a user to take over).
    pub fn with(mut self, other: Case) -> Self {
        self.inventory.identities.push(other.identity);
        self.inventory.policies.extend(other.inventory.policies);
        self.inventory.identities.extend(other.inventory.identities);
        self.inventory.aws.merge(other.inventory.aws);
        self.inventory.gcp.merge(other.inventory.gcp);
        self.inventory.workloads.extend(other.inventory.workloads);
        self
    }

    /// A workload of another provider the scan saw (a repository whose CI can present tokens).
    pub fn workload(mut self, w: nhi_api::Workload) -> Self {
        self.inventory.workloads.push(w);
        self
    }

    /// The inventory the analyzer would see: this identity first, then the others.
    pub fn estate_inventory(&self) -> Inventory {
        let mut inventory = self.inventory.clone();
        inventory.identities.insert(0, self.identity.clone());
        inventory
    }

    /// Run one rule as the analyzer would: only on the kinds it declares (a generic rule on the
    /// kinds no rule of the catalog names).
    pub fn run(&self, rule: &dyn Rule) -> Vec<Finding> {
        let (provider, kind) = (self.identity.provider.as_str(), self.identity.kind.as_str());
        let meta = rule.meta();
        let applies = match meta.kinds {
            Kinds::Only(_) => meta.kinds.names(meta.providers, provider, kind),
            Kinds::Uncovered => crate::analyzer::Dispatch::new(&crate::rules::all(), |_| true)
                .is_generic(provider, kind),
        };
        if !applies {
            return Vec::new();
        }
        let inventory = self.estate_inventory();
        let index = PolicyIndex::build(&inventory.policies);
        let estate = Estate::new(&inventory, &index, now());
        let graph = PrivilegeGraph::build(&inventory, &estate);
        let identity = &inventory.identities[0];
        let effective = if crate::rule::facts::is_iam_principal(identity) {
            estate.effective(identity)
        } else {
            Effective::empty()
        };
        let owner = crate::owner::resolve(identity, &self.config.ownership);
        let subject = Subject {
            identity,
            node: graph.node_of(0),
            effective: &effective,
            trust: identity
                .trust
                .as_deref()
                .and_then(|k| inventory.policies.get(k)),
            owner: owner.as_ref(),
        };
        let facts = super::Facts::of(&inventory);
        let federation = Federation::build(&inventory, &graph, now());
        let gcp = crate::privilege::gcp::GcpAccess::build(&inventory, now());
        let azure = crate::privilege::azure::AzureGraph::build(&inventory);
        let ctx = Ctx {
            now: now(),
            config: &self.config,
            facts: &facts,
            graph: &graph,
            estate: &estate,
            federation: &federation,
            gcp: &gcp,
            azure: &azure,
        };
        rule.check(&subject, &ctx)
    }
}

/// Kubernetes subjects: a service account of cluster `prod`, created 400 days ago, in a read
/// namespace with pods read, with no grants, workloads or tokens; a group every caller is in.
pub mod k8s {
    use super::{days_ago, Case};
    use nhi_api::{
        credential_kinds, kinds, providers, Credential, CredentialStatus, Expiry, Identity,
        K8sFacts, K8sGrant, K8sPolicyRule, K8sWorkloadRef, LastUsed, Native,
    };

    pub fn account(namespace: &str, name: &str) -> Case {
        let mut identity = Identity::new(
            providers::KUBERNETES,
            kinds::K8S_SERVICE_ACCOUNT,
            format!("k8s:prod/{namespace}/{name}"),
            format!("{namespace}/{name}"),
        );
        identity.scope = format!("prod/{namespace}");
        identity.created_at = Some(days_ago(400));
        identity.native = Native::Kubernetes(Box::new(K8sFacts {
            cluster: "prod".into(),
            namespace: namespace.into(),
            workloads_known: true,
            namespace_known: true,
            ..Default::default()
        }));
        Case::of(identity)
    }

    pub fn everyone(name: &str) -> Case {
        let mut identity = Identity::new(
            providers::KUBERNETES,
            kinds::K8S_EVERYONE,
            format!("k8s:prod/group/{name}"),
            name,
        );
        identity.scope = "prod".into();
        identity.tags_known = false;
        identity.native = Native::Kubernetes(Box::new(K8sFacts {
            cluster: "prod".into(),
            ..Default::default()
        }));
        Case::of(identity)
    }

    type RuleSpec<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str]);

    /// A grant through `binding` of `role` (with these rules: api groups, resources, verbs),
    /// in `namespace` or cluster-wide.
    pub fn grant(
        binding: &str,
        role: &str,
        namespace: Option<&str>,
        rules: &[RuleSpec<'_>],
    ) -> K8sGrant {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        K8sGrant {
            binding: binding.into(),
            subject: "ServiceAccount test".into(),
            role: role.into(),
            namespace: namespace.map(str::to_string),
            role_found: true,
            rules: rules
                .iter()
                .map(|(g, r, v)| K8sPolicyRule {
                    api_groups: strings(g),
                    resources: strings(r),
                    verbs: strings(v),
                    ..Default::default()
                })
                .collect(),
        }
    }

    impl Case {
        fn k8s(&mut self) -> &mut K8sFacts {
            match &mut self.identity.native {
                Native::Kubernetes(f) => f,
                _ => panic!("not a Kubernetes case"),
            }
        }

        pub fn grant(mut self, g: K8sGrant) -> Self {
            self.k8s().grants.push(g);
            self
        }

        pub fn runs_in(mut self, kind: &str, name: &str) -> Self {
            self.k8s().workloads.push(K8sWorkloadRef {
                kind: kind.into(),
                name: name.into(),
                automount: None,
            });
            self
        }

        pub fn pods_unknown(mut self) -> Self {
            self.k8s().workloads_known = false;
            self
        }

        /// A legacy token Secret, created 300 days ago; `invalidated` as the token cleaner does.
        pub fn token(mut self, name: &str, last_used: LastUsed, invalidated: bool) -> Self {
            let status = if invalidated {
                CredentialStatus::Revoked
            } else {
                CredentialStatus::Active
            };
            if status == CredentialStatus::Active {
                self.identity.last_used = self.identity.last_used.latest(last_used);
            }
            self.identity.credentials.push(Credential {
                id: name.into(),
                kind: credential_kinds::K8S_LEGACY_TOKEN.into(),
                status,
                created_at: Some(days_ago(300)),
                last_used,
                expires: Expiry::Never,
                details: [("secret".to_string(), format!("ns/{name}"))]
                    .into_iter()
                    .collect(),
            });
            self
        }
    }
}

/// A Google Cloud service account `name@acme-prod.iam.gserviceaccount.com` in project
/// `acme-prod` (in folder 10 of organization 1).
pub fn gcp_sa(name: &str) -> Case {
    let email = if name.contains('@') {
        name.to_string()
    } else {
        format!("{name}@acme-prod.iam.gserviceaccount.com")
    };
    let mut identity = Identity::new(
        providers::GCP,
        kinds::GCP_SERVICE_ACCOUNT,
        format!("projects/acme-prod/serviceAccounts/{email}"),
        email.clone(),
    );
    identity.scope = "acme-prod".into();
    identity.native = Native::GcpServiceAccount(Box::new(nhi_api::gcp::GcpServiceAccount {
        project_id: "acme-prod".into(),
        project_number: Some("111".into()),
        email: email.clone(),
        unique_id: Some(format!("uid-{name}")),
        default_account: nhi_api::gcp::default_account_kind(&email).map(str::to_string),
        ..Default::default()
    }));
    let mut case = Case::of(identity);
    case.inventory.gcp.projects.push(nhi_api::gcp::GcpProject {
        id: "acme-prod".into(),
        number: Some("111".into()),
        ancestors: vec!["folders/10".into(), "organizations/1".into()],
        labels: Default::default(),
    });
    case
}

impl Case {
    /// A user-managed key created `created_days_ago`, used as `last_used`, expiring as given.
    pub fn gcp_key(
        mut self,
        id: &str,
        created_days_ago: i64,
        last_used: LastUsed,
        expires: Expiry,
    ) -> Self {
        self.identity.credentials.push(Credential {
            id: id.into(),
            kind: credential_kinds::GCP_SERVICE_ACCOUNT_KEY.into(),
            status: CredentialStatus::Active,
            created_at: Some(days_ago(created_days_ago)),
            last_used,
            expires,
            details: Default::default(),
        });
        self
    }

    /// A binding of `role` to `member` on `resource` (a full resource name; `project` means
    /// the project's own policy, `sa` the account's own policy).
    pub fn gcp_binding(
        mut self,
        resource: &str,
        role: &str,
        member: &str,
        condition: Option<&str>,
    ) -> Self {
        let email = match &self.identity.native {
            Native::GcpServiceAccount(f) => f.email.clone(),
            _ => String::new(),
        };
        let resource = match resource {
            "project" => "//cloudresourcemanager.googleapis.com/projects/acme-prod".to_string(),
            "folder" => "//cloudresourcemanager.googleapis.com/folders/10".to_string(),
            "org" => "//cloudresourcemanager.googleapis.com/organizations/1".to_string(),
            "sa" => format!("//iam.googleapis.com/projects/acme-prod/serviceAccounts/{email}"),
            other => other.to_string(),
        };
        let member = if member == "self" {
            format!("serviceAccount:{email}")
        } else {
            member.to_string()
        };
        let binding = nhi_api::gcp::GcpBinding {
            role: role.into(),
            members: vec![member],
            condition: condition.map(|e| nhi_api::gcp::GcpCondition {
                title: None,
                expression: e.into(),
            }),
        };
        match self
            .inventory
            .gcp
            .policies
            .iter_mut()
            .find(|p| p.resource == resource)
        {
            Some(p) => p.bindings.push(binding),
            None => self.inventory.gcp.policies.push(nhi_api::gcp::GcpPolicy {
                resource,
                bindings: vec![binding],
                ..Default::default()
            }),
        }
        self.inventory.gcp.hierarchy_complete = true;
        self
    }

    /// A group whose members are known (a Cloud Identity memberships export).
    pub fn gcp_group(mut self, email: &str, members: &[&str]) -> Self {
        self.inventory.gcp.groups.push(nhi_api::gcp::GcpGroup {
            email: email.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
        });
        self
    }

    /// Change the service account's facts.
    pub fn gcp(mut self, f: impl FnOnce(&mut nhi_api::gcp::GcpServiceAccount)) -> Self {
        if let Native::GcpServiceAccount(facts) = &mut self.identity.native {
            f(facts);
        }
        self
    }
}

/// An Entra ID identity of `kind` in tenant `t1`, created 400 days ago, with these facts.
pub fn azure(kind: &str, object_id: &str, facts: nhi_api::AzureFacts) -> Case {
    let collection = match kind {
        kinds::AZURE_APPLICATION => "applications",
        kinds::AZURE_AGENT_IDENTITY => "agentIdentities",
        kinds::AZURE_AGENT_BLUEPRINT => "agentIdentityBlueprints",
        kinds::AZURE_AGENT_USER => "agentUsers",
        _ => "servicePrincipals",
    };
    let mut identity = Identity::new(
        providers::AZURE,
        kind,
        format!("azure:t1/{collection}/{object_id}"),
        object_id,
    );
    identity.scope = "t1".into();
    identity.created_at = Some(days_ago(400));
    identity.tags_known = false;
    identity.native = Native::Azure(Box::new(nhi_api::AzureFacts {
        tenant_id: "t1".into(),
        object_id: object_id.into(),
        ..facts
    }));
    Case::of(identity)
}

/// An Entra ID client secret (or certificate) starting `start_days_ago`, ending `end_in_days`
/// from now.
pub fn azure_secret(
    id: &str,
    on: &str,
    start_days_ago: i64,
    end_in_days: i64,
    certificate: bool,
) -> Credential {
    let mut details = std::collections::BTreeMap::new();
    details.insert("on".to_string(), on.to_string());
    Credential {
        id: id.into(),
        kind: if certificate {
            credential_kinds::AZURE_CERTIFICATE
        } else {
            credential_kinds::AZURE_CLIENT_SECRET
        }
        .into(),
        status: CredentialStatus::Active,
        created_at: Some(days_ago(start_days_ago)),
        last_used: LastUsed::Unknown,
        expires: Expiry::At(days_ago(-end_in_days)),
        details: details.into(),
    }
}
