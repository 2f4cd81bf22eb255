//! A progress bar on stderr for interactive runs; nothing when stderr is not a terminal.

use crate::backup::Progress;
use crate::render::text::count;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

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
        Bar { bar }
    }

    pub fn finish(&self) {
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
