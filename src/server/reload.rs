//! Tokens follow `atlas.yaml` while the server runs: the file is watched (the reconcile loop's
//! debounced watch, [`crate::reconcile::watch::config_only`]) and read again after each change, so a
//! token removed from `server.tokens` is refused from then on, by bearer header and by login cookie
//! alike (both are checked against the tokens in force on every request). A file that no longer
//! loads keeps the running tokens and says why in the log (file, line, key). Besides the watch, the
//! file's bytes are compared every [`RECHECK`], so a change the watch missed still takes effect.

use super::App;
use crate::config::Config;
use crate::reconcile::watch;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often the file is compared with what was last read, whatever the watch reports.
const RECHECK: Duration = Duration::from_secs(30);

/// Starts following the configuration file, when the server has one.
pub(super) fn start(app: Arc<App>) -> Option<tokio::task::JoinHandle<()>> {
    // The path as given, not resolved: a symlink re-pointed to a new file (a Kubernetes ConfigMap
    // update) is then read through, where a resolved path would name a file that is gone.
    let path = app.opts.config_file.clone()?;
    let path = std::path::absolute(&path).unwrap_or(path);
    Some(tokio::spawn(follow(app, path)))
}

async fn follow(app: Arc<App>, path: PathBuf) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _watch = match watch::config_only(path.clone(), app.opts.reload_debounce, tx) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, file = %path.display(), "cannot watch the configuration; it is re-read every 30 s");
            None
        }
    };
    // The first pass loads the file once more: an edit made while the server started (after its
    // tokens were read) is not missed by the byte comparison.
    let mut last = None;
    let mut first = true;
    let mut tick = tokio::time::interval(RECHECK);
    tick.tick().await;
    loop {
        let watched = first
            || tokio::select! {
                c = rx.recv(), if _watch.is_some() => c.is_some(),
                _ = tick.tick() => false,
            };
        first = false;
        let now = read(&path).await;
        if !watched && now == last {
            continue;
        }
        last = now;
        let p = path.clone();
        match tokio::task::spawn_blocking(move || Config::load(&p)).await {
            Ok(Ok(config)) => apply(&app, config),
            Ok(Err(e)) => tracing::warn!(
                error = %e,
                "the configuration could not be reloaded; the tokens in force stay"
            ),
            Err(e) => tracing::warn!(error = %e, "reloading the configuration failed"),
        }
    }
}

async fn read(path: &Path) -> Option<Vec<u8>> {
    tokio::fs::read(path).await.ok()
}

/// Puts the tokens of a freshly loaded configuration in force.
fn apply(app: &App, config: Config) {
    let tokens = config.server.map(|s| s.tokens).unwrap_or_default();
    if tokens.is_empty() && app.opts.session.is_none() {
        tracing::warn!(
            "the configuration has no tokens any more: every request that needs one is refused"
        );
    }
    let names: Vec<&str> = tokens.iter().map(|t| t.name.as_str()).collect();
    tracing::info!(tokens = ?names, "tokens reloaded from the configuration");
    app.set_tokens(tokens);
}
