//! Per-tenant locks, so two runs never write the same tenant at once.
//!
//! A lock is a file `.git/atlas/locks/<tenant>.lock` created with O_EXCL and holding who took it.
//! A second run is told who holds it. A lock whose holder provably is gone (same host and PID
//! namespace, process no longer running — a run that was killed) is removed when the next run takes
//! the lock, with one notice naming it; a lock held from another host or container, whose process
//! cannot be checked, is broken only by an operator giving the holder's run id as a nonce.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Repo, StoreError, paths};

/// Who holds a tenant lock; stored as JSON `{runId, pid, host, started, command, pidNs}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockHolder {
    pub run_id: String,
    pub pid: u32,
    pub host: String,
    pub started: jiff::Timestamp,
    pub command: String,
    /// The holder's PID namespace (`pid:[4026531836]`): two containers may share a host name
    /// while neither sees the other's processes, so a pid is only judged in its own namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_ns: Option<String>,
}

impl LockHolder {
    /// A holder for this process.
    pub fn current(run_id: &str, started: jiff::Timestamp, command: &str) -> LockHolder {
        LockHolder {
            run_id: run_id.to_string(),
            pid: std::process::id(),
            host: current_host(),
            started,
            command: command.to_string(),
            pid_ns: current_pid_ns(),
        }
    }
}

/// This process's PID namespace, where the system tells it.
pub fn current_pid_ns() -> Option<String> {
    std::fs::read_link("/proc/self/ns/pid")
        .ok()
        .map(|p| p.display().to_string())
}

/// Why a lock could not be taken or broken.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum LockError {
    /// Another run holds the tenant. `stale` is true when the holder ran on this host and its
    /// process is gone.
    #[error(
        "tenant {tenant:?} is locked by run {} (pid {} on {}, since {}, `{}`){}",
        .holder.run_id, .holder.pid, .holder.host, .holder.started, .holder.command, stale_hint(.stale)
    )]
    Held {
        tenant: String,
        holder: Box<LockHolder>,
        stale: bool,
    },
    /// `break_stale` was given a run id that is not the holder's.
    #[error("refusing to break the lock of tenant {tenant:?}: it is held by run {}, not {expected}", .holder.run_id)]
    NonceMismatch {
        tenant: String,
        holder: Box<LockHolder>,
        expected: String,
    },
    /// `break_stale` found no lock.
    #[error("tenant {tenant:?} is not locked")]
    NotHeld { tenant: String },
    /// The lock file exists but does not hold a readable holder.
    #[error("the lock file {} is unreadable ({message}); remove it by hand if no run is active", path.display())]
    Unreadable { path: PathBuf, message: String },
    /// The tenant name cannot be a file name.
    #[error("invalid tenant name for a lock")]
    InvalidTenant(#[source] StoreError),
    /// Reading or writing the lock file failed.
    #[error(transparent)]
    Io(#[from] StoreError),
}

fn stale_hint(stale: &bool) -> &'static str {
    if *stale {
        "; that process is no longer running, so the lock is stale: break it with the run id"
    } else {
        ""
    }
}

/// An exclusive lock per (repository, tenant). Dropping the guard removes the lock file if it
/// is still ours.
#[derive(Debug)]
pub struct TenantLock {
    path: PathBuf,
    tenant: String,
    run_id: String,
    released: bool,
    /// The holder of a stale lock this one replaced.
    replaced: Option<LockHolder>,
}

