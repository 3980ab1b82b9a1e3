//! Connectors outside the binary: a program (any language) that prints an nhi inventory on its
//! stdout, as one JSON document or one identity per line (docs/connectors.md).
//!
//! The program runs without a shell, with PATH and the variables its configuration names and no
//! other; its stderr is relayed line by line; it is stopped after a timeout, and output past a
//! limit is refused. Whatever goes wrong becomes its source's status and message: `failed`, or
//! `partial` when some identities were read, naming the connector, the line and the JSON path.

mod read;
mod run;

pub use read::{read, Output};
pub use run::{clean, StderrSink};

use nhi_api::{BoxFuture, CollectContext, Connector, Inventory, SourceReport};
use run::{Ending, Ran, Run};
use std::path::Path;
use std::time::Duration;

/// Split a command line into words as a POSIX shell would (single and double quotes,
/// backslashes), without running a shell: no variables, globs, pipes or redirections.
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    // The line is not repeated: it may hold what should not be printed (a URL with a password).
    let words = shlex::split(line).ok_or_else(|| {
        "cannot split the command into words: a quote is not closed, or it ends with a backslash"
            .to_string()
    })?;
    if words.is_empty() {
        return Err("the command is empty: name the program to run".into());
    }
    Ok(words)
}

/// Programs that run a script: a connector started as `python3 okta.py` is named after the
/// script, not the interpreter.
const INTERPRETERS: &[&str] = &[
    "python", "python3", "node", "deno", "bun", "ruby", "perl", "php", "sh", "bash", "zsh", "dash",
    "pwsh", "env", "uv", "uvx", "npx",
];

/// A name for a connector given only its command: the file name (without extension) of the
/// program, or of the script an interpreter runs; letters, digits, `-`, `_` and `.` only.
pub fn default_name(argv: &[String]) -> String {
    let stem = |w: &str| {
        Path::new(w)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let program = argv.first().map(|p| stem(p)).unwrap_or_default();
    let interpreted = INTERPRETERS.contains(&program.as_str()) || program.starts_with("python");
    // `sh -c '...'` and `python3 -c '...'` run inline code: no script to name it after.
    let inline = argv
        .iter()
        .skip(1)
        .any(|a| matches!(a.as_str(), "-c" | "-e" | "--eval" | "--command"));
    let script = (interpreted && !inline)
        .then(|| {
            argv.iter()
                .skip(1)
                .find(|a| !a.starts_with('-') && !matches!(a.as_str(), "run" | "exec"))
        })
        .flatten()
        .map(|s| stem(s));
    let name: String = script
        .unwrap_or(program)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "connector".into()
    } else {
        name
    }
}

/// How a connector is shown in the report: the program and the words before its first option.
/// Options are left out: they may hold a URL with credentials in it.
pub fn origin(argv: &[String]) -> String {
    let shown: Vec<&str> = argv
        .iter()
        .take_while(|w| !w.starts_with('-'))
        .map(String::as_str)
        .collect();
    let shown = if shown.is_empty() {
        argv.iter().take(1).map(String::as_str).collect()
    } else {
        shown
    };
    shlex::try_join(shown.iter().copied()).unwrap_or_else(|_| shown.join(" "))
}

/// A connector program, ready to run.
pub struct External {
    pub name: String,
    pub argv: Vec<String>,
    /// Variables to hand over (besides PATH), by name; their values are read when it runs.
    pub env: Vec<String>,
    pub timeout: Duration,
    pub max_output_mib: u64,
    pub stderr: StderrSink,
}

impl External {
    fn origin(&self) -> String {
        origin(&self.argv)
    }

    /// PATH and the named variables that are set, with their values.
    fn environment(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = Vec::new();
        for name in std::iter::once("PATH").chain(self.env.iter().map(String::as_str)) {
            if env.iter().any(|(k, _)| k == name) {
                continue;
            }
            if let Some(value) = std::env::var_os(name) {
                env.push((name.to_string(), value.to_string_lossy().into_owned()));
            }
        }
        env
    }

    async fn run(&self) -> Inventory {
        let env = self.environment();
        // The values nhi hands over (tokens) are never repeated, whatever the program prints.
        let redact: Vec<String> = env
            .iter()
            .filter(|(k, _)| k != "PATH")
            .map(|(_, v)| v.clone())
            .collect();
        let ran = Run {
            argv: &self.argv,
            env: &env,
            timeout: self.timeout,
            max_output: self.max_output_mib.saturating_mul(1024 * 1024),
            stderr: self.stderr.clone(),
            redact: &redact,
        }
        .go()
        .await;
        self.judge(ran)
    }

