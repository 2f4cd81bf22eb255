//! Entry points for the fuzz targets under `fuzz/` (cargo-fuzz) and for the replay of their saved
//! corpus in the test suite: each feeds arbitrary bytes to one reader of input the tool does not
//! control — a policy document someone edited, `atlas.yaml`, a plan file, a run log — and checks
//! what must hold for every input. None may panic; time and memory are bounded by the fuzzer's
//! limits (docs/ARCHITECTURE.md, "Fuzzing"). The emulator's readers of client requests are in
//! `emulator::fuzzing`.

use crate::config::Config;
use crate::plan::Plan;
use crate::plan::identity::Links;
use crate::render::text::Paint;
use crate::server::runs::{self, RunSource};

/// A policy document as `diff`, `show`, `plan` and the web UI load it. One that loads writes
/// back to text that loads as the same document, so an edit in git never changes meaning on the
/// next backup.
pub fn document(data: &[u8]) {
    let Ok((doc, _)) = crate::render::load::parse("fuzz.yaml", data.to_vec()) else {
        return;
    };
    let text = crate::normalize::to_yaml(&doc).expect("a loaded document writes back");
    let again = crate::normalize::from_yaml(&text, "fuzz.yaml").expect("written text loads");
    assert_eq!(
        again, doc,
        "a document changed on its way through YAML:\n{text}"
    );
}

/// `atlas.yaml`: loaded strictly, every error naming the file.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Config::parse(text, "atlas.yaml") {
        assert!(e.to_string().contains("atlas.yaml"), "{e}");
    }
}

/// A plan file as `apply` and `plan --show` read it, then shown and hashed.
pub fn plan(data: &[u8]) {
    let Ok(plan) = serde_json::from_slice::<Plan>(data) else {
        return;
    };
    let _ = crate::plan::view::text(&plan, Paint(false));
    let _ = crate::plan::view::markdown(&plan);
    let _ = plan.content_hash();
    let _ = crate::plan::Summary::of(&plan.items).sentence();
}

/// A run log as the web UI lists it and as a plan reads the ids an apply created.
pub fn run_log(data: &[u8]) {
    if let Some(v) = runs::parse(data) {
        let _ = runs::summarize(&v, "fuzz", RunSource::Private("fuzz.yaml".into()));
    }
    let _ = Links::of_run_log(data, "tenant-id", &crate::store::layout::tenant("demo"));
}
