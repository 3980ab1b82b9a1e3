//! How completely an organization was read: each identity kind's source report (refused kinds are
//! `skipped` with what to grant, gaps make a kind `partial`), and the organization's own report
//! (repositories, members, requests). [`split`] separates what was fetched into the data the
//! normalizer reads and the coverage the reports are made of.

use crate::client::{ApiError, Listing};
use crate::fetch::Fetched;
use crate::normalize::OrgData;
use crate::types::Member;
use crate::CONNECTOR;
use nhi_api::{kinds, Identity, SourceReport, SourceStatus};
use nhi_http::segment;
use std::collections::{BTreeMap, BTreeSet};

/// The report of an organization that could not be read at all.
pub(crate) fn unreadable(api_base: &str, org: &str, e: &ApiError) -> SourceReport {
    let message = match e.status() {
        Some(401) => format!(
            "the token was refused ({e}): set GITHUB_TOKEN (or GH_TOKEN) to a valid token, or check the GitHub App's key and installation id"
        ),
        Some(404) => format!(
            "organization {org} was not found or is not visible to this token ({e}); check the name and that the token's owner (or app) belongs to it"
        ),
        _ => format!("cannot read organization {org}: {e}"),
    };
    SourceReport::failed(CONNECTOR, org, org_origin(api_base, org), message)
}

fn org_origin(api_base: &str, org: &str) -> String {
    format!("{api_base}/orgs/{}", segment(org))
}

