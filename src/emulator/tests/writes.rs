//! End-to-end tests of writes: success codes per verb and collection, server-set read-only
//! fields, `@odata.type` rules, secrets, actions, and the dump → load round trip.

use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Env, TENANT, boot};
use crate::emulator::*;

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
    assert_eq!(s, 400, "PATCH of a polymorphic profile needs @odata.type");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("@odata.type")
    );
    let (s, b) = send(
        &env,
        Method::PATCH,
        &format!("{DC}/{id}"),
        json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": "Renamed", "version": 99}),
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
        (
            s,
            b["version"].as_str(),
            b["isGlobalScript"].as_bool(),
            b["deviceHealthScriptType"].as_str()
        ),
        (201, Some("1"), Some(false), Some("deviceHealthScript"))
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
    let (s, _) = send(&env, Method::PATCH, &format!("{DC}/oma-1"), json!({"@odata.type": "#microsoft.graph.windows10CustomConfiguration", "omaSettings": [s0, {"@odata.type": "#microsoft.graph.omaSettingString", "omaUri": "./z", "value": "new-secret", "isEncrypted": true}]})).await;
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

// ---------------------------------------------------------------------------------------------
// Write variations (`vary.rs`): the shapes a Graph client must accept around writes.

fn varied(names: &[&str]) -> EmulatorConfig {
    EmulatorConfig::varied(names, 1).unwrap()
}

const CP: &str = "/beta/deviceManagement/configurationPolicies";
const TAGS: &str = "/beta/deviceManagement/roleScopeTags";
const PS: &str = "/beta/deviceManagement/deviceManagementScripts";

#[tokio::test]
async fn patch_200_answers_patch_and_put_with_the_updated_object() {
    let env = boot(varied(&["patch-200"])).await;
    let ty = "#microsoft.graph.windows10GeneralConfiguration";
    // deviceConfigurations answer 204 by default.
    let (s, b) = send(
        &env,
        Method::PATCH,
        &format!("{DC}/dc-01"),
        json!({"@odata.type": ty, "displayName": "Renamed"}),
    )
    .await;
    assert_eq!((s, b["id"].as_str()), (200, Some("dc-01")), "{b}");
    assert_eq!(
        (b["displayName"].as_str(), b["version"].as_i64()),
        (Some("Renamed"), Some(2))
    );
    assert!(b.get("assignments").is_none(), "navigations stay out: {b}");
    let (s, b) = send(
        &env,
        Method::PUT,
        &format!("{CP}/cp-big"),
        json!({"name": "Big 2", "platforms": "windows10", "technologies": "mdm", "settings": []}),
    )
    .await;
    assert_eq!(
        (s, b["name"].as_str(), b["settingCount"].as_i64()),
        (200, Some("Big 2"), Some(0)),
        "{b}"
    );
}

#[tokio::test]
async fn patch_204_answers_patch_and_put_without_a_body() {
    let env = boot(varied(&["patch-204"])).await;
    // Scope tags answer 200 with the object by default.
    let (s, b) = send(
        &env,
        Method::PATCH,
        &format!("{TAGS}/1"),
        json!({"displayName": "Berlin 2"}),
    )
    .await;
    assert_eq!((s, b), (204, Value::Null));
    assert_eq!(
        env.get(&format!("{TAGS}/1")).await.1["displayName"],
        "Berlin 2"
    );
    let (s, b) = send(
        &env,
        Method::PUT,
        &format!("{CP}/cp-big"),
        json!({"name": "Big 2", "platforms": "windows10", "technologies": "mdm", "settings": []}),
    )
    .await;
    assert_eq!((s, b), (204, Value::Null));
}

#[tokio::test]
async fn partial_create_body_answers_the_id_and_scalars_only() {
    let env = boot(varied(&["partial-create-body"])).await;
    let ty = "#microsoft.graph.windows10GeneralConfiguration";
    let (s, b) = send(&env, Method::POST, DC, json!({"@odata.type": ty, "displayName": "New", "description": "d", "passwordRequired": true})).await;
    assert_eq!(s, 201);
    let id = b["id"].as_str().unwrap().to_string();
    let mut keys: Vec<&String> = b.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        vec!["@odata.context", "description", "displayName", "id"],
        "{b}"
    );
    // The object itself is complete.
    let (_, full) = env.get(&format!("{DC}/{id}?$expand=assignments")).await;
    assert_eq!(
        (
            full["@odata.type"].as_str(),
            full["passwordRequired"].as_bool()
        ),
        (Some(ty), Some(true))
    );
    assert!(
        full["createdDateTime"].is_string() && full["assignments"].is_array(),
        "{full}"
    );
}

