//! What the benchmarks share: running the real CLI with its own CPU time and peak memory,
//! generated tenants on the emulator with a repository naming them, changes to them through Graph,
//! and resetting the emulator's counters; [`load`]: the `serve` process and clients loading it.

#![allow(dead_code)]

pub mod load;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use tenant_atlas::emulator::{self, EmulatorConfig, EmulatorHandle, TenantSeed, Throttle};

pub struct Measure {
    pub wall: Duration,
    pub cpu: Duration,
    pub max_rss_kib: i64,
    pub code: i32,
}

/// Runs the CLI and reads its own resource usage with wait4 (which also reaps the child, hence the
/// `zombie_processes` allowance: std's `wait` would reap it without the usage).
pub fn run_cli(args: &[&str], env: &[(&str, &str)]) -> Measure {
    run(args, env, std::process::Stdio::null())
}

/// As [`run_cli`], with the CLI's standard output written to `out`.
pub fn run_cli_to(args: &[&str], env: &[(&str, &str)], out: &Path) -> Measure {
    run(
        args,
        env,
        std::fs::File::create(out)
            .expect("create output file")
            .into(),
    )
}

#[allow(clippy::zombie_processes)]
fn run(args: &[&str], env: &[(&str, &str)], stdout: std::process::Stdio) -> Measure {
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenant-atlas"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@localhost");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.stdout(stdout).spawn().expect("spawn CLI");
    let pid = child.id() as i32;
    // Peak memory is the child's own high-water mark (VmHWM), sampled until it exits: rusage's
    // ru_maxrss would include this process's footprint (it hosts the emulator), which Linux carries
    // into a child across fork and exec.
    let mut hwm_kib = 0i64;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        {
            hwm_kib = hwm_kib.max(kib);
        }
        // SAFETY: polls our own child and fills a zeroed rusage.
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(done >= 0, "wait4 failed");
        if done == pid {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Measure {
        wall: start.elapsed(),
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kib: hwm_kib,
        code: libc::WEXITSTATUS(status),
    }
}

pub fn reset(url: &str) {
    let _ = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-X",
            "POST",
            &format!("{url}/_emulator/reset"),
        ])
        .status();
}

pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

/// PATCHes the description of `count` device configurations; returns how many changed.
pub fn change_objects(
    rt: &tokio::runtime::Runtime,
    url: &str,
    tenant: &str,
    client: &str,
    secret: &str,
    seed: &Path,
    count: usize,
) -> usize {
    let t = Tenant {
        name: String::new(),
        id: tenant.into(),
        client: client.into(),
        secret: secret.into(),
        secret_env: String::new(),
        seed: seed.to_path_buf(),
    };
    change_tenant(rt, url, &t, count, "changed by the benchmark")
}

