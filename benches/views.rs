//! Drift and diff benchmark on a generated tenant (emulator with latency and Intune throttling).
//!
//! One backup of `n` objects, then: `drift` with no change, `drift` after 100 objects were changed
//! through Graph, and `diff` between two commits 10 documents apart — wall time, CPU time and peak
//! memory of the CLI process, and how many documents each parsed.
//!
//! `cargo bench --bench views` (10000 objects); `ATLAS_BENCH_SIZES=500` for a quick run.

mod common;

use common::{reset, run_cli};
use std::path::Path;
use std::time::Duration;

fn main() {
    let sizes = common::sizes(&[10_000]);
    let rt = common::runtime();
    println!("| objects | command | changes | wall s | CPU s | peak RSS MiB | documents parsed |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for n in sizes {
        let (handle, dir, t) = common::start(&rt, n);
        let seed = dir.path().join("seed");
        let (tenant_id, client_id, secret) = (t.id.clone(), t.client.clone(), t.secret.clone());
        let repo = dir.path().join("repo");
        let r = repo.to_str().unwrap();
        let url = handle.base_url();
        let env = [("BENCH_SECRET", secret.as_str())];
        assert_eq!(run_cli(&["backup", "--repo", r], &env).code, 0);
        let window = || std::thread::sleep(Duration::from_secs(21));

        // drift, nothing changed
        window();
        reset(&url);
        let out = dir.path().join("drift.json");
        let m = common::run_cli_to(&["drift", "--repo", r, "--format", "json"], &env, &out);
        assert_eq!(m.code, 0, "an unchanged tenant drifted");
        row(n, "drift", 0, &m, parsed(&out));

        // drift, 100 objects changed through Graph
        let changed =
            common::change_objects(&rt, &url, &tenant_id, &client_id, &secret, &seed, 100);
        window();
        reset(&url);
        let m = common::run_cli_to(&["drift", "--repo", r, "--format", "json"], &env, &out);
        assert_eq!(m.code, 2, "drift not found");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let found = report["reports"][0]["objects"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(found, changed, "drift found {found} of {changed} changes");
        row(n, "drift", changed, &m, parsed(&out));

        // diff between two commits 10 documents apart
        edit_documents(&repo.join("tenants/bench/deviceConfigurations"), 10);
        git(&repo, &["commit", "-qam", "ten edits"]);
        let m = common::run_cli_to(
            &["diff", "--repo", r, "HEAD~1", "HEAD", "--format", "json"],
            &[],
            &out,
        );
        assert_eq!(m.code, 0);
        row(n, "diff", 10, &m, parsed(&out));
        rt.block_on(handle.shutdown());
    }
}

fn row(n: usize, command: &str, changes: usize, m: &common::Measure, parsed: u64) {
    println!(
        "| {n} | {command} | {changes} | {:.1} | {:.2} | {:.0} | {parsed} |",
        m.wall.as_secs_f64(),
        m.cpu.as_secs_f64(),
        m.max_rss_kib as f64 / 1024.0
    );
}

fn parsed(out: &Path) -> u64 {
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    report["reports"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|r| r["documentsRead"].as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

/// Changes one line of `count` documents in a folder.
fn edit_documents(dir: &Path, count: usize) {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for f in files.iter().rev().take(count) {
        let text = std::fs::read_to_string(f).unwrap();
        let text = text.replacen("\nname: ", "\nname: edited ", 1);
        std::fs::write(f, text).unwrap();
    }
}

fn git(repo: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "user.name=bench", "-c", "user.email=bench@localhost"])
        .args(args)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}
