//! The pages of runs started from the browser: the buttons that start them (back up now, capture
//! this policy), the restore wizard (choose a version and items, preview the plan, apply it), and
//! a queued run's page, which refreshes itself while the run is active. Forms post to the same
//! checks and queue as the JSON API (`jobs.rs`); every page works without JavaScript.

use super::jobs::{self, StartRequest};
use super::operate::csrf_field;
use super::pages::{page, run_href, section_crumbs, ts};
use super::{App, Caller, Problem, operate};
use crate::config::TokenRole;
use crate::records::jobs::{Job, JobKind, JobStatus};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};
use std::collections::BTreeMap;
use std::sync::Arc;

fn see_other(location: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// `POST /tenants/{t}/runs` (forms): starts a run, then its page.
pub(crate) async fn start_form(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let (caller, f) = operate::form_caller(&app, &headers, &tenant, TokenRole::Operate, &body)?;
    app.tenant_index(&caller, &tenant, false).await?;
    let req = StartRequest {
        kind: f.first("kind").unwrap_or_default(),
        policy: f.first("policy"),
        from: f.first("from"),
        types: vec![],
        only: f.all("only"),
        to_tenant: f.first("toTenant").filter(|t| *t != tenant),
    };
    if req.kind == "plan" && req.only.is_empty() {
        return Err(Problem::bad_request("choose at least one item to restore"));
    }
    let job = jobs::make_job(&app, &caller, &tenant, req, None)
        .await
        .map_err(|p| p.api(false))?;
    let started = jobs::queue(&app, job).await.map_err(|p| p.api(false))?;
    Ok(see_other(run_href(&tenant, &started.job().run)))
}

/// `POST /tenants/{t}/runs/{run}/apply` (form): applies a plan run's plan.
pub(crate) async fn apply_form(
    State(app): State<Arc<App>>,
    Path((tenant, run)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let (caller, f) = operate::form_caller(&app, &headers, &tenant, TokenRole::Restore, &body)?;
    app.tenant_index(&caller, &tenant, false).await?;
    let job = jobs::apply_job(&app, &caller, &tenant, &run, None)
        .await
        .map_err(|p| p.api(false))?;
    // The form names the plan it showed; the run names the one it applies (read once above).
    if let (Some(shown), Some(plan)) = (f.first("hash"), &job.plan)
        && shown != plan.hash
    {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "the plan changed since the page was shown",
        ));
    }
    let started = jobs::queue(&app, job).await.map_err(|p| p.api(false))?;
    Ok(see_other(run_href(&tenant, &started.job().run)))
}

/// `POST /tenants/{t}/runs/{run}/cancel` (form).
pub(crate) async fn cancel_form(
    State(app): State<Arc<App>>,
    Path((tenant, run)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let (caller, _) = operate::form_caller(&app, &headers, &tenant, TokenRole::Operate, &body)?;
    jobs::cancel(&app, &caller, &tenant, &run).await?;
    Ok(see_other(run_href(&tenant, &run)))
}

/// `GET /tenants/{t}/restore?from=REV[&only=…]`: the restore wizard — a version's objects by type
/// to choose from, the target tenant, then a preview.
pub(crate) async fn wizard(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    app.tenant_index(&caller, &tenant, false).await?;
    if !caller.may(TokenRole::Operate) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "this token may only read (the `operate` role previews restores)",
        ));
    }
    let from = params
        .iter()
        .find(|(k, _)| k == "from")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "HEAD".into());
    let chosen: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "only")
        .map(|(_, v)| v.clone())
        .collect();
    let (a, t, rev) = (app.clone(), tenant.clone(), from.clone());
    let (rows, version) = super::blocking(move || {
        let version = a
            .repo
            .tenant_version(&t, &rev)
            .map_err(|e| Problem::bad_request(e.to_string()))?
            .ok_or_else(|| {
                Problem::bad_request(format!("{rev} holds no version of tenant `{t}`"))
            })?;
        let q = crate::inventory::Query {
            tenants: vec![t.clone()],
            rev: Some(version.id.clone()),
            ..Default::default()
        };
        let (rows, _) =
            crate::inventory::list(&a.repo, &q).map_err(|e| Problem::bad_request(e.to_string()))?;
        Ok((rows, version))
    })
    .await?;
    let mut by_type: BTreeMap<(usize, String), Vec<&crate::inventory::Row>> = BTreeMap::new();
    for r in &rows {
        let order = crate::catalog::all()
            .iter()
            .position(|e| e.key == r.kind)
            .unwrap_or(usize::MAX);
        by_type.entry((order, r.kind.clone())).or_default().push(r);
    }
    let stem = |r: &crate::inventory::Row| {
        let file = r.path.rsplit('/').next().unwrap_or("");
        format!("{}/{}", r.kind, file.strip_suffix(".yaml").unwrap_or(file))
    };
    let body = html! {
        form.wizard method="get" action=(format!("/tenants/{tenant}/restore")) {
            label for="from" { "Version " }
            input id="from" name="from" value=(from) size="20";
            " " button type="submit" { "Show" }
        }
        p { "Version " code { (version.short_id) } " · " (version.time) " · " (version.summary) }
        form.wizard #restore method="post" action=(format!("/tenants/{tenant}/runs")) {
            (csrf_field(&caller))
            input type="hidden" name="kind" value="plan";
            input type="hidden" name="from" value=(version.id);
            p {
                label for="toTenant" { "Restore into " }
                select id="toTenant" name="toTenant" {
                    @for t in &caller.readable { option value=(t) selected[*t == tenant] { (t) } }
                }
            }
            @for ((_, kind), objs) in &by_type {
                fieldset {
                    legend {
                        label { input type="checkbox" name="only" value=(format!("{kind}/*")) checked[chosen.contains(&format!("{kind}/*"))]; " " (crate::catalog::label(kind)) " — all " (objs.len()) }
                    }
                    @for r in objs {
                        label.item { input type="checkbox" name="only" value=(stem(r)) checked[chosen.contains(&stem(r))]; " " (r.name) } br;
                    }
                }
            }
            p { button #preview type="submit" { "Preview the restore" } " " span.none { "Reads only: nothing is written until the plan is applied." } }
        }
    };
    Ok(page(
        &format!("Restore {tenant}"),
        Some(&caller),
        &section_crumbs(&tenant, "restore", None),
        body,
    )
    .into_response())
}

