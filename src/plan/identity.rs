//! Which live object a document of a commit is — the one rule plans, apply's read-back and apply's
//! checks all use, so an object is never one thing to a plan and another to the apply of it.
//!
//! Identity is the id first: the document's own id, else the id a recorded create gave the object
//! made for it ([`Links`], from the apply run logs committed under `runs/<tenant>/` and, during an
//! apply, its journal); then the name within the type, only when it is unambiguous — one document
//! of the commit without an id has it, and one live object that no other document claims by id.
//! Two candidates either way are ambiguous and blocked, never guessed. Names are not identities:
//! real tenants hold objects named alike (docs/graph-variation.md, "Objects that share a name").

use super::live::Live;
use crate::store::{Repo, layout};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Ids that creates gave objects made for documents: (type, source id) → id in the target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    map: BTreeMap<(String, String), String>,
}

impl Links {
    /// Records that the object made for `source_id` of `kind` got `target_id` (a later record of
    /// the same source id replaces an earlier one).
    pub fn insert(&mut self, kind: &str, source_id: &str, target_id: &str) {
        if source_id != target_id {
            self.map
                .insert((kind.into(), source_id.into()), target_id.into());
        }
    }

    /// Adds `other`'s records, which win.
    pub fn extend(&mut self, other: &Links) {
        self.map
            .extend(other.map.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The live object made for `source_id`, following records while an id they name is gone (a
    /// restored object restored again after another clear).
    fn resolve<'a>(&self, kind: &str, source_id: &str, live: &'a [Live]) -> Option<&'a Live> {
        let mut id = source_id;
        let mut seen = BTreeSet::new();
        while let Some(next) = self.map.get(&(kind.to_string(), id.to_string())) {
            if !seen.insert(next.as_str()) {
                return None;
            }
            if let Some(l) = live.iter().find(|l| &l.doc.id == next) {
                return Some(l);
            }
            id = next;
        }
        None
    }

    /// The creates recorded by the apply run logs committed under `runs/<tenant>/` at HEAD, of
    /// applies into `tenant_id` from the folder `tenants/<source>`, oldest first. Run logs that
    /// do not parse, or predate source ids in run logs, record nothing.
    pub fn recorded(repo: &Repo, tenant: &str, tenant_id: &str, source: &str) -> Links {
        let mut links = Links::default();
        let Ok(blobs) = repo.blob_ids_at("HEAD", &layout::runs(tenant)) else {
            return links;
        };
        let source = layout::tenant(source);
        // Paths are `<yyyy>/<mm>/<run id>.yaml` and run ids start with their time: path order is
        // run order.
        for oid in blobs.values() {
            let Ok(bytes) = repo.read_blob(oid) else {
                continue;
            };
            if let Some(recorded) = Links::of_run_log(&bytes, tenant_id, &source) {
                links.extend(&recorded);
            }
        }
        links
    }

    /// The creates one run log records, when it is an apply into `tenant_id` from the folder
    /// `source` (`tenants/<name>`); `None` for any other run log or bytes that are not one.
    pub fn of_run_log(bytes: &[u8], tenant_id: &str, source: &str) -> Option<Links> {
        if !bytes.windows(11).any(|w| w == b"kind: apply") {
            return None;
        }
        let log = serde_yaml::from_slice::<RecordedApply>(bytes).ok()?;
        if log.kind != "apply" || log.tenant_id != tenant_id || log.source != source {
            return None;
        }
        let mut links = Links::default();
        for i in log.items.iter().filter(|i| i.action == "create") {
            if let (Some(s), Some(t)) = (&i.source_id, &i.target_id) {
                links.insert(&i.kind, s, t);
            }
        }
        Some(links)
    }
}

/// What [`Links::recorded`] reads of an apply run log (`apply::runlog::ApplyRunLog`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordedApply {
    kind: String,
    tenant_id: String,
    source: String,
    #[serde(default)]
    items: Vec<RecordedItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordedItem {
    kind: String,
    action: String,
    #[serde(default)]
    source_id: Option<String>,
    #[serde(default)]
    target_id: Option<String>,
}

/// What identifies a document: its type, id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub kind: String,
    pub id: String,
    pub name: String,
}

