//! Loading the documents a comparison needs from either side (a commit, the work tree, a live
//! snapshot), and pairing changed files into objects.
//!
//! Only documents whose files changed are read. A document that does not parse, fails the document
//! schema or misses its sidecar becomes a [`Warning`] naming the file and line; the other documents
//! are still compared.

use super::compare::{self, ObjectChange, SidecarBytes, Warning};
use super::{Names, View};
use crate::normalize;
use std::collections::{BTreeMap, HashMap};

/// Read access to one side of a comparison; paths are repository-relative.
pub trait Files {
    /// The file's bytes, `None` when it does not exist on this side.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
}

/// Files held in memory (a live snapshot), below `prefix/`.
pub struct MemFiles<'a> {
    pub prefix: String,
    pub files: &'a BTreeMap<String, Vec<u8>>,
}

impl Files for MemFiles<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let rel = path
            .strip_prefix(&self.prefix)
            .and_then(|p| p.strip_prefix('/'));
        Ok(rel.and_then(|p| self.files.get(p)).cloned())
    }
}

/// Files of a commit.
pub struct RevFiles<'a> {
    pub repo: &'a crate::store::Repo,
    pub rev: String,
}

impl Files for RevFiles<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        self.repo
            .read_at(&self.rev, path)
            .map_err(|e| e.to_string())
    }
}

/// Files on disk below the repository root.
pub struct DiskFiles<'a> {
    pub root: &'a std::path::Path,
}

impl Files for DiskFiles<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match std::fs::read(self.root.join(path)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{path}: {e}")),
        }
    }
}

/// A document exists but could not be read; a warning says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreadable;

/// A document and its sidecars' bytes.
pub struct Loaded {
    pub view: View,
    pub sidecars: SidecarBytes,
}

/// Reads documents from one side, caching each tenant's setting names.
pub struct Loader<'a> {
    files: &'a dyn Files,
    names: HashMap<String, Names>,
    /// Documents parsed so far.
    pub documents_read: usize,
}

impl<'a> Loader<'a> {
    pub fn new(files: &'a dyn Files) -> Loader<'a> {
        Loader {
            files,
            names: HashMap::new(),
            documents_read: 0,
        }
    }

    /// The setting names of the tenant folder a document lives in.
    fn names(&mut self, doc_path: &str, warnings: &mut Vec<Warning>) -> &Names {
        let tenant_dir = parent(parent(doc_path)).to_string();
        let files = self.files;
        self.names.entry(tenant_dir.clone()).or_insert_with(|| {
            let path = join(&tenant_dir, Names::FILE);
            match files.read(&path) {
                Ok(Some(bytes)) => Names::from_yaml(&String::from_utf8_lossy(&bytes), &path)
                    .unwrap_or_else(|e| {
                        warnings.push(Warning {
                            file: path.clone(),
                            line: e.line,
                            message: format!("{}; settings are shown by id", e.message),
                        });
                        Names::default()
                    }),
                _ => Names::default(),
            }
        })
    }

    /// Loads the document at `path`: `Ok(None)` when it is absent, `Err(Unreadable)` when it exists but
    /// could not be read (a warning says why).
    pub fn load(
        &mut self,
        path: &str,
        warnings: &mut Vec<Warning>,
    ) -> Result<Option<Loaded>, Unreadable> {
        let bytes = match self.files.read(path) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(None),
            Err(message) => {
                warnings.push(Warning {
                    file: path.into(),
                    line: None,
                    message,
                });
                return Err(Unreadable);
            }
        };
        self.documents_read += 1;
        let (doc, text) = match parse(path, bytes) {
            Ok(d) => d,
            Err(mut w) => {
                w.message.push_str("; skipped");
                warnings.push(w);
                return Err(Unreadable);
            }
        };
        let folder = parent(path).rsplit('/').next().unwrap_or("");
        if doc.kind != folder {
            let line = normalize::yaml::key_lines(&text).get("kind").copied();
            warnings.push(Warning {
                file: path.into(),
                line,
                message: format!(
                    "kind `{}` does not match its folder `{folder}`; shown as `{}`",
                    doc.kind, doc.kind
                ),
            });
        }
        let dir = parent(path);
        let mut sidecars = BTreeMap::new();
        for (field, r) in &doc.sidecars {
            let p = join(dir, &r.file);
            let bytes = match self.files.read(&p) {
                Ok(b) => b,
                Err(message) => {
                    warnings.push(Warning {
                        file: p.clone(),
                        line: None,
                        message,
                    });
                    None
                }
            };
            if bytes.is_none() {
                let line = normalize::yaml::key_lines(&text)
                    .get(&format!("sidecars.{field}"))
                    .copied();
                warnings.push(Warning {
                    file: path.into(),
                    line,
                    message: format!("sidecar `{field}` names {}, which is missing", r.file),
                });
            }
            sidecars.insert(r.file.clone(), bytes);
        }
        let names = self.names(path, warnings).clone();
        let view = super::view(&doc, path, &sidecars, &names);
        Ok(Some(Loaded { view, sidecars }))
    }
}

