//! Crash-safe file writes for the work tree and the private state directory.
//!
//! A backup killed at any point must leave every file either old or new, never torn, so files
//! are written to a temporary sibling, fsynced, renamed over the target, and the directory is
//! fsynced. Temporary names start with `.atlas-tmp-` so a later snapshot removes leftovers.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{StoreError, fault};

/// Prefix of temporary files written next to their target.
pub(crate) const TEMP_PREFIX: &str = ".atlas-tmp-";

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `target` atomically (temp file + fsync + rename). The caller fsyncs the
/// parent directory (once per directory when writing many files).
pub(crate) fn atomic_write(target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let parent = target.parent().ok_or_else(|| {
        StoreError::io(
            target,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "path has no parent"),
        )
    })?;
    let tmp = parent.join(format!(
        "{TEMP_PREFIX}{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_and_rename(&tmp, target, bytes);
    if result.is_err() {
        // Best effort: never leave a temporary file behind after a failed write.
        let _ = fs_err::remove_file(&tmp);
    }
    result
}

fn write_and_rename(tmp: &Path, target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e| StoreError::io(&path, e)
    };
    fault::check("create", tmp).map_err(io(tmp))?;
    let mut file = fs_err::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(io(tmp))?;
    fault::check("write", tmp).map_err(io(tmp))?;
    file.write_all(bytes).map_err(io(tmp))?;
    fault::check("fsync", tmp).map_err(io(tmp))?;
    file.sync_all().map_err(io(tmp))?;
    drop(file);
    fault::check("rename", target).map_err(io(target))?;
    fs_err::rename(tmp, target).map_err(io(target))
}

/// Makes a directory's entries (new, renamed or removed files) durable.
pub(crate) fn fsync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        fault::check("fsync", dir).map_err(|e| StoreError::io(dir, e))?;
        let handle = fs_err::File::open(dir).map_err(|e| StoreError::io(dir, e))?;
        handle.sync_all().map_err(|e| StoreError::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Makes a file's content durable (e.g. the index libgit2 wrote without fsync).
pub(crate) fn fsync_file(path: &Path) -> Result<(), StoreError> {
    fault::check("fsync", path).map_err(|e| StoreError::io(path, e))?;
    let handle = fs_err::File::open(path).map_err(|e| StoreError::io(path, e))?;
    handle.sync_all().map_err(|e| StoreError::io(path, e))
}

/// The bytes of `path` if it is a regular file (symlinks are not followed); None otherwise.
pub(crate) fn read_regular(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs_err::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_file() => fs_err::read(path)
            .map(Some)
            .map_err(|e| StoreError::io(path, e)),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// What a walked entry is; directories are descended into, never reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    File,
    /// Symlinks, sockets, FIFOs: never followed, never kept.
    Other,
}

/// Every non-directory below `base` by '/'-separated relative path (empty when `base` is
/// missing). Symlinks are reported, not followed. A nested `.git` is refused.
pub(crate) fn walk(base: &Path) -> Result<BTreeMap<String, (PathBuf, EntryKind)>, StoreError> {
    let mut found = BTreeMap::new();
    match fs_err::symlink_metadata(base) {
        Ok(meta) if meta.is_dir() => walk_into(base, "", &mut found)?,
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StoreError::io(base, e)),
    }
    Ok(found)
}

fn walk_into(
    dir: &Path,
    rel: &str,
    found: &mut BTreeMap<String, (PathBuf, EntryKind)>,
) -> Result<(), StoreError> {
    for entry in fs_err::read_dir(dir).map_err(|e| StoreError::io(dir, e))? {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if name.eq_ignore_ascii_case(".git") {
            return Err(StoreError::unsafe_path(
                &child,
                "a nested .git inside the snapshot directory",
            ));
        }
        let file_type = entry.file_type().map_err(|e| StoreError::io(&path, e))?;
        if file_type.is_dir() {
            walk_into(&path, &child, found)?;
        } else if file_type.is_file() {
            found.insert(child, (path, EntryKind::File));
        } else {
            found.insert(child, (path, EntryKind::Other));
        }
    }
    Ok(())
}

/// Removes empty directories below `base`, and `base` itself when it ends up empty. Returns the
/// directories whose entries changed (for fsync).
pub(crate) fn prune_empty_dirs(base: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut touched = Vec::new();
    match fs_err::symlink_metadata(base) {
        Ok(meta) if meta.is_dir() => {
            if prune_into(base, &mut touched)? {
                fs_err::remove_dir(base).map_err(|e| StoreError::io(base, e))?;
                if let Some(parent) = base.parent() {
                    touched.push(parent.to_path_buf());
                }
            }
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StoreError::io(base, e)),
    }
    Ok(touched)
}

