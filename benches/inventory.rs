//! `list` over a generated repository: the inventory of every object, from git alone.
//!
//! Backs up a generated tenant (emulator without latency or throttling: the backup is only the
//! setup), changes 10 objects through Graph and backs up again (so the last-change walk has
//! history), then runs `list` three ways — every object as JSON, the objects a group gets, and
//! the unassigned ones as CSV — printing wall time, CPU time and peak RSS of the CLI process.
//!
//! `cargo bench --bench inventory` (10000 objects); `ATLAS_BENCH_SIZES=1000` for a quick run.

mod common;

use tenant_atlas::emulator::EmulatorConfig;

fn main() {
    let sizes = common::sizes(&[10_000]);
    let rt = common::runtime();
    println!("| objects | list | rows | wall s | CPU s | peak RSS MiB |");
    println!("|---:|---|---:|---:|---:|---:|");
    for n in sizes {
        let (handle, dir, t) = common::start_with(&rt, EmulatorConfig::default(), n);
        let repo = dir.path().join("repo");
        let r = repo.to_str().unwrap();
        let env = [("BENCH_SECRET", t.secret.as_str())];
        assert_eq!(common::run_cli(&["backup", "--repo", r], &env).code, 0);
        let seed = dir.path().join("seed");
        let url = handle.base_url();
        common::change_objects(&rt, &url, &t.id, &t.client, &t.secret, &seed, 10);
        assert_eq!(common::run_cli(&["backup", "--repo", r], &env).code, 0);
        let out = dir.path().join("list.out");
        for (what, args) in [
            ("every object, json", vec!["--format", "json"]),
            (
                "a group's, text",
                vec!["--assigned-to", "Devices – ring 01"],
            ),
            ("unassigned, csv", vec!["--unassigned", "--format", "csv"]),
        ] {
            let mut all = vec!["list", "--repo", r];
            all.extend(args);
            let m = common::run_cli_to(&all, &[], &out);
            assert_eq!(m.code, 0, "list {what}");
            let text = std::fs::read_to_string(&out).unwrap();
            let rows = match what {
                "every object, json" => {
                    serde_json::from_str::<serde_json::Value>(&text).unwrap()["objects"]
                        .as_array()
                        .map_or(0, Vec::len)
                }
                "unassigned, csv" => text.lines().count().saturating_sub(1),
                _ => text.lines().filter(|l| l.starts_with("bench ")).count(),
            };
            println!(
                "| {n} | {what} | {rows} | {:.2} | {:.2} | {} |",
                m.wall.as_secs_f64(),
                m.cpu.as_secs_f64(),
                m.max_rss_kib / 1024
            );
        }
    }
}
