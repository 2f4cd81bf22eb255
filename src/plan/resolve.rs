//! References between tenants: the ids a desired object uses (groups, filters, scope tags, apps,
//! notification templates, named locations) mapped to the target tenant's ids.
//!
//! An id that exists in the target is kept (a restore into the same tenant); otherwise the object is
//! found by its name, recorded in the source's `_refs/`, and must be the only one with that name —
//! a missing or ambiguous reference blocks the items that use it, it is never guessed.
//! `--mappings` names targets explicitly. Lookups are batched: a list for small kinds (scope tags,
//! filters, templates, locations), `$batch` by id and then by name for groups and apps.

use crate::catalog::{CatalogEntry, REFERENCE_SOURCES, RefKind, RefLookup, RefSource};
use crate::graph::GraphClient;
use crate::normalize::assignments::FILTER_ID;
use crate::normalize::path;
use crate::normalize::refs::{self, RefTable};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Explicit mappings (`--mappings FILE`): per reference kind, source name or id → target id.
#[derive(Debug, Clone, Default)]
pub struct Mappings(pub BTreeMap<RefKind, BTreeMap<String, String>>);

impl Mappings {
    /// As written in a plan: reference kind's file stem → source name or id → target id.
    pub fn to_plain(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.0
            .iter()
            .map(|(k, m)| (k.file_stem().to_string(), m.clone()))
            .collect()
    }

    /// From a plan's `mappings`; unknown kinds are left out.
    pub fn from_plain(plain: &BTreeMap<String, BTreeMap<String, String>>) -> Mappings {
        Mappings(
            plain
                .iter()
                .filter_map(|(k, m)| {
                    RefKind::ALL
                        .iter()
                        .find(|x| x.file_stem() == k)
                        .map(|x| (*x, m.clone()))
                })
                .collect(),
        )
    }

    /// Reads a mappings file: `groups: {"All Windows devices": "<target id>"}`, keys being the
    /// `_refs/` file stems.
    pub fn from_yaml(
        text: &str,
        file: &str,
    ) -> Result<Mappings, crate::normalize::yaml::YamlError> {
        let raw: BTreeMap<String, BTreeMap<String, String>> =
            crate::normalize::yaml::from_str(text, file)?;
        let mut out = BTreeMap::new();
        for (kind, map) in raw {
            let Some(k) = RefKind::ALL.iter().find(|k| k.file_stem() == kind) else {
                return Err(crate::normalize::yaml::YamlError {
                    file: file.to_string(),
                    line: crate::normalize::yaml::key_lines(text).get(&kind).copied(),
                    column: None,
                    message: format!(
                        "unknown reference kind `{kind}` (expected one of: {})",
                        RefKind::ALL.map(|k| k.file_stem()).join(", ")
                    ),
                });
            };
            out.insert(*k, map);
        }
        Ok(Mappings(out))
    }
}

/// The target tenant's objects of one reference kind.
#[derive(Debug, Default)]
struct Table {
    by_id: BTreeMap<String, String>,
    by_name: BTreeMap<String, Vec<String>>,
}

impl Table {
    fn insert(&mut self, id: &str, name: &str) {
        if self
            .by_id
            .insert(id.to_string(), name.to_string())
            .is_none()
        {
            self.by_name
                .entry(name.to_string())
                .or_default()
                .push(id.to_string());
        }
    }
}

/// Source ids → target ids, with the reason when there is none.
#[derive(Debug, Default)]
pub struct Resolver {
    map: BTreeMap<(RefKind, String), Result<String, String>>,
    /// Target id → name, for normalizing desired objects in the target's terms.
    target_names: RefTable,
}

