//! `apply` and `restore` against the real emulator: a cleared tenant restored from its backup,
//! refusals (already applied, stale, locked), kill -9 and lost-create recovery without duplicates,
//! a failing write, settings catalog and ADMX request shapes, confirmation and secrets.
//! Shared helpers live here; the tests are split by what they exercise.

use crate::common::*;
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use tenant_atlas::emulator::EmulatorConfig;
use tenant_atlas::graph::{ClientConfig, Credential, Endpoints, GraphClient, SecretString};

mod closed_output;
mod disk_faults;
mod failures;
mod forgery;
mod matrix;
mod minimal_metadata;
mod reads;
mod refusals;
mod resume;
mod roundtrip;
mod shared_names;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A demo emulator with no latency.
fn emulator() -> Emu {
    Emu::demo(EmulatorConfig::default())
}

fn demo_tenant_id() -> String {
    demo_credentials().0
}

/// Intune's own write limit (100 per 20 s) rather than the client's default 80%: fewer waits.
const RATE_LIMIT: &str = "  rateLimit: {requests: 1000, writes: 100, windowSeconds: 20}\n";

/// Points the repository's `demo` tenant at another emulator (a backup restored elsewhere).
pub(crate) fn point_at(env: &TestEnv, emu: &Emu) {
    let (tenant, client_id, _) = demo_credentials();
    std::fs::write(
        env.repo().join("atlas.yaml"),
        config_for("demo", &tenant, &client_id, &emu.url(), RATE_LIMIT),
    )
    .unwrap();
}

/// A repository whose `demo` tenant points at `emu`, with one backup commit of it.
pub(crate) fn backed_up(emu: &Emu) -> TestEnv {
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, emu, "demo", RATE_LIMIT);
    let (code, stdout, stderr) = run(&env, &["backup"]);
    assert_eq!(code, 0, "backup: {stdout}\n{stderr}");
    env
}

/// Removes every restorable object of the demo tenant.
pub(crate) fn clear(emu: &Emu) {
    emu.handle
        .as_ref()
        .unwrap()
        .clear_tenant(&demo_tenant_id())
        .unwrap();
}

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// A fresh run id for every CLI run (run logs and locks are named by it).
fn next_run_id() -> String {
    format!(
        "20260115T093000Z-{:06x}",
        RUNS.fetch_add(1, Ordering::SeqCst) + 0x100
    )
}

/// The CLI in the repository, with its own run id.
pub(crate) fn cmd(env: &TestEnv, args: &[&str]) -> std::process::Command {
    let mut all = vec!["--repo", "repo"];
    all.extend_from_slice(args);
    let mut c = env.cmd(&all);
    c.env("ATLAS_RUN_ID", next_run_id());
    c
}

pub(crate) fn run(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    out(&cmd(env, args).output().unwrap())
}

/// `plan --out FILE` of the demo folder at `from` (and `extra` arguments); returns the plan.
pub(crate) fn plan_to(env: &TestEnv, file: &str, from: &str, extra: &[&str]) -> Value {
    let mut args = vec!["plan", "--tenant", "demo", "--from", from, "--out", file];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run(env, &args);
    assert!(
        code == 0 || code == 2,
        "plan exit {code}: {stdout}\n{stderr}"
    );
    read_plan(env, file)
}

pub(crate) fn read_plan(env: &TestEnv, file: &str) -> Value {
    let text = std::fs::read_to_string(env.path().join(file)).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub(crate) fn apply(env: &TestEnv, file: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["apply", file, "--yes"];
    args.extend_from_slice(extra);
    run(env, &args)
}

/// Items of a plan with the given action.
pub(crate) fn items_with<'a>(plan: &'a Value, action: &str) -> Vec<&'a Value> {
    plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == action)
        .collect()
}

/// The emulator's state in seed form: collection folder → object name → objects of that name.
pub(crate) fn live_by_name(emu: &Emu) -> BTreeMap<String, BTreeMap<String, Vec<Value>>> {
    let dir = tempfile::tempdir().unwrap();
    emu.handle.as_ref().unwrap().dump(dir.path()).unwrap();
    let mut out: BTreeMap<String, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
    for (rel, bytes) in tree(dir.path()) {
        let Some((coll, _)) = rel.rsplit_once('/') else {
            continue;
        };
        let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        let name = ["displayName", "name"]
            .iter()
            .find_map(|k| v[*k].as_str())
            .unwrap_or_else(|| v["id"].as_str().unwrap_or_default())
            .to_string();
        out.entry(coll.to_string())
            .or_default()
            .entry(name)
            .or_default()
            .push(v);
    }
    out
}

/// (collection, name, count) of every name held by more objects than `before` had.
pub(crate) fn duplicates(
    before: &BTreeMap<String, BTreeMap<String, Vec<Value>>>,
    after: &BTreeMap<String, BTreeMap<String, Vec<Value>>>,
) -> Vec<(String, String, usize)> {
    let mut dups = vec![];
    for (coll, names) in after {
        for (name, objs) in names {
            let had = before
                .get(coll)
                .and_then(|n| n.get(name))
                .map_or(0, Vec::len);
            if objs.len() > had.max(1) {
                dups.push((coll.clone(), name.clone(), objs.len()));
            }
        }
    }
    dups
}

