//! The backup repository: a git work tree holding one normalized snapshot per tenant.
//!
//! Every backup is a commit, every diff is drift, so this module owns everything that touches
//! git: opening and creating the repository, writing a tenant's snapshot crash-safely into the
//! work tree and index, committing with a compare-and-swap on the branch, reading any file at any
//! revision, per-tenant locks, run logs, pushing and housekeeping of the private state. Callers
//! never see libgit2 handles except commit ids.

mod error;
pub mod fault;
mod fsio;
mod history;
pub mod housekeeping;
pub mod layout;
pub mod lock;
pub mod log;
pub mod objects;
mod paths;
pub mod push;
pub mod revisions;
pub mod runlog;
mod session;
mod snapshot;
pub mod state;
pub mod tags;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

/// Folder of the private state below the git directory (docs/ARCHITECTURE.md, "Repository layout").
const STATE: &str = "atlas";

pub use error::StoreError;
pub use history::blob_id;
pub use log::{LogEntry, LogQuery};
pub use revisions::{ChangeKind, CommitInfo, FileChange, Side};
pub use snapshot::WriteSummary;

/// Writes a private file atomically and durably (temporary sibling, fsync, rename, fsync of the
/// folder): a reader sees the old or the new bytes, never part of them.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    fsio::atomic_write(path, bytes)?;
    match path.parent() {
        Some(dir) => fsio::fsync_dir(dir),
        None => Ok(()),
    }
}

/// Author and committer of backup commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

/// An open backup repository with a work tree.
///
/// `Repo` is `Send + Sync`: libgit2 access is serialized behind a mutex, so one `Repo` can be
/// shared by the threads of a run.
pub struct Repo {
    root: PathBuf,
    git_dir: PathBuf,
    git: Mutex<git2::Repository>,
    /// The write session held between the first `stage_*` and `commit`.
    session: Mutex<Option<session::SessionLock>>,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("root", &self.root)
            .field("git_dir", &self.git_dir)
            .finish_non_exhaustive()
    }
}

/// Turns on fsync of objects, refs and packs in libgit2 (off by default), once per process.
fn enable_fsync_gitdir() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Also initializes libgit2 before the raw call below.
        git2::opts::strict_object_creation(true);
        git2::opts::strict_hash_verification(true);
        // SAFETY: GIT_OPT_ENABLE_FSYNC_GITDIR takes one `int` argument and only sets a global
        // flag; git2 exposes no setter for it. libgit2 has been initialized by the calls above.
        let rc = unsafe {
            libgit2_sys::git_libgit2_opts(
                libgit2_sys::GIT_OPT_ENABLE_FSYNC_GITDIR as std::ffi::c_int,
                1 as std::ffi::c_int,
            )
        };
        if rc != 0 {
            tracing::warn!(rc, "libgit2 refused to enable fsync of the git directory");
        }
    });
}

impl Repo {
    /// `git init` (branch main) if DIR is not a repository yet; opens it otherwise. Creates DIR
    /// if missing.
    pub fn init(dir: &Path) -> Result<Repo, StoreError> {
        enable_fsync_gitdir();
        if dir.join(".git").exists() {
            return Repo::open(dir);
        }
        fs_err::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        if looks_bare(dir) {
            return Err(StoreError::Bare {
                path: dir.to_path_buf(),
            });
        }
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main").no_reinit(true).mkdir(true);
        git2::Repository::init_opts(dir, &opts).map_err(|e| {
            StoreError::git(format!("initialize a repository at {}", dir.display()), e)
        })?;
        tracing::info!(path = %dir.display(), "initialized backup repository");
        Repo::open(dir)
    }

