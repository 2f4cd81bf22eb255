//! Where run logs live.
//!
//! A run that changed something commits its log beside the configuration, so auditors find who,
//! what and when in history; a no-op run keeps its log privately under `.git/atlas/runs/` so
//! history stays quiet. This module owns both locations; the log's content is the caller's.

use std::path::PathBuf;

use super::{Repo, StoreError, fsio, layout, paths};

/// Write a run log that is kept out of git (no-op runs): `.git/atlas/runs/<tenant>/<run-id>.yaml`;
/// returns its path. The write is atomic.
pub fn write_private(
    repo: &Repo,
    tenant: &str,
    run_id: &str,
    bytes: &[u8],
) -> Result<PathBuf, StoreError> {
    paths::validate_component(tenant)?;
    paths::validate_component(run_id)?;
    let dir = layout::private_runs(repo.git_dir(), tenant);
    fs_err::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
    let path = dir.join(format!("{run_id}.yaml"));
    fsio::atomic_write(&path, bytes)?;
    fsio::fsync_dir(&dir)?;
    prune_private(&dir, kept_private());
    Ok(path)
}

/// A run log's path as commands report it: relative to the repository root, the same rule for
/// committed (`runs/…`) and private (`.git/atlas/runs/…`) ones.
pub fn shown(repo: &Repo, path: &std::path::Path) -> String {
    path.strip_prefix(repo.root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Private run logs kept per tenant unless the configuration says otherwise
/// (`housekeeping.keepRuns`): a loop running every few minutes writes one or two per round, so the
/// oldest go (committed run logs, and logs of interrupted runs, are never removed on a write).
pub const PRIVATE_KEPT: usize = crate::config::unattended::DEFAULT_KEEP_RUNS;

/// The end of the name of an interrupted run's log (see [`set_aside_interrupted`]).
pub const INTERRUPTED_SUFFIX: &str = ".interrupted.yaml";

/// How many private run logs of a tenant a write keeps in this process.
static KEPT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(PRIVATE_KEPT);

/// Sets how many private run logs of a tenant every later write in this process keeps: the
/// `housekeeping.keepRuns` of the configuration it runs with (one process, one `atlas.yaml`; the
/// commands set it when they load it, the loop again when it reloads it). At least one.
pub fn keep_private(n: usize) {
    KEPT.store(n.max(1), std::sync::atomic::Ordering::Relaxed);
}

/// How many private run logs of a tenant a write keeps (see [`keep_private`]).
pub fn kept_private() -> usize {
    KEPT.load(std::sync::atomic::Ordering::Relaxed)
}

/// The names of the private run logs of finished runs in `dir` (a tenant's `.git/atlas/runs/<t>/`),
/// oldest first (run ids sort by time): logs of interrupted runs and temporary files left out.
pub(super) fn private_logs(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return vec![];
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") && !n.ends_with(INTERRUPTED_SUFFIX) && !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// Removes the oldest private run logs of `dir` beyond `keep`. Best effort: a log that cannot be
/// removed stays.
fn prune_private(dir: &std::path::Path, keep: usize) {
    let names = private_logs(dir);
    if names.len() <= keep {
        return;
    }
    for n in &names[..names.len() - keep] {
        let _ = fs_err::remove_file(dir.join(n));
    }
}

/// Moves run logs of runs that were interrupted between writing their log and committing it (in
/// `runs/<tenant>/` but not in HEAD) to `.git/atlas/runs/<tenant>/<name>.interrupted.yaml`: they
/// must not be committed by a later run as if theirs had finished, and they are kept as evidence.
/// A run log whose write was cut short (a temporary file) is removed. Returns the moved paths
/// (relative to the root).
pub fn set_aside_interrupted(repo: &Repo, tenant: &str) -> Result<Vec<String>, StoreError> {
    paths::validate_component(tenant)?;
    let dir = repo.root().join(layout::runs(tenant));
    if !dir.is_dir() {
        return Ok(vec![]);
    }
    let committed: std::collections::BTreeSet<String> = repo
        .list_at("HEAD", &layout::runs(tenant))?
        .into_iter()
        .collect();
    let mut moved = vec![];
    for (rel, (path, kind)) in fsio::walk(&dir)? {
        // A run log's write cut short before its rename: partial, never evidence.
        if kind == fsio::EntryKind::File
            && rel
                .rsplit('/')
                .next()
                .is_some_and(|n| n.starts_with(fsio::TEMP_PREFIX))
        {
            fs_err::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
            continue;
        }
        if kind != fsio::EntryKind::File || committed.contains(&rel) || !rel.ends_with(".yaml") {
            continue;
        }
        let name = rel
            .rsplit('/')
            .next()
            .unwrap_or(&rel)
            .trim_end_matches(".yaml")
            .to_string();
        paths::validate_component(&name)?;
        let bytes = fs_err::read(&path).map_err(|e| StoreError::io(&path, e))?;
        let target_dir = layout::private_runs(repo.git_dir(), tenant);
        fs_err::create_dir_all(&target_dir).map_err(|e| StoreError::io(&target_dir, e))?;
        fsio::atomic_write(
            &target_dir.join(format!("{name}{INTERRUPTED_SUFFIX}")),
            &bytes,
        )?;
        fs_err::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
        moved.push(format!("{}/{rel}", layout::runs(tenant)));
    }
    fsio::prune_empty_dirs(&dir)?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupted_run_logs_are_set_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        super::super::testutil::commit_files(&repo, &[("runs/t/2026/01/done.yaml", "ok")], "first");
        std::fs::write(
            tmp.path().join("runs/t/2026/01/cut.yaml"),
            "outcome: success",
        )
        .unwrap();
        // A run log whose write was cut short before its rename.
        std::fs::write(tmp.path().join("runs/t/2026/01/.atlas-tmp-7-1"), "outco").unwrap();
        let moved = set_aside_interrupted(&repo, "t").unwrap();
        assert_eq!(moved, ["runs/t/2026/01/cut.yaml"]);
        assert!(!tmp.path().join("runs/t/2026/01/.atlas-tmp-7-1").exists());
        assert!(!tmp.path().join("runs/t/2026/01/cut.yaml").exists());
        assert!(
            tmp.path().join("runs/t/2026/01/done.yaml").exists(),
            "committed logs stay"
        );
        let kept = repo
            .state_dir()
            .unwrap()
            .join("runs/t/cut.interrupted.yaml");
        assert_eq!(std::fs::read_to_string(kept).unwrap(), "outcome: success");
    }

    #[test]
    fn committed_path_uses_utc_year_and_month() {
        // 2026-02-28T23:30:00-05:00 is already March in UTC.
        let started: jiff::Timestamp = "2026-02-28T23:30:00-05:00".parse().unwrap();
        assert_eq!(
            layout::run_log("contoso", "r-1", started),
            "runs/contoso/2026/03/r-1.yaml"
        );
        let january: jiff::Timestamp = "2027-01-05T10:00:00Z".parse().unwrap();
        assert_eq!(
            layout::run_log("fabrikam", "20270105-abc", january),
            "runs/fabrikam/2027/01/20270105-abc.yaml"
        );
    }

    #[test]
    fn committed_path_is_a_safe_store_path() {
        let path = layout::run_log("contoso", "run-7", "2026-11-26T00:00:00Z".parse().unwrap());
        assert!(paths::validate(&path).is_ok());
    }

    #[test]
    fn write_private_lands_in_state_dir_and_stays_out_of_git() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let path = write_private(&repo, "contoso", "run-1", b"result: noop\n").unwrap();
        assert_eq!(path, repo.git_dir().join("atlas/runs/contoso/run-1.yaml"));
        assert_eq!(fs_err::read(&path).unwrap(), b"result: noop\n");
        // Overwrite is atomic and complete.
        write_private(&repo, "contoso", "run-1", b"second\n").unwrap();
        assert_eq!(fs_err::read(&path).unwrap(), b"second\n");
        assert!(!repo.has_staged_changes().unwrap());
    }

    #[test]
    fn write_private_refuses_traversal() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        for (tenant, run) in [("..", "r"), ("contoso", "../../hooks/x"), ("a/b", "r")] {
            let err = write_private(&repo, tenant, run, b"x").unwrap_err();
            assert!(matches!(err, StoreError::UnsafePath { .. }), "{err:?}");
        }
    }

    #[test]
    fn private_logs_are_pruned_oldest_first_and_interrupted_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        for i in 0..5 {
            fs_err::write(dir.join(format!("20260101T00000{i}Z-aaaaaa.yaml")), "x").unwrap();
        }
        fs_err::write(dir.join("20250101T000000Z-bbbbbb.interrupted.yaml"), "x").unwrap();
        prune_private(dir, 3);
        let mut left: Vec<String> = fs_err::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "20250101T000000Z-bbbbbb.interrupted.yaml",
                "20260101T000002Z-aaaaaa.yaml",
                "20260101T000003Z-aaaaaa.yaml",
                "20260101T000004Z-aaaaaa.yaml"
            ]
        );
    }
}