/// PATCHes the description of the first `count` device configurations of `t` (in the order of
/// their seed files) to `<label> <i>`; returns how many changed. A new label changes them again.
pub fn change_tenant(
    rt: &tokio::runtime::Runtime,
    url: &str,
    t: &Tenant,
    count: usize,
    label: &str,
) -> usize {
    let mut config = tenant_atlas::graph::ClientConfig::new(
        t.id.clone(),
        t.client.clone(),
        tenant_atlas::graph::Credential::Secret(tenant_atlas::graph::SecretString::new(
            t.secret.clone(),
        )),
    );
    let base = url::Url::parse(url).unwrap();
    config.endpoints = Some(tenant_atlas::graph::Endpoints {
        graph: base.clone(),
        login: base,
    });
    let graph = tenant_atlas::graph::GraphClient::new(config).unwrap();
    let mut files: Vec<_> =
        std::fs::read_dir(t.seed.join("beta/deviceManagement/deviceConfigurations"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
    files.sort();
    let mut changed = 0;
    for f in files.iter().take(count) {
        let o: serde_json::Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        let body = serde_json::json!({
            "@odata.type": o["@odata.type"],
            "description": format!("{label} {changed}"),
        });
        let path = format!(
            "beta/deviceManagement/deviceConfigurations/{}",
            o["id"].as_str().unwrap()
        );
        rt.block_on(graph.send(reqwest::Method::PATCH, &path, Some(&body)))
            .unwrap();
        changed += 1;
    }
    changed
}

/// A generated tenant: its name in `atlas.yaml`, credentials, the environment variable its
/// secret is read from, and the folder of its dumped seed.
pub struct Tenant {
    pub name: String,
    pub id: String,
    pub client: String,
    pub secret: String,
    pub secret_env: String,
    pub seed: std::path::PathBuf,
}

impl Tenant {
    fn from_dump(name: String, secret_env: String, seed: std::path::PathBuf) -> Tenant {
        let t: serde_json::Value =
            serde_json::from_slice(&std::fs::read(seed.join("tenant.json")).unwrap()).unwrap();
        Tenant {
            name,
            id: t["tenantId"].as_str().unwrap().into(),
            client: t["clients"][0]["clientId"].as_str().unwrap().into(),
            secret: t["clients"][0]["clientSecret"].as_str().unwrap().into(),
            secret_env,
            seed,
        }
    }

    /// Its entry in the `tenants:` list of `atlas.yaml`, pointing at the emulator at `url`.
    fn yaml(&self, url: &str) -> String {
        format!(
            "- name: {}\n  tenantId: {}\n  clientId: {}\n  clientSecretEnv: {}\n  endpoints: {{graph: '{url}', login: '{url}'}}\n",
            self.name, self.id, self.client, self.secret_env
        )
    }
}

/// A generated tenant of `n` objects on the emulator with 50 ms latency and Intune's throttling,
/// its seed dumped to `<dir>/seed`, and a repository `<dir>/repo` whose tenant `bench` points at it.
pub fn start(
    rt: &tokio::runtime::Runtime,
    n: usize,
) -> (EmulatorHandle, tempfile::TempDir, Tenant) {
    let config = EmulatorConfig {
        latency: Duration::from_millis(50),
        throttle: Throttle::Intune {
            window: Duration::from_secs(20),
            scale: 1.0,
        },
        ..EmulatorConfig::default()
    };
    start_with(rt, config, n)
}

/// As [`start`], on an emulator configured by `config`.
pub fn start_with(
    rt: &tokio::runtime::Runtime,
    config: EmulatorConfig,
    n: usize,
) -> (EmulatorHandle, tempfile::TempDir, Tenant) {
    let handle = rt
        .block_on(emulator::start(
            config,
            vec![TenantSeed::generate(n, 42)],
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    handle.dump(&dir.path().join("seed")).unwrap();
    let tenant = Tenant::from_dump(
        "bench".into(),
        "BENCH_SECRET".into(),
        dir.path().join("seed"),
    );
    init_repo(&dir.path().join("repo"), &[&tenant], &handle.base_url());
    (handle, dir, tenant)
}

/// `count` generated tenants of `n` objects each (seeds 42, 43, …) on one emulator configured by
/// `config`, their seeds dumped to `<dir>/seed/<tenant id>`, and a repository `<dir>/repo` naming
/// them `t00`, `t01`, … with secrets in `BENCH_SECRET_0`, `BENCH_SECRET_1`, …
pub fn start_tenants(
    rt: &tokio::runtime::Runtime,
    config: EmulatorConfig,
    count: usize,
    n: usize,
) -> (EmulatorHandle, tempfile::TempDir, Vec<Tenant>) {
    let seeds: Vec<TenantSeed> = (0..count)
        .map(|i| TenantSeed::generate(n, 42 + i as u64))
        .collect();
    let ids: Vec<String> = seeds.iter().map(|s| s.tenant_id().to_string()).collect();
    let handle = rt
        .block_on(emulator::start(
            config,
            seeds,
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed");
    handle.dump(&seed).unwrap();
    // A dump of one tenant is flat; of several, one folder per tenant id.
    let tenants: Vec<Tenant> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let at = if count == 1 {
                seed.clone()
            } else {
                seed.join(id)
            };
            Tenant::from_dump(format!("t{i:02}"), format!("BENCH_SECRET_{i}"), at)
        })
        .collect();
    let refs: Vec<&Tenant> = tenants.iter().collect();
    init_repo(&dir.path().join("repo"), &refs, &handle.base_url());
    (handle, dir, tenants)
}

/// `init` of a repository at `repo` whose `atlas.yaml` lists `tenants`.
fn init_repo(repo: &Path, tenants: &[&Tenant], url: &str) {
    assert_eq!(run_cli(&["init", repo.to_str().unwrap()], &[]).code, 0);
    let mut yaml = String::from("tenants:\n");
    for t in tenants {
        yaml.push_str(&t.yaml(url));
    }
    std::fs::write(repo.join("atlas.yaml"), yaml).unwrap();
}

/// The secrets of `tenants` as the environment the CLI reads them from.
pub fn secrets(tenants: &[Tenant]) -> Vec<(&str, &str)> {
    tenants
        .iter()
        .map(|t| (t.secret_env.as_str(), t.secret.as_str()))
        .collect()
}

/// A number from the environment variable `name`, else `default`.
pub fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Sizes from `ATLAS_BENCH_SIZES` (comma-separated), else `default`.
pub fn sizes(default: &[usize]) -> Vec<usize> {
    std::env::var("ATLAS_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

/// The runtime the benchmarks host the emulator on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