impl Key {
    pub fn of(doc: &crate::normalize::Document) -> Key {
        Key {
            kind: doc.kind.clone(),
            id: doc.id.clone(),
            name: doc.name.clone(),
        }
    }
}

/// How a document found its live object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Id,
    /// The id a recorded create returned for it.
    Created,
    Name,
}

/// A document's live object, or why it has none that can be trusted.
pub(crate) type Pairing<'a> = Result<Option<(&'a Live, How)>, String>;

/// Pairs every document of one commit with its live object, by the rule of this module.
/// `documents` are every document of the commit of the types in play (not only those chosen by
/// `--only`: a document left out still owns its object); `live` the target's objects by type.
/// The answer is in the order of `documents`.
pub(crate) fn pair<'a>(
    documents: &[Key],
    live: &'a BTreeMap<String, Vec<Live>>,
    links: &Links,
) -> Vec<Pairing<'a>> {
    let mut out: Vec<Option<Pairing<'a>>> = vec![None; documents.len()];
    let mut claimed: BTreeSet<(&str, &str)> = BTreeSet::new();
    let none: &[Live] = &[];
    let candidates = |d: &Key| live.get(&d.kind).map(Vec::as_slice).unwrap_or(none);
    // An id match under another name while another object has the document's name, or another
    // document has the object's name: the id was reused (numeric ids such as scope tags' are
    // handed out again after a deletion), the names identify the objects.
    let trusted = |d: &Key, l: &Live| {
        l.doc.name == d.name
            || (!candidates(d).iter().any(|o| o.doc.name == d.name)
                && !documents
                    .iter()
                    .any(|o| o.kind == d.kind && o.id != d.id && o.name == l.doc.name))
    };
    for (i, d) in documents.iter().enumerate() {
        if let Some(l) = candidates(d).iter().find(|l| l.doc.id == d.id)
            && trusted(d, l)
            && claimed.insert((d.kind.as_str(), l.doc.id.as_str()))
        {
            out[i] = Some(Ok(Some((l, How::Id))));
        }
    }
    for (i, d) in documents.iter().enumerate() {
        if out[i].is_none()
            && let Some(l) = links.resolve(&d.kind, &d.id, candidates(d))
            && trusted(d, l)
            && claimed.insert((d.kind.as_str(), l.doc.id.as_str()))
        {
            out[i] = Some(Ok(Some((l, How::Created))));
        }
    }
    let mut unpaired: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (i, d) in documents.iter().enumerate() {
        if out[i].is_none() {
            *unpaired
                .entry((d.kind.as_str(), d.name.as_str()))
                .or_default() += 1;
        }
    }
    for (i, d) in documents.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let same_name: Vec<&Live> = candidates(d)
            .iter()
            .filter(|l| l.doc.name == d.name)
            .filter(|l| !claimed.contains(&(d.kind.as_str(), l.doc.id.as_str())))
            .collect();
        let documents_named = unpaired[&(d.kind.as_str(), d.name.as_str())];
        out[i] = Some(match same_name.as_slice() {
            [] => Ok(None),
            _ if documents_named > 1 => Err(format!(
                "{documents_named} documents of this type are named \"{}\" in the commit and none is linked to an object by id: ambiguous",
                d.name
            )),
            [l] => Ok(Some((*l, How::Name))),
            many => Err(format!(
                "{} objects of this type are named \"{}\" in the target: ambiguous, not guessed",
                many.len(),
                d.name
            )),
        });
    }
    out.into_iter().map(|p| p.unwrap_or(Ok(None))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &str, id: &str, name: &str) -> crate::normalize::Document {
        crate::normalize::from_yaml(
            &format!("kind: {kind}\nid: '{id}'\nname: '{name}'\nspec: {{}}\n"),
            "t.yaml",
        )
        .unwrap()
    }

    fn live(objects: &[(&str, &str)]) -> BTreeMap<String, Vec<Live>> {
        let mut m = BTreeMap::new();
        m.insert(
            "deviceConfigurations".to_string(),
            objects
                .iter()
                .map(|(id, name)| Live {
                    doc: doc("deviceConfigurations", id, name),
                    path: format!("deviceConfigurations/x--{id}.yaml"),
                    fingerprint: String::new(),
                })
                .collect(),
        );
        m
    }

    /// (matched id or "-", how) per document, or the error's first words.
    fn outcome(docs: &[Key], live: &BTreeMap<String, Vec<Live>>, links: &Links) -> Vec<String> {
        pair(docs, live, links)
            .into_iter()
            .map(|p| match p {
                Ok(Some((l, how))) => format!("{} {how:?}", l.doc.id),
                Ok(None) => "-".into(),
                Err(e) => e.split(':').next().unwrap_or_default().to_string(),
            })
            .collect()
    }

    const KIND: &str = "deviceConfigurations";

    fn key(kind: &str, id: &str, name: &str) -> Key {
        Key {
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn documents_named_alike_follow_the_ids_their_creates_returned() {
        let docs = [key(KIND, "a", "Same"), key(KIND, "b", "Same")];
        let live = live(&[("b2", "Same"), ("a2", "Same")]);
        let none = Links::default();
        let ambiguous = "2 documents of this type are named \"Same\" in the commit and none is linked to an object by id";
        assert_eq!(outcome(&docs, &live, &none), [ambiguous, ambiguous]);
        let mut links = Links::default();
        links.insert(KIND, "a", "a2");
        links.insert(KIND, "b", "b2");
        assert_eq!(outcome(&docs, &live, &links), ["a2 Created", "b2 Created"]);
        // Links of another type say nothing about this one.
        let mut other = Links::default();
        other.insert("settingsCatalog", "a", "a2");
        other.insert("settingsCatalog", "b", "b2");
        assert_eq!(outcome(&docs, &live, &other), [ambiguous, ambiguous]);
    }

    #[test]
    fn an_id_match_comes_before_a_link_and_a_link_before_a_name() {
        let docs = [key(KIND, "a", "Same"), key(KIND, "b", "Same")];
        // `a` is still there under its own id; `b` was recreated as b2; another "Same" exists.
        let live = live(&[("a", "Same"), ("b2", "Same"), ("x", "Same")]);
        let mut links = Links::default();
        links.insert(KIND, "a", "x");
        links.insert(KIND, "b", "b2");
        assert_eq!(outcome(&docs, &live, &links), ["a Id", "b2 Created"]);
    }

    #[test]
    fn links_are_followed_through_objects_restored_again() {
        let docs = [key(KIND, "a", "Same"), key(KIND, "b", "Same")];
        let live = live(&[("a3", "Same"), ("b2", "Same")]);
        let mut links = Links::default();
        links.insert(KIND, "a", "a2");
        links.insert(KIND, "a2", "a3");
        links.insert(KIND, "b", "b2");
        links.insert(KIND, "b2", "b"); // a loop never hangs
        assert_eq!(outcome(&docs, &live, &links), ["a3 Created", "b2 Created"]);
        // A link whose object is gone pairs nothing; the name decides as without it.
        let live2 = self::live(&[("z", "Other")]);
        assert_eq!(outcome(&docs, &live2, &links), ["-", "-"]);
    }

    #[test]
    fn a_name_pairs_only_what_no_other_document_claims() {
        let docs = [key(KIND, "a", "Same"), key(KIND, "c", "Same")];
        // `a` holds its object by id; the other "Same" is the only one left for `c`.
        let live1 = live(&[("a", "Same"), ("n", "Same")]);
        assert_eq!(
            outcome(&docs, &live1, &Links::default()),
            ["a Id", "n Name"]
        );
        // Only `a`'s object is there: `c` is absent, not ambiguous and not `a`'s object.
        let live2 = live(&[("a", "Same")]);
        assert_eq!(outcome(&docs, &live2, &Links::default()), ["a Id", "-"]);
    }

    #[test]
    fn creates_are_read_from_the_apply_run_logs_of_that_tenant_and_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let log = |tenant_id: &str, source: &str, target: &str| {
            format!(
                "runId: r\nkind: apply\ntenant: t\ntenantId: {tenant_id}\nsource: tenants/{source}\nitems:\n- kind: {KIND}\n  name: Same\n  sourceId: a\n  action: create\n  result: applied\n  targetId: {target}\n- kind: {KIND}\n  name: Same\n  sourceId: u\n  action: update\n  result: applied\n  targetId: u2\n"
            )
        };
        let (first, later, other_tenant, other_folder) = (
            log("tid", "t", "a2"),
            log("tid", "t", "a3"),
            log("other", "t", "x"),
            log("tid", "elsewhere", "y"),
        );
        crate::store::testutil::commit_files(
            &repo,
            &[
                ("runs/t/2026/01/20260101T000000Z-000001.yaml", &first),
                ("runs/t/2026/02/20260201T000000Z-000001.yaml", &later),
                ("runs/t/2026/03/20260301T000000Z-000001.yaml", &other_tenant),
                ("runs/t/2026/03/20260301T000000Z-000002.yaml", &other_folder),
                (
                    "runs/t/2026/03/20260301T000000Z-000003.yaml",
                    "kind: backup\n",
                ),
            ],
            "runs",
        );
        let links = Links::recorded(&repo, "t", "tid", "t");
        let mut expected = Links::default();
        expected.insert(KIND, "a", "a3");
        assert_eq!(
            links, expected,
            "the latest create of that tenant and folder, creates only"
        );
        assert!(Links::recorded(&repo, "u", "tid", "t").is_empty());
    }

    #[test]
    fn two_live_objects_with_the_name_and_no_link_stay_ambiguous() {
        let docs = [key(KIND, "a", "Same")];
        let live = live(&[("x", "Same"), ("y", "Same")]);
        assert_eq!(
            outcome(&docs, &live, &Links::default()),
            ["2 objects of this type are named \"Same\" in the target"]
        );
        let mut links = Links::default();
        links.insert(KIND, "a", "y");
        assert_eq!(outcome(&docs, &live, &links), ["y Created"]);
    }

    #[test]
    fn a_reused_numeric_id_under_another_name_yields_to_the_name() {
        let docs = [key("scopeTags", "3", "Tokyo")];
        let mut live = BTreeMap::new();
        live.insert(
            "scopeTags".to_string(),
            vec![("3", "Berlin"), ("7", "Tokyo")]
                .into_iter()
                .map(|(id, name)| Live {
                    doc: doc("scopeTags", id, name),
                    path: String::new(),
                    fingerprint: String::new(),
                })
                .collect(),
        );
        assert_eq!(outcome(&docs, &live, &Links::default()), ["7 Name"]);
        // The reused id is another document's name: that document's object, not this one's.
        let docs = [
            key("scopeTags", "1", "Berlin"),
            key("scopeTags", "4", "Tokyo"),
        ];
        let mut live = BTreeMap::new();
        live.insert(
            "scopeTags".to_string(),
            vec![Live {
                doc: doc("scopeTags", "1", "Tokyo"),
                path: String::new(),
                fingerprint: String::new(),
            }],
        );
        assert_eq!(outcome(&docs, &live, &Links::default()), ["-", "1 Name"]);
        // Renamed in the tenant, and no document has the new name: still the same object.
        let docs = [key("scopeTags", "1", "Berlin")];
        assert_eq!(outcome(&docs, &live, &Links::default()), ["1 Id"]);
    }
}
