//! Errors of the git store.
//!
//! One enum for every repository operation, so the CLI can map each kind to an exit code and a
//! hint. Every message names the path or revision it is about and never carries file contents.

use std::path::{Path, PathBuf};

/// What went wrong while reading or writing the backup repository.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The directory does not exist.
    #[error("{} does not exist (run `tenant-atlas init` first)", path.display())]
    NotFound { path: PathBuf },
    /// The directory exists but is not the work tree of a git repository.
    #[error("{} is not a git repository (run `tenant-atlas init` first)", path.display())]
    NotARepository { path: PathBuf },
    /// The directory is a bare repository: there is no work tree to write the snapshot into.
    #[error("{} is a bare git repository; tenant-atlas needs a repository with a work tree", path.display())]
    Bare { path: PathBuf },
    /// HEAD, the commit or tree it points to, or the index cannot be read.
    #[error("the git repository at {} is corrupt: {message}", path.display())]
    Corrupt { path: PathBuf, message: String },
    /// A path handed to the store would escape the repository or is not portable.
    #[error("refusing unsafe path {path:?}: {reason}")]
    UnsafePath { path: String, reason: String },
    /// A filesystem operation failed.
    #[error("failed to access {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A libgit2 operation failed.
    #[error("failed to {context}: {}", source.message())]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },
    /// A revision (commit id, branch, `HEAD`) does not name a commit or tree.
    #[error("revision {rev:?} not found in the backup repository")]
    RevNotFound { rev: String },
    /// A blob id does not name a blob in the repository (or is not a full hex id).
    #[error("blob {oid:?} not found in the backup repository")]
    BlobNotFound { oid: String },
    /// HEAD is detached, so there is no branch to advance.
    #[error("HEAD of {} is detached; check out a branch before committing", path.display())]
    DetachedHead { path: PathBuf },
    /// The branch moved between reading HEAD and updating it (another writer committed).
    #[error("branch {branch} moved while committing (another writer committed); run again")]
    Concurrent { branch: String },
    /// The commit message is empty after clean-up.
    #[error("refusing to commit with an empty message")]
    EmptyMessage,
    /// Another writer kept the repository's write session for too long.
    #[error("another tenant-atlas run is writing to this repository (lock {}); try again later", path.display())]
    Busy { path: PathBuf },
    /// Pushing through the git CLI failed.
    #[error("push failed: {message}")]
    Push { message: String },
    /// A revision that is no name git knows is the name of backup sets of several tenants.
    #[error("{rev:?} names backup sets of several tenants ({}); name one in full", tags.join(", "))]
    AmbiguousRev { rev: String, tags: Vec<String> },
    /// A backup set's name or tenant that cannot be part of a git tag name, or a set that exists.
    #[error("backup set {tag}: {reason}")]
    BackupSet { tag: String, reason: String },
}

impl StoreError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn git(context: impl Into<String>, source: git2::Error) -> Self {
        StoreError::Git {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn unsafe_path(path: &str, reason: impl Into<String>) -> Self {
        StoreError::UnsafePath {
            path: path.to_string(),
            reason: reason.into(),
        }
    }
}
