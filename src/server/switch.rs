//! The tenant switcher on every tenant page: the same kind of page (policy browser at the same
//! type, inventory, runs, drift) of another tenant the token may read, and only those.

use super::{App, Problem};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use std::sync::Arc;

/// The sections a switch keeps; anything deeper (one policy, one run, one group) belongs to its
/// tenant and is left for the section.
const SECTIONS: &[&str] = &["/inventory", "/runs", "/drift"];

/// The kind of page a crumb trail shows, as the part of its section's path after the tenant:
/// `/inventory`, `#settingsCatalog` (a policy's type in the policy browser), or `` (the tenant).
fn kind_of(crumbs: &[(String, String)]) -> Option<String> {
    let tenant = crumbs.first()?.0.strip_prefix("/tenants/")?;
    let Some((section, _)) = crumbs.get(1) else {
        return Some(String::new());
    };
    let rest = section.strip_prefix("/tenants/")?.strip_prefix(tenant)?;
    allowed(rest).then(|| rest.to_string())
}

/// A page kind a switch may lead to.
fn allowed(kind: &str) -> bool {
    kind.is_empty()
        || SECTIONS.contains(&kind)
        || kind
            .strip_prefix('#')
            .is_some_and(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The switcher of a page, when the caller may read another tenant.
pub(super) fn switcher(caller: &super::Caller, crumbs: &[(String, String)]) -> Option<Markup> {
    let current = &crumbs.first()?.1;
    let kind = kind_of(crumbs)?;
    if !caller.readable.iter().any(|t| t != current) {
        return None;
    }
    Some(html! {
        form.switch method="get" action="/switch" {
            label for="switch-to" { "Tenant " }
            select id="switch-to" name="to" {
                @for t in &caller.readable {
                    option value=(t) selected[t == current] { (t) }
                }
            }
            input type="hidden" name="page" value=(kind);
            " " button type="submit" { "Switch" }
        }
    })
}

#[derive(serde::Deserialize)]
pub(crate) struct SwitchParams {
    to: String,
    #[serde(default)]
    page: String,
}

/// `GET /switch?to=T&page=KIND`: 303 to that page of tenant T; 403 for a tenant the token may not
/// read (whether it exists or not).
pub(crate) async fn switch(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(p): Query<SwitchParams>,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    if !caller.allows(&p.to) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "this token may not read this tenant",
        ));
    }
    if !caller.readable.contains(&p.to) || !allowed(&p.page) {
        return Err(Problem::bad_request("no such tenant or page to switch to"));
    }
    let location = format!("/tenants/{}{}", p.to, p.page);
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crumbs(list: &[&str]) -> Vec<(String, String)> {
        list.iter()
            .map(|h| (h.to_string(), "x".to_string()))
            .collect()
    }

    #[test]
    fn the_page_kind_is_kept_and_nothing_deeper() {
        assert_eq!(kind_of(&crumbs(&["/tenants/a"])).as_deref(), Some(""));
        assert_eq!(
            kind_of(&crumbs(&[
                "/tenants/a",
                "/tenants/a/inventory",
                "/tenants/a/groups/g"
            ]))
            .as_deref(),
            Some("/inventory")
        );
        assert_eq!(
            kind_of(&crumbs(&[
                "/tenants/a",
                "/tenants/a#settingsCatalog",
                "/tenants/a/policies/x"
            ]))
            .as_deref(),
            Some("#settingsCatalog")
        );
        assert_eq!(kind_of(&crumbs(&[])), None);
        assert_eq!(kind_of(&crumbs(&["/tenants/a", "/elsewhere"])), None);
        assert!(!allowed("/../x") && !allowed("#a b") && !allowed("//evil.example"));
    }
}
