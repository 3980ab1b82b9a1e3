//! OCSF output (`--format ocsf`) checked by py-ocsf-models, the pydantic models of the OCSF schema
//! that Prowler maintains and writes its own OCSF output with (pinned in
//! tests/ocsf/requirements.txt, installed with pip by .ci/run or by this test on first use).
//! tests/ocsf/validate.py validates each line as a DetectionFinding and also refuses keys the
//! models do not define, which pydantic alone would let through.

use crate::common::*;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Run the validator on NDJSON: whether it passed, and its summary.
fn validate(ndjson: &str) -> (bool, Value) {
    ensure_py_ocsf_models();
    let mut child = Command::new("python3")
        .arg(root().join("tests/ocsf/validate.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs the validator");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(ndjson.as_bytes())
        .expect("validator reads stdin");
    let out = child.wait_with_output().expect("validator ends");
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "validator printed no summary ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.success(), summary)
}

const SOURCES: [&str; 3] = [
    "fixtures/demo",
    "fixtures/github/acme-inventory.json",
    "fixtures/gcp",
];

fn ocsf() -> String {
    let r = scan(&SOURCES, "ocsf");
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn the_validator_catches_what_is_not_a_detection_finding() {
    let out = ocsf();
    let first: Value = serde_json::from_str(out.lines().next().expect("a finding")).expect("JSON");
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = first.clone();
        f(&mut v);
        v.to_string()
    };
    let cases = [
        broken(&|v| {
            v.as_object_mut().expect("object").remove("finding_info");
        }),
        broken(&|v| v["severity_id"] = 7.into()),
        broken(&|v| v["time"] = "2026-11-02".into()),
        broken(&|v| v["resources"][0]["gruop"] = Value::Null),
        broken(&|v| v["type_uid"] = 200402.into()),
    ];
    let (ok, summary) = validate(&(cases.join("\n") + "\n"));
    assert!(!ok);
    assert_eq!(summary["objects"], 5);
    assert_eq!(summary["valid"], 0, "{summary:#}");
}

#[test]
fn every_finding_is_a_valid_ocsf_detection_finding() {
    let out = ocsf();
    assert_eq!(out, ocsf(), "the same input gives the same bytes");

    let (ok, summary) = validate(&out);
    assert!(ok, "{summary:#}");
    eprintln!(
        "py-ocsf-models {} (OCSF {}): {} of {} objects valid",
        summary["validator_version"], summary["ocsf_version"], summary["valid"], summary["objects"]
    );
    assert_eq!(summary["ocsf_version"], nhi::render::OCSF_VERSION);

    // One object per finding of the JSON report, in its order, keyed by the same fingerprints.
    let report = scan_json(&SOURCES);
    let fingerprints: Vec<&str> = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .flat_map(|i| i["findings"].as_array().expect("findings"))
        .map(|f| f["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    assert_eq!(
        report["summary"]["findings"].as_u64(),
        Some(fingerprints.len() as u64)
    );
    assert_eq!(summary["objects"].as_u64(), Some(fingerprints.len() as u64));
    assert_eq!(summary["valid"], summary["objects"]);
    let uids: Vec<&str> = summary["uids"]
        .as_array()
        .expect("uids")
        .iter()
        .map(|u| u.as_str().expect("uid"))
        .collect();
    assert_eq!(uids, fingerprints);

    // The mapping: the rule, the identity, the scope, the time of the report.
    let by_fingerprint = findings_by_fingerprint(&report);
    let mut clouds = 0;
    for line in out.lines() {
        let o: Value = serde_json::from_str(line).expect("one JSON object per line");
        let (rule, identity, credential) =
            &by_fingerprint[o["finding_info"]["uid"].as_str().expect("uid")];
        assert_eq!(o["metadata"]["event_code"], rule.as_str());
        assert_eq!(o["finding_info"]["analytic"]["uid"], rule.as_str());
        assert_eq!(o["resources"][0]["uid"], identity.as_str());
        assert_eq!(
            o["unmapped"]["credential_id"].as_str().unwrap_or(""),
            credential
        );
        assert_eq!(o["time_dt"], NOW);
        assert_eq!(o["time"], 1_793_577_600_000_i64);
        assert_eq!(o["type_uid"], 200401);
        assert!(o["remediation"]["desc"]
            .as_str()
            .is_some_and(|d| !d.is_empty()));
        let scope = &o["resources"][0]["group"]["uid"];
        let provider = &o["resources"][0]["data"]["provider"];
        if provider == "aws" || provider == "gcp" {
            let name = if provider == "aws" { "AWS" } else { "GCP" };
            assert_eq!(o["cloud"]["provider"], name);
            assert_eq!(&o["cloud"]["account"]["uid"], scope);
            clouds += 1;
        } else {
            assert!(o.get("cloud").is_none(), "{line}");
        }
    }
    assert!(
        clouds > 0 && clouds < fingerprints.len(),
        "both kinds of provider are covered"
    );
}
