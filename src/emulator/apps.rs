//! What only apps do (docs/graph-notes.md, "Apps"): the service's states and counts on create,
//! categories added and removed by `$ref`, and `updateRelationships`, which replaces an app's
//! dependencies and supersedences and keeps the reverse edges on their targets.

use serde_json::{Map, Value, json};

use super::actions::body;
use super::behaviour::Coll;
use super::error::GraphError;
use super::http::{R, Req, Resp};
use super::state::{Tenant, find_obj, now};

const CATEGORIES: &str = "deviceAppManagement/mobileAppCategories";
const DEPENDENCY: &str = "#microsoft.graph.mobileAppDependency";
const SUPERSEDENCE: &str = "#microsoft.graph.mobileAppSupersedence";

/// Apps whose content is an uploaded package: not published until the content is committed,
/// which the emulator never sees.
fn has_content(odata_type: &str) -> bool {
    let t = odata_type.trim_start_matches("#microsoft.graph.");
    t.contains("LobApp")
        || t.contains("AppX")
        || t.ends_with("MSI")
        || t.ends_with("PkgApp")
        || t.ends_with("DmgApp")
        || t.ends_with("CatalogApp")
        || t == "windowsPhoneXAP"
}

/// The service's fields of a new app.
pub(crate) fn on_create(m: &mut Map<String, Value>) {
    let content = has_content(m.get("@odata.type").and_then(Value::as_str).unwrap_or(""));
    m.insert("uploadState".into(), json!(if content { 0 } else { 1 }));
    m.insert(
        "publishingState".into(),
        json!(if content { "notPublished" } else { "published" }),
    );
    m.insert("isAssigned".into(), json!(false));
    for count in [
        "dependentAppCount",
        "supersedingAppCount",
        "supersededAppCount",
    ] {
        m.insert(count.into(), json!(0));
    }
}

fn app_mut<'a>(
    t: &'a mut Tenant,
    coll: &Coll,
    id: &str,
) -> Result<&'a mut Map<String, Value>, GraphError> {
    t.store_mut(coll)
        .items
        .get_mut(id)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| GraphError::not_found(coll.missing, id))
}

/// `POST /mobileApps/{id}/categories/$ref` with `{"@odata.id": ".../mobileAppCategories/{cid}"}`
/// → 204.
pub(crate) fn add_category(t: &mut Tenant, req: &Req, coll: &Coll, id: &str) -> R {
    find_obj(t, coll, id)?;
    let url = body(req)?
        .get("@odata.id")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request("The @odata.id of the category is required."))?;
    let category = super::state::referenced(t, CATEGORIES, url)?;
    let cid = category["id"].as_str().unwrap_or_default().to_string();
    let entry = json!({
        "id": cid,
        "displayName": category["displayName"],
        "lastModifiedDateTime": category["lastModifiedDateTime"],
    });
    let app = app_mut(t, coll, id)?;
    let list = app.entry("categories").or_insert_with(|| json!([]));
    if let Some(a) = list.as_array_mut()
        && !a.iter().any(|c| c["id"] == cid)
    {
        a.push(entry);
    }
    app.insert("lastModifiedDateTime".into(), json!(now()));
    Ok(Resp::empty(204))
}

/// `DELETE /mobileApps/{id}/categories/{cid}/$ref` → 204; 404 when the app has no such category.
pub(crate) fn remove_category(t: &mut Tenant, coll: &Coll, id: &str, cid: &str) -> R {
    let app = app_mut(t, coll, id)?;
    let removed = app
        .get_mut("categories")
        .and_then(Value::as_array_mut)
        .map(|a| {
            let before = a.len();
            a.retain(|c| c["id"].as_str() != Some(cid));
            a.len() < before
        })
        .unwrap_or(false);
    if !removed {
        return Err(GraphError::not_found(404, cid));
    }
    app.insert("lastModifiedDateTime".into(), json!(now()));
    Ok(Resp::empty(204))
}

