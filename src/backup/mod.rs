//! The backup run: export live → normalize → write → commit, one tenant at a time into git.
//!
//! Graph reads for several tenants run concurrently; git work (stage, commit) is serialized, one commit
//! per tenant. A tenant is locked for the whole run so two backups of it never interleave. Every run
//! writes a run log: committed beside the configuration when the run changed something, kept under
//! `.git/atlas/runs/` when it did not, so history stays quiet.

pub mod fetch;
pub mod runlog;
pub mod snapshot;

use crate::catalog::CatalogEntry;
use crate::graph::{Cloud, GraphClient};
use crate::store::lock::{LockError, LockHolder, TenantLock};
use crate::store::{self, Identity, Repo, StoreError, layout};
use fetch::Failure;
use globset::GlobSet;
use jiff::Timestamp;
use runlog::{BackupRunLog, Outcome, TypeCounts};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// One tenant to back up.
pub struct TenantTarget {
    /// Folder name below `tenants/`.
    pub name: String,
    pub tenant_id: String,
    pub cloud: Cloud,
    pub client: GraphClient,
    /// The types to back up for this tenant.
    pub entries: Vec<&'static CatalogEntry>,
}

impl TenantTarget {
    /// The same tenant and client with other types (the client, and so its token and request
    /// budget, is shared).
    pub fn with_entries(&self, entries: Vec<&'static CatalogEntry>) -> TenantTarget {
        TenantTarget {
            name: self.name.clone(),
            tenant_id: self.tenant_id.clone(),
            cloud: self.cloud,
            client: self.client.clone(),
            entries,
        }
    }

