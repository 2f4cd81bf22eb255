//! The one integration-test binary: the real CLI against the real emulator on 127.0.0.1:0.

mod apply;
mod backup;
mod bad_input;
mod browser;
mod check;
mod cli;
mod common;
mod drift;
mod failures;
mod first_hour;
mod fleet;
mod fuzz_corpus;
mod graph_samples;
mod house;
mod housekeeping;
mod layers;
mod list;
mod long_functions;
mod plan;
mod reconcile;
mod resilience;
mod sdk_judge;
mod secrets;
mod serve;
mod tags;
mod variation;
mod variation_writes;

#[test]
fn no_forgotten_test_files() {
    // Every `.rs` file under tests/it is a module of main.rs or of the file named after its folder
    // (tests/it/apply/roundtrip.rs is `mod roundtrip;` in tests/it/apply.rs), at any depth.
    fn check(dir: &std::path::Path, parent: &std::path::Path, checked: &mut usize) {
        let text = std::fs::read_to_string(parent).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (a test folder needs its module file)",
                parent.display()
            )
        });
        for f in std::fs::read_dir(dir).unwrap() {
            let path = f.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "snapshots" {
                    check(&path, &dir.join(format!("{name}.rs")), checked);
                }
            } else if let Some(m) = name.strip_suffix(".rs").filter(|m| *m != "main") {
                *checked += 1;
                assert!(
                    text.contains(&format!("mod {m};")),
                    "{} is not a module of {}",
                    path.display(),
                    parent.display()
                );
            }
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let mut checked = 0;
    check(&dir, &dir.join("main.rs"), &mut checked);
    assert!(checked > 30, "only {checked} test files found");
}
