//! Soak benchmark of `reconcile`: 1,000 rounds over 20 generated emulator tenants (half in backup
//! mode, half in report mode, fast timers, drift injected through Graph as it runs), with the real
//! binary as a child process. Its resident memory (VmRSS, and the high-water mark VmHWM) and open
//! file descriptors are sampled from /proc when the status files count 100 and 1,000 rounds: flat
//! memory and no fd growth are the point.
//!
//! `cargo bench --bench soak`; `ATLAS_SOAK_ROUNDS=300 ATLAS_SOAK_TENANTS=5` for a quick run.

mod common;

use common::run_cli;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tenant_atlas::emulator::{self, EmulatorConfig, TenantSeed};

const TYPES: &str = "[deviceConfigurations, windowsUpdateRings, settingsCatalog, compliancePolicies, scopeTags, assignmentFilters]";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (VmRSS KiB, VmHWM KiB, open fds) of a process.
fn sample(pid: u32) -> (u64, u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    (kib("VmRSS:"), kib("VmHWM:"), fds)
}

/// Rounds counted by the status files.
fn rounds(repo: &Path) -> u64 {
    std::fs::read_dir(repo.join(".git/atlas/status"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|b| serde_json::from_slice::<Value>(&b).ok())
        .map(|s| s["rounds"].as_u64().unwrap_or(0))
        .sum()
}

struct Tenant {
    id: String,
    client: String,
    secret: String,
    /// A device configuration to drift: (id, @odata.type).
    drift: Option<(String, Value)>,
}

fn main() {
    let target = env_or("ATLAS_SOAK_ROUNDS", 1000);
    let count = env_or("ATLAS_SOAK_TENANTS", 20) as usize;
    let rt = common::runtime();
    let seeds: Vec<TenantSeed> = (0..count)
        .map(|i| TenantSeed::generate(8, 900 + i as u64))
        .collect();
    let handle = rt
        .block_on(emulator::start(
            EmulatorConfig::default(),
            seeds,
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let url = handle.base_url();
    let dir = tempfile::tempdir().unwrap();
    handle.dump(&dir.path().join("seed")).unwrap();
    let mut tenants = vec![];
    for e in std::fs::read_dir(dir.path().join("seed"))
        .unwrap()
        .flatten()
    {
        let t: Value =
            serde_json::from_slice(&std::fs::read(e.path().join("tenant.json")).unwrap()).unwrap();
        let drift = std::fs::read_dir(e.path().join("beta/deviceManagement/deviceConfigurations"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|f| serde_json::from_slice::<Value>(&std::fs::read(f.path()).ok()?).ok())
            .find(|o| !o.to_string().contains("omaSettings"))
            .map(|o| {
                (
                    o["id"].as_str().unwrap().to_string(),
                    o["@odata.type"].clone(),
                )
            });
        tenants.push(Tenant {
            id: t["tenantId"].as_str().unwrap().into(),
            client: t["clients"][0]["clientId"].as_str().unwrap().into(),
            secret: t["clients"][0]["clientSecret"].as_str().unwrap().into(),
            drift,
        });
    }
    tenants.sort_by(|a, b| a.id.cmp(&b.id));
    let repo = dir.path().join("repo");
    assert_eq!(run_cli(&["init", repo.to_str().unwrap()], &[]).code, 0);
    let mut yaml = String::from("tenants:\n");
    let mut envs: Vec<(String, String)> = vec![];
    for (i, t) in tenants.iter().enumerate() {
        let mode = if i % 2 == 0 { "backup" } else { "report" };
        yaml.push_str(&format!(
            "- name: t{i:02}\n  tenantId: {}\n  clientId: {}\n  clientSecretEnv: SOAK_SECRET_{i}\n  endpoints: {{graph: '{url}', login: '{url}'}}\n  types: {{include: {TYPES}}}\n  schedule: {{backup: 100ms, jitter: 50ms}}\n  mode: {mode}\n",
            t.id, t.client
        ));
        envs.push((format!("SOAK_SECRET_{i}"), t.secret.clone()));
    }
    yaml.push_str("reconcile: {concurrency: 4, debounce: 100ms, interval: 1h}\n");
    std::fs::write(repo.join("atlas.yaml"), yaml).unwrap();
    let env_refs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let first = run_cli(&["backup", "--repo", repo.to_str().unwrap()], &env_refs);
    assert_eq!(first.code, 0, "the first backup failed");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenant-atlas"));
    cmd.args(["reconcile", "--repo", repo.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@localhost")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in &env_refs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn reconcile");
    let pid = child.id();
    let clients: Vec<tenant_atlas::graph::GraphClient> = tenants
        .iter()
        .map(|t| {
            let mut c = tenant_atlas::graph::ClientConfig::new(
                t.id.clone(),
                t.client.clone(),
                tenant_atlas::graph::Credential::Secret(tenant_atlas::graph::SecretString::new(
                    t.secret.clone(),
                )),
            );
            c.endpoints = Some(tenant_atlas::graph::Endpoints::parse(&url, &url).unwrap());
            let _g = rt.enter();
            tenant_atlas::graph::GraphClient::new(c).unwrap()
        })
        .collect();
    let start = Instant::now();
    let mut samples: Vec<(u64, f64, (u64, u64, usize))> = vec![];
    let mut checkpoints = vec![100u64.min(target), target];
    checkpoints.dedup();
    let mut next_drift = Instant::now();
    let mut drifts = 0usize;
    while !checkpoints.is_empty() {
        let n = rounds(&repo);
        if n >= checkpoints[0] {
            samples.push((n, start.elapsed().as_secs_f64(), sample(pid)));
            checkpoints.remove(0);
            continue;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("reconcile exited early: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(1800),
            "soak hangs at {n} rounds"
        );
        if Instant::now() >= next_drift {
            let i = drifts % tenants.len();
            if let Some((id, odata)) = &tenants[i].drift {
                let body =
                    json!({"@odata.type": odata, "description": format!("soak drift {drifts}")});
                let path = format!("beta/deviceManagement/deviceConfigurations/{id}");
                let _ = rt.block_on(clients[i].send(reqwest::Method::PATCH, &path, Some(&body)));
            }
            drifts += 1;
            next_drift = Instant::now() + Duration::from_millis(500);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: signals our own child.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    println!(
        "{} tenants ({} backup, {} report), 8 generated policies each, 100 ms schedule + 50 ms jitter, concurrency 4, {drifts} drifts injected; exit {status}",
        tenants.len(),
        tenants.len().div_ceil(2),
        tenants.len() / 2
    );
    println!("| rounds | wall s | RSS MiB | peak RSS (VmHWM) MiB | open fds |");
    println!("|---:|---:|---:|---:|---:|");
    for (n, wall, (rss, hwm, fds)) in samples {
        println!(
            "| {n} | {wall:.1} | {:.1} | {:.1} | {fds} |",
            rss as f64 / 1024.0,
            hwm as f64 / 1024.0
        );
    }
    drop(handle);
}
