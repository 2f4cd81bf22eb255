//! Loading the documents a comparison needs from either side (a commit, the work tree, a live
//! snapshot), and pairing changed files into objects.
//!
//! Only documents whose files changed are read. A document that does not parse, fails the document
//! schema or misses its sidecar becomes a [`Warning`] naming the file and line; the other documents
//! are still compared.

use super::compare::{self, ObjectChange, SidecarBytes, Warning};
use super::{Names, View};
use crate::normalize;
pub use crate::store::objects::{Pair, document_of, document_pairs};
use crate::store::objects::{join, parent};
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
            let mut names = match files.read(&path) {
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
            };
            for file in Names::reference_files() {
                let path = join(&tenant_dir, &file);
                names.merge_yaml(files.read(&path).ok().flatten(), &path);
            }
            names
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
