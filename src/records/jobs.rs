//! The run queue: what people start from `serve` (a backup, a capture of one policy, a restore
//! preview, the apply of a previewed plan) waits here until the process that works the tenant
//! takes it (docs/ARCHITECTURE.md, "Runs from the browser").
//!
//! One JSON file per run, `.git/atlas/queue/<tenant>/<run id>.json`, rewritten atomically at each
//! change of state; a plan run keeps its sealed plan beside it (`<run id>.plan.json`). A start is
//! deduplicated: the same kind of run for the same target while one is queued or running is that
//! run, and an `Idempotency-Key` a token sent before gives back the run it made. Request handlers
//! only write these files; workers do the Graph work.

use crate::store::housekeeping::{Age, Category, Sweep};
use crate::store::{Repo, StoreError, state};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The folder below `.git/atlas/`.
pub const AREA: &str = "queue";

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// Back the whole tenant up.
    Backup,
    /// Back up one policy (`backup --only` it).
    Capture,
    /// A restore preview: read-only.
    Plan,
    /// Apply exactly a finished plan run.
    Apply,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Backup => "backup",
            JobKind::Capture => "capture",
            JobKind::Plan => "plan",
            JobKind::Apply => "apply",
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Partial,
    Failed,
    Refused,
    Cancelled,
}

impl JobStatus {
    /// Queued or running: a start of the same thing is this run.
    pub fn active(self) -> bool {
        matches!(self, JobStatus::Queued | JobStatus::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Partial => "partial",
            JobStatus::Failed => "failed",
            JobStatus::Refused => "refused",
            JobStatus::Cancelled => "cancelled",
        }
    }
}

/// What a run was asked to do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    /// `capture`: the policy, as `<type>/<file>` of the tenant's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// `plan`: the revision to restore from (a commit, `HEAD~N`, a backup set), resolved to a
    /// commit when the run is started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// `plan`: only these types (catalog keys).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// `plan`: only these objects (`<type>/<name>` globs, as `plan --only`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    /// `plan`: restore into this configured tenant instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_tenant: Option<String>,
    /// `apply`: the plan run whose plan is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_run: Option<String>,
}

/// How far a running run is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobProgress {
    pub done: usize,
    pub total: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
}

/// A plan run's plan, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanSummary {
    pub hash: String,
    /// The commit planned from.
    pub commit: String,
    /// The tenant the plan writes.
    pub target: String,
    /// Creates and updates.
    pub to_apply: usize,
    /// As `plan` says it: "2 to create, 1 to update, …".
    pub sentence: String,
}

/// The outcome of one item of an apply run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemOutcome {
    pub kind: String,
    pub name: String,
    pub action: String,
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Graph's request ids of the item's requests, for support cases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_ids: Vec<String>,
}

/// One run of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// The run's id (also its file name).
    pub run: String,
    pub tenant: String,
    pub kind: JobKind,
    #[serde(default)]
    pub spec: JobSpec,
    /// What makes two starts the same run.
    pub key: String,
    /// The token that started it.
    pub requested_by: String,
    #[schemars(with = "String")]
    pub requested_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    pub status: JobStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub started: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub finished: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<JobProgress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The run logs it made (a backup's, an apply's and the backup after it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanSummary>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemOutcome>,
    /// Who cancelled it, when it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
}

impl Job {
    /// A new queued run.
    pub fn queued(
        run: &str,
        tenant: &str,
        kind: JobKind,
        spec: JobSpec,
        key: &str,
        requested_by: &str,
        requested_at: Timestamp,
    ) -> Job {
        Job {
            run: run.to_string(),
            tenant: tenant.to_string(),
            kind,
            spec,
            key: key.to_string(),
            requested_by: requested_by.to_string(),
            requested_at,
            idempotency_key: None,
            status: JobStatus::Queued,
            started: None,
            finished: None,
            progress: None,
            message: None,
            runs: vec![],
            plan: None,
            items: vec![],
            cancelled_by: None,
        }
    }
}

/// A start: a new run, or the one that already does it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    New(Job),
    Existing(Job),
    /// The token used the idempotency key for another start (another kind or target): this run.
    KeyReused(Job),
}

impl Started {
    pub fn job(&self) -> &Job {
        match self {
            Started::New(j) | Started::Existing(j) | Started::KeyReused(j) => j,
        }
    }
}

fn area(tenant: &str) -> String {
    format!("{AREA}/{tenant}")
}

fn file(run: &str) -> String {
    format!("{run}.json")
}

/// The file name of a plan run's plan.
pub fn plan_file(run: &str) -> String {
    format!("{run}.plan.json")
}

