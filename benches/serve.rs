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

use common::knob;
use common::load::{self, Connections, Peak, Server, Until};
use std::sync::Arc;
use std::time::Instant;
use tenant_atlas::emulator::EmulatorConfig;

fn main() {
    let n = knob("ATLAS_BENCH_OBJECTS", 10_000);
    let clients = knob("ATLAS_BENCH_CLIENTS", 200);
    let per_client = knob("ATLAS_BENCH_REQUESTS", 25);
    let rt = common::runtime();

    // A repository of n objects with two backups.
    // No latency or throttling: the backups are only the setup here.
    let (handle, dir, t) = common::start_with(&rt, EmulatorConfig::default(), n);
    let repo = dir.path().join("repo");
    let r = repo.to_str().unwrap();
    let url = handle.base_url();
    let env = [("BENCH_SECRET", t.secret.as_str())];
    let setup = Instant::now();
    assert_eq!(common::run_cli(&["backup", "--repo", r], &env).code, 0);
    let changed = common::change_objects(&rt, &url, &t.id, &t.client, &t.secret, &t.seed, 10);
    assert_eq!(common::run_cli(&["backup", "--repo", r], &env).code, 0);
    eprintln!(
        "repository of {n} objects, {changed} changed, ready in {:.0} s",
        setup.elapsed().as_secs_f64()
    );
    let policy = load::changed_policy(&repo, "bench");
    load::add_token(&repo, "[]");

    // The server, and its peak memory sampled while it runs.
    let server = Server::start(&repo, &[]);
    let base = server.base.clone();
    let peak = Peak::watch(server.pid());

    let http = load::http(&rt, clients);
    println!("| page | objects | clients | requests | p50 ms | p99 ms | max ms | requests/s |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (label, path) in [
        ("tenants overview", "/".to_string()),
        ("policy page", format!("/tenants/bench/policies/{policy}")),
    ] {
        let target = format!("{base}{path}");
        // Warm-up: the first request builds the index (and the policy's history).
        let cold = Instant::now();
        let warm = rt.block_on(load::get(&http, &target));
        assert_eq!(warm.1, 200, "{target}");
        eprintln!(
            "{label}: first request {:.0} ms",
            cold.elapsed().as_secs_f64() * 1000.0
        );
        let each: load::Target = Arc::new(move |_, _| target.clone());
        let (latencies, wall) = rt.block_on(load::load(
            Connections::Shared(http.clone()),
            clients,
            each,
            Until::Requests(per_client),
        ));
        let s = load::summary(latencies.into_iter().flatten(), wall);
        println!(
            "| {label} | {n} | {clients} | {} | {:.1} | {:.1} | {:.1} | {:.0} |",
            s.count, s.p50, s.p99, s.max, s.per_sec
        );
    }
    println!("\nserver peak RSS: {:.0} MiB", peak.stop());
    drop(server);
    rt.block_on(handle.shutdown());
}
