//! `serve` while runs go through its queue: 200 concurrent clients browsing while 10 tenants back
//! up through `POST /api/tenants/{t}/runs`, against the same backups alone and the same pages alone.
//!
//! Setup (not measured): an emulator serving 10 generated tenants (300 objects each, 50 ms added to
//! every Graph request, no throttling), a repository naming them with a token of the `operate`
//! role, one backup of every tenant by the CLI, then one device configuration per tenant changed
//! through Graph so that the next backup commits something. Then the real `serve` process, working
//! its queue:
//!
//! 1. backups alone: one backup run per tenant started at once, no page load — wall time from the
//!    first POST to the last run's `finished`;
//! 2. pages alone: 200 clients (tokio tasks, each on one connection of its own, opened before the
//!    load starts) each requesting the tenants overview, a tenant page and a policy page of that
//!    tenant (the document the first backups changed) in turn, for as long as the backups alone
//!    took (at least 2 s) — p50/p99/max latency and requests/s;
//! 3. both: the object changed again, 200 new connections opened, then the same backups started
//!    as the clients start requesting the same pages, until the bench sees the last run finished
//!    (it asks every 200 ms, so the load outlasts the backups by up to one poll).
//!
//! The emulator runs on its own runtime, the clients on another, in this process; `serve` in its
//! own. Every run must succeed and commit, every page answer 200.
//!
//! `cargo bench --bench serve_queue`; knobs `ATLAS_BENCH_TENANTS` (10), `ATLAS_BENCH_OBJECTS` (per
//! tenant, 300), `ATLAS_BENCH_CLIENTS` (200), `ATLAS_BENCH_LATENCY_MS` (50).

mod common;

use common::knob;
use common::load::{self, Peak, Server, Summary, TOKEN, Until};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tenant_atlas::emulator::EmulatorConfig;

fn main() {
    let count = knob("ATLAS_BENCH_TENANTS", 10);
    let n = knob("ATLAS_BENCH_OBJECTS", 300);
    let clients = knob("ATLAS_BENCH_CLIENTS", 200);
    let latency = knob("ATLAS_BENCH_LATENCY_MS", 50);
    let emulator_rt = common::runtime();
    let rt = common::runtime();

    let config = EmulatorConfig {
        latency: Duration::from_millis(latency as u64),
        ..EmulatorConfig::default()
    };
    let setup = Instant::now();
    let (handle, dir, tenants) = common::start_tenants(&emulator_rt, config, count, n);
    let url = handle.base_url();
    let repo = dir.path().join("repo");
    let env = common::secrets(&tenants);
    let first = common::run_cli(&["backup", "--repo", repo.to_str().unwrap()], &env);
    assert_eq!(first.code, 0, "the first backup failed");
    let change = |label: &str| {
        for t in &tenants {
            assert_eq!(common::change_tenant(&emulator_rt, &url, t, 1, label), 1);
        }
    };
    change("changed before the backups alone");
    load::add_token(&repo, "[operate]");
    let server = Server::start(&repo, &env);
    let base = server.base.clone();
    let peak = Peak::watch(server.pid());
    // Starts, polls and warm-up; the load's clients have connections of their own.
    let http = load::http(&rt, count);
    eprintln!(
        "{count} tenants of {n} objects, {latency} ms Graph latency: first backup {:.1} s, setup {:.0} s",
        first.wall.as_secs_f64(),
        setup.elapsed().as_secs_f64()
    );

    // 1. The backups alone.
    let alone = rt.block_on(backups(&http, &base, &tenants));

    // 2. The pages alone: each client keeps to one tenant and requests its three pages in turn.
    let pages: Vec<[String; 3]> = tenants
        .iter()
        .map(|t| {
            let t = &t.name;
            let policy = load::changed_policy(&repo, t);
            [
                format!("{base}/"),
                format!("{base}/tenants/{t}"),
                format!("{base}/tenants/{t}/policies/{policy}"),
            ]
        })
        .collect();
    for url in pages.iter().flatten() {
        // Warm-up: the first requests after the backups' commits build the index.
        assert_eq!(rt.block_on(load::get(&http, url)).1, 200, "{url}");
    }
    let target: load::Target =
        Arc::new(move |c, i| pages[c % count][(c + i) % PAGES.len()].clone());
    let connections = rt.block_on(load::open(&base, clients));
    let (latencies, wall) = rt.block_on(load::load(
        connections,
        clients,
        target.clone(),
        Until::For(alone.max(Duration::from_secs(2))),
    ));
    let (browsing, browsing_pages) = by_page(&latencies, wall);

    // 3. Both: the backups started as the clients start, the clients stopped when they end.
    change("changed before the backups under load");
    let connections = rt.block_on(load::open(&base, clients));
    let done = Arc::new(AtomicBool::new(false));
    let ((latencies, wall), during) = rt.block_on(async {
        tokio::join!(
            load::load(connections, clients, target, Until::Set(done.clone())),
            async {
                let wall = backups(&http, &base, &tenants).await;
                done.store(true, Ordering::Relaxed);
                wall
            }
        )
    });
    let (both, both_pages) = by_page(&latencies, wall);
    let rss = peak.stop();

    println!(
        "{count} tenants × {n} objects, {latency} ms Graph latency; {clients} clients on the overview, a tenant page and a policy page\n"
    );
    report(
        (count, clients),
        (alone, &browsing, &browsing_pages),
        (during, &both, &both_pages),
    );
    println!("\nserver peak RSS: {rss:.0} MiB");
    drop(server);
    emulator_rt.block_on(handle.shutdown());
}

