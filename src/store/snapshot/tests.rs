//! Tests of snapshot staging: exact trees, unchanged mtimes, removals, `keep`, unsafe paths.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::super::testutil::*;
use super::*;

const PREFIX: &str = "tenants/contoso";

fn snapshot(entries: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    entries
        .iter()
        .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
        .collect()
}

fn keep_none(_: &str) -> bool {
    false
}

fn new_repo() -> (tempfile::TempDir, Repo) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path()).unwrap();
    (tmp, repo)
}

fn set_old_mtime(path: &Path) -> SystemTime {
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_800);
    let file = fs_err::OpenOptions::new().write(true).open(path).unwrap();
    file.file().set_modified(old).unwrap();
    old
}

fn mtime(path: &Path) -> SystemTime {
    fs_err::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn stage_and_commit_records_exact_tree() {
    let (_tmp, repo) = new_repo();
    let files = snapshot(&[
        ("tenant.yaml", "id: 1\n"),
        (
            "settingsCatalog/edge--8d2f3c1e.yaml",
            "kind: settingsCatalog\n",
        ),
        (
            "powershellScripts/s--11112222.ps1",
            "\u{feff}Write-Host 1\r\n\tdone\r\n",
        ),
    ]);
    let summary = repo.stage_snapshot(PREFIX, &files, &keep_none).unwrap();
    assert_eq!(
        summary.added,
        vec![
            "powershellScripts/s--11112222.ps1",
            "settingsCatalog/edge--8d2f3c1e.yaml",
            "tenant.yaml"
        ]
    );
    assert!(summary.changed.is_empty() && summary.removed.is_empty());
    assert!(repo.has_staged_changes().unwrap());
    let oid = repo
        .commit("backup(contoso): 3 added", &identity(), fixed_time())
        .unwrap()
        .unwrap();
    assert_eq!(repo.head().unwrap(), Some(oid));
    let listed = repo.list_at("HEAD", PREFIX).unwrap();
    assert_eq!(listed, files.keys().cloned().collect::<Vec<_>>());
    for (rel, bytes) in &files {
        let got = repo
            .read_at(&oid.to_string(), &format!("{PREFIX}/{rel}"))
            .unwrap();
        assert_eq!(got.as_deref(), Some(bytes.as_slice()), "{rel}");
        assert_eq!(
            &fs_err::read(repo.root().join(PREFIX).join(rel)).unwrap(),
            bytes
        );
    }
    // The whole tree holds nothing else.
    assert_eq!(repo.list_at("HEAD", "").unwrap().len(), 3);
}

#[test]
fn identical_second_stage_changes_nothing_and_keeps_mtime() {
    let (_tmp, repo) = new_repo();
    let files = snapshot(&[("a/one.yaml", "1\n"), ("b/two.yaml", "2\n")]);
    repo.stage_snapshot(PREFIX, &files, &keep_none).unwrap();
    let first = repo.commit("first", &identity(), fixed_time()).unwrap();
    assert!(first.is_some());
    let one = repo.root().join(PREFIX).join("a/one.yaml");
    let old = set_old_mtime(&one);

    let summary = repo.stage_snapshot(PREFIX, &files, &keep_none).unwrap();
    assert!(summary.is_empty(), "{summary:?}");
    assert!(!repo.has_staged_changes().unwrap());
    assert_eq!(
        repo.commit("second", &identity(), fixed_time()).unwrap(),
        None
    );
    assert_eq!(repo.head().unwrap(), first);
    assert_eq!(mtime(&one), old, "an unchanged file must not be rewritten");
}

#[test]
fn changed_file_is_rewritten_and_reported() {
    let (_tmp, repo) = new_repo();
    repo.stage_snapshot(
        PREFIX,
        &snapshot(&[("a.yaml", "1\n"), ("b.yaml", "b\n")]),
        &keep_none,
    )
    .unwrap();
    repo.commit("first", &identity(), fixed_time()).unwrap();
    let a = repo.root().join(PREFIX).join("a.yaml");
    let old = set_old_mtime(&a);
    let summary = repo
        .stage_snapshot(
            PREFIX,
            &snapshot(&[("a.yaml", "2\n"), ("b.yaml", "b\n")]),
            &keep_none,
        )
        .unwrap();
    assert_eq!(summary.changed, vec!["a.yaml"]);
    assert!(summary.added.is_empty() && summary.removed.is_empty());
    assert_ne!(mtime(&a), old);
    assert_eq!(fs_err::read(&a).unwrap(), b"2\n");
}

#[test]
fn removed_objects_are_deleted_and_directories_pruned() {
    let (_tmp, repo) = new_repo();
    let files = snapshot(&[
        ("tenant.yaml", "t\n"),
        ("deviceConfigurations/x--aaaaaaaa.yaml", "x\n"),
        ("scripts/deep/y--bbbbbbbb.ps1", "y\n"),
    ]);
    repo.stage_snapshot(PREFIX, &files, &keep_none).unwrap();
    repo.commit("first", &identity(), fixed_time()).unwrap();

    let summary = repo
        .stage_snapshot(PREFIX, &snapshot(&[("tenant.yaml", "t\n")]), &keep_none)
        .unwrap();
    assert_eq!(
        summary.removed,
        vec![
            "deviceConfigurations/x--aaaaaaaa.yaml",
            "scripts/deep/y--bbbbbbbb.ps1"
        ]
    );
    let base = repo.root().join(PREFIX);
    assert!(!base.join("deviceConfigurations").exists());
    assert!(!base.join("scripts").exists());
    assert!(base.join("tenant.yaml").exists());
    repo.commit("second", &identity(), fixed_time()).unwrap();
    assert_eq!(repo.list_at("HEAD", PREFIX).unwrap(), vec!["tenant.yaml"]);
}

#[test]
fn keep_preserves_files_of_failed_types() {
    let (_tmp, repo) = new_repo();
    let files = snapshot(&[
        ("tenant.yaml", "t\n"),
        ("compliancePolicies/c--cccccccc.yaml", "c\n"),
        ("settingsCatalog/s--dddddddd.yaml", "s\n"),
    ]);
    repo.stage_snapshot(PREFIX, &files, &keep_none).unwrap();
    repo.commit("first", &identity(), fixed_time()).unwrap();

    // settingsCatalog failed this run: its files are kept, compliance was exported empty.
    let keep = |p: &str| p.starts_with("settingsCatalog/");
    let summary = repo
        .stage_snapshot(PREFIX, &snapshot(&[("tenant.yaml", "t2\n")]), &keep)
        .unwrap();
    assert_eq!(summary.removed, vec!["compliancePolicies/c--cccccccc.yaml"]);
    assert_eq!(summary.changed, vec!["tenant.yaml"]);
    assert!(
        repo.root()
            .join(PREFIX)
            .join("settingsCatalog/s--dddddddd.yaml")
            .exists()
    );
    repo.commit("second", &identity(), fixed_time()).unwrap();
    assert_eq!(
        repo.list_at("HEAD", PREFIX).unwrap(),
        vec!["settingsCatalog/s--dddddddd.yaml", "tenant.yaml"]
    );
}

#[test]
fn kept_file_missing_from_work_tree_is_restored_from_index() {
    let (_tmp, repo) = new_repo();
    let files = snapshot(&[
        ("settingsCatalog/s--dddddddd.yaml", "s\n"),
        ("t.yaml", "t\n"),
    ]);
    repo.stage_snapshot(PREFIX, &files, &keep_none).unwrap();
    repo.commit("first", &identity(), fixed_time()).unwrap();
    let kept = repo
        .root()
        .join(PREFIX)
        .join("settingsCatalog/s--dddddddd.yaml");
    fs_err::remove_file(&kept).unwrap();
    let summary = repo
        .stage_snapshot(PREFIX, &snapshot(&[("t.yaml", "t\n")]), &|p: &str| {
            p.starts_with("settingsCatalog/")
        })
        .unwrap();
    assert!(summary.is_empty(), "{summary:?}");
    assert_eq!(fs_err::read(&kept).unwrap(), b"s\n");
}

#[test]
fn other_prefixes_and_files_are_untouched() {
    let (_tmp, repo) = new_repo();
    repo.stage_file("atlas.yaml", b"tenants: []\n").unwrap();
    repo.stage_snapshot("tenants/other", &snapshot(&[("o.yaml", "o\n")]), &keep_none)
        .unwrap();
    repo.stage_snapshot(PREFIX, &snapshot(&[("c.yaml", "c\n")]), &keep_none)
        .unwrap();
    repo.commit("first", &identity(), fixed_time()).unwrap();
    repo.stage_snapshot(PREFIX, &BTreeMap::new(), &keep_none)
        .unwrap();
    repo.commit("second", &identity(), fixed_time()).unwrap();
    assert_eq!(
        repo.list_at("HEAD", "").unwrap(),
        vec!["atlas.yaml", "tenants/other/o.yaml"]
    );
    assert!(!repo.root().join(PREFIX).exists());
}

#[test]
fn uncommitted_leftovers_and_temp_files_are_cleaned() {
    let (_tmp, repo) = new_repo();
    let base = repo.root().join(PREFIX);
    fs_err::create_dir_all(base.join("settingsCatalog")).unwrap();
    fs_err::write(base.join("settingsCatalog/.atlas-tmp-1-2"), b"partial").unwrap();
    fs_err::write(base.join("stray.yaml"), b"stray").unwrap();
    let summary = repo
        .stage_snapshot(PREFIX, &snapshot(&[("a.yaml", "a\n")]), &|_: &str| false)
        .unwrap();
    assert_eq!(summary.added, vec!["a.yaml"]);
    assert!(
        summary.removed.is_empty(),
        "never committed, so not reported"
    );
    assert!(!base.join("settingsCatalog").exists());
    assert!(!base.join("stray.yaml").exists());
    // A keep predicate never preserves temp files.
    fs_err::write(base.join(".atlas-tmp-9-9"), b"partial").unwrap();
    repo.stage_snapshot(PREFIX, &snapshot(&[("a.yaml", "a\n")]), &|_: &str| true)
        .unwrap();
    assert!(!base.join(".atlas-tmp-9-9").exists());
}

#[test]
fn unsafe_paths_are_refused_before_writing() {
    let (tmp, repo) = new_repo();
    let before = dir_state(tmp.path());
    for bad in [
        "../escape.yaml",
        "/abs.yaml",
        ".git/hooks/pre-commit",
        "a/.GIT/config",
        "a\\b.yaml",
        "nul\0.yaml",
        "CON.yaml",
        "a:b.yaml",
        "trailing.",
    ] {
        let files = snapshot(&[("fine.yaml", "ok\n"), (bad, "bad\n")]);
        let err = repo.stage_snapshot(PREFIX, &files, &keep_none).unwrap_err();
        assert!(
            matches!(err, StoreError::UnsafePath { .. }),
            "{bad:?}: {err:?}"
        );
    }
    for bad_prefix in ["", "../x", "tenants/../..", ".git"] {
        let err = repo
            .stage_snapshot(bad_prefix, &snapshot(&[("a", "a")]), &keep_none)
            .unwrap_err();
        assert!(
            matches!(err, StoreError::UnsafePath { .. }),
            "{bad_prefix:?}"
        );
    }
    let clash = snapshot(&[("a.yaml", "1"), ("A.yaml", "2")]);
    assert!(repo.stage_snapshot(PREFIX, &clash, &keep_none).is_err());
    let clash = snapshot(&[("a", "1"), ("a/b", "2")]);
    assert!(repo.stage_snapshot(PREFIX, &clash, &keep_none).is_err());
    assert_eq!(dir_state(tmp.path()), before, "nothing may be written");
}

#[cfg(unix)]
#[test]
fn symlinks_are_never_written_through() {
    let (tmp, repo) = new_repo();
    let outside = tempfile::tempdir().unwrap();
    fs_err::create_dir_all(repo.root().join("tenants")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.root().join(PREFIX)).unwrap();
    let err = repo
        .stage_snapshot(PREFIX, &snapshot(&[("a.yaml", "a")]), &keep_none)
        .unwrap_err();
    assert!(matches!(err, StoreError::UnsafePath { .. }), "{err:?}");
    assert_eq!(fs_err::read_dir(outside.path()).unwrap().count(), 0);
    fs_err::remove_file(repo.root().join(PREFIX)).unwrap();

    // A symlinked type directory inside the prefix is replaced by a real directory.
    let base = repo.root().join(PREFIX);
    fs_err::create_dir_all(&base).unwrap();
    std::os::unix::fs::symlink(outside.path(), base.join("settingsCatalog")).unwrap();
    repo.stage_snapshot(
        PREFIX,
        &snapshot(&[("settingsCatalog/s.yaml", "s")]),
        &|_: &str| true,
    )
    .unwrap();
    assert!(
        fs_err::symlink_metadata(base.join("settingsCatalog"))
            .unwrap()
            .is_dir()
    );
    assert_eq!(fs_err::read_dir(outside.path()).unwrap().count(), 0);
    drop(tmp);
}

#[test]
fn kept_file_clashing_with_new_file_is_refused() {
    let (tmp, repo) = new_repo();
    repo.stage_snapshot(PREFIX, &snapshot(&[("x/a.yaml", "a")]), &keep_none)
        .unwrap();
    let before = dir_state(tmp.path());
    let err = repo
        .stage_snapshot(PREFIX, &snapshot(&[("x", "file now")]), &|_: &str| true)
        .unwrap_err();
    assert!(matches!(err, StoreError::UnsafePath { .. }), "{err:?}");
    assert_eq!(dir_state(tmp.path()), before);
}

#[test]
fn file_may_replace_a_directory_of_removed_files() {
    let (_tmp, repo) = new_repo();
    repo.stage_snapshot(PREFIX, &snapshot(&[("x/a.yaml", "a")]), &keep_none)
        .unwrap();
    let summary = repo
        .stage_snapshot(PREFIX, &snapshot(&[("x", "file now")]), &keep_none)
        .unwrap();
    assert_eq!(summary.added, vec!["x"]);
    assert_eq!(
        fs_err::read(repo.root().join(PREFIX).join("x")).unwrap(),
        b"file now"
    );
}

#[test]
fn stage_file_writes_and_stages_one_file() {
    let (_tmp, repo) = new_repo();
    let path = "runs/contoso/2026/01/r1.yaml";
    repo.stage_file(path, b"run: 1\n").unwrap();
    assert!(repo.has_staged_changes().unwrap());
    repo.commit("run log", &identity(), fixed_time()).unwrap();
    assert_eq!(
        repo.read_at("HEAD", path).unwrap().as_deref(),
        Some(&b"run: 1\n"[..])
    );
    repo.stage_file(path, b"run: 1\n").unwrap();
    assert!(!repo.has_staged_changes().unwrap());
    assert!(matches!(
        repo.stage_file("../x", b"x"),
        Err(StoreError::UnsafePath { .. })
    ));
    assert!(matches!(
        repo.stage_file("runs", b"x"),
        Err(StoreError::UnsafePath { .. })
    ));
}

#[test]
fn git_cli_sees_a_clean_work_tree_after_commit() {
    let (tmp, repo) = new_repo();
    let files = snapshot(&[("a.yaml", "a\n"), ("s/b.ps1", "x\r\ny\r\n")]);
    repo.stage_snapshot(PREFIX, &files, &keep_none).unwrap();
    repo.commit("first", &identity(), fixed_time()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let status = git(tmp.path(), home.path(), &["status", "--porcelain"]);
    assert_eq!(status, "");
}
