//! Small private state files under `.git/atlas/<area>/<name>`: what the reconcile loop tells the
//! server (status per tenant) and what the server asks of the loop (trigger requests).
//!
//! They live in the git directory so they are never committed, and are written atomically so a
//! reader never sees half a file. A name is a single path component and an area one or two
//! (`queue/<tenant>`), checked here.

use super::{Repo, StoreError, fsio, paths};
use std::path::PathBuf;

/// `.git/atlas/<area>/` (created on demand).
pub fn dir(repo: &Repo, area: &str) -> Result<PathBuf, StoreError> {
    let parts: Vec<&str> = area.split('/').collect();
    if parts.len() > 2 {
        return Err(StoreError::UnsafePath {
            path: area.to_string(),
            reason: "an area is one or two path components".into(),
        });
    }
    for part in &parts {
        paths::validate_component(part)?;
    }
    let dir = repo.state_dir()?.join(area);
    fs_err::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
    Ok(dir)
}

/// Writes `.git/atlas/<area>/<name>` atomically.
pub fn write(repo: &Repo, area: &str, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
    paths::validate_component(name)?;
    let dir = dir(repo, area)?;
    fsio::atomic_write(&dir.join(name), bytes)
}

/// Reads `.git/atlas/<area>/<name>`, `None` when absent.
pub fn read(repo: &Repo, area: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
    paths::validate_component(name)?;
    fsio::read_regular(&dir(repo, area)?.join(name))
}

/// Names of the regular files in `.git/atlas/<area>/` (sorted), temporary files left out.
pub fn list(repo: &Repo, area: &str) -> Result<Vec<String>, StoreError> {
    let dir = dir(repo, area)?;
    let mut names = vec![];
    for entry in fs_err::read_dir(&dir).map_err(|e| StoreError::io(&dir, e))? {
        let entry = entry.map_err(|e| StoreError::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_file()) && !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Removes `.git/atlas/<area>/<name>`; true when it was there.
pub fn remove(repo: &Repo, area: &str, name: &str) -> Result<bool, StoreError> {
    paths::validate_component(name)?;
    let path = dir(repo, area)?.join(name);
    match fs_err::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io(&path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_list_remove() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        assert_eq!(read(&repo, "status", "a.json").unwrap(), None);
        write(&repo, "status", "b.json", b"2").unwrap();
        write(&repo, "status", "a.json", b"1").unwrap();
        assert_eq!(read(&repo, "status", "a.json").unwrap().unwrap(), b"1");
        assert_eq!(list(&repo, "status").unwrap(), vec!["a.json", "b.json"]);
        assert!(remove(&repo, "status", "a.json").unwrap());
        assert!(!remove(&repo, "status", "a.json").unwrap());
        assert!(write(&repo, "status", "../x", b"").is_err());
        assert!(write(&repo, "..", "x", b"").is_err());
    }
}
