//! End-to-end tests of what other Graph clients send beyond the tool's own requests, on the demo
//! tenant: intent templates with their categories, setting definitions and settings, compliance
//! actions on `compliancePolicies`, composed `$filter` expressions, and `$count`/`$search` on
//! directory objects with and without `ConsistencyLevel: eventual`.

use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::boot_demo;

const BASELINE: &str = "034ccd46-190c-4afc-adf1-ad7cc11262eb";
const BITLOCKER: &str = "d1174162-1dd2-4976-affc-6667049ab0ae";

fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().filter_map(|i| i["id"].as_str()).collect()
}

fn types(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|i| i["@odata.type"].as_str())
        .collect()
}

#[tokio::test]
async fn isof_filters_compose_on_every_polymorphic_collection() {
    let env = boot_demo().await;
    let (apps, _) = env
        .get_all("/beta/deviceAppManagement/mobileApps?$filter=(isof('microsoft.graph.winGetApp'))")
        .await;
    assert_eq!(types(&apps), ["#microsoft.graph.winGetApp"]);
    let (apps, _) = env
        .get_all("/beta/deviceAppManagement/mobileApps?$filter=isof('microsoft.graph.winGetApp') or isof('microsoft.graph.win32LobApp')")
        .await;
    // Company Portal, and both 7-Zip versions.
    assert_eq!(apps.len(), 3, "{apps:?}");
    let (all, _) = env.get_all("/beta/deviceAppManagement/mobileApps").await;
    let (not_win, _) = env
        .get_all(
            "/beta/deviceAppManagement/mobileApps?$filter=not isof('microsoft.graph.winGetApp')",
        )
        .await;
    assert_eq!(not_win.len(), all.len() - 1);
    for (path, ver) in [
        ("deviceManagement/deviceConfigurations", "beta"),
        ("deviceManagement/deviceCompliancePolicies", "beta"),
        ("identity/conditionalAccess/namedLocations", "v1.0"),
        (
            "deviceManagement/windowsAutopilotDeploymentProfiles",
            "beta",
        ),
        ("deviceManagement/deviceEnrollmentConfigurations", "beta"),
    ] {
        let (all, _) = env.get_all(&format!("/{ver}/{path}")).await;
        let first = all[0]["@odata.type"]
            .as_str()
            .unwrap()
            .trim_start_matches('#');
        let other = all
            .iter()
            .filter_map(|o| o["@odata.type"].as_str())
            .map(|t| t.trim_start_matches('#'))
            .find(|t| *t != first)
            .unwrap_or("microsoft.graph.none");
        let count = |t: &str| {
            all.iter()
                .filter(|o| o["@odata.type"] == format!("#{t}"))
                .count()
        };
        let q = format!(
            "/{ver}/{path}?$filter=(isof('{first}') or isof('{other}')) and not isof('{other}')"
        );
        let (got, _) = env.get_all(&q).await;
        assert_eq!(got.len(), count(first), "{q}");
        let q = format!("/{ver}/{path}?$filter=isof('{first}') or isof('{other}')");
        let (got, _) = env.get_all(&q).await;
        assert_eq!(got.len(), count(first) + count(other), "{q}");
    }
    let (s, b) = env
        .get("/beta/deviceAppManagement/mobileApps?$filter=isof('microsoft.graph.winGetApp') or")
        .await;
    assert_eq!(s, 400, "{b}");
    env.h.shutdown().await;
}

