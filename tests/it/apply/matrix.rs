//! Invariants under combined Graph variations (docs/graph-variation.md, "The variation matrix"):
//! for each combination of emulator variations, chosen so that every two variations of different
//! kinds meet at least once, the demo tenant
//! - backs up to the same bytes as under Graph's default answers,
//! - shows no drift right after its backup,
//! - cleared and restored from that backup, converges: every item applied, none "not converged",
//!   a new plan finds nothing to do, no collection holds a duplicate,
//! - and the backup after the restore holds the same documents as the first (ids aside), so
//!   properties the tool does not know survive backup → restore → backup.
//!
//! A failure names the seed and the combination; `ATLAS_VARY_SEED=N` replays a seed's list and
//! `ATLAS_VARY_ONLY=a,b` one combination. The ignored test `variation_soak…` runs 1,000 random
//! combinations (`ATLAS_VARY_RANDOM=N` for another count).

use super::roundtrip::{canonical, docs_at, labels};
use super::*;
use std::sync::Mutex;
use tenant_atlas::emulator::{CHANGES_CONTENT, pairwise, random_combination};

/// The suite's fixed seed: the same list on every machine unless `ATLAS_VARY_SEED` says otherwise.
const SEED: u64 = 20_261_204;
/// Random combinations the soak run checks (`ATLAS_VARY_RANDOM` overrides).
const SOAK: usize = 1_000;
/// Combinations the suite runs at least.
const AT_LEAST: usize = 20;
/// Combinations checked at once (each runs its own emulator and repository); `ATLAS_VARY_WORKERS`
/// overrides. A combination spends most of its time waiting for the client's write budget (100 per
/// 20 s, as Intune allows), so a soak run on idle cores can check many at once.
const WORKERS: usize = 3;

