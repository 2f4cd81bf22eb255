//! Which files of a tenant folder make up one object, and which object a changed file belongs to.
//!
//! A document is `tenants/<t>/<type>/<slug>--<id8>.yaml`; its sidecars share the stem. A rename
//! changes the slug but keeps the id marker, so a removed and an added document with the same marker
//! in one folder are one object, renamed. These rules are paths only: backup summaries, `diff`,
//! `drift` and `log` all pair files with them, so every command counts objects the same way.

use std::collections::BTreeMap;

/// What happened to an object.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    /// Its name changed (other fields may have changed too).
    Renamed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Renamed => "renamed",
        }
    }
}

/// One object a commit or a backup added, changed, renamed or removed, by name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectLine {
    pub change: ChangeKind,
    /// Catalog key.
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    /// The document (the old one for a removed object).
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
}

impl ObjectLine {
    /// `renamed: settingsCatalog "Old" → "New" (settingsCatalog/new--1a2b3c4d.yaml, was …)`.
    pub fn describe(&self) -> String {
        let name = match &self.old_name {
            Some(old) => format!("\"{old}\" → \"{}\"", self.name),
            None => format!("\"{}\"", self.name),
        };
        let path = match &self.old_path {
            Some(old) => format!("{}, was {old}", self.path),
            None => self.path.clone(),
        };
        format!("{}: {} {name} ({path})", self.change.as_str(), self.kind)
    }
}

