//! The apply journal: every step written and synced before its request is sent, and its outcome
//! after, so an apply killed at any point resumes exactly where it stopped — a create whose answer
//! was lost is found again instead of being sent twice.
//!
//! One JSON line per event in `.git/atlas/journal/<tenant>/<plan hash>.jsonl`; a torn last line
//! (the process died mid-write) is ignored.

use crate::store::housekeeping::{self, Age, Category, Sweep};
use crate::store::{Repo, StoreError, fault};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "event")]
pub enum Event {
    /// About to send request `request` of item `item`.
    Sending { item: usize, request: usize },
    /// It succeeded; `created` is the id of an object it created.
    Done {
        item: usize,
        request: usize,
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        created: Option<String>,
    },
    /// It failed; the item stops here.
    Failed {
        item: usize,
        request: usize,
        message: String,
    },
    /// Every item was attempted.
    Finished,
}

/// What a journal says about a plan's progress.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Progress {
    /// (item, request) → done.
    pub done: BTreeMap<(usize, usize), ()>,
    /// Requests sent without a recorded outcome (the process died while waiting).
    pub in_flight: Vec<(usize, usize)>,
    /// Items that failed.
    pub failed: BTreeMap<usize, String>,
    /// Ids of objects created per item.
    pub created: BTreeMap<usize, String>,
    pub finished: bool,
}

impl Progress {
    /// Has this item sent anything yet?
    pub fn started(&self, item: usize) -> bool {
        self.done.keys().any(|(i, _)| *i == item)
            || self.in_flight.iter().any(|(i, _)| *i == item)
            || self.failed.contains_key(&item)
    }
}

/// The folder of the journals below `.git/atlas/`.
const AREA: &str = "journal";

/// An open journal.
pub struct Journal {
    path: PathBuf,
    file: std::fs::File,
}

impl Journal {
    /// The journal path of a plan.
    pub fn path(repo: &Repo, tenant: &str, plan_hash: &str) -> Result<PathBuf, StoreError> {
        let dir = repo.state_dir()?.join(AREA).join(tenant);
        fs_err::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let name = plan_hash.trim_start_matches("sha256:");
        Ok(dir.join(format!("{}.jsonl", &name[..name.len().min(32)])))
    }

    /// Reads what an earlier run of this plan did (nothing when it never ran).
    pub fn read(path: &std::path::Path) -> Progress {
        let mut p = Progress::default();
        let Ok(text) = std::fs::read_to_string(path) else {
            return p;
        };
        let mut sending: BTreeMap<(usize, usize), ()> = BTreeMap::new();
        for line in text.lines() {
            let Ok(event) = serde_json::from_str::<Event>(line) else {
                continue; // a torn last line
            };
            match event {
                Event::Sending { item, request } => {
                    sending.insert((item, request), ());
                }
                Event::Done {
                    item,
                    request,
                    created,
                    ..
                } => {
                    sending.remove(&(item, request));
                    p.done.insert((item, request), ());
                    if let Some(id) = created {
                        p.created.insert(item, id);
                    }
                }
                Event::Failed {
                    item,
                    request,
                    message,
                } => {
                    sending.remove(&(item, request));
                    p.failed.insert(item, message);
                }
                Event::Finished => p.finished = true,
            }
        }
        p.in_flight = sending.into_keys().collect();
        p
    }

    pub fn open(path: PathBuf) -> Result<Journal, StoreError> {
        fault::check("create", &path).map_err(|e| StoreError::io(&path, e))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))?;
        Ok(Journal { path, file })
    }

    /// Appends an event and syncs it to disk before returning.
    pub fn record(&mut self, event: &Event) -> Result<(), StoreError> {
        let mut line = serde_json::to_vec(event).unwrap_or_default();
        line.push(b'\n');
        fault::check("write", &self.path)
            .and_then(|()| self.file.write_all(&line))
            .and_then(|()| fault::check("fsync", &self.path))
            .and_then(|()| self.file.sync_data())
            .map_err(|e| StoreError::io(&self.path, e))
    }
}

/// `<journal dir>/<hash32>.plan.json`: the plan an unattended apply is executing.
fn plan_path(repo: &Repo, tenant: &str, plan_hash: &str) -> Result<PathBuf, StoreError> {
    Ok(Journal::path(repo, tenant, plan_hash)?.with_extension("plan.json"))
}