/// Prints the three scenarios, the ratios and the pages one by one: the backups' wall time alone,
/// the pages alone, and both during the backups.
fn report(
    (count, clients): (usize, usize),
    (alone, browsing, browsing_pages): (Duration, &Summary, &[Summary]),
    (during, both, both_pages): (Duration, &Summary, &[Summary]),
) {
    println!(
        "| scenario | backups wall s | page requests | p50 ms | p99 ms | max ms | requests/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let row = |label: &str, wall: Option<Duration>, s: Option<&Summary>| {
        let wall = wall.map_or("—".into(), |w| format!("{:.2}", w.as_secs_f64()));
        let pages = s.map_or("| — | — | — | — | —".into(), |s| {
            format!(
                "| {} | {:.1} | {:.1} | {:.1} | {:.0}",
                s.count, s.p50, s.p99, s.max, s.per_sec
            )
        });
        println!("| {label} | {wall} {pages} |");
    };
    row(&format!("{count} backups alone"), Some(alone), None);
    row(&format!("{clients} clients alone"), None, Some(browsing));
    row("both at once", Some(during), Some(both));
    println!(
        "\nbackups wall time, with the clients / alone: {:.2}\npage p99, during the backups / alone: {:.2}",
        during.as_secs_f64() / alone.as_secs_f64(),
        both.p99 / browsing.p99
    );
    println!(
        "\n| page | p50 ms alone | p99 ms alone | p50 ms during the backups | p99 ms during the backups |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (p, (a, b)) in browsing_pages.iter().zip(both_pages).enumerate() {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            PAGES[p], a.p50, a.p99, b.p50, b.p99
        );
    }
}

/// The pages each client requests in turn.
const PAGES: [&str; 3] = ["tenants overview", "tenant page", "policy page"];

/// The latencies of a load, all together and page by page (request i of client c asked for page
/// (c + i) mod 3).
fn by_page(latencies: &[Vec<Duration>], wall: Duration) -> (Summary, Vec<Summary>) {
    let all = load::summary(latencies.iter().flatten().copied(), wall);
    let pages = (0..PAGES.len())
        .map(|p| {
            let of_page = latencies.iter().enumerate().flat_map(|(c, own)| {
                own.iter()
                    .enumerate()
                    .filter(move |(i, _)| (c + i) % PAGES.len() == p)
                    .map(|(_, d)| *d)
            });
            load::summary(of_page, wall)
        })
        .collect();
    (all, pages)
}

/// Starts a backup of every tenant through the queue at once and waits until they have all
/// finished (each must succeed and commit): the time from the first POST to the last run's
/// `finished`, as the server recorded it.
async fn backups(http: &reqwest::Client, base: &str, tenants: &[common::Tenant]) -> Duration {
    let t0 = jiff::Timestamp::now();
    let started = Instant::now();
    let runs = futures::future::join_all(tenants.iter().map(|t| async move {
        let r = http
            .post(format!("{base}/api/tenants/{}/runs", t.name))
            .bearer_auth(TOKEN)
            .json(&json!({"kind": "backup"}))
            .send()
            .await
            .expect("POST a run");
        assert_eq!(r.status().as_u16(), 202, "start of {}", t.name);
        let v: Value = r.json().await.unwrap();
        format!(
            "{base}/api/tenants/{}/runs/{}",
            t.name,
            v["run"].as_str().unwrap()
        )
    }))
    .await;
    let mut pending = runs;
    let mut last = t0;
    // Each run's start after the first POST, and its own duration.
    let (mut waits, mut spans) = (vec![], vec![]);
    while !pending.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the runs hang"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        let states = futures::future::join_all(pending.iter().map(|u| async move {
            let r = http
                .get(u)
                .bearer_auth(TOKEN)
                .send()
                .await
                .expect("GET a run");
            r.json::<Value>().await.unwrap()
        }))
        .await;
        let mut still = vec![];
        for (u, run) in pending.into_iter().zip(states) {
            match run["status"].as_str().unwrap_or("") {
                "queued" | "running" => still.push(u),
                "succeeded" => {
                    let message = run["message"].as_str().unwrap_or("");
                    assert!(message.starts_with("committed"), "{u}: {message}");
                    let at =
                        |k: &str| -> jiff::Timestamp { run[k].as_str().unwrap().parse().unwrap() };
                    let (began, finished) = (at("started"), at("finished"));
                    waits.push(began.duration_since(t0).as_secs_f64());
                    spans.push(finished.duration_since(began).as_secs_f64());
                    last = last.max(finished);
                }
                other => panic!("{u} {other}: {}", run["message"]),
            }
        }
        pending = still;
    }
    let range = |v: &[f64]| {
        let min = v.iter().copied().fold(f64::MAX, f64::min);
        let max = v.iter().copied().fold(0.0, f64::max);
        format!("{min:.2}–{max:.2} s")
    };
    eprintln!(
        "{} runs: started {} after the first POST, each took {}",
        waits.len(),
        range(&waits),
        range(&spans)
    );
    last.duration_since(t0).unsigned_abs()
}