#[tokio::test]
async fn intent_templates_are_served_read_only_and_match_the_intents() {
    let env = boot_demo().await;
    let (templates, _) = env.get_all("/beta/deviceManagement/templates").await;
    let (intents, _) = env.get_all("/beta/deviceManagement/intents").await;
    assert!(!intents.is_empty());
    for i in &intents {
        let tid = i["templateId"].as_str().unwrap();
        let t = templates
            .iter()
            .find(|t| t["id"] == tid)
            .unwrap_or_else(|| panic!("template {tid} of intent {}", i["displayName"]));
        assert!(t.get("categories").is_none() && t.get("settings").is_none());
        let uses = intents.iter().filter(|o| o["templateId"] == tid).count();
        assert_eq!(t["intentCount"], json!(uses), "{t}");
        // Every setting the intent holds is defined in one of its template's categories.
        let (cats, _) = env
            .get_all(&format!(
                "/beta/deviceManagement/templates/{tid}/categories"
            ))
            .await;
        assert!(!cats.is_empty());
        let mut defs = Vec::new();
        for c in &cats {
            assert!(c.get("settingDefinitions").is_none(), "{c}");
            let cid = c["id"].as_str().unwrap();
            let (d, _) = env
                .get_all(&format!(
                    "/beta/deviceManagement/templates/{tid}/categories/{cid}/settingDefinitions"
                ))
                .await;
            defs.extend(d);
            let (s, _) = env
                .get(&format!(
                    "/beta/deviceManagement/templates/{tid}/categories/{cid}/recommendedSettings"
                ))
                .await;
            assert_eq!(s, 200);
        }
        let (settings, _) = env
            .get_all(&format!("/beta/deviceManagement/templates/{tid}/settings"))
            .await;
        let (held, _) = env
            .get_all(&format!(
                "/beta/deviceManagement/intents/{}/settings",
                i["id"].as_str().unwrap()
            ))
            .await;
        for s in &held {
            let d = s["definitionId"].as_str().unwrap();
            assert!(ids(&defs).contains(&d), "{d} defined by {tid}");
            assert!(
                settings.iter().any(|x| x["definitionId"] == d),
                "{d} has a default in {tid}"
            );
        }
    }
    // The filters clients use to find baselines.
    let (b, _) = env
        .get_all("/beta/deviceManagement/templates?$filter=isof('microsoft.graph.securityBaselineTemplate')")
        .await;
    assert_eq!(ids(&b), [BASELINE]);
    let (b, _) = env
        .get_all("/beta/deviceManagement/templates?$filter=templateType eq 'securityBaseline'")
        .await;
    assert_eq!(ids(&b), [BASELINE]);
    let (s, t) = env
        .get(&format!(
            "/beta/deviceManagement/templates/{BITLOCKER}?$expand=settings,categories"
        ))
        .await;
    assert_eq!(s, 200, "{t}");
    assert!(
        t["settings"].as_array().is_some_and(|a| !a.is_empty()),
        "{t}"
    );
    assert!(
        t["categories"].as_array().is_some_and(|a| !a.is_empty()),
        "{t}"
    );
    // Read-only: Microsoft publishes templates.
    for (m, path) in [
        (Method::POST, "/beta/deviceManagement/templates".to_string()),
        (
            Method::PATCH,
            format!("/beta/deviceManagement/templates/{BITLOCKER}"),
        ),
        (
            Method::DELETE,
            format!("/beta/deviceManagement/templates/{BITLOCKER}"),
        ),
    ] {
        let (s, b) = env
            .call(m.clone(), &path, Some(json!({"displayName": "x"})))
            .await;
        assert!(s == 400 || s == 405, "{m} {path}: {s} {b}");
    }
    let (_, t) = env
        .get(&format!("/beta/deviceManagement/templates/{BITLOCKER}"))
        .await;
    assert_eq!(t["displayName"], "BitLocker");
    env.h.shutdown().await;
}