fn workers() -> usize {
    std::env::var("ATLAS_VARY_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(WORKERS)
}

fn seed() -> u64 {
    std::env::var("ATLAS_VARY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED)
}

/// The tenant folder of the last backup, without `tenant.yaml` (it records when and how).
fn tenant_tree(env: &TestEnv) -> Tree {
    tree(&env.repo().join("tenants/demo"))
        .into_iter()
        .filter(|(k, _)| k != "tenant.yaml")
        .collect()
}

/// Backups of the demo under each set of content variations (`CHANGES_CONTENT`) alone: what a
/// combination's backup must equal byte for byte.
#[derive(Default)]
struct Baselines(Mutex<BTreeMap<Vec<String>, Tree>>);

/// A tenant folder: relative path → bytes.
type Tree = BTreeMap<String, Vec<u8>>;

impl Baselines {
    fn of(&self, combination: &[&str]) -> Tree {
        let content: Vec<String> = combination
            .iter()
            .filter(|n| CHANGES_CONTENT.contains(n))
            .map(|n| n.to_string())
            .collect();
        if let Some(t) = self.0.lock().unwrap().get(&content) {
            return t.clone();
        }
        let emu = Emu::demo(EmulatorConfig::varied(&content, 0).unwrap());
        let t = tenant_tree(&backed_up(&emu));
        self.0.lock().unwrap().insert(content, t.clone());
        t
    }
}

/// Checks every invariant for one combination; panics with what broke.
fn check(combination: &[&str], seed: u64, baselines: &Baselines) {
    let config = EmulatorConfig::varied(combination, seed).unwrap();
    let emu = Emu::demo(config);
    let env = backed_up(&emu);
    assert_same_tree(
        &tenant_tree(&env),
        &baselines.of(combination),
        "backup under variation, against one under its content variations alone",
    );
    let (code, stdout, stderr) = run(&env, &["drift"]);
    assert_eq!(code, 0, "drift right after the backup: {stdout}\n{stderr}");

    let backup = rev(&env, "HEAD");
    let before = live_by_name(&emu);
    clear(&emu);
    let plan = plan_to(&env, "plan.json", &backup, &[]);
    let creates = items_with(&plan, "create").len();
    assert!(creates > 70, "{}", plan["summary"]);
    let (blocked, preview) = (
        items_with(&plan, "blocked").len(),
        items_with(&plan, "preview-only").len(),
    );
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "apply: {stdout}\n{stderr}");
    assert_eq!(applied_failed(&stdout), (creates, 0), "{stdout}");
    assert!(!stdout.contains("not converged"), "{stdout}");

    // Nothing left to write: what the first plan could not write (blocked for a secret Graph
    // never returns, preview-only types) is all a new plan holds beside no-ops.
    let again = plan_to(&env, "again.json", &backup, &[]);
    let items = again["items"].as_array().unwrap().len();
    let unwritable = |p: &Value| {
        (
            items_with(p, "blocked").len(),
            items_with(p, "preview-only").len(),
        )
    };
    assert_eq!(
        items_with(&again, "no-op").len() + blocked + preview,
        items,
        "re-plan after the restore: {}",
        again["summary"]
    );
    assert_eq!(
        unwritable(&again),
        (blocked, preview),
        "{}",
        again["summary"]
    );
    assert_eq!(
        duplicates(&before, &live_by_name(&emu)),
        vec![],
        "duplicates"
    );

    // The backup that follows the apply, document by document against the first.
    let head = rev(&env, "HEAD");
    assert_ne!(head, backup, "a backup commit follows the apply");
    let (old, new) = (docs_at(&env, &backup), docs_at(&env, &head));
    let (old_labels, new_labels) = (labels(&old), labels(&new));
    let by_name = |docs: &BTreeMap<String, Value>, labels: &BTreeMap<String, String>| {
        let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (path, d) in docs {
            out.entry(strip_id(path))
                .or_default()
                .push(canonical(d, labels));
        }
        for v in out.values_mut() {
            v.sort_by_key(|d| d.to_string());
        }
        out
    };
    let is = by_name(&new, &new_labels);
    // Every document the restore created comes back the same (what it could not write — preview-
    // only types, items blocked for a secret or a deleted group — was cleared and stays gone).
    for item in items_with(&plan, "create") {
        let path = item["path"].as_str().unwrap();
        let want = canonical(&old[path], &old_labels);
        assert!(
            is.get(&strip_id(path))
                .is_some_and(|docs| docs.contains(&want)),
            "{path} after backup → restore → backup: want {want:#}\nhave {:#?}",
            is.get(&strip_id(path))
        );
    }
}

/// A panic's message without the apply's list of items, which every run shares.
fn reason(e: &(dyn std::any::Any + Send)) -> String {
    let why = e
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    why.lines()
        .filter(|l| !l.starts_with("  create ") && !l.starts_with("  update "))
        .take(16)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks every combination (a few at once) and fails with each broken one's replay line.
fn check_all(combinations: &[Vec<String>], seed: u64) {
    let baselines = Baselines::default();
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let started = std::time::Instant::now();
    let failures = std::sync::Mutex::new(vec![]);
    std::thread::scope(|s| {
        for _ in 0..workers() {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(c) = combinations.get(i) else { break };
                    let names: Vec<&str> = c.iter().map(String::as_str).collect();
                    let outcome = std::panic::catch_unwind(|| check(&names, seed, &baselines));
                    // Long runs say how far they are (seen with `--nocapture`).
                    let done = finished.fetch_add(1, Ordering::SeqCst) + 1;
                    if done.is_multiple_of(50) {
                        eprintln!(
                            "{done} of {} combinations checked in {:.0?}",
                            combinations.len(),
                            started.elapsed()
                        );
                    }
                    if let Err(e) = outcome {
                        let failure = format!(
                            "ATLAS_VARY_SEED={seed} ATLAS_VARY_ONLY={}\n{}",
                            c.join(","),
                            reason(e.as_ref())
                        );
                        // Said at once too, so a long run shows what broke while it goes on.
                        eprintln!("combination {} failed:\n{failure}", i + 1);
                        failures.lock().unwrap().push(failure);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} combinations failed (seed {seed}); replay one with the line above its reason:\n\n{}",
        failures.len(),
        combinations.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{} combinations of {} variations, seed {seed}: all invariants held",
        combinations.len(),
        tenant_atlas::emulator::VARIATIONS.len()
    );
}

/// `ATLAS_VARY_ONLY=a,b`, when set: the one combination to check.
fn only() -> Option<Vec<Vec<String>>> {
    std::env::var("ATLAS_VARY_ONLY").ok().map(|s| {
        vec![
            s.split(',')
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect(),
        ]
    })
}

fn owned(c: Vec<&'static str>) -> Vec<String> {
    c.into_iter().map(str::to_string).collect()
}

#[test]
fn every_pair_of_variations_keeps_backups_exact_and_restores_converging() {
    let seed = seed();
    let combinations =
        only().unwrap_or_else(|| pairwise(seed, AT_LEAST).into_iter().map(owned).collect());
    check_all(&combinations, seed);
}

/// The soak run: `cargo test --release --test it variation_soak -- --ignored` (1,000 random
/// combinations; `ATLAS_VARY_RANDOM=N` for another count, `ATLAS_VARY_SEED` for another list,
/// `ATLAS_VARY_WORKERS=N` to check more at once).
#[test]
#[ignore = "soak run of 1,000 random combinations; minutes in a release build"]
fn variation_soak_random_combinations_keep_every_invariant() {
    use rand::SeedableRng;
    let seed = seed();
    let count = std::env::var("ATLAS_VARY_RANDOM")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SOAK);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let combinations = only().unwrap_or_else(|| {
        (0..count)
            .map(|_| owned(random_combination(&mut rng)))
            .collect()
    });
    check_all(&combinations, seed);
}
