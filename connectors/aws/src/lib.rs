//! nhi connector for AWS IAM.
//!
//! This crate reads the two standard exports:
//! - `aws iam get-account-authorization-details --output json` (GAAD), in the CLI's form (policy
//!   documents as objects) or the API's (URL-encoded strings), in one file or several page files;
//! - the credential report, as CSV, or as the JSON `aws iam get-credential-report` prints
//!   (base64 `Content`).
//!
//! and normalizes them into the model of `nhi-api`. Files are added one by one to an
//! [`AwsImport`] (the `--from` importer), which joins them by account and ARN when it finishes;
//! [`AwsLive`] reads the same data through the API (one account, named accounts or a whole
//! organization).
//!
//! Layout: [`types`] holds the wire formats, [`fetch`] every API call, `normalize` (pure) maps
//! payloads to identities.

pub mod fetch;
mod normalize;
#[cfg(test)]
mod robustness;
pub mod types;

pub use fetch::{AwsLive, LiveOptions};
pub use types::{credential_report, gaad};

use base64::Engine;
use nhi_api::import::{json_error_message, Importer, JsonShape, Reopen, Sniffed};
use nhi_api::{Inventory, SourceReport};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub const CONNECTOR: &str = "aws";

/// The command that produces a GAAD export, for error messages.
pub const GAAD_HINT: &str =
    "produce it with `aws iam get-account-authorization-details --output json > gaad.json`";
/// The commands that produce a credential report, for error messages.
pub const REPORT_HINT: &str = "produce it with `aws iam generate-credential-report` then `aws iam get-credential-report --query Content --output text | base64 -d > credential-report.csv`";

/// A GAAD file that has been read, with where it came from.
struct GaadFile {
    origin: String,
    gaad: gaad::Gaad,
}

struct ReportFile {
    origin: String,
    rows: Vec<credential_report::ReportRow>,
    row_errors: Vec<String>,
}

/// What an added file is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gaad,
    /// A credential report as CSV.
    ReportCsv,
    /// A credential report as the JSON `aws iam get-credential-report` prints.
    ReportJson,
}

/// How an added file is held until the import finishes: parsed already (from the API), its
/// bytes, or where to read it again (a regular file: nothing is kept but its path).
enum Held {
    Parsed(Box<gaad::Gaad>),
    Bytes(Vec<u8>),
    File(Reopen),
}

/// A GAAD export or credential report added to the import.
struct Added {
    origin: String,
    kind: Kind,
    held: Held,
}

/// A file read in full.
enum Read {
    Gaad(GaadFile),
    Report(ReportFile),
}

impl Read {
    /// What the first pass learns of a file read in full.
    fn scan(&self, size: u64) -> Scan {
        match self {
            Read::Gaad(f) => Scan::gaad(
                normalize::principals(&f.gaad),
                f.gaad.policies.iter().flatten(),
                size,
            ),
            Read::Report(f) => Scan::report(&f.rows, size),
        }
    }
}

/// A file after the first pass: read in full already, or to be read again.
enum Stage {
    Later(Added),
    Done(Read),
}

impl Stage {
    fn read(self) -> Result<Read, (String, String)> {
        match self {
            Stage::Done(read) => Ok(read),
            Stage::Later(added) => added.read(),
        }
    }
}

/// What the first pass learns of a file: the accounts it holds data of, and the managed
/// policies owned by AWS it carries (shared by every account).
struct Scan {
    accounts: BTreeSet<String>,
    aws_policies: Vec<gaad::ManagedPolicyDetail>,
    size: u64,
}

