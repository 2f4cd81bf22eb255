//! Readable views of normalized documents and of the changes between two versions of a tenant.
//!
//! Reviewers, on-call engineers and auditors read policies as `setting = value` lines, not as Graph
//! JSON. A document becomes a [`View`]: flat, labelled fields (one renderer per `spec` shape, picked
//! by the catalog's [`ViewShape`]), assignments and scope tags by name, sidecars as text. Two views
//! compare field by field into an [`ObjectChange`]; a [`Report`] of changes is written as text,
//! markdown or JSON by [`text`], [`markdown`] and serde (JSON), as strings the CLI prints. Rendering never calls Graph: names of
//! settings come from the tenant's `_refs/settingDefinitions.yaml`.

pub mod admx;
pub mod assign;
pub mod compare;
pub mod docs;
pub mod html;
pub mod load;
pub mod locate;
pub mod markdown;
pub mod properties;
pub mod schemas;
pub mod settings;
pub mod sidecar;
pub mod text;

use crate::catalog::{self, ViewShape};
use crate::normalize::Document;
use crate::normalize::refs::RefEntry;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub use compare::{ChangeKind, FieldChange, ObjectChange, Report, Summary, Unread, Warning};
pub use schemas::{LogLine, Reports};

/// Display names of setting definitions and of their options (`itemId`s), from `_refs/`.
#[derive(Debug, Default, Clone)]
pub struct Names {
    names: BTreeMap<String, String>,
}

impl Names {
    /// Path of the names file below a tenant folder (the layout's reference file of setting
    /// definitions, `crate::store::layout::refs_file`; a test keeps them equal).
    pub const FILE: &'static str = "_refs/settingDefinitions.yaml";

    /// The other `_refs/` files, whose names views show beside the ids documents refer to
    /// (reusable settings in settings values, apps, categories, roles, groups …); read beside
    /// [`Names::FILE`] into the same table (their ids never meet a definition id).
    pub fn reference_files() -> Vec<String> {
        let dir = Names::FILE.rsplit_once('/').map_or("", |(d, _)| d);
        catalog::RefKind::ALL
            .iter()
            .filter(|k| **k != catalog::RefKind::SettingDefinitions)
            .map(|k| format!("{dir}/{}.yaml", k.file_stem()))
            .collect()
    }

    /// Adds the names a `_refs/` file holds; one that does not parse adds none.
    pub fn merge_yaml(&mut self, bytes: Option<Vec<u8>>, file: &str) {
        if let Some(more) =
            bytes.and_then(|b| Names::from_yaml(&String::from_utf8_lossy(&b), file).ok())
        {
            self.merge(more);
        }
    }

    /// Reads `_refs/settingDefinitions.yaml`; an unreadable file gives no names (ids are shown).
    pub fn from_yaml(text: &str, file: &str) -> Result<Names, crate::normalize::yaml::YamlError> {
        let entries: Vec<RefEntry> = crate::normalize::yaml::from_str(text, file)?;
        Ok(Names {
            names: entries
                .into_iter()
                .filter_map(|e| Some((e.id, e.name?)))
                .collect(),
        })
    }

    pub fn insert(&mut self, id: &str, name: &str) {
        self.names.insert(id.to_string(), name.to_string());
    }

    /// Adds names another table knows (this table's names win).
    pub fn merge(&mut self, other: Names) {
        for (id, name) in other.names {
            self.names.entry(id).or_insert(name);
        }
    }

    pub fn get(&self, id: &str) -> Option<&str> {
        self.names.get(id).map(String::as_str)
    }
}

/// Which part of a document a field belongs to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Section {
    /// Name and `@odata.type`.
    Metadata,
    /// Properties of `spec`.
    Properties,
    /// Settings catalog settings.
    Settings,
    /// Administrative template definition values.
    Definitions,
}

/// One readable line of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    pub section: Section,
    /// Stable identity of the field inside the document (definition ids, property paths); what
    /// comparisons match on.
    pub key: String,
    /// The field's full readable name (`Parent › Child`, `a.b.c`).
    pub label: String,
    /// The last part of the label, for indented views.
    pub leaf: String,
    /// Nesting depth (0 for top-level settings and properties).
    pub depth: usize,
    pub value: String,
    /// Bookkeeping a reader rarely needs (template references): compared and in JSON, left out of
    /// the text and markdown views of a whole document.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detail: bool,
}

