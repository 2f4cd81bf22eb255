//! The layering rule of docs/ARCHITECTURE.md ("Layers"), checked on the source: a top-level module
//! of `src/` names (`crate::…`) only modules of lower layers, the files of one module do not
//! import each other in a circle, and only `store/layout.rs` spells the repository's paths. Test
//! code (`#[cfg(test)] mod …` blocks, `tests.rs` files and the files of `tests/` folders) may reach
//! anywhere; it is not part of the graph.

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
    &["health", "inventory"],
    &["render"],
    &["graph"],
    &["backup", "onboard"],
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

/// Whether a file holds only tests: `tests.rs`, or a file of a `tests/` folder.
fn test_file(path: &Path) -> bool {
    path.file_stem().is_some_and(|s| s == "tests")
        || path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == "tests")
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

/// Modules whose files are checked for import cycles among themselves: every module that is a
/// folder of `src/`.
fn folder_modules(src: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    found.sort();
    found
}

/// Every sibling file a file of `module` names (`super::x`, `crate::<module>::x`, also inside
/// `{…}` groups and across lines; comments skipped), as (file stem, line number).
fn sibling_imports(text: &str, module: &str, siblings: &[String]) -> Vec<(String, usize)> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let line_at = |at: usize| code[..at].matches('\n').count() + 1;
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = vec![];
    for prefix in ["super::".to_string(), format!("crate::{module}::")] {
        let mut from = 0;
        while let Some(at) = code[from..].find(&prefix) {
            let start = from + at;
            let after = &code[start + prefix.len()..];
            // Only the first segment after the prefix names a sibling file.
            let names: Vec<String> = match after.strip_prefix('{') {
                Some(group) => {
                    let mut depth = 0usize;
                    let mut parts = vec![String::new()];
                    for c in group.chars() {
                        match c {
                            '{' => depth += 1,
                            '}' if depth == 0 => break,
                            '}' => depth -= 1,
                            ',' if depth == 0 => parts.push(String::new()),
                            _ => {}
                        }
                        if depth == 0 && c != ',' && c != '}' {
                            parts.last_mut().unwrap().push(c);
                        }
                    }
                    parts.iter().map(|p| ident(p)).collect()
                }
                None => vec![ident(after)],
            };
            for n in names {
                if siblings.contains(&n) {
                    found.push((n, line_at(start)));
                }
            }
            from = start + prefix.len();
        }
    }
    found
}

