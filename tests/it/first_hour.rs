//! The first hour with the tool: what a new user types and what they must read back — paths and
//! revisions that match nothing, close names suggested, an empty repository, the emulator's
//! banner, the demo repository's configuration, counts in the right number.

use crate::common::*;
use std::io::BufRead;

/// stdout, stderr and the code of a run, with the temporary folder replaced.
fn run(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let (code, stdout, stderr) = out(&env.run(args));
    let tmp = env.path().canonicalize().unwrap();
    let clean = |s: String| {
        s.replace(tmp.to_str().unwrap(), "[TMP]")
            .replace(env.path().to_str().unwrap(), "[TMP]")
    };
    (code, clean(stdout), clean(stderr))
}

/// Output with the short ids of HEAD and HEAD~1 replaced (hand commits carry the real time).
fn without_ids(env: &TestEnv, text: &str) -> String {
    let mut text = text.to_string();
    for (rev, name) in [("HEAD", "[HEAD]"), ("HEAD~1", "[HEAD~1]")] {
        let id = git(&env.repo(), &["rev-parse", rev]);
        if id.trim().len() >= 10 {
            text = text.replace(&id.trim()[..10], name);
        }
    }
    text
}

/// A demo repository with a second commit that renames a settings-catalog policy by hand.
fn demo_repo_with_rename(env: &TestEnv) {
    let (code, _, err) = run(env, &["backup", "--demo", "repo"]);
    assert_eq!(code, 0, "{err}");
    rename_first(&env.repo(), "settingsCatalog", "Renamed by hand");
}

#[test]
fn diff_takes_type_folders_and_refuses_what_matches_nothing() {
    let env = TestEnv::new();
    demo_repo_with_rename(&env);
    let (code, stdout, err) = run(
        &env,
        &[
            "diff",
            "HEAD~1",
            "HEAD",
            "settingsCatalog",
            "--repo",
            "repo",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("renamed"), "{stdout}");
    insta::assert_snapshot!("diff-type-folder", without_ids(&env, &stdout));
    // The same from inside the tenant folder, the repository found upwards, and with --tenant.
    let inside = env
        .cmd(&["diff", "HEAD~1", "HEAD", "settingsCatalog"])
        .current_dir(env.repo().join("tenants/demo"))
        .output()
        .unwrap();
    assert_eq!(out(&inside).1, stdout);
    let (_, with_tenant, _) = run(
        &env,
        &[
            "diff",
            "HEAD~1",
            "HEAD",
            "--tenant",
            "demo",
            "settingsCatalog",
            "--repo",
            "repo",
        ],
    );
    assert_eq!(with_tenant, stdout);
    // Another type's folder has no change.
    let (code, other, _) = run(
        &env,
        &["diff", "HEAD~1", "HEAD", "intents", "--repo", "repo"],
    );
    assert_eq!(code, 0);
    assert!(other.contains("no changes"), "{other}");

    let (code, _, err) = run(&env, &["diff", "HEAD~1", "NOPE", "--repo", "repo"]);
    assert_eq!(code, 64, "{err}");
    insta::assert_snapshot!("diff-unknown-revision", err);
    let (code, _, err) = run(
        &env,
        &[
            "diff",
            "HEAD~1",
            "HEAD",
            "settingscatalog",
            "--repo",
            "repo",
        ],
    );
    assert_eq!(code, 64, "{err}");
    insta::assert_snapshot!("diff-unknown-path", err);
    let (code, _, err) = run(
        &env,
        &[
            "diff", "HEAD~1", "HEAD", "--tenant", "demp", "--repo", "repo",
        ],
    );
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("did you mean `demo`?"), "{err}");
}

#[test]
fn backup_only_that_matches_nothing_is_a_usage_error_without_commit() {
    let env = TestEnv::new();
    let (code, _, err) = run(&env, &["backup", "--demo", "repo"]);
    assert_eq!(code, 0, "{err}");
    let before = commit_count(&env.repo());
    let (code, stdout, err) = run(&env, &["backup", "--demo", "repo", "--only", "nomatch*"]);
    assert_eq!(code, 64, "{stdout}{err}");
    insta::assert_snapshot!("backup-only-nothing", err);
    assert_eq!(commit_count(&env.repo()), before, "no commit");
}

#[test]
fn unknown_revisions_types_and_tenants_say_what_exists() {
    let env = TestEnv::new();
    let (code, _, err) = run(&env, &["backup", "--demo", "repo"]);
    assert_eq!(code, 0, "{err}");
    let mut all = String::new();
    for args in [
        &["show", "HEAD~50:86524a2d", "--repo", "repo"][..],
        &["backup", "--demo", "repo", "--type", "settingscatalog"],
        &["plan", "--tenant", "contoso", "--repo", "repo"],
        &["drift", "--tenant", "dmeo", "--repo", "repo"],
    ] {
        let (code, stdout, err) = run(&env, args);
        assert_eq!(code, 64, "{args:?}: {stdout}{err}");
        all.push_str(&format!("$ {}\n{err}\n", args.join(" ")));
    }
    insta::assert_snapshot!("unknown-names", all);
}

