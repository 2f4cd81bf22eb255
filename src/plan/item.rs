//! Planning one desired object against the live tenant, in named stages: pair it ([`Planner::pair`]),
//! rebuild it in the target's terms ([`Planner::in_target_terms`]), gate it on capability, references
//! and secrets ([`Planner::gate`]), and derive its requests ([`Planner::requests`]). Each stage either
//! hands the next what it needs or leaves the item blocked with its reasons.

use super::desired::Desired;
use super::identity::{How, Pairing};
use super::live::{Live, LiveSide};
use super::resolve::{self, Resolver};
use super::steps::{self, Changed, Context};
use super::{ABSENT, Action, Item, fixed, removed};
use crate::backup::TenantTarget;
use crate::catalog::{self, Capability, CatalogEntry, RefKind};
use crate::normalize::refs::RefTable;
use crate::normalize::{self, Document};
use crate::render::{self, Names};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Everything the items of one plan are planned against.
pub(super) struct Planner<'a> {
    /// Is a value supplied for this secret (document path, secret path)?
    pub(super) secret_supplied: &'a (dyn Fn(&str, &str) -> bool + Sync),
    pub(super) target: &'a TenantTarget,
    pub(super) source_refs: &'a RefTable,
    pub(super) live: &'a LiveSide,
    /// The target's objects of the item's type.
    pub(super) type_live: &'a [Live],
    /// The live object this item's document pairs with.
    pub(super) pairing: &'a Pairing<'a>,
    pub(super) resolver: &'a Resolver,
    pub(super) target_refs: &'a RefTable,
    pub(super) names: &'a Names,
    /// Apply's read-back: a dependency that exists is planned like a chosen object (`noOp` when it
    /// is what the commit has), so a dependency the apply created is checked too.
    pub(super) read_back: bool,
    /// The commit is another tenant's.
    pub(super) cross_tenant: bool,
}

/// A desired object rebuilt for the target and normalized as a backup of it would be.
struct InTarget {
    /// The id the object has (or gets) in the target.
    id: String,
    raw: Value,
    doc: Document,
    files: BTreeMap<String, Vec<u8>>,
    /// References that did not resolve: blocking only when something is written.
    problems: Vec<String>,
}