/// Keeps the plan an unattended apply executes beside its journal (atomically), until
/// [`drop_plan`]: a stopped or killed apply leaves it for the next start to resume.
pub fn keep_plan(repo: &Repo, tenant: &str, plan: &crate::plan::Plan) -> Result<(), StoreError> {
    let path = plan_path(repo, tenant, &plan.hash)?;
    let bytes = serde_json::to_vec_pretty(plan).unwrap_or_default();
    crate::store::write_atomic(&path, &bytes)
}

/// Forgets a kept plan (its journal finished).
pub fn drop_plan(repo: &Repo, tenant: &str, plan_hash: &str) {
    if let Ok(path) = plan_path(repo, tenant, plan_hash)
        && let Err(e) = std::fs::remove_file(&path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "could not remove a kept plan");
    }
}

/// Plans kept by unattended applies of `tenant` whose journal is not finished, oldest first.
/// A kept plan whose journal did finish is removed; one that does not parse is skipped with a
/// warning.
pub fn pending_plans(repo: &Repo, tenant: &str) -> Result<Vec<crate::plan::Plan>, StoreError> {
    let dir = repo.state_dir()?.join(AREA).join(tenant);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(vec![]);
    };
    let mut found = vec![];
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".plan.json") {
            continue;
        }
        let plan = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<crate::plan::Plan>(&b).ok());
        let Some(plan) = plan.filter(|p| p.is_intact()) else {
            tracing::warn!(path = %path.display(), "ignoring a kept plan that does not read back intact");
            continue;
        };
        if Journal::read(&Journal::path(repo, tenant, &plan.hash)?).finished {
            drop_plan(repo, tenant, &plan.hash);
            continue;
        }
        let modified = e.metadata().and_then(|m| m.modified()).ok();
        found.push((modified, plan));
    }
    found.sort_by_key(|(modified, _)| *modified);
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// What housekeeping may remove of the journals (docs/ARCHITECTURE.md, "Housekeeping"): a finished
/// journal last written longer than `max_age` before `now`, with the plan kept beside it. An
/// unfinished journal — an apply stopped or killed mid-way, which the next apply of its plan
/// resumes — is never named, nor is its plan, nor a kept plan whose apply has not started.
pub fn sweep(repo: &Repo, max_age: &Age, now: jiff::Timestamp) -> Result<Sweep, StoreError> {
    let mut sweep = Sweep::new(Category::Journals);
    for (_, dir) in housekeeping::tenant_folders(repo, AREA)? {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map_err(|e| StoreError::io(&dir, e))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        for name in &names {
            let path = dir.join(name);
            if let Some(stem) = name.strip_suffix(".jsonl") {
                let plan = dir.join(format!("{stem}.plan.json"));
                let plan = plan.is_file().then_some(plan);
                judge_journal(repo, &mut sweep, (&path, plan.as_deref()), max_age, now);
            } else if let Some(stem) = name.strip_suffix(".plan.json")
                && !names.contains(&format!("{stem}.jsonl"))
            {
                sweep.keep(
                    repo,
                    &path,
                    "the plan of an unattended apply not started yet: the next round resumes it",
                );
            }
        }
    }
    Ok(sweep)
}