/// The objects behind changed files (old path, new path), paired by [`document_pairs`]: an object
/// whose name differs on the two sides is renamed (whether or not its file moved), one that only
/// moved is changed; where no name is given, one that moved is renamed. `old_name` and `new_name` read a document's name on either side.
pub fn object_lines(
    changes: &[(Option<String>, Option<String>)],
    old_name: &dyn Fn(&str) -> Option<String>,
    new_name: &dyn Fn(&str) -> Option<String>,
) -> Vec<ObjectLine> {
    let mut out = vec![];
    for Pair { old, new } in document_pairs(changes) {
        let Some(path) = new.clone().or(old.clone()) else {
            continue;
        };
        let kind = path.split('/').nth(2).unwrap_or_default().to_string();
        let names = (
            old.as_deref().and_then(old_name),
            new.as_deref().and_then(new_name),
        );
        let (change, name, old_name) = match (&old, &new, names) {
            (None, Some(_), (_, n)) => (ChangeKind::Added, n, None),
            (Some(_), None, (o, _)) => (ChangeKind::Removed, o, None),
            (_, _, (Some(o), Some(n))) if o != n => (ChangeKind::Renamed, Some(n), Some(o)),
            // Names not read: a document that moved to another file was renamed (its slug is its
            // name's).
            (Some(op), Some(np), (None, None)) if op != np => (ChangeKind::Renamed, None, None),
            (_, _, (o, n)) => (ChangeKind::Changed, n.or(o), None),
        };
        out.push(ObjectLine {
            change,
            kind,
            name: name.unwrap_or_else(|| path.rsplit('/').next().unwrap_or_default().into()),
            old_name,
            old_path: old.filter(|o| new.as_ref().is_some_and(|n| n != o)),
            path,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The old and new path of one changed object's document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pair {
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Maps changed files (old path, new path) to the documents they belong to, one pair per object:
/// sidecars count as their document, files outside type folders (`_refs/`, `tenant.yaml`, run logs)
/// are left out, and a removed and an added document with the same id in one folder are one object.
///
/// A sidecar added or removed on its own changes its document in place: the document is still
/// there (a missing sidecar is the document's problem, warned about when it is read), so it is
/// compared with itself rather than reported as added or removed.
pub fn document_pairs(changes: &[(Option<String>, Option<String>)]) -> Vec<Pair> {
    let mut pairs: Vec<Pair> = vec![];
    let mut of_sidecars: Vec<Pair> = vec![];
    for (old_file, new_file) in changes {
        let (old, new) = (
            old_file.as_deref().and_then(document_of),
            new_file.as_deref().and_then(document_of),
        );
        let is_sidecar = |file: &Option<String>, doc: &Option<String>| {
            file.as_ref().is_some_and(|f| doc.as_ref() != Some(f))
        };
        if is_sidecar(old_file, &old) || is_sidecar(new_file, &new) {
            let (Some(old), Some(new)) = (old.clone().or(new.clone()), new.or(old)) else {
                continue;
            };
            of_sidecars.push(Pair {
                old: Some(old),
                new: Some(new),
            });
            continue;
        }
        if old.is_none() && new.is_none() {
            continue;
        }
        pairs.push(Pair { old, new });
    }
    // A sidecar's document that changed itself (edited, added, removed, renamed) is compared as such.
    let documents: std::collections::BTreeSet<&String> = pairs
        .iter()
        .flat_map(|p| p.old.iter().chain(p.new.iter()))
        .collect();
    let of_sidecars: Vec<Pair> = of_sidecars
        .into_iter()
        .filter(|p| {
            !p.old
                .iter()
                .chain(p.new.iter())
                .any(|d| documents.contains(d))
        })
        .collect();
    pairs.extend(of_sidecars);
    // A document listed as changed by itself and by its sidecar appears once.
    pairs.sort();
    pairs.dedup();
    // Removed + added with the same id marker in one folder: one object, renamed.
    let mut added: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, p) in pairs.iter().enumerate() {
        if let (None, Some(n)) = (&p.old, &p.new)
            && let Some(m) = id_marker(n)
        {
            added.insert((parent(n).to_string(), m.to_string()), i);
        }
    }
    let mut merged = vec![false; pairs.len()];
    for i in 0..pairs.len() {
        if let (Some(o), None) = (pairs[i].old.clone(), &pairs[i].new)
            && let Some(m) = id_marker(&o)
            && let Some(&j) = added.get(&(parent(&o).to_string(), m.to_string()))
            && !merged[j]
        {
            pairs[i].new = pairs[j].new.clone();
            merged[j] = true;
        }
    }
    let mut out: Vec<Pair> = pairs
        .into_iter()
        .zip(merged)
        .filter(|(_, m)| !m)
        .map(|(p, _)| p)
        .collect();
    // A path both renamed away and modified in place: keep the rename only.
    let renamed_from: std::collections::BTreeSet<String> = out
        .iter()
        .filter(|p| p.new.is_some() && p.old != p.new)
        .filter_map(|p| p.old.clone())
        .collect();
    out.retain(|p| !(p.old == p.new && p.old.as_ref().is_some_and(|o| renamed_from.contains(o))));
    out.sort();
    out
}

/// The document a file of a type folder belongs to: `tenants/<t>/<kind>/<stem>.yaml`.
pub fn document_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let [root, tenant, folder, file] = parts.as_slice() else {
        return None;
    };
    if *root != super::layout::TENANTS || folder.starts_with('_') || folder.starts_with('.') {
        return None;
    }
    let stem = file.split('.').next().filter(|s| !s.is_empty())?;
    Some(super::layout::in_tenant(
        tenant,
        &format!("{folder}/{stem}.yaml"),
    ))
}

/// `--<id marker>` at the end of a document's stem.
fn id_marker(path: &str) -> Option<&str> {
    let file = path.rsplit('/').next()?;
    let stem = file.strip_suffix(".yaml")?;
    stem.rfind("--").map(|i| &stem[i..])
}

pub(crate) fn parent(path: &str) -> &str {
    path.rfind('/').map(|i| &path[..i]).unwrap_or("")
}

pub(crate) fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_names_a_moved_document_is_renamed_and_one_in_place_changed() {
        let changes = [
            pair(Some("tenants/t/settingsCatalog/old--11111111.yaml"), None),
            pair(None, Some("tenants/t/settingsCatalog/new--11111111.yaml")),
            pair(
                Some("tenants/t/settingsCatalog/same--22222222.yaml"),
                Some("tenants/t/settingsCatalog/same--22222222.yaml"),
            ),
        ];
        let none = |_: &str| None;
        let lines = object_lines(&changes, &none, &none);
        let kinds: Vec<ChangeKind> = lines.iter().map(|l| l.change).collect();
        assert_eq!(kinds, [ChangeKind::Renamed, ChangeKind::Changed]);
        assert_eq!(
            lines[0].old_path.as_deref(),
            Some("tenants/t/settingsCatalog/old--11111111.yaml")
        );
    }

    fn pair(old: Option<&str>, new: Option<&str>) -> (Option<String>, Option<String>) {
        (old.map(str::to_string), new.map(str::to_string))
    }

    #[test]
    fn sidecars_belong_to_their_document_and_other_files_are_left_out() {
        let got = document_pairs(&[
            pair(
                Some("tenants/t/remediations/a--12345678.detection.ps1"),
                Some("tenants/t/remediations/a--12345678.detection.ps1"),
            ),
            pair(
                Some("tenants/t/remediations/a--12345678.yaml"),
                Some("tenants/t/remediations/a--12345678.yaml"),
            ),
            pair(None, Some("tenants/t/_refs/groups.yaml")),
            pair(None, Some("runs/t/2026/11/x.yaml")),
            pair(Some("tenants/t/tenant.yaml"), Some("tenants/t/tenant.yaml")),
        ]);
        assert_eq!(
            got,
            [Pair {
                old: Some("tenants/t/remediations/a--12345678.yaml".into()),
                new: Some("tenants/t/remediations/a--12345678.yaml".into())
            }]
        );
    }

    #[test]
    fn a_removed_and_an_added_document_with_one_id_are_a_rename() {
        let got = document_pairs(&[
            pair(Some("tenants/t/x/old-name--12345678.yaml"), None),
            pair(None, Some("tenants/t/x/new-name--12345678.yaml")),
            pair(None, Some("tenants/t/x/other--87654321.yaml")),
        ]);
        assert_eq!(
            got,
            [
                Pair {
                    old: None,
                    new: Some("tenants/t/x/other--87654321.yaml".into())
                },
                Pair {
                    old: Some("tenants/t/x/old-name--12345678.yaml".into()),
                    new: Some("tenants/t/x/new-name--12345678.yaml".into())
                },
            ]
        );
    }

    #[test]
    fn a_sidecar_removed_or_added_alone_changes_its_document_in_place() {
        let doc = "tenants/t/powershellScripts/s--12345678.yaml";
        let in_place = Pair {
            old: Some(doc.into()),
            new: Some(doc.into()),
        };
        let removed = document_pairs(&[pair(
            Some("tenants/t/powershellScripts/s--12345678.ps1"),
            None,
        )]);
        assert_eq!(removed, std::slice::from_ref(&in_place));
        let added = document_pairs(&[pair(
            None,
            Some("tenants/t/powershellScripts/s--12345678.ps1"),
        )]);
        assert_eq!(added, [in_place]);
    }

    #[test]
    fn a_document_removed_or_renamed_with_its_sidecar_is_one_object() {
        let removed = document_pairs(&[
            pair(Some("tenants/t/p/s--12345678.ps1"), None),
            pair(Some("tenants/t/p/s--12345678.yaml"), None),
        ]);
        assert_eq!(
            removed,
            [Pair {
                old: Some("tenants/t/p/s--12345678.yaml".into()),
                new: None
            }]
        );
        let renamed = document_pairs(&[
            pair(Some("tenants/t/p/a--12345678.ps1"), None),
            pair(Some("tenants/t/p/a--12345678.yaml"), None),
            pair(None, Some("tenants/t/p/b--12345678.ps1")),
            pair(None, Some("tenants/t/p/b--12345678.yaml")),
        ]);
        assert_eq!(
            renamed,
            [Pair {
                old: Some("tenants/t/p/a--12345678.yaml".into()),
                new: Some("tenants/t/p/b--12345678.yaml".into())
            }]
        );
    }
}