/// Prunes below `dir`; true when `dir` is now empty.
fn prune_into(dir: &Path, touched: &mut Vec<PathBuf>) -> Result<bool, StoreError> {
    let mut empty = true;
    for entry in fs_err::read_dir(dir).map_err(|e| StoreError::io(dir, e))? {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        let path = entry.path();
        let is_dir = entry
            .file_type()
            .map_err(|e| StoreError::io(&path, e))?
            .is_dir();
        if is_dir && prune_into(&path, touched)? {
            fs_err::remove_dir(&path).map_err(|e| StoreError::io(&path, e))?;
            touched.push(dir.to_path_buf());
        } else {
            empty = false;
        }
    }
    Ok(empty)
}

/// Creates the directories from `root` down to `root/components…`, refusing to pass through a
/// symlink or a file: a snapshot never writes outside the directory it was given.
pub(crate) fn ensure_real_dirs(
    root: &Path,
    components: &[&str],
    shown_as: &str,
) -> Result<PathBuf, StoreError> {
    let mut current = root.to_path_buf();
    for component in components {
        current.push(component);
        match fs_err::symlink_metadata(&current) {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(StoreError::unsafe_path(
                    shown_as,
                    format!("{} is a symlink", current.display()),
                ));
            }
            Ok(_) => {
                return Err(StoreError::unsafe_path(
                    shown_as,
                    format!("{} is a file, not a directory", current.display()),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs_err::create_dir(&current).map_err(|e| StoreError::io(&current, e))?;
            }
            Err(e) => return Err(StoreError::io(&current, e)),
        }
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("f.yaml");
        atomic_write(&target, b"one").unwrap();
        atomic_write(&target, b"two\r\n").unwrap();
        assert_eq!(fs_err::read(&target).unwrap(), b"two\r\n");
        let names: Vec<_> = fs_err::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("f.yaml")]);
    }

    #[test]
    fn failed_write_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty directory, so the rename fails after the temp file exists.
        let target = dir.path().join("busy");
        fs_err::create_dir(&target).unwrap();
        fs_err::write(target.join("x"), b"x").unwrap();
        let err = atomic_write(&target, b"data").unwrap_err();
        assert!(err.to_string().contains("busy"), "{err}");
        let leftovers: Vec<_> = fs_err::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(TEMP_PREFIX))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn walk_reports_files_and_symlinks_without_following() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base");
        fs_err::create_dir_all(base.join("a/b")).unwrap();
        fs_err::write(base.join("a/b/c.yaml"), b"c").unwrap();
        fs_err::write(base.join("top"), b"t").unwrap();
        let outside = dir.path().join("outside");
        fs_err::create_dir(&outside).unwrap();
        fs_err::write(outside.join("secret"), b"s").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, base.join("link")).unwrap();
        let found = walk(&base).unwrap();
        assert_eq!(found["a/b/c.yaml"].1, EntryKind::File);
        assert_eq!(found["top"].1, EntryKind::File);
        #[cfg(unix)]
        {
            assert_eq!(found["link"].1, EntryKind::Other);
            assert!(!found.contains_key("link/secret"));
        }
        assert!(walk(&dir.path().join("missing")).unwrap().is_empty());
    }

    #[test]
    fn walk_refuses_nested_git_dir() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(dir.path().join("x/.git")).unwrap();
        assert!(matches!(
            walk(dir.path()),
            Err(StoreError::UnsafePath { .. })
        ));
    }

    #[test]
    fn prune_removes_only_empty_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base");
        fs_err::create_dir_all(base.join("empty/deeper")).unwrap();
        fs_err::create_dir_all(base.join("full")).unwrap();
        fs_err::write(base.join("full/f"), b"f").unwrap();
        prune_empty_dirs(&base).unwrap();
        assert!(!base.join("empty").exists());
        assert!(base.join("full/f").exists());
        fs_err::remove_file(base.join("full/f")).unwrap();
        prune_empty_dirs(&base).unwrap();
        assert!(!base.exists());
        assert!(dir.path().exists());
    }

    #[test]
    fn ensure_real_dirs_creates_and_refuses_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let made = ensure_real_dirs(dir.path(), &["a", "b"], "a/b").unwrap();
        assert!(made.is_dir());
        fs_err::write(dir.path().join("file"), b"f").unwrap();
        assert!(ensure_real_dirs(dir.path(), &["file", "x"], "file/x").is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("l")).unwrap();
            let err = ensure_real_dirs(dir.path(), &["l", "x"], "l/x").unwrap_err();
            assert!(err.to_string().contains("symlink"), "{err}");
        }
    }
}
