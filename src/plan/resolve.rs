//! References between tenants: the ids a desired object uses (groups, filters, scope tags, apps,
//! notification templates, named locations) mapped to the target tenant's ids.
//!
//! An id that exists in the target is kept (a restore into the same tenant); otherwise the object is
//! found by its name, recorded in the source's `_refs/`, and must be the only one with that name —
//! a missing or ambiguous reference blocks the items that use it, it is never guessed.
//! `--mappings` names targets explicitly. A reference-like object (scope tag, filter, template,
//! named location) that the target lacks but the plan itself creates resolves to
//! [`created_id`] of its document, which apply replaces with the id Graph gives it. Lookups are batched: a list for small kinds (scope tags,
//! filters, templates, locations), `$batch` by id and then by name for groups and apps.

use crate::catalog::{CatalogEntry, REFERENCE_SOURCES, RefKind, RefLookup};
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
    pub async fn load(
        client: &GraphClient,
        source: &RefTable,
        needed: &BTreeSet<(RefKind, String)>,
        mappings: &Mappings,
        planned: &BTreeMap<(RefKind, String), String>,
    ) -> Resolver {
        let mut r = Resolver::default();
        let kinds: BTreeSet<RefKind> = needed.iter().map(|(k, _)| *k).collect();
        for kind in kinds {
            let Some(src) = REFERENCE_SOURCES.iter().find(|s| s.kind == kind) else {
                continue;
            };
            let ids: Vec<&String> = needed
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| id)
                .collect();
            let mut table = Table::default();
            let mut failure = None;
            match src.lookup {
                RefLookup::List { .. } => {
                    let url = format!("/{}/{}", src.version.as_str(), src.collection);
                    match client.list(&url).await {
                        Ok(items) => items.iter().for_each(|o| add(&mut table, o)),
                        Err(e) => failure = Some(e.to_string()),
                    }
                }
                RefLookup::ById => {
                    let urls: Vec<String> = ids
                        .iter()
                        .map(|id| format!("/{}/{id}?$select=id,displayName", src.collection))
                        .collect();
                    // A 404 means another tenant's id: looked up by name next.
                    for o in client
                        .batch_get(src.version, &urls)
                        .await
                        .into_iter()
                        .flatten()
                    {
                        add(&mut table, &o);
                    }
                    // Not found by id (another tenant): by name.
                    let names: BTreeSet<&str> = ids
                        .iter()
                        .filter(|id| !table.by_id.contains_key(id.as_str()))
                        .filter_map(|id| source.name(kind, id))
                        .collect();
                    let urls: Vec<String> = names
                        .iter()
                        .map(|n| {
                            format!(
                                "/{}?$filter=displayName eq '{}'&$select=id,displayName",
                                src.collection,
                                n.replace('\'', "''")
                            )
                        })
                        .collect();
                    for result in client.batch_get(src.version, &urls).await {
                        match result {
                            Ok(page) => page["value"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .for_each(|o| add(&mut table, o)),
                            Err(e) => failure = Some(e.to_string()),
                        }
                    }
                }
            }
            for id in ids {
                let result = r.resolve(kind, id, source, &table, mappings, failure.as_deref());
                // Absent from the target, created by this plan: its id once created.
                let result = match (result, planned.get(&(kind, id.clone()))) {
                    (Err(_), Some(placeholder)) if failure.is_none() => {
                        let name = source.name(kind, id).unwrap_or(placeholder);
                        r.name_target(kind, placeholder, name);
                        Ok(placeholder.clone())
                    }
                    (result, _) => result,
                };
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
        let what = noun(kind);
        let name = source.name(kind, id);
        if let Some(m) = mappings.0.get(&kind) {
            let mapped = m.get(id).or_else(|| name.and_then(|n| m.get(n)));
            if let Some(target) = mapped {
                let target_name = table.by_id.get(target).map(String::as_str).or(name);
                self.name_target(kind, target, target_name.unwrap_or(target));
                return Ok(target.clone());
            }
        }
        if let Some(n) = table.by_id.get(id) {
            self.name_target(kind, id, n);
            return Ok(id.to_string());
        }
        let Some(name) = name else {
            return Err(format!(
                "{what} {id} has no name in the source's _refs, so it cannot be found in the target (map it with --mappings)"
            ));
        };
        match table.by_name.get(name).map(Vec::as_slice) {
            Some([target]) => {
                self.name_target(kind, target, name);
                Ok(target.clone())
            }
            Some(many) => Err(format!(
                "{} {what}s are named \"{name}\" in the target: ambiguous (map it with --mappings)",
                many.len()
            )),
            None => Err(match failure {
                Some(f) => format!("{what} \"{name}\" could not be looked up: {f}"),
                None => format!("{what} \"{name}\" does not exist in the target tenant"),
            }),
        }
    }

    /// Records the name of a target object references resolve to (listed by `target_names().used`).
    fn name_target(&mut self, kind: RefKind, id: &str, name: &str) {
        self.target_names.insert(kind, id, name);
        self.target_names.mark_used(kind, id);
    }

    /// The target id of a source reference.
    pub fn target(&self, kind: RefKind, id: &str) -> Result<String, String> {
        if refs::is_placeholder(id) {
            return Ok(id.to_string());
        }
        self.map
            .get(&(kind, id.to_string()))
            .cloned()
            .unwrap_or_else(|| Err(format!("{} {id} was not looked up", noun(kind))))
    }

    /// Names of the target objects references resolved to.
    pub fn target_names(&self) -> &RefTable {
        &self.target_names
    }
}

/// Stands for the id of the object the plan creates from the document at `path`
/// (`{id:tenants/demo/scopeTags/berlin--6b86b273.yaml}`); apply replaces it once that item ran.
pub fn created_id(path: &str) -> String {
    format!("{{id:{path}}}")
}

/// Document paths of the objects whose [`created_id`] a value mentions.
pub fn created_ids_in(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.find("{id:") {
                let tail = &rest[i + 4..];
                let Some(j) = tail.find('}') else { break };
                out.insert(tail[..j].to_string());
                rest = &tail[j..];
            }
        }
        Value::Array(a) => a.iter().for_each(|x| out.extend(created_ids_in(x))),
        Value::Object(m) => m.values().for_each(|x| out.extend(created_ids_in(x))),
        _ => {}
    }
    out
}

