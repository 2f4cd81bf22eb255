//! Building a plan: desired documents from a commit, live objects from the target tenant (read and
//! normalized exactly as a backup reads them), paired by [`identity`]: id first (the document's, or
//! the one a recorded create gave its object), then name only when unambiguous.
//!
//! Each desired object is rebuilt as a Graph object, its references mapped to the target's ids, and
//! normalized again in the target's terms — so "unchanged" is the same comparison a backup makes,
//! byte for byte, and a cross-tenant restore compares like with like. Only reads are sent.

use super::identity::{self, How, Links};
use super::resolve::{self, Mappings, Resolver};
use super::steps::{self, Changed, Context};
use super::{ABSENT, Action, FORMAT, Item, Plan, Side};
use super::{fixed, removed};
use crate::backup::{self, TenantTarget};
use crate::catalog::{self, Capability, CatalogEntry, RefKind};
use crate::normalize::refs::RefTable;
use crate::normalize::{self, Document};
use crate::render::{self, Names};
use crate::store::{Repo, StoreError};
use globset::GlobSet;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What to plan.
pub struct Options<'a> {
    /// Revision holding the desired state (`--from`).
    pub rev: &'a str,
    /// Tenant folder in that commit (`--tenant`).
    pub source_tenant: &'a str,
    /// `--only` globs, matched against `<type>/<name>` and `<type>/<file stem>`.
    pub only: Option<&'a GlobSet>,
    pub only_patterns: Vec<String>,
    /// `--type` keys (empty: every type the target's configuration selects).
    pub type_keys: Vec<String>,
    pub mappings: &'a Mappings,
    /// Is a value supplied for this secret (document path, secret path)?
    pub secret_supplied: &'a (dyn Fn(&str, &str) -> bool + Sync),
    /// The supplied secret values: redacted wherever the live tenant returns them in clear.
    pub scrub: &'a [crate::graph::SecretString],
    /// Also create the scope tags, filters and notification templates of the commit that planned
    /// objects refer to and the target lacks, even when `--type`/`--only` leave them out.
    pub create_missing: bool,
}

/// Types `--create-missing` may create for the objects that refer to them (never groups).
const CREATABLE_DEPENDENCIES: &[&str] =
    &["scopeTags", "assignmentFilters", "notificationTemplates"];

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("there is no tenant folder `tenants/{tenant}` at {rev}")]
    NoTenant { tenant: String, rev: String },
    /// The target tenant could not be signed in to: nothing of it was read.
    #[error("tenant {tenant}: {error}")]
    SignIn {
        tenant: String,
        error: crate::graph::GraphError,
    },
}

/// One live object of the target tenant.
pub(crate) struct Live {
    pub(crate) doc: Document,
    pub(crate) path: String,
    pub(crate) fingerprint: String,
}

/// One desired object from the commit.
struct Desired {
    path: String,
    doc: Document,
    sidecars: BTreeMap<String, Vec<u8>>,
    /// Not chosen itself: planned only to be created for the objects that refer to it.
    dependency: bool,
    /// Its place among the keys of every document in play ([`identity::pair`]).
    key: usize,
}

/// Builds the plan for restoring `opts.source_tenant` at `opts.rev` into `target`.
pub async fn build(
    repo: &Repo,
    opts: &Options<'_>,
    target: &TenantTarget,
) -> Result<Plan, PlanError> {
    build_with_live(repo, opts, target, &Links::default())
        .await
        .map(|(plan, _)| plan)
}

/// The target as [`build_with_live`] read it.
pub(crate) struct LiveObjects {
    /// Live objects by catalog key.
    pub(crate) objects: BTreeMap<String, Vec<Live>>,
    /// Types that could not be read, with why.
    pub(crate) unreadable: BTreeMap<String, String>,
}

