//! IAM condition blocks, evaluated three ways: true, false, or not decidable from what nhi knows.
//!
//! A condition is decided from a request context: what nhi knows about the caller (its ARN,
//! account, tags, the organization), the time of the evaluation (`--now`), and the request the
//! path would make (`iam:PassedToService`, the policy it attaches). Keys the caller sets itself
//! (`aws:RequestedRegion`, request tags, most service keys) are chosen by whoever holds the
//! permission: an Allow that depends on them can be met and a Deny that depends on them can be
//! avoided. Keys nhi cannot know (the caller's network, an STS external id) leave the condition
//! undecided, and the finding keeps it quoted at medium confidence.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Truth {
    False,
    Unknown,
    True,
}

impl Truth {
    pub fn and(self, other: Truth) -> Truth {
        self.min(other)
    }

    pub fn or(self, other: Truth) -> Truth {
        self.max(other)
    }

    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    fn of(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }
}

/// What the context says about one condition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// The key is in the request, with these values.
    Known(Vec<String>),
    /// The key is not in the request.
    Absent,
    /// The caller sets it: an Allow on it can be met, a Deny on it avoided.
    Chosen,
    /// nhi cannot tell.
    Unknown,
}

/// Whether a statement is being asked to allow or to deny: a caller-chosen key is decided in the
/// caller's favour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Allow,
    Deny,
}

/// Where a condition's keys are looked up.
pub trait Keys {
    fn value(&self, key: &str) -> Value;
}

/// A context with a few request keys added (the service a role is passed to, the policy a path
/// attaches).
pub struct With<'a> {
    pub base: &'a Context,
    pub extra: &'a [(&'a str, Value)],
}

impl Keys for With<'_> {
    fn value(&self, key: &str) -> Value {
        self.extra
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| self.base.value(key))
    }
}

/// The request context a condition is decided against.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Lowercased key → what is known of it. Keys not listed are classified by [`default_value`].
    pub keys: BTreeMap<String, Value>,
    pub now: Option<DateTime<Utc>>,
}

impl Context {
    pub fn new(now: DateTime<Utc>) -> Self {
        Context {
            keys: BTreeMap::new(),
            now: Some(now),
        }
    }

    /// Set a key to known values.
    pub fn set(&mut self, key: &str, values: impl IntoIterator<Item = impl Into<String>>) {
        self.keys.insert(
            key.to_ascii_lowercase(),
            Value::Known(values.into_iter().map(Into::into).collect()),
        );
    }

    pub fn set_value(&mut self, key: &str, value: Value) {
        self.keys.insert(key.to_ascii_lowercase(), value);
    }
}

impl Keys for Context {
    /// What the context holds for a key.
    fn value(&self, key: &str) -> Value {
        let lower = key.to_ascii_lowercase();
        if let Some(v) = self.keys.get(&lower) {
            return v.clone();
        }
        match lower.as_str() {
            "aws:currenttime" => self
                .now
                .map(|t| Value::Known(vec![t.to_rfc3339()]))
                .unwrap_or(Value::Unknown),
            "aws:epochtime" => self
                .now
                .map(|t| Value::Known(vec![t.timestamp().to_string()]))
                .unwrap_or(Value::Unknown),
            _ => default_value(&lower),
        }
    }
}

/// How a key nhi was told nothing about is treated.
fn default_value(key: &str) -> Value {
    // Keys the caller decides when it makes the request.
    const CHOSEN: &[&str] = &[
        "aws:requestedregion",
        "aws:securetransport",
        "aws:tagkeys",
        "aws:useragent",
        "aws:referer",
        "sts:rolesessionname",
        "sts:sourceidentity",
        "sts:transitivetagkeys",
    ];
    if CHOSEN.contains(&key) || key.starts_with("aws:requesttag/") {
        return Value::Chosen;
    }
    // A shared secret the caller must know: whether it does is not in IAM data.
    if key == "sts:externalid" {
        return Value::Unknown;
    }
    // Service-specific keys are mostly request parameters (s3:prefix, ec2:InstanceType,
    // lambda:Layer), which the caller picks; resource tags are not.
    match key.split_once(':') {
        Some((service, rest)) if service != "aws" && service != "iam" => {
            if rest.starts_with("resourcetag/") || rest.starts_with("existingobjecttag/") {
                Value::Unknown
            } else {
                Value::Chosen
            }
        }
        _ => Value::Unknown,
    }
}

