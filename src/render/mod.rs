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

pub use markdown::MarkdownOptions;
pub use ocsf::OCSF_VERSION;
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
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    pub table: TableOptions,
    pub markdown: MarkdownOptions,
}

pub trait Render {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

pub fn renderer(format: Format, options: RenderOptions) -> Box<dyn Render> {
    match format {
        Format::Table => Box::new(table::Table(options.table)),
        Format::Json => Box::new(json::Json),
        Format::Ndjson => Box::new(ndjson::Ndjson),
        Format::Csv => Box::new(csv::Csv),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Ocsf => Box::new(ocsf::Ocsf),
        Format::Markdown => Box::new(markdown::Markdown(options.markdown)),
        Format::Html => Box::new(html::Html),
    }
}

/// Keep the kind of an underlying I/O error (a closed pipe must stay `BrokenPipe`).
pub(crate) fn to_io(e: serde_json::Error) -> io::Error {
    io::Error::from(e)
}
