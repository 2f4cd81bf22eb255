//! `plan` against real repositories and the real emulator: the restore preview of the same tenant
//! (unchanged, hand-edited, emptied), of another tenant (references mapped by name, missing ones
//! blocked, `--mappings`), the blocked reasons, and the plan's formats. Plans only read Graph.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;
use tenant_atlas::graph::GraphClient;
use tenant_atlas::plan::{Action, Item, Plan};

const EDGE: &str =
    "tenants/demo/settingsCatalog/edge-sicherheitsbasis-fur-buro-gerate-muller--783e9214.yaml";
const ONEDRIVE: &str =
    "tenants/demo/administrativeTemplates/onedrive-known-folder-move--a1c2b965.yaml";
const LOCKDOWN: &str = "tenants/demo/deviceConfigurations/lockdown--9f472a91.yaml";
const TOKYO: &str = "tenants/demo/scopeTags/tokyo--4e074085.yaml";
const CUSTOM_OMA: &str =
    "tenants/demo/deviceConfigurations/windows-custom-oma-uri-mixed--cdcc6849.yaml";
const MACOS_WIFI: &str = "tenants/demo/settingsCatalog/macos-wi-fi-corp-wpa2--96247bbe.yaml";
/// The AOSP enrollment profile whose Wi-Fi password Graph never returns.
const AOSP_WIFI: &str = "tenants/demo/androidEnrollmentProfiles/aosp-teams-raume-u--b9e1356f.yaml";
/// The one group id of the demo that exists nowhere (used by one `iOS – Restrictions`).
const UNRESOLVED_GROUP: &str = "29089f1e-2f03-5f6b-8390-e18e23f8e12d";
const OMA_SECRET_PATH: &str = "spec.omaSettings[7].value";

/// A demo backup through `atlas.yaml` (tenant `demo`, plus `extra` config) from `emu`.
fn backed_up(emu: &Emu, extra: &str, extra_env: &[(&str, &str)]) -> TestEnv {
    let (_, _, secret) = demo_credentials();
    let mut env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    for (k, v) in extra_env {
        env = env.env(k, v);
    }
    init_repo_for(&env, emu, "demo", extra);
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo", "--tenant", "demo"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    env
}

/// Runs `plan` in the repository with `--out`; (exit code, stdout, the plan file parsed).
fn plan(env: &TestEnv, args: &[&str]) -> (i32, String, Plan) {
    let file = env.path().join("plan.json");
    let _ = std::fs::remove_file(&file);
    let mut all = vec!["--repo", "repo", "plan", "--out", file.to_str().unwrap()];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = out(&env.run(&all));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{args:?} wrote no plan ({e}):\n{stdout}\n{stderr}"));
    let p: Plan = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    assert!(p.is_intact(), "the plan file carries its own hash");
    (code, stdout, p)
}

fn item<'a>(p: &'a Plan, path: &str) -> &'a Item {
    p.items
        .iter()
        .find(|i| i.path == path)
        .unwrap_or_else(|| panic!("no item {path}"))
}

/// Items as `action path` lines, for messages.
fn listing(p: &Plan) -> String {
    p.items
        .iter()
        .map(|i| format!("{} {} {:?}", i.action.as_str(), i.path, i.reasons))
        .collect::<Vec<_>>()
        .join("\n")
}

fn writes(emu: &Emu) -> Value {
    emu.stats()["writes"].clone()
}

const NO_WRITES: fn() -> Value = || json!({"POST": 0, "PATCH": 0, "PUT": 0, "DELETE": 0});

fn demo_client(emu: &Emu) -> GraphClient {
    let (tenant, client, secret) = demo_credentials();
    client_for(emu, &tenant, &client, &secret)
}

fn list(emu: &Emu, c: &GraphClient, path: &str) -> Vec<Value> {
    emu.rt
        .block_on(c.list(path))
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// Id of the one object called `name` in a listed collection.
fn id_named(objects: &[Value], name: &str) -> String {
    let found: Vec<&Value> = objects
        .iter()
        .filter(|o| o["displayName"] == name)
        .collect();
    assert_eq!(found.len(), 1, "{name}");
    found[0]["id"].as_str().unwrap().to_string()
}

/// Replaces exactly one occurrence of `from` in a file of the repository.
fn replace(repo: &Path, rel: &str, from: &str, to: &str) {
    let p = repo.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{rel}: {from}");
    std::fs::write(p, text.replacen(from, to, 1)).unwrap();
}

fn body(item: &Item, i: usize) -> &Value {
    item.requests[i].body.as_ref().expect("request body")
}

mod cross;
mod local;
