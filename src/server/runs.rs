//! Run logs as the server lists them: backup, apply and reconcile runs of a tenant, committed under
//! `runs/<tenant>/` or kept privately under `.git/atlas/runs/<tenant>/`.
//!
//! Every run log shares the top-level keys `runId, kind, tenant, started, finished, outcome,
//! message, graph{…}`; a summary reads only those, so the list and `/metrics` stay cheap. The run
//! page shows the whole log: the known parts (types, items, drift) specially, the rest generically.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

/// Where a run log lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "in", content = "path")]
pub enum RunSource {
    /// In HEAD's tree at this repository path.
    Committed(String),
    /// In `.git/atlas/runs/<tenant>/`, this file name.
    Private(String),
}

/// The top-level facts of one run log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub run_id: String,
    /// `backup`, `apply`, `reconcile`, … as the log says.
    pub kind: String,
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Graph requests (inner `$batch` requests counted) and 429 answers.
    pub graph_requests: u64,
    pub throttled: u64,
    pub source: RunSource,
    /// The runs a reconcile round made (its backup, apply and the backup after it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<String>,
    /// Who asked for it, when the log says (an apply started from `serve`: the token's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
}

/// Parses a run log's YAML into a generic value (`None`: not a YAML mapping).
pub fn parse(bytes: &[u8]) -> Option<Value> {
    let v: Value = serde_yaml::from_slice(bytes).ok()?;
    v.is_object().then_some(v)
}

/// The summary of a parsed run log; `fallback_id` names it when the log has no `runId`.
pub fn summarize(v: &Value, fallback_id: &str, source: RunSource) -> RunSummary {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let t = |k: &str| s(k).and_then(|x| x.parse::<Timestamp>().ok());
    let (started, finished) = (t("started"), t("finished"));
    let graph = v.get("graph");
    let g = |k: &str| {
        graph
            .and_then(|g| g.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    RunSummary {
        run_id: s("runId").unwrap_or_else(|| fallback_id.to_string()),
        kind: s("kind").unwrap_or_else(|| "unknown".into()),
        outcome: s("outcome")
            .or_else(|| s("result"))
            .unwrap_or_else(|| "unknown".into()),
        started,
        finished,
        duration_seconds: match (started, finished) {
            (Some(a), Some(b)) => Some(b.duration_since(a).as_secs_f64().max(0.0)),
            _ => None,
        },
        message: s("message"),
        graph_requests: g("graphRequests"),
        throttled: g("throttled"),
        source,
        children: v
            .get("runs")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        requested_by: s("requestedBy"),
    }
}

/// The newest run that is not part of a later-listed reconcile round: the round, not the backup
/// it finished with, is what last happened to the tenant.
pub fn last(runs: &[RunSummary]) -> Option<&RunSummary> {
    let children: std::collections::BTreeSet<&str> = runs
        .iter()
        .flat_map(|r| r.children.iter().map(String::as_str))
        .collect();
    runs.iter().find(|r| !children.contains(r.run_id.as_str()))
}

/// Newest first: by start time, then run id.
pub fn sort(runs: &mut [RunSummary]) {
    runs.sort_by(|a, b| (b.started, &b.run_id).cmp(&(a.started, &a.run_id)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_log_summarizes() {
        let log = b"runId: r1\nkind: backup\ntoolVersion: 0.1.0\ntenant: demo\nstarted: 2026-01-15T09:30:00Z\nfinished: 2026-01-15T09:30:02.5Z\noutcome: success\ngraph:\n  graphRequests: 40\n  throttled: 2\n";
        let v = parse(log).unwrap();
        let s = summarize(&v, "x", RunSource::Private("r1.yaml".into()));
        assert_eq!(s.run_id, "r1");
        assert_eq!(s.kind, "backup");
        assert_eq!(s.outcome, "success");
        assert_eq!(s.duration_seconds, Some(2.5));
        assert_eq!((s.graph_requests, s.throttled), (40, 2));
    }

    #[test]
    fn the_last_run_is_the_round_not_the_runs_it_made() {
        let log = |id: &str, started: &str, extra: &str| {
            let text = format!("runId: {id}\nkind: k\nstarted: {started}\n{extra}");
            summarize(
                &parse(text.as_bytes()).unwrap(),
                id,
                RunSource::Private(id.into()),
            )
        };
        let mut runs = vec![
            log("round", "2026-01-15T09:30:00Z", "runs: [apply, after]\n"),
            log("apply", "2026-01-15T09:30:01Z", ""),
            log("after", "2026-01-15T09:30:05Z", ""),
            log("older", "2026-01-15T09:00:00Z", ""),
        ];
        sort(&mut runs);
        assert_eq!(runs[0].run_id, "after");
        assert_eq!(last(&runs).unwrap().run_id, "round");
        assert_eq!(
            last(&runs[..2]).unwrap().run_id,
            "after",
            "no round: the newest"
        );
    }

    #[test]
    fn odd_logs_still_list() {
        assert!(parse(b"- a list").is_none());
        assert!(parse(b": : :").is_none());
        let s = summarize(
            &parse(b"kind: reconcile\n").unwrap(),
            "file-name",
            RunSource::Private("f".into()),
        );
        assert_eq!(
            (s.run_id.as_str(), s.outcome.as_str()),
            ("file-name", "unknown")
        );
    }

    #[test]
    fn newest_first() {
        let mk = |id: &str, t: &str| {
            summarize(
                &parse(format!("runId: {id}\nstarted: {t}\n").as_bytes()).unwrap(),
                id,
                RunSource::Private(id.into()),
            )
        };
        let mut runs = vec![
            mk("a", "2026-01-01T00:00:00Z"),
            mk("b", "2026-02-01T00:00:00Z"),
            mk("c", "2026-01-15T00:00:00Z"),
        ];
        sort(&mut runs);
        let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }
}
