//! Backups of the demo tenant: golden tree, idempotence, independence from Graph's order and paging.

use crate::common::*;
use std::collections::BTreeMap;
use tenant_atlas::emulator::{EmulatorConfig, ListOrder};

const GOLDEN: &str = "fixtures/golden/demo";

/// The backup of the demo tenant as the golden fixture expects it (tenant folder only).
fn golden() -> BTreeMap<String, Vec<u8>> {
    tree(&manifest_dir().join(GOLDEN))
}

fn tenant_tree(env: &TestEnv, tenant: &str) -> BTreeMap<String, Vec<u8>> {
    tree(&env.repo().join("tenants").join(tenant))
}

#[test]
fn demo_backup_matches_the_golden_tree_and_is_idempotent() {
    let env = TestEnv::new();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--demo", "repo"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let got = tenant_tree(&env, "demo");
    if std::env::var("ATLAS_BLESS").is_ok() {
        let dir = manifest_dir().join(GOLDEN);
        let _ = std::fs::remove_dir_all(&dir);
        for (p, bytes) in &got {
            let path = dir.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }
    assert_same_tree(&got, &golden(), "demo backup vs golden fixture");
    assert_eq!(
        commit_count(&env.repo()),
        1,
        "one commit holds the whole first backup"
    );
    let msg = git(&env.repo(), &["log", "-1", "--format=%B"]);
    assert!(msg.starts_with("backup(demo): "), "{msg}");
    assert!(
        msg.contains("Atlas-Run: 20260115T093000Z-test01\nAtlas-Tenant: demo"),
        "{msg}"
    );
    assert!(
        env.repo()
            .join("runs/demo/2026/01/20260115T093000Z-test01.yaml")
            .exists()
    );
    assert!(
        env.repo().join("atlas.yaml").exists()
            && env.repo().join("schemas/policy.schema.json").exists()
    );
    let status = git(&env.repo(), &["status", "--porcelain"]);
    assert_eq!(status, "", "everything the run wrote is committed");

    let second = env
        .cmd(&["backup", "--demo", "repo"])
        .env("ATLAS_RUN_ID", "20260115T093000Z-test02")
        .output()
        .unwrap();
    let (code, stdout, stderr) = out(&second);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("demo: no changes"), "{stdout}");
    assert_eq!(
        commit_count(&env.repo()),
        1,
        "a second backup makes no commit"
    );
    assert!(
        env.repo()
            .join(".git/atlas/runs/demo/20260115T093000Z-test02.yaml")
            .exists(),
        "no-op run log kept out of git"
    );
    assert_same_tree(&tenant_tree(&env, "demo"), &golden(), "second backup");
}

/// Backs up the demo seed through `atlas.yaml` from an emulator configured with `config`.
fn backup_via_config(config: EmulatorConfig) -> (TestEnv, serde_json::Value) {
    let emu = Emu::demo(config);
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, &emu, "demo", "");
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let stats = emu.stats();
    (env, stats)
}

#[test]
fn list_order_and_page_size_change_nothing() {
    let cases = [
        (ListOrder::Reverse, Some(1)),
        (ListOrder::Shuffle(7), Some(25)),
        (ListOrder::Shuffle(99), Some(1000)),
        (ListOrder::AsStored, None),
    ];
    for (order, page_size) in cases {
        let (env, _) = backup_via_config(EmulatorConfig {
            order,
            page_size,
            ..EmulatorConfig::default()
        });
        assert_same_tree(
            &tenant_tree(&env, "demo"),
            &golden(),
            &format!("order {order:?}, page size {page_size:?}"),
        );
    }
}

#[test]
fn requests_are_lists_plus_batched_hydration() {
    let (_, stats) = backup_via_config(EmulatorConfig::default());
    let http = stats["httpRequests"].as_u64().unwrap();
    let batches = stats["batches"].as_u64().unwrap();
    let tokens = stats["tokenRequests"].as_u64().unwrap();
    assert_eq!(tokens, 1, "one token for the whole run");
    assert!(batches >= 1, "per-object hydration goes through $batch");
    // Every catalog collection is listed once (shared collections once, reference data too),
    // then full batches: nothing else.
    // A collection below another's objects (enrollment profiles below their tokens) is one
    // list per parent object.
    let mut lists: Vec<(String, &str)> = vec![];
    for e in tenant_atlas::catalog::all() {
        for s in e.sources {
            let v = s.version.as_str();
            match s
                .collection
                .split_once(tenant_atlas::catalog::PARENT_SEGMENT)
            {
                Some((parent, child)) => {
                    let seeded = std::fs::read_dir(demo_seed_dir().join(v).join(parent)).unwrap();
                    for f in seeded {
                        let o: serde_json::Value =
                            serde_json::from_slice(&std::fs::read(f.unwrap().path()).unwrap())
                                .unwrap();
                        let id = o["id"].as_str().unwrap();
                        lists.push((format!("{v}/{parent}/{id}/{child}"), s.list_query));
                    }
                }
                None => lists.push((format!("{v}/{}", s.collection), s.list_query)),
            }
        }
    }
    for r in tenant_atlas::catalog::REFERENCE_SOURCES {
        if let tenant_atlas::catalog::RefLookup::List { query } = r.lookup {
            lists.push((format!("{}/{}", r.version.as_str(), r.collection), query));
        }
    }
    lists.sort();
    lists.dedup();
    let least = lists.len() as u64 + batches + tokens;
    assert!(
        http <= least,
        "backup of the demo tenant took {http} HTTP requests, {least} expected ({} lists, \
         {batches} batches, {tokens} token): {stats}",
        lists.len()
    );
}