/// An operator, parsed: `ForAnyValue:StringLikeIfExists` is (ForAnyValue, StringLike, if-exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    set: SetOp,
    base: Base,
    if_exists: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Single,
    AnyValue,
    AllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
    /// An operator nhi does not evaluate (BinaryEquals, a misspelling): undecided.
    Other,
}

impl Base {
    /// Negated operators hold when no value matches (and when the key is absent).
    fn negated(self) -> bool {
        matches!(
            self,
            Base::StringNotEquals
                | Base::StringNotEqualsIgnoreCase
                | Base::StringNotLike
                | Base::NumericNotEquals
                | Base::DateNotEquals
                | Base::NotIpAddress
                | Base::ArnNotEquals
                | Base::ArnNotLike
        )
    }
}

fn parse_operator(op: &str) -> Operator {
    let (set, rest) = if let Some(r) = op.strip_prefix("ForAnyValue:") {
        (SetOp::AnyValue, r)
    } else if let Some(r) = op.strip_prefix("ForAllValues:") {
        (SetOp::AllValues, r)
    } else {
        (SetOp::Single, op)
    };
    let (rest, if_exists) = match rest.strip_suffix("IfExists") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let base = match rest {
        "StringEquals" => Base::StringEquals,
        "StringNotEquals" => Base::StringNotEquals,
        "StringEqualsIgnoreCase" => Base::StringEqualsIgnoreCase,
        "StringNotEqualsIgnoreCase" => Base::StringNotEqualsIgnoreCase,
        "StringLike" => Base::StringLike,
        "StringNotLike" => Base::StringNotLike,
        "NumericEquals" => Base::NumericEquals,
        "NumericNotEquals" => Base::NumericNotEquals,
        "NumericLessThan" => Base::NumericLessThan,
        "NumericLessThanEquals" => Base::NumericLessThanEquals,
        "NumericGreaterThan" => Base::NumericGreaterThan,
        "NumericGreaterThanEquals" => Base::NumericGreaterThanEquals,
        "DateEquals" => Base::DateEquals,
        "DateNotEquals" => Base::DateNotEquals,
        "DateLessThan" => Base::DateLessThan,
        "DateLessThanEquals" => Base::DateLessThanEquals,
        "DateGreaterThan" => Base::DateGreaterThan,
        "DateGreaterThanEquals" => Base::DateGreaterThanEquals,
        "Bool" => Base::Bool,
        "IpAddress" => Base::IpAddress,
        "NotIpAddress" => Base::NotIpAddress,
        "ArnEquals" => Base::ArnEquals,
        "ArnLike" => Base::ArnLike,
        "ArnNotEquals" => Base::ArnNotEquals,
        "ArnNotLike" => Base::ArnNotLike,
        "Null" => Base::Null,
        _ => Base::Other,
    };
    Operator {
        set,
        base,
        if_exists,
    }
}

/// One `operator: { key: values }` entry of a condition block, compiled.
#[derive(Debug, Clone)]
pub struct Test {
    operator: Operator,
    /// As written, for evidence.
    pub operator_text: String,
    pub key: String,
    pub values: Vec<String>,
}

/// A statement's whole condition block: every test must hold.
#[derive(Debug, Clone, Default)]
pub struct Condition {
    pub tests: Vec<Test>,
}

impl Condition {
    pub fn compile(
        block: &BTreeMap<String, BTreeMap<String, nhi_api::policy::StringList>>,
    ) -> Condition {
        let mut tests = Vec::new();
        for (op, entries) in block {
            let operator = parse_operator(op);
            for (key, values) in entries {
                tests.push(Test {
                    operator,
                    operator_text: op.clone(),
                    key: key.clone(),
                    values: values.0.clone(),
                });
            }
        }
        Condition { tests }
    }

    pub fn is_empty(&self) -> bool {
        self.tests.is_empty()
    }

    /// Whether the block holds in `ctx`, for a statement of `side`.
    pub fn eval(&self, ctx: &dyn Keys, side: Side) -> Truth {
        self.tests
            .iter()
            .fold(Truth::True, |acc, t| acc.and(t.eval(ctx, side)))
    }