    /// The target a configured tenant describes: its Graph client (credentials from the environment
    /// or certificate files) and its types (`types`, else the tenant's own selection). The error
    /// names the tenant and what is unusable.
    pub fn from_config(
        t: &crate::config::TenantConfig,
        config_path: &std::path::Path,
        types: Option<&[&'static CatalogEntry]>,
    ) -> Result<TenantTarget, String> {
        let client = crate::graph::client_config(t, config_path)
            .map_err(|e| e.to_string())
            .and_then(|c| GraphClient::new(c).map_err(|e| format!("tenant {}: {e}", t.name)))?;
        let mut target = TenantTarget::with_client(t, client);
        if let Some(list) = types {
            target.entries = list.to_vec();
        }
        Ok(target)
    }

    /// The target of a configured tenant through an existing client (one kept across runs), with
    /// the tenant's own type selection.
    pub fn with_client(t: &crate::config::TenantConfig, client: GraphClient) -> TenantTarget {
        TenantTarget {
            name: t.name.clone(),
            tenant_id: t.tenant_id.clone(),
            cloud: t.cloud,
            client,
            entries: crate::catalog::all()
                .iter()
                .filter(|e| t.types.selects(e.key))
                .collect(),
        }
    }
}

/// What a backup run does, for every tenant.
pub struct BackupSettings {
    pub only: Option<GlobSet>,
    pub message: Option<String>,
    pub author: Identity,
    /// (remote, branch) to push to after committing.
    pub push: Option<(String, String)>,
    /// The command line, recorded in the lock file.
    pub command: String,
    /// Run id of a stale lock to remove before locking (`--break-lock`); a live holder is never broken.
    pub break_lock: Option<String>,
    /// Set when the run reads only part of a tenant (`--type`, `--only`): references of the parts it
    /// did not read are kept from the last commit.
    pub restricted: bool,
    /// Regenerate the tenant's markdown documentation (`docs/<tenant>/`) in the same commit.
    pub docs: bool,
    /// Secret values known to this process (a restore's), redacted wherever Graph returns them.
    pub scrub: Vec<crate::graph::SecretString>,
    /// The run id to use instead of a new one (the backup that follows an apply, when
    /// `ATLAS_RUN_ID` would give it the apply's own id and its run log the apply's path).
    pub run_id: Option<String>,
}

/// Progress events for the CLI's progress bar.
pub trait Progress: Send + Sync {
    fn tenant_started(&self, _tenant: &str) {}
    fn tenant_fetched(&self, _tenant: &str, _objects: usize) {}
    fn tenant_done(&self, _tenant: &str) {}
}

/// No progress shown (unattended and follow-up backups).
pub struct NoProgress;
impl Progress for NoProgress {}

/// Repository files `init` writes; a backup commit adopts them while git does not track them yet.
pub const REPO_FILES: &[&str] = &[
    layout::CONFIG,
    "README.md",
    "schemas/policy.schema.json",
    "schemas/atlas.schema.json",
];

/// How many tenants are read from Graph at the same time.
pub const TENANT_CONCURRENCY: usize = 4;

/// Result of one tenant's backup.
#[derive(Debug)]
pub struct TenantOutcome {
    pub tenant: String,
    pub run_id: String,
    pub outcome: Outcome,
    pub commit: Option<String>,
    pub counts: BTreeMap<String, TypeCounts>,
    /// What the commit changed, object by object.
    pub objects: Vec<runlog::ObjectLine>,
    pub failures: Vec<Failure>,
    /// Where the run log went, relative to the repository root.
    pub run_log: Option<String>,
    /// Set when the tenant could not be backed up at all.
    pub error: Option<String>,
    /// Set when the lock was held by another run.
    pub locked: Option<String>,
    /// Set when the tenant could not be signed in to (then `error` is its text).
    pub sign_in: Option<crate::graph::GraphError>,
    /// Stopped before anything was written: nothing committed, the lock released.
    pub interrupted: bool,
    pub pushed: bool,
    /// `--only` matched none of the listed objects: nothing was written (a usage error).
    pub nothing_matched: bool,
}

/// Backs up tenants into the repository at `root`.
pub async fn run(
    root: PathBuf,
    tenants: Vec<TenantTarget>,
    settings: Arc<BackupSettings>,
    progress: Arc<dyn Progress>,
) -> Vec<TenantOutcome> {
    run_until(root, tenants, settings, progress, CancellationToken::new()).await
}

/// [`run`], stopped by `stop`: a tenant still reading Graph, or not started, stops there — nothing
/// of it is written and its lock is released; a tenant already writing finishes its commit.
pub async fn run_until(
    root: PathBuf,
    tenants: Vec<TenantTarget>,
    settings: Arc<BackupSettings>,
    progress: Arc<dyn Progress>,
    stop: CancellationToken,
) -> Vec<TenantOutcome> {
    // Each tenant is its own task, a few at a time (each has its own Graph budget); normalization and
    // git work run on blocking threads, git work one tenant at a time; results keep the input order.
    let git = Arc::new(std::sync::Mutex::new(()));
    let slots = Arc::new(tokio::sync::Semaphore::new(TENANT_CONCURRENCY));
    let tasks: Vec<_> = tenants
        .into_iter()
        .map(|t| {
            let (root, settings, progress, git, slots, stop) = (
                root.clone(),
                settings.clone(),
                progress.clone(),
                git.clone(),
                slots.clone(),
                stop.clone(),
            );
            let name = t.name.clone();
            let task = tokio::spawn(async move {
                let _slot = slots.acquire_owned().await;
                if stop.is_cancelled() {
                    return TenantOutcome::interrupted(&t.name, String::new());
                }
                backup_tenant(root, t, settings, progress, git, stop, None).await
            });
            (name, task)
        })
        .collect();
    let mut outcomes = vec![];
    for (name, task) in tasks {
        outcomes.push(task.await.unwrap_or_else(|e| {
            TenantOutcome::failed(
                &name,
                String::new(),
                Some(format!("the backup task failed: {e}")),
                None,
            )
        }));
    }
    outcomes
}

/// Commits a tenant read earlier ([`read`]) as a backup run: the lock is taken now, nothing is read
/// again. Apply's read-back and the backup after it share one read this way. The read was made of
/// the whole tenant without `--only`, so `settings.only` and `settings.restricted` must be unset.
pub async fn commit_read(
    root: PathBuf,
    t: TenantTarget,
    settings: Arc<BackupSettings>,
    read: TenantRead,
) -> TenantOutcome {
    debug_assert!(settings.only.is_none() && !settings.restricted);
    let git = Arc::new(std::sync::Mutex::new(()));
    let progress: Arc<dyn Progress> = Arc::new(NoProgress);
    backup_tenant(
        root,
        t,
        settings,
        progress,
        git,
        CancellationToken::new(),
        Some(read),
    )
    .await
}

/// What a backup run writes: the tenant it fetched (objects, requests), or a [`TenantRead`].
enum Got {
    Fetched(Box<(fetch::Fetched, usize, crate::graph::ClientStats)>),
    Read(Box<TenantRead>),
}

/// One tenant's backup: lock, read (unless `read` was made already), write and commit.
async fn backup_tenant(
    root: PathBuf,
    t: TenantTarget,
    settings: Arc<BackupSettings>,
    progress: Arc<dyn Progress>,
    git: Arc<std::sync::Mutex<()>>,
    stop: CancellationToken,
    read: Option<TenantRead>,
) -> TenantOutcome {
    let started = crate::clock::now();
    // The client may serve several runs (the reconcile loop keeps one): this run logs its own requests.
    let base = t.client.stats();
    let run_id = settings
        .run_id
        .clone()
        .unwrap_or_else(|| crate::clock::run_id(started));
    let repo = match Repo::open(&root) {
        Ok(r) => r,
        Err(e) => return TenantOutcome::failed(&t.name, run_id, Some(e.to_string()), None),
    };
    let lock = match lock_tenant(&repo, &t, &settings, &run_id, started) {
        Ok(lock) => lock,
        Err(outcome) => return *outcome,
    };
    progress.tenant_started(&t.name);
    let got = match read {
        Some(read) => Got::Read(Box::new(read)),
        None => {
            let fetched = tokio::select! {
                fetched = fetch::fetch(&t.client, &t.entries) => Some(fetched),
                () = stop.cancelled() => None,
            };
            let Some(fetched) = fetched.filter(|_| !stop.is_cancelled()) else {
                // Nothing written yet: releasing the lock is all there is to undo.
                let outcome = TenantOutcome::interrupted(&t.name, run_id);
                if let Err(e) = lock.release() {
                    tracing::warn!(tenant = %t.name, error = %e, "could not remove the tenant lock");
                }
                return outcome;
            };
            let objects: usize = fetched
                .types
                .values()
                .flatten()
                .map(|d| d.objects.len())
                .sum();
            progress.tenant_fetched(&t.name, objects);
            Got::Fetched(Box::new((fetched, objects, t.client.stats().since(&base))))
        }
    };
    let name = t.name.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let run = Run {
            repo: &repo,
            t: &t,
            settings: &settings,
            run_id: &run_id,
            started,
        };
        match got {
            Got::Fetched(f) => {
                let (fetched, objects, stats) = *f;
                run.snapshot_and_write(fetched, objects, stats, &git)
            }
            Got::Read(read) => {
                let _git = git
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let TenantRead {
                    fetched,
                    snapshot,
                    stats,
                } = *read;
                run.write(&fetched, snapshot, stats)
            }
        }
    })
    .await
    .unwrap_or_else(|e| {
        TenantOutcome::failed(
            &name,
            String::new(),
            Some(format!("the backup task failed: {e}")),
            None,
        )
    });
    if let Err(e) = lock.release() {
        tracing::warn!(tenant = %name, error = %e, "could not remove the tenant lock");
    }
    progress.tenant_done(&name);
    outcome
}

