//! Comparing two readable views of one object, field by field.
//!
//! Fields are matched by their stable key (definition ids, property paths), never by position, so a
//! reordered list or an inserted setting changes only the lines it touches. Assignments match by who
//! they target, scope tags as a set, sidecars by their bytes.

use super::sidecar::{self, SidecarChange};
use super::{Field, Section, View};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use crate::store::objects::ChangeKind;

/// One changed line of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub section: Section,
    pub key: String,
    pub label: String,
    /// `None`: the field is new.
    pub old: Option<String>,
    /// `None`: the field is gone.
    pub new: Option<String>,
}

/// One changed assignment or scope tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LineChange {
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What changed in one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectChange {
    pub change: ChangeKind,
    pub kind: String,
    pub kind_title: String,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    pub fields: Vec<FieldChange>,
    pub assignments: Vec<LineChange>,
    pub scope_tags: Vec<LineChange>,
    pub sidecars: Vec<SidecarChange>,
}

impl ObjectChange {
    /// Nothing a reader would see changed (only the file moved, or nothing at all).
    pub fn is_empty(&self) -> bool {
        self.change == ChangeKind::Changed
            && self.fields.is_empty()
            && self.assignments.is_empty()
            && self.scope_tags.is_empty()
            && self.sidecars.is_empty()
    }
}

/// A problem with one document: it is skipped, the rest is still compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A type or object Graph did not return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Unread {
    /// Catalog key, or `_refs/<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.object {
            Some(o) => write!(f, "{} {o}: {}", self.kind, self.message),
            None => write!(f, "{}: {}", self.kind, self.message),
        }
    }
}

/// Counts per change kind.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Summary {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub renamed: usize,
}