    /// Opens an existing repository whose work tree is DIR. Clear errors: DIR missing
    /// (`NotFound`), not a git repository (`NotARepository`), bare (`Bare`), or corrupt (HEAD or
    /// the tree it points to unreadable: `Corrupt`); nothing is written in any of these cases.
    pub fn open(dir: &Path) -> Result<Repo, StoreError> {
        enable_fsync_gitdir();
        let meta = match fs_err::metadata(dir) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound {
                    path: dir.to_path_buf(),
                });
            }
            Err(e) => return Err(StoreError::io(dir, e)),
        };
        let not_a_repo = || StoreError::NotARepository {
            path: dir.to_path_buf(),
        };
        if !meta.is_dir() {
            return Err(not_a_repo());
        }
        let git = git2::Repository::open_ext(
            dir,
            git2::RepositoryOpenFlags::NO_SEARCH,
            std::iter::empty::<&std::ffi::OsStr>(),
        )
        .map_err(|e| match e.code() {
            git2::ErrorCode::NotFound => not_a_repo(),
            _ => StoreError::Corrupt {
                path: dir.to_path_buf(),
                message: e.message().to_string(),
            },
        })?;
        if git.is_bare() {
            return Err(StoreError::Bare {
                path: dir.to_path_buf(),
            });
        }
        let workdir = git.workdir().ok_or_else(not_a_repo)?;
        let root = fs_err::canonicalize(workdir).map_err(|e| StoreError::io(workdir, e))?;
        let wanted = fs_err::canonicalize(dir).map_err(|e| StoreError::io(dir, e))?;
        if root != wanted {
            // DIR is the .git directory itself or another non-work-tree path.
            return Err(not_a_repo());
        }
        let git_dir =
            fs_err::canonicalize(git.path()).map_err(|e| StoreError::io(git.path(), e))?;
        check_readable(&git, &root)?;
        Ok(Repo {
            root,
            git_dir,
            git: Mutex::new(git),
            session: Mutex::new(None),
        })
    }

    /// The work tree.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The `.git` directory.
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The commit HEAD points to; None on an unborn branch.
    pub fn head(&self) -> Result<Option<git2::Oid>, StoreError> {
        let git = self.lock_git();
        head_commit(&git).map(|c| c.map(|c| c.id()))
    }

    /// The commit author: `configured` (atlas.yaml's `git.author`), else the repository's git
    /// configuration, else `tenant-atlas <atlas@localhost>`.
    pub fn author(&self, configured: Option<(String, String)>) -> Identity {
        let (name, email) = configured
            .or_else(|| self.config_identity().map(|i| (i.name, i.email)))
            .unwrap_or_else(|| ("tenant-atlas".into(), "atlas@localhost".into()));
        Identity { name, email }
    }

    /// Identity from git config (user.name/user.email) if both are set.
    pub fn config_identity(&self) -> Option<Identity> {
        let git = self.lock_git();
        let config = git.config().ok()?.snapshot().ok()?;
        let name = config.get_string("user.name").ok()?;
        let email = config.get_string("user.email").ok()?;
        (!name.trim().is_empty() && !email.trim().is_empty()).then_some(Identity { name, email })
    }

    /// Whether the repository's git configuration names the remote `name`.
    pub fn has_remote(&self, name: &str) -> bool {
        self.lock_git().find_remote(name).is_ok()
    }

    /// The private state directory `.git/atlas/` (created on demand): no-op run logs and locks
    /// live there.
    pub fn state_dir(&self) -> Result<PathBuf, StoreError> {
        let dir = self.git_dir.join(STATE);
        fs_err::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        Ok(dir)
    }

    /// The libgit2 handle; a panic in another thread does not make the repository unusable.
    fn lock_git(&self) -> MutexGuard<'_, git2::Repository> {
        self.git
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// True when DIR itself looks like a bare repository (HEAD and objects/ at its top).
fn looks_bare(dir: &Path) -> bool {
    dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir()
}

/// The commit HEAD resolves to, None on an unborn branch.
fn head_commit(git: &git2::Repository) -> Result<Option<git2::Commit<'_>>, StoreError> {
    match git.head() {
        Ok(reference) => reference
            .peel_to_commit()
            .map(Some)
            .map_err(|e| StoreError::git("read the commit HEAD points to", e)),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => Ok(None),
        Err(e) => Err(StoreError::git("read HEAD", e)),
    }
}

/// Fails with `Corrupt` unless HEAD (when born), its commit, its tree and the index are readable.
fn check_readable(git: &git2::Repository, root: &Path) -> Result<(), StoreError> {
    let corrupt = |what: &str, e: git2::Error| StoreError::Corrupt {
        path: root.to_path_buf(),
        message: format!("{what}: {}", e.message()),
    };
    match git.head() {
        Ok(reference) => {
            let commit = reference
                .peel_to_commit()
                .map_err(|e| corrupt("HEAD does not point to a readable commit", e))?;
            commit
                .tree()
                .map_err(|e| corrupt("the tree of HEAD is unreadable", e))?;
        }
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => {}
        Err(e) => return Err(corrupt("HEAD is unreadable", e)),
    }
    git.index()
        .map_err(|e| corrupt("the index is unreadable", e))?;
    Ok(())
}

