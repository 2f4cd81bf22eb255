//! The JSON API (`/api/…`), the webhook and `/healthz`; and the data both the API and the pages
//! show, so the two always agree.

use super::index::{Index, LastBackup, TenantIndex};
use super::policy::{Diff, HistoryEntry, PolicyRef, Version};
use super::runs::{RunSource, RunSummary};
use super::{App, Caller, Problem, blocking, limits};
use crate::records::status::{Drift, Round};
use crate::store::layout;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) type Params = Query<BTreeMap<String, String>>;

/// A tenant on the overview.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantSummary {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_backup: Option<LastBackup>,
    pub objects: usize,
    /// Documents per type key.
    pub types: BTreeMap<String, usize>,
    pub drift: DriftState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run: Option<RunSummary>,
    /// The reconcile loop's state (`idle`, `running`, …) and mode, when it ran for this tenant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconcile: Option<ReconcileState>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileState {
    pub state: Value,
    pub mode: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_run: Option<jiff::Timestamp>,
    pub consecutive_failures: u32,
}

/// Drift as last measured by the reconcile loop.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftState {
    /// `unknown` (never measured), `none` or `drifted`.
    pub state: &'static str,
    pub objects: usize,
    /// Objects the last enforce round found drifted and reverted.
    #[serde(skip_serializing_if = "is_zero")]
    pub corrected: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked: Option<jiff::Timestamp>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub(crate) fn summary(t: &TenantIndex) -> TenantSummary {
    let drift = t.status.as_ref().and_then(|s| s.drift.as_ref());
    TenantSummary {
        name: t.name.clone(),
        tenant_id: t.tenant_id.clone(),
        last_backup: t.last_backup.clone(),
        objects: t.object_count(),
        types: t
            .objects
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect(),
        drift: DriftState {
            state: match drift {
                None => "unknown",
                Some(d) if d.objects.is_empty() && d.unread.is_empty() => "none",
                Some(_) => "drifted",
            },
            objects: drift.map_or(0, |d| d.objects.len()),
            corrected: drift.map_or(0, |d| d.corrected.len()),
            checked: drift.map(|d| d.checked),
        },
        last_run: super::runs::last(&t.runs).cloned(),
        reconcile: t.status.as_ref().map(|s| ReconcileState {
            state: serde_json::to_value(s.state).unwrap_or_default(),
            mode: serde_json::to_value(s.mode).unwrap_or_default(),
            next_run: s.next_run,
            consecutive_failures: s.consecutive_failures,
        }),
    }
}

/// The tenants a caller may read.
pub(crate) fn visible(idx: &Index, caller: &Caller) -> Vec<TenantSummary> {
    idx.tenants
        .values()
        .filter(|t| caller.allows(&t.name))
        .map(summary)
        .collect()
}

/// One type folder of a tenant.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeListing {
    pub key: String,
    pub title: String,
    pub count: usize,
    pub objects: Vec<super::ObjectEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantDetail {
    #[serde(flatten)]
    pub summary: TenantSummary,
    #[serde(rename = "policies")]
    pub listing: Vec<TypeListing>,
    /// Certificates and tokens of the last backup that expire soon or have expired
    /// (docs/ARCHITECTURE.md, "Expiry health").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<crate::health::Expiry>,
    /// The tenant's backup sets (named versions), newest first (docs/ARCHITECTURE.md, "Backup
    /// sets").
    #[serde(rename = "backupSets", skip_serializing_if = "Vec::is_empty")]
    pub backup_sets: Vec<crate::store::tags::BackupSet>,
    /// The last onboarding check (`tenant-atlas check`), if one was kept (docs/ARCHITECTURE.md,
    /// "Onboarding check").
    #[serde(rename = "lastCheck", skip_serializing_if = "Option::is_none")]
    pub last_check: Option<crate::onboard::TenantCheck>,
}

/// The tenant's detail with the expiry health of its documents at HEAD (only the documents of
/// types with expiry dates are read).
pub(crate) async fn detail_with_health(
    app: &Arc<App>,
    t: &TenantIndex,
) -> Result<TenantDetail, Problem> {
    let mut d = detail(t);
    let (a, name) = (app.clone(), t.name.clone());
    (d.backup_sets, d.last_check) = blocking(move || {
        let sets = a
            .repo
            .backup_sets(Some(&name))
            .map_err(|e| Problem::internal(e.to_string()))?;
        Ok((sets, crate::onboard::last(&a.repo, &name)))
    })
    .await?;
    let wanted: Vec<(String, String)> = t
        .objects
        .iter()
        .flat_map(|(k, v)| {
            v.iter()
                .map(move |o| (format!("{k}/{}", o.file), o.blob.clone()))
        })
        .filter(|(path, _)| crate::health::dated(path))
        .collect();
    if wanted.is_empty() {
        return Ok(d);
    }
    let (app, name) = (app.clone(), t.name.clone());
    d.health = blocking(move || {
        let mut files = BTreeMap::new();
        for (path, blob) in wanted {
            files.insert(path, app.repo.read_blob(&blob)?);
        }
        let prefix = crate::store::layout::tenant(&name);
        Ok(crate::health::expiries(
            &prefix,
            &files,
            crate::clock::now(),
        ))
    })
    .await?;
    Ok(d)
}

