//! Renderers over the demo tenant's golden backup: every document in the text and markdown views,
//! JSON views, and a report with one change of each kind — as insta snapshots. Markdown is parsed
//! to check it renders as tables and lists, never as raw JSON.

use super::load::{self, Loader, MemFiles};
use super::{Report, markdown, text};
use crate::normalize::{self, Document};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

const PREFIX: &str = "tenants/demo";

fn golden() -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden/demo");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

fn document_paths(files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    files
        .keys()
        .map(|p| format!("{PREFIX}/{p}"))
        .filter(|p| load::document_of(p).as_deref() == Some(p.as_str()))
        .collect()
}

fn views(files: &BTreeMap<String, Vec<u8>>) -> Vec<super::View> {
    let mem = MemFiles {
        prefix: PREFIX.into(),
        files,
    };
    let mut loader = Loader::new(&mem);
    let mut warnings = vec![];
    let out = document_paths(files)
        .iter()
        .map(|p| loader.load(p, &mut warnings).unwrap().unwrap().view)
        .collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    out
}

/// No JSON object text outside code blocks, and at least one table.
fn assert_readable_markdown(md: &str, what: &str) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut in_code = false;
    let mut tables = 0;
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(pulldown_cmark::TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Text(t) | Event::Code(t) if !in_code => {
                assert!(
                    !t.contains("{\"") && !t.contains("[{"),
                    "{what}: raw JSON in markdown text: {t}"
                );
            }
            _ => {}
        }
    }
    assert!(tables > 0, "{what}: no table");
}

#[test]
fn every_document_renders_as_text() {
    let files = golden();
    let mut by_kind: BTreeMap<String, String> = BTreeMap::new();
    for v in views(&files) {
        // Properties never show as raw JSON; sidecar files (scripts, rules) show as they are.
        let mut bare = v.clone();
        bare.sidecars.clear();
        let shown = text::view(&bare, text::Paint(false));
        assert!(
            !shown.contains("{\""),
            "{}: raw JSON in the text view",
            v.kind
        );
        let s = by_kind.entry(v.kind.clone()).or_default();
        s.push_str(&text::view(&v, text::Paint(false)));
        s.push_str("\n----\n\n");
    }
    assert_eq!(
        by_kind.len(),
        crate::catalog::all().len(),
        "a type without documents"
    );
    for (kind, s) in by_kind {
        insta::assert_snapshot!(format!("text-{kind}"), s);
    }
}

#[test]
fn every_document_renders_as_markdown_documentation() {
    let files = golden();
    let mem = MemFiles {
        prefix: PREFIX.into(),
        files: &files,
    };
    let (pages, warnings) = super::docs::tenant(&mem, "demo", &document_paths(&files));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(pages.len(), crate::catalog::all().len() + 1);
    for (name, page) in &pages {
        assert_readable_markdown(page, name);
        insta::assert_snapshot!(format!("docs-{}", name.trim_end_matches(".md")), page);
    }
    // Deterministic: a second rendering is byte-identical.
    let (again, _) = super::docs::tenant(&mem, "demo", &document_paths(&files));
    assert_eq!(pages, again);
}

#[test]
fn json_views_are_stable() {
    let files = golden();
    for v in views(&files) {
        if [
            "settingsCatalog",
            "administrativeTemplates",
            "powershellScripts",
        ]
        .contains(&v.kind.as_str())
            && v.path.contains("--")
        {
            let name = format!(
                "json-{}",
                v.path.rsplit('/').next().unwrap().trim_end_matches(".yaml")
            );
            insta::assert_json_snapshot!(name, v);
        }
    }
}

/// Edits one golden document through its model.
fn edit(files: &mut BTreeMap<String, Vec<u8>>, path: &str, f: impl FnOnce(&mut Document)) {
    let mut doc = normalize::from_yaml(&String::from_utf8_lossy(&files[path]), path).unwrap();
    f(&mut doc);
    files.insert(path.into(), normalize::to_yaml(&doc).unwrap().into_bytes());
}

/// Replaces a sidecar's bytes and its document's sha256.
fn edit_sidecar(
    files: &mut BTreeMap<String, Vec<u8>>,
    doc: &str,
    f: impl FnOnce(&[u8]) -> Vec<u8>,
) {
    let d = normalize::from_yaml(&String::from_utf8_lossy(&files[doc]), doc).unwrap();
    let (field, r) = d.sidecars.iter().next().unwrap();
    let dir = doc.rsplit_once('/').unwrap().0;
    let path = format!("{dir}/{}", r.file);
    let bytes = f(&files[&path]);
    let sha = hex::encode(Sha256::digest(&bytes));
    files.insert(path, bytes);
    let field = field.clone();
    edit(files, doc, |d| {
        d.sidecars.get_mut(&field).unwrap().sha256 = sha
    });
}

fn changed_report(old: &BTreeMap<String, Vec<u8>>, new: &BTreeMap<String, Vec<u8>>) -> Report {
    let paths: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let changes: Vec<(Option<String>, Option<String>)> = paths
        .into_iter()
        .filter(|p| old.get(*p) != new.get(*p))
        .map(|p| {
            let full = format!("{PREFIX}/{p}");
            (
                old.contains_key(p).then(|| full.clone()),
                new.contains_key(p).then_some(full),
            )
        })
        .collect();
    let pairs = load::document_pairs(&changes);
    let (a, b) = (
        MemFiles {
            prefix: PREFIX.into(),
            files: old,
        },
        MemFiles {
            prefix: PREFIX.into(),
            files: new,
        },
    );
    let (mut la, mut lb) = (Loader::new(&a), Loader::new(&b));
    let mut warnings = vec![];
    let objects = load::compare_pairs(&mut la, &mut lb, &pairs, &mut warnings);
    let mut r = Report::new("diff", Some("demo".into()), "HEAD~1".into(), "HEAD".into());
    r.extend(objects);
    r.warnings = warnings;
    r.documents_read = la.documents_read + lb.documents_read;
    r
}

