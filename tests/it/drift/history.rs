//! The history views: `diff` between commits and the work tree, `show`, `log` and `docs`.

use super::*;
use reqwest::Method;
use serde_json::{Value, json};
use tenant_atlas::emulator::{EmulatorConfig, TenantSeed};
use tenant_atlas::graph::GraphClient;

// ---------------------------------------------------------------------------------------------
// 5. diff between commits

/// A repository backing up a generated tenant of `n` objects from `emu` (tenant `gen`).
fn generated_repo(emu: &Emu) -> (TestEnv, GraphClient) {
    let dump = tempfile::tempdir().unwrap();
    emu.handle.as_ref().unwrap().dump(dump.path()).unwrap();
    let t: Value =
        serde_json::from_slice(&std::fs::read(dump.path().join("tenant.json")).unwrap()).unwrap();
    let (tenant, client, secret) = (
        t["tenantId"].as_str().unwrap(),
        t["clients"][0]["clientId"].as_str().unwrap(),
        t["clients"][0]["clientSecret"].as_str().unwrap(),
    );
    let env = TestEnv::new().env(DEMO_SECRET_ENV, secret);
    assert_eq!(out(&env.run(&["init", "repo"])).0, 0);
    std::fs::write(
        env.repo().join("atlas.yaml"),
        config_for("gen", tenant, client, &emu.url(), ""),
    )
    .unwrap();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let c = client_for(emu, tenant, client, secret);
    (env, c)
}

/// `(id, repository path, name)` of documents of one kind folder that have no sidecar.
fn plain_documents(env: &TestEnv, kind: &str) -> Vec<(String, String, String)> {
    let files = tree(&env.repo().join("tenants/gen").join(kind));
    let mut docs = vec![];
    for (rel, bytes) in &files {
        let Some(stem) = rel.strip_suffix(".yaml") else {
            continue;
        };
        if files
            .keys()
            .any(|k| k != rel && k.starts_with(&format!("{stem}.")))
        {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                .unwrap()
                .trim_matches('\'')
                .to_string()
        };
        docs.push((
            field("id"),
            format!("tenants/gen/{kind}/{rel}"),
            field("name"),
        ));
    }
    docs
}

