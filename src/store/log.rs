//! History of the backup repository: which commits touched a tenant, a type folder or one policy.
//!
//! `log` and the web UI answer "who changed what, when" from git alone. A commit is compared with
//! its first parent (the empty tree for a root commit) through git's tree diff restricted to the
//! asked paths, so a long history of a large tenant costs one cheap tree walk per commit. Following
//! one policy file goes back through its renames, including the renames the identity rule sees.

use serde::Serialize;

use super::revisions::{
    ChangeKind, CommitInfo, FileChange, commit_info_of, resolve_commit, tree_changes,
    validate_prefixes,
};
use super::{Repo, StoreError, paths};

/// What `Repo::log` lists.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// Path prefixes (folders or files) a commit must touch; empty = every commit.
    pub paths: Vec<String>,
    /// One file to follow back through renames (overrides `paths`).
    pub follow: Option<String>,
    /// Only commits whose author time is at or after this.
    pub since: Option<jiff::Timestamp>,
    /// Only commits whose author time is at or before this.
    pub until: Option<jiff::Timestamp>,
    /// At most this many entries.
    pub limit: Option<usize>,
    /// Start revision; default HEAD.
    pub rev: Option<String>,
}

/// One commit of a log, with what it changed.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub commit: CommitInfo,
    /// Changes against the first parent, restricted to the query's paths (or the followed file).
    pub changes: Vec<FileChange>,
}

impl Repo {
    /// Commits newest first (time order, children before parents, every parent walked like
    /// `git log`), touching the query's paths; with `follow`, the path is followed through renames
    /// (a `Renamed` change switches to the old path). An unborn HEAD has an empty log; an unknown
    /// start revision is `StoreError::RevNotFound`.
    pub fn log(&self, query: &LogQuery) -> Result<Vec<LogEntry>, StoreError> {
        let mut followed = match query.follow.as_deref() {
            Some(path) => {
                let path = path.strip_suffix('/').unwrap_or(path);
                paths::validate(path)?;
                Some(path.to_string())
            }
            None => None,
        };
        let prefixes = match followed {
            Some(_) => Vec::new(),
            None => validate_prefixes(&query.paths)?,
        };
        if query.limit == Some(0) {
            return Ok(Vec::new());
        }
        let git = self.lock_git();
        let start = match query.rev.as_deref() {
            Some(rev) => resolve_commit(&git, rev)?.id(),
            None => match super::head_commit(&git)? {
                Some(head) => head.id(),
                None => return Ok(Vec::new()),
            },
        };
        let walk_err = |e| StoreError::git("walk the history", e);
        let mut walk = git.revwalk().map_err(walk_err)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
            .map_err(walk_err)?;
        walk.push(start).map_err(walk_err)?;

        let mut out = Vec::new();
        for oid in walk {
            let oid = oid.map_err(walk_err)?;
            let commit = git
                .find_commit(oid)
                .map_err(|e| StoreError::git(format!("read commit {oid}"), e))?;
            let in_window = in_window(&commit, query);
            if !in_window && followed.is_none() {
                // A followed file's renames count even outside the window; nothing else does.
                continue;
            }
            let new = commit
                .tree()
                .map_err(|e| StoreError::git(format!("read the tree of commit {oid}"), e))?;
            let old = match commit.parent_count() {
                0 => None,
                _ => Some(
                    commit
                        .parent(0)
                        .and_then(|parent| parent.tree())
                        .map_err(|e| {
                            StoreError::git(format!("read the first parent of commit {oid}"), e)
                        })?,
                ),
            };
            let changes = match followed.as_mut() {
                Some(path) => follow_step(&git, old.as_ref(), &new, path)?,
                None => tree_changes(&git, old.as_ref(), Some(&new), &prefixes)?,
            };
            let touches = !changes.is_empty() || (followed.is_none() && prefixes.is_empty());
            if !in_window || !touches {
                continue;
            }
            out.push(LogEntry {
                commit: commit_info_of(&commit)?,
                changes,
            });
            if query.limit.is_some_and(|limit| out.len() >= limit) {
                break;
            }
        }
        Ok(out)
    }
}

/// True when the commit's author time lies within the query's since/until (both inclusive).
fn in_window(commit: &git2::Commit<'_>, query: &LogQuery) -> bool {
    let seconds = commit.author().when().seconds();
    let after_since = query.since.is_none_or(|since| seconds >= since.as_second());
    let before_until = query.until.is_none_or(|until| seconds <= until.as_second());
    after_since && before_until
}

/// The followed file's change in one commit; when the commit added it, looks through the whole
/// tree for the file it was renamed from and switches `path` to that file.
fn follow_step(
    git: &git2::Repository,
    old: Option<&git2::Tree<'_>>,
    new: &git2::Tree<'_>,
    path: &mut String,
) -> Result<Vec<FileChange>, StoreError> {
    let changes = tree_changes(git, old, Some(new), std::slice::from_ref(path))?;
    let added = changes.iter().any(|c| c.kind == ChangeKind::Added);
    if !added || old.is_none() {
        return Ok(changes);
    }
    let everything = tree_changes(git, old, Some(new), &[])?;
    let renamed = everything
        .into_iter()
        .find(|c| c.kind == ChangeKind::Renamed && c.new_path.as_deref() == Some(path.as_str()));
    match renamed {
        Some(rename) => {
            if let Some(from) = &rename.old_path {
                tracing::debug!(from = %from, to = %path, "following a rename");
                *path = from.clone();
            }
            Ok(vec![rename])
        }
        None => Ok(changes),
    }
}

#[cfg(test)]
mod tests;
