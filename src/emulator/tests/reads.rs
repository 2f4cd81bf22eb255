//! End-to-end tests of the read side: paging, nextLink knobs, lazy and navigation fields,
//! `$expand` forms and quirks, `$filter`, `$select` and list order.

use serde_json::json;

use super::fixture::boot;
use crate::emulator::*;

#[tokio::test]
async fn paging_complete_for_every_page_size() {
    for (size, pages) in [(Some(1), 31), (Some(25), 2), (Some(1000), 1), (None, 1)] {
        let env = boot(EmulatorConfig {
            page_size: size,
            ..Default::default()
        })
        .await;
        let (items, n) = env
            .get_all("/beta/deviceManagement/deviceConfigurations")
            .await;
        assert_eq!(items.len(), 31, "page size {size:?}");
        assert_eq!(n, pages, "page size {size:?}");
        let ids: std::collections::HashSet<&str> =
            items.iter().filter_map(|i| i["id"].as_str()).collect();
        assert_eq!(ids.len(), 31);
        env.h.shutdown().await;
    }
    let env = boot(EmulatorConfig::default()).await;
    // $top and bare top ask for smaller pages; options survive into the nextLink.
    let (s, b) = env.get("/beta/deviceManagement/deviceConfigurations?$top=10&$filter=isof('microsoft.graph.windows10GeneralConfiguration')").await;
    assert_eq!(s, 200);
    assert_eq!(b["value"].as_array().unwrap().len(), 10);
    let next = b["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("skiptoken") && next.contains("filter") && next.contains("top=10"));
    let (_, b) = env
        .get("/beta/deviceManagement/deviceConfigurations?$top=3&$count=true")
        .await;
    assert_eq!(b["@odata.count"], 31);
    let (items, pages) = env
        .get_all("/beta/deviceManagement/deviceConfigurations?top=7")
        .await;
    assert_eq!((items.len(), pages), (31, 5));
    // Settings route pages at 25 by default; by-id expand returns them all.
    let (items, pages) = env
        .get_all("/beta/deviceManagement/configurationPolicies/cp-big/settings")
        .await;
    assert_eq!((items.len(), pages), (60, 3));
    let (items, pages) = env
        .get_all("/beta/deviceManagement/configurationPolicies/cp-big/settings?top=1000")
        .await;
    assert_eq!((items.len(), pages), (60, 1));
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies/cp-big?$expand=settings")
        .await;
    assert_eq!(b["settings"].as_array().unwrap().len(), 60);
    assert!(b.get("settings@odata.nextLink").is_none());
    assert!(
        b["settings@odata.context"]
            .as_str()
            .unwrap()
            .contains("/settings")
    );
    env.h.shutdown().await;
}

#[tokio::test]
async fn hostile_and_looping_next_links() {
    let cfg = EmulatorConfig {
        hostile_next_link: Some(HostileLink {
            collection: "deviceManagement/deviceConfigurations".into(),
            target_base: "http://evil.example".into(),
        }),
        looping_next_link: Some("deviceManagement/roleScopeTags".into()),
        page_size: Some(1),
        ..Default::default()
    };
    let env = boot(cfg).await;
    let (_, b) = env.get("/beta/deviceManagement/deviceConfigurations").await;
    assert_eq!(
        b["@odata.nextLink"],
        "http://evil.example/beta/deviceManagement/deviceConfigurations?$skiptoken=x"
    );
    let (_, p1) = env.get("/beta/deviceManagement/roleScopeTags").await;
    let n1 = p1["@odata.nextLink"].as_str().unwrap().to_string();
    let (_, p2) = env.get(&n1).await;
    assert_eq!(p2["@odata.nextLink"].as_str().unwrap(), n1);
    assert_eq!(p1["value"], p2["value"]);
    env.h.shutdown().await;
}

#[tokio::test]
async fn lists_omit_navigation_and_lazy_fields() {
    let env = boot(EmulatorConfig::default()).await;
    let (_, b) = env
        .get("/beta/deviceManagement/deviceManagementScripts")
        .await;
    let item = &b["value"][0];
    assert!(item.get("scriptContent").is_none() && item.get("assignments").is_none());
    assert!(
        b["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/beta/$metadata#deviceManagement/deviceManagementScripts")
    );
    let (_, b) = env
        .get("/beta/deviceManagement/deviceManagementScripts/ps-1")
        .await;
    assert_eq!(b["scriptContent"], "V3JpdGUtT3V0cHV0");
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies")
        .await;
    assert!(b["@microsoft.graph.tips"].is_string());
    assert!(b["value"][0].get("settings").is_none());
    env.h.shutdown().await;
}

#[tokio::test]
async fn expand_forms_and_quirks() {
    let env = boot(EmulatorConfig::default()).await;
    // configurationPolicies: by-id expand of assignments is empty; the route and list expand work.
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies/cp-big?$expand=assignments")
        .await;
    assert_eq!(b["assignments"], json!([]));
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies/cp-big/assignments")
        .await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies?$expand=assignments")
        .await;
    let big = b["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "cp-big")
        .unwrap()
        .clone();
    assert_eq!(big["assignments"].as_array().unwrap().len(), 1);
    assert!(big["assignments@odata.context"].is_string());
    // Shell scripts: /assignments is 400, by-id expand works.
    let (s, b) = env
        .get("/beta/deviceManagement/deviceShellScripts/sh-1/assignments")
        .await;
    assert_eq!(s, 400);
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("No OData route exists")
    );
    let (_, b) = env
        .get("/beta/deviceManagement/deviceShellScripts/sh-1?$expand=assignments")
        .await;
    assert_eq!(b["assignments"][0]["target"]["groupId"], "g2");
    // Scope tags: expand is empty, the route works.
    let (_, b) = env
        .get("/beta/deviceManagement/roleScopeTags/1?$expand=assignments")
        .await;
    assert_eq!(b["assignments"], json!([]));
    let (_, b) = env
        .get("/beta/deviceManagement/roleScopeTags/1/assignments")
        .await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    // MAM: list expand not allowed on the view and on targeted configurations.
    assert_eq!(
        env.get("/beta/deviceAppManagement/managedAppPolicies?$expand=assignments")
            .await
            .0,
        400
    );
    assert_eq!(
        env.get("/beta/deviceAppManagement/targetedManagedAppConfigurations?$expand=apps")
            .await
            .0,
        400
    );
    let (_, b) = env
        .get("/beta/deviceAppManagement/managedAppPolicies")
        .await;
    assert_eq!(b["value"].as_array().unwrap().len(), 2);
    let (_, b) = env
        .get("/beta/deviceAppManagement/iosManagedAppProtections/mam-1?$expand=apps,assignments")
        .await;
    assert_eq!(b["apps"][0]["id"], "com.x.ios");
    // Compliance: nested expand of scheduled action configurations; the nav route is 400.
    let (_, b) = env.get("/beta/deviceManagement/deviceCompliancePolicies/comp-1?$expand=scheduledActionsForRule($expand=scheduledActionConfigurations)").await;
    assert_eq!(
        b["scheduledActionsForRule"][0]["scheduledActionConfigurations"][0]["actionType"],
        "block"
    );
    let (_, b) = env.get("/beta/deviceManagement/deviceCompliancePolicies/comp-1?$expand=scheduledActionsForRule").await;
    assert!(
        b["scheduledActionsForRule"][0]
            .get("scheduledActionConfigurations")
            .is_none()
    );
    assert_eq!(
        env.get("/beta/deviceManagement/deviceCompliancePolicies/comp-1/scheduledActionsForRule")
            .await
            .0,
        400
    );
    // ADMX: nested expand on definitionValues, and the presentationValues route.
    let (_, b) = env.get("/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues?$expand=definition,presentationValues($expand=presentation)").await;
    assert_eq!(b["value"][0]["definition"]["id"], "def-1");
    assert_eq!(
        b["value"][0]["presentationValues"][0]["presentation"]["id"],
        "pres-1"
    );
    let (_, b) = env.get("/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues?$expand=definition").await;
    assert!(b["value"][0].get("presentationValues").is_none());
    let (_, b) = env.get("/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues/dv-1/presentationValues?$expand=presentation").await;
    assert_eq!(b["value"][0]["presentation"]["label"], "URL");
    let (_, b) = env.get("/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues/dv-1/presentationValues").await;
    assert!(b["value"][0].get("presentation").is_none());
    // The inline definition is registered as a known definition.
    assert_eq!(
        env.get("/beta/deviceManagement/groupPolicyDefinitions/def-1")
            .await
            .0,
        200
    );
    // Other navs.
    let (_, b) = env.get("/beta/deviceManagement/notificationMessageTemplates/nt-1?$expand=localizedNotificationMessages").await;
    assert_eq!(b["localizedNotificationMessages"][0]["locale"], "en-us");
    let (_, b) = env.get("/beta/deviceManagement/notificationMessageTemplates/nt-1/localizedNotificationMessages").await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    assert_eq!(
        env.get("/beta/deviceManagement/deviceConfigurations?$expand=nonsense")
            .await
            .0,
        400
    );
    assert_eq!(env.get("/beta/deviceManagement/configurationPolicies/cp-big?$expand=settings($expand=settingDefinitions),assignments").await.0, 200);
    env.h.shutdown().await;
}

#[tokio::test]
async fn filter_select_and_order() {
    let env = boot(EmulatorConfig::default()).await;
    let (_, b) = env.get("/beta/deviceManagement/deviceConfigurations?$filter=isof('microsoft.graph.windows10CustomConfiguration')").await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    let (_, b) = env.get("/beta/deviceManagement/deviceConfigurations?$filter=not%20isof('microsoft.graph.windows10CustomConfiguration')&$top=100").await;
    assert_eq!(b["value"].as_array().unwrap().len(), 30);
    let (_, b) = env
        .get("/beta/deviceManagement/roleScopeTags?$filter=isBuiltIn%20eq%20false")
        .await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    let (_, b) = env
        .get("/beta/deviceManagement/deviceConfigurations?$filter=displayName%20eq%20'Config%2003'")
        .await;
    assert_eq!(b["value"][0]["id"], "dc-03");
    assert_eq!(
        env.get("/beta/deviceManagement/deviceConfigurations?$filter=contains(displayName,'x')")
            .await
            .0,
        400
    );
    let (_, b) = env.get("/v1.0/groups?$select=id,displayName").await;
    assert_eq!(
        b["value"][0]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| !k.starts_with('@'))
            .count(),
        2
    );
    env.h.shutdown().await;
    let ids = |cfg: EmulatorConfig| async move {
        let env = boot(cfg).await;
        let (items, _) = env
            .get_all("/beta/deviceManagement/deviceConfigurations")
            .await;
        env.h.shutdown().await;
        items
            .iter()
            .map(|i| i["id"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    let stored = ids(EmulatorConfig::default()).await;
    let mut rev = ids(EmulatorConfig {
        order: ListOrder::Reverse,
        ..Default::default()
    })
    .await;
    let sh1 = ids(EmulatorConfig {
        order: ListOrder::Shuffle(3),
        page_size: Some(4),
        ..Default::default()
    })
    .await;
    let sh2 = ids(EmulatorConfig {
        order: ListOrder::Shuffle(3),
        page_size: Some(4),
        ..Default::default()
    })
    .await;
    assert_eq!(sh1, sh2);
    assert_ne!(sh1, stored);
    let mut sorted = sh1.clone();
    sorted.sort();
    let mut s2 = stored.clone();
    s2.sort();
    assert_eq!(sorted, s2, "shuffled pages still cover everything once");
    rev.reverse();
    assert_eq!(rev, stored);
}

#[tokio::test]
async fn generated_tenant_pages_completely() {
    let seed = TenantSeed::generate(3000, 11);
    let tenant = seed.tenant_id().to_string();
    let client = seed.info.clients[0].clone();
    let expected = seed
        .objects
        .iter()
        .filter(|(c, _)| c.path == "deviceManagement/configurationPolicies")
        .count();
    let h = start(
        EmulatorConfig::default(),
        vec![seed],
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "https://graph.microsoft.com/.default"),
        ("client_id", client.client_id.as_str()),
        (
            "client_secret",
            client.client_secret.as_deref().unwrap_or_default(),
        ),
    ];
    let tok: serde_json::Value = http
        .post(format!("{}/{tenant}/oauth2/v2.0/token", h.base_url()))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tok["access_token"].as_str().unwrap().to_string();
    let started = std::time::Instant::now();
    let mut next = Some(format!(
        "{}/beta/deviceManagement/configurationPolicies",
        h.base_url()
    ));
    let (mut seen, mut pages) = (0, 0);
    while let Some(url) = next.take() {
        let b: serde_json::Value = http
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen += b["value"].as_array().unwrap().len();
        pages += 1;
        next = b["@odata.nextLink"].as_str().map(str::to_string);
    }
    assert_eq!(seen, expected);
    assert_eq!(pages, expected.div_ceil(25));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    h.shutdown().await;
}

#[tokio::test]
async fn select_answers_carry_the_key_unless_told_not_to() {
    let path = "/beta/deviceManagement/assignmentFilters/f?$select=displayName";
    let env = boot(EmulatorConfig::default()).await;
    let (s, b) = env.get(path).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["id"].as_str(), b["displayName"].as_str()),
        (Some("f"), Some("Windows 11"))
    );
    assert!(b.get("rule").is_none(), "{b}");
    env.h.shutdown().await;
    let env = boot(EmulatorConfig {
        select_omits_key: true,
        ..Default::default()
    })
    .await;
    let (_, b) = env.get(path).await;
    assert!(
        b.get("id").is_none() && b["displayName"] == "Windows 11",
        "{b}"
    );
    env.h.shutdown().await;
}