/// The repository's index as the disk has it now (another writer may have changed it).
pub(crate) fn index_as_on_disk(git: &git2::Repository) -> Result<git2::Index, StoreError> {
    let mut index = git
        .index()
        .map_err(|e| StoreError::git("open the index", e))?;
    index
        .read(true)
        .map_err(|e| StoreError::git("read the index", e))?;
    Ok(index)
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn init_creates_dir_with_main_branch_and_reopens() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nested/atlas");
        let repo = Repo::init(&dir).unwrap();
        assert_eq!(repo.root(), fs_err::canonicalize(&dir).unwrap());
        assert!(repo.git_dir().ends_with(".git"));
        assert_eq!(repo.head().unwrap(), None);
        let head = fs_err::read_to_string(repo.git_dir().join("HEAD")).unwrap();
        assert_eq!(head.trim(), "ref: refs/heads/main");
        // init on an existing repository opens it.
        let again = Repo::init(&dir).unwrap();
        assert_eq!(again.root(), repo.root());
    }

    #[test]
    fn open_missing_dir_is_not_found() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("missing");
        let err = Repo::open(&missing).unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
        assert!(!missing.exists());
    }

    #[test]
    fn open_plain_dir_is_not_a_repository_with_hint() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Repo::open(tmp.path()).unwrap_err();
        assert!(matches!(err, StoreError::NotARepository { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("is not a git repository"), "{message}");
        assert!(message.contains("tenant-atlas init"), "{message}");
        assert!(
            message.contains(&tmp.path().display().to_string()),
            "{message}"
        );
        assert!(dir_state(tmp.path()).is_empty());
    }

    #[test]
    fn open_subdirectory_or_git_dir_is_not_a_repository() {
        let tmp = tempfile::tempdir().unwrap();
        Repo::init(tmp.path()).unwrap();
        fs_err::create_dir(tmp.path().join("sub")).unwrap();
        let sub = Repo::open(&tmp.path().join("sub")).unwrap_err();
        assert!(matches!(sub, StoreError::NotARepository { .. }), "{sub:?}");
        let gitdir = Repo::open(&tmp.path().join(".git")).unwrap_err();
        assert!(
            matches!(gitdir, StoreError::NotARepository { .. }),
            "{gitdir:?}"
        );
    }

    #[test]
    fn open_bare_repository_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        git2::Repository::init_bare(tmp.path()).unwrap();
        let err = Repo::open(tmp.path()).unwrap_err();
        assert!(matches!(err, StoreError::Bare { .. }), "{err:?}");
        let err = Repo::init(tmp.path()).unwrap_err();
        assert!(matches!(err, StoreError::Bare { .. }), "{err:?}");
    }

    #[test]
    fn open_head_pointing_at_missing_object_is_corrupt_and_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        commit_files(&repo, &[("a.yaml", "a")], "first");
        let branch = repo.git_dir().join("refs/heads/main");
        fs_err::write(&branch, format!("{}\n", "1".repeat(40))).unwrap();
        drop(repo);
        let before = dir_state(tmp.path());
        let err = Repo::open(tmp.path()).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("corrupt"), "{err}");
        let err = Repo::init(tmp.path()).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert_eq!(dir_state(tmp.path()), before);
    }

    #[test]
    fn open_with_missing_head_tree_is_corrupt() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let oid = commit_files(&repo, &[("a.yaml", "a")], "first");
        let tree = repo
            .lock_git()
            .find_commit(oid)
            .unwrap()
            .tree_id()
            .to_string();
        let object = repo
            .git_dir()
            .join("objects")
            .join(&tree[..2])
            .join(&tree[2..]);
        drop(repo);
        fs_err::remove_file(object).unwrap();
        let before = dir_state(tmp.path());
        let err = Repo::open(tmp.path()).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("tree"), "{err}");
        assert_eq!(dir_state(tmp.path()), before);
    }

    #[test]
    fn open_garbage_head_is_corrupt() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let head = repo.git_dir().join("HEAD");
        drop(repo);
        fs_err::write(&head, b"this is not a ref\n").unwrap();
        let before = dir_state(tmp.path());
        let err = Repo::open(tmp.path()).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert_eq!(dir_state(tmp.path()), before);
    }

    #[test]
    fn the_configured_author_comes_first_then_git_then_a_default() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let configured = Some(("A B".to_string(), "a@b.c".to_string()));
        assert_eq!(repo.author(configured).email, "a@b.c");
        if repo.config_identity().is_none() {
            assert_eq!(repo.author(None).email, "atlas@localhost");
        }
    }

    #[test]
    fn config_identity_reads_repository_config() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        {
            let git = repo.lock_git();
            let mut config = git.config().unwrap();
            config.set_str("user.name", "Backup Bot").unwrap();
            config.set_str("user.email", "bot@example.test").unwrap();
        }
        assert_eq!(
            repo.config_identity(),
            Some(Identity {
                name: "Backup Bot".into(),
                email: "bot@example.test".into()
            })
        );
    }

    #[test]
    fn state_dir_is_inside_git_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let state = repo.state_dir().unwrap();
        assert_eq!(state, repo.git_dir().join("atlas"));
        assert!(state.is_dir());
    }

    #[test]
    fn repo_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Repo>();
    }
}
