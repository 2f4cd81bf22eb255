//! Working the run queue (`records::jobs`): the process that works a tenant takes its oldest
//! queued run, holding the tenant's queue lock so one run of a tenant works at a time across
//! processes, and does it with the same pieces the CLI and the loop use — a backup, a backup of one
//! policy, a plan (read-only), an apply of a plan run's plan (docs/ARCHITECTURE.md, "Runs from the
//! browser").
//!
//! A run left `running` by a process that died is taken again: a backup or plan starts over, an
//! apply resumes from its journal (nothing done twice) or is refused when the tenant changed since
//! the plan was made, as `apply` refuses a stale plan.

use super::round::{self, RoundCtx};
use crate::apply::{self, ApplySettings};
use crate::backup::{self, BackupSettings, TenantTarget};
use crate::config::TenantConfig;
use crate::plan::{Plan, build, resolve::Mappings};
use crate::records::jobs::{self, ItemOutcome, Job, JobKind, JobProgress, JobStatus, PlanSummary};
use crate::store::Repo;
use crate::store::lock::{LockError, LockHolder, TenantLock};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The command recorded in the locks and run logs of queued runs.
pub const COMMAND: &str = "tenant-atlas serve (queued run)";

/// The lock name of a tenant's queue (beside its tenant lock, which the runs themselves take).
fn queue_lock(tenant: &str) -> String {
    format!("{tenant}.queue")
}

/// The runs this process works now, each with what stops it (`DELETE` of a running apply stops
/// it between two requests, as SIGTERM does) and who stopped it.
#[derive(Debug, Default)]
pub struct Running(
    std::sync::Mutex<std::collections::HashMap<String, (CancellationToken, Option<String>)>>,
);

impl Running {
    fn start(&self, run: &str, parent: &CancellationToken) -> CancellationToken {
        let token = parent.child_token();
        self.lock().insert(run.to_string(), (token.clone(), None));
        token
    }

    /// Forgets `run`, telling who stopped it, if someone did.
    fn end(&self, run: &str) -> Option<String> {
        self.lock().remove(run).and_then(|(_, by)| by)
    }

    /// Stops `run` if this process works it (`by` names who asked); false when it does not.
    pub fn cancel(&self, run: &str, by: &str) -> bool {
        match self.lock().get_mut(run) {
            Some((t, who)) => {
                *who = Some(by.to_string());
                t.cancel();
                true
            }
            None => false,
        }
    }

