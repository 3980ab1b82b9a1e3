//! Does a workload identity provider's `attributeCondition` pin the repository or its owner?
//!
//! The condition is CEL. nhi parses the subset these conditions are written in — `&&`, `||`,
//! `!`, parentheses, `==`, `!=`, `in [...]`, and `.startsWith('...')` on claims — and answers
//! three ways: pinned (every way to satisfy the condition names a repository or owner), not
//! pinned (some way does not, e.g. only `assertion.ref == 'refs/heads/main'`), or undecided
//! (a construct outside the subset decides it; the answer says which).
//!
//! `attribute.X` is read through the provider's `attributeMapping` when it maps it to a plain
//! `assertion.Y`; other mappings are undecided.

use std::collections::BTreeMap;

/// What a condition amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinning {
    /// Every branch names a repository or owner: the values named.
    Pinned(Vec<String>),
    /// Some branch admits any repository: why.
    NotPinned(String),
    /// nhi cannot tell: why.
    Undecided(String),
}

/// Claims that name a repository or its owner (GitHub Actions and GitLab CI tokens).
const PINNING: &[&str] = &[
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "project_path",
    "project_id",
    "namespace_path",
    "namespace_id",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Path(String),
    Str(String),
    Num(String),
    Op(&'static str),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'\'' || c == b'"' {
            let mut j = i + 1;
            let mut v = String::new();
            while j < b.len() && b[j] != c {
                if b[j] == b'\\' && j + 1 < b.len() {
                    j += 1;
                }
                v.push(char::from(b[j]));
                j += 1;
            }
            if j >= b.len() {
                return Err("an unterminated string".into());
            }
            out.push(Tok::Str(v));
            i = j + 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'.') {
                j += 1;
            }
            let word = &s[i..j];
            out.push(if word == "in" {
                Tok::Op("in")
            } else {
                Tok::Path(word.to_string())
            });
            i = j;
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            out.push(Tok::Num(s[i..j].to_string()));
            i = j;
        } else {
            let two = s.get(i..i + 2).unwrap_or("");
            let op = match two {
                "==" => Some("=="),
                "!=" => Some("!="),
                "&&" => Some("&&"),
                "||" => Some("||"),
                "<=" => Some("<="),
                ">=" => Some(">="),
                _ => None,
            };
            if let Some(op) = op {
                out.push(Tok::Op(op));
                i += 2;
                continue;
            }
            let op = match c {
                b'!' => "!",
                b'(' => "(",
                b')' => ")",
                b'[' => "[",
                b']' => "]",
                b',' => ",",
                b'<' => "<",
                b'>' => ">",
                _ => return Err(format!("the character {:?}", char::from(c))),
            };
            out.push(Tok::Op(op));
            i += 1;
        }
    }
    Ok(out)
}

