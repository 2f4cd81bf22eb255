//! Tracing to stderr: text or JSON lines; `-v`/`-q` pick the default level, `ATLAS_LOG` overrides it.

use super::{GlobalArgs, LogFormat};
use tracing_subscriber::EnvFilter;

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
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match global.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => {
            use std::io::IsTerminal;
            builder
                .with_ansi(
                    std::io::stderr().is_terminal()
                        && crate::env::var(crate::env::NO_COLOR).is_none(),
                )
                .try_init()
        }
    };
}
