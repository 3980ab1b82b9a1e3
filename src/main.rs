//! The `nhi` command line.

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use nhi::config::Config;
use nhi::finding::Severity;
use nhi::render::{
    self, Format, MarkdownOptions, RenderOptions, SarifLimits, SarifOptions, TableOptions,
};
use nhi::report::{Report, SuppressionStatus};
use nhi::saved::SavedReport;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes, as documented in the README.
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(name = "nhi", version, about = "Find and judge non-human identities: service accounts, access keys, roles, tokens", long_about = None)]
struct Cli {
    /// More logging on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Collect identities from the sources, judge them, and write a report.
    Scan(ScanArgs),
    /// Collect identities from the sources and write the normalized inventory (JSON), to be
    /// judged later with `nhi scan --from FILE`, possibly on another machine.
    Collect(CollectArgs),
    /// Compare two scans: findings new, resolved and changed in severity, identities added and
    /// removed, credentials rotated, owners changed. Each side is a JSON report (`nhi scan
    /// --format json`) or anything `--from` reads (an inventory, exports), analyzed first.
    Diff(DiffArgs),
    /// List the rules nhi applies.
    Rules(RulesArgs),
    /// Write the identity graph: who can become whom (role chains, escalation paths, CI
    /// pipelines through OIDC trust), as JSON, Graphviz DOT, Mermaid or BloodHound OpenGraph.
    Graph(GraphArgs),
    /// Print the JSON Schema of the JSON report (docs/report.schema.json), or with --graph of
    /// the identity graph (docs/graph.schema.json), or with --inventory of the inventory
    /// connectors write (docs/inventory.schema.json).
    Schema(SchemaArgs),
    /// Print a shell completion script (e.g. `nhi completions bash > /etc/bash_completion.d/nhi`).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the man page in roff: nhi(1), or a command's (`nhi man scan` is nhi-scan(1)).
    Man {
        /// The command whose page to print (default: nhi's own).
        command: Option<String>,
    },
}

#[derive(Args)]
struct ScanArgs {
    #[command(flatten)]
    sources: nhi::sources::SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// With --format markdown: keep the output under N characters (counted as UTF-8 bytes, never
    /// fewer), leaving out the least severe findings first. GitHub takes up to 65,536 in a
    /// comment or issue body.
    #[arg(long, value_name = "N", default_value_t = MarkdownOptions::default().limit)]
    markdown_limit: usize,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with 1 when an open finding (not suppressed; with --baseline, a new one) is at or
    /// above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// Evaluate as of this time (RFC 3339) instead of now; makes reports reproducible.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    /// Config file (default: ./nhi.toml when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// An earlier JSON report (`nhi scan --format json`): each finding is marked `new` or
    /// `existing` by fingerprint, and --fail-on counts new findings only.
    #[arg(long, value_name = "REPORT")]
    baseline: Option<PathBuf>,
    /// List suppressed findings (accepted risks) in the table, Markdown, NDJSON, CSV and SARIF
    /// too, marked. JSON, HTML and OCSF always carry them, marked.
    #[arg(long)]
    show_suppressed: bool,
    /// SARIF: locate input files relative to DIR (the repository's root) instead of the working
    /// directory.
    #[arg(long, value_name = "DIR")]
    sarif_root: Option<PathBuf>,
    /// SARIF: the code-scanning category (automationDetails.id) instead of one derived from the
    /// sources scanned.
    #[arg(long, value_name = "NAME")]
    sarif_category: Option<String>,
    /// SARIF: keep at most N results, the most severe (GitHub code scanning stores 5,000 per run
    /// and rejects more than 25,000).
    #[arg(long, value_name = "N", default_value_t = SarifLimits::DEFAULT_RESULTS as u32,
          value_parser = clap::value_parser!(u32).range(1..=SarifLimits::MAX_RESULTS as i64))]
    sarif_max_results: u32,
}