#[test]
fn a_report_shows_each_kind_of_change_readably() {
    let old = golden();
    let mut new = old.clone();
    // A settings catalog child setting.
    edit(
        &mut new,
        "settingsCatalog/bitlocker-os-drive--3e3e3c21.yaml",
        |d| {
            let text = serde_json::to_string(&d.spec).unwrap().replace(
                "encryptionmethodwithxtsosdropdown_name_7",
                "encryptionmethodwithxtsosdropdown_name_6",
            );
            d.spec = serde_json::from_str(&text).unwrap();
        },
    );
    // An administrative template presentation value, and an assignment removed.
    edit(
        &mut new,
        "administrativeTemplates/logon-banner-custom-admx--78b51358.yaml",
        |d| {
            let text = serde_json::to_string(&d.spec)
                .unwrap()
                .replace("Authorised use only.", "Authorized use only.");
            d.spec = serde_json::from_str(&text).unwrap();
            d.assignments.as_mut().unwrap().retain(|a| {
                a.group.as_ref().and_then(|g| g.name.as_deref()) != Some("Kiosk Devices")
            });
        },
    );
    // Script bodies: line endings only, and content.
    edit_sidecar(
        &mut new,
        "powershellScripts/map-network-drives--a7715cc6.yaml",
        |b| {
            let s = String::from_utf8_lossy(b).to_string();
            if s.contains("\r\n") {
                s.replace("\r\n", "\n")
            } else {
                s.replace('\n', "\r\n")
            }
            .into_bytes()
        },
    );
    edit_sidecar(
        &mut new,
        "powershellScripts/willkommen-begrussung--07908cf1.yaml",
        |b| {
            let mut v = b.to_vec();
            v.extend_from_slice(b"Write-Output \"added line\"\n");
            v
        },
    );
    // Scope tags only.
    edit(
        &mut new,
        "deviceConfigurations/ios-restrictions--815e7ecc.yaml",
        |d| {
            d.scope_tags = Some(vec!["Default".into(), "Tokyo".into()]);
        },
    );
    // A rename (the file moves with it).
    let from = "deviceConfigurations/lockdown--9f472a91.yaml";
    let to = "deviceConfigurations/lockdown-strict--9f472a91.yaml";
    let bytes = new.remove(from).unwrap();
    new.insert(to.into(), bytes);
    edit(&mut new, to, |d| d.name = "Lockdown (strict)".into());
    // Deleted, and added.
    new.remove("deviceConfigurations/ios-restrictions--8b4641c8.yaml");
    let added = "deviceConfigurations/new-policy--0a0a0a0a.yaml";
    new.insert(
        added.into(),
        old["deviceConfigurations/windows-device-restrictions-standard--86524a2d.yaml"].clone(),
    );
    edit(&mut new, added, |d| {
        d.id = "0a0a0a0a-0000-4000-8000-000000000000".into();
        d.name = "New policy".into();
    });
    // An unknown @odata.type.
    edit(
        &mut new,
        "deviceConfigurations/windows-bitlocker-firewall--b18cf7ae.yaml",
        |d| {
            d.odata_type = Some("#microsoft.graph.futureDeviceConfiguration".into());
            d.spec["futureSetting"] = serde_json::json!({"level": 3, "targets": ["a", "b"]});
        },
    );

    let r = changed_report(&old, &new);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        (
            r.summary.changed,
            r.summary.renamed,
            r.summary.added,
            r.summary.removed
        ),
        (6, 1, 1, 1),
        "{}",
        text::report(&r, text::Paint(false))
    );
    // Only the changed documents were read: both sides of the 7 changed and renamed ones, one side
    // of the added and the removed one.
    assert_eq!(r.documents_read, 2 * 7 + 2);
    let t = text::report(&r, text::Paint(false));
    for needle in [
        "› Select the encryption method for operating system drives: XTS-AES 256-bit → ",
        "Banner lines",
        "- include \"Kiosk Devices\"",
        "only encoding, byte order mark or line endings changed",
        "+Write-Output \"added line\"",
        "Lockdown\" → \"Lockdown (strict)\"",
        "futureSetting.level = 3",
    ] {
        assert!(t.contains(needle), "missing `{needle}` in:\n{t}");
    }
    insta::assert_snapshot!("report-text", t);
    let md = markdown::report(&r);
    assert_readable_markdown(&md, "report");
    insta::assert_snapshot!("report-markdown", md);
    insta::assert_json_snapshot!("report-json", r);
}

#[test]
fn an_unchanged_tenant_reports_nothing_and_reads_nothing() {
    let files = golden();
    let r = changed_report(&files, &files);
    assert_eq!(r.summary.total(), 0);
    assert_eq!(r.documents_read, 0);
}

#[test]
fn names_file_is_the_layouts_reference_file() {
    assert_eq!(
        super::Names::FILE,
        crate::store::layout::refs_file(crate::catalog::RefKind::SettingDefinitions)
    );
    let kinds = crate::catalog::RefKind::ALL
        .into_iter()
        .filter(|k| *k != crate::catalog::RefKind::SettingDefinitions);
    let files: Vec<String> = kinds.map(crate::store::layout::refs_file).collect();
    assert_eq!(super::Names::reference_files(), files);
}
