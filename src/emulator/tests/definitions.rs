//! End-to-end tests of setting definitions: the `configurationSettings` collection and
//! `settings?$expand=settingDefinitions` on settings catalog and compliance policies.

use serde_json::{Value, json};

use super::fixture::{TENANT, boot_seeds, tenant_json};
use crate::emulator::*;

const DEFS: &str = "beta/deviceManagement/configurationSettings";

fn choice_def(id: &str, name: &str) -> Value {
    json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition",
        "id": id, "displayName": name,
        "options": [{"itemId": format!("{id}_0"), "displayName": "Disabled"}, {"itemId": format!("{id}_1"), "displayName": "Enabled"}]})
}

fn seed() -> TenantSeed {
    let nested = json!({"id": "0", "settingInstance": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
        "settingDefinitionId": "top", "choiceSettingValue": {"value": "top_1", "children": [
            {"@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
             "settingDefinitionId": "grp", "groupSettingCollectionValue": [{"children": [
                {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                 "settingDefinitionId": "leaf", "simpleSettingValue": {"value": 3}},
                {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                 "settingDefinitionId": "unknown", "simpleSettingValue": {"value": 4}}]}]}]}}});
    let mut settings = vec![nested];
    for i in 1..30 {
        settings.push(json!({"id": i.to_string(), "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": format!("c{i}"), "choiceSettingValue": {"value": format!("c{i}_1"), "children": []}}}));
    }
    let mut files: Vec<(String, String)> = vec![
        ("tenant.json".into(), tenant_json(TENANT, &[])),
        ("beta/deviceManagement/configurationPolicies/p.json".into(),
         json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy", "id": "cp-1", "name": "P",
                "platforms": "windows10", "technologies": "mdm", "assignments": [], "settings": settings}).to_string()),
        ("beta/deviceManagement/compliancePolicies/c.json".into(),
         json!({"@odata.type": "#microsoft.graph.deviceManagementCompliancePolicy", "id": "comp-1", "name": "C",
                "platforms": "linux", "technologies": "linuxMdm", "assignments": [], "scheduledActionsForRule": [],
                "settings": [{"id": "0", "settingInstance": {"settingDefinitionId": "top", "choiceSettingValue": {"value": "top_0", "children": []}}}]}).to_string()),
        (format!("{DEFS}/top.json"), choice_def("top", "Top setting").to_string()),
        (format!("{DEFS}/grp.json"), json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSettingGroupCollectionDefinition",
            "id": "grp", "displayName": "Group", "childIds": ["leaf", "unknown"]}).to_string()),
        (format!("{DEFS}/leaf.json"), json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingDefinition",
            "id": "leaf", "displayName": "Leaf"}).to_string()),
    ];
    for i in 1..30 {
        files.push((
            format!("{DEFS}/c{i}.json"),
            choice_def(&format!("c{i}"), &format!("Choice {i}")).to_string(),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_bytes()))
        .collect();
    TenantSeed::from_files(refs).expect("seed loads")
}

fn def_ids(item: &Value) -> Vec<&str> {
    item["settingDefinitions"]
        .as_array()
        .expect("settingDefinitions attached")
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect()
}

#[tokio::test]
async fn expand_attaches_the_definitions_of_each_setting_tree() {
    let env = boot_seeds(EmulatorConfig::default(), vec![seed()]).await;
    let base = "/beta/deviceManagement/configurationPolicies/cp-1/settings";
    let (items, pages) = env
        .get_all(&format!("{base}?$expand=settingDefinitions"))
        .await;
    assert_eq!(
        (items.len(), pages),
        (30, 2),
        "paged at 25 as without the expand"
    );
    let first = items.iter().find(|i| i["id"] == "0").unwrap();
    // Every definition of the tree, parents first, unknown ids left out.
    assert_eq!(def_ids(first), vec!["top", "grp", "leaf"]);
    assert_eq!(
        first["settingDefinitions"][0]["options"][1]["displayName"],
        "Enabled"
    );
    for it in items.iter().filter(|i| i["id"] != "0") {
        let id = it["settingInstance"]["settingDefinitionId"]
            .as_str()
            .unwrap();
        assert_eq!(def_ids(it), vec![id], "second page items are expanded too");
    }
    // Without the expand there is no such property.
    let (plain, _) = env.get_all(base).await;
    assert!(plain.iter().all(|i| i.get("settingDefinitions").is_none()));
    // $top asks for one page; the expand survives into nextLinks.
    let (s, b) = env
        .get(&format!("{base}?$expand=settingDefinitions&$top=10"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["value"].as_array().unwrap().len(), 10);
    let (s, b) = env.get(b["@odata.nextLink"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    assert!(
        b["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("settingDefinitions").is_some())
    );
    // Compliance v2 settings take the same expand.
    let (items, _) = env
        .get_all(
            "/beta/deviceManagement/compliancePolicies/comp-1/settings?$expand=settingDefinitions",
        )
        .await;
    assert_eq!(def_ids(&items[0]), vec!["top"]);
    // Another navigation is not a property of a setting.
    let (s, b) = env.get(&format!("{base}?$expand=assignments")).await;
    assert_eq!(s, 400, "{b}");
    env.h.shutdown().await;
}

#[tokio::test]
async fn definitions_collection_lists_and_gets_by_id() {
    let env = boot_seeds(EmulatorConfig::default(), vec![seed()]).await;
    let (items, _) = env
        .get_all("/beta/deviceManagement/configurationSettings")
        .await;
    assert_eq!(items.len(), 32);
    let (s, b) = env
        .get("/beta/deviceManagement/configurationSettings/top")
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["displayName"], "Top setting");
    let (s, _) = env
        .get("/beta/deviceManagement/configurationSettings/nope")
        .await;
    assert_eq!(s, 404);
    let (s, _) = env
        .call(
            reqwest::Method::POST,
            "/beta/deviceManagement/configurationSettings",
            Some(json!({"id": "x"})),
        )
        .await;
    assert!(s >= 400, "read-only collection: {s}");
    env.h.shutdown().await;
}