/// [`build`], also returning the live objects it read (apply checks its fingerprints against
/// them without reading the tenant twice).
pub(crate) async fn build_with_live(
    repo: &Repo,
    opts: &Options<'_>,
    target: &TenantTarget,
    created: &Links,
) -> Result<(Plan, LiveObjects), PlanError> {
    let commit = repo.commit_info(opts.rev)?;
    let prefix = format!("tenants/{}", opts.source_tenant);
    // Blob ids of the tenant folder in one tree walk; documents are then read by id.
    let blobs = repo.blob_ids_at(&commit.id, &prefix)?;
    let files: Vec<&String> = blobs.keys().collect();
    if files.is_empty() {
        return Err(PlanError::NoTenant {
            tenant: opts.source_tenant.into(),
            rev: opts.rev.into(),
        });
    }
    let read = |rel: &str| blobs.get(rel).and_then(|oid| repo.read_blob(oid).ok());
    let source_id = read("tenant.yaml")
        .and_then(|b| serde_yaml::from_slice::<Value>(&b).ok())
        .and_then(|v| v["tenantId"].as_str().map(str::to_string))
        .unwrap_or_default();
    let mut source_refs = RefTable::default();
    for kind in RefKind::ALL {
        let rel = format!("_refs/{}.yaml", kind.file_stem());
        if let Some(b) = read(&rel) {
            let _ = source_refs.merge_committed(kind, &String::from_utf8_lossy(&b), &rel);
        }
    }
    let selected: BTreeSet<&str> = target.entries.iter().map(|e| e.key).collect();
    let mut warnings = vec![];
    let mut desired = vec![];
    // Every document of the types in play, chosen or not: one left out still owns its object.
    let mut keys = vec![];
    for rel in &files {
        let full = format!("{prefix}/{rel}");
        if crate::render::load::document_of(&full).as_deref() != Some(full.as_str()) {
            continue;
        }
        let (kind, file) = rel.split_once('/').unwrap_or_default();
        let dependency = opts.create_missing && CREATABLE_DEPENDENCIES.contains(&kind);
        if !selected.contains(kind) && !dependency {
            continue;
        }
        let Some(bytes) = read(rel) else { continue };
        let mut doc = match normalize::from_yaml(&String::from_utf8_lossy(&bytes), &full) {
            Ok(d) => d,
            Err(e) => {
                warnings.push(format!("{e}; left out of the plan"));
                continue;
            }
        };
        // A document backed up from answers without `@odata.type` means its collection's
        // declared type, as the live side (completed when read) does.
        if doc.odata_type.is_none()
            && let Some(entry) = catalog::get(kind)
            && let [source] = entry.sources
        {
            doc.odata_type = catalog::declared_type(source.collection).map(str::to_string);
        }
        let stem = file.trim_end_matches(".yaml");
        keys.push(identity::Key::of(&doc));
        let chosen = selected.contains(kind)
            && opts.only.is_none_or(|globs| {
                globs.is_match(format!("{kind}/{}", doc.name))
                    || globs.is_match(format!("{kind}/{stem}"))
            });
        if !chosen && !dependency {
            continue;
        }
        let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let sidecars = doc
            .sidecars
            .values()
            .filter_map(|r| read(&format!("{dir}/{}", r.file)).map(|b| (r.file.clone(), b)))
            .collect();
        desired.push(Desired {
            path: full,
            doc,
            sidecars,
            dependency: !chosen,
            key: keys.len() - 1,
        });
    }

    // In restore order, so objects others refer to are planned (and created) first.
    let order = |k: &str| catalog::get(k).map_or(u8::MAX, |e| e.restore_order);
    desired.sort_by(|a, b| {
        (order(&a.doc.kind), &a.doc.kind, &a.path).cmp(&(order(&b.doc.kind), &b.doc.kind, &b.path))
    });

    // The live tenant, as a backup would write it (reference-like types always: restore maps by them).
    let mut live_target = TenantTarget {
        name: target.name.clone(),
        tenant_id: target.tenant_id.clone(),
        cloud: target.cloud,
        client: target.client.clone(),
        entries: target.entries.clone(),
    };
    for key in REFERENCE_TYPES {
        if let Some(e) = catalog::get(key)
            && !live_target.entries.iter().any(|x| x.key == key)
        {
            live_target.entries.push(e);
        }
    }
    let snap = backup::preview(repo, "HEAD", &live_target, opts.scrub).await;
    if let Some(error) = snap.sign_in {
        return Err(PlanError::SignIn {
            tenant: target.name.clone(),
            error,
        });
    }
    let unreadable: BTreeMap<String, String> = snap
        .failures
        .iter()
        .filter(|f| f.object.is_none())
        .map(|f| (f.kind.clone(), f.message.clone()))
        .collect();
    let failed_objects: BTreeMap<String, String> = snap
        .failures
        .iter()
        .filter_map(|f| f.object.clone().map(|o| (o, f.message.clone())))
        .collect();
    let mut live_refs = RefTable::default();
    for kind in RefKind::ALL {
        let rel = format!("_refs/{}.yaml", kind.file_stem());
        if let Some(b) = snap.files.get(&rel) {
            let _ = live_refs.merge_committed(kind, &String::from_utf8_lossy(b), &rel);
        }
    }
    let live = live_objects(&snap.files);
    // Setting names for the readable changes: the commit's, then the target's.
    let names_of = |bytes: Option<Vec<u8>>| {
        bytes
            .and_then(|b| Names::from_yaml(&String::from_utf8_lossy(&b), Names::FILE).ok())
            .unwrap_or_default()
    };
    let mut names = names_of(read(Names::FILE));
    names.merge(names_of(snap.files.get(Names::FILE).cloned()));

    // References of every desired object, resolved in the target in one pass. The Graph objects
    // are rebuilt again item by item below rather than all held at once.
    let rebuild = |d: &Desired| -> Result<Value, String> {
        let entry = catalog::get(&d.doc.kind)
            .ok_or_else(|| format!("`{}` is not a type tenant-atlas knows", d.doc.kind))?;
        let sidecar = |f: &str| d.sidecars.get(f).cloned();
        let g = normalize::denormalize(entry, &d.doc, &sidecar, &source_refs)
            .map_err(|e| e.to_string())?;
        let mut body = g.body;
        if let (Some(a), Some(m)) = (g.assignments, body.as_object_mut()) {
            m.insert("assignments".into(), Value::Array(a));
        }
        Ok(body)
    };
    let mut needed = BTreeSet::new();
    for d in &desired {
        if let (Some(entry), Ok(body)) = (catalog::get(&d.doc.kind), rebuild(d)) {
            needed.extend(resolve::references(entry, &body));
        }
    }
    // Reference-like types read in full with the live tenant need no second list — unless the
    // type skips some objects (scope tags skip the built-in ones other objects still refer to).
    let mut known: BTreeMap<RefKind, Vec<(String, String)>> = BTreeMap::new();
    for key in REFERENCE_TYPES {
        let complete =
            catalog::get(key).is_some_and(|e| e.sources.iter().all(|s| s.skip_when.is_none()));
        if let (Some(kind), true, false) =
            (ref_kind_of(key), complete, unreadable.contains_key(key))
        {
            let objs = live.get(key).map(Vec::as_slice).unwrap_or(&[]);
            known.insert(
                kind,
                objs.iter()
                    .map(|l| (l.doc.id.clone(), l.doc.name.clone()))
                    .collect(),
            );
        }
    }
    let resolver =
        Resolver::load(&target.client, &source_refs, &needed, opts.mappings, &known).await;
    let mut target_refs = live_refs.clone();
    for kind in RefKind::ALL {
        for id in resolver.target_names().used(kind) {
            if let Some(n) = resolver.target_names().name(kind, &id) {
                target_refs.insert(kind, &id, n);
            }
        }
    }
    // Names of the target's own reference-like objects, from its documents.
    for objs in live.values() {
        for l in objs {
            if let Some(kind) = ref_kind_of(&l.doc.kind) {
                target_refs.insert(kind, &l.doc.id, &l.doc.name);
            }
        }
    }

    let mut links = Links::recorded(repo, &target.name, &target.tenant_id, opts.source_tenant);
    links.extend(created);
    let pairing = identity::pair(&keys, &live, &links);
    let mut items = vec![];
    // Reference-like objects this plan creates: later items refer to them by placeholder.
    let mut planned: BTreeSet<(RefKind, String)> = BTreeSet::new();
    for d in &desired {
        let raw = rebuild(d);
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
            items.push(item);
            continue;
        };
        if let Some(e) = unreadable.get(entry.key) {
            item.reasons
                .push(format!("the target's {} could not be read: {e}", entry.key));
            items.push(item);
            continue;
        }
        let matched = match &pairing[d.key] {
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
                Ok(Some(*l))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e.clone()),
        };
        let live_obj = match matched {
            Ok(l) => l,
            Err(e) => {
                item.reasons.push(e);
                items.push(item);
                continue;
            }
        };
        if d.dependency && live_obj.is_some() {
            continue; // exists: nothing to create, and it was not chosen for an update
        }
        if let Some(l) = live_obj {
            item.target_id = Some(l.doc.id.clone());
            item.fingerprint = l.fingerprint.clone();
            if let Some(e) = failed_objects.get(&l.doc.id) {
                item.reasons.push(format!(
                    "the target object could not be read completely: {e}"
                ));
                items.push(item);
                continue;
            }
            if l.doc.odata_type != d.doc.odata_type {
                item.reasons.push(format!(
                    "@odata.type differs: the target has {}, the commit {}; a type cannot be changed in place",
                    l.doc.odata_type.as_deref().unwrap_or("none"),
                    d.doc.odata_type.as_deref().unwrap_or("none")
                ));
                items.push(item);
                continue;
            }
            let fixed = fixed::differences(entry, &l.doc, &d.doc);
            if !fixed.is_empty() {
                item.reasons.extend(fixed);
                items.push(item);
                continue;
            }
        }
        let mut raw = match raw {
            Ok(r) => r,
            Err(e) => {
                item.reasons.push(e);
                items.push(item);
                continue;
            }
        };
        // Properties the live type no longer has are not sent (`removed`).
        let same_type: Vec<&Document> = live
            .get(entry.key)
            .map(Vec::as_slice)
            .unwrap_or(&[])
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
                .map(|p| removed::note(p, d.doc.odata_type.as_deref(), live_obj.is_some())),
        );
        // References that do not resolve keep their source ids: harmless when nothing is written
        // (the object is unchanged), blocking otherwise.
        let problems = resolve::translate(entry, &mut raw, &resolver, &planned);
        // The desired object in the target's terms, normalized as a backup would.
        let (id, stem) = match live_obj {
            Some(l) => (l.doc.id.clone(), stem_of(&l.path)),
            None => (d.doc.id.clone(), stem_of(&d.path)),
        };
        if let Some(m) = raw.as_object_mut() {
            m.insert("id".into(), Value::String(id.clone()));
        }
        let norm = match normalize::normalize(entry, raw.clone(), &stem, &target_refs) {
            Ok(n) => n,
            Err(e) => {
                item.reasons.push(e.to_string());
                items.push(item);
                continue;
            }
        };
        let desired_files: BTreeMap<String, Vec<u8>> = norm.files.into_iter().collect();
        let mut desired_doc = norm.doc;
        // Names of references come from different tables on each side; compare by ids.
        let same = live_obj.is_some_and(|l| comparable(&l.doc) == comparable(&desired_doc));
        if same {
            item.action = Action::NoOp;
            items.push(item);
            continue;
        }
        desired_doc.id = id.clone();
        item.change = change(
            live_obj,
            &snap.files,
            &desired_doc,
            &desired_files,
            entry.key,
            &names,
        );
        match entry.capability {
            Capability::BackupOnly => {
                item.reasons
                    .push(format!("{} can be backed up but not restored", entry.title));
                items.push(item);
                continue;
            }
            Capability::PreviewOnly => {
                item.action = Action::PreviewOnly;
                item.reasons
                    .push(format!("{} are shown, never applied", entry.title));
                items.push(item);
                continue;
            }
            Capability::Full => {}
        }
        if !problems.is_empty() {
            item.reasons.extend(problems);
            items.push(item);
            continue;
        }
        let changed = live_obj.map(|l| changed_parts(entry, &l.doc, &desired_doc));
        let writes_body = changed.as_ref().is_none_or(|c| c.properties);
        if writes_body && !desired_doc.secrets.is_empty() {
            let missing: Vec<&String> = desired_doc
                .secrets
                .iter()
                .filter(|s| !(opts.secret_supplied)(&d.path, s))
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
                items.push(item);
                continue;
            }
            item.secrets = desired_doc.secrets.clone();
        }
        let collection = collection_of(entry, &raw);
        let mut children = Map::new();
        if let (Some(l), Some(c)) = (live_obj, &changed) {
            for field in children_needed(entry, c) {
                // The catalog's query for this navigation (ADMX values need their definitions).
                let query = entry
                    .sources
                    .iter()
                    .flat_map(|s| s.navs.iter())
                    .find(|n| n.path == field)
                    .map(|n| format!("?{}", n.query))
                    .unwrap_or_default();
                let url = format!("/{collection}/{}/{field}{query}", l.doc.id);
                match target.client.list(&url).await {
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
            items.push(item);
            continue;
        }
        let base = target.client.graph_base().to_string();
        let ctx = Context {
            entry,
            collection,
            desired: &raw,
            graph_base: &base,
            live_children: &children,
        };
        match (live_obj, changed) {
            (Some(l), Some(c)) => {
                item.action = Action::Update;
                item.requests = steps::update(&ctx, &l.doc.id, &c);
            }
            _ => {
                item.action = Action::Create;
                item.requests = steps::create(&ctx);
                if let Some(kind) = ref_kind_of(entry.key) {
                    planned.insert((kind, d.doc.id.clone()));
                }
            }
        }
        items.push(item);
    }
    // Dependencies nothing refers to are not created.
    let dependencies: BTreeSet<String> = desired
        .iter()
        .filter(|d| d.dependency)
        .map(|d| d.path.clone())
        .collect();
    if !dependencies.is_empty() {
        let used: String = items
            .iter()
            .filter(|i| !dependencies.contains(&i.path))
            .map(|i| serde_json::to_string(&i.requests).unwrap_or_default())
            .collect();
        items.retain(|i| {
            !dependencies.contains(&i.path)
                || i.action == Action::Create
                    && ref_kind_of(&i.kind).is_some_and(|k| {
                        used.contains(&resolve::created_placeholder(k, &i.source_id))
                    })
        });
    }
    items.sort_by(|a, b| {
        (order(&a.kind), &a.kind, &a.path).cmp(&(order(&b.kind), &b.kind, &b.path))
    });
    let mut plan = Plan {
        format: FORMAT,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        created: crate::clock::now().to_string(),
        commit: commit.id,
        source: Side {
            tenant: opts.source_tenant.into(),
            tenant_id: source_id,
        },
        target: Side {
            tenant: target.name.clone(),
            tenant_id: target.tenant_id.clone(),
        },
        types: opts.type_keys.clone(),
        only: opts.only_patterns.clone(),
        create_missing: opts.create_missing,
        mappings: opts.mappings.to_plain(),
        summary: Default::default(),
        items,
        warnings,
        hash: String::new(),
        signature: None,
    };
    plan.seal();
    Ok((
        plan,
        LiveObjects {
            objects: live,
            unreadable,
        },
    ))
}

