//! The inventory pages and their JSON twin: every object of a tenant with its platform, scope
//! tags, assignments and last change, filtered by GET parameters as `tenant-atlas list` filters
//! (docs/ARCHITECTURE.md, "Inventory"), with sortable columns, counts per type and platform, and
//! a page per group: what it gets, its exclusions included.

use super::api::Params;
use super::pages::{page, section_crumbs};
use super::{App, Problem, blocking};
use crate::inventory::{self, Audience, Inventory, Query as InventoryQuery, Row};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The filters a page or an API call asks for: `type` (comma-separated keys), `platform`,
/// `scopeTag`, `assignedTo`, `unassigned` (any value), `name` (a glob), `rev`.
fn query_of(tenant: &str, p: &BTreeMap<String, String>) -> InventoryQuery {
    let given = |k: &str| p.get(k).filter(|v| !v.is_empty()).cloned();
    InventoryQuery {
        tenants: vec![tenant.to_string()],
        types: given("type")
            .map(|t| t.split(',').map(str::trim).map(str::to_string).collect())
            .unwrap_or_default(),
        platform: given("platform"),
        scope_tag: given("scopeTag"),
        assigned_to: given("assignedTo").as_deref().map(Audience::parse),
        unassigned: given("unassigned").is_some(),
        name: given("name"),
        rev: given("rev"),
    }
}

/// The rows, sorted by `sort` (`type`, `name`, `platform`, `changed`; default the catalog's order).
async fn rows_of(
    app: &Arc<App>,
    q: InventoryQuery,
    sort: Option<&str>,
    api: bool,
) -> Result<Inventory, Problem> {
    let app = app.clone();
    let (mut objects, unreadable) = blocking(move || {
        let listed = inventory::list(&app.repo, &q);
        // The tenant is known (configured or backed up); at a revision without its folder it has
        // nothing to list — a tenant switched to before its first backup.
        if let Err(inventory::InventoryError::UnknownTenant { .. }) = listed {
            return Ok((vec![], vec![]));
        }
        listed.map_err(|e| match e {
            // A revision that names nothing (or a set's name several tenants use) is the
            // caller's to fix.
            inventory::InventoryError::Store(
                s @ (crate::store::StoreError::RevNotFound { .. }
                | crate::store::StoreError::AmbiguousRev { .. }),
            ) => Problem::bad_request(s.to_string()),
            inventory::InventoryError::Store(s) => Problem::internal(s.to_string()),
            other => Problem::bad_request(other.to_string()),
        })
    })
    .await
    .map_err(|p| p.api(api))?;
    match sort {
        Some("name") => objects.sort_by_key(|r| r.name.trim().to_lowercase()),
        Some("platform") => objects.sort_by(|a, b| a.platform.cmp(&b.platform)),
        Some("changed") => objects.sort_by(|a, b| {
            b.changed
                .as_ref()
                .map(|c| &c.date)
                .cmp(&a.changed.as_ref().map(|c| &c.date))
        }),
        _ => {}
    }
    Ok(Inventory {
        objects,
        unreadable,
    })
}

pub(crate) async fn api(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, true)?;
    app.tenant_index(&caller, &tenant, true).await?;
    let inv = rows_of(
        &app,
        query_of(&tenant, &params),
        params.get("sort").map(String::as_str),
        true,
    )
    .await?;
    Ok(Json(inv).into_response())
}

/// `/tenants/{t}/inventory?…` with these parameters changed.
fn href(tenant: &str, params: &BTreeMap<String, String>, set: &[(&str, &str)]) -> String {
    let mut p = params.clone();
    for (k, v) in set {
        p.insert((*k).to_string(), (*v).to_string());
    }
    p.retain(|_, v| !v.is_empty());
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(p.iter())
        .finish();
    format!(
        "/tenants/{tenant}/inventory{}",
        if q.is_empty() {
            String::new()
        } else {
            format!("?{q}")
        }
    )
}

fn group_href(tenant: &str, group: &str) -> String {
    format!("/tenants/{tenant}/groups/{}", super::pages::enc(group))
}

fn policy_href(tenant: &str, r: &Row) -> String {
    let file = r.path.rsplit('/').next().unwrap_or("");
    format!("/tenants/{tenant}/policies/{}/{file}", r.kind)
}

/// Who an object is assigned to, each group linked to its page.
fn assigned(tenant: &str, r: &Row, only: Option<&Audience>) -> Markup {
    html! {
        @if !r.assignable { span.none { "not assignable" } }
        @else if r.assignments.is_empty() { span.none { "unassigned" } }
        @else {
            ul.lines {
                @for t in r.assignments.iter().filter(|t| only.is_none_or(|a| a.matches(t))) {
                    li class=(if t.mode == "exclude" { "old" } else { "" }) {
                        @if let Some(i) = &t.intent { (i) ": " }
                        (t.mode) " "
                        @match (t.target.as_str(), &t.group, &t.group_id) {
                            ("group", Some(name), Some(id)) => { a href=(group_href(tenant, id)) { (name) } },
                            ("group", None, Some(id)) => { a href=(group_href(tenant, id)) { "group " (id) } },
                            ("allUsers", ..) => "all users",
                            ("allDevices", ..) => "all devices",
                            (other, ..) => (other),
                        }
                        @if let (Some(f), Some(m)) = (&t.filter, &t.filter_mode) { " (filter " (f) ", " (m) ")" }
                    }
                }
            }
        }
    }
}

