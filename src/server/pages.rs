//! The HTML pages: server-rendered with maud (every value escaped), no JavaScript, one small
//! inline style sheet. Forms are GET forms (choosing two versions to compare) or the login POST.
//! Each page shows the same data its `/api/…` twin returns.

use super::api::{self, Params};
use super::policy::{Commit, HistoryEntry, PolicyRef};
use super::runs::RunSummary;
use super::{App, Caller, Problem, auth};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;
use std::sync::Arc;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafbfc}\
header{background:#24292f;color:#fff;padding:.6em 1.2em;display:flex;gap:1em;align-items:center}\
header a{color:#fff;text-decoration:none;font-weight:600}header form{margin-left:auto}\
main{padding:1em 1.5em;max-width:72em}nav.crumbs{margin-bottom:1em;color:#57606a}\
table{border-collapse:collapse;margin:.4em 0 1em}th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#f3f4f6;font-weight:600}td.old,li.old,span.old{background:#ffebe9}td.new,li.new,span.new{background:#dafbe1}\
.none{color:#6e7781;font-style:italic}.warning{color:#9a6700}pre{white-space:pre-wrap;margin:0}\
.outcome-success,.outcome-no-change{color:#1a7f37}.outcome-failed,.outcome-partial{color:#cf222e}.outcome-refused,.outcome-drift{color:#9a6700}\
ul.lines{list-style:none;padding-left:.5em}code{font-size:.92em}";

/// The page around a body.
fn page(
    title: &str,
    caller: Option<&Caller>,
    crumbs: &[(String, String)],
    body: Markup,
) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · tenant-atlas" }
                    style { (PreEscaped(STYLE)) }
                }
                body {
                    header {
                        a href="/" { "tenant-atlas" }
                        @if let Some(c) = caller {
                            span { "token: " (c.name) }
                            form method="post" action="/logout" { button type="submit" { "Log out" } }
                        }
                    }
                    main {
                        @if !crumbs.is_empty() {
                            nav.crumbs {
                                a href="/" { "Tenants" }
                                @for (href, label) in crumbs { " › " a href=(href) { (label) } }
                            }
                        }
                        h1 { (title) }
                        (body)
                    }
                }
            }
        }
        .into_string(),
    )
}

fn login_body(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message { p.warning { (m) } }
        form method="post" action="/login" {
            p { label for="token" { "Access token" } }
            p { input id="token" name="token" type="password" autocomplete="off" size="60" required; }
            p { button type="submit" { "Log in" } }
        }
        p.none { "Scripts send the token as " code { "Authorization: Bearer <token>" } "." }
    }
}

/// The error page; a 401 carries the login form.
pub(crate) fn problem_page(p: &Problem) -> Html<String> {
    if p.status == StatusCode::UNAUTHORIZED {
        return page("Log in", None, &[], login_body(Some(&p.message)));
    }
    page(
        p.status.canonical_reason().unwrap_or("Error"),
        None,
        &[],
        html! { p { (p.message) } p { a href="/" { "Back to the tenants" } } },
    )
}

fn ts(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "–".into())
}

fn tenant_href(t: &str) -> String {
    format!("/tenants/{t}")
}

fn policy_href(p: &PolicyRef) -> String {
    format!("/tenants/{}/policies/{}/{}", p.tenant, p.kind, p.file)
}

