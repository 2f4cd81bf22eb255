//! Reading a tenant through Graph, driven by the catalog, with as few requests as Graph allows.
//!
//! One list request (plus its pages) per distinct collection and query — entries that share a
//! collection (device configurations and update rings; enrollment status pages and restrictions;
//! scope tags as a type and as reference data) share the request. Everything a list omits is
//! hydrated with `$batch`, all types together, so batches are full. Reference names (groups, apps)
//! are looked up only for the ids the documents use.

use crate::catalog::{self, ApiVersion, CatalogEntry, Nav, RefKind, RefLookup, Source};
use crate::graph::{GraphClient, GraphError};
use crate::normalize::refs::{self, RefTable};
use crate::store::layout;
use futures::future::join_all;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// What went wrong with a type or an object.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// Catalog key, or `_refs/<kind>` for reference lookups.
    #[serde(rename = "type")]
    pub kind: String,
    /// The object id, when one object failed rather than the whole type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub message: String,
}

impl Failure {
    pub(crate) fn plain(kind: &str, object: Option<&str>, message: String) -> Failure {
        Failure {
            kind: kind.to_string(),
            object: object.map(str::to_string),
            status: None,
            request_id: None,
            message,
        }
    }

    fn from_graph(kind: &str, object: Option<&str>, permission: &str, e: &GraphError) -> Failure {
        let mut message = e.to_string();
        if e.status() == Some(403) {
            message = format!(
                "{message} — the app registration needs the {permission} permission (application, admin-consented)"
            );
        }
        Failure {
            kind: kind.to_string(),
            object: object.map(str::to_string),
            status: e.status(),
            request_id: e.request_id().map(str::to_string),
            message,
        }
    }
}

/// A fetched object, packed as compact JSON until it is normalized: a tenant's objects as
/// `serde_json::Value`s take several times their JSON size, and only one is needed at a time.
#[derive(Debug, Clone)]
pub struct RawObject {
    pub id: String,
    /// The name the catalog entry reads (`displayName` or `name`).
    pub name: String,
    json: Vec<u8>,
}

impl RawObject {
    pub fn pack(entry: &CatalogEntry, value: &Value) -> RawObject {
        RawObject {
            id: value["id"].as_str().unwrap_or_default().to_string(),
            name: crate::normalize::object_name(entry, value),
            json: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    /// The object as Graph returned it (hydrated).
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }
}

/// The raw objects of one catalog type.
#[derive(Debug, Default)]
pub struct TypeData {
    pub objects: Vec<RawObject>,
    /// Objects that could not be read completely (their previous files are kept).
    pub failed_ids: Vec<String>,
}

/// Everything read from one tenant.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Per selected type: its objects, or `None` when the type as a whole failed.
    pub types: BTreeMap<&'static str, Option<TypeData>>,
    pub refs: RefTable,
    /// Every object of the reference kinds read as whole lists, as (id, name) — built-in ones a
    /// type skips included: what restore maps names through without listing them again.
    pub listed: BTreeMap<RefKind, Vec<(String, String)>>,
    /// Reference kinds whose names could not be read.
    pub failed_refs: Vec<RefKind>,
    pub failures: Vec<Failure>,
    /// Set when the tenant could not be signed in to: nothing was read, every type is marked
    /// not read, and the cause is reported once for the tenant.
    pub sign_in: Option<GraphError>,
}

type ListKey = (ApiVersion, &'static str, &'static str);

/// Requests per hydration chunk: objects are packed as each chunk completes, so only a chunk's
/// objects are ever held as JSON values.
const HYDRATE_CHUNK: usize = 400;

/// Requests per API version: their URLs, and what each answer belongs to.
type Batches<T> = BTreeMap<ApiVersion, (Vec<String>, Vec<T>)>;

