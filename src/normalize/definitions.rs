//! Names of settings catalog definitions, harvested from what a backup fetched.
//!
//! Graph returns each setting item with the definitions of its setting tree when asked
//! (`settings?$expand=settingDefinitions`, docs/graph-notes.md, "Reading settings catalog
//! policies"). Before those definitions are stripped from the document, their display names and the
//! labels of their options go into the [`RefTable`] under [`RefKind::SettingDefinitions`], so
//! `_refs/settingDefinitions.yaml` lets renderers show `Setting name = Option label` without Graph.
//! Definition ids and option `itemId`s are globally unique strings, so one flat id → name table
//! holds both. Only what the object's instances reference is marked used — setting ids and chosen
//! options at any depth — so the file stays small and stable.

use super::path;
use super::reftable::RefTable;
use crate::catalog::RefKind;
use serde_json::Value;

/// Records the definitions and option labels an object's settings use. `definitions` is the
/// catalog's path to the definitions arrays (e.g. `settings[].settingDefinitions`); the instances
/// referencing them are the rest of the same item.
pub fn harvest(definitions: &str, object: &Value, table: &mut RefTable) {
    let (items, field) = match definitions.rsplit_once('.') {
        Some((parent, field)) => (Some(parent), field),
        None => (None, definitions),
    };
    let mut visit = |item: &Value| {
        let Some(map) = item.as_object() else { return };
        for def in map
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            record_names(def, table);
        }
        let mut used = vec![];
        for (k, v) in map {
            if k != field {
                referenced(v, &mut used);
            }
        }
        for id in used {
            table.mark_used(RefKind::SettingDefinitions, id);
        }
    };
    match items {
        Some(parent) => path::for_each(object, parent, &mut visit),
        None => visit(object),
    }
}

/// A definition's `id` → `displayName`, and each option's `itemId` → `displayName`.
fn record_names(def: &Value, table: &mut RefTable) {
    let kind = RefKind::SettingDefinitions;
    if let (Some(id), Some(name)) = (def["id"].as_str(), def["displayName"].as_str()) {
        table.insert(kind, id, name);
    }
    for option in def["options"].as_array().into_iter().flatten() {
        if let (Some(id), Some(name)) = (option["itemId"].as_str(), option["displayName"].as_str())
        {
            table.insert(kind, id, name);
        }
    }
}

/// Ids an instance tree refers to: every `settingDefinitionId`, and the option chosen in every
/// choice value (`choiceSettingValue.value`, each of `choiceSettingCollectionValue[].value`).
fn referenced<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(id)) = m.get("settingDefinitionId") {
                out.push(id);
            }
            if let Some(Value::String(option)) = m.get("choiceSettingValue").map(|c| &c["value"]) {
                out.push(option);
            }
            for c in m
                .get("choiceSettingCollectionValue")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(option) = c["value"].as_str() {
                    out.push(option);
                }
            }
            m.values().for_each(|x| referenced(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| referenced(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PATH: &str = "settings[].settingDefinitions";
    const K: RefKind = RefKind::SettingDefinitions;

    fn choice(id: &str, options: &[(&str, &str)]) -> Value {
        json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition",
            "id": id, "displayName": format!("Name of {id}"),
            "options": options.iter().map(|(i, n)| json!({"itemId": i, "displayName": n, "optionValue": {}})).collect::<Vec<_>>()})
    }

    fn used(t: &RefTable) -> Vec<(String, Option<String>)> {
        let files = t.files().unwrap();
        let Some((_, text)) = files
            .iter()
            .find(|(k, _)| *k == RefKind::SettingDefinitions)
        else {
            return vec![];
        };
        let entries: Vec<super::super::refs::RefEntry> =
            super::super::yaml::from_str(&String::from_utf8_lossy(text), "t").unwrap();
        entries.into_iter().map(|e| (e.id, e.name)).collect()
    }

    #[test]
    fn nested_children_and_chosen_options_only() {
        let object = json!({"settings": [{
            "id": "0",
            "settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": "top", "choiceSettingValue": {"value": "top_1", "children": [
                    {"settingDefinitionId": "grp", "groupSettingCollectionValue": [{"children": [
                        {"settingDefinitionId": "leaf", "choiceSettingValue": {"value": "leaf_b", "children": []}},
                        {"settingDefinitionId": "multi", "choiceSettingCollectionValue": [{"value": "multi_x", "children": []}]}]}]}]}},
            "settingDefinitions": [
                choice("top", &[("top_0", "Disabled"), ("top_1", "Enabled")]),
                {"id": "grp", "displayName": "Group"},
                choice("leaf", &[("leaf_a", "A"), ("leaf_b", "B")]),
                choice("multi", &[("multi_x", "X"), ("multi_y", "Y")]),
                {"id": "unused", "displayName": "Not referenced"}]
        }]});
        let mut t = RefTable::default();
        harvest(PATH, &object, &mut t);
        let n = |id: &str| Some(id.to_string());
        assert_eq!(
            used(&t),
            vec![
                ("grp".into(), n("Group")),
                ("leaf".into(), n("Name of leaf")),
                ("leaf_b".into(), n("B")),
                ("multi".into(), n("Name of multi")),
                ("multi_x".into(), n("X")),
                ("top".into(), n("Name of top")),
                ("top_1".into(), n("Enabled")),
            ]
        );
        // Names of options not chosen are known (a renderer may look them up) but not written.
        assert_eq!(t.name(K, "top_0"), Some("Disabled"));
        assert_eq!(t.name(K, "unused"), Some("Not referenced"));
    }

    #[test]
    fn unknown_ids_are_kept_without_a_name() {
        let object = json!({"settings": [
            {"settingInstance": {"settingDefinitionId": "known", "simpleSettingValue": {"value": "known_1"}},
             "settingDefinitions": [{"id": "known", "displayName": "Known"}]},
            {"settingInstance": {"settingDefinitionId": "mystery", "choiceSettingValue": {"value": "mystery_1"}}}]});
        let mut t = RefTable::default();
        harvest(PATH, &object, &mut t);
        // A simple value is data, not an option id: `known_1` is not recorded.
        assert_eq!(
            used(&t),
            vec![
                ("known".into(), Some("Known".into())),
                ("mystery".into(), None),
                ("mystery_1".into(), None),
            ]
        );
        assert_eq!(t.unresolved(K), vec!["mystery", "mystery_1"]);
    }

    #[test]
    fn objects_without_settings_record_nothing() {
        let mut t = RefTable::default();
        harvest(PATH, &json!({"name": "empty"}), &mut t);
        harvest(PATH, &json!({"settings": []}), &mut t);
        assert!(t.files().unwrap().is_empty());
    }
}
