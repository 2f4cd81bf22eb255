//! The id ↔ name table of referenced objects and its `_refs/<kind>.yaml` files (see `refs`). A leaf
//! of `normalize`: `assignments` and `definitions` fill it, and `refs` collects a raw object's ids
//! through them, so the table cannot live in `refs` without a circle.

use crate::catalog::RefKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One line of a `_refs/` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RefEntry {
    pub id: String,
    /// `None` when the referenced object no longer exists in the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Known names per reference kind, and which ids the tenant's documents use.
#[derive(Debug, Default, Clone)]
pub struct RefTable {
    names: BTreeMap<RefKind, BTreeMap<String, String>>,
    used: BTreeMap<RefKind, BTreeSet<String>>,
}

impl RefTable {
    pub fn insert(&mut self, kind: RefKind, id: &str, name: &str) {
        self.names
            .entry(kind)
            .or_default()
            .insert(id.to_string(), name.to_string());
    }

    pub fn name(&self, kind: RefKind, id: &str) -> Option<&str> {
        self.names.get(&kind)?.get(id).map(String::as_str)
    }

    /// The id of the one object of `kind` called `name`; `None` when there is none or several.
    pub fn id_for_name(&self, kind: RefKind, name: &str) -> Option<&str> {
        let mut found = self
            .names
            .get(&kind)?
            .iter()
            .filter(|(_, n)| n.as_str() == name);
        let (id, _) = found.next()?;
        if found.next().is_some() {
            None
        } else {
            Some(id)
        }
    }

    pub fn mark_used(&mut self, kind: RefKind, id: &str) {
        if !is_placeholder(id) {
            self.used.entry(kind).or_default().insert(id.to_string());
        }
    }

    /// Every referenced id of a kind.
    pub fn used(&self, kind: RefKind) -> Vec<String> {
        self.used
            .get(&kind)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Referenced ids of a kind whose names are not known yet.
    pub fn unresolved(&self, kind: RefKind) -> Vec<String> {
        self.used
            .get(&kind)
            .map(|ids| {
                ids.iter()
                    .filter(|id| self.name(kind, id).is_none())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `_refs/<kind>.yaml` files (relative to the tenant folder) for every kind in use.
    pub fn files(&self) -> Result<Vec<(RefKind, Vec<u8>)>, super::yaml::YamlError> {
        let mut out = vec![];
        for (kind, ids) in &self.used {
            let entries: Vec<RefEntry> = ids
                .iter()
                .map(|id| RefEntry {
                    id: id.clone(),
                    name: self.name(*kind, id).map(str::to_string),
                })
                .collect();
            let body = super::yaml::to_string(&entries)?;
            let text = format!(
                "# {}: id → name of each one this tenant's documents refer to (no name: not found in the tenant)\n{body}",
                kind.file_stem()
            );
            out.push((*kind, text.into_bytes()));
        }
        Ok(out)
    }

    /// Adds a committed `_refs/` file: its ids count as used, its names fill what is not known live.
    pub fn merge_committed(
        &mut self,
        kind: RefKind,
        text: &str,
        file: &str,
    ) -> Result<(), super::yaml::YamlError> {
        let entries: Vec<RefEntry> = super::yaml::from_str(text, file)?;
        for e in entries {
            self.mark_used(kind, &e.id);
            if let Some(name) = &e.name
                && self.name(kind, &e.id).is_none()
            {
                self.insert(kind, &e.id, name);
            }
        }
        Ok(())
    }
}

/// Ids that mean "nothing" or a built-in keyword rather than an object.
pub fn is_placeholder(id: &str) -> bool {
    id.is_empty()
        || id == "00000000-0000-0000-0000-000000000000"
        || matches!(id, "All" | "AllTrusted" | "None" | "GuestsOrExternalUsers")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_files() {
        let mut t = RefTable::default();
        t.insert(RefKind::Groups, "g1", "All devices");
        t.insert(RefKind::Groups, "g2", "Dup");
        t.insert(RefKind::Groups, "g3", "Dup");
        t.mark_used(RefKind::Groups, "g1");
        t.mark_used(RefKind::Groups, "gone");
        t.mark_used(RefKind::Groups, "00000000-0000-0000-0000-000000000000");
        assert_eq!(t.id_for_name(RefKind::Groups, "All devices"), Some("g1"));
        assert_eq!(
            t.id_for_name(RefKind::Groups, "Dup"),
            None,
            "ambiguous names never resolve"
        );
        assert_eq!(t.unresolved(RefKind::Groups), vec!["gone".to_string()]);
        let files = t.files().unwrap();
        assert_eq!(files.len(), 1);
        let text = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(
            text.contains("- id: g1\n  name: All devices\n- id: gone\n"),
            "{text}"
        );
        let mut back = RefTable::default();
        back.merge_committed(RefKind::Groups, &text, "_refs/groups.yaml")
            .unwrap();
        assert_eq!(back.name(RefKind::Groups, "g1"), Some("All devices"));
    }
}
