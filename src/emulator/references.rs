//! Reference data and built-in objects, for round-trip and cross-tenant restore tests: clearing a
//! tenant down to what a restore cannot or need not create, and copying a tenant's reference data
//! into a second tenant with new ids and the same names: ids are tenant-specific
//! (docs/graph-notes.md, "Assignments"), built-in ADMX ids are stable across tenants
//! (docs/graph-notes.md, "Administrative templates"), every tenant has default enrollment
//! configurations (docs/graph-notes.md, "Enrollment configurations") and scope tag "0"
//! (docs/graph-notes.md, "Scope tags"), and reference data restores first (docs/graph-notes.md,
//! "Restore order").
//!
//! Choices (no source says, UNVERIFIED):
//! - Microsoft-published remediations (`isGlobalScript: true`, docs/graph-notes.md, "Scripts")
//!   count as built in: kept by a clear, like scope tag "0" and the `<tenant>_Default*` /
//!   `_WindowsRestore` configurations.
//! - A copied tenant also holds the default enrollment configurations (every tenant has them),
//!   re-keyed to the new tenant id, unassigned.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::behaviour::{self, BuiltIn, Coll};
use super::faults::mix;
use super::seed::{ClientSeed, TenantInfo, TenantSeed};
use super::state::{Tenant, inline_definitions};

/// The built-in scope tag every tenant has (docs/graph-notes.md, "Scope tags"), as Graph serves it.
fn default_scope_tag() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.roleScopeTag",
        "id": "0",
        "displayName": "Default",
        "description": "",
        "isBuiltIn": true,
        "assignments": [],
    })
}

impl Tenant {
    /// Gives a tenant seeded without them the objects every tenant has: scope tag "0". Objects
    /// served from a real tenant's answers name it in `roleScopeTagIds` without carrying it.
    pub(crate) fn add_missing_built_ins(&mut self) {
        if let Some(tags) = behaviour::find(|c| c.built_in == BuiltIn::ScopeTag) {
            let store = self.store_mut(tags);
            if store.get("0").is_none() {
                store.insert("0".to_string(), default_scope_tag());
            }
        }
    }

    /// Removes every object except reference data and built-in objects; returns
    /// `{"removed": n, "kept": n, "removedByCollection": {path: n}}`.
    pub(crate) fn clear(&mut self) -> Value {
        let mut by_coll = BTreeMap::new();
        let (mut removed, mut kept) = (0usize, 0usize);
        for coll in behaviour::COLLECTIONS {
            let store = self.store_mut(coll);
            if coll.reference_data {
                kept += store.order.len();
                continue;
            }
            let doomed: Vec<String> = store
                .values()
                .filter(|o| !coll.is_built_in(o))
                .filter_map(|o| o["id"].as_str().map(str::to_string))
                .collect();
            for id in &doomed {
                store.remove(id);
            }
            kept += store.order.len();
            removed += doomed.len();
            if !doomed.is_empty() {
                by_coll.insert(coll.path, doomed.len());
            }
        }
        tracing::debug!(tenant = %self.id, removed, kept, "tenant cleared");
        json!({"removed": removed, "kept": kept, "removedByCollection": by_coll})
    }
}

/// A GUID-shaped id derived from `salt` and `old`.
fn new_guid(salt: u64, old: &str) -> String {
    let h = old
        .bytes()
        .fold(mix(salt ^ 0x5EED_C0DE), |h, b| mix(h ^ u64::from(b)));
    let lo = mix(h ^ 0xA5A5_A5A5);
    let bytes: Vec<u8> = h
        .to_be_bytes()
        .into_iter()
        .chain(lo.to_be_bytes())
        .collect();
    let mut arr = [0u8; 16];
    arr.copy_from_slice(&bytes);
    uuid::Builder::from_random_bytes(arr)
        .into_uuid()
        .to_string()
}

fn is_guid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::parse_str(s).is_ok()
}

/// Keys whose values are scope tag ids (numeric, so only replaced here, never as substrings).
const SCOPE_TAG_KEYS: &[&str] = &["roleScopeTagIds", "roleScopeTags"];

/// Rewrites references: GUIDs anywhere (also inside composite ids like `{policy}_{group}`), other
/// ids where a whole string matches, numeric scope tag ids only under [`SCOPE_TAG_KEYS`].
fn remap(v: &mut Value, ids: &HashMap<String, String>, tags: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(n) = ids.get(s.as_str()) {
                *s = n.clone();
                return;
            }
            if s.len() >= 36 {
                for (old, new) in ids.iter().filter(|(o, _)| is_guid(o)) {
                    if s.contains(old.as_str()) {
                        *s = s.replace(old.as_str(), new);
                    }
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| remap(c, ids, tags)),
        Value::Object(m) => {
            for (k, c) in m.iter_mut() {
                if SCOPE_TAG_KEYS.contains(&k.as_str()) {
                    for t in c.as_array_mut().into_iter().flatten() {
                        if let Some(n) = t.as_str().and_then(|s| tags.get(s)) {
                            *t = json!(n);
                        }
                    }
                } else {
                    remap(c, ids, tags);
                }
            }
        }
        _ => {}
    }
}