fn add(table: &mut Table, o: &Value) {
    if let (Some(id), Some(name)) = (o["id"].as_str(), o["displayName"].as_str()) {
        table.insert(id, name);
    }
}

fn noun(kind: RefKind) -> &'static str {
    match kind {
        RefKind::Groups => "group",
        RefKind::AssignmentFilters => "assignment filter",
        RefKind::ScopeTags => "scope tag",
        RefKind::MobileApps => "app",
        RefKind::NotificationTemplates => "notification template",
        RefKind::NamedLocations => "named location",
        RefKind::SettingDefinitions => "setting definition",
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

/// Rewrites a Graph object's references to target ids; the reasons of those that do not resolve.
pub fn translate(entry: &CatalogEntry, raw: &mut Value, r: &Resolver) -> Vec<String> {
    let mut problems = BTreeSet::new();
    let mut map = |kind: RefKind, v: &mut Value| match v {
        Value::String(id) => match r.target(kind, id) {
            Ok(t) => *id = t,
            Err(e) => {
                problems.insert(e);
            }
        },
        Value::Array(ids) => {
            for id in ids.iter_mut() {
                if let Value::String(s) = id {
                    match r.target(kind, s) {
                        Ok(t) => *s = t,
                        Err(e) => {
                            problems.insert(e);
                        }
                    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn created_ids_are_found_anywhere_in_a_body() {
        let a = created_id("tenants/d/scopeTags/berlin--1.yaml");
        let b = created_id("tenants/d/assignmentFilters/w11--2.yaml");
        let body = json!({"roleScopeTagIds": ["0", a], "assignments": [{"target": {"filterId": b}}],
            "description": "{id} {id:"});
        let got: Vec<String> = created_ids_in(&body).into_iter().collect();
        assert_eq!(
            got,
            [
                "tenants/d/assignmentFilters/w11--2.yaml",
                "tenants/d/scopeTags/berlin--1.yaml"
            ]
        );
        assert!(created_ids_in(&json!({"x": "{id}/assign"})).is_empty());
    }
}
