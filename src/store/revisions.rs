//! Revisions and tree diffs: what a commit says and which files changed between two states.
//!
//! `diff`, `log`, `show` and `drift` must know which policy files changed between two commits (or
//! a commit and the work tree) without reading every file of a tenant: git's tree diff skips
//! identical subtrees and compares blobs by id, so unchanged files are never read, and only rename
//! detection reads the blobs of added and removed files. On top of git's similarity, renames follow
//! the project's identity rule: `<slug>--<id8>.<ext>` files in one folder with the same id part are
//! one object whose name changed, however much its content changed too.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Repo, StoreError, paths};

/// A commit, as the views show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitInfo {
    /// Full hex id.
    pub id: String,
    /// The first 10 hex digits of the id.
    pub short_id: String,
    /// Author name.
    pub author: String,
    /// Author email.
    pub email: String,
    /// Author time.
    pub time: jiff::Timestamp,
    /// The first line of the message.
    pub summary: String,
    /// The message without its summary and trailers, trimmed.
    pub body: String,
    /// The trailers (`Atlas-Run`, `Atlas-Tenant`, `Atlas-Partial`, …); a key given more than once
    /// keeps all its values, joined with ", ".
    pub trailers: BTreeMap<String, String>,
}

/// How a file changed between two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    Added,
    Removed,
    Modified,
    Renamed,
}

/// One changed file. Paths are repository-relative with `/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileChange {
    pub kind: ChangeKind,
    /// None for `Added`.
    pub old_path: Option<String>,
    /// None for `Removed`.
    pub new_path: Option<String>,
    /// Blob id (hex) on the old side; None when absent or when that side is the work tree.
    pub old_blob: Option<String>,
    /// Blob id (hex) on the new side; None when absent or when that side is the work tree (read
    /// the file from disk instead).
    pub new_blob: Option<String>,
}

impl FileChange {
    /// The path the change is listed under: the new path, or the old one for a removal.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or_default()
    }
}

/// Which side of a diff: a revision or the work tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side<'a> {
    /// Any git revision (`HEAD`, `HEAD~2`, a branch, a tag, an id). `HEAD` on an unborn branch is
    /// the empty tree.
    Rev(&'a str),
    /// The files on disk: tracked changes and untracked files, honouring `.gitignore`.
    WorkTree,
}

impl Repo {
    /// Resolves any git revision (HEAD, HEAD~2, branch, tag, short/full oid, `@{1}`…) to its
    /// commit. An unknown revision (or one that is not a commit) is `StoreError::RevNotFound`.
    pub fn commit_info(&self, rev: &str) -> Result<CommitInfo, StoreError> {
        let git = self.lock_git();
        let commit = resolve_commit(&git, rev)?;
        commit_info_of(&commit)
    }

    /// How many commits HEAD's history holds (0 on an unborn branch): what `HEAD~N` can reach.
    pub fn commit_count(&self) -> Result<usize, StoreError> {
        let git = self.lock_git();
        if super::head_commit(&git)?.is_none() {
            return Ok(0);
        }
        let mut walk = git
            .revwalk()
            .map_err(|e| StoreError::git("walk the history", e))?;
        walk.push_head()
            .map_err(|e| StoreError::git("walk the history", e))?;
        Ok(walk.count())
    }

    /// Changed files between two sides, limited to path prefixes (directories or files; empty =
    /// everything), with rename detection (git's similarity and exact renames, then the identity
    /// rule), sorted by path. Uses git's tree diff: blobs of unchanged files are never read. The
    /// work tree side is the files on disk: tracked changes and untracked files below the
    /// prefixes, honouring `.gitignore`; its blob ids are None.
    ///
    /// Prefixes are validated like every store path (no `..`, not absolute); one trailing `/` is
    /// accepted.
    pub fn diff(
        &self,
        from: Side<'_>,
        to: Side<'_>,
        prefixes: &[String],
    ) -> Result<Vec<FileChange>, StoreError> {
        let prefixes = validate_prefixes(prefixes)?;
        let git = self.lock_git();
        match (from, to) {
            (Side::WorkTree, Side::WorkTree) => Ok(Vec::new()),
            (Side::Rev(old), Side::Rev(new)) => {
                let old = resolve_tree(&git, old)?;
                let new = resolve_tree(&git, new)?;
                tree_changes(&git, old.as_ref(), new.as_ref(), &prefixes)
            }
            (Side::Rev(old), Side::WorkTree) => {
                let old = resolve_tree(&git, old)?;
                workdir_changes(&git, old.as_ref(), &prefixes)
            }
            (Side::WorkTree, Side::Rev(new)) => {
                let new = resolve_tree(&git, new)?;
                Ok(invert(workdir_changes(&git, new.as_ref(), &prefixes)?))
            }
        }
    }

