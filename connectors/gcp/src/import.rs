//! `--from`: the exports `gcloud ... --format=json` prints (docs/gcp-export.sh makes the whole
//! set), recognized by content. Each file is one source in the report; files are joined into
//! one [`Export`] and normalized once, so keys, bindings and activity find their accounts
//! whatever order or files they come in.

use crate::normalize::{normalize, split_account_name, Export};
use crate::types::{
    Activity, IamPolicyResult, Key, Membership, PoolProvider, Project, Role, ServiceAccount,
};
use crate::CONNECTOR;
use nhi_api::import::{json_error_message, Importer, JsonShape, Sniffed};
use nhi_api::{Inventory, SourceReport};
use serde::de::DeserializeOwned;

/// The script that makes the export set, for error messages.
pub const EXPORT_HINT: &str = "produce it with docs/gcp-export.sh (gcloud ... --format=json)";

/// The export formats, by what they are made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    ServiceAccounts,
    Keys,
    Policies,
    Activities,
    Providers,
    Roles,
    Projects,
    Memberships,
}

impl Format {
    /// Which export a JSON shape is: the keys of an item (a list's first, or a lone object for
    /// `roles describe`).
    pub fn of(shape: &JsonShape) -> Option<Format> {
        let has = |k: &str| shape.has(k);
        let item_list = matches!(shape, JsonShape::List(Some(_)));
        let role_object = matches!(shape, JsonShape::Object(_)) && has("includedPermissions");
        if !(item_list || role_object) {
            return None;
        }
        if has("preferredMemberKey") {
            Some(Format::Memberships)
        } else if has("email") && (has("uniqueId") || has("projectId")) && has("name") {
            Some(Format::ServiceAccounts)
        } else if has("keyType") || (has("validAfterTime") && has("keyAlgorithm")) {
            Some(Format::Keys)
        } else if has("policy") && has("resource") {
            Some(Format::Policies)
        } else if has("activityType") && (has("fullResourceName") || has("activity")) {
            Some(Format::Activities)
        } else if has("includedPermissions") && has("name") {
            Some(Format::Roles)
        } else if has("name")
            && (has("oidc") || has("aws") || has("saml") || has("attributeMapping"))
        {
            Some(Format::Providers)
        } else if has("projectId")
            && (has("projectNumber") || has("lifecycleState") || has("state") || has("parent"))
        {
            Some(Format::Projects)
        } else {
            None
        }
    }

    fn what(self) -> &'static str {
        match self {
            Format::ServiceAccounts => "service accounts (gcloud iam service-accounts list)",
            Format::Keys => "service-account keys (gcloud iam service-accounts keys list)",
            Format::Policies => "IAM policies (gcloud asset search-all-iam-policies)",
            Format::Activities => "last authentications (gcloud policy-intelligence query-activity)",
            Format::Providers => {
                "workload identity pool providers (gcloud iam workload-identity-pools providers list)"
            }
            Format::Roles => "custom roles (gcloud iam roles describe)",
            Format::Projects => "projects (gcloud projects list)",
            Format::Memberships => {
                "group memberships (gcloud identity groups memberships list --group-email=G)"
            }
        }
    }
}

/// Reads Google Cloud exports.
#[derive(Default)]
pub struct GcpImport {
    export: Export,
    sources: Vec<SourceReport>,
    groups: Vec<nhi_api::gcp::GcpGroup>,
}

impl GcpImport {
    pub fn new() -> Self {
        GcpImport::default()
    }

    fn fail(&mut self, origin: &str, message: String) {
        self.sources
            .push(SourceReport::failed(CONNECTOR, "", origin, message));
    }

