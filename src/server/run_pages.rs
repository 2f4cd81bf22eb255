//! The pages about runs: the runs list, one run (the known parts of backup, apply and reconcile
//! logs specially, everything else generically) and the drift view.

use super::api::{self, Params};
use super::pages::{outcome, page, run_href, section_crumbs, ts};
use super::policy::PolicyRef;
use super::runs::RunSummary;
use super::{App, Problem};
use crate::store::layout;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::Value;
use std::sync::Arc;

fn runs_table(tenant: &str, runs: &[RunSummary]) -> Markup {
    html! {
        table.runs {
            tr { th { "run" } th { "kind" } th { "outcome" } th { "started" } th { "duration" } th { "Graph requests" } th { "429s" } th { "message" } }
            @for r in runs {
                tr {
                    td { a href=(run_href(tenant, &r.run_id)) { (r.run_id) } }
                    td { (r.kind) }
                    td { (outcome(&r.outcome)) }
                    td { (ts(r.started)) }
                    td { @if let Some(d) = r.duration_seconds { (format!("{d:.1} s")) } }
                    td { (r.graph_requests) }
                    td { (r.throttled) }
                    td { @if let Some(m) = &r.message { (m) } }
                }
            }
        }
    }
}

pub(crate) async fn runs(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let idx = app.tenant_index(&caller, &tenant, false).await?;
    let pg = api::runs_page(&idx.tenants[&tenant], &params, app.opts.runs_per_page)?;
    let queued = super::jobs::of_tenant(&app, &tenant).await?;
    let base = format!("/tenants/{tenant}/runs");
    let body = html! {
        (super::job_pages::queue_table(&tenant, &queued))
        @if !queued.is_empty() { h2 { "Run logs" } }
        @if pg.runs.is_empty() { p.none { "No runs." } } @else { (runs_table(&tenant, &pg.runs)) }
        p {
            "Page " (pg.page) " of " (pg.pages) " (" (pg.total) " runs)"
            @if pg.page > 1 { " · " a href=(format!("{base}?page={}", pg.page - 1)) { "newer" } }
            @if pg.page < pg.pages { " · " a href=(format!("{base}?page={}", pg.page + 1)) { "older" } }
        }
    };
    Ok(page(
        &format!("Runs of {tenant}"),
        Some(&caller),
        &section_crumbs(&tenant, "runs", None),
        body,
    )
    .into_response())
}

