//! What an `operate` token may do from the browser or a script besides reading: name a version
//! of a tenant (a backup set). A request handler writes only the tag, never to Graph.
//!
//! Forms are protected against cross-site requests twice: the browser's `Sec-Fetch-Site` /
//! `Origin` must say the same site, and the form must carry the session's anti-forgery value
//! (`auth::csrf_value`). A script with a bearer header needs neither: no other site can make a
//! browser send that header.

use super::{App, Caller, Problem, auth, blocking};
use crate::config::TokenRole;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

/// The header a browser script would carry the anti-forgery value in (the JSON API).
pub(super) const CSRF_HEADER: &str = "x-csrf-token";

/// What naming a version asks for.
#[derive(Debug, Deserialize)]
pub(crate) struct NameVersion {
    name: String,
    #[serde(default)]
    rev: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// 403 unless the caller may act on `tenant` with `role` and, coming from a browser session, the
/// request is same-site and carries the session's value (`sent`).
pub(super) fn may(
    caller: &Caller,
    tenant: &str,
    headers: &HeaderMap,
    sent: Option<&str>,
    role: TokenRole,
    api: bool,
) -> Result<(), Problem> {
    let refuse = |m: &str| Err(Problem::new(StatusCode::FORBIDDEN, m.to_string()).api(api));
    if !caller.allows(tenant) {
        return refuse("this token may not read this tenant");
    }
    if !caller.may(role) {
        return refuse(match role {
            TokenRole::Restore => "this token may not apply plans (the `restore` role does)",
            _ => "this token may only read (the `operate` role starts runs and names versions)",
        });
    }
    forged(caller, headers, sent, api)
}

/// 403 when a browser session's request came from another site or lacks the session's
/// anti-forgery value (`sent`); requests with a bearer header pass.
pub(super) fn forged(
    caller: &Caller,
    headers: &HeaderMap,
    sent: Option<&str>,
    api: bool,
) -> Result<(), Problem> {
    let refuse = |m: &str| Err(Problem::new(StatusCode::FORBIDDEN, m.to_string()).api(api));
    if let Some(expected) = &caller.csrf {
        if auth::cross_site(headers) {
            return refuse("a form posted from another site is refused");
        }
        let ok = sent.is_some_and(|s| auth::ct_eq(s.as_bytes(), expected.as_bytes()));
        if !ok {
            return refuse("the form is stale or was not made by this server: reload the page");
        }
    }
    Ok(())
}

/// The fields of a posted form, repeated keys kept.
pub(super) struct Form(std::collections::BTreeMap<String, Vec<String>>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        let mut fields: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            fields
                .entry(k.into_owned())
                .or_default()
                .push(v.into_owned());
        }
        Form(fields)
    }

    /// The first non-blank value of `key`.
    pub fn first(&self, key: &str) -> Option<String> {
        self.0
            .get(key)
            .and_then(|v| v.first())
            .filter(|v| !v.trim().is_empty())
            .cloned()
    }

    /// Every value of `key`.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.get(key).cloned().unwrap_or_default()
    }
}

/// The caller of a form posted to act on `tenant` with `role`, and the form: 401, 403 (role,
/// tenant, forged) as [`may`] says.
pub(super) fn form_caller(
    app: &App,
    headers: &HeaderMap,
    tenant: &str,
    role: TokenRole,
    body: &[u8],
) -> Result<(Caller, Form), Problem> {
    let caller = app.caller(headers, false)?;
    let form = Form::parse(body);
    may(
        &caller,
        tenant,
        headers,
        form.first("csrf").as_deref(),
        role,
        false,
    )?;
    Ok((caller, form))
}

/// The caller of a JSON API request acting on `tenant` with `role` (a browser session sends its
/// anti-forgery value as `X-CSRF-Token`).
pub(super) fn api_caller(
    app: &App,
    headers: &HeaderMap,
    tenant: &str,
    role: TokenRole,
) -> Result<Caller, Problem> {
    let caller = app.caller(headers, true)?;
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    may(&caller, tenant, headers, sent, role, true)?;
    Ok(caller)
}

/// Tags the version; the tagger is the token, named in the set's message.
async fn name(
    app: &Arc<App>,
    caller: &Caller,
    tenant: &str,
    req: NameVersion,
    api: bool,
) -> Result<crate::store::tags::BackupSet, Problem> {
    app.tenant_index(caller, tenant, api).await?;
    let (a, t, who) = (app.clone(), tenant.to_string(), caller.name.clone());
    let set = blocking(move || {
        let tagger = a.repo.author(None);
        let note = format!(
            "Named in the web UI by the token `{who}`{}",
            req.message
                .as_deref()
                .filter(|m| !m.trim().is_empty())
                .map(|m| format!(": {}", m.trim()))
                .unwrap_or_default()
        );
        let rev = req
            .rev
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .unwrap_or("HEAD");
        a.repo
            .name_version(&t, req.name.trim(), rev.trim(), &tagger, Some(&note))
            .map_err(|e| match e {
                crate::store::StoreError::BackupSet { .. }
                | crate::store::StoreError::RevNotFound { .. }
                | crate::store::StoreError::AmbiguousRev { .. } => {
                    Problem::bad_request(e.to_string())
                }
                other => Problem::from(other),
            })
    })
    .await
    .map_err(|p| p.api(api))?;
    tracing::info!(tenant, token = %caller.name, tag = %set.tag, "version named");
    Ok(set)
}

