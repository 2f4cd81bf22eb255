//! `reconcile` against the real emulator: the loop over three tenants in three modes with faults,
//! coalescing of triggers, refusals by windows and guardrails, SIGTERM during an apply and its
//! resumption, `--once` exit codes. Shared helpers live here; the tests are split by what they
//! exercise.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tenant_atlas::emulator::{EmulatorConfig, TenantSeed};

mod counts;
mod enforce;
mod notifications;
mod pipe;
mod rounds;
mod triggers;
mod with_serve;

/// Types the test tenants back up: few, so rounds are quick.
const TYPES: &str = "[deviceConfigurations, windowsUpdateRings, settingsCatalog, compliancePolicies, scopeTags, assignmentFilters]";

/// One generated emulator tenant and the name it has in `atlas.yaml`.
#[derive(Debug, Clone)]
struct Gen {
    name: String,
    id: String,
    client: String,
    secret: String,
    /// Variable holding its client secret.
    env: String,
    /// Its objects as seeded: collection path → objects.
    seed: BTreeMap<String, Vec<Value>>,
}

/// Starts the emulator with one generated tenant of `objects` policies per name.
fn fleet(config: EmulatorConfig, names: &[&str], objects: usize) -> (Emu, Vec<Gen>) {
    let seeds: Vec<TenantSeed> = (0..names.len())
        .map(|i| TenantSeed::generate(objects, 500 + i as u64))
        .collect();
    let ids: Vec<String> = seeds.iter().map(|s| s.tenant_id().to_string()).collect();
    let emu = Emu::start(config, seeds);
    let dir = tempfile::tempdir().unwrap();
    emu.handle.as_ref().unwrap().dump(dir.path()).unwrap();
    let gens = names
        .iter()
        .zip(ids)
        .map(|(name, id)| {
            let base = if names.len() == 1 {
                dir.path().to_path_buf()
            } else {
                dir.path().join(&id)
            };
            let t: Value =
                serde_json::from_slice(&std::fs::read(base.join("tenant.json")).unwrap()).unwrap();
            let mut seed: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for (rel, bytes) in tree(&base) {
                if let Some((coll, _)) = rel.rsplit_once('/') {
                    seed.entry(coll.to_string())
                        .or_default()
                        .push(serde_json::from_slice(&bytes).unwrap());
                }
            }
            Gen {
                name: name.to_string(),
                id,
                client: t["clients"][0]["clientId"].as_str().unwrap().into(),
                secret: t["clients"][0]["clientSecret"].as_str().unwrap().into(),
                env: format!("SECRET_{}", name.to_uppercase().replace('-', "_")),
                seed,
            }
        })
        .collect();
    (emu, gens)
}

/// A tenant entry of `atlas.yaml` (`extra` lines indented by two spaces).
fn tenant_yaml(g: &Gen, url: &str, extra: &str) -> String {
    tenant_yaml_types(g, url, TYPES, extra)
}

/// A tenant entry backing up `types` (a YAML list).
fn tenant_yaml_types(g: &Gen, url: &str, types: &str, extra: &str) -> String {
    format!(
        "- name: {}\n  tenantId: {}\n  clientId: {}\n  clientSecretEnv: {}\n  endpoints: {{graph: '{url}', login: '{url}'}}\n  types: {{include: {types}}}\n  rateLimit: {{requests: 1000, writes: 100, windowSeconds: 20}}\n{extra}",
        g.name, g.id, g.client, g.env
    )
}

/// A repository with `atlas.yaml` (`tenants` entries and the `rest` of the file), backed up once,
/// with a branch `desired` at that backup. Run ids are random and the clock real unless `env`
/// fixes them.
fn repo_with(gens: &[Gen], tenants: &str, rest: &str) -> TestEnv {
    let mut env = TestEnv::new().env("ATLAS_RUN_ID", "").env("ATLAS_NOW", "");
    for g in gens {
        env = env.env(&g.env, &g.secret);
    }
    let (code, _, err) = out(&env.run(&["init", "repo"]));
    assert_eq!(code, 0, "{err}");
    write_config(&env, tenants, rest);
    let (code, o, err) = out(&env.run(&["--repo", "repo", "backup"]));
    assert_eq!(code, 0, "backup: {o}\n{err}");
    git(&env.repo(), &["branch", "desired"]);
    env
}

fn write_config(env: &TestEnv, tenants: &str, rest: &str) {
    std::fs::write(
        env.repo().join("atlas.yaml"),
        format!("tenants:\n{tenants}{rest}"),
    )
    .unwrap();
}

/// The loop settings of the tests: fast debounce and back-off.
const LOOP: &str =
    "reconcile: {concurrency: 3, debounce: 50ms, backoff: 100ms, backoffMax: 1s, interval: 1h}\n";

/// `reconcile` (with `args`) as a child process, its stdout and stderr to files in the temp dir.
fn spawn(env: &TestEnv, args: &[&str]) -> Child {
    let mut all = vec!["--repo", "repo", "reconcile"];
    all.extend_from_slice(args);
    let stdout = std::fs::File::create(env.path().join("reconcile.out")).unwrap();
    let stderr = std::fs::File::create(env.path().join("reconcile.err")).unwrap();
    env.cmd(&all)
        .env("ATLAS_LOG", "tenant_atlas=info")
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr))
        .spawn()
        .unwrap()
}

