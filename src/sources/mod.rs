//! Where identities come from: exported files and saved inventories (`--from`, [`files`]), and
//! provider APIs, each behind a [`Plug`].
//!
//! A plug is one file here per provider. It owns the provider's flags, the environment variables
//! its token comes from, and how its connector is built; the reader of its export formats comes
//! from its connector crate. Providers are listed once, in the `plugs!` call below: adding one
//! is its crate, its file here and one line there.

pub mod files;

use crate::config::Config;
use anyhow::Context;
use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use nhi_api::import::Importer;
use nhi_api::{CollectContext, Connector, Inventory, SourceReport};
use nhi_http::{Sleeper, TokioSleeper};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

/// A provider the command line can ask for.
pub trait Plug {
    /// The flags that ask for it, for the "nothing to scan" message: `--aws`, `--github-org ORG`.
    fn flags(&self) -> &'static [&'static str];
    /// Whether the command line asks for it.
    fn wanted(&self) -> bool;
    /// Whether the config file asks for it (`[[connector]]`) when the command line does not.
    fn configured(&self, _config: &Config) -> bool {
        false
    }
    /// Its connectors, or for each one that cannot run (no token, an unreadable key file) the
    /// failed source saying why. Called only when [`Plug::wanted`].
    fn connectors(&self, env: &PlugEnv<'_>) -> Vec<Setup>;
    /// The reader of its exported files, when it has export formats.
    fn importer(&self) -> Option<Box<dyn Importer>> {
        None
    }
}

/// A connector ready to collect, or the source that failed to set up.
pub enum Setup {
    Ready(Box<dyn Connector>),
    Failed(SourceReport),
}

/// What a plug may use to build its connectors.
pub struct PlugEnv<'a> {
    pub config: &'a Config,
    /// How API clients wait between attempts.
    pub sleeper: Arc<dyn Sleeper>,
}

/// Declares the plugs: each is `module::Args`, the module a file in `src/sources/`.
macro_rules! plugs {
    ($($module:ident :: $args:ident),* $(,)?) => {
        $(mod $module;)*

        /// Every provider's flags.
        #[derive(clap::Args)]
        pub struct ProviderArgs {
            $(
                #[command(flatten)]
                $module: $module::$args,
            )*
        }

        impl ProviderArgs {
            /// Every plug, in the order their sources are set up.
            pub fn plugs(&self) -> Vec<&dyn Plug> {
                vec![$(&self.$module),*]
            }
        }
    };
}

plugs!(
    aws::AwsArgs,
    github::GithubArgs,
    gitlab::GitlabArgs,
    k8s::K8sArgs,
    gcp::GcpArgs,
    azure::AzureArgs,
    ai::AiArgs,
    external::ExternalArgs
);

/// Where to read identities from: `--from` paths and provider flags.
#[derive(clap::Args)]
pub struct SourceArgs {
    /// An exported file or a directory of them: GAAD JSON, credential report (CSV or JSON), a
    /// Kubernetes cluster export (kubectl get ... -o json), or an inventory from `nhi collect`.
    /// Repeatable. The kind of file is read from its content.
    #[arg(long = "from", value_name = "PATH")]
    pub from: Vec<PathBuf>,
    /// Refuse an input file larger than this: bytes, or a number with KiB, MiB, GiB (KB, MB,
    /// GB). Endless streams and binary files are refused too; the other inputs are still read.
    #[arg(
        long = "max-file-size",
        value_name = "SIZE",
        default_value = "1GiB",
        // files::DEFAULT_MAX_FILE_SIZE
        value_parser = files::parse_size
    )]
    pub max_file_size: u64,
    #[command(flatten)]
    pub providers: ProviderArgs,
}

impl SourceArgs {
    /// `--from PATH...` and no provider: what `nhi diff` reads inventories and exports with.
    /// Built by the same command-line definition, so every default is the flags' own.
    pub fn files(paths: &[PathBuf]) -> anyhow::Result<SourceArgs> {
        #[derive(clap::Parser)]
        struct FilesOnly {
            #[command(flatten)]
            sources: SourceArgs,
        }
        let mut args = vec![std::ffi::OsString::from("nhi")];
        for p in paths {
            args.push("--from".into());
            args.push(p.into());
        }
        <FilesOnly as clap::Parser>::try_parse_from(args)
            .map(|f| f.sources)
            .context("cannot read the paths as --from arguments")
    }

    /// Read every source: files, then provider APIs (concurrently).
    pub fn collect(&self, now: DateTime<Utc>, config: &Config) -> anyhow::Result<Inventory> {
        let plugs = self.providers.plugs();
        let wanted: Vec<&dyn Plug> = plugs
            .iter()
            .copied()
            .filter(|p| p.wanted() || p.configured(config))
            .collect();
        if self.from.is_empty() && wanted.is_empty() {
            let mut flags = vec!["--from PATH"];
            flags.extend(plugs.iter().flat_map(|p| p.flags().iter().copied()));
            anyhow::bail!("nothing to scan: give {}", or_list(&flags));
        }
        let importers = plugs.iter().filter_map(|p| p.importer()).collect();
        let mut inventory = files::load(&self.from, self.max_file_size, importers);
        if !wanted.is_empty() {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let mut ctx = CollectContext::new(now);
            if std::io::stderr().is_terminal() {
                ctx.progress = Some(Arc::new(crate::progress::Bar::new()));
            }
            let env = PlugEnv {
                config,
                sleeper: Arc::new(TokioSleeper),
            };
            inventory.merge(runtime.block_on(collect_apis(&wanted, &env, &ctx)));
            inventory.sort();
        }
        Ok(inventory)
    }
}

/// "a, b or c".
fn or_list(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.to_string(),
        None => String::new(),
    }
}

/// Collect from every wanted plug's connectors concurrently. A connector that cannot be set up,
/// or that stops unexpectedly, is a failed source; the others still report.
pub async fn collect_apis(
    plugs: &[&dyn Plug],
    env: &PlugEnv<'_>,
    ctx: &CollectContext,
) -> Inventory {
    let mut inventory = Inventory::default();
    let mut connectors: Vec<Box<dyn Connector>> = Vec::new();
    for plug in plugs {
        for built in plug.connectors(env) {
            match built {
                Setup::Ready(c) => connectors.push(c),
                Setup::Failed(report) => inventory.sources.push(report),
            }
        }
    }
    let collected = futures_util::future::join_all(connectors.iter().map(|c| {
        std::panic::AssertUnwindSafe(c.collect(ctx))
            .catch_unwind()
            .map(move |result| {
                result.unwrap_or_else(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    let mut inv = Inventory::default();
                    inv.sources.push(SourceReport::failed(
                        c.name().to_string(),
                        "",
                        c.name().to_string(),
                        format!(
                            "the {} connector stopped unexpectedly ({what}); the other sources are reported; this is a bug in nhi, please report it",
                            c.name()
                        ),
                    ));
                    inv
                })
            })
    }))
    .await;
    for inv in collected {
        inventory.merge(inv);
    }
    inventory.sort();
    inventory
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_lists() {
        assert_eq!(or_list(&["a"]), "a");
        assert_eq!(or_list(&["a", "b", "c"]), "a, b or c");
    }
}