#[tokio::test]
async fn compliance_actions_are_served_on_compliance_policies() {
    let env = boot_demo().await;
    let (policies, _) = env
        .get_all("/beta/deviceManagement/compliancePolicies")
        .await;
    let id = policies[0]["id"].as_str().unwrap();
    let (_, full) = env
        .get(&format!(
            "/beta/deviceManagement/compliancePolicies/{id}?$expand=scheduledActionsForRule($expand=scheduledActionConfigurations)"
        ))
        .await;
    let base = format!("/beta/deviceManagement/compliancePolicies/{id}/scheduledActionsForRule");
    let (s, plain) = env.get(&base).await;
    assert_eq!(s, 200, "{plain}");
    let rules = plain["value"].as_array().unwrap();
    assert_eq!(
        ids(rules),
        ids(full["scheduledActionsForRule"].as_array().unwrap())
    );
    assert!(
        rules
            .iter()
            .all(|r| r.get("scheduledActionConfigurations").is_none())
    );
    let (s, expanded) = env
        .get(&format!("{base}?$expand=scheduledActionConfigurations"))
        .await;
    assert_eq!(s, 200, "{expanded}");
    assert_eq!(expanded["value"], full["scheduledActionsForRule"]);
    // The classic collection's navigation route still answers as Graph was seen to
    // (docs/graph-notes.md, "Compliance policies").
    let (classic, _) = env
        .get_all("/beta/deviceManagement/deviceCompliancePolicies")
        .await;
    let cid = classic[0]["id"].as_str().unwrap();
    let (s, _) = env
        .get(&format!(
            "/beta/deviceManagement/deviceCompliancePolicies/{cid}/scheduledActionsForRule"
        ))
        .await;
    assert_eq!(s, 400);
    env.h.shutdown().await;
}

#[tokio::test]
async fn directory_count_and_search_need_eventual_consistency() {
    let env = boot_demo().await;
    let (groups, _) = env.get_all("/v1.0/groups").await;
    let send = |path: &'static str, eventual: bool| {
        let mut rb = env
            .http
            .get(format!("{}{path}", env.h.base_url()))
            .bearer_auth(&env.token);
        if eventual {
            rb = rb.header("ConsistencyLevel", "eventual");
        }
        async move {
            let r = rb.send().await.expect("graph request");
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, b) = send("/v1.0/groups?$count=true", false).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = send("/v1.0/groups?$count=true&$top=1", true).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["@odata.count"], json!(groups.len()));
    let (s, _) = send("/v1.0/groups?$search=\"displayName:a\"", false).await;
    assert_eq!(s, 400);
    let (s, b) = send("/v1.0/groups?$search=\"displayName:a\"&$count=true", true).await;
    assert_eq!(s, 200, "{b}");
    // Intune collections count without the header.
    let (s, b) = send("/beta/deviceManagement/intents?$count=true", false).await;
    assert_eq!((s, b["@odata.count"].is_number()), (200, true), "{b}");
    env.h.shutdown().await;
}

/// What Conditional Access names: a service principal by its application id (the alternate key
/// Graph documents), a user found by principal name, Microsoft's directory roles by template id;
/// an unknown alternate key property is refused and an unknown application id is not found.
#[tokio::test]
async fn service_principals_answer_by_application_id_and_directory_objects_by_filter() {
    let env = boot_demo().await;
    const AZURE: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
    let (s, sp) = env
        .get(&format!(
            "/v1.0/servicePrincipals(appId='{AZURE}')?$select=appId,displayName"
        ))
        .await;
    assert_eq!(s, 200, "{sp}");
    assert_eq!(sp["displayName"], "Windows Azure Service Management API");
    assert_eq!(sp["appId"], AZURE);
    let (s, _) = env
        .get("/v1.0/servicePrincipals(appId='00000000-1111-2222-3333-444444444444')")
        .await;
    assert_eq!(s, 404);
    let (s, e) = env
        .get(&format!("/v1.0/servicePrincipals(displayName='{AZURE}')"))
        .await;
    assert_eq!(s, 400, "{e}");
    let (users, _) = env
        .get_all("/v1.0/users?$filter=userPrincipalName%20eq%20'zoe.obrien%40contosodemo.com'&$select=id,userPrincipalName")
        .await;
    assert_eq!(ids(&users), ["8e3c1a9d-4b2f-5d7e-9a06-c5b4e3d2f1a0"]);
    let (s, role) = env
        .get("/v1.0/roleManagement/directory/roleDefinitions/62e90394-69f5-4237-9190-012177145e10")
        .await;
    assert_eq!(s, 200, "{role}");
    assert_eq!(role["displayName"], "Global Administrator");
    assert_eq!(role["templateId"], role["id"]);
    let (s, _) = env
        .call(
            Method::POST,
            "/v1.0/users",
            Some(json!({"displayName": "x"})),
        )
        .await;
    assert!(s >= 400, "the emulator never creates users: {s}");
}