#[test]
fn diff_between_commits_reads_only_changed_documents() {
    let emu = Emu::start(
        EmulatorConfig::default(),
        vec![TenantSeed::generate(500, 21)],
    );
    let (env, c) = generated_repo(&emu);
    let docs = plain_documents(&env, "deviceConfigurations");
    assert!(
        docs.len() >= 10,
        "{} plain device configurations",
        docs.len()
    );
    let changed = &docs[..10];
    for (i, (id, _, _)) in changed.iter().enumerate() {
        let body = if i == 0 {
            json!({"displayName": "Renamed by the diff test"})
        } else {
            json!({"description": format!("changed {i}")})
        };
        send(
            &emu,
            &c,
            Method::PATCH,
            &format!("beta/deviceManagement/deviceConfigurations/{id}"),
            Some(body),
        );
    }
    backup_again(&env, "second");
    assert_eq!(commit_count(&env.repo()), 2);

    let (code, v, stderr) = json_of(&env, &["diff", "HEAD~1", "HEAD"]);
    assert_eq!(code, 0, "without --exit-code: {stderr}");
    let r = report(&v);
    let objs = objects(r);
    assert_eq!(objs.len(), 10, "{v:#}");
    assert_eq!(r["summary"]["changed"], 9);
    assert_eq!(r["summary"]["renamed"], 1);
    assert_eq!(
        r["documentsRead"], 20,
        "only the changed documents were parsed, old and new"
    );
    let renamed = objs.iter().find(|o| o["change"] == "renamed").unwrap();
    assert_eq!(renamed["id"], changed[0].0.as_str());
    assert_eq!(renamed["oldPath"], changed[0].1.as_str());
    assert_eq!(renamed["oldName"], changed[0].2.as_str());
    assert_eq!(renamed["name"], "Renamed by the diff test");
    for (i, (id, path, _)) in changed.iter().enumerate().skip(1) {
        let o = objs.iter().find(|o| o["id"] == id.as_str()).unwrap();
        assert_eq!(o["change"], "changed");
        assert_eq!(o["path"], path.as_str());
        assert!(
            o["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["new"] == format!("changed {i}")),
            "{o:#}"
        );
    }
    let (_, text, _) = text_of(&env, &["diff", "HEAD~1", "HEAD"]);
    assert!(
        text.contains(&format!(
            "\"{}\" → \"Renamed by the diff test\"",
            changed[0].2
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{} → ", changed[0].1)),
        "the old path is shown: {text}"
    );
    assert!(text.contains("changed 5"), "{text}");

    // --exit-code
    let (code, _, _) = text_of(&env, &["diff", "--exit-code", "HEAD~1", "HEAD"]);
    assert_eq!(code, 2);
    let (code, _, _) = text_of(&env, &["diff", "--exit-code", "HEAD", "HEAD"]);
    assert_eq!(code, 0, "no differences");

    // PATH limits: one file, then a folder relative to --tenant
    let one = &changed[3];
    let (code, v, _) = json_of(&env, &["diff", "HEAD~1", "HEAD", &one.1]);
    assert_eq!(code, 0);
    let r = report(&v);
    assert_eq!(objects(r).len(), 1, "{v:#}");
    assert_eq!(objects(r)[0]["id"], one.0.as_str());
    assert_eq!(r["documentsRead"], 2);
    let (_, v, _) = json_of(
        &env,
        &[
            "diff",
            "--tenant",
            "gen",
            "HEAD~1",
            "HEAD",
            "--",
            "settingsCatalog",
        ],
    );
    assert_eq!(objects(report(&v)).len(), 0, "nothing changed there: {v:#}");
    let (_, v, _) = json_of(
        &env,
        &[
            "diff",
            "--tenant",
            "gen",
            "HEAD~1",
            "HEAD",
            "deviceConfigurations/",
        ],
    );
    assert_eq!(objects(report(&v)).len(), 10, "{v:#}");

    // against the work tree
    let (id, path, name) = &docs[12];
    edit(&env.repo(), path, |t| {
        t.replace(&format!("name: {name}"), "name: Edited in the work tree")
            .replace(&format!("name: '{name}'"), "name: Edited in the work tree")
    });
    let (code, v, _) = json_of(&env, &["diff", "HEAD"]);
    assert_eq!(code, 0);
    let r = report(&v);
    assert_eq!(r["to"], "work tree");
    assert_eq!(objects(r).len(), 1, "{v:#}");
    let o = &objects(r)[0];
    assert_eq!(o["id"], id.as_str());
    assert_eq!(o["change"], "renamed");
    assert_eq!(o["name"], "Edited in the work tree");
    assert_eq!(r["documentsRead"], 2);
    let (code, text, _) = text_of(&env, &["diff", "--exit-code", "HEAD"]);
    assert_eq!(code, 2);
    assert!(text.contains("Edited in the work tree"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 6–8. show, log, docs on a demo repository with two backups, the second renaming a policy

const PILOT_OLD: &str = "Update Ring – Pilot";
const PILOT_NEW: &str = "Update Ring – Early adopters";
const SECOND_RUN: &str = "20260116T093000Z-rename";

/// A demo backup, then a second backup after `Update Ring – Pilot` was renamed live.
fn renamed_demo() -> (Emu, TestEnv) {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up_demo(&emu);
    let c = client(&emu);
    rename(&emu, &c);
    backup_again(&env, SECOND_RUN);
    assert_eq!(commit_count(&env.repo()), 2);
    (emu, env)
}

/// Paths of the Pilot ring before and after the rename.
fn pilot_paths(env: &TestEnv) -> (String, String) {
    let files = git(&env.repo(), &["ls-tree", "-r", "--name-only", "HEAD~1"]);
    let old = files
        .lines()
        .find(|l| l.contains("--05ff1b8f.yaml"))
        .unwrap()
        .to_string();
    let files = git(&env.repo(), &["ls-tree", "-r", "--name-only", "HEAD"]);
    let new = files
        .lines()
        .find(|l| l.contains("--05ff1b8f.yaml"))
        .unwrap()
        .to_string();
    assert_ne!(old, new);
    (old, new)
}

#[test]
fn show_finds_a_policy_by_name_id_path_and_revision() {
    let (_emu, env) = renamed_demo();
    let path = "tenants/demo/settingsCatalog/bitlocker-os-drive--3e3e3c21.yaml";
    let (code, by_name, stderr) = text_of(&env, &["show", "BitLocker – OS drive"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(by_name.starts_with("BitLocker – OS drive\n"), "{by_name}");
    assert!(by_name.contains(path), "{by_name}");
    assert!(
        by_name.contains("Security Operations"),
        "scope tags by name: {by_name}"
    );
    assert!(
        by_name.contains("\"Windows 11 only\""),
        "filter by name: {by_name}"
    );
    assert!(
        by_name
            .contains("Select the encryption method for operating system drives = XTS-AES 256-bit"),
        "nested settings shown: {by_name}"
    );
    for other in ["3e3e3c21", BITLOCKER, path] {
        let (code, text, stderr) = text_of(&env, &["show", other]);
        assert_eq!(code, 0, "{other}: {stderr}");
        assert_eq!(text, by_name, "show {other} shows the same policy");
    }
    let (code, at_tag, _) = text_of(&env, &["show", "--tenant", "demo", "3e3e3c21"]);
    assert_eq!(code, 0);
    assert_eq!(at_tag, by_name);

    // An earlier version: the old name resolves at HEAD~1 only.
    let (old_path, new_path) = pilot_paths(&env);
    let (code, text, stderr) = text_of(&env, &["show", &format!("HEAD~1:{PILOT_OLD}")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(text.starts_with(&format!("{PILOT_OLD}\n")), "{text}");
    assert!(text.contains(&old_path), "{text}");
    assert!(text.contains("(at HEAD~1 ("), "{text}");
    let (code, text, _) = text_of(&env, &["show", "HEAD~1:05ff1b8f"]);
    assert_eq!(code, 0);
    assert!(text.contains(&old_path), "{text}");
    let (code, text, _) = text_of(&env, &["show", "05ff1b8f"]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with(&format!("{PILOT_NEW}\n")) && text.contains(&new_path),
        "{text}"
    );
    let (code, _, stderr) = text_of(&env, &["show", PILOT_OLD]);
    assert_ne!(code, 0, "the old name is gone at HEAD: {stderr}");

    // Two policies share a name: exit 64 and both candidates listed.
    let (code, stdout, stderr) = text_of(&env, &["show", "iOS – Restrictions"]);
    assert_eq!(code, 64, "{stdout}{stderr}");
    for candidate in [
        "tenants/demo/deviceConfigurations/ios-restrictions--8b4641c8.yaml",
        "tenants/demo/deviceConfigurations/ios-restrictions--815e7ecc.yaml",
    ] {
        assert!(stderr.contains(candidate), "{candidate}: {stderr}");
    }
    assert!(stdout.is_empty(), "{stdout}");

    // JSON
    let (code, stdout, stderr) = text_of(&env, &["show", "3e3e3c21", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["id"], BITLOCKER);
    assert_eq!(v["name"], "BitLocker – OS drive");
    assert_eq!(v["path"], path);
    assert_eq!(v["scopeTags"], json!(["Default", "Security Operations"]));
    assert!(v["fields"].as_array().unwrap().len() > 5, "{v:#}");
}

#[test]
fn log_follows_a_rename_and_lists_backup_runs() {
    let (_emu, env) = renamed_demo();
    let (old_path, new_path) = pilot_paths(&env);
    let head = git(&env.repo(), &["rev-parse", "HEAD"]).trim().to_string();
    let first = git(&env.repo(), &["rev-parse", "HEAD~1"])
        .trim()
        .to_string();

    let (code, v, stderr) = json_of(&env, &["log", PILOT_NEW]);
    assert_eq!(code, 0, "{stderr}");
    let lines = v.as_array().unwrap();
    assert_eq!(lines.len(), 2, "the rename and the first backup: {v:#}");
    assert_eq!(lines[0]["commit"], head.as_str());
    assert_eq!(lines[0]["path"], new_path.as_str());
    assert_eq!(lines[1]["commit"], first.as_str());
    assert_eq!(
        lines[1]["path"],
        old_path.as_str(),
        "followed through the rename"
    );
    assert!(
        lines[0]["changes"].as_str().unwrap().contains(PILOT_OLD),
        "the rename is named: {}",
        lines[0]
    );
    let (code, text, _) = text_of(&env, &["log", "05ff1b8f"]);
    assert_eq!(code, 0);
    assert!(
        text.contains(&old_path) && text.contains(&new_path),
        "{text}"
    );
    assert!(
        text.contains(&format!("{PILOT_OLD} → {PILOT_NEW}")),
        "{text}"
    );

    // A policy untouched by the second backup has one commit.
    let (_, v, _) = json_of(&env, &["log", "BitLocker – OS drive"]);
    assert_eq!(v.as_array().unwrap().len(), 1, "{v:#}");

    // The tenant's history: both backups with their run ids from the Atlas-Run trailer.
    let (code, v, _) = json_of(&env, &["log", "--tenant", "demo"]);
    assert_eq!(code, 0);
    let lines = v.as_array().unwrap();
    let runs: Vec<&str> = lines.iter().map(|l| l["run"].as_str().unwrap()).collect();
    assert_eq!(runs, [SECOND_RUN, "20260115T093000Z-test01"], "{v:#}");
    let trailers = git(
        &env.repo(),
        &["log", "--format=%(trailers:key=Atlas-Run,valueonly)%x00"],
    );
    let trailers: Vec<&str> = trailers
        .split('\0')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(runs, trailers);
    assert!(
        lines[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("backup(demo)")
    );
    let author = git(&env.repo(), &["log", "-1", "--format=%an"]);
    assert_eq!(lines[0]["author"], author.trim());
    let (_, text, _) = text_of(&env, &["log", "--tenant", "demo"]);
    assert!(text.contains(&format!("run {SECOND_RUN}")), "{text}");
    assert!(text.contains("run 20260115T093000Z-test01"), "{text}");
    let (_, v, _) = json_of(&env, &["log", "--tenant", "demo", "-n", "1"]);
    assert_eq!(v.as_array().unwrap().len(), 1);
}

#[test]
fn docs_are_deterministic_with_one_page_per_type_and_an_index() {
    let (_emu, env) = renamed_demo();
    let kinds: Vec<String> = std::fs::read_dir(env.repo().join("tenants/demo"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|k| !k.starts_with('_'))
        .collect();
    assert!(kinds.len() > 20, "{kinds:?}");
    let (a, b) = (env.path().join("docs-a"), env.path().join("docs-b"));
    for dir in [&a, &b] {
        let (code, stdout, stderr) = text_of(&env, &["docs", "--out", dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{stdout}{stderr}");
    }
    let (ta, tb) = (tree(&a), tree(&b));
    assert_same_tree(&ta, &tb, "two docs runs");
    let mut want: Vec<String> = kinds.iter().map(|k| format!("demo/{k}.md")).collect();
    want.push("demo/README.md".into());
    want.sort();
    assert_eq!(ta.keys().cloned().collect::<Vec<_>>(), want);
    let index = String::from_utf8(ta["demo/README.md"].clone()).unwrap();
    for k in &kinds {
        assert!(
            index.contains(&format!("({k}.md)")),
            "{k} linked from the index:\n{index}"
        );
    }
    let rings = String::from_utf8(ta["demo/windowsUpdateRings.md"].clone()).unwrap();
    assert!(
        rings.contains(PILOT_NEW) && !rings.contains(PILOT_OLD),
        "HEAD documented"
    );
    // --rev documents an earlier commit.
    let c = env.path().join("docs-c");
    let (code, _, _) = text_of(
        &env,
        &["docs", "--rev", "HEAD~1", "--out", c.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    let rings = std::fs::read_to_string(c.join("demo/windowsUpdateRings.md")).unwrap();
    assert!(rings.contains(PILOT_OLD), "{rings}");
}

#[test]
fn backup_with_docs_commits_them_with_the_backup() {
    let emu = Emu::demo(EmulatorConfig::default());
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, &emu, "demo", "");
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo", "--docs"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let before = commit_count(&env.repo());
    let files = git(&env.repo(), &["show", "--name-only", "--format=", "HEAD"]);
    assert!(files.lines().any(|l| l == "docs/demo/README.md"), "{files}");
    assert!(
        files.lines().any(|l| l == "docs/demo/settingsCatalog.md"),
        "{files}"
    );
    assert!(
        files.lines().any(|l| l.starts_with("tenants/demo/")),
        "{files}"
    );
    // The committed pages are what `docs` writes for that commit.
    let out_dir = env.path().join("docs-check");
    let (code, _, _) = text_of(&env, &["docs", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_same_tree(
        &tree(&env.repo().join("docs")),
        &tree(&out_dir),
        "committed docs",
    );
    assert_eq!(git(&env.repo(), &["status", "--porcelain", "docs"]), "");

    // A rename: the next backup updates the pages in its own commit.
    let c = client(&emu);
    rename(&emu, &c);
    let (code, stdout, stderr) = out(&env
        .cmd(&["backup", "--repo", "repo", "--docs"])
        .env("ATLAS_RUN_ID", SECOND_RUN)
        .output()
        .unwrap());
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(commit_count(&env.repo()), before + 1);
    let files = git(&env.repo(), &["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        files
            .lines()
            .any(|l| l == "docs/demo/windowsUpdateRings.md"),
        "{files}"
    );
    assert!(
        files
            .lines()
            .any(|l| l.contains("early-adopters--05ff1b8f")),
        "{files}"
    );
    let rings = git(
        &env.repo(),
        &["show", "HEAD:docs/demo/windowsUpdateRings.md"],
    );
    assert!(rings.contains(PILOT_NEW), "{rings}");
}

#[test]
fn drift_against_an_earlier_commit_and_in_markdown() {
    let (emu, env) = renamed_demo();
    // The live tenant matches HEAD; against HEAD~1 the rename is drift.
    let (code, v, _) = json_of(&env, &["drift", "--against", "HEAD~1"]);
    assert_eq!(code, 2, "{v:#}");
    let r = report(&v);
    assert!(r["from"].as_str().unwrap().starts_with("HEAD~1 ("), "{r}");
    assert_eq!(objects(r).len(), 1, "{v:#}");
    assert_eq!(objects(r)[0]["change"], "renamed");
    assert_eq!(objects(r)[0]["oldName"], PILOT_OLD);
    let (code, md, _) = text_of(
        &env,
        &["drift", "--against", "HEAD~1", "--format", "markdown"],
    );
    assert_eq!(code, 2);
    assert!(md.contains(PILOT_OLD) && md.contains(PILOT_NEW), "{md}");
    let (code, md, _) = text_of(&env, &["diff", "HEAD~1", "HEAD", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(md.contains(PILOT_NEW), "{md}");
    // An unknown revision is a usage error before any Graph request.
    let before = emu.stats()["requests"].as_u64().unwrap();
    let (code, _, stderr) = text_of(&env, &["drift", "--against", "no-such-rev"]);
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("no-such-rev"), "{stderr}");
    assert_eq!(emu.stats()["requests"].as_u64().unwrap(), before);
}
