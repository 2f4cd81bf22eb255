//! Writing one tenant's snapshot into the work tree and the index.
//!
//! The work tree below a tenant's prefix is made to hold exactly the exported files (plus the
//! files of types that failed this run), and the index mirrors it, so the next commit records
//! exactly that state. Unchanged files are not rewritten, so their mtimes stay and `git status`
//! stays cheap. Blobs are written from the exact bytes we were given, never through attribute
//! filters, so scripts keep their BOMs and CRLFs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::fsio::{self, EntryKind};
use super::{Repo, StoreError, paths};

/// What a snapshot changed compared with HEAD, as paths relative to the prefix, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl WriteSummary {
    /// True when the snapshot equals what HEAD holds below the prefix.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

impl Repo {
    /// Write the files of one snapshot below `prefix` (e.g. "tenants/contoso"): `files` maps paths
    /// relative to `prefix` ('/'-separated) to exact bytes. Files whose bytes are unchanged are
    /// not touched (mtime kept); files below `prefix` that are not in `files` are removed, EXCEPT
    /// regular files for which `keep(path)` is true (types that failed this run keep their
    /// previous files; a kept file missing from the work tree is restored from the index).
    /// Symlinks and other special files below `prefix` are never kept. Empty directories left
    /// behind are removed. Writes are atomic per file (temp file + fsync + rename). The index is
    /// updated for every path below `prefix` so that `commit` records exactly this state.
    ///
    /// The summary compares the result with HEAD's tree, so it matches the next commit even
    /// after an earlier run was interrupted between writing and committing.
    ///
    /// Refuses (`StoreError::UnsafePath`), before writing anything, any path that is absolute,
    /// contains `..`, `.git`, a NUL, a backslash or a Windows-reserved/ill-formed component, and
    /// snapshots whose paths clash (a file that is also a directory, names differing only by case).
    /// A failure ends the write session this call began, as [`Repo::stage_file`]'s does.
    pub fn stage_snapshot(
        &self,
        prefix: &str,
        files: &BTreeMap<String, Vec<u8>>,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<WriteSummary, StoreError> {
        let began = !self.in_session();
        let result = self.stage_snapshot_in_session(prefix, files, keep);
        if result.is_err() && began {
            self.end_write();
        }
        result
    }

    fn stage_snapshot_in_session(
        &self,
        prefix: &str,
        files: &BTreeMap<String, Vec<u8>>,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<WriteSummary, StoreError> {
        let prefix_parts = paths::validate(prefix)?;
        for rel in files.keys() {
            paths::validate(rel)?;
        }
        paths::check_coexist(files.keys().map(String::as_str))?;
        self.begin_write()?;
        let git = self.lock_git();
        let mut index = super::index_as_on_disk(&git)?;

        let base = fsio::ensure_real_dirs(&self.root, &prefix_parts, prefix)?;
        let existing = fsio::walk(&base)?;
        let indexed = index_entries_below(&index, prefix);
        // Decide everything before touching the disk, so a refusal leaves the tree as it was.
        let plan = Kept::decide(files, &existing, &indexed, keep)?;
        let disk = Disk {
            root: &self.root,
            prefix_parts: &prefix_parts,
            prefix,
            base: &base,
            existing: &existing,
        };
        let staged = disk.write(&git, files, &plan)?;
        let after = self.mirror_index(&git, &mut index, prefix, files, &staged, &indexed)?;
        let before = head_entries_below(&git, prefix)?;
        let summary = summarize(&before, &after);
        tracing::debug!(
            prefix,
            added = summary.added.len(),
            changed = summary.changed.len(),
            removed = summary.removed.len(),
            "staged snapshot"
        );
        Ok(summary)
    }

    /// Makes the index below `prefix` hold `files` and the `staged` kept files, nothing else, and
    /// writes it durably. Returns the blob ids by path relative to `prefix`.
    fn mirror_index(
        &self,
        git: &git2::Repository,
        index: &mut git2::Index,
        prefix: &str,
        files: &BTreeMap<String, Vec<u8>>,
        staged: &BTreeMap<String, Vec<u8>>,
        indexed: &BTreeMap<String, git2::Oid>,
    ) -> Result<BTreeMap<String, git2::Oid>, StoreError> {
        let mut after: BTreeMap<String, git2::Oid> = BTreeMap::new();
        let all = files
            .iter()
            .map(|(rel, bytes)| (rel.as_str(), bytes.as_slice()))
            .chain(
                staged
                    .iter()
                    .map(|(rel, bytes)| (rel.as_str(), bytes.as_slice())),
            );
        for (rel, bytes) in all {
            let full = paths::join(prefix, rel);
            let oid = stage_bytes(git, index, &self.root, &full, bytes)?;
            after.insert(rel.to_string(), oid);
        }
        for rel in indexed.keys().filter(|rel| !after.contains_key(*rel)) {
            let full = paths::join(prefix, rel);
            index
                .remove_path(Path::new(&full))
                .map_err(|e| StoreError::git(format!("unstage {full}"), e))?;
        }
        index
            .write()
            .map_err(|e| StoreError::git("write the index", e))?;
        fsio::fsync_file(&self.git_dir.join("index"))?;
        Ok(after)
    }

    /// Write one extra file (e.g. a run log) at `path` relative to the root, and stage it.
    ///
    /// A failure ends the write session this call began: the caller will not commit, and another
    /// writer (the backup after an apply, in the same process) must not wait for a session nobody
    /// ends. A session begun by earlier stages stays with its caller.
    pub fn stage_file(&self, path: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let began = !self.in_session();
        let result = self.stage_file_in_session(path, bytes);
        if result.is_err() && began {
            self.end_write();
        }
        result
    }

    fn stage_file_in_session(&self, path: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let parts = paths::validate(path)?;
        self.begin_write()?;
        let git = self.lock_git();
        let mut index = super::index_as_on_disk(&git)?;
        let (name, dirs) = parts.split_last().expect("validated paths are not empty");
        let parent = fsio::ensure_real_dirs(&self.root, dirs, path)?;
        let target = parent.join(name);
        match fs_err::symlink_metadata(&target) {
            Ok(meta) if meta.is_dir() => {
                return Err(StoreError::unsafe_path(path, "is an existing directory"));
            }
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(StoreError::unsafe_path(path, "is a symlink"));
            }
            _ => {}
        }
        if fsio::read_regular(&target)?.as_deref() != Some(bytes) {
            fsio::atomic_write(&target, bytes)?;
            fsio::fsync_dir(&parent)?;
        }
        stage_bytes(&git, &mut index, &self.root, path, bytes)?;
        index
            .write()
            .map_err(|e| StoreError::git("write the index", e))?;
        fsio::fsync_file(&self.git_dir.join("index"))
    }
}

/// The files of a snapshot's prefix that stay although the snapshot does not hold them.
struct Kept<'a> {
    /// Regular files on disk that `keep` keeps.
    on_disk: BTreeSet<&'a str>,
    /// Kept files missing from the work tree, restored from their blobs in the index.
    restore: BTreeMap<&'a str, git2::Oid>,
}

