//! Route dispatch below `/{version}/` and the read side: lists with paging, get by id, navigation
//! routes and their quirks (docs/graph-notes.md, "Assignments", "Reading settings catalog
//! policies", "Administrative templates", "Compliance policies", "Paging"); the served form of an
//! object, `$expand` included, is `view`.

use serde_json::{Value, json};

use super::behaviour::{self, Coll, MANAGED_APP_POLICIES, SETTING_DEFINITIONS_NAV, Ver};
use super::config::{EmptyPages, EmulatorConfig, ListOrder};
use super::error::GraphError;
use super::http::{Ctx, R, Req, Resp, context};
use super::query::{self, Expand, Query};
use super::state::{Tenant, find_obj, mask_secrets};
use super::view::{definition_value_view, present, presentation_value_view, transform_nav};
use super::{actions, apps, definitions, policy_sets, templates, writes};

/// Marks a segment that addresses an object by an alternate key (`appId=…`), not by its id.
const ALTERNATE_KEY: char = '\u{1}';

/// Splits a path into segments, turning `name('key')` into `name`, `key`.
pub(crate) fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        match seg.find("('") {
            Some(i) if seg.ends_with("')") => {
                out.push(seg[..i].to_string());
                out.push(seg[i + 2..seg.len() - 2].replace("''", "'"));
            }
            _ => out.push(seg.to_string()),
        }
    }
    out
}

/// Splits `collection(property='value')` — a collection addressed by one of its alternate keys —
/// into the collection and a segment [`by_alternate_key`] resolves; a function call on an object
/// (`getOmaSettingPlainTextValue(secretReferenceValueId='…')`) is left whole.
fn alternate_keys(ver: Ver, segs: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(segs.len() + 1);
    for seg in segs {
        let split = seg.find('(').and_then(|i| {
            let (prop, value) = seg[i + 1..].strip_suffix("')")?.split_once("='")?;
            let mut path = out.clone();
            path.push(seg[..i].to_string());
            let coll = behaviour::served(ver, &path.join("/"))?;
            coll.alternate_keys.contains(&prop).then(|| {
                (
                    seg[..i].to_string(),
                    format!("{ALTERNATE_KEY}{prop}={}", value.replace("''", "'")),
                )
            })
        });
        match split {
            Some((name, key)) => out.extend([name, key]),
            None => out.push(seg),
        }
    }
    out
}

/// The id of the object an alternate-key segment names (`servicePrincipals(appId='…')`,
/// docs/graph-notes.md, "Conditional Access and named locations"); other segments as they are.
fn by_alternate_key(t: &Tenant, coll: &Coll, seg: &str) -> Result<String, GraphError> {
    let Some((prop, value)) = seg
        .strip_prefix(ALTERNATE_KEY)
        .and_then(|k| k.split_once('='))
    else {
        return Ok(seg.to_string());
    };
    t.store(coll)
        .values()
        .find(|o| o[prop].as_str() == Some(value))
        .and_then(|o| o["id"].as_str())
        .map(str::to_string)
        .ok_or_else(|| GraphError::not_found(404, value))
}

fn check_role(ctx: &Ctx, coll: &Coll, write: bool) -> Result<(), GraphError> {
    let ok = if write {
        coll.write_roles
            .iter()
            .all(|r| behaviour::has_role(ctx.roles, r))
    } else {
        behaviour::has_role(ctx.roles, coll.read_role)
    };
    if ok {
        Ok(())
    } else {
        Err(GraphError::new(
            403,
            "Forbidden",
            "Application is not authorized to perform this operation. Application must have one of the following scopes: ".to_string()
                + &if write { coll.write_roles.join(", ") } else { coll.read_role.to_string() },
        ))
    }
}

