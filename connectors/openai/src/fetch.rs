//! Every Administration API call: projects, their keys and service accounts, admin keys and
//! members, cursor-paginated, projects read a few at a time.

use crate::normalize::{Fetched, ProjectData};
use crate::{types, OpenAi, CONCURRENCY, PAGE};
use futures_util::stream::{self, StreamExt};
use nhi_http::{segment, Incomplete, Listing};

impl OpenAi {
    async fn list<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        problems: &mut Vec<String>,
    ) -> Listing<T> {
        let listing = self.client.list_all(path, query, "after", PAGE).await;
        problems.extend(listing.problems(path));
        listing
    }

    /// Everything the organization lists, and what could not be read.
    pub async fn fetch(&self) -> (Fetched, Vec<String>, Option<Incomplete>) {
        let mut problems = Vec::new();
        let projects = self
            .list::<types::Project>(
                "organization/projects",
                &[("include_archived", "true".into())],
                &mut problems,
            )
            .await;
        let refused = projects
            .incomplete
            .clone()
            .filter(|s| matches!(s.status(), Some(401 | 403)));
        let per_project: Vec<(ProjectData, Vec<String>)> = stream::iter(projects.items)
            .map(|project| async move {
                let mut problems = Vec::new();
                let id = segment(&project.id);
                let keys = self
                    .list(
                        &format!("organization/projects/{id}/api_keys"),
                        &[("owner_project_access", "any".into())],
                        &mut problems,
                    )
                    .await;
                let service_accounts = self
                    .list(
                        &format!("organization/projects/{id}/service_accounts"),
                        &[],
                        &mut problems,
                    )
                    .await;
                (
                    ProjectData {
                        project,
                        keys: keys.items,
                        service_accounts: service_accounts.items,
                    },
                    problems,
                )
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let mut project_data = Vec::with_capacity(per_project.len());
        for (data, p) in per_project {
            project_data.push(data);
            problems.extend(p);
        }
        let admin_keys = self
            .list("organization/admin_api_keys", &[], &mut problems)
            .await;
        let users = self
            .list::<types::User>("organization/users", &[], &mut problems)
            .await;
        let users = users.incomplete.is_none().then_some(users.items);
        if users.is_none() {
            problems.push(
                "the member list is incomplete, so whether key owners are still members is unknown"
                    .into(),
            );
        }
        (
            Fetched {
                projects: project_data,
                admin_keys: admin_keys.items,
                users,
            },
            problems,
            refused,
        )
    }
}
