//! Applying a saved plan: exactly its requests, in its order, never twice.
//!
//! The tenant is locked; every target is re-read first and the whole plan refused when any object
//! changed since it was planned (an absent one appearing included). Each request is journalled and
//! synced before it is sent ([`journal`]), so a killed apply resumes without duplicates; a create
//! whose answer was lost is looked up by name before it is ever sent again. Afterwards every item is
//! read back and compared with the desired state, the run log is committed under `runs/`, and a
//! backup commit records the tenant's new state.

mod item;
pub mod journal;
mod recover;
mod replan;
pub mod runlog;
mod secrets;
pub mod verify;

use crate::backup::{self, TenantTarget};
use crate::catalog;
use crate::plan::{Action, Plan, build};
use crate::store::lock::{LockError, LockHolder, TenantLock};
use crate::store::{Identity, Repo};
use item::{Ctx, ItemError, apply_item};
use journal::{Event, Journal, Progress};
use replan::{created_links, replan, stale_reason};
use runlog::{ApplyRunLog, ItemResult, ItemStatus, Outcome};
pub use secrets::{scrub_of, secret_value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use verify::{Check, Checks};

/// Secret values by document path, then secret path (`spec.omaSettings[2].value`).
pub type Secrets = BTreeMap<String, BTreeMap<String, String>>;

pub struct ApplySettings {
    pub secrets: Secrets,
    pub author: Identity,
    pub command: String,
    pub break_lock: Option<String>,
    /// Back up the tenant after applying (the design's rule; off only in tests of apply alone).
    pub backup_after: bool,
    /// Unattended applies (reconcile): checked between requests. Once cancelled, the apply stops
    /// after the request in flight is answered and journalled, leaves the journal unfinished and
    /// keeps the plan beside it ([`journal::keep_plan`]) so the next start resumes it. `None`
    /// for a person's `apply`, which is never stopped half-way by this.
    pub stop: Option<tokio_util::sync::CancellationToken>,
    /// `--verify-key-env`: the plan must carry a signature made with this key.
    pub verify_key: Option<crate::plan::sign::Key>,
    /// Who asked for the apply when it is not the commit author (the `serve` token that applied a
    /// previewed plan); recorded in the run log.
    pub requested_by: Option<String>,
}

/// What an apply did.
#[derive(Debug)]
pub struct ApplyReport {
    pub run_id: String,
    pub outcome: Outcome,
    pub message: Option<String>,
    pub items: Vec<ItemResult>,
    pub run_log: Option<String>,
    pub commit: Option<String>,
    pub backup_commit: Option<String>,
    /// Run id of the backup that followed the apply (its own run log).
    pub backup_run: Option<String>,
    /// Stopped by [`ApplySettings::stop`], or by a journal that could not be written, before every
    /// item was attempted (outcome `Partial`).
    pub interrupted: bool,
    /// Why the journal could not be written, when that stopped the run.
    pub journal_error: Option<String>,
    /// Refused because another run holds the tenant's lock (worth trying again later).
    pub locked: bool,
    /// Refused for good: the plan no longer matches the tenant (changed since planned, another
    /// tenant, altered file) or was already applied. A kept plan refused so is dropped; one refused
    /// for a passing reason (lock held, tenant not readable) is kept.
    pub obsolete: bool,
    /// What was checked before anything was sent ([`verify`]).
    pub checks: Checks,
}

impl ApplyReport {
    /// The report of run `run_id` before anything happened: refused until it says otherwise.
    fn new(run_id: String) -> ApplyReport {
        ApplyReport {
            run_id,
            outcome: Outcome::Refused,
            message: None,
            items: vec![],
            run_log: None,
            commit: None,
            backup_commit: None,
            backup_run: None,
            interrupted: false,
            journal_error: None,
            locked: false,
            obsolete: false,
            checks: Checks::default(),
        }
    }
}

/// Applies `plan` to `target`.
pub async fn apply(
    root: PathBuf,
    target: TenantTarget,
    plan: Plan,
    settings: ApplySettings,
) -> ApplyReport {
    let started = crate::clock::now();
    // The client may serve several runs (the reconcile loop keeps one): this run logs its own requests.
    let base = target.client.stats();
    let run_id = crate::clock::run_id(started);
    let mut report = ApplyReport::new(run_id.clone());
    let repo = match Repo::open(&root) {
        Ok(r) => r,
        Err(e) => {
            report.outcome = Outcome::Failed;
            report.message = Some(e.to_string());
            return report;
        }
    };
    // Refusals keep a run log too (outside history).
    let refuse = |mut r: ApplyReport, m: String| {
        r.message = Some(m);
        record(&repo, &target, &plan, &settings, &mut r, (started, &base));
        r
    };
    if let Err(m) = check_file(
        &repo,
        &plan,
        settings.verify_key.as_ref(),
        &mut report.checks,
    ) {
        report.obsolete = true;
        return refuse(report, m);
    }
    if plan.target.tenant_id != target.tenant_id {
        report.obsolete = true;
        return refuse(
            report,
            format!(
                "the plan is for tenant {} ({}), but {} is {}",
                plan.target.tenant, plan.target.tenant_id, target.name, target.tenant_id
            ),
        );
    }
    if let Some(stale) = &settings.break_lock
        && let Err(e) = TenantLock::break_stale(&repo, &target.name, stale)
        && !matches!(e, LockError::NotHeld { .. })
    {
        return refuse(report, e.to_string());
    }
    let holder = LockHolder::current(&run_id, started, &settings.command);
    let lock = match TenantLock::acquire(&repo, &target.name, holder) {
        Ok(l) => l,
        Err(LockError::Held { holder, .. }) => {
            report.locked = true;
            let m = format!(
                "tenant {} is locked by run {} since {} (pid {} on {}, `{}`)",
                target.name, holder.run_id, holder.started, holder.pid, holder.host, holder.command
            );
            return refuse(report, m);
        }
        Err(e) => return refuse(report, e.to_string()),
    };
    let mut after_read = None;
    let outcome = run_locked(
        &repo,
        &target,
        &plan,
        &settings,
        &mut report,
        &mut after_read,
    )
    .await;
    let _ = lock.release();
    report.outcome = outcome;
    record(
        &repo,
        &target,
        &plan,
        &settings,
        &mut report,
        (started, &base),
    );
    // The read is made (with `backup_after`) only by a run that wrote and finished, so a refused,
    // failed or interrupted apply takes no backup.
    if let Some(read) = after_read {
        let after = backup_after(&root, target, &settings, &report.run_id, read).await;
        took_backup_after(&mut report, after, &plan.target.tenant);
    }
    report
}

/// The checks that need neither the lock nor Graph: hash, signature, request shapes, commit.
/// `apply` makes them first; the CLI makes them before it asks for confirmation too.
pub fn check_file(
    repo: &Repo,
    plan: &Plan,
    verify_key: Option<&crate::plan::sign::Key>,
    checks: &mut Checks,
) -> Result<(), String> {
    let fail = |check: &mut Check, m: String| {
        *check = Check::Refused;
        Err(m)
    };
    if !plan.is_intact() {
        return fail(
            &mut checks.hash,
            "the plan file was changed after it was made (its hash does not match); make a new plan"
                .into(),
        );
    }
    checks.hash = Check::Passed;
    if let Some(key) = verify_key {
        if let Err(e) = crate::plan::sign::verify(plan, key) {
            return fail(&mut checks.signature, format!("{e}; nothing was applied"));
        }
        checks.signature = Check::Passed;
    }
    let problems = verify::shape_problems(plan);
    if !problems.is_empty() {
        return fail(
            &mut checks.shape,
            format!(
                "the plan file asks for requests tenant-atlas never makes; nothing was applied:\n  {}",
                problems.join("\n  ")
            ),
        );
    }
    checks.shape = Check::Passed;
    if let Err(m) = verify::source_commit(repo, plan) {
        return fail(&mut checks.commit, format!("{m}; nothing was applied"));
    }
    checks.commit = Check::Passed;
    Ok(())
}

/// Runs the plan under the tenant lock; `after` receives the read of the tenant made after the
/// writes, for the backup that follows.
async fn run_locked(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    settings: &ApplySettings,
    report: &mut ApplyReport,
    after: &mut Option<backup::TenantRead>,
) -> Outcome {
    match run_checked(repo, target, plan, settings, report, after).await {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

/// [`run_locked`]'s stages; `Err` ends the run early with the outcome it says.
async fn run_checked(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    settings: &ApplySettings,
    report: &mut ApplyReport,
    after: &mut Option<backup::TenantRead>,
) -> Result<Outcome, Outcome> {
    let (journal_path, progress) = earlier_progress(repo, target, plan, settings, report)?;
    check_against_tenant(repo, target, plan, settings, &progress, report).await?;
    if stopped(settings) {
        report.message = Some(STOPPED_BEFORE.into());
        return Err(Outcome::Refused);
    }
    let failed = |report: &mut ApplyReport, e: String| {
        report.message = Some(e);
        Outcome::Failed
    };
    // An unattended apply keeps its plan beside the journal until it finishes, so a stop or a
    // kill leaves what the next start needs to resume it.
    if settings.stop.is_some() {
        journal::keep_plan(repo, &target.name, plan).map_err(|e| failed(report, e.to_string()))?;
    }
    let mut journal = Journal::open(journal_path).map_err(|e| failed(report, e.to_string()))?;
    apply_items(target, plan, settings, &progress, &mut journal, report).await;
    if let Some(outcome) = interrupted(repo, target, plan, &progress, report) {
        return Ok(outcome);
    }
    let _ = journal.record(&Event::Finished);
    if settings.stop.is_some() {
        journal::drop_plan(repo, &target.name, &plan.hash);
    }
    // One read of the tenant after the writes serves the read-back and the backup that follows
    // (docs/ARCHITECTURE.md, "Data flow of a restore"): an apply reads the tenant twice.
    if settings.backup_after {
        let whole = target.with_entries(catalog::all().iter().collect());
        *after = Some(backup::read(repo, "HEAD", &whole, &scrub_of(&settings.secrets)).await);
    }
    read_back(
        repo,
        target,
        plan,
        settings,
        report,
        after.as_ref().map(backup::TenantRead::snapshot),
    )
    .await;
    let failed = report.items.iter().any(|r| r.result == ItemStatus::Failed);
    let unconverged = report.items.iter().any(|r| r.converged == Some(false));
    Ok(if failed || unconverged {
        Outcome::Partial
    } else {
        Outcome::Success
    })
}

/// The journal's path and what an earlier run of this plan did; refused when that run finished
/// it or the stop signal already came.
fn earlier_progress(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    settings: &ApplySettings,
    report: &mut ApplyReport,
) -> Result<(PathBuf, Progress), Outcome> {
    let journal_path = match Journal::path(repo, &target.name, &plan.hash) {
        Ok(p) => p,
        Err(e) => {
            report.message = Some(e.to_string());
            return Err(Outcome::Failed);
        }
    };
    let progress = Journal::read(&journal_path);
    if progress.finished {
        report.obsolete = true;
        report.message =
            Some("this plan was already applied; make a new plan to restore again".into());
        return Err(Outcome::Refused);
    }
    if stopped(settings) {
        report.message = Some(STOPPED_BEFORE.into());
        return Err(Outcome::Refused);
    }
    Ok((journal_path, progress))
}

/// Refuses the plan when the tenant changed since it was made (a fingerprint differs) or the file
/// is not what its commit gives against the tenant now.
async fn check_against_tenant(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    settings: &ApplySettings,
    progress: &Progress,
    report: &mut ApplyReport,
) -> Result<(), Outcome> {
    // The commit planned again against the tenant as it is now: one read of the tenant serves the
    // fingerprint check and the derivation check. Objects an earlier run of this plan created are
    // their documents' objects, by the ids its journal recorded.
    let journalled = created_links(plan, progress.created.iter().map(|(i, id)| (*i, id)));
    let again = build::Again {
        created: &journalled,
        live: None,
        read_back: false,
    };
    let derived = replan(repo, target, plan, &settings.secrets, &again).await;
    let unreadable = |(p, l): (Plan, build::LiveObjects)| {
        let kinds: Vec<&str> = plan
            .items
            .iter()
            .filter(|i| i.action.writes())
            .map(|i| i.kind.as_str())
            .collect();
        match l
            .unreadable
            .iter()
            .find(|(k, _)| kinds.contains(&k.as_str()))
        {
            Some((k, m)) => Err(format!("{k}: {m}")),
            None => Ok((p, l.objects)),
        }
    };
    let (derived, live) = match derived.and_then(unreadable) {
        Ok(l) => l,
        Err(e) => {
            report.message = Some(format!(
                "the plan could not be checked against its commit and the tenant: {e}"
            ));
            return Err(Outcome::Refused);
        }
    };
    let stale: Vec<String> = plan
        .items
        .iter()
        .enumerate()
        .filter(|(i, item)| item.action.writes() && !progress.started(*i))
        .filter_map(|(_, item)| stale_reason(item, &live, &derived))
        .collect();
    if !stale.is_empty() {
        report.obsolete = true;
        report.message = Some(format!(
            "the tenant changed since the plan was made; nothing was applied — make a new plan:\n  {}",
            stale.join("\n  ")
        ));
        return Err(Outcome::Refused);
    }
    // Every item the file writes must be what the commit gives. A resumed plan was checked when it
    // first started (its journal exists only after that), and the objects it wrote since differ.
    if *progress != Progress::default() {
        report.checks.derivation = Check::CheckedAtFirstStart;
        return Ok(());
    }
    let differences = verify::differences(plan, &derived);
    if !differences.is_empty() {
        report.obsolete = true;
        report.checks.derivation = Check::Refused;
        report.message = Some(format!(
            "the plan file does not match what its commit gives against the tenant now (the file was edited, or objects it refers to changed); nothing was applied — make a new plan:\n  {}",
            differences.join("\n  ")
        ));
        return Err(Outcome::Refused);
    }
    report.checks.derivation = Check::Passed;
    Ok(())
}

/// Applies the plan's items in order, each result into the report, until the end or the stop
/// signal.
async fn apply_items(
    target: &TenantTarget,
    plan: &Plan,
    settings: &ApplySettings,
    progress: &Progress,
    journal: &mut Journal,
    report: &mut ApplyReport,
) {
    // Ids of objects this apply created, by (type, source id): later items refer to them.
    let mut created: BTreeMap<String, String> = BTreeMap::new();
    // Objects that are other items' (matched, or created by this plan): a create whose answer was
    // lost is never found among them, whatever their names.
    let mut taken: BTreeSet<String> = plan
        .items
        .iter()
        .filter_map(|i| i.target_id.clone())
        .chain(progress.created.values().cloned())
        .collect();
    for (i, item) in plan.items.iter().enumerate() {
        let mut result = ItemResult::new(item);
        result.index = i;
        if !item.action.writes() {
            result.result = ItemStatus::NotApplied;
            report.items.push(result);
            continue;
        }
        let ctx = Ctx {
            target,
            settings,
            progress,
            created_refs: &created,
            taken: &taken,
        };
        let applied = apply_item(i, item, &ctx, journal, &mut result).await;
        if let Ok(false) = applied {
            // Stopped between two requests: the journal says what was done.
            result.message = Some("not finished: the apply was stopped".into());
            report.items.push(result);
            report.interrupted = true;
            break;
        }
        if let Err(ItemError::Journal(e)) = applied {
            // Nothing more is sent; what this item's last request did is for the resume to find.
            result.message = Some(format!("not finished: {e}"));
            report.items.push(result);
            report.interrupted = true;
            report.journal_error = Some(e);
            break;
        }
        if let Some(id) = &result.target_id {
            taken.insert(id.clone());
        }
        if let Err(ItemError::Failed(e)) = applied {
            result.result = ItemStatus::Failed;
            result.message = Some(e);
        } else if item.action == Action::Create
            && let Some(id) = &result.target_id
        {
            // Named by reference kind, as the plan wrote it (the kind's file stem, which is not
            // always the type's key: apps are `mobileApps`); any object may be a policy set's item.
            let kinds = catalog::get(&item.kind)
                .and_then(|e| e.referenced)
                .map(|r| r.kind)
                .into_iter()
                .chain([catalog::RefKind::Policies]);
            for kind in kinds {
                created.insert(
                    crate::plan::resolve::created_placeholder(kind, &item.source_id),
                    id.clone(),
                );
            }
        }
        report.items.push(result);
    }
}

/// The outcome of a run the stop signal interrupted (`None`: it was not): refused when nothing
/// was ever sent for the plan, partial otherwise, its journal kept for the next start.
fn interrupted(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    progress: &Progress,
    report: &mut ApplyReport,
) -> Option<Outcome> {
    if !report.interrupted {
        return None;
    }
    let sent = report
        .items
        .iter()
        .any(|r| matches!(r.result, ItemStatus::Applied | ItemStatus::Failed));
    if !sent && *progress == Progress::default() {
        // Stopped before the first request of a plan never started: nothing to resume.
        journal::drop_plan(repo, &target.name, &plan.hash);
        report.interrupted = false;
        if let Some(e) = &report.journal_error {
            report.message = Some(format!(
                "nothing was sent: the journal could not be written ({e})"
            ));
            return Some(Outcome::Failed);
        }
        report.message = Some(STOPPED_BEFORE.into());
        return Some(Outcome::Refused);
    }
    let done = report
        .items
        .iter()
        .filter(|r| r.result == ItemStatus::Applied)
        .count();
    let of = crate::render::text::count(plan.summary.to_apply(), "item", "items");
    report.message = Some(match &report.journal_error {
        Some(e) => format!(
            "stopped after {done} of {of}: the journal could not be written ({e}); nothing more was sent, and applying the same plan again resumes it"
        ),
        None => format!(
            "stopped after {done} of {of}; the journal is kept and the next reconcile start resumes this plan"
        ),
    });
    Some(Outcome::Partial)
}

/// Read back: planning the same commit again, each applied item must now be unchanged — paired
/// with the object its create returned, whatever other objects share its name.
async fn read_back(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    settings: &ApplySettings,
    report: &mut ApplyReport,
    live: Option<&backup::snapshot::Snapshot>,
) {
    let made = created_links(
        plan,
        report
            .items
            .iter()
            .filter_map(|r| r.target_id.as_ref().map(|id| (r.index, id))),
    );
    let again = build::Again {
        created: &made,
        live,
        read_back: true,
    };
    match replan(repo, target, plan, &settings.secrets, &again).await {
        Ok((again, _)) => {
            for r in report
                .items
                .iter_mut()
                .filter(|r| r.result == ItemStatus::Applied)
            {
                let path = &plan.items[r.index].path;
                r.converged = Some(
                    again
                        .items
                        .iter()
                        .find(|i| &i.path == path)
                        .is_some_and(|i| i.action == Action::NoOp),
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not read the tenant back after applying"),
    }
}

/// Why an apply stopped before its first request was refused.
pub const STOPPED_BEFORE: &str = "stopped before applying; nothing was sent";

/// Has [`ApplySettings::stop`] been cancelled?
fn stopped(settings: &ApplySettings) -> bool {
    settings.stop.as_ref().is_some_and(|s| s.is_cancelled())
}

/// Writes and commits the run log.
fn record(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    settings: &ApplySettings,
    report: &mut ApplyReport,
    (started, base): (jiff::Timestamp, &crate::graph::ClientStats),
) {
    let finished = crate::clock::now();
    let stats = target.client.stats().since(base);
    // Refused runs, and runs whose log cannot be committed, keep it outside history (as the
    // report says by then: a log that could not be committed makes the run partial).
    let private = |report: &ApplyReport| {
        let yaml = ApplyRunLog::new(report, target, plan, started, finished, stats.clone())
            .by(settings.requested_by.as_deref())
            .to_yaml();
        crate::store::runlog::write_private(repo, &target.name, &report.run_id, yaml.as_bytes())
            .ok()
            .map(|p| crate::store::runlog::shown(repo, &p))
    };
    if report.outcome == Outcome::Refused {
        report.run_log = private(report);
        return;
    }
    let log = ApplyRunLog::new(report, target, plan, started, finished, stats.clone())
        .by(settings.requested_by.as_deref());
    let yaml = log.to_yaml();
    let path = crate::store::layout::run_log(&target.name, &report.run_id, started);
    let committed = repo
        .stage_file(&path, yaml.as_bytes())
        .and_then(|()| repo.commit(&log.commit_message(), &settings.author, finished));
    match committed {
        Ok(oid) => {
            report.commit = oid.map(|o| o.to_string());
            report.run_log = Some(path);
        }
        Err(e) => {
            // The writes happened, but the record later plans pair objects by did not reach
            // history: the run is partial, and says where its log is kept instead.
            tracing::error!(error = %e, "could not commit the apply run log");
            if report.outcome == Outcome::Success {
                report.outcome = Outcome::Partial;
            }
            report.message = Some(format!("the run log could not be committed ({e})"));
            report.run_log = private(report);
            report.message = Some(format!(
                "the run log could not be committed ({e}); it is kept at {}",
                report
                    .run_log
                    .as_deref()
                    .unwrap_or("(nowhere: it could not be written either)")
            ));
        }
    }
}

/// Records the backup that followed the apply in its report: a backup that failed leaves the
/// tenant changed and the repository not showing it yet, so the apply is not finished (partial).
fn took_backup_after(report: &mut ApplyReport, after: BackupAfter, tenant: &str) {
    report.backup_commit = after.commit;
    report.backup_run = Some(after.run_id);
    if let Some(e) = after.error {
        if report.outcome == Outcome::Success {
            report.outcome = Outcome::Partial;
        }
        report.message = Some(format!(
            "applied, but the backup after it failed ({e}); `tenant-atlas backup --tenant {tenant}` records the tenant's new state"
        ));
    }
}

/// A backup of the tenant's new state, committed from `read` (the read the read-back used): its
/// commit (when something changed) and run id.
async fn backup_after(
    root: &std::path::Path,
    target: TenantTarget,
    settings: &ApplySettings,
    apply_run: &str,
    read: backup::TenantRead,
) -> BackupAfter {
    let name = target.name.clone();
    let t = TenantTarget {
        entries: catalog::all().iter().collect(),
        ..target
    };
    let s = backup::BackupSettings {
        only: None,
        message: Some("after apply".into()),
        author: settings.author.clone(),
        push: None,
        command: settings.command.clone(),
        break_lock: None,
        restricted: false,
        docs: false,
        scrub: scrub_of(&settings.secrets),
        // A fixed run id (`ATLAS_RUN_ID`) would be the apply's too, and the backup's run log would
        // replace the apply's — the record of what its creates made.
        run_id: (crate::clock::run_id(crate::clock::now()) == apply_run)
            .then(|| format!("{apply_run}-backup")),
    };
    let o = backup::commit_read(root.to_path_buf(), t, std::sync::Arc::new(s), read).await;
    if let Some(e) = &o.error {
        tracing::warn!(tenant = %name, error = %e, "the backup after apply failed");
    }
    BackupAfter {
        commit: o.commit,
        run_id: o.run_id,
        error: o.error,
    }
}

/// What the backup that follows an apply did.
struct BackupAfter {
    commit: Option<String>,
    run_id: String,
    error: Option<String>,
}
