//! The graph in Graphviz's DOT language: `nhi graph --format dot | dot -Tsvg > graph.svg`.
//! Nodes are coloured by their risk; administrator access is a red octagon; workloads of
//! other providers are components, subjects beyond the scan notes.

use super::{IdentityGraph, NodeClass};
use std::io::{self, Write};

/// A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\n`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\r' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Fill colour for a risk severity.
pub(super) fn fill(severity: Option<&str>) -> &'static str {
    match severity {
        Some("critical") => "#f8d7da",
        Some("high") => "#fde2cc",
        Some("medium") => "#fff3cd",
        Some("low") => "#e3f2fd",
        _ => "#ffffff",
    }
}

pub fn write(g: &IdentityGraph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph nhi {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];"
    )?;
    writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];")?;
    for n in &g.nodes {
        let (name, detail) = IdentityGraph::label(n);
        let label = quote(&format!("{name}\n{detail}"));
        let severity = n.risk.as_ref().map(|r| r.severity.as_str());
        let attrs = match n.class {
            NodeClass::Admin => {
                "shape=octagon, fillcolor=\"#c62828\", fontcolor=\"#ffffff\"".to_string()
            }
            NodeClass::Workload => "shape=component, fillcolor=\"#e8eaf6\"".to_string(),
            NodeClass::Subject => "shape=note, fillcolor=\"#eeeeee\"".to_string(),
            NodeClass::Group => "shape=folder, fillcolor=\"#f5f5f5\"".to_string(),
            NodeClass::Person => "shape=ellipse, fillcolor=\"#f5f5f5\"".to_string(),
            NodeClass::Identity => format!("fillcolor=\"{}\"", fill(severity)),
        };
        writeln!(out, "  {} [label={label}, {attrs}];", quote(&n.id))?;
    }
    for e in &g.edges {
        let style = match (e.certainty, e.gate.is_some()) {
            (_, true) => ", style=dashed",
            ("medium", _) => ", style=dotted",
            _ => "",
        };
        writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            quote(&e.from),
            quote(&e.to),
            quote(&IdentityGraph::edge_label(e))
        )?;
    }
    writeln!(out, "}}")
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn strings_are_quoted_for_dot() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("x\ny"), r#""x\ny""#);
    }
}