impl Planner<'_> {
    /// The plan item of `d`, or `None` for a dependency that already exists. `planned` holds the
    /// reference-like objects this plan creates: later items refer to them by placeholder.
    pub(super) async fn item(
        &self,
        d: &Desired,
        planned: &mut BTreeSet<(RefKind, String)>,
    ) -> Option<Item> {
        let raw = d.rebuild(self.source_refs);
        let mut item = Item {
            kind: d.doc.kind.clone(),
            name: d.doc.name.clone(),
            path: d.path.clone(),
            source_id: d.doc.id.clone(),
            target_id: None,
            action: Action::Blocked,
            reasons: vec![],
            fingerprint: ABSENT.into(),
            change: None,
            requests: vec![],
            secrets: vec![],
        };
        let Some(entry) = catalog::get(&d.doc.kind) else {
            item.reasons
                .push(format!("`{}` is not a type tenant-atlas knows", d.doc.kind));
            return Some(item);
        };
        let Some(live) = self.pair(entry, d, &mut item) else {
            return Some(item);
        };
        // A client-chosen id means something outside Graph (authentication contexts: the claim
        // apps ask for): in another tenant the slot keeps its own meaning
        // (docs/graph-notes.md, "Authentication contexts").
        if let Some(l) = live
            && entry.write.client_ids
            && self.cross_tenant
            && l.doc.name != d.doc.name
        {
            item.reasons.push(format!(
                "the target already uses {} for \"{}\": in another tenant a slot keeps its own \
                 meaning; free it there or restore this one into another slot by hand",
                d.doc.id, l.doc.name
            ));
            return Some(item);
        }
        if d.dependency && live.is_some() && !self.read_back {
            return None; // exists: nothing to create, and it was not chosen for an update
        }
        let raw = match raw {
            Ok(r) => r,
            Err(e) => {
                item.reasons.push(e);
                return Some(item);
            }
        };
        let Some(mut desired) = self.in_target_terms(entry, d, live, raw, planned, &mut item)
        else {
            return Some(item);
        };
        // Properties fixed at creation, compared in the target's ids (a role assignment's role
        // is another id in another tenant, and after a restore created it).
        if let Some(l) = live {
            let fixed = fixed::differences(entry, &l.doc, &desired.doc);
            if !fixed.is_empty() {
                item.reasons.extend(fixed);
                return Some(item);
            }
        }
        // Names of references come from different tables on each side; compare by ids.
        if live.is_some_and(|l| comparable(&l.doc) == comparable(&desired.doc)) {
            item.action = Action::NoOp;
            return Some(item);
        }
        desired.doc.id = desired.id.clone();
        item.change = change(
            live,
            &self.live.files,
            &desired.doc,
            &desired.files,
            entry.key,
            self.names,
        );
        let changed = live.map(|l| changed_parts(entry, &l.doc, &desired.doc));
        if !self.gate(entry, d, &desired, changed.as_ref(), &mut item) {
            return Some(item);
        }
        self.requests(entry, d, live, &desired.raw, changed, planned, &mut item)
            .await;
        Some(item)
    }

    /// The live object `d` pairs with (`Some(None)`: none, a create), or `None` when the item is
    /// blocked: its type unreadable, the pairing ambiguous, the live object unreadable, of another
    /// `@odata.type`, or differing in what cannot change in place.
    fn pair<'l>(
        &'l self,
        entry: &CatalogEntry,
        d: &Desired,
        item: &mut Item,
    ) -> Option<Option<&'l Live>> {
        if let Some(e) = self.live.unreadable.get(entry.key) {
            item.reasons
                .push(format!("the target's {} could not be read: {e}", entry.key));
            return None;
        }
        let live = match self.pairing {
            Ok(Some((l, how))) => {
                match how {
                    How::Id => {}
                    How::Created => item.reasons.push(format!(
                        "matched to {}, created for it by an earlier apply",
                        l.doc.id
                    )),
                    How::Name => item
                        .reasons
                        .push(format!("matched by name to {}", l.doc.id)),
                }
                *l
            }
            Ok(None) => return Some(None),
            Err(e) => {
                item.reasons.push(e.clone());
                return None;
            }
        };
        if d.dependency && !self.read_back {
            return Some(Some(live));
        }
        item.target_id = Some(live.doc.id.clone());
        item.fingerprint = live.fingerprint.clone();
        if let Some(e) = self.live.failed_objects.get(&live.doc.id) {
            item.reasons.push(format!(
                "the target object could not be read completely: {e}"
            ));
            return None;
        }
        if live.doc.odata_type != d.doc.odata_type {
            item.reasons.push(format!(
                "@odata.type differs: the target has {}, the commit {}; a type cannot be changed in place",
                live.doc.odata_type.as_deref().unwrap_or("none"),
                d.doc.odata_type.as_deref().unwrap_or("none")
            ));
            return None;
        }
        Some(Some(live))
    }

    /// `raw` without the properties the live type no longer has, its references mapped to the
    /// target, normalized as a backup of the target would write it; `None` when it does not
    /// normalize (the item is blocked).
    fn in_target_terms(
        &self,
        entry: &CatalogEntry,
        d: &Desired,
        live: Option<&Live>,
        mut raw: Value,
        planned: &BTreeSet<(RefKind, String)>,
        item: &mut Item,
    ) -> Option<InTarget> {
        // Properties the live type no longer has are not sent (`removed`).
        let same_type: Vec<&Document> = self
            .type_live
            .iter()
            .filter(|l| l.doc.odata_type == d.doc.odata_type)
            .map(|l| &l.doc)
            .collect();
        let gone: Vec<String> = removed::gone(&d.doc, &same_type)
            .into_iter()
            .map(str::to_string)
            .collect();
        removed::drop_from(&mut raw, &gone);
        item.reasons.extend(
            gone.iter()
                .map(|p| removed::note(p, d.doc.odata_type.as_deref(), live.is_some())),
        );
        // References that do not resolve keep their source ids: harmless when nothing is written
        // (the object is unchanged), blocking otherwise.
        let problems = resolve::translate(entry, &mut raw, self.resolver, planned);
        let (id, stem) = match live {
            Some(l) => (l.doc.id.clone(), stem_of(&l.path)),
            None => (d.doc.id.clone(), stem_of(&d.path)),
        };
        if let Some(m) = raw.as_object_mut() {
            m.insert("id".into(), Value::String(id.clone()));
        }
        match normalize::normalize(entry, raw.clone(), &stem, self.target_refs) {
            Ok(norm) => Some(InTarget {
                id,
                raw,
                doc: norm.doc,
                files: norm.files.into_iter().collect(),
                problems,
            }),
            Err(e) => {
                item.reasons.push(e.to_string());
                None
            }
        }
    }

    /// Whether a changed item may be written: its type restorable, its references resolved and
    /// the secrets its body needs supplied. Sets the preview-only action and the item's secrets.
    fn gate(
        &self,
        entry: &CatalogEntry,
        d: &Desired,
        desired: &InTarget,
        changed: Option<&Changed>,
        item: &mut Item,
    ) -> bool {
        match entry.capability {
            Capability::BackupOnly => {
                item.reasons
                    .push(format!("{} can be backed up but not restored", entry.title));
                return false;
            }
            Capability::PreviewOnly => {
                item.action = Action::PreviewOnly;
                item.reasons
                    .push(format!("{} are shown, never applied", entry.title));
                // What would block it were it applied: references the target lacks.
                item.reasons.extend(desired.problems.iter().cloned());
                return false;
            }
            Capability::Full => {}
        }
        if changed.is_none() && entry.is_singleton() {
            item.reasons.push(format!(
                "{} is one object per tenant and the target has none configured: tenant-atlas \
                 updates it, never creates it",
                entry.title
            ));
            return false;
        }
        if changed.is_none()
            && let Some(why) = entry.write.refuses_create(&desired.raw)
        {
            item.reasons.push(format!("not created: {why}"));
            return false;
        }
        if !desired.problems.is_empty() {
            item.reasons.extend(desired.problems.iter().cloned());
            return false;
        }
        let writes_body = changed.is_none_or(|c| c.properties);
        if writes_body && !desired.doc.secrets.is_empty() {
            let missing: Vec<&String> = desired
                .doc
                .secrets
                .iter()
                .filter(|s| !(self.secret_supplied)(&d.path, s))
                .collect();
            if !missing.is_empty() {
                item.reasons.push(format!(
                    "needs secret value(s) Graph never returns: {} — supply them with --secrets FILE or {}",
                    missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                    missing
                        .iter()
                        .map(|s| crate::env::secret_var(&d.path, s))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                return false;
            }
            item.secrets = desired.doc.secrets.clone();
        }
        true
    }

    /// The requests of a create or an update, reading the live child collections an update needs
    /// ids from; the item stays blocked when one cannot be read.
    #[allow(clippy::too_many_arguments)]
    async fn requests(
        &self,
        entry: &'static CatalogEntry,
        d: &Desired,
        live: Option<&Live>,
        raw: &Value,
        changed: Option<Changed>,
        planned: &mut BTreeSet<(RefKind, String)>,
        item: &mut Item,
    ) {
        let collection = collection_of(entry, raw);
        let mut children = Map::new();
        if let (Some(l), Some(c)) = (live, &changed) {
            for field in children_needed(entry, c) {
                // The catalog's query for this navigation (ADMX values need their definitions).
                let query = entry
                    .sources
                    .iter()
                    .flat_map(|s| s.navs.iter())
                    .find(|n| n.path == field)
                    .map(|n| format!("?{}", n.query))
                    .unwrap_or_default();
                // A singleton is addressed by its path (docs/ARCHITECTURE.md, "Singletons").
                let url = if entry.is_singleton() {
                    format!("/{collection}/{field}{query}")
                } else {
                    format!("/{collection}/{}/{field}{query}", l.doc.id)
                };
                match self.target.client.list(&url).await {
                    Ok(v) => {
                        children.insert(field.to_string(), Value::Array(v));
                    }
                    Err(e) => item
                        .reasons
                        .push(format!("could not read the target's {field}: {e}")),
                }
            }
        }
        if item.reasons.iter().any(|r| r.starts_with("could not read")) {
            return;
        }
        let base = self.target.client.graph_base().to_string();
        let ctx = Context {
            entry,
            collection,
            desired: raw,
            graph_base: &base,
            live_children: &children,
        };
        match (live, changed) {
            (Some(l), Some(c)) => {
                item.action = Action::Update;
                item.requests = steps::update(&ctx, &l.doc.id, &c);
            }
            _ => {
                item.action = Action::Create;
                item.requests = steps::create(&ctx);
                if let Some(r) = entry.referenced {
                    planned.insert((r.kind, d.doc.id.clone()));
                }
                // Any object may be a policy set's item.
                planned.insert((RefKind::Policies, d.doc.id.clone()));
            }
        }
    }
}
/// `settingsCatalog/x--1234abcd.yaml` → `x--1234abcd`.
fn stem_of(path: &str) -> String {
    path.rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".yaml")
        .to_string()
}

