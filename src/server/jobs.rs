//! Runs started from the browser or a script: the JSON API that queues them, the view of a queued
//! run, and the workers `serve` runs for the tenants it works (docs/ARCHITECTURE.md, "Runs from
//! the browser").
//!
//! A request handler validates, queues (`records::jobs`) and answers at once — `202` with the run
//! and its URL, or `200` with the run already doing the same thing; it never talks to Graph. The
//! workers take queued runs tenant by tenant (`reconcile::jobs`), one at a time per tenant.

use super::{App, Caller, Problem, blocking, operate};
use crate::config::TokenRole;
use crate::reconcile::jobs::{Running, work_queues};
use crate::reconcile::round::RoundCtx;
use crate::records::jobs::{self, Job, JobKind, JobSpec, JobStatus, Started};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The workers of this process.
pub(crate) struct Workers {
    /// `None`: queued runs are left to another process (`serve --no-work`, a reconcile loop).
    pub ctx: Option<RoundCtx>,
    pub running: Arc<Running>,
    pub wake: Arc<tokio::sync::Notify>,
    /// Starts are checked for duplicates one at a time.
    pub starts: tokio::sync::Mutex<()>,
}

impl Workers {
    pub fn new(ctx: Option<RoundCtx>) -> Workers {
        Workers {
            ctx,
            running: Arc::new(Running::default()),
            wake: Arc::new(tokio::sync::Notify::new()),
            starts: tokio::sync::Mutex::new(()),
        }
    }
}

/// Works the queues of the configured tenants until the server stops.
pub(crate) async fn work(app: Arc<App>) {
    let Some(ctx) = app.workers.ctx.clone() else {
        return;
    };
    work_queues(
        ctx,
        app.workers.running.clone(),
        app.configured.clone(),
        app.workers.wake.clone(),
    )
    .await;
}

/// What `POST /api/tenants/{t}/runs` asks for.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StartRequest {
    pub kind: String,
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub only: Vec<String>,
    #[serde(default)]
    pub to_tenant: Option<String>,
}

/// The answer to a start: the run, where to follow it, and its status.
#[derive(Debug, Serialize)]
pub(crate) struct StartAnswer {
    run: String,
    url: String,
    status: JobStatus,
    /// The run already did (or does) this: no new one was made.
    deduplicated: bool,
}

fn bad(m: impl Into<String>) -> Problem {
    Problem::bad_request(m).api(true)
}

/// A new run's id: the run-id shape (`<UTC time>-<suffix>`) with a random suffix, so runs
/// started in the same second differ.
fn new_run_id() -> String {
    let n: u32 = rand::random();
    format!(
        "{}-q{:06x}",
        crate::clock::now().strftime("%Y%m%dT%H%M%SZ"),
        n & 0xff_ffff
    )
}

