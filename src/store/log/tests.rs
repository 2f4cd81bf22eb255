//! Tests of history listing: paths, time window, limit, start revision, following renames, merges.

use super::super::revisions::tests::{day, doc, new_repo, snapshot};
use super::super::testutil::*;
use super::*;

const X_A: &str = "t/a/x--abcd1234.yaml";
const X_B: &str = "t/b/x--abcd1234.yaml";
const Y_B: &str = "t/b/y--abcd1234.yaml";
const O: &str = "t/a/o--11111111.yaml";

/// Six commits, one per day: the policy is added, edited, left alone, moved to another folder
/// (exact rename), renamed with new content (identity rule) and edited again.
fn history(repo: &Repo) -> Vec<git2::Oid> {
    let rel = |p: &'static str| p.strip_prefix("t/").unwrap();
    vec![
        snapshot(
            repo,
            "t",
            &[(rel(X_A), &doc("X", "a")), (rel(O), "o1\n")],
            "c0",
            day(0),
        ),
        snapshot(
            repo,
            "t",
            &[(rel(X_A), &doc("X2", "a")), (rel(O), "o1\n")],
            "c1",
            day(1),
        ),
        snapshot(
            repo,
            "t",
            &[(rel(X_A), &doc("X2", "a")), (rel(O), "o2\n")],
            "c2",
            day(2),
        ),
        snapshot(
            repo,
            "t",
            &[(rel(X_B), &doc("X2", "a")), (rel(O), "o2\n")],
            "c3",
            day(3),
        ),
        snapshot(
            repo,
            "t",
            &[(rel(Y_B), &doc("Y", "b")), (rel(O), "o2\n")],
            "c4",
            day(4),
        ),
        snapshot(
            repo,
            "t",
            &[(rel(Y_B), &doc("Y", "c")), (rel(O), "o3\n")],
            "c5",
            day(5),
        ),
    ]
}

fn summaries(entries: &[LogEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.commit.summary.as_str()).collect()
}

fn kinds(entry: &LogEntry) -> Vec<(ChangeKind, Option<&str>, Option<&str>)> {
    entry
        .changes
        .iter()
        .map(|c| (c.kind, c.old_path.as_deref(), c.new_path.as_deref()))
        .collect()
}

use ChangeKind::{Added, Modified, Removed, Renamed};

#[test]
fn whole_log_is_newest_first_with_changes_against_the_parent() {
    let (_tmp, repo) = new_repo();
    let ids = history(&repo);
    let log = repo.log(&LogQuery::default()).unwrap();
    assert_eq!(summaries(&log), ["c5", "c4", "c3", "c2", "c1", "c0"]);
    assert_eq!(log[0].commit.id, ids[5].to_string());
    assert_eq!(log[5].commit.time, day(0));
    assert_eq!(
        kinds(&log[5]),
        vec![(Added, None, Some(O)), (Added, None, Some(X_A))]
    );
    assert_eq!(kinds(&log[3]), vec![(Modified, Some(O), Some(O))]);
    assert_eq!(kinds(&log[2]), vec![(Renamed, Some(X_A), Some(X_B))]);
    assert_eq!(kinds(&log[1]), vec![(Renamed, Some(X_B), Some(Y_B))]);
}

#[test]
fn paths_keep_only_commits_touching_them() {
    let (_tmp, repo) = new_repo();
    history(&repo);
    let query = |paths: &[&str]| LogQuery {
        paths: paths.iter().map(|p| p.to_string()).collect(),
        ..LogQuery::default()
    };
    let log = repo.log(&query(&["t/a"])).unwrap();
    assert_eq!(summaries(&log), ["c5", "c3", "c2", "c1", "c0"]);
    // A move out of the folder is a removal as seen from the folder.
    assert_eq!(kinds(&log[1]), vec![(Removed, Some(X_A), None)]);
    assert_eq!(kinds(&log[0]), vec![(Modified, Some(O), Some(O))]);
    let log = repo.log(&query(&[Y_B])).unwrap();
    assert_eq!(summaries(&log), ["c5", "c4"]);
    assert_eq!(kinds(&log[1]), vec![(Added, None, Some(Y_B))]);
    let log = repo.log(&query(&["t/b", O])).unwrap();
    assert_eq!(summaries(&log), ["c5", "c4", "c3", "c2", "c0"]);
    assert!(repo.log(&query(&["t/none"])).unwrap().is_empty());
    let err = repo.log(&query(&["t/../etc"])).unwrap_err();
    assert!(matches!(err, StoreError::UnsafePath { .. }), "{err:?}");
}

