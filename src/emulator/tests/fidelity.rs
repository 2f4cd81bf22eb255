//! End-to-end tests of the write rules restore depends on, one per rule of docs/graph-notes.md:
//! `@odata.type` on PATCH, missing-id answers, ADMX binds, enrollment fields, assignment
//! references, script bytes, built-in and immutable fields, per-target assignments.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Env, TENANT, boot, boot_demo};
use crate::emulator::*;

async fn send(env: &Env, m: Method, path: &str, body: Value) -> (u16, Value) {
    env.call(m, path, Some(body)).await
}

fn message(b: &Value) -> String {
    b["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// docs/graph-notes.md, "Compliance policies", "Read-only fields": compliance PATCH carries the
/// root `@odata.type`, never the actions.
#[tokio::test]
async fn compliance_patch_needs_type_and_create_needs_block() {
    let env = boot(EmulatorConfig::default()).await;
    let comp = "/beta/deviceManagement/deviceCompliancePolicies";
    let (s, b) = send(
        &env,
        Method::PATCH,
        &format!("{comp}/comp-1"),
        json!({"description": "d"}),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(message(&b).contains("@odata.type"));
    let ty = "#microsoft.graph.windows10CompliancePolicy";
    let ok = send(
        &env,
        Method::PATCH,
        &format!("{comp}/comp-1"),
        json!({"@odata.type": ty, "description": "d"}),
    )
    .await;
    assert_eq!(ok, (204, Value::Null));
    let (s, b) = send(
        &env,
        Method::POST,
        comp,
        json!({"@odata.type": ty, "displayName": "No actions"}),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        message(&b),
        "Compliance policy must have one and only one block scheduled action"
    );
    env.h.shutdown().await;
}

/// docs/graph-notes.md, "Reading settings catalog policies", "Writing settings catalog policies":
/// missing ids answer 400 ResourceNotFound; no PATCH route into settings.
#[tokio::test]
async fn configuration_policy_missing_ids_and_settings_routes() {
    let env = boot(EmulatorConfig::default()).await;
    let cp = "/beta/deviceManagement/configurationPolicies";
    for (m, body) in [
        (Method::GET, None),
        (Method::DELETE, None),
        (Method::PATCH, Some(json!({"description": "x"}))),
        (Method::PUT, Some(json!({"name": "x", "settings": []}))),
    ] {
        let (s, b) = env.call(m.clone(), &format!("{cp}/missing"), body).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (400, Some("ResourceNotFound")),
            "{m}"
        );
    }
    let (s, b) = send(
        &env,
        Method::PATCH,
        &format!("{cp}/cp-big/settings/0"),
        json!({"id": "0"}),
    )
    .await;
    assert_eq!(
        (s, message(&b).as_str()),
        (400, "No method match route template")
    );
    let (s, b) = send(
        &env,
        Method::POST,
        cp,
        json!({"name": "Bare", "platforms": "windows10", "technologies": "mdm"}),
    )
    .await;
    assert_eq!((s, b["settingCount"].as_i64()), (201, Some(0)));
    assert!(b["createdDateTime"].is_string() && b["lastModifiedDateTime"].is_string());
    assert!(
        b.get("version").is_none(),
        "settings catalog has no version (docs/graph-notes.md, \"Versions and etags\")"
    );
    env.h.shutdown().await;
}

/// docs/graph-notes.md, "Administrative templates": binds only; expanded objects and unknown ids
/// are bad requests.
#[tokio::test]
async fn definition_values_refuse_expanded_objects_and_unknown_binds() {
    let env = boot(EmulatorConfig::default()).await;
    let url = "/beta/deviceManagement/groupPolicyConfigurations/gp-1/updateDefinitionValues";
    let base = "https://graph.microsoft.com/beta/deviceManagement";
    let def2 = format!("{base}/groupPolicyDefinitions('def-2')");
    let text = "#microsoft.graph.groupPolicyPresentationValueText";
    let cases = [
        json!({"added": [{"enabled": true, "definition": {"id": "def-2"}}]}),
        json!({"updated": [{"id": "dv-1", "enabled": true, "definition": {"id": "def-1"}}]}),
        json!({"added": [{"enabled": true, "definition@odata.bind": def2,
            "presentationValues": [{"@odata.type": text, "value": "x", "presentation": {"id": "pres-2"}}]}]}),
        json!({"added": [{"enabled": true, "definition@odata.bind": def2,
            "presentationValues": [{"@odata.type": text, "value": "x", "presentation@odata.bind": format!("{def2}/presentations('pres-1')")}]}]}),
        json!({"added": [{"enabled": true, "definition@odata.bind": format!("{base}/groupPolicyDefinitions('missing')")}]}),
    ];
    for body in cases {
        let (s, b) = send(&env, Method::POST, url, body.clone()).await;
        assert_eq!(s, 400, "{body} → {b}");
    }
    let (_, b) = env
        .get("/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues")
        .await;
    assert_eq!(
        b["value"].as_array().map(Vec::len),
        Some(1),
        "nothing applied"
    );
    env.h.shutdown().await;
}

/// docs/graph-notes.md, "Enrollment configurations", and the real create answers in
/// fixtures/graph-samples: a created enrollment configuration gets its
/// `deviceEnrollmentConfigurationType` from the server, whatever the body says, and an id of a GUID
/// and that type (`<guid>_Windows10EnrollmentCompletionPageConfiguration`).
#[tokio::test]
async fn created_enrollment_configurations_carry_their_type_in_id() {
    let env = boot(EmulatorConfig::default()).await;
    let enr = "/beta/deviceManagement/deviceEnrollmentConfigurations";
    for (ty, kind, suffix) in [
        (
            "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration",
            "windows10EnrollmentCompletionPageConfiguration",
            "_Windows10EnrollmentCompletionPageConfiguration",
        ),
        (
            "#microsoft.graph.deviceEnrollmentNotificationConfiguration",
            "enrollmentNotificationsConfiguration",
            "_EnrollmentNotificationsConfiguration",
        ),
        (
            "#microsoft.graph.deviceEnrollmentLimitConfiguration",
            "limit",
            "_Limit",
        ),
    ] {
        let (s, b) = send(
            &env,
            Method::POST,
            enr,
            json!({"@odata.type": ty, "displayName": kind,
                "deviceEnrollmentConfigurationType": "unknown"}),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["deviceEnrollmentConfigurationType"], kind, "{b}");
        let id = b["id"].as_str().unwrap();
        let guid = id.strip_suffix(suffix).unwrap_or_else(|| panic!("{id}"));
        assert!(uuid::Uuid::parse_str(guid).is_ok(), "{id}");
        let (s, got) = env.call(Method::GET, &format!("{enr}/{id}"), None).await;
        assert_eq!((s, &got["id"]), (200, &b["id"]), "{got}");
        let (s, _) = env.call(Method::DELETE, &format!("{enr}/{id}"), None).await;
        assert!(s < 300, "a created {kind} is not a built-in one: {s}");
    }
    env.h.shutdown().await;
}

/// docs/graph-notes.md, "Enrollment configurations": priority and the type fields are refused in
/// PATCH; priority is server-set on create.
#[tokio::test]
async fn enrollment_fields_refused_in_patch() {
    let env = boot(EmulatorConfig::default()).await;
    let enr = "/beta/deviceManagement/deviceEnrollmentConfigurations";
    for field in [
        json!({"priority": 5}),
        json!({"deviceEnrollmentConfigurationType": "limit"}),
        json!({"platformType": "ios"}),
    ] {
        let (s, b) = send(&env, Method::PATCH, &format!("{enr}/esp-1"), field.clone()).await;
        assert_eq!(s, 400, "{field}");
        assert!(message(&b).contains("cannot be set"), "{b}");
    }
    let (s, b) = send(
        &env,
        Method::PATCH,
        &format!("{enr}/esp-1"),
        json!({"description": "d"}),
    )
    .await;
    assert_eq!((s, b["priority"].as_i64()), (200, Some(1)));
    let (s, b) = send(
        &env,
        Method::POST,
        enr,
        json!({"@odata.type": "#microsoft.graph.deviceEnrollmentPlatformRestrictionConfiguration",
        "displayName": "iOS", "priority": 0, "platformType": "ios"}),
    )
    .await;
    assert_eq!(
        (s, b["priority"].as_i64(), b["platformType"].as_str()),
        (201, Some(2), Some("ios"))
    );
    let default = format!("{enr}/{TENANT}_DefaultLimit/setPriority");
    assert_eq!(
        send(&env, Method::POST, &default, json!({"priority": 1}))
            .await
            .0,
        400
    );
    env.h.shutdown().await;
}

/// UNVERIFIED (docs/graph-notes.md, "Assignments", only says ids are tenant-specific): targets
/// naming an unknown group or filter are refused, by `assign` and by autopilot's per-target `assignments`.
#[tokio::test]
async fn assignment_targets_must_name_existing_groups_and_filters() {
    let env = boot(EmulatorConfig::default()).await;
    let assign = "/beta/deviceManagement/deviceConfigurations/dc-01/assign";
    let group =
        |g: &str| json!({"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": g});
    let excl = json!({"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": "gone"});
    let mut filtered = group("g1");
    filtered["deviceAndAppManagementAssignmentFilterId"] = json!("no-such-filter");
    filtered["deviceAndAppManagementAssignmentFilterType"] = json!("include");
    for target in [group("gone"), excl, filtered] {
        let (s, b) = send(
            &env,
            Method::POST,
            assign,
            json!({"assignments": [{"target": group("g1")}, {"target": target}]}),
        )
        .await;
        assert_eq!(s, 400, "{b}");
    }
    let (_, b) = env
        .get("/beta/deviceManagement/deviceConfigurations/dc-01/assignments")
        .await;
    assert_eq!(
        b["value"][0]["target"]["groupId"], "g1",
        "a refused assign changes nothing"
    );
    let mut none = group("g2");
    none["deviceAndAppManagementAssignmentFilterId"] =
        json!("00000000-0000-0000-0000-000000000000");
    none["deviceAndAppManagementAssignmentFilterType"] = json!("none");
    let (s, b) = send(
        &env,
        Method::POST,
        assign,
        json!({"assignments": [{"target": none}]}),
    )
    .await;
    assert_eq!((s, b["value"].as_array().map(Vec::len)), (200, Some(1)));
    let ap = "/beta/deviceManagement/windowsAutopilotDeploymentProfiles/ap-1/assignments";
    assert_eq!(
        send(&env, Method::POST, ap, json!({"target": group("gone")}))
            .await
            .0,
        400
    );
    env.h.shutdown().await;
    let lax = boot(EmulatorConfig {
        check_assignment_references: false,
        ..Default::default()
    })
    .await;
    assert_eq!(
        send(
            &lax,
            Method::POST,
            assign,
            json!({"assignments": [{"target": group("gone")}]})
        )
        .await
        .0,
        200
    );
    lax.h.shutdown().await;
}

/// docs/graph-notes.md, "Scripts": script content is base64 `Edm.Binary`, returned byte for byte.
#[tokio::test]
async fn script_content_round_trips_exactly() {
    let env = boot(EmulatorConfig::default()).await;
    let scripts = "/beta/deviceManagement/deviceManagementScripts";
    let bytes: Vec<u8> = [
        &[0xEF, 0xBB, 0xBF][..],
        b"Write-Output 'h\xC3\xA9'\r\nexit 0\r\n",
    ]
    .concat();
    let content = STANDARD.encode(&bytes);
    let (s, b) = send(&env, Method::POST, scripts, json!({"displayName": "BOM", "scriptContent": content, "runAsAccount": "system", "fileName": "a.ps1"})).await;
    assert_eq!(s, 201, "{b}");
    let id = b["id"].as_str().unwrap().to_string();
    let (_, b) = env.get(&format!("{scripts}/{id}")).await;
    assert_eq!(b["scriptContent"], content.as_str());
    assert_eq!(
        STANDARD
            .decode(b["scriptContent"].as_str().unwrap())
            .unwrap(),
        bytes
    );
    let (s, b) = send(
        &env,
        Method::POST,
        scripts,
        json!({"displayName": "Bad", "scriptContent": "not base64!"}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(message(&b).contains("Edm.Binary"));
    assert_eq!(
        send(
            &env,
            Method::PATCH,
            &format!("{scripts}/{id}"),
            json!({"scriptContent": "%%%"})
        )
        .await
        .0,
        400
    );
    let health = "/beta/deviceManagement/deviceHealthScripts";
    assert_eq!(
        send(
            &env,
            Method::POST,
            health,
            json!({"displayName": "R", "detectionScriptContent": 5})
        )
        .await
        .0,
        400
    );
    let (_, b) = env.get(&format!("{scripts}/{id}")).await;
    assert_eq!(
        b["scriptContent"],
        content.as_str(),
        "refused writes change nothing"
    );
    env.h.shutdown().await;
}

/// The built-in scope tag (docs/graph-notes.md, "Scope tags") and the immutable filter platform
/// (docs/graph-notes.md, "Assignment filters").
#[tokio::test]
async fn built_ins_and_immutable_fields() {
    let env = boot(EmulatorConfig::default()).await;
    let (s, b) = env
        .call(
            Method::DELETE,
            "/beta/deviceManagement/roleScopeTags/0",
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let f = "/beta/deviceManagement/assignmentFilters/f";
    assert_eq!(
        send(&env, Method::PATCH, f, json!({"platform": "iOS"}))
            .await
            .0,
        400
    );
    let (s, b) = send(&env, Method::PATCH, f, json!({"platform": "windows10AndLater", "rule": "(device.model -eq \"x\")", "payloads": [1]})).await;
    assert_eq!(
        (s, b["rule"].as_str()),
        (200, Some("(device.model -eq \"x\")"))
    );
    assert!(b.get("payloads").is_none());
    env.h.shutdown().await;
}

/// docs/graph-notes.md, "Autopilot profiles": autopilot group assignments one target at a time;
/// unassign before deleting.
#[tokio::test]
async fn autopilot_profile_unassigned_before_delete() {
    let env = boot(EmulatorConfig::default()).await;
    let ap = "/beta/deviceManagement/windowsAutopilotDeploymentProfiles/ap-1";
    let target = json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}});
    let (s, b) = send(&env, Method::POST, &format!("{ap}/assignments"), target).await;
    assert_eq!(s, 201);
    let aid = b["id"].as_str().unwrap().to_string();
    assert_eq!(env.call(Method::DELETE, ap, None).await.0, 400);
    assert_eq!(
        env.call(Method::DELETE, &format!("{ap}/assignments/{aid}"), None)
            .await
            .0,
        200
    );
    assert_eq!(env.call(Method::DELETE, ap, None).await.0, 200);
    env.h.shutdown().await;
}

/// docs/graph-notes.md, "Terms and conditions": assignments one target at a time (no `assign`
/// action, no `source` fields), none answered to `$expand=assignments`, both modified timestamps
/// and the version moved by a write; "Device categories": PATCH 200 with the object and no
/// timestamps.
#[tokio::test]
async fn terms_take_assignments_one_target_at_a_time_and_categories_carry_no_timestamps() {
    let env = boot_demo().await;
    const TERMS: &str = "/beta/deviceManagement/termsAndConditions";
    const PARIS: &str = "9a2637e3-da72-5b3c-bdde-74abce6672e4";
    const CONTRACTORS: &str = "ea6cbde1-3f30-5121-b2ab-522c864ae332";
    let (s, created) = send(
        &env,
        Method::POST,
        &format!("{TERMS}/{PARIS}/assignments"),
        json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": CONTRACTORS}}),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    assert!(created.get("source").is_none() && created.get("sourceId").is_none());
    let (_, listed) = env.get(&format!("{TERMS}/{PARIS}/assignments")).await;
    assert_eq!(listed["value"].as_array().unwrap().len(), 3, "{listed}");
    let (_, expanded) = env
        .get(&format!("{TERMS}/{PARIS}?$expand=assignments"))
        .await;
    assert_eq!(expanded["assignments"], json!([]), "{expanded}");
    let (s, _) = send(
        &env,
        Method::POST,
        &format!("{TERMS}/{PARIS}/assign"),
        json!({"assignments": []}),
    )
    .await;
    assert_eq!(s, 400, "there is no assign action");
    let aid = created["id"].as_str().unwrap();
    let (s, _) = env
        .call(
            Method::DELETE,
            &format!("{TERMS}/{PARIS}/assignments/{aid}"),
            None,
        )
        .await;
    assert!(matches!(s, 200 | 204), "{s}");

    let (_, before) = env.get(&format!("{TERMS}/{PARIS}")).await;
    let (s, _) = send(
        &env,
        Method::PATCH,
        &format!("{TERMS}/{PARIS}"),
        json!({"title": "Conditions"}),
    )
    .await;
    assert!(s == 200 || s == 204);
    let (_, after) = env.get(&format!("{TERMS}/{PARIS}")).await;
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    for stamp in ["modifiedDateTime", "lastModifiedDateTime"] {
        assert_ne!(after[stamp], before[stamp], "{stamp}");
    }

    let categories = "/beta/deviceManagement/deviceCategories";
    let (s, made) = send(
        &env,
        Method::POST,
        categories,
        json!({"displayName": "Neu / ✨", "description": ""}),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    let id = made["id"].as_str().unwrap();
    let (s, patched) = send(
        &env,
        Method::PATCH,
        &format!("{categories}/{id}"),
        json!({"description": "x"}),
    )
    .await;
    assert_eq!(s, 200, "{patched}");
    assert_eq!(patched["description"], "x");
    for stamp in [
        "createdDateTime",
        "lastModifiedDateTime",
        "modifiedDateTime",
    ] {
        assert!(patched.get(stamp).is_none(), "{stamp}: {patched}");
    }
}