    /// Bytes of a blob by its full hex id; `StoreError::BlobNotFound` when there is no such blob.
    pub fn read_blob(&self, oid: &str) -> Result<Vec<u8>, StoreError> {
        let not_found = || StoreError::BlobNotFound {
            oid: oid.to_string(),
        };
        let id = git2::Oid::from_str(oid).map_err(|_| not_found())?;
        if id.to_string() != oid.to_ascii_lowercase() {
            // A short id would be padded with zeros by libgit2, never what the caller meant.
            return Err(not_found());
        }
        let git = self.lock_git();
        match git.find_blob(id) {
            Ok(blob) => Ok(blob.content().to_vec()),
            Err(e) if matches!(e.code(), git2::ErrorCode::NotFound) => Err(not_found()),
            Err(e) if e.class() == git2::ErrorClass::Invalid => Err(not_found()),
            Err(e) => Err(StoreError::git(format!("read blob {oid}"), e)),
        }
    }
}

/// Validates user-supplied path prefixes (one trailing `/` tolerated).
pub(super) fn validate_prefixes(prefixes: &[String]) -> Result<Vec<String>, StoreError> {
    prefixes
        .iter()
        .map(|prefix| {
            let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
            paths::validate(trimmed).map_err(|e| match e {
                StoreError::UnsafePath { reason, .. } => StoreError::unsafe_path(prefix, reason),
                other => other,
            })?;
            Ok(trimmed.to_string())
        })
        .collect()
}

/// The object a revision names; unknown or malformed revisions are `RevNotFound`.
pub(super) fn resolve_object<'r>(
    git: &'r git2::Repository,
    rev: &str,
) -> Result<git2::Object<'r>, StoreError> {
    let not_found = || StoreError::RevNotFound {
        rev: rev.to_string(),
    };
    if rev.is_empty() {
        return Err(not_found());
    }
    let parsed = git.revparse_single(rev).map_err(|e| match e.code() {
        git2::ErrorCode::NotFound
        | git2::ErrorCode::InvalidSpec
        | git2::ErrorCode::Ambiguous
        | git2::ErrorCode::UnbornBranch => not_found(),
        _ if e.class() == git2::ErrorClass::Reference => not_found(),
        _ => StoreError::git(format!("resolve {rev}"), e),
    });
    match parsed {
        // Not a name git knows: a backup set's (docs/ARCHITECTURE.md, "Backup sets").
        Err(StoreError::RevNotFound { .. }) => match backup_set_tag(git, rev)? {
            Some(tag) => git.revparse_single(&tag).map_err(|_| not_found()),
            None => Err(not_found()),
        },
        other => other,
    }
}

/// The commit a revision names.
pub(super) fn resolve_commit<'r>(
    git: &'r git2::Repository,
    rev: &str,
) -> Result<git2::Commit<'r>, StoreError> {
    resolve_object(git, rev)?
        .peel_to_commit()
        .map_err(|e| match e.code() {
            git2::ErrorCode::InvalidSpec | git2::ErrorCode::Peel | git2::ErrorCode::NotFound => {
                StoreError::RevNotFound {
                    rev: rev.to_string(),
                }
            }
            _ => StoreError::git(format!("read the commit {rev} names"), e),
        })
}

