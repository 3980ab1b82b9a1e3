//! Helpers shared by the integration tests: run the real `nhi` binary on files.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The evaluation time every test uses, so output is reproducible.
pub const NOW: &str = "2026-11-02T00:00:00Z";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `nhi` run from the repository root (so origins in reports are the relative paths given),
/// with a fixed width and no config file.
pub fn nhi() -> Command {
    let mut cmd = Command::cargo_bin("nhi").expect("the nhi binary is built");
    cmd.current_dir(root())
        .env("COLUMNS", "80")
        .env_remove("RUST_LOG");
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    run_in(nhi(), args)
}

pub fn run_in(mut cmd: Command, args: &[&str]) -> Run {
    let out = cmd.args(args).output().expect("nhi runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `nhi scan --from PATH... --now NOW --format FORMAT`.
pub fn scan(from: &[&str], format: &str) -> Run {
    let mut args = vec!["scan", "--now", NOW, "--format", format];
    for f in from {
        args.extend(["--from", f]);
    }
    run(&args)
}

/// `scan` as JSON, which must succeed.
pub fn scan_json(from: &[&str]) -> serde_json::Value {
    let r = scan(from, "json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("valid JSON")
}

/// Scan the demo data as JSON.
pub fn demo_json() -> serde_json::Value {
    scan_json(&["fixtures/demo"])
}

/// The JSON report of a run that must have succeeded with every source read completely.
pub fn ok_report(r: &Run) -> serde_json::Value {
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("valid JSON");
    for s in report["sources"].as_array().expect("sources") {
        assert_eq!(s["status"], "ok", "{s}");
    }
    report
}

pub fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(root().join(path)).expect("fixture readable")
}

/// fingerprint -> (rule_id, identity id, credential id) of every finding in a JSON report.
pub fn findings_by_fingerprint(
    report: &serde_json::Value,
) -> std::collections::BTreeMap<String, (String, String, String)> {
    let mut out = std::collections::BTreeMap::new();
    for i in report["identities"].as_array().expect("identities") {
        for f in i["findings"].as_array().expect("findings") {
            out.insert(
                f["fingerprint"].as_str().expect("fingerprint").to_string(),
                (
                    f["rule_id"].as_str().expect("rule").to_string(),
                    i["id"].as_str().expect("id").to_string(),
                    f["credential_id"].as_str().unwrap_or("").to_string(),
                ),
            );
        }
    }
    out
}

/// The test tools installed from npm (tests/tools), installing them on first use.
pub fn npm_tool(bin: &str) -> PathBuf {
    let tools = root().join("tests/tools");
    let path = tools.join("node_modules/.bin").join(bin);
    if !path.exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&tools)
            .status()
            .expect("npm is needed to install the test tools (README: Running the tests)");
        assert!(status.success(), "npm ci in tests/tools failed");
    }
    path
}

/// A free loopback port (bound, then released for the server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A Prism mock server serving an OpenAPI description on a loopback port; stopped on drop.
pub struct Prism {
    child: std::process::Child,
    pub url: String,
}

impl Prism {
    /// Start Prism (static mode, or dynamic with `dynamic`) and wait until it answers.
    pub fn start(spec: &Path, dynamic: bool) -> Prism {
        let port = free_port();
        let mut cmd = std::process::Command::new(npm_tool("prism"));
        cmd.args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()]);
        if dynamic {
            cmd.arg("-d");
        }
        let child = cmd
            .arg(spec)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("prism starts");
        let prism = Prism {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "prism did not start within 90 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        prism
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Make sure Python's moto (the AWS emulator) is importable, installing it with pip on first use.
pub fn ensure_moto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let importable = |py: &str| {
            std::process::Command::new("python3")
                .args(["-c", py])
                .status()
                .is_ok_and(|s| s.success())
        };
        if !importable("import moto.server, boto3") {
            let status = std::process::Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "moto[server]"])
                .status()
                .expect("python3 and pip are needed to install moto (README: Running the tests)");
            assert!(status.success(), "pip install 'moto[server]' failed");
        }
    });
}

/// Make sure the aws CLI is on PATH (it runs docs/aws-organization-export.sh), installing it
/// with pip on first use; jq comes from the system (Debian package `jq`, installed by .ci/run).
pub fn ensure_aws_cli() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let works = |cmd: &str| {
            std::process::Command::new(cmd)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !works("aws") {
            let status = std::process::Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "awscli"])
                .status()
                .expect(
                    "python3 and pip are needed to install the aws CLI (README: Running the tests)",
                );
            assert!(status.success(), "pip install awscli failed");
        }
        assert!(
            works("jq"),
            "jq is needed (Debian package jq; .ci/run installs it)"
        );
    });
}

/// Make sure Python's py-ocsf-models (the OCSF validator of tests/ocsf.rs) is importable at the
/// version pinned in tests/ocsf/requirements.txt, installing it with pip on first use.
pub fn ensure_py_ocsf_models() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| ensure_pip_pinned("tests/ocsf/requirements.txt", "py-ocsf-models"));
}

/// Make sure Python's jsonschema (the validator of tests/graph.rs) is importable at the version
/// pinned in tests/graph/requirements.txt, installing it with pip on first use.
pub fn ensure_python_jsonschema() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| ensure_pip_pinned("tests/graph/requirements.txt", "jsonschema"));
}

/// Install `package` at the version `requirements` (relative to the repository) pins, unless
/// that version is already installed.
fn ensure_pip_pinned(requirements: &str, package: &str) {
    let pinned = read(requirements)
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(package)
                .and_then(|v| v.strip_prefix("=="))
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("{requirements} pins {package}"));
    let installed = std::process::Command::new("python3")
        .args([
            "-c",
            "import importlib.metadata as m, sys; sys.exit(m.version(sys.argv[1]) != sys.argv[2])",
            package,
            &pinned,
        ])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        let path = root().join(requirements);
        let status = std::process::Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(&path)
            .status()
            .unwrap_or_else(|e| {
                panic!("python3 and pip are needed to install {package} (README: Running the tests): {e}")
            });
        assert!(status.success(), "pip install -r {}", path.display());
    }
}

/// Assert that an inventory follows the published contract (docs/inventory.schema.json),
/// checked by an independent validator (Python's jsonschema, tests/connectors/requirements.txt).
pub fn assert_valid_inventory(inventory: &str, what: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .arg(root().join("tests/connectors/validate_inventory.py"))
        .arg(root().join("docs/inventory.schema.json"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (README: Running the tests)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(inventory.as_bytes())
        .expect("inventory written to the validator");
    let out = child.wait_with_output().expect("the validator ends");
    assert!(
        out.status.success(),
        "{what} does not follow docs/inventory.schema.json:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