/// Cross-tenant partners are keyed by `tenantId`: created with it (409 when taken, 400 without),
/// addressed by it, answered without an `id`; a PATCH may not change it.
#[tokio::test]
async fn cross_tenant_partners_are_keyed_by_their_tenant_id() {
    let env = boot_demo().await;
    const PARTNERS: &str = "/v1.0/policies/crossTenantAccessPolicy/partners";
    const FABRIKAM: &str = "9c5d131d-b1c3-4fc4-9e3f-c6557947d551";
    let (all, _) = env.get_all(PARTNERS).await;
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|p| p.get("id").is_none()), "{all:?}");
    let (s, p) = env.get(&format!("{PARTNERS}/{FABRIKAM}")).await;
    assert_eq!((s, p["tenantId"].as_str()), (200, Some(FABRIKAM)), "{p}");
    let new = "11111111-2222-4333-8444-555555555555";
    let body = json!({"tenantId": new, "inboundTrust": {"isMfaAccepted": true}});
    let (s, created) = env.call(Method::POST, PARTNERS, Some(body.clone())).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["tenantId"], new);
    assert!(created.get("id").is_none(), "{created}");
    let (s, _) = env.call(Method::POST, PARTNERS, Some(body)).await;
    assert_eq!(s, 409);
    let (s, _) = env
        .call(Method::POST, PARTNERS, Some(json!({"inboundTrust": null})))
        .await;
    assert_eq!(s, 400);
    let (s, _) = env
        .call(
            Method::PATCH,
            &format!("{PARTNERS}/{new}"),
            Some(json!({"tenantId": FABRIKAM})),
        )
        .await;
    assert_eq!(s, 400, "the key cannot change");
    let (s, _) = env
        .call(
            Method::PATCH,
            &format!("{PARTNERS}/{new}"),
            Some(json!({"automaticUserConsentSettings": {"inboundAllowed": true}})),
        )
        .await;
    assert_eq!(s, 204);
}

/// The authentication methods policy answers its method configurations inline and as their own
/// routes; a configuration is PATCHed by its id (any case) with its `@odata.type`, never with
/// number matching, and never through the policy's PATCH.
#[tokio::test]
async fn authentication_method_configurations_are_their_own_routes() {
    let env = boot_demo().await;
    const POLICY: &str = "/v1.0/policies/authenticationMethodsPolicy";
    let (s, p) = env.get(POLICY).await;
    assert_eq!(s, 200);
    assert_eq!(
        p["authenticationMethodConfigurations"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    let (all, _) = env
        .get_all(&format!("{POLICY}/authenticationMethodConfigurations"))
        .await;
    assert_eq!(all.len(), 8);
    let sms = format!("{POLICY}/authenticationMethodConfigurations/sms");
    let (s, e) = env
        .call(Method::PATCH, &sms, Some(json!({"state": "enabled"})))
        .await;
    assert_eq!(s, 400, "@odata.type is required: {e}");
    let typed = json!({"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "enabled"});
    let (s, _) = env.call(Method::PATCH, &sms, Some(typed)).await;
    assert_eq!(s, 204);
    let (_, got) = env.get(&sms).await;
    assert_eq!(got["state"], "enabled");
    let authenticator =
        format!("{POLICY}/authenticationMethodConfigurations/MicrosoftAuthenticator");
    let numbers = json!({"@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
        "featureSettings": {"numberMatchingRequiredState": {"state": "disabled"}}});
    let (s, _) = env.call(Method::PATCH, &authenticator, Some(numbers)).await;
    assert_eq!(s, 400);
    let (s, _) = env
        .call(
            Method::PATCH,
            POLICY,
            Some(json!({"authenticationMethodConfigurations": []})),
        )
        .await;
    assert_eq!(s, 400);
}
