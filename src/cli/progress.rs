//! A progress bar on stderr for interactive runs; nothing when stderr is not a terminal.
//!
//! While a bar is shown, the lines saying a request waits to be retried (`graph::WAIT_LOG_TARGET`)
//! become its message instead of log lines that would tear it (see `logging.rs`).

use crate::backup::Progress;
use crate::render::text::count;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// The bar on screen, if any.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

fn shown() -> std::sync::MutexGuard<'static, Option<ProgressBar>> {
    SHOWN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether a bar is on screen now.
pub(super) fn showing() -> bool {
    shown().is_some()
}

/// Shows a wait in the bar on screen; false when there is none.
pub(super) fn show_wait(message: &str) -> bool {
    match shown().as_ref() {
        Some(bar) => {
            bar.set_message(message.to_string());
            true
        }
        None => false,
    }
}

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar counting tenants, or a hidden one when progress is off or stderr is not a terminal.
    pub fn tenants(total: usize, global: &super::GlobalArgs) -> Bar {
        let visible = !global.no_progress && !global.quiet && std::io::stderr().is_terminal();
        let bar = if visible {
            ProgressBar::new(total as u64)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed}] {pos}/{len} tenants {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        if visible {
            *shown() = Some(bar.clone());
        }
        Bar { bar }
    }

    pub fn finish(&self) {
        shown().take();
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn tenant_started(&self, tenant: &str) {
        self.bar.set_message(format!("reading {tenant}"));
    }
    fn tenant_fetched(&self, tenant: &str, objects: usize) {
        self.bar.set_message(format!(
            "{tenant}: {} read, writing",
            count(objects, "object", "objects")
        ));
    }
    fn tenant_done(&self, _tenant: &str) {
        self.bar.inc(1);
    }
}