impl TenantLock {
    /// Takes the lock of `tenant`, or reports who holds it.
    pub fn acquire(repo: &Repo, tenant: &str, me: LockHolder) -> Result<TenantLock, LockError> {
        let path = lock_path(repo, tenant)?;
        let json = serde_json::to_vec_pretty(&me).map_err(|e| {
            LockError::Io(StoreError::io(&path, std::io::Error::other(e.to_string())))
        })?;
        let mut replaced = None;
        // A few tries: a holder may release between our failed create and our read, a stale lock is
        // removed once before trying again, and another run may be removing it at the same time.
        for _ in 0..8 {
            super::fault::check("create", &path).map_err(|e| StoreError::io(&path, e))?;
            match fs_err::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    let written = super::fault::check("write", &path)
                        .and_then(|()| file.write_all(&json))
                        .and_then(|()| super::fault::check("fsync", &path))
                        .and_then(|()| file.sync_all())
                        .map_err(|e| StoreError::io(&path, e));
                    drop(file);
                    if let Err(e) = written {
                        let _ = fs_err::remove_file(&path);
                        return Err(e.into());
                    }
                    if let Some(dir) = path.parent() {
                        super::fsio::fsync_dir(dir)?;
                    }
                    tracing::debug!(tenant, run_id = me.run_id, "lock acquired");
                    return Ok(TenantLock {
                        path,
                        tenant: tenant.to_string(),
                        run_id: me.run_id,
                        released: false,
                        replaced,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if let Some(holder) = read_holder(&path)? {
                        let stale = is_stale(&holder);
                        if !stale || replaced.is_some() {
                            return Err(LockError::Held {
                                tenant: tenant.to_string(),
                                holder: Box::new(holder),
                                stale,
                            });
                        }
                        if remove_stale(&path, &holder)? {
                            tracing::warn!(
                                "tenant {tenant}: removed the lock of run {} (pid {} on {}, since {}), whose process is no longer running",
                                holder.run_id,
                                holder.pid,
                                holder.host,
                                holder.started
                            );
                            replaced = Some(holder);
                        }
                    }
                }
                Err(e) => return Err(StoreError::io(&path, e).into()),
            }
        }
        Err(LockError::Unreadable {
            path,
            message: "the lock appeared and vanished repeatedly".into(),
        })
    }

    /// Removes the lock of `tenant` if its holder's run id is `expected_run_id` (the nonce
    /// shown in `LockError::Held`). A holder still running on this host is never broken.
    /// Returns the holder that was removed.
    pub fn break_stale(
        repo: &Repo,
        tenant: &str,
        expected_run_id: &str,
    ) -> Result<LockHolder, LockError> {
        let path = lock_path(repo, tenant)?;
        let Some(holder) = read_holder(&path)? else {
            return Err(LockError::NotHeld {
                tenant: tenant.to_string(),
            });
        };
        if holder.run_id != expected_run_id {
            return Err(LockError::NonceMismatch {
                tenant: tenant.to_string(),
                holder: Box::new(holder),
                expected: expected_run_id.to_string(),
            });
        }
        if holder.host == current_host() && process_alive(holder.pid) {
            return Err(LockError::Held {
                tenant: tenant.to_string(),
                holder: Box::new(holder),
                stale: false,
            });
        }
        // Under the same guard as an automatic removal, so the two never remove a new lock.
        if !remove_stale(&path, &holder)? {
            return Err(LockError::NotHeld {
                tenant: tenant.to_string(),
            });
        }
        tracing::warn!(
            "tenant {tenant}: broke the lock of run {} (pid {} on {}, since {})",
            holder.run_id,
            holder.pid,
            holder.host,
            holder.started
        );
        Ok(holder)
    }

    /// The holder of the stale lock this one replaced, if it replaced one.
    pub fn replaced(&self) -> Option<&LockHolder> {
        self.replaced.as_ref()
    }

