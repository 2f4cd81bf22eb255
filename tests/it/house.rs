//! The repository explains itself: nothing it tracks cites notes kept outside the clone, and every
//! citation of one of its own pages — `docs/<file>.md, "<Heading>"`, possibly followed by more
//! `, "<Heading>"` of the same file — names a file and a heading that exist.
//!
//! Comments send readers to sections of `docs/`; a heading renamed without its citations, or a
//! reference to a file only some checkouts have, leaves a reader with nothing to follow. The files
//! are those git tracks, read as they are on disk, so the check follows files as they come and go.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::common::manifest_dir;

/// Folders whose files are checked, besides the top-level README.
const ROOTS: &[&str] = &[
    "src/",
    "tests/",
    "benches/",
    "scripts/",
    "docs/",
    "examples/",
    "fixtures/",
];
/// Kinds of file that carry prose or comments.
const EXTENSIONS: &[&str] = &[".md", ".rs", ".sh", ".py", ".yaml", ".yml"];

/// Lines allowed to name an outside path, with why: (file, the line's start, part of the name).
const EXEMPT: &[(&str, &str, &str)] = &[(
    // The Graph schema checker is a tool kept beside the clone, not a note: CI runs it from
    // there unless GRAPH_SCHEMA_CHECK points elsewhere.
    "scripts/graph-schema-check.sh",
    "checker=\"${GRAPH_SCHEMA_CHECK:-",
    "shared",
)];

/// Names of notes that live outside the repository. Spelled in pieces so that this file does not
/// name them itself.
fn outside_names() -> Vec<String> {
    let mut names: Vec<String> = ["graph", "DESIGN", "reliability", "rust-style"]
        .iter()
        .map(|n| format!("{n}.md"))
        .collect();
    names.push(format!("../{}", "shared"));
    names
}

/// The files to check, relative to the repository root, with their text.
fn tracked_files(root: &Path) -> Vec<(String, String)> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z"])
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git ls-files failed in {}",
        root.display()
    );
    let mut files = Vec::new();
    for name in String::from_utf8(out.stdout).unwrap().split('\0') {
        let wanted = name == "README.md"
            || (ROOTS.iter().any(|r| name.starts_with(r))
                && EXTENSIONS.iter().any(|e| name.ends_with(e)));
        if !wanted {
            continue;
        }
        // A tracked file deleted in the work tree has nothing left to cite.
        if let Ok(text) = std::fs::read_to_string(root.join(name)) {
            files.push((name.to_string(), text));
        }
    }
    files
}

/// `file:line: name` for every mention of an outside note in `text`. A name counts only where it
/// starts a word, so `docs/graph-notes.md` or `paragraph.md` never count as a mention.
fn outside_mentions(file: &str, text: &str) -> Vec<String> {
    let names = outside_names();
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for name in &names {
            let exempt = EXEMPT
                .iter()
                .any(|(f, l, x)| *f == file && line.starts_with(l) && name.contains(x));
            if exempt {
                continue;
            }
            for (at, _) in line.match_indices(name.as_str()) {
                let before = line[..at].chars().next_back();
                let starts_word = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
                if starts_word {
                    found.push(format!("{file}:{}: {name}", n + 1));
                }
            }
        }
    }
    found
}

/// A citation found in a file: the line it starts on, the cited page and its headings.
#[derive(Debug)]
struct Citation {
    line: usize,
    page: String,
    headings: Vec<String>,
}

/// The text of `text` with every line's indentation and comment marker removed and the lines
/// joined by spaces (so a citation wrapped over two comment lines reads as one), plus the offset
/// where each line starts.
fn joined(text: &str) -> (String, Vec<usize>) {
    let mut out = String::new();
    let mut starts = Vec::new();
    for line in text.lines() {
        let mut l = line.trim_start();
        for marker in ["//!", "///", "//", "#", "*"] {
            if let Some(rest) = l.strip_prefix(marker) {
                l = rest.trim_start_matches('#').trim_start();
                break;
            }
        }
        starts.push(out.len());
        out.push_str(&l.replace("\\\"", "\""));
        out.push(' ');
    }
    (out, starts)
}

/// Reads `"…"` at the start of `s` (after spaces): the quoted text and what follows it.
fn quoted(s: &str) -> Option<(&str, &str)> {
    let rest = s.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some((&rest[..end], &rest[end + 1..]))
}

/// Every `docs/<file>.md, "<Heading>"[, "<Heading>"…]` in `text` (the path may be in backticks).
fn citations(text: &str) -> Vec<Citation> {
    let (joined, starts) = joined(text);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = joined[from..].find("docs/") {
        let start = from + pos;
        from = start + "docs/".len();
        let name_len = joined[from..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
            .unwrap_or(joined.len() - from);
        let page = &joined[start..from + name_len];
        if !page.ends_with(".md") {
            continue;
        }
        let after = joined[from + name_len..].trim_start_matches('`');
        let Some(mut rest) = after.strip_prefix(',') else {
            continue;
        };
        let mut headings = Vec::new();
        while let Some((heading, next)) = quoted(rest) {
            headings.push(heading.split_whitespace().collect::<Vec<_>>().join(" "));
            match next.strip_prefix(',') {
                Some(more) if more.trim_start().starts_with('"') => rest = more,
                _ => break,
            }
        }
        if !headings.is_empty() {
            let line = starts.partition_point(|&s| s <= start);
            found.push(Citation {
                line,
                page: page.to_string(),
                headings,
            });
        }
    }
    found
}

/// The headings of a markdown page, code blocks left out.
fn headings(markdown: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut found = BTreeSet::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            found.insert(line.trim_start_matches('#').trim().to_string());
        }
    }
    found
}

