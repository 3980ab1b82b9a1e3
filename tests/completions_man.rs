//! Shell completions (`nhi completions SHELL`) and the man page (`nhi man`), both generated from
//! the command-line definition: each must be accepted by what reads it.

use crate::common::*;
use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn completion_scripts_cover_the_commands_and_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(!r.stdout.trim().is_empty(), "{shell}");
        for word in ["scan", "--format", "--markdown-limit", "man"] {
            assert!(r.stdout.contains(word), "{shell} completion lacks {word}");
        }
        // These shells complete flag values too.
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(
                r.stdout.contains("ocsf"),
                "{shell} completion lacks --format's values"
            );
        }
    }
    let bash = run(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("nhi.bash");
    std::fs::write(&file, &bash).expect("write");
    let out = Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        run(&["completions", "tcsh"]).code,
        2,
        "an unknown shell is a usage error"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    for args in [
        &["completions", "bash"][..],
        &["man"][..],
        &["scan", "--from", "fixtures/demo", "--format", "markdown"][..],
        &["scan", "--from", "fixtures/demo", "--format", "ocsf"][..],
    ] {
        // The reading end is closed before nhi starts, so its first write fails.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(assert_cmd::cargo::cargo_bin("nhi"))
            .current_dir(root())
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("nhi runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Render roff with the first formatter found: `man -l -`, else groff, else nroff. `None` when
/// there is none.
fn format_roff(roff: &str) -> Option<(String, std::process::Output)> {
    let found = |cmd: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {cmd}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let (name, mut cmd) = if found("man") {
        let mut c = Command::new("man");
        c.args(["--warnings", "-l", "-"])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80");
        ("man -l -", c)
    } else if found("groff") {
        let mut c = Command::new("groff");
        c.args(["-man", "-Tutf8", "-ww"]);
        ("groff -man", c)
    } else if found("nroff") {
        let mut c = Command::new("nroff");
        c.arg("-man");
        ("nroff -man", c)
    } else {
        return None;
    };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the formatter starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(roff.as_bytes())
        .expect("the formatter reads the page");
    Some((
        name.to_string(),
        child.wait_with_output().expect("the formatter ends"),
    ))
}

#[test]
fn man_pages_are_roff_that_man_renders() {
    for (args, title, expect) in [
        (
            vec!["man"],
            ".TH nhi 1",
            vec!["scan", "completions", "nhi-scan(1)"],
        ),
        (
            vec!["man", "scan"],
            ".TH nhi-scan 1",
            vec!["--format", "--markdown-limit", "ocsf"],
        ),
    ] {
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        // clap_mangen opens with roff's two-line definition of the apostrophe string, then the
        // title header.
        let header = r
            .stdout
            .lines()
            .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
            .unwrap_or_default();
        assert!(header.starts_with(title), "{args:?}: {header}");

        let Some((formatter, out)) = format_roff(&r.stdout) else {
            eprintln!("skipped rendering the man page: no man, groff or nroff on PATH");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{formatter}: {stderr}");
        assert!(stderr.trim().is_empty(), "{formatter} warns: {stderr}");
        for word in expect {
            assert!(
                text.contains(word),
                "{formatter} output of {args:?} lacks {word}"
            );
        }
    }
    let r = run(&["man", "nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("scan"),
        "names the commands: {}",
        r.stderr
    );
}
