//! End-to-end tests of bound actions (assign, autopilot assignments, updateDefinitionValues,
//! targetApps, notification messages, intents) and the dump → load round trip.

use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Env, TENANT, boot, boot_seeds, seed_with};
use crate::emulator::*;

const DC: &str = "/beta/deviceManagement/deviceConfigurations";

async fn send(env: &Env, m: Method, path: &str, body: Value) -> (u16, Value) {
    env.call(m, path, Some(body)).await
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
        400,
        "an unknown definition in a bind is a bad request"
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