fn table(
    tenant: &str,
    params: &BTreeMap<String, String>,
    inv: &Inventory,
    only: Option<&Audience>,
) -> Markup {
    let sortable = |key: &str, label: &str| html! { a href=(href(tenant, params, &[("sort", key)])) { (label) } };
    html! {
        @if !inv.unreadable.is_empty() {
            p.warning { (inv.unreadable.len()) " document(s) could not be read: "
                @for u in &inv.unreadable { code { (u.path) } " (" (u.reason) ") " } }
        }
        table.inventory {
            tr {
                th { (sortable("type", "type")) } th { (sortable("name", "name")) } th { (sortable("platform", "platform")) }
                th { "scope tags" } th { "assigned" } th { (sortable("changed", "changed")) }
            }
            @for r in &inv.objects {
                tr {
                    td { (crate::catalog::label(&r.kind)) }
                    td { a href=(policy_href(tenant, r)) { (r.name) } }
                    td { (r.platform.as_deref().unwrap_or("–")) }
                    td { (if r.scope_tags.is_empty() { "–".to_string() } else { r.scope_tags.join(", ") }) }
                    td { (assigned(tenant, r, only)) }
                    td { @if let Some(c) = &r.changed { code { (c.commit) } " " small { (c.date.get(..10).unwrap_or(&c.date)) } } }
                }
            }
        }
    }
}

fn counts(inv: &Inventory) -> Markup {
    let (by_type, by_platform) = inventory::counts(&inv.objects);
    html! {
        p { (inv.objects.len()) " object(s)"
            @if !by_platform.is_empty() { " · by platform: "
                @for (i, (p, n)) in by_platform.iter().enumerate() { @if i > 0 { ", " } (p) " " (n) } }
        }
        @if !by_type.is_empty() {
            details { summary { (by_type.len()) " type(s)" }
                ul { @for (k, n) in &by_type { li { (crate::catalog::label(k)) ": " (n) } } }
            }
        }
    }
}

pub(crate) async fn page_view(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    app.tenant_index(&caller, &tenant, false).await?;
    let inv = rows_of(
        &app,
        query_of(&tenant, &params),
        params.get("sort").map(String::as_str),
        false,
    )
    .await?;
    let v = |k: &str| params.get(k).cloned().unwrap_or_default();
    let body = html! {
        form.filters method="get" action=(format!("/tenants/{tenant}/inventory")) {
            label { "type " input name="type" value=(v("type")) placeholder="settingsCatalog,apps"; } " "
            label { "platform " input name="platform" value=(v("platform")) placeholder="windows"; } " "
            label { "scope tag " input name="scopeTag" value=(v("scopeTag")); } " "
            label { "assigned to " input name="assignedTo" value=(v("assignedTo")) placeholder="group, all-users, all-devices"; } " "
            label { "name " input name="name" value=(v("name")) placeholder="Windows*"; } " "
            label { input type="checkbox" name="unassigned" value="1" checked[params.contains_key("unassigned")]; " unassigned only" } " "
            label { "at " input name="rev" value=(v("rev")) placeholder="HEAD"; } " "
            button type="submit" { "Filter" }
        }
        (counts(&inv))
        (table(&tenant, &params, &inv, None))
    };
    Ok(page(
        &format!("Inventory of {tenant}"),
        Some(&caller),
        &section_crumbs(&tenant, "inventory", None),
        body,
    )
    .into_response())
}

/// What a group gets: the objects assigned to it or excluding it, with their filters.
pub(crate) async fn group(
    State(app): State<Arc<App>>,
    Path((tenant, group)): Path<(String, String)>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    app.tenant_index(&caller, &tenant, false).await?;
    let audience = Audience::parse(&group);
    let q = InventoryQuery {
        assigned_to: Some(audience.clone()),
        ..query_of(&tenant, &params)
    };
    let inv = rows_of(&app, q, params.get("sort").map(String::as_str), false).await?;
    // The group's name, from the assignments that name it.
    let name = inv
        .objects
        .iter()
        .flat_map(|r| &r.assignments)
        .find(|t| audience.matches(t))
        .and_then(|t| t.group.clone())
        .unwrap_or_else(|| group.clone());
    let (included, excluded) = inv.objects.iter().fold((0, 0), |(i, e), r| {
        let modes: Vec<&str> = r
            .assignments
            .iter()
            .filter(|t| audience.matches(t))
            .map(|t| t.mode.as_str())
            .collect();
        (
            i + usize::from(modes.contains(&"include")),
            e + usize::from(modes.contains(&"exclude")),
        )
    });
    let mut params = params;
    params.insert("assignedTo".into(), group.clone());
    let body = html! {
        p { "Assigned to " (included) " object(s), excluded from " (excluded) ". "
            "Objects assigned to all users or all devices apply to its members too: "
            a href=(group_href(&tenant, "all-users")) { "all users" } ", "
            a href=(group_href(&tenant, "all-devices")) { "all devices" } "." }
        (table(&tenant, &params, &inv, Some(&audience)))
    };
    Ok(page(
        &format!("What {name} gets"),
        Some(&caller),
        &section_crumbs(
            &tenant,
            "inventory",
            Some((group_href(&tenant, &group), name.clone())),
        ),
        body,
    )
    .into_response())
}
