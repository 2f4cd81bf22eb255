//! Write sessions: one writer at a time between the first staged file and the commit.
//!
//! Several processes may back up different tenants into one repository, and they share one
//! index. Without coordination one writer's staging could overwrite another's, or one writer's
//! commit could carry another's half-staged snapshot. So the first `stage_*` call takes a
//! repository-wide session lock (`.git/atlas/write.lock`, O_EXCL) that `commit` releases; others
//! wait for it. A session starts from HEAD: whatever a crashed session left staged is unstaged
//! first, so it can never be committed as if it were complete. The lock of a dead process on
//! this host is taken over (it guards seconds of local disk work, not a tenant).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Repo, StoreError};

/// How long a writer waits for another session to commit.
const WAIT_LIMIT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(25);
/// How long a git lock file may stand before it counts as left behind.
const GIT_LOCK_GRACE: Duration = Duration::from_secs(2);
/// How long a session lock may stand without its holder's token before it counts as left behind.
const UNWRITTEN_LOCK_GRACE: Duration = Duration::from_secs(2);

/// Proof that this `Repo` holds the write session; removing the lock file on drop.
#[derive(Debug)]
pub(crate) struct SessionLock {
    path: PathBuf,
    token: String,
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        if fs_err::read_to_string(&self.path).is_ok_and(|held| held == self.token)
            && let Err(e) = fs_err::remove_file(&self.path)
        {
            tracing::warn!(error = %e, "could not remove the write-session lock");
        }
    }
}

impl Repo {
    /// Starts a write session unless this `Repo` already holds one.
    pub(crate) fn begin_write(&self) -> Result<(), StoreError> {
        let mut session = self
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if session.is_some() {
            return Ok(());
        }
        let lock = acquire(&self.state_dir()?.join("write.lock"))?;
        self.clear_git_lock_leftovers()?;
        self.unstage_leftovers()?;
        *session = Some(lock);
        Ok(())
    }

    /// Whether this `Repo` holds a write session now.
    pub(crate) fn in_session(&self) -> bool {
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some()
    }

    /// Ends the write session (after a commit, or when it made none).
    pub(crate) fn end_write(&self) {
        let mut session = self
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        session.take();
    }

    /// Removes git lock files (`index.lock`, `<branch>.lock`) that a killed writer left behind. The
    /// write session proves no other tenant-atlas writer is active; a lock that a person's own
    /// `git` holds lives milliseconds, so one still there after a short wait is a leftover.
    fn clear_git_lock_leftovers(&self) -> Result<(), StoreError> {
        let mut candidates = vec![self.git_dir.join("index.lock")];
        {
            let git = self.lock_git();
            if let Ok(head) = git.find_reference("HEAD")
                && let Ok(Some(branch)) = head.symbolic_target()
            {
                candidates.push(self.git_dir.join(format!("{branch}.lock")));
            }
        }
        for lock in candidates {
            let waited = Instant::now();
            while lock.exists() && waited.elapsed() < GIT_LOCK_GRACE {
                std::thread::sleep(POLL);
            }
            if lock.exists() {
                tracing::warn!(path = %lock.display(), "removing a git lock file left by an interrupted run");
                fs_err::remove_file(&lock).map_err(|e| StoreError::io(&lock, e))?;
            }
        }
        Ok(())
    }

    /// Resets the index to HEAD's tree if it differs: staging nobody committed.
    fn unstage_leftovers(&self) -> Result<(), StoreError> {
        let git = self.lock_git();
        let mut index = super::index_as_on_disk(&git)?;
        let staged = index
            .write_tree()
            .map_err(|e| StoreError::git("write the index as a tree", e))?;
        let head = super::head_commit(&git)?;
        let differs = match &head {
            Some(head) => head.tree_id() != staged,
            None => !index.is_empty(),
        };
        if !differs {
            return Ok(());
        }
        tracing::warn!("unstaging changes left by an interrupted run before writing");
        match head {
            Some(head) => {
                let tree = head
                    .tree()
                    .map_err(|e| StoreError::git("read the tree of HEAD", e))?;
                index
                    .read_tree(&tree)
                    .map_err(|e| StoreError::git("reset the index to HEAD", e))?;
            }
            None => index
                .clear()
                .map_err(|e| StoreError::git("clear the index", e))?,
        }
        index
            .write()
            .map_err(|e| StoreError::git("write the index", e))?;
        super::fsio::fsync_file(&self.git_dir.join("index"))
    }
}