impl Resolver {
    /// Looks up every `(kind, source id)` in `needed` in the target tenant.
    /// `known`: the target's objects of kinds already read in full (the plan reads scope tags,
    /// filters, templates and locations as types), which are not listed again.
    pub async fn load(
        client: &GraphClient,
        source: &RefTable,
        needed: &BTreeSet<(RefKind, String)>,
        mappings: &Mappings,
        known: &BTreeMap<RefKind, Vec<(String, String)>>,
    ) -> Resolver {
        let mut r = Resolver::default();
        let kinds: BTreeSet<RefKind> = needed.iter().map(|(k, _)| *k).collect();
        for kind in kinds {
            // Kinds without a source of their own (policies: objects of any type) are known
            // only from what the plan read.
            let src = REFERENCE_SOURCES.iter().find(|s| s.kind == kind);
            if src.is_none() && !known.contains_key(&kind) {
                continue;
            }
            let ids: Vec<&String> = needed
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| id)
                .collect();
            let mut table = Table::default();
            let mut failure = None;
            match src {
                _ if known.contains_key(&kind) => {
                    for (id, name) in &known[&kind] {
                        table.insert(id, name);
                    }
                }
                None => {}
                Some(
                    src @ RefSource {
                        lookup: RefLookup::List { .. },
                        ..
                    },
                ) => {
                    let url = format!("/{}/{}", src.version.as_str(), src.collection);
                    match client.list(&url).await {
                        Ok(items) => items.iter().for_each(|o| add(&mut table, kind, o)),
                        Err(e) => failure = Some(e.to_string()),
                    }
                }
                Some(src) => {
                    let urls: Vec<String> = ids.iter().map(|id| src.by_key_url(id)).collect();
                    // A 404 means another tenant's id: looked up by name next.
                    for o in client
                        .batch_get(src.version, &urls)
                        .await
                        .into_iter()
                        .flatten()
                    {
                        add(&mut table, kind, &o);
                    }
                    // Not found by id (another tenant): by name.
                    let names: BTreeSet<&str> = ids
                        .iter()
                        .filter(|id| !table.by_id.contains_key(id.as_str()))
                        .filter_map(|id| source.name(kind, id))
                        .collect();
                    let urls: Vec<String> = names.iter().map(|n| src.by_name_url(n)).collect();
                    for result in client.batch_get(src.version, &urls).await {
                        match result {
                            Ok(page) => page["value"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .for_each(|o| add(&mut table, kind, o)),
                            Err(e) => failure = Some(e.to_string()),
                        }
                    }
                }
            }
            for id in ids {
                let result = r.resolve(kind, id, source, &table, mappings, failure.as_deref());
                r.map.insert((kind, id.clone()), result);
            }
        }
        r
    }

    fn resolve(
        &mut self,
        kind: RefKind,
        id: &str,
        source: &RefTable,
        table: &Table,
        mappings: &Mappings,
        failure: Option<&str>,
    ) -> Result<String, String> {
        let what = kind.noun();
        let name = source.name(kind, id);
        if let Some(m) = mappings.0.get(&kind) {
            let mapped = m.get(id).or_else(|| name.and_then(|n| m.get(n)));
            if let Some(target) = mapped {
                let target_name = table.by_id.get(target).map(String::as_str).or(name);
                self.name_target(kind, target, target_name.unwrap_or(target));
                return Ok(target.clone());
            }
        }
        // The same id under the same name (a restore into the same tenant).
        let same_id = table.by_id.get(id);
        if let Some(n) = same_id
            && name.is_none_or(|s| s == n)
        {
            self.name_target(kind, id, n);
            return Ok(id.to_string());
        }
        let by_name = name.and_then(|n| table.by_name.get(n)).map(Vec::as_slice);
        match (by_name, same_id) {
            (Some([target]), _) => {
                self.name_target(kind, target, name.unwrap_or(target));
                Ok(target.clone())
            }
            (Some(many), _) if many.len() > 1 => Err(format!(
                "{} {what}s are named \"{}\" in the target: ambiguous (map it with --mappings)",
                many.len(),
                name.unwrap_or_default()
            )),
            // Renamed since: the id still names the same object.
            (_, Some(n)) => {
                self.name_target(kind, id, n);
                Ok(id.to_string())
            }
            // Nothing to map by: the id means the same everywhere (docs/graph-notes.md,
            // "Conditional Access and named locations").
            (None, None) if name.is_none() && kind.ids_are_global() => Ok(id.to_string()),
            _ => Err(match (name, failure) {
                (None, _) => format!(
                    "{what} {id} has no name in the source's _refs, so it cannot be found in the target (map it with --mappings)"
                ),
                (Some(name), Some(f)) => format!("{what} \"{name}\" could not be looked up: {f}"),
                (Some(name), None) => {
                    format!("{what} \"{name}\" does not exist in the target tenant")
                }
            }),
        }
    }