#[derive(Debug)]
enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    /// claim path op values
    Test {
        path: String,
        op: &'static str,
        values: Vec<String>,
    },
    /// Something outside the subset, in words.
    Other(String),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn or(&mut self) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > 64 {
            return Err("nesting deeper than 64".into());
        }
        let mut parts = vec![self.and()?];
        while self.eat("||") {
            parts.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::Or(parts)
        })
    }
    fn and(&mut self) -> Result<Node, String> {
        let mut parts = vec![self.unary()?];
        while self.eat("&&") {
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::And(parts)
        })
    }
    fn unary(&mut self) -> Result<Node, String> {
        if self.eat("!") {
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err("a missing )".into());
            }
            return Ok(inner);
        }
        self.test()
    }
    fn values(&mut self) -> Result<Vec<String>, String> {
        match self.next() {
            Some(Tok::Str(s)) | Some(Tok::Num(s)) => Ok(vec![s]),
            Some(Tok::Op("[")) => {
                let mut out = Vec::new();
                loop {
                    match self.next() {
                        Some(Tok::Str(s)) | Some(Tok::Num(s)) => out.push(s),
                        Some(Tok::Op("]")) => return Ok(out),
                        other => return Err(format!("{other:?} in a list")),
                    }
                    if self.eat("]") {
                        return Ok(out);
                    }
                    if !self.eat(",") {
                        return Err("a list without commas".into());
                    }
                }
            }
            other => Err(format!("{other:?} where a value was expected")),
        }
    }
    fn test(&mut self) -> Result<Node, String> {
        let path = match self.next() {
            Some(Tok::Path(p)) => p,
            Some(Tok::Str(s)) => {
                // `'acme/web' == assertion.repository`
                if self.eat("==") {
                    if let Some(Tok::Path(p)) = self.next() {
                        return Ok(Node::Test {
                            path: p,
                            op: "==",
                            values: vec![s],
                        });
                    }
                }
                return Err("a comparison nhi cannot read".into());
            }
            other => return Err(format!("{other:?} where a claim was expected")),
        };
        // A method call: `claim.startsWith('x')`.
        if self.eat("(") {
            let (claim, method) = path.rsplit_once('.').unwrap_or(("", path.as_str()));
            let mut args = Vec::new();
            while !self.eat(")") {
                match self.next() {
                    Some(Tok::Str(s)) | Some(Tok::Num(s)) => args.push(s),
                    Some(Tok::Op(",")) => {}
                    Some(_) => return Ok(self.skip_call(format!("{method}(...)"))),
                    None => return Err("a missing )".into()),
                }
            }
            if path == "timestamp" && args.len() == 1 {
                // `timestamp('...') > request.time`: the comparison read the other way round.
                if let Some(op) = self.comparison() {
                    if let Some(Tok::Path(p)) = self.next() {
                        let flipped = match op {
                            "<" => ">",
                            "<=" => ">=",
                            ">" => "<",
                            _ => "<=",
                        };
                        return Ok(Node::Test {
                            path: p,
                            op: flipped,
                            values: args,
                        });
                    }
                    return Err("a comparison nhi cannot read".into());
                }
                return Ok(Node::Other("timestamp(...)".into()));
            }
            return Ok(match method {
                "startsWith" | "endsWith" if args.len() == 1 => Node::Test {
                    path: claim.to_string(),
                    op: if method == "startsWith" {
                        "startsWith"
                    } else {
                        "endsWith"
                    },
                    values: args,
                },
                other => Node::Other(format!("{claim}.{other}(...)")),
            });
        }
        if let Some(op) = self.comparison() {
            return Ok(Node::Test {
                path,
                op,
                values: vec![self.time_value()?],
            });
        }
        if self.eat("==") {
            return Ok(Node::Test {
                path,
                op: "==",
                values: self.values()?,
            });
        }
        if self.eat("!=") {
            self.values()?;
            return Ok(Node::Test {
                path,
                op: "!=",
                values: Vec::new(),
            });
        }
        if self.eat("in") {
            return Ok(Node::Test {
                path,
                op: "in",
                values: self.values()?,
            });
        }
        Ok(Node::Other(path))
    }
    /// `<`, `<=`, `>`, `>=`, consumed when next.
    fn comparison(&mut self) -> Option<&'static str> {
        ["<", "<=", ">", ">="].into_iter().find(|op| self.eat(op))
    }
    /// `timestamp('...')` (the timestamp), or a plain string or number.
    fn time_value(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Path(p)) if p == "timestamp" => {
                if !self.eat("(") {
                    return Err("timestamp without (".into());
                }
                let v = match self.next() {
                    Some(Tok::Str(v)) => v,
                    other => return Err(format!("{other:?} in timestamp(...)")),
                };
                if !self.eat(")") {
                    return Err("a missing )".into());
                }
                Ok(v)
            }
            Some(Tok::Str(v)) | Some(Tok::Num(v)) => Ok(v),
            other => Err(format!("{other:?} where a value was expected")),
        }
    }
    /// Skip to the end of a call nhi does not read.
    fn skip_call(&mut self, what: String) -> Node {
        let mut depth = 1;
        while let Some(t) = self.next() {
            match t {
                Tok::Op("(") => depth += 1,
                Tok::Op(")") => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        Node::Other(what)
    }
}

/// The assertion claim a path reads, through the mapping: `assertion.X` → X,
/// `attribute.Y` → X when mapped from `assertion.X`, `google.subject` likewise.
fn claim(path: &str, mapping: &BTreeMap<String, String>) -> Result<String, String> {
    if let Some(c) = path.strip_prefix("assertion.") {
        return Ok(c.to_string());
    }
    if path.starts_with("attribute.") || path == "google.subject" {
        return match mapping.get(path).map(|m| m.trim()) {
            Some(m)
                if m.starts_with("assertion.")
                    && m[10..]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                Ok(m[10..].to_string())
            }
            Some(m) => Err(format!("{path} is mapped from {m:?}")),
            None => Err(format!("{path} is not in the attribute mapping")),
        };
    }
    Err(format!("{path} is not a claim"))
}