/// Object counts per collection.
fn counts(state: &BTreeMap<String, BTreeMap<String, Vec<Value>>>) -> BTreeMap<String, usize> {
    state
        .iter()
        .map(|(c, n)| (c.clone(), n.values().map(Vec::len).sum()))
        .collect()
}

fn writes(emu: &Emu) -> Value {
    emu.stats()["writes"].clone()
}

fn path_in(env: &TestEnv, rel: &str) -> PathBuf {
    env.path().join(rel)
}

/// A file name without its `--<id8>` part.
pub(crate) fn strip_id(rel: &str) -> String {
    match rel.rfind("--") {
        Some(i) => {
            let dot = rel[i..].find('.').map_or(rel.len(), |d| i + d);
            format!("{}{}", &rel[..i], &rel[dot..])
        }
        None => rel.to_string(),
    }
}

/// The full id of a revision of the repository.
pub(crate) fn rev(env: &TestEnv, r: &str) -> String {
    git(&env.repo(), &["rev-parse", r]).trim().to_string()
}

/// A Graph client of the demo tenant against `emu`.
pub(crate) fn client(emu: &Emu) -> GraphClient {
    let (tenant, client, secret) = demo_credentials();
    let mut config = ClientConfig::new(
        &tenant,
        &client,
        Credential::Secret(SecretString::new(&secret)),
    );
    config.endpoints = Some(Endpoints::parse(&emu.url(), &emu.url()).unwrap());
    let _guard = emu.rt.enter();
    GraphClient::new(config).unwrap()
}

/// One real Graph write; panics when Graph refuses it.
pub(crate) fn send(
    emu: &Emu,
    c: &GraphClient,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let r = emu
        .rt
        .block_on(c.send(method.clone(), path, body.as_ref()))
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    assert!(r.status < 300, "{method} {path}: {}", r.status);
    r.body.unwrap_or(Value::Null)
}

pub(crate) fn list(emu: &Emu, c: &GraphClient, path: &str) -> Vec<Value> {
    emu.rt
        .block_on(c.list(path))
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// Edits one file of the repository and commits it as a person would; returns the new commit.
pub(crate) fn hand_edit(env: &TestEnv, rel: &str, f: impl FnOnce(String) -> String) -> String {
    let repo = env.repo();
    let p = repo.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    let new = f(text.clone());
    assert_ne!(new, text, "{rel} was edited");
    std::fs::write(p, new).unwrap();
    commit_all(&repo, "hand edit");
    rev(env, "HEAD")
}

/// The one document of `kind` below tenants/demo whose file name starts with `stem`.
pub(crate) fn doc_path(env: &TestEnv, kind: &str, stem: &str) -> String {
    let dir = env.repo().join("tenants/demo").join(kind);
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(stem) && n.ends_with(".yaml"))
        .collect();
    assert_eq!(found.len(), 1, "{kind}/{stem}: {found:?}");
    format!("tenants/demo/{kind}/{}", found.remove(0))
}

/// The types of the smaller restores: 44 items, 78 write requests (under one write window),
/// with references between them (scope tags, filters, notification templates).
const SUBSET: &[&str] = &[
    "scopeTags",
    "assignmentFilters",
    "notificationTemplates",
    "namedLocations",
    "reusableSettings",
    "compliancePolicies",
    "complianceV2",
    "settingsCatalog",
    "powershellScripts",
    "remediations",
    "shellScripts",
    "customAttributeScripts",
    "qualityUpdateProfiles",
];

pub(crate) fn type_args(types: &[&'static str]) -> Vec<&'static str> {
    types.iter().flat_map(|t| ["--type", *t]).collect()
}

/// Planning `backup` again (of `types`) finds nothing to create or update: the tenant is what the
/// plan wanted.
pub(crate) fn assert_nothing_left(env: &TestEnv, backup: &str, types: &[&'static str], what: &str) {
    let again = plan_to(env, "again.json", backup, &type_args(types));
    assert_eq!(
        (
            again["summary"]["create"].as_u64(),
            again["summary"]["update"].as_u64()
        ),
        (Some(0), Some(0)),
        "{what}: {}",
        again["summary"]
    );
}

/// "N applied, M failed" of an apply's output.
pub(crate) fn applied_failed(stdout: &str) -> (usize, usize) {
    let line = stdout
        .lines()
        .find(|l| l.contains(" applied, ") && l.contains(" failed"))
        .unwrap_or_else(|| panic!("no summary line: {stdout}"));
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .take(2)
        .collect();
    (n[0], n[1])
}

fn total_writes(w: &Value) -> u64 {
    ["POST", "PATCH", "PUT", "DELETE"]
        .iter()
        .map(|m| w[*m].as_u64().unwrap())
        .sum()
}