/// Checks a start against the repository and makes its run (not yet queued).
pub(crate) async fn make_job(
    app: &Arc<App>,
    caller: &Caller,
    tenant: &str,
    req: StartRequest,
    idempotency_key: Option<String>,
) -> Result<Job, Problem> {
    let kind = match req.kind.as_str() {
        "backup" => JobKind::Backup,
        "capture" => JobKind::Capture,
        "plan" => JobKind::Plan,
        "apply" => {
            return Err(bad(
                "an apply starts from its plan run: POST …/runs/{plan-run}/apply",
            ));
        }
        other => {
            return Err(bad(format!(
                "unknown kind `{other}` (backup, capture, plan)"
            )));
        }
    };
    if let Some(to) = &req.to_tenant
        && !caller.allows(to)
    {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "this token may not use the target tenant",
        )
        .api(true));
    }
    if let Some(to) = &req.to_tenant
        && !app.configured.contains(to)
    {
        return Err(bad(format!("no tenant `{to}` in atlas.yaml")));
    }
    for k in &req.types {
        if crate::catalog::get(k).is_none() {
            return Err(bad(format!("unknown type `{k}`")));
        }
    }
    let mut spec = JobSpec {
        policy: None,
        from: None,
        types: req.types.clone(),
        only: req.only.clone(),
        to_tenant: req.to_tenant.clone(),
        plan_run: None,
    };
    spec.types.sort();
    spec.only.sort();
    let key = match kind {
        JobKind::Backup => "backup".to_string(),
        JobKind::Capture => {
            let policy = req
                .policy
                .clone()
                .ok_or_else(|| bad("a capture names its `policy`"))?;
            let file = policy_file(app, caller, tenant, &policy).await?;
            spec.policy = Some(file.clone());
            format!("capture:{file}")
        }
        JobKind::Plan => {
            let from = req.from.clone().unwrap_or_else(|| "HEAD".into());
            let (a, t) = (app.clone(), tenant.to_string());
            let version = blocking(move || {
                a.repo
                    .tenant_version(&t, &from)
                    .map_err(|e| Problem::bad_request(e.to_string()))?
                    .ok_or_else(|| {
                        Problem::bad_request(format!("{from} holds no version of tenant `{t}`"))
                    })
            })
            .await
            .map_err(|p| p.api(true))?;
            spec.from = Some(version.id.clone());
            format!(
                "plan:{}:{}:{}:{}",
                version.id,
                spec.types.join(","),
                spec.only.join(","),
                spec.to_tenant.as_deref().unwrap_or("")
            )
        }
        JobKind::Apply => unreachable!("refused above"),
    };
    Ok(new_job(tenant, kind, spec, key, caller, idempotency_key))
}

fn new_job(
    tenant: &str,
    kind: JobKind,
    spec: JobSpec,
    key: String,
    caller: &Caller,
    idempotency_key: Option<String>,
) -> Job {
    let mut job = Job::queued(
        &new_run_id(),
        tenant,
        kind,
        spec,
        &key,
        &caller.name,
        crate::clock::now(),
    );
    job.idempotency_key = idempotency_key;
    job
}

/// The document file (`<type>/<file>`) a capture names: a path in the tenant's folder at HEAD, or
/// an object id (the `--<id8>` of a file name, or the whole id).
async fn policy_file(
    app: &Arc<App>,
    caller: &Caller,
    tenant: &str,
    policy: &str,
) -> Result<String, Problem> {
    let idx = app.tenant_index(caller, tenant, true).await?;
    let t = &idx.tenants[tenant];
    let wanted = policy.trim();
    let short = crate::normalize::slug::short_id(wanted);
    let found = t.objects.iter().find_map(|(kind, objs)| {
        objs.iter().find_map(|o| {
            let path = format!("{kind}/{}", o.file);
            let by_path = path == wanted || path.strip_suffix(".yaml") == Some(wanted);
            let by_id = o.file.ends_with(&format!("--{short}.yaml"));
            (by_path || by_id).then_some(path)
        })
    });
    found.ok_or_else(|| bad(format!("no policy `{policy}` in tenant {tenant} at HEAD")))
}

/// Queues `job` (or finds the run that already does it) and wakes the workers.
pub(crate) async fn queue(app: &Arc<App>, job: Job) -> Result<Started, Problem> {
    let _one = app.workers.starts.lock().await;
    let a = app.clone();
    let started = blocking(move || Ok(jobs::enqueue(&a.repo, job)?))
        .await
        .map_err(|p| p.api(true))?;
    match &started {
        Started::New(j) => {
            tracing::info!(tenant = %j.tenant, run = %j.run, kind = j.kind.as_str(), by = %j.requested_by, "run queued");
            app.workers.wake.notify_one();
        }
        Started::KeyReused(j) => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "this Idempotency-Key was used for another start (run {}, a {}): send a new key",
                    j.run,
                    j.kind.as_str()
                ),
            )
            .api(true));
        }
        Started::Existing(_) => {}
    }
    Ok(started)
}

