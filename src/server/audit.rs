//! The audit page of a tenant: who did what, when, from which plan, with what outcome — every
//! run started from `serve` (its queue record) and every run log (backups, applies, reconcile
//! rounds from the CLI or the loop), filtered by person, kind, outcome and time
//! (docs/ARCHITECTURE.md, "Runs from the browser").

use super::api::{Params, json};
use super::pages::{page, run_href, section_crumbs, ts};
use super::{App, Problem};
use crate::records::jobs::Job;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use maud::html;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;

/// One line of the audit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entry {
    pub at: Option<Timestamp>,
    /// The token that started it, `reconcile loop`, or `command line`.
    pub who: String,
    pub kind: String,
    pub outcome: String,
    pub run: String,
    /// A plan run's or apply's plan hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The run logs it made.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<String>,
}

fn of_job(j: &Job) -> Entry {
    Entry {
        at: Some(j.requested_at),
        who: j.requested_by.clone(),
        kind: j.kind.as_str().to_string(),
        outcome: j.status.as_str().to_string(),
        run: j.run.clone(),
        plan: j.plan.as_ref().map(|p| p.hash.clone()),
        message: j.message.clone(),
        runs: j.runs.clone(),
    }
}

/// Every entry of a tenant, newest first: its queued runs and the run logs none of them made.
pub(crate) fn entries(jobs: &[Job], runs: &[super::runs::RunSummary]) -> Vec<Entry> {
    let made: BTreeSet<&str> = jobs
        .iter()
        .flat_map(|j| j.runs.iter().map(String::as_str))
        .collect();
    let children: BTreeSet<&str> = runs
        .iter()
        .flat_map(|r| r.children.iter().map(String::as_str))
        .collect();
    let mut all: Vec<Entry> = jobs.iter().map(of_job).collect();
    for r in runs {
        if made.contains(r.run_id.as_str()) || children.contains(r.run_id.as_str()) {
            continue;
        }
        all.push(Entry {
            at: r.started,
            who: r.requested_by.clone().unwrap_or_else(|| {
                if r.kind == "reconcile" {
                    "reconcile loop".into()
                } else {
                    "command line".into()
                }
            }),
            kind: r.kind.clone(),
            outcome: r.outcome.clone(),
            run: r.run_id.clone(),
            plan: None,
            message: r.message.clone(),
            runs: r.children.clone(),
        });
    }
    all.sort_by(|a, b| (b.at, &b.run).cmp(&(a.at, &a.run)));
    all
}

