//! Housekeeping of the private state below `.git/atlas/` (docs/ARCHITECTURE.md, "Housekeeping").
//!
//! Every run leaves something there that nothing else ever removes: logs of runs that changed
//! nothing, logs of interrupted runs, finished apply journals and the plans kept beside them,
//! trigger files no loop will take, and locks of processes that died. A repository that runs for
//! months keeps all of it, so this module decides, per kind of file, what may go and why, removes
//! it (or only says so, in a dry run), lets `git gc --auto` pack what git wants packed, and reports
//! what it did and the size of the git directory before and after.
//!
//! It never touches the work tree, a ref or a commit: only files below `.git/atlas/`, and git's
//! own `gc --auto`. Each kind of file is judged by the module that writes it — this one for run
//! logs and locks, `apply::journal` for journals, `records::trigger` for trigger files — into a
//! [`Sweep`]; `reconcile::housekeeping`, above them all, gathers the sweeps and [`carry_out`]
//! removes what they name. A file's age is the time since it was last written (its modification
//! time), measured against the tool's clock (`clock::now`).

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Repo, StoreError, layout, lock, push, runlog, state};
use crate::config::HousekeepingConfig;

/// The folder below `.git/atlas/` that keeps the report of the last housekeeping run.
pub const AREA: &str = "housekeeping";
/// The file, in [`AREA`], of the report of the last housekeeping that removed (not a dry run).
pub const LAST: &str = "last.json";

/// An age limit: the duration and how the configuration wrote it (for reasons people read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Age {
    pub limit: Duration,
    pub shown: String,
}

impl Age {
    /// The age `text` (a duration as the configuration writes it), checked when it loaded.
    fn of(text: &str) -> Age {
        Age {
            limit: crate::config::unattended::duration(text).unwrap_or(Duration::MAX),
            shown: text.trim().to_string(),
        }
    }

    /// Whether the file of `meta` was last written longer than this before `now`. A file whose time
    /// cannot be read, or lies after `now`, is not old.
    pub fn exceeded_by(&self, meta: &std::fs::Metadata, now: Timestamp) -> bool {
        let Some(written) = meta
            .modified()
            .ok()
            .and_then(|t| Timestamp::try_from(t).ok())
        else {
            return false;
        };
        let Ok(limit) = jiff::SignedDuration::try_from(self.limit) else {
            return false;
        };
        now.duration_since(written) > limit
    }
}

/// What housekeeping removes: `housekeeping:` of `atlas.yaml`, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Private run logs kept per tenant, the newest.
    pub keep_runs: usize,
    /// Private run logs older than this go too.
    pub runs_max_age: Option<Age>,
    pub interrupted_max_age: Age,
    pub journals_max_age: Age,
    pub triggers_max_age: Age,
}

impl Policy {
    pub fn of(c: &HousekeepingConfig) -> Policy {
        Policy {
            keep_runs: c.keep_runs.max(1),
            runs_max_age: c.runs_max_age.as_deref().map(Age::of),
            interrupted_max_age: Age::of(&c.interrupted_max_age),
            journals_max_age: Age::of(&c.journals_max_age),
            triggers_max_age: Age::of(&c.triggers_max_age),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::of(&HousekeepingConfig::default())
    }
}

/// The kinds of private file housekeeping looks at, in the order it reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Logs of finished runs kept out of history (`.git/atlas/runs/<tenant>/<run-id>.yaml`).
    RunLogs,
    /// Logs of runs interrupted before their commit (`…/<run-id>.interrupted.yaml`).
    InterruptedRunLogs,
    /// Apply journals and the plans kept beside them (`.git/atlas/journal/<tenant>/`).
    Journals,
    /// Requests for a reconcile round (`.git/atlas/triggers/<tenant>`).
    Triggers,
    /// Tenant locks (`.git/atlas/locks/<tenant>.lock`).
    Locks,
    /// Runs started from `serve` and their kept plans (`.git/atlas/queue/<tenant>/`).
    Queue,
}