    /// The tests that did not decide either way in `ctx`, quoted `Operator key [values]`.
    pub fn undecided(&self, ctx: &dyn Keys, side: Side) -> Vec<String> {
        self.tests
            .iter()
            .filter(|t| t.eval(ctx, side) == Truth::Unknown)
            .map(Test::quote)
            .collect()
    }

    /// Every test, quoted.
    pub fn quote(&self) -> Vec<String> {
        self.tests.iter().map(Test::quote).collect()
    }
}

impl Test {
    pub fn quote(&self) -> String {
        format!(
            "{} {} [{}]",
            self.operator_text,
            self.key,
            self.values.join(", ")
        )
    }

    pub fn eval(&self, ctx: &dyn Keys, side: Side) -> Truth {
        let op = self.operator;
        let value = ctx.value(&self.key);
        if op.base == Base::Null {
            // Null: "true" asks for the key to be absent, "false" for it to be present.
            let wants_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return match value {
                Value::Known(_) => Truth::of(!wants_absent),
                Value::Absent => Truth::of(wants_absent),
                Value::Chosen => chosen(side),
                Value::Unknown => Truth::Unknown,
            };
        }
        match value {
            Value::Unknown => Truth::Unknown,
            Value::Chosen if op.base == Base::Other => Truth::Unknown,
            Value::Chosen => chosen(side),
            Value::Absent => {
                if op.if_exists {
                    return Truth::True;
                }
                match op.set {
                    // An empty set: every value (of none) satisfies ForAllValues.
                    SetOp::AllValues => Truth::True,
                    SetOp::AnyValue => Truth::False,
                    SetOp::Single if op.base == Base::Other => Truth::Unknown,
                    SetOp::Single => Truth::of(op.base.negated()),
                }
            }
            Value::Known(request) => {
                if op.base == Base::Other {
                    return Truth::Unknown;
                }
                let each = |r: &str| -> Truth { self.value_matches(r) };
                match op.set {
                    SetOp::Single | SetOp::AnyValue => {
                        if op.base.negated() && op.set == SetOp::Single {
                            // Holds when the value matches none of the policy's.
                            request.iter().fold(Truth::True, |acc, r| acc.and(each(r)))
                        } else {
                            request.iter().fold(Truth::False, |acc, r| acc.or(each(r)))
                        }
                    }
                    SetOp::AllValues => request.iter().fold(Truth::True, |acc, r| acc.and(each(r))),
                }
            }
        }
    }

    /// Whether one request value satisfies the test (for negated operators: matches none of the
    /// policy's values).
    fn value_matches(&self, request: &str) -> Truth {
        let base = self.operator.base;
        let any = |f: &dyn Fn(&str) -> Option<bool>| -> Truth {
            let mut out = Truth::False;
            for v in &self.values {
                match f(v) {
                    Some(true) => return Truth::True,
                    Some(false) => {}
                    None => out = Truth::Unknown,
                }
            }
            out
        };
        let positive = match base {
            Base::StringEquals | Base::StringNotEquals => any(&|v| Some(v == request)),
            Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase => {
                any(&|v| Some(v.eq_ignore_ascii_case(request)))
            }
            Base::StringLike | Base::StringNotLike => any(&|v| Some(like(v, request, false))),
            Base::ArnEquals | Base::ArnLike | Base::ArnNotEquals | Base::ArnNotLike => {
                any(&|v| Some(arn_like(v, request)))
            }
            Base::NumericEquals | Base::NumericNotEquals => {
                any(&|v| num_cmp(request, v).map(|o| o == std::cmp::Ordering::Equal))
            }
            Base::NumericLessThan => any(&|v| num_cmp(request, v).map(|o| o.is_lt())),
            Base::NumericLessThanEquals => any(&|v| num_cmp(request, v).map(|o| o.is_le())),
            Base::NumericGreaterThan => any(&|v| num_cmp(request, v).map(|o| o.is_gt())),
            Base::NumericGreaterThanEquals => any(&|v| num_cmp(request, v).map(|o| o.is_ge())),
            Base::DateEquals | Base::DateNotEquals => {
                any(&|v| date_cmp(request, v).map(|o| o == std::cmp::Ordering::Equal))
            }
            Base::DateLessThan => any(&|v| date_cmp(request, v).map(|o| o.is_lt())),
            Base::DateLessThanEquals => any(&|v| date_cmp(request, v).map(|o| o.is_le())),
            Base::DateGreaterThan => any(&|v| date_cmp(request, v).map(|o| o.is_gt())),
            Base::DateGreaterThanEquals => any(&|v| date_cmp(request, v).map(|o| o.is_ge())),
            Base::Bool => any(&|v| Some(v.eq_ignore_ascii_case(request))),
            Base::IpAddress | Base::NotIpAddress => any(&|v| ip_in(request, v)),
            Base::Null | Base::Other => Truth::Unknown,
        };
        if base.negated() {
            positive.negate()
        } else {
            positive
        }
    }
}