/// Takes the session lock file, waiting for a live holder and taking over from a dead one.
fn acquire(path: &Path) -> Result<SessionLock, StoreError> {
    let host = super::lock::current_host();
    let token = format!(
        "{} {} {}",
        std::process::id(),
        host,
        uuid::Uuid::new_v4().simple()
    );
    let started = Instant::now();
    loop {
        super::fault::check("create", path).map_err(|e| StoreError::io(path, e))?;
        match fs_err::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(mut file) => {
                let written = super::fault::check("write", path)
                    .and_then(|()| file.write_all(token.as_bytes()))
                    .and_then(|()| super::fault::check("fsync", path))
                    .and_then(|()| file.sync_all())
                    .map_err(|e| StoreError::io(path, e));
                if let Err(e) = written {
                    drop(file);
                    let _ = fs_err::remove_file(path);
                    return Err(e);
                }
                return Ok(SessionLock {
                    path: path.to_path_buf(),
                    token,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if holder_is_dead(path, &host) {
                    tracing::warn!(path = %path.display(), "taking over the write session of a dead process");
                    match fs_err::remove_file(path) {
                        Ok(()) => continue,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(StoreError::io(path, e)),
                    }
                }
                if started.elapsed() > WAIT_LIMIT {
                    return Err(StoreError::Busy {
                        path: path.to_path_buf(),
                    });
                }
                std::thread::sleep(POLL);
            }
            Err(e) => return Err(StoreError::io(path, e)),
        }
    }
}

/// True when the lock names a process on this host that no longer exists.
fn holder_is_dead(path: &Path, host: &str) -> bool {
    let Ok(content) = fs_err::read_to_string(path) else {
        return false;
    };
    let mut parts = content.split(' ');
    match (
        parts.next().and_then(|p| p.parse::<u32>().ok()),
        parts.next(),
        parts.next().filter(|t| !t.is_empty()),
    ) {
        (Some(pid), Some(holder_host), Some(_)) => {
            holder_host == host && !super::lock::process_alive(pid)
        }
        // No whole token: its writer was killed between creating the file and writing it, or is
        // writing it this instant. A writer takes microseconds for that, so a lock that has
        // stood unwritten for the grace period was left behind.
        _ => fs_err::metadata(path)
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > UNWRITTEN_LOCK_GRACE),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::testutil::*;
    use super::*;

    /// A process killed between creating the lock file and writing its token leaves an empty
    /// lock: once it is older than the grace period, the next writer takes it over instead of
    /// waiting for a holder that does not exist.
    #[test]
    fn an_unwritten_lock_left_by_a_killed_writer_is_taken_over() {
        let tmp = tempfile::tempdir().unwrap();
        let lock = tmp.path().join("write.lock");
        for left in ["", "4242", "4242 somehost"] {
            let f = std::fs::File::create(&lock).unwrap();
            std::io::Write::write_all(&mut &f, left.as_bytes()).unwrap();
            f.set_modified(std::time::SystemTime::now() - Duration::from_secs(30))
                .unwrap();
            drop(f);
            let started = Instant::now();
            let held = acquire(&lock).unwrap();
            assert!(started.elapsed() < Duration::from_secs(5), "{left:?}");
            assert_eq!(std::fs::read_to_string(&lock).unwrap(), held.token);
            drop(held);
            assert!(!lock.exists());
        }
        // A fresh unwritten lock is someone writing their token: not taken over at once.
        std::fs::write(&lock, "").unwrap();
        assert!(!holder_is_dead(&lock, &crate::store::lock::current_host()));
    }

    #[test]
    fn second_writer_waits_until_the_first_commits() {
        let tmp = tempfile::tempdir().unwrap();
        let a = Repo::init(tmp.path()).unwrap();
        let b = Repo::open(tmp.path()).unwrap();
        a.stage_file("tenants/a/x.yaml", b"a\n").unwrap();
        let lock = a.git_dir().join("atlas/write.lock");
        assert!(lock.exists());
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                b.stage_file("tenants/b/y.yaml", b"b\n").unwrap();
                b.commit("b", &identity(), fixed_time()).unwrap()
            });
            std::thread::sleep(Duration::from_millis(200));
            assert!(!writer.is_finished(), "b must wait for a's session");
            let first = a.commit("a", &identity(), fixed_time()).unwrap().unwrap();
            let second = writer.join().unwrap().unwrap();
            let git = a.lock_git();
            let commit = git.find_commit(second).unwrap();
            assert_eq!(commit.parent_id(0).unwrap(), first);
            // Each commit carries only its own tenant.
            let first_tree = git.find_commit(first).unwrap().tree().unwrap();
            assert!(first_tree.get_path(Path::new("tenants/b")).is_err());
        });
        assert!(!lock.exists());
    }

    #[test]
    fn leftovers_of_a_crashed_session_are_not_committed() {
        let tmp = tempfile::tempdir().unwrap();
        let crashed = Repo::init(tmp.path()).unwrap();
        commit_files(&crashed, &[("atlas.yaml", "t\n")], "first");
        let partial: BTreeMap<String, Vec<u8>> = [("half.yaml".to_string(), b"h".to_vec())].into();
        crashed
            .stage_snapshot("tenants/b", &partial, &|_: &str| false)
            .unwrap();
        // Simulate a crash: the process is gone, its lock names a dead pid.
        let lock = crashed.git_dir().join("atlas/write.lock");
        std::mem::forget(crashed);
        fs_err::write(
            &lock,
            format!("{} {} x", u32::MAX - 1, super::super::lock::current_host()),
        )
        .unwrap();

        let repo = Repo::open(tmp.path()).unwrap();
        repo.stage_file("tenants/a/a.yaml", b"a\n").unwrap();
        let oid = repo
            .commit("a", &identity(), fixed_time())
            .unwrap()
            .unwrap();
        let files = repo.list_at(&oid.to_string(), "").unwrap();
        assert_eq!(files, vec!["atlas.yaml", "tenants/a/a.yaml"]);
    }

    #[test]
    fn git_lock_files_of_a_killed_writer_do_not_block_the_next() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        commit_files(&repo, &[("a.txt", "1")], "first");
        // What a writer killed between creating and renaming its lock files leaves behind.
        let git_dir = repo.git_dir().to_path_buf();
        std::fs::write(git_dir.join("index.lock"), b"partial").unwrap();
        std::fs::write(git_dir.join("refs/heads/main.lock"), b"0000").unwrap();
        repo.stage_file("b.txt", b"2").unwrap();
        assert!(
            repo.commit("second", &identity(), fixed_time())
                .unwrap()
                .is_some()
        );
        assert!(
            !git_dir.join("index.lock").exists() && !git_dir.join("refs/heads/main.lock").exists()
        );
    }

    #[test]
    fn concurrent_writers_of_different_tenants_lose_no_commit() {
        let tmp = tempfile::tempdir().unwrap();
        Repo::init(tmp.path()).unwrap();
        let writers = 4;
        let rounds = 5;
        std::thread::scope(|scope| {
            for w in 0..writers {
                let dir = tmp.path();
                scope.spawn(move || {
                    // Each writer is its own `Repo`, as separate processes would be.
                    let repo = Repo::open(dir).unwrap();
                    for round in 0..rounds {
                        let files: BTreeMap<String, Vec<u8>> = [(
                            format!("p--{round:08}.yaml"),
                            format!("{w}/{round}\n").into_bytes(),
                        )]
                        .into();
                        let prefix = format!("tenants/t{w}");
                        repo.stage_snapshot(&prefix, &files, &|_: &str| false)
                            .unwrap();
                        let message = format!("backup(t{w}): round {round}");
                        repo.commit(&message, &identity(), fixed_time())
                            .unwrap()
                            .unwrap();
                    }
                });
            }
        });
        let repo = Repo::open(tmp.path()).unwrap();
        let git = repo.lock_git();
        let mut walk = git.revwalk().unwrap();
        walk.push_head().unwrap();
        assert_eq!(walk.count(), writers * rounds);
        drop(git);
        let last = format!("p--{:08}.yaml", rounds - 1);
        for w in 0..writers {
            let listed = repo.list_at("HEAD", &format!("tenants/t{w}")).unwrap();
            assert_eq!(listed, vec![last.clone()], "writer {w}");
        }
        assert!(!repo.has_staged_changes().unwrap());
    }

    #[test]
    fn commit_without_changes_ends_the_session() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        commit_files(&repo, &[("a", "1")], "first");
        repo.stage_file("a", b"1").unwrap();
        assert_eq!(
            repo.commit("noop", &identity(), fixed_time()).unwrap(),
            None
        );
        assert!(!repo.git_dir().join("atlas/write.lock").exists());
    }
}
