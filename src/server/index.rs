//! What the pages read, gathered once per state of the repository.
//!
//! A 10,000-object repository must not be walked per request: the index lists HEAD's tree once
//! (type counts, document files and names from a light parse of each document's `name:` line), the
//! run logs once (their summaries only), and the status files once, and is rebuilt only when HEAD
//! or the run-log and status folders change. A rebuild for new run logs alone keeps the objects
//! and the committed run summaries it already has.

use super::Problem;
use super::runs::{self, RunSource, RunSummary};
use crate::records::status::{self, TenantStatus};
use crate::store::{LogQuery, Repo, layout};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

/// One policy document of a tenant.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectEntry {
    /// `<slug>--<id8>.yaml`
    pub file: String,
    pub name: String,
    #[serde(skip)]
    pub blob: String,
}

/// The tenant's last committed backup (from `tenant.yaml` and the commit that wrote it).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastBackup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// Everything the pages know about one tenant.
#[derive(Debug, Clone)]
pub struct TenantIndex {
    pub name: String,
    pub tenant_id: Option<String>,
    /// Documents by type key, sorted by file name.
    pub objects: Arc<BTreeMap<String, Vec<ObjectEntry>>>,
    pub last_backup: Option<LastBackup>,
    /// Newest first.
    pub runs: Vec<RunSummary>,
    pub status: Option<TenantStatus>,
}

impl TenantIndex {
    pub fn object_count(&self) -> usize {
        self.objects.values().map(Vec::len).sum()
    }
}

/// What the index was built from; a different stamp means a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    head: Option<String>,
    /// Modification times of `.git/atlas/runs`, each `.git/atlas/runs/<tenant>` and `.git/atlas/status`.
    dirs: Vec<(PathBuf, Option<SystemTime>)>,
    /// A folder changed in the last two seconds: file times are coarse (a clock tick), so a second
    /// change within the same tick would not show; an index of such a stamp is trusted only for
    /// [`FRESH_REUSE`].
    fresh: bool,
}

/// How long an index built while its folders were freshly changed is used before it is built
/// again: a change within the same clock tick would not show in the folders' times, so such an
/// index is trusted only briefly. Under load this bounds the rebuilds to a few per second.
const FRESH_REUSE: std::time::Duration = std::time::Duration::from_millis(250);

impl Stamp {
    /// Whether an index stamped `self`, built at `built`, holds for the repository stamped `other`.
    fn matches(&self, other: &Stamp, built: std::time::Instant) -> bool {
        let same = self.head == other.head && self.dirs == other.dirs;
        same && ((!self.fresh && !other.fresh) || built.elapsed() < FRESH_REUSE)
    }
}

/// The repository as the pages see it.
#[derive(Debug)]
pub struct Index {
    stamp: Stamp,
    /// When it was built.
    built: std::time::Instant,
    pub head: Option<String>,
    pub tenants: BTreeMap<String, TenantIndex>,
    /// Run summaries by source key, reused by the next build.
    summaries: HashMap<String, RunSummary>,
}

/// The current index and the lock that keeps two requests from building it twice.
#[derive(Default)]
pub struct Cache {
    current: RwLock<Option<Arc<Index>>>,
    build: Mutex<()>,
}