/// Writes a run's file (atomically).
pub fn save(repo: &Repo, job: &Job) -> Result<(), StoreError> {
    let mut bytes = serde_json::to_vec_pretty(job).unwrap_or_default();
    bytes.push(b'\n');
    state::write(repo, &area(&job.tenant), &file(&job.run), &bytes)
}

/// One run of a tenant; `None` when there is none of that id (or its file does not parse).
pub fn get(repo: &Repo, tenant: &str, run: &str) -> Result<Option<Job>, StoreError> {
    if !valid_run_id(run) {
        return Ok(None);
    }
    Ok(state::read(repo, &area(tenant), &file(run))?.and_then(|b| serde_json::from_slice(&b).ok()))
}

/// Every run of a tenant, oldest first.
pub fn list(repo: &Repo, tenant: &str) -> Result<Vec<Job>, StoreError> {
    let mut jobs = vec![];
    for name in state::list(repo, &area(tenant))? {
        let Some(run) = name.strip_suffix(".json") else {
            continue;
        };
        if run.ends_with(".plan") {
            continue;
        }
        if let Some(j) = get(repo, tenant, run)? {
            jobs.push(j);
        }
    }
    jobs.sort_by(|a, b| (a.requested_at, &a.run).cmp(&(b.requested_at, &b.run)));
    Ok(jobs)
}

/// Keeps a plan run's plan (its sealed JSON).
pub fn save_plan(repo: &Repo, tenant: &str, run: &str, plan_json: &[u8]) -> Result<(), StoreError> {
    state::write(repo, &area(tenant), &plan_file(run), plan_json)
}

/// A plan run's plan, as kept.
pub fn read_plan(repo: &Repo, tenant: &str, run: &str) -> Result<Option<Vec<u8>>, StoreError> {
    if !valid_run_id(run) {
        return Ok(None);
    }
    state::read(repo, &area(tenant), &plan_file(run))
}