/// A document reduced to what restore writes, references by id (names are display only).
fn comparable(doc: &Document) -> Value {
    let mut v = serde_json::to_value(doc).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.remove("id");
        // A derived name is not written (catalog `NameRule::Derived`): never a difference.
        if catalog::get(&doc.kind).is_some_and(|e| e.name.property().is_none()) {
            m.remove("name");
        }
        if let Some(Value::Array(list)) = m.get_mut("assignments") {
            for a in list {
                if let Some(g) = a.get_mut("group").and_then(Value::as_object_mut) {
                    g.remove("name");
                }
                if let Some(f) = a.get_mut("filter").and_then(Value::as_object_mut) {
                    f.remove("name");
                }
            }
        }
        // Sidecar file names follow the object's name; their content is what is written.
        if let Some(Value::Object(sc)) = m.get_mut("sidecars") {
            for r in sc.values_mut() {
                if let Some(r) = r.as_object_mut() {
                    r.remove("file");
                }
            }
        }
    }
    v
}

/// Which parts of a live object differ from the desired one.
fn changed_parts(entry: &CatalogEntry, live: &Document, desired: &Document) -> Changed {
    let (l, d) = (comparable(live), comparable(desired));
    let mut changed = Changed::default();
    for a in entry.write.actions {
        if l["spec"].get(a.field()) != d["spec"].get(a.field()) {
            changed.actions.push(a.field());
        }
    }
    changed.assignments = l.get("assignments") != d.get("assignments");
    let strip = |mut v: Value| {
        if let Some(m) = v.as_object_mut() {
            m.remove("assignments");
            if let Some(spec) = m.get_mut("spec").and_then(Value::as_object_mut) {
                for a in entry.write.actions {
                    spec.remove(a.field());
                }
            }
        }
        v
    };
    changed.properties = strip(l) != strip(d);
    changed
}