/// How each kind and the organization itself were read.
pub(crate) struct Assessment {
    /// (kind, API path the kind is read from, outcome), in report order.
    kinds: Vec<(&'static str, String, KindOutcome)>,
    /// What makes the organization partial.
    problems: Vec<String>,
    /// Said about the organization without making it partial.
    notes: Vec<String>,
    repositories: usize,
    members: Option<usize>,
    collaborators: Option<usize>,
}

/// Separate what was fetched into the organization's data and how completely it was read.
pub(crate) fn split(f: Fetched, org: &str, api_url: &str) -> (OrgData, Assessment) {
    let o = segment(org);
    let org_path = format!("/orgs/{o}");
    let mut problems = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let repos_listed = match &f.repo_listing {
        None => true,
        Some(listing) => {
            if let Some(stop) = &listing.stop {
                problems.push(format!("repository list incomplete: {stop}"));
            }
            notes.extend(listing.off_host.clone());
            if let Some(first) = listing.item_errors.first() {
                problems.push(format!(
                    "{} repositories could not be read, first: {first}",
                    listing.item_errors.len()
                ));
            }
            listing.stop.is_none()
        }
    };

    // Who is still in the organization. A refusal is a note (only departures go unjudged); an
    // error that is not one makes the organization partial.
    let mut who = |listing: &Listing<Member>, what: &str, consequence: &str| {
        let unread = match (&listing.stop, &listing.off_host) {
            (None, None) => {
                return Some(
                    listing
                        .items
                        .iter()
                        .map(|m| m.login.to_ascii_lowercase())
                        .collect::<BTreeSet<String>>(),
                )
            }
            (Some(e), _) if !e.is_refusal() => {
                problems.push(format!("{what} unreadable ({e}): {consequence}"));
                return None;
            }
            (Some(e), _) => format!("{what} not readable with this token ({e})"),
            (None, Some(note)) => format!("{what} not read to the end ({note})"),
        };
        notes.push(format!("{unread}: {consequence}"));
        None
    };
    let member_set = who(
        &f.members,
        "member list",
        "whether owners and creators left is not judged",
    );
    let collaborator_set = who(
        &f.collaborators,
        "outside collaborator list",
        "deploy keys added by people outside the member list are not judged departed",
    );
    let mut data = OrgData {
        org: org.to_string(),
        api_url: api_url.to_string(),
        members: member_set,
        collaborators: collaborator_set,
        ..Default::default()
    };

    let mut installations = KindOutcome::default();
    installations.main(&f.installations, "installations");
    data.installations = f.installations.items;

    let mut pats = KindOutcome::default();
    pats.main(&f.pats, "fine-grained PATs");
    if pats.refused.is_none() {
        // Requests are read with the same permission; their refusal alone is a gap.
        pats.listing(&f.pat_requests, "fine-grained PAT requests");
    }
    data.pats = f.pats.items;
    data.pat_requests = f.pat_requests.items;

    let mut credentials = KindOutcome::default();
    credentials.main(&f.credentials, "credential authorizations");
    data.credential_authorizations = f.credentials.items;

    let mut workflow = KindOutcome::default();
    match f.workflow {
        Ok(w) => data.workflow = Some(w),
        Err(e) if e.is_refusal() => workflow.refused = Some(e),
        Err(e) => workflow.problems.push(e.to_string()),
    }
    match f.oidc {
        Ok(o) => data.oidc_sub_claim_keys = o.include_claim_keys,
        // Not customized (or not visible): the default subject.
        Err(e) if e.is_refusal() => {}
        Err(e) => workflow
            .notes
            .push(format!("OIDC subject claims unreadable: {e}")),
    }

    // Repository-level kinds: what each repository answered.
    let mut secrets_cov = Coverage::new(f.repos.len());
    let mut keys_cov = Coverage::new(f.repos.len());
    let mut env_cov = Coverage::new(f.repos.len());
    let mut item_errors = Vec::new();
    let mut repo_notes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (repo, read) in f.repos.iter().zip(f.reads) {
        data.repositories.push(crate::normalize::Repository {
            full_name: repo.full_name.clone(),
            id: repo.id,
            owner_id: repo.owner_id,
            created_at: repo.created_at,
            archived: repo.archived,
            environments: read.environments.clone(),
            oidc_claim_keys: match &read.oidc {
                Some(o) if o.use_default == Some(true) => Some(Vec::new()),
                Some(o) if !o.include_claim_keys.is_empty() => Some(o.include_claim_keys.clone()),
                // Opted in to the organization's template.
                Some(_) => Some(data.oidc_sub_claim_keys.clone()),
                None => None,
            },
        });
        keys_cov.add(&repo.full_name, read.keys_error.as_ref());
        secrets_cov.add(&repo.full_name, read.secrets_error.as_ref());
        env_cov.add(&repo.full_name, read.env_error.as_ref());
        for (kind, note) in read.off_host {
            repo_notes.entry(kind).or_default().push(note);
        }
        data.deploy_keys.extend(read.keys);
        data.repo_secrets.extend(read.secrets);
        data.env_secrets.extend(read.env_secrets);
        item_errors.extend(read.item_errors);
    }

    let mut secrets = KindOutcome::default();
    let org_secrets_refused = f
        .org_secrets
        .stop
        .as_ref()
        .is_some_and(|e| e.is_refusal() && f.org_secrets.items.is_empty());
    let repo_secrets = secrets_cov.outcome(
        kinds::GITHUB_ACTIONS_SECRET,
        repos_listed,
        "repository secrets",
    );
    let env_secrets = env_cov.outcome(
        kinds::GITHUB_ACTIONS_SECRET,
        repos_listed,
        "environment secrets",
    );
    if org_secrets_refused && (f.repos.is_empty() || repo_secrets.refused.is_some()) {
        // Nothing readable at any level: skipped.
        secrets.refused = f.org_secrets.stop.clone();
    } else {
        secrets.listing(&f.org_secrets, "organization secrets");
        secrets.problems.extend(repo_secrets.problems);
        if let Some(e) = repo_secrets.refused {
            secrets.problems.push(format!(
                "repository secrets refused ({e}); {}",
                grant_hint(kinds::GITHUB_ACTIONS_SECRET)
            ));
        }
        secrets.problems.extend(env_secrets.problems);
        if let Some(e) = env_secrets.refused {
            secrets
                .problems
                .push(format!("environment secrets refused ({e})"));
        }
    }
    for (secret, listing) in f.secret_repositories {
        secrets.listing(&listing, "selected repositories of a secret");
        let names = listing
            .items
            .iter()
            .map(|r| r.full_name.clone().unwrap_or_else(|| r.name.clone()))
            .collect();
        data.org_secret_repositories.insert(secret, names);
    }
    data.org_secrets = f.org_secrets.items;
    let mut keys = keys_cov.outcome(kinds::GITHUB_DEPLOY_KEY, repos_listed, "deploy keys");
    for (kind, outcome) in [
        (kinds::GITHUB_DEPLOY_KEY, &mut keys),
        (kinds::GITHUB_ACTIONS_SECRET, &mut secrets),
    ] {
        if let Some(notes) = repo_notes.get(kind) {
            outcome.notes.push(format!(
                "{} repository listing(s) ended at a next-page link to another host, not followed (first: {})",
                notes.len(),
                notes.first().map(String::as_str).unwrap_or("")
            ));
        }
    }
    if let Some(first) = item_errors.first() {
        problems.push(format!(
            "{} repository item(s) could not be read, first: {first}",
            item_errors.len()
        ));
    }

    let assessment = Assessment {
        kinds: vec![
            (
                kinds::GITHUB_APP_INSTALLATION,
                format!("{org_path}/installations"),
                installations,
            ),
            (kinds::GITHUB_DEPLOY_KEY, format!("/repos/{o}/*/keys"), keys),
            (
                kinds::GITHUB_FINE_GRAINED_PAT,
                format!("{org_path}/personal-access-tokens"),
                pats,
            ),
            (
                kinds::GITHUB_CREDENTIAL_AUTHORIZATION,
                format!("{org_path}/credential-authorizations"),
                credentials,
            ),
            (
                kinds::GITHUB_ACTIONS_SECRET,
                format!("{org_path}/actions/secrets"),
                secrets,
            ),
            (
                kinds::GITHUB_WORKFLOW_TOKEN,
                format!("{org_path}/actions/permissions/workflow"),
                workflow,
            ),
        ],
        problems,
        notes,
        repositories: f.repos.len(),
        members: data.members.as_ref().map(BTreeSet::len),
        collaborators: data.collaborators.as_ref().map(BTreeSet::len),
    };
    (data, assessment)
}

impl Assessment {
    /// One report per identity kind, then the organization's own.
    pub(crate) fn reports(
        self,
        api_base: &str,
        org: &str,
        identities: &[Identity],
        requests: u64,
    ) -> Vec<SourceReport> {
        let count = |kind: &str| identities.iter().filter(|i| i.kind == kind).count();
        let mut out: Vec<SourceReport> = self
            .kinds
            .into_iter()
            .map(|(kind, path, outcome)| {
                let n = if kind == kinds::GITHUB_FINE_GRAINED_PAT {
                    count(kind) + count(kinds::GITHUB_FINE_GRAINED_PAT_REQUEST)
                } else {
                    count(kind)
                };
                outcome.report(api_base, org, kind, &path, n)
            })
            .collect();
        let known = |n: Option<usize>| n.map_or_else(|| "unknown".to_string(), |n| n.to_string());
        let summary = format!(
            "{} repositories, members {}, outside collaborators {}; {requests} API requests",
            self.repositories,
            known(self.members),
            known(self.collaborators)
        );
        let summary = std::iter::once(summary)
            .chain(self.notes)
            .collect::<Vec<_>>()
            .join("; ");
        let origin = org_origin(api_base, org);
        let report = if self.problems.is_empty() {
            SourceReport::ok(CONNECTOR, org, origin).message(summary)
        } else {
            SourceReport::partial(
                CONNECTOR,
                org,
                origin,
                format!("{summary}; {}", self.problems.join("; ")),
            )
        };
        out.push(report.identities(identities.len()));
        out
    }
}

/// What to tell a person whose token may not read a kind.
fn grant_hint(kind: &str) -> &'static str {
    match kind {
        kinds::GITHUB_APP_INSTALLATION => "grant the organization permission \"Administration: read\" (fine-grained token or GitHub App), or use an organization owner's classic token with read:org",
        kinds::GITHUB_FINE_GRAINED_PAT => "only a GitHub App can list fine-grained PATs: run with --github-app-id, --github-app-key and --github-installation-id of an app with the organization permission \"Personal access tokens: read\"",
        kinds::GITHUB_CREDENTIAL_AUTHORIZATION => "this listing exists only for organizations with SAML single sign-on (GitHub Enterprise Cloud) and needs an organization owner's token with read:org",
        kinds::GITHUB_DEPLOY_KEY => "grant the repository permission \"Administration: read\" (fine-grained token or GitHub App), or use a classic token with repo scope held by a repository admin",
        kinds::GITHUB_ACTIONS_SECRET => "grant \"Secrets: read\" on the organization and its repositories (fine-grained token or GitHub App), or a classic token with repo and admin:org scopes",
        kinds::GITHUB_WORKFLOW_TOKEN => "grant the organization permission \"Administration: read\", or a classic token with admin:org",
        _ => "check the token's permissions",
    }
}