/// `POST /tenants/{tenant}/sets` (the tenant page's form): names a version, then back to the
/// tenant's backup sets.
pub(crate) async fn name_form(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let (caller, form) = form_caller(&app, &headers, &tenant, TokenRole::Operate, &body)?;
    let req = NameVersion {
        name: form.first("name").unwrap_or_default(),
        rev: form.first("rev"),
        message: form.first("message"),
    };
    name(&app, &caller, &tenant, req, false).await?;
    let location = format!("/tenants/{tenant}#sets");
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// `POST /api/tenants/{tenant}/sets` with `{"name", "rev"?, "message"?}`: 201 and the set.
pub(crate) async fn name_api(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let caller = api_caller(&app, &headers, &tenant, TokenRole::Operate)?;
    let req: NameVersion = serde_json::from_slice(&body)
        .map_err(|e| Problem::bad_request(format!("the body: {e}")).api(true))?;
    let set = name(&app, &caller, &tenant, req, true).await?;
    Ok((StatusCode::CREATED, Json(set)).into_response())
}

/// The tenant page's form to name a version, for callers that may.
pub(super) fn name_form_markup(caller: &Caller, tenant: &str) -> Option<Markup> {
    if !caller.may(TokenRole::Operate) || !caller.allows(tenant) {
        return None;
    }
    Some(html! {
        form.name-version method="post" action=(format!("/tenants/{tenant}/sets")) {
            (csrf_field(caller))
            label for="set-name" { "Name a version " }
            input id="set-name" name="name" required pattern="[A-Za-z0-9._-]+" placeholder="before-migration" size="18";
            label for="set-rev" { " at " }
            input id="set-rev" name="rev" value="HEAD" size="10";
            label for="set-message" { " note " }
            input id="set-message" name="message" size="28";
            " " button type="submit" { "Name it" }
        }
    })
}

/// The last onboarding check, as the tenant page shows it.
pub(super) fn check_markup(c: &crate::onboard::TenantCheck) -> Markup {
    html! {
        section.check {
            h2 { "Onboarding check" }
            p {
                @if c.ready { span.outcome-success { "Ready" } } @else { span.outcome-failed { "Not ready" } }
                " · checked " (c.checked_at.get(..16).unwrap_or(&c.checked_at).replace('T', " ")) " UTC"
                " · " (c.types.iter().filter(|t| t.read.granted()).count()) " of " (c.types.len()) " types readable"
            }
            @if !c.missing.is_empty() {
                table {
                    tr { th { "missing permission" } th { "for" } th { "blocks" } }
                    @for m in &c.missing {
                        tr { td { code { (m.permission) } } td { (m.access) } td { (m.blocks.join(", ")) } }
                    }
                }
            }
            @if !c.advice.is_empty() {
                ol { @for a in &c.advice { li { (a) } } }
            }
        }
    }
}

/// The hidden anti-forgery field of a browser session's forms.
pub(super) fn csrf_field(caller: &Caller) -> Markup {
    html! { @if let Some(c) = &caller.csrf { input type="hidden" name="csrf" value=(c); } }
}

/// The tenant page's actions: back up now and restore, for callers that may.
pub(super) fn tenant_actions(caller: &Caller, tenant: &str) -> Option<Markup> {
    if !caller.allows(tenant) || !caller.may(TokenRole::Operate) {
        return None;
    }
    Some(html! {
        div.actions {
            form.inline method="post" action=(format!("/tenants/{tenant}/runs")) {
                (csrf_field(caller))
                input type="hidden" name="kind" value="backup";
                button type="submit" { "Back up now" }
            }
            " "
            a href=(format!("/tenants/{tenant}/restore")) { "Restore…" }
        }
    })
}

/// A policy page's actions: capture it now, restore this version.
pub(super) fn policy_actions(
    caller: &Caller,
    tenant: &str,
    kind: &str,
    file: &str,
    commit: &str,
) -> Option<Markup> {
    if !caller.allows(tenant) || !caller.may(TokenRole::Operate) {
        return None;
    }
    let stem = file.strip_suffix(".yaml").unwrap_or(file);
    Some(html! {
        div.actions {
            form.inline method="post" action=(format!("/tenants/{tenant}/runs")) {
                (csrf_field(caller))
                input type="hidden" name="kind" value="capture";
                input type="hidden" name="policy" value=(format!("{kind}/{file}"));
                button type="submit" { "Capture this policy now" }
            }
            " "
            a href=(format!("/tenants/{tenant}/restore?from={}&only={}", query_value(commit), query_value(&format!("{kind}/{stem}")))) { "Restore this version…" }
        }
    })
}

/// A value for a URL's query string.
fn query_value(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}
