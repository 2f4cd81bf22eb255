//! Replays the saved fuzz corpus (`fuzz/corpus/<target>/`) through the same entry points the fuzz
//! targets call, as ordinary tests: every input the fuzzer kept — seeds, inputs that reached new
//! code, and inputs that once crashed — must pass on every build, on stable, in CI.

use std::path::Path;

fn replay(target: &str, entry: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no corpus", dir.display());
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(|| entry(&data));
        assert!(
            outcome.is_ok(),
            "{} panicked; reproduce with `cargo +nightly fuzz run {target} {}`",
            path.display(),
            path.display()
        );
    }
}

#[test]
fn documents() {
    replay("document", tenant_atlas::fuzzing::document);
}

#[test]
fn configurations() {
    replay("config", tenant_atlas::fuzzing::config);
}

#[test]
fn plan_files() {
    replay("plan", tenant_atlas::fuzzing::plan);
}

#[test]
fn run_logs() {
    replay("run_log", tenant_atlas::fuzzing::run_log);
}

#[test]
fn batch_bodies() {
    replay("batch", tenant_atlas::emulator::fuzzing::batch);
}

#[test]
fn query_options() {
    replay("query", tenant_atlas::emulator::fuzzing::query);
}
