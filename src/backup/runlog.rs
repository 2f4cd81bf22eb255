//! What a backup run records: the run log, the commit message and `tenant.yaml`.

use super::fetch::Failure;
use crate::graph::{ClientStats, Cloud};
use crate::store::WriteSummary;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Everything read and written; something changed.
    Success,
    /// Everything read; nothing changed, no commit.
    NoChange,
    /// Some types or objects failed; the rest was written.
    Partial,
    /// Nothing could be backed up.
    Failed,
    /// Not run: another run holds the tenant's lock.
    Refused,
}

/// Per type: documents in the tenant and what changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypeCounts {
    pub objects: usize,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

/// The run log of one backup (`runs/<tenant>/<yyyy>/<mm>/<run-id>.yaml`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupRunLog {
    pub run_id: String,
    pub kind: &'static str,
    pub tool_version: &'static str,
    pub tenant: String,
    pub tenant_id: String,
    pub started: Timestamp,
    pub finished: Timestamp,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub types: BTreeMap<String, TypeCounts>,
    pub errors: Vec<Failure>,
    pub graph: ClientStats,
}

impl BackupRunLog {
    pub fn new(
        run_id: &str,
        tenant: &str,
        tenant_id: &str,
        started: Timestamp,
        finished: Timestamp,
        outcome: Outcome,
    ) -> Self {
        BackupRunLog {
            run_id: run_id.to_string(),
            kind: "backup",
            tool_version: env!("CARGO_PKG_VERSION"),
            tenant: tenant.to_string(),
            tenant_id: tenant_id.to_string(),
            started,
            finished,
            outcome,
            message: None,
            types: BTreeMap::new(),
            errors: vec![],
            graph: ClientStats::default(),
        }
    }

    pub fn to_yaml(&self) -> String {
        crate::normalize::yaml::to_string(self).unwrap_or_default()
    }
}

/// Documents (not sidecars) per type, with the write summary split by type folder.
pub fn counts(
    docs: &BTreeMap<String, usize>,
    summary: &WriteSummary,
) -> BTreeMap<String, TypeCounts> {
    let mut out: BTreeMap<String, TypeCounts> = docs
        .iter()
        .map(|(k, n)| {
            (
                k.clone(),
                TypeCounts {
                    objects: *n,
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut tally = |paths: &[String], f: fn(&mut TypeCounts)| {
        for p in paths.iter().filter(|p| is_document(p)) {
            if let Some((folder, _)) = p.split_once('/') {
                f(out.entry(folder.to_string()).or_default());
            }
        }
    };
    tally(&summary.added, |c| c.added += 1);
    tally(&summary.changed, |c| c.changed += 1);
    tally(&summary.removed, |c| c.removed += 1);
    out
}

/// A policy document path (`<type>/<stem>.yaml`), as opposed to sidecars, `_refs/` and `tenant.yaml`.
fn is_document(path: &str) -> bool {
    path.ends_with(".yaml")
        && path
            .split_once('/')
            .is_some_and(|(folder, _)| crate::catalog::get(folder).is_some())
}

/// `backup(<tenant>): N added, M changed, K removed` + the objects + trailers (DESIGN.md §2).
pub fn commit_message(
    tenant: &str,
    run_id: &str,
    summary: &WriteSummary,
    failures: &[Failure],
    message: Option<&str>,
) -> String {
    let docs = |paths: &[String]| {
        paths
            .iter()
            .filter(|p| is_document(p))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (added, changed, removed) = (
        docs(&summary.added),
        docs(&summary.changed),
        docs(&summary.removed),
    );
    let mut m = format!(
        "backup({tenant}): {} added, {} changed, {} removed\n\n",
        added.len(),
        changed.len(),
        removed.len()
    );
    if let Some(text) = message {
        m.push_str(text.trim());
        m.push_str("\n\n");
    }
    for (label, list) in [
        ("added", &added),
        ("changed", &changed),
        ("removed", &removed),
    ] {
        for p in list {
            m.push_str(&format!("{label}: {p}\n"));
        }
    }
    if !failures.is_empty() {
        m.push_str("\nincomplete (previous files kept):\n");
        for f in failures {
            match &f.object {
                Some(o) => m.push_str(&format!("- {} {o}\n", f.kind)),
                None => m.push_str(&format!("- {}\n", f.kind)),
            }
        }
    }
    m.push_str(&format!("\nAtlas-Run: {run_id}\nAtlas-Tenant: {tenant}\n"));
    if !failures.is_empty() {
        m.push_str("Atlas-Partial: true\n");
    }
    m
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TenantFile<'a> {
    name: &'a str,
    tenant_id: &'a str,
    cloud: Cloud,
    last_backup: LastBackup<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LastBackup<'a> {
    run_id: &'a str,
    at: Timestamp,
}

/// `tenants/<tenant>/tenant.yaml`.
pub fn tenant_yaml(
    name: &str,
    tenant_id: &str,
    cloud: Cloud,
    run_id: &str,
    at: Timestamp,
) -> String {
    let t = TenantFile {
        name,
        tenant_id,
        cloud,
        last_backup: LastBackup { run_id, at },
    };
    crate::normalize::yaml::to_string(&t).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_lists_documents_and_trailers() {
        let summary = WriteSummary {
            added: vec![
                "settingsCatalog/a--1.yaml".into(),
                "powershellScripts/s--2.ps1".into(),
                "_refs/groups.yaml".into(),
            ],
            changed: vec!["tenant.yaml".into()],
            removed: vec!["deviceConfigurations/old--3.yaml".into()],
        };
        let m = commit_message("contoso", "r1", &summary, &[], None);
        assert!(
            m.starts_with("backup(contoso): 1 added, 0 changed, 1 removed\n\n"),
            "{m}"
        );
        assert!(m.contains("added: settingsCatalog/a--1.yaml\n"));
        assert!(!m.contains("s--2.ps1"));
        assert!(m.ends_with("Atlas-Run: r1\nAtlas-Tenant: contoso\n"), "{m}");
        let c = counts(&[("settingsCatalog".to_string(), 4)].into(), &summary);
        assert_eq!(
            c["settingsCatalog"],
            TypeCounts {
                objects: 4,
                added: 1,
                changed: 0,
                removed: 0
            }
        );
        assert_eq!(c["deviceConfigurations"].removed, 1);
    }
}
