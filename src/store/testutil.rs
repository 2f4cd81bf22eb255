//! Test helpers shared by the store's unit tests: fixed identities and times, whole-directory
//! snapshots to prove "nothing was written", and a hermetic git CLI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Identity, Repo};

pub(crate) fn identity() -> Identity {
    Identity {
        name: "Atlas Test".into(),
        email: "atlas@example.test".into(),
    }
}

pub(crate) fn fixed_time() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_767_225_600).unwrap() // 2026-01-01T00:00:00Z
}

/// Stages `files` (root-relative) one by one and commits them at the fixed time.
pub(crate) fn commit_files(repo: &Repo, files: &[(&str, &str)], message: &str) -> git2::Oid {
    for (path, content) in files {
        repo.stage_file(path, content.as_bytes()).unwrap();
    }
    repo.commit(message, &identity(), fixed_time())
        .unwrap()
        .expect("a commit")
}

/// Every file below `dir` (including `.git`) with its bytes.
pub(crate) fn dir_state(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    collect(dir, &mut out);
    out
}

fn collect(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in fs_err::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            collect(&path, out);
        } else {
            out.insert(path.clone(), fs_err::read(&path).unwrap_or_default());
        }
    }
}

/// Environment that makes the git CLI ignore the machine's configuration.
pub(crate) fn hermetic_env(home: &Path) -> Vec<(String, String)> {
    let home = home.display().to_string();
    vec![
        ("HOME".into(), home.clone()),
        ("XDG_CONFIG_HOME".into(), home),
        ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
        ("GIT_AUTHOR_NAME".into(), "Remote Author".into()),
        ("GIT_AUTHOR_EMAIL".into(), "remote@example.test".into()),
        ("GIT_AUTHOR_DATE".into(), "2026-01-02T00:00:00Z".into()),
        ("GIT_COMMITTER_NAME".into(), "Remote Author".into()),
        ("GIT_COMMITTER_EMAIL".into(), "remote@example.test".into()),
        ("GIT_COMMITTER_DATE".into(), "2026-01-02T00:00:00Z".into()),
    ]
}

/// Runs the git CLI hermetically in `cwd`; panics with its stderr on failure.
pub(crate) fn git(cwd: &Path, home: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(cwd)
        .args(args)
        .envs(hermetic_env(home))
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