#[derive(Args)]
struct DiffArgs {
    /// The earlier scan: a JSON report, an inventory, or exports (a file or a directory).
    old: PathBuf,
    /// The later scan, in any of the same forms.
    new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = nhi::diff::DiffFormat::Table)]
    format: nhi::diff::DiffFormat,
    /// Write the diff to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with 1 when a new finding (not suppressed) is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// Analyze inventories and exports as of this time (RFC 3339), both sides alike.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    /// Config file for analyzing inventories and exports (default: ./nhi.toml when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// List changes to suppressed findings (accepted risks) too.
    #[arg(long)]
    show_suppressed: bool,
}

#[derive(Args)]
struct GraphArgs {
    #[command(flatten)]
    sources: nhi::sources::SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Json)]
    format: GraphFormat,
    /// Keep only what this identity can reach (repeatable; its id as the report gives it: an
    /// ARN, github:ORG/...).
    #[arg(long = "from-identity", value_name = "ID")]
    from_identity: Vec<String>,
    /// Keep only the paths that end in this: `admin` (administrator access to an account).
    #[arg(long, value_enum, value_name = "TARGET")]
    to: Option<GraphTarget>,
    /// Write the graph to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Evaluate as of this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    /// Config file (default: ./nhi.toml when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// The graph as one JSON document (docs/graph.schema.json).
    Json,
    /// Graphviz DOT: `nhi graph --format dot | dot -Tsvg > graph.svg`.
    Dot,
    /// A Mermaid flowchart, for a README or an issue.
    Mermaid,
    /// A BloodHound OpenGraph data payload, to upload to BloodHound CE.
    Bloodhound,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphTarget {
    /// Administrator access to an account.
    Admin,
}

#[derive(Args)]
struct SchemaArgs {
    /// The identity graph's schema (`nhi graph --format json`) instead of the report's.
    #[arg(long, conflicts_with = "inventory")]
    graph: bool,
    /// The inventory's schema (what `nhi collect` and external connectors write) instead of the
    /// report's.
    #[arg(long)]
    inventory: bool,
}

#[derive(Args)]
struct CollectArgs {
    #[command(flatten)]
    sources: nhi::sources::SourceArgs,
    /// Config file (default: ./nhi.toml when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Write the inventory to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    format: RulesFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Critical,
    High,
    Medium,
    Low,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}; expected RFC 3339, e.g. 2026-01-31T00:00:00Z"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let result = match cli.command {
        Command::Scan(args) => scan(args, cli.quiet),
        Command::Collect(args) => collect(args, cli.quiet),
        Command::Diff(args) => diff(args, cli.quiet),
        Command::Rules(args) => rules(args),
        Command::Graph(args) => graph(args, cli.quiet),
        Command::Schema(args) => write_out(None, |w| {
            let schema = if args.graph {
                nhi::graph::json_schema()
            } else if args.inventory {
                nhi::api::contract::json_schema()
            } else {
                nhi::report::json_schema()
            };
            serde_json::to_writer_pretty(&mut *w, &schema).map_err(io::Error::from)?;
            w.write_all(b"\n")
        })
        .map(|()| 0),
        Command::Completions { shell } => {
            // clap_complete panics when its writer fails: write to memory, so that a closed pipe
            // ends quietly like every other output.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "nhi", &mut script);
            write_out(None, |w| w.write_all(&script)).map(|()| 0)
        }
        Command::Man { command } => man(command.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nhi: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .with_target(false)
        .init();
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Say on stderr what could not be read, so a person sees it even when stdout goes to a file.
fn report_sources(sources: &[nhi::api::SourceReport], quiet: bool) {
    for s in sources {
        let Some(message) = &s.message else { continue };
        let level = match s.status {
            nhi::api::SourceStatus::Failed => "error",
            nhi::api::SourceStatus::Partial => "warning",
            _ if quiet => continue,
            _ => "note",
        };
        eprintln!("nhi: {level}: {}: {message}", s.origin);
    }
}

fn table_width() -> u16 {
    if let Some(cols) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<u16>().ok())
    {
        return cols;
    }
    terminal_size::terminal_size_of(io::stdout())
        .map(|(w, _)| w.0)
        .unwrap_or(TableOptions::default().width)
}