/// Takes the tenant lock (breaking the stale one `--break-lock` names first); the refused outcome,
/// with its run log kept outside history, when another run holds it.
fn lock_tenant(
    repo: &Repo,
    t: &TenantTarget,
    settings: &BackupSettings,
    run_id: &str,
    started: Timestamp,
) -> Result<TenantLock, Box<TenantOutcome>> {
    let failed = |error: Option<String>, locked: Option<String>| {
        Box::new(TenantOutcome::failed(
            &t.name,
            run_id.to_string(),
            error,
            locked,
        ))
    };
    if let Some(stale_run) = &settings.break_lock {
        match TenantLock::break_stale(repo, &t.name, stale_run) {
            Ok(_) | Err(LockError::NotHeld { .. }) => {}
            Err(e) => return Err(failed(None, Some(e.to_string()))),
        }
    }
    let holder = LockHolder::current(run_id, started, &settings.command);
    let (holder, stale) = match TenantLock::acquire(repo, &t.name, holder) {
        Ok(lock) => return Ok(lock),
        Err(LockError::Held { holder, stale, .. }) => (holder, stale),
        Err(e) => return Err(failed(Some(e.to_string()), None)),
    };
    let mut message = format!(
        "tenant {} is locked by run {} (pid {} on {}, since {}, `{}`)",
        t.name, holder.run_id, holder.pid, holder.host, holder.started, holder.command,
    );
    if stale {
        message.push_str(&format!(
            "; that process is no longer running: remove the stale lock with `--break-lock {}`",
            holder.run_id
        ));
    }
    let mut log = BackupRunLog::new(
        run_id,
        &t.name,
        &t.tenant_id,
        started,
        crate::clock::now(),
        Outcome::Refused,
    );
    log.message = Some(message.clone());
    let mut outcome = failed(None, Some(message));
    outcome.outcome = Outcome::Refused;
    outcome.run_log =
        crate::store::runlog::write_private(repo, &t.name, run_id, log.to_yaml().as_bytes())
            .ok()
            .map(|p| crate::store::runlog::shown(repo, &p));
    Err(outcome)
}

