//! Graph JSON ⇄ normalized document (docs/ARCHITECTURE.md, "The normalized document").
//!
//! A document is what a reviewer reads and git diffs: read-only, volatile and navigation-only fields
//! stripped, keys and set-like arrays in canonical order, date-times in one spelling, payloads moved to exact-bytes sidecar
//! files, secrets redacted, ids shown with names. It is also lossless for restore: `spec`,
//! `assignments`, `scopeTags` and the sidecars rebuild the Graph bodies ([`denormalize`]).

pub mod assignments;
pub mod canonical;
pub mod datetime;
pub mod definitions;
pub mod path;
pub mod redact;
pub mod refs;
mod reftable;
pub mod slug;
pub mod yaml;

use crate::catalog::{COMMON_STRIP, CatalogEntry, RefKind, VOLATILE_ANY_DEPTH};
use assignments::Assignment;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use refs::RefTable;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// First line of every document: editors validate against the schema the repository carries.
pub const SCHEMA_HEADER: &str =
    "# yaml-language-server: $schema=../../../schemas/policy.schema.json\n";

/// One normalized policy document (`tenants/<tenant>/<kind>/<slug>--<id8>.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Document {
    /// Catalog key of the policy type.
    pub kind: String,
    /// Graph id in the tenant the document was exported from.
    pub id: String,
    /// `displayName` (or `name`) as shown in Intune.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odata_type: Option<String>,
    /// Scope tag names (ids in `_refs/scopeTags.yaml`); absent for types without scope tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_tags: Option<Vec<String>>,
    /// The assignment set; absent for types that cannot be assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignments: Option<Vec<Assignment>>,
    /// The Graph body minus read-only, volatile and navigation fields, keys sorted.
    pub spec: Value,
    /// Payload fields kept as files next to the document: field → file name and sha256.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sidecars: BTreeMap<String, SidecarRef>,
    /// Paths of values Graph keeps secret; they are never written, restore asks for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SidecarRef {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NormalizeError {
    #[error("{kind} object has no string `id`")]
    MissingId { kind: String },
    #[error("{kind} {id}: field `{field}` is not valid base64: {message}")]
    BadPayload {
        kind: String,
        id: String,
        field: String,
        message: String,
    },
    #[error(transparent)]
    Yaml(#[from] yaml::YamlError),
    #[error("{kind} {id}: Graph returned no `assignments` for it, so its assignments are unknown")]
    MissingAssignments { kind: String, id: String },
    #[error("{file}: sidecar `{field}` is missing")]
    MissingSidecar { file: String, field: String },
    #[error("{file}: sidecar {sidecar} does not match its sha256 (edited outside tenant-atlas?)")]
    SidecarMismatch { file: String, sidecar: String },
}

/// A normalized object and the files that represent it (paths relative to the tenant folder).
#[derive(Debug, Clone)]
pub struct Normalized {
    pub doc: Document,
    pub files: Vec<(String, Vec<u8>)>,
}

/// The object's name as Intune shows it.
pub fn object_name(entry: &CatalogEntry, object: &Value) -> String {
    entry.name.of(object)
}

/// Graph JSON → document + files. `stem` is the object's file stem (`slug--id8`, see [`slug::stems`]).
/// Takes the object by value: it becomes the document's `spec` without a copy.
pub fn normalize(
    entry: &CatalogEntry,
    object: Value,
    stem: &str,
    refs: &RefTable,
) -> Result<Normalized, NormalizeError> {
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| NormalizeError::MissingId {
            kind: entry.key.to_string(),
        })?
        .to_string();
    let name = object_name(entry, &object);
    // File names that give sidecars their extension, read before the fields are stripped.
    let file_names = sidecar_file_names(entry, &object);
    let mut spec = object;
    let Value::Object(map) = &mut spec else {
        return Err(NormalizeError::MissingId {
            kind: entry.key.to_string(),
        });
    };
    let odata_type = map
        .remove("@odata.type")
        .and_then(|v| v.as_str().map(str::to_string));
    if let Some(field) = entry.name.property() {
        map.remove(field);
    }
    let mut assignments = take_assignments(entry, map, &id, refs)?;
    // Assignment settings carry date-times too (app install deadlines): one spelling there as well.
    for a in assignments.iter_mut().flatten() {
        a.properties
            .values_mut()
            .chain(a.target_properties.values_mut())
            .for_each(datetime::canonicalize);
    }
    let scope_tags = take_scope_tags(entry, map, refs);

    redact::redact(&mut spec);
    strip(entry, &mut spec);
    let (mut files, sidecars) = split_sidecars(entry, &mut spec, &file_names, stem, &id)?;

    datetime::canonicalize(&mut spec);
    canonical::sort_sets(&mut spec, entry.sets);
    let secrets = redact::marker_paths(&spec, "spec");
    let doc = Document {
        kind: entry.key.to_string(),
        id,
        name,
        odata_type,
        scope_tags,
        assignments,
        spec,
        sidecars,
        secrets,
    };
    files.insert(
        0,
        (
            format!("{}/{stem}.yaml", entry.key),
            to_yaml(&doc)?.into_bytes(),
        ),
    );
    Ok(Normalized { doc, files })
}