impl Scan {
    fn gaad<'a>(
        principals: impl Iterator<Item = normalize::Principal<'a>>,
        policies: impl Iterator<Item = &'a gaad::ManagedPolicyDetail> + Clone,
        size: u64,
    ) -> Scan {
        Scan {
            accounts: normalize::accounts(principals, policies.clone().map(|p| p.arn.as_str()))
                .into_iter()
                .map(str::to_string)
                .collect(),
            aws_policies: policies
                .filter(|p| !normalize::is_customer_policy(&p.arn))
                .cloned()
                .collect(),
            size,
        }
    }

    fn report(rows: &[credential_report::ReportRow], size: u64) -> Scan {
        Scan {
            accounts: rows
                .iter()
                .filter_map(|r| gaad::account_of(&r.arn))
                .map(str::to_string)
                .collect(),
            aws_policies: Vec::new(),
            size,
        }
    }
}

/// The first pass reads only this of a GAAD export.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GaadScan {
    user_detail_list: Option<Vec<ArnOnly>>,
    group_detail_list: Option<Vec<ArnOnly>>,
    role_detail_list: Option<Vec<ArnOnly>>,
    policies: Option<Vec<gaad::ManagedPolicyDetail>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", default)]
#[derive(Default)]
struct ArnOnly {
    arn: String,
    attached_managed_policies: Vec<gaad::AttachedPolicy>,
    permissions_boundary: Option<gaad::Boundary>,
}

impl Added {
    /// The first pass. When everything added is read whole (`whole`), or the file is parsed
    /// already, it is read in full now and kept; otherwise only scanned.
    fn first_pass(self, whole: bool) -> Result<(Scan, Stage), (String, String)> {
        let size = self.size();
        let scanned = match &self.held {
            Held::Parsed(_) => None,
            _ if whole => None,
            Held::Bytes(bytes) => Some(scan(self.kind, bytes, size)),
            Held::File(file) => Some(file.read().and_then(|bytes| scan(self.kind, &bytes, size))),
        };
        match scanned {
            None => {
                let read = self.read()?;
                Ok((read.scan(size), Stage::Done(read)))
            }
            Some(Ok(scan)) => Ok((scan, Stage::Later(self))),
            Some(Err(why)) => Err((self.origin, why)),
        }
    }

    fn size(&self) -> u64 {
        match &self.held {
            Held::Bytes(b) => b.len() as u64,
            Held::File(f) => f.len(),
            Held::Parsed(_) => 0,
        }
    }

    /// The second pass: the file in full.
    fn read(self) -> Result<Read, (String, String)> {
        let Added { origin, kind, held } = self;
        let bytes = match held {
            Held::Parsed(gaad) => {
                return Ok(Read::Gaad(GaadFile {
                    origin,
                    gaad: *gaad,
                }))
            }
            Held::Bytes(bytes) => bytes,
            Held::File(file) => match file.read() {
                Ok(bytes) => bytes,
                Err(why) => return Err((origin, why)),
            },
        };
        let read = match kind {
            Kind::Gaad => parse_gaad(&bytes).map(|gaad| {
                Read::Gaad(GaadFile {
                    origin: origin.clone(),
                    gaad,
                })
            }),
            _ => parse_report(kind, &bytes).map(|(rows, row_errors)| {
                Read::Report(ReportFile {
                    origin: origin.clone(),
                    rows,
                    row_errors,
                })
            }),
        };
        read.map_err(|why| (origin, why))
    }
}

/// The first pass over a file's bytes: which accounts, and AWS's own managed policies. A file
/// that cannot be read fails here, with the message reading it in full gives.
fn scan(kind: Kind, bytes: &[u8], size: u64) -> Result<Scan, String> {
    if kind != Kind::Gaad {
        let (rows, _) = parse_report(kind, bytes)?;
        return Ok(Scan::report(&rows, size));
    }
    let scan = match serde_json::from_slice::<GaadScan>(bytes) {
        Ok(scan) => scan,
        // Say what reading it in full says.
        Err(e) => {
            return Err(parse_gaad(bytes)
                .err()
                .unwrap_or_else(|| json_error_message(&e, GAAD_HINT)))
        }
    };
    let lists = [
        &scan.user_detail_list,
        &scan.group_detail_list,
        &scan.role_detail_list,
    ];
    if lists.iter().all(|l| l.is_none()) && scan.policies.is_none() {
        return Err(not_gaad());
    }
    let principals = lists.into_iter().flatten().flatten().map(|p| {
        let boundary = p.permissions_boundary.as_ref();
        (
            p.arn.as_str(),
            p.attached_managed_policies.as_slice(),
            boundary,
        )
    });
    Ok(Scan::gaad(principals, scan.policies.iter().flatten(), size))
}