/// Write to `--output FILE` or stdout, buffered.
fn write_out(
    output: Option<&PathBuf>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = io::BufWriter::new(file);
            write(&mut w).with_context(|| format!("cannot write {}", path.display()))?;
            w.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let stdout = io::stdout();
            let mut w = io::BufWriter::new(stdout.lock());
            write(&mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}

fn scan(args: ScanArgs, quiet: bool) -> anyhow::Result<u8> {
    let config = Config::load(args.config.as_deref(), &nhi::rules::ids())?;
    // A bad baseline is found before anything is scanned.
    let baseline = args
        .baseline
        .as_deref()
        .map(|path| SavedReport::load(path, args.sources.max_file_size))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--baseline {e}"))?;
    let now = args.now.unwrap_or_else(Utc::now);
    let started = std::time::Instant::now();
    let inventory = args.sources.collect(now, &config)?;
    tracing::info!(
        identities = inventory.identities.len(),
        policies = inventory.policies.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        peak_rss_mib = nhi::progress::peak_rss_mib(),
        "collected"
    );
    let analysis = nhi::analyzer::analyze(&inventory, &config, now);
    let mut report = Report::build(&inventory, analysis, now);
    nhi::suppress::apply(&mut report, &config.suppressions, now);
    if let Some(baseline) = &baseline {
        nhi::baseline::apply(&mut report, baseline);
    }
    tracing::info!(
        findings = report.summary.findings,
        elapsed_ms = started.elapsed().as_millis() as u64,
        peak_rss_mib = nhi::progress::peak_rss_mib(),
        "analyzed"
    );
    report_sources(&inventory.sources, quiet);
    report_suppressions(&report, args.config.as_deref(), quiet);

    let sarif = if args.format == Format::Sarif {
        sarif_options(&args, quiet)?
    } else {
        SarifOptions::default()
    };
    let renderer = render::renderer(
        args.format,
        RenderOptions {
            table: TableOptions {
                width: table_width(),
            },
            markdown: MarkdownOptions {
                limit: args.markdown_limit,
            },
            sarif,
            show_suppressed: args.show_suppressed,
        },
    );
    write_out(args.output.as_ref(), |w| renderer.render(&report, w))?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        peak_rss_mib = nhi::progress::peak_rss_mib(),
        "written"
    );

    let code = if report.has_source_errors() {
        EXIT_ERROR
    } else if args
        .fail_on
        .is_some_and(|fail_on| report.fails(Severity::from(fail_on)))
    {
        EXIT_FINDINGS
    } else {
        0
    };
    // The process ends now: freeing a million allocations one by one would take longer than
    // the analysis. The operating system takes the memory back at once.
    std::mem::forget(report);
    std::mem::forget(inventory);
    Ok(code)
}

fn graph(args: GraphArgs, quiet: bool) -> anyhow::Result<u8> {
    let config = Config::load(args.config.as_deref(), &nhi::rules::ids())?;
    let now = args.now.unwrap_or_else(Utc::now);
    let inventory = args.sources.collect(now, &config)?;
    let (analysis, whole) = nhi::analyzer::analyze_then(
        &inventory,
        &config,
        now,
        |analysis, graph, federation, azure| {
            nhi::graph::build(&inventory, analysis, graph, federation, azure, now)
        },
    );
    drop(analysis);
    report_sources(&inventory.sources, quiet);
    let cut = whole.cut(
        &args.from_identity,
        args.to.map(|t| match t {
            GraphTarget::Admin => "admin",
        }),
    )?;
    if cut.edges.is_empty() && (!args.from_identity.is_empty() || args.to.is_some()) && !quiet {
        eprintln!(
            "nhi: note: no path matches --from-identity {} {}; the graph is empty (a repository's paths start at its workload id, e.g. github:ORG/REPO)",
            if args.from_identity.is_empty() { "(any)".to_string() } else { args.from_identity.join(", ") },
            if args.to.is_some() { "--to admin" } else { "" },
        );
    }
    if matches!(args.format, GraphFormat::Mermaid) && !quiet {
        let m = nhi::graph::mermaid::Limits::default();
        if cut.edges.len() > m.edges || cut.nodes.len() > m.nodes {
            eprintln!(
                "nhi: warning: {} nodes and {} edges: Mermaid (and GitHub) draw at most {} edges by default; cut the graph with --from-identity ID or --to admin",
                cut.nodes.len(),
                cut.edges.len(),
                m.edges
            );
        }
    }
    write_out(args.output.as_ref(), |w| match args.format {
        GraphFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &cut).map_err(io::Error::from)?;
            w.write_all(b"\n")
        }
        GraphFormat::Dot => nhi::graph::dot::write(&cut, w),
        GraphFormat::Mermaid => nhi::graph::mermaid::write(&cut, w),
        GraphFormat::Bloodhound => nhi::graph::opengraph::write(&cut, w),
    })?;
    Ok(if inventory.sources.iter().any(|s| s.status.is_error()) {
        EXIT_ERROR
    } else {
        0
    })
}

