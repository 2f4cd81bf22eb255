//! File watches that schedule rounds: the desired refs (`.git/HEAD`, `.git/packed-refs`,
//! `.git/refs/`), `atlas.yaml`, and the trigger folder the server's webhook writes to. Events are
//! debounced (`reconcile.debounce`) and only ever *schedule*: the loop decides what a change means
//! (a ref that moved, a configuration to reload, a trigger file to take), and its timer requeues
//! every tenant anyway, so a missed event costs latency, never correctness. `serve` watches only
//! `atlas.yaml` ([`config_only`]), to reload its tokens.

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// `atlas.yaml`.
    Config,
    /// A ref, `HEAD` or `packed-refs`.
    Refs,
    /// A trigger file.
    Triggers,
}

/// The paths a change is recognised by.
#[derive(Debug, Clone)]
pub struct Paths {
    pub git_dir: PathBuf,
    pub config: PathBuf,
    pub triggers: PathBuf,
}

impl Paths {
    /// What a changed path means, if anything.
    pub fn classify(&self, p: &Path) -> Option<Change> {
        if p == self.config {
            Some(Change::Config)
        } else if p.starts_with(&self.triggers) {
            Some(Change::Triggers)
        } else if p == self.git_dir.join("HEAD")
            || p == self.git_dir.join("packed-refs")
            || p.starts_with(self.git_dir.join("refs"))
        {
            Some(Change::Refs)
        } else {
            None
        }
    }
}

/// Running watches; dropping it stops them.
pub struct Watch {
    _debouncer: Debouncer<notify_debouncer_full::notify::RecommendedWatcher, RecommendedCache>,
}

/// Starts watching; every debounced batch sends each kind of change it holds once.
pub fn start(
    paths: Paths,
    debounce: Duration,
    tx: UnboundedSender<Change>,
) -> Result<Watch, String> {
    let refs = paths.git_dir.join("refs");
    let dirs = vec![
        (paths.git_dir.clone(), RecursiveMode::NonRecursive),
        (refs, RecursiveMode::Recursive),
        (parent(&paths.config), RecursiveMode::NonRecursive),
        (paths.triggers.clone(), RecursiveMode::NonRecursive),
    ];
    watch(dirs, move |p| paths.classify(p), debounce, tx)
}

/// Watches only the configuration file (`serve`, which reloads its tokens from it): sends
/// [`Change::Config`] once per debounced batch that touched it. `config` should be canonical, as
/// the paths of events are.
pub fn config_only(
    config: PathBuf,
    debounce: Duration,
    tx: UnboundedSender<Change>,
) -> Result<Watch, String> {
    let dirs = vec![(parent(&config), RecursiveMode::NonRecursive)];
    watch(
        dirs,
        move |p| (p == config).then_some(Change::Config),
        debounce,
        tx,
    )
}

fn parent(p: &Path) -> PathBuf {
    p.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Watches `dirs`; every debounced batch sends each kind of change `classify` finds in it once.
fn watch(
    dirs: Vec<(PathBuf, RecursiveMode)>,
    classify: impl Fn(&Path) -> Option<Change> + Send + 'static,
    debounce: Duration,
    tx: UnboundedSender<Change>,
) -> Result<Watch, String> {
    let mut debouncer = new_debouncer(debounce, None, move |res: DebounceEventResult| match res {
        Ok(events) => {
            let mut kinds: Vec<Change> = events
                .iter()
                // Reads (git opening atlas.yaml, say) change nothing.
                .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                .flat_map(|e| e.paths.iter())
                .filter_map(|p| classify(p))
                .collect();
            kinds.sort();
            kinds.dedup();
            for k in kinds {
                let _ = tx.send(k);
            }
        }
        Err(errors) => {
            for e in errors {
                tracing::warn!(error = %e, "file watch error");
            }
        }
    })
    .map_err(|e| e.to_string())?;
    for (dir, mode) in &dirs {
        debouncer
            .watch(dir, *mode)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    Ok(Watch {
        _debouncer: debouncer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(root: &Path) -> Paths {
        Paths {
            git_dir: root.join(".git"),
            config: root.join("atlas.yaml"),
            triggers: root.join(".git/atlas/triggers"),
        }
    }

    #[test]
    fn paths_are_classified() {
        let p = paths(Path::new("/r"));
        assert_eq!(p.classify(Path::new("/r/atlas.yaml")), Some(Change::Config));
        assert_eq!(
            p.classify(Path::new("/r/.git/atlas/triggers/contoso")),
            Some(Change::Triggers)
        );
        for refs in [
            "/r/.git/HEAD",
            "/r/.git/packed-refs",
            "/r/.git/refs/heads/main",
        ] {
            assert_eq!(p.classify(Path::new(refs)), Some(Change::Refs), "{refs}");
        }
        for other in [
            "/r/.git/index",
            "/r/README.md",
            "/r/.git/atlas/status/a.json",
        ] {
            assert_eq!(p.classify(Path::new(other)), None, "{other}");
        }
    }

    #[tokio::test]
    async fn a_trigger_file_and_a_config_edit_are_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let repo = crate::store::Repo::init(&root).unwrap();
        let p = Paths {
            git_dir: repo.git_dir().canonicalize().unwrap(),
            config: root.join("atlas.yaml"),
            triggers: crate::records::trigger::dir(&repo).unwrap(),
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _w = start(p, Duration::from_millis(50), tx).unwrap();
        // Other changes (the repository being created) may come first: wait for each kind.
        async fn seen(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Change>, want: Change) -> bool {
            let wait = async {
                while let Some(c) = rx.recv().await {
                    if c == want {
                        return true;
                    }
                }
                false
            };
            tokio::time::timeout(Duration::from_secs(30), wait)
                .await
                .unwrap_or(false)
        }
        crate::records::trigger::request(&repo, "contoso", "test").unwrap();
        assert!(seen(&mut rx, Change::Triggers).await);
        std::fs::write(root.join("atlas.yaml"), "tenants: []\n").unwrap();
        assert!(seen(&mut rx, Change::Config).await);
    }
}