fn not_gaad() -> String {
    format!("this JSON is not a GetAccountAuthorizationDetails export (no UserDetailList, RoleDetailList, GroupDetailList or Policies); {GAAD_HINT}")
}

fn parse_gaad(bytes: &[u8]) -> Result<gaad::Gaad, String> {
    match serde_json::from_slice::<gaad::Gaad>(bytes) {
        Ok(gaad) if gaad.looks_like_gaad() => Ok(gaad),
        Ok(_) => Err(not_gaad()),
        Err(e) => Err(json_error_message(&e, GAAD_HINT)),
    }
}

/// A credential report's rows and the rows that could not be read.
type ParsedRows = (Vec<credential_report::ReportRow>, Vec<String>);

fn parse_report(kind: Kind, bytes: &[u8]) -> Result<ParsedRows, String> {
    let decoded;
    let text = if kind == Kind::ReportJson {
        let envelope: CredentialReportEnvelope =
            serde_json::from_slice(bytes).map_err(|e| json_error_message(&e, REPORT_HINT))?;
        decoded = base64::engine::general_purpose::STANDARD
            .decode(envelope.content.trim())
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
            .map_err(|e| format!("the credential report's Content is not base64-encoded CSV ({e}); {REPORT_HINT}"))?;
        decoded.as_str()
    } else {
        std::str::from_utf8(bytes)
            .map_err(|_| format!("the file is not UTF-8 text; {REPORT_HINT}"))?
    };
    let text = text.trim_start_matches('\u{feff}');
    match credential_report::parse(text) {
        Ok(parsed) => Ok((
            parsed.rows,
            parsed.row_errors.iter().map(|e| e.to_string()).collect(),
        )),
        Err(e) => Err(format!("{e}; {REPORT_HINT}")),
    }
}

/// Collects AWS export files, then normalizes them together.
///
/// Files are joined by account (a GAAD may come in pages, the credential report is a file of
/// its own), so nothing is normalized before every file is known. What is kept meanwhile is
/// the path of each regular file, not its bytes: when the import finishes, a first pass over
/// every file (on every core) learns which accounts each one holds; then each group of files
/// sharing accounts is read in full, normalized and dropped before the next, so memory holds
/// the normalized estate and a few groups' raw files, never every raw file at once.
pub struct AwsImport {
    added: Vec<Added>,
    /// How much raw input is read in full at once ([`BATCH_BYTES`]; smaller in tests).
    batch_bytes: u64,
    organizations: Vec<(String, types::organization::OrganizationExport)>,
    failed: Vec<SourceReport>,
}

/// The JSON that `aws iam get-credential-report` prints without `--query`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialReportEnvelope {
    content: String,
}

/// How much raw input is read in full at once, at least (whole groups of files, parsed on
/// every core).
const BATCH_BYTES: u64 = 128 << 20;

impl Default for AwsImport {
    fn default() -> Self {
        AwsImport {
            added: Vec::new(),
            batch_bytes: BATCH_BYTES,
            organizations: Vec::new(),
            failed: Vec::new(),
        }
    }
}

impl AwsImport {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a text looks like a credential report (CSV).
    pub fn is_credential_report(text: &str) -> bool {
        text.trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(credential_report::HEADER_START)
    }

    fn push(&mut self, origin: &str, kind: Kind, held: Held) {
        self.added.push(Added {
            origin: origin.to_string(),
            kind,
            held,
        });
    }

