//! SARIF output checked by Microsoft's SARIF validator (`@microsoft/sarif-multitool`, installed
//! from npm into tests/tools by .ci/run, or by this test on first use).
//!
//! The validator exits 0 even when it finds errors, so the test reads its output log.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn multitool() -> PathBuf {
    npm_tool("sarif-multitool")
}

/// Error-level results of validating `file`.
pub(crate) fn validate(file: &Path) -> Vec<String> {
    let out = file.with_extension("validation.json");
    let result = Command::new(multitool())
        .arg("validate")
        .arg(file)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("sarif-multitool runs");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("validator wrote its log"))
            .expect("log is JSON");
    let results = log["runs"][0]["results"]
        .as_array()
        .expect("validator log has results")
        .clone();
    results
        .iter()
        .filter(|r| r["level"] == "error")
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect()
}

#[test]
fn sarif_passes_the_validator_with_no_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The validator must find errors where there are some, or this test proves nothing.
    let broken = dir.path().join("broken.sarif");
    std::fs::write(
        &broken,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x","rules":[{"id":"a"}]}},"results":[{"ruleId":"b","ruleIndex":7,"message":{"text":"m."}}]}]}"#,
    )
    .expect("write");
    assert!(
        !validate(&broken).is_empty(),
        "the validator catches a bad ruleIndex"
    );

    for (n, sources) in [
        &["fixtures/demo"][..],
        &["fixtures/demo", "fixtures/bad/not-gaad.json"][..],
        &["fixtures/github/acme-inventory.json"][..],
    ]
    .iter()
    .enumerate()
    {
        let file = dir.path().join(format!("nhi-{n}.sarif"));
        let mut args = vec![
            "scan",
            "--now",
            NOW,
            "--format",
            "sarif",
            "--output",
            file.to_str().expect("path"),
        ];
        for s in sources.iter() {
            args.extend(["--from", s]);
        }
        let r = run(&args);
        assert!(r.code == 0 || r.code == 2, "{}", r.stderr);
        let errors = validate(&file);
        assert!(errors.is_empty(), "{sources:?}: {errors:#?}");

        let sarif: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("sarif")).expect("json");
        let run0 = &sarif["runs"][0];
        let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
        assert!(rules.len() >= 15);
        assert!(rules
            .iter()
            .all(|r| r["help"]["text"].is_string()
                && r["properties"]["security-severity"].is_string()));
        let results = run0["results"].as_array().expect("results");
        assert!(!results.is_empty());
        for res in results {
            assert_eq!(
                res["partialFingerprints"]["nhiFingerprint/v1"]
                    .as_str()
                    .map(str::len),
                Some(32)
            );
            let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[idx]["id"], res["ruleId"]);
        }
    }
}