/// Per sidecar field of the entry, the file name the object gives it (its extension is kept).
fn sidecar_file_names(entry: &CatalogEntry, object: &Value) -> Vec<Option<String>> {
    entry
        .sidecars
        .iter()
        .map(|f| {
            f.file_name_field
                .and_then(|n| object.get(n))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect()
}

/// The assignments, taken out of the object, as a sorted set with names.
fn take_assignments(
    entry: &CatalogEntry,
    map: &mut Map<String, Value>,
    id: &str,
    refs: &RefTable,
) -> Result<Option<Vec<Assignment>>, NormalizeError> {
    match (&entry.assignments, map.remove("assignments")) {
        (None, _) => Ok(None),
        (Some(_), Some(Value::Array(list))) => Ok(Some(assignments::from_graph(&list, refs))),
        // Absent is not empty: writing `[]` would claim the policy is unassigned.
        (Some(_), _) => Err(NormalizeError::MissingAssignments {
            kind: entry.key.to_string(),
            id: id.to_string(),
        }),
    }
}

/// The scope tags, taken out of the object, as sorted names (the id where no name is known).
fn take_scope_tags(
    entry: &CatalogEntry,
    map: &mut Map<String, Value>,
    refs: &RefTable,
) -> Option<Vec<String>> {
    entry.scope_tags.property().map(|prop| {
        let ids = map.remove(prop);
        let mut names: Vec<String> = ids
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|id| refs.name(RefKind::ScopeTags, id).unwrap_or(id).to_string())
            .collect();
        names.sort();
        names
    })
}

/// Sidecar files (path, bytes) and their references by field.
type Sidecars = (Vec<(String, Vec<u8>)>, BTreeMap<String, SidecarRef>);

/// Moves each payload field of `spec` to a sidecar file `<stem>[.<label>].<ext>` (the extension
/// from the object's file name when it has a plausible one): the files and their references.
fn split_sidecars(
    entry: &CatalogEntry,
    spec: &mut Value,
    file_names: &[Option<String>],
    stem: &str,
    id: &str,
) -> Result<Sidecars, NormalizeError> {
    let mut files = vec![];
    let mut sidecars = BTreeMap::new();
    for (field, file_name) in entry.sidecars.iter().zip(file_names) {
        // A field inside arrays (`rules[].scriptContent`) is one sidecar per element holding it.
        for at in path::concrete(spec, field.field) {
            let Some(Value::String(b64)) = path::get(spec, &at) else {
                continue;
            };
            if b64.is_empty() {
                continue;
            }
            let bytes = BASE64
                .decode(b64.trim())
                .map_err(|e| NormalizeError::BadPayload {
                    kind: entry.key.to_string(),
                    id: id.to_string(),
                    field: at.clone(),
                    message: e.to_string(),
                })?;
            let ext = file_name
                .as_deref()
                .and_then(|n| n.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()))
                .or_else(|| image_ext(spec, &at))
                .filter(|e| {
                    !e.is_empty() && e.len() <= 12 && e.chars().all(|c| c.is_ascii_alphanumeric())
                })
                .unwrap_or_else(|| field.ext.to_string());
            // The element indexes tell the sidecars of one field apart: `x.rule-2.ps1`.
            let index: Vec<&str> = at
                .split('.')
                .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
                .collect();
            let label = match (field.label, index.is_empty()) {
                (Some(label), true) => Some(label.to_string()),
                (label, false) => Some(format!("{}-{}", label.unwrap_or("item"), index.join("-"))),
                (None, true) => None,
            };
            let file = match label {
                Some(label) => format!("{stem}.{label}.{ext}"),
                None => format!("{stem}.{ext}"),
            };
            sidecars.insert(
                at.clone(),
                SidecarRef {
                    file: file.clone(),
                    sha256: hex::encode(Sha256::digest(&bytes)),
                },
            );
            path::remove(spec, &at);
            files.push((format!("{}/{file}", entry.key), bytes));
        }
    }
    Ok((files, sidecars))
}