fn judge_node(n: &Node, mapping: &BTreeMap<String, String>) -> Pinning {
    match n {
        Node::Or(parts) => {
            let mut named = Vec::new();
            let mut undecided = None;
            for p in parts {
                match judge_node(p, mapping) {
                    Pinning::Pinned(v) => named.extend(v),
                    not @ Pinning::NotPinned(_) => return not,
                    Pinning::Undecided(why) => undecided = undecided.or(Some(why)),
                }
            }
            match undecided {
                Some(why) => Pinning::Undecided(why),
                None => Pinning::Pinned(named),
            }
        }
        Node::And(parts) => {
            let mut undecided = None;
            let mut last_not = None;
            for p in parts {
                match judge_node(p, mapping) {
                    pinned @ Pinning::Pinned(_) => return pinned,
                    Pinning::Undecided(why) => undecided = undecided.or(Some(why)),
                    Pinning::NotPinned(why) => last_not = Some(why),
                }
            }
            match (undecided, last_not) {
                (Some(why), _) => Pinning::Undecided(why),
                (None, Some(why)) => Pinning::NotPinned(why),
                (None, None) => Pinning::NotPinned("an empty condition".into()),
            }
        }
        Node::Not(_) => Pinning::NotPinned("a negation admits every other repository".into()),
        Node::Other(what) => Pinning::Undecided(format!("{what} is outside the CEL nhi reads")),
        Node::Test { path, op, .. } if matches!(*op, "<" | "<=" | ">" | ">=" | "endsWith") => {
            Pinning::Undecided(format!("{path} {op} ... is outside the CEL nhi reads"))
        }
        Node::Test { path, op, values } => {
            let c = match claim(path, mapping) {
                Ok(c) => c,
                Err(why) => return Pinning::Undecided(why),
            };
            let pins_sub = |v: &str| {
                // repo:OWNER/REPO:... (GitHub) or project_path:GROUP/PROJECT:... (GitLab)
                let rest = v
                    .strip_prefix("repo:")
                    .or_else(|| v.strip_prefix("project_path:"))
                    .unwrap_or("");
                rest.contains('/') && !rest.starts_with('/') && !rest.starts_with('*')
            };
            let pinning_claim = PINNING.contains(&c.as_str());
            match *op {
                "==" | "in"
                    if pinning_claim
                        && !values.is_empty()
                        && values.iter().all(|v| !v.is_empty()) =>
                {
                    Pinning::Pinned(values.iter().map(|v| format!("{c}={v}")).collect())
                }
                "==" | "in"
                    if c == "sub" && !values.is_empty() && values.iter().all(|v| pins_sub(v)) =>
                {
                    Pinning::Pinned(values.iter().map(|v| format!("sub={v}")).collect())
                }
                "startsWith"
                    if pinning_claim
                        && values
                            .iter()
                            .all(|v| v.len() > 1 && (v.ends_with('/') || c.ends_with("_id"))) =>
                {
                    Pinning::Pinned(
                        values
                            .iter()
                            .map(|v| format!("{c} starts with {v}"))
                            .collect(),
                    )
                }
                "startsWith" if c == "sub" && values.iter().all(|v| pins_sub(v)) => {
                    Pinning::Pinned(
                        values
                            .iter()
                            .map(|v| format!("sub starts with {v}"))
                            .collect(),
                    )
                }
                "!=" => Pinning::NotPinned(format!("{c} != ... admits every other value")),
                _ => {
                    Pinning::NotPinned(format!("a test of {c} does not name a repository or owner"))
                }
            }
        }
    }
}