/// A document's bytes as a document and its text, or why they are not one (not UTF-8, not YAML,
/// anchors or aliases, not the document schema), naming the file and line.
pub fn parse(path: &str, bytes: Vec<u8>) -> Result<(normalize::Document, String), Warning> {
    let text = String::from_utf8(bytes).map_err(|_| Warning {
        file: path.into(),
        line: None,
        message: "is not UTF-8 text".into(),
    })?;
    match normalize::from_yaml(&text, path) {
        Ok(doc) => Ok((doc, text)),
        Err(e) => Err(Warning {
            file: path.into(),
            line: e.line,
            message: e.message,
        }),
    }
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

/// Compares the documents of each pair, old side against new side.
pub fn compare_pairs(
    old: &mut Loader<'_>,
    new: &mut Loader<'_>,
    pairs: &[Pair],
    warnings: &mut Vec<Warning>,
) -> Vec<ObjectChange> {
    let mut out = vec![];
    for p in pairs {
        // A side that exists but could not be read is not "absent": comparing it would invent an
        // addition or a removal, so the object is left out (its warning says why).
        let Ok(a) = p
            .old
            .as_deref()
            .map_or(Ok(None), |path| old.load(path, warnings))
        else {
            continue;
        };
        let Ok(b) = p
            .new
            .as_deref()
            .map_or(Ok(None), |path| new.load(path, warnings))
        else {
            continue;
        };
        if let Some(c) = compare::compare(
            a.as_ref().map(|l| (&l.view, &l.sidecars)),
            b.as_ref().map(|l| (&l.view, &l.sidecars)),
        ) {
            out.push(c);
        }
    }
    out
}

/// The objects that changed between two revisions below `prefixes` (as `diff REV REV2` reports
/// them): git's tree diff finds the files, only their documents are parsed.
pub fn compare_revs(
    repo: &crate::store::Repo,
    from: &str,
    to: &str,
    prefixes: &[String],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<ObjectChange>, crate::store::StoreError> {
    use crate::store::revisions::Side;
    let changes = repo.diff(Side::Rev(from), Side::Rev(to), prefixes)?;
    let pairs = document_pairs(
        &changes
            .iter()
            .map(|c| (c.old_path.clone(), c.new_path.clone()))
            .collect::<Vec<_>>(),
    );
    let (old_files, new_files) = (
        RevFiles {
            repo,
            rev: from.to_string(),
        },
        RevFiles {
            repo,
            rev: to.to_string(),
        },
    );
    let (mut old, mut new) = (Loader::new(&old_files), Loader::new(&new_files));
    Ok(compare_pairs(&mut old, &mut new, &pairs, warnings))
}

/// The document a file of a type folder belongs to: `tenants/<t>/<kind>/<stem>.yaml`.
pub fn document_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let [root, _tenant, folder, file] = parts.as_slice() else {
        return None;
    };
    if *root != "tenants" || folder.starts_with('_') || folder.starts_with('.') {
        return None;
    }
    let stem = file.split('.').next().filter(|s| !s.is_empty())?;
    Some(format!("tenants/{_tenant}/{folder}/{stem}.yaml"))
}

/// `--<id marker>` at the end of a document's stem.
fn id_marker(path: &str) -> Option<&str> {
    let file = path.rsplit('/').next()?;
    let stem = file.strip_suffix(".yaml")?;
    stem.rfind("--").map(|i| &stem[i..])
}

fn parent(path: &str) -> &str {
    path.rfind('/').map(|i| &path[..i]).unwrap_or("")
}

fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