pub(crate) fn detail(t: &TenantIndex) -> TenantDetail {
    TenantDetail {
        health: vec![],
        backup_sets: vec![],
        last_check: None,
        summary: summary(t),
        listing: t
            .objects
            .iter()
            .map(|(k, v)| TypeListing {
                key: k.clone(),
                title: crate::catalog::get(k)
                    .map(|e| e.title.to_string())
                    .unwrap_or_else(|| k.clone()),
                count: v.len(),
                objects: v.clone(),
            })
            .collect(),
    }
}

/// A page of the runs list.
#[derive(Debug, Clone, Serialize)]
pub struct RunsPage {
    pub tenant: String,
    pub page: usize,
    pub pages: usize,
    pub total: usize,
    pub runs: Vec<RunSummary>,
}

pub(crate) fn runs_page(
    t: &TenantIndex,
    params: &BTreeMap<String, String>,
    per_page: usize,
) -> Result<RunsPage, Problem> {
    let page = match params.get("page") {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| Problem::bad_request("page must be a number from 1"))?,
    };
    let total = t.runs.len();
    let pages = total.div_ceil(per_page).max(1);
    Ok(RunsPage {
        tenant: t.name.clone(),
        page,
        pages,
        total,
        runs: t
            .runs
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .cloned()
            .collect(),
    })
}

/// One run log, whole.
#[derive(Debug, Clone, Serialize)]
pub struct RunDetail {
    pub summary: RunSummary,
    pub log: Value,
}

pub(crate) async fn run_detail(
    app: &Arc<App>,
    t: &TenantIndex,
    run: &str,
) -> Result<RunDetail, Problem> {
    limits::run_id(run)?;
    let summary = t
        .runs
        .iter()
        .find(|r| r.run_id == run)
        .cloned()
        .ok_or_else(|| Problem::not_found("no such run"))?;
    let app2 = app.clone();
    let tenant = t.name.clone();
    let source = summary.source.clone();
    let bytes = blocking(move || match &source {
        RunSource::Committed(path) => Ok(app2.repo.read_at("HEAD", path)?),
        RunSource::Private(file) => {
            limits::run_id(file)?;
            let p = layout::private_runs(app2.repo.git_dir(), &tenant).join(file);
            Ok(std::fs::read(p).ok())
        }
    })
    .await?
    .ok_or_else(|| Problem::not_found("the run log is gone"))?;
    let log = super::runs::parse(&bytes).unwrap_or(Value::Null);
    Ok(RunDetail { summary, log })
}

/// The drift view's data.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftView {
    pub tenant: String,
    pub state: DriftState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_round: Option<Round>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reconcile_run: Option<RunSummary>,
}

pub(crate) fn drift_view(t: &TenantIndex) -> DriftView {
    DriftView {
        tenant: t.name.clone(),
        state: summary(t).drift,
        drift: t.status.as_ref().and_then(|s| s.drift.clone()),
        last_round: t.status.as_ref().and_then(|s| s.last_round.clone()),
        last_reconcile_run: t.runs.iter().find(|r| r.kind == "reconcile").cloned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

pub(crate) fn json<T: Serialize>(v: &T) -> Response {
    Json(v).into_response()
}

pub(crate) async fn tenants(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, true)?;
    let idx = app.current(true).await?;
    Ok(json(
        &serde_json::json!({ "tenants": visible(&idx, &caller) }),
    ))
}

pub(crate) async fn tenant(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, true)?;
    let idx = app.tenant_index(&caller, &tenant, true).await?;
    Ok(json(
        &detail_with_health(&app, &idx.tenants[&tenant]).await?,
    ))
}

/// Checks access and the policy's names; the policy reference.
pub(crate) async fn policy_ref(
    app: &Arc<App>,
    headers: &HeaderMap,
    (tenant, kind, file): &(String, String, String),
    api: bool,
) -> Result<PolicyRef, Problem> {
    let caller = app.caller(headers, api)?;
    let p = PolicyRef::new(tenant, kind, file).map_err(|p| p.api(api))?;
    app.tenant_index(&caller, tenant, api).await?;
    Ok(p)
}

