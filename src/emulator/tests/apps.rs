//! Apps as Graph serves them (docs/graph-notes.md, "Apps"), on the demo tenant: the icon and scope
//! tags only on a GET by id, PATCH naming the derived type and refusing navigations, categories
//! linked by `$ref`, relationships replaced as a set with their reverse edges and counts, and a
//! DELETE that refuses Microsoft's own apps; policy sets, whose items name apps and policies; and
//! branding profiles, whose images only their own GET answers.

use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::boot_demo;

const APPS: &str = "/beta/deviceAppManagement/mobileApps";
const WIKI: &str = "3f2b6c1e-5a0d-4e7b-9c11-2a7d0e4b9f01";
const ZIP: &str = "4d4b9435-ec39-56ea-af68-600ae72baf7b";
const ZIP_OLD: &str = "9d1f4c2e-8b7a-5e36-a1d0-4f2b6c8e9a13";
const PORTAL: &str = "35f10f66-f50a-5b1c-b316-d35fb8a7f431";
const OTHER_APPS: &str = "0720a99e-562b-4a77-83f0-9a7523fcf13e";

fn ids(v: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = v["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_list_leaves_out_the_icon_and_scope_tags_a_get_by_id_has() {
    let env = boot_demo().await;
    let (list, _) = env.get_all(APPS).await;
    let wiki = list.iter().find(|a| a["id"] == WIKI).unwrap();
    assert!(wiki.get("largeIcon").is_none() && wiki.get("roleScopeTagIds").is_none());
    assert!(wiki.get("assignments").is_none() && wiki.get("categories").is_none());
    let (s, one) = env
        .get(&format!("{APPS}/{WIKI}?$expand=assignments,categories"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(one["largeIcon"]["type"], "image/png");
    assert_eq!(one["roleScopeTagIds"], json!(["0", "3"]));
    assert_eq!(one["assignments"].as_array().unwrap().len(), 2);
    assert_eq!(one["categories"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn patch_names_the_type_and_never_a_navigation() {
    let env = boot_demo().await;
    let url = format!("{APPS}/{WIKI}");
    let (s, b) = env
        .call(Method::PATCH, &url, Some(json!({"displayName": "x"})))
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = env
        .call(
            Method::PATCH,
            &url,
            Some(json!({"@odata.type": "#microsoft.graph.webApp", "categories": []})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(b.to_string().contains("navigation property 'categories'"));
    let (s, _) = env
        .call(
            Method::PATCH,
            &url,
            Some(json!({"@odata.type": "#microsoft.graph.webApp", "notes": "patched"})),
        )
        .await;
    assert_eq!(s, 204);
    let (s, b) = env
        .call(
            Method::PATCH,
            &format!("{APPS}/{PORTAL}"),
            Some(
                json!({"@odata.type": "#microsoft.graph.winGetApp", "packageIdentifier": "OTHER"}),
            ),
        )
        .await;
    assert_eq!(s, 400, "packageIdentifier is fixed: {b}");
    // A create names its derived type and starts unassigned, without links.
    let (s, b) = env
        .call(
            Method::POST,
            APPS,
            Some(json!({"displayName": "no type", "appUrl": "https://x.example"})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = env
        .call(
            Method::POST,
            APPS,
            Some(json!({"@odata.type": "#microsoft.graph.win32LobApp", "displayName": "pkg", "categories": [{"id": OTHER_APPS}]})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        b["publishingState"], "notPublished",
        "content never committed"
    );
    let (_, back) = env
        .get(&format!(
            "{APPS}/{}?$expand=categories",
            b["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(back["categories"], json!([]));
}

#[tokio::test]
async fn categories_are_linked_and_unlinked_by_ref() {
    let env = boot_demo().await;
    let refs = format!("{APPS}/{WIKI}/categories");
    let (_, before) = env.get(&refs).await;
    assert_eq!(ids(&before).len(), 2);
    let link = json!({"@odata.id": format!("https://graph.microsoft.com/beta/deviceAppManagement/mobileAppCategories/{OTHER_APPS}")});
    let (s, _) = env
        .call(Method::POST, &format!("{refs}/$ref"), Some(link))
        .await;
    assert_eq!(s, 204);
    let (_, after) = env.get(&refs).await;
    assert!(ids(&after).contains(&OTHER_APPS));
    assert_eq!(ids(&after).len(), 3);
    let (s, _) = env
        .call(Method::DELETE, &format!("{refs}/{OTHER_APPS}/$ref"), None)
        .await;
    assert_eq!(s, 204);
    assert_eq!(ids(&env.get(&refs).await.1), ids(&before));
    let (s, _) = env
        .call(Method::DELETE, &format!("{refs}/{OTHER_APPS}/$ref"), None)
        .await;
    assert_eq!(s, 404, "not linked any more");
    let (s, _) = env
        .call(
            Method::POST,
            &format!("{refs}/$ref"),
            Some(json!({"@odata.id": "https://graph.microsoft.com/beta/deviceAppManagement/mobileAppCategories/nope"})),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn update_relationships_replaces_the_set_and_keeps_reverse_edges() {
    let env = boot_demo().await;
    let get = |id: &str| format!("{APPS}/{id}");
    let (_, old) = env.get(&get(ZIP_OLD)).await;
    assert_eq!(old["supersededAppCount"], 1);
    // A dependency alone: the supersedence goes (the action replaces every relationship).
    let body = json!({"relationships": [{"@odata.type": "#microsoft.graph.mobileAppDependency", "targetId": PORTAL, "dependencyType": "autoInstall"}]});
    let (s, b) = env
        .call(
            Method::POST,
            &format!("{APPS}/{ZIP}/updateRelationships"),
            Some(body),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let (_, rels) = env.get(&format!("{APPS}/{ZIP}/relationships")).await;
    let rels = rels["value"].as_array().unwrap().clone();
    assert_eq!(rels.len(), 1);
    assert_eq!(rels[0]["targetType"], "child");
    assert_eq!(rels[0]["targetDisplayName"], "Company Portal");
    let (_, zip) = env.get(&get(ZIP)).await;
    assert_eq!(
        (
            zip["dependentAppCount"].clone(),
            zip["supersedingAppCount"].clone()
        ),
        (json!(1), json!(0))
    );
    let (_, old) = env.get(&get(ZIP_OLD)).await;
    assert_eq!(old["supersededAppCount"], 0, "its reverse edge went");
    let (_, portal) = env.get(&format!("{APPS}/{PORTAL}/relationships")).await;
    assert_eq!(portal["value"][0]["targetType"], "parent");
    assert_eq!(portal["value"][0]["targetId"], ZIP);
    for bad in [
        json!({"relationships": [{"@odata.type": "#microsoft.graph.mobileAppDependency", "targetId": ZIP}]}),
        json!({"relationships": [{"@odata.type": "#microsoft.graph.mobileAppRelationship", "targetId": PORTAL}]}),
        json!({"relationships": [{"@odata.type": "#microsoft.graph.mobileAppDependency", "targetId": "gone"}]}),
        json!({}),
    ] {
        let (s, _) = env
            .call(
                Method::POST,
                &format!("{APPS}/{ZIP}/updateRelationships"),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(s, 400, "{bad}");
    }
}

#[tokio::test]
async fn assign_takes_mobile_app_assignments_and_microsofts_apps_are_not_deleted() {
    let env = boot_demo().await;
    let body = json!({"mobileAppAssignments": [{"@odata.type": "#microsoft.graph.mobileAppAssignment", "intent": "uninstall", "target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}, "settings": null}]});
    let (s, _) = env
        .call(Method::POST, &format!("{APPS}/{WIKI}/assign"), Some(body))
        .await;
    assert_eq!(s, 204);
    let (_, a) = env.get(&format!("{APPS}/{WIKI}/assignments")).await;
    assert_eq!(a["value"].as_array().unwrap().len(), 1);
    assert_eq!(a["value"][0]["intent"], "uninstall");
    let (s, _) = env
        .call(
            Method::DELETE,
            &format!("{APPS}/1b7c4f2a-9e3d-5a60-b8c1-d2e3f4a5b6c7"),
            None,
        )
        .await;
    assert!(s >= 400, "Microsoft's apps are not deleted");
}

#[tokio::test]
async fn policy_sets_hold_items_written_through_update() {
    const SETS: &str = "/beta/deviceAppManagement/policySets";
    const SET: &str = "8e1f2a3b-4c5d-4e6f-9a0b-1c2d3e4f5a60";
    let env = boot_demo().await;
    let (s, b) = env.get(&format!("{SETS}?$expand=items")).await;
    assert_eq!(s, 400, "a list refuses $expand: {b}");
    let (_, set) = env
        .get(&format!("{SETS}/{SET}?$expand=assignments,items"))
        .await;
    assert_eq!(set["items"].as_array().unwrap().len(), 4);
    let item = |ty: &str, payload: &str| json!({"@odata.type": format!("#microsoft.graph.{ty}"), "payloadId": payload});
    let gone = set["items"][0]["id"].clone();
    let body = json!({
        "addedPolicySetItems": [item("mobileAppPolicySetItem", WIKI)],
        "deletedPolicySetItems": [gone],
        "assignments": [],
    });
    let (s, b) = env
        .call(Method::POST, &format!("{SETS}/{SET}/update"), Some(body))
        .await;
    assert_eq!(s, 204, "{b}");
    let (_, set) = env
        .get(&format!("{SETS}/{SET}?$expand=assignments,items"))
        .await;
    let items = set["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let added = items.iter().find(|i| i["payloadId"] == WIKI).unwrap();
    assert_eq!(
        added["id"],
        format!("{SET}_{WIKI}_mobileApp_Parcel"),
        "the service numbers items"
    );
    assert_eq!(
        added["displayName"],
        "Intranet \"Wiki\" – Ünïcödé 🚀 / HR\\Payroll"
    );
    assert_eq!(set["assignments"], json!([]));
    // A create carries its items; a PATCH may not.
    let (s, created) = env
        .call(
            Method::POST,
            SETS,
            Some(json!({"displayName": "new", "items": [item("deviceCompliancePolicyPolicySetItem", "x")]})),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["status"], "notAssigned");
    let (s, _) = env
        .call(
            Method::PATCH,
            &format!("{SETS}/{}", created["id"].as_str().unwrap()),
            Some(json!({"items": []})),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn branding_images_come_only_by_their_own_get_and_follow_a_create() {
    const PROFILES: &str = "/beta/deviceManagement/intuneBrandingProfiles";
    const MUC: &str = "d4b2a1f3-8c7e-4d6f-8091-2b3c4d5e6f70";
    let env = boot_demo().await;
    let (_, one) = env.get(&format!("{PROFILES}/{MUC}")).await;
    assert!(one.get("themeColorLogo").is_none(), "{one}");
    let (s, logo) = env.get(&format!("{PROFILES}/{MUC}/themeColorLogo")).await;
    assert_eq!(s, 200);
    assert_eq!(logo["type"], "image/png");
    let (s, _) = env
        .get(&format!("{PROFILES}/{MUC}/lightBackgroundLogo"))
        .await;
    assert_eq!(s, 404, "not set");
    let image = json!({"@odata.type": "#microsoft.graph.mimeContent", "type": "image/png", "value": "iVBORw0KGgo="});
    let (s, _) = env
        .call(
            Method::POST,
            PROFILES,
            Some(json!({"profileName": "x", "themeColorLogo": image.clone()})),
        )
        .await;
    assert_eq!(s, 400, "a create cannot carry an image");
    let (s, created) = env
        .call(Method::POST, PROFILES, Some(json!({"profileName": "x"})))
        .await;
    assert_eq!(s, 201);
    assert_eq!(created["isDefaultProfile"], false);
    let url = format!("{PROFILES}/{}", created["id"].as_str().unwrap());
    let (s, _) = env
        .call(Method::PATCH, &url, Some(json!({"themeColorLogo": image})))
        .await;
    assert_eq!(s, 204);
    assert_eq!(
        env.get(&format!("{url}/themeColorLogo")).await.1["value"],
        "iVBORw0KGgo="
    );
    let (s, _) = env
        .call(
            Method::DELETE,
            &format!("{PROFILES}/c3a1f0e2-7b6d-4c5e-9f80-1a2b3c4d5e6f"),
            None,
        )
        .await;
    assert!(s >= 400, "the default profile is not deleted");
}
