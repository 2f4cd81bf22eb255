//! The desired side of a plan: the documents of one tenant folder at a commit, with their sidecars,
//! the reference names and setting names committed beside them. Split from [`super::build`] so
//! reading the commit is one stage a reader finds by name.
//!
//! The commit is read once to choose the documents, key them for pairing and collect the
//! references they make; a chosen document is then kept as its place in the commit ([`Pending`])
//! and read again ([`Source::load`]) when its type is planned, so the parsed documents of a large
//! tenant are never all held at once.

use super::{identity, resolve};
use crate::catalog::{self, RefKind};
use crate::normalize::refs::RefTable;
use crate::normalize::{self, Document};
use crate::render::Names;
use crate::store::{Repo, StoreError};
use globset::GlobSet;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One desired object from the commit.
pub(super) struct Desired {
    pub(super) path: String,
    pub(super) doc: Document,
    pub(super) sidecars: BTreeMap<String, Vec<u8>>,
    /// Not chosen itself: planned only to be created for the objects that refer to it.
    pub(super) dependency: bool,
}

impl Desired {
    /// The Graph object this document stands for, assignments included, ids still the source's.
    pub(super) fn rebuild(&self, source_refs: &RefTable) -> Result<Value, String> {
        let entry = catalog::get(&self.doc.kind)
            .ok_or_else(|| format!("`{}` is not a type tenant-atlas knows", self.doc.kind))?;
        let sidecar = |f: &str| self.sidecars.get(f).cloned();
        let g = normalize::denormalize(entry, &self.doc, &sidecar, source_refs)
            .map_err(|e| e.to_string())?;
        let mut body = g.body;
        if let (Some(a), Some(m)) = (g.assignments, body.as_object_mut()) {
            m.insert("assignments".into(), Value::Array(a));
        }
        Ok(body)
    }
}

/// A chosen document of the commit, not held parsed: [`Source::load`] reads it when its type is
/// planned.
pub(super) struct Pending {
    /// Its path in the repository.
    pub(super) path: String,
    /// Its path in the tenant folder.
    rel: String,
    /// Its document's `kind`.
    pub(super) kind: String,
    /// Not chosen itself: planned only to be created for the objects that refer to it.
    pub(super) dependency: bool,
    /// Its place among the keys of every document in play ([`identity::pair`]).
    pub(super) key: usize,
}

/// Which documents of the commit are in play.
pub(super) struct Selection<'a> {
    /// Revision holding the desired state.
    pub(super) rev: &'a str,
    /// Tenant folder in that commit.
    pub(super) source_tenant: &'a str,
    /// The types in play.
    pub(super) types: BTreeSet<&'a str>,
    /// `--only` globs, matched against `<type>/<name>` and `<type>/<file stem>`.
    pub(super) only: Option<&'a GlobSet>,
    /// `--create-missing`: dependencies of the chosen objects are in play too.
    pub(super) create_missing: bool,
}

/// What the commit holds for the source tenant.
pub(super) struct Source {
    pub(super) commit_id: String,
    /// The source tenant's id, from its `tenant.yaml`.
    pub(super) tenant_id: String,
    /// Names of the ids the commit's documents refer to (`_refs/`).
    pub(super) refs: RefTable,
    /// Setting names committed beside the documents.
    pub(super) names: Names,
    /// The chosen documents (and dependencies), in restore order.
    pub(super) desired: Vec<Pending>,
    /// Every document of the types in play, chosen or not: one left out still owns its object.
    pub(super) keys: Vec<identity::Key>,
    /// Documents that could not be read, left out of the plan.
    pub(super) warnings: Vec<String>,
    /// The references (source ids) the chosen documents' Graph objects make.
    pub(super) needed: BTreeSet<(RefKind, String)>,
    /// Blob ids of the tenant folder's files, by path in the folder.
    blobs: BTreeMap<String, String>,
    prefix: String,
}

/// Reads the source tenant's folder at the chosen revision, keeping the documents in play;
/// `None` when the commit has no such folder.
pub(super) fn read(repo: &Repo, opts: &Selection<'_>) -> Result<Option<Source>, StoreError> {
    let commit = repo.commit_info(opts.rev)?;
    let prefix = crate::store::layout::tenant(opts.source_tenant);
    // Blob ids of the tenant folder in one tree walk; documents are then read by id.
    let blobs = repo.blob_ids_at(&commit.id, &prefix)?;
    if blobs.is_empty() {
        return Ok(None);
    }
    let read = |rel: &str| blobs.get(rel).and_then(|oid| repo.read_blob(oid).ok());
    let tenant_id = read("tenant.yaml")
        .and_then(|b| serde_yaml::from_slice::<Value>(&b).ok())
        .and_then(|v| v["tenantId"].as_str().map(str::to_string))
        .unwrap_or_default();
    let mut source = Source {
        commit_id: commit.id.clone(),
        tenant_id,
        refs: ref_table(&read),
        names: {
            let mut names = names_from(read(Names::FILE));
            for file in Names::reference_files() {
                names.merge_yaml(read(&file), &file);
            }
            names
        },
        desired: vec![],
        keys: vec![],
        warnings: vec![],
        needed: BTreeSet::new(),
        blobs: BTreeMap::new(),
        prefix,
    };
    for rel in blobs.keys() {
        source.add(rel, opts, &read);
    }
    source.blobs = blobs;
    // In restore order, so objects others refer to are planned (and created) first.
    source.desired.sort_by(|a, b| {
        (restore_order(&a.kind), &a.kind, &a.path).cmp(&(restore_order(&b.kind), &b.kind, &b.path))
    });
    Ok(Some(source))
}

