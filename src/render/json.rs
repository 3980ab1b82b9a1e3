use super::{to_io, Render};
use crate::report::Report;
use std::io::{self, Write};

pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report).map_err(to_io)?;
        out.write_all(b"\n")
    }
}

/// The same document without indentation, for formats that embed the report (HTML): 36% smaller
/// at 50,000 identities (109 MB instead of 170 MB), and no one reads an embedded copy's layout.
pub(super) fn write_compact(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(out, report).map_err(to_io)
}
