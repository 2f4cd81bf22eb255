//! Settings catalog definitions as Graph attaches them: `GET …/{policy}/settings?$expand=settingDefinitions`
//! gives each setting item a `settingDefinitions` array with the definition of every setting in its
//! instance tree (docs/graph-notes.md, "Reading settings catalog policies"). The definitions come
//! from the tenant's `configurationSettings` collection; ids the collection does not know are left
//! out, as Graph leaves out what it cannot expand.

use serde_json::Value;

use super::behaviour::{self, SETTING_DEFINITIONS, SETTING_DEFINITIONS_NAV};
use super::error::GraphError;
use super::query::Expand;
use super::state::Tenant;

/// The `$expand` items a `settings` navigation accepts; anything else is Graph's 400.
pub(crate) fn check_settings_expand(expand: &[Expand]) -> Result<(), GraphError> {
    match expand
        .iter()
        .find(|e| !e.name.eq_ignore_ascii_case(SETTING_DEFINITIONS_NAV))
    {
        None => Ok(()),
        Some(e) => Err(GraphError::bad_request(format!(
            "Could not find a property named '{}' on type 'microsoft.graph.deviceManagementConfigurationSetting'.",
            e.name
        ))),
    }
}

/// Attaches `settingDefinitions` to one setting item: the known definitions of every
/// `settingDefinitionId` in its instance tree, in first-seen order, each once.
pub(crate) fn attach(t: &Tenant, item: &mut Value) {
    let Some(coll) = behaviour::by_path(SETTING_DEFINITIONS) else {
        return;
    };
    let store = t.store(coll);
    let mut ids: Vec<String> = vec![];
    if let Some(instance) = item.get("settingInstance") {
        definition_ids(instance, &mut ids);
    }
    let defs: Vec<Value> = ids.iter().filter_map(|id| store.get(id).cloned()).collect();
    if let Some(m) = item.as_object_mut() {
        m.insert(SETTING_DEFINITIONS_NAV.into(), Value::Array(defs));
    }
}

/// Every `settingDefinitionId` below `v`, at any depth (children of choices, groups, collections).
fn definition_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(id)) = m.get("settingDefinitionId")
                && !out.contains(id)
            {
                out.push(id.clone());
            }
            m.values().for_each(|x| definition_ids(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| definition_ids(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::query::parse_expand;
    use serde_json::json;

    #[test]
    fn ids_at_any_depth_once_in_order() {
        let instance = json!({"settingDefinitionId": "a", "choiceSettingValue": {"value": "a_1", "children": [
            {"settingDefinitionId": "b", "groupSettingCollectionValue": [
                {"children": [{"settingDefinitionId": "c"}, {"settingDefinitionId": "b"}]}]}]}});
        let mut ids = vec![];
        definition_ids(&instance, &mut ids);
        assert_eq!(ids, vec!["a", "b", "c"]);
    }

    #[test]
    fn only_setting_definitions_expand() {
        assert!(check_settings_expand(&parse_expand("settingDefinitions").unwrap()).is_ok());
        assert!(check_settings_expand(&[]).is_ok());
        let err = check_settings_expand(&parse_expand("settingDefinitions,assignments").unwrap())
            .unwrap_err();
        assert_eq!(err.status, 400);
    }
}
