//! Connectors outside the binary: `--connector 'CMD ARG...'` and `[[connector]]` tables in
//! nhi.toml. Each runs a program that prints an inventory (docs/connectors.md); nhi_external
//! runs it and reads what it prints.

use super::{Plug, PlugEnv, Setup};
use crate::config::{Config, CONNECTOR_MAX_OUTPUT_MIB, CONNECTOR_TIMEOUT_SECONDS};
use nhi_api::SourceReport;
use nhi_external::{default_name, split_command, External, StderrSink};
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ExternalArgs {
    /// Run this program and read the inventory it prints on stdout: one JSON document, or one
    /// identity per line (docs/connectors.md). Split into words as a shell would, but no shell
    /// runs. Repeatable; named after its script (okta for `python3 okta.py`).
    #[arg(long = "connector", value_name = "CMD")]
    connector: Vec<String>,
    /// An environment variable the --connector programs may read (repeatable); they see PATH
    /// and these, nothing else.
    #[arg(long = "connector-env", value_name = "VAR")]
    connector_env: Vec<String>,
    /// Seconds a --connector program may run before it is stopped.
    #[arg(long, value_name = "SECONDS", default_value_t = CONNECTOR_TIMEOUT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    connector_timeout: u64,
    /// The most a --connector program may print on stdout, in MiB; more is refused.
    #[arg(long, value_name = "MIB", default_value_t = CONNECTOR_MAX_OUTPUT_MIB,
          value_parser = clap::value_parser!(u64).range(1..))]
    connector_max_output: u64,
}

/// Each line a connector writes on stderr, on nhi's stderr after its name; none with `-q`
/// (which leaves errors only: a failed connector's last line is in its source's message).
fn stderr_of(name: &str) -> StderrSink {
    let prefix = format!("{name}: ");
    let shown = tracing::enabled!(tracing::Level::WARN);
    Arc::new(move |line: &str| {
        if shown {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{prefix}{line}");
        }
    })
}

impl Plug for ExternalArgs {
    fn flags(&self) -> &'static [&'static str] {
        &["--connector CMD"]
    }

    fn wanted(&self) -> bool {
        !self.connector.is_empty()
    }

    fn configured(&self, config: &Config) -> bool {
        !config.connector.is_empty()
    }

    fn connectors(&self, env: &PlugEnv<'_>) -> Vec<Setup> {
        let mut out = Vec::new();
        // Names from nhi.toml are unique (checked when it is read); names made up for the
        // command line get a number when they repeat one.
        let mut taken: BTreeSet<String> =
            env.config.connector.iter().map(|c| c.name.clone()).collect();
        for c in &env.config.connector {
            out.push(match c.command.words() {
                Ok(argv) => Setup::Ready(Box::new(External {
                    name: c.name.clone(),
                    argv,
                    env: c.env.clone(),
                    timeout: Duration::from_secs(c.timeout_seconds.get()),
                    max_output_mib: c.max_output_mib.get(),
                    stderr: stderr_of(&c.name),
                })),
                Err(why) => Setup::Failed(SourceReport::failed(
                    &c.name,
                    "",
                    "nhi.toml",
                    format!("connector {}: {why}", c.name),
                )),
            });
        }
        for line in &self.connector {
            let argv = match split_command(line) {
                Ok(argv) => argv,
                Err(why) => {
                    out.push(Setup::Failed(SourceReport::failed(
                        "connector",
                        "",
                        "--connector",
                        format!("--connector: {why}"),
                    )));
                    continue;
                }
            };
            let base = default_name(&argv);
            let mut name = base.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            out.push(Setup::Ready(Box::new(External {
                stderr: stderr_of(&name),
                name,
                argv,
                env: self.connector_env.clone(),
                timeout: Duration::from_secs(self.connector_timeout),
                max_output_mib: self.connector_max_output,
            })));
        }
        out
    }
}