    /// The inventory a run gives, with this connector's source saying how it went.
    fn judge(&self, ran: Ran) -> Inventory {
        let who = format!("connector {}", self.name);
        let failed = |message: String| {
            let mut inv = Inventory::default();
            inv.sources
                .push(SourceReport::failed(&self.name, "", self.origin(), message));
            inv
        };
        let complete = match &ran.ending {
            Ending::NotStarted(e) => {
                return failed(format!(
                    "{who}: cannot run {:?} ({e}); install it, or give its full path",
                    self.argv.first().map(String::as_str).unwrap_or("")
                ))
            }
            Ending::TooMuch => {
                return failed(format!(
                    "{who} printed more than {} MiB on stdout: refused, and stopped; if its inventory really is that large, raise max_output_mib in its [[connector]] table (--connector-max-output)",
                    self.max_output_mib
                ))
            }
            Ending::TimedOut => false,
            Ending::Exited(_) => true,
        };
        let output = read(&ran.stdout, complete);
        let mut problems: Vec<String> = Vec::new();
        match &ran.ending {
            Ending::TimedOut => problems.push(format!(
                "did not finish within {} s and was stopped (timeout_seconds in its [[connector]] table, --connector-timeout)",
                self.timeout.as_secs()
            )),
            Ending::Exited(status) if !status.success() => {
                let how = match status.code() {
                    Some(code) => format!("exited with status {code}"),
                    None => "was killed by a signal".to_string(),
                };
                let said = ran
                    .last_stderr
                    .as_deref()
                    .map(|l| format!(": {}", truncate(l, 300)))
                    .unwrap_or_default();
                problems.push(format!("{how}{said}"));
            }
            _ => {}
        }
        if let Some(text) = output.problem_text() {
            problems.push(format!(
                "{} not read: {text} (docs/connectors.md; docs/inventory.schema.json)",
                if output.document {
                    "its inventory was"
                } else {
                    "some of its lines were"
                }
            ));
        }
        let Output {
            mut inventory,
            identities,
            ..
        } = output;
        let mut report = SourceReport::ok(&self.name, "", self.origin()).identities(identities);
        if !problems.is_empty() {
            let message = format!("{who} {}", problems.join("; "));
            report = if identities > 0 {
                SourceReport::partial(&self.name, "", self.origin(), message)
            } else {
                SourceReport::failed(&self.name, "", self.origin(), message)
            }
            .identities(identities);
        } else if identities == 0 {
            report = report.message(format!("{who} printed no identities"));
        }
        report.scope = scope_of(&inventory);
        inventory.sources.insert(0, report);
        inventory
    }
}

/// The scope a connector's identities share, when they share one.
fn scope_of(inventory: &Inventory) -> String {
    let mut scopes = inventory.identities.iter().map(|i| i.scope.as_str());
    match scopes.next() {
        Some(first) if scopes.all(|s| s == first) => first.to_string(),
        _ => String::new(),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}...")
    }
}

impl Connector for External {
    fn name(&self) -> &str {
        &self.name
    }