/// One tenant's backup run once its lock is held: what its stages share.
struct Run<'a> {
    repo: &'a Repo,
    t: &'a TenantTarget,
    settings: &'a BackupSettings,
    run_id: &'a str,
    started: Timestamp,
}

/// What [`Run::stage`] staged of a tenant's snapshot.
struct Staged {
    /// `tenants/<name>`.
    prefix: String,
    /// Every type failed: nothing was staged.
    all_failed: bool,
    summary: store::WriteSummary,
    /// Something changed: the run commits.
    changed: bool,
}

impl Run<'_> {
    /// Normalizes what was fetched into the snapshot and writes it, under the repository's git
    /// lock; refuses when `--only` matched nothing.
    fn snapshot_and_write(
        &self,
        mut fetched: fetch::Fetched,
        objects: usize,
        stats: crate::graph::ClientStats,
        git: &std::sync::Mutex<()>,
    ) -> TenantOutcome {
        let (t, settings) = (self.t, self.settings);
        // A run that did not read everything keeps documents it did not rewrite; their references
        // (and the names of reference kinds that failed) come from the last commit.
        let complete =
            t.entries.len() == crate::catalog::all().len() && fetched.failures.is_empty();
        if settings.restricted || !complete {
            keep_committed_refs(self.repo, "HEAD", &t.name, &mut fetched);
        }
        let snap = snapshot::build(
            &mut fetched,
            &t.entries,
            settings.only.as_ref(),
            &settings.scrub,
        );
        if settings.only.is_some() && snap.matched == 0 && fetched.failures.is_empty() {
            let types = t.entries.len();
            let mut outcome = TenantOutcome::failed(
                &t.name,
                self.run_id.to_string(),
                Some(format!(
                    "--only matched none of the {} listed in {}; nothing written",
                    crate::render::text::count(objects, "object", "objects"),
                    crate::render::text::count(types, "type", "types"),
                )),
                None,
            );
            outcome.nothing_matched = true;
            return outcome;
        }
        let _git = git
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.write(&fetched, snap, stats)
    }

    /// Writes the snapshot, and commits it with its run log when something changed (else keeps the
    /// run log outside history). A store error still leaves a run log, outside history.
    fn write(
        &self,
        fetched: &fetch::Fetched,
        mut snap: snapshot::Snapshot,
        stats: crate::graph::ClientStats,
    ) -> TenantOutcome {
        let snap_failures = snap.failures.clone();
        self.record(fetched, &mut snap, stats)
            .unwrap_or_else(|e| self.unrecorded(e, snap_failures))
    }

    /// [`Run::write`] until the store fails.
    fn record(
        &self,
        fetched: &fetch::Fetched,
        snap: &mut snapshot::Snapshot,
        stats: crate::graph::ClientStats,
    ) -> Result<TenantOutcome, StoreError> {
        let (repo, t, settings, run_id) = (self.repo, self.t, self.settings, self.run_id);
        let staged = self.stage(fetched, snap)?;
        let prefix = &staged.prefix;
        // Names of what changed: the new side as the snapshot normalized it, the old one from HEAD
        // (only documents that changed or went are read).
        let old_name = |rel: &str| {
            let bytes = repo.read_at("HEAD", &format!("{prefix}/{rel}")).ok()??;
            let doc = crate::normalize::from_yaml(&String::from_utf8_lossy(&bytes), rel).ok()?;
            Some(doc.name)
        };
        let new_name = |rel: &str| snap.names.get(rel).cloned();
        let objects = runlog::object_lines(prefix, &staged.summary, &old_name, &new_name);
        let counts = runlog::counts(&snap.counts, &objects);
        let outcome = if staged.all_failed {
            Outcome::Failed
        } else if !snap.failures.is_empty() {
            Outcome::Partial
        } else if staged.changed {
            Outcome::Success
        } else {
            Outcome::NoChange
        };
        let finished = crate::clock::now();
        let mut log = BackupRunLog::new(
            run_id,
            &t.name,
            &t.tenant_id,
            self.started,
            finished,
            outcome,
        );
        log.types = counts.clone();
        log.errors = snap.failures.clone();
        log.graph = stats;
        log.message = settings.message.clone();
        if let Some(e) = &snap.sign_in {
            log.message = Some(e.with_hint());
        }
        let mut outcome_rec = TenantOutcome {
            tenant: t.name.clone(),
            run_id: run_id.to_string(),
            outcome,
            commit: None,
            counts,
            objects,
            failures: snap.failures.clone(),
            run_log: None,
            error: None,
            locked: None,
            sign_in: snap.sign_in.clone(),
            interrupted: false,
            pushed: false,
            nothing_matched: false,
        };
        if staged.changed {
            self.commit(&log, finished, &mut outcome_rec)?;
        } else {
            let path =
                store::runlog::write_private(repo, &t.name, run_id, log.to_yaml().as_bytes())?;
            outcome_rec.run_log = Some(store::runlog::shown(repo, &path));
        }
        if let Some(e) = &snap.sign_in {
            outcome_rec.error = Some(e.to_string());
        } else if staged.all_failed {
            outcome_rec.error = Some(
                snap.failures
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| "every type failed".into()),
            );
        }
        Ok(outcome_rec)
    }

    /// Stages the tenant's files (and its documentation with `--docs`) and says what changed.
    fn stage(
        &self,
        fetched: &fetch::Fetched,
        snap: &mut snapshot::Snapshot,
    ) -> Result<Staged, StoreError> {
        let (repo, t) = (self.repo, self.t);
        // Run logs of runs killed before their commit must not be committed as if they had finished.
        for path in store::runlog::set_aside_interrupted(repo, &t.name)? {
            tracing::warn!(
                path,
                "moved the run log of an interrupted run to .git/atlas/runs"
            );
        }
        let prefix = layout::tenant(&t.name);
        let all_failed = !t.entries.is_empty() && fetched.types.values().all(Option::is_none);
        let mut files = std::mem::take(&mut snap.files);
        // tenant.yaml changes only together with something else, so a no-op run stays a no-op.
        let previous_tenant_yaml = repo
            .read_at("HEAD", &format!("{prefix}/tenant.yaml"))
            .ok()
            .flatten();
        if let Some(prev) = &previous_tenant_yaml {
            files.insert("tenant.yaml".into(), prev.clone());
        }
        let summary = if all_failed {
            store::WriteSummary::default()
        } else {
            repo.stage_snapshot(&prefix, &files, &|p| snap.keep(p))?
        };
        let docs_changed = if self.settings.docs && !all_failed {
            !write_docs(repo, &t.name)?.is_empty()
        } else {
            false
        };
        let changed =
            !summary.is_empty() || docs_changed || previous_tenant_yaml.is_none() && !all_failed;
        Ok(Staged {
            prefix,
            all_failed,
            summary,
            changed,
        })
    }

    /// Commits what was staged with the repository files it lacks, `tenant.yaml` and the run log,
    /// then pushes when asked.
    fn commit(
        &self,
        log: &BackupRunLog,
        finished: Timestamp,
        outcome: &mut TenantOutcome,
    ) -> Result<(), StoreError> {
        let (repo, t, settings, run_id) = (self.repo, self.t, self.settings, self.run_id);
        for path in REPO_FILES {
            if repo.read_at("HEAD", path)?.is_none()
                && let Ok(bytes) = fs_err::read(repo.root().join(path))
            {
                repo.stage_file(path, &bytes)?;
            }
        }
        let prefix = layout::tenant(&t.name);
        let tenant_yaml = runlog::tenant_yaml(&t.name, &t.tenant_id, t.cloud, run_id, finished);
        repo.stage_file(&format!("{prefix}/tenant.yaml"), tenant_yaml.as_bytes())?;
        let path = store::layout::run_log(&t.name, run_id, self.started);
        repo.stage_file(&path, log.to_yaml().as_bytes())?;
        let message = runlog::commit_message(
            &t.name,
            run_id,
            &outcome.counts,
            &outcome.objects,
            &outcome.failures,
            settings.message.as_deref(),
        );
        let oid = repo.commit(&message, &settings.author, finished)?;
        outcome.commit = oid.map(|o| o.to_string());
        outcome.run_log = Some(path);
        if let (Some(_), Some((remote, branch))) = (&oid, &settings.push) {
            match store::push::push(repo, remote, branch) {
                Ok(_) => outcome.pushed = true,
                // The backup is committed; only the push failed, and the report says so.
                Err(e) => outcome.error = Some(format!("committed, but the push failed: {e}")),
            }
        }
        Ok(())
    }

    /// The failed outcome of a run the store could not record, with a run log outside history.
    fn unrecorded(&self, e: StoreError, failures: Vec<fetch::Failure>) -> TenantOutcome {
        let (repo, t, run_id) = (self.repo, self.t, self.run_id);
        let mut outcome =
            TenantOutcome::failed(&t.name, run_id.to_string(), Some(e.to_string()), None);
        let mut log = BackupRunLog::new(
            run_id,
            &t.name,
            &t.tenant_id,
            self.started,
            crate::clock::now(),
            Outcome::Failed,
        );
        log.message = Some(e.to_string());
        log.errors = failures;
        outcome.run_log =
            store::runlog::write_private(repo, &t.name, run_id, log.to_yaml().as_bytes())
                .map(|p| store::runlog::shown(repo, &p))
                .ok();
        outcome
    }
}

