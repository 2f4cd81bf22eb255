//! What a backup run records: the run log, the commit message and `tenant.yaml`.

use super::fetch::Failure;
use crate::graph::{ClientStats, Cloud};
use crate::store::WriteSummary;
pub use crate::store::objects::ObjectLine;
use crate::store::objects::{self, ChangeKind};
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

/// Per type: documents in the tenant and what changed (an object's script counts as the object).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypeCounts {
    pub objects: usize,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    /// Objects whose name changed (their file moved with it); not counted as changed too.
    #[serde(skip_serializing_if = "is_zero")]
    pub renamed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `2 added, 1 changed, 0 removed` (`, 1 renamed` when there are renames) over all types.
pub fn sentence(counts: &BTreeMap<String, TypeCounts>) -> String {
    let sum = |f: fn(&TypeCounts) -> usize| counts.values().map(f).sum::<usize>();
    let renamed = sum(|c| c.renamed);
    let mut s = format!(
        "{} added, {} changed, {} removed",
        sum(|c| c.added),
        sum(|c| c.changed),
        sum(|c| c.removed)
    );
    if renamed > 0 {
        s.push_str(&format!(", {renamed} renamed"));
    }
    s
}

/// The objects behind a write summary of the tenant folder `prefix` (`tenants/<t>`; the summary's
/// paths are relative to it, and so are the lines'), paired by the repository's identity rule;
/// `old_name` and `new_name` give a document's name on either side.
pub fn object_lines(
    prefix: &str,
    summary: &WriteSummary,
    old_name: &dyn Fn(&str) -> Option<String>,
    new_name: &dyn Fn(&str) -> Option<String>,
) -> Vec<ObjectLine> {
    let root = format!("{prefix}/");
    let mut changes: Vec<(Option<String>, Option<String>)> = vec![];
    let full = |p: &String| Some(format!("{root}{p}"));
    changes.extend(summary.added.iter().map(|p| (None, full(p))));
    changes.extend(summary.changed.iter().map(|p| (full(p), full(p))));
    changes.extend(summary.removed.iter().map(|p| (full(p), None)));
    let strip = |p: &str| p.strip_prefix(root.as_str()).unwrap_or(p).to_string();
    let mut lines = objects::object_lines(&changes, &|p: &str| old_name(&strip(p)), &|p: &str| {
        new_name(&strip(p))
    });
    for l in &mut lines {
        l.path = strip(&l.path);
        l.old_path = l.old_path.as_deref().map(strip);
    }
    lines
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

/// Documents per type, with what changed split by type folder.
pub fn counts(
    docs: &BTreeMap<String, usize>,
    changed: &[ObjectLine],
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
    for o in changed {
        let c = out.entry(o.kind.clone()).or_default();
        match o.change {
            ChangeKind::Added => c.added += 1,
            ChangeKind::Changed => c.changed += 1,
            ChangeKind::Removed => c.removed += 1,
            ChangeKind::Renamed => c.renamed += 1,
        }
    }
    out
}

/// `backup(<tenant>): N added, M changed, K removed[, R renamed]`, the objects by name and path,
/// then the trailers.
pub fn commit_message(
    tenant: &str,
    run_id: &str,
    counts: &BTreeMap<String, TypeCounts>,
    changed: &[ObjectLine],
    failures: &[Failure],
    message: Option<&str>,
) -> String {
    let mut m = format!("backup({tenant}): {}\n\n", sentence(counts));
    if let Some(text) = message {
        m.push_str(text.trim());
        m.push_str("\n\n");
    }
    for o in changed {
        m.push_str(&o.describe());
        m.push('\n');
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
    fn message_names_objects_renames_are_renames_and_trailers_follow() {
        let summary = WriteSummary {
            added: vec![
                "settingsCatalog/a--11111111.yaml".into(),
                "powershellScripts/new-name--22222222.yaml".into(),
                "powershellScripts/new-name--22222222.ps1".into(),
                "_refs/groups.yaml".into(),
            ],
            changed: vec![
                "tenant.yaml".into(),
                "remediations/r--44444444.detection.ps1".into(),
            ],
            removed: vec![
                "deviceConfigurations/old--33333333.yaml".into(),
                "powershellScripts/old-name--22222222.yaml".into(),
                "powershellScripts/old-name--22222222.ps1".into(),
            ],
        };
        let name = |p: &str| -> Option<String> {
            let stem = p.rsplit('/').next()?.split("--").next()?;
            Some(format!("{stem} policy"))
        };
        let lines = object_lines("tenants/t", &summary, &name, &name);
        let described: Vec<String> = lines.iter().map(ObjectLine::describe).collect();
        assert_eq!(
            described,
            [
                "removed: deviceConfigurations \"old policy\" (deviceConfigurations/old--33333333.yaml)",
                "renamed: powershellScripts \"old-name policy\" → \"new-name policy\" (powershellScripts/new-name--22222222.yaml, was powershellScripts/old-name--22222222.yaml)",
                "changed: remediations \"r policy\" (remediations/r--44444444.yaml)",
                "added: settingsCatalog \"a policy\" (settingsCatalog/a--11111111.yaml)",
            ]
        );
        let c = counts(&[("settingsCatalog".to_string(), 4)].into(), &lines);
        assert_eq!(
            c["settingsCatalog"],
            TypeCounts {
                objects: 4,
                added: 1,
                ..Default::default()
            }
        );
        assert_eq!(c["powershellScripts"].renamed, 1);
        assert_eq!(
            c["powershellScripts"].added + c["powershellScripts"].removed,
            0
        );
        assert_eq!(
            c["remediations"].changed, 1,
            "a script's change is its object's"
        );
        let m = commit_message("contoso", "r1", &c, &lines, &[], None);
        assert!(
            m.starts_with("backup(contoso): 1 added, 1 changed, 1 removed, 1 renamed\n\n"),
            "{m}"
        );
        assert!(m.contains(&format!("{}\n", described[1])), "{m}");
        assert!(m.ends_with("Atlas-Run: r1\nAtlas-Tenant: contoso\n"), "{m}");
    }

    #[test]
    fn a_name_change_that_keeps_the_file_is_a_rename_and_an_edit_is_not() {
        let summary = WriteSummary {
            changed: vec!["settingsCatalog/edge--11111111.yaml".into()],
            ..Default::default()
        };
        let old = |_: &str| Some("Edge".to_string());
        let renamed = |_: &str| Some("EDGE".to_string());
        let lines = object_lines("tenants/t", &summary, &old, &renamed);
        assert_eq!(lines[0].change, ChangeKind::Renamed);
        assert_eq!(lines[0].old_path, None);
        let lines = object_lines("tenants/t", &summary, &old, &old);
        assert_eq!(lines[0].change, ChangeKind::Changed);
        assert_eq!(
            sentence(&counts(&BTreeMap::new(), &lines)),
            "0 added, 1 changed, 0 removed"
        );
    }
}
