//! `nhi.toml`: thresholds, owner tag keys, disabled rules, severity overrides and accepted risks
//! (`[[suppress]]`, see [`crate::suppress`]).
//!
//! The file is validated up front: an unknown key, a rule id that does not exist or a threshold
//! of zero is an error naming the key and its line, before anything is scanned. The types say
//! what is valid (a threshold is [`Days`], at least one), so serde rejects the rest.

use crate::finding::Severity;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::{Path, PathBuf};

/// A number of days, at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, JsonSchema)]
#[schemars(transparent)]
pub struct Days(NonZeroU32);

impl Days {
    /// `n` days; for constants, so zero is a compile-time error.
    pub const fn new(n: u32) -> Days {
        match NonZeroU32::new(n) {
            Some(d) => Days(d),
            None => panic!("a threshold is at least one day"),
        }
    }

    /// The number of days, for date arithmetic.
    pub fn get(self) -> i64 {
        i64::from(self.0.get())
    }
}

impl<'de> Deserialize<'de> for Days {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u32::deserialize(d)?;
        NonZeroU32::new(n)
            .map(Days)
            .ok_or_else(|| serde::de::Error::custom("must be at least 1 day"))
    }
}

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "nhi.toml";

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub thresholds: Thresholds,
    #[serde(default)]
    pub ownership: Ownership,
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub aws: AwsConfig,
    #[serde(default)]
    pub ai: AiConfig,
    /// Accepted risks: each `[[suppress]]` entry as written (validated into `suppressions`).
    #[serde(default)]
    #[schemars(with = "Vec<crate::suppress::Entry>")]
    pub suppress: Vec<toml::Spanned<crate::suppress::Entry>>,
    /// The `[[suppress]]` entries, validated.
    #[serde(skip)]
    #[schemars(skip)]
    pub suppressions: Vec<crate::suppress::Suppression>,
    /// External connectors to run on every scan (`[[connector]]`, one table each).
    #[serde(default)]
    pub connector: Vec<ConnectorConfig>,
    #[serde(default)]
    pub gcp: GcpConfig,
}

/// A connector outside the binary: a program that prints an inventory (docs/connectors.md).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorConfig {
    /// Its name in the report and before each line of its stderr (letters, digits, `-`, `_`,
    /// `.`).
    pub name: String,
    /// The program and its arguments: one string split as a shell splits words (quotes and
    /// backslashes; no shell runs, so no variables, globs or pipes), or a list of arguments.
    pub command: CommandLine,
    /// Environment variables it may read, besides PATH (it sees no other).
    #[serde(default)]
    pub env: Vec<String>,
    /// Seconds it may run before it is stopped.
    #[serde(default = "default_connector_timeout")]
    pub timeout_seconds: Seconds,
    /// The most it may print on stdout, in MiB; more is refused, not read.
    #[serde(default = "default_connector_max_output")]
    pub max_output_mib: Seconds,
}

/// A positive whole number (seconds, MiB).
pub type Seconds = std::num::NonZeroU64;

/// Default `timeout_seconds` of a connector (and `--connector-timeout`).
pub const CONNECTOR_TIMEOUT_SECONDS: u64 = 300;
/// Default `max_output_mib` of a connector (and `--connector-max-output`).
pub const CONNECTOR_MAX_OUTPUT_MIB: u64 = 256;

fn default_connector_timeout() -> Seconds {
    Seconds::new(CONNECTOR_TIMEOUT_SECONDS).unwrap_or(Seconds::MIN)
}

fn default_connector_max_output() -> Seconds {
    Seconds::new(CONNECTOR_MAX_OUTPUT_MIB).unwrap_or(Seconds::MIN)
}

/// A command line: the program first, then its arguments.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(untagged)]
pub enum CommandLine {
    /// Split as a shell splits words.
    Line(String),
    /// Already split.
    Words(Vec<String>),
}

