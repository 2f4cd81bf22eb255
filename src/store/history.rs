//! Commits and reads of history.
//!
//! A commit advances HEAD's branch only if it still points where we read it (compare-and-swap),
//! so two writers never lose each other's commits; with the fixed identity and time a caller
//! passes, the same snapshot always yields the same commit id. Reads go to the object store, not
//! the work tree, so restore plans see exactly what a commit holds.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Identity, Repo, StoreError, paths};

impl Repo {
    /// Commit the index if it differs from HEAD's tree; Ok(None) and no commit otherwise (an
    /// empty index on an unborn branch makes no commit either).
    ///
    /// Uses `when` as author and committer time (UTC). Updates HEAD's branch with a
    /// compare-and-swap on the old head (`StoreError::Concurrent` if it moved); objects and refs
    /// are fsynced (enabled process-wide when the repository is opened).
    ///
    /// Ends the write session begun by the first `stage_*` call (see `session`), whatever the
    /// outcome.
    pub fn commit(
        &self,
        message: &str,
        author: &Identity,
        when: jiff::Timestamp,
    ) -> Result<Option<git2::Oid>, StoreError> {
        self.begin_write()?;
        let result = self.commit_in_session(message, author, when);
        self.end_write();
        result
    }

    fn commit_in_session(
        &self,
        message: &str,
        author: &Identity,
        when: jiff::Timestamp,
    ) -> Result<Option<git2::Oid>, StoreError> {
        let message = git2::message_prettify(message, None)
            .map_err(|e| StoreError::git("clean up the commit message", e))?;
        if message.trim().is_empty() {
            return Err(StoreError::EmptyMessage);
        }
        let git = self.lock_git();
        let branch = head_branch(&git, &self.root)?;
        let parent =
            match git.find_reference(&branch) {
                Ok(reference) => Some(reference.peel_to_commit().map_err(|e| {
                    StoreError::git(format!("read the commit {branch} points to"), e)
                })?),
                Err(e) if e.code() == git2::ErrorCode::NotFound => None,
                Err(e) => return Err(StoreError::git(format!("read {branch}"), e)),
            };
        let tree_id = index_tree(&git)?;
        let tree = git
            .find_tree(tree_id)
            .map_err(|e| StoreError::git("read the staged tree", e))?;
        let unchanged = match &parent {
            Some(parent) => parent.tree_id() == tree_id,
            None => tree.is_empty(),
        };
        if unchanged {
            tracing::debug!(branch, "nothing staged; no commit");
            return Ok(None);
        }
        let time = git2::Time::new(when.as_second(), 0);
        let signature = git2::Signature::new(&author.name, &author.email, &time)
            .map_err(|e| StoreError::git("build the commit signature", e))?;
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let oid = git
            .commit(None, &signature, &signature, &message, &tree, &parents)
            .map_err(|e| StoreError::git("create the commit", e))?;
        let summary = message.lines().next().unwrap_or_default();
        let log = format!(
            "commit{}: {summary}",
            if parent.is_none() { " (initial)" } else { "" }
        );
        advance_branch(
            &git,
            &branch,
            oid,
            parent.as_ref().map(git2::Commit::id),
            &log,
        )?;
        tracing::info!(%oid, branch, "committed");
        Ok(Some(oid))
    }

    /// True when the index (staged changes) differs from HEAD's tree.
    pub fn has_staged_changes(&self) -> Result<bool, StoreError> {
        let git = self.lock_git();
        let tree_id = index_tree(&git)?;
        match super::head_commit(&git)? {
            Some(head) => Ok(head.tree_id() != tree_id),
            None => {
                let tree = git
                    .find_tree(tree_id)
                    .map_err(|e| StoreError::git("read the staged tree", e))?;
                Ok(!tree.is_empty())
            }
        }
    }

    /// Read a file's bytes at a revision ("HEAD", a commit id, a branch); None if absent (or a
    /// directory). Symlinks and submodules are refused: a restore never follows them.
    pub fn read_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, StoreError> {
        paths::validate(path)?;
        let git = self.lock_git();
        let tree = tree_at(&git, rev)?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::git(format!("look up {path} at {rev}"), e)),
        };
        match entry.filemode() {
            0o100644 | 0o100755 | 0o100664 => {
                let blob = git
                    .find_blob(entry.id())
                    .map_err(|e| StoreError::git(format!("read {path} at {rev}"), e))?;
                Ok(Some(blob.content().to_vec()))
            }
            0o040000 => Ok(None),
            _ => Err(StoreError::unsafe_path(
                path,
                format!("is a symlink or submodule at {rev}"),
            )),
        }
    }

    /// Files below `prefix` at a revision, relative to prefix, sorted ("" lists the whole tree).
    /// Symlinks and submodules are skipped.
    /// Git blob ids of the files below `prefix` at `rev`, by path relative to `prefix`: lets a
    /// caller find changed files by hashing its own bytes ([`blob_id`]) without reading any blob.
    pub fn blob_ids_at(
        &self,
        rev: &str,
        prefix: &str,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        if !prefix.is_empty() {
            paths::validate(prefix)?;
        }
        let git = self.lock_git();
        let tree = tree_at(&git, rev)?;
        Ok(blobs_below(&git, &tree, prefix)?
            .into_iter()
            .map(|(path, oid)| (path, oid.to_string()))
            .collect())
    }

    /// The files below `prefix` at `rev` whose path (relative to `prefix`) `wanted` accepts, with
    /// their bytes: one tree walk and one lock for all of them, where `read_at` per file resolves
    /// the revision each time.
    pub fn read_all_at(
        &self,
        rev: &str,
        prefix: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        if !prefix.is_empty() {
            paths::validate(prefix)?;
        }
        let git = self.lock_git();
        let tree = tree_at(&git, rev)?;
        let mut out = vec![];
        for (path, oid) in blobs_below(&git, &tree, prefix)? {
            if !wanted(&path) {
                continue;
            }
            let blob = git
                .find_blob(oid)
                .map_err(|e| StoreError::git(format!("read {prefix}/{path} at {rev}"), e))?;
            out.push((path, blob.content().to_vec()));
        }
        Ok(out)
    }

    /// The tenant folders below `tenants/` at a revision, sorted.
    pub fn tenant_folders(&self, rev: &str) -> Result<Vec<String>, StoreError> {
        let mut folders: Vec<String> = self
            .list_at(rev, super::layout::TENANTS)?
            .iter()
            .filter_map(|p| p.split_once('/').map(|(t, _)| t.to_string()))
            .collect();
        folders.dedup();
        Ok(folders)
    }

    pub fn list_at(&self, rev: &str, prefix: &str) -> Result<Vec<String>, StoreError> {
        if !prefix.is_empty() {
            paths::validate(prefix)?;
        }
        let git = self.lock_git();
        let tree = tree_at(&git, rev)?;
        Ok(blobs_below(&git, &tree, prefix)?.into_keys().collect())
    }
}