impl<'a> Kept<'a> {
    /// What stays besides `files`; refused when the result's paths would clash.
    fn decide(
        files: &BTreeMap<String, Vec<u8>>,
        existing: &'a BTreeMap<String, (PathBuf, EntryKind)>,
        indexed: &'a BTreeMap<String, git2::Oid>,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Kept<'a>, StoreError> {
        let on_disk: BTreeSet<&str> = existing
            .iter()
            .filter(|(rel, (_, kind))| {
                *kind == EntryKind::File
                    && !files.contains_key(*rel)
                    && !is_temp_leftover(rel)
                    && paths::validate(rel).is_ok()
                    && keep(rel)
            })
            .map(|(rel, _)| rel.as_str())
            .collect();
        let restore: BTreeMap<&str, git2::Oid> = indexed
            .iter()
            .filter(|(rel, _)| {
                !files.contains_key(*rel)
                    && !existing.contains_key(*rel)
                    && paths::validate(rel).is_ok()
                    && keep(rel)
            })
            .map(|(rel, oid)| (rel.as_str(), *oid))
            .collect();
        paths::check_coexist(
            files
                .keys()
                .map(String::as_str)
                .chain(on_disk.iter().copied())
                .chain(restore.keys().copied()),
        )?;
        Ok(Kept { on_disk, restore })
    }
}

/// The work tree below a snapshot's prefix, as it was before the write.
struct Disk<'a> {
    root: &'a Path,
    prefix_parts: &'a [&'a str],
    prefix: &'a str,
    /// The prefix's directory.
    base: &'a Path,
    existing: &'a BTreeMap<String, (PathBuf, EntryKind)>,
}

