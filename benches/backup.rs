//! Backup benchmark: generated tenants on the emulator with latency and Intune throttling.
//!
//! For each size it runs the real CLI twice against the same emulator — a first backup into an empty
//! repository, then a no-op re-backup — and reports wall time, Graph requests (total, per object, and
//! against the minimum the catalog needs), CPU time and peak memory of the CLI process.
//!
//! `cargo bench --bench backup` (sizes 1000 and 10000); `ATLAS_BENCH_SIZES=200` for a quick run.

mod common;

use common::{reset, run_cli, walk};
use std::path::Path;
use std::time::Duration;

fn main() {
    let sizes = common::sizes(&[1000, 10_000]);
    let rt = common::runtime();
    println!(
        "| objects | run | wall s | CPU s | peak RSS MiB | HTTP requests | per object | minimum | ratio | 429s |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let (handle, dir, t) = common::start(&rt, n);
        let repo = dir.path().join("repo");
        let url = handle.base_url();
        let secret = t.secret.clone();
        for run in ["first", "no-op"] {
            if run == "no-op" {
                // A scheduled re-backup starts with Intune's 20 s window clear, as the first did.
                std::thread::sleep(Duration::from_secs(21));
            }
            reset(&url);
            let m = run_cli(
                &["backup", "--repo", repo.to_str().unwrap()],
                &[("BENCH_SECRET", &secret)],
            );
            assert!(m.code == 0, "backup exited {}", m.code);
            let stats = handle.stats();
            let http = stats["httpRequests"].as_u64().unwrap_or(0);
            let min = minimum_requests(&dir.path().join("seed"), &repo.join("tenants/bench"));
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
        let docs = documents(&repo.join("tenants/bench"));
        assert!(docs >= n, "{docs} documents for {n} generated objects");
        rt.block_on(handle.shutdown());
    }
}

/// The fewest HTTP requests the catalog needs for this tenant, computed independently of the run from
/// the catalog and the seed: one token, every list page at Graph's page sizes (25 for settings
/// catalog and compliance v2, 100 elsewhere — the emulator's defaults, docs/graph-notes.md,
/// "Paging"), and the per-object hydration and reference-name lookups packed 20 per `$batch`, per
/// API version.
fn minimum_requests(seed: &Path, repo_tenant: &Path) -> u64 {
    use std::collections::{BTreeMap, BTreeSet};
    use tenant_atlas::catalog::{self, ApiVersion};
    let objects = |version: ApiVersion, collection: &str| -> Vec<serde_json::Value> {
        let dir = seed.join(version.as_str()).join(collection);
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|f| serde_json::from_slice(&std::fs::read(f.path()).ok()?).ok())
            .collect()
    };
    let mut lists = BTreeSet::new();
    let mut inner: BTreeMap<ApiVersion, u64> = BTreeMap::new();
    // A collection below another's objects is one list per parent object (enrollment profiles
    // below their tokens), not a list of its own.
    let mut below: u64 = 0;
    for e in catalog::all() {
        for s in e.sources {
            if let Some((parent, _)) = s.collection.split_once(catalog::PARENT_SEGMENT) {
                below += objects(s.version, parent).len() as u64;
                continue;
            }
            lists.insert((s.version, s.collection, s.list_query));
            let per_object = u64::from(s.hydrate.is_some()) + s.navs.len() as u64;
            let n = objects(s.version, s.collection)
                .iter()
                .filter(|o| e.accepts(s, o))
                .count() as u64;
            *inner.entry(s.version).or_default() += n * per_object;
        }
    }
    for r in catalog::REFERENCE_SOURCES {
        if let catalog::RefLookup::List { query } = r.lookup {
            lists.insert((r.version, r.collection, query));
        } else {
            let text = std::fs::read_to_string(
                repo_tenant.join(format!("_refs/{}.yaml", r.kind.file_stem())),
            )
            .unwrap_or_default();
            *inner.entry(r.version).or_default() += text.matches("- id:").count() as u64;
        }
    }
    let pages: u64 = lists
        .iter()
        .map(|(v, c, _)| {
            let page = if c.ends_with("configurationPolicies") || c.ends_with("compliancePolicies")
            {
                25
            } else {
                100
            };
            (objects(*v, c).len() as u64).div_ceil(page).max(1)
        })
        .sum();
    1 + pages + below + inner.values().map(|n| n.div_ceil(20)).sum::<u64>()
}

/// Policy documents written (the generator adds reference objects — filters, scope tags — on top of n).
fn documents(dir: &Path) -> usize {
    let mut count = 0;
    for e in walk(dir) {
        let rel = e.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        if rel.ends_with(".yaml") && rel.contains('/') && !rel.starts_with("_refs") {
            count += 1;
        }
    }
    count
}