#[test]
fn read_commands_without_a_backup_say_so() {
    let env = TestEnv::new();
    let (code, _, err) = run(&env, &["init", "repo"]);
    assert_eq!(code, 0, "{err}");
    let mut all = String::new();
    for args in [
        &["show", "86524a2d", "--repo", "repo"][..],
        &["log", "--repo", "repo"],
        &["drift", "--demo", "repo"],
        &["plan", "--demo", "--tenant", "demo", "--repo", "repo"],
    ] {
        let (code, stdout, err) = run(&env, args);
        assert_eq!(code, 64, "{args:?}: {stdout}{err}");
        all.push_str(&format!("$ {}\n{err}\n", args.join(" ")));
    }
    insta::assert_snapshot!("no-backup-yet", all);
}

#[test]
fn init_config_has_a_commented_server_block_and_validates() {
    let env = TestEnv::new();
    let (code, _, err) = run(&env, &["init", "repo"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(env.repo().join("atlas.yaml")).unwrap();
    insta::assert_snapshot!("init-atlas-yaml", text);
    assert!(text.contains("# server:"), "{text}");
    assert_valid_config(&env, &text);
}

/// `atlas.yaml` text is valid under the schema `init` wrote beside it.
fn assert_valid_config(env: &TestEnv, text: &str) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(env.repo().join("schemas/atlas.schema.json")).unwrap(),
    )
    .unwrap();
    let value: serde_json::Value = serde_yaml::from_str(text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{text}");
}

#[test]
fn the_demo_repository_works_with_every_command() {
    let env = TestEnv::new();
    let (code, _, err) = run(&env, &["backup", "--demo", "repo"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(env.repo().join("atlas.yaml")).unwrap();
    assert!(text.contains("demo: true"), "{text}");
    assert_valid_config(&env, &text);
    let (code, stdout, err) = run(&env, &["drift", "--repo", "repo"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("demo-repo-drift", without_ids(&env, &stdout));
    let (code, stdout, err) = run(&env, &["plan", "--tenant", "demo", "--repo", "repo"]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("0 to create, 0 to update"), "{stdout}");
    let (code, stdout, err) = run(&env, &["reconcile", "--once", "--repo", "repo"]);
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(stdout.starts_with("demo backup no"), "{stdout}");
    let (code, stdout, err) = run(&env, &["backup", "--repo", "repo"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("demo-repo-backup", stdout);
}

#[test]
fn counts_are_in_the_right_number() {
    let env = TestEnv::new();
    let golden = manifest_dir().join("fixtures/golden/demo/scopeTags");
    let mut stems: Vec<String> = std::fs::read_dir(golden)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    let only = format!("scopeTags/{}", stems[0]);
    let (code, stdout, err) = run(
        &env,
        &[
            "backup",
            "--demo",
            "repo",
            "--type",
            "scopeTags",
            "--only",
            &only,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let commit = git(&env.repo(), &["rev-parse", "HEAD"]);
    insta::assert_snapshot!(
        "backup-one-object",
        stdout.replace(&commit.trim()[..10], "[COMMIT]")
    );
}

#[test]
fn the_emulator_prints_how_to_reach_it_and_the_entry_works() {
    let env = TestEnv::new();
    let mut child = env
        .cmd(&["emulator", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = vec![];
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let done = line.starts_with("Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    let banner = lines.concat();
    let base = banner
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("Graph emulator listening on "))
        .expect("the first line names the address")
        .to_string();
    // The printed entry and export line configure a repository that backs the tenant up.
    let entry: String = banner
        .lines()
        .skip_while(|l| !l.contains("# atlas.yaml"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{}\n", &l[2..]))
        .collect();
    let secret = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("export DEMO_SECRET='"))
        .and_then(|s| s.strip_suffix('\''))
        .expect("an export line");
    let (code, _, err) = run(&env, &["init", "repo"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(env.repo().join("atlas.yaml"), format!("tenants:\n{entry}")).unwrap();
    let backup = env
        .cmd(&["backup", "--repo", "repo"])
        .env("DEMO_SECRET", secret)
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let (code, stdout, err) = out(&backup);
    assert_eq!(code, 0, "{stdout}{err}\n{entry}");
    assert!(
        stdout.starts_with(&format!("demo: {} added", demo_objects())),
        "{stdout}"
    );
    insta::assert_snapshot!("emulator-banner", banner.replace(&base, "http://[ADDR]"));
}

#[test]
fn plan_out_says_where_it_went_and_apply_shows_what_it_will_do_before_asking() {
    let env = TestEnv::new();
    demo_repo_with_rename(&env);
    let (code, stdout, err) = run(
        &env,
        &[
            "plan",
            "--tenant",
            "demo",
            "--repo",
            "repo",
            "--out",
            "plan.json",
        ],
    );
    assert_eq!(code, 2, "{stdout}{err}");
    assert!(
        stdout.contains("→ \"Renamed by hand\" (renamed)"),
        "{stdout}"
    );
    insta::assert_snapshot!("plan-out-note", mask_ids(&err));
    // Without a terminal and without --yes: the preview, then the refusal to ask; nothing written.
    let (code, stdout, err) = run(&env, &["apply", "plan.json", "--repo", "repo"]);
    assert_eq!(code, 64, "{stdout}{err}");
    insta::assert_snapshot!("apply-preview", mask_ids(&format!("{stdout}---\n{err}")));
}