impl Disk<'_> {
    /// Makes the work tree below the prefix hold `files` and what `kept` keeps: removes the rest,
    /// restores kept files from the index, writes changed files, fsyncs the directories touched.
    /// Returns the kept files' bytes by path relative to the prefix.
    fn write(
        &self,
        git: &git2::Repository,
        files: &BTreeMap<String, Vec<u8>>,
        kept: &Kept<'_>,
    ) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        let (base, prefix, existing) = (self.base, self.prefix, self.existing);
        let mut touched_dirs: BTreeSet<PathBuf> = BTreeSet::new();
        for (rel, (path, _)) in existing {
            if files.contains_key(rel) || kept.on_disk.contains(rel.as_str()) {
                continue;
            }
            fs_err::remove_file(path).map_err(|e| StoreError::io(path, e))?;
            touched_dirs.extend(path.parent().map(Path::to_path_buf));
        }
        // Directories emptied by removals must go before a file may take their name.
        touched_dirs.extend(fsio::prune_empty_dirs(base)?);
        if !files.is_empty() || !kept.restore.is_empty() {
            fsio::ensure_real_dirs(self.root, self.prefix_parts, prefix)?;
        }
        let mut staged: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (rel, oid) in &kept.restore {
            let blob = git
                .find_blob(*oid)
                .map_err(|e| StoreError::git(format!("read the staged blob of {rel}"), e))?;
            let target = write_below(base, prefix, rel, blob.content(), None)?;
            touched_dirs.extend(target.parent().map(Path::to_path_buf));
            tracing::debug!(path = rel, "restored a kept file from the index");
            staged.insert((*rel).to_string(), blob.content().to_vec());
        }
        for (rel, bytes) in files {
            let current = match existing.get(rel) {
                Some((path, EntryKind::File)) => fsio::read_regular(path)?,
                _ => None,
            };
            if current.as_deref() != Some(bytes.as_slice()) {
                let target = write_below(base, prefix, rel, bytes, existing.get(rel))?;
                touched_dirs.extend(target.parent().map(Path::to_path_buf));
            }
        }
        for rel in &kept.on_disk {
            let path = &existing[*rel].0;
            let bytes = fsio::read_regular(path)?.ok_or_else(|| {
                StoreError::io(
                    path,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "kept file vanished"),
                )
            })?;
            staged.insert((*rel).to_string(), bytes);
        }
        for dir in &touched_dirs {
            if dir.exists() {
                fsio::fsync_dir(dir)?;
            }
        }
        Ok(staged)
    }
}

/// Writes `bytes` at `base/rel`, creating real directories on the way. An existing symlink or
/// special file at the target is replaced, never written through.
fn write_below(
    base: &Path,
    prefix: &str,
    rel: &str,
    bytes: &[u8],
    existing: Option<&(PathBuf, EntryKind)>,
) -> Result<PathBuf, StoreError> {
    let parts: Vec<&str> = rel.split('/').collect();
    let (name, dirs) = parts.split_last().expect("validated paths are not empty");
    let parent = fsio::ensure_real_dirs(base, dirs, &paths::join(prefix, rel))?;
    let target = parent.join(name);
    if let Some((path, EntryKind::Other)) = existing {
        fs_err::remove_file(path).map_err(|e| StoreError::io(path, e))?;
    }
    fsio::atomic_write(&target, bytes)?;
    Ok(target)
}