impl Category {
    /// How reports name the category.
    pub fn title(self) -> &'static str {
        match self {
            Category::RunLogs => "run logs",
            Category::InterruptedRunLogs => "interrupted run logs",
            Category::Journals => "journals and kept plans",
            Category::Triggers => "trigger files",
            Category::Locks => "locks",
            Category::Queue => "queued runs",
        }
    }
}

/// One file: its path relative to the repository root, its size and why it goes (or stays).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub path: String,
    pub bytes: u64,
    pub reason: String,
}

impl Item {
    /// The file names of items, in order (what tests compare).
    pub fn names(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| i.path.rsplit('/').next().unwrap_or_default().to_string())
            .collect()
    }
}

/// A file that should have gone and could not be removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub path: String,
    pub error: String,
}

/// How a file named by a sweep is removed.
#[derive(Debug, Clone)]
enum Removal {
    File,
    /// A lock file, removed only while it still names this holder, under the lock module's guard.
    Lock(Box<lock::LockHolder>),
}

/// What one category found, before anything is removed: the files to remove with why, the files
/// kept for a reason worth telling, and how many others were left as they are.
#[derive(Debug)]
pub struct Sweep {
    category: Category,
    remove: Vec<(Item, std::path::PathBuf, Removal)>,
    kept: Vec<Item>,
    left: usize,
}

impl Sweep {
    pub fn new(category: Category) -> Sweep {
        Sweep {
            category,
            remove: vec![],
            kept: vec![],
            left: 0,
        }
    }

    /// Names the file at `path` for removal, with why.
    pub fn remove(&mut self, repo: &Repo, path: &Path, reason: impl Into<String>) {
        let item = item(repo, path, reason.into());
        self.remove.push((item, path.to_path_buf(), Removal::File));
    }

    /// Keeps the file at `path`, saying why.
    pub fn keep(&mut self, repo: &Repo, path: &Path, reason: impl Into<String>) {
        self.kept.push(item(repo, path, reason.into()));
    }

    /// Counts a file left as it is, with nothing to say about it (young, within the limits).
    pub fn leave(&mut self) {
        self.left += 1;
    }
}

fn item(repo: &Repo, path: &Path, reason: String) -> Item {
    Item {
        path: runlog::shown(repo, path),
        bytes: std::fs::symlink_metadata(path).map_or(0, |m| m.len()),
        reason,
    }
}

/// What housekeeping did (or, in a dry run, would do) in one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub category: Category,
    /// Removed, or in a dry run the files that would be.
    pub removed: Vec<Item>,
    /// The bytes the removals freed (would free).
    pub freed: u64,
    /// Files kept for a reason worth telling (a journal unfinished, a lock whose holder runs).
    pub kept: Vec<Item>,
    /// Other files left as they are.
    pub left: usize,
    /// Removals that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Failure>,
}

/// `git gc --auto`: run, not run because this was a dry run, or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "result")]
pub enum Gc {
    Ran,
    DryRun,
    Failed { message: String },
}

/// What a housekeeping run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub dry_run: bool,
    pub started: Timestamp,
    pub finished: Timestamp,
    pub sections: Vec<Section>,
    pub gc: Gc,
    /// Bytes of the git directory before and after (`.git`, private state included).
    pub size_before: u64,
    pub size_after: u64,
}

impl Report {
    /// Files removed (would be removed) in every category.
    pub fn removed(&self) -> usize {
        self.sections.iter().map(|s| s.removed.len()).sum()
    }

    /// Bytes freed (would be freed) by the removals.
    pub fn freed(&self) -> u64 {
        self.sections.iter().map(|s| s.freed).sum()
    }

    /// Whether a removal or `git gc` failed.
    pub fn failed(&self) -> bool {
        matches!(self.gc, Gc::Failed { .. }) || self.sections.iter().any(|s| !s.failed.is_empty())
    }
}