/// Live child collections an update needs ids from.
fn children_needed(entry: &CatalogEntry, c: &Changed) -> Vec<&'static str> {
    let mut out = vec![];
    for a in entry.write.actions {
        if c.actions.contains(&a.field())
            && matches!(
                a,
                catalog::FollowUp::DefinitionValues(_)
                    | catalog::FollowUp::LocalizedMessages(_)
                    | catalog::FollowUp::CombinationConfigurations(_)
                    | catalog::FollowUp::Categories(_)
                    | catalog::FollowUp::PolicySetItems(_)
                    | catalog::FollowUp::PatchEach(_)
            )
        {
            out.push(a.field());
        }
    }
    if c.assignments
        && entry
            .assignments
            .as_ref()
            .is_some_and(|r| r.write == catalog::AssignWrite::PerTarget)
    {
        out.push("assignments");
    }
    out
}

/// The collection an object is written to: the source that accepts its `@odata.type`.
fn collection_of(entry: &CatalogEntry, raw: &Value) -> String {
    let source = entry
        .sources
        .iter()
        .find(|s| entry.accepts(s, raw))
        .or(entry.sources.first());
    source
        .map(|s| format!("{}/{}", s.version.as_str(), s.collection))
        .unwrap_or_default()
}

/// The readable change live → desired.
fn change(
    live: Option<&Live>,
    live_files: &BTreeMap<String, Vec<u8>>,
    desired: &Document,
    desired_files: &BTreeMap<String, Vec<u8>>,
    kind: &str,
    names: &Names,
) -> Option<render::ObjectChange> {
    let sidecar_bytes = |doc: &Document, files: &BTreeMap<String, Vec<u8>>| {
        doc.sidecars
            .values()
            .map(|r| {
                (
                    r.file.clone(),
                    files.get(&format!("{kind}/{}", r.file)).cloned(),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    let d_bytes = sidecar_bytes(desired, desired_files);
    let d_view = render::view(
        desired,
        &format!("{kind}/{}", desired.name),
        &d_bytes,
        names,
    );
    let l = live.map(|l| {
        let bytes = sidecar_bytes(&l.doc, live_files);
        (render::view(&l.doc, &l.path, &bytes, names), bytes)
    });
    render::compare::compare(l.as_ref().map(|(v, b)| (v, b)), Some((&d_view, &d_bytes)))
}