/// The tree of a revision; None (the empty tree) for `HEAD` on an unborn branch.
fn resolve_tree<'r>(
    git: &'r git2::Repository,
    rev: &str,
) -> Result<Option<git2::Tree<'r>>, StoreError> {
    if rev == "HEAD" && super::head_commit(git)?.is_none() {
        return Ok(None);
    }
    resolve_object(git, rev)?
        .peel_to_tree()
        .map(Some)
        .map_err(|e| match e.code() {
            git2::ErrorCode::InvalidSpec | git2::ErrorCode::Peel | git2::ErrorCode::NotFound => {
                StoreError::RevNotFound {
                    rev: rev.to_string(),
                }
            }
            _ => StoreError::git(format!("read the tree of {rev}"), e),
        })
}

/// A commit as the views show it.
pub(super) fn commit_info_of(commit: &git2::Commit<'_>) -> Result<CommitInfo, StoreError> {
    let id = commit.id().to_string();
    let author = commit.author();
    let seconds = author.when().seconds();
    let time = jiff::Timestamp::from_second(seconds).map_err(|_| {
        StoreError::git(
            format!("read the author time of commit {id}"),
            git2::Error::from_str("author time out of range"),
        )
    })?;
    let message = String::from_utf8_lossy(commit.message_bytes());
    let trailers = parse_trailers(&message)
        .map_err(|e| StoreError::git(format!("parse the trailers of commit {id}"), e))?;
    let (summary, body) = split_message(&message, !trailers.is_empty());
    Ok(CommitInfo {
        short_id: id.chars().take(10).collect(),
        id,
        author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        time,
        summary,
        body,
        trailers,
    })
}

/// The trailers of the message's last paragraph, as git reads them.
fn parse_trailers(message: &str) -> Result<BTreeMap<String, String>, git2::Error> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in git2::message_trailers_strs(message)?.iter() {
        out.entry(key.to_string())
            .and_modify(|existing| {
                existing.push_str(", ");
                existing.push_str(value);
            })
            .or_insert_with(|| value.to_string());
    }
    Ok(out)
}

/// Summary (the first line) and body (the rest without the trailer paragraph, trimmed).
fn split_message(message: &str, has_trailers: bool) -> (String, String) {
    let mut lines = message.lines();
    let summary = lines.next().unwrap_or_default().trim().to_string();
    let mut rest: Vec<&str> = lines.collect();
    if has_trailers {
        while rest.last().is_some_and(|line| line.trim().is_empty()) {
            rest.pop();
        }
        while rest.last().is_some_and(|line| !line.trim().is_empty()) {
            rest.pop();
        }
    }
    (summary, rest.join("\n").trim().to_string())
}

/// Diff options shared by every diff: literal path prefixes, type changes as modifications.
fn diff_options(prefixes: &[String]) -> git2::DiffOptions {
    let mut opts = git2::DiffOptions::new();
    opts.disable_pathspec_match(true)
        .include_typechange(true)
        .ignore_submodules(true);
    for prefix in prefixes {
        opts.pathspec(prefix);
    }
    opts
}

/// Changes between two trees (None = the empty tree).
pub(super) fn tree_changes(
    git: &git2::Repository,
    old: Option<&git2::Tree<'_>>,
    new: Option<&git2::Tree<'_>>,
    prefixes: &[String],
) -> Result<Vec<FileChange>, StoreError> {
    let mut opts = diff_options(prefixes);
    let mut diff = git
        .diff_tree_to_tree(old, new, Some(&mut opts))
        .map_err(|e| StoreError::git("diff two trees", e))?;
    collect(&mut diff, false)
}

/// Changes from a tree (None = the empty tree) to the work tree, through the index so that
/// unchanged files are recognised by their stat data instead of being read.
fn workdir_changes(
    git: &git2::Repository,
    old: Option<&git2::Tree<'_>>,
    prefixes: &[String],
) -> Result<Vec<FileChange>, StoreError> {
    // Other writers may have staged since this handle last looked.
    git.index()
        .and_then(|mut index| index.read(true))
        .map_err(|e| StoreError::git("read the index", e))?;
    let mut opts = diff_options(prefixes);
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let mut diff = git
        .diff_tree_to_workdir_with_index(old, Some(&mut opts))
        .map_err(|e| StoreError::git("diff a tree with the work tree", e))?;
    collect(&mut diff, true)
}