    /// Items of a list (or a lone object), each decoded on its own: a malformed item is an item
    /// error, the rest is still read.
    fn items<T: DeserializeOwned>(
        &mut self,
        origin: &str,
        bytes: &[u8],
        format: Format,
    ) -> Option<(Vec<T>, Vec<String>)> {
        let value: serde_json::Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                self.fail(
                    origin,
                    json_error_message(
                        &e,
                        &format!("expected Google Cloud {}; {EXPORT_HINT}", format.what()),
                    ),
                );
                return None;
            }
        };
        let list = match value {
            serde_json::Value::Array(items) => items,
            other => vec![other],
        };
        let mut items = Vec::with_capacity(list.len());
        let mut errors = Vec::new();
        for (i, item) in list.into_iter().enumerate() {
            match serde_json::from_value::<T>(item) {
                Ok(v) => items.push(v),
                Err(e) => errors.push(format!("item {i}: {e}")),
            }
        }
        Some((items, errors))
    }

    fn report(
        &mut self,
        origin: &str,
        scope: &str,
        format: Format,
        n: usize,
        errors: &[String],
        identities: usize,
    ) {
        let summary = format!("{n} {}", format.what());
        let report = if errors.is_empty() {
            SourceReport::ok(CONNECTOR, scope, origin)
        } else {
            SourceReport::partial(
                CONNECTOR,
                scope,
                origin,
                format!(
                    "{summary}; {} item(s) could not be read, first: {}; {EXPORT_HINT}",
                    errors.len(),
                    errors[0]
                ),
            )
        };
        self.sources.push(report.identities(identities));
    }
}

