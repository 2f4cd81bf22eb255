//! End-to-end tests of writes: success codes per verb and collection, server-set read-only
//! fields, `@odata.type` rules, secrets, actions, and the dump → load round trip.

use reqwest::Method;
use serde_json::{Value, json};

use super::tests_api::{Env, TENANT, boot, boot_seeds, seed_with};
use super::*;

const DC: &str = "/beta/deviceManagement/deviceConfigurations";

async fn send(env: &Env, m: Method, path: &str, body: Value) -> (u16, Value) {
    env.call(m, path, Some(body)).await
}

#[tokio::test]
async fn create_update_delete_device_configuration() {
    let env = boot(EmulatorConfig::default()).await;
    let (s, b) = send(&env, Method::POST, DC, json!({"displayName": "x"})).await;
    assert_eq!(s, 400);
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("@odata.type")
    );
    let (s, _) = send(
        &env,
        Method::POST,
        DC,
        json!({"@odata.type": "#microsoft.graph.windows10CompliancePolicy", "displayName": "x"}),
    )
    .await;
    assert_eq!(s, 400, "a compliance type is not a device configuration");
    let body = json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": "New", "id": "client-id", "version": 42,
        "createdDateTime": "2000-01-01T00:00:00Z", "supportsScopeTags": false, "assignments@odata.context": "x"});
    let (s, b) = send(&env, Method::POST, DC, body).await;
    assert_eq!(s, 201);
    let id = b["id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(b["version"], 1);
    assert_ne!(b["createdDateTime"], "2000-01-01T00:00:00Z");
    assert!(b.get("supportsScopeTags").is_none() && b.get("assignments").is_none());
    assert_eq!(b["roleScopeTagIds"], json!(["0"]));
    let created = b["lastModifiedDateTime"].clone();
    let (s, b) = send(
        &env,
        Method::PATCH,
        &format!("{DC}/{id}"),
        json!({"displayName": "Renamed", "version": 99}),
    )
    .await;
    assert_eq!((s, b), (204, Value::Null));
    let (_, b) = env.get(&format!("{DC}/{id}")).await;
    assert_eq!(
        (b["displayName"].as_str(), b["version"].as_i64()),
        (Some("Renamed"), Some(2))
    );
    assert_ne!(b["lastModifiedDateTime"], created);
    assert_eq!(
        send(
            &env,
            Method::PATCH,
            &format!("{DC}/{id}"),
            json!({"assignments": []})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        send(
            &env,
            Method::PATCH,
            &format!("{DC}/{id}"),
            json!({"@odata.type": "#microsoft.graph.iosGeneralDeviceConfiguration"})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        env.call(Method::DELETE, &format!("{DC}/{id}"), None)
            .await
            .0,
        200
    );
    assert_eq!(env.get(&format!("{DC}/{id}")).await.0, 404);
    env.h.shutdown().await;
}

#[tokio::test]
async fn success_codes_per_collection() {
    let env = boot(EmulatorConfig::default()).await;
    // Scripts: PATCH 200 + object; health scripts get a string version.
    let (s, b) = send(
        &env,
        Method::PATCH,
        "/beta/deviceManagement/deviceManagementScripts/ps-1",
        json!({"description": "d"}),
    )
    .await;
    assert_eq!((s, b["description"].as_str()), (200, Some("d")));
    let (s, b) = send(
        &env,
        Method::POST,
        "/beta/deviceManagement/deviceHealthScripts",
        json!({"displayName": "R", "detectionScriptContent": "eA=="}),
    )
    .await;
    assert_eq!(
        (s, b["version"].as_str(), b["isGlobalScript"].as_bool()),
        (201, Some("1"), Some(false))
    );
    let hid = b["id"].as_str().unwrap().to_string();
    let (s, b) = send(
        &env,
        Method::PATCH,
        &format!("/beta/deviceManagement/deviceHealthScripts/{hid}"),
        json!({"displayName": "R2"}),
    )
    .await;
    assert_eq!((s, b["version"].as_str()), (200, Some("2")));
    // ADMX delete 204; CA patch/delete 204; named locations need @odata.type on PATCH.
    assert_eq!(
        env.call(
            Method::DELETE,
            "/beta/deviceManagement/groupPolicyConfigurations/gp-1",
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        send(
            &env,
            Method::PATCH,
            "/v1.0/identity/conditionalAccess/policies/ca-1",
            json!({"state": "enabled"})
        )
        .await
        .0,
        204
    );
    let (_, b) = env
        .get("/v1.0/identity/conditionalAccess/policies/ca-1")
        .await;
    assert!(b["modifiedDateTime"].is_string() && b["state"] == "enabled");
    assert_eq!(
        send(
            &env,
            Method::PATCH,
            "/v1.0/identity/conditionalAccess/namedLocations/nl-1",
            json!({"isTrusted": false})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        send(
            &env,
            Method::PATCH,
            "/v1.0/identity/conditionalAccess/namedLocations/nl-1",
            json!({"@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": false})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        send(
            &env,
            Method::POST,
            "/v1.0/identity/conditionalAccess/namedLocations",
            json!({"displayName": "n"})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        env.call(
            Method::DELETE,
            "/v1.0/identity/conditionalAccess/policies/ca-1",
            None
        )
        .await
        .0,
        204
    );
    // Scope tags: numeric ids, PATCH 200.
    let (s, b) = send(
        &env,
        Method::POST,
        "/beta/deviceManagement/roleScopeTags",
        json!({"displayName": "Paris", "isBuiltIn": true}),
    )
    .await;
    assert_eq!(
        (s, b["id"].as_str(), b["isBuiltIn"].as_bool()),
        (201, Some("2"), Some(false))
    );
    assert_eq!(
        send(
            &env,
            Method::PATCH,
            "/beta/deviceManagement/roleScopeTags/2",
            json!({"description": "x"})
        )
        .await
        .0,
        200
    );
    // Enrollment: defaults cannot be deleted/assigned; setPriority.
    let default =
        format!("/beta/deviceManagement/deviceEnrollmentConfigurations/{TENANT}_DefaultLimit");
    assert_eq!(env.call(Method::DELETE, &default, None).await.0, 400);
    assert_eq!(
        send(
            &env,
            Method::POST,
            &format!("{default}/assign"),
            json!({"enrollmentConfigurationAssignments": []})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        send(&env, Method::PATCH, &default, json!({"limit": 10}))
            .await
            .0,
        200
    );
    assert_eq!(
        send(
            &env,
            Method::POST,
            "/beta/deviceManagement/deviceEnrollmentConfigurations/esp-1/setPriority",
            json!({"priority": 3})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        env.get("/beta/deviceManagement/deviceEnrollmentConfigurations/esp-1")
            .await
            .1["priority"],
        3
    );
    // Reference data is read-only.
    assert_eq!(
        send(
            &env,
            Method::POST,
            "/beta/deviceManagement/groupPolicyDefinitions",
            json!({"displayName": "x"})
        )
        .await
        .0,
        400
    );
    env.h.shutdown().await;
}

#[tokio::test]
async fn settings_catalog_put_patch_and_compliance() {
    let env = boot(EmulatorConfig::default()).await;
    let cp = "/beta/deviceManagement/configurationPolicies";
    let setting = json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting", "settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance", "settingDefinitionId": "a", "choiceSettingValue": {"value": "a_1", "children": []}}});
    let (s, b) = send(&env, Method::POST, cp, json!({"name": "Edge", "platforms": "windows10", "technologies": "mdm", "settings": [setting.clone(), setting.clone()]})).await;
    assert_eq!(s, 201);
    assert_eq!(b["settingCount"], 2);
    let id = b["id"].as_str().unwrap().to_string();
    let (s, b) = send(
        &env,
        Method::PATCH,
        &format!("{cp}/{id}"),
        json!({"settings": []}),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        b["error"]["message"],
        "Cannot apply PATCH to navigation property 'settings' on entity type 'microsoft.graph.deviceManagementConfigurationPolicy'."
    );
    assert_eq!(
        send(
            &env,
            Method::PATCH,
            &format!("{cp}/{id}"),
            json!({"description": "meta"})
        )
        .await
        .0,
        204
    );
    let (s, b) = send(&env, Method::PUT, &format!("{cp}/{id}"), json!({"name": "Edge 2", "platforms": "windows10", "technologies": "mdm", "settings": [setting]})).await;
    assert_eq!((s, b), (204, Value::Null));
    let (_, b) = env.get(&format!("{cp}/{id}?$expand=settings")).await;
    assert_eq!(
        (b["name"].as_str(), b["settings"].as_array().map(Vec::len)),
        (Some("Edge 2"), Some(1))
    );
    assert_eq!(b["settings"][0]["id"], "0");
    assert_eq!(
        send(
            &env,
            Method::PUT,
            &format!("{cp}/missing"),
            json!({"name": "x"})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        send(
            &env,
            Method::PUT,
            &format!("{DC}/dc-01"),
            json!({"displayName": "x"})
        )
        .await
        .0,
        400
    );
    // Compliance: exactly one block action on create.
    let comp = "/beta/deviceManagement/deviceCompliancePolicies";
    let ty = "#microsoft.graph.windows10CompliancePolicy";
    let (s, b) = send(&env, Method::POST, comp, json!({"@odata.type": ty, "displayName": "C", "scheduledActionsForRule": [{"ruleName": "x", "scheduledActionConfigurations": [{"actionType": "notification"}]}]})).await;
    assert_eq!(s, 400);
    assert_eq!(
        b["error"]["message"],
        "Compliance policy must have one and only one block scheduled action"
    );
    let rules = json!([{"ruleName": "PasswordRequired", "scheduledActionConfigurations": [{"actionType": "block", "gracePeriodHours": 0}, {"actionType": "notification", "gracePeriodHours": 24}]}]);
    let (s, b) = send(
        &env,
        Method::POST,
        comp,
        json!({"@odata.type": ty, "displayName": "C", "scheduledActionsForRule": rules}),
    )
    .await;
    assert_eq!((s, b["version"].as_i64()), (201, Some(1)));
    let cid = b["id"].as_str().unwrap().to_string();
    let new_rules = json!({"deviceComplianceScheduledActionForRules": [{"ruleName": "PasswordRequired", "scheduledActionConfigurations": [{"actionType": "block", "gracePeriodHours": 12}]}]});
    assert_eq!(
        send(
            &env,
            Method::POST,
            &format!("{comp}/{cid}/scheduleActionsForRules"),
            new_rules
        )
        .await
        .0,
        204
    );
    let (_, b) = env
        .get(&format!(
            "{comp}/{cid}?$expand=scheduledActionsForRule($expand=scheduledActionConfigurations)"
        ))
        .await;
    assert_eq!(
        b["scheduledActionsForRule"][0]["scheduledActionConfigurations"][0]["gracePeriodHours"],
        12
    );
    env.h.shutdown().await;
}

#[tokio::test]
async fn encrypted_oma_and_secret_settings() {
    let env = boot(EmulatorConfig::default()).await;
    let (_, b) = env.get(&format!("{DC}/oma-1")).await;
    let s0 = b["omaSettings"][0].clone();
    assert_eq!(
        (s0["value"].as_str(), s0["isEncrypted"].as_bool()),
        (Some("****"), Some(true))
    );
    let reference = s0["secretReferenceValueId"].as_str().unwrap().to_string();
    assert_eq!(b["omaSettings"][1]["value"], 4);
    let (_, again) = env.get(&format!("{DC}/oma-1")).await;
    assert_eq!(
        again["omaSettings"][0]["secretReferenceValueId"],
        reference.as_str()
    );
    let (s, b) = env
        .get(&format!(
            "{DC}/oma-1/getOmaSettingPlainTextValue(secretReferenceValueId='{reference}')"
        ))
        .await;
    assert_eq!((s, b["value"].as_str()), (200, Some("oma-plain-secret")));
    assert_eq!(
        env.get(&format!(
            "{DC}/oma-1/getOmaSettingPlainTextValue(secretReferenceValueId='nope')"
        ))
        .await
        .0,
        404
    );
    // PATCH echoing the masked value keeps the secret; the version moves.
    let (s, _) = send(&env, Method::PATCH, &format!("{DC}/oma-1"), json!({"omaSettings": [s0, {"@odata.type": "#microsoft.graph.omaSettingString", "omaUri": "./z", "value": "new-secret", "isEncrypted": true}]})).await;
    assert_eq!(s, 204);
    let (_, b) = env.get(&format!("{DC}/oma-1")).await;
    assert_eq!(b["version"], 4);
    let r2 = b["omaSettings"][1]["secretReferenceValueId"]
        .as_str()
        .unwrap()
        .to_string();
    let plain = |r: String| {
        let env = &env;
        async move {
            env.get(&format!(
                "{DC}/oma-1/getOmaSettingPlainTextValue(secretReferenceValueId='{r}')"
            ))
            .await
            .1["value"]
                .clone()
        }
    };
    assert_eq!(plain(reference).await, "oma-plain-secret");
    assert_eq!(plain(r2).await, "new-secret");
    // Settings catalog secrets: a stable opaque token; echoing it keeps the secret.
    let cp = "/beta/deviceManagement/configurationPolicies/cp-secret";
    let value = |b: &Value| b["settings"][0]["settingInstance"]["simpleSettingValue"].clone();
    let (_, b1) = env.get(&format!("{cp}?$expand=settings")).await;
    let (_, b2) = env.get(&format!("{cp}/settings")).await;
    let v1 = value(&b1);
    assert_eq!(v1["valueState"], "encryptedValueToken");
    assert_ne!(v1["value"], "catalog-plain-secret");
    assert_eq!(
        b2["value"][0]["settingInstance"]["simpleSettingValue"]["value"],
        v1["value"]
    );
    assert!(!b1.to_string().contains("catalog-plain-secret"));
    let put = |settings: Value| json!({"name": "Secret", "platforms": "windows10", "technologies": "mdm", "settings": settings});
    assert_eq!(
        send(&env, Method::PUT, cp, put(b1["settings"].clone()))
            .await
            .0,
        204
    );
    let (_, b3) = env.get(&format!("{cp}?$expand=settings")).await;
    assert_eq!(value(&b3)["value"], v1["value"], "token kept");
    let dir = tempfile::tempdir().unwrap();
    env.h.dump(dir.path()).unwrap();
    let dumped = std::fs::read_to_string(
        dir.path()
            .join("beta/deviceManagement/configurationPolicies/cp-secret.json"),
    )
    .unwrap();
    assert!(dumped.contains("catalog-plain-secret") && dumped.contains("notEncrypted"));
    // Writing plaintext replaces the secret (new token); an unknown token is refused.
    let mut fresh = b1["settings"].clone();
    fresh[0]["settingInstance"]["simpleSettingValue"] = json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue", "value": "rotated", "valueState": "notEncrypted"});
    assert_eq!(send(&env, Method::PUT, cp, put(fresh.clone())).await.0, 204);
    let (_, b4) = env.get(&format!("{cp}?$expand=settings")).await;
    assert_ne!(value(&b4)["value"], v1["value"]);
    fresh[0]["settingInstance"]["simpleSettingValue"] = json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue", "value": "made-up", "valueState": "encryptedValueToken"});
    assert_eq!(send(&env, Method::PUT, cp, put(fresh)).await.0, 400);
    env.h.shutdown().await;
}

#[tokio::test]
async fn assign_and_item_actions() {
    let env = boot(EmulatorConfig::default()).await;
    let target = json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g3", "deviceAndAppManagementAssignmentFilterId": "f", "deviceAndAppManagementAssignmentFilterType": "include"}});
    let (s, b) = send(&env, Method::POST, &format!("{DC}/dc-01/assign"), json!({"assignments": [target.clone(), {"target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}]})).await;
    assert_eq!(s, 200);
    assert_eq!(b["value"][0]["id"], "dc-01_g3");
    let (_, b) = env.get(&format!("{DC}/dc-01/assignments")).await;
    assert_eq!(b["value"].as_array().unwrap().len(), 2, "replace-all");
    assert_eq!(
        send(
            &env,
            Method::POST,
            &format!("{DC}/dc-01/assign"),
            json!({"assignments": []})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        env.get(&format!("{DC}/dc-01/assignments")).await.1["value"],
        json!([])
    );
    // Scripts: their own body key and 204.
    let ps = "/beta/deviceManagement/deviceManagementScripts/ps-1/assign";
    assert_eq!(
        send(
            &env,
            Method::POST,
            ps,
            json!({"assignments": [target.clone()]})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        send(
            &env,
            Method::POST,
            ps,
            json!({"deviceManagementScriptAssignments": [target.clone()]})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        send(
            &env,
            Method::POST,
            "/beta/deviceManagement/deviceShellScripts/sh-1/assign",
            json!({"deviceManagementScriptAssignments": []})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        send(
            &env,
            Method::POST,
            "/beta/deviceManagement/roleScopeTags/1/assign",
            json!({"assignments": [target.clone()]})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        send(
            &env,
            Method::POST,
            "/beta/deviceManagement/assignmentFilters/x/assign",
            json!({})
        )
        .await
        .0,
        404
    );
    // Autopilot: group assignments one by one; assign = devices.
    let ap = "/beta/deviceManagement/windowsAutopilotDeploymentProfiles/ap-1";
    let (s, b) = send(
        &env,
        Method::POST,
        &format!("{ap}/assignments"),
        target.clone(),
    )
    .await;
    assert_eq!((s, b["source"].as_str()), (201, Some("direct")));
    let aid = b["id"].as_str().unwrap().to_string();
    assert_eq!(
        env.get(&format!("{ap}/assignments")).await.1["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        env.call(Method::DELETE, &format!("{ap}/assignments/{aid}"), None)
            .await
            .0,
        200
    );
    assert_eq!(
        send(
            &env,
            Method::POST,
            &format!("{ap}/assign"),
            json!({"deviceIds": ["d1"]})
        )
        .await
        .0,
        204
    );
    // ADMX updateDefinitionValues with binds.
    let gp = "/beta/deviceManagement/groupPolicyConfigurations/gp-1";
    let base = "https://graph.microsoft.com/beta/deviceManagement";
    let body = json!({"added": [{"enabled": true, "definition@odata.bind": format!("{base}/groupPolicyDefinitions('def-2')"),
            "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": "proxy:8080", "presentation@odata.bind": format!("{base}/groupPolicyDefinitions('def-2')/presentations('pres-2')")}]}],
        "updated": [{"id": "dv-1", "enabled": false, "definition@odata.bind": format!("{base}/groupPolicyDefinitions('def-1')")}], "deletedIds": []});
    assert_eq!(
        send(
            &env,
            Method::POST,
            &format!("{gp}/updateDefinitionValues"),
            body
        )
        .await
        .0,
        204
    );
    let (_, b) = env
        .get(&format!(
            "{gp}/definitionValues?$expand=definition,presentationValues($expand=presentation)"
        ))
        .await;
    let dvs = b["value"].as_array().unwrap();
    assert_eq!(dvs.len(), 2);
    assert_eq!(dvs[0]["enabled"], false);
    assert_eq!(dvs[0]["presentationValues"][0]["value"], "contoso.com");
    assert_eq!(
        dvs[1]["presentationValues"][0]["presentation"]["id"],
        "pres-2"
    );
    let bad = json!({"added": [{"enabled": true, "definition@odata.bind": format!("{base}/groupPolicyDefinitions('nope')")}]});
    assert_eq!(
        send(
            &env,
            Method::POST,
            &format!("{gp}/updateDefinitionValues"),
            bad
        )
        .await
        .0,
        404
    );
    let dv2 = dvs[1]["id"].as_str().unwrap();
    assert_eq!(
        send(
            &env,
            Method::POST,
            &format!("{gp}/updateDefinitionValues"),
            json!({"deletedIds": [dv2]})
        )
        .await
        .0,
        204
    );
    // MAM targetApps (typed and through the view), notification messages, intents.
    let apps = json!({"apps": [{"mobileAppIdentifier": {"@odata.type": "#microsoft.graph.androidMobileAppIdentifier", "packageId": "com.a"}}], "appGroupType": "selectedPublicApps"});
    assert_eq!(
        send(
            &env,
            Method::POST,
            "/beta/deviceAppManagement/iosManagedAppProtections/mam-1/targetApps",
            apps.clone()
        )
        .await
        .0,
        204
    );
    assert_eq!(
        send(
            &env,
            Method::POST,
            "/beta/deviceAppManagement/managedAppPolicies/tac-1/targetApps",
            apps
        )
        .await
        .0,
        204
    );
    assert_eq!(
        env.get("/beta/deviceAppManagement/targetedManagedAppConfigurations/tac-1/apps")
            .await
            .1["value"][0]["id"],
        "com.a.android"
    );
    let nt =
        "/beta/deviceManagement/notificationMessageTemplates/nt-1/localizedNotificationMessages";
    let (s, b) = send(
        &env,
        Method::POST,
        nt,
        json!({"locale": "de-de", "subject": "S", "messageTemplate": "M"}),
    )
    .await;
    assert_eq!(s, 201);
    let mid = b["id"].as_str().unwrap().to_string();
    assert_eq!(
        send(
            &env,
            Method::PATCH,
            &format!("{nt}/{mid}"),
            json!({"subject": "Neu"})
        )
        .await
        .0,
        204
    );
    assert_eq!(env.get(&format!("{nt}/{mid}")).await.1["subject"], "Neu");
    let (s, b) = send(&env, Method::POST, "/beta/deviceManagement/templates/tpl-1/createInstance", json!({"displayName": "Legacy", "settingsDelta": [{"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance", "definitionId": "d1", "valueJson": "true"}]})).await;
    assert_eq!((s, b["templateId"].as_str()), (200, Some("tpl-1")));
    let iid = b["id"].as_str().unwrap().to_string();
    let upd = json!({"settings": [{"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance", "definitionId": "d1", "valueJson": "false"}]});
    assert_eq!(
        send(
            &env,
            Method::POST,
            &format!("/beta/deviceManagement/intents/{iid}/updateSettings"),
            upd
        )
        .await
        .0,
        204
    );
    let (_, b) = env
        .get(&format!("/beta/deviceManagement/intents/{iid}/settings"))
        .await;
    assert_eq!(
        (
            b["value"].as_array().map(Vec::len),
            b["value"][0]["valueJson"].as_str()
        ),
        (Some(1), Some("false"))
    );
    env.h.shutdown().await;
}

#[tokio::test]
async fn dump_load_round_trip() {
    let env = boot(EmulatorConfig::default()).await;
    let (_, b) = send(
        &env,
        Method::POST,
        "/beta/deviceManagement/roleScopeTags",
        json!({"displayName": "Created"}),
    )
    .await;
    let new_id = b["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    env.h.dump(dir.path()).unwrap();
    let paths = [
        "/beta/deviceManagement/deviceConfigurations/oma-1?$expand=assignments",
        "/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues?$expand=definition,presentationValues($expand=presentation)",
        "/beta/deviceManagement/configurationPolicies/cp-big?$expand=settings",
        "/v1.0/identity/conditionalAccess/namedLocations/nl-1",
    ];
    let mut before = Vec::new();
    for p in paths {
        before.push(env.get(p).await.1);
    }
    let base1 = env.h.base_url();
    env.h.shutdown().await;
    let seed = TenantSeed::load_dir(dir.path()).unwrap();
    assert_eq!(seed.tenant_id(), TENANT);
    let env2 = boot_seeds(EmulatorConfig::default(), vec![seed]).await;
    assert_eq!(
        env2.get(&format!("/beta/deviceManagement/roleScopeTags/{new_id}"))
            .await
            .1["displayName"],
        "Created"
    );
    for (p, b) in paths.iter().zip(before) {
        let mut a = env2.get(p).await.1;
        let mut b = b;
        for v in [&mut a, &mut b] {
            let s = v
                .to_string()
                .replace(&base1, "BASE")
                .replace(&env2.h.base_url(), "BASE");
            *v = serde_json::from_str(&s).unwrap();
        }
        assert_eq!(a, b, "{p}");
    }
    let r = env2
        .get("/beta/deviceManagement/deviceConfigurations/oma-1")
        .await
        .1["omaSettings"][0]["secretReferenceValueId"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, plain) = env2
        .get(&format!(
            "{DC}/oma-1/getOmaSettingPlainTextValue(secretReferenceValueId='{r}')"
        ))
        .await;
    assert_eq!(plain["value"], "oma-plain-secret");
    env2.h.shutdown().await;
    // Two tenants dump into one folder each; a generated tenant loads back.
    let other = "66666666-7777-8888-9999-000000000000";
    let gen_seed = TenantSeed::generate(200, 5);
    let gen_id = gen_seed.tenant_id().to_string();
    let env3 = boot_seeds(
        EmulatorConfig::default(),
        vec![seed_with(TENANT, &[]), seed_with(other, &[]), gen_seed],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    env3.h.dump(dir.path()).unwrap();
    env3.h.shutdown().await;
    assert!(dir.path().join(TENANT).join("tenant.json").is_file());
    assert!(dir.path().join(other).join("v1.0/groups").is_dir());
    let back = TenantSeed::load_dir(&dir.path().join(&gen_id)).unwrap();
    assert!(back.objects.len() >= 200);
    assert_eq!(back.tenant_id(), gen_id);
}
