//! Requests that bring an object's child collections and links in line with the desired ones,
//! compared by what identifies them rather than by the tenant's ids: notification templates'
//! localized messages (by locale), authentication strengths' combination configurations (by
//! content), apps' categories (by category), policy sets' items (by what they hold) and the
//! authentication methods policy's method configurations (by their ids). The
//! context they and `steps` build requests from lives here, so neither imports the other.

use super::Request;
use crate::catalog::CatalogEntry;
use serde_json::{Map, Value, json};

/// Everything the requests of one item are built from.
pub struct Context<'a> {
    pub entry: &'static CatalogEntry,
    /// `beta/deviceManagement/…` of the collection the object belongs to.
    pub collection: String,
    /// The desired Graph object in the target's ids, with `assignments` when the type has them.
    pub desired: &'a Value,
    /// Graph's root URL (for `@odata.bind`).
    pub graph_base: &'a str,
    /// Live child collections that updates need ids from (`definitionValues`, `assignments`, …).
    pub live_children: &'a Map<String, Value>,
}

pub(super) fn children(ctx: &Context<'_>, field: &str) -> Vec<Value> {
    ctx.live_children
        .get(field)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub(super) fn without(v: &Value, keys: &[&str]) -> Value {
    let mut m = v.as_object().cloned().unwrap_or_default();
    for k in keys {
        m.remove(*k);
    }
    Value::Object(m)
}

pub(super) fn same_except(a: &Value, b: &Value, keys: &[&str]) -> bool {
    without(a, keys) == without(b, keys)
}

/// Does `live` hold everything `desired` says? Objects by their keys (annotations aside), arrays
/// as sets of such elements, other values by equality: what Graph adds (a property the document
/// strips, a newer field) is no difference.
fn covers(live: &Value, desired: &Value) -> bool {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => d
            .iter()
            .filter(|(k, _)| *k == "@odata.type" || !k.contains('@'))
            .all(|(k, dv)| l.get(k).is_some_and(|lv| covers(lv, dv))),
        (Value::Array(l), Value::Array(d)) => {
            l.len() == d.len() && d.iter().all(|dv| l.iter().any(|lv| covers(lv, dv)))
        }
        _ => live == desired,
    }
}

/// Children that exist with their parent and keep their ids in every tenant (the authentication
/// methods policy's method configurations, docs/graph-notes.md, "Authentication methods policy"):
/// each desired one the live one of its id does not cover is PATCHed with its `@odata.type`, one
/// the target lacks is POSTed; none is removed.
pub(super) fn patch_each(
    ctx: &Context<'_>,
    f: &str,
    object: &str,
    creating: bool,
    desired: &Value,
) -> Vec<Request> {
    let live = if creating { vec![] } else { children(ctx, f) };
    let mut out = vec![];
    for d in desired.as_array().into_iter().flatten() {
        let Some(id) = d["id"].as_str() else { continue };
        match live.iter().find(|l| l["id"].as_str() == Some(id)) {
            Some(l) if covers(l, d) => {}
            Some(_) => out.push(Request {
                method: "PATCH".into(),
                path: format!("{object}/{f}/{id}"),
                body: Some(without(d, &["id"])),
                purpose: format!("update {id}"),
            }),
            None => out.push(Request {
                method: "POST".into(),
                path: format!("{object}/{f}"),
                body: Some(d.clone()),
                purpose: format!("add {id}"),
            }),
        }
    }
    out
}

/// Notification templates' messages, one per locale: added, updated where they differ, removed
/// where the commit has none (docs/graph-notes.md, "Notification templates").
pub(super) fn localized_messages(
    ctx: &Context<'_>,
    f: &str,
    object: &str,
    creating: bool,
    desired: &Value,
) -> Vec<Request> {
    let post = |path: String, body: Value, purpose: &str| Request {
        method: "POST".into(),
        path,
        body: Some(body),
        purpose: purpose.into(),
    };
    let live = if creating { vec![] } else { children(ctx, f) };
    let mut out = vec![];
    let desired = desired.as_array().cloned().unwrap_or_default();
    for m in &desired {
        let locale = m.get("locale");
        let existing = live.iter().find(|l| l.get("locale") == locale);
        match existing.and_then(|l| l["id"].as_str()) {
            Some(mid) => {
                if !same_except(
                    existing.unwrap_or(&Value::Null),
                    m,
                    &["id", "lastModifiedDateTime"],
                ) {
                    out.push(Request {
                        method: "PATCH".into(),
                        path: format!("{object}/{f}/{mid}"),
                        body: Some(without(m, &["id", "locale"])),
                        purpose: "update localized message".into(),
                    });
                }
            }
            None => out.push(post(
                format!("{object}/{f}"),
                without(m, &["id"]),
                "add localized message",
            )),
        }
    }
    for l in &live {
        if !desired.iter().any(|m| m.get("locale") == l.get("locale"))
            && let Some(mid) = l["id"].as_str()
        {
            out.push(Request {
                method: "DELETE".into(),
                path: format!("{object}/{f}/{mid}"),
                body: None,
                purpose: "remove localized message".into(),
            });
        }
    }
    out
}

