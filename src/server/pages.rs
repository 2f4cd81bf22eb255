//! The HTML pages around tenants and policies: the page layout, login, the tenants overview, the
//! policy browser, a policy with its history and diffs. Server-rendered with maud (every value
//! escaped), no JavaScript, one small inline style sheet; forms are GET forms (choosing two versions
//! to compare, switching tenants), the login POST and, for `operate` tokens, naming a version
//! (`operate.rs`). Each page shows the same data its `/api/…` twin returns.

use super::api::{self, Params};
use super::policy::{Commit, HistoryEntry, PolicyRef};
use super::{App, Caller, Problem, auth};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::sync::Arc;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafbfc}\
header{background:#24292f;color:#fff;padding:.6em 1.2em;display:flex;gap:1em;align-items:center}\
header a{color:#fff;text-decoration:none;font-weight:600}header form{margin-left:auto}\
main{padding:1em 1.5em;max-width:72em}nav.crumbs{margin-bottom:1em;color:#57606a}\
table{border-collapse:collapse;margin:.4em 0 1em}th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#f3f4f6;font-weight:600}td.old,li.old,span.old{background:#ffebe9}td.new,li.new,span.new{background:#dafbe1}\
.none{color:#6e7781;font-style:italic}.warning{color:#9a6700}pre{white-space:pre-wrap;margin:0}\
.outcome-success,.outcome-no-change{color:#1a7f37}.outcome-failed,.outcome-partial{color:#cf222e}.outcome-refused,.outcome-drift{color:#9a6700}\
ul.lines{list-style:none;padding-left:.5em}code{font-size:.92em}\
form.switch{float:right;margin:.2em 0 0 1em}form.name-version{margin:.6em 0 1em}\
form.inline{display:inline}div.actions{margin:.4em 0 1em}fieldset{margin:.5em 0;border:1px solid #d0d7de}\
pre.plan{background:#f6f8fa;padding:.6em;border:1px solid #d0d7de}tr.unread td{font-weight:600}";

/// The page around a body.
pub(super) fn page(
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
                            a href="/inbox" { "Inbox" }
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
                        @if let Some(s) = caller.and_then(|c| super::switch::switcher(c, crumbs)) { (s) }
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

pub(super) fn ts(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "–".into())
}

pub(super) fn tenant_href(t: &str) -> String {
    format!("/tenants/{t}")
}

/// The crumbs of a page of a tenant's `section` (`inventory`, `runs`, …), then `more` below it.
/// The tenant switcher keeps the section (`switch.rs` reads the second crumb).
pub(super) fn section_crumbs(
    tenant: &str,
    section: &str,
    more: Option<(String, String)>,
) -> Vec<(String, String)> {
    let mut crumbs = vec![
        (tenant_href(tenant), tenant.to_string()),
        (format!("/tenants/{tenant}/{section}"), section.to_string()),
    ];
    crumbs.extend(more);
    crumbs
}

fn policy_href(p: &PolicyRef) -> String {
    format!("/tenants/{}/policies/{}/{}", p.tenant, p.kind, p.file)
}

pub(super) fn run_href(tenant: &str, run: &str) -> String {
    format!("/tenants/{tenant}/runs/{}", enc(run))
}

pub(super) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(super) fn outcome(o: &str) -> Markup {
    html! { span class=(format!("outcome-{o}")) { (o) } }
}

// ---------------------------------------------------------------------------------------------
// Login

pub(crate) async fn login_form() -> Response {
    page("Log in", None, &[], login_body(None)).into_response()
}

pub(crate) async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if auth::cross_site(&headers) {
        return cross_site_refused();
    }
    let token = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    match auth::authenticate(&app.tokens(), &token) {
        Some(c) => {
            tracing::info!(token = %c.name, "logged in");
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
            let session = app.sessions.open(&token);
            if let Ok(v) = HeaderValue::from_str(&auth::login_cookie(&session, app.secure_cookie)) {
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

/// `GET /login/once?code=…`: the one-time link of the server's session (`serve --demo`) opens a
/// browser session of its token and sends the browser to the overview; a code used before, expired
/// or unknown is refused (403). The code is never logged.
pub(crate) async fn login_once(
    State(app): State<Arc<App>>,
    Query(q): Query<OnceParams>,
) -> Response {
    let session = app.opts.session.as_ref();
    let token = session
        .zip(q.code.as_deref())
        .and_then(|(s, c)| s.redeem(c));
    let (Some(token), Some(session)) = (token, session) else {
        return Problem::new(
            StatusCode::FORBIDDEN,
            "This login link has been used already, has expired, or is not one this server \
             printed. Each start of `tenant-atlas serve --demo` prints a new one.",
        )
        .into_response();
    };
    tracing::info!(token = %session.token().name, "logged in with the one-time link");
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    let id = app.sessions.open(&token);
    if let Ok(v) = HeaderValue::from_str(&auth::login_cookie(&id, app.secure_cookie)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// The query of the one-time link.
#[derive(serde::Deserialize)]
pub(crate) struct OnceParams {
    code: Option<String>,
}

/// 403 for a login form posted from another site.
fn cross_site_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        page(
            "Log in",
            None,
            &[],
            login_body(Some("Log in from this site's own form.")),
        ),
    )
        .into_response()
}

pub(crate) async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if auth::cross_site(&headers) {
        return cross_site_refused();
    }
    // The session ends here, not only the cookie in this browser.
    if let Some(id) = auth::session_cookie(&headers) {
        app.sessions.close(&id);
    }
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
                                    "none" if t.drift.corrected > 0 => { "no drift (" (t.drift.corrected) " corrected)" },
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
                                    ul { @for (k, n) in &t.types { li { (crate::catalog::label(k)) ": " (n) } } }
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
    let d = api::detail_with_health(&app, &idx.tenants[&tenant]).await?;
    let body = html! {
        p {
            a href=(format!("/tenants/{tenant}/inventory")) { "Inventory" } " · "
            a href=(format!("/tenants/{tenant}/runs")) { "Runs" } " · "
            a href=(format!("/tenants/{tenant}/drift")) { "Drift" } " · "
            a href=(format!("/tenants/{tenant}/audit")) { "Audit" }
            " · " (d.summary.objects) " objects"
            @if let Some(l) = &d.summary.last_backup { " · last backup " (ts(l.at)) }
        }
        @if !d.health.is_empty() {
            section.health {
                h2 { "Certificates and tokens" }
                @for e in &d.health {
                    p.warning {
                        (e.to_string()) " · "
                        a href=(format!("/tenants/{tenant}/policies/{}/{}", e.kind, e.path.rsplit('/').next().unwrap_or(""))) { "view" }
                    }
                }
            }
        }
        @if let Some(a) = super::operate::tenant_actions(&caller, &tenant) { (a) }
        @if let Some(c) = &d.last_check { (super::operate::check_markup(c)) }
        @if !d.backup_sets.is_empty() || super::operate::name_form_markup(&caller, &tenant).is_some() {
            section.sets id="sets" {
                h2 { "Backup sets" }
                @if let Some(f) = super::operate::name_form_markup(&caller, &tenant) { (f) }
                @if !d.backup_sets.is_empty() { table {
                    tr { th { "name" } th { "commit" } th { "tagged" } th { "backup" } th { "" } }
                    @for b in &d.backup_sets {
                        tr {
                            td { code { (b.tag) } }
                            td { code { (&b.commit[..b.commit.len().min(10)]) } }
                            td { (b.tagged.get(..10).unwrap_or(&b.tagged)) }
                            td { (b.backup.as_deref().unwrap_or("")) }
                            td { a href=(format!("/tenants/{tenant}/inventory?rev={}", enc(&b.tag))) { "inventory then" } }
                        }
                    }
                } }
            }
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
        @if let Some(a) = super::operate::policy_actions(&caller, &p.tenant, &p.kind, &p.file, &v.commit.id) { (a) }
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