/// Entry point for every Graph request.
pub(crate) fn dispatch(t: &mut Tenant, ctx: &Ctx, req: &Req) -> R {
    let segs = alternate_keys(req.ver, segments(&req.path));
    let q = Query::parse(&req.query)?;
    let m = req.method.as_str();
    // Intent creation lives under the templates collection (docs/graph-notes.md, "Intents").
    if let [first, templates, template, action] = segs.as_slice()
        && action == "createInstance"
        && let Some(instances) =
            behaviour::by_path(&format!("{first}/{templates}")).and_then(|c| c.instances)
    {
        let coll = behaviour::by_path(instances).ok_or_else(GraphError::no_route)?;
        if req.ver != Ver::Beta || m != "POST" {
            return Err(GraphError::no_route());
        }
        check_role(ctx, coll, true)?;
        return actions::create_instance(t, ctx, req, coll, template);
    }
    let joined2 = segs.iter().take(2).cloned().collect::<Vec<_>>().join("/");
    if joined2 == MANAGED_APP_POLICIES {
        return managed_app_policies(t, ctx, req, &segs[2..], &q);
    }
    let (coll, rest) = (1..=segs.len().min(3))
        .rev()
        .find_map(|n| behaviour::served(req.ver, &segs[..n].join("/")).map(|c| (c, &segs[n..])))
        .ok_or_else(GraphError::no_route)?;
    let is_read = m == "GET";
    check_role(ctx, coll, !is_read)?;
    let rest: Vec<String> = rest
        .iter()
        .map(|seg| by_alternate_key(t, coll, seg))
        .collect::<Result<_, _>>()?;
    let rest = rest.as_slice();
    if coll.singleton {
        return singleton(t, ctx, req, coll, rest, &q);
    }
    match (m, rest) {
        ("GET", []) => list(t, ctx, req, coll, &q),
        ("POST", []) => writes::create(t, ctx, req, coll),
        ("GET", [id]) => get(t, ctx, req, coll, id, &q),
        ("PATCH", [id]) => writes::patch(t, ctx, req, coll, id),
        ("PUT", [id]) => writes::put(t, ctx, req, coll, id),
        ("DELETE", [id]) => writes::delete(t, coll, id),
        ("GET", [id, f]) if f.starts_with("getOmaSettingPlainTextValue(") => {
            oma_plain(t, coll, id, f)
        }
        ("GET", [id, p]) if coll.property_routes.contains(&p.as_str()) => {
            property(t, ctx, req, coll, id, p)
        }
        ("GET", [id, nav]) => nav_list(t, ctx, req, coll, id, nav, &q),
        ("GET", [id, nav, sub]) => nav_item(t, ctx, req, coll, id, nav, sub, &q),
        ("GET", [id, cats, cid, nav]) if cats == "categories" => {
            templates::category_nav(t, ctx, req, coll, id, cid, nav, &q)
        }
        ("GET", [id, dvs, dv, pvs]) if dvs == "definitionValues" && pvs == "presentationValues" => {
            presentation_values(t, ctx, req, coll, id, dv, &q)
        }
        ("POST", [id, nav]) if nav == "assignments" && coll.per_target => {
            writes::add_assignment(t, ctx, req, coll, id)
        }
        ("DELETE", [id, nav, aid]) if nav == "assignments" && coll.per_target => {
            writes::delete_assignment(t, coll, id, aid)
        }
        ("DELETE", [id, nav, cid]) if nav == "combinationConfigurations" && coll.strength => {
            actions::remove_combination(t, coll, id, cid)
        }
        ("POST", [id, nav])
            if nav == "localizedNotificationMessages"
                && coll.navs.contains(&"localizedNotificationMessages") =>
        {
            writes::add_message(t, ctx, req, coll, id)
        }
        ("PATCH", [id, nav, mid])
            if nav == "localizedNotificationMessages"
                && coll.navs.contains(&"localizedNotificationMessages") =>
        {
            writes::patch_message(t, req, coll, id, mid)
        }
        ("POST", [id, cats, r]) if cats == "categories" && r == "$ref" && coll.apps => {
            apps::add_category(t, req, coll, id)
        }
        ("DELETE", [id, cats, cid, r]) if cats == "categories" && r == "$ref" && coll.apps => {
            apps::remove_category(t, coll, id, cid)
        }
        ("POST", [id, action]) if action == "update" && coll.policy_sets => {
            policy_sets::update(t, req, coll, id)
        }
        ("POST", [id, action]) if action == "updateRelationships" && coll.apps => {
            apps::update_relationships(t, req, coll, id)
        }
        ("POST", [id, action]) => actions::action(t, ctx, req, coll, id, action),
        _ => Err(GraphError::no_route()),
    }
}