/// The parts of a run log the run page does not show in a section of its own.
fn unlisted(log: &Value) -> serde_json::Map<String, Value> {
    let known = [
        "runId", "kind", "tenant", "started", "finished", "outcome", "message", "graph", "types",
        "items", "drift", "runs", "errors",
    ];
    log.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Any JSON value as nested tables.
fn generic(v: &Value) -> Markup {
    html! {
        @match v {
            Value::Object(m) if m.is_empty() => span.none { "{}" },
            Value::Object(m) => table { @for (k, x) in m { tr { th { (k) } td { (generic(x)) } } } },
            Value::Array(a) if a.is_empty() => span.none { "(none)" },
            Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
                (a.iter().map(scalar).collect::<Vec<_>>().join(", "))
            },
            Value::Array(a) => ol { @for x in a { li { (generic(x)) } } },
            other => (scalar(other)),
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "–".into(),
        other => other.to_string(),
    }
}

/// Rows of objects as one table with the union of their scalar keys as columns.
fn rows(items: &[Value], skip: &[&str]) -> Markup {
    let mut cols: Vec<String> = vec![];
    for i in items {
        if let Some(m) = i.as_object() {
            for (k, v) in m {
                if !skip.contains(&k.as_str())
                    && !v.is_object()
                    && !v.is_array()
                    && !cols.contains(k)
                {
                    cols.push(k.clone());
                }
            }
        }
    }
    html! {
        table {
            tr { @for c in &cols { th { (c) } } }
            @for i in items { tr { @for c in &cols { td { (i.get(c).map(scalar).unwrap_or_default()) } } } }
        }
    }
}

pub(crate) async fn run(
    State(app): State<Arc<App>>,
    Path((tenant, run)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let idx = app.tenant_index(&caller, &tenant, false).await?;
    if let Some(job) = super::jobs::find(&app, &tenant, &run).await? {
        return super::job_pages::job_page(&app, &caller, job).await;
    }
    let d = api::run_detail(&app, &idx.tenants[&tenant], &run).await?;
    let s = &d.summary;
    let log = &d.log;
    let rest = unlisted(log);
    let body = html! {
        table.meta {
            tr { th { "kind" } td { (s.kind) } }
            tr { th { "outcome" } td { (outcome(&s.outcome)) } }
            tr { th { "started" } td { (ts(s.started)) } }
            tr { th { "finished" } td { (ts(s.finished)) } }
            @if let Some(x) = s.duration_seconds { tr { th { "duration" } td { (format!("{x:.2} s")) } } }
            @if let Some(m) = &s.message { tr { th { "message" } td { (m) } } }
            tr { th { "log" } td { code { @match &s.source { super::runs::RunSource::Committed(p) => (p), super::runs::RunSource::Private(f) => { ".git/atlas/runs/" (tenant) "/" (f) } } } } }
        }
        @if let Some(g) = log.get("graph") { h2 { "Graph" } (generic(g)) }
        @if let Some(Value::Object(types)) = log.get("types") {
            h2 { "Types" }
            table {
                tr { th { "type" } th { "objects" } th { "added" } th { "changed" } th { "removed" } }
                @for (k, c) in types {
                    tr { td { (k) } @for f in ["objects", "added", "changed", "removed"] { td { (c.get(f).map(scalar).unwrap_or_default()) } } }
                }
            }
        }
        @if let Some(Value::Array(items)) = log.get("items") {
            h2 { "Items" }
            table {
                tr { th { "#" } th { "type" } th { "name" } th { "action" } th { "result" } th { "message" } th { "requests" } }
                @for i in items {
                    tr {
                        td { (i.get("index").map(scalar).unwrap_or_default()) }
                        td { (i.get("kind").map(scalar).unwrap_or_default()) }
                        td { (i.get("name").map(scalar).unwrap_or_default()) }
                        td { (i.get("action").map(scalar).unwrap_or_default()) }
                        td { (outcome(&i.get("result").map(scalar).unwrap_or_default())) }
                        td { (i.get("message").map(scalar).unwrap_or_default()) }
                        td { @if let Some(Value::Array(r)) = i.get("requests") { (rows(r, &[])) } }
                    }
                }
            }
        }
        @if let Some(drift) = log.get("drift") {
            h2 { "Drift" }
            @if let Some(Value::Array(objs)) = drift.get("objects") {
                @if objs.is_empty() { p.none { "No drift." } }
                @else {
                    table {
                        tr { th { "change" } th { "type" } th { "name" } }
                        @for o in objs {
                            tr {
                                td { (o.get("change").map(scalar).unwrap_or_default()) }
                                td { (o.get("kind").map(scalar).unwrap_or_default()) }
                                td { (drift_link(&tenant, o)) }
                            }
                        }
                    }
                }
            } @else { (generic(drift)) }
        }
        @if let Some(Value::Array(children)) = log.get("runs") {
            h2 { "Runs of this round" }
            ul { @for c in children { li { @match c { Value::String(id) => a href=(run_href(&tenant, id)) { (id) }, other => (generic(other)) } } } }
        }
        @if let Some(e) = log.get("errors").filter(|e| e.as_array().is_some_and(|a| !a.is_empty())) {
            h2 { "Errors" }
            @if let Value::Array(a) = e { (rows(a, &[])) }
        }
        @if !rest.is_empty() { h2 { "More" } (generic(&Value::Object(rest))) }
    };
    Ok(page(
        &format!("Run {run}"),
        Some(&caller),
        &section_crumbs(
            &tenant,
            "runs",
            Some((run_href(&tenant, &run), run.clone())),
        ),
        body,
    )
    .into_response())
}

/// A drift object's name, linked to its policy page when its path is a policy document.
fn drift_link(tenant: &str, o: &Value) -> Markup {
    let name = o.get("name").map(scalar).unwrap_or_default();
    let path = o.get("path").and_then(Value::as_str).unwrap_or("");
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [layout::TENANTS, t, kind, file]
            if *t == tenant && PolicyRef::new(t, kind, file).is_ok() =>
        {
            html! { a href=(format!("/tenants/{t}/policies/{kind}/{file}")) { (name) } }
        }
        _ => html! { (name) },
    }
}

// ---------------------------------------------------------------------------------------------
// Drift

pub(crate) async fn drift(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let idx = app.tenant_index(&caller, &tenant, false).await?;
    let d = api::drift_view(&idx.tenants[&tenant]);
    let body = html! {
        @match &d.drift {
            None => p.none { "Drift unknown: the reconcile loop has not checked this tenant yet." },
            Some(dr) => {
                p { "Checked " (ts(Some(dr.checked))) " against " code { (&dr.against[..dr.against.len().min(10)]) } ": " (dr.objects.len()) " drifted" }
                (drift_table(&tenant, &dr.objects))
                @if !dr.corrected.is_empty() {
                    h2 { "Corrected by the last enforce round (" (dr.corrected.len()) ")" }
                    (drift_table(&tenant, &dr.corrected))
                }
                @if !dr.unread.is_empty() { p.warning { "Not read (drift unknown): " (dr.unread.join(", ")) } }
            }
        }
        @if let Some(r) = &d.last_round {
            h2 { "Last round" }
            table.meta {
                tr { th { "run" } td { a href=(run_href(&tenant, &r.run_id)) { (r.run_id) } } }
                tr { th { "kind" } td { (scalar(&serde_json::to_value(r.kind).unwrap_or_default())) } }
                tr { th { "result" } td { (outcome(&scalar(&serde_json::to_value(r.result).unwrap_or_default()))) } }
                tr { th { "finished" } td { (ts(Some(r.finished))) } }
                @if let Some(m) = &r.message { tr { th { "message" } td { (m) } } }
                @if !r.trigger.is_empty() { tr { th { "trigger" } td { (r.trigger) } } }
            }
        }
        @if let Some(r) = &d.last_reconcile_run {
            h2 { "Last reconcile run" }
            (runs_table(&tenant, std::slice::from_ref(r)))
        }
    };
    Ok(page(
        &format!("Drift of {tenant}"),
        Some(&caller),
        &section_crumbs(&tenant, "drift", None),
        body,
    )
    .into_response())
}

/// Drifted objects as a table, each linked to its policy page.
fn drift_table(tenant: &str, objects: &[crate::records::status::DriftObject]) -> maud::Markup {
    html! {
        @if !objects.is_empty() {
            table {
                tr { th { "change" } th { "type" } th { "name" } th { "path" } }
                @for o in objects {
                    tr {
                        td { (o.change) }
                        td { (crate::catalog::label(&o.kind)) }
                        td { (drift_link(tenant, &serde_json::to_value(o).unwrap_or_default())) }
                        td { code { (o.path) } }
                    }
                }
            }
        }
    }
}