/// Import edges between the files of `src/<module>/` (its `mod.rs` and test files left out):
/// (from, to, "file:line").
fn sibling_edges(src: &Path, module: &str) -> Vec<(String, String, String)> {
    let mut files = vec![];
    for entry in std::fs::read_dir(src.join(module)).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    let stem = |p: &Path| p.file_stem().unwrap().to_string_lossy().to_string();
    let siblings: Vec<String> = files
        .iter()
        .map(|p| stem(p))
        .filter(|s| s != "mod")
        .collect();
    let mut out = vec![];
    for path in &files {
        let from = stem(path);
        if from == "mod" || test_file(path) {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for (to, line) in sibling_imports(without_tests(&text), module, &siblings) {
            if to != from {
                let at = format!("src/{module}/{from}.rs:{line}");
                out.push((from.clone(), to, at));
            }
        }
    }
    out
}

/// Groups of files that import each other in a circle (strongly connected, more than one file),
/// each with the imports between its files ("from → to: file:line, …").
fn cycles(edges: &[(String, String, String)]) -> Vec<(Vec<String>, Vec<String>)> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to, _) in edges {
        next.entry(from).or_default().push(to);
        next.entry(to).or_default();
    }
    let reach = |start: &str| {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = vec![start];
        while let Some(n) = todo.pop() {
            for m in next.get(n).into_iter().flatten() {
                if seen.insert(*m) {
                    todo.push(m);
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&str, _> = next.keys().map(|n| (*n, reach(n))).collect();
    let mut groups: Vec<Vec<String>> = vec![];
    for (n, r) in &reached {
        if !r.contains(n) || groups.iter().any(|g| g.iter().any(|x| x == n)) {
            continue;
        }
        let group = reached
            .iter()
            .filter(|(m, rm)| r.contains(*m) && rm.contains(n))
            .map(|(m, _)| m.to_string())
            .collect();
        groups.push(group);
    }
    groups
        .into_iter()
        .map(|g| {
            let mut inside: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
            for (f, t, at) in edges
                .iter()
                .filter(|(f, t, _)| g.contains(f) && g.contains(t))
            {
                inside.entry((f, t)).or_default().push(at);
            }
            let imports = inside
                .iter()
                .map(|((f, t), at)| format!("{f} → {t}: {}", at.join(", ")))
                .collect();
            (g, imports)
        })
        .collect()
}

#[test]
fn files_of_a_module_import_each_other_without_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut report = vec![];
    let modules = folder_modules(&src);
    assert!(modules.len() > 10, "{modules:?}");
    for module in &modules {
        for (files, imports) in cycles(&sibling_edges(&src, module)) {
            report.push(format!(
                "{module}: {} import each other in a circle:\n  {}",
                files.join(", "),
                imports.join("\n  ")
            ));
        }
    }
    assert!(
        report.is_empty(),
        "files of one module importing each other in a circle (docs/ARCHITECTURE.md, \"Known layering exceptions\"):\n{}",
        report.join("\n")
    );
}

#[test]
fn the_cycle_check_sees_sibling_imports_and_circles() {
    let siblings: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
    let text = "use super::a::X;\nuse super::{\n    b::{self, Y},\n    c,\n};\n// super::d in a comment\nlet x = crate::emulator::d::f(); // super::a\nuse super::super::e;\n";
    let found = sibling_imports(text, "emulator", &siblings);
    assert_eq!(
        found,
        [
            ("a".to_string(), 1),
            ("b".to_string(), 2),
            ("c".to_string(), 2),
            ("d".to_string(), 7)
        ]
    );
    let edge = |f: &str, t: &str| (f.to_string(), t.to_string(), format!("{f}.rs:1"));
    let found = cycles(&[
        edge("a", "b"),
        edge("b", "c"),
        edge("c", "a"),
        edge("c", "d"),
    ]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, ["a", "b", "c"]);
    assert_eq!(
        found[0].1,
        ["a → b: a.rs:1", "b → c: b.rs:1", "c → a: c.rs:1"]
    );
    assert!(cycles(&[edge("a", "b"), edge("b", "c"), edge("a", "c")]).is_empty());
}

/// Literals that spell a place of the repository layout (docs/ARCHITECTURE.md, "Repository
/// layout"); only `src/store/layout.rs` may write them.
const LAYOUT_LITERALS: &[&str] = &[
    "\"tenants/",
    "\"runs/",
    "\"_refs/",
    "\"docs/",
    "join(\"atlas",
];

/// Lines outside the layout that may spell a path, with why: (file, part of the line).
const LAYOUT_EXEMPT: &[(&str, &str)] = &[
    // A `const` the type's parser needs; a render test keeps it equal to `layout::refs_file`.
    ("src/render/mod.rs", "pub const FILE"),
];

/// (file:line, line) of every literal of the layout outside `store/layout.rs`, test code left out.
fn layout_spellings(rel: &str, text: &str) -> Vec<String> {
    let mut out = vec![];
    for (i, line) in without_tests(text).lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let exempt = LAYOUT_EXEMPT
            .iter()
            .any(|(file, part)| *file == rel && line.contains(part));
        if !exempt && LAYOUT_LITERALS.iter().any(|l| code.contains(l)) {
            out.push(format!("{rel}:{}: {}", i + 1, code));
        }
    }
    out
}

#[test]
fn the_repository_layout_is_spelled_in_one_place() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    rust_files(&src, &mut files);
    files.sort();
    let mut found = vec![];
    for path in files {
        let rel = format!("src/{}", path.strip_prefix(&src).unwrap().display());
        if test_file(&path) || rel == "src/store/layout.rs" {
            continue;
        }
        found.extend(layout_spellings(
            &rel,
            &std::fs::read_to_string(&path).unwrap(),
        ));
    }
    assert!(
        found.is_empty(),
        "paths of the repository spelled outside src/store/layout.rs (ask `layout` for them):\n{}",
        found.join("\n")
    );
    let planted = "let p = format!(\"tenants/{t}\");\n// \"runs/ in a comment\n#[cfg(test)]\nmod tests {\n    const P: &str = \"tenants/a\";\n}\n";
    assert_eq!(
        layout_spellings("src/x.rs", planted),
        ["src/x.rs:1: let p = format!(\"tenants/{t}\");"]
    );
}
