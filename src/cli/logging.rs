//! Tracing to stderr: text or JSON lines; `-v`/`-q` pick the default level, `ATLAS_LOG` overrides it.
//! Lines saying a request waits to be retried go to the progress bar while one is shown.

use super::{GlobalArgs, LogFormat, progress};
use crate::graph::WAIT_LOG_TARGET;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

pub fn init(global: &GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = crate::env::var(crate::env::LOG)
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| {
            EnvFilter::new(format!(
                "{default},hyper=warn,reqwest=warn,h2=warn,rustls=warn"
            ))
        });
    // A wait shown in the progress bar is not written as a line too.
    let not_in_bar =
        || filter_fn(|meta| !(meta.target() == WAIT_LOG_TARGET && progress::showing()));
    let registry = tracing_subscriber::registry().with(filter).with(WaitsToBar);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match global.log_format {
        LogFormat::Json => registry
            .with(layer.json().with_filter(not_in_bar()))
            .try_init(),
        LogFormat::Text => {
            use std::io::IsTerminal;
            let ansi =
                std::io::stderr().is_terminal() && crate::env::var(crate::env::NO_COLOR).is_none();
            registry
                .with(layer.with_ansi(ansi).with_filter(not_in_bar()))
                .try_init()
        }
    };
}

/// Puts wait lines into the progress bar, when one is shown.
struct WaitsToBar;

impl<S: tracing::Subscriber> Layer<S> for WaitsToBar {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != WAIT_LOG_TARGET || !progress::showing() {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        progress::show_wait(&message.0);
    }
}

/// The `message` field of an event.
struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}