    /// Add a GAAD export's bytes (a JSON object with GAAD lists); read when the import
    /// finishes.
    pub fn add_gaad(&mut self, origin: &str, bytes: &[u8]) {
        self.push(origin, Kind::Gaad, Held::Bytes(bytes.to_vec()));
    }

    /// Add a GAAD already read (from the API).
    pub fn add_gaad_parsed(&mut self, origin: &str, gaad: gaad::Gaad) {
        self.push(origin, Kind::Gaad, Held::Parsed(Box::new(gaad)));
    }

    /// Add an organization export (`docs/aws-organization-export.sh`).
    pub fn add_organization(&mut self, origin: &str, bytes: &[u8]) {
        match serde_json::from_slice(bytes) {
            Ok(export) => self.organizations.push((origin.to_string(), export)),
            Err(e) => self.fail(origin, json_error_message(&e, ORGANIZATION_HINT)),
        }
    }

    /// Add an organization export already read (from the API).
    pub fn add_organization_parsed(
        &mut self,
        origin: &str,
        export: types::organization::OrganizationExport,
    ) {
        self.organizations.push((origin.to_string(), export));
    }

    /// Add a credential report, as CSV text.
    pub fn add_credential_report_csv(&mut self, origin: &str, text: &str) {
        self.push(
            origin,
            Kind::ReportCsv,
            Held::Bytes(text.as_bytes().to_vec()),
        );
    }

    /// Add a credential report as the JSON `aws iam get-credential-report` prints.
    pub fn add_credential_report_json(&mut self, origin: &str, bytes: &[u8]) {
        self.push(origin, Kind::ReportJson, Held::Bytes(bytes.to_vec()));
    }

    fn fail(&mut self, origin: &str, message: String) {
        self.failed
            .push(SourceReport::failed(CONNECTOR, "", origin, message));
    }

    /// Join every file added so far by account and normalize.
    pub fn finish(mut self) -> Inventory {
        use rayon::prelude::*;
        let added = std::mem::take(&mut self.added);
        // First pass: the accounts of every file, and AWS's managed policies (or every file
        // read in full at once, see `read_whole`).
        let whole = read_whole(added.iter().map(Added::size), self.batch_bytes);
        let origins: Vec<String> = added.iter().map(|a| a.origin.clone()).collect();
        let passed: Vec<Result<(Scan, Stage), (String, String)>> =
            added.into_par_iter().map(|a| a.first_pass(whole)).collect();
        let mut normalizer = normalize::Normalizer::new();
        let mut files: Vec<Option<Stage>> = Vec::with_capacity(passed.len());
        let mut accounts_of: Vec<BTreeSet<String>> = Vec::with_capacity(passed.len());
        let mut sizes = Vec::with_capacity(passed.len());
        let mut aws_policies = Vec::new();
        for (origin, result) in origins.into_iter().zip(passed) {
            match result {
                Ok((scan, stage)) => {
                    aws_policies.extend(scan.aws_policies.into_iter().map(|p| (p, origin.clone())));
                    accounts_of.push(scan.accounts);
                    sizes.push(scan.size);
                    files.push(Some(stage));
                }
                Err((origin, why)) => {
                    self.fail(&origin, why);
                    // Keeps the indices of files and accounts in step.
                    accounts_of.push(BTreeSet::new());
                    sizes.push(0);
                    files.push(None);
                }
            }
        }
        normalizer.managed(aws_policies.iter().map(|(p, origin)| (p, origin.as_str())));
        drop(aws_policies);

        // Groups of files that share an account, in the order their first file was added.
        let groups = components(&accounts_of);
        drop(accounts_of);
        let mut next = 0;
        while next < groups.len() {
            // A batch: whole groups, until enough bytes to keep every core busy.
            let mut end = next;
            let mut bytes = 0;
            while end < groups.len() && (end == next || bytes < self.batch_bytes) {
                bytes += groups[end].iter().map(|&i| sizes[i]).sum::<u64>();
                end += 1;
            }
            // Each group of the batch read (its files on every core) and normalized on its own
            // core, taken back in order.
            let batch: Vec<Vec<(usize, Stage)>> = groups[next..end]
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .filter_map(|&i| files[i].take().map(|f| (i, f)))
                        .collect()
                })
                .collect();
            let forks: Vec<(normalize::Normalizer, Vec<(String, String)>)> = batch
                .into_par_iter()
                .map(|group| {
                    let read: Vec<_> = group
                        .into_par_iter()
                        .map(|(i, stage)| (i, stage.read()))
                        .collect();
                    let (mut gaads, mut reports, mut failed) = (Vec::new(), Vec::new(), Vec::new());
                    for (i, read) in read {
                        match read {
                            Ok(Read::Gaad(g)) => gaads.push((i, g)),
                            Ok(Read::Report(r)) => reports.push((i, r)),
                            Err(failure) => failed.push(failure),
                        }
                    }
                    let mut fork = normalizer.fork();
                    fork.component(&gaads, &reports);
                    (fork, failed)
                })
                .collect();
            for (fork, failed) in forks {
                normalizer.absorb(fork);
                for (origin, why) in failed {
                    self.fail(&origin, why);
                }
            }
            next = end;
        }
        let mut inventory = normalizer.finish();
        for (origin, export) in &self.organizations {
            let (org, problems) = normalize::organization(export, origin, &mut inventory);
            let summary = format!(
                "organization {}: guardrails of {} account(s) read ({} service and resource control policies)",
                org.id,
                org.accounts.len(),
                export.policies.len()
            );
            let report = if problems.is_empty() {
                SourceReport::ok(CONNECTOR, &org.id, origin).message(summary)
            } else {
                SourceReport::partial(
                    CONNECTOR,
                    &org.id,
                    origin,
                    format!("{summary}; {}", problems.join("; ")),
                )
            };
            inventory.sources.push(report);
            inventory.aws.organizations.push(org);
        }
        inventory.sources.extend(self.failed);
        inventory.sort();
        inventory
    }
}