impl CommandLine {
    /// The program and its arguments; `Err` says what is wrong with the line.
    pub fn words(&self) -> Result<Vec<String>, String> {
        let words = match self {
            CommandLine::Line(line) => nhi_external::split_command(line)?,
            CommandLine::Words(words) => words.clone(),
        };
        match words.first() {
            Some(program) if !program.is_empty() => Ok(words),
            _ => Err("the command is empty: name the program to run".into()),
        }
    }
}

impl<'de> Deserialize<'de> for CommandLine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = CommandLine;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a command line (a string) or a list of arguments")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<CommandLine, E> {
                Ok(CommandLine::Line(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<CommandLine, A::Error> {
                let mut words = Vec::new();
                while let Some(w) = seq.next_element::<String>()? {
                    words.push(w);
                }
                Ok(CommandLine::Words(words))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GcpConfig {
    /// Judge Google-managed service agents (`service-N@gcp-sa-*`). They are always inventoried.
    pub judge_service_agents: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AiConfig {
    /// More active organization admin keys than this is over-privilege.
    pub max_admin_keys: u32,
    /// Words in a user-owned key's name that say software uses it (compared whole-word,
    /// without regard to case): such a key belongs to a service account.
    pub automation_name_words: Vec<String>,
}

impl Default for AiConfig {
    fn default() -> Self {
        AiConfig {
            max_admin_keys: 2,
            automation_name_words: [
                "ci",
                "cd",
                "bot",
                "prod",
                "production",
                "pipeline",
                "deploy",
                "deployment",
                "service",
                "svc",
                "automation",
                "automated",
                "github",
                "gitlab",
                "jenkins",
                "actions",
                "cron",
                "worker",
                "backend",
                "server",
                "agent",
                "integration",
                "lambda",
                "k8s",
                "kubernetes",
                "airflow",
                "etl",
                "batch",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// Ages, in days, past which rules fire.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// An active access key not used for this long is stale (CIS 1.12: 45). A key never used is
    /// judged by its age, so a new key has this long to be used first.
    pub access_key_unused_days: Days,
    /// An active access key older than this should have been rotated (CIS 1.14: 90).
    pub access_key_max_age_days: Days,
    /// A role not assumed for this long, and older than this, is stale.
    pub role_unused_days: Days,
    /// A granted service not used for this long is unneeded privilege.
    pub service_unused_days: Days,
    /// An AI provider key not used for this long (or never, and older) is stale.
    pub ai_key_unused_days: Days,
    /// An AI provider key should expire within this many days of its creation.
    pub ai_key_max_lifetime_days: Days,
    /// A GitHub deploy key, fine-grained PAT or SAML-authorized credential not used for this
    /// long is stale; one never used is judged by its age.
    pub github_credential_unused_days: Days,
    /// A GitHub token must expire within this many days of being granted.
    pub github_token_max_lifetime_days: Days,
    /// An Actions secret whose value was last set longer ago than this is due for rotation.
    pub github_secret_max_age_days: Days,
    /// A user-managed Google Cloud service-account key older than this should have been
    /// rotated (CIS GCP 1.7: 90).
    pub gcp_key_max_age_days: Days,
    /// A Google Cloud service account or key not authenticated for this long (or never, within
    /// Policy Analyzer's observation period) is stale.
    pub gcp_unused_days: Days,
    /// A Kubernetes service account no workload runs as, older than this, is stale.
    pub k8s_service_account_unused_days: Days,
    /// A legacy service-account token last used longer ago than this is stale.
    pub k8s_legacy_token_unused_days: Days,
    /// A GitLab access, personal access, trigger or deploy token (or deploy key) must expire
    /// within this many days of its creation (GitLab caps new tokens at a year; older tokens and
    /// self-managed settings do not).
    pub gitlab_token_max_lifetime_days: Days,
    /// A GitLab access, personal access or trigger token not used for this long is stale; one
    /// never used is judged by its age.
    pub gitlab_credential_unused_days: Days,
    /// A GitLab runner not contacted for this long is stale.
    pub gitlab_runner_unused_days: Days,
    /// An Entra ID client secret or certificate must expire within this many days of its start.
    pub azure_credential_max_lifetime_days: Days,
    /// An Entra ID service principal not signed in for this long (or never, and older) is
    /// stale.
    pub azure_sp_unused_days: Days,
    /// Generic rules (kinds no provider rule judges, e.g. an external connector's): an active
    /// credential, or an identity without credentials, not used for this long (or never, and
    /// older than this) is stale.
    pub credential_unused_days: Days,
    /// Generic rules: a credential should expire within this many days of its creation.
    pub credential_max_lifetime_days: Days,
    /// Generic rules: an active credential older than this is due for rotation.
    pub credential_max_age_days: Days,
    /// Generic rules, per provider (by its name in the inventory, `[thresholds.providers.okta]`):
    /// the `credential_*` thresholds for that provider's identities.
    pub providers: BTreeMap<String, ProviderThresholds>,
}

/// The generic thresholds one provider's identities get instead of the global ones.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProviderThresholds {
    pub credential_unused_days: Option<Days>,
    pub credential_max_lifetime_days: Option<Days>,
    pub credential_max_age_days: Option<Days>,
}

/// The thresholds the generic rules judge one provider's identities by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenericThresholds {
    pub unused_days: Days,
    pub max_lifetime_days: Days,
    pub max_age_days: Days,
}

impl Thresholds {
    /// The generic thresholds for `provider`: its override where it has one, else the global.
    pub fn generic(&self, provider: &str) -> GenericThresholds {
        let own = self.providers.get(provider);
        let pick = |f: fn(&ProviderThresholds) -> Option<Days>, global: Days| {
            own.and_then(f).unwrap_or(global)
        };
        GenericThresholds {
            unused_days: pick(|p| p.credential_unused_days, self.credential_unused_days),
            max_lifetime_days: pick(
                |p| p.credential_max_lifetime_days,
                self.credential_max_lifetime_days,
            ),
            max_age_days: pick(|p| p.credential_max_age_days, self.credential_max_age_days),
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            access_key_unused_days: Days::new(45),
            access_key_max_age_days: Days::new(90),
            role_unused_days: Days::new(90),
            service_unused_days: Days::new(90),
            ai_key_unused_days: Days::new(90),
            ai_key_max_lifetime_days: Days::new(366),
            github_credential_unused_days: Days::new(90),
            github_token_max_lifetime_days: Days::new(366),
            github_secret_max_age_days: Days::new(365),
            k8s_service_account_unused_days: Days::new(90),
            k8s_legacy_token_unused_days: Days::new(90),
            gitlab_token_max_lifetime_days: Days::new(366),
            gitlab_credential_unused_days: Days::new(90),
            gitlab_runner_unused_days: Days::new(90),
            credential_unused_days: Days::new(90),
            credential_max_lifetime_days: Days::new(366),
            credential_max_age_days: Days::new(365),
            providers: BTreeMap::new(),
            gcp_key_max_age_days: Days::new(90),
            gcp_unused_days: Days::new(90),
            azure_credential_max_lifetime_days: Days::new(365),
            azure_sp_unused_days: Days::new(90),
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Ownership {
    /// Tag keys that name an identity's owner, in order of preference; compared without regard
    /// to case.
    pub owner_tag_keys: Vec<String>,
}

impl Default for Ownership {
    fn default() -> Self {
        Ownership {
            owner_tag_keys: ["owner", "team", "contact", "maintainer", "owner-email"]
                .map(String::from)
                .to_vec(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// Rule ids not to run.
    pub disabled: Vec<String>,
    /// Rule id to the severity its findings get instead of the rule's own.
    pub severity: BTreeMap<String, Severity>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AwsConfig {
    /// Judge identities AWS manages itself (service-linked roles). They are always inventoried.
    pub judge_service_linked_roles: bool,
    /// Accounts trusted without an ExternalId (your own organization's accounts).
    pub trusted_accounts: Vec<String>,
    /// Accounts scanned at once by live scans (`--aws-concurrency` overrides).
    pub concurrency: Option<NonZeroUsize>,
    /// Service principals whose trust needs no aws:SourceArn/aws:SourceAccount condition: the
    /// service can only act for resources in your own account, so there is no confused deputy.
    pub services_without_confused_deputy: Vec<String>,
}

impl Default for AwsConfig {
    fn default() -> Self {
        AwsConfig {
            concurrency: None,
            judge_service_linked_roles: false,
            trusted_accounts: Vec::new(),
            services_without_confused_deputy: [
                "ec2.amazonaws.com",
                "lambda.amazonaws.com",
                "edgelambda.amazonaws.com",
                "ecs-tasks.amazonaws.com",
                "eks.amazonaws.com",
                "eks-fargate-pods.amazonaws.com",
                "pods.eks.amazonaws.com",
                "states.amazonaws.com",
                "apigateway.amazonaws.com",
                "build.apigateway.amazonaws.com",
                "codebuild.amazonaws.com",
                "glue.amazonaws.com",
                "batch.amazonaws.com",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config file: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Load `--config FILE`, or `nhi.toml` in the working directory if it exists, or defaults.
    pub fn load(explicit: Option<&Path>, known_rules: &[&str]) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = PathBuf::from(DEFAULT_FILE);
                if !p.is_file() {
                    return Ok(Config::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Self::parse(&text, known_rules).map_err(|message| ConfigError::Invalid { path, message })
    }

    /// Parse and validate config text; the error names the key and its line.
    pub fn parse(text: &str, known_rules: &[&str]) -> Result<Config, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| located(text, &e))?;
        let at = |needle: &str| -> String {
            text.lines()
                .position(|l| l.contains(needle))
                .map(|i| format!("line {}: ", i + 1))
                .unwrap_or_default()
        };
        let unknown_rule = |id: &str, key: &str| {
            format!(
                "{}{key}: no rule has the id {id:?}; `nhi rules` lists them",
                at(id)
            )
        };
        for id in &config.rules.disabled {
            if !known_rules.contains(&id.as_str()) {
                return Err(unknown_rule(id, "rules.disabled"));
            }
        }
        for id in config.rules.severity.keys() {
            if !known_rules.contains(&id.as_str()) {
                return Err(unknown_rule(id, "rules.severity"));
            }
        }
        if config
            .ownership
            .owner_tag_keys
            .iter()
            .any(|k| k.trim().is_empty())
        {
            return Err(format!(
                "{}ownership.owner_tag_keys: tag keys must not be empty",
                at("owner_tag_keys")
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        // Connector tables repeat their keys: look for a key's line within the n-th table.
        let headers: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim() == "[[connector]]")
            .map(|(i, _)| i)
            .collect();
        for (n, c) in config.connector.iter().enumerate() {
            let key = |k: &str| format!("connector[{n}].{k}");
            let at = |needle: &str| -> String {
                let from = headers.get(n).copied().unwrap_or(0);
                text.lines()
                    .enumerate()
                    .skip(from)
                    .find(|(_, l)| l.trim_start().starts_with(needle))
                    .map(|(i, _)| format!("line {}: ", i + 1))
                    .unwrap_or_default()
            };
            let line = at("name");
            if c.name.is_empty()
                || !c
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
            {
                return Err(format!(
                    "{line}{}: {:?} is not a connector name: use letters, digits, -, _ and .",
                    key("name"),
                    c.name
                ));
            }
            if !names.insert(c.name.as_str()) {
                return Err(format!(
                    "{line}{}: two connectors are named {:?}; names must differ",
                    key("name"),
                    c.name
                ));
            }
            if let Err(why) = c.command.words() {
                return Err(format!("{}{}: {why}", at("command"), key("command")));
            }
            for var in &c.env {
                if var.is_empty() || var.contains('=') || var.contains('\0') {
                    return Err(format!(
                        "{}{}: {var:?} is not an environment variable name",
                        at("env"),
                        key("env")
                    ));
                }
            }
        }
        for acct in &config.aws.trusted_accounts {
            if acct.len() != 12 || !acct.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "{}aws.trusted_accounts: {acct:?} is not a 12-digit AWS account id",
                    at(acct)
                ));
            }
        }
        config.suppressions = crate::suppress::validate(text, &config.suppress, known_rules)?;
        Ok(config)
    }

    pub fn is_disabled(&self, rule_id: &str) -> bool {
        self.rules.disabled.iter().any(|d| d == rule_id)
    }

    /// Every key the file may set, as `section.key` (from the type, through its schema).
    pub fn keys() -> Vec<String> {
        let schema = serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default();
        let defs = &schema["$defs"];
        let mut out = Vec::new();
        for (section, prop) in schema["properties"].as_object().into_iter().flatten() {
            let target = prop["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .map(|name| &defs[name])
                .unwrap_or(prop);
            for key in target["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                out.push(format!("{section}.{key}"));
            }
        }
        out.sort();
        out
    }
}

/// A TOML error as "line N: section.key: what is wrong", when it points at a key.
fn located(text: &str, e: &toml::de::Error) -> String {
    let Some(span) = e.span() else {
        return e.to_string().trim().to_string();
    };
    let before = &text[..span.start.min(text.len())];
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    // The table the key is in: the nearest header above it, `[section]` or the n-th
    // `[[array]]` (named `array[n]`, counted from 0).
    let section = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|header| {
            let name = header
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            if header.starts_with("[[") {
                let n = before
                    .lines()
                    .filter(|l| l.trim() == header)
                    .count()
                    .saturating_sub(1);
                format!("{name}[{n}]")
            } else {
                name
            }
        });
    let path = match (section, key) {
        (Some(s), Some(k)) => format!("{s}.{k}: "),
        (None, Some(k)) => format!("{k}: "),
        _ => String::new(),
    };
    format!("line {line_no}: {path}{}", e.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["aws-no-owner", "aws-role-unused"];

    #[test]
    fn connector_tables_are_checked_and_errors_name_the_table_and_line() {
        let c = Config::parse(
            "[[connector]]\nname = \"okta\"\ncommand = \"python3 'my dir/okta.py' --all\"\nenv = [\"OKTA_API_TOKEN\"]\n\n[[connector]]\nname = \"snow\"\ncommand = [\"/opt/snow\", \"a b\"]\ntimeout_seconds = 5\n",
            RULES,
        )
        .expect("valid");
        assert_eq!(c.connector.len(), 2);
        assert_eq!(
            c.connector[0].command.words().expect("words"),
            ["python3", "my dir/okta.py", "--all"]
        );
        assert_eq!(
            c.connector[0].timeout_seconds.get(),
            CONNECTOR_TIMEOUT_SECONDS
        );
        assert_eq!(
            c.connector[1].command.words().expect("words"),
            ["/opt/snow", "a b"]
        );
        assert_eq!(
            c.connector[1].max_output_mib.get(),
            CONNECTOR_MAX_OUTPUT_MIB
        );
        let err = |text: &str| Config::parse(text, RULES).expect_err("invalid");
        let two = "[[connector]]\nname = \"a\"\ncommand = \"x\"\n[[connector]]\nname = \"a\"\ncommand = \"y\"\n";
        assert_eq!(
            err(two),
            "line 5: connector[1].name: two connectors are named \"a\"; names must differ"
        );
        let e = err("[[connector]]\nname = \"a\"\ncommand = \"x 'open\"\n");
        assert!(
            e.starts_with("line 3: connector[0].command: cannot split"),
            "{e}"
        );
        assert!(!e.contains("'open"), "the line is not repeated: {e}");
        let e = err("[[connector]]\nname = \"a\"\ncommand = []\n");
        assert!(
            e.contains("connector[0].command: the command is empty"),
            "{e}"
        );
        let e = err("[[connector]]\nname = \"a b\"\ncommand = \"x\"\n");
        assert!(e.starts_with("line 2: connector[0].name"), "{e}");
        let e = err("[[connector]]\nname = \"a\"\ncommand = \"x\"\nenv = [\"A=B\"]\n");
        assert!(e.starts_with("line 4: connector[0].env"), "{e}");
        let e = err("[[connector]]\nname = \"a\"\ncommand = \"x\"\n[[connector]]\nname = \"b\"\ncommand = \"x\"\nshell = true\n");
        assert!(e.contains("connector[1].shell: unknown field"), "{e}");
    }

    #[test]
    fn generic_thresholds_have_a_per_provider_override() {
        let c = Config::parse(
            "[thresholds]\ncredential_unused_days = 60\n[thresholds.providers.okta]\ncredential_max_age_days = 30\n",
            RULES,
        )
        .expect("valid");
        let okta = c.thresholds.generic("okta");
        assert_eq!(
            (
                okta.unused_days.get(),
                okta.max_age_days.get(),
                okta.max_lifetime_days.get()
            ),
            (60, 30, 366)
        );
        let other = c.thresholds.generic("snowflake");
        assert_eq!(
            (other.unused_days.get(), other.max_age_days.get()),
            (60, 365)
        );
        let e = Config::parse(
            "[thresholds.providers.okta]\ncredential_unused_days = 0\n",
            RULES,
        )
        .expect_err("zero");
        assert!(
            e.contains("thresholds.providers.okta.credential_unused_days"),
            "{e}"
        );
    }

    #[test]
    fn empty_config_is_defaults() {
        let c = Config::parse("", RULES).expect("valid");
        assert_eq!(c.thresholds.access_key_unused_days.get(), 45);
        assert_eq!(c.thresholds.access_key_max_age_days.get(), 90);
        assert_eq!(c.thresholds.role_unused_days.get(), 90);
    }

    #[test]
    fn full_config() {
        let c = Config::parse(
            r#"
[thresholds]
access_key_unused_days = 30
[ownership]
owner_tag_keys = ["squad"]
[rules]
disabled = ["aws-no-owner"]
severity = { "aws-role-unused" = "high" }
[aws]
trusted_accounts = ["111122223333"]
"#,
            RULES,
        )
        .expect("valid");
        assert_eq!(c.thresholds.access_key_unused_days.get(), 30);
        assert_eq!(c.thresholds.role_unused_days.get(), 90);
        assert!(c.is_disabled("aws-no-owner"));
        assert_eq!(c.rules.severity["aws-role-unused"], Severity::High);
        assert_eq!(c.ownership.owner_tag_keys, vec!["squad".to_string()]);
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err =
            Config::parse("[thresholds]\nkey_unused_days = 3\n", RULES).expect_err("unknown key");
        assert!(err.contains("key_unused_days"), "{err}");
        assert!(err.contains("line 2"), "{err}");
        let err = Config::parse("colour = 1\n", RULES).expect_err("unknown top key");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn unknown_rules_and_bad_values_are_errors() {
        let err = Config::parse("[rules]\n\ndisabled = [\"aws-nope\"]\n", RULES).expect_err("rule");
        assert!(err.contains("line 3: rules.disabled"), "{err}");
        assert!(err.contains("aws-nope"), "{err}");
        let err =
            Config::parse("[rules.severity]\naws-no-owner = \"huge\"\n", RULES).expect_err("sev");
        assert!(err.contains("huge"), "{err}");
        let err = Config::parse("[thresholds]\nrole_unused_days = 0\n", RULES).expect_err("zero");
        assert!(err.contains("thresholds.role_unused_days"), "{err}");
        let err = Config::parse("[aws]\ntrusted_accounts = [\"12\"]\n", RULES).expect_err("acct");
        assert!(err.contains("12-digit"), "{err}");
    }
}
