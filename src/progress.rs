//! Progress of live collection on stderr, drawn only when stderr is a terminal (the CLI decides).

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use nhi_api::Progress;
use std::collections::HashMap;
use std::sync::Mutex;

/// One bar per kind of work ("AWS accounts"): done / total, and identities found so far.
pub struct Bar {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, (ProgressBar, usize)>>,
}

impl Bar {
    pub fn new() -> Self {
        Bar {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }
}

impl Default for Bar {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for Bar {
    fn start(&self, what: &str, total: u64) {
        let bar = self.multi.add(ProgressBar::new(total));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix} {pos}/{len} {wide_msg}")
        {
            bar.set_style(style);
        }
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(what.to_string(), (bar, 0));
        }
    }

    fn advance(&self, what: &str, label: &str, identities: usize) {
        if let Ok(mut bars) = self.bars.lock() {
            if let Some((bar, found)) = bars.get_mut(what) {
                *found += identities;
                bar.inc(1);
                bar.set_message(format!("{found} identities; last: {label}"));
                if bar.position() >= bar.length().unwrap_or(0) {
                    bar.finish_and_clear();
                }
            }
        }
    }
}

/// The process's peak resident memory so far, in MiB, for the phase lines of `-v` (Linux reads
/// `VmHWM` from `/proc/self/status`; elsewhere it is not known).
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn peak_rss_is_read_on_linux() {
        let before = super::peak_rss_mib().expect("VmHWM");
        let big = vec![1u8; 64 << 20];
        std::hint::black_box(&big);
        let after = super::peak_rss_mib().expect("VmHWM");
        assert!(after >= before + 60, "{before} MiB then {after} MiB");
    }
}
