//! `--baseline previous.json`: each finding is `new` or `existing` by its fingerprint in an
//! earlier report, and `--fail-on` counts new findings only. This is what a scheduled job wants:
//! it fails on what appeared since the last run, not on every risk it already reported.

use crate::report::{BaselineState, BaselineSummary, Report};
use crate::saved::SavedReport;

/// Mark every finding of `report` against `baseline`.
pub fn apply(report: &mut Report, baseline: &SavedReport) {
    let before = baseline.fingerprints();
    let mut seen = std::collections::BTreeSet::new();
    for f in report.identities.iter_mut().flat_map(|i| &mut i.findings) {
        let existing = before.contains(f.fingerprint.as_str());
        if existing {
            seen.insert(f.fingerprint.clone());
        }
        f.baseline = Some(if existing {
            BaselineState::Existing
        } else {
            BaselineState::New
        });
    }
    report.summary.baseline = Some(BaselineSummary {
        resolved: before.iter().filter(|f| !seen.contains(**f)).count(),
        ..BaselineSummary::default()
    });
    report.recount();
}
