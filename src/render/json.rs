use super::{to_io, Render};
use crate::report::Report;
use std::io::{self, Write};

pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        to_writer_pretty(&mut *out, report).map_err(to_io)?;
        out.write_all(b"\n")
    }
}

/// `serde_json::to_writer_pretty`, byte for byte, except that embedded raw JSON (findings'
/// evidence, kept as compact text) is re-indented in place instead of being parsed into a tree
/// and written again: at a million findings that parse is most of the writing.
pub fn to_writer_pretty<W: Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Pretty::default());
    value.serialize(&mut ser)
}

/// serde_json's `PrettyFormatter` with two spaces, which also indents raw fragments.
#[derive(Default)]
pub struct Pretty {
    depth: usize,
    has_value: bool,
}

fn newline_indent<W: ?Sized + Write>(w: &mut W, depth: usize) -> io::Result<()> {
    w.write_all(b"\n")?;
    for _ in 0..depth {
        w.write_all(b"  ")?;
    }
    Ok(())
}

impl Pretty {
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: u8) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(&[bracket])
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: u8) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            newline_indent(w, self.depth)?;
        }
        w.write_all(&[bracket])
    }

    /// Before an element or a key: a comma after the first, then a new line.
    fn next<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        newline_indent(w, self.depth)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b'[')
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b']')
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b'{')
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b'}')
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    /// A compact JSON text (as serde_json writes one), laid out as the formatter would have
    /// written its value: a line per member and element, empty objects and lists as `{}` and
    /// `[]`, strings and numbers as they are.
    fn write_raw_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut depth = self.depth;
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    // Skip the string, escapes included.
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                    continue;
                }
                open @ (b'{' | b'[') => {
                    w.write_all(&bytes[start..i])?;
                    let close = if open == b'{' { b'}' } else { b']' };
                    if bytes.get(i + 1) == Some(&close) {
                        w.write_all(&[open, close])?;
                        i += 2;
                    } else {
                        depth += 1;
                        w.write_all(&[open])?;
                        newline_indent(w, depth)?;
                        i += 1;
                    }
                    start = i;
                    continue;
                }
                close @ (b'}' | b']') => {
                    w.write_all(&bytes[start..i])?;
                    depth = depth.saturating_sub(1);
                    newline_indent(w, depth)?;
                    w.write_all(&[close])?;
                    start = i + 1;
                }
                b',' => {
                    w.write_all(&bytes[start..i])?;
                    w.write_all(b",")?;
                    newline_indent(w, depth)?;
                    start = i + 1;
                }
                b':' => {
                    w.write_all(&bytes[start..i])?;
                    w.write_all(b": ")?;
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        w.write_all(&bytes[start.min(bytes.len())..])
    }
}

/// The same document without indentation, for formats that embed the report (HTML): 36% smaller
/// at 50,000 identities (109 MB instead of 170 MB), and no one reads an embedded copy's layout.
pub(super) fn write_compact(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(out, report).map_err(to_io)
}

#[cfg(test)]
mod tests {
    use crate::finding::Evidence;
    use serde_json::{json, Value};

    /// Evidence at any depth comes out as serde_json's pretty printer writes its value.
    #[test]
    fn raw_evidence_is_indented_as_its_value_would_be() {
        let values = [
            json!({
                "paths": [{"hop": {"actions": ["iam:PassRole", "sts:AssumeRole"], "certainty": "high"}, "n": 1.5}],
                "empty": {}, "list": [], "nested": [[], [{}], [1, [2, {"a": []}]]],
                "none": null, "yes": true, "n": -3e-7,
                "text": "a \"quoted\" é ✓ {with} [brackets], commas: and \\ backslash \\\""
            }),
            json!({}),
            json!([]),
            json!("plain"),
            json!(42),
            Value::Null,
        ];
        for value in values {
            let evidence = Evidence::new(&value);
            #[derive(serde::Serialize)]
            struct Outer<T> {
                first: T,
                list: Vec<T>,
                deeper: Vec<Vec<T>>,
                last: u8,
            }
            let ours = Outer {
                first: evidence.clone(),
                list: vec![evidence.clone(), evidence.clone()],
                deeper: vec![vec![evidence.clone()]],
                last: 1,
            };
            let theirs = Outer {
                first: value.clone(),
                list: vec![value.clone(), value.clone()],
                deeper: vec![vec![value.clone()]],
                last: 1,
            };
            let mut out = Vec::new();
            super::to_writer_pretty(&mut out, &ours).expect("writes");
            assert_eq!(
                String::from_utf8(out).expect("utf-8"),
                serde_json::to_string_pretty(&theirs).expect("writes"),
                "{value}"
            );
            assert_eq!(
                serde_json::to_string(&ours).expect("writes"),
                serde_json::to_string(&theirs).expect("writes")
            );
        }
    }
}
