//! One policy as the policy page shows it: a version (readable, through `render::view`), its
//! history (the store's log, following renames) and the readable diff between two versions.
//!
//! A version is read from git's tree at a resolved commit, never from disk. A file renamed between
//! versions is found again by the id part of its name (`--<id8>.yaml`), as the identity rule says.
//! Versions and histories are cached per commit id: a commit's content never changes. A document
//! that cannot be read (a symlink, not UTF-8, not YAML, anchors and aliases, not the document
//! schema) is answered 422 naming the file and why, as `show` reports it; the rest of the site
//! does not depend on it.

use super::{Problem, limits};
use crate::render::{self, Names, Report, View, compare, load::document_of};
use crate::store::{LogQuery, Repo, StoreError, layout};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// A checked reference to a policy document of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    pub tenant: String,
    pub kind: String,
    pub file: String,
}

impl PolicyRef {
    /// Checks the three names against the repository's naming rules (400 otherwise).
    pub fn new(tenant: &str, kind: &str, file: &str) -> Result<PolicyRef, Problem> {
        limits::tenant_name(tenant)?;
        limits::kind_name(kind)?;
        limits::document_file(file)?;
        Ok(PolicyRef {
            tenant: tenant.into(),
            kind: kind.into(),
            file: file.into(),
        })
    }

    pub fn path(&self) -> String {
        layout::in_tenant(&self.tenant, &format!("{}/{}", self.kind, self.file))
    }

    fn folder(&self) -> String {
        layout::in_tenant(&self.tenant, &self.kind)
    }

    /// `--<id part>.yaml`
    fn marker(&self) -> &str {
        let i = self.file.rfind("--").unwrap_or(0);
        &self.file[i..]
    }
}

/// A commit as the pages name it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Commit {
    pub id: String,
    pub short_id: String,
    pub time: Timestamp,
    pub author: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

/// One version of a policy, readable.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub tenant: String,
    pub kind: String,
    pub file: String,
    /// The document's path at that commit (differs from `file` after a rename).
    pub path: String,
    pub commit: Commit,
    pub view: View,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One entry of a policy's history.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub commit: Commit,
    /// `added`, `modified`, `renamed`, `removed`.
    pub change: String,
    /// The document's path after that commit (before it, for a removal).
    pub path: String,
}

/// The readable diff of a policy between two versions.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    pub from: Commit,
    pub to: Commit,
    pub report: Report,
}

/// Cached values by (commit id, path or tenant).
type ByCommit<V> = Mutex<HashMap<(String, String), Arc<V>>>;

/// Versions, histories and setting names, by commit id.
#[derive(Default)]
pub struct Cache {
    versions: ByCommit<Version>,
    histories: ByCommit<Vec<HistoryEntry>>,
    names: ByCommit<Names>,
}

/// Entries kept per map before it is cleared (a crude bound on memory).
const CACHE_ENTRIES: usize = 2048;

fn cached<K: std::hash::Hash + Eq, V: Clone>(
    map: &Mutex<HashMap<K, V>>,
    key: K,
    make: impl FnOnce() -> Result<V, Problem>,
) -> Result<V, Problem> {
    if let Some(v) = map.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(v.clone());
    }
    let v = make()?;
    let mut m = map.lock().unwrap_or_else(|p| p.into_inner());
    if m.len() >= CACHE_ENTRIES {
        m.clear();
    }
    m.insert(key, v.clone());
    Ok(v)
}

/// Resolves a revision from a URL to a commit (400 when it is malformed or unknown).
pub fn commit(repo: &Repo, rev: &str) -> Result<Commit, Problem> {
    limits::revision(rev)?;
    let info = repo
        .commit_info(rev)
        .map_err(|_| Problem::bad_request("unknown revision"))?;
    Ok(Commit {
        run_id: info.trailers.get("Atlas-Run").cloned(),
        id: info.id,
        short_id: info.short_id,
        time: info.time,
        author: info.author,
        summary: info.summary,
    })
}

impl Cache {
    /// The policy at `rev` (HEAD by default); 404 when it does not exist there.
    pub fn version(&self, repo: &Repo, p: &PolicyRef, rev: &str) -> Result<Arc<Version>, Problem> {
        let c = commit(repo, rev)?;
        cached(&self.versions, (c.id.clone(), p.path()), || {
            let path = locate(repo, &c.id, p)?
                .ok_or_else(|| Problem::not_found("this policy does not exist at that version"))?;
            let (view, warnings) = self.load(repo, &c.id, &p.tenant, &path)?;
            Ok(Arc::new(Version {
                tenant: p.tenant.clone(),
                kind: p.kind.clone(),
                file: p.file.clone(),
                path,
                commit: c.clone(),
                view,
                warnings,
            }))
        })
    }

    /// Commits that changed the policy, newest first, followed through renames, at most `limit`.
    pub fn history(
        &self,
        repo: &Repo,
        p: &PolicyRef,
        limit: usize,
    ) -> Result<Arc<Vec<HistoryEntry>>, Problem> {
        let head = match repo.head()? {
            Some(h) => h.to_string(),
            None => return Ok(Arc::new(vec![])),
        };
        cached(&self.histories, (head.clone(), p.path()), || {
            // The file as named at HEAD (the URL may name an older name of it).
            let Some(path) = locate(repo, &head, p)? else {
                return Ok(Arc::new(vec![]));
            };
            let log = repo.log(&LogQuery {
                follow: Some(path),
                limit: Some(limit),
                ..LogQuery::default()
            })?;
            Ok(Arc::new(
                log.into_iter()
                    .map(|e| {
                        let change = e.changes.first();
                        HistoryEntry {
                            change: change
                                .map(|c| {
                                    serde_json::to_value(c.kind)
                                        .ok()
                                        .and_then(|v| v.as_str().map(str::to_string))
                                        .unwrap_or_default()
                                })
                                .unwrap_or_default(),
                            path: change.map(|c| c.path().to_string()).unwrap_or_default(),
                            commit: Commit {
                                run_id: e.commit.trailers.get("Atlas-Run").cloned(),
                                id: e.commit.id,
                                short_id: e.commit.short_id,
                                time: e.commit.time,
                                author: e.commit.author,
                                summary: e.commit.summary,
                            },
                        }
                    })
                    .collect(),
            ))
        })
    }