/// A caller-chosen key: met for an Allow, avoided for a Deny.
fn chosen(side: Side) -> Truth {
    match side {
        Side::Allow => Truth::True,
        Side::Deny => Truth::False,
    }
}

/// `StringLike`: `*` any run, `?` one character; policy variables (`${...}`) are compared as
/// written. Case-sensitive unless `fold`. Works on bytes for ASCII (every ARN and most
/// values), on characters otherwise; allocates nothing for ASCII.
pub fn like(pattern: &str, text: &str, fold: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return glob(pattern.as_bytes(), text.as_bytes(), fold);
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob(&p, &t, fold)
}

/// Glob over any comparable units (bytes or characters).
fn glob<T: Copy + PartialEq + Unit>(p: &[T], t: &[T], fold: bool) -> bool {
    let eq = |a: T, b: T| if fold { a.fold_eq(b) } else { a == b };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi].is('?') || (!p[pi].is('*') && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi].is('*') {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| c.is('*'))
}

/// A unit of text a glob compares.
trait Unit {
    fn is(self, c: char) -> bool;
    fn fold_eq(self, other: Self) -> bool;
}

impl Unit for u8 {
    fn is(self, c: char) -> bool {
        self == c as u8
    }
    fn fold_eq(self, other: u8) -> bool {
        self.eq_ignore_ascii_case(&other)
    }
}

impl Unit for char {
    fn is(self, c: char) -> bool {
        self == c
    }
    fn fold_eq(self, other: char) -> bool {
        self.eq_ignore_ascii_case(&other)
    }
}

/// `ArnLike`: each of the six colon-separated parts matched on its own (wildcards do not cross
/// a colon, except in the last part, the resource, which may hold colons itself).
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let mut p = pattern.splitn(6, ':');
    let mut a = arn.splitn(6, ':');
    let mut parts = 0;
    loop {
        match (p.next(), a.next()) {
            (Some(pp), Some(aa)) => {
                // The service part is case-insensitive, as AWS compares it.
                if !like(pp, aa, parts == 2) {
                    return false;
                }
                parts += 1;
            }
            (None, None) => break,
            // Not two ARNs of six parts.
            _ => return !pattern.contains(':') && like(pattern, arn, false),
        }
    }
    if parts != 6 {
        // Not two ARNs: a pattern with no parts at all is matched whole, a pattern with too few
        // parts matches nothing.
        return !pattern.contains(':') && like(pattern, arn, false);
    }
    true
}

fn num_cmp(request: &str, policy: &str) -> Option<std::cmp::Ordering> {
    let a: f64 = request.trim().parse().ok()?;
    let b: f64 = policy.trim().parse().ok()?;
    a.partial_cmp(&b)
}

/// A date in a condition: RFC 3339, a bare date, or epoch seconds.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Some(t.and_utc());
    }
    s.parse::<i64>()
        .ok()
        .and_then(|n| DateTime::from_timestamp(n, 0))
}

fn date_cmp(request: &str, policy: &str) -> Option<std::cmp::Ordering> {
    Some(parse_date(request)?.cmp(&parse_date(policy)?))
}