/// Run ids are `[A-Za-z0-9-]`: a path segment never reaches the file system otherwise.
pub fn valid_run_id(run: &str) -> bool {
    !run.is_empty() && run.len() <= 80 && run.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Queues `job` unless the same run is queued or running, or the token already started one with
/// the same idempotency key; the caller serializes starts (one process enqueues).
pub fn enqueue(repo: &Repo, job: Job) -> Result<Started, StoreError> {
    let existing = list(repo, &job.tenant)?;
    if let Some(k) = &job.idempotency_key
        && let Some(j) = existing
            .iter()
            .find(|j| j.idempotency_key.as_ref() == Some(k) && j.requested_by == job.requested_by)
    {
        return Ok(if j.kind == job.kind && j.key == job.key {
            Started::Existing(j.clone())
        } else {
            Started::KeyReused(j.clone())
        });
    }
    if let Some(j) = existing
        .iter()
        .find(|j| j.status.active() && j.kind == job.kind && j.key == job.key)
    {
        return Ok(Started::Existing(j.clone()));
    }
    save(repo, &job)?;
    Ok(Started::New(job))
}

/// What housekeeping may remove of the queue: runs that ended longer than `max_age` ago (by
/// their file's time), with their kept plans; a queued or running run, and the plan of a plan run
/// an active apply names, are never removed.
pub fn sweep(repo: &Repo, max_age: &Age, now: Timestamp) -> Result<Sweep, StoreError> {
    let mut sweep = Sweep::new(Category::Queue);
    for (tenant, dir) in crate::store::housekeeping::tenant_folders(repo, AREA)? {
        let all = list(repo, &tenant)?;
        let needed: std::collections::BTreeSet<&str> = all
            .iter()
            .filter(|j| j.status.active())
            .filter_map(|j| j.spec.plan_run.as_deref())
            .collect();
        for j in &all {
            let path = dir.join(file(&j.run));
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if j.status.active() || needed.contains(j.run.as_str()) {
                sweep.keep(
                    repo,
                    &path,
                    format!("{} run, still needed", j.status.as_str()),
                );
                continue;
            }
            if !max_age.exceeded_by(&meta, now) {
                sweep.leave();
                continue;
            }
            let why = format!(
                "{} {} older than {}",
                j.status.as_str(),
                j.kind.as_str(),
                max_age.shown
            );
            sweep.remove(repo, &path, why.clone());
            let plan = dir.join(plan_file(&j.run));
            if plan.exists() {
                sweep.remove(repo, &plan, format!("the plan of a {why}"));
            }
        }
    }
    Ok(sweep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(run: &str, kind: JobKind, key: &str) -> Job {
        let at = "2026-01-15T09:30:00Z".parse().unwrap();
        Job::queued(run, "contoso", kind, JobSpec::default(), key, "desk", at)
    }

    #[test]
    fn the_same_start_is_the_same_run_while_it_is_active() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = &Repo::init(tmp.path()).unwrap();
        let first = enqueue(repo, job("r1", JobKind::Backup, "backup")).unwrap();
        assert!(matches!(first, Started::New(_)));
        let again = enqueue(repo, job("r2", JobKind::Backup, "backup")).unwrap();
        assert_eq!(again, Started::Existing(first.job().clone()));
        let other = enqueue(repo, job("r3", JobKind::Capture, "capture:a")).unwrap();
        assert!(matches!(other, Started::New(_)));
        let mut done = first.job().clone();
        done.status = JobStatus::Succeeded;
        save(repo, &done).unwrap();
        assert!(matches!(
            enqueue(repo, job("r4", JobKind::Backup, "backup")).unwrap(),
            Started::New(_)
        ));
        let runs: Vec<String> = list(repo, "contoso")
            .unwrap()
            .into_iter()
            .map(|j| j.run)
            .collect();
        assert_eq!(runs, ["r1", "r3", "r4"]);
    }

    #[test]
    fn an_idempotency_key_gives_back_the_run_it_made_for_that_token_only() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = &Repo::init(tmp.path()).unwrap();
        let mut a = job("r1", JobKind::Plan, "plan:x");
        a.idempotency_key = Some("k-1".into());
        enqueue(repo, a.clone()).unwrap();
        let mut done = a.clone();
        done.status = JobStatus::Succeeded;
        save(repo, &done).unwrap();
        let mut retry = job("r2", JobKind::Plan, "plan:x");
        retry.idempotency_key = Some("k-1".into());
        assert_eq!(
            enqueue(repo, retry.clone()).unwrap(),
            Started::Existing(done),
            "even once finished"
        );
        let mut other = retry.clone();
        other.kind = JobKind::Backup;
        other.key = "backup".into();
        assert!(matches!(
            enqueue(repo, other).unwrap(),
            Started::KeyReused(_)
        ));
        retry.requested_by = "someone-else".into();
        assert!(matches!(enqueue(repo, retry).unwrap(), Started::New(_)));
    }

    #[test]
    fn housekeeping_takes_old_ended_runs_and_never_an_active_one() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = &Repo::init(tmp.path()).unwrap();
        let mut plan = job("p1", JobKind::Plan, "plan:x");
        plan.status = JobStatus::Succeeded;
        save(repo, &plan).unwrap();
        save_plan(repo, "contoso", "p1", b"{}").unwrap();
        let mut apply = job("a1", JobKind::Apply, "apply:x");
        apply.spec.plan_run = Some("p1".into());
        save(repo, &apply).unwrap(); // queued: it needs p1's plan
        let mut old = job("b1", JobKind::Backup, "backup");
        old.status = JobStatus::Failed;
        save(repo, &old).unwrap();
        let age = Age {
            limit: std::time::Duration::from_secs(3600),
            shown: "1h".into(),
        };
        let later = crate::clock::now() + jiff::SignedDuration::from_hours(2);
        let report = crate::store::housekeeping::carry_out(
            repo,
            vec![sweep(repo, &age, later).unwrap()],
            false,
        );
        let names = crate::store::housekeeping::Item::names;
        assert_eq!(names(&report.sections[0].removed), ["b1.json"]);
        let runs: Vec<String> = list(repo, "contoso")
            .unwrap()
            .into_iter()
            .map(|j| j.run)
            .collect();
        assert_eq!(runs, ["a1", "p1"]);
        assert!(read_plan(repo, "contoso", "p1").unwrap().is_some());
        // Once the apply ended, its plan run goes too.
        apply.status = JobStatus::Succeeded;
        save(repo, &apply).unwrap();
        let report = crate::store::housekeeping::carry_out(
            repo,
            vec![sweep(repo, &age, later).unwrap()],
            false,
        );
        assert_eq!(
            names(&report.sections[0].removed),
            ["a1.json", "p1.json", "p1.plan.json"]
        );
    }

    #[test]
    fn run_ids_never_leave_the_folder() {
        assert!(valid_run_id("20260115T093000Z-test01"));
        for bad in ["", "../x", "a/b", "a.b", "x".repeat(81).as_str()] {
            assert!(!valid_run_id(bad), "{bad}");
        }
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        assert_eq!(get(&repo, "contoso", "../../HEAD").unwrap(), None);
    }
}
