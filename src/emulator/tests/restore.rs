//! End-to-end tests of what restore tests lean on: the dropped-create fault, the write counters,
//! clearing a tenant and the reference-only copy of a tenant.

use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Env, TENANT, boot, boot_seeds, seed_with};
use crate::emulator::*;

const TAGS: &str = "/beta/deviceManagement/roleScopeTags";

/// A request whose response never arrives: the transport fails.
async fn is_dropped(env: &Env, m: Method, path: &str, body: Value) -> bool {
    let r = env
        .http
        .request(m, format!("{}{path}", env.h.base_url()))
        .bearer_auth(&env.token)
        .json(&body)
        .send()
        .await;
    match r {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    }
}

async fn names(env: &Env, path: &str) -> Vec<String> {
    let (items, _) = env.get_all(path).await;
    items
        .iter()
        .filter_map(|o| o["displayName"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn dropped_create_commits_the_object_and_counts() {
    let env = boot(EmulatorConfig {
        drop_create_rate: 1.0,
        fault_seed: 9,
        ..Default::default()
    })
    .await;
    assert!(
        is_dropped(
            &env,
            Method::POST,
            TAGS,
            json!({"displayName": "Lost answer"})
        )
        .await
    );
    assert!(names(&env, TAGS).await.contains(&"Lost answer".to_string()));
    // Failed creates, PATCH and DELETE are answered normally.
    assert_eq!(
        env.call(
            Method::POST,
            TAGS,
            Some(json!({"@odata.type": "#microsoft.graph.group"}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        env.call(
            Method::PATCH,
            &format!("{TAGS}/1"),
            Some(json!({"description": "d"}))
        )
        .await
        .0,
        200
    );
    // Inside a batch every item runs, then the whole response is dropped.
    let batch = json!({"requests": [
        {"id": "1", "method": "POST", "url": "/deviceManagement/roleScopeTags", "headers": {"Content-Type": "application/json"}, "body": {"displayName": "In batch"}},
        {"id": "2", "method": "DELETE", "url": "/deviceManagement/roleScopeTags/1"}]});
    assert!(is_dropped(&env, Method::POST, "/beta/$batch", batch).await);
    let now = names(&env, TAGS).await;
    assert!(now.contains(&"In batch".to_string()) && !now.contains(&"Berlin".to_string()));
    let st = env.h.stats();
    assert_eq!(st["droppedCreates"], 2);
    // POST ×3 (two creates, one refused), PATCH, DELETE in the batch; no envelope, no token.
    assert_eq!(
        st["writes"],
        json!({"POST": 3, "PATCH": 1, "PUT": 0, "DELETE": 1})
    );
    assert_eq!(st["faults"], 0, "read faults are a separate knob");
    env.h.shutdown().await;
}

#[tokio::test]
async fn drop_rate_is_deterministic_by_seed() {
    let run = |seed| async move {
        let env = boot(EmulatorConfig {
            drop_create_rate: 0.5,
            fault_seed: seed,
            ..Default::default()
        })
        .await;
        let mut pattern = Vec::new();
        for i in 0..16 {
            pattern.push(
                is_dropped(
                    &env,
                    Method::POST,
                    TAGS,
                    json!({"displayName": format!("t{i}")}),
                )
                .await,
            );
        }
        assert_eq!(
            names(&env, TAGS).await.len(),
            2 + 16,
            "every create committed"
        );
        assert_eq!(
            env.h.stats()["droppedCreates"],
            pattern.iter().filter(|d| **d).count() as u64
        );
        env.h.shutdown().await;
        pattern
    };
    let a = run(1).await;
    assert_eq!(a, run(1).await);
    assert!(a.contains(&true) && a.contains(&false), "{a:?}");
}

async fn ids_by_name(env: &Env, token: &str, path: &str, name: &str) -> Vec<(String, String)> {
    let (s, b, _) = env.call_with(token, Method::GET, path, None).await;
    assert_eq!(s, 200, "{path}: {b}");
    let mut out: Vec<(String, String)> = b["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            (
                o[name].as_str().unwrap_or_default().to_string(),
                o["id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn clear_keeps_reference_data_and_built_ins() {
    let env = boot(EmulatorConfig::default()).await;
    let url = |t: &str| format!("{}/_emulator/tenants/{t}/clear", env.h.base_url());
    let r = env.http.post(url(TENANT)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let counts: Value = r.json().await.unwrap();
    assert_eq!(
        counts["removedByCollection"]["deviceManagement/deviceConfigurations"],
        31
    );
    assert_eq!(
        counts["removedByCollection"]["deviceManagement/roleScopeTags"],
        1
    );
    assert_eq!(
        counts["removedByCollection"]["identity/conditionalAccess/namedLocations"],
        1
    );
    assert!(counts["removedByCollection"].get("groups").is_none());
    // 3 groups, 2 ADMX definitions (one only known from the removed configuration), tag 0, default.
    assert_eq!(counts["kept"], 7, "{counts}");
    assert_eq!(
        env.get_all("/beta/deviceManagement/deviceConfigurations")
            .await
            .0
            .len(),
        0
    );
    assert_eq!(
        env.get_all("/beta/deviceManagement/configurationPolicies")
            .await
            .0
            .len(),
        0
    );
    let tags = ids_by_name(&env, &env.token, TAGS, "displayName").await;
    assert_eq!(tags, vec![("Default".to_string(), "0".to_string())]);
    let enr = ids_by_name(
        &env,
        &env.token,
        "/beta/deviceManagement/deviceEnrollmentConfigurations",
        "displayName",
    )
    .await;
    assert_eq!(enr.len(), 1);
    assert!(enr[0].1.ends_with("_DefaultLimit"));
    assert_eq!(env.get_all("/v1.0/groups").await.0.len(), 3);
    // A restore into the cleared tenant can bind the definition and presentation it used before.
    let (s, b) = env
        .call(
            Method::POST,
            "/beta/deviceManagement/groupPolicyConfigurations",
            Some(json!({"displayName": "ADMX again"})),
        )
        .await;
    assert_eq!(s, 201);
    let gp = b["id"].as_str().unwrap().to_string();
    let def = "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('def-1')";
    let body = json!({"added": [{"enabled": true, "definition@odata.bind": def,
        "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": "v",
            "presentation@odata.bind": format!("{def}/presentations('pres-1')")}]}], "updated": [], "deletedIds": []});
    let (s, b) = env
        .call(
            Method::POST,
            &format!(
                "/beta/deviceManagement/groupPolicyConfigurations/{gp}/updateDefinitionValues"
            ),
            Some(body),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    // Handle method: same rules, unknown tenant refused; the HTTP route answers 404 for it.
    let again = env.h.clear_tenant(TENANT).unwrap();
    assert_eq!(again["removed"], 1);
    assert!(matches!(
        env.h.clear_tenant("nope"),
        Err(EmulatorError::UnknownTenant(_))
    ));
    assert_eq!(
        env.http
            .post(url("nope"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    env.h.shutdown().await;
}

const COPY: &str = "99999999-8888-4777-8666-555555555555";
const COPY_APP: &str = "bbbbbbbb-0000-0000-0000-000000000001";

#[tokio::test]
async fn references_copy_has_new_ids_and_same_names() {
    let seed = seed_with(TENANT, &[]);
    let copy = seed.references_copy(COPY, COPY_APP, "copy-secret", 7);
    assert_eq!(copy.tenant_id(), COPY);
    let again = seed.references_copy(COPY, COPY_APP, "copy-secret", 7);
    let other = seed.references_copy(COPY, COPY_APP, "copy-secret", 8);
    let ids = |s: &TenantSeed| {
        s.objects
            .iter()
            .map(|(_, o)| o["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&copy), ids(&again), "deterministic by salt");
    assert_ne!(ids(&copy), ids(&other));
    let env = boot_seeds(EmulatorConfig::default(), vec![seed, copy]).await;
    let (s, tok) = env
        .token_req(
            COPY,
            &[("client_id", COPY_APP), ("client_secret", "copy-secret")],
        )
        .await;
    assert_eq!(s, 200, "{tok}");
    let tok = tok["access_token"].as_str().unwrap().to_string();
    for (path, name) in [
        ("/v1.0/groups", "displayName"),
        (TAGS, "displayName"),
        (
            "/v1.0/identity/conditionalAccess/namedLocations",
            "displayName",
        ),
        (
            "/beta/deviceManagement/notificationMessageTemplates",
            "displayName",
        ),
        (
            "/beta/deviceManagement/groupPolicyDefinitions",
            "displayName",
        ),
    ] {
        let src = ids_by_name(&env, &env.token, path, name).await;
        let dst = ids_by_name(&env, &tok, path, name).await;
        let names = |v: &[(String, String)]| v.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(&src), names(&dst), "{path}");
        for ((_, a), (n, b)) in src.iter().zip(&dst) {
            match (path, n.as_str()) {
                (TAGS, "Default") => assert_eq!(a, b),
                (TAGS, _) => assert!(b.parse::<u64>().is_ok() && a != b, "{b}"),
                ("/beta/deviceManagement/groupPolicyDefinitions", _) => assert_eq!(a, b),
                _ => assert!(a != b && uuid::Uuid::parse_str(b).is_ok(), "{path} {b}"),
            }
        }
    }
    // References between copied objects follow the new ids.
    let groups = ids_by_name(&env, &tok, "/v1.0/groups", "displayName").await;
    let g1 = groups.iter().find(|g| g.0 == "Group g1").unwrap().1.clone();
    let berlin = ids_by_name(&env, &tok, TAGS, "displayName")
        .await
        .into_iter()
        .find(|t| t.0 == "Berlin")
        .unwrap()
        .1;
    let (_, b, _) = env
        .call_with(
            &tok,
            Method::GET,
            &format!("{TAGS}/{berlin}/assignments"),
            None,
        )
        .await;
    assert_eq!(b["value"][0]["target"]["groupId"], g1.as_str());
    let (_, b, _) = env.call_with(&tok, Method::GET, "/beta/deviceManagement/notificationMessageTemplates?$expand=localizedNotificationMessages", None).await;
    assert_ne!(
        b["value"][0]["localizedNotificationMessages"][0]["id"],
        "m1"
    );
    // Policies are not copied; the default enrollment configuration is, under the new tenant id.
    let (_, b, _) = env
        .call_with(
            &tok,
            Method::GET,
            "/beta/deviceManagement/deviceConfigurations",
            None,
        )
        .await;
    assert_eq!(b["value"], json!([]));
    let (s, b, _) = env
        .call_with(
            &tok,
            Method::GET,
            &format!("/beta/deviceManagement/deviceEnrollmentConfigurations/{COPY}_DefaultLimit"),
            None,
        )
        .await;
    assert_eq!((s, b["limit"].as_i64()), (200, Some(5)));
    // The "missing group" case: delete one group in the copy only.
    let (s, _, _) = env
        .call_with(&tok, Method::DELETE, &format!("/v1.0/groups/{g1}"), None)
        .await;
    assert_eq!(s, 204);
    assert_eq!(
        ids_by_name(&env, &tok, "/v1.0/groups", "displayName")
            .await
            .len(),
        2
    );
    assert_eq!(
        ids_by_name(&env, &env.token, "/v1.0/groups", "displayName")
            .await
            .len(),
        3
    );
    env.h.shutdown().await;
}

#[tokio::test]
async fn a_tenant_seeded_without_scope_tags_has_the_built_in_one() {
    // Real answers name scope tag "0" in `roleScopeTagIds`; every tenant has it
    // (docs/graph-notes.md, "Scope tags").
    let tenant = super::fixture::tenant_json(TENANT, &[]);
    let policy = json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "id": "p", "displayName": "P", "roleScopeTagIds": ["0"]})
    .to_string();
    let seed = TenantSeed::from_files([
        ("tenant.json", tenant.as_bytes()),
        (
            "beta/deviceManagement/deviceConfigurations/p.json",
            policy.as_bytes(),
        ),
    ])
    .unwrap();
    let env = boot_seeds(EmulatorConfig::default(), vec![seed]).await;
    let (status, tag) = env.get(&format!("{TAGS}/0")).await;
    assert_eq!(status, 200, "{tag}");
    assert_eq!(tag["displayName"], "Default");
    assert_eq!(tag["isBuiltIn"], true);
    assert_eq!(names(&env, TAGS).await, ["Default"]);
}
