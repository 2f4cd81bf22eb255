//! Stop signals of the commands that hold locks or run long (`backup`, `reconcile`, `serve`):
//! SIGINT and SIGTERM, listened to from the start so that a second signal is never missed.

/// SIGINT and SIGTERM, listened to from the start so a second signal is never missed.
/// Create it inside a runtime context.
pub struct StopSignals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    pub fn new() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = signal(SignalKind::terminate())
                .and_then(|t| Ok((t, signal(SignalKind::interrupt())?)))
                .ok();
            StopSignals { streams }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    /// Waits for the next SIGINT or SIGTERM.
    pub async fn next(&mut self) {
        #[cfg(unix)]
        if let Some((term, int)) = &mut self.streams {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Cancels `stop` at the first SIGINT or SIGTERM; exits at once with [`super::Exit::Interrupted`]
/// at the second.
/// Call inside the runtime that runs the command.
pub fn cancel_on_signal(stop: tokio_util::sync::CancellationToken) {
    let mut listen = StopSignals::new();
    tokio::spawn(async move {
        listen.next().await;
        stop.cancel();
        listen.next().await;
        std::process::exit(i32::from(super::Exit::Interrupted.code()));
    });
}