/// What the child printed (stdout, stderr).
fn output_of(env: &TestEnv) -> (String, String) {
    let read = |f: &str| std::fs::read_to_string(env.path().join(f)).unwrap_or_default();
    (read("reconcile.out"), read("reconcile.err"))
}

/// `reconcile --once` (with `args`); returns (exit code, stdout, stderr).
fn once(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--repo", "repo", "reconcile", "--once"];
    all.extend_from_slice(args);
    out(&env.run(&all))
}

/// Sends SIGTERM and waits (bounded) for the exit code.
fn terminate(child: &mut Child) -> i32 {
    // SAFETY: signals our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    wait_exit(child, "after SIGTERM")
}

/// Waits (bounded, only so a broken build does not hang) for the child's exit code.
fn wait_exit(child: &mut Child, when: &str) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("reconcile did not exit {when}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `f` until it returns `Some` (bounded, only so a broken build does not hang).
fn wait_for<T>(what: &str, env: &TestEnv, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let (o, e) = output_of(env);
            panic!("timed out waiting for {what}\n--- stdout\n{o}\n--- stderr\n{e}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A tenant's status file.
fn status(env: &TestEnv, tenant: &str) -> Option<Value> {
    let p = env.repo().join(format!(".git/atlas/status/{tenant}.json"));
    serde_json::from_slice(&std::fs::read(p).ok()?).ok()
}

fn rounds(env: &TestEnv, tenant: &str) -> u64 {
    status(env, tenant).map_or(0, |s| s["rounds"].as_u64().unwrap_or(0))
}

/// Every private run log of a tenant of kind `kind`, by run id.
fn run_logs(env: &TestEnv, tenant: &str, kind: &str) -> BTreeMap<String, Value> {
    let dir = env.repo().join(format!(".git/atlas/runs/{tenant}"));
    let mut logs = BTreeMap::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        let Ok(v) = serde_yaml::from_str::<Value>(&text) else {
            continue;
        };
        if v["kind"] == kind {
            logs.insert(v["runId"].as_str().unwrap_or_default().to_string(), v);
        }
    }
    logs
}

/// A Graph client of a generated tenant.
fn graph(emu: &Emu, g: &Gen) -> tenant_atlas::graph::GraphClient {
    client_for(emu, &g.id, &g.client, &g.secret)
}

/// A device configuration of the tenant without secrets, to drift.
fn plain_device_configuration(g: &Gen) -> Value {
    g.seed["beta/deviceManagement/deviceConfigurations"]
        .iter()
        .find(|o| {
            let text = o.to_string();
            // Update rings live in the same collection but are another type (not backed up here).
            !text.contains("isEncrypted")
                && !text.contains("omaSettings")
                && !o["@odata.type"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("UpdateForBusiness")
        })
        .cloned()
        .expect("a device configuration without secrets")
}

/// PATCHes an object's description through Graph.
fn set_description(emu: &Emu, c: &tenant_atlas::graph::GraphClient, obj: &Value, text: &str) {
    let path = format!(
        "beta/deviceManagement/deviceConfigurations/{}",
        obj["id"].as_str().unwrap()
    );
    let body = json!({"@odata.type": obj["@odata.type"], "description": text});
    emu.rt
        .block_on(c.send(reqwest::Method::PATCH, &path, Some(&body)))
        .unwrap();
}

/// An object's live description.
fn description(emu: &Emu, c: &tenant_atlas::graph::GraphClient, obj: &Value) -> String {
    let path = format!(
        "beta/deviceManagement/deviceConfigurations/{}",
        obj["id"].as_str().unwrap()
    );
    let r = emu
        .rt
        .block_on(c.send(reqwest::Method::GET, &path, None))
        .unwrap();
    r.body.unwrap()["description"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The emulator's write counters (POST, PATCH, PUT, DELETE).
fn writes(emu: &Emu) -> BTreeMap<String, u64> {
    serde_json::from_value(emu.stats()["writes"].clone()).unwrap()
}

/// Objects of a tenant by collection and name, as the emulator holds them now.
fn names_live(emu: &Emu, g: &Gen, many: bool) -> BTreeMap<String, BTreeMap<String, usize>> {
    let dir = tempfile::tempdir().unwrap();
    emu.handle.as_ref().unwrap().dump(dir.path()).unwrap();
    let base: PathBuf = if many {
        dir.path().join(&g.id)
    } else {
        dir.path().to_path_buf()
    };
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (rel, bytes) in tree(&base) {
        let Some((coll, _)) = rel.rsplit_once('/') else {
            continue;
        };
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let name = v["displayName"]
            .as_str()
            .or(v["name"].as_str())
            .unwrap_or_default()
            .to_string();
        *out.entry(coll.to_string())
            .or_default()
            .entry(name)
            .or_default() += 1;
    }
    out
}

/// The seed's objects by collection and name.
fn names_seeded(g: &Gen) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (coll, objs) in &g.seed {
        for v in objs {
            let name = v["displayName"]
                .as_str()
                .or(v["name"].as_str())
                .unwrap_or_default()
                .to_string();
            *out.entry(coll.clone())
                .or_default()
                .entry(name)
                .or_default() += 1;
        }
    }
    out
}

/// Whether a path exists and holds `needle` at a revision.
fn at_rev_contains(repo: &Path, rev: &str, needle: &str, under: &str) -> bool {
    git(repo, &["grep", "-l", needle, rev, "--", under])
        .lines()
        .next()
        .is_some()
}