/// The sweeps of the files this module judges: private run logs, logs of interrupted runs and
/// tenant locks.
pub fn sweep_store(repo: &Repo, policy: &Policy, now: Timestamp) -> Result<Vec<Sweep>, StoreError> {
    let (logs, interrupted) = run_logs(repo, policy, now)?;
    Ok(vec![logs, interrupted, locks(repo)?])
}

/// The tenants' folders below `.git/atlas/<area>/` (each a tenant's), sorted.
pub fn tenant_folders(
    repo: &Repo,
    area: &str,
) -> Result<Vec<(String, std::path::PathBuf)>, StoreError> {
    let dir = layout::private_area(repo.git_dir(), area);
    let entries = match fs_err::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(StoreError::io(&dir, e)),
    };
    let mut found: Vec<(String, std::path::PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    found.sort();
    Ok(found)
}

/// Private run logs beyond the newest `keepRuns` of their tenant or older than `runsMaxAge`, and
/// logs of interrupted runs older than `interruptedMaxAge`.
fn run_logs(repo: &Repo, policy: &Policy, now: Timestamp) -> Result<(Sweep, Sweep), StoreError> {
    let mut logs = Sweep::new(Category::RunLogs);
    let mut interrupted = Sweep::new(Category::InterruptedRunLogs);
    for (_, dir) in tenant_folders(repo, layout::RUNS)? {
        let names = runlog::private_logs(&dir);
        let beyond = names.len().saturating_sub(policy.keep_runs);
        for (i, name) in names.iter().enumerate() {
            let path = dir.join(name);
            if i < beyond {
                logs.remove(
                    repo,
                    &path,
                    format!("beyond the newest {}", policy.keep_runs),
                );
                continue;
            }
            match (&policy.runs_max_age, std::fs::symlink_metadata(&path)) {
                (Some(age), Ok(meta)) if age.exceeded_by(&meta, now) => {
                    logs.remove(repo, &path, format!("older than {}", age.shown));
                }
                _ => logs.leave(),
            }
        }
        let mut set_aside: Vec<String> = std::fs::read_dir(&dir)
            .map_err(|e| StoreError::io(&dir, e))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(runlog::INTERRUPTED_SUFFIX) && !n.starts_with('.'))
            .collect();
        set_aside.sort();
        for name in set_aside {
            let path = dir.join(name);
            let age = &policy.interrupted_max_age;
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_file() && age.exceeded_by(&meta, now) => {
                    interrupted.remove(repo, &path, format!("older than {}", age.shown));
                }
                _ => interrupted.leave(),
            }
        }
    }
    Ok((logs, interrupted))
}

/// Tenant locks whose holder provably is gone (the rule of [`lock`]: this host, this PID
/// namespace, the process no longer running) go; every other lock stays, with why.
fn locks(repo: &Repo) -> Result<Sweep, StoreError> {
    let mut sweep = Sweep::new(Category::Locks);
    let dir = layout::private_area(repo.git_dir(), lock::AREA);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(sweep);
    };
    let mut paths: Vec<std::path::PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "lock") && p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let holder = match lock::read_holder(&path) {
            Ok(Some(holder)) => holder,
            Ok(None) => continue, // released meanwhile
            Err(e) => {
                sweep.keep(repo, &path, format!("{e}"));
                continue;
            }
        };
        let who = format!(
            "run {}, pid {} on {}",
            holder.run_id, holder.pid, holder.host
        );
        if lock::is_stale(&holder) {
            let item = item(
                repo,
                &path,
                format!("held by {who}, whose process is no longer running"),
            );
            sweep
                .remove
                .push((item, path.clone(), Removal::Lock(Box::new(holder))));
        } else {
            sweep.keep(repo, &path, kept_lock_reason(&holder, &who));
        }
    }
    Ok(sweep)
}

