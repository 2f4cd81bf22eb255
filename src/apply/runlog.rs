//! The run log of an apply: every item's action and result, and every request's status, Graph
//! request-id, retries and duration — committed under `runs/<tenant>/`.

use super::ApplyReport;
use crate::backup::TenantTarget;
use crate::graph::ClientStats;
use crate::plan::{Action, Item, Plan, Request};
use jiff::Timestamp;
use serde::Serialize;

/// How an apply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Every item applied and converged.
    Success,
    /// Some items failed or did not converge; the others were applied.
    Partial,
    /// Nothing was applied (stale plan, lock held, edited plan, already applied).
    Refused,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ItemStatus {
    Applied,
    Failed,
    /// No-op, preview-only or blocked: nothing to send.
    NotApplied,
}

impl ItemStatus {
    /// As a run's commit message and a queued run's items say it.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Applied => "applied",
            ItemStatus::Failed => "failed",
            ItemStatus::NotApplied => "skipped",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestResult {
    pub method: String,
    pub path: String,
    pub purpose: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub retries: u64,
    pub duration_ms: u64,
    /// A create an earlier, interrupted run had sent: found again, not sent twice.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub recovered: bool,
}

impl RequestResult {
    pub fn recovered(req: &Request) -> RequestResult {
        RequestResult {
            method: req.method.clone(),
            path: req.path.clone(),
            purpose: req.purpose.clone(),
            status: None,
            request_id: None,
            retries: 0,
            duration_ms: 0,
            recovered: true,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    #[serde(skip)]
    pub index: usize,
    pub kind: String,
    pub name: String,
    /// The document's id in its commit: with `target_id`, which object a create made for it
    /// (later plans pair the document with that object, `plan::identity`).
    pub source_id: String,
    pub action: Action,
    pub result: ItemStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// Read back after the writes: does the object now equal the desired state?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestResult>,
}

impl ItemResult {
    pub fn new(item: &Item) -> ItemResult {
        ItemResult {
            index: 0,
            kind: item.kind.clone(),
            name: item.name.clone(),
            source_id: item.source_id.clone(),
            action: item.action,
            result: ItemStatus::NotApplied,
            target_id: item.target_id.clone(),
            converged: None,
            message: None,
            requests: vec![],
        }
    }
}

/// `runs/<tenant>/<yyyy>/<mm>/<run-id>.yaml` of an apply.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyRunLog<'a> {
    pub run_id: &'a str,
    pub kind: &'static str,
    pub tool_version: &'static str,
    pub tenant: &'a str,
    pub tenant_id: &'a str,
    pub plan: &'a str,
    pub commit: &'a str,
    pub source: String,
    pub started: Timestamp,
    pub finished: Timestamp,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    /// What was checked before anything was sent: the plan's hash, its signature, the shape of
    /// its requests, its commit, and the requests derived again from that commit.
    pub checks: &'a super::verify::Checks,
    pub items: Vec<&'a ItemResult>,
    pub graph: ClientStats,
    /// Who asked for it when that is not the commit's author (a `serve` token's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<&'a str>,
}

impl<'a> ApplyRunLog<'a> {
    /// The same log, saying who asked for the apply.
    pub fn by(mut self, who: Option<&'a str>) -> Self {
        self.requested_by = who;
        self
    }

    pub fn new(
        report: &'a ApplyReport,
        target: &'a TenantTarget,
        plan: &'a Plan,
        started: Timestamp,
        finished: Timestamp,
        graph: ClientStats,
    ) -> Self {
        ApplyRunLog {
            run_id: &report.run_id,
            kind: "apply",
            tool_version: env!("CARGO_PKG_VERSION"),
            tenant: &target.name,
            tenant_id: &target.tenant_id,
            plan: &plan.hash,
            commit: &plan.commit,
            source: crate::store::layout::tenant(&plan.source.tenant),
            started,
            finished,
            outcome: report.outcome,
            message: report.message.as_deref(),
            checks: &report.checks,
            // Only what was sent is logged: unchanged items would drown the rest.
            items: report
                .items
                .iter()
                .filter(|i| i.result != ItemStatus::NotApplied)
                .collect(),
            graph,
            requested_by: None,
        }
    }

    pub fn to_yaml(&self) -> String {
        crate::normalize::yaml::to_string(self).unwrap_or_default()
    }

    /// `apply(<tenant>): N applied, M failed` with the run's trailers.
    pub fn commit_message(&self) -> String {
        let applied = self
            .items
            .iter()
            .filter(|i| i.result == ItemStatus::Applied)
            .count();
        let failed = self
            .items
            .iter()
            .filter(|i| i.result == ItemStatus::Failed)
            .count();
        let mut body = String::new();
        for i in &self.items {
            body.push_str(&format!(
                "{} {} {}/{}\n",
                i.result.as_str(),
                i.action.as_str(),
                i.kind,
                i.name
            ));
        }
        let by = self
            .requested_by
            .map(|w| format!("Atlas-Requested-By: {w}\n"))
            .unwrap_or_default();
        format!(
            "apply({}): {applied} applied, {failed} failed\n\n{body}\nAtlas-Run: {}\nAtlas-Tenant: {}\nAtlas-Plan: {}\nAtlas-Source: {} {}\n{by}",
            self.tenant, self.run_id, self.tenant, self.plan, self.source, self.commit
        )
    }
}