/// The entries the filters keep: `who`, `kind`, `outcome` (exact, case-insensitive), `since` and
/// `until` (RFC 3339 or a date).
pub(crate) fn filtered(
    all: Vec<Entry>,
    p: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<Entry>, Problem> {
    let given = |k: &str| p.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let time = |k: &str| -> Result<Option<Timestamp>, Problem> {
        let Some(v) = given(k) else { return Ok(None) };
        // A date alone is its first moment, in UTC.
        let parsed = v
            .parse::<Timestamp>()
            .ok()
            .or_else(|| format!("{v}T00:00:00Z").parse::<Timestamp>().ok());
        parsed
            .map(Some)
            .ok_or_else(|| Problem::bad_request(format!("{k}: `{v}` is no date or time")))
    };
    let (since, until) = (time("since")?, time("until")?);
    let eq = |k: &str, v: &str| given(k).is_none_or(|g| g.eq_ignore_ascii_case(v));
    Ok(all
        .into_iter()
        .filter(|e| eq("who", &e.who) && eq("kind", &e.kind) && eq("outcome", &e.outcome))
        .filter(|e| since.is_none_or(|s| e.at.is_some_and(|a| a >= s)))
        .filter(|e| until.is_none_or(|u| e.at.is_some_and(|a| a <= u)))
        .collect())
}

async fn load(
    app: &Arc<App>,
    headers: &HeaderMap,
    tenant: &str,
    params: &std::collections::BTreeMap<String, String>,
    api: bool,
) -> Result<(super::Caller, Vec<Entry>), Problem> {
    let caller = app.caller(headers, api)?;
    let idx = app.tenant_index(&caller, tenant, api).await?;
    let jobs = super::jobs::of_tenant(app, tenant)
        .await
        .map_err(|p| p.api(api))?;
    let all = entries(&jobs, &idx.tenants[tenant].runs);
    Ok((caller, filtered(all, params).map_err(|p| p.api(api))?))
}

/// `GET /api/tenants/{t}/audit`.
pub(crate) async fn api(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let (_, entries) = load(&app, &headers, &tenant, &params, true).await?;
    Ok(json(&entries))
}

/// `GET /tenants/{t}/audit`.
pub(crate) async fn page_view(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let (caller, entries) = load(&app, &headers, &tenant, &params, false).await?;
    let v = |k: &str| params.get(k).cloned().unwrap_or_default();
    let body = html! {
        form.filters method="get" action=(format!("/tenants/{tenant}/audit")) {
            label { "who " input name="who" value=(v("who")) size="12"; } " "
            label { "kind " input name="kind" value=(v("kind")) placeholder="apply" size="10"; } " "
            label { "outcome " input name="outcome" value=(v("outcome")) placeholder="failed" size="10"; } " "
            label { "since " input name="since" value=(v("since")) placeholder="2026-01-01" size="12"; } " "
            label { "until " input name="until" value=(v("until")) size="12"; } " "
            button type="submit" { "Filter" }
        }
        p { (entries.len()) " entr" (if entries.len() == 1 { "y" } else { "ies" }) }
        table.audit {
            tr { th { "when" } th { "who" } th { "kind" } th { "outcome" } th { "run" } th { "plan" } th { "message" } }
            @for e in &entries {
                tr {
                    td { (ts(e.at)) } td { (e.who) } td { (e.kind) }
                    td class=(format!("outcome-{}", e.outcome)) { (e.outcome) }
                    td { a href=(run_href(&tenant, &e.run)) { (e.run) } @for r in &e.runs { " · " a href=(run_href(&tenant, r)) { (r) } } }
                    td { @if let Some(p) = &e.plan { code { (p.get(..19).unwrap_or(p)) } } }
                    td { (e.message.as_deref().unwrap_or("")) }
                }
            }
        }
    };
    Ok(page(
        &format!("Audit of {tenant}"),
        Some(&caller),
        &section_crumbs(&tenant, "audit", None),
        body,
    )
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::jobs::{JobKind, JobSpec, JobStatus};
    use crate::server::runs::{RunSource, RunSummary};

    fn job(run: &str, kind: JobKind, by: &str, made: &[&str]) -> Job {
        let at = "2026-01-15T09:30:00Z".parse().unwrap();
        let mut j = Job::queued(run, "demo", kind, JobSpec::default(), "", by, at);
        j.status = JobStatus::Succeeded;
        j.runs = made.iter().map(|r| r.to_string()).collect();
        j
    }

    fn log(id: &str, kind: &str, at: &str, by: Option<&str>, children: &[&str]) -> RunSummary {
        RunSummary {
            run_id: id.into(),
            kind: kind.into(),
            outcome: "success".into(),
            started: Some(at.parse().unwrap()),
            finished: None,
            duration_seconds: None,
            message: None,
            graph_requests: 0,
            throttled: 0,
            source: RunSource::Private(format!("{id}.yaml")),
            children: children.iter().map(|r| r.to_string()).collect(),
            requested_by: by.map(str::to_string),
        }
    }

    #[test]
    fn every_run_once_with_who_started_it() {
        let jobs = [job("q1", JobKind::Apply, "desk", &["a1", "a1-backup"])];
        let runs = [
            log("a1", "apply", "2026-01-15T09:30:00Z", Some("desk"), &[]),
            log("a1-backup", "backup", "2026-01-15T09:30:00Z", None, &[]),
            log("r1", "reconcile", "2026-01-16T00:00:00Z", None, &["b2"]),
            log("b2", "backup", "2026-01-16T00:00:00Z", None, &[]),
            log("c1", "apply", "2026-01-14T00:00:00Z", None, &[]),
        ];
        let all = entries(&jobs, &runs);
        let seen: Vec<(&str, &str)> = all
            .iter()
            .map(|e| (e.run.as_str(), e.who.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("r1", "reconcile loop"),
                ("q1", "desk"),
                ("c1", "command line")
            ]
        );
        let p = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let by_desk = filtered(all.clone(), &p(&[("who", "DESK")])).unwrap();
        assert_eq!(by_desk.len(), 1);
        let applies = filtered(all.clone(), &p(&[("kind", "apply")])).unwrap();
        assert_eq!(applies.len(), 2);
        let since = filtered(all.clone(), &p(&[("since", "2026-01-15")])).unwrap();
        assert_eq!(since.len(), 2);
        let until = filtered(all.clone(), &p(&[("until", "2026-01-14T23:00:00Z")])).unwrap();
        assert_eq!(until.len(), 1);
        assert!(filtered(all, &p(&[("since", "last tuesday")])).is_err());
    }
}