/// Say on stderr which `[[suppress]]` entries expired or match nothing.
fn report_suppressions(report: &Report, config: Option<&Path>, quiet: bool) {
    let file = config.map_or_else(
        || nhi::config::DEFAULT_FILE.to_string(),
        |p| p.display().to_string(),
    );
    for s in &report.suppressions {
        match s.status {
            SuppressionStatus::Active => {}
            SuppressionStatus::Expired => eprintln!(
                "nhi: warning: {file}: line {}: the suppression expired on {}: the findings it matches ({}) count again; renew it (expires) or fix the risk",
                s.line,
                s.expires.as_deref().unwrap_or("?"),
                s.findings
            ),
            SuppressionStatus::Stale if !quiet => eprintln!(
                "nhi: note: {file}: line {}: the suppression matches no finding (stale); remove it, or correct its fingerprint or pattern",
                s.line
            ),
            SuppressionStatus::Stale => {}
        }
    }
}

/// Where input files are in the SARIF log, its category and its limits.
fn sarif_options(args: &ScanArgs, quiet: bool) -> anyhow::Result<SarifOptions> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let files: Vec<PathBuf> = nhi::sources::files::expand(&args.sources.from)
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    let (files, outside) = render::file_uris(&cwd, args.sarif_root.as_deref(), &files);
    if !quiet {
        for origin in outside {
            eprintln!(
                "nhi: note: {origin} is outside {}: its findings get nhi/... pseudo-paths in the SARIF log (--sarif-root names the repository's root)",
                args.sarif_root.as_ref().map_or_else(
                    || "the working directory".to_string(),
                    |r| r.display().to_string()
                )
            );
        }
    }
    Ok(SarifOptions {
        files,
        category: args.sarif_category.clone(),
        limits: SarifLimits {
            results: args.sarif_max_results as usize,
            ..SarifLimits::default()
        },
        show_suppressed: args.show_suppressed,
    })
}

/// One side of `nhi diff`: a report as it is, anything else read and analyzed.
fn diff_side(
    path: &Path,
    which: &str,
    config: &Config,
    now: DateTime<Utc>,
) -> anyhow::Result<SavedReport> {
    if path.is_file() {
        let bytes =
            nhi::sources::files::read_bounded(path, nhi::sources::files::DEFAULT_MAX_FILE_SIZE)
                .map_err(|e| anyhow::anyhow!("{which} {}: {e}", path.display()))?;
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            if SavedReport::is_report(&value) {
                return SavedReport::from_value(value)
                    .map_err(|e| anyhow::anyhow!("{which} {}: {e}", path.display()));
            }
        }
    }
    let sources = nhi::sources::SourceArgs::files(&[path.to_path_buf()])?;
    let inventory = sources.collect(now, config)?;
    let problems: Vec<String> = inventory
        .sources
        .iter()
        .filter(|s| s.status.is_error())
        .map(|s| {
            format!(
                "{}: {}",
                s.origin,
                s.message.as_deref().unwrap_or("not read completely")
            )
        })
        .collect();
    if !problems.is_empty() {
        anyhow::bail!(
            "{which} {} could not be read completely (expected a JSON report, an inventory or exports): {}",
            path.display(),
            problems.join("; ")
        );
    }
    let analysis = nhi::analyzer::analyze(&inventory, config, now);
    let mut report = Report::build(&inventory, analysis, now);
    nhi::suppress::apply(&mut report, &config.suppressions, now);
    SavedReport::of(&report).map_err(|e| anyhow::anyhow!("{which} {}: {e}", path.display()))
}