/// How one identity kind of one organization was read.
#[derive(Default)]
pub(crate) struct KindOutcome {
    /// The main listing was refused (403/404): the kind is skipped.
    refused: Option<ApiError>,
    problems: Vec<String>,
    /// Said in the report without making the kind partial.
    notes: Vec<String>,
}

impl KindOutcome {
    fn listing<T>(&mut self, listing: &Listing<T>, what: &str) {
        if let Some(first) = listing.item_errors.first() {
            self.problems.push(format!(
                "{} {what} could not be read, first: {first}",
                listing.item_errors.len()
            ));
        }
        if let Some(stop) = &listing.stop {
            self.problems.push(stop.to_string());
        }
        self.notes.extend(listing.off_host.clone());
    }

    /// Record a top-level listing: a refusal skips the kind.
    fn main<T>(&mut self, listing: &Listing<T>, what: &str) {
        match &listing.stop {
            // Skipped only when nothing at all came back; a refusal after some pages is a gap.
            Some(e)
                if e.is_refusal() && listing.items.is_empty() && listing.item_errors.is_empty() =>
            {
                self.refused = Some(e.clone());
            }
            _ => self.listing(listing, what),
        }
    }
}

impl KindOutcome {
    /// The kind's source report.
    fn report(
        self,
        api_base: &str,
        org: &str,
        kind: &str,
        path: &str,
        identities: usize,
    ) -> SourceReport {
        let notes = self.notes.join("; ");
        let with_notes = |m: String| match (m.is_empty(), notes.is_empty()) {
            (_, true) => m,
            (true, false) => notes.clone(),
            (false, false) => format!("{m}; {notes}"),
        };
        let (status, message) = match self.refused {
            Some(e) => (
                SourceStatus::Skipped,
                format!("not readable with this token ({e}); {}", grant_hint(kind)),
            ),
            None if self.problems.is_empty() => (SourceStatus::Ok, String::new()),
            None => (SourceStatus::Partial, self.problems.join("; ")),
        };
        SourceReport::new(CONNECTOR, org, format!("{api_base}{path}"), status)
            .kind(kind)
            .identities(identities)
            .message_if(Some(with_notes(message)))
    }
}

