//! The run log of a reconcile round (`kind: reconcile`): mode, trigger, result, why (reasons of a
//! refusal), the drift it found and the run ids of the backup and apply runs it made. Kept privately
//! under `.git/atlas/runs/<tenant>/<run-id>.yaml`: the runs it made commit their own logs when
//! they change something, so history stays quiet.

use crate::config::Mode;
use crate::graph::ClientStats;
use crate::records::status::{Drift, Round, RoundResult};
use crate::store::{Repo, StoreError};
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileRunLog<'a> {
    pub run_id: &'a str,
    pub kind: &'static str,
    pub tool_version: &'static str,
    pub tenant: &'a str,
    pub tenant_id: &'a str,
    pub started: Timestamp,
    pub finished: Timestamp,
    pub outcome: RoundResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    pub mode: Mode,
    pub trigger: &'a str,
    /// Why enforcement was refused.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub reasons: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<&'a Drift>,
    /// Run ids of the backup and apply runs this round made.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub runs: &'a [String],
    pub graph: ClientStats,
}

impl<'a> ReconcileRunLog<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        round: &'a Round,
        tenant: &'a str,
        tenant_id: &'a str,
        mode: Mode,
        reasons: &'a [String],
        drift: Option<&'a Drift>,
        graph: ClientStats,
    ) -> Self {
        ReconcileRunLog {
            run_id: &round.run_id,
            kind: "reconcile",
            tool_version: env!("CARGO_PKG_VERSION"),
            tenant,
            tenant_id,
            started: round.started,
            finished: round.finished,
            outcome: round.result,
            message: round.message.as_deref(),
            mode,
            trigger: &round.trigger,
            reasons,
            drift,
            runs: &round.runs,
            graph,
        }
    }

    pub fn to_yaml(&self) -> String {
        crate::normalize::yaml::to_string(self).unwrap_or_default()
    }

    /// Writes the log to `.git/atlas/runs/<tenant>/<run-id>.yaml`; returns its path.
    pub fn write(&self, repo: &Repo) -> Result<std::path::PathBuf, StoreError> {
        crate::store::runlog::write_private(
            repo,
            self.tenant,
            self.run_id,
            self.to_yaml().as_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::status::{DriftObject, RoundKind};

    #[test]
    fn the_log_has_the_common_keys_and_the_rounds_own() {
        let t: Timestamp = "2026-01-15T09:30:00Z".parse().unwrap();
        let round = Round {
            run_id: "20260115T093000Z-abcdef".into(),
            kind: RoundKind::Enforce,
            result: RoundResult::Refused,
            started: t,
            finished: t,
            message: Some("refused: 1 reason".into()),
            trigger: "timer".into(),
            runs: vec![],
        };
        let drift = Drift {
            checked: t,
            against: "a".repeat(40),
            objects: vec![DriftObject {
                change: "changed".into(),
                kind: "deviceConfigurations".into(),
                name: "x".into(),
                path: "tenants/c/deviceConfigurations/x--1.yaml".into(),
            }],
            unread: vec![],
            corrected: vec![],
        };
        let reasons = vec!["inside deny window deny[0]".to_string()];
        let log = ReconcileRunLog::new(
            &round,
            "c",
            "tid",
            Mode::Enforce,
            &reasons,
            Some(&drift),
            ClientStats::default(),
        );
        let v: serde_json::Value = serde_yaml::from_str(&log.to_yaml()).unwrap();
        for key in [
            "runId",
            "kind",
            "toolVersion",
            "tenant",
            "tenantId",
            "started",
            "finished",
            "outcome",
            "message",
            "mode",
            "trigger",
            "reasons",
            "drift",
            "graph",
        ] {
            assert!(v.get(key).is_some(), "{key} missing: {v:#}");
        }
        assert_eq!(v["kind"], "reconcile");
        assert_eq!(v["outcome"], "refused");
        assert_eq!(v["mode"], "enforce");
        assert_eq!(v["drift"]["objects"][0]["name"], "x");
        assert!(v.get("runs").is_none());
    }
}
