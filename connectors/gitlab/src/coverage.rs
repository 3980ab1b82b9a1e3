//! How completely a scope was read: one source report per identity kind (a kind refused
//! everywhere is `skipped` with what to grant; gaps make it `partial`, naming the first group or
//! project that refused and why), and the scope's own report (groups, projects, members,
//! requests). [`Tally`] counts what each listing of a kind answered.

use crate::client::{ApiError, Listing};
use crate::CONNECTOR;
use nhi_api::{kinds, Identity, SourceReport, SourceStatus};

/// The report of a group or project that could not be read at all.
pub(crate) fn unreadable(api_base: &str, what: &str, scope: &str, e: &ApiError) -> SourceReport {
    let message = match e.status() {
        Some(401) => format!(
            "the token was refused ({e}): GITLAB_TOKEN is expired, revoked or mistyped; set it to a valid token with the read_api scope"
        ),
        Some(403 | 404) => format!(
            "{what} {scope} was not found or is not visible to this token ({e}); check the path (--gitlab-{what} {scope}) and that the token's user is a member with at least the Reporter role (Maintainer or Owner to see tokens and variables)"
        ),
        _ => format!("cannot read {what} {scope}: {e}"),
    };
    SourceReport::failed(
        CONNECTOR,
        scope,
        format!("{api_base}/{what}s/{}", nhi_http::segment(scope)),
        message,
    )
}

/// What to tell a person whose token may not read a kind.
pub(crate) fn grant_hint(kind: &str) -> &'static str {
    match kind {
        kinds::GITLAB_PROJECT_ACCESS_TOKEN => "give the token's user the Maintainer role on the projects (read_api scope)",
        kinds::GITLAB_GROUP_ACCESS_TOKEN => "give the token's user the Owner role on the groups (read_api scope)",
        kinds::GITLAB_DEPLOY_TOKEN => "give the token's user the Maintainer role on the projects and Owner on the groups; instance deploy tokens need an administrator's token (--gitlab-instance)",
        kinds::GITLAB_DEPLOY_KEY => "give the token's user the Maintainer role on the projects; instance deploy keys need an administrator's token",
        kinds::GITLAB_TRIGGER_TOKEN => "give the token's user the Maintainer role on the projects",
        kinds::GITLAB_CI_VARIABLE => "give the token's user the Maintainer role on the projects and Owner on the groups; instance variables need an administrator's token",
        kinds::GITLAB_RUNNER => "group runners need the Owner role on the group; every runner needs an administrator's token (--gitlab-instance)",
        kinds::GITLAB_SERVICE_ACCOUNT => "service accounts are a Premium/Ultimate feature; listing them needs the Owner role on the top-level group, or an administrator's token for the instance",
        kinds::GITLAB_PERSONAL_ACCESS_TOKEN => "a token lists only its own user's personal access tokens; every user's needs an administrator's token (--gitlab-instance)",
        _ => "check the token's role and scopes (read_api)",
    }
}

/// What every listing of one kind answered, across a scope's groups and projects.
#[derive(Default)]
pub(crate) struct Tally {
    total: usize,
    read: usize,
    refused: Vec<(String, ApiError)>,
    failed: Vec<(String, ApiError)>,
    item_errors: Vec<String>,
    off_host: Vec<String>,
    /// Said in the report without making the kind partial.
    notes: Vec<String>,
}

impl Tally {
    /// Count one listing, made for `whom` (a project or group path).
    pub(crate) fn add<T>(&mut self, whom: &str, listing: &Listing<T>) {
        self.total += 1;
        self.item_errors.extend(listing.item_errors.iter().cloned());
        self.off_host.extend(listing.off_host.iter().cloned());
        match &listing.stop {
            None => self.read += 1,
            // A refusal after some items is a gap, not a skip.
            Some(e) if e.is_refusal() && listing.items.is_empty() => {
                self.refused.push((whom.to_string(), e.clone()))
            }
            Some(e) => self.failed.push((whom.to_string(), e.clone())),
        }
    }

    pub(crate) fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// The kind's source report.
    pub(crate) fn report(
        self,
        api_base: &str,
        scope: &str,
        kind: &str,
        origin: &str,
        identities: &[Identity],
    ) -> SourceReport {
        let count = identities.iter().filter(|i| i.kind == kind).count();
        let mut notes = self.notes;
        if let Some(first) = self.off_host.first() {
            notes.push(format!(
                "{} listing(s) ended at a next-page link to another host, not followed (first: {first})",
                self.off_host.len()
            ));
        }
        let (status, mut message) = if self.total > 0
            && self.read == 0
            && self.failed.is_empty()
            && !self.refused.is_empty()
        {
            let (whom, e) = &self.refused[0];
            (
                SourceStatus::Skipped,
                format!(
                    "not readable with this token (first {whom}: {e}); {}",
                    grant_hint(kind)
                ),
            )
        } else {
            let mut problems = Vec::new();
            if !self.refused.is_empty() || !self.failed.is_empty() {
                let mut m = format!("read for {} of {}", self.read, self.total);
                if let Some((whom, e)) = self.refused.first() {
                    m.push_str(&format!(
                        "; {} refused (first {whom}: {e}); {}",
                        self.refused.len(),
                        grant_hint(kind)
                    ));
                }
                if let Some((whom, e)) = self.failed.first() {
                    m.push_str(&format!(
                        "; {} failed (first {whom}: {e})",
                        self.failed.len()
                    ));
                }
                problems.push(m);
            }
            if let Some(first) = self.item_errors.first() {
                problems.push(format!(
                    "{} item(s) could not be read, first: {first}",
                    self.item_errors.len()
                ));
            }
            if problems.is_empty() {
                (SourceStatus::Ok, String::new())
            } else {
                (SourceStatus::Partial, problems.join("; "))
            }
        };
        if !notes.is_empty() {
            if !message.is_empty() {
                message.push_str("; ");
            }
            message.push_str(&notes.join("; "));
        }
        SourceReport::new(CONNECTOR, scope, format!("{api_base}{origin}"), status)
            .kind(kind)
            .identities(count)
            .message_if(Some(message))
    }
}