#[tokio::test]
async fn unknown_properties_are_served_everywhere_and_accepted_back() {
    let env = boot(varied(&["unknown-properties"])).await;
    let (_, cp) = env.get(&format!("{CP}/cp-big?$expand=settings")).await;
    let (_, dc) = env.get(&format!("{DC}/dc-01?$expand=assignments")).await;
    let places = [
        &cp,
        &cp["settings"][0]["settingInstance"],
        &dc["assignments"][0],
        &dc["assignments"][0]["target"],
    ];
    for p in places {
        assert_eq!(p["contosoFutureFlag"], true, "{p}");
        assert_eq!(
            p["futureOptions"],
            json!({"futureMode": "strict", "futureLevel": 3})
        );
        assert_eq!(p["futureList"], json!(["alpha", "beta"]));
    }
    // Sent back with other values, they are stored; left out of a create, they get defaults.
    let ty = "#microsoft.graph.windows10GeneralConfiguration";
    let (s, _) = send(
        &env,
        Method::PATCH,
        &format!("{DC}/dc-01"),
        json!({"@odata.type": ty, "contosoFutureFlag": false, "futureList": ["x"]}),
    )
    .await;
    assert_eq!(s, 204);
    let (_, dc) = env.get(&format!("{DC}/dc-01")).await;
    assert_eq!(
        (dc["contosoFutureFlag"].as_bool(), dc["futureList"].clone()),
        (Some(false), json!(["x"]))
    );
    let (s, b) = send(
        &env,
        Method::POST,
        DC,
        json!({"@odata.type": ty, "displayName": "New"}),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        (
            b["contosoFutureFlag"].clone(),
            b["futureOptions"].clone(),
            b["futureList"].clone()
        ),
        (json!(false), json!({}), json!([]))
    );
    // The rules for what Graph refuses or ignores still hold: navigations refused on PATCH,
    // read-only fields dropped.
    let (s, _) = send(
        &env,
        Method::PATCH,
        &format!("{DC}/dc-01"),
        json!({"@odata.type": ty, "futureList": [], "assignments": []}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, b) = send(
        &env,
        Method::POST,
        DC,
        json!({"@odata.type": ty, "displayName": "Old", "futureList": ["y"], "createdDateTime": "2000-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!((s, b["futureList"].clone()), (201, json!(["y"])));
    assert_ne!(b["createdDateTime"], "2000-01-01T00:00:00Z");
    // Reference data is not touched.
    let (_, g) = env.get("/v1.0/groups/g1").await;
    assert!(g.get("contosoFutureFlag").is_none(), "{g}");
}

#[tokio::test]
async fn a_removed_property_is_not_served_and_refused_on_write() {
    let env = boot(varied(&["removed-property"])).await;
    let ty = "#microsoft.graph.deviceManagementScript";
    let refused = "The property 'runAs32Bit' does not exist on type 'microsoft.graph.deviceManagementScript'. Make sure to only use property names that are defined by the type or mark the type as open type.";
    let (s, b) = send(&env, Method::POST, PS, json!({"@odata.type": ty, "displayName": "x", "scriptContent": "V3JpdGU=", "runAs32Bit": true})).await;
    assert_eq!(
        (
            s,
            b["error"]["code"].as_str(),
            b["error"]["message"].as_str()
        ),
        (400, Some("RequestBodyRead"), Some(refused))
    );
    let (s, _) = send(
        &env,
        Method::PATCH,
        &format!("{PS}/ps-1"),
        json!({"runAs32Bit": false}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = send(
        &env,
        Method::PATCH,
        &format!("{PS}/ps-1"),
        json!({"description": "d"}),
    )
    .await;
    assert!(s < 300, "{s}");
    // Another type keeps the property name free.
    let (s, _) = send(
        &env,
        Method::PATCH,
        &format!("{TAGS}/1"),
        json!({"runAs32Bit": false}),
    )
    .await;
    assert_eq!(s, 200);
    // Stored values of the property are no longer served.
    let cfg = varied(&["removed-property"]);
    let mut v = json!({"@odata.type": ty, "id": "p", "runAs32Bit": true, "runAsAccount": "system"});
    evolution::hide_removed(&cfg, &mut v);
    assert_eq!(
        v,
        json!({"@odata.type": ty, "id": "p", "runAsAccount": "system"})
    );
}

/// A PUT that changes a policy's platform or template is unverified in Graph: accepted by
/// default, refused under `fixed-properties-refused`; a PUT that keeps them passes either way.
#[tokio::test]
async fn fixed_policy_properties_change_by_default_and_are_refused_under_the_knob() {
    let put = |platforms: &str| json!({"name": "Big 2", "platforms": platforms, "technologies": "mdm", "settings": []});
    let env = boot(EmulatorConfig::default()).await;
    let (s, _) = send(&env, Method::PUT, &format!("{CP}/cp-big"), put("macOS")).await;
    assert_eq!(s, 204);
    assert_eq!(
        env.get(&format!("{CP}/cp-big")).await.1["platforms"],
        "macOS"
    );

    let env = boot(varied(&["fixed-properties-refused"])).await;
    let (s, b) = send(&env, Method::PUT, &format!("{CP}/cp-big"), put("macOS")).await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be changed"),
        "{b}"
    );
    assert_eq!(
        env.get(&format!("{CP}/cp-big")).await.1["platforms"],
        "windows10"
    );
    let (s, _) = send(&env, Method::PUT, &format!("{CP}/cp-big"), put("windows10")).await;
    assert_eq!(s, 204);
}