impl Summary {
    /// Counts one object that changed so.
    pub fn add(&mut self, change: ChangeKind) {
        match change {
            ChangeKind::Added => self.added += 1,
            ChangeKind::Removed => self.removed += 1,
            ChangeKind::Changed => self.changed += 1,
            ChangeKind::Renamed => self.renamed += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.added + self.removed + self.changed + self.renamed
    }

    /// `2 changed, 1 added` — or `no changes`.
    pub fn sentence(&self) -> String {
        let parts: Vec<String> = [
            (self.changed, "changed"),
            (self.renamed, "renamed"),
            (self.added, "added"),
            (self.removed, "removed"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
        if parts.is_empty() {
            "no changes".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The changes between two versions of a set of documents (`diff`, `drift`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// `diff` or `drift`.
    pub command: String,
    /// The tenant, when the report covers one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// What the old side is (`HEAD (3c1cb1b0aa)`, a revision).
    pub from: String,
    /// What the new side is (`live tenant`, `work tree`, a revision).
    pub to: String,
    pub summary: Summary,
    pub objects: Vec<ObjectChange>,
    /// Documents that could not be read; each was skipped.
    pub warnings: Vec<Warning>,
    /// Types or objects that could not be read from Graph (`drift`): their drift is unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<Unread>,
    /// How many documents were parsed to build the report (both sides).
    pub documents_read: usize,
    /// Certificates and tokens of the new side that expire soon or have expired (`drift`); never
    /// part of the exit code (docs/ARCHITECTURE.md, "Expiry health").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<crate::health::Expiry>,
}

impl Report {
    pub fn new(command: &str, tenant: Option<String>, from: String, to: String) -> Report {
        Report {
            command: command.into(),
            tenant,
            from,
            to,
            summary: Summary::default(),
            objects: vec![],
            warnings: vec![],
            unread: vec![],
            documents_read: 0,
            health: vec![],
        }
    }

    /// Adds objects (dropping ones with no visible change) and recounts.
    pub fn extend(&mut self, objects: impl IntoIterator<Item = ObjectChange>) {
        self.objects
            .extend(objects.into_iter().filter(|o| !o.is_empty()));
        self.objects
            .sort_by(|a, b| (&a.kind, &a.path, &a.id).cmp(&(&b.kind, &b.path, &b.id)));
        let mut s = Summary::default();
        for o in &self.objects {
            s.add(o.change);
        }
        self.summary = s;
    }
}

/// Sidecar bytes of a view's side, by file name.
pub type SidecarBytes = BTreeMap<String, Option<Vec<u8>>>;

/// Compares two versions of an object; either side may be absent (added, removed).
pub fn compare(
    old: Option<(&View, &SidecarBytes)>,
    new: Option<(&View, &SidecarBytes)>,
) -> Option<ObjectChange> {
    let (base, _) = new.or(old)?;
    let change = match (old, new) {
        (None, Some(_)) => ChangeKind::Added,
        (Some(_), None) => ChangeKind::Removed,
        (Some((a, _)), Some((b, _))) if a.name != b.name => ChangeKind::Renamed,
        _ => ChangeKind::Changed,
    };
    let (ov, nv) = (old.map(|(v, _)| v), new.map(|(v, _)| v));
    let mut fields = vec![];
    let meta = |v: Option<&View>| -> Vec<Field> {
        v.map(|v| {
            vec![Field {
                section: Section::Metadata,
                key: "@odata.type".into(),
                label: "@odata.type".into(),
                leaf: "@odata.type".into(),
                depth: 0,
                value: v.odata_type.clone().unwrap_or_else(|| "(not set)".into()),
                detail: false,
            }]
        })
        .unwrap_or_default()
    };
    // The type of an added or removed object is in its header; only a changed type is a field.
    if ov.is_some() && nv.is_some() {
        fields.extend(field_changes(&meta(ov), &meta(nv)));
    }
    fields.extend(field_changes(
        ov.map(|v| v.fields.as_slice()).unwrap_or(&[]),
        nv.map(|v| v.fields.as_slice()).unwrap_or(&[]),
    ));
    let lines = |v: Option<&View>| -> Vec<(String, String)> {
        v.and_then(|v| v.assignments.as_ref())
            .map(|a| a.iter().map(|l| (l.key.clone(), l.text.clone())).collect())
            .unwrap_or_default()
    };
    let assignments = line_changes(&lines(ov), &lines(nv));
    let tags = |v: Option<&View>| -> Vec<(String, String)> {
        v.and_then(|v| v.scope_tags.as_ref())
            .map(|t| t.iter().map(|t| (t.clone(), t.clone())).collect())
            .unwrap_or_default()
    };
    let scope_tags = line_changes(&tags(ov), &tags(nv));
    let mut sidecars = vec![];
    let fields_of = |side: Option<(&View, &SidecarBytes)>| -> BTreeMap<String, (String, Vec<u8>)> {
        side.map(|(v, bytes)| {
            v.sidecars
                .iter()
                .map(|s| {
                    let b = bytes.get(&s.file).cloned().flatten().unwrap_or_default();
                    (s.field.clone(), (s.file.clone(), b))
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let (os, ns) = (fields_of(old), fields_of(new));
    let names: BTreeSet<&String> = os.keys().chain(ns.keys()).collect();
    for field in names {
        let a = os.get(field).map(|(f, b)| (f.as_str(), b.as_slice()));
        let b = ns.get(field).map(|(f, b)| (f.as_str(), b.as_slice()));
        if let Some(c) = sidecar::compare(field, a, b) {
            sidecars.push(c);
        }
    }
    Some(ObjectChange {
        change,
        kind: base.kind.clone(),
        kind_title: base.kind_title.clone(),
        id: base.id.clone(),
        name: base.name.clone(),
        old_name: match (ov, nv) {
            (Some(a), Some(b)) if a.name != b.name => Some(a.name.clone()),
            _ => None,
        },
        path: base.path.clone(),
        old_path: match (ov, nv) {
            (Some(a), Some(b)) if a.path != b.path => Some(a.path.clone()),
            _ => None,
        },
        fields,
        assignments,
        scope_tags,
        sidecars,
    })
}

/// Field keys made unique by occurrence (`key`, `key#2`, …), so duplicate keys still pair up.
fn keyed(fields: &[Field]) -> Vec<(String, &Field)> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    fields
        .iter()
        .map(|f| {
            let n = seen.entry(f.key.as_str()).or_default();
            *n += 1;
            let key = if *n == 1 {
                f.key.clone()
            } else {
                format!("{}#{n}", f.key)
            };
            (key, f)
        })
        .collect()
}

/// Changed fields in reading order: the new side's order, with removed fields where they stood.
fn field_changes(old: &[Field], new: &[Field]) -> Vec<FieldChange> {
    let (old, new) = (keyed(old), keyed(new));
    let old_by_key: BTreeMap<&str, &Field> = old.iter().map(|(k, f)| (k.as_str(), *f)).collect();
    let new_keys: BTreeSet<&str> = new.iter().map(|(k, _)| k.as_str()).collect();
    let mut out = vec![];
    let mut old_iter = old.iter().peekable();
    for (key, f) in &new {
        // Removed fields that came before this one in the old order.
        while let Some((ok, of)) = old_iter.peek() {
            if new_keys.contains(ok.as_str()) {
                if ok == key {
                    old_iter.next();
                }
                break;
            }
            out.push(FieldChange {
                section: of.section,
                key: of.key.clone(),
                label: of.label.clone(),
                old: Some(of.value.clone()),
                new: None,
            });
            old_iter.next();
        }
        match old_by_key.get(key.as_str()) {
            Some(of) if of.value == f.value => {}
            other => out.push(FieldChange {
                section: f.section,
                key: f.key.clone(),
                label: f.label.clone(),
                old: other.map(|of| of.value.clone()),
                new: Some(f.value.clone()),
            }),
        }
    }
    for (ok, of) in old_iter {
        if !new_keys.contains(ok.as_str()) {
            out.push(FieldChange {
                section: of.section,
                key: of.key.clone(),
                label: of.label.clone(),
                old: Some(of.value.clone()),
                new: None,
            });
        }
    }
    out
}

/// Changed lines of two keyed line sets: removed first, then changed and added, each in order.
fn line_changes(old: &[(String, String)], new: &[(String, String)]) -> Vec<LineChange> {
    let old_map: BTreeMap<&str, &str> = old.iter().map(|(k, t)| (k.as_str(), t.as_str())).collect();
    let new_map: BTreeMap<&str, &str> = new.iter().map(|(k, t)| (k.as_str(), t.as_str())).collect();
    let mut out: Vec<LineChange> = old
        .iter()
        .filter(|(k, _)| !new_map.contains_key(k.as_str()))
        .map(|(_, t)| LineChange {
            old: Some(t.clone()),
            new: None,
        })
        .collect();
    for (k, t) in new {
        match old_map.get(k.as_str()) {
            Some(o) if o == t => {}
            o => out.push(LineChange {
                old: o.map(|s| s.to_string()),
                new: Some(t.clone()),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, value: &str) -> Field {
        Field {
            section: Section::Properties,
            key: key.into(),
            label: key.into(),
            leaf: key.into(),
            depth: 0,
            value: value.into(),
            detail: false,
        }
    }

    fn render(changes: &[FieldChange]) -> Vec<String> {
        changes
            .iter()
            .map(|c| format!("{} {:?} → {:?}", c.key, c.old, c.new))
            .collect()
    }

    #[test]
    fn fields_match_by_key_and_keep_reading_order() {
        let old = [
            field("a", "1"),
            field("b", "2"),
            field("c", "3"),
            field("d", "4"),
        ];
        let new = [
            field("a", "1"),
            field("c", "30"),
            field("e", "5"),
            field("d", "4"),
        ];
        assert_eq!(
            render(&field_changes(&old, &new)),
            [
                "b Some(\"2\") → None",
                "c Some(\"3\") → Some(\"30\")",
                "e None → Some(\"5\")",
            ]
        );
    }

    #[test]
    fn a_moved_field_with_the_same_value_is_no_change() {
        let old = [field("a", "1"), field("b", "2")];
        let new = [field("b", "2"), field("a", "1")];
        assert!(field_changes(&old, &new).is_empty());
    }

    #[test]
    fn duplicate_keys_pair_by_occurrence() {
        let old = [field("a", "1"), field("a", "2")];
        let new = [field("a", "1"), field("a", "3")];
        assert_eq!(
            render(&field_changes(&old, &new)),
            ["a Some(\"2\") → Some(\"3\")"]
        );
    }

    #[test]
    fn lines_pair_by_key() {
        let old = [
            ("g1".to_string(), "include A".to_string()),
            ("g2".into(), "include B".into()),
        ];
        let new = [
            ("g1".to_string(), "include A, filter F".to_string()),
            ("g3".into(), "exclude C".into()),
        ];
        let got: Vec<String> = line_changes(&old, &new)
            .iter()
            .map(|c| format!("{:?} → {:?}", c.old, c.new))
            .collect();
        assert_eq!(
            got,
            [
                "Some(\"include B\") → None",
                "Some(\"include A\") → Some(\"include A, filter F\")",
                "None → Some(\"exclude C\")",
            ]
        );
    }
}
