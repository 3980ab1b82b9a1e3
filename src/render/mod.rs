//! Output formats. Each format is one file implementing [`Render`]; none of them branches on
//! provider: they read the [`Report`] only.

use crate::report::Report;
use std::io::{self, Write};

mod csv;
mod html;
mod json;
mod markdown;
mod ndjson;
mod ocsf;
mod sarif;
mod table;

pub use markdown::text as markdown_text;
pub use markdown::MarkdownOptions;
pub use ocsf::OCSF_VERSION;
pub use sarif::{file_uris, pseudo_path, relative_uri, SarifLimits, SarifOptions};
pub use table::TableOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable tables for a terminal.
    Table,
    /// The whole report, one JSON document (the schema_version 1 contract).
    Json,
    /// One finding per line, each self-contained.
    Ndjson,
    /// One finding per row.
    Csv,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// OCSF 1.5.0 Detection Findings, one JSON object per line (AWS Security Lake, SIEMs).
    Ocsf,
    /// Markdown for a pull-request comment or an issue body, cut to fit (--markdown-limit).
    Markdown,
    /// One self-contained HTML page to read or forward: summary charts, the sources' status, a
    /// filterable identity table with each identity's findings. It loads nothing from the network.
    Html,
}

/// What some formats need to know besides the report.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub table: TableOptions,
    pub markdown: MarkdownOptions,
    pub sarif: SarifOptions,
    /// Show suppressed findings (accepted risks) in the table, Markdown, NDJSON, CSV and SARIF,
    /// which leave them out by default so that ticket scripts and code scanning do not re-open
    /// them. JSON, HTML and OCSF always carry them, marked.
    pub show_suppressed: bool,
}

pub trait Render {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

pub fn renderer(format: Format, options: RenderOptions) -> Box<dyn Render> {
    match format {
        Format::Table => Box::new(table::Table(options.table, options.show_suppressed)),
        Format::Json => Box::new(json::Json),
        Format::Ndjson => Box::new(ndjson::Ndjson(options.show_suppressed)),
        Format::Csv => Box::new(csv::Csv(options.show_suppressed)),
        Format::Sarif => Box::new(sarif::Sarif(SarifOptions {
            show_suppressed: options.show_suppressed,
            ..options.sarif
        })),
        Format::Ocsf => Box::new(ocsf::Ocsf),
        Format::Markdown => Box::new(markdown::Markdown(
            options.markdown,
            options.show_suppressed,
        )),
        Format::Html => Box::new(html::Html),
    }
}

/// Keep the kind of an underlying I/O error (a closed pipe must stay `BrokenPipe`).
pub(crate) fn to_io(e: serde_json::Error) -> io::Error {
    io::Error::from(e)
}