/// Whether `cited` names a heading of the page: the heading itself, or the heading without the
/// knob names some headings end with (`Empty pages (`empty-middle-pages`, …)`).
fn heading_exists(cited: &str, headings: &BTreeSet<String>) -> bool {
    headings.iter().any(|h| {
        h == cited
            || h.strip_prefix(cited)
                .is_some_and(|rest| rest.starts_with(" (") && rest.ends_with(')'))
    })
}

/// `file:line: …` for every citation in `files` whose page or heading does not exist; `pages`
/// maps each `docs/…` page to its text. Also returns how many citations were checked.
fn broken_citations(
    files: &[(String, String)],
    pages: &BTreeMap<String, String>,
) -> (Vec<String>, usize) {
    let page_headings: BTreeMap<&String, BTreeSet<String>> =
        pages.iter().map(|(p, t)| (p, headings(t))).collect();
    let mut broken = Vec::new();
    let mut checked = 0;
    for (file, text) in files {
        for c in citations(text) {
            checked += 1;
            let Some(known) = page_headings.get(&c.page) else {
                broken.push(format!("{file}:{}: {} does not exist", c.line, c.page));
                continue;
            };
            for h in &c.headings {
                if !heading_exists(h, known) {
                    broken.push(format!(
                        "{file}:{}: {} has no heading \"{h}\"",
                        c.line, c.page
                    ));
                }
            }
        }
    }
    (broken, checked)
}

fn docs_pages(files: &[(String, String)]) -> BTreeMap<String, String> {
    files
        .iter()
        .filter(|(f, _)| f.starts_with("docs/") && f.ends_with(".md"))
        .map(|(f, t)| (f.clone(), t.clone()))
        .collect()
}

#[test]
fn no_file_cites_notes_outside_the_repository() {
    let files = tracked_files(&manifest_dir());
    assert!(files.len() > 100, "only {} files found", files.len());
    let found: Vec<String> = files
        .iter()
        .flat_map(|(f, t)| outside_mentions(f, t))
        .collect();
    assert!(
        found.is_empty(),
        "these lines cite notes outside the repository; cite docs/<file>.md, \"<Heading>\" \
         instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_doc_citation_names_a_page_and_heading_that_exist() {
    let files = tracked_files(&manifest_dir());
    let pages = docs_pages(&files);
    let (broken, checked) = broken_citations(&files, &pages);
    assert!(
        broken.is_empty(),
        "broken citations:\n{}",
        broken.join("\n")
    );
    assert!(
        checked > 150,
        "only {checked} citations found: is the parser broken?"
    );
}

#[test]
fn the_checks_find_planted_problems() {
    // Built from pieces so that this file holds no citation and names no outside note itself.
    let d = "docs/";
    let pages = BTreeMap::from([(
        format!("{d}notes.md"),
        "# Notes\n\n## Paging\n\n```\n# Not a heading\n```\n## Empty pages (`empty-last-page`)\n"
            .to_string(),
    )]);
    let text = [
        format!("/// Fine ({d}notes.md, \"Paging\"), and wrapped ({d}notes.md,"),
        "/// \"Empty pages\").".to_string(),
        format!("// Wrong heading ({d}notes.md, \"Paging\", \"Batching\")."),
        format!("//! Code blocks hold no headings: `{d}notes.md`, \"Not a heading\"."),
        format!("# Missing page: {d}gone.md, \"Paging\"."),
        format!("Not a citation: {d}notes.md describes paging."),
    ]
    .join("\n");
    let files = vec![("src/x.rs".to_string(), text)];
    let (broken, checked) = broken_citations(&files, &pages);
    assert_eq!(checked, 5);
    assert_eq!(
        broken,
        [
            format!("src/x.rs:3: {d}notes.md has no heading \"Batching\""),
            format!("src/x.rs:4: {d}notes.md has no heading \"Not a heading\""),
            format!("src/x.rs:5: {d}gone.md does not exist"),
        ]
    );

    let name = format!("{}.md", "graph");
    let shared = format!("../{}", "shared");
    let text = format!("see {name} §2\nsee {d}graph-notes.md and paragraph.md\n({shared})");
    assert_eq!(
        outside_mentions("src/y.rs", &text),
        [
            format!("src/y.rs:1: {name}"),
            format!("src/y.rs:3: {shared}")
        ]
    );
    let exempt =
        format!("checker=\"${{GRAPH_SCHEMA_CHECK:-{shared}/tools/graph-schema-check.py}}\"");
    assert!(outside_mentions("scripts/graph-schema-check.sh", &exempt).is_empty());
    assert_eq!(outside_mentions("scripts/other.sh", &exempt).len(), 1);
}
