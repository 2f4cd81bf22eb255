//! A token's inbox in the UI: its runs that finished or failed (kept by the workers), the drift
//! the loop last measured and the certificates and tokens about to expire in its tenants (read
//! live from their status files), each with a link, unread until marked read.

use super::api::json;
use super::pages::{page, ts};
use super::{App, Caller, Problem, blocking};
use crate::records::inbox::{self, Message};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Serialize;
use std::sync::Arc;

/// One message as shown.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shown {
    #[serde(flatten)]
    pub message: Message,
    pub read: bool,
}

/// The caller's messages, newest first: kept ones and the live ones of its tenants.
async fn messages(app: &Arc<App>, caller: &Caller) -> Result<Vec<Shown>, Problem> {
    // The tenants' status files as the index holds them (read once per change, not per request).
    let idx = app.current(false).await?;
    let (a, c) = (app.clone(), caller.clone());
    blocking(move || {
        let kept = inbox::read(&a.repo, &c.name)?;
        let mut all: Vec<Message> = kept
            .messages
            .iter()
            .filter(|m| c.allows(&m.tenant))
            .cloned()
            .collect();
        for t in &c.readable {
            let Some(s) = idx.tenants.get(t).and_then(|t| t.status.as_ref()) else {
                continue;
            };
            if let Some(d) = s.drift.as_ref().filter(|d| !d.objects.is_empty()) {
                all.push(Message {
                    id: format!("drift:{t}:{}", d.checked),
                    at: d.checked,
                    tenant: t.clone(),
                    kind: "drift".into(),
                    level: "warning".into(),
                    text: format!(
                        "{} object(s) of {t} drifted from {}",
                        d.objects.len(),
                        &d.against[..d.against.len().min(10)]
                    ),
                    link: format!("/tenants/{t}/drift"),
                });
            }
            for e in &s.health {
                all.push(Message {
                    id: format!("expiry:{t}:{}:{}", e.path, e.expires),
                    at: s.updated,
                    tenant: t.clone(),
                    kind: "expiry".into(),
                    level: "warning".into(),
                    text: e.to_string(),
                    link: format!(
                        "/tenants/{t}/policies/{}/{}",
                        e.kind,
                        e.path.rsplit('/').next().unwrap_or("")
                    ),
                });
            }
        }
        all.sort_by(|x, y| (y.at, &y.id).cmp(&(x.at, &x.id)));
        Ok(all
            .into_iter()
            .map(|m| Shown {
                read: kept.read.contains(&m.id),
                message: m,
            })
            .collect())
    })
    .await
}

/// `GET /api/inbox`.
pub(crate) async fn api(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, true)?;
    Ok(json(
        &messages(&app, &caller).await.map_err(|p| p.api(true))?,
    ))
}

/// `GET /inbox`.
pub(crate) async fn page_view(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let all = messages(&app, &caller).await?;
    let unread = all.iter().filter(|m| !m.read).count();
    let body = html! {
        p { (unread) " unread of " (all.len()) }
        @if unread > 0 {
            form.inline method="post" action="/inbox/read" {
                (super::operate::csrf_field(&caller))
                // What this page shows: a message that comes meanwhile stays unread.
                @for m in all.iter().filter(|m| !m.read) { input type="hidden" name="id" value=(m.message.id); }
                button type="submit" { "Mark all read" }
            }
        }
        @if all.is_empty() { p.none { "Nothing yet: runs you start, drift and expiring certificates show here." } }
        @else {
            table.inbox {
                tr { th { "when" } th { "tenant" } th { "what" } th { "" } }
                @for m in &all {
                    tr class=(if m.read { "" } else { "unread" }) {
                        td { (ts(Some(m.message.at))) }
                        td { (m.message.tenant) }
                        td class=(format!("outcome-{}", m.message.level)) { (m.message.text) }
                        td { a href=(m.message.link) { @if m.message.kind == "run" { "View run" } @else { "View" } } }
                    }
                }
            }
        }
    };
    Ok(page("Inbox", Some(&caller), &[], body).into_response())
}

/// `POST /inbox/read`: marks the messages the form names (`id`, the page's unread ones) as read;
/// without any, every message there is now.
pub(crate) async fn mark_read(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, false)?;
    let form = super::operate::Form::parse(&body);
    super::operate::forged(&caller, &headers, form.first("csrf").as_deref(), false)?;
    let ids = form.all("id");
    let ids = if ids.is_empty() {
        messages(&app, &caller)
            .await?
            .into_iter()
            .map(|m| m.message.id)
            .collect()
    } else {
        ids
    };
    let (a, who) = (app.clone(), caller.name.clone());
    blocking(move || Ok(inbox::mark_read(&a.repo, &who, &ids)?)).await?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/inbox")]).into_response())
}