fn run_href(tenant: &str, run: &str) -> String {
    format!("/tenants/{tenant}/runs/{}", enc(run))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn outcome(o: &str) -> Markup {
    html! { span class=(format!("outcome-{o}")) { (o) } }
}

// ---------------------------------------------------------------------------------------------
// Login

pub(crate) async fn login_form() -> Response {
    page("Log in", None, &[], login_body(None)).into_response()
}

pub(crate) async fn login(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let token = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    match auth::authenticate(&app.tokens, &token) {
        Some(c) => {
            tracing::info!(token = %c.name, "logged in");
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
            if let Ok(v) = HeaderValue::from_str(&auth::login_cookie(&token)) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        None => {
            let mut r = (
                StatusCode::UNAUTHORIZED,
                page(
                    "Log in",
                    None,
                    &[],
                    login_body(Some("That token is not configured.")),
                ),
            )
                .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
    }
}

pub(crate) async fn logout() -> Response {
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::logout_cookie()) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

// ---------------------------------------------------------------------------------------------
// Tenants

pub(crate) async fn overview(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let idx = app.current(false).await?;
    let tenants = api::visible(&idx, &caller);
    let body = html! {
        @if tenants.is_empty() { p.none { "No tenant this token may read." } }
        @else {
            table.tenants {
                tr { th { "tenant" } th { "last backup" } th { "commit" } th { "drift" } th { "objects" } th { "last run" } }
                @for t in &tenants {
                    tr {
                        td { a href=(tenant_href(&t.name)) { (t.name) } }
                        td { (ts(t.last_backup.as_ref().and_then(|l| l.at))) }
                        td { @if let Some(c) = t.last_backup.as_ref().and_then(|l| l.commit.as_ref()) { code { (&c[..c.len().min(10)]) } } }
                        td {
                            a href=(format!("/tenants/{}/drift", t.name)) {
                                @match t.drift.state {
                                    "unknown" => "unknown",
                                    "none" => "no drift",
                                    _ => { (t.drift.objects) " drifted" },
                                }
                            }
                            @if let Some(c) = t.drift.checked { br; small { "checked " (ts(Some(c))) } }
                        }
                        td {
                            (t.objects)
                            @if !t.types.is_empty() {
                                details { summary { (t.types.len()) " types" }
                                    ul { @for (k, n) in &t.types { li { (k) ": " (n) } } }
                                }
                            }
                        }
                        td {
                            @if let Some(r) = &t.last_run {
                                a href=(run_href(&t.name, &r.run_id)) { (r.kind) } " " (outcome(&r.outcome)) br; small { (ts(r.finished.or(r.started))) }
                            } @else { span.none { "none" } }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Tenants", Some(&caller), &[], body).into_response())
}

pub(crate) async fn tenant(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let idx = app.tenant_index(&caller, &tenant, false).await?;
    let d = api::detail(&idx.tenants[&tenant]);
    let body = html! {
        p {
            a href=(format!("/tenants/{tenant}/runs")) { "Runs" } " · "
            a href=(format!("/tenants/{tenant}/drift")) { "Drift" }
            " · " (d.summary.objects) " objects"
            @if let Some(l) = &d.summary.last_backup { " · last backup " (ts(l.at)) }
        }
        @for t in &d.listing {
            h2 id=(t.key) { (t.title) " " small { code { (t.key) } " · " (t.count) } }
            ul {
                @for o in &t.objects {
                    li { a href=(format!("/tenants/{tenant}/policies/{}/{}", t.key, o.file)) { (o.name) } }
                }
            }
        }
    };
    Ok(page(
        &tenant,
        Some(&caller),
        &[(tenant_href(&tenant), tenant.clone())],
        body,
    )
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Policies

fn history_table(p: &PolicyRef, entries: &[HistoryEntry], current: Option<&str>) -> Markup {
    let href = policy_href(p);
    html! {
        @if entries.is_empty() { p.none { "No history." } }
        @else {
            table.history {
                tr { th { "date" } th { "author" } th { "commit" } th { "change" } th { "run" } th { "" } }
                @for e in entries {
                    tr {
                        td { (ts(Some(e.commit.time))) }
                        td { (e.commit.author) }
                        td { code { (e.commit.short_id) } " " (e.commit.summary) }
                        td { (e.change) }
                        td { @if let Some(r) = &e.commit.run_id { a href=(run_href(&p.tenant, r)) { (r) } } }
                        td {
                            @if current == Some(e.commit.id.as_str()) { "shown" }
                            @else { a href=(format!("{href}?rev={}", e.commit.id)) { "view" } }
                        }
                    }
                }
            }
            @if entries.len() >= 2 {
                form.compare method="get" action=(format!("{href}/diff")) {
                    "Compare "
                    select name="from" aria-label="from" {
                        @for (i, e) in entries.iter().enumerate() {
                            option value=(e.commit.id) selected[i == 1] { (e.commit.short_id) " · " (ts(Some(e.commit.time))) }
                        }
                    }
                    " with "
                    select name="to" aria-label="to" {
                        @for (i, e) in entries.iter().enumerate() {
                            option value=(e.commit.id) selected[i == 0] { (e.commit.short_id) " · " (ts(Some(e.commit.time))) }
                        }
                    }
                    " "
                    button type="submit" { "Show diff" }
                }
                p {
                    "Latest change: "
                    a.latest-diff href=(format!("{href}/diff?from={}&to={}", entries[1].commit.id, entries[0].commit.id)) {
                        (entries[1].commit.short_id) " → " (entries[0].commit.short_id)
                    }
                }
            }
        }
    }
}

fn crumbs_for(p: &PolicyRef, name: &str) -> Vec<(String, String)> {
    vec![
        (tenant_href(&p.tenant), p.tenant.clone()),
        (
            format!("{}#{}", tenant_href(&p.tenant), p.kind),
            p.kind.clone(),
        ),
        (policy_href(p), name.to_string()),
    ]
}

pub(crate) async fn policy(
    State(app): State<Arc<App>>,
    Path(names): Path<(String, String, String)>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let p = api::policy_ref(&app, &headers, &names, false).await?;
    let v = api::version(&app, &p, &params).await?;
    let history = api::history_of(&app, &p).await?;
    let body = html! {
        p {
            "Version " code { (v.commit.short_id) } " · " (ts(Some(v.commit.time))) " · " (v.commit.summary)
            " · " a href=(format!("{}/history", policy_href(&p))) { "History" }
        }
        @for w in &v.warnings { p.warning { "warning: " (w) } }
        (crate::render::html::view(&v.view))
        h2 id="history" { "History" }
        (history_table(&p, &history, Some(&v.commit.id)))
    };
    Ok(page(
        &v.view.name,
        Some(&caller),
        &crumbs_for(&p, &v.view.name),
        body,
    )
    .into_response())
}

pub(crate) async fn history(
    State(app): State<Arc<App>>,
    Path(names): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let p = api::policy_ref(&app, &headers, &names, false).await?;
    let history = api::history_of(&app, &p).await?;
    let name = history
        .first()
        .and(api::version(&app, &p, &Default::default()).await.ok())
        .map(|v| v.view.name.clone())
        .unwrap_or_else(|| p.file.clone());
    let body = history_table(&p, &history, None);
    Ok(page(
        &format!("History of {name}"),
        Some(&caller),
        &crumbs_for(&p, &name),
        body,
    )
    .into_response())
}

fn commit_line(c: &Commit) -> Markup {
    html! { code { (c.short_id) } " · " (ts(Some(c.time))) " · " (c.author) " · " (c.summary) }
}

pub(crate) async fn diff(
    State(app): State<Arc<App>>,
    Path(names): Path<(String, String, String)>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let p = api::policy_ref(&app, &headers, &names, false).await?;
    let d = api::diff_of(&app, &p, &params).await?;
    let name = d
        .report
        .objects
        .first()
        .map(|o| o.name.clone())
        .unwrap_or_else(|| p.file.clone());
    let body = html! {
        table.meta {
            tr { th { "from" } td { (commit_line(&d.from)) } }
            tr { th { "to" } td { (commit_line(&d.to)) } }
        }
        @if d.report.objects.is_empty() { p.none { "No visible change between these versions." } }
        (crate::render::html::report(&d.report))
        p { a href=(format!("{}#history", policy_href(&p))) { "Back to the history" } }
    };
    Ok(page(
        &format!("Diff of {name}"),
        Some(&caller),
        &crumbs_for(&p, &name),
        body,
    )
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Runs

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
    let base = format!("/tenants/{tenant}/runs");
    let body = html! {
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
        &[
            (tenant_href(&tenant), tenant.clone()),
            (base, "runs".into()),
        ],
        body,
    )
    .into_response())
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
    let d = api::run_detail(&app, &idx.tenants[&tenant], &run).await?;
    let s = &d.summary;
    let log = &d.log;
    let known = [
        "runId", "kind", "tenant", "started", "finished", "outcome", "message", "graph", "types",
        "items", "drift", "runs", "errors",
    ];
    let rest: serde_json::Map<String, Value> = log
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
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
        &[
            (tenant_href(&tenant), tenant.clone()),
            (format!("/tenants/{tenant}/runs"), "runs".into()),
            (run_href(&tenant, &run), run.clone()),
        ],
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
        ["tenants", t, kind, file] if *t == tenant && PolicyRef::new(t, kind, file).is_ok() => {
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
                @if !dr.objects.is_empty() {
                    table {
                        tr { th { "change" } th { "type" } th { "name" } th { "path" } }
                        @for o in &dr.objects {
                            tr {
                                td { (o.change) }
                                td { (o.kind) }
                                td { (drift_link(&tenant, &serde_json::to_value(o).unwrap_or_default())) }
                                td { code { (o.path) } }
                            }
                        }
                    }
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
        &[
            (tenant_href(&tenant), tenant.clone()),
            (format!("/tenants/{tenant}/drift"), "drift".into()),
        ],
        body,
    )
    .into_response())
}