    fn collect<'a>(&'a self, _ctx: &'a CollectContext) -> BoxFuture<'a, Inventory> {
        Box::pin(self.run())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_api::SourceStatus;
    use std::sync::{Arc, Mutex};

    fn words(s: &str) -> Vec<String> {
        split_command(s).expect("splits")
    }

    #[test]
    fn command_lines_split_like_a_shell_without_one() {
        assert_eq!(
            words(r#"python3 "my connector.py" --url 'http://x/?a=1&b=2' $HOME"#),
            [
                "python3",
                "my connector.py",
                "--url",
                "http://x/?a=1&b=2",
                "$HOME"
            ]
        );
        let e = split_command("python3 --url https://u:pw@x 'open").expect_err("unclosed");
        assert!(!e.contains("pw@"), "{e}");
        assert!(split_command("   ").is_err());
    }

    #[test]
    fn names_and_origins() {
        assert_eq!(
            default_name(&words("python3 examples/connectors/okta.py --base-url x")),
            "okta"
        );
        assert_eq!(
            default_name(&words("/usr/local/bin/snowflake-nhi --all")),
            "snowflake-nhi"
        );
        assert_eq!(default_name(&words("python3.12 -u conn.py")), "conn");
        assert_eq!(default_name(&words("uv run slack.py")), "slack");
        assert_eq!(default_name(&words("'weird name!'")), "weird_name_");
        assert_eq!(default_name(&words("sh -c 'echo {}; exit 3'")), "sh");
        assert_eq!(
            origin(&words(
                "python3 examples/connectors/okta.py --base-url https://u:p@x"
            )),
            "python3 examples/connectors/okta.py"
        );
        assert_eq!(origin(&words("--odd")), "--odd");
    }

    fn external(
        script: &str,
        env: &[&str],
        timeout: u64,
        max_mib: u64,
    ) -> (External, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let e = External {
            name: "test".into(),
            argv: vec!["sh".into(), "-c".into(), script.into()],
            env: env.iter().map(|s| s.to_string()).collect(),
            timeout: Duration::from_secs(timeout),
            max_output_mib: max_mib,
            stderr: Arc::new(move |l: &str| sink.lock().expect("lock").push(l.to_string())),
        };
        (e, lines)
    }

    const ONE: &str =
        r#"{"id":"t1","provider":"okta","kind":"okta_api_token","name":"a","scope":"acme"}"#;

    #[tokio::test]
    async fn a_good_run() {
        let (e, lines) = external(&format!("echo '{ONE}'; echo working >&2"), &[], 10, 1);
        let inv = e.run().await;
        assert_eq!(inv.identities.len(), 1);
        assert_eq!(inv.sources[0].status, SourceStatus::Ok);
        assert_eq!(inv.sources[0].scope, "acme");
        assert_eq!(*lines.lock().expect("lock"), ["working"]);
    }

    #[tokio::test]
    async fn exit_3_with_a_message_after_one_identity_is_partial() {
        let (e, _) = external(
            &format!("echo '{ONE}'; echo 'token refused' >&2; exit 3"),
            &[],
            10,
            1,
        );
        let inv = e.run().await;
        let s = &inv.sources[0];
        assert_eq!((s.status, s.identities), (SourceStatus::Partial, 1));
        let m = s.message.as_deref().unwrap_or("");
        assert!(
            m.contains("connector test exited with status 3: token refused"),
            "{m}"
        );
    }

    #[tokio::test]
    async fn a_hang_is_stopped() {
        let (e, _) = external(&format!("echo '{ONE}'; sleep 30"), &[], 1, 1);
        let started = std::time::Instant::now();
        let inv = e.run().await;
        assert!(started.elapsed() < Duration::from_secs(10));
        let s = &inv.sources[0];
        assert_eq!((s.status, s.identities), (SourceStatus::Partial, 1));
        assert!(s
            .message
            .as_deref()
            .unwrap_or("")
            .contains("did not finish within 1 s"));
    }

    #[tokio::test]
    async fn too_much_output_is_refused() {
        let (e, _) = external(
            "while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done",
            &[],
            30,
            1,
        );
        let inv = e.run().await;
        let s = &inv.sources[0];
        assert_eq!((s.status, s.identities), (SourceStatus::Failed, 0));
        assert!(s
            .message
            .as_deref()
            .unwrap_or("")
            .contains("more than 1 MiB"));
    }

    #[tokio::test]
    async fn only_named_variables_are_passed_and_their_values_never_repeated() {
        std::env::set_var("NHI_EXTERNAL_TEST_NAMED", "named-value-1234");
        std::env::set_var("NHI_EXTERNAL_TEST_HIDDEN", "hidden-value-5678");
        let (e, lines) = external("env >&2; exit 1", &["NHI_EXTERNAL_TEST_NAMED"], 10, 1);
        let inv = e.run().await;
        let lines = lines.lock().expect("lock").join("\n");
        assert!(lines.contains("NHI_EXTERNAL_TEST_NAMED=***"), "{lines}");
        assert!(!lines.contains("named-value-1234"), "{lines}");
        assert!(!lines.contains("NHI_EXTERNAL_TEST_HIDDEN"), "{lines}");
        assert!(lines.contains("PATH="), "{lines}");
        assert_eq!(inv.sources[0].status, SourceStatus::Failed);
    }

    #[tokio::test]
    async fn a_missing_program_fails_with_the_fix() {
        let (mut e, _) = external("", &[], 10, 1);
        e.argv = vec!["nhi-no-such-program-xyz".into()];
        let inv = e.run().await;
        let m = inv.sources[0].message.clone().unwrap_or_default();
        assert!(m.contains("cannot run \"nhi-no-such-program-xyz\""), "{m}");
    }
}