/// What an IAM Condition on a binding amounts to at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// It holds now for every resource the binding covers (a time window that is open).
    Holds,
    /// It does not hold now: expired, or not started yet (why, in words).
    Fails(String),
    /// It holds now only for some resources (which, in words).
    Limits(String),
    /// nhi cannot tell (why).
    Undecided(String),
}

fn decide_node(n: &Node, now: chrono::DateTime<chrono::Utc>) -> Decision {
    match n {
        Node::And(parts) => {
            let mut limits = Vec::new();
            let mut undecided = None;
            for p in parts {
                match decide_node(p, now) {
                    fails @ Decision::Fails(_) => return fails,
                    Decision::Undecided(why) => undecided = undecided.or(Some(why)),
                    Decision::Limits(what) => limits.push(what),
                    Decision::Holds => {}
                }
            }
            match undecided {
                Some(why) => Decision::Undecided(why),
                None if limits.is_empty() => Decision::Holds,
                None => Decision::Limits(limits.join(" and ")),
            }
        }
        Node::Or(parts) => {
            let mut limits = Vec::new();
            let mut fails = Vec::new();
            let mut undecided = None;
            for p in parts {
                match decide_node(p, now) {
                    Decision::Holds => return Decision::Holds,
                    Decision::Undecided(why) => undecided = undecided.or(Some(why)),
                    Decision::Limits(what) => limits.push(what),
                    Decision::Fails(why) => fails.push(why),
                }
            }
            match undecided {
                Some(why) => Decision::Undecided(why),
                None if !limits.is_empty() => Decision::Limits(limits.join(" or ")),
                None => Decision::Fails(fails.join("; ")),
            }
        }
        Node::Not(inner) => match decide_node(inner, now) {
            Decision::Holds => Decision::Fails("a negation of a test that holds".into()),
            Decision::Fails(_) => Decision::Holds,
            _ => Decision::Undecided("a negation nhi cannot decide".into()),
        },
        Node::Other(what) => Decision::Undecided(format!("{what} is outside the CEL nhi decides")),
        Node::Test { path, op, values } => {
            let value = values.first().map(String::as_str).unwrap_or("");
            match (path.as_str(), *op) {
                ("request.time", "<" | "<=" | ">" | ">=") => {
                    let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) else {
                        return Decision::Undecided(format!("{value:?} is not a timestamp"));
                    };
                    let t = t.with_timezone(&chrono::Utc);
                    let holds = match *op {
                        "<" => now < t,
                        "<=" => now <= t,
                        ">" => now > t,
                        _ => now >= t,
                    };
                    let at = t.format("%Y-%m-%dT%H:%M:%SZ");
                    match (holds, *op) {
                        (true, _) => Decision::Holds,
                        (false, "<" | "<=") => Decision::Fails(format!("expired at {at}")),
                        (false, _) => Decision::Fails(format!("starts at {at}")),
                    }
                }
                ("resource.name", "startsWith") => {
                    Decision::Limits(format!("resources whose name starts with {value}"))
                }
                ("resource.name", "endsWith") => {
                    Decision::Limits(format!("resources whose name ends with {value}"))
                }
                ("resource.name", "==") if values.len() == 1 => {
                    Decision::Limits(format!("the resource {value}"))
                }
                ("resource.type", "==") if values.len() == 1 => {
                    Decision::Limits(format!("resources of type {value}"))
                }
                ("resource.service", "==") if values.len() == 1 => {
                    Decision::Limits(format!("resources of service {value}"))
                }
                _ => Decision::Undecided(format!("{path} {op} ... is outside the CEL nhi decides")),
            }
        }
    }
}