/// Catalog types other objects refer to by id: always read with the live tenant, planned first.
const REFERENCE_TYPES: [&str; 4] = [
    "scopeTags",
    "assignmentFilters",
    "notificationTemplates",
    "namedLocations",
];

/// The reference kind a catalog type is, for the types others refer to.
fn ref_kind_of(key: &str) -> Option<RefKind> {
    match key {
        "scopeTags" => Some(RefKind::ScopeTags),
        "assignmentFilters" => Some(RefKind::AssignmentFilters),
        "notificationTemplates" => Some(RefKind::NotificationTemplates),
        "namedLocations" => Some(RefKind::NamedLocations),
        _ => None,
    }
}

/// Live documents by type, with their files and fingerprints.
pub(crate) fn live_objects(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<Live>> {
    let mut out: BTreeMap<String, Vec<Live>> = BTreeMap::new();
    for (path, bytes) in files {
        let Some((kind, file)) = path.split_once('/') else {
            continue;
        };
        if kind.starts_with('_') || !file.ends_with(".yaml") || file.contains('/') {
            continue;
        }
        let Ok(doc) = normalize::from_yaml(&String::from_utf8_lossy(bytes), path) else {
            continue;
        };
        let mut own: Vec<(&str, &[u8])> = vec![(path.as_str(), bytes.as_slice())];
        for r in doc.sidecars.values() {
            let p = format!("{kind}/{}", r.file);
            if let Some((k, b)) = files.get_key_value(&p) {
                own.push((k.as_str(), b.as_slice()));
            }
        }
        let fingerprint = super::fingerprint(own);
        out.entry(kind.to_string()).or_default().push(Live {
            doc,
            path: path.clone(),
            fingerprint,
        });
    }
    out
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
                catalog::FollowUp::DefinitionValues(_) | catalog::FollowUp::LocalizedMessages(_)
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
