//! Tests of pushing to a local bare remote through the git CLI, hermetically.

use std::path::PathBuf;

use super::super::testutil::*;
use super::*;

struct Setup {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    remote: PathBuf,
    repo: Repo,
}

impl Setup {
    fn env(&self) -> Vec<(String, String)> {
        hermetic_env(&self.home)
    }

    /// A second clone that commits `content` at `path` and pushes it to the remote.
    fn remote_commit(&self, name: &str, path: &str, content: &str) {
        let clone = self._tmp.path().join(name);
        let remote = self.remote.display().to_string();
        let clone_str = clone.display().to_string();
        git(
            self._tmp.path(),
            &self.home,
            &["clone", "-q", &remote, &clone_str],
        );
        let file = clone.join(path);
        fs_err::create_dir_all(file.parent().unwrap()).unwrap();
        fs_err::write(&file, content).unwrap();
        git(&clone, &self.home, &["add", "--", path]);
        git(
            &clone,
            &self.home,
            &["commit", "-q", "-m", "concurrent change"],
        );
        git(
            &clone,
            &self.home,
            &["push", "-q", "origin", "HEAD:refs/heads/main"],
        );
    }

    fn remote_head(&self) -> String {
        git(&self.remote, &self.home, &["rev-parse", "refs/heads/main"])
            .trim()
            .to_string()
    }
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    fs_err::create_dir(&home).unwrap();
    let remote = tmp.path().join("remote.git");
    git(
        tmp.path(),
        &home,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            &remote.display().to_string(),
        ],
    );
    let repo = Repo::init(&tmp.path().join("local")).unwrap();
    repo.lock_git()
        .remote("origin", &remote.display().to_string())
        .unwrap();
    Setup {
        _tmp: tmp,
        home,
        remote,
        repo,
    }
}

#[test]
fn push_to_local_bare_remote() {
    let s = setup();
    let oid = commit_files(
        &s.repo,
        &[("tenants/c/a.yaml", "a\n")],
        "backup(c): 1 added",
    );
    let outcome = push_with_env(&s.repo, "origin", "main", &s.env()).unwrap();
    assert_eq!(
        outcome,
        PushOutcome {
            attempts: 1,
            rebased: false
        }
    );
    assert_eq!(s.remote_head(), oid.to_string());
    // Nothing new: pushing again is accepted and changes nothing.
    let again = push_with_env(&s.repo, "origin", "main", &s.env()).unwrap();
    assert_eq!(again.attempts, 1);
    assert_eq!(s.remote_head(), oid.to_string());
}

#[test]
fn concurrent_remote_commit_on_other_paths_is_rebased_and_pushed() {
    let s = setup();
    commit_files(&s.repo, &[("tenants/c/a.yaml", "a\n")], "first");
    push_with_env(&s.repo, "origin", "main", &s.env()).unwrap();
    s.remote_commit("other", "tenants/d/d.yaml", "d\n");
    let ours = commit_files(&s.repo, &[("tenants/c/b.yaml", "b\n")], "second");

    let outcome = push_with_env(&s.repo, "origin", "main", &s.env()).unwrap();
    assert_eq!(
        outcome,
        PushOutcome {
            attempts: 2,
            rebased: true
        }
    );
    let head = s.repo.head().unwrap().unwrap();
    assert_ne!(head, ours, "our commit was rebased");
    assert_eq!(s.remote_head(), head.to_string());
    for path in ["tenants/c/a.yaml", "tenants/c/b.yaml", "tenants/d/d.yaml"] {
        assert!(s.repo.read_at("HEAD", path).unwrap().is_some(), "{path}");
        assert!(s.repo.root().join(path).exists(), "{path}");
    }
    // The store keeps working on the rebased branch.
    assert!(!s.repo.has_staged_changes().unwrap());
    commit_files(&s.repo, &[("tenants/c/e.yaml", "e\n")], "third");
    assert_eq!(
        push_with_env(&s.repo, "origin", "main", &s.env())
            .unwrap()
            .attempts,
        1
    );
}

#[test]
fn conflicting_remote_commit_fails_and_leaves_local_repo_unchanged() {
    let s = setup();
    commit_files(&s.repo, &[("tenants/c/a.yaml", "a\n")], "first");
    push_with_env(&s.repo, "origin", "main", &s.env()).unwrap();
    s.remote_commit("other", "tenants/c/a.yaml", "theirs\n");
    let ours = commit_files(&s.repo, &[("tenants/c/a.yaml", "ours\n")], "second");
    let remote_before = s.remote_head();

    let err = push_with_env(&s.repo, "origin", "main", &s.env()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, StoreError::Push { .. }), "{err:?}");
    assert!(message.contains("tenants/c/a.yaml"), "{message}");
    assert!(message.contains("conflict"), "{message}");
    assert_eq!(s.repo.head().unwrap(), Some(ours));
    assert_eq!(
        fs_err::read(s.repo.root().join("tenants/c/a.yaml")).unwrap(),
        b"ours\n"
    );
    assert!(!s.repo.git_dir().join("rebase-merge").exists());
    assert!(!s.repo.git_dir().join("rebase-apply").exists());
    assert!(!s.repo.has_staged_changes().unwrap());
    assert_eq!(s.remote_head(), remote_before);
}

#[test]
fn push_to_missing_remote_is_a_clear_error() {
    let s = setup();
    commit_files(&s.repo, &[("a", "a")], "first");
    let err = push_with_env(&s.repo, "nowhere", "main", &s.env()).unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
    assert!(matches!(
        push_with_env(&s.repo, "--force", "main", &s.env()),
        Err(StoreError::Push { .. })
    ));
    assert!(matches!(
        push_with_env(&s.repo, "origin", "bad..name", &s.env()),
        Err(StoreError::Push { .. })
    ));
}

#[test]
fn credentials_in_urls_are_scrubbed() {
    assert_eq!(
        scrub_userinfo("fatal: unable to access 'https://user:ghp_secret@github.com/o/r.git/'"),
        "fatal: unable to access 'https://***@github.com/o/r.git/'"
    );
    assert_eq!(
        scrub_userinfo("https://x-access-token:abc@h/r and ssh://git@h:22/r"),
        "https://***@h/r and ssh://***@h:22/r"
    );
    assert_eq!(scrub_userinfo("no urls here"), "no urls here");
    assert_eq!(scrub_userinfo("file:///tmp/a@b"), "file:///tmp/a@b");
}
