//! From fetched Graph objects to the files of one tenant folder, and what must be left untouched.
//!
//! A backup never loses what it could not read: a type that failed keeps its previous files, an
//! object that failed keeps its own, a run restricted by `--type` or `--only` leaves everything else
//! as it was. Those rules are the `keep` predicate handed to the store.

use super::fetch::{Failure, Fetched};
use crate::catalog::{self, CatalogEntry};
use crate::graph::SecretString;
use crate::normalize::{self, slug};
use crate::store::layout;
use globset::GlobSet;
use std::collections::{BTreeMap, BTreeSet};

/// The files of one tenant folder, and the rules for files this run does not own.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Paths relative to `tenants/<tenant>/`.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Documents per type.
    pub counts: BTreeMap<String, usize>,
    pub failures: Vec<Failure>,
    /// Objects `--only` selected (all of them without `--only`), written or failed.
    pub matched: usize,
    /// Why nothing could be read, when the tenant could not be signed in to.
    pub sign_in: Option<crate::graph::GraphError>,
    /// Each document's object name, by document path (`<type>/<stem>.yaml`): what the backup's
    /// summary names, without parsing the documents again.
    pub names: BTreeMap<String, String>,
    /// The reference kinds read as whole lists ([`Fetched::listed`]).
    pub listed: BTreeMap<crate::catalog::RefKind, Vec<(String, String)>>,
    keep: Keep,
}

#[derive(Debug, Default)]
struct Keep {
    /// Type folders this run did not (completely) read.
    folders: BTreeSet<String>,
    /// (type folder, id markers) of objects that failed: `--<short id>` or `--<hash16>`.
    objects: Vec<(String, String)>,
    /// `_refs/` files whose names could not be read.
    refs: BTreeSet<String>,
    /// With `--only`: keep every file this run did not produce.
    only: bool,
}

impl Snapshot {
    /// Should a file below the tenant folder that this run did not produce be left in place?
    /// (The store asks only about files that are not in the snapshot.)
    pub fn keep(&self, path: &str) -> bool {
        let k = &self.keep;
        if path == "tenant.yaml" {
            return true;
        }
        if k.refs.contains(path) {
            return true;
        }
        let Some((folder, file)) = path.split_once('/') else {
            return true; // files at the tenant root are not ours
        };
        if folder == layout::REFS {
            return k.only;
        }
        if catalog::get(folder).is_none() || k.folders.contains(folder) {
            return true;
        }
        if k.objects
            .iter()
            .any(|(f, marker)| f == folder && file.contains(marker.as_str()))
        {
            return true;
        }
        k.only
    }
}