/// The extension an image's MIME type gives it, for the `value` of a `mimeContent`
/// (`{"type": "image/jpeg", "value": …}`: apps' icons, branding images).
fn image_ext(spec: &Value, at: &str) -> Option<String> {
    let parent = at.strip_suffix(".value")?;
    let mime = path::get(spec, &format!("{parent}.type"))?.as_str()?;
    match mime.to_ascii_lowercase().as_str() {
        "image/png" => Some("png".into()),
        "image/jpeg" | "image/jpg" => Some("jpg".into()),
        "image/gif" => Some("gif".into()),
        "image/svg+xml" => Some("svg".into()),
        _ => None,
    }
}

/// The document's YAML text, header included.
pub fn to_yaml(doc: &Document) -> Result<String, yaml::YamlError> {
    Ok(format!("{SCHEMA_HEADER}{}", yaml::to_string(doc)?))
}

/// Parses a document strictly; `file` names it in errors.
pub fn from_yaml(text: &str, file: &str) -> Result<Document, yaml::YamlError> {
    yaml::from_str(text, file)
}

/// Removes read-only, volatile and annotation properties (docs/graph-notes.md, "Read-only fields").
pub fn strip(entry: &CatalogEntry, spec: &mut Value) {
    if let Value::Object(map) = spec {
        for key in COMMON_STRIP {
            map.remove(*key);
        }
    }
    for path in entry.strip {
        path::remove(spec, path);
    }
    for (path, keep) in entry.project {
        path::for_each_mut(spec, path, &mut |v| {
            if let Value::Object(map) = v {
                map.retain(|k, _| keep.contains(&k.as_str()));
            }
        });
    }
    strip_any_depth(spec);
}

/// Removes OData annotations (all but a nested `@odata.type`), the action and function links of
/// full metadata (`"#microsoft.graph.restore": {"title", "target"}`, which name the object's own
/// URL) and volatile timestamps, at any depth.
fn strip_any_depth(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| {
                let annotation = k != "@odata.type"
                    && (k.starts_with('@') || k.starts_with('#') || k.contains("@odata."));
                !annotation && !VOLATILE_ANY_DEPTH.contains(&k.as_str())
            });
            map.values_mut().for_each(strip_any_depth);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_any_depth),
        _ => {}
    }
}

/// A Graph object rebuilt from a document: the body to create/update with, and the assignments.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphObject {
    pub body: Value,
    pub assignments: Option<Vec<Value>>,
}

/// Document + sidecar bytes → Graph body. `sidecar` returns a sidecar file's bytes by file name.
/// Scope tag names are mapped back to ids through `refs` (a name not found is taken as an id).
/// Redacted values stay [`redact::MARKER`]: the caller supplies secrets or refuses.
pub fn denormalize(
    entry: &CatalogEntry,
    doc: &Document,
    sidecar: &dyn Fn(&str) -> Option<Vec<u8>>,
    refs: &RefTable,
) -> Result<GraphObject, NormalizeError> {
    let mut body = match &doc.spec {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    if let Some(field) = entry.name.property() {
        body.insert(field.into(), Value::String(doc.name.clone()));
    }
    if let Some(t) = &doc.odata_type {
        body.insert("@odata.type".into(), Value::String(t.clone()));
    }
    if let (Some(prop), Some(names)) = (entry.scope_tags.property(), &doc.scope_tags) {
        let ids = names
            .iter()
            .map(|n| {
                Value::String(
                    refs.id_for_name(RefKind::ScopeTags, n)
                        .unwrap_or(n)
                        .to_string(),
                )
            })
            .collect();
        body.insert(prop.into(), Value::Array(ids));
    }
    for (field, r) in &doc.sidecars {
        let bytes = sidecar(&r.file).ok_or_else(|| NormalizeError::MissingSidecar {
            file: r.file.clone(),
            field: field.clone(),
        })?;
        if hex::encode(Sha256::digest(&bytes)) != r.sha256 {
            return Err(NormalizeError::SidecarMismatch {
                file: doc.id.clone(),
                sidecar: r.file.clone(),
            });
        }
        let mut whole = Value::Object(body);
        path::set(&mut whole, field, Value::String(BASE64.encode(bytes)));
        let Value::Object(b) = whole else {
            unreachable!("set keeps the root an object")
        };
        body = b;
    }
    Ok(GraphObject {
        body: Value::Object(body),
        assignments: doc
            .assignments
            .as_ref()
            .map(|a| a.iter().map(Assignment::to_graph).collect()),
    })
}

/// JSON Schema of the normalized document (`schemas/policy.schema.json`).
pub fn document_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Document)).expect("schema serializes")
}

#[cfg(test)]
mod tests;
