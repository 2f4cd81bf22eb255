//! Tests of commit info, tree diffs, the identity rename rule and blob reads.

use super::super::testutil::*;
use super::*;

pub(crate) fn new_repo() -> (tempfile::TempDir, Repo) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path()).unwrap();
    (tmp, repo)
}

/// The fixed time plus `days`.
pub(crate) fn day(days: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(fixed_time().as_second() + days * 86_400).unwrap()
}

/// Makes `prefix` hold exactly `files` (relative to it) and commits at `when`.
pub(crate) fn snapshot(
    repo: &Repo,
    prefix: &str,
    files: &[(&str, &str)],
    message: &str,
    when: jiff::Timestamp,
) -> git2::Oid {
    let map = files
        .iter()
        .map(|(path, content)| (path.to_string(), content.as_bytes().to_vec()))
        .collect();
    repo.stage_snapshot(prefix, &map, &|_| false).unwrap();
    repo.commit(message, &identity(), when)
        .unwrap()
        .expect("a commit")
}

/// A 30-line policy document; documents with the same `variant` differ only in the name line.
pub(crate) fn doc(name: &str, variant: &str) -> String {
    let mut out = format!("kind: deviceConfigurations\nname: {name}\nspec:\n");
    for i in 0..30 {
        out.push_str(&format!("  setting{i:02}: value-{variant}-{i}\n"));
    }
    out
}