/// A queued run's page; it reloads itself every 2 s while the run is queued or running.
pub(super) async fn job_page(
    app: &Arc<App>,
    caller: &Caller,
    job: Job,
) -> Result<Response, Problem> {
    if !jobs::visible_to(caller, &job) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "this token may not read the run's target tenant",
        ));
    }
    let tenant = job.tenant.clone();
    let v = jobs::view(app, job).await;
    let j = &v.job;
    let active = j.status.active();
    let body = html! {
        @if active { (PreEscaped("<meta http-equiv=\"refresh\" content=\"2\">")) }
        table.meta {
            tr { th { "kind" } td { (j.kind.as_str()) } }
            tr { th { "status" } td class=(format!("outcome-{}", j.status.as_str())) { (j.status.as_str()) } }
            tr { th { "requested" } td { (ts(Some(j.requested_at))) " by " (j.requested_by) } }
            @if let Some(s) = j.started { tr { th { "started" } td { (ts(Some(s))) } } }
            @if let Some(f) = j.finished { tr { th { "finished" } td { (ts(Some(f))) } } }
            @if let Some(p) = &j.progress { tr { th { "progress" } td { (p.done) " of " (p.total) @if let Some(c) = &p.current { " · " code { (c) } } } } }
            @if let Some(m) = &j.message { tr { th { "message" } td { (m) } } }
            @if let Some(p) = &j.spec.policy { tr { th { "policy" } td { code { (p) } } } }
            @if let Some(p) = &j.spec.plan_run { tr { th { "plan" } td { a href=(run_href(&tenant, p)) { (p) } } } }
            @if !j.runs.is_empty() { tr { th { "run logs" } td { @for r in &j.runs { a href=(run_href(&tenant, r)) { (r) } " " } } } }
        }
        @if active && caller.may(TokenRole::Operate) && (j.status == JobStatus::Queued || j.kind == JobKind::Apply) {
            form.inline method="post" action=(format!("{}/cancel", run_href(&tenant, &j.run))) {
                (csrf_field(caller))
                button type="submit" { @if j.status == JobStatus::Queued { "Cancel" } @else { "Stop between two requests" } }
            }
        }
        @if let Some(plan) = &v.plan_detail {
            h2 { "Plan" }
            p { (plan.summary.sentence()) " · " code { (plan.hash) } }
            pre.plan { (crate::plan::view::text(plan, crate::render::text::Paint(false)).trim_end()) }
            @if plan.summary.to_apply() > 0 && caller.may(TokenRole::Restore) && caller.allows(&plan.target.tenant) {
                form.apply method="post" action=(format!("{}/apply", run_href(&tenant, &j.run))) {
                    (csrf_field(caller))
                    input type="hidden" name="hash" value=(plan.hash);
                    button type="submit" { "Apply this plan (" (plan.summary.to_apply()) " item(s) to " (plan.target.tenant) ")" }
                }
            }
        }
        @if !j.items.is_empty() {
            h2 { "Items" }
            table {
                tr { th { "type" } th { "name" } th { "action" } th { "result" } th { "Graph request ids" } th { "message" } }
                @for i in &j.items {
                    tr {
                        td { (i.kind) } td { (i.name) } td { (i.action) }
                        td class=(if i.result == "failed" { "old" } else { "" }) { (i.result) }
                        td { @for r in &i.request_ids { code { (r) } " " } }
                        td { (i.message.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    };
    Ok(page(
        &format!("{} run {}", capitalized(j.kind.as_str()), j.run),
        Some(caller),
        &section_crumbs(
            &tenant,
            "runs",
            Some((run_href(&tenant, &j.run), j.run.clone())),
        ),
        body,
    )
    .into_response())
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The queue on the runs page: runs started from the browser or the API, newest first.
pub(super) fn queue_table(tenant: &str, jobs: &[Job]) -> Markup {
    html! {
        @if !jobs.is_empty() {
            h2 { "Started here" }
            table.queue {
                tr { th { "run" } th { "kind" } th { "status" } th { "requested" } th { "by" } th { "message" } }
                @for j in jobs {
                    tr {
                        td { a href=(run_href(tenant, &j.run)) { (j.run) } }
                        td { (j.kind.as_str()) }
                        td class=(format!("outcome-{}", j.status.as_str())) { (j.status.as_str()) }
                        td { (ts(Some(j.requested_at))) }
                        td { (j.requested_by) }
                        td { (j.message.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    }
}