    /// Records the name of a target object a reference resolved to (listed by `target_names().used`).
    fn name_target(&mut self, kind: RefKind, id: &str, name: &str) {
        self.target_names.insert(kind, id, name);
        self.target_names.mark_used(kind, id);
    }

    /// The target id of a source reference.
    pub fn target(&self, kind: RefKind, id: &str) -> Result<String, String> {
        if refs::is_placeholder(id) || kind.is_keyword(id) {
            return Ok(id.to_string());
        }
        self.map
            .get(&(kind, id.to_string()))
            .cloned()
            .unwrap_or_else(|| Err(format!("{} {id} was not looked up", kind.noun())))
    }

    /// Names of the target objects references resolved to.
    pub fn target_names(&self) -> &RefTable {
        &self.target_names
    }
}

fn add(table: &mut Table, kind: RefKind, o: &Value) {
    if let (Some(id), Some(name)) = (o[kind.key_field()].as_str(), kind.label_of(o)) {
        table.insert(id, &name);
    }
}

/// Every reference a Graph object (body with `assignments`) makes.
pub fn references(entry: &CatalogEntry, raw: &Value) -> BTreeSet<(RefKind, String)> {
    let mut t = RefTable::default();
    refs::collect(entry, raw, &mut t);
    RefKind::ALL
        .iter()
        .filter(|k| **k != RefKind::SettingDefinitions)
        .flat_map(|k| t.used(*k).into_iter().map(move |id| (*k, id)))
        .collect()
}

/// The placeholder apply replaces with the id of an object the same plan creates.
pub fn created_placeholder(kind: RefKind, source_id: &str) -> String {
    format!("{{created:{}:{source_id}}}", kind.file_stem())
}

/// Rewrites a Graph object's references to target ids; the reasons of those that do not resolve.
/// A reference to an object this plan creates (`planned`) becomes its placeholder.
pub fn translate(
    entry: &CatalogEntry,
    raw: &mut Value,
    r: &Resolver,
    planned: &BTreeSet<(RefKind, String)>,
) -> Vec<String> {
    let mut problems = BTreeSet::new();
    let mut one = |kind: RefKind, id: &mut String| match r.target(kind, id) {
        Ok(t) => *id = t,
        Err(_) if planned.contains(&(kind, id.clone())) => *id = created_placeholder(kind, id),
        Err(e) => {
            problems.insert(e);
        }
    };
    let mut map = |kind: RefKind, v: &mut Value| match v {
        Value::String(id) => one(kind, id),
        Value::Array(ids) => {
            for id in ids.iter_mut() {
                if let Value::String(s) = id {
                    one(kind, s);
                }
            }
        }
        _ => {}
    };
    for field in entry.refs {
        path::for_each_mut(raw, field.path, &mut |v| map(field.kind, v));
    }
    if let Some(prop) = entry.scope_tags.property()
        && let Some(v) = raw.get_mut(prop)
    {
        map(RefKind::ScopeTags, v);
    }
    if let Some(Value::Array(list)) = raw.get_mut("assignments") {
        for a in list {
            if let Some(g) = a.pointer_mut("/target/groupId") {
                map(RefKind::Groups, g);
            }
            if let Some(target) = a.get_mut("target")
                && let Some(f) = target.get_mut(FILTER_ID)
                && !f.as_str().is_some_and(refs::is_placeholder)
            {
                map(RefKind::AssignmentFilters, f);
            }
        }
    }
    problems.into_iter().collect()
}
