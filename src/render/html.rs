//! One self-contained HTML page: the JSON report embedded as data, and a small script of our own
//! that draws the summary charts (inline SVG), the sources' status and a lazily rendered,
//! filterable identity table from it.
//!
//! The page loads nothing: its Content-Security-Policy forbids every fetch and lets only its own
//! script and style run (by hash), so a name or message that got past the escaping still could not
//! execute or phone home. The assets live beside this file (`html/`) so they can be read and linted
//! as what they are; the script reads only the report, never a provider's name.

use super::{json, Render};
use crate::report::Report;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

const PAGE: &str = include_str!("html/page.html");
const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/app.js");

/// What fills each marker of `page.html`, in the order the markers appear.
#[derive(Clone, Copy)]
enum Slot {
    Policy,
    Style,
    Report,
    Script,
}

const SLOTS: [(&str, Slot); 4] = [
    ("{{policy}}", Slot::Policy),
    ("{{style}}", Slot::Style),
    ("{{report}}", Slot::Report),
    ("{{script}}", Slot::Script),
];

pub struct Html;

impl Render for Html {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut rest = PAGE;
        for (marker, slot) in SLOTS {
            let (before, after) = rest.split_once(marker).ok_or_else(|| {
                io::Error::other(format!("the HTML template has no {marker} marker"))
            })?;
            out.write_all(before.as_bytes())?;
            match slot {
                Slot::Policy => out.write_all(content_security_policy().as_bytes())?,
                Slot::Style => out.write_all(STYLE.as_bytes())?,
                Slot::Report => {
                    json::write_compact(report, &mut ScriptSafe::new(&mut *out, PART_BYTES))?
                }
                Slot::Script => out.write_all(SCRIPT.as_bytes())?,
            }
            rest = after;
        }
        out.write_all(rest.as_bytes())
    }
}

/// Nothing may be fetched (`default-src 'none'`); the one style sheet and the one script run
/// because their hashes are listed; the only image is the empty data: favicon that keeps a
/// browser from asking for /favicon.ico.
fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:; \
         base-uri 'none'; form-action 'none'",
        sha256(STYLE),
        sha256(SCRIPT)
    )
}

fn sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The embedded report continues in a new element past this many bytes. Chromium builds one huge
/// script element's text far more slowly than many small ones (at 50,000 identities, 109 MB of
/// JSON: 9-11 s in one element, 2.3 s in 1 MiB parts; benches/results.md); reports up to 1 MiB
/// stay in one.
const PART_BYTES: usize = 1 << 20;
const NEXT_PART: &[u8] = b"</script>\n<script type=\"application/json\" class=\"nhi-report-part\">";

/// Writes JSON into an HTML `<script>` element: `<`, `>` and `&` become `\u003c`, `\u003e` and
/// `\u0026`. In JSON they can only occur inside strings, where the escape stands for the same
/// character, and without a literal `<` no `</script>` or `<!--` in a name or a message can end
/// or change the element. (None of them is part of a multi-byte UTF-8 sequence.) Past
/// `part_bytes` the text goes on in a next element, cut before an ASCII byte so that no
/// character is split; the page joins the parts' text before parsing it.
struct ScriptSafe<'a> {
    out: &'a mut dyn Write,
    part_bytes: usize,
    in_part: usize,
}

impl<'a> ScriptSafe<'a> {
    fn new(out: &'a mut dyn Write, part_bytes: usize) -> Self {
        ScriptSafe {
            out,
            part_bytes,
            in_part: 0,
        }
    }

    fn pass(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.in_part += bytes.len();
        self.out.write_all(bytes)
    }
}

impl Write for ScriptSafe<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut start = 0;
        for (i, &byte) in buf.iter().enumerate() {
            let escaped: Option<&[u8]> = match byte {
                b'<' => Some(b"\\u003c"),
                b'>' => Some(b"\\u003e"),
                b'&' => Some(b"\\u0026"),
                _ => None,
            };
            let cut = byte.is_ascii() && self.in_part + (i - start) >= self.part_bytes;
            if escaped.is_none() && !cut {
                continue;
            }
            self.pass(&buf[start..i])?;
            if cut {
                self.out.write_all(NEXT_PART)?;
                self.in_part = 0;
            }
            match escaped {
                Some(escaped) => {
                    self.pass(escaped)?;
                    start = i + 1;
                }
                None => start = i,
            }
        }
        self.pass(&buf[start..])
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marker_appears_once_and_in_order() {
        let mut rest = PAGE;
        for (marker, _) in SLOTS {
            assert_eq!(PAGE.matches(marker).count(), 1, "{marker}");
            rest = rest.split_once(marker).expect("in order").1;
        }
        assert!(!rest.contains("{{"), "no unknown marker after the last");
    }

    #[test]
    fn embedded_json_cannot_close_the_script_element() {
        let value = serde_json::json!({"name": "</script><script>alert(1)</script><!-- & >"});
        let mut out = Vec::new();
        serde_json::to_writer(&mut ScriptSafe::new(&mut out, PART_BYTES), &value).expect("written");
        let text = String::from_utf8(out).expect("UTF-8");
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn long_json_goes_on_in_parts_without_splitting_a_character() {
        let value =
            serde_json::json!({"names": ["éèü→€𝄞", "</script>", "ü".repeat(40), "x".repeat(40)]});
        let mut out = Vec::new();
        serde_json::to_writer(&mut ScriptSafe::new(&mut out, 16), &value).expect("written");
        let text = String::from_utf8(out).expect("each part is whole UTF-8");
        let separator = std::str::from_utf8(NEXT_PART).expect("UTF-8");
        let parts: Vec<&str> = text.split(separator).collect();
        assert!(parts.len() > 5, "{parts:?}");
        for part in &parts {
            assert!(!part.contains('<'), "{part}");
        }
        let back: serde_json::Value = serde_json::from_str(&parts.concat()).expect("JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn the_assets_need_nothing_from_outside() {
        for asset in [PAGE, STYLE, SCRIPT] {
            // The SVG namespace is a name, not an address the browser loads.
            let asset = asset.replace("http://www.w3.org/2000/svg", "");
            for needle in [
                "http://",
                "https://",
                "@import",
                "url(",
                "fetch(",
                "XMLHttpRequest",
            ] {
                assert!(!asset.contains(needle), "an asset contains {needle}");
            }
        }
    }
}