    /// Releases the lock now, reporting a failure to remove it.
    pub fn release(mut self) -> Result<(), LockError> {
        self.released = true;
        self.remove_if_ours()
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tenant this lock is for.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    fn remove_if_ours(&self) -> Result<(), LockError> {
        match read_holder(&self.path)? {
            Some(holder) if holder.run_id == self.run_id => {
                fs_err::remove_file(&self.path).map_err(|e| StoreError::io(&self.path, e))?;
                Ok(())
            }
            // Broken by an operator and possibly re-taken by another run: not ours to remove.
            _ => Ok(()),
        }
    }
}

impl Drop for TenantLock {
    fn drop(&mut self) {
        if !self.released
            && let Err(e) = self.remove_if_ours()
        {
            tracing::warn!(tenant = self.tenant, error = %e, "could not remove the tenant lock");
        }
    }
}

/// The host name used in lock holders and for staleness checks.
pub fn current_host() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| {
            std::fs::read_to_string(path)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

/// The folder of the lock files below `.git/atlas/`.
pub(super) const AREA: &str = "locks";

fn lock_path(repo: &Repo, tenant: &str) -> Result<PathBuf, LockError> {
    paths::validate_component(tenant).map_err(LockError::InvalidTenant)?;
    let dir = repo.state_dir()?.join(AREA);
    fs_err::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
    Ok(dir.join(format!("{tenant}.lock")))
}

/// The holder in a lock file, None when there is no lock file. A lock being written right now
/// may be empty for a moment, so an unparsable file is re-read a few times before giving up.
pub(super) fn read_holder(path: &Path) -> Result<Option<LockHolder>, LockError> {
    let mut last_problem = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(20));
        }
        let bytes = match fs_err::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io(path, e).into()),
        };
        match serde_json::from_slice::<LockHolder>(&bytes) {
            Ok(holder) => return Ok(Some(holder)),
            Err(e) => last_problem = e.to_string(),
        }
    }
    Err(LockError::Unreadable {
        path: path.to_path_buf(),
        message: last_problem,
    })
}

/// Removes the lock file at `path` if it still names `stale`; false when it does not (another run
/// replaced it, or is removing it right now).
///
/// Removal happens under a guard file taken with `O_EXCL` (`<tenant>.lock.breaking`), so two runs
/// that both saw the stale lock never both remove something: the lock path itself is never
/// emptied for anyone else's lock. Under the guard the file can only change by its holder
/// releasing it, and a stale holder is gone. A guard left by a run killed mid-removal is ignored
/// after [`GUARD_ABANDONED`].
pub(super) fn remove_stale(path: &Path, stale: &LockHolder) -> Result<bool, LockError> {
    let guard = path.with_extension("lock.breaking");
    let taken = fs_err::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&guard);
    match taken {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let abandoned = std::fs::metadata(&guard)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > GUARD_ABANDONED);
            if abandoned {
                let _ = fs_err::remove_file(&guard);
            }
            // Another run is removing it: look again shortly.
            std::thread::sleep(Duration::from_millis(20));
            return Ok(false);
        }
        Err(e) => return Err(StoreError::io(&guard, e).into()),
    }
    let removed = match read_holder(path) {
        Ok(Some(now)) if now.run_id == stale.run_id => fs_err::remove_file(path)
            .map(|()| true)
            .map_err(|e| StoreError::io(path, e).into()),
        Ok(_) => Ok(false),
        Err(e) => Err(e),
    };
    let _ = fs_err::remove_file(&guard);
    removed
}

/// How old a removal guard is before it counts as left by a killed run.
const GUARD_ABANDONED: Duration = Duration::from_secs(60);

/// Stale: the holder ran on this host, in this PID namespace, and its process no longer exists.
/// A holder whose namespace is unknown (an older lock, a system without `/proc`) is never stale:
/// another container of the same host name could still be running it.
pub(super) fn is_stale(holder: &LockHolder) -> bool {
    holder.host == current_host()
        && holder.pid_ns.is_some()
        && holder.pid_ns == current_pid_ns()
        && !process_alive(holder.pid)
}

/// Whether a process exists on this host. Where that cannot be told (no `/proc`), it is
/// assumed alive, so a lock is never called stale by mistake.
pub(crate) fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_root = Path::new("/proc");
    if !proc_root.join("self").exists() {
        return true;
    }
    pid != 0 && proc_root.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests;
