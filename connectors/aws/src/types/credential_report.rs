//! The IAM credential report (CSV), as `aws iam get-credential-report` returns it once decoded.

use chrono::{DateTime, Utc};
use nhi_api::LastUsed;
use std::collections::HashMap;

/// The header every credential report starts with; used to recognize one.
pub const HEADER_START: &str = "user,arn,user_creation_time";

/// Columns without which the report cannot be joined or judged.
const REQUIRED: &[&str] = &[
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
];

/// The root user's name in the report.
pub const ROOT_USER: &str = "<root_account>";

#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub user: String,
    pub arn: String,
    pub created_at: Option<DateTime<Utc>>,
    /// `None` for the root row (`not_supported`).
    pub password_enabled: Option<bool>,
    pub password_last_used: LastUsed,
    pub mfa_active: bool,
    pub access_keys: [Option<KeySlot>; 2],
    pub certs: [Option<CertSlot>; 2],
}

impl ReportRow {
    pub fn is_root(&self) -> bool {
        self.user == ROOT_USER
    }
}

/// An access key slot that holds a key (`last_rotated` is a date).
#[derive(Debug, Clone, PartialEq)]
pub struct KeySlot {
    pub active: bool,
    pub last_rotated: DateTime<Utc>,
    pub last_used: LastUsed,
    pub last_used_region: Option<String>,
    pub last_used_service: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CertSlot {
    pub active: bool,
    pub last_rotated: DateTime<Utc>,
}

/// What went wrong reading a report, with the line it happened on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    #[error("credential report is missing columns: {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
}

pub struct ParsedReport {
    pub rows: Vec<ReportRow>,
    /// Rows that could not be read, with why; the others are still returned.
    pub row_errors: Vec<ReportError>,
}

pub fn parse(text: &str) -> Result<ParsedReport, ReportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| ReportError::Line {
        line: 1,
        message: e.to_string(),
    })?;
    let index: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_string(), i))
        .collect();
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|c| !index.contains_key(**c))
        .map(|c| c.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ReportError::MissingColumns(missing));
    }

    let mut rows = Vec::new();
    let mut row_errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                row_errors.push(ReportError::Line {
                    line,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let fields = Fields {
            index: &index,
            record: &record,
        };
        match row(&fields) {
            Ok(r) => rows.push(r),
            Err(message) => row_errors.push(ReportError::Line { line, message }),
        }
    }
    Ok(ParsedReport { rows, row_errors })
}

/// One record's cells by column name; a column the report lacks reads as `N/A`.
struct Fields<'r> {
    index: &'r HashMap<String, usize>,
    record: &'r csv::StringRecord,
}

impl<'r> Fields<'r> {
    fn get(&self, col: &str) -> &'r str {
        self.index
            .get(col)
            .and_then(|&i| self.record.get(i))
            .map(str::trim)
            .unwrap_or("N/A")
    }
}

fn row(f: &Fields<'_>) -> Result<ReportRow, String> {
    let get = |col: &str| f.get(col);
    let user = get("user").to_string();
    let arn = get("arn").to_string();
    if user.is_empty() || !arn.starts_with("arn:") {
        return Err(format!(
            "row for user {user:?} has no ARN (arn column: {arn:?})"
        ));
    }
    let created_at = date("user_creation_time", get("user_creation_time"))?;
    let password_enabled = match get("password_enabled") {
        "not_supported" => None,
        v => Some(boolean("password_enabled", v)?),
    };
    let password_last_used = last_used("password_last_used", get("password_last_used"))?;
    let mfa_active = match get("mfa_active") {
        "N/A" => false,
        v => boolean("mfa_active", v)?,
    };
    let mut access_keys = [None, None];
    let mut certs = [None, None];
    for n in 1..=2 {
        let rotated = date(
            &format!("access_key_{n}_last_rotated"),
            get(&format!("access_key_{n}_last_rotated")),
        )?;
        if let Some(last_rotated) = rotated {
            access_keys[n - 1] = Some(KeySlot {
                active: boolean(
                    &format!("access_key_{n}_active"),
                    get(&format!("access_key_{n}_active")),
                )?,
                last_rotated,
                last_used: match last_used(
                    &format!("access_key_{n}_last_used_date"),
                    get(&format!("access_key_{n}_last_used_date")),
                )? {
                    // For a key that exists, N/A means the key was never used.
                    LastUsed::Unknown => LastUsed::Never,
                    other => other,
                },
                last_used_region: known(get(&format!("access_key_{n}_last_used_region"))),
                last_used_service: known(get(&format!("access_key_{n}_last_used_service"))),
            });
        }
        let cert_rotated = date(
            &format!("cert_{n}_last_rotated"),
            get(&format!("cert_{n}_last_rotated")),
        )?;
        if let Some(last_rotated) = cert_rotated {
            certs[n - 1] = Some(CertSlot {
                active: boolean(
                    &format!("cert_{n}_active"),
                    get(&format!("cert_{n}_active")),
                )?,
                last_rotated,
            });
        }
    }
    Ok(ReportRow {
        user,
        arn,
        created_at,
        password_enabled,
        password_last_used,
        mfa_active,
        access_keys,
        certs,
    })
}