#[test]
fn since_until_limit_and_start_revision() {
    let (_tmp, repo) = new_repo();
    history(&repo);
    let window = LogQuery {
        since: Some(day(2)),
        until: Some(day(4)),
        ..LogQuery::default()
    };
    assert_eq!(summaries(&repo.log(&window).unwrap()), ["c4", "c3", "c2"]);
    let limited = LogQuery {
        limit: Some(2),
        ..LogQuery::default()
    };
    assert_eq!(summaries(&repo.log(&limited).unwrap()), ["c5", "c4"]);
    let none = LogQuery {
        limit: Some(0),
        ..LogQuery::default()
    };
    assert!(repo.log(&none).unwrap().is_empty());
    let from = LogQuery {
        rev: Some("HEAD~2".into()),
        limit: Some(3),
        ..LogQuery::default()
    };
    assert_eq!(summaries(&repo.log(&from).unwrap()), ["c3", "c2", "c1"]);
    let later = LogQuery {
        since: Some(day(6)),
        ..LogQuery::default()
    };
    assert!(repo.log(&later).unwrap().is_empty());
}

#[test]
fn follow_goes_back_through_two_renames() {
    let (_tmp, repo) = new_repo();
    history(&repo);
    let follow = LogQuery {
        follow: Some(Y_B.into()),
        paths: vec!["ignored/when/following".into()],
        ..LogQuery::default()
    };
    let log = repo.log(&follow).unwrap();
    assert_eq!(summaries(&log), ["c5", "c4", "c3", "c1", "c0"]);
    assert_eq!(kinds(&log[0]), vec![(Modified, Some(Y_B), Some(Y_B))]);
    assert_eq!(kinds(&log[1]), vec![(Renamed, Some(X_B), Some(Y_B))]);
    assert_eq!(kinds(&log[2]), vec![(Renamed, Some(X_A), Some(X_B))]);
    assert_eq!(kinds(&log[3]), vec![(Modified, Some(X_A), Some(X_A))]);
    assert_eq!(kinds(&log[4]), vec![(Added, None, Some(X_A))]);
    // Renames outside the time window are still followed.
    let window = LogQuery {
        until: Some(day(3)),
        ..follow.clone()
    };
    assert_eq!(summaries(&repo.log(&window).unwrap()), ["c3", "c1", "c0"]);
    let limited = LogQuery {
        limit: Some(2),
        ..follow.clone()
    };
    assert_eq!(summaries(&repo.log(&limited).unwrap()), ["c5", "c4"]);
    // Following a path without renames is a plain path log.
    let plain = LogQuery {
        follow: Some(O.into()),
        ..LogQuery::default()
    };
    assert_eq!(summaries(&repo.log(&plain).unwrap()), ["c5", "c2", "c0"]);
    let bad = LogQuery {
        follow: Some("/etc/passwd".into()),
        ..LogQuery::default()
    };
    assert!(matches!(repo.log(&bad), Err(StoreError::UnsafePath { .. })));
}

#[test]
fn unborn_head_is_empty_and_unknown_start_is_an_error() {
    let (_tmp, repo) = new_repo();
    assert!(repo.log(&LogQuery::default()).unwrap().is_empty());
    commit_files(&repo, &[("a", "1")], "first");
    let err = repo
        .log(&LogQuery {
            rev: Some("nope".into()),
            ..LogQuery::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::RevNotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("\"nope\""), "{err}");
}

#[test]
fn merge_commits_are_compared_with_their_first_parent() {
    let (tmp, repo) = new_repo();
    let home = tempfile::tempdir().unwrap();
    let root = tmp.path();
    commit_files(&repo, &[("a.yaml", "a\n")], "base");
    git(root, home.path(), &["checkout", "-q", "-b", "side"]);
    fs_err::write(root.join("b.yaml"), "b\n").unwrap();
    git(root, home.path(), &["add", "b.yaml"]);
    git(root, home.path(), &["commit", "-q", "-m", "side"]);
    git(root, home.path(), &["checkout", "-q", "main"]);
    fs_err::write(root.join("c.yaml"), "c\n").unwrap();
    git(root, home.path(), &["add", "c.yaml"]);
    git(root, home.path(), &["commit", "-q", "-m", "main"]);
    git(
        root,
        home.path(),
        &["merge", "-q", "--no-edit", "-m", "merge", "side"],
    );
    let log = repo.log(&LogQuery::default()).unwrap();
    assert_eq!(log.len(), 4, "{:?}", summaries(&log));
    assert_eq!(log[0].commit.summary, "merge");
    assert_eq!(kinds(&log[0]), vec![(Added, None, Some("b.yaml"))]);
    assert_eq!(log[3].commit.summary, "base");
    let mut middle = summaries(&log[1..3]);
    middle.sort();
    assert_eq!(middle, ["main", "side"]);
    let only_b = repo
        .log(&LogQuery {
            paths: vec!["b.yaml".into()],
            ..LogQuery::default()
        })
        .unwrap();
    assert_eq!(summaries(&only_b), ["merge", "side"]);
    let only_c = repo
        .log(&LogQuery {
            paths: vec!["c.yaml".into()],
            ..LogQuery::default()
        })
        .unwrap();
    assert_eq!(summaries(&only_c), ["main"]);
}
