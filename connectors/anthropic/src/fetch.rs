//! Every Admin API call: the key, workspace and member listings, cursor-paginated.

use crate::normalize::Fetched;
use crate::types::{ApiKey, User, Workspace};
use crate::{Anthropic, PAGE};
use nhi_http::{Incomplete, Listing};

impl Anthropic {
    async fn list<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        problems: &mut Vec<String>,
    ) -> Listing<T> {
        let listing = self.client.list_all(path, query, "after_id", PAGE).await;
        problems.extend(listing.problems(path));
        listing
    }

    pub async fn fetch(&self) -> (Fetched, Vec<String>, Option<Incomplete>) {
        let mut problems = Vec::new();
        let keys = self
            .list::<ApiKey>("v1/organizations/api_keys", &[], &mut problems)
            .await;
        let refused = keys
            .incomplete
            .clone()
            .filter(|s| matches!(s.status(), Some(401 | 403)));
        let workspaces = self
            .list::<Workspace>(
                "v1/organizations/workspaces",
                &[("include_archived", "true".into())],
                &mut problems,
            )
            .await;
        let users = self
            .list::<User>("v1/organizations/users", &[], &mut problems)
            .await;
        let users = users.incomplete.is_none().then_some(users.items);
        if users.is_none() {
            problems.push("the member list is incomplete, so whether key creators are still members is unknown".into());
        }
        (
            Fetched {
                keys: keys.items,
                workspaces: workspaces.items,
                users,
            },
            problems,
            refused,
        )
    }
}
