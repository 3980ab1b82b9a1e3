//! Running a connector program: no shell, an environment of PATH and the named variables only,
//! stdout read up to a limit, stderr relayed line by line, a timeout over everything.

use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Where the connector's stderr lines go (the CLI prints them on its own stderr, prefixed with
/// the connector's name).
pub type StderrSink = Arc<dyn Fn(&str) + Send + Sync>;

/// The longest stderr line relayed whole; longer ones are cut (a connector cannot make nhi
/// buffer without end through its stderr either).
const MAX_STDERR_LINE: usize = 4096;

/// How a run ended.
#[derive(Debug)]
pub enum Ending {
    /// The program exited (successfully or not) and stdout was read to its end.
    Exited(ExitStatus),
    /// The timeout passed; the program was stopped.
    TimedOut,
    /// Stdout passed the limit; the program was stopped and nothing more was read.
    TooMuch,
    /// The program could not be started.
    NotStarted(std::io::Error),
}

/// What a run produced: stdout as far as it was read, and how it ended.
#[derive(Debug)]
pub struct Ran {
    pub stdout: Vec<u8>,
    pub ending: Ending,
    /// The last line the program wrote on stderr (redacted), for the report's message.
    pub last_stderr: Option<String>,
}

/// What to run and within which bounds.
pub struct Run<'a> {
    pub argv: &'a [String],
    /// Variables to hand to the program, with their values (PATH among them when set).
    pub env: &'a [(String, String)],
    pub timeout: Duration,
    pub max_output: u64,
    pub stderr: StderrSink,
    /// Values never to repeat (the variables' values): replaced by `***` in relayed lines.
    pub redact: &'a [String],
}

impl Run<'_> {
    pub async fn go(&self) -> Ran {
        let Some((program, args)) = self.argv.split_first() else {
            return Ran {
                stdout: Vec::new(),
                ending: Ending::NotStarted(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "empty command",
                )),
                last_stderr: None,
            };
        };
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(c) => c,
            Err(e) => {
                return Ran {
                    stdout: Vec::new(),
                    ending: Ending::NotStarted(e),
                    last_stderr: None,
                }
            }
        };
        let last_stderr = Arc::new(std::sync::Mutex::new(None::<String>));
        let relay = child.stderr.take().map(|stderr| {
            let sink = self.stderr.clone();
            let last = last_stderr.clone();
            let redact = self.redact.to_vec();
            tokio::spawn(async move {
                relay_lines(stderr, |line| {
                    let line = clean(line, &redact);
                    sink(&line);
                    if !line.trim().is_empty() {
                        if let Ok(mut l) = last.lock() {
                            *l = Some(line);
                        }
                    }
                })
                .await
            })
        });
        let mut stdout = Vec::new();
        let out = child.stdout.take();
        let work = async {
            if let Some(out) = out {
                if !read_limited(out, self.max_output, &mut stdout).await {
                    return None;
                }
            }
            Some(child.wait().await)
        };
        let ending = match tokio::time::timeout(self.timeout, work).await {
            Ok(Some(Ok(status))) => Ending::Exited(status),
            Ok(Some(Err(e))) => Ending::NotStarted(e),
            Ok(None) => Ending::TooMuch,
            Err(_) => Ending::TimedOut,
        };
        if !matches!(ending, Ending::Exited(_)) {
            let _ = child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
        }
        // The last lines of stderr, unless something the program started still holds it open.
        if let Some(relay) = relay {
            if tokio::time::timeout(Duration::from_secs(1), relay)
                .await
                .is_err()
            {
                tracing::debug!("a connector's stderr stayed open after it ended");
            }
        }
        let last_stderr = last_stderr.lock().ok().and_then(|mut l| l.take());
        Ran {
            stdout,
            ending,
            last_stderr,
        }
    }
}

/// Read all of `r` into `out`, unless it holds more than `max` bytes: then `false`, with
/// `out` holding what was read (never much more than `max`).
async fn read_limited(mut r: impl AsyncRead + Unpin, max: u64, out: &mut Vec<u8>) -> bool {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match r.read(&mut chunk).await {
            Ok(0) => return true,
            Ok(n) => {
                if out.len() as u64 + n as u64 > max {
                    return false;
                }
                out.extend_from_slice(&chunk[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // A broken pipe ends the output as an end of file would.
            Err(_) => return true,
        }
    }
}

/// Call `each` with every line of `r` (lossy UTF-8, at most [`MAX_STDERR_LINE`] bytes each).
async fn relay_lines(mut r: impl AsyncRead + Unpin, mut each: impl FnMut(&str)) {
    let mut chunk = vec![0u8; 8 * 1024];
    let mut line: Vec<u8> = Vec::new();
    let mut cut = false;
    loop {
        let n = match r.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &b in &chunk[..n] {
            if b == b'\n' {
                if !cut {
                    each(&String::from_utf8_lossy(&line));
                }
                line.clear();
                cut = false;
            } else if cut {
                // The rest of a line already cut is dropped.
            } else if line.len() < MAX_STDERR_LINE {
                line.push(b);
            } else {
                line.extend_from_slice(" [cut]".as_bytes());
                each(&String::from_utf8_lossy(&line));
                line.clear();
                cut = true;
            }
        }
    }
    if !line.is_empty() {
        each(&String::from_utf8_lossy(&line));
    }
}

/// A line fit for a terminal: control characters (escape sequences, carriage returns) shown as
/// `?`, and the secrets handed to the program as `***`.
pub fn clean(line: &str, redact: &[String]) -> String {
    let mut out: String = line
        .trim_end_matches('\r')
        .chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect();
    for secret in redact.iter().filter(|s| s.len() >= 4) {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_lines() {
        assert_eq!(
            clean("\u{1b}[31mred\r", &[]),
            "?[31mred",
            "escape sequences cannot drive the terminal"
        );
        assert_eq!(
            clean("token=s3cr3t-value ok", &["s3cr3t-value".into()]),
            "token=*** ok"
        );
        assert_eq!(clean("a b", &["b".into()]), "a b", "too short to redact");
    }

    #[tokio::test]
    async fn lines_are_split_and_long_ones_cut() {
        let long = "x".repeat(MAX_STDERR_LINE * 2);
        let input = format!("one\n{long}\ntwo");
        let mut got = Vec::new();
        relay_lines(input.as_bytes(), |l| got.push(l.to_string())).await;
        assert_eq!(
            got.len(),
            3,
            "{:?}",
            got.iter().map(|l| l.len()).collect::<Vec<_>>()
        );
        assert_eq!(got[0], "one");
        assert!(got[1].ends_with("[cut]") && got[1].len() < MAX_STDERR_LINE + 10);
        assert_eq!(got[2], "two");
    }

    #[tokio::test]
    async fn reading_stops_at_the_limit() {
        let data = vec![b'a'; 300_000];
        let mut out = Vec::new();
        assert!(!read_limited(&data[..], 100_000, &mut out).await);
        assert!(out.len() <= 100_000);
        let mut out = Vec::new();
        assert!(read_limited(&data[..], 300_000, &mut out).await);
        assert_eq!(out.len(), 300_000);
    }
}