    #[allow(clippy::type_complexity)]
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, (CancellationToken, Option<String>)>,
    > {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How often queues are looked at besides being woken.
const POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// Works the queues of `tenants` until `ctx.stop`: at each wake or poll, every one of them with a
/// queued (or orphaned running) run and no worker of this process gets one. `serve` runs this for
/// the tenants of its configuration, the reconcile loop for the tenants it runs.
pub async fn work_queues(
    ctx: RoundCtx,
    running: Arc<Running>,
    tenants: Vec<String>,
    wake: Arc<tokio::sync::Notify>,
) {
    let busy: Arc<std::sync::Mutex<std::collections::HashSet<String>>> = Arc::default();
    // The tenants' workers: on stop, each finishes the step it is in (an apply its request in
    // flight) and records where its run is before this returns.
    let mut workers = tokio::task::JoinSet::new();
    loop {
        while workers.try_join_next().is_some() {}
        tokio::select! {
            _ = ctx.stop.cancelled() => {
                while workers.join_next().await.is_some() {}
                return;
            }
            _ = wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
        let root = ctx.root.clone();
        let wanted = tenants.clone();
        let waiting = tokio::task::spawn_blocking(move || {
            let Ok(repo) = Repo::open(&root) else {
                return vec![];
            };
            wanted
                .into_iter()
                .filter(|t| {
                    jobs::list(&repo, t)
                        .map(|l| l.iter().any(|j| j.status.active()))
                        .unwrap_or(false)
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        for tenant in waiting {
            if !busy
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(tenant.clone())
            {
                continue;
            }
            let (ctx, running, busy) = (ctx.clone(), running.clone(), busy.clone());
            workers.spawn(async move {
                loop {
                    match work_next(&ctx, &running, &tenant).await {
                        Ok(Some(j)) if !ctx.stop.is_cancelled() && !j.status.active() => continue,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(tenant = %tenant, error = %e, "the queue could not be worked");
                            break;
                        }
                    }
                }
                busy.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&tenant);
            });
        }
    }
}

/// Works the next run of `tenant`, if there is one and no other process works the tenant's queue
/// now. Returns the run as it finished (queued again when the tenant was locked by another run).
pub async fn work_next(
    ctx: &RoundCtx,
    running: &Running,
    tenant: &str,
) -> Result<Option<Job>, String> {
    let repo = Repo::open(&ctx.root).map_err(|e| e.to_string())?;
    let started = crate::clock::now();
    let holder = LockHolder::current(&crate::clock::run_id(started), started, COMMAND);
    let lock = match TenantLock::acquire(&repo, &queue_lock(tenant), holder) {
        Ok(l) => l,
        Err(LockError::Held { .. }) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let next = jobs::list(&repo, tenant)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|j| j.status.active());
    let result = match next {
        None => Ok(None),
        Some(job) => {
            let run = job.run.clone();
            let mut own = ctx.clone();
            own.stop = running.start(&run, &ctx.stop);
            let mut done = work(&own, &repo, job).await;
            let stopped_by = running.end(&run);
            if own.stop.is_cancelled() {
                done = after_stop(&repo, done, stopped_by);
            }
            Ok(Some(done))
        }
    };
    let _ = lock.release();
    result
}

/// Does one run, recording it as it goes.
/// Saves `job` unless its file says it was cancelled meanwhile (a cancel of another process or
/// request, between this worker's reading and writing): then the cancellation is kept, and
/// false says so.
fn save_unless_cancelled(repo: &Repo, job: &mut Job) -> bool {
    if let Ok(Some(now)) = jobs::get(repo, &job.tenant, &job.run)
        && now.status == JobStatus::Cancelled
    {
        job.cancelled_by = now.cancelled_by;
        if job.status.active() {
            *job = jobs::get(repo, &job.tenant, &job.run)
                .ok()
                .flatten()
                .unwrap_or_else(|| job.clone());
            return false;
        }
        job.message = Some(format!(
            "{} (a cancellation came after the run had started)",
            job.message.as_deref().unwrap_or(job.status.as_str())
        ));
    }
    let _ = jobs::save(repo, job);
    true
}

/// A run whose process was stopped: stopped by a person, it keeps its outcome and says who
/// stopped it; stopped by its process's shutdown before it ended, it goes back to the queue for
/// the next worker (an apply resumes from its journal).
fn after_stop(repo: &Repo, mut job: Job, by: Option<String>) -> Job {
    match by {
        Some(who) => job.cancelled_by = Some(who),
        None if job.status != JobStatus::Succeeded => {
            job.status = JobStatus::Queued;
            job.finished = None;
            job.message =
                Some("stopped with the process working it; the next worker takes it up".into());
        }
        None => return job,
    }
    save_unless_cancelled(repo, &mut job);
    job
}

async fn work(ctx: &RoundCtx, repo: &Repo, mut job: Job) -> Job {
    let resumed = job.status == JobStatus::Running;
    job.status = JobStatus::Running;
    job.started.get_or_insert(crate::clock::now());
    if resumed {
        job.message = Some("taken up again after the process working it stopped".into());
    }
    // Cancelled between the listing and now: left as it is.
    if !save_unless_cancelled(repo, &mut job) {
        return job;
    }
    let done = match ctx.config.tenant(&job.tenant).cloned() {
        None => Err(format!("tenant `{}` is no longer configured", job.tenant)),
        Some(t) => match job.kind {
            JobKind::Backup | JobKind::Capture => backup_job(ctx, repo, &t, &mut job).await,
            JobKind::Plan => plan_job(ctx, repo, &t, &mut job).await,
            JobKind::Apply => apply_job(ctx, repo, &mut job).await,
        },
    };
    if let Err(e) = done {
        job.status = JobStatus::Failed;
        job.message = Some(e);
    }
    job.progress = None;
    if job.status.active() {
        // Queued again: worked once the tenant is free.
        save_unless_cancelled(repo, &mut job);
        return job;
    }
    job.finished = Some(crate::clock::now());
    save_unless_cancelled(repo, &mut job);
    tell(repo, &job);
    tracing::info!(
        tenant = %job.tenant, run = %job.run, kind = job.kind.as_str(),
        status = job.status.as_str(), "queued run finished"
    );
    job
}

/// Leaves word of a finished run in the inbox of the token that started it.
fn tell(repo: &Repo, job: &Job) {
    let what = match (&job.kind, &job.spec.policy) {
        (JobKind::Capture, Some(p)) => format!("capture of {p}"),
        (kind, _) => kind.as_str().to_string(),
    };
    let message = crate::records::inbox::Message {
        id: format!("run:{}", job.run),
        at: job.finished.unwrap_or_else(crate::clock::now),
        tenant: job.tenant.clone(),
        kind: "run".into(),
        level: job.status.as_str().into(),
        text: format!(
            "{what} of {} {}{}",
            job.tenant,
            job.status.as_str(),
            job.message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        link: format!("/tenants/{}/runs/{}", job.tenant, job.run),
    };
    if let Err(e) = crate::records::inbox::post(repo, &job.requested_by, message) {
        tracing::warn!(run = %job.run, error = %e, "the inbox could not be written");
    }
}

/// The `--only` pattern of one policy (`<type>/<file stem>`), its characters taken literally.
fn policy_glob(policy: &str) -> Result<globset::GlobSet, String> {
    let stem = policy.strip_suffix(".yaml").unwrap_or(policy);
    let mut b = globset::GlobSetBuilder::new();
    b.add(globset::Glob::new(&globset::escape(stem)).map_err(|e| e.to_string())?);
    b.build().map_err(|e| e.to_string())
}

async fn backup_job(
    ctx: &RoundCtx,
    repo: &Repo,
    t: &TenantConfig,
    job: &mut Job,
) -> Result<(), String> {
    use backup::runlog::Outcome;
    let only = match (&job.kind, &job.spec.policy) {
        (JobKind::Capture, Some(p)) => Some(policy_glob(p)?),
        (JobKind::Capture, None) => return Err("a capture names its policy".into()),
        _ => None,
    };
    let restricted = only.is_some();
    let target = round::target_of(ctx, t)?;
    let git = &ctx.config.git;
    let settings = BackupSettings {
        only,
        message: Some(format!(
            "{} requested by {}",
            job.kind.as_str(),
            job.requested_by
        )),
        author: repo.author(ctx.config.git_author()),
        push: git.push.then(|| (git.remote.clone(), git.branch.clone())),
        command: COMMAND.into(),
        break_lock: None,
        restricted,
        docs: false,
        scrub: vec![],
        run_id: None,
    };
    let o = backup::run_until(
        ctx.root.clone(),
        vec![target],
        Arc::new(settings),
        Arc::new(backup::NoProgress),
        ctx.stop.clone(),
    )
    .await
    .into_iter()
    .next()
    .ok_or("the backup returned nothing")?;
    if !o.run_id.is_empty() {
        job.runs.push(o.run_id.clone());
    }
    if let Some(held) = &o.locked {
        // Another run (the loop's round, a command) writes the tenant now: wait for it.
        job.status = JobStatus::Queued;
        job.message = Some(format!("waiting: {held}"));
        return Ok(());
    }
    job.status = match o.outcome {
        Outcome::Success | Outcome::NoChange => JobStatus::Succeeded,
        Outcome::Partial => JobStatus::Partial,
        Outcome::Failed => JobStatus::Failed,
        Outcome::Refused => JobStatus::Refused,
    };
    job.message = o.error.or_else(|| {
        if o.nothing_matched {
            return Some("the policy is not in the tenant any more".into());
        }
        match (&o.commit, o.failures.is_empty()) {
            (_, false) => Some(format!(
                "not read: {}",
                o.failures
                    .iter()
                    .map(|f| format!("{}: {}", f.kind, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            (Some(c), true) => Some(format!("committed {}", &c[..c.len().min(10)])),
            (None, true) => Some("nothing changed since the last backup".into()),
        }
    });
    if o.nothing_matched {
        job.status = JobStatus::Failed;
    }
    Ok(())
}

/// A restore preview: the plan of the tenant's folder at `from` against the target's live state.
async fn plan_job(
    ctx: &RoundCtx,
    repo: &Repo,
    t: &TenantConfig,
    job: &mut Job,
) -> Result<(), String> {
    let target_name = job.spec.to_tenant.clone().unwrap_or_else(|| t.name.clone());
    let target_config = ctx
        .config
        .tenant(&target_name)
        .ok_or_else(|| format!("no tenant `{target_name}` in atlas.yaml"))?;
    let mut target = TenantTarget::from_config(target_config, &ctx.config_path, None)?;
    if !job.spec.types.is_empty() {
        let entries = job
            .spec
            .types
            .iter()
            .map(|k| crate::catalog::get(k).ok_or_else(|| format!("unknown type `{k}`")))
            .collect::<Result<Vec<_>, _>>()?;
        target = target.with_entries(entries);
    }
    let only = if job.spec.only.is_empty() {
        None
    } else {
        let mut b = globset::GlobSetBuilder::new();
        for p in &job.spec.only {
            b.add(globset::Glob::new(p).map_err(|e| format!("only {p}: {e}"))?);
        }
        Some(b.build().map_err(|e| e.to_string())?)
    };
    let from = job.spec.from.clone().unwrap_or_else(|| "HEAD".into());
    let no_secrets = apply::Secrets::new();
    let scrub = apply::scrub_of(&no_secrets);
    let supplied = |doc: &str, path: &str| apply::secret_value(&no_secrets, doc, path).is_some();
    let mappings = Mappings::default();
    let opts = build::Options {
        rev: &from,
        source_tenant: &job.tenant,
        only: only.as_ref(),
        only_patterns: job.spec.only.clone(),
        type_keys: job.spec.types.clone(),
        mappings: &mappings,
        secret_supplied: &supplied,
        scrub: &scrub,
        create_missing: false,
    };
    let plan = build::build(repo, &opts, &target)
        .await
        .map_err(|e| e.to_string())?;
    let bytes = serde_json::to_vec_pretty(&plan).map_err(|e| e.to_string())?;
    jobs::save_plan(repo, &job.tenant, &job.run, &bytes).map_err(|e| e.to_string())?;
    job.plan = Some(PlanSummary {
        hash: plan.hash.clone(),
        commit: plan.commit.clone(),
        target: plan.target.tenant.clone(),
        to_apply: plan.summary.to_apply(),
        sentence: plan.summary.sentence(),
    });
    job.status = JobStatus::Succeeded;
    job.message = Some(plan.summary.sentence());
    Ok(())
}

/// The plan a plan run kept, checked intact.
pub fn plan_of(repo: &Repo, tenant: &str, plan_run: &str) -> Result<Plan, String> {
    let bytes = jobs::read_plan(repo, tenant, plan_run)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("run {plan_run} kept no plan"))?;
    let plan: Plan = serde_json::from_slice(&bytes).map_err(|e| format!("the plan: {e}"))?;
    if !plan.is_intact() {
        return Err("the kept plan was altered".into());
    }
    Ok(plan)
}

/// How far a running apply is, from its journal: items with a request done, of those to apply,
/// and the item worked last.
pub fn apply_progress(repo: &Repo, job: &Job) -> Option<JobProgress> {
    let plan = plan_of(repo, &job.tenant, job.spec.plan_run.as_deref()?).ok()?;
    let path = apply::journal::Journal::path(repo, &plan.target.tenant, &plan.hash).ok()?;
    let progress = apply::journal::Journal::read(&path);
    let mut started: Vec<usize> = progress.done.keys().map(|(i, _)| *i).collect();
    started.dedup();
    Some(JobProgress {
        done: started.len(),
        total: plan.summary.to_apply(),
        current: started
            .last()
            .and_then(|i| plan.items.get(*i))
            .map(|i| format!("{}/{}", i.kind, i.name)),
    })
}

/// Applies exactly the plan of a finished plan run (refused by apply when the tenant changed
/// since; resumed from its journal when a process working it stopped).
async fn apply_job(ctx: &RoundCtx, repo: &Repo, job: &mut Job) -> Result<(), String> {
    use apply::runlog::Outcome;
    let plan_run = job
        .spec
        .plan_run
        .clone()
        .ok_or("an apply names its plan run")?;
    let plan = plan_of(repo, &job.tenant, &plan_run)?;
    let target_config = ctx
        .config
        .tenant(&plan.target.tenant)
        .ok_or_else(|| format!("no tenant `{}` in atlas.yaml", plan.target.tenant))?;
    let target = TenantTarget::from_config(target_config, &ctx.config_path, None)?;
    job.progress = Some(JobProgress {
        done: 0,
        total: plan.summary.to_apply(),
        current: None,
    });
    let _ = jobs::save(repo, job);
    let settings = ApplySettings {
        secrets: apply::Secrets::new(),
        author: repo.author(ctx.config.git_author()),
        command: format!("{COMMAND} by {}", job.requested_by),
        break_lock: None,
        backup_after: true,
        stop: Some(ctx.stop.clone()),
        verify_key: None,
        requested_by: Some(job.requested_by.clone()),
    };
    let report = apply::apply(ctx.root.clone(), target, plan, settings).await;
    if report.locked {
        job.status = JobStatus::Queued;
        job.message = Some(format!(
            "waiting: {}",
            report
                .message
                .as_deref()
                .unwrap_or("another run holds the tenant's lock")
        ));
        return Ok(());
    }
    job.runs.push(report.run_id.clone());
    job.runs.extend(report.backup_run.clone());
    job.items = report
        .items
        .iter()
        .map(|i| ItemOutcome {
            kind: i.kind.clone(),
            name: i.name.clone(),
            action: i.action.as_str().to_string(),
            result: i.result.as_str().to_string(),
            message: i.message.clone(),
            request_ids: i
                .requests
                .iter()
                .filter_map(|r| r.request_id.clone())
                .collect(),
        })
        .collect();
    job.status = match report.outcome {
        Outcome::Success => JobStatus::Succeeded,
        Outcome::Partial => JobStatus::Partial,
        Outcome::Refused => JobStatus::Refused,
        Outcome::Failed => JobStatus::Failed,
    };
    job.message = report.message.clone();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancellation_written_meanwhile_is_never_saved_over() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let at = "2026-01-15T09:30:00Z".parse().unwrap();
        let queued = Job::queued(
            "r1",
            "t",
            JobKind::Backup,
            Default::default(),
            "backup",
            "ci",
            at,
        );
        let mut cancelled = queued.clone();
        cancelled.status = JobStatus::Cancelled;
        cancelled.cancelled_by = Some("desk".into());
        jobs::save(&repo, &cancelled).unwrap();
        // A worker about to start it: not started, the file stays cancelled.
        let mut starting = queued.clone();
        starting.status = JobStatus::Running;
        assert!(!save_unless_cancelled(&repo, &mut starting));
        assert_eq!(starting.status, JobStatus::Cancelled);
        assert_eq!(jobs::get(&repo, "t", "r1").unwrap().unwrap(), cancelled);
        // A worker that finished it anyway: the outcome is kept, with who cancelled and when.
        let mut done = queued;
        done.status = JobStatus::Succeeded;
        done.message = Some("committed abc".into());
        assert!(save_unless_cancelled(&repo, &mut done));
        let kept = jobs::get(&repo, "t", "r1").unwrap().unwrap();
        assert_eq!(kept.status, JobStatus::Succeeded);
        assert_eq!(kept.cancelled_by.as_deref(), Some("desk"));
        assert!(
            kept.message
                .unwrap()
                .contains("came after the run had started")
        );
    }

    #[test]
    fn a_policy_glob_takes_its_name_literally() {
        let g = policy_glob("settingsCatalog/edge-[beta]-x--8d2f3c1e.yaml").unwrap();
        assert!(g.is_match("settingsCatalog/edge-[beta]-x--8d2f3c1e"));
        assert!(!g.is_match("settingsCatalog/edge-b-x--8d2f3c1e"));
    }
}