fn diff(args: DiffArgs, quiet: bool) -> anyhow::Result<u8> {
    let config = Config::load(args.config.as_deref(), &nhi::rules::ids())?;
    let now = args.now.unwrap_or_else(Utc::now);
    let old = diff_side(&args.old, "OLD", &config, now)?;
    let new = diff_side(&args.new, "NEW", &config, now)?;
    let diff = nhi::diff::compare(&old, &new, args.show_suppressed);
    if !quiet && old.evaluated_at > new.evaluated_at {
        eprintln!(
            "nhi: note: OLD was evaluated after NEW ({} > {}); were they given in order?",
            old.evaluated_at, new.evaluated_at
        );
    }
    let width = table_width();
    write_out(args.output.as_ref(), |w| {
        nhi::diff::render(&diff, args.format, width, w)
    })?;
    Ok(
        if args.fail_on.is_some_and(|f| diff.fails(Severity::from(f))) {
            EXIT_FINDINGS
        } else {
            0
        },
    )
}

fn collect(args: CollectArgs, quiet: bool) -> anyhow::Result<u8> {
    let config = Config::load(args.config.as_deref(), &nhi::rules::ids())?;
    let inventory = args.sources.collect(Utc::now(), &config)?;
    report_sources(&inventory.sources, quiet);
    write_out(args.output.as_ref(), |w| {
        serde_json::to_writer(&mut *w, &inventory).map_err(io::Error::from)?;
        w.write_all(b"\n")
    })?;
    Ok(if inventory.sources.iter().any(|s| s.status.is_error()) {
        EXIT_ERROR
    } else {
        0
    })
}

/// nhi(1), or nhi-COMMAND(1), generated from the command-line definition.
fn man(command: Option<&str>) -> anyhow::Result<u8> {
    // Built as clap_mangen's generate_to builds it, so that a command's page is named
    // nhi-COMMAND, as the SEE ALSO of nhi(1) refers to it.
    let mut nhi = Cli::command().disable_help_subcommand(true);
    nhi.build();
    let page = match command {
        None => nhi,
        Some(name) => {
            let names: Vec<&str> = nhi.get_subcommands().map(|c| c.get_name()).collect();
            nhi.find_subcommand(name)
                .cloned()
                .with_context(|| format!("no command {name:?}; one of: {}", names.join(", ")))?
        }
    };
    let source = format!("nhi {}", env!("CARGO_PKG_VERSION"));
    write_out(None, |w| {
        clap_mangen::Man::new(page).source(source).render(w)
    })?;
    Ok(0)
}

fn rules(args: RulesArgs) -> anyhow::Result<u8> {
    let rules = nhi::rules::all();
    write_out(None, |w| match args.format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(r.meta()).unwrap_or_default();
                    if let Some(catalog) = r.catalog() {
                        v["catalog"] = catalog;
                    }
                    v
                })
                .collect();
            serde_json::to_writer_pretty(&mut *w, &list).map_err(io::Error::from)?;
            w.write_all(b"\n")
        }
        RulesFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                .set_width(table_width())
                .set_header(vec!["Rule", "Category", "Severity", "OWASP"]);
            for r in &rules {
                let m = r.meta();
                t.add_row(vec![
                    format!("{}\n{}", m.id, m.title),
                    m.category.as_str().to_string(),
                    m.severity.as_str().to_string(),
                    m.owasp
                        .iter()
                        .map(|o| o.code())
                        .collect::<Vec<_>>()
                        .join("\n"),
                ]);
            }
            // Category, severity and OWASP codes never wrap; the rule's id and title take the
            // rest of the width (an 80-column terminal keeps every id on one line).
            for i in 1..=3 {
                if let Some(c) = t.column_mut(i) {
                    c.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
                }
            }
            writeln!(w, "{t}")?;
            for r in &rules {
                if let Some(n) = r.catalog().and_then(|c| c.as_array().map(Vec::len)) {
                    writeln!(
                        w,
                        "{} checks {n} catalog entries; `nhi rules --format json` lists them.",
                        r.meta().id
                    )?;
                }
            }
            Ok(())
        }
    })?;
    Ok(0)
}