fn answer(started: &Started) -> Response {
    let j = started.job();
    let body = StartAnswer {
        run: j.run.clone(),
        url: format!("/tenants/{}/runs/{}", j.tenant, j.run),
        status: j.status,
        deduplicated: matches!(started, Started::Existing(_)),
    };
    let code = match started {
        Started::New(_) => StatusCode::ACCEPTED,
        Started::Existing(_) | Started::KeyReused(_) => StatusCode::OK,
    };
    (code, Json(body)).into_response()
}

/// The `Idempotency-Key` header, when sent and sane.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => Ok(None),
        Some(Ok(k)) if !k.is_empty() && k.len() <= 200 => Ok(Some(k.to_string())),
        Some(_) => Err(bad("Idempotency-Key must be 1 to 200 visible characters")),
    }
}

/// `POST /api/tenants/{t}/runs`: starts a backup, capture or plan.
pub(crate) async fn start_api(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let caller = operate::api_caller(&app, &headers, &tenant, TokenRole::Operate)?;
    app.tenant_index(&caller, &tenant, true).await?;
    let req: StartRequest =
        serde_json::from_slice(&body).map_err(|e| bad(format!("the body: {e}")))?;
    let job = make_job(&app, &caller, &tenant, req, idempotency_key(&headers)?).await?;
    Ok(answer(&queue(&app, job).await?))
}

/// The plan run `run` of `tenant`, finished, as an apply needs it; the apply run to queue.
pub(crate) async fn apply_job(
    app: &Arc<App>,
    caller: &Caller,
    tenant: &str,
    run: &str,
    idempotency_key: Option<String>,
) -> Result<Job, Problem> {
    let (a, t, r) = (app.clone(), tenant.to_string(), run.to_string());
    let plan_run = blocking(move || Ok(jobs::get(&a.repo, &t, &r)?))
        .await
        .map_err(|p| p.api(true))?
        .ok_or_else(|| Problem::not_found(format!("no run {run}")).api(true))?;
    let summary = match (&plan_run.kind, &plan_run.status, &plan_run.plan) {
        (JobKind::Plan, JobStatus::Succeeded, Some(p)) => p.clone(),
        (JobKind::Plan, s, _) => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                format!("the plan run is {}, not finished", s.as_str()),
            )
            .api(true));
        }
        _ => return Err(bad(format!("run {run} is not a plan run"))),
    };
    if !caller.allows(&summary.target) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "this token may not write the plan's target tenant",
        )
        .api(true));
    }
    if summary.to_apply == 0 {
        return Err(bad("the plan has nothing to apply"));
    }
    let spec = JobSpec {
        plan_run: Some(run.to_string()),
        ..JobSpec::default()
    };
    let key = format!("apply:{}", summary.hash);
    let mut job = new_job(tenant, JobKind::Apply, spec, key, caller, idempotency_key);
    // The apply names the plan it applies, as the audit shows it.
    job.plan = Some(summary);
    Ok(job)
}

/// `POST /api/tenants/{t}/runs/{plan-run}/apply`: applies exactly that plan (`restore` role).
pub(crate) async fn apply_api(
    State(app): State<Arc<App>>,
    Path((tenant, run)): Path<(String, String)>,
    headers: HeaderMap,
    _body: Bytes,
) -> Result<Response, Problem> {
    let caller = operate::api_caller(&app, &headers, &tenant, TokenRole::Restore)?;
    app.tenant_index(&caller, &tenant, true).await?;
    let job = apply_job(&app, &caller, &tenant, &run, idempotency_key(&headers)?).await?;
    Ok(answer(&queue(&app, job).await?))
}

