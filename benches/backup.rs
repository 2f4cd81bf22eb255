//! Backup benchmark: generated tenants on the emulator with latency and Intune throttling.
//!
//! For each size it runs the real CLI twice against the same emulator — a first backup into an empty
//! repository, then a no-op re-backup — and reports wall time, Graph requests (total, per object, and
//! against the minimum the catalog needs), CPU time and peak memory of the CLI process.
//!
//! `cargo bench --bench backup` (sizes 1000 and 10000); `ATLAS_BENCH_SIZES=200` for a quick run.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use tenant_atlas::emulator::{self, EmulatorConfig, TenantSeed, Throttle};

struct Measure {
    wall: Duration,
    cpu: Duration,
    max_rss_kib: i64,
    code: i32,
}

/// Runs the CLI and reads its own resource usage with wait4 (which also reaps the child, hence the
/// `zombie_processes` allowance: std's `wait` would reap it without the usage).
#[allow(clippy::zombie_processes)]
fn run_cli(args: &[&str], env: &[(&str, &str)]) -> Measure {
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenant-atlas"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@localhost");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn CLI");
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child and fills a zeroed rusage.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert!(pid > 0, "wait4 failed");
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Measure {
        wall: start.elapsed(),
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
        code: libc::WEXITSTATUS(status),
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::var("ATLAS_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1000, 10_000]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "| objects | run | wall s | CPU s | peak RSS MiB | HTTP requests | per object | minimum | ratio | 429s |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let seed = TenantSeed::generate(n, 42);
        let config = EmulatorConfig {
            latency: Duration::from_millis(50),
            throttle: Throttle::Intune {
                window: Duration::from_secs(20),
                scale: 1.0,
            },
            ..EmulatorConfig::default()
        };
        let handle = rt
            .block_on(emulator::start(
                config,
                vec![seed],
                "127.0.0.1:0".parse().unwrap(),
            ))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        handle.dump(&dir.path().join("seed")).unwrap();
        let tenant: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("seed/tenant.json")).unwrap())
                .unwrap();
        let repo = dir.path().join("repo");
        assert_eq!(run_cli(&["init", repo.to_str().unwrap()], &[]).code, 0);
        let url = handle.base_url();
        std::fs::write(
            repo.join("atlas.yaml"),
            format!(
                "tenants:\n- name: bench\n  tenantId: {}\n  clientId: {}\n  clientSecretEnv: BENCH_SECRET\n  endpoints: {{graph: '{url}', login: '{url}'}}\n",
                tenant["tenantId"].as_str().unwrap(),
                tenant["clients"][0]["clientId"].as_str().unwrap()
            ),
        )
        .unwrap();
        let secret = tenant["clients"][0]["clientSecret"]
            .as_str()
            .unwrap()
            .to_string();
        for run in ["first", "no-op"] {
            reset(&url);
            let m = run_cli(
                &["backup", "--repo", repo.to_str().unwrap()],
                &[("BENCH_SECRET", &secret)],
            );
            assert!(m.code == 0, "backup exited {}", m.code);
            let stats = handle.stats();
            let http = stats["httpRequests"].as_u64().unwrap_or(0);
            let min = minimum_requests(&stats);
            println!(
                "| {n} | {run} | {:.1} | {:.2} | {:.0} | {http} | {:.3} | {min} | {:.2} | {} |",
                m.wall.as_secs_f64(),
                m.cpu.as_secs_f64(),
                m.max_rss_kib as f64 / 1024.0,
                http as f64 / n as f64,
                http as f64 / min.max(1) as f64,
                stats["throttled"].as_u64().unwrap_or(0),
            );
        }
        documents(&repo.join("tenants/bench"), n);
        rt.block_on(handle.shutdown());
    }
}

/// The fewest HTTP requests the catalog needs for what the emulator served: every list page it had to
/// serve (page sizes are Graph's), one token, and the inner hydration requests packed 20 per `$batch`.
fn minimum_requests(stats: &serde_json::Value) -> u64 {
    let log = stats["log"].as_array().cloned().unwrap_or_default();
    let pages = log
        .iter()
        .filter(|e| {
            e["method"] == "GET" && e["status"] == 200 && e.get("batch").is_none_or(|b| b == false)
        })
        .count() as u64;
    let inner = stats["requests"]
        .as_u64()
        .unwrap_or(0)
        .saturating_sub(pages);
    1 + pages + inner.div_ceil(20)
}

fn reset(url: &str) {
    let _ = Command::new("curl")
        .args(["-s", "-X", "POST", &format!("{url}/_emulator/reset")])
        .status();
}

fn documents(dir: &Path, n: usize) {
    let mut count = 0;
    for e in walk(dir) {
        let rel = e.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        if rel.ends_with(".yaml") && rel.contains('/') && !rel.starts_with("_refs") {
            count += 1;
        }
    }
    assert_eq!(count, n, "every generated object is backed up");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
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
