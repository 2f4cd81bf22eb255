//! Reference resolution: tenant-specific ids of groups, filters, scope tags, apps, notification
//! templates and named locations — and the settings catalog definitions a tenant uses — mapped to names.
//!
//! Documents keep ids (restore needs them) and show names beside them where the format has room
//! (assignments, scope tags). The `_refs/<kind>.yaml` files record id ↔ name for every referenced
//! object, so a reader, a renderer or a restore into another tenant can map by name without Graph.

use super::path;
pub use super::reftable::{RefEntry, RefTable, is_placeholder};
use crate::catalog::{CatalogEntry, RefKind};
use serde_json::Value;

/// Records every id a raw Graph object refers to.
pub fn collect(entry: &CatalogEntry, object: &Value, table: &mut RefTable) {
    for field in entry.refs {
        let kind = field.kind;
        let mut mark = |id: &str| {
            if !kind.is_keyword(id) {
                table.mark_used(kind, id);
            }
        };
        path::for_each(object, field.path, &mut |v| match v {
            Value::String(id) => mark(id),
            Value::Array(ids) => ids.iter().filter_map(Value::as_str).for_each(&mut mark),
            _ => {}
        });
    }
    if let Some(definitions) = entry.definitions {
        super::definitions::harvest(definitions, object, table);
    }
    if let Some(prop) = entry.scope_tags.property() {
        for id in object
            .get(prop)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = id.as_str() {
                table.mark_used(RefKind::ScopeTags, id);
            }
        }
    }
    if entry.assignments.is_some() {
        for a in object
            .get("assignments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let target = &a["target"];
            if let Some(g) = target.get("groupId").and_then(Value::as_str) {
                table.mark_used(RefKind::Groups, g);
            }
            if let Some(f) = super::assignments::filter_id(target) {
                table.mark_used(RefKind::AssignmentFilters, f);
            }
        }
    }
}