impl Importer for GcpImport {
    fn accepts(&self) -> &'static str {
        "a Google Cloud export (docs/gcp-export.sh: gcloud iam service-accounts list / keys list, asset search-all-iam-policies, policy-intelligence query-activity, iam workload-identity-pools providers list, iam roles describe, projects list, identity groups memberships list, with --format=json)"
    }

    fn claims(&self, file: &Sniffed<'_>) -> bool {
        file.json.as_ref().and_then(Format::of).is_some()
    }

    fn add(&mut self, origin: &str, bytes: &[u8], file: &Sniffed<'_>) {
        let Some(format) = file.json.as_ref().and_then(Format::of) else {
            self.fail(origin, format!("not a Google Cloud export; {EXPORT_HINT}"));
            return;
        };
        let origin_s = origin.to_string();
        match format {
            Format::ServiceAccounts => {
                let Some((items, errors)) = self.items::<ServiceAccount>(origin, bytes, format)
                else {
                    return;
                };
                let scope = items
                    .first()
                    .map(|s| s.project_id.clone())
                    .unwrap_or_default();
                self.report(origin, &scope, format, items.len(), &errors, items.len());
                self.export
                    .service_accounts
                    .extend(items.into_iter().map(|s| (origin_s.clone(), s)));
            }
            Format::Keys => {
                let Some((items, errors)) = self.items::<Key>(origin, bytes, format) else {
                    return;
                };
                let scope = items
                    .first()
                    .and_then(|k| split_account_name(&k.name))
                    .map(|(p, _, _)| p.to_string())
                    .unwrap_or_default();
                self.report(origin, &scope, format, items.len(), &errors, 0);
                self.export
                    .keys
                    .extend(items.into_iter().map(|k| (origin_s.clone(), k)));
            }
            Format::Policies => {
                let Some((items, errors)) = self.items::<IamPolicyResult>(origin, bytes, format)
                else {
                    return;
                };
                let scope = items
                    .iter()
                    .find_map(|r| r.organization.clone())
                    .or_else(|| items.first().and_then(|r| r.project.clone()))
                    .unwrap_or_default();
                self.report(origin, &scope, format, items.len(), &errors, 0);
                // An organization-wide search sees the organization's own policy.
                if items.iter().any(|r| {
                    r.resource
                        .starts_with("//cloudresourcemanager.googleapis.com/organizations/")
                }) {
                    self.export.hierarchy_complete = true;
                }
                self.export.policies.extend(items);
            }
            Format::Activities => {
                let Some((items, errors)) = self.items::<Activity>(origin, bytes, format) else {
                    return;
                };
                let scope = items
                    .first()
                    .and_then(|a| a.full_resource_name.as_deref())
                    .and_then(split_account_name)
                    .map(|(p, _, _)| p.to_string())
                    .unwrap_or_default();
                self.report(origin, &scope, format, items.len(), &errors, 0);
                self.export.activities.extend(items);
            }
            Format::Providers => {
                let Some((items, errors)) = self.items::<PoolProvider>(origin, bytes, format)
                else {
                    return;
                };
                let scope = items
                    .first()
                    .and_then(|p| p.name.split('/').nth(1))
                    .unwrap_or_default()
                    .to_string();
                self.report(origin, &scope, format, items.len(), &errors, items.len());
                self.export
                    .providers
                    .extend(items.into_iter().map(|p| (origin_s.clone(), p)));
            }
            Format::Roles => {
                let Some((items, errors)) = self.items::<Role>(origin, bytes, format) else {
                    return;
                };
                self.report(origin, "", format, items.len(), &errors, 0);
                self.export.roles.extend(items);
            }
            Format::Projects => {
                let Some((items, errors)) = self.items::<Project>(origin, bytes, format) else {
                    return;
                };
                self.report(origin, "", format, items.len(), &errors, 0);
                self.export.projects.extend(items);
            }
            Format::Memberships => {
                let Some((items, errors)) = self.items::<Membership>(origin, bytes, format) else {
                    return;
                };
                let Some(email) = group_email(origin, &items) else {
                    self.fail(
                        origin,
                        format!(
                            "{} {}, but which group they belong to is not in the file: name the file GROUP_EMAIL.json (docs/gcp-export.sh does)",
                            items.len(),
                            format.what()
                        ),
                    );
                    return;
                };
                self.report(origin, &email, format, items.len(), &errors, 0);
                let members = items
                    .iter()
                    .filter_map(|m| m.preferred_member_key.as_ref())
                    .map(|k| k.id.trim().to_ascii_lowercase())
                    .filter(|id| !id.is_empty())
                    .collect();
                self.groups.push(nhi_api::gcp::GcpGroup { email, members });
            }
        }
    }

    fn is_used(&self) -> bool {
        !self.sources.is_empty()
    }

    fn finish(self: Box<Self>) -> Inventory {
        let mut inventory = normalize(&self.export);
        // Provider names carry project numbers: report the project id where it is known.
        let ids: std::collections::BTreeMap<&str, &str> = inventory
            .gcp
            .projects
            .iter()
            .filter_map(|p| p.number.as_deref().map(|n| (n, p.id.as_str())))
            .collect();
        let mut sources = self.sources;
        for s in &mut sources {
            if let Some(id) = ids.get(s.scope.as_str()) {
                s.scope = id.to_string();
            }
        }
        inventory.sources.extend(sources);
        inventory.gcp.groups.extend(self.groups);
        inventory.sort();
        inventory
    }
}

/// The group a memberships file lists: `groupKey.id` where the payload has it, else a `name`
/// that is an e-mail, else the file name (`GROUP_EMAIL.json`, as docs/gcp-export.sh writes).
fn group_email(origin: &str, items: &[Membership]) -> Option<String> {
    let is_email = |s: &str| {
        let s = s.trim();
        s.contains('@') && !s.contains('/') && !s.contains(char::is_whitespace)
    };
    items
        .iter()
        .filter_map(|m| m.group_key.as_ref().map(|k| k.id.as_str()))
        .chain(items.iter().filter_map(|m| m.name.as_deref()))
        .find(|s| is_email(s))
        .map(str::to_string)
        .or_else(|| {
            let file = std::path::Path::new(origin).file_name()?.to_str()?;
            let stem = file.strip_suffix(".json").unwrap_or(file);
            is_email(stem).then(|| stem.to_string())
        })
        .map(|s| s.trim().to_ascii_lowercase())
}