/// Builds the snapshot of one tenant from what was fetched.
/// The raw objects are consumed: each is dropped as soon as it is normalized, so a tenant's objects
/// are never held twice.
/// `scrub`: secret values this process knows (supplied for a restore); a live object that carries
/// one in clear — Graph returning a value it was sent — gets the redaction marker instead, so no
/// backup, plan or view ever holds it.
pub fn build(
    fetched: &mut Fetched,
    entries: &[&'static CatalogEntry],
    only: Option<&GlobSet>,
    scrub: &[SecretString],
) -> Snapshot {
    let mut snap = Snapshot {
        failures: fetched.failures.clone(),
        sign_in: fetched.sign_in.clone(),
        listed: std::mem::take(&mut fetched.listed),
        ..Default::default()
    };
    let selected: BTreeSet<&str> = entries.iter().map(|e| e.key).collect();
    for e in catalog::all().iter().filter(|e| !selected.contains(e.key)) {
        snap.keep.folders.insert(e.key.to_string());
    }
    snap.keep.only = only.is_some();
    for kind in &fetched.failed_refs {
        snap.keep.refs.insert(layout::refs_file(*kind));
    }
    for e in entries {
        let Some(Some(data)) = fetched.types.get_mut(e.key) else {
            snap.keep.folders.insert(e.key.to_string());
            continue;
        };
        for id in &data.failed_ids {
            snap.keep.objects.extend(markers(e.key, id));
        }
        let stems = slug::stems(
            data.objects
                .iter()
                .map(|o| (o.id.as_str(), o.name.as_str())),
        );
        let mut count = 0;
        for (o, stem) in std::mem::take(&mut data.objects).into_iter().zip(&stems) {
            let name = o.name.as_str();
            if let Some(globs) = only
                && !globs.is_match(format!("{}/{name}", e.key))
                && !globs.is_match(format!("{}/{stem}", e.key))
            {
                continue;
            }
            snap.matched += 1;
            let mut value = o.value();
            if !scrub.is_empty() {
                scrub_values(&mut value, scrub);
            }
            match normalize::normalize(e, value, stem, &fetched.refs) {
                Ok(n) => {
                    count += 1;
                    snap.names
                        .insert(format!("{}/{stem}.yaml", e.key), n.doc.name);
                    snap.files.extend(n.files);
                }
                Err(err) => {
                    let id = o.id.as_str();
                    snap.keep.objects.extend(markers(e.key, id));
                    snap.failures
                        .push(Failure::plain(e.key, Some(id), err.to_string()));
                }
            }
        }
        snap.counts.insert(e.key.to_string(), count);
    }
    match fetched.refs.files() {
        Ok(files) => {
            for (kind, bytes) in files {
                let path = layout::refs_file(kind);
                if !snap.keep.refs.contains(&path) {
                    snap.files.insert(path, bytes);
                }
            }
        }
        Err(e) => {
            // Keep every committed `_refs/` file rather than lose them.
            for kind in crate::catalog::RefKind::ALL {
                snap.keep.refs.insert(layout::refs_file(kind));
            }
            snap.failures
                .push(Failure::plain(layout::REFS, None, e.to_string()));
        }
    }
    snap
}

/// Replaces every string equal to a known secret with the redaction marker.
fn scrub_values(v: &mut serde_json::Value, secrets: &[SecretString]) {
    match v {
        serde_json::Value::String(s) if secrets.iter().any(|x| x.expose() == s.as_str()) => {
            *s = normalize::redact::MARKER.to_string();
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| scrub_values(i, secrets)),
        serde_json::Value::Object(m) => m.values_mut().for_each(|i| scrub_values(i, secrets)),
        _ => {}
    }
}

/// (type folder, marker) pairs that find an object's files.
fn markers(folder: &str, id: &str) -> Vec<(String, String)> {
    slug::id_markers(id)
        .into_iter()
        .map(|m| (folder.to_string(), m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::fetch::{RawObject, TypeData};
    use serde_json::json;

    fn fetched() -> Fetched {
        let mut f = Fetched::default();
        f.types.insert(
            "assignmentFilters",
            Some(TypeData {
                objects: vec![RawObject::pack(
                    catalog::get("assignmentFilters").unwrap(),
                    &json!({"id": "aaaaaaaa-0000-4000-8000-000000000001", "displayName": "Win 11", "rule": "x", "platform": "windows10AndLater"}),
                )],
                failed_ids: vec!["bbbbbbbb-0000-4000-8000-000000000002".into()],
            }),
        );
        f.types.insert("scopeTags", None);
        f
    }

    #[test]
    fn supplied_secret_values_are_redacted_wherever_they_appear() {
        let entries = [catalog::get("assignmentFilters").unwrap()];
        let secret = [SecretString::new("x")];
        let s = build(&mut fetched(), &entries, None, &secret);
        let doc =
            String::from_utf8(s.files["assignmentFilters/win-11--aaaaaaaa.yaml"].clone()).unwrap();
        assert!(doc.contains("rule: <redacted>"), "{doc}");
        assert!(doc.contains("secrets:\n- spec.rule"), "{doc}");
    }

    #[test]
    fn failed_types_and_objects_keep_their_files() {
        let entries = [
            catalog::get("assignmentFilters").unwrap(),
            catalog::get("scopeTags").unwrap(),
        ];
        let s = build(&mut fetched(), &entries, None, &[]);
        assert!(
            s.files
                .contains_key("assignmentFilters/win-11--aaaaaaaa.yaml")
        );
        assert!(
            !s.keep("assignmentFilters/old--cccccccc.yaml"),
            "deleted objects are removed"
        );
        assert!(
            s.keep("assignmentFilters/renamed--bbbbbbbb.yaml"),
            "a failed object keeps its file"
        );
        assert!(
            s.keep("scopeTags/x--12345678.yaml"),
            "a failed type keeps its folder"
        );
        assert!(
            s.keep("settingsCatalog/x--12345678.yaml"),
            "unselected types are untouched"
        );
        assert!(s.keep("tenant.yaml"));
        assert!(!s.keep("_refs/groups.yaml"));
        assert_eq!(s.counts["assignmentFilters"], 1);
    }

    #[test]
    fn only_limits_what_is_written_and_removes_nothing() {
        let entries = [catalog::get("assignmentFilters").unwrap()];
        let globs = globset::GlobSetBuilder::new()
            .add(globset::Glob::new("assignmentFilters/Nope*").unwrap())
            .build()
            .unwrap();
        let s = build(&mut fetched(), &entries, Some(&globs), &[]);
        assert!(s.files.keys().all(|p| p.starts_with("_refs/")));
        assert!(s.keep("assignmentFilters/win-11--aaaaaaaa.yaml"));
    }
}
