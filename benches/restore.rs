//! Restore benchmark (emulator with latency and Intune throttling, release build).
//!
//! 1. `plan` over a generated tenant of `n` objects after 100 of them were changed through Graph:
//!    wall, CPU, peak memory, and the items it found.
//! 2. `apply` of the creates that restore a cleared 500-object tenant: wall time against the least
//!    time Intune's write limit (100 writes per 20 s per app) allows for the writes it sent.
//!
//! `cargo bench --bench restore` (10000 objects for the plan); `ATLAS_BENCH_SIZES=500` for a quick run.

mod common;

use common::{reset, run_cli, run_cli_to};
use std::time::Duration;

fn main() {
    let sizes = common::sizes(&[10_000]);
    let rt = common::runtime();
    println!(
        "| objects | run | wall s | CPU s | peak RSS MiB | items | writes | minimum s | ratio |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    let window = || std::thread::sleep(Duration::from_secs(21));
    for n in sizes {
        let (handle, dir, t) = common::start(&rt, n);
        let repo = dir.path().join("repo");
        let r = repo.to_str().unwrap();
        let env = [("BENCH_SECRET", t.secret.as_str())];
        assert_eq!(run_cli(&["backup", "--repo", r], &env).code, 0);
        let changed = common::change_objects(
            &rt,
            &handle.base_url(),
            &t.id,
            &t.client,
            &t.secret,
            &dir.path().join("seed"),
            100,
        );
        window();
        reset(&handle.base_url());
        let out = dir.path().join("plan.json");
        let m = run_cli_to(
            &["plan", "--repo", r, "--tenant", "bench", "--format", "json"],
            &env,
            &out,
        );
        assert_eq!(m.code, 2, "plan found nothing to apply");
        let plan: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let updates = plan["summary"]["update"].as_u64().unwrap_or(0);
        // Objects with secrets or ambiguous names are blocked rather than updated.
        let blocked = plan["summary"]["blocked"].as_u64().unwrap_or(0);
        assert!(
            (updates + blocked) as usize >= changed,
            "the plan found {updates} updates and {blocked} blocked items for {changed} changes"
        );
        println!(
            "| {n} | plan, {changed} changed | {:.1} | {:.2} | {:.0} | {updates} updates, {blocked} blocked | 0 | – | – |",
            m.wall.as_secs_f64(),
            m.cpu.as_secs_f64(),
            m.max_rss_kib as f64 / 1024.0
        );
        rt.block_on(handle.shutdown());
    }
    // Apply: restore a cleared 500-object tenant.
    let (handle, dir, t) = common::start(&rt, 500);
    let repo = dir.path().join("repo");
    let r = repo.to_str().unwrap();
    let env = [("BENCH_SECRET", t.secret.as_str())];
    assert_eq!(run_cli(&["backup", "--repo", r], &env).code, 0);
    handle.clear_tenant(&t.id).unwrap();
    window();
    let plan = dir.path().join("plan.json");
    let m = run_cli(
        &[
            "plan",
            "--repo",
            r,
            "--tenant",
            "bench",
            "--out",
            plan.to_str().unwrap(),
        ],
        &env,
    );
    assert_eq!(m.code, 2);
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    let creates = p["summary"]["create"].as_u64().unwrap_or(0);
    window();
    reset(&handle.base_url());
    let m = run_cli(
        &["apply", "--repo", r, plan.to_str().unwrap(), "--yes"],
        &env,
    );
    let stats = handle.stats();
    let writes: u64 = ["POST", "PATCH", "PUT", "DELETE"]
        .iter()
        .map(|k| stats["writes"][k].as_u64().unwrap_or(0))
        .sum();
    // From a clear window, 100 writes go at once and each further 100 one window later.
    let minimum = (writes.saturating_sub(1) / 100) as f64 * 20.0;
    println!(
        "| 500 | apply, {creates} creates (code {}) | {:.1} | {:.2} | {:.0} | {creates} | {writes} | {minimum:.0} | {:.2} |",
        m.code,
        m.wall.as_secs_f64(),
        m.cpu.as_secs_f64(),
        m.max_rss_kib as f64 / 1024.0,
        m.wall.as_secs_f64() / minimum.max(1.0)
    );
    let gets = stats["byMethod"]["GET"].as_u64().unwrap_or(0);
    let reads = collection_reads(&stats);
    let most = reads.values().max().copied().unwrap_or(0);
    let logged = stats["log"].as_array().map_or(0, Vec::len) as u64;
    if stats["requests"].as_u64().unwrap_or(0) > logged {
        println!("(the emulator's request log was full: the read counts below are lower bounds)");
    }
    println!(
        "\napply: {gets} GET requests ($batch items counted); collections read {reads_line}; at most {most} times",
        reads_line = summary(&reads)
    );
    rt.block_on(handle.shutdown());
}

/// How many times each catalog collection was read from its first page, from the emulator's
/// request log (a first page: a GET of the collection without `$skiptoken`/`$skip`).
fn collection_reads(stats: &serde_json::Value) -> std::collections::BTreeMap<String, u64> {
    let collections: std::collections::BTreeSet<String> = tenant_atlas::catalog::all()
        .iter()
        .flat_map(|e| e.sources)
        .map(|s| format!("/{}/{}", s.version.as_str(), s.collection))
        .collect();
    let mut reads = std::collections::BTreeMap::new();
    for e in stats["log"].as_array().into_iter().flatten() {
        let full = e["path"].as_str().unwrap_or("");
        let (path, query) = full.split_once('?').unwrap_or((full, ""));
        if e["method"] == "GET" && collections.contains(path) && !query.contains("skip") {
            *reads.entry(path.to_string()).or_insert(0) += 1;
        }
    }
    reads
}

/// "N× for K collections, …", most reads first.
fn summary(reads: &std::collections::BTreeMap<String, u64>) -> String {
    let mut by_count: std::collections::BTreeMap<u64, usize> = std::collections::BTreeMap::new();
    for n in reads.values() {
        *by_count.entry(*n).or_default() += 1;
    }
    by_count
        .iter()
        .rev()
        .map(|(n, k)| format!("{n}× ({k})"))
        .collect::<Vec<_>>()
        .join(", ")
}