fn known(v: &str) -> Option<String> {
    match v {
        "" | "N/A" | "no_information" | "not_supported" => None,
        v => Some(v.to_string()),
    }
}

fn boolean(col: &str, v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("column {col}: expected true or false, found {v:?}")),
    }
}

fn date(col: &str, v: &str) -> Result<Option<DateTime<Utc>>, String> {
    if known(v).is_none() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(v)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|e| format!("column {col}: expected an RFC 3339 date, found {v:?} ({e})"))
}

fn last_used(col: &str, v: &str) -> Result<LastUsed, String> {
    match v {
        "N/A" => Ok(LastUsed::Never),
        "no_information" | "not_supported" | "" => Ok(LastUsed::Unknown),
        v => Ok(date(col, v)?.map(LastUsed::At).unwrap_or(LastUsed::Unknown)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    #[test]
    fn parses_root_users_and_key_slots() {
        let text = format!(
            "{HEADER}\n\
<root_account>,arn:aws:iam::123456789012:root,2019-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,not_supported,not_supported,true,true,2019-02-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
ci,arn:aws:iam::123456789012:user/ci,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2020-01-01T00:05:00+00:00,2024-05-01T10:00:00+00:00,us-east-1,s3,false,2021-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let parsed = parse(&text).expect("parses");
        assert!(parsed.row_errors.is_empty());
        let root = &parsed.rows[0];
        assert!(root.is_root());
        assert_eq!(root.password_enabled, None);
        let key = root.access_keys[0].as_ref().expect("root key");
        assert!(key.active);
        assert_eq!(key.last_used, LastUsed::Never);
        let ci = &parsed.rows[1];
        assert_eq!(ci.password_enabled, Some(false));
        let k1 = ci.access_keys[0].as_ref().expect("key 1");
        assert!(matches!(k1.last_used, LastUsed::At(_)));
        assert_eq!(k1.last_used_service.as_deref(), Some("s3"));
        let k2 = ci.access_keys[1].as_ref().expect("key 2 exists, inactive");
        assert!(!k2.active);
    }

    #[test]
    fn missing_columns_are_named() {
        let err = parse("user,arn\nx,arn:aws:iam::1:user/x\n")
            .err()
            .expect("missing columns");
        let msg = err.to_string();
        assert!(msg.contains("password_enabled"), "{msg}");
        assert!(msg.contains("access_key_2_last_used_date"), "{msg}");
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_and_others_kept() {
        let text = format!(
            "{HEADER}\n\
a,arn:aws:iam::1:user/a,2020-01-01T00:00:00+00:00,maybe,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
b,arn:aws:iam::1:user/b,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let parsed = parse(&text).expect("parses");
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.row_errors.len(), 1);
        let msg = parsed.row_errors[0].to_string();
        assert!(msg.starts_with("line 2:"), "{msg}");
        assert!(msg.contains("password_enabled"), "{msg}");
    }
}