/// `GET /{id}/{property}` of a property only its own GET answers: the value with its context,
/// 404 when it is not set (docs/graph-notes.md, "Branding profiles").
fn property(t: &Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str, name: &str) -> R {
    let obj = find_obj(t, coll, id)?;
    match obj.get(name).and_then(Value::as_object) {
        Some(value) => {
            let mut v = Value::Object(value.clone());
            v["@odata.context"] = json!(context(
                ctx,
                req.ver,
                &format!("{}('{id}')/{name}", coll.path)
            ));
            Ok(Resp::json(200, v))
        }
        None => Err(GraphError::not_found(404, name)),
    }
}

/// A singleton answers GET and PATCH of its path; 404 when the tenant has none configured
/// (docs/ARCHITECTURE.md, "Singletons").
fn singleton(t: &mut Tenant, ctx: &Ctx, req: &Req, coll: &Coll, rest: &[String], q: &Query) -> R {
    let listed = coll.beta_collection && req.ver == Ver::Beta;
    let id = t
        .store(coll)
        .values()
        .next()
        .and_then(|o| o["id"].as_str())
        .map(str::to_string);
    match (rest, &id) {
        ([], _) => {}
        // The one object of a beta collection-shaped singleton, by its id.
        ([one], Some(id)) if listed && one == id => {}
        ([nav, child @ ..], Some(id)) if coll.inline_navs.contains(&nav.as_str()) => {
            return writes::singleton_child(t, ctx, req, coll, id, nav, child.first());
        }
        _ => return Err(GraphError::no_route()),
    }
    if listed && rest.is_empty() && req.method == "GET" {
        return list(t, ctx, req, coll, q);
    }
    let id = id.ok_or_else(|| GraphError::not_found(404, coll.path))?;
    match req.method.as_str() {
        "GET" => {
            let mut r = get(t, ctx, req, coll, &id, q)?;
            if let Some(b) = r.body.as_mut() {
                b["@odata.context"] = json!(context(ctx, req.ver, coll.path));
            }
            Ok(r)
        }
        "PATCH" => writes::patch(t, ctx, req, coll, &id),
        "PUT" => writes::put_singleton(t, ctx, req, coll, &id),
        _ => Err(GraphError::no_route()),
    }
}