/// Authentication strengths' combination configurations (docs/graph-notes.md, "Authentication
/// strengths"): their ids are the tenant's, so they are compared by content — each desired one the
/// live object lacks is added, each live one no longer desired is removed.
pub(super) fn combination_configurations(
    ctx: &Context<'_>,
    f: &str,
    object: &str,
    creating: bool,
    desired: &Value,
) -> Vec<Request> {
    let live = if creating { vec![] } else { children(ctx, f) };
    let want: Vec<Value> = desired
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| without(c, &["id"]))
        .collect();
    let mut out = vec![];
    for l in &live {
        if !want.contains(&without(l, &["id"]))
            && let Some(cid) = l["id"].as_str()
        {
            out.push(Request {
                method: "DELETE".into(),
                path: format!("{object}/{f}/{cid}"),
                body: None,
                purpose: "remove combination configuration".into(),
            });
        }
    }
    for w in &want {
        if !live.iter().any(|l| without(l, &["id"]) == *w) {
            out.push(Request {
                method: "POST".into(),
                path: format!("{object}/{f}"),
                body: Some(w.clone()),
                purpose: "add combination configuration".into(),
            });
        }
    }
    out
}

/// A policy set's items by what they name (docs/graph-notes.md, "Policy sets"): the `update`
/// action's added items, changed ones (under the live item's id) and removed ones (by id); `None`
/// when they agree.
pub(super) fn policy_set_items(ctx: &Context<'_>, f: &str, desired: &Value) -> Option<Value> {
    let live = children(ctx, f);
    let want: Vec<&Value> = desired.as_array().into_iter().flatten().collect();
    let payload = |v: &Value| v.get("payloadId").cloned();
    let (mut added, mut updated, mut deleted) = (vec![], vec![], vec![]);
    for w in &want {
        match live.iter().find(|l| payload(l) == payload(w)) {
            None => added.push(without(w, &["id"])),
            Some(l) => {
                let differs = w
                    .as_object()
                    .into_iter()
                    .flatten()
                    .any(|(k, v)| k != "id" && l.get(k).unwrap_or(&Value::Null) != v);
                if differs {
                    let mut u = without(w, &["id"]);
                    u["id"] = l["id"].clone();
                    updated.push(u);
                }
            }
        }
    }
    for l in &live {
        if !want.iter().any(|w| payload(w) == payload(l))
            && let Some(id) = l["id"].as_str()
        {
            deleted.push(Value::String(id.to_string()));
        }
    }
    if added.is_empty() && updated.is_empty() && deleted.is_empty() {
        return None;
    }
    Some(json!({
        "addedPolicySetItems": added,
        "updatedPolicySetItems": updated,
        "deletedPolicySetItems": deleted,
    }))
}

/// An app's categories (docs/graph-notes.md, "Apps"): a `$ref` POST per category the live app
/// lacks, a `$ref` DELETE per one it has that the commit does not.
pub(super) fn categories(
    ctx: &Context<'_>,
    f: &str,
    object: &str,
    creating: bool,
    desired: &Value,
) -> Vec<Request> {
    let ids = |list: &[Value]| -> Vec<String> {
        list.iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect()
    };
    let want = ids(desired.as_array().map(Vec::as_slice).unwrap_or(&[]));
    let have = if creating {
        vec![]
    } else {
        ids(&children(ctx, f))
    };
    let collection = ctx
        .collection
        .rsplit_once('/')
        .map_or("", |(parent, _)| parent);
    let mut out = vec![];
    for id in have.iter().filter(|id| !want.contains(id)) {
        out.push(Request {
            method: "DELETE".into(),
            path: format!("{object}/{f}/{id}/$ref"),
            body: None,
            purpose: "remove category".into(),
        });
    }
    for id in want.iter().filter(|id| !have.contains(id)) {
        out.push(Request {
            method: "POST".into(),
            path: format!("{object}/{f}/$ref"),
            body: Some(json!({
                "@odata.id": format!("{}{collection}/mobileAppCategories/{id}", ctx.graph_base)
            })),
            purpose: "add category".into(),
        });
    }
    out
}