/// Whether an address is in a CIDR block (or equal to an address); `None` when either is not
/// an address.
fn ip_in(request: &str, cidr: &str) -> Option<bool> {
    let ip: IpAddr = request.trim().parse().ok()?;
    let (net, bits) = match cidr.trim().split_once('/') {
        Some((n, b)) => (n.parse::<IpAddr>().ok()?, b.parse::<u32>().ok()?),
        None => {
            let n: IpAddr = cidr.trim().parse().ok()?;
            (n, if n.is_ipv4() { 32 } else { 128 })
        }
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            Some(u32::from(a) & mask == u32::from(b) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            Some(u128::from(a) & mask == u128::from(b) & mask)
        }
        _ => Some(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cond(json: &str) -> Condition {
        let block: BTreeMap<String, BTreeMap<String, nhi_api::policy::StringList>> =
            serde_json::from_str(json).expect("valid condition");
        Condition::compile(&block)
    }

    fn ctx() -> Context {
        Context::new(
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
                .single()
                .expect("date"),
        )
    }

    #[test]
    fn dates_are_decided_against_now() {
        let mut c = ctx();
        c.set("aws:TokenIssueTime", ["2026-10-31T23:00:00Z"]);
        let expired = cond(r#"{"DateLessThan":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}"#);
        assert_eq!(expired.eval(&c, Side::Allow), Truth::False);
        let still = cond(r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}"#);
        assert_eq!(still.eval(&c, Side::Allow), Truth::True);
        let epoch = cond(r#"{"NumericLessThan":{"aws:EpochTime":"1000"}}"#);
        assert_eq!(epoch.eval(&c, Side::Allow), Truth::False);
    }

    #[test]
    fn absent_keys_and_if_exists() {
        let c = ctx();
        let mut c2 = c.clone();
        c2.set_value("aws:MultiFactorAuthPresent", Value::Absent);
        let mfa = cond(r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#);
        assert_eq!(mfa.eval(&c2, Side::Allow), Truth::False);
        let mfa_if = cond(r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#);
        assert_eq!(mfa_if.eval(&c2, Side::Deny), Truth::True);
        let not_eq = cond(r#"{"StringNotEquals":{"aws:PrincipalTag/team":"x"}}"#);
        c2.set_value("aws:PrincipalTag/team", Value::Absent);
        assert_eq!(not_eq.eval(&c2, Side::Deny), Truth::True);
        let null = cond(r#"{"Null":{"aws:PrincipalTag/team":"true"}}"#);
        assert_eq!(null.eval(&c2, Side::Allow), Truth::True);
    }

    #[test]
    fn caller_chosen_keys_favour_the_caller() {
        let c = ctx();
        let region = cond(r#"{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}"#);
        assert_eq!(region.eval(&c, Side::Allow), Truth::True);
        assert_eq!(region.eval(&c, Side::Deny), Truth::False);
        let ip = cond(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#);
        assert_eq!(ip.eval(&c, Side::Allow), Truth::Unknown);
        assert_eq!(ip.undecided(&c, Side::Allow).len(), 1);
    }

    #[test]
    fn known_values_and_set_operators() {
        let mut c = ctx();
        c.set("iam:PassedToService", ["lambda.amazonaws.com"]);
        let lambda = cond(
            r#"{"StringEquals":{"iam:PassedToService":["ec2.amazonaws.com","lambda.amazonaws.com"]}}"#,
        );
        assert_eq!(lambda.eval(&c, Side::Allow), Truth::True);
        let ec2 = cond(r#"{"StringLike":{"iam:PassedToService":"ec2.*"}}"#);
        assert_eq!(ec2.eval(&c, Side::Allow), Truth::False);
        c.set("aws:PrincipalArn", ["arn:aws:iam::111122223333:role/ci"]);
        let arn = cond(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}"#);
        assert_eq!(arn.eval(&c, Side::Allow), Truth::True);
        let not_arn =
            cond(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}"#);
        assert_eq!(not_arn.eval(&c, Side::Deny), Truth::False);
        c.set("aws:TagKeys", ["a", "b"]);
        let all = cond(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}"#);
        assert_eq!(all.eval(&c, Side::Allow), Truth::True);
        let any = cond(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["z"]}}"#);
        assert_eq!(any.eval(&c, Side::Allow), Truth::False);
        c.set("aws:SourceIp", ["10.1.2.3"]);
        assert_eq!(
            cond(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#).eval(&c, Side::Allow),
            Truth::True
        );
    }

    #[test]
    fn arn_parts_do_not_cross_colons() {
        assert!(arn_like("arn:aws:iam::*:role/x", "arn:aws:iam::123:role/x"));
        assert!(!arn_like("arn:aws:iam::1*", "arn:aws:iam::123:role/x"));
        assert!(arn_like("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b"));
        assert!(arn_like("*", "anything"));
    }
}
