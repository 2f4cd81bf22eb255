//! The read-only views against real repositories: `drift` with live changes sent to the emulator as
//! real Graph writes, `diff` between commits, `show`, `log` and `docs`. Shared helpers live here;
//! the tests are split by what they exercise (live drift, one change at a time, history views).

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tenant_atlas::graph::GraphClient;

const BITLOCKER: &str = "3e3e3c21-18f9-55db-a3dc-29c2ad6fb4dd";
const LOGON_BANNER: &str = "78b51358-19c1-5c55-a115-77aa29a786b8";
const MAP_DRIVES: &str = "a7715cc6-3f90-52df-8556-5b171f0c185d";
const LOCKDOWN: &str = "9f472a91-ca72-5f31-a75e-29f29f8ee3ca";
const RESTRICTIONS: &str = "86524a2d-b436-536c-8092-7bad47141b21";
const RING_PILOT: &str = "05ff1b8f-292c-5e27-9f82-cd30afa19239";
const CUSTOM_OMA: &str = "cdcc6849-a489-5d75-9772-479b70484ae2";

// ---------------------------------------------------------------------------------------------
// Helpers

/// A demo backup through `atlas.yaml` (tenant `demo`) from `emu`, committed once.
fn backed_up_demo(emu: &Emu) -> TestEnv {
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, emu, "demo", "");
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    env
}

/// Points the repository's `demo` tenant at another emulator.
fn point_at(env: &TestEnv, emu: &Emu) {
    let (tenant, client, _) = demo_credentials();
    std::fs::write(
        env.repo().join("atlas.yaml"),
        config_for("demo", &tenant, &client, &emu.url(), ""),
    )
    .unwrap();
}

/// Another backup of the repository's tenants, with its own run id.
fn backup_again(env: &TestEnv, run: &str) {
    let (code, stdout, stderr) = out(&env
        .cmd(&["backup", "--repo", "repo"])
        .env("ATLAS_RUN_ID", run)
        .output()
        .unwrap());
    assert_eq!(code, 0, "backup {run}: {stdout}\n{stderr}");
}

/// Runs a view in the repository and parses its JSON output.
fn json_of(env: &TestEnv, args: &[&str]) -> (i32, Value, String) {
    // `--format` right after the command: later arguments may follow `--`.
    let mut all = vec!["--repo", "repo", args[0], "--format", "json"];
    all.extend_from_slice(&args[1..]);
    let (code, stdout, stderr) = out(&env.run(&all));
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}):\n{stdout}\n{stderr}"));
    (code, v, stderr)
}

/// Runs a view in the repository with text output.
fn text_of(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--repo", "repo"];
    all.extend_from_slice(args);
    out(&env.run(&all))
}

/// The one report of a single-tenant JSON answer.
fn report(v: &Value) -> &Value {
    let reports = v["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 1, "{v:#}");
    &reports[0]
}

fn objects(r: &Value) -> &Vec<Value> {
    r["objects"].as_array().expect("objects")
}

/// A Graph client of the demo tenant against `emu`.
fn client(emu: &Emu) -> GraphClient {
    let (tenant, client, secret) = demo_credentials();
    client_for(emu, &tenant, &client, &secret)
}

/// One real Graph write; panics when Graph refuses it. A PATCH carries the object's `@odata.type`,
/// as Graph requires for polymorphic collections.
fn send(emu: &Emu, c: &GraphClient, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut body = body;
    if method == Method::PATCH
        && let Some(Value::Object(b)) = body.as_mut()
        && !b.contains_key("@odata.type")
        && let Some(t) = get(emu, c, path)["@odata.type"].as_str()
    {
        b.insert("@odata.type".into(), Value::String(t.to_string()));
    }
    let r = emu
        .rt
        .block_on(c.send(method.clone(), path, body.as_ref()))
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    assert!(r.status < 300, "{method} {path}: {}", r.status);
    r.body.unwrap_or(Value::Null)
}

fn get(emu: &Emu, c: &GraphClient, path: &str) -> Value {
    emu.rt
        .block_on(c.get(path))
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// Every field change of an object as `label: old → new` lines, for messages.
fn field_lines(o: &Value) -> String {
    o["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}: {} → {}", f["label"], f["old"], f["new"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Graph methods of the emulator's request log after sequence number `after`.
fn methods_after(stats: &Value, after: u64) -> Vec<(String, String)> {
    stats["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["seq"].as_u64().unwrap() > after)
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn last_seq(stats: &Value) -> u64 {
    stats["log"]
        .as_array()
        .unwrap()
        .last()
        .map_or(0, |e| e["seq"].as_u64().unwrap())
}

/// Edits one file of the repository in place.
fn edit(repo: &std::path::Path, rel: &str, f: impl FnOnce(String) -> String) {
    let p = repo.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    let new = f(text.clone());
    assert_ne!(new, text, "{rel} was edited");
    std::fs::write(p, new).unwrap();
}

/// Renames `Update Ring – Pilot` live.
fn rename(emu: &Emu, c: &GraphClient) -> String {
    send(
        emu,
        c,
        Method::PATCH,
        &format!("beta/deviceManagement/deviceConfigurations/{RING_PILOT}"),
        Some(json!({
            "@odata.type": "#microsoft.graph.windowsUpdateForBusinessConfiguration",
            "displayName": "Update Ring – Early adopters",
        })),
    );
    RING_PILOT.into()
}

mod changes;
mod history;
mod live;
mod renames;
