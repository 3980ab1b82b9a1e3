//! Who answers for an identity: what the connector found, else the first configured owner tag.

use crate::config::Ownership;
use nhi_api::{Identity, Owner};

pub fn resolve(identity: &Identity, config: &Ownership) -> Option<Owner> {
    if let Some(owner) = &identity.owner {
        return Some(owner.clone());
    }
    config.owner_tag_keys.iter().find_map(|key| {
        identity
            .tags
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(key) && !v.trim().is_empty())
            .map(|(k, v)| Owner::new(v.trim(), format!("tag:{k}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_api::{kinds, providers};

    #[test]
    fn connector_owner_wins_then_tags_in_configured_order() {
        let cfg = Ownership {
            owner_tag_keys: vec!["owner".into(), "team".into()],
        };
        let mut id = Identity::new(providers::AWS, kinds::IAM_ROLE, "arn", "r");
        assert_eq!(resolve(&id, &cfg), None);
        id.tags.insert("Team".into(), "data".into());
        id.tags.insert("OWNER".into(), " payments ".into());
        let o = resolve(&id, &cfg).expect("owner");
        assert_eq!(
            (o.value.as_str(), o.source.as_str()),
            ("payments", "tag:OWNER")
        );
        id.tags.insert("OWNER".into(), "  ".into());
        assert_eq!(resolve(&id, &cfg).map(|o| o.value), Some("data".into()));
        id.owner = Some(Owner::new("alice", "added_by"));
        assert_eq!(
            resolve(&id, &cfg).map(|o| o.source),
            Some("added_by".into())
        );
    }
}