impl TenantSeed {
    /// A second tenant `tenant_id` holding only this tenant's reference data (groups, mobile
    /// apps, setting and group-policy definitions) and the reference-like objects restore maps by
    /// name (assignment filters, scope tags, notification templates, named locations), with new
    /// ids derived from `salt` and the same names. GUIDs stay GUID-shaped and numeric scope tag ids
    /// numeric; scope tag "0", built-in ADMX and setting definition ids are unchanged; references
    /// between copied objects follow the new ids. Default enrollment configurations are re-keyed
    /// to `tenant_id`. One client, `client_id` / `client_secret`, with every permission.
    pub fn references_copy(
        &self,
        tenant_id: &str,
        client_id: &str,
        client_secret: &str,
        salt: u64,
    ) -> TenantSeed {
        let mut picked: Vec<(&'static Coll, Value)> = Vec::new();
        let mut standalone_defs: Vec<String> = Vec::new();
        for (coll, obj) in &self.objects {
            if behaviour::find(|c| c.definitions == Some(coll.path)).is_some() {
                standalone_defs.extend(obj["id"].as_str().map(str::to_string));
            }
        }
        for (coll, obj) in &self.objects {
            if coll.reference_data || coll.mapped_by_name || coll.singleton {
                picked.push((coll, obj.clone()));
            } else if let Some(defs) = coll.definitions.and_then(behaviour::by_path) {
                for d in inline_definitions(obj) {
                    let id = d["id"].as_str().unwrap_or_default().to_string();
                    if !standalone_defs.contains(&id) {
                        standalone_defs.push(id);
                        picked.push((defs, d));
                    }
                }
            } else if coll.is_default_enrollment(obj["id"].as_str().unwrap_or_default()) {
                picked.push((coll, obj.clone()));
            }
        }
        let (mut ids, mut tags) = (HashMap::new(), HashMap::new());
        let mut next_tag = 100 + salt % 900;
        for (coll, obj) in &picked {
            let Some(old) = obj["id"].as_str() else {
                continue;
            };
            // Built-in objects (Microsoft's authentication strengths and directory roles) have the
            // same id everywhere.
            if coll.stable_ids
                || matches!(coll.built_in, BuiltIn::Strength | BuiltIn::Role)
                    && coll.is_built_in(obj)
            {
                continue;
            }
            if coll.is_default_enrollment(old) {
                let suffix = old.rfind('_').map_or("", |i| &old[i..]);
                ids.insert(old.to_string(), format!("{tenant_id}{suffix}"));
                continue;
            }
            if coll.numeric_id {
                if !coll.is_built_in(obj) {
                    tags.insert(old.to_string(), next_tag.to_string());
                    ids.insert(old.to_string(), next_tag.to_string());
                    next_tag += 1;
                }
                continue;
            }
            ids.insert(old.to_string(), new_guid(salt, old));
            for m in obj["localizedNotificationMessages"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let Some(mid) = m["id"].as_str() {
                    ids.insert(mid.to_string(), new_guid(salt, mid));
                }
            }
        }
        let objects = picked
            .into_iter()
            .map(|(coll, mut obj)| {
                if let Some(n) = obj["id"].as_str().and_then(|o| ids.get(o)) {
                    obj["id"] = json!(n);
                }
                if coll.is_default_enrollment(obj["id"].as_str().unwrap_or_default()) {
                    obj["assignments"] = json!([]);
                }
                remap(&mut obj, &ids, &tags);
                (coll, obj)
            })
            .collect();
        let info = TenantInfo {
            tenant_id: tenant_id.to_string(),
            display_name: format!("{} (references)", self.info.display_name),
            clients: vec![ClientSeed {
                client_id: client_id.to_string(),
                client_secret: Some(client_secret.to_string()),
                certificates: vec![],
                roles: None,
            }],
        };
        TenantSeed::new(info, objects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_deterministic_and_guid_shaped() {
        let a = new_guid(1, "x");
        assert!(is_guid(&a));
        assert_eq!(a, new_guid(1, "x"));
        assert_ne!(a, new_guid(2, "x"));
        assert_ne!(a, new_guid(1, "y"));
    }

    #[test]
    fn remap_rules() {
        let g = "11111111-1111-4111-8111-111111111111".to_string();
        let ids = HashMap::from([
            (g.clone(), "N".to_string()),
            ("loc".to_string(), "L".to_string()),
        ]);
        let tags = HashMap::from([("1".to_string(), "101".to_string())]);
        let mut v = json!({"a": g, "b": format!("p_{g}"), "c": "loc", "d": "my loc", "n": "1",
            "roleScopeTagIds": ["0", "1"], "roleScopeTags": ["1"]});
        remap(&mut v, &ids, &tags);
        assert_eq!(
            v,
            json!({"a": "N", "b": "p_N", "c": "L", "d": "my loc", "n": "1",
                "roleScopeTagIds": ["0", "101"], "roleScopeTags": ["101"]})
        );
    }

    #[test]
    fn inline_definitions_collect_presentations() {
        let cfg = json!({"definitionValues": [
            {"definition": {"id": "D"}, "presentationValues": [{"presentation": {"id": "P1"}}]},
            {"definition": {"id": "D"}, "presentationValues": [{"presentation": {"id": "P2"}}, {"presentation": {"id": "P1"}}]},
            {"definition": {"displayName": "no id"}}]});
        let defs = inline_definitions(&cfg);
        assert_eq!(defs.len(), 1);
        assert_eq!(
            defs[0]["presentations"],
            json!([{"id": "P1"}, {"id": "P2"}])
        );
    }
}