impl Cache {
    pub fn current(&self, repo: &Repo, configured: &[String]) -> Result<Arc<Index>, Problem> {
        let stamp = stamp(repo)?;
        if let Some(i) = self.read().filter(|i| i.stamp.matches(&stamp, i.built)) {
            return Ok(i);
        }
        let _building = self.build.lock().unwrap_or_else(|p| p.into_inner());
        // Another request may have built it meanwhile.
        let stamp = self::stamp(repo)?;
        let previous = self.read();
        if let Some(i) = previous
            .as_ref()
            .filter(|i| i.stamp.matches(&stamp, i.built))
        {
            return Ok(i.clone());
        }
        let built = Arc::new(build(repo, configured, stamp, previous.as_deref())?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(built.clone());
        Ok(built)
    }

    fn read(&self) -> Option<Arc<Index>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn mtime(p: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn stamp(repo: &Repo) -> Result<Stamp, Problem> {
    let head = repo.head()?.map(|o| o.to_string());
    let runs = layout::private_area(repo.git_dir(), layout::RUNS);
    let status = layout::private_area(repo.git_dir(), crate::records::status::AREA);
    let mut dirs = vec![
        (runs.clone(), mtime(&runs)),
        (status.clone(), mtime(&status)),
    ];
    if let Ok(entries) = std::fs::read_dir(&runs) {
        let mut sub: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        sub.sort();
        dirs.extend(sub.into_iter().map(|p| {
            let m = mtime(&p);
            (p, m)
        }));
    }
    let recent = SystemTime::now() - std::time::Duration::from_secs(2);
    let fresh = dirs.iter().any(|(_, m)| m.is_some_and(|m| m > recent));
    Ok(Stamp { head, dirs, fresh })
}

/// The names of the objects an earlier index read, by blob id.
fn known_names(objects: &BTreeMap<String, Vec<ObjectEntry>>) -> HashMap<&str, &str> {
    objects
        .values()
        .flatten()
        .map(|o| (o.blob.as_str(), o.name.as_str()))
        .collect()
}

/// An object's name: from an earlier index when its blob is unchanged (a new commit usually
/// changes a few documents of one tenant, so the other thousands are not read again), else from
/// the document's `name:` line, else its file name.
fn name_of<E>(
    file: &str,
    blob: &str,
    known: &HashMap<&str, &str>,
    read: impl FnOnce(&str) -> Result<Vec<u8>, E>,
) -> Result<String, E> {
    if let Some(n) = known.get(blob) {
        return Ok(n.to_string());
    }
    Ok(light_name(&read(blob)?).unwrap_or_else(|| file.to_string()))
}

/// Documents of one tenant by type key: (file name, blob id) each.
type TenantFiles = BTreeMap<String, Vec<(String, String)>>;

/// The documents of every tenant folder at HEAD, and each folder's `tenant.yaml`.
type HeadFiles = (BTreeMap<String, TenantFiles>, BTreeMap<String, Vec<u8>>);

/// A tenant's documents, its last backup and its tenant id.
type TenantObjects = (
    Arc<BTreeMap<String, Vec<ObjectEntry>>>,
    Option<LastBackup>,
    Option<String>,
);

/// Builds the index of HEAD, reusing what `previous` already read of unchanged tenants, blobs and
/// run logs.
fn build(
    repo: &Repo,
    configured: &[String],
    stamp: Stamp,
    previous: Option<&Index>,
) -> Result<Index, Problem> {
    let head = stamp.head.clone();
    let same_head = previous.is_some_and(|p| p.head == head);
    let (mut files, tenant_files) = if head.is_some() && !same_head {
        head_files(repo)?
    } else {
        Default::default()
    };
    let mut names: Vec<String> = configured.to_vec();
    match (same_head, previous) {
        (true, Some(p)) => names.extend(p.tenants.keys().cloned()),
        _ => names.extend(files.keys().cloned()),
    }
    names.sort();
    names.dedup();
    let mut summaries = HashMap::new();
    let mut tenants = BTreeMap::new();
    for name in names {
        if super::limits::tenant_name(&name).is_err() {
            continue;
        }
        let kept = previous
            .filter(|_| same_head)
            .and_then(|p| p.tenants.get(&name));
        let (objects, last_backup, tenant_id) = match kept {
            Some(k) => (
                k.objects.clone(),
                k.last_backup.clone(),
                k.tenant_id.clone(),
            ),
            None => {
                let list = files.remove(&name).unwrap_or_default();
                let tenant_yaml = tenant_files.get(&name);
                tenant_objects(repo, &name, list, tenant_yaml, previous, head.is_some())?
            }
        };
        let mut runs = vec![];
        if head.is_some() {
            committed_runs(repo, &name, previous, &mut summaries, &mut runs)?;
        }
        private_runs(repo, &name, previous, &mut summaries, &mut runs);
        runs::sort(&mut runs);
        let status = status::read(repo, &name).ok().flatten();
        tenants.insert(
            name.clone(),
            TenantIndex {
                name,
                tenant_id,
                objects,
                last_backup,
                runs,
                status,
            },
        );
    }
    tracing::debug!(head = ?head, tenants = tenants.len(), "index built");
    Ok(Index {
        built: std::time::Instant::now(),
        stamp,
        head,
        tenants,
        summaries,
    })
}

/// Lists the documents and `tenant.yaml` files of HEAD's tenant folders.
fn head_files(repo: &Repo) -> Result<HeadFiles, Problem> {
    let mut files: BTreeMap<String, TenantFiles> = BTreeMap::new();
    let mut tenant_files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (rel, blob) in repo.blob_ids_at("HEAD", layout::TENANTS)? {
        let parts: Vec<&str> = rel.split('/').collect();
        match parts.as_slice() {
            [t, layout::TENANT_FILE] => {
                tenant_files.insert(t.to_string(), repo.read_blob(&blob)?);
            }
            [t, kind, file] if !kind.starts_with(['_', '.']) && file.ends_with(".yaml") => {
                files
                    .entry(t.to_string())
                    .or_default()
                    .entry(kind.to_string())
                    .or_default()
                    .push((file.to_string(), blob));
            }
            [t, ..] => {
                files.entry(t.to_string()).or_default();
            }
            _ => {}
        }
    }
    for t in tenant_files.keys() {
        files.entry(t.clone()).or_default();
    }
    Ok((files, tenant_files))
}

/// One tenant's documents with their names, its last backup and its tenant id.
fn tenant_objects(
    repo: &Repo,
    name: &str,
    files: TenantFiles,
    tenant_yaml_bytes: Option<&Vec<u8>>,
    previous: Option<&Index>,
    has_head: bool,
) -> Result<TenantObjects, Problem> {
    let mut by_kind = BTreeMap::new();
    let known = previous
        .and_then(|p| p.tenants.get(name))
        .map(|t| known_names(&t.objects))
        .unwrap_or_default();
    for (kind, list) in files {
        let mut entries = Vec::with_capacity(list.len());
        for (file, blob) in list {
            let name = name_of(&file, &blob, &known, |b| repo.read_blob(b))?;
            entries.push(ObjectEntry { file, name, blob });
        }
        by_kind.insert(kind, entries);
    }
    let (tenant_id, last) = tenant_yaml(tenant_yaml_bytes);
    let last = match last {
        Some(mut l) if has_head => {
            l.commit = last_commit(repo, name);
            Some(l)
        }
        other => other,
    };
    Ok((Arc::new(by_kind), last, tenant_id))
}

/// Summaries of the tenant's run logs committed at HEAD, reusing those `previous` read by blob.
fn committed_runs(
    repo: &Repo,
    name: &str,
    previous: Option<&Index>,
    summaries: &mut HashMap<String, RunSummary>,
    runs: &mut Vec<RunSummary>,
) -> Result<(), Problem> {
    let prefix = layout::runs(name);
    for (rel, blob) in repo.blob_ids_at("HEAD", &prefix)? {
        if !rel.ends_with(".yaml") {
            continue;
        }
        let key = format!("blob:{blob}");
        let s = match previous.and_then(|p| p.summaries.get(&key)) {
            Some(s) => s.clone(),
            None => {
                let Some(v) = runs::parse(&repo.read_blob(&blob)?) else {
                    continue;
                };
                let id = file_stem(&rel);
                runs::summarize(&v, &id, RunSource::Committed(format!("{prefix}/{rel}")))
            }
        };
        summaries.insert(key, s.clone());
        runs.push(s);
    }
    Ok(())
}

/// Summaries of the tenant's private run logs (`.git/atlas/runs/`), reusing those `previous`
/// read by file, modification time and size.
fn private_runs(
    repo: &Repo,
    name: &str,
    previous: Option<&Index>,
    summaries: &mut HashMap<String, RunSummary>,
    runs: &mut Vec<RunSummary>,
) {
    let dir = layout::private_runs(repo.git_dir(), name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Ok(meta) = e.metadata() else { continue };
        if !file.ends_with(".yaml") || file.starts_with('.') || !meta.is_file() {
            continue;
        }
        let key = format!(
            "file:{name}/{file}:{:?}:{}",
            meta.modified().ok(),
            meta.len()
        );
        let s = match previous.and_then(|p| p.summaries.get(&key)) {
            Some(s) => s.clone(),
            None => {
                let Some(v) = std::fs::read(e.path()).ok().and_then(|b| runs::parse(&b)) else {
                    continue;
                };
                runs::summarize(&v, &file_stem(&file), RunSource::Private(file.clone()))
            }
        };
        summaries.insert(key, s.clone());
        runs.push(s);
    }
}

fn file_stem(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".yaml").unwrap_or(file).to_string()
}

/// The document's `name:` (top level), without parsing the whole document.
pub fn light_name(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let line = text.lines().find(|l| l.starts_with("name: "))?;
    let raw = &line["name: ".len()..];
    serde_yaml::from_str::<String>(raw)
        .ok()
        .or_else(|| Some(raw.trim().to_string()))
}

/// `tenantId` and `lastBackup` of a `tenant.yaml`.
fn tenant_yaml(bytes: Option<&Vec<u8>>) -> (Option<String>, Option<LastBackup>) {
    let Some(v) = bytes.and_then(|b| serde_yaml::from_slice::<serde_json::Value>(b).ok()) else {
        return (None, None);
    };
    let id = v["tenantId"].as_str().map(str::to_string);
    let last = v.get("lastBackup").map(|l| LastBackup {
        at: l["at"].as_str().and_then(|s| s.parse().ok()),
        run_id: l["runId"].as_str().map(str::to_string),
        commit: None,
    });
    (id, last)
}

/// The newest commit that changed the tenant's `tenant.yaml` (every backup commit does).
fn last_commit(repo: &Repo, tenant: &str) -> Option<String> {
    repo.log(&LogQuery {
        paths: vec![layout::tenant_file(tenant)],
        limit: Some(1),
        ..LogQuery::default()
    })
    .ok()?
    .into_iter()
    .next()
    .map(|e| e.commit.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_name_line() {
        assert_eq!(
            light_name(b"kind: x\nid: 1\nname: 'Update Ring: Pilot'\nspec:\n  name: inner\n")
                .as_deref(),
            Some("Update Ring: Pilot")
        );
        assert_eq!(
            light_name(b"name: BitLocker \xe2\x80\x93 OS\n").as_deref(),
            Some("BitLocker – OS")
        );
        assert_eq!(light_name(b"kind: x\n"), None);
    }

    #[test]
    fn unchanged_blobs_are_not_read_again() {
        let mut objects = BTreeMap::new();
        objects.insert(
            "scopeTags".to_string(),
            vec![ObjectEntry {
                file: "berlin--1.yaml".into(),
                name: "Berlin".into(),
                blob: "b1".into(),
            }],
        );
        let known = known_names(&objects);
        let never = |_: &str| -> Result<Vec<u8>, ()> { panic!("an unchanged blob was read") };
        assert_eq!(
            name_of("berlin--1.yaml", "b1", &known, never).unwrap(),
            "Berlin"
        );
        let mut read = vec![];
        let got = name_of("x--2.yaml", "b2", &known, |b| {
            read.push(b.to_string());
            Ok::<_, ()>(b"name: Munich\n".to_vec())
        });
        assert_eq!(got.unwrap(), "Munich");
        assert_eq!(read, ["b2"]);
        let unnamed = name_of("y--3.yaml", "b3", &known, |_| {
            Ok::<_, ()>(b"kind: x\n".to_vec())
        });
        assert_eq!(unnamed.unwrap(), "y--3.yaml");
    }

    #[test]
    fn new_run_logs_and_status_files_are_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let cache = Cache::default();
        let configured = vec!["t".to_string()];
        let first = cache.current(&repo, &configured).unwrap();
        assert!(first.tenants["t"].runs.is_empty());
        assert!(first.tenants["t"].status.is_none());
        crate::store::runlog::write_private(
            &repo,
            "t",
            "r1",
            b"runId: r1\nkind: backup\noutcome: no-change\n",
        )
        .unwrap();
        status::write(&repo, &TenantStatus::new("t", crate::config::Mode::Backup)).unwrap();
        // Written within the same clock tick as the first build or not, the change is seen.
        let second = cache.current(&repo, &configured).unwrap();
        assert_eq!(second.tenants["t"].runs.len(), 1);
        assert_eq!(second.tenants["t"].runs[0].outcome, "no-change");
        assert!(second.tenants["t"].status.is_some());
    }

    #[test]
    fn an_unchanged_repository_reuses_its_index() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let cache = Cache::default();
        let a = cache.current(&repo, &[]).unwrap();
        let b = cache.current(&repo, &[]).unwrap();
        // An old folder is trusted (a fresh one only briefly: see the next test).
        assert!(a.stamp.fresh || Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn an_index_of_fresh_folders_is_trusted_only_briefly() {
        let stamp = |fresh: bool| Stamp {
            head: Some("h".into()),
            dirs: vec![(PathBuf::from("/r"), None)],
            fresh,
        };
        let now = std::time::Instant::now();
        let old = now
            .checked_sub(FRESH_REUSE * 2)
            .expect("the clock runs long enough");
        assert!(stamp(false).matches(&stamp(false), old), "settled: always");
        assert!(
            stamp(true).matches(&stamp(true), now),
            "fresh: for a moment"
        );
        assert!(!stamp(true).matches(&stamp(true), old), "fresh: not after");
        let mut other = stamp(false);
        other.head = Some("h2".into());
        assert!(!stamp(false).matches(&other, now), "another commit: never");
    }

    #[test]
    fn tenant_yaml_gives_id_and_last_backup() {
        let b =
            b"name: demo\ntenantId: abc\nlastBackup:\n  runId: r1\n  at: 2026-01-15T09:30:00Z\n"
                .to_vec();
        let (id, last) = tenant_yaml(Some(&b));
        assert_eq!(id.as_deref(), Some("abc"));
        let last = last.unwrap();
        assert_eq!(last.run_id.as_deref(), Some("r1"));
        assert!(last.at.is_some());
    }
}