/// Decide an IAM Condition's expression at `now`: a time window (`request.time` against
/// `timestamp(...)`) is open or closed; a resource test (`resource.name.startsWith`,
/// `resource.type ==`) limits the grant to some resources; anything else is undecided.
pub fn decide(expression: &str, now: chrono::DateTime<chrono::Utc>) -> Decision {
    let toks = match lex(expression.trim()) {
        Ok(t) => t,
        Err(what) => return Decision::Undecided(format!("the condition has {what}")),
    };
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    match p.or() {
        Ok(node) if p.pos >= p.toks.len() => decide_node(&node, now),
        Ok(_) => Decision::Undecided("the condition has more after its end".into()),
        Err(what) => Decision::Undecided(format!("the condition has {what}")),
    }
}

/// Judge a provider's condition (`None`: no condition at all).
pub fn judge(condition: Option<&str>, mapping: &BTreeMap<String, String>) -> Pinning {
    let Some(text) = condition.map(str::trim).filter(|c| !c.is_empty()) else {
        return Pinning::NotPinned("there is no attribute condition".into());
    };
    let toks = match lex(text) {
        Ok(t) => t,
        Err(what) => {
            return Pinning::Undecided(format!("the condition has {what}, which nhi does not read"))
        }
    };
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    match p.or() {
        Ok(node) if p.pos >= p.toks.len() => judge_node(&node, mapping),
        Ok(_) => Pinning::Undecided("the condition has more after its end".into()),
        Err(what) => {
            Pinning::Undecided(format!("the condition has {what}, which nhi does not read"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> BTreeMap<String, String> {
        [
            ("google.subject", "assertion.sub"),
            ("attribute.repository", "assertion.repository"),
            ("attribute.owner", "assertion.repository_owner"),
            ("attribute.ref", "assertion.ref"),
            ("attribute.weird", "assertion.a + assertion.b"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    fn pinned(c: &str) -> bool {
        matches!(judge(Some(c), &m()), Pinning::Pinned(_))
    }

    #[test]
    fn pins() {
        assert!(pinned("assertion.repository_owner == 'acme'"));
        assert!(pinned(
            "attribute.repository == \"acme/web\" && assertion.ref == 'refs/heads/main'"
        ));
        assert!(pinned("assertion.repository in ['acme/web', 'acme/api']"));
        assert!(pinned("assertion.repository.startsWith('acme/')"));
        assert!(pinned(
            "(attribute.owner == 'acme') || (assertion.repository_id == '42')"
        ));
        assert!(pinned(
            "google.subject == 'repo:acme/web:ref:refs/heads/main'"
        ));
        assert!(pinned("'acme' == assertion.repository_owner"));
    }

    #[test]
    fn does_not_pin() {
        for c in [
            "assertion.ref == 'refs/heads/main'",
            "attribute.repository != 'evil/x'",
            "assertion.repository_owner == 'acme' || assertion.ref == 'refs/heads/main'",
            "!(assertion.repository == 'acme/web')",
            "assertion.repository.startsWith('a')",
            "google.subject.startsWith('repo:')",
        ] {
            assert!(matches!(judge(Some(c), &m()), Pinning::NotPinned(_)), "{c}");
        }
        assert!(matches!(judge(None, &m()), Pinning::NotPinned(_)));
        assert!(matches!(judge(Some("  "), &m()), Pinning::NotPinned(_)));
    }

    fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn time_windows_are_decided_against_now() {
        let now = at("2026-11-01T00:00:00Z");
        for (c, holds) in [
            ("request.time < timestamp('2027-01-01T00:00:00Z')", true),
            ("request.time < timestamp(\"2020-01-01T00:00:00Z\")", false),
            ("request.time <= timestamp('2026-11-01T00:00:00Z')", true),
            ("request.time < timestamp('2026-11-01T00:00:00Z')", false),
            ("request.time > timestamp('2026-01-01T00:00:00Z')", true),
            ("request.time > timestamp('2027-01-01T00:00:00Z')", false),
            ("request.time >= timestamp('2026-11-01T00:00:00Z')", true),
            ("request.time >= timestamp('2026-11-01T00:00:01Z')", false),
            ("timestamp('2027-01-01T00:00:00Z') > request.time", true),
            ("timestamp('2020-01-01T00:00:00Z') > request.time", false),
            (
                "request.time > timestamp('2026-01-01T00:00:00Z') && request.time < timestamp('2026-06-01T00:00:00Z')",
                false,
            ),
            (
                "request.time < timestamp('2020-01-01T00:00:00Z') || request.time > timestamp('2026-01-01T00:00:00Z')",
                true,
            ),
            ("!(request.time < timestamp('2020-01-01T00:00:00Z'))", true),
        ] {
            let d = decide(c, now);
            if holds {
                assert_eq!(d, Decision::Holds, "{c}");
            } else {
                assert!(matches!(d, Decision::Fails(_)), "{c}: {d:?}");
            }
        }
        assert_eq!(
            decide("request.time < timestamp('2020-01-01T00:00:00Z')", now),
            Decision::Fails("expired at 2020-01-01T00:00:00Z".into())
        );
        assert_eq!(
            decide("request.time > timestamp('2027-01-01T00:00:00Z')", now),
            Decision::Fails("starts at 2027-01-01T00:00:00Z".into())
        );
    }

    #[test]
    fn resource_tests_limit_the_grant() {
        let now = at("2026-11-01T00:00:00Z");
        assert_eq!(
            decide(
                "resource.name.startsWith('projects/_/buckets/acme-logs')",
                now
            ),
            Decision::Limits(
                "resources whose name starts with projects/_/buckets/acme-logs".into()
            )
        );
        assert_eq!(
            decide("resource.type == \"storage.googleapis.com/Bucket\"", now),
            Decision::Limits("resources of type storage.googleapis.com/Bucket".into())
        );
        // With an open window the limit stays; with a closed one the grant is gone.
        assert!(matches!(
            decide(
                "resource.type == 'storage.googleapis.com/Bucket' && request.time < timestamp('2027-01-01T00:00:00Z')",
                now
            ),
            Decision::Limits(_)
        ));
        assert!(matches!(
            decide(
                "resource.type == 'storage.googleapis.com/Bucket' && request.time < timestamp('2020-01-01T00:00:00Z')",
                now
            ),
            Decision::Fails(_)
        ));
    }

    #[test]
    fn other_conditions_stay_undecided() {
        let now = at("2026-11-01T00:00:00Z");
        for c in [
            "request.time.getHours('Europe/Berlin') < 17",
            "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/viewer'])",
            "request.time < timestamp('not a time')",
            "resource.name.startsWith('a') || request.auth.access_levels.exists(x, x == 'y')",
            "!resource.name.startsWith('a')",
            "request.time <",
            "'x' < 3 ;",
        ] {
            assert!(matches!(decide(c, now), Decision::Undecided(_)), "{c}: {:?}", decide(c, now));
        }
    }

    #[test]
    fn undecided_says_why() {
        for c in [
            "assertion.repository.matches('^acme/.*$')",
            "attribute.weird == 'x'",
            "attribute.unknown == 'x'",
            "assertion.repository == 'a' &&",
            "assertion.repository == 'a' ; drop",
            "size(assertion.aud) > 0",
            "'unterminated",
        ] {
            match judge(Some(c), &m()) {
                Pinning::Undecided(why) => assert!(!why.is_empty()),
                other => panic!("{c}: {other:?}"),
            }
        }
        // Deep nesting is refused, not a stack overflow.
        let deep = format!(
            "{}assertion.repository == 'a'{}",
            "(".repeat(500),
            ")".repeat(500)
        );
        assert!(matches!(judge(Some(&deep), &m()), Pinning::Undecided(_)));
    }
}
