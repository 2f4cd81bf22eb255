//! `serve` under load: 200 concurrent clients on a generated 10,000-object repository.
//!
//! Backs up a generated tenant (emulator without latency or throttling: the backup is only the
//! setup here), changes 10 objects through Graph and backs up again (so a policy has history),
//! starts the real `serve` process, then lets 200 concurrent clients (tokio tasks sharing one
//! reqwest client) each request the tenants overview N times, and then a policy page N times.
//! Prints p50/p99 latency and throughput per page, and the server's peak RSS (VmHWM).
//!
//! `cargo bench --bench serve`; `ATLAS_BENCH_OBJECTS=1000` for a quicker repository,
//! `ATLAS_BENCH_CLIENTS` (200) and `ATLAS_BENCH_REQUESTS` (per client, 25) for the load.

mod common;

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tenant_atlas::emulator::EmulatorConfig;

const TOKEN: &str = "atl_bench_token_0123456789abcdefghijklmnop";

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = knob("ATLAS_BENCH_OBJECTS", 10_000);
    let clients = knob("ATLAS_BENCH_CLIENTS", 200);
    let per_client = knob("ATLAS_BENCH_REQUESTS", 25);
    let rt = common::runtime();

    // A repository of n objects with two backups.
    // No latency or throttling: the backups are only the setup here.
    let (handle, dir, t) = common::start_with(&rt, EmulatorConfig::default(), n);
    let (tenant, client, secret) = (t.id, t.client, t.secret);
    let repo = dir.path().join("repo");
    let r = repo.to_str().unwrap();
    let url = handle.base_url();
    let env = [("BENCH_SECRET", secret.as_str())];
    let setup = Instant::now();
    assert_eq!(common::run_cli(&["backup", "--repo", r], &env).code, 0);
    let changed = common::change_objects(
        &rt,
        &url,
        &tenant,
        &client,
        &secret,
        &dir.path().join("seed"),
        10,
    );
    assert_eq!(common::run_cli(&["backup", "--repo", r], &env).code, 0);
    eprintln!(
        "repository of {n} objects, {changed} changed, ready in {:.0} s",
        setup.elapsed().as_secs_f64()
    );
    let policy = changed_policy(&repo);
    let text = std::fs::read_to_string(repo.join("atlas.yaml")).unwrap();
    std::fs::write(
        repo.join("atlas.yaml"),
        format!(
            "{text}server:\n  tokens:\n  - {{name: bench, sha256: {}, tenants: ['*']}}\n",
            tenant_atlas::server::sha256_hex(TOKEN)
        ),
    )
    .unwrap();

    // The server, and its peak memory sampled while it runs.
    let mut server = Command::new(env!("CARGO_BIN_EXE_tenant-atlas"))
        .args(["serve", "--repo", r, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let pid = server.id();
    let peak = Arc::new(AtomicI64::new(0));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                if let Some(kib) = hwm(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    let http = {
        let _g = rt.enter();
        reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap()
    };
    println!("| page | objects | clients | requests | p50 ms | p99 ms | max ms | requests/s |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (label, path) in [
        ("tenants overview", "/".to_string()),
        ("policy page", format!("/tenants/bench/policies/{policy}")),
    ] {
        let target = format!("{base}{path}");
        // Warm-up: the first request builds the index (and the policy's history).
        let cold = Instant::now();
        let warm = rt.block_on(get(&http, &target));
        assert_eq!(warm.1, 200, "{target}");
        eprintln!(
            "{label}: first request {:.0} ms",
            cold.elapsed().as_secs_f64() * 1000.0
        );
        let started = Instant::now();
        let mut latencies: Vec<Duration> = rt.block_on(async {
            let tasks: Vec<_> = (0..clients)
                .map(|_| {
                    let (http, target) = (http.clone(), target.clone());
                    tokio::spawn(async move {
                        let mut own = Vec::with_capacity(per_client);
                        for _ in 0..per_client {
                            let (d, status) = get(&http, &target).await;
                            assert_eq!(status, 200, "{target}");
                            own.push(d);
                        }
                        own
                    })
                })
                .collect();
            let mut all = vec![];
            for t in tasks {
                all.extend(t.await.unwrap());
            }
            all
        });
        let wall = started.elapsed();
        latencies.sort();
        let q =
            |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
        println!(
            "| {label} | {n} | {clients} | {} | {:.1} | {:.1} | {:.1} | {:.0} |",
            latencies.len(),
            ms(q(0.50)),
            ms(q(0.99)),
            ms(*latencies.last().unwrap()),
            latencies.len() as f64 / wall.as_secs_f64()
        );
    }
    sampling.store(false, Ordering::Relaxed);
    sampler.join().unwrap();
    println!(
        "\nserver peak RSS: {:.0} MiB",
        peak.load(Ordering::Relaxed) as f64 / 1024.0
    );
    let _ = server.kill();
    let _ = server.wait();
    rt.block_on(handle.shutdown());
}

async fn get(http: &reqwest::Client, url: &str) -> (Duration, u16) {
    let t = Instant::now();
    let r = http
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let _ = r.bytes().await.expect("body");
    (t.elapsed(), status)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn hwm(pid: u32) -> Option<i64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `<type>/<file>` of a document the second backup changed.
fn changed_policy(repo: &Path) -> String {
    let o = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "diff",
            "--name-only",
            "HEAD~1",
            "HEAD",
            "--",
            "tenants/bench",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let path = text
        .lines()
        .find(|l| l.ends_with(".yaml") && l.split('/').count() == 4 && !l.contains("/_"))
        .expect("a changed document");
    path.splitn(3, '/').nth(2).unwrap().to_string()
}