/// Why a lock that is not provably stale stays.
fn kept_lock_reason(holder: &lock::LockHolder, who: &str) -> String {
    if holder.host != lock::current_host() {
        format!(
            "held by {who}: another host, whose process cannot be checked from here; `--break-lock {}` once it is gone",
            holder.run_id
        )
    } else if holder.pid_ns.is_none() || holder.pid_ns != lock::current_pid_ns() {
        format!(
            "held by {who}, in another or an unknown PID namespace, whose process cannot be checked from here; `--break-lock {}` once it is gone",
            holder.run_id
        )
    } else {
        format!("held by {who}, running")
    }
}

/// Removes what the sweeps name (nothing in a dry run), runs `git gc --auto` (not in a dry run)
/// and reports it all, with the size of the git directory before and after. A removal that fails
/// is reported in its section and the run goes on.
pub fn carry_out(repo: &Repo, mut sweeps: Vec<Sweep>, dry_run: bool) -> Report {
    let started = crate::clock::now();
    let size_before = size_of(repo.git_dir());
    sweeps.sort_by_key(|s| s.category);
    let sections = sweeps
        .into_iter()
        .map(|sweep| carry_out_sweep(sweep, dry_run))
        .collect();
    let gc = if dry_run { Gc::DryRun } else { gc_auto(repo) };
    Report {
        dry_run,
        started,
        finished: crate::clock::now(),
        sections,
        gc,
        size_before,
        size_after: size_of(repo.git_dir()),
    }
}

fn carry_out_sweep(sweep: Sweep, dry_run: bool) -> Section {
    let mut section = Section {
        category: sweep.category,
        removed: vec![],
        freed: 0,
        kept: sweep.kept,
        left: sweep.left,
        failed: vec![],
    };
    for (item, path, how) in sweep.remove {
        let done = if dry_run {
            Ok(true)
        } else {
            remove(&path, &how)
        };
        match done {
            Ok(true) => {
                section.freed += item.bytes;
                section.removed.push(item);
            }
            // Gone meanwhile (taken, released, or a lock someone else replaced): not ours.
            Ok(false) => {}
            Err(error) => section.failed.push(Failure {
                path: item.path,
                error,
            }),
        }
    }
    section
}

/// Removes one file; false when it was no longer there (or, for a lock, no longer the stale one).
fn remove(path: &Path, how: &Removal) -> Result<bool, String> {
    if let Err(e) = super::fault::check("remove", path) {
        return Err(StoreError::io(path, e).to_string());
    }
    match how {
        Removal::File => match fs_err::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::io(path, e).to_string()),
        },
        Removal::Lock(holder) => lock::remove_stale(path, holder).map_err(|e| e.to_string()),
    }
}

/// `git gc --auto` through the git CLI, in the foreground (git would otherwise detach it and the
/// size after would be measured before it finished).
fn gc_auto(repo: &Repo) -> Gc {
    let cli = push::GitCli {
        root: repo.root(),
        git_dir: repo.git_dir(),
        env: &[],
        identity: None,
    };
    match cli
        .command(&["-c", "gc.autoDetach=false", "gc", "--auto", "--quiet"])
        .output()
    {
        Ok(out) if out.status.success() => Gc::Ran,
        Ok(out) => Gc::Failed {
            message: format!("git gc --auto failed: {}", push::describe(&out)),
        },
        Err(e) => Gc::Failed {
            message: format!("could not run git ({e}); is git installed and on PATH?"),
        },
    }
}

/// The bytes of the files below `dir`, symbolic links not followed.
fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => size_of(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// Keeps the report of a housekeeping run that removed, for the loop and for people to read
/// (`.git/atlas/housekeeping/last.json`).
pub fn record(repo: &Repo, report: &Report) -> Result<(), StoreError> {
    let mut bytes = serde_json::to_vec_pretty(report).unwrap_or_default();
    bytes.push(b'\n');
    state::write(repo, AREA, LAST, &bytes)
}

/// The report of the last housekeeping that removed; `None` when there is none (or it does not
/// read).
pub fn last(repo: &Repo) -> Result<Option<Report>, StoreError> {
    Ok(state::read(repo, AREA, LAST)?.and_then(|b| serde_json::from_slice(&b).ok()))
}

#[cfg(test)]
mod tests;