impl Field {
    fn new(section: Section, key: String, path: &[String], value: String) -> Field {
        Field {
            section,
            key,
            label: path.join(" › "),
            leaf: path.last().cloned().unwrap_or_default(),
            depth: path.len().saturating_sub(1),
            value,
            detail: false,
        }
    }
}

/// One assignment as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentLine {
    /// Who is targeted (intent, target, group): what comparisons match on.
    pub key: String,
    /// The whole assignment in words.
    pub text: String,
}

/// A sidecar payload (script, profile) of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SidecarView {
    /// The document field the payload belongs to (`scriptContent`, …).
    pub field: String,
    pub file: String,
    /// Encoding, byte order mark and line endings, e.g. `UTF-8 with BOM, CRLF`.
    pub encoding: String,
    /// The payload as text; `None` when it is not text or the file is missing.
    pub text: Option<String>,
    pub bytes: usize,
    /// Set when the file is missing or does not match the document's sha256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// A document, readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct View {
    pub kind: String,
    /// The catalog title of the kind (the key itself for kinds the catalog does not know).
    pub kind_title: String,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub odata_type: Option<String>,
    /// Path of the document in the repository.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments: Option<Vec<AssignmentLine>>,
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<SidecarView>,
    /// Document paths of values Graph keeps secret (never shown, never stored).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}

/// Renders a document. `sidecars` maps each sidecar's file name to its bytes (`None`: missing).
/// Values that are ids of referenced objects shown as `name [id]`, the name from `_refs/`.
fn name_references(
    entry: &catalog::CatalogEntry,
    spec: &Value,
    names: &Names,
    fields: &mut [Field],
) {
    let mut ids = std::collections::BTreeSet::new();
    for r in entry.refs {
        crate::normalize::path::for_each(spec, r.path, &mut |v| match v {
            Value::String(id) => {
                ids.insert(id.clone());
            }
            Value::Array(items) => {
                ids.extend(items.iter().filter_map(Value::as_str).map(String::from))
            }
            _ => {}
        });
    }
    if ids.is_empty() {
        return;
    }
    let named = |id: &str| match names.get(id) {
        Some(n) if ids.contains(id) => format!("{n} [{id}]"),
        _ => id.to_string(),
    };
    for f in fields.iter_mut() {
        if ids.contains(&f.value) {
            f.value = named(&f.value);
        } else if f.value.split(", ").any(|part| ids.contains(part)) {
            f.value = f
                .value
                .split(", ")
                .map(named)
                .collect::<Vec<_>>()
                .join(", ");
        }
    }
}

pub fn view(
    doc: &Document,
    path: &str,
    sidecars: &BTreeMap<String, Option<Vec<u8>>>,
    names: &Names,
) -> View {
    let entry = catalog::get(&doc.kind);
    let shape = entry.map(|e| e.view).unwrap_or(ViewShape::Properties);
    let mut fields = vec![];
    let owned = match shape {
        ViewShape::Properties => None,
        ViewShape::SettingsCatalog(field) => {
            fields.extend(settings::fields(doc.spec.get(field), names));
            Some(field)
        }
        ViewShape::AdministrativeTemplate(field) => {
            fields.extend(admx::fields(doc.spec.get(field)));
            Some(field)
        }
    };
    let mut props = properties::fields(&doc.spec, owned);
    if let Some(e) = entry {
        name_references(e, &doc.spec, names, &mut props);
    }
    props.append(&mut fields);
    let sidecars = doc
        .sidecars
        .iter()
        .map(|(field, r)| {
            let bytes = sidecars.get(&r.file).cloned().flatten();
            sidecar::view(field, r, bytes.as_deref())
        })
        .collect();
    View {
        kind: doc.kind.clone(),
        kind_title: entry.map(|e| e.title).unwrap_or(&doc.kind).to_string(),
        id: doc.id.clone(),
        name: doc.name.clone(),
        odata_type: doc.odata_type.clone(),
        path: path.to_string(),
        scope_tags: doc.scope_tags.clone(),
        assignments: doc.assignments.as_ref().map(|a| assign::lines(a)),
        fields: props,
        sidecars,
        secrets: doc.secrets.clone(),
    }
}

/// Output formats of the readable views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

/// Short, single-line form of a value for inline display.
pub(crate) fn scalar(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "(not set)".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => "\"\"".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "(none)".into(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(_) => crate::normalize::canonical::to_text(v),
    }
}

#[cfg(test)]
mod tests;