/// Cancels a queued run, or stops a running one this process works (between two requests).
pub(crate) async fn cancel(
    app: &Arc<App>,
    caller: &Caller,
    tenant: &str,
    run: &str,
) -> Result<Job, Problem> {
    let _one = app.workers.starts.lock().await;
    let (a, t, r) = (app.clone(), tenant.to_string(), run.to_string());
    let mut job = blocking(move || Ok(jobs::get(&a.repo, &t, &r)?))
        .await?
        .ok_or_else(|| Problem::not_found(format!("no queued run {run}")))?;
    match job.status {
        JobStatus::Queued => {
            job.status = JobStatus::Cancelled;
            job.finished = Some(crate::clock::now());
            job.cancelled_by = Some(caller.name.clone());
            job.message = Some(format!("cancelled by {} before it started", caller.name));
            let (a, j) = (app.clone(), job.clone());
            blocking(move || Ok(jobs::save(&a.repo, &j)?)).await?;
            Ok(job)
        }
        JobStatus::Running if app.workers.running.cancel(run, &caller.name) => {
            job.cancelled_by = Some(caller.name.clone());
            Ok(job)
        }
        JobStatus::Running => Err(Problem::new(
            StatusCode::CONFLICT,
            "the run is worked by another process; stop that process to stop it",
        )),
        s => Err(Problem::new(
            StatusCode::CONFLICT,
            format!("the run has ended ({})", s.as_str()),
        )),
    }
}

/// `DELETE /api/tenants/{t}/runs/{run}`.
pub(crate) async fn cancel_api(
    State(app): State<Arc<App>>,
    Path((tenant, run)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = operate::api_caller(&app, &headers, &tenant, TokenRole::Operate)?;
    let job = cancel(&app, &caller, &tenant, &run)
        .await
        .map_err(|p| p.api(true))?;
    Ok((StatusCode::ACCEPTED, Json(view(&app, job).await)).into_response())
}

/// A queued run as the API shows it: the run, its progress (an apply's read from its journal), the
/// plan of a plan run.
#[derive(Debug, Serialize)]
pub(crate) struct JobView {
    #[serde(flatten)]
    pub job: Job,
    #[serde(rename = "planDetail", skip_serializing_if = "Option::is_none")]
    pub plan_detail: Option<crate::plan::Plan>,
}

/// The view of a run, with live progress.
pub(crate) async fn view(app: &Arc<App>, job: Job) -> JobView {
    let (a, fallback) = (app.clone(), job.clone());
    let (job, plan) = blocking(move || {
        let mut job = job;
        let plan = match (&job.kind, &job.status) {
            (JobKind::Plan, JobStatus::Succeeded) => {
                crate::reconcile::jobs::plan_of(&a.repo, &job.tenant, &job.run).ok()
            }
            _ => None,
        };
        if job.kind == JobKind::Apply && job.status == JobStatus::Running {
            job.progress = crate::reconcile::jobs::apply_progress(&a.repo, &job);
        }
        Ok((job, plan))
    })
    .await
    .unwrap_or((fallback, None));
    JobView {
        job,
        plan_detail: plan,
    }
}

/// A queued run of the tenant, if `run` names one.
pub(crate) async fn find(app: &Arc<App>, tenant: &str, run: &str) -> Result<Option<Job>, Problem> {
    let (a, t, r) = (app.clone(), tenant.to_string(), run.to_string());
    blocking(move || Ok(jobs::get(&a.repo, &t, &r)?)).await
}

/// The tenant's queued runs, newest first.
pub(crate) async fn of_tenant(app: &Arc<App>, tenant: &str) -> Result<Vec<Job>, Problem> {
    let (a, t) = (app.clone(), tenant.to_string());
    let mut all = blocking(move || Ok(jobs::list(&a.repo, &t)?)).await?;
    all.reverse();
    Ok(all)
}

/// Whether a caller may see a queued run's details: its tenant, and for a cross-tenant plan the
/// target too.
pub(crate) fn visible_to(caller: &Caller, job: &Job) -> bool {
    caller.allows(&job.tenant)
        && job
            .spec
            .to_tenant
            .as_deref()
            .is_none_or(|t| caller.allows(t))
}