/// Effective page size: the knob is the server's maximum, `$top` asks for less
/// (docs/graph-notes.md, "Paging").
fn page_size(ctx: &Ctx, q: &Query, default: usize) -> usize {
    match (ctx.cfg.page_size, q.top) {
        (Some(k), Some(t)) => k.min(t).max(1),
        (Some(k), None) => k.max(1),
        (None, Some(t)) => t,
        (None, None) => default,
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub(crate) fn id_hash(seed: u64, id: &str) -> u64 {
    id.bytes()
        .fold(splitmix(seed), |h, b| splitmix(h ^ u64::from(b)))
}

/// Applies the configured list order (stable for a given config).
pub(crate) fn order<T>(cfg: &EmulatorConfig, items: &mut [T], obj: fn(&T) -> &Value) {
    match cfg.order {
        ListOrder::AsStored => {}
        ListOrder::Reverse => items.reverse(),
        ListOrder::Shuffle(seed) => {
            items.sort_by_cached_key(|v| id_hash(seed, obj(v)["id"].as_str().unwrap_or_default()));
        }
    }
}

/// One page of `items` with an absolute nextLink (docs/graph-notes.md, "Paging") and the
/// hostile/looping knobs. Only the page's items go through `show`, so paging a large collection
/// stays linear.
#[allow(clippy::too_many_arguments)]
fn page<T>(
    ctx: &Ctx,
    req: &Req,
    q: &Query,
    coll_key: &str,
    items: Vec<T>,
    default: usize,
    ctx_what: String,
    show: impl FnMut(T) -> Value,
) -> Resp {
    let size = page_size(ctx, q, default);
    let total = items.len();
    let link = |skip: usize, empty_page: bool| {
        format!(
            "{}/{}/{}?{}",
            ctx.base,
            req.ver.as_str(),
            req.path,
            q.next_query(skip, ctx.cfg.next_link_form, empty_page)
        )
    };
    let mut body = json!({"@odata.context": context(ctx, req.ver, &ctx_what)});
    if q.count || ctx.cfg.always_count {
        body["@odata.count"] = json!(total);
    }
    if q.empty_page {
        // An inserted empty page: nothing, and the way on to the page it stands before.
        body["value"] = json!([]);
        body["@odata.nextLink"] = json!(link(q.skip, false));
        return Resp::json(200, body);
    }
    let slice: Vec<Value> = items
        .into_iter()
        .skip(q.skip)
        .take(size)
        .map(show)
        .collect();
    let has_items = !slice.is_empty();
    body["value"] = Value::Array(slice);
    if q.skip + size < total {
        let empty_next = ctx.cfg.empty_pages == EmptyPages::Middle;
        body["@odata.nextLink"] = json!(link(q.skip + size, empty_next));
    } else if ctx.cfg.empty_pages == EmptyPages::Last && has_items {
        // The last items, yet a nextLink: to a page with nothing and no nextLink.
        body["@odata.nextLink"] = json!(link(total, false));
    }
    if ctx.cfg.looping_next_link.as_deref() == Some(coll_key) {
        body["@odata.nextLink"] = json!(link(q.skip, false));
    }
    if let Some(h) = &ctx.cfg.hostile_next_link
        && h.collection == coll_key
        && q.skip == 0
    {
        body["@odata.nextLink"] =
            json!(format!("{}/beta/{}?$skiptoken=x", h.target_base, coll_key));
    }
    Resp::json(200, body)
}

fn check_expand(coll: &Coll, expand: &[Expand]) -> Result<(), GraphError> {
    for e in expand {
        if !coll.navs.iter().any(|n| n.eq_ignore_ascii_case(&e.name)) {
            return Err(GraphError::bad_request(format!(
                "Could not find a property named '{}' on type '{}'.",
                e.name,
                coll.base_type.trim_start_matches('#')
            )));
        }
    }
    Ok(())
}

fn list(t: &Tenant, ctx: &Ctx, req: &Req, coll: &Coll, q: &Query) -> R {
    if !q.expand.is_empty() && !coll.list_expand {
        return Err(GraphError::bad_request(
            "expand is not allowed on this collection",
        ));
    }
    check_expand(coll, &q.expand)?;
    check_advanced_query(coll, req, q)?;
    let mut items: Vec<std::borrow::Cow<Value>> = t
        .store(coll)
        .values()
        .map(|o| templates::live(t, coll, o))
        .filter(|o| q.filter.as_ref().is_none_or(|f| f.matches(o)) && q.search_matches(o))
        .collect();
    order(ctx.cfg, &mut items, |v| v.as_ref());
    let mut r = page(
        ctx,
        req,
        q,
        coll.path,
        items,
        coll.page,
        coll.path.to_string(),
        |o| present(ctx, req.ver, coll, &o, q, true),
    );
    if coll.list_tip
        && let Some(b) = r.body.as_mut()
    {
        // docs/graph-notes.md, "Reading settings catalog policies": the settings catalog list says
        // it returns a subset of properties.
        b["@microsoft.graph.tips"] = json!(
            "This request only returns a subset of the resource's properties. Your app will need to use $select to return non-default properties. To find out what other properties are available for this resource see https://learn.microsoft.com/graph/api/resources/intune-deviceconfigv2-devicemanagementconfigurationpolicy"
        );
    }
    Ok(r)
}

/// Directory objects answer `$count` and `$search` only to requests that accept eventual
/// consistency (Graph's advanced queries); Intune collections count without it.
fn check_advanced_query(coll: &Coll, req: &Req, q: &Query) -> Result<(), GraphError> {
    if !coll.advanced_query || req.eventual {
        return Ok(());
    }
    if q.search.is_some() {
        return Err(GraphError::new(
            400,
            "Request_UnsupportedQuery",
            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        ));
    }
    if q.count {
        return Err(GraphError::new(
            400,
            "Request_BadRequest",
            "$count is not currently supported.",
        ));
    }
    Ok(())
}

fn get(t: &Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str, q: &Query) -> R {
    check_expand(coll, &q.expand)?;
    let obj = templates::live(t, coll, find_obj(t, coll, id)?);
    let mut v = present(ctx, req.ver, coll, &obj, q, false);
    v["@odata.context"] = json!(context(ctx, req.ver, &format!("{}/$entity", coll.path)));
    Ok(Resp::json(200, v))
}

fn oma_plain(t: &Tenant, coll: &Coll, id: &str, f: &str) -> R {
    let obj = find_obj(t, coll, id)?;
    let reference = f
        .strip_prefix("getOmaSettingPlainTextValue(secretReferenceValueId=")
        .and_then(|s| s.strip_suffix(')'))
        .map(|s| s.trim_matches('\''))
        .ok_or_else(GraphError::no_route)?;
    obj["omaSettings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["secretReferenceValueId"].as_str() == Some(reference))
        .map(|s| Resp::json(200, json!({"value": s["value"].clone()})))
        .ok_or_else(|| GraphError::not_found(404, reference))
}

fn nav_list(t: &Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str, nav: &str, q: &Query) -> R {
    if !coll.navs.contains(&nav) {
        return Err(GraphError::no_route());
    }
    if nav == "assignments" && !coll.assignments_route {
        // docs/graph-notes.md, "Assignments"
        return Err(GraphError::bad_request(format!(
            "No OData route exists that match template ~/singleton/navigation/key/navigation with http verb GET for request /DeviceFE/StatelessDeviceFEService/{}/{id}/assignments.",
            coll.path
        )));
    }
    if nav == "scheduledActionsForRule" && coll.rules_by_expand_only {
        // docs/graph-notes.md, "Compliance policies": the nav route answers 400; use $expand on the
        // policy. The settings-catalog compliance collection serves it (docs/graph-variation.md).
        return Err(GraphError::bad_request(
            "An error has occurred - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000",
        ));
    }
    if nav == "settings" {
        definitions::check_settings_expand(&q.expand)?;
    }
    let obj = find_obj(t, coll, id)?;
    let mut items: Vec<Value> = obj[nav].as_array().cloned().unwrap_or_default();
    let expand: Vec<Expand> = if ctx.cfg.ignore_nested_expand {
        q.expand
            .iter()
            .filter(|e| e.nested.is_empty())
            .cloned()
            .collect()
    } else {
        q.expand.clone()
    };
    for it in &mut items {
        if nav == "definitionValues" {
            definition_value_view(it, &expand);
        }
        mask_secrets(it);
    }
    if matches!(nav, "scheduledActionsForRule" | "categories") {
        let mut all = Value::Array(items);
        transform_nav(nav, &mut all, &q.expand);
        items = serde_json::from_value(all).unwrap_or_default();
    }
    let what = format!("{}('{id}')/{nav}", coll.path);
    if nav == "settings" {
        // Definitions are attached per page, so a large policy is expanded a page at a time.
        let with_definitions = query::find(&q.expand, SETTING_DEFINITIONS_NAV).is_some();
        return Ok(page(
            ctx,
            req,
            q,
            &format!("{}/settings", coll.path),
            items,
            25,
            what,
            |mut v| {
                if with_definitions {
                    definitions::attach(t, &mut v);
                }
                v
            },
        ));
    }
    Ok(Resp::json(
        200,
        json!({"@odata.context": context(ctx, req.ver, &what), "value": items}),
    ))
}

#[allow(clippy::too_many_arguments)]
fn nav_item(
    t: &Tenant,
    ctx: &Ctx,
    req: &Req,
    coll: &Coll,
    id: &str,
    nav: &str,
    sub: &str,
    q: &Query,
) -> R {
    if !coll.navs.contains(&nav) {
        return Err(GraphError::no_route());
    }
    let obj = find_obj(t, coll, id)?;
    let mut it = obj[nav]
        .as_array()
        .into_iter()
        .flatten()
        .find(|x| x["id"].as_str() == Some(sub))
        .cloned()
        .ok_or_else(|| GraphError::not_found(404, sub))?;
    if nav == "definitionValues" {
        definition_value_view(&mut it, &q.expand);
    }
    if nav == "categories" {
        templates::category_view(&mut it, &q.expand);
    }
    mask_secrets(&mut it);
    it["@odata.context"] = json!(context(
        ctx,
        req.ver,
        &format!("{}('{id}')/{nav}/$entity", coll.path)
    ));
    Ok(Resp::json(200, it))
}

fn presentation_values(
    t: &Tenant,
    ctx: &Ctx,
    req: &Req,
    coll: &Coll,
    id: &str,
    dv: &str,
    q: &Query,
) -> R {
    let obj = find_obj(t, coll, id)?;
    let dvv = obj["definitionValues"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|x| x["id"].as_str() == Some(dv))
        .ok_or_else(|| GraphError::not_found(404, dv))?;
    let mut pvs = dvv["presentationValues"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    pvs.iter_mut()
        .for_each(|p| presentation_value_view(p, &q.expand));
    let what = format!(
        "{}('{id}')/definitionValues('{dv}')/presentationValues",
        coll.path
    );
    Ok(Resp::json(
        200,
        json!({"@odata.context": context(ctx, req.ver, &what), "value": pvs}),
    ))
}

/// The polymorphic read-only view over the typed MAM collections (docs/graph-notes.md, "App
/// protection policies").
fn managed_app_policies(t: &mut Tenant, ctx: &Ctx, req: &Req, rest: &[String], q: &Query) -> R {
    let typed: Vec<&Coll> = behaviour::COLLECTIONS
        .iter()
        .filter(|c| c.managed_app_policy)
        .collect();
    let first = typed.first().copied().ok_or_else(GraphError::no_route)?;
    if req.ver != Ver::Beta && req.ver != Ver::V1 {
        return Err(GraphError::no_route());
    }
    check_role(ctx, first, req.method != "GET")?;
    let owner = |t: &Tenant, id: &str| typed.iter().copied().find(|c| t.store(c).get(id).is_some());
    match (req.method.as_str(), rest) {
        ("GET", []) => {
            if !q.expand.is_empty() {
                return Err(GraphError::bad_request(
                    "expand is not allowed on managedAppPolicies",
                ));
            }
            let plain = Query {
                expand: vec![],
                ..q.clone()
            };
            let mut items: Vec<(&Coll, &Value)> = typed
                .iter()
                .flat_map(|c| t.store(c).values().map(move |o| (*c, o)))
                .filter(|(_, o)| q.filter.as_ref().is_none_or(|f| f.matches(o)))
                .collect();
            order(ctx.cfg, &mut items, |(_, o)| o);
            Ok(page(
                ctx,
                req,
                q,
                MANAGED_APP_POLICIES,
                items,
                100,
                MANAGED_APP_POLICIES.to_string(),
                |(c, o)| present(ctx, req.ver, c, o, &plain, true),
            ))
        }
        ("GET", [id]) => {
            let c = owner(t, id).ok_or_else(|| GraphError::not_found(404, id))?;
            let plain = Query {
                expand: vec![],
                ..q.clone()
            };
            Ok(Resp::json(
                200,
                present(ctx, req.ver, c, find_obj(t, c, id)?, &plain, false),
            ))
        }
        ("POST", [id, a]) if a == "targetApps" => {
            let c = owner(t, id).ok_or_else(|| GraphError::not_found(404, id))?;
            actions::action(t, ctx, req, c, id, a)
        }
        _ => Err(GraphError::no_route()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn itself(v: &Value) -> &Value {
        v
    }

    #[test]
    fn segments_split_keys() {
        assert_eq!(
            segments("deviceManagement/groupPolicyDefinitions('D1')/presentations('P')"),
            vec![
                "deviceManagement",
                "groupPolicyDefinitions",
                "D1",
                "presentations",
                "P"
            ]
        );
        let s = segments(
            "deviceManagement/deviceConfigurations/x/getOmaSettingPlainTextValue(secretReferenceValueId='r')",
        );
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn shuffle_is_stable_and_differs_by_seed() {
        let mk = || {
            (0..20)
                .map(|i| json!({"id": format!("id{i}")}))
                .collect::<Vec<_>>()
        };
        let cfg = EmulatorConfig {
            order: ListOrder::Shuffle(7),
            ..Default::default()
        };
        let (mut a, mut b) = (mk(), mk());
        order(&cfg, &mut a, itself);
        order(&cfg, &mut b, itself);
        assert_eq!(a, b);
        assert_ne!(a, mk());
        let cfg2 = EmulatorConfig {
            order: ListOrder::Shuffle(8),
            ..Default::default()
        };
        let mut c = mk();
        order(&cfg2, &mut c, itself);
        assert_ne!(a, c);
    }
}