/// Coverage of one repository-level kind: how many repositories were read, and why not the rest.
pub(crate) struct Coverage {
    total: usize,
    read: usize,
    refused: Vec<(String, ApiError)>,
    failed: Vec<(String, ApiError)>,
}

impl Coverage {
    fn new(total: usize) -> Self {
        Coverage {
            total,
            read: 0,
            refused: Vec::new(),
            failed: Vec::new(),
        }
    }

    fn add(&mut self, repo: &str, error: Option<&ApiError>) {
        match error {
            None => self.read += 1,
            Some(e) if e.is_refusal() => self.refused.push((repo.to_string(), e.clone())),
            Some(e) => self.failed.push((repo.to_string(), e.clone())),
        }
    }

    fn outcome(self, kind: &str, repos_listed: bool, what: &str) -> KindOutcome {
        let mut outcome = KindOutcome::default();
        if self.total > 0 && self.read == 0 && self.failed.is_empty() && repos_listed {
            if let Some((_, e)) = self.refused.first() {
                outcome.refused = Some(e.clone());
                return outcome;
            }
        }
        if self.refused.is_empty() && self.failed.is_empty() {
            return outcome;
        }
        let mut message = format!(
            "{what} read for {} of {} repositories",
            self.read, self.total
        );
        if let Some((repo, e)) = self.refused.first() {
            message.push_str(&format!(
                "; {} refused (first {repo}: {e}); {}",
                self.refused.len(),
                grant_hint(kind)
            ));
        }
        if let Some((repo, e)) = self.failed.first() {
            message.push_str(&format!(
                "; {} failed (first {repo}: {e})",
                self.failed.len()
            ));
        }
        outcome.problems.push(message);
        outcome
    }
}
