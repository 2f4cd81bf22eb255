//! Named backups: `tag`, `tags`, `backup --tag`, a set's name wherever a revision is asked for,
//! sets that are never moved, names that mean one tenant's set only, and pushed tags.

use crate::common::*;

fn atlas(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--repo", "repo"];
    all.extend(args);
    out(&env.run(&all))
}

#[test]
fn a_named_version_is_a_revision_everywhere_and_is_never_moved() {
    let env = demo_repo();
    let repo = env.repo();
    let first = git(&repo, &["rev-parse", "HEAD"]);
    let (code, stdout, stderr) = atlas(&env, &["tag", "before-migration", "-m", "CAB 42"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("atlas/demo/before-migration: "),
        "{stdout}"
    );
    // An annotated tag, on the commit, saying what it names.
    let message = git(
        &repo,
        &[
            "tag",
            "-l",
            "--format=%(contents)",
            "atlas/demo/before-migration",
        ],
    );
    assert!(
        message.contains("Backup set before-migration of demo") && message.contains("CAB 42"),
        "{message}"
    );
    assert_eq!(
        git(
            &repo,
            &["rev-parse", "atlas/demo/before-migration^{commit}"]
        ),
        first
    );

    // A change later, the set's name is a revision to list, show and diff.
    let old = rename_first(&repo, "deviceCategories", "Renamed later");
    let (code, stdout, _) = atlas(
        &env,
        &[
            "list",
            "--rev",
            "before-migration",
            "--type",
            "deviceCategories",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        stdout.contains(&old) && !stdout.contains("Renamed later"),
        "{stdout}"
    );
    let (code, stdout, stderr) = atlas(&env, &["diff", "before-migration", "HEAD", "--exit-code"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.contains("Renamed later"), "{stdout}");
    let (code, _, stderr) = atlas(&env, &["diff", "before-migration~0", "HEAD"]);
    assert_eq!(code, 0, "a set's name takes revision suffixes: {stderr}");

    // Tagging the same version again changes nothing; the name on another version is refused.
    let (code, _, stderr) = atlas(&env, &["tag", "before-migration", "HEAD~1"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = atlas(&env, &["tag", "before-migration"]);
    assert_eq!(code, 64);
    assert!(stderr.contains("never moved"), "{stderr}");
    let (code, _, stderr) = atlas(&env, &["tag", "bad name"]);
    assert_eq!(code, 64);
    assert!(stderr.contains("not a valid name"), "{stderr}");

    let (code, stdout, _) = atlas(&env, &["tags"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("atlas/demo/before-migration") && stdout.contains(&first[..10]),
        "{stdout}"
    );
    let (_, json, _) = atlas(&env, &["tags", "--format", "json"]);
    let sets: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(sets[0]["name"], "before-migration");
    assert_eq!(sets[0]["commit"], first.trim());
}

#[test]
fn a_name_two_tenants_use_must_be_named_in_full() {
    let env = demo_repo();
    let repo = env.repo();
    let copy = std::process::Command::new("cp")
        .args(["-r", "tenants/demo", "tenants/copy"])
        .current_dir(&repo)
        .status()
        .unwrap();
    assert!(copy.success());
    commit_all(&repo, "a second tenant");
    for t in ["demo", "copy"] {
        let (code, _, stderr) = atlas(&env, &["tag", "q3", "--tenant", t]);
        assert_eq!(code, 0, "{stderr}");
    }
    let (code, _, stderr) = atlas(&env, &["tag", "q4"]);
    assert_eq!(code, 64, "two tenants: which one?");
    assert!(stderr.contains("--tenant"), "{stderr}");
    let (code, _, stderr) = atlas(&env, &["list", "--rev", "q3"]);
    assert_eq!(code, 64);
    assert!(
        stderr.contains("atlas/copy/q3") && stderr.contains("atlas/demo/q3"),
        "{stderr}"
    );
    let (code, _, stderr) = atlas(&env, &["list", "--rev", "atlas/copy/q3"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn backup_tag_names_the_version_and_push_sends_the_tag() {
    let env = demo_repo();
    let remote = env.path().join("remote.git");
    let init = std::process::Command::new("git")
        .args(["init", "-q", "--bare"])
        .arg(&remote)
        .status()
        .unwrap();
    assert!(init.success());
    git(
        &env.repo(),
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    let (code, stdout, stderr) =
        out(&env.run(&["backup", "--demo", "repo", "--push", "--tag", "nightly"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("backup set atlas/demo/nightly"), "{stdout}");
    let head = git(&env.repo(), &["rev-parse", "HEAD"]);
    let remote_tags = git(&env.repo(), &["ls-remote", "--tags", "origin"]);
    assert!(
        remote_tags.contains("refs/tags/atlas/demo/nightly"),
        "{remote_tags}"
    );
    assert_eq!(
        git(&env.repo(), &["rev-parse", "atlas/demo/nightly^{commit}"]),
        head,
        "a backup that changed nothing names the version it found"
    );
}