impl Source {
    /// Takes the file `rel` of the tenant folder into play if it is a document of a type in play:
    /// its key, and for a chosen one (or a dependency) the references it makes.
    fn add(&mut self, rel: &str, opts: &Selection<'_>, read: &dyn Fn(&str) -> Option<Vec<u8>>) {
        let full = format!("{}/{rel}", self.prefix);
        if crate::render::load::document_of(&full).as_deref() != Some(full.as_str()) {
            return;
        }
        let (kind, file) = rel.split_once('/').unwrap_or_default();
        let dependency = opts.create_missing
            && catalog::get(kind).is_some_and(|e| e.referenced.is_some_and(|r| r.creatable));
        if !opts.types.contains(kind) && !dependency {
            return;
        }
        let Some(bytes) = read(rel) else { return };
        let doc = match parse(rel, &full, &bytes) {
            Ok(d) => d,
            Err(e) => {
                self.warnings.push(format!("{e}; left out of the plan"));
                return;
            }
        };
        let stem = file.trim_end_matches(".yaml");
        self.keys.push(identity::Key::of(&doc));
        let chosen = opts.types.contains(kind)
            && opts.only.is_none_or(|globs| {
                globs.is_match(format!("{kind}/{}", doc.name))
                    || globs.is_match(format!("{kind}/{stem}"))
            });
        if !chosen && !dependency {
            return;
        }
        let d = Desired {
            sidecars: sidecars(rel, &doc, read),
            path: full,
            doc,
            dependency: !chosen,
        };
        if let (Some(entry), Ok(body)) = (catalog::get(&d.doc.kind), d.rebuild(&self.refs)) {
            self.needed.extend(resolve::references(entry, &body));
        }
        self.desired.push(Pending {
            rel: rel.to_string(),
            kind: d.doc.kind,
            path: d.path,
            dependency: d.dependency,
            key: self.keys.len() - 1,
        });
    }

    /// The document `p` stands for, read again from the commit with its sidecars.
    pub(super) fn load(&self, repo: &Repo, p: &Pending) -> Result<Desired, String> {
        let read = |rel: &str| self.blobs.get(rel).and_then(|oid| repo.read_blob(oid).ok());
        let bytes = read(&p.rel).ok_or_else(|| format!("{}: cannot be read again", p.path))?;
        let doc = parse(&p.rel, &p.path, &bytes).map_err(|e| e.to_string())?;
        Ok(Desired {
            sidecars: sidecars(&p.rel, &doc, &read),
            path: p.path.clone(),
            doc,
            dependency: p.dependency,
        })
    }
}

/// The document of the file `rel` of a tenant folder (`full` in the repository).
fn parse(rel: &str, full: &str, bytes: &[u8]) -> Result<Document, normalize::yaml::YamlError> {
    let kind = rel.split_once('/').map_or("", |(k, _)| k);
    let mut doc = normalize::from_yaml(&String::from_utf8_lossy(bytes), full)?;
    // A document backed up from answers without `@odata.type` means its collection's
    // declared type, as the live side (completed when read) does.
    if doc.odata_type.is_none()
        && let Some(entry) = catalog::get(kind)
        && let [source] = entry.sources
    {
        doc.odata_type = catalog::declared_type(source.collection).map(str::to_string);
    }
    Ok(doc)
}

/// The sidecar files of `doc`, the document at `rel`, read through `read`.
fn sidecars(
    rel: &str,
    doc: &Document,
    read: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> BTreeMap<String, Vec<u8>> {
    let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    doc.sidecars
        .values()
        .filter_map(|r| read(&format!("{dir}/{}", r.file)).map(|b| (r.file.clone(), b)))
        .collect()
}

/// A type's place in restore order (unknown types last).
pub(super) fn restore_order(kind: &str) -> u8 {
    catalog::get(kind).map_or(u8::MAX, |e| e.restore_order)
}

/// The reference names of a tenant folder's `_refs/` files, read through `read`.
pub(super) fn ref_table(read: &dyn Fn(&str) -> Option<Vec<u8>>) -> RefTable {
    let mut refs = RefTable::default();
    for kind in RefKind::ALL {
        let rel = crate::store::layout::refs_file(kind);
        if let Some(b) = read(&rel) {
            let _ = refs.merge_committed(kind, &String::from_utf8_lossy(&b), &rel);
        }
    }
    refs
}

/// Setting names from a names file, empty when there is none or it does not parse.
pub(super) fn names_from(bytes: Option<Vec<u8>>) -> Names {
    bytes
        .and_then(|b| Names::from_yaml(&String::from_utf8_lossy(&b), Names::FILE).ok())
        .unwrap_or_default()
}