/// Runs rename detection and turns the deltas into changes, then applies the identity rule.
fn collect(diff: &mut git2::Diff<'_>, new_is_workdir: bool) -> Result<Vec<FileChange>, StoreError> {
    let mut find = git2::DiffFindOptions::new();
    find.renames(true)
        .exact_match_only(false)
        .for_untracked(new_is_workdir);
    diff.find_similar(Some(&mut find))
        .map_err(|e| StoreError::git("detect renames", e))?;
    let mut changes = Vec::with_capacity(diff.deltas().len());
    for delta in diff.deltas() {
        let kind = match delta.status() {
            git2::Delta::Added | git2::Delta::Untracked | git2::Delta::Copied => ChangeKind::Added,
            git2::Delta::Deleted => ChangeKind::Removed,
            git2::Delta::Renamed => ChangeKind::Renamed,
            git2::Delta::Modified
            | git2::Delta::Typechange
            | git2::Delta::Conflicted
            | git2::Delta::Unreadable => ChangeKind::Modified,
            git2::Delta::Unmodified | git2::Delta::Ignored => continue,
        };
        let old = delta.old_file();
        let new = delta.new_file();
        let path = |file: &git2::DiffFile<'_>| {
            file.path_bytes()
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        };
        let blob = |file: &git2::DiffFile<'_>, workdir: bool| {
            (!workdir && file.exists() && !file.id().is_zero()).then(|| file.id().to_string())
        };
        let has_old = kind != ChangeKind::Added;
        let has_new = kind != ChangeKind::Removed;
        changes.push(FileChange {
            kind,
            old_path: if has_old { path(&old) } else { None },
            new_path: if has_new { path(&new) } else { None },
            old_blob: if has_old { blob(&old, false) } else { None },
            new_blob: if has_new {
                blob(&new, new_is_workdir)
            } else {
                None
            },
        });
    }
    let mut changes = apply_identity_rule(changes);
    sort(&mut changes);
    Ok(changes)
}

/// Sorts changes by the path they are listed under.
pub(super) fn sort(changes: &mut [FileChange]) {
    changes.sort_by(|a, b| {
        a.path()
            .cmp(b.path())
            .then_with(|| a.old_path.cmp(&b.old_path))
    });
}

/// Swaps the sides of changes (used for work tree → revision).
fn invert(changes: Vec<FileChange>) -> Vec<FileChange> {
    let mut out: Vec<FileChange> = changes
        .into_iter()
        .map(|c| FileChange {
            kind: match c.kind {
                ChangeKind::Added => ChangeKind::Removed,
                ChangeKind::Removed => ChangeKind::Added,
                other => other,
            },
            old_path: c.new_path,
            new_path: c.old_path,
            old_blob: c.new_blob,
            new_blob: c.old_blob,
        })
        .collect();
    sort(&mut out);
    out
}

/// The identity part of an object file name: for `dir/<slug>--<id>.<ext>` with an 8 or 16 hex
/// digit id, `(dir, "<id>.<ext>")`. Sidecars (`x--abcd1234.detection.ps1`) follow the same form.
fn identity_key(path: &str) -> Option<(&str, &str)> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let (slug, rest) = name.rsplit_once("--")?;
    let (id, ext) = rest.split_once('.')?;
    let hex = id
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (!slug.is_empty() && !ext.is_empty() && matches!(id.len(), 8 | 16) && hex)
        .then_some((dir, rest))
}

/// The file-name part of an identity key, whatever the folder.
fn identity_name(path: &str) -> Option<&str> {
    identity_key(path).map(|(_, key)| key)
}

