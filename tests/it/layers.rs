//! The layering rule of docs/ARCHITECTURE.md ("Layers"), checked on the source: a top-level module
//! of `src/` names (`crate::…`) only modules of lower layers. Test code (`#[cfg(test)] mod …`
//! blocks, `tests*.rs` and `*_tests.rs` files) may reach anywhere; it is not part of the graph.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers from the bottom up. A module may import only modules of a lower layer; modules of
/// one layer do not import each other. A new top-level module must be placed here.
const LAYERS: &[&[&str]] = &[
    &["env"],
    &["clock", "cloud", "emulator"],
    &["demo"],
    &["catalog"],
    &["normalize"],
    &["config"],
    &["store"],
    &["render"],
    &["graph"],
    &["backup"],
    &["drift", "plan"],
    &["apply"],
    &["records"],
    &["notify"],
    &["reconcile"],
    &["server"],
    &["cli", "fuzzing"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether a file holds only tests (`tests.rs`, `tests_shapes.rs`, `history_tests.rs`).
fn test_file(path: &Path) -> bool {
    let stem = path.file_stem().unwrap().to_string_lossy();
    stem == "tests" || stem.starts_with("tests_") || stem.ends_with("_tests")
}

/// The source up to its first `#[cfg(test)]` module.
fn without_tests(text: &str) -> &str {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "#[cfg(test)]" {
            let rest = &text[at + line.len()..];
            let next = rest.lines().next().unwrap_or("").trim_start();
            if next.starts_with("mod ") || next.starts_with("pub mod ") {
                return &text[..at];
            }
        }
        at += line.len();
    }
    text
}

/// Every `crate::<module>` a line of code names (comments skipped), as (module, line number).
fn imports(text: &str) -> Vec<(String, usize)> {
    let mut found = vec![];
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            if let Some(group) = after.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let m: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !m.is_empty() {
                        found.push((m, i + 1));
                    }
                }
            } else if !name.is_empty() {
                found.push((name, i + 1));
            }
            rest = after;
        }
    }
    found
}

/// Every import across layers in the source: (importing module, imported module, "file:line").
fn edges(src: &Path) -> Vec<(String, String, String)> {
    let mut files = vec![];
    rust_files(src, &mut files);
    files.sort();
    let mut out = vec![];
    for path in files {
        let rel = path.strip_prefix(src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if test_file(&path) || matches!(top.as_str(), "lib" | "main") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (module, line) in imports(without_tests(&text)) {
            if module != top {
                out.push((top.clone(), module, format!("src/{}:{line}", rel.display())));
            }
        }
    }
    out
}

#[test]
fn modules_import_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut unplaced = vec![];
    for entry in std::fs::read_dir(&src).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let module = name.trim_end_matches(".rs");
        if !matches!(module, "lib" | "main") && layer_of(module).is_none() {
            unplaced.push(module.to_string());
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules missing from the layer table in tests/it/layers.rs (and docs/ARCHITECTURE.md): {unplaced:?}"
    );
    let mut upward: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (from, to, at) in edges(&src) {
        let Some(to_layer) = layer_of(&to) else {
            continue; // `crate::foo` inside a macro or a doc link to an item, not a module
        };
        if to_layer >= layer_of(&from).unwrap() {
            upward.entry((from, to)).or_default().push(at);
        }
    }
    let report: Vec<String> = upward
        .iter()
        .map(|((from, to), at)| format!("{from} → {to}: {}", at.join(", ")))
        .collect();
    assert!(
        report.is_empty(),
        "imports of a module of the same or a higher layer (docs/ARCHITECTURE.md, \"Layers\"):\n{}",
        report.join("\n")
    );
}

#[test]
fn the_check_sees_imports_in_every_form() {
    let text = "use crate::store::Repo;\nuse crate::{graph, render::text};\n// crate::server in a comment\nlet x = crate::clock::now(); // crate::cli\n#[cfg(test)]\nmod tests {\n    use crate::cli;\n}\n";
    let found: Vec<(String, usize)> = imports(without_tests(text));
    let names: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(names, ["store", "graph", "render", "clock"]);
    assert_eq!(found[3].1, 4);
}
