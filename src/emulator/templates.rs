//! Intent templates (`/beta/deviceManagement/templates`, docs/graph-notes.md, "Intents"): the
//! read-only neighbours a client reads to interpret an intent — the template itself, its setting
//! categories with their setting definitions and recommended settings, and its default settings.
//!
//! They exist in the emulator because clients written against Graph read them (to name an
//! intent's settings, to find the current security baseline), and a route missing there is a
//! refusal Graph never gives. Templates are seed data like setting definitions; `intentCount` is
//! counted from the tenant's intents when answered, as Graph counts them.

use std::borrow::Cow;

use serde_json::{Value, json};

use super::behaviour::{self, Coll};
use super::error::GraphError;
use super::http::{Ctx, R, Req, Resp, context};
use super::query::{self, Expand, Query};
use super::state::{Tenant, find_obj};

/// Navigation properties of a template's category, stored inline in the seed.
const CATEGORY_NAVS: &[&str] = &["settingDefinitions", "recommendedSettings"];

/// `obj` as answered: a template gets the number of the tenant's intents created from it.
pub(crate) fn live<'a>(t: &Tenant, coll: &Coll, obj: &'a Value) -> Cow<'a, Value> {
    let Some(intents) = coll.instances.and_then(behaviour::by_path) else {
        return Cow::Borrowed(obj);
    };
    let id = obj["id"].as_str().unwrap_or_default();
    let n = t
        .store(intents)
        .values()
        .filter(|i| i["templateId"].as_str() == Some(id))
        .count();
    let mut v = obj.clone();
    v["intentCount"] = json!(n);
    Cow::Owned(v)
}

/// A category as listed: its navigations only when expanded.
pub(crate) fn category_view(cat: &mut Value, expand: &[Expand]) {
    let Some(o) = cat.as_object_mut() else { return };
    for nav in CATEGORY_NAVS {
        if query::find(expand, nav).is_none() {
            o.remove(*nav);
        }
    }
}

/// `GET /templates/{id}/categories/{categoryId}/{settingDefinitions|recommendedSettings}`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn category_nav(
    t: &Tenant,
    ctx: &Ctx,
    req: &Req,
    coll: &Coll,
    id: &str,
    cid: &str,
    nav: &str,
    q: &Query,
) -> R {
    if !coll.navs.contains(&"categories") || !CATEGORY_NAVS.contains(&nav) {
        return Err(GraphError::no_route());
    }
    if !q.expand.is_empty() {
        return Err(GraphError::bad_request(format!(
            "Could not find a property named '{}' on type 'microsoft.graph.deviceManagementSettingDefinition'.",
            q.expand[0].name
        )));
    }
    let cat = find_obj(t, coll, id)?["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["id"].as_str() == Some(cid))
        .ok_or_else(|| GraphError::not_found(404, cid))?;
    let items: Vec<Value> = cat[nav]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| q.filter.as_ref().is_none_or(|f| f.matches(o)))
        .cloned()
        .collect();
    let what = format!("{}('{id}')/categories('{cid}')/{nav}", coll.path);
    let mut body = json!({"@odata.context": context(ctx, req.ver, &what), "value": items});
    if q.count {
        body["@odata.count"] = json!(items_len(&body));
    }
    Ok(Resp::json(200, body))
}

fn items_len(body: &Value) -> usize {
    body["value"].as_array().map_or(0, Vec::len)
}