impl TenantOutcome {
    fn failed(
        tenant: &str,
        run_id: String,
        error: Option<String>,
        locked: Option<String>,
    ) -> TenantOutcome {
        TenantOutcome {
            tenant: tenant.to_string(),
            run_id,
            outcome: Outcome::Failed,
            commit: None,
            counts: BTreeMap::new(),
            objects: vec![],
            failures: vec![],
            run_log: None,
            error,
            locked,
            sign_in: None,
            interrupted: false,
            pushed: false,
            nothing_matched: false,
        }
    }

    fn interrupted(tenant: &str, run_id: String) -> TenantOutcome {
        TenantOutcome {
            interrupted: true,
            ..TenantOutcome::failed(tenant, run_id, None, None)
        }
    }
}

/// What a backup of one tenant would write, read from Graph exactly as a backup reads it, without
/// writing or locking anything (`drift`). References of types it did not read come from `rev`.
/// `scrub` as in [`BackupSettings::scrub`].
pub async fn preview(
    repo: &Repo,
    rev: &str,
    t: &TenantTarget,
    scrub: &[crate::graph::SecretString],
) -> snapshot::Snapshot {
    read(repo, rev, t, scrub).await.snapshot
}

/// A tenant read once as a backup reads it: what [`preview`] gives, kept so [`commit_read`] can
/// commit it later without reading the tenant again.
pub struct TenantRead {
    /// What was fetched, its objects already moved into the snapshot.
    fetched: fetch::Fetched,
    snapshot: snapshot::Snapshot,
    /// The requests the read made.
    stats: crate::graph::ClientStats,
}