    /// The policy between two versions; a side where it does not exist counts as absent.
    pub fn diff(&self, repo: &Repo, p: &PolicyRef, from: &str, to: &str) -> Result<Diff, Problem> {
        let (a, b) = (commit(repo, from)?, commit(repo, to)?);
        let side = |c: &Commit| -> Result<Option<(View, compare::SidecarBytes)>, Problem> {
            match locate(repo, &c.id, p)? {
                None => Ok(None),
                Some(path) => {
                    let (view, _) = self.load(repo, &c.id, &p.tenant, &path)?;
                    let bytes = sidecars(repo, &c.id, &path, &view);
                    Ok(Some((view, bytes)))
                }
            }
        };
        let (old, new) = (side(&a)?, side(&b)?);
        if old.is_none() && new.is_none() {
            return Err(Problem::not_found("this policy exists at neither version"));
        }
        let mut report = Report::new(
            "diff",
            Some(p.tenant.clone()),
            a.short_id.clone(),
            b.short_id.clone(),
        );
        report.extend(compare::compare(
            old.as_ref().map(|(v, s)| (v, s)),
            new.as_ref().map(|(v, s)| (v, s)),
        ));
        report.documents_read = old.is_some() as usize + new.is_some() as usize;
        Ok(Diff {
            from: a,
            to: b,
            report,
        })
    }

    /// Reads and renders the document at `path` of commit `id`.
    fn load(
        &self,
        repo: &Repo,
        id: &str,
        tenant: &str,
        path: &str,
    ) -> Result<(View, Vec<String>), Problem> {
        let bytes = read_document(repo, id, path)?
            .ok_or_else(|| Problem::not_found("this policy does not exist at that version"))?;
        let (doc, _) = render::load::parse(path, bytes).map_err(|w| Problem::unreadable(&w))?;
        let names = self.names(repo, id, tenant)?;
        let dir = &path[..path.rfind('/').unwrap_or(0)];
        let mut side = BTreeMap::new();
        let mut warnings = vec![];
        for (field, r) in &doc.sidecars {
            let b = repo
                .read_at(id, &format!("{dir}/{}", r.file))
                .ok()
                .flatten();
            if b.is_none() {
                warnings.push(format!(
                    "sidecar `{field}` names {}, which is missing",
                    r.file
                ));
            }
            side.insert(r.file.clone(), b);
        }
        Ok((render::view(&doc, path, &side, &names), warnings))
    }

    fn names(&self, repo: &Repo, id: &str, tenant: &str) -> Result<Arc<Names>, Problem> {
        cached(&self.names, (id.to_string(), tenant.to_string()), || {
            let path = layout::in_tenant(tenant, Names::FILE);
            let mut names = repo
                .read_at(id, &path)?
                .and_then(|b| Names::from_yaml(&String::from_utf8_lossy(&b), &path).ok())
                .unwrap_or_default();
            for file in Names::reference_files() {
                let path = layout::in_tenant(tenant, &file);
                names.merge_yaml(repo.read_at(id, &path)?, &path);
            }
            Ok(Arc::new(names))
        })
    }
}

/// The sidecar bytes of a view's document at a commit.
fn sidecars(repo: &Repo, id: &str, path: &str, view: &View) -> compare::SidecarBytes {
    let dir = &path[..path.rfind('/').unwrap_or(0)];
    view.sidecars
        .iter()
        .map(|s| {
            (
                s.file.clone(),
                repo.read_at(id, &format!("{dir}/{}", s.file))
                    .ok()
                    .flatten(),
            )
        })
        .collect()
}

/// A document's bytes at a commit; one git does not hold as a file (a symlink, a submodule) is
/// malformed, as `show` and `diff` report it (422, naming the file), not a failure of the server.
fn read_document(repo: &Repo, id: &str, path: &str) -> Result<Option<Vec<u8>>, Problem> {
    match repo.read_at(id, path) {
        Err(e @ StoreError::UnsafePath { .. }) => Err(Problem::unreadable(&compare::Warning {
            file: path.to_string(),
            line: None,
            message: e.to_string(),
        })),
        other => Ok(other?),
    }
}

/// The document's path at a commit: the named file, else the one file of its folder with the same
/// id part (renamed since).
fn locate(repo: &Repo, id: &str, p: &PolicyRef) -> Result<Option<String>, Problem> {
    let path = p.path();
    if read_document(repo, id, &path)?.is_some() {
        return Ok(Some(path));
    }
    let folder = p.folder();
    let found: Vec<String> = repo
        .list_at(id, &folder)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| !f.contains('/') && f.ends_with(p.marker()))
        .map(|f| format!("{folder}/{f}"))
        .filter(|f| document_of(f).as_deref() == Some(f.as_str()))
        .collect();
    Ok(match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}
