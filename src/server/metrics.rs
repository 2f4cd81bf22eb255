//! `/metrics` in Prometheus' text format, computed from the index (run-log summaries, status files,
//! HEAD's tree), limited to the tenants the caller's token may read.
//!
//! Run counts are totals over the run logs the repository keeps, so they only grow while logs are
//! kept (counter semantics); durations are a histogram of the same runs.

use super::index::{Index, TenantIndex};
use super::runs::RunSummary;
use super::{App, Caller, Problem};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

/// Upper bounds (seconds) of the run duration histogram.
const BUCKETS: [f64; 10] = [
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

pub(crate) async fn handler(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = app.caller(&headers, true)?;
    let idx = app.current(true).await?;
    let mut resp = render(&idx, &caller).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(resp)
}

/// A label value escaped as the text format requires (`\`, `"`, newline).
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// The metrics text for the tenants `caller` may read.
pub(crate) fn render(idx: &Index, caller: &Caller) -> String {
    let tenants: Vec<&TenantIndex> = idx
        .tenants
        .values()
        .filter(|t| caller.allows(&t.name))
        .collect();
    let mut out = String::new();
    runs_total(&mut out, &tenants);
    run_durations(&mut out, &tenants);
    run_sum(
        &mut out,
        &tenants,
        (
            "atlas_graph_requests_total",
            "Graph requests (inner $batch requests counted) of the runs whose logs are kept.",
        ),
        |r| r.graph_requests,
    );
    run_sum(
        &mut out,
        &tenants,
        (
            "atlas_graph_throttled_total",
            "429 answers from Graph in the runs whose logs are kept.",
        ),
        |r| r.throttled,
    );
    drift_and_objects(&mut out, &tenants);
    last_backup(&mut out, &tenants);
    out
}

/// `atlas_runs_total`: run logs by tenant, kind and outcome.
fn runs_total(out: &mut String, tenants: &[&TenantIndex]) {
    family(
        out,
        "atlas_runs_total",
        "counter",
        "Run logs kept in the repository, by tenant, kind and outcome.",
    );
    for t in tenants {
        let mut by: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for r in &t.runs {
            *by.entry((r.kind.as_str(), r.outcome.as_str())).or_default() += 1;
        }
        for ((kind, outcome), n) in by {
            let _ = writeln!(
                out,
                "atlas_runs_total{} {n}",
                labels(&[("tenant", &t.name), ("kind", kind), ("outcome", outcome)])
            );
        }
    }
}

/// `atlas_run_duration_seconds`: the histogram of run wall times by tenant and kind.
fn run_durations(out: &mut String, tenants: &[&TenantIndex]) {
    family(
        out,
        "atlas_run_duration_seconds",
        "histogram",
        "Wall time of the runs whose logs are kept, by tenant and kind.",
    );
    for t in tenants {
        let mut by: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for r in &t.runs {
            if let Some(d) = r.duration_seconds {
                by.entry(r.kind.as_str()).or_default().push(d);
            }
        }
        for (kind, ds) in by {
            for b in BUCKETS {
                let n = ds.iter().filter(|d| **d <= b).count();
                let le = format!("{b}");
                let _ = writeln!(
                    out,
                    "atlas_run_duration_seconds_bucket{} {n}",
                    labels(&[("tenant", &t.name), ("kind", kind), ("le", &le)])
                );
            }
            let l = labels(&[("tenant", &t.name), ("kind", kind)]);
            let inf = labels(&[("tenant", &t.name), ("kind", kind), ("le", "+Inf")]);
            let _ = writeln!(out, "atlas_run_duration_seconds_bucket{inf} {}", ds.len());
            let _ = writeln!(
                out,
                "atlas_run_duration_seconds_sum{l} {}",
                ds.iter().sum::<f64>()
            );
            let _ = writeln!(out, "atlas_run_duration_seconds_count{l} {}", ds.len());
        }
    }
}

/// A counter per tenant: `count` summed over its runs. `(name, help)` name the family.
fn run_sum(
    out: &mut String,
    tenants: &[&TenantIndex],
    (name, help): (&str, &str),
    count: impl Fn(&RunSummary) -> u64,
) {
    family(out, name, "counter", help);
    for t in tenants {
        let n: u64 = t.runs.iter().map(&count).sum();
        let _ = writeln!(out, "{name}{} {n}", labels(&[("tenant", &t.name)]));
    }
}

/// `atlas_drift_objects` (from the loop's status) and `atlas_objects` (documents at HEAD).
fn drift_and_objects(out: &mut String, tenants: &[&TenantIndex]) {
    family(
        out,
        "atlas_drift_objects",
        "gauge",
        "Objects found drifted at the last check of the reconcile loop (absent: never checked).",
    );
    for t in tenants {
        if let Some(d) = t.status.as_ref().and_then(|s| s.drift.as_ref()) {
            let _ = writeln!(
                out,
                "atlas_drift_objects{} {}",
                labels(&[("tenant", &t.name)]),
                d.objects.len()
            );
        }
    }
    family(
        out,
        "atlas_objects",
        "gauge",
        "Policy documents at HEAD, by tenant and type.",
    );
    for t in tenants {
        for (kind, list) in t.objects.iter() {
            let _ = writeln!(
                out,
                "atlas_objects{} {}",
                labels(&[("tenant", &t.name), ("type", kind)]),
                list.len()
            );
        }
    }
}

/// `atlas_last_backup_timestamp_seconds`.
fn last_backup(out: &mut String, tenants: &[&TenantIndex]) {
    family(
        out,
        "atlas_last_backup_timestamp_seconds",
        "gauge",
        "When the tenant's last committed backup finished (Unix time).",
    );
    for t in tenants {
        if let Some(at) = t.last_backup.as_ref().and_then(|l| l.at) {
            let _ = writeln!(
                out,
                "atlas_last_backup_timestamp_seconds{} {}",
                labels(&[("tenant", &t.name)]),
                at.as_second()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("x\ny"), "x\\ny");
        assert_eq!(labels(&[("a", "1"), ("b", "\"")]), r#"{a="1",b="\""}"#);
    }
}