pub(crate) async fn version(
    app: &Arc<App>,
    p: &PolicyRef,
    params: &BTreeMap<String, String>,
) -> Result<Arc<Version>, Problem> {
    let rev = params.get("rev").cloned().unwrap_or_else(|| "HEAD".into());
    let (app, p) = (app.clone(), p.clone());
    blocking(move || app.policies.version(&app.repo, &p, &rev)).await
}

pub(crate) async fn history_of(
    app: &Arc<App>,
    p: &PolicyRef,
) -> Result<Arc<Vec<HistoryEntry>>, Problem> {
    let (app, p) = (app.clone(), p.clone());
    blocking(move || app.policies.history(&app.repo, &p, app.opts.history_limit)).await
}

pub(crate) async fn diff_of(
    app: &Arc<App>,
    p: &PolicyRef,
    params: &BTreeMap<String, String>,
) -> Result<Diff, Problem> {
    let (Some(from), Some(to)) = (params.get("from").cloned(), params.get("to").cloned()) else {
        return Err(Problem::bad_request(
            "choose two versions: ?from=REV&to=REV",
        ));
    };
    let (app, p) = (app.clone(), p.clone());
    blocking(move || app.policies.diff(&app.repo, &p, &from, &to)).await
}

pub(crate) async fn policy(
    State(app): State<Arc<App>>,
    Path(names): Path<(String, String, String)>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let p = policy_ref(&app, &headers, &names, true).await?;
    let v = version(&app, &p, &params).await.map_err(|e| e.api(true))?;
    Ok(json(&*v))
}

pub(crate) async fn history(
    State(app): State<Arc<App>>,
    Path(names): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let p = policy_ref(&app, &headers, &names, true).await?;
    let h = history_of(&app, &p).await.map_err(|e| e.api(true))?;
    Ok(json(
        &serde_json::json!({ "path": p.path(), "entries": &*h }),
    ))
}

pub(crate) async fn diff(
    State(app): State<Arc<App>>,
    Path(names): Path<(String, String, String)>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let p = policy_ref(&app, &headers, &names, true).await?;
    let d = diff_of(&app, &p, &params).await.map_err(|e| e.api(true))?;
    Ok(json(&d))
}

pub(crate) async fn runs(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, true)?;
    let idx = app.tenant_index(&caller, &tenant, true).await?;
    let page = runs_page(&idx.tenants[&tenant], &params, app.opts.runs_per_page)
        .map_err(|e| e.api(true))?;
    Ok(json(&page))
}

pub(crate) async fn run(
    State(app): State<Arc<App>>,
    Path((tenant, run)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, true)?;
    let idx = app.tenant_index(&caller, &tenant, true).await?;
    if let Some(job) = super::jobs::find(&app, &tenant, &run)
        .await
        .map_err(|e| e.api(true))?
    {
        if !super::jobs::visible_to(&caller, &job) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "this token may not read the run's target tenant",
            )
            .api(true));
        }
        return Ok(json(&super::jobs::view(&app, job).await));
    }
    let d = run_detail(&app, &idx.tenants[&tenant], &run)
        .await
        .map_err(|e| e.api(true))?;
    Ok(json(&d))
}

pub(crate) async fn drift(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, true)?;
    let idx = app.tenant_index(&caller, &tenant, true).await?;
    Ok(json(&drift_view(&idx.tenants[&tenant])))
}

/// `POST /hooks/reconcile/{tenant}`: asks the reconcile loop for a round (the body is ignored).
pub(crate) async fn hook(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    _body: Bytes,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, true)?;
    if !caller.may(crate::config::TokenRole::Operate) {
        return Err(
            Problem::new(StatusCode::FORBIDDEN, "this token may not trigger rounds").api(true),
        );
    }
    app.tenant_index(&caller, &tenant, true).await?;
    let source = format!("webhook:{}", caller.name);
    let app2 = app.clone();
    let t = tenant.clone();
    let req = blocking(move || Ok(crate::records::trigger::request(&app2.repo, &t, &source)?))
        .await
        .map_err(|e| e.api(true))?;
    tracing::info!(tenant = %tenant, token = %caller.name, "reconcile round requested");
    Ok((StatusCode::ACCEPTED, Json(req)).into_response())
}

/// `GET /healthz`: 200 `ok` when the repository can be read.
pub(crate) async fn healthz(State(app): State<Arc<App>>) -> Response {
    let app2 = app.clone();
    match blocking(move || Ok(app2.repo.head()?)).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "repository unreadable\n").into_response(),
    }
}
