//! The one integration-test binary: the real CLI against the real emulator on 127.0.0.1:0.

mod apply;
mod backup;
mod bad_input;
mod browser;
mod cli;
mod common;
mod drift;
mod failures;
mod first_hour;
mod graph_samples;
mod plan;
mod reconcile;
mod resilience;
mod secrets;
mod serve;

#[test]
fn no_forgotten_test_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for f in std::fs::read_dir(&dir).unwrap() {
        let name = f.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(m) = name.strip_suffix(".rs").filter(|m| *m != "main") {
            assert!(
                main.contains(&format!("mod {m};")),
                "tests/it/{name} is not in main.rs"
            );
        }
    }
}