/// Applies the identity rule to git's result: a similarity rename between two object files with
/// different ids is two objects (split into removed + added), and a removed and an added file in
/// the same folder with the same id part are one renamed object (when exactly one of each).
fn apply_identity_rule(changes: Vec<FileChange>) -> Vec<FileChange> {
    let mut kept = Vec::with_capacity(changes.len());
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for change in changes {
        match change.kind {
            ChangeKind::Renamed => {
                let old = change.old_path.as_deref().and_then(identity_name);
                let new = change.new_path.as_deref().and_then(identity_name);
                if let (Some(old), Some(new)) = (old, new)
                    && old != new
                {
                    let (removal, addition) = split_rename(change);
                    removed.push(removal);
                    added.push(addition);
                } else {
                    kept.push(change);
                }
            }
            ChangeKind::Removed => removed.push(change),
            ChangeKind::Added => added.push(change),
            ChangeKind::Modified => kept.push(change),
        }
    }
    let key_of = |c: &FileChange| -> Option<(String, String)> {
        identity_key(c.path()).map(|(dir, key)| (dir.to_string(), key.to_string()))
    };
    let mut removed_by_key: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, change) in removed.iter().enumerate() {
        if let Some(key) = key_of(change) {
            removed_by_key.entry(key).or_default().push(i);
        }
    }
    let mut added_by_key: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, change) in added.iter().enumerate() {
        if let Some(key) = key_of(change) {
            added_by_key.entry(key).or_default().push(i);
        }
    }
    let mut paired_removed = vec![false; removed.len()];
    let mut paired_added = vec![false; added.len()];
    for (key, from) in &removed_by_key {
        let Some(to) = added_by_key.get(key) else {
            continue;
        };
        if let ([r], [a]) = (from.as_slice(), to.as_slice()) {
            paired_removed[*r] = true;
            paired_added[*a] = true;
            kept.push(FileChange {
                kind: ChangeKind::Renamed,
                old_path: removed[*r].old_path.clone(),
                new_path: added[*a].new_path.clone(),
                old_blob: removed[*r].old_blob.clone(),
                new_blob: added[*a].new_blob.clone(),
            });
        }
    }
    kept.extend(
        removed
            .into_iter()
            .zip(paired_removed)
            .filter_map(|(c, paired)| (!paired).then_some(c)),
    );
    kept.extend(
        added
            .into_iter()
            .zip(paired_added)
            .filter_map(|(c, paired)| (!paired).then_some(c)),
    );
    kept
}

/// A rename as a removal and an addition.
fn split_rename(change: FileChange) -> (FileChange, FileChange) {
    (
        FileChange {
            kind: ChangeKind::Removed,
            old_path: change.old_path,
            new_path: None,
            old_blob: change.old_blob,
            new_blob: None,
        },
        FileChange {
            kind: ChangeKind::Added,
            old_path: None,
            new_path: change.new_path,
            old_blob: None,
            new_blob: change.new_blob,
        },
    )
}

#[cfg(test)]
pub(super) mod tests;

/// The prefix of every backup set's tag (`atlas/<tenant>/<name>`, see `store::tags`).
pub const BACKUP_SET_PREFIX: &str = "atlas/";

/// The tag a revision git does not know names: `atlas/<tenant>/<rev>` of the one tenant that has
/// a set of that name (`before-migration`, `before-migration~1`). `None` when no tenant has one;
/// an error when several do.
fn backup_set_tag(git: &git2::Repository, rev: &str) -> Result<Option<String>, StoreError> {
    let split = rev.find(['~', '^', '@', ':']).unwrap_or(rev.len());
    let (name, rest) = rev.split_at(split);
    if name.is_empty() || name.contains('/') || name.contains('*') || name.contains('?') {
        return Ok(None);
    }
    let names = git
        .tag_names(Some(&format!("{BACKUP_SET_PREFIX}*/{name}")))
        .map_err(|e| StoreError::git("list the tags", e))?;
    let tags: Vec<String> = names
        .iter()
        .flatten()
        .flatten()
        .map(str::to_string)
        .collect();
    match tags.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(format!("refs/tags/{one}{rest}"))),
        _ => Err(StoreError::AmbiguousRev {
            rev: rev.to_string(),
            tags,
        }),
    }
}
