//! What a connector printed: one inventory document, or one identity per line (NDJSON).

use nhi_api::contract::{parse_identity, parse_inventory, ContractError};
use nhi_api::Inventory;

/// At most this many bad lines are named in the report; the rest are counted.
const NAMED_PROBLEMS: usize = 3;

/// The inventory read from a connector's output, and where it was not readable.
#[derive(Debug, Default)]
pub struct Output {
    pub inventory: Inventory,
    /// Identities read.
    pub identities: usize,
    /// The first problems, each naming its line and JSON path.
    pub problems: Vec<String>,
    /// How many lines (or documents) could not be read in all.
    pub bad: usize,
    /// Whether the output was one inventory document (not NDJSON).
    pub document: bool,
}

impl Output {
    /// The problems as one sentence: the first few, and how many more.
    pub fn problem_text(&self) -> Option<String> {
        if self.bad == 0 {
            return None;
        }
        let mut text = self.problems.join("; ");
        if self.bad > self.problems.len() {
            text.push_str(&format!(
                "; {} more line{} could not be read",
                self.bad - self.problems.len(),
                if self.bad - self.problems.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ));
        }
        Some(text)
    }
}

/// Whether the output is one inventory document: it starts with `{` and its first line is not
/// a whole JSON object, or is one with a `schema_version` (an inventory on one line).
fn is_document(text: &[u8]) -> bool {
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else { return false };
    if text[start] != b'{' {
        return false;
    }
    let rest = &text[start..];
    let first = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
    match serde_json::from_slice::<serde_json::Value>(first) {
        Ok(serde_json::Value::Object(m)) => m.contains_key("schema_version"),
        Ok(_) => false,
        Err(_) => true,
    }
}

/// Read a connector's stdout. `complete` is false when the program was stopped: a last line
/// without its newline is then cut short, not malformed, and is left out.
pub fn read(stdout: &[u8], complete: bool) -> Output {
    let stdout = stdout.strip_prefix(b"\xef\xbb\xbf").unwrap_or(stdout);
    let mut out = Output::default();
    if is_document(stdout) {
        out.document = true;
        match parse_inventory(stdout) {
            Ok(inventory) => {
                out.identities = inventory.identities.len();
                out.inventory = inventory;
            }
            Err(e) => {
                out.bad = 1;
                out.problems.push(e.to_string());
            }
        }
        return out;
    }
    let mut lines: Vec<&[u8]> = stdout.split(|&b| b == b'\n').collect();
    if !complete && !stdout.ends_with(b"\n") {
        lines.pop();
    }
    for (n, line) in lines.iter().enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        match parse_identity(line) {
            Ok(identity) => {
                out.inventory.identities.push(identity);
                out.identities += 1;
            }
            Err(e) => {
                out.bad += 1;
                if out.problems.len() < NAMED_PROBLEMS {
                    out.problems.push(line_problem(n + 1, &e));
                }
            }
        }
    }
    out
}

/// "line 7: credentials[0].expires: unknown variant ..." (the column when the line is not JSON).
fn line_problem(line: usize, e: &ContractError) -> String {
    let mut text = format!("line {line}");
    if e.path.is_empty() && e.column > 0 {
        text.push_str(&format!(" column {}", e.column));
    }
    text.push_str(": ");
    if !e.path.is_empty() {
        text.push_str(&e.path);
        text.push_str(": ");
    }
    text.push_str(&e.message);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"id": "t1", "provider": "okta", "kind": "okta_api_token", "name": "a", "scope": "acme"}"#;

    #[test]
    fn ndjson_lines_and_a_bad_one() {
        let text = format!("{ONE}\n\n{}\nnot json at all\n", ONE.replace("t1", "t2"));
        let out = read(text.as_bytes(), true);
        assert!(!out.document);
        assert_eq!(out.identities, 2);
        assert_eq!(out.bad, 1);
        assert!(
            out.problems[0].starts_with("line 4 column 2: expected ident"),
            "{:?}",
            out.problems
        );
    }

    #[test]
    fn bad_lines_name_their_json_path() {
        let text = ONE.replace(
            r#""kind": "okta_api_token", "#,
            r#""credentials": [{"id": "c", "kind": "k", "status": "on"}], "kind": "k", "#,
        );
        let out = read(text.as_bytes(), true);
        assert_eq!(out.bad, 1);
        assert!(
            out.problems[0].starts_with("line 1: credentials[0].status: "),
            "{:?}",
            out.problems
        );
    }

    #[test]
    fn many_bad_lines_are_counted() {
        let text = "x\n".repeat(10);
        let out = read(text.as_bytes(), true);
        assert_eq!((out.bad, out.problems.len()), (10, NAMED_PROBLEMS));
        assert!(out
            .problem_text()
            .expect("text")
            .ends_with("; 7 more lines could not be read"));
    }

    #[test]
    fn a_document_pretty_or_on_one_line() {
        let doc = format!("{{\n  \"schema_version\": 2,\n  \"identities\": [{ONE}]\n}}\n");
        let out = read(doc.as_bytes(), true);
        assert!(out.document && out.identities == 1 && out.bad == 0);
        let doc = format!("{{\"schema_version\": 2, \"identities\": [{ONE}]}}");
        assert_eq!(read(doc.as_bytes(), true).identities, 1);
        let bad = doc.replace("\"scope\": \"acme\"", "\"scope\": 3");
        let out = read(bad.as_bytes(), true);
        assert_eq!(out.bad, 1);
        assert!(
            out.problems[0].contains("identities[0].scope"),
            "{:?}",
            out.problems
        );
    }

    #[test]
    fn a_line_cut_short_by_a_stop_is_left_out() {
        let text = format!("{ONE}\n{{\"id\": \"t2\", \"prov");
        let out = read(text.as_bytes(), false);
        assert_eq!((out.identities, out.bad), (1, 0));
        let out = read(text.as_bytes(), true);
        assert_eq!((out.identities, out.bad), (1, 1));
    }

    #[test]
    fn empty_output_has_nothing() {
        let out = read(b"", true);
        assert_eq!((out.identities, out.bad, out.document), (0, 0, false));
    }
}
