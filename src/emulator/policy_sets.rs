//! What only policy sets do (docs/graph-notes.md, "Policy sets"): items created with the set and
//! numbered by the service, and the `update` action that adds, changes and removes items and
//! replaces the assignments.

use serde_json::{Map, Value, json};

use super::behaviour::{self, Coll};
use super::error::GraphError;
use super::http::{R, Req, Resp};
use super::state::{Tenant, find_obj, now};

/// The name of what an item holds, as the service copies it into the item.
fn payload_name(t: &Tenant, payload: &str) -> Value {
    for coll in behaviour::COLLECTIONS {
        if let Some(o) = t.store(coll).get(payload) {
            return o
                .get("displayName")
                .or_else(|| o.get("name"))
                .cloned()
                .unwrap_or(Value::Null);
        }
    }
    Value::Null
}

/// An item as stored: the service's id (`<set>_<payload>_<kind>_Parcel`), type, state and name.
fn numbered(t: &Tenant, set: &str, mut item: Map<String, Value>) -> Result<Value, GraphError> {
    let ty = item
        .get("@odata.type")
        .and_then(Value::as_str)
        .filter(|ty| ty.ends_with("PolicySetItem"))
        .ok_or_else(|| GraphError::bad_request("A policy set item needs its derived @odata.type."))?
        .to_string();
    let payload = item
        .get("payloadId")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| GraphError::bad_request("A policy set item needs a payloadId."))?
        .to_string();
    let kind = ty
        .trim_start_matches("#microsoft.graph.")
        .trim_end_matches("PolicySetItem");
    item.insert("id".into(), json!(format!("{set}_{payload}_{kind}_Parcel")));
    item.insert("displayName".into(), payload_name(t, &payload));
    item.insert("status".into(), json!("notAssigned"));
    item.insert("errorCode".into(), json!("noError"));
    item.insert("createdDateTime".into(), json!(now()));
    item.insert("lastModifiedDateTime".into(), json!(now()));
    item.entry("guidedDeploymentTags").or_insert(json!([]));
    Ok(Value::Object(item))
}

/// The items a create carries, numbered; the set's state as the service starts it.
pub(crate) fn on_create(
    t: &Tenant,
    id: &str,
    m: &mut Map<String, Value>,
    items: Option<Value>,
) -> Result<(), GraphError> {
    let items = items
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .map(|i| numbered(t, id, i.as_object().cloned().unwrap_or_default()))
        .collect::<Result<Vec<_>, _>>()?;
    m.insert("items".into(), Value::Array(items));
    m.insert("status".into(), json!("notAssigned"));
    m.insert("errorCode".into(), json!("noError"));
    Ok(())
}

fn objects(body: &Map<String, Value>, key: &str) -> Vec<Map<String, Value>> {
    body.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_object().cloned())
        .collect()
}

/// `POST /policySets/{id}/update` → 204: `addedPolicySetItems`, `updatedPolicySetItems` (by item
/// id), `deletedPolicySetItems` (item ids) and `assignments` (the whole set), any of them.
pub(crate) fn update(t: &mut Tenant, req: &Req, coll: &Coll, id: &str) -> R {
    let body = super::actions::body(req)?.clone();
    let set = find_obj(t, coll, id)?.clone();
    let mut items: Vec<Value> = set["items"].as_array().cloned().unwrap_or_default();
    for gone in body
        .get("deletedPolicySetItems")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let before = items.len();
        items.retain(|i| i["id"] != *gone);
        if items.len() == before {
            return Err(GraphError::bad_request(format!(
                "The policy set item '{gone}' does not exist."
            )));
        }
    }
    for u in objects(&body, "updatedPolicySetItems") {
        let item = items
            .iter_mut()
            .find(|i| i["id"] == u["id"])
            .ok_or_else(|| GraphError::bad_request("An updated policy set item does not exist."))?;
        if let Some(o) = item.as_object_mut() {
            for (k, v) in u {
                if k != "id" && k != "payloadId" {
                    o.insert(k, v);
                }
            }
            o.insert("lastModifiedDateTime".into(), json!(now()));
        }
    }
    for a in objects(&body, "addedPolicySetItems") {
        let new = numbered(t, id, a)?;
        if items.iter().any(|i| i["payloadId"] == new["payloadId"]) {
            return Err(GraphError::bad_request(
                "The policy set already holds that object.",
            ));
        }
        items.push(new);
    }
    let assignments = body.get("assignments").map(|a| {
        a.as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                let mut x = x.clone();
                let group = x["target"]["groupId"].as_str().unwrap_or("all").to_string();
                x["id"] = json!(format!("{id}_{group}"));
                x
            })
            .collect::<Vec<_>>()
    });
    let obj = t
        .store_mut(coll)
        .items
        .get_mut(id)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| GraphError::not_found(coll.missing, id))?;
    obj.insert("items".into(), Value::Array(items));
    if let Some(a) = assignments {
        obj.insert("assignments".into(), Value::Array(a));
    }
    obj.insert("lastModifiedDateTime".into(), json!(now()));
    Ok(Resp::empty(204))
}