/// Points `branch` at `new` if it still points at `old` (None: if it does not exist yet).
fn advance_branch(
    git: &git2::Repository,
    branch: &str,
    new: git2::Oid,
    old: Option<git2::Oid>,
    log: &str,
) -> Result<(), StoreError> {
    let updated = match old {
        Some(old) => git.reference_matching(branch, new, true, old, log),
        None => git.reference(branch, new, false, log),
    };
    match updated {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.code(),
                git2::ErrorCode::Modified | git2::ErrorCode::Exists | git2::ErrorCode::Locked
            ) =>
        {
            Err(StoreError::Concurrent {
                branch: branch.to_string(),
            })
        }
        Err(e) => Err(StoreError::git(format!("update {branch}"), e)),
    }
}

/// The branch HEAD names (e.g. `refs/heads/main`), born or not.
fn head_branch(git: &git2::Repository, root: &Path) -> Result<String, StoreError> {
    let head = git
        .find_reference("HEAD")
        .map_err(|e| StoreError::git("read HEAD", e))?;
    match head.symbolic_target() {
        Ok(Some(target)) => Ok(target.to_string()),
        Ok(None) => Err(StoreError::DetachedHead {
            path: root.to_path_buf(),
        }),
        Err(e) => Err(StoreError::git("read the branch HEAD names", e)),
    }
}

/// Writes the index as a tree (re-read from disk first, so other writers' staging is seen).
fn index_tree(git: &git2::Repository) -> Result<git2::Oid, StoreError> {
    let mut index = super::index_as_on_disk(git)?;
    if index.has_conflicts() {
        return Err(StoreError::git(
            "write the index as a tree",
            git2::Error::from_str("the index has unresolved conflicts"),
        ));
    }
    index
        .write_tree()
        .map_err(|e| StoreError::git("write the index as a tree", e))
}

/// The tree of a revision (anything that peels to a tree). `HEAD` on an unborn branch is the
/// empty tree, so a first backup can read "the previous state" like any other.
fn tree_at<'r>(git: &'r git2::Repository, rev: &str) -> Result<git2::Tree<'r>, StoreError> {
    if rev == "HEAD" && super::head_commit(git)?.is_none() {
        let empty = git
            .treebuilder(None)
            .and_then(|builder| builder.write())
            .and_then(|oid| git.find_tree(oid))
            .map_err(|e| StoreError::git("build the empty tree", e))?;
        return Ok(empty);
    }
    // One resolution for every revision argument, backup sets' names included.
    let object = super::revisions::resolve_object(git, rev)?;
    object.peel_to_tree().map_err(|e| match e.code() {
        git2::ErrorCode::InvalidSpec | git2::ErrorCode::Peel => StoreError::RevNotFound {
            rev: rev.to_string(),
        },
        _ => StoreError::git(format!("read the tree of {rev}"), e),
    })
}

/// Regular files below `prefix` in `tree`, relative to prefix, with their blob ids.
pub(crate) fn blobs_below(
    git: &git2::Repository,
    tree: &git2::Tree<'_>,
    prefix: &str,
) -> Result<BTreeMap<String, git2::Oid>, StoreError> {
    let subtree = if prefix.is_empty() {
        tree.clone()
    } else {
        let entry = match tree.get_path(Path::new(prefix)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(StoreError::git(format!("look up {prefix}"), e)),
        };
        if entry.kind() != Some(git2::ObjectType::Tree) {
            return Ok(BTreeMap::new());
        }
        git.find_tree(entry.id())
            .map_err(|e| StoreError::git(format!("read the tree of {prefix}"), e))?
    };
    let mut out = BTreeMap::new();
    subtree
        .walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let is_file = matches!(entry.filemode(), 0o100644 | 0o100755 | 0o100664);
            if let (true, Ok(name)) = (is_file, entry.name()) {
                out.insert(format!("{dir}{name}"), entry.id());
            } else if entry.kind() != Some(git2::ObjectType::Tree) {
                tracing::warn!(path = %format!("{dir}{}", entry.name().unwrap_or("?")),
                    "skipping a symlink, submodule or non-UTF-8 entry");
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(|e| StoreError::git(format!("walk the tree below {prefix:?}"), e))?;
    Ok(out)
}

#[cfg(test)]
mod tests;

/// The git blob id of some bytes (what `git hash-object` prints).
pub fn blob_id(bytes: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|o| o.to_string())
        .unwrap_or_default()
}