/// Writes `bytes` as a blob and records it in the index at `full` with the work tree file's stat
/// data, so `git status` sees an unchanged file as clean.
fn stage_bytes(
    git: &git2::Repository,
    index: &mut git2::Index,
    root: &Path,
    full: &str,
    bytes: &[u8],
) -> Result<git2::Oid, StoreError> {
    let oid = git
        .blob(bytes)
        .map_err(|e| StoreError::git(format!("store the content of {full}"), e))?;
    let on_disk = root.join(full);
    let meta = fs_err::symlink_metadata(&on_disk).map_err(|e| StoreError::io(&on_disk, e))?;
    let entry = index_entry(full, oid, &meta, bytes.len());
    index
        .add(&entry)
        .map_err(|e| StoreError::git(format!("stage {full}"), e))?;
    Ok(oid)
}

/// An index entry for a regular, non-executable file (git truncates stat fields to 32 bits).
fn index_entry(
    full: &str,
    oid: git2::Oid,
    meta: &std::fs::Metadata,
    len: usize,
) -> git2::IndexEntry {
    #[cfg(unix)]
    let (ctime, mtime, dev, ino, uid, gid) = {
        use std::os::unix::fs::MetadataExt;
        (
            git2::IndexTime::new(meta.ctime() as i32, meta.ctime_nsec() as u32),
            git2::IndexTime::new(meta.mtime() as i32, meta.mtime_nsec() as u32),
            meta.dev() as u32,
            meta.ino() as u32,
            meta.uid(),
            meta.gid(),
        )
    };
    #[cfg(not(unix))]
    let (ctime, mtime, dev, ino, uid, gid) = {
        let secs = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .unwrap_or_default();
        let time = git2::IndexTime::new(secs.as_secs() as i32, secs.subsec_nanos());
        (time, time, 0, 0, 0, 0)
    };
    git2::IndexEntry {
        ctime,
        mtime,
        dev,
        ino,
        mode: 0o100644,
        uid,
        gid,
        file_size: len as u32,
        id: oid,
        flags: 0,
        flags_extended: 0,
        path: full.as_bytes().to_vec(),
    }
}

/// Stage-0 index entries below `prefix`, relative to it.
fn index_entries_below(index: &git2::Index, prefix: &str) -> BTreeMap<String, git2::Oid> {
    let dir = format!("{prefix}/");
    index
        .iter()
        .filter_map(|entry| {
            let path = String::from_utf8(entry.path).ok()?;
            let rel = path.strip_prefix(&dir)?;
            Some((rel.to_string(), entry.id))
        })
        .collect()
}

/// Blobs below `prefix` in HEAD's tree, relative to it (empty on an unborn branch).
fn head_entries_below(
    git: &git2::Repository,
    prefix: &str,
) -> Result<BTreeMap<String, git2::Oid>, StoreError> {
    let Some(commit) = super::head_commit(git)? else {
        return Ok(BTreeMap::new());
    };
    let tree = commit
        .tree()
        .map_err(|e| StoreError::git("read the tree of HEAD", e))?;
    super::history::blobs_below(git, &tree, prefix)
}

/// A temporary file left by an interrupted write: always removed, never kept.
fn is_temp_leftover(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with(fsio::TEMP_PREFIX))
}

fn summarize(
    before: &BTreeMap<String, git2::Oid>,
    after: &BTreeMap<String, git2::Oid>,
) -> WriteSummary {
    let mut summary = WriteSummary::default();
    for (rel, oid) in after {
        match before.get(rel) {
            None => summary.added.push(rel.clone()),
            Some(old) if old != oid => summary.changed.push(rel.clone()),
            Some(_) => {}
        }
    }
    summary.removed = before
        .keys()
        .filter(|rel| !after.contains_key(*rel))
        .cloned()
        .collect();
    summary
}

#[cfg(test)]
mod tests;