/// An object waiting for hydration.
struct Work {
    entry: usize,
    source: &'static Source,
    id: String,
    value: Value,
    /// Per-object GET (`None`) or navigation, with its URL.
    requests: Vec<(String, Option<&'static Nav>)>,
    outcome: Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Complete,
    Failed,
    /// Deleted between the list and the hydration.
    Gone,
}

/// Sends a chunk's hydration requests (per API version) and applies the answers to its objects.
async fn hydrate_chunk(
    client: &GraphClient,
    entries: &[&'static CatalogEntry],
    chunk: &mut [Work],
    failures: &mut Vec<Failure>,
) {
    let mut by_version: Batches<(usize, Option<&'static Nav>)> = BTreeMap::new();
    for (wi, w) in chunk.iter().enumerate() {
        let (urls, back) = by_version.entry(w.source.version).or_default();
        for (url, nav) in &w.requests {
            urls.push(url.clone());
            back.push((wi, *nav));
        }
    }
    let mut completions: Completions = BTreeMap::new();
    for (version, (urls, back)) in by_version {
        let results = client.batch_get(version, &urls).await;
        for ((wi, nav), result) in back.into_iter().zip(results) {
            let w = &mut chunk[wi];
            if w.outcome != Done::Complete {
                continue;
            }
            let e = entries[w.entry];
            let mut pending = Pending {
                completions: &mut completions,
                version,
                wi,
            };
            if let Some(f) = apply_answer(e, w, nav, result, &mut pending) {
                failures.push(f);
                w.outcome = Done::Failed;
            }
        }
    }
    complete_items(client, entries, chunk, completions, failures).await;
}

/// Items of a navigation result its nested `$expand` did not complete (that form is UNVERIFIED,
/// docs/graph-notes.md, "Administrative templates"): (object, nav, item index, item property) and
/// the URL that completes them.
type Completions = Batches<(usize, &'static str, usize, &'static str)>;

/// Where [`apply_answer`] records the completions an answer needs.
struct Pending<'a> {
    completions: &'a mut Completions,
    version: ApiVersion,
    /// The object's place in its chunk.
    wi: usize,
}

/// Applies one hydration answer (the object, or one navigation of it) to `w`: the failure it
/// means, if any. A deleted object becomes [`Done::Gone`].
fn apply_answer(
    e: &CatalogEntry,
    w: &mut Work,
    nav: Option<&'static Nav>,
    result: Result<Value, GraphError>,
    pending: &mut Pending<'_>,
) -> Option<Failure> {
    match (result, nav) {
        (Ok(full), None) => {
            merge(&mut w.value, full);
            None
        }
        // A property answered alone (a branding image): attached without its annotations.
        (Ok(mut one), Some(nav)) if nav.property => {
            if let Some(m) = one.as_object_mut() {
                m.retain(|k, _| !k.starts_with("@odata."));
            }
            let empty = one.as_object().is_some_and(|m| m.is_empty());
            w.value[nav.path] = if empty { Value::Null } else { one };
            None
        }
        (Err(err), Some(nav)) if nav.property && is_not_found(&err) => {
            w.value[nav.path] = Value::Null;
            None
        }
        (Ok(mut page), Some(nav)) => match page.get_mut("value").map(Value::take) {
            Some(Value::Array(items)) => {
                if let Some((field, query)) = nav.complete {
                    for (ii, item) in items.iter().enumerate() {
                        if item.get(field).is_none()
                            && let Some(item_id) = item["id"].as_str()
                        {
                            let (urls, list) =
                                pending.completions.entry(pending.version).or_default();
                            let sub = format!("{}/{item_id}/{field}", nav.path);
                            urls.push(object_url(w.source, &w.id, &sub, query));
                            list.push((pending.wi, nav.path, ii, field));
                        }
                    }
                }
                w.value[nav.path] = Value::Array(items);
                None
            }
            _ => Some(Failure::plain(
                e.key,
                Some(&w.id),
                format!(
                    "`{}` of {} came back without a `value` list",
                    nav.path, w.id
                ),
            )),
        },
        // The object itself is gone (deleted between the list and now).
        (Err(err), None) if is_not_found(&err) => {
            w.outcome = Done::Gone;
            None
        }
        (Err(err), _) => Some(Failure::from_graph(
            e.key,
            Some(&w.id),
            e.read_permission,
            &err,
        )),
    }
}

/// Sends the completions [`apply_answer`] recorded and puts their answers into the items.
async fn complete_items(
    client: &GraphClient,
    entries: &[&'static CatalogEntry],
    chunk: &mut [Work],
    completions: Completions,
    failures: &mut Vec<Failure>,
) {
    for (version, (urls, list)) in completions {
        let results = client.batch_get(version, &urls).await;
        for ((wi, nav, ii, field), result) in list.into_iter().zip(results) {
            let w = &mut chunk[wi];
            if w.outcome != Done::Complete {
                continue;
            }
            match result {
                Ok(mut page) => {
                    if let Some(values) = page.get_mut("value").map(Value::take) {
                        w.value[nav][ii][field] = values;
                    }
                }
                Err(err) => {
                    let e = entries[w.entry];
                    failures.push(Failure::from_graph(
                        e.key,
                        Some(&w.id),
                        e.read_permission,
                        &err,
                    ));
                    w.outcome = Done::Failed;
                }
            }
        }
    }
}

/// Reads the selected types of a tenant.
pub async fn fetch(client: &GraphClient, entries: &[&'static CatalogEntry]) -> Fetched {
    // Sign in first: without a token nothing can be read, and that is one cause, not one per type.
    if let Err(e) = client.sign_in().await {
        return signed_out(entries, e);
    }
    let mut out = Fetched::default();
    let needed = needed_refs(entries);
    let mut lists = read_lists(client, entries, &needed).await;
    refs_from_lists(&lists, &needed, &mut out);
    let (mut typed, mut work) = take_objects(entries, &mut lists, &mut out);
    drop(lists);
    hydrate(client, entries, &mut work, &mut typed, &mut out).await;
    names_by_id(client, &mut out).await;
    // Policy sets name objects of every type: their names are those this read found.
    if needed.contains(&RefKind::Policies) {
        let mut listed = vec![];
        for (e, data) in entries.iter().zip(&typed) {
            for o in data.iter().flat_map(|d| &d.objects) {
                let label = policy_label(e.key, &o.name);
                out.refs.insert(RefKind::Policies, &o.id, &label);
                listed.push((o.id.clone(), label));
            }
        }
        out.listed.insert(RefKind::Policies, listed);
    }
    for (e, data) in entries.iter().zip(typed) {
        out.types.insert(e.key, data);
    }
    out
}

/// How a policy set's item names the object it holds: `<type>/<name>`.
pub fn policy_label(kind: &str, name: &str) -> String {
    format!("{kind}/{name}")
}

/// What a tenant that could not be signed in to yields: every type and reference kind not read,
/// for the one cause.
fn signed_out(entries: &[&'static CatalogEntry], e: GraphError) -> Fetched {
    let mut out = Fetched::default();
    let reason = match e {
        GraphError::LoginUnavailable { .. } => "not read: sign-in endpoint unreachable",
        _ => "not read: authentication failed",
    };
    for entry in entries {
        out.types.insert(entry.key, None);
        let mut failure = Failure::plain(entry.key, None, reason.to_string());
        failure.status = e.status();
        out.failures.push(failure);
    }
    out.failed_refs = RefKind::ALL.to_vec();
    out.sign_in = Some(e);
    out
}

/// The answers of the lists, one per distinct (version, collection, query): types and list-based
/// reference data.
type Lists = HashMap<ListKey, Result<Vec<Value>, GraphError>>;

/// Sends every list once, following its pages, and completes the declared types of the answers.
async fn read_lists(
    client: &GraphClient,
    entries: &[&'static CatalogEntry],
    needed: &[RefKind],
) -> Lists {
    let mut keys: Vec<ListKey> = vec![];
    let mut add = |k: ListKey| {
        if !keys.contains(&k) {
            keys.push(k);
        }
    };
    for e in entries {
        for s in e.sources {
            add((s.version, s.collection, s.list_query));
        }
    }
    for r in catalog::REFERENCE_SOURCES
        .iter()
        .filter(|r| needed.contains(&r.kind))
    {
        if let RefLookup::List { query } = r.lookup {
            add((r.version, r.collection, query));
        }
    }
    let singletons: Vec<ListKey> = entries
        .iter()
        .flat_map(|e| e.sources)
        .filter(|s| s.singleton)
        .map(|s| (s.version, s.collection, s.list_query))
        .collect();
    // Collections below another's objects are read once their parents' list is in.
    let (nested, keys): (Vec<ListKey>, Vec<ListKey>) = keys
        .into_iter()
        .partition(|k| k.1.contains(catalog::PARENT_SEGMENT));
    let paths: Vec<(String, bool)> = keys
        .iter()
        .map(|k| (list_path(k.0, k.1, k.2), singletons.contains(k)))
        .collect();
    let results = join_all(paths.iter().map(|(p, one)| read_list(client, p, *one))).await;
    let mut lists: Lists = keys.into_iter().zip(results).collect();
    for k in nested {
        let result = read_nested(client, &lists, k).await;
        lists.insert(k, result);
    }
    // Minimal metadata leaves out the declared type: put it back before anything reads the type.
    for ((_, collection, _), items) in lists.iter_mut() {
        let key = catalog::key_of(collection);
        if let Ok(items) = items {
            items.iter_mut().for_each(|o| {
                catalog::complete_type(collection, o);
                if let Some(k) = key {
                    catalog::complete_key(k, o);
                }
            });
        }
    }
    lists
}

/// The objects of a list; for a singleton its one object, none when Graph answers that it is not
/// configured (404).
async fn read_list(
    client: &GraphClient,
    path: &str,
    singleton: bool,
) -> Result<Vec<Value>, GraphError> {
    if !singleton {
        return client.list(path).await;
    }
    match client.get(path).await {
        // Some singletons are one-object collections in beta (the authorization policy).
        Ok(Value::Object(mut m)) if m.get("value").is_some_and(Value::is_array) => {
            let items = match m.remove("value") {
                Some(Value::Array(items)) => items,
                _ => vec![],
            };
            Ok(items
                .into_iter()
                .take(1)
                .map(|o| as_singleton(o, path))
                .collect())
        }
        Ok(one) => Ok(vec![as_singleton(one, path)]),
        Err(GraphError::Http { status: 404, .. }) => Ok(vec![]),
        Err(e) => Err(e),
    }
}

/// A collection below each object of another (Apple enrollment profiles below their tokens,
/// docs/graph-notes.md, "Apple automated device enrollment profiles"): each parent's children, all
/// of them one list. The parents come from their own list when a selected type read it, else are
/// listed here. A parent's children that cannot be read fail the whole list: a backup never holds
/// part of a type as if it were all of it.
async fn read_nested(
    client: &GraphClient,
    lists: &Lists,
    (version, collection, query): ListKey,
) -> Result<Vec<Value>, GraphError> {
    let (parent, child) = collection
        .split_once(catalog::PARENT_SEGMENT)
        .unwrap_or((collection, ""));
    let parents = match lists.get(&(version, parent, "")) {
        Some(Ok(items)) => items.clone(),
        _ => client.list(&list_path(version, parent, "")).await?,
    };
    let mut out = vec![];
    for p in &parents {
        if let Some(id) = p["id"].as_str() {
            let path = list_path(version, &format!("{parent}/{id}/{child}"), query);
            out.extend(client.list(&path).await?);
        }
    }
    Ok(out)
}

/// A singleton's object, known by its path, whatever id Graph gives it (some have none, some a
/// GUID per tenant): the same document in every tenant and every answer.
fn as_singleton(mut one: Value, path: &str) -> Value {
    if let Some(m) = one.as_object_mut() {
        m.retain(|k, _| k == "@odata.type" || !k.starts_with("@odata."));
        let name = path.split('?').next().unwrap_or(path);
        let name = name.rsplit('/').next().unwrap_or(name);
        m.insert("id".into(), Value::String(name.to_string()));
    }
    one
}

/// Reference names from the lists (scope tags, filters, notification templates, locations).
fn refs_from_lists(lists: &Lists, needed: &[RefKind], out: &mut Fetched) {
    for r in catalog::REFERENCE_SOURCES
        .iter()
        .filter(|r| needed.contains(&r.kind))
    {
        let RefLookup::List { query } = r.lookup else {
            continue;
        };
        match &lists[&(r.version, r.collection, query)] {
            Ok(items) => {
                let listed = out.listed.entry(r.kind).or_default();
                for o in items {
                    if let (Some(id), Some(name)) = (o["id"].as_str(), r.kind.label_of(o)) {
                        out.refs.insert(r.kind, id, &name);
                        listed.push((id.to_string(), name));
                    }
                }
            }
            Err(e) => {
                out.failed_refs.push(r.kind);
                out.failures.push(Failure::from_graph(
                    &format!("{}/{}", layout::REFS, r.kind.file_stem()),
                    None,
                    r.read_permission,
                    e,
                ));
            }
        }
    }
}

/// Objects per type, moved out of the lists. Those the list returns complete are packed right
/// away; the others become [`Work`] for [`hydrate`]. A type is `None` when its list failed.
fn take_objects(
    entries: &[&'static CatalogEntry],
    lists: &mut Lists,
    out: &mut Fetched,
) -> (Vec<Option<TypeData>>, Vec<Work>) {
    let mut typed: Vec<Option<TypeData>> = vec![];
    let mut work: Vec<Work> = vec![];
    for (ei, e) in entries.iter().enumerate() {
        let mut data = TypeData::default();
        let mut failed = false;
        let mut seen = std::collections::HashSet::new();
        for s in e.sources {
            // Objects move out of the list into their one owner (catalog entries sharing a
            // collection partition it), so a tenant is held in memory once.
            let items = match lists.get_mut(&(s.version, s.collection, s.list_query)) {
                Some(Ok(items)) => {
                    let (mine, rest): (Vec<Value>, Vec<Value>) = std::mem::take(items)
                        .into_iter()
                        .partition(|o| e.accepts(s, o));
                    *items = rest;
                    mine
                }
                Some(Err(err)) => {
                    failed = true;
                    out.failures
                        .push(Failure::from_graph(e.key, None, e.read_permission, err));
                    continue;
                }
                None => continue,
            };
            for o in items {
                let Some(id) = o["id"].as_str().map(str::to_string) else {
                    failed = true;
                    let message = format!("{} returned an object without an id", s.collection);
                    out.failures.push(Failure::plain(e.key, None, message));
                    continue;
                };
                if !seen.insert(id.clone()) {
                    continue; // the same object on two pages
                }
                if let Some(w) = take_object(ei, e, s, id, o, &mut data, out) {
                    work.push(w);
                }
            }
        }
        typed.push((!failed).then_some(data));
    }
    (typed, work)
}

/// One listed object of type `e`: packed into `data` when the list returned it complete, refused
/// when a navigation came back paged inside it, otherwise the [`Work`] that hydrates it.
fn take_object(
    ei: usize,
    e: &'static CatalogEntry,
    s: &'static Source,
    id: String,
    o: Value,
    data: &mut TypeData,
    out: &mut Fetched,
) -> Option<Work> {
    if let Some(nav) = truncated_nav(&o) {
        // An expanded navigation that was paged inside a list item: never half a list.
        let message = format!(
            "{} {id}: `{nav}` came back paged inside the list; not backed up this run",
            s.collection
        );
        out.failures.push(Failure::plain(e.key, Some(&id), message));
        data.failed_ids.push(id);
        return None;
    }
    let mut requests: Vec<(String, Option<&'static Nav>)> = vec![];
    if let Some(q) = s.hydrate {
        requests.push((object_url(s, &id, "", q), None));
    }
    for nav in s.navs {
        requests.push((object_url(s, &id, nav.path, nav.query), Some(nav)));
    }
    if requests.is_empty() {
        refs::collect(e, &o, &mut out.refs);
        data.objects.push(RawObject::pack(e, &o));
        return None;
    }
    Some(Work {
        entry: ei,
        source: s,
        id,
        value: o,
        requests,
        outcome: Done::Complete,
    })
}

/// Hydrates `work` with $batch, all types together, a chunk of objects at a time, packing each
/// chunk's objects into their types as it completes.
async fn hydrate(
    client: &GraphClient,
    entries: &[&'static CatalogEntry],
    work: &mut [Work],
    typed: &mut [Option<TypeData>],
    out: &mut Fetched,
) {
    let mut start = 0;
    while start < work.len() {
        let mut end = start;
        let mut size = 0;
        while end < work.len() && size < HYDRATE_CHUNK {
            size += work[end].requests.len();
            end += 1;
        }
        let chunk = &mut work[start..end];
        hydrate_chunk(client, entries, chunk, &mut out.failures).await;
        for w in chunk.iter_mut() {
            let e = entries[w.entry];
            let Some(data) = typed[w.entry].as_mut() else {
                continue;
            };
            match w.outcome {
                Done::Complete => {
                    let value = std::mem::take(&mut w.value);
                    refs::collect(e, &value, &mut out.refs);
                    data.objects.push(RawObject::pack(e, &value));
                }
                Done::Failed => data.failed_ids.push(std::mem::take(&mut w.id)),
                Done::Gone => {}
            }
            w.value = Value::Null;
        }
        start = end;
    }
}

/// Names of referenced groups and apps, by id in $batch, for the ids the documents use.
async fn names_by_id(client: &GraphClient, out: &mut Fetched) {
    for r in catalog::REFERENCE_SOURCES
        .iter()
        .filter(|r| matches!(r.lookup, RefLookup::ById))
    {
        let ids = out.refs.unresolved(r.kind);
        if ids.is_empty() {
            continue;
        }
        let urls: Vec<String> = ids.iter().map(|id| r.by_key_url(id)).collect();
        let mut failed = None;
        for (id, result) in ids.iter().zip(client.batch_get(r.version, &urls).await) {
            match result {
                Ok(o) => {
                    if let Some(name) = r.kind.label_of(&o) {
                        out.refs.insert(r.kind, id, &name);
                    }
                }
                Err(e) if is_not_found(&e) => {}
                Err(e) => failed = Some(e),
            }
        }
        if let Some(e) = failed {
            out.failed_refs.push(r.kind);
            out.failures.push(Failure::from_graph(
                &format!("{}/{}", layout::REFS, r.kind.file_stem()),
                None,
                r.read_permission,
                &e,
            ));
        }
    }
}

/// Reference kinds the selected types can refer to: only those are looked up, so an app without,
/// say, `Policy.Read.All` can still back up Intune types.
fn needed_refs(entries: &[&CatalogEntry]) -> Vec<RefKind> {
    let mut kinds = vec![];
    for e in entries {
        if e.scope_tags.property().is_some() {
            kinds.push(RefKind::ScopeTags);
        }
        if e.assignments.is_some() {
            kinds.extend([RefKind::Groups, RefKind::AssignmentFilters]);
        }
        kinds.extend(e.refs.iter().map(|r| r.kind));
    }
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The first navigation a list item carries only a first page of (`<nav>@odata.nextLink`).
fn truncated_nav(item: &Value) -> Option<&str> {
    item.as_object()?
        .keys()
        .find_map(|k| k.strip_suffix("@odata.nextLink"))
}

fn list_path(version: ApiVersion, collection: &str, query: &str) -> String {
    if query.is_empty() {
        format!("/{}/{collection}", version.as_str())
    } else {
        format!("/{}/{collection}?{query}", version.as_str())
    }
}

fn object_url(s: &Source, id: &str, nav: &str, query: &str) -> String {
    let mut url = format!("/{}/{id}", s.collection);
    if !nav.is_empty() {
        url.push('/');
        url.push_str(nav);
    }
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// A GET by id that says the object is gone: 404, or Intune's 400 `ResourceNotFound`
/// (docs/graph-notes.md, "Reading settings catalog policies").
fn is_not_found(e: &GraphError) -> bool {
    match e {
        GraphError::Http { status: 404, .. } => true,
        GraphError::Http {
            status: 400, code, ..
        } => code == "ResourceNotFound",
        _ => false,
    }
}

/// Overlays a hydrated object on its list entry: the per-object GET is complete, except for navigation
/// collections it was not asked to expand (e.g. settings catalog assignments come from the list).
fn merge(list_item: &mut Value, full: Value) {
    if let (Value::Object(base), Value::Object(full)) = (list_item, full) {
        for (k, v) in full {
            base.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls() {
        let e = catalog::get("settingsCatalog").unwrap();
        let s = &e.sources[0];
        assert_eq!(
            list_path(s.version, s.collection, s.list_query),
            "/beta/deviceManagement/configurationPolicies?$expand=assignments"
        );
        assert_eq!(
            object_url(s, "X", "", "$expand=settings"),
            "/deviceManagement/configurationPolicies/X?$expand=settings"
        );
        assert_eq!(
            object_url(s, "X", "assignments", ""),
            "/deviceManagement/configurationPolicies/X/assignments"
        );
    }

    #[test]
    fn merge_keeps_list_navigations() {
        let mut item = json!({"id": "1", "assignments": [1], "name": "old"});
        merge(
            &mut item,
            json!({"id": "1", "name": "new", "settings": [2]}),
        );
        assert_eq!(
            item,
            json!({"id": "1", "assignments": [1], "name": "new", "settings": [2]})
        );
    }
}