/// One checked edge of an `updateRelationships` body.
struct Edge {
    odata_type: String,
    target: String,
    kind: (&'static str, Value),
}

fn edge(t: &Tenant, coll: &Coll, source: &str, r: &Value) -> Result<Edge, GraphError> {
    let odata_type = r["@odata.type"].as_str().unwrap_or_default();
    let kind = match odata_type {
        DEPENDENCY => "dependencyType",
        SUPERSEDENCE => "supersedenceType",
        _ => {
            return Err(GraphError::bad_request(format!(
                "A relationship needs the @odata.type {DEPENDENCY} or {SUPERSEDENCE}, not '{odata_type}'."
            )));
        }
    };
    let target = r["targetId"].as_str().unwrap_or_default();
    if target == source {
        return Err(GraphError::bad_request(
            "An app cannot depend on or supersede itself.",
        ));
    }
    if t.store(coll).get(target).is_none() {
        return Err(GraphError::bad_request(format!(
            "The target app '{target}' does not exist."
        )));
    }
    Ok(Edge {
        odata_type: odata_type.to_string(),
        target: target.to_string(),
        kind: (kind, r.get(kind).cloned().unwrap_or(Value::Null)),
    })
}

/// The edge as stored on one of its two apps: `child` on the source, `parent` on the target.
fn stored_edge(e: &Edge, source: &Value, target: &Value, child: bool) -> Value {
    let (this, other) = if child {
        (source, target)
    } else {
        (target, source)
    };
    let mut v = json!({
        "@odata.type": e.odata_type,
        "id": format!("{}_{}", source["id"].as_str().unwrap_or_default(), e.target),
        "targetId": other["id"],
        "targetDisplayName": other["displayName"],
        "targetDisplayVersion": other.get("displayVersion").cloned().unwrap_or(Value::Null),
        "targetPublisher": other["publisher"],
        "targetType": if child { "child" } else { "parent" },
        "sourceId": this["id"],
        "sourceDisplayName": this["displayName"],
    });
    v[e.kind.0] = e.kind.1.clone();
    v
}

/// `updateRelationships {relationships}` → 204: the app's dependencies and supersedences become
/// exactly the body's (the action replaces the set), each target's reverse edge follows, and the
/// counts are recomputed on every app touched.
pub(crate) fn update_relationships(t: &mut Tenant, req: &Req, coll: &Coll, id: &str) -> R {
    find_obj(t, coll, id)?;
    let wanted = body(req)?
        .get("relationships")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| GraphError::bad_request("relationships is required"))?;
    let edges = wanted
        .iter()
        .map(|r| edge(t, coll, id, r))
        .collect::<Result<Vec<_>, _>>()?;
    let source = find_obj(t, coll, id)?.clone();
    // The reverse edges of the old set go, wherever they are.
    let old_targets: Vec<String> = source["relationships"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["targetType"] == "child")
        .filter_map(|r| r["targetId"].as_str().map(str::to_string))
        .collect();
    for target in &old_targets {
        if let Ok(app) = app_mut(t, coll, target)
            && let Some(a) = app.get_mut("relationships").and_then(Value::as_array_mut)
        {
            a.retain(|r| !(r["targetType"] == "parent" && r["targetId"] == id));
        }
    }
    let mut children = vec![];
    for e in &edges {
        let target = find_obj(t, coll, &e.target)?.clone();
        children.push(stored_edge(e, &source, &target, true));
        let parent = stored_edge(e, &source, &target, false);
        let app = app_mut(t, coll, &e.target)?;
        let list = app.entry("relationships").or_insert_with(|| json!([]));
        if let Some(a) = list.as_array_mut() {
            a.push(parent);
        }
    }
    let app = app_mut(t, coll, id)?;
    let list = app.entry("relationships").or_insert_with(|| json!([]));
    if let Some(a) = list.as_array_mut() {
        a.retain(|r| r["targetType"] != "child");
        a.extend(children);
    }
    app.insert("lastModifiedDateTime".into(), json!(now()));
    let touched: Vec<String> = std::iter::once(id.to_string())
        .chain(old_targets)
        .chain(edges.iter().map(|e| e.target.clone()))
        .collect();
    for a in touched {
        if let Ok(app) = app_mut(t, coll, &a) {
            count(app);
        }
    }
    Ok(Resp::empty(204))
}

/// `dependentAppCount` (the app's dependencies), `supersedingAppCount` (the apps it supersedes)
/// and `supersededAppCount` (the apps superseding it), from its edges.
fn count(app: &mut Map<String, Value>) {
    let edges: Vec<Value> = app
        .get("relationships")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let n = |ty: &str, dir: &str| {
        edges
            .iter()
            .filter(|r| r["@odata.type"] == ty && r["targetType"] == dir)
            .count()
    };
    app.insert("dependentAppCount".into(), json!(n(DEPENDENCY, "child")));
    app.insert(
        "supersedingAppCount".into(),
        json!(n(SUPERSEDENCE, "child")),
    );
    app.insert(
        "supersededAppCount".into(),
        json!(n(SUPERSEDENCE, "parent")),
    );
}