/// One journal (and the plan kept beside it): kept while unfinished, removed once finished and
/// old, else left.
fn judge_journal(
    repo: &Repo,
    sweep: &mut Sweep,
    (journal, plan): (&std::path::Path, Option<&std::path::Path>),
    max_age: &Age,
    now: jiff::Timestamp,
) {
    if !Journal::read(journal).finished {
        sweep.keep(
            repo,
            journal,
            "unfinished: the next apply of its plan resumes from it",
        );
        if let Some(plan) = plan {
            sweep.keep(repo, plan, "the plan of an unfinished journal");
        }
        return;
    }
    let old = std::fs::metadata(journal).is_ok_and(|m| max_age.exceeded_by(&m, now));
    if !old {
        sweep.leave();
        if plan.is_some() {
            sweep.leave();
        }
        return;
    }
    sweep.remove(
        repo,
        journal,
        format!("finished, last written more than {} ago", max_age.shown),
    );
    if let Some(plan) = plan {
        sweep.remove(repo, plan, "the plan kept beside a finished journal");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_read_back_and_a_torn_line_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut j = Journal::open(path.clone()).unwrap();
        j.record(&Event::Sending {
            item: 0,
            request: 0,
        })
        .unwrap();
        j.record(&Event::Done {
            item: 0,
            request: 0,
            status: 201,
            created: Some("new".into()),
        })
        .unwrap();
        j.record(&Event::Sending {
            item: 0,
            request: 1,
        })
        .unwrap();
        j.record(&Event::Sending {
            item: 2,
            request: 0,
        })
        .unwrap();
        j.record(&Event::Failed {
            item: 2,
            request: 0,
            message: "400".into(),
        })
        .unwrap();
        drop(j);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"do")
            .unwrap();
        let p = Journal::read(&path);
        assert_eq!(p.created.get(&0).map(String::as_str), Some("new"));
        assert_eq!(p.in_flight, vec![(0, 1)]);
        assert!(p.failed.contains_key(&2));
        assert!(p.started(0) && p.started(2) && !p.started(1));
        assert!(!p.finished);
    }

    #[test]
    fn kept_plans_are_pending_until_their_journal_finishes() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let side = crate::plan::Side {
            tenant: "t".into(),
            tenant_id: "id".into(),
        };
        let mut plan = crate::plan::Plan {
            format: crate::plan::FORMAT,
            tool_version: "0".into(),
            created: String::new(),
            commit: "c".repeat(40),
            source: side.clone(),
            target: side,
            types: vec![],
            only: vec![],
            create_missing: false,
            mappings: Default::default(),
            summary: Default::default(),
            items: vec![],
            warnings: vec![],
            hash: String::new(),
            signature: None,
        };
        plan.seal();
        assert!(pending_plans(&repo, "t").unwrap().is_empty());
        keep_plan(&repo, "t", &plan).unwrap();
        assert_eq!(pending_plans(&repo, "t").unwrap(), vec![plan.clone()]);
        // A plan edited on disk is not resumed.
        let path = plan_path(&repo, "t", &plan.hash).unwrap();
        let edited = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"c", "\"d");
        std::fs::write(&path, edited).unwrap();
        assert!(pending_plans(&repo, "t").unwrap().is_empty());
        keep_plan(&repo, "t", &plan).unwrap();
        // Its journal finished: no longer pending, and the kept copy is removed.
        let mut j = Journal::open(Journal::path(&repo, "t", &plan.hash).unwrap()).unwrap();
        j.record(&Event::Finished).unwrap();
        assert!(pending_plans(&repo, "t").unwrap().is_empty());
        assert!(!path.exists());
        drop_plan(&repo, "t", &plan.hash);
    }
    #[test]
    fn housekeeping_removes_old_finished_journals_and_never_an_unfinished_one() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let now: jiff::Timestamp = "2026-01-15T09:30:00Z".parse().unwrap();
        let day = std::time::Duration::from_secs(86_400);
        let dir = repo.state_dir().unwrap().join("journal/t");
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str, age: std::time::Duration| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            let at = std::time::SystemTime::try_from(now).unwrap() - age;
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(at).unwrap();
        };
        let finished =
            "{\"event\":\"sending\",\"item\":0,\"request\":0}\n{\"event\":\"finished\"}\n";
        let unfinished = "{\"event\":\"sending\",\"item\":0,\"request\":0}\n";
        write("old.jsonl", finished, day * 40);
        write("old.plan.json", "{}", day * 40);
        write("young.jsonl", finished, day * 2);
        write("stopped.jsonl", unfinished, day * 400);
        write("stopped.plan.json", "{}", day * 400);
        write("waiting.plan.json", "{}", day * 400);
        let max_age = crate::store::housekeeping::Policy::default().journals_max_age;
        let sweep = sweep(&repo, &max_age, now).unwrap();
        let report = crate::store::housekeeping::carry_out(&repo, vec![sweep], true);
        let s = &report.sections[0];
        let names = crate::store::housekeeping::Item::names;
        assert_eq!(names(&s.removed), ["old.jsonl", "old.plan.json"]);
        assert_eq!(
            names(&s.kept),
            ["stopped.jsonl", "stopped.plan.json", "waiting.plan.json"]
        );
        assert!(s.kept[0].reason.starts_with("unfinished"), "{:?}", s.kept);
        assert_eq!(s.left, 1);
        assert!(
            s.removed[0].reason.contains("more than 30d"),
            "{:?}",
            s.removed
        );
    }
}
