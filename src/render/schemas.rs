//! JSON Schemas of the machine output of `drift`, `diff`, `show`, `log` and `list` (`--format json`), kept
//! in `schemas/` so pipelines can validate what they parse.

use super::{Report, View};
use serde::Serialize;

/// `drift` and `diff` output: one report per tenant.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Reports<'a> {
    pub reports: &'a [Report],
}

/// One commit of the history, as shown.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    pub commit: String,
    pub short_id: String,
    pub author: String,
    pub email: String,
    pub time: String,
    /// `Atlas-Run` trailer, when the commit was made by a run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    pub subject: String,
    /// What changed, in one line.
    pub changes: String,
    /// The policy's path at this commit (when following one policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// (file below `schemas/`, schema) for every machine output.
pub fn all() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("schemas/report.schema.json", schema::<Reports<'static>>()),
        ("schemas/view.schema.json", schema::<View>()),
        ("schemas/log.schema.json", schema::<Vec<LogLine>>()),
        (
            "schemas/inventory.schema.json",
            schema::<crate::inventory::Inventory>(),
        ),
    ]
}

fn schema<T: schemars::JsonSchema>() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default()
}
