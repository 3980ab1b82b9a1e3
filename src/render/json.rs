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