/// Whether files of these sizes are read in full in one pass rather than scanned first: when
/// they fit in one batch, or one file is most of them (one large account: its group would be
/// nearly everything anyway, and scanning first would only read it twice).
fn read_whole(sizes: impl Iterator<Item = u64> + Clone, batch_bytes: u64) -> bool {
    let total: u64 = sizes.clone().sum();
    let largest = sizes.max().unwrap_or(0);
    total <= batch_bytes || largest.saturating_mul(2) >= total
}

/// The files joined by the accounts they share (a file with no account is a group of its
/// own), each group's files in the order they were added, groups by their first file.
fn components(accounts_of: &[BTreeSet<String>]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..accounts_of.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_file: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, accounts) in accounts_of.iter().enumerate() {
        for acct in accounts {
            match first_file.get(acct.as_str()) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    // The smaller index stays the root: groups keep their first file's place.
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_file.insert(acct, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..accounts_of.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

/// An organization export: `Organization` beside the accounts and policies.
fn is_organization(shape: &JsonShape) -> bool {
    shape.object_has("Organization") && shape.object_has("Accounts")
}

/// The script that makes an organization export, for error messages.
pub const ORGANIZATION_HINT: &str =
    "produce it with docs/aws-organization-export.sh (run from the management account)";

/// GAAD keys: an object with any of them is a GAAD export (or one of its pages).
const GAAD_KEYS: &[&str] = &[
    "UserDetailList",
    "RoleDetailList",
    "GroupDetailList",
    "Policies",
];

impl Importer for AwsImport {
    fn accepts(&self) -> &'static str {
        "a GetAccountAuthorizationDetails export (aws iam get-account-authorization-details --output json), an IAM credential report (CSV, or the JSON of aws iam get-credential-report), an AWS Organizations export (docs/aws-organization-export.sh)"
    }

    fn claims(&self, file: &Sniffed<'_>) -> bool {
        match &file.json {
            Some(shape @ JsonShape::Object(_)) => {
                is_organization(shape)
                    || GAAD_KEYS.iter().any(|k| shape.object_has(k))
                    || (shape.object_has("Content") && shape.object_has("ReportFormat"))
            }
            Some(JsonShape::List(_)) => false,
            None => file.text.is_some_and(Self::is_credential_report),
        }
    }

    fn add(&mut self, origin: &str, bytes: &[u8], file: &Sniffed<'_>) {
        let kind = match (&file.json, file.text) {
            (Some(shape), _) if is_organization(shape) => {
                return self.add_organization(origin, bytes)
            }
            (Some(shape), _) if GAAD_KEYS.iter().any(|k| shape.object_has(k)) => Kind::Gaad,
            (Some(_), _) => Kind::ReportJson,
            (None, Some(_)) => Kind::ReportCsv,
            (None, None) => {
                return self.fail(origin, format!("the file is not UTF-8 text; {REPORT_HINT}"))
            }
        };
        // A regular file is read again when the import finishes; anything else is kept.
        let held = match &file.reopen {
            Some(reopen) => Held::File(reopen.clone()),
            None => Held::Bytes(bytes.to_vec()),
        };
        self.push(origin, kind, held);
    }

    fn is_used(&self) -> bool {
        !(self.added.is_empty() && self.organizations.is_empty() && self.failed.is_empty())
    }

    fn finish(self: Box<Self>) -> Inventory {
        AwsImport::finish(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_api::Identity;

    fn user(acct: &str, name: &str, groups: &[&str], managed: &[&str]) -> serde_json::Value {
        serde_json::json!({
            "UserName": name, "UserId": name, "Path": "/",
            "Arn": format!("arn:aws:iam::{acct}:user/{name}"),
            "GroupList": groups,
            "AttachedManagedPolicies": managed.iter().map(|arn| serde_json::json!({
                "PolicyName": arn.rsplit('/').next(), "PolicyArn": arn
            })).collect::<Vec<_>>(),
        })
    }

    fn group(acct: &str, name: &str) -> serde_json::Value {
        serde_json::json!({
            "GroupName": name, "GroupId": name, "Path": "/",
            "Arn": format!("arn:aws:iam::{acct}:group/{name}"),
            "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]
            }}],
        })
    }

    fn policy(arn: &str, action: &str) -> serde_json::Value {
        serde_json::json!({
            "PolicyName": arn.rsplit('/').next(), "Arn": arn, "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]
            }}],
        })
    }

    fn gaad(
        users: &[serde_json::Value],
        groups: &[serde_json::Value],
        policies: &[serde_json::Value],
    ) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": [],
            "Policies": policies, "IsTruncated": false,
        }))
        .expect("serializes")
    }

    fn identity<'a>(inventory: &'a Inventory, arn: &str) -> &'a Identity {
        inventory
            .identities
            .iter()
            .find(|i| i.id == arn)
            .unwrap_or_else(|| panic!("{arn} in {:?}", inventory.identities))
    }

    const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

    /// Files are read a group at a time, but the join is the same as reading all at once: a
    /// page of account A after account B's file still meets A's groups, and AWS's managed
    /// policies come from whichever file holds them first, even another account's.
    #[test]
    fn files_of_one_account_join_wherever_they_come_in_the_order() {
        // Read whole (small imports), and scanned then read group by group (large ones).
        for batch_bytes in [BATCH_BYTES, 1] {
            let mut import = AwsImport::new();
            import.batch_bytes = batch_bytes;
            joined_across_files(import);
        }
    }

    /// Whether the import will read its files whole: what the modes under test must differ in.
    fn reads_whole(import: &AwsImport) -> bool {
        read_whole(import.added.iter().map(Added::size), import.batch_bytes)
    }

    fn joined_across_files(mut import: AwsImport) {
        // A's first page: a group, no AWS-managed policy details.
        import.add_gaad(
            "a-1.json",
            &gaad(
                &[user("111111111111", "first", &["ops"], &[ADMIN])],
                &[group("111111111111", "ops")],
                &[],
            ),
        );
        // B: carries AdministratorAccess's document.
        import.add_gaad(
            "b.json",
            &gaad(
                &[user("222222222222", "other", &[], &[ADMIN])],
                &[],
                &[policy(ADMIN, "*")],
            ),
        );
        // A's second page, after B: a member of the group of page one.
        import.add_gaad(
            "a-2.json",
            &gaad(&[user("111111111111", "second", &["ops"], &[])], &[], &[]),
        );
        assert_eq!(reads_whole(&import), import.batch_bytes == BATCH_BYTES);
        let inventory = import.finish();
        let second = identity(&inventory, "arn:aws:iam::111111111111:user/second");
        assert!(
            second
                .permissions
                .iter()
                .any(|p| p.group.as_deref() == Some("ops") && p.policy.is_some()),
            "{:?}",
            second.permissions
        );
        let first = identity(&inventory, "arn:aws:iam::111111111111:user/first");
        let admin = first
            .permissions
            .iter()
            .find(|p| p.arn.as_deref() == Some(ADMIN))
            .expect("attached");
        assert!(
            admin.policy.is_some(),
            "B's copy of an AWS policy serves A: {admin:?}"
        );
        // Each file reports the identities it gave, with its account.
        let counts: Vec<(&str, &str, usize)> = inventory
            .sources
            .iter()
            .map(|s| (s.origin.as_str(), s.scope.as_str(), s.identities))
            .collect();
        assert_eq!(
            counts,
            [
                ("a-1.json", "111111111111", 1),
                ("a-2.json", "111111111111", 1),
                ("b.json", "222222222222", 1)
            ]
        );
    }

    #[test]
    fn files_sharing_an_account_are_grouped_in_order() {
        let set = |accts: &[&str]| accts.iter().map(|a| a.to_string()).collect::<BTreeSet<_>>();
        let groups = components(&[
            set(&["a"]),
            set(&["b"]),
            set(&[]),
            set(&["c", "a"]),
            set(&["c"]),
            set(&["b"]),
        ]);
        assert_eq!(groups, [vec![0, 3, 4], vec![1, 5], vec![2]]);
    }

    /// A file that changed after it was first read is a failed source that says so; the other
    /// files are still read.
    #[test]
    fn a_file_changed_after_it_was_added_is_a_failed_source() {
        for batch_bytes in [BATCH_BYTES, 1] {
            changed_file_fails(batch_bytes);
        }
    }

    fn changed_file_fails(batch_bytes: u64) {
        let dir = std::env::temp_dir().join(format!(
            "nhi-aws-reopen-{}-{batch_bytes}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("gaad.json");
        let bytes = gaad(&[user("111111111111", "u", &[], &[])], &[], &[]);
        std::fs::write(&path, &bytes).expect("write");
        let reopen = Reopen::of(&path, bytes.len() as u64).expect("a regular file");
        let mut import = AwsImport::new();
        import.batch_bytes = batch_bytes;
        import.push("gaad.json", Kind::Gaad, Held::File(reopen));
        for (name, acct) in [
            ("other.json", "222222222222"),
            ("third.json", "333333333333"),
        ] {
            import.add_gaad(name, &gaad(&[user(acct, "v", &[], &[])], &[], &[]));
        }
        assert_eq!(reads_whole(&import), batch_bytes == BATCH_BYTES);
        std::fs::write(&path, b"{\"UserDetailList\": []}").expect("rewrite");
        let inventory = import.finish();
        std::fs::remove_dir_all(&dir).ok();
        let failed = inventory
            .sources
            .iter()
            .find(|s| s.origin == "gaad.json")
            .expect("reported");
        assert_eq!(failed.status, nhi_api::SourceStatus::Failed);
        assert!(
            failed.message.as_deref().unwrap_or("").contains("changed"),
            "{failed:?}"
        );
        assert_eq!(inventory.identities.len(), 2, "the other files are read");
    }
}