fn strings(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

/// (kind, old path, new path) of each change, for compact assertions.
fn summary(changes: &[FileChange]) -> Vec<(ChangeKind, Option<&str>, Option<&str>)> {
    changes
        .iter()
        .map(|c| (c.kind, c.old_path.as_deref(), c.new_path.as_deref()))
        .collect()
}

fn blob_at(repo: &Repo, rev: &str, path: &str) -> String {
    let git = repo.lock_git();
    let tree = git.revparse_single(rev).unwrap().peel_to_tree().unwrap();
    tree.get_path(std::path::Path::new(path))
        .unwrap()
        .id()
        .to_string()
}

use ChangeKind::{Added, Modified, Removed, Renamed};

#[test]
fn added_removed_and_modified_between_commits_with_blob_ids() {
    let (_tmp, repo) = new_repo();
    let t = "tenants/c";
    snapshot(
        &repo,
        t,
        &[
            ("a/x--11111111.yaml", "x1\n"),
            ("a/y--22222222.yaml", "y1\n"),
        ],
        "one",
        day(0),
    );
    snapshot(
        &repo,
        t,
        &[
            ("a/x--11111111.yaml", "x2\n"),
            ("b/z--33333333.yaml", "z1\n"),
        ],
        "two",
        day(1),
    );
    let changes = repo
        .diff(Side::Rev("HEAD~1"), Side::Rev("HEAD"), &[])
        .unwrap();
    assert_eq!(
        summary(&changes),
        vec![
            (
                Modified,
                Some("tenants/c/a/x--11111111.yaml"),
                Some("tenants/c/a/x--11111111.yaml")
            ),
            (Removed, Some("tenants/c/a/y--22222222.yaml"), None),
            (Added, None, Some("tenants/c/b/z--33333333.yaml")),
        ]
    );
    let modified = &changes[0];
    assert_eq!(
        modified.old_blob.as_deref(),
        Some(blob_at(&repo, "HEAD~1", "tenants/c/a/x--11111111.yaml").as_str())
    );
    assert_eq!(
        repo.read_blob(modified.old_blob.as_ref().unwrap()).unwrap(),
        b"x1\n"
    );
    assert_eq!(
        repo.read_blob(modified.new_blob.as_ref().unwrap()).unwrap(),
        b"x2\n"
    );
    assert_eq!(changes[1].new_blob, None);
    assert_eq!(
        repo.read_blob(changes[1].old_blob.as_ref().unwrap())
            .unwrap(),
        b"y1\n"
    );
    assert_eq!(changes[2].old_blob, None);
    assert_eq!(
        repo.read_blob(changes[2].new_blob.as_ref().unwrap())
            .unwrap(),
        b"z1\n"
    );
    // The same sides in reverse order swap added and removed.
    let back = repo
        .diff(Side::Rev("HEAD"), Side::Rev("HEAD~1"), &[])
        .unwrap();
    assert_eq!(
        summary(&back),
        vec![
            (
                Modified,
                Some("tenants/c/a/x--11111111.yaml"),
                Some("tenants/c/a/x--11111111.yaml")
            ),
            (Added, None, Some("tenants/c/a/y--22222222.yaml")),
            (Removed, Some("tenants/c/b/z--33333333.yaml"), None),
        ]
    );
}

#[test]
fn similar_content_with_a_new_name_is_a_rename() {
    let (_tmp, repo) = new_repo();
    snapshot(
        &repo,
        "t",
        &[("old-name.yaml", &doc("Old", "a"))],
        "one",
        day(0),
    );
    snapshot(
        &repo,
        "t",
        &[("new-name.yaml", &doc("New", "a"))],
        "two",
        day(1),
    );
    let changes = repo
        .diff(Side::Rev("HEAD~1"), Side::Rev("HEAD"), &[])
        .unwrap();
    assert_eq!(
        summary(&changes),
        vec![(Renamed, Some("t/old-name.yaml"), Some("t/new-name.yaml"))]
    );
    assert_eq!(
        changes[0].old_blob.as_deref(),
        Some(blob_at(&repo, "HEAD~1", "t/old-name.yaml").as_str())
    );
    assert_eq!(
        changes[0].new_blob.as_deref(),
        Some(blob_at(&repo, "HEAD", "t/new-name.yaml").as_str())
    );
}

#[test]
fn same_id_in_the_same_folder_is_a_rename_even_when_content_differs() {
    let (_tmp, repo) = new_repo();
    snapshot(
        &repo,
        "t",
        &[
            ("k/old--abcd1234.yaml", &doc("Old", "a")),
            ("k/old--abcd1234.detection.ps1", "Write-Output 'old'\n"),
            ("k/keep--99999999.yaml", "same\n"),
        ],
        "one",
        day(0),
    );
    snapshot(
        &repo,
        "t",
        &[
            ("k/new--abcd1234.yaml", &doc("New", "b")),
            ("k/new--abcd1234.detection.ps1", "Get-Date\n"),
            ("k/keep--99999999.yaml", "same\n"),
        ],
        "two",
        day(1),
    );
    let changes = repo
        .diff(Side::Rev("HEAD~1"), Side::Rev("HEAD"), &[])
        .unwrap();
    assert_eq!(
        summary(&changes),
        vec![
            (
                Renamed,
                Some("t/k/old--abcd1234.detection.ps1"),
                Some("t/k/new--abcd1234.detection.ps1")
            ),
            (
                Renamed,
                Some("t/k/old--abcd1234.yaml"),
                Some("t/k/new--abcd1234.yaml")
            ),
        ]
    );
    assert_eq!(
        repo.read_blob(changes[0].new_blob.as_ref().unwrap())
            .unwrap(),
        b"Get-Date\n"
    );
}

#[test]
fn identical_content_under_another_id_is_not_a_rename() {
    let (_tmp, repo) = new_repo();
    let body = doc("Same", "a");
    snapshot(&repo, "t", &[("one--11111111.yaml", &body)], "one", day(0));
    snapshot(&repo, "t", &[("two--22222222.yaml", &body)], "two", day(1));
    let changes = repo
        .diff(Side::Rev("HEAD~1"), Side::Rev("HEAD"), &[])
        .unwrap();
    assert_eq!(
        summary(&changes),
        vec![
            (Removed, Some("t/one--11111111.yaml"), None),
            (Added, None, Some("t/two--22222222.yaml")),
        ]
    );
}

#[test]
fn same_id_in_another_folder_with_other_content_is_not_a_rename() {
    let (_tmp, repo) = new_repo();
    snapshot(
        &repo,
        "t",
        &[("a/x--11111111.yaml", &doc("X", "a"))],
        "one",
        day(0),
    );
    snapshot(
        &repo,
        "t",
        &[("b/x--11111111.yaml", &doc("X", "b"))],
        "two",
        day(1),
    );
    let changes = repo
        .diff(Side::Rev("HEAD~1"), Side::Rev("HEAD"), &[])
        .unwrap();
    assert_eq!(
        summary(&changes),
        vec![
            (Removed, Some("t/a/x--11111111.yaml"), None),
            (Added, None, Some("t/b/x--11111111.yaml")),
        ]
    );
}

#[test]
fn identity_key_reads_slug_id_and_extension() {
    assert_eq!(
        identity_key("t/k/edge--8d2f3c1e.yaml"),
        Some(("t/k", "8d2f3c1e.yaml"))
    );
    assert_eq!(
        identity_key("x--abcd1234.detection.ps1"),
        Some(("", "abcd1234.detection.ps1"))
    );
    assert_eq!(
        identity_key("k/a--0123456789abcdef.yaml"),
        Some(("k", "0123456789abcdef.yaml"))
    );
    for none in [
        "k/tenant.yaml",
        "k/--abcd1234.yaml",
        "k/x--abcd1234",
        "k/x--abcd1234.",
        "k/x--ABCD1234.yaml",
        "k/x--abcd123.yaml",
        "k/x--abcdefgz.yaml",
    ] {
        assert_eq!(identity_key(none), None, "{none}");
    }
}

#[test]
fn prefixes_limit_the_diff_to_folders_and_files() {
    let (_tmp, repo) = new_repo();
    commit_files(
        &repo,
        &[
            ("tenants/c/a.yaml", "1"),
            ("tenants/contoso/a.yaml", "1"),
            ("tenants/c/sub/b.yaml", "1"),
        ],
        "one",
    );
    commit_files(
        &repo,
        &[
            ("tenants/c/a.yaml", "2"),
            ("tenants/contoso/a.yaml", "2"),
            ("tenants/c/sub/b.yaml", "2"),
        ],
        "two",
    );
    let diff = |prefixes: &[&str]| {
        repo.diff(Side::Rev("HEAD~1"), Side::Rev("HEAD"), &strings(prefixes))
            .unwrap()
            .iter()
            .map(|c| c.path().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        diff(&["tenants/c"]),
        ["tenants/c/a.yaml", "tenants/c/sub/b.yaml"]
    );
    assert_eq!(
        diff(&["tenants/c/"]),
        ["tenants/c/a.yaml", "tenants/c/sub/b.yaml"]
    );
    assert_eq!(diff(&["tenants/c/sub/b.yaml"]), ["tenants/c/sub/b.yaml"]);
    assert_eq!(
        diff(&["tenants/contoso", "tenants/c/sub"]),
        ["tenants/c/sub/b.yaml", "tenants/contoso/a.yaml"]
    );
    assert_eq!(diff(&["tenants/missing"]), Vec::<String>::new());
    assert_eq!(diff(&[]).len(), 3);
    for bad in ["../x", "/etc", "tenants/../x", "", "/", ".git"] {
        let err = repo
            .diff(Side::Rev("HEAD~1"), Side::Rev("HEAD"), &strings(&[bad]))
            .unwrap_err();
        assert!(
            matches!(err, StoreError::UnsafePath { .. }),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn work_tree_side_sees_edits_deletions_and_untracked_files() {
    let (tmp, repo) = new_repo();
    let root = tmp.path();
    commit_files(
        &repo,
        &[
            ("t/k/edit--11111111.yaml", "old\n"),
            ("t/k/gone--22222222.yaml", "gone\n"),
            ("t/k/same--33333333.yaml", "same\n"),
            ("t/k/old--44444444.yaml", &doc("Old", "a")),
            ("u/other.yaml", "other\n"),
            (".gitignore", "*.tmp\n"),
        ],
        "one",
    );
    fs_err::write(root.join("t/k/edit--11111111.yaml"), "new\n").unwrap();
    fs_err::remove_file(root.join("t/k/gone--22222222.yaml")).unwrap();
    fs_err::rename(
        root.join("t/k/old--44444444.yaml"),
        root.join("t/k/new--44444444.yaml"),
    )
    .unwrap();
    fs_err::create_dir_all(root.join("t/k/fresh")).unwrap();
    fs_err::write(root.join("t/k/fresh/x--55555555.yaml"), "fresh\n").unwrap();
    fs_err::write(root.join("t/k/scratch.tmp"), "ignored\n").unwrap();
    fs_err::write(root.join("u/untracked.yaml"), "outside\n").unwrap();

    let changes = repo
        .diff(Side::Rev("HEAD"), Side::WorkTree, &strings(&["t"]))
        .unwrap();
    assert_eq!(
        summary(&changes),
        vec![
            (
                Modified,
                Some("t/k/edit--11111111.yaml"),
                Some("t/k/edit--11111111.yaml")
            ),
            (Added, None, Some("t/k/fresh/x--55555555.yaml")),
            (Removed, Some("t/k/gone--22222222.yaml"), None),
            (
                Renamed,
                Some("t/k/old--44444444.yaml"),
                Some("t/k/new--44444444.yaml")
            ),
        ]
    );
    assert!(changes.iter().all(|c| c.new_blob.is_none()), "{changes:?}");
    assert_eq!(
        changes[0].old_blob.as_deref(),
        Some(blob_at(&repo, "HEAD", "t/k/edit--11111111.yaml").as_str())
    );
    // Work tree → revision is the inverse, the work tree side still without blob ids.
    let back = repo
        .diff(Side::WorkTree, Side::Rev("HEAD"), &strings(&["t"]))
        .unwrap();
    assert_eq!(
        summary(&back),
        vec![
            (
                Modified,
                Some("t/k/edit--11111111.yaml"),
                Some("t/k/edit--11111111.yaml")
            ),
            (Removed, Some("t/k/fresh/x--55555555.yaml"), None),
            (Added, None, Some("t/k/gone--22222222.yaml")),
            (
                Renamed,
                Some("t/k/new--44444444.yaml"),
                Some("t/k/old--44444444.yaml")
            ),
        ]
    );
    assert!(back.iter().all(|c| c.old_blob.is_none()), "{back:?}");
    // Without prefixes the untracked file elsewhere shows; the ignored one never does.
    let all = repo.diff(Side::Rev("HEAD"), Side::WorkTree, &[]).unwrap();
    let paths: Vec<&str> = all.iter().map(FileChange::path).collect();
    assert!(paths.contains(&"u/untracked.yaml"), "{paths:?}");
    assert!(!paths.iter().any(|p| p.ends_with(".tmp")), "{paths:?}");
    assert_eq!(
        repo.diff(Side::WorkTree, Side::WorkTree, &[]).unwrap(),
        Vec::new()
    );
}

#[test]
fn staged_but_uncommitted_files_count_on_the_work_tree_side() {
    let (_tmp, repo) = new_repo();
    commit_files(&repo, &[("t/a.yaml", "1")], "one");
    repo.stage_file("t/b.yaml", b"2").unwrap();
    let changes = repo.diff(Side::Rev("HEAD"), Side::WorkTree, &[]).unwrap();
    assert_eq!(summary(&changes), vec![(Added, None, Some("t/b.yaml"))]);
    let committed = repo
        .diff(Side::Rev("HEAD"), Side::Rev("HEAD"), &[])
        .unwrap();
    assert!(committed.is_empty());
}

/// Deletes the loose object of a blob, so any attempt to read it fails.
fn delete_object(repo: &Repo, oid: &str) {
    let path = repo
        .git_dir()
        .join("objects")
        .join(&oid[..2])
        .join(&oid[2..]);
    fs_err::remove_file(path).unwrap();
}

#[test]
fn unchanged_blobs_are_never_read() {
    let (_tmp, repo) = new_repo();
    snapshot(
        &repo,
        "t",
        &[
            ("same--11111111.yaml", "unchanged content\n"),
            ("edit--22222222.yaml", "v1\n"),
            ("old--33333333.yaml", &doc("Old", "a")),
        ],
        "one",
        day(0),
    );
    snapshot(
        &repo,
        "t",
        &[
            ("same--11111111.yaml", "unchanged content\n"),
            ("edit--22222222.yaml", "v2\n"),
            ("new--33333333.yaml", &doc("New", "a")),
        ],
        "two",
        day(1),
    );
    let unchanged = blob_at(&repo, "HEAD", "t/same--11111111.yaml");
    delete_object(&repo, &unchanged);
    assert!(matches!(
        repo.read_blob(&unchanged),
        Err(StoreError::BlobNotFound { .. })
    ));
    let changes = repo
        .diff(Side::Rev("HEAD~1"), Side::Rev("HEAD"), &[])
        .unwrap();
    assert_eq!(
        summary(&changes),
        vec![
            (
                Modified,
                Some("t/edit--22222222.yaml"),
                Some("t/edit--22222222.yaml")
            ),
            (
                Renamed,
                Some("t/old--33333333.yaml"),
                Some("t/new--33333333.yaml")
            ),
        ]
    );
    // The work tree side recognises the unchanged file by its index entry, not by reading it.
    fs_err::write(repo.root().join("t/edit--22222222.yaml"), "v3\n").unwrap();
    let changes = repo.diff(Side::Rev("HEAD"), Side::WorkTree, &[]).unwrap();
    assert_eq!(
        summary(&changes),
        vec![(
            Modified,
            Some("t/edit--22222222.yaml"),
            Some("t/edit--22222222.yaml")
        )]
    );
}

#[test]
fn root_commit_is_compared_with_the_empty_tree() {
    let (_tmp, repo) = new_repo();
    // Unborn HEAD is the empty tree on the revision side.
    fs_err::create_dir_all(repo.root().join("t")).unwrap();
    fs_err::write(repo.root().join("t/a.yaml"), "a\n").unwrap();
    let pending = repo.diff(Side::Rev("HEAD"), Side::WorkTree, &[]).unwrap();
    assert_eq!(summary(&pending), vec![(Added, None, Some("t/a.yaml"))]);
    assert_eq!(
        repo.commit_count().unwrap(),
        0,
        "an unborn branch has no commits"
    );
    let root = commit_files(&repo, &[("t/a.yaml", "a\n"), ("t/b.yaml", "b\n")], "root");
    assert_eq!(repo.commit_count().unwrap(), 1);
    let info = repo.commit_info("HEAD").unwrap();
    assert_eq!(info.id, root.to_string());
    let err = repo.commit_info("HEAD~1").unwrap_err();
    assert!(matches!(err, StoreError::RevNotFound { .. }), "{err:?}");
    // The empty tree's id is a revision like any other.
    let empty = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    let _ = repo.lock_git().treebuilder(None).unwrap().write().unwrap();
    let changes = repo.diff(Side::Rev(empty), Side::Rev("HEAD"), &[]).unwrap();
    assert_eq!(
        summary(&changes),
        vec![
            (Added, None, Some("t/a.yaml")),
            (Added, None, Some("t/b.yaml"))
        ]
    );
}

#[test]
fn commit_info_resolves_any_revision_and_parses_trailers() {
    let (_tmp, repo) = new_repo();
    let first = commit_files(&repo, &[("a", "1")], "first");
    repo.stage_file("a", b"2").unwrap();
    let message = "backup(contoso): 1 added, 2 changed, 0 removed\n\n\
                   - settingsCatalog/edge--8d2f3c1e.yaml\n- x\n\n\
                   Atlas-Run: 2026-01-01T000000Z-abc\nAtlas-Tenant: contoso\nAtlas-Partial: true";
    let when = day(3);
    let second = repo.commit(message, &identity(), when).unwrap().unwrap();
    {
        let git = repo.lock_git();
        let commit = git.find_commit(first).unwrap();
        git.tag_lightweight("v1", commit.as_object(), false)
            .unwrap();
    }
    let info = repo.commit_info("HEAD").unwrap();
    assert_eq!(info.id, second.to_string());
    assert_eq!(info.short_id, second.to_string()[..10]);
    assert_eq!(info.author, "Atlas Test");
    assert_eq!(info.email, "atlas@example.test");
    assert_eq!(info.time, when);
    assert_eq!(
        info.summary,
        "backup(contoso): 1 added, 2 changed, 0 removed"
    );
    assert_eq!(info.body, "- settingsCatalog/edge--8d2f3c1e.yaml\n- x");
    assert_eq!(
        info.trailers,
        BTreeMap::from([
            ("Atlas-Partial".to_string(), "true".to_string()),
            (
                "Atlas-Run".to_string(),
                "2026-01-01T000000Z-abc".to_string()
            ),
            ("Atlas-Tenant".to_string(), "contoso".to_string()),
        ])
    );
    let first_hex = first.to_string();
    for rev in [
        "HEAD~1",
        "HEAD^",
        "v1",
        &first_hex,
        &first_hex[..8],
        "main~1",
    ] {
        assert_eq!(repo.commit_info(rev).unwrap().id, first_hex, "{rev}");
    }
    assert_eq!(repo.commit_info("main").unwrap().id, second.to_string());
    let old = repo.commit_info("HEAD~1").unwrap();
    assert_eq!(old.summary, "first");
    assert_eq!(old.body, "");
    assert!(old.trailers.is_empty());
    // JSON for the views: camelCase, time as RFC 3339.
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["shortId"], info.short_id);
    assert_eq!(json["time"], "2026-01-04T00:00:00Z");
    assert_eq!(json["trailers"]["Atlas-Tenant"], "contoso");
}

#[test]
fn message_split_keeps_body_paragraphs_and_drops_only_trailers() {
    let (summary, body) = split_message("s\n\npara one\n\npara two\n\nKey: v\nOther: w\n", true);
    assert_eq!(summary, "s");
    assert_eq!(body, "para one\n\npara two");
    let (summary, body) = split_message("s\n\npara one\n\nnot: a trailer block here\n", false);
    assert_eq!(summary, "s");
    assert_eq!(body, "para one\n\nnot: a trailer block here");
    assert_eq!(split_message("", false), (String::new(), String::new()));
    let trailers = parse_trailers("s\n\nbody\n\nSigned-off-by: a\nSigned-off-by: b\n").unwrap();
    assert_eq!(trailers["Signed-off-by"], "a, b");
    assert!(parse_trailers("only: a title\n").unwrap().is_empty());
}

#[test]
fn unknown_revisions_are_named_in_the_error() {
    let (_tmp, repo) = new_repo();
    commit_files(&repo, &[("a", "1")], "first");
    for rev in ["no-such-branch", "HEAD~5", "deadbeef", "", "HEAD:a"] {
        let err = repo.commit_info(rev).unwrap_err();
        assert!(
            matches!(err, StoreError::RevNotFound { .. }),
            "{rev}: {err:?}"
        );
        assert!(err.to_string().contains(&format!("{rev:?}")), "{err}");
    }
    let err = repo
        .diff(Side::Rev("HEAD"), Side::Rev("nope"), &[])
        .unwrap_err();
    assert!(err.to_string().contains("\"nope\""), "{err}");
    let err = repo
        .diff(Side::Rev("nope"), Side::WorkTree, &[])
        .unwrap_err();
    assert!(matches!(err, StoreError::RevNotFound { .. }), "{err:?}");
}

#[test]
fn read_blob_refuses_unknown_and_short_ids() {
    let (_tmp, repo) = new_repo();
    commit_files(&repo, &[("a", "content")], "first");
    let oid = blob_at(&repo, "HEAD", "a");
    assert_eq!(repo.read_blob(&oid).unwrap(), b"content");
    assert_eq!(repo.read_blob(&oid.to_uppercase()).unwrap(), b"content");
    for bad in [&oid[..10], "zz", "", &"1".repeat(40)] {
        let err = repo.read_blob(bad).unwrap_err();
        assert!(
            matches!(err, StoreError::BlobNotFound { .. }),
            "{bad}: {err:?}"
        );
    }
    // A commit id is not a blob.
    let head = repo.head().unwrap().unwrap().to_string();
    assert!(matches!(
        repo.read_blob(&head),
        Err(StoreError::BlobNotFound { .. })
    ));
}
