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
