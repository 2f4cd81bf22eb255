//! Portal edits: changes made from inside the process, answered by the write handlers as over
//! HTTP, logged, and never failed by fault injection.

use serde_json::json;

use super::fixture::{TENANT, boot};
use crate::emulator::*;

const DC: &str = "beta/deviceManagement/deviceConfigurations";

#[tokio::test]
async fn portal_edits_change_the_tenant_as_graph_writes_would() {
    let env = boot(EmulatorConfig {
        fault_rate: 1.0,
        ..EmulatorConfig::default()
    })
    .await;
    let portal = env.h.portal();
    let edit = |method: &str, path: &str, body: Option<serde_json::Value>| {
        portal.request(TENANT, method, path, body).unwrap()
    };
    let renamed = edit(
        "PATCH",
        &format!("{DC}/dc-00"),
        Some(
            json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": "Edited"}),
        ),
    );
    assert!(renamed.ok(), "{renamed:?}");
    let read = edit("GET", &format!("{DC}/dc-00"), None);
    let body = read.body.unwrap();
    assert_eq!(body["displayName"], "Edited");
    assert_eq!(body["version"], 2, "the server counts the write");

    let refused = edit(
        "PATCH",
        &format!("{DC}/dc-00"),
        Some(json!({"displayName": "no type"})),
    );
    assert_eq!(refused.status, 400, "the write rules hold");
    assert!(refused.message().contains("@odata.type"), "{refused:?}");

    assert!(edit("DELETE", &format!("{DC}/dc-01"), None).ok());
    assert_eq!(edit("GET", &format!("{DC}/dc-01"), None).status, 404);
    assert_eq!(edit("GET", "nowhere/deviceManagement", None).status, 400);
    assert!(matches!(
        portal.request("00000000-0000-0000-0000-000000000000", "GET", DC, None),
        Err(EmulatorError::UnknownTenant(_))
    ));

    let stats = env.h.stats();
    assert_eq!(stats["writes"]["DELETE"], 1);
    assert_eq!(
        stats["faults"], 0,
        "no fault is injected into a portal edit"
    );
    assert!(
        stats["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["method"] == "PATCH" && e["path"] == format!("/{DC}/dc-00"))
    );
}
