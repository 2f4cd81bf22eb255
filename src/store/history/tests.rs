//! Tests of commits and history reads.

use super::super::testutil::*;
use super::*;

fn new_repo() -> (tempfile::TempDir, Repo) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path()).unwrap();
    (tmp, repo)
}

#[test]
fn commit_uses_given_identity_time_and_message() {
    let (_tmp, repo) = new_repo();
    repo.stage_file("tenants/c/a.yaml", b"a\n").unwrap();
    let message =
        "backup(c): 1 added, 0 changed, 0 removed\n\n- a\n\nAtlas-Run: r1\nAtlas-Tenant: c";
    let oid = repo
        .commit(message, &identity(), fixed_time())
        .unwrap()
        .unwrap();
    let git = repo.lock_git();
    let commit = git.find_commit(oid).unwrap();
    assert_eq!(commit.author().name().unwrap(), "Atlas Test");
    assert_eq!(commit.author().email().unwrap(), "atlas@example.test");
    assert_eq!(commit.committer().name().unwrap(), "Atlas Test");
    assert_eq!(commit.time().seconds(), fixed_time().as_second());
    assert_eq!(commit.author().when().seconds(), fixed_time().as_second());
    assert_eq!(commit.message().unwrap(), format!("{message}\n"));
    assert_eq!(commit.parent_count(), 0);
    let trailers = git2::message_trailers_strs(commit.message().unwrap()).unwrap();
    let pairs: Vec<_> = trailers.iter().collect();
    assert_eq!(pairs, vec![("Atlas-Run", "r1"), ("Atlas-Tenant", "c")]);
}

#[test]
fn fixed_time_gives_reproducible_commit_ids() {
    let build = || {
        let (tmp, repo) = new_repo();
        repo.stage_file("tenants/c/a.yaml", b"a\n").unwrap();
        let first = repo
            .commit("one", &identity(), fixed_time())
            .unwrap()
            .unwrap();
        repo.stage_file("tenants/c/b.yaml", b"b\n").unwrap();
        let second = repo
            .commit("two", &identity(), fixed_time())
            .unwrap()
            .unwrap();
        drop(tmp);
        (first, second)
    };
    let a = build();
    let b = build();
    assert_eq!(a, b);
    // A different time gives a different id.
    let (_tmp, repo) = new_repo();
    repo.stage_file("tenants/c/a.yaml", b"a\n").unwrap();
    let later = jiff::Timestamp::from_second(fixed_time().as_second() + 1).unwrap();
    let other = repo.commit("one", &identity(), later).unwrap().unwrap();
    assert_ne!(other, a.0);
}

#[test]
fn second_commit_has_parent_and_nothing_staged_means_none() {
    let (_tmp, repo) = new_repo();
    assert!(!repo.has_staged_changes().unwrap());
    assert_eq!(
        repo.commit("empty", &identity(), fixed_time()).unwrap(),
        None
    );
    assert_eq!(repo.head().unwrap(), None);
    let first = commit_files(&repo, &[("a", "1")], "first");
    let second = commit_files(&repo, &[("a", "2")], "second");
    let git = repo.lock_git();
    assert_eq!(
        git.find_commit(second).unwrap().parent_id(0).unwrap(),
        first
    );
    drop(git);
    assert_eq!(
        repo.commit("again", &identity(), fixed_time()).unwrap(),
        None
    );
    assert_eq!(repo.head().unwrap(), Some(second));
}

#[test]
fn empty_message_is_refused() {
    let (_tmp, repo) = new_repo();
    repo.stage_file("a", b"a").unwrap();
    assert!(matches!(
        repo.commit("  \n\n", &identity(), fixed_time()),
        Err(StoreError::EmptyMessage)
    ));
}

#[test]
fn moved_branch_is_detected_by_compare_and_swap() {
    let (tmp, repo) = new_repo();
    let first = commit_files(&repo, &[("a", "1")], "first");
    // Another writer (a second handle on the same repository) commits in between.
    let other = Repo::open(tmp.path()).unwrap();
    let theirs = commit_files(&other, &[("b", "2")], "theirs");
    assert_ne!(theirs, first);
    // Our commit re-reads the branch, so it builds on theirs rather than losing it.
    let ours = commit_files(&repo, &[("c", "3")], "ours");
    let git = repo.lock_git();
    assert_eq!(git.find_commit(ours).unwrap().parent_id(0).unwrap(), theirs);
}