impl TenantRead {
    /// The files a backup of the read writes, with what could not be read.
    pub fn snapshot(&self) -> &snapshot::Snapshot {
        &self.snapshot
    }
}

/// Reads `t`'s types as a backup does, without writing or locking anything; references of types it
/// did not read come from `rev`. `scrub` as in [`BackupSettings::scrub`].
pub async fn read(
    repo: &Repo,
    rev: &str,
    t: &TenantTarget,
    scrub: &[crate::graph::SecretString],
) -> TenantRead {
    let base = t.client.stats();
    let mut fetched = fetch::fetch(&t.client, &t.entries).await;
    let complete = t.entries.len() == crate::catalog::all().len() && fetched.failures.is_empty();
    if !complete {
        keep_committed_refs(repo, rev, &t.name, &mut fetched);
    }
    let snapshot = snapshot::build(&mut fetched, &t.entries, None, scrub);
    TenantRead {
        fetched,
        snapshot,
        stats: t.client.stats().since(&base),
    }
}

/// Regenerates `docs/<tenant>/` from the tenant's documents as now written, and stages it.
fn write_docs(repo: &Repo, tenant: &str) -> Result<store::WriteSummary, StoreError> {
    let base = repo.root().join(layout::tenant(tenant));
    let mut paths = vec![];
    for dir in fs_err::read_dir(&base).map_err(|e| StoreError::io(&base, e))? {
        let dir = dir.map_err(|e| StoreError::io(&base, e))?;
        let folder = dir.file_name().to_string_lossy().to_string();
        if folder.starts_with(['_', '.']) || !dir.path().is_dir() {
            continue;
        }
        for file in fs_err::read_dir(dir.path()).map_err(|e| StoreError::io(&base, e))? {
            let name = file
                .map_err(|e| StoreError::io(&base, e))?
                .file_name()
                .to_string_lossy()
                .to_string();
            if name.ends_with(".yaml") {
                paths.push(layout::in_tenant(tenant, &format!("{folder}/{name}")));
            }
        }
    }
    paths.sort();
    let files = crate::render::load::DiskFiles { root: repo.root() };
    let (pages, warnings) = crate::render::docs::tenant(&files, tenant, &paths);
    for w in &warnings {
        tracing::warn!("docs: {w}");
    }
    let pages: BTreeMap<String, Vec<u8>> = pages
        .into_iter()
        .map(|(k, v)| (k, v.into_bytes()))
        .collect();
    repo.stage_snapshot(&layout::docs(tenant), &pages, &|_| false)
}

/// Merges the committed `_refs/` files of a tenant into what was fetched.
fn keep_committed_refs(repo: &Repo, rev: &str, tenant: &str, fetched: &mut fetch::Fetched) {
    for kind in crate::catalog::RefKind::ALL {
        let path = layout::in_tenant(tenant, &layout::refs_file(kind));
        if let Ok(Some(bytes)) = repo.read_at(rev, &path)
            && let Err(e) =
                fetched
                    .refs
                    .merge_committed(kind, &String::from_utf8_lossy(&bytes), &path)
        {
            tracing::warn!(file = %path, error = %e, "ignoring an unreadable committed _refs file");
        }
    }
}
