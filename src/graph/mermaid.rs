//! The graph as a Mermaid flowchart, for a README, an issue or a pull request (GitHub draws it).
//! Keep it small: `--from-identity` and `--to admin` cut a large estate to the paths of interest.

use super::{IdentityGraph, NodeClass};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// What Mermaid draws with its default configuration (GitHub uses it): more edges than this
/// fail with "Edge limit exceeded"; a text longer than 50,000 characters is refused too, which a
/// graph of this many nodes reaches.
pub struct Limits {
    pub edges: usize,
    pub nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            edges: 500,
            nodes: 500,
        }
    }
}

/// Text inside a Mermaid double-quoted label: the characters Mermaid reads as markup or entity
/// starts become entity codes.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn write(g: &IdentityGraph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    let ids: BTreeMap<&str, String> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), format!("n{i}")))
        .collect();
    let mut classes: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    for n in &g.nodes {
        let id = &ids[n.id.as_str()];
        let (name, detail) = IdentityGraph::label(n);
        let label = format!("\"{}<br/>{}\"", text(&name), text(&detail));
        let shaped = match n.class {
            NodeClass::Admin => format!("{{{{{label}}}}}"),
            NodeClass::Workload => format!("[/{label}/]"),
            NodeClass::Subject => format!(">{label}]"),
            NodeClass::Person | NodeClass::Group => format!("({label})"),
            NodeClass::Identity => format!("[{label}]"),
        };
        writeln!(out, "  {id}{shaped}")?;
        let class = match n.class {
            NodeClass::Admin => "admin",
            NodeClass::Workload | NodeClass::Subject => "workload",
            _ => match n.risk.as_ref().map(|r| r.severity.as_str()) {
                Some("critical") => "critical",
                Some("high") => "high",
                Some("medium") => "medium",
                _ => "plain",
            },
        };
        classes.entry(class).or_default().push(id);
    }
    for e in &g.edges {
        let (Some(from), Some(to)) = (ids.get(e.from.as_str()), ids.get(e.to.as_str())) else {
            continue;
        };
        let arrow = if e.gate.is_some() || e.certainty == "medium" {
            "-.->"
        } else {
            "-->"
        };
        writeln!(
            out,
            "  {from} {arrow}|\"{}\"| {to}",
            text(&IdentityGraph::edge_label(e))
        )?;
    }
    let styles = [
        ("admin", "fill:#c62828,color:#ffffff,stroke:#7f0000"),
        ("critical", "fill:#f8d7da,stroke:#b71c1c"),
        ("high", "fill:#fde2cc,stroke:#e65100"),
        ("medium", "fill:#fff3cd,stroke:#f9a825"),
        ("plain", "fill:#ffffff,stroke:#9e9e9e"),
        ("workload", "fill:#e8eaf6,stroke:#3949ab"),
    ];
    for (class, style) in styles {
        if let Some(members) = classes.get(class) {
            writeln!(out, "  classDef {class} {style}")?;
            writeln!(out, "  class {} {class}", members.join(","))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn markup_becomes_entities() {
        assert_eq!(text(r#"a"<b>#c"#), "a#quot;#lt;b#gt;#35;c");
    }
}