#[test]
fn stale_old_head_fails_the_compare_and_swap() {
    let (_tmp, repo) = new_repo();
    let first = commit_files(&repo, &[("a", "1")], "first");
    let second = commit_files(&repo, &[("a", "2")], "second");
    let git = repo.lock_git();
    let err = advance_branch(&git, "refs/heads/main", first, Some(first), "x").unwrap_err();
    assert!(matches!(err, StoreError::Concurrent { .. }), "{err:?}");
    let err = advance_branch(&git, "refs/heads/main", first, None, "x").unwrap_err();
    assert!(matches!(err, StoreError::Concurrent { .. }), "{err:?}");
    assert_eq!(git.refname_to_id("refs/heads/main").unwrap(), second);
}

#[test]
fn detached_head_is_refused() {
    let (_tmp, repo) = new_repo();
    let first = commit_files(&repo, &[("a", "1")], "first");
    repo.lock_git().set_head_detached(first).unwrap();
    repo.stage_file("b", b"2").unwrap();
    assert!(matches!(
        repo.commit("x", &identity(), fixed_time()),
        Err(StoreError::DetachedHead { .. })
    ));
}

#[test]
fn read_at_any_revision() {
    let (_tmp, repo) = new_repo();
    let first = commit_files(&repo, &[("tenants/c/p.yaml", "v1\n")], "first");
    let second = commit_files(&repo, &[("tenants/c/p.yaml", "v2\n")], "second");
    let read = |rev: &str| repo.read_at(rev, "tenants/c/p.yaml").unwrap();
    assert_eq!(read(&first.to_string()).as_deref(), Some(&b"v1\n"[..]));
    assert_eq!(read(&second.to_string()).as_deref(), Some(&b"v2\n"[..]));
    assert_eq!(read("HEAD").as_deref(), Some(&b"v2\n"[..]));
    assert_eq!(read("main").as_deref(), Some(&b"v2\n"[..]));
    assert_eq!(read("HEAD~1").as_deref(), Some(&b"v1\n"[..]));
    assert_eq!(
        repo.read_at("HEAD", "tenants/c/missing.yaml").unwrap(),
        None
    );
    assert_eq!(repo.read_at("HEAD", "tenants/c").unwrap(), None);
    assert!(matches!(
        repo.read_at("no-such-branch", "tenants/c/p.yaml"),
        Err(StoreError::RevNotFound { .. })
    ));
    assert!(matches!(
        repo.read_at("HEAD", "../x"),
        Err(StoreError::UnsafePath { .. })
    ));
}

#[test]
fn unborn_head_reads_as_empty_tree() {
    let (_tmp, repo) = new_repo();
    assert_eq!(repo.read_at("HEAD", "a").unwrap(), None);
    assert_eq!(
        repo.list_at("HEAD", "tenants/c").unwrap(),
        Vec::<String>::new()
    );
    assert!(matches!(
        repo.read_at("main", "a"),
        Err(StoreError::RevNotFound { .. })
    ));
}

#[test]
fn list_at_is_relative_sorted_and_scoped() {
    let (_tmp, repo) = new_repo();
    let first = commit_files(
        &repo,
        &[
            ("tenants/c/z.yaml", "z"),
            ("tenants/c/a/b.yaml", "b"),
            ("tenants/c/a-c.yaml", "ac"),
            ("tenants/d/x.yaml", "x"),
            ("atlas.yaml", "t"),
        ],
        "first",
    );
    assert_eq!(
        repo.list_at("HEAD", "tenants/c").unwrap(),
        vec!["a-c.yaml", "a/b.yaml", "z.yaml"]
    );
    assert_eq!(
        repo.list_at("HEAD", "tenants/none").unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        repo.list_at("HEAD", "atlas.yaml").unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(repo.list_at(&first.to_string(), "").unwrap().len(), 5);
}

#[test]
fn symlinks_in_history_are_not_read() {
    let (_tmp, repo) = new_repo();
    commit_files(&repo, &[("tenants/c/a.yaml", "a")], "first");
    // Craft a commit holding a symlink entry, as a hostile restore source might.
    let oid = {
        let git = repo.lock_git();
        let target = git.blob(b"/etc/passwd").unwrap();
        let head = git.head().unwrap().peel_to_commit().unwrap();
        let mut builder = git.treebuilder(None).unwrap();
        builder.insert("link", target, 0o120000).unwrap();
        let tree_id = builder.write().unwrap();
        let tree = git.find_tree(tree_id).unwrap();
        let sig = git2::Signature::new("x", "x@example.test", &git2::Time::new(0, 0)).unwrap();
        git.commit(None, &sig, &sig, "hostile", &tree, &[&head])
            .unwrap()
    };
    let rev = oid.to_string();
    assert!(matches!(
        repo.read_at(&rev, "link"),
        Err(StoreError::UnsafePath { .. })
    ));
    assert_eq!(repo.list_at(&rev, "").unwrap(), Vec::<String>::new());
}