#[test]
fn all_tenants_get_a_commit_each() {
    let emu = Emu::start(
        EmulatorConfig::default(),
        vec![
            tenant_atlas::emulator::TenantSeed::load_dir(&demo_seed_dir()).unwrap(),
            tenant_atlas::emulator::TenantSeed::generate(60, 3),
        ],
    );
    // The generated tenant's credentials, read back from the emulator's own dump.
    let dump = tempfile::tempdir().unwrap();
    emu.handle.as_ref().unwrap().dump(dump.path()).unwrap();
    let (tenant, client, secret) = demo_credentials();
    let gen_json: serde_json::Value = std::fs::read_dir(dump.path())
        .unwrap()
        .map(|d| d.unwrap().path().join("tenant.json"))
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .find(|t: &serde_json::Value| t["tenantId"] != tenant.as_str())
        .unwrap();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret).env(
        "GEN_SECRET",
        gen_json["clients"][0]["clientSecret"].as_str().unwrap(),
    );
    let (code, _, err) = out(&env.run(&["init", "repo"]));
    assert_eq!(code, 0, "{err}");
    let url = emu.url();
    let config = format!(
        "{}- name: generated\n  tenantId: {}\n  clientId: {}\n  clientSecretEnv: GEN_SECRET\n  endpoints: {{graph: '{url}', login: '{url}'}}\n",
        config_for("demo", &tenant, &client, &url, ""),
        gen_json["tenantId"].as_str().unwrap(),
        gen_json["clients"][0]["clientId"].as_str().unwrap()
    );
    std::fs::write(env.repo().join("atlas.yaml"), config).unwrap();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo", "--all"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(
        commit_count(&env.repo()),
        2,
        "{}",
        git(&env.repo(), &["log", "--oneline"])
    );
    assert!(env.repo().join("tenants/generated/tenant.yaml").exists());
    assert_same_tree(
        &tenant_tree(&env, "demo"),
        &golden(),
        "demo next to another tenant",
    );
}

#[test]
fn type_and_only_leave_the_rest_alone() {
    let env = TestEnv::new();
    assert_eq!(out(&env.run(&["backup", "--demo", "repo"])).0, 0);
    let before = tenant_tree(&env, "demo");
    // A matching object is rewritten from Graph (a hand edit of it is undone); nothing else moves.
    let matched = before
        .keys()
        .find(|k| k.starts_with("scopeTags/berlin"))
        .expect("the demo has a Berlin scope tag")
        .clone();
    std::fs::write(
        env.repo().join("tenants/demo").join(&matched),
        "edited by hand\n",
    )
    .unwrap();
    let (code, stdout, stderr) = out(&env.run(&[
        "backup",
        "--demo",
        "repo",
        "--type",
        "scopeTags",
        "--only",
        "scopeTags/B*",
    ]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_same_tree(&tenant_tree(&env, "demo"), &before, "restricted re-backup");
    assert!(stdout.contains("no changes"), "{stdout}");
    assert_eq!(commit_count(&env.repo()), 1);
    let (code, _, stderr) = out(&env.run(&["backup", "--demo", "repo", "--type", "nope"]));
    assert_eq!(code, 64);
    assert!(stderr.contains("unknown type `nope`"), "{stderr}");
}

#[test]
fn push_sends_the_commit_to_the_remote() {
    let env = TestEnv::new();
    let remote = env.path().join("remote.git");
    assert!(
        std::process::Command::new("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&remote)
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(out(&env.run(&["init", "repo"])).0, 0);
    git(
        &env.repo(),
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    let (code, stdout, stderr) = out(&env.run(&["backup", "--demo", "repo", "--push"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("pushed"), "{stdout}");
    let local = git(&env.repo(), &["rev-parse", "HEAD"]);
    let pushed = git(&remote, &["rev-parse", "main"]);
    assert_eq!(local, pushed);
}
