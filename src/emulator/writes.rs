//! Create / update / replace / delete on every collection, with server-set read-only fields and the
//! success codes of docs/graph-notes.md, "Writes and their answers"; plus the per-item
//! sub-resources: autopilot assignments (docs/graph-notes.md, "Autopilot profiles") and localized
//! notification messages (docs/graph-notes.md, "Notification templates").

use serde_json::{Map, Value, json};

use super::actions::{check_block_action, check_target_references, id_rules};
use super::behaviour::{self, Coll, VersionKind, enrollment_id, enrollment_type};
use super::error::GraphError;
use super::evolution;
use super::http::{Ctx, R, Req, Resp, context};
use super::query::Query;
use super::state::{Tenant, find_obj, find_obj_mut, ingest_secrets, now};
use super::view::present;

/// The request's JSON object, to change (`actions::body` reads it in place).
fn body_object(req: &Req) -> Result<Map<String, Value>, GraphError> {
    super::actions::body(req).cloned()
}

/// Drops read-only fields and OData annotations except the root `@odata.type` (docs/graph-notes.md,
/// "Read-only fields").
fn strip_read_only(coll: &Coll, m: &mut Map<String, Value>) {
    for f in behaviour::COMMON_READ_ONLY.iter().chain(coll.read_only) {
        m.remove(*f);
    }
    m.retain(|k, _| k == "@odata.type" || !k.contains('@'));
}

/// Script contents are `Edm.Binary`: base64 text, stored and served exactly as sent
/// (docs/graph-notes.md, "Scripts").
fn check_binary(coll: &Coll, m: &Map<String, Value>) -> Result<(), GraphError> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    for f in coll.lazy {
        match m.get(*f) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if STANDARD.decode(s).is_ok() || URL_SAFE.decode(s).is_ok() => {}
            Some(_) => {
                return Err(GraphError::bad_request(format!(
                    "Cannot convert the literal to the expected type 'Edm.Binary' for property '{f}'."
                )));
            }
        }
    }
    Ok(())
}

/// The objects a create binds (`<nav>@odata.bind`), taken out of the body: 400 when one is
/// missing or names nothing.
fn bound(
    t: &Tenant,
    coll: &Coll,
    m: &mut Map<String, Value>,
) -> Result<Map<String, Value>, GraphError> {
    let mut out = Map::new();
    for (nav, target) in coll.binds {
        let key = format!("{nav}@odata.bind");
        let url = m
            .remove(&key)
            .and_then(|v| v.as_str().map(str::to_string))
            .ok_or_else(|| GraphError::bad_request(format!("{key} is required.")))?;
        let object = super::state::referenced(t, target, &url)?;
        out.insert((*nav).to_string(), object);
    }
    Ok(out)
}

/// Inline links (`{"id": …}`) replaced by the objects they name: 400 when one names nothing.
fn linked(t: &Tenant, coll: &Coll, m: &mut Map<String, Value>) -> Result<(), GraphError> {
    for (field, target) in coll.links {
        let Some(id) = m
            .get(*field)
            .and_then(|v| v["id"].as_str())
            .map(str::to_string)
        else {
            continue;
        };
        let object = super::state::referenced(t, target, &id)?;
        m.insert((*field).to_string(), object);
    }
    Ok(())
}

fn type_name(coll: &Coll) -> &str {
    coll.base_type.trim_start_matches('#')
}

/// The id a client chose for a new object: the key of a collection keyed by another property,
/// or for a `client_ids` collection `c1`…`c99`; never one taken.
fn client_id(
    t: &Tenant,
    coll: &Coll,
    m: &Map<String, Value>,
) -> Result<Option<String>, GraphError> {
    if coll.key != "id" {
        // The key is the body's (docs/graph-notes.md, "Cross-tenant access partners").
        let Some(id) = m
            .get(coll.key)
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
        else {
            return Err(GraphError::bad_request(format!(
                "The property '{}' is required.",
                coll.key
            )));
        };
        return match t.store(coll).get(id) {
            Some(_) => Err(GraphError::new(
                409,
                "Conflict",
                format!("An object with {} '{id}' already exists.", coll.key),
            )),
            None => Ok(Some(id.to_string())),
        };
    }
    if !coll.client_ids {
        return Ok(None);
    }
    let id = m.get("id").and_then(Value::as_str).unwrap_or_default();
    let n = id.strip_prefix('c').and_then(|n| n.parse::<u32>().ok());
    if !n.is_some_and(|n| (1..=99).contains(&n)) {
        return Err(GraphError::bad_request(format!(
            "The id '{id}' is not valid: use c1 through c99."
        )));
    }
    if t.store(coll).get(id).is_some() {
        return Err(GraphError::new(
            409,
            "Conflict",
            format!("An object with id '{id}' already exists."),
        ));
    }
    Ok(Some(id.to_string()))
}

fn new_id(t: &Tenant, coll: &Coll) -> String {
    if coll.numeric_id {
        let max = t
            .store(coll)
            .order
            .iter()
            .filter_map(|i| i.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        return (max + 1).to_string();
    }
    uuid::Uuid::new_v4().to_string()
}

fn bump(coll: &Coll, m: &mut Map<String, Value>) {
    for field in coll.modified {
        m.insert(field.to_string(), json!(now()));
    }
    match coll.version {
        VersionKind::None => {}
        VersionKind::Int => {
            let v = m.get("version").and_then(Value::as_i64).unwrap_or(0);
            m.insert("version".into(), json!(v + 1));
        }
        VersionKind::Str => {
            let v = m
                .get("version")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            m.insert("version".into(), json!((v + 1).to_string()));
        }
    }
}

/// Settings as stored: `id` = index, no expanded definitions (docs/graph-notes.md, "Setting
/// instances", "Writing settings catalog policies").
pub(crate) fn id_settings(settings: &Value) -> Value {
    let mut s = settings.clone();
    for (i, it) in s.as_array_mut().into_iter().flatten().enumerate() {
        if let Some(o) = it.as_object_mut() {
            o.remove("settingDefinitions");
            o.insert("id".into(), json!(i.to_string()));
        }
    }
    s
}

fn check_type(coll: &Coll, m: &mut Map<String, Value>) -> Result<(), GraphError> {
    match m.get("@odata.type").and_then(Value::as_str) {
        None if coll.polymorphic => Err(GraphError::bad_request(format!(
            "The '@odata.type' property is required on create for the abstract type '{}'.",
            type_name(coll)
        ))),
        None => {
            m.insert("@odata.type".into(), json!(coll.base_type));
            Ok(())
        }
        Some(t) if coll.polymorphic && !t.contains(coll.type_hint) => {
            Err(GraphError::bad_request(format!(
                "A type named '{}' could not be resolved as a derived type of '{}'.",
                t.trim_start_matches('#'),
                type_name(coll)
            )))
        }
        Some(t) if !coll.polymorphic && t != coll.base_type => {
            Err(GraphError::bad_request(format!(
                "A type named '{}' is not compatible with '{}'.",
                t.trim_start_matches('#'),
                type_name(coll)
            )))
        }
        Some(_) => Ok(()),
    }
}

pub(crate) fn create(t: &mut Tenant, ctx: &Ctx, req: &Req, coll: &Coll) -> R {
    if !coll.writable {
        return Err(GraphError::no_route());
    }
    let mut m = body_object(req)?;
    let chosen = client_id(t, coll, &m)?;
    if let Some(id) = m.get("id").and_then(Value::as_str)
        && coll.is_default_enrollment(id)
    {
        return Err(GraphError::bad_request(
            "Default enrollment configurations cannot be created",
        ));
    }
    if let Some(f) = coll.create_refused.iter().find(|f| m.contains_key(**f)) {
        // docs/graph-notes.md, "Branding profiles": the portal creates, then PATCHes the images.
        return Err(GraphError::bad_request(format!(
            "A create cannot carry '{f}': create the object, then PATCH it."
        )));
    }
    let bound = bound(t, coll, &mut m)?;
    linked(t, coll, &mut m)?;
    strip_read_only(coll, &mut m);
    check_type(coll, &mut m)?;
    evolution::refuse_removed(ctx.cfg, coll, &m, None)?;
    check_binary(coll, &m)?;
    let set_items = if coll.policy_sets {
        m.remove("items")
    } else {
        None
    };
    for nav in coll.navs {
        let given = m.remove(*nav);
        let v = match (*nav, given) {
            ("settings", Some(s)) => id_settings(&s),
            ("scheduledActionsForRule", given) if coll.block_rule => {
                let rules = given.unwrap_or_else(|| json!([]));
                check_block_action(&rules)?;
                id_rules(&rules)
            }
            ("scheduledActionsForRule", Some(r)) => id_rules(&r),
            _ => json!([]),
        };
        m.insert((*nav).to_string(), v);
    }
    m.extend(bound);
    let mut id = chosen.unwrap_or_else(|| new_id(t, coll));
    if coll.typed_ids {
        // The type is the server's, and so is the id's suffix naming it.
        let kind = enrollment_type(m.get("@odata.type").and_then(Value::as_str).unwrap_or(""));
        m.insert("deviceEnrollmentConfigurationType".into(), json!(kind));
        id = enrollment_id(&id, kind);
    }
    m.insert("id".into(), json!(id));
    if coll.created {
        m.insert("createdDateTime".into(), json!(now()));
    }
    defaults_on_create(t, coll, &mut m);
    if coll.apps {
        super::apps::on_create(&mut m);
    }
    if coll.policy_sets {
        super::policy_sets::on_create(t, &id, &mut m, set_items)?;
    }
    bump(coll, &mut m);
    let mut obj = Value::Object(m);
    evolution::complete_unknown(ctx.cfg, &mut obj);
    ingest_secrets(&mut obj, &mut t.secrets)?;
    t.store_mut(coll).insert(id, obj.clone());
    let mut v = present(ctx, req.ver, coll, &obj, &Query::default(), false);
    v["@odata.context"] = json!(context(ctx, req.ver, &format!("{}/$entity", coll.path)));
    if ctx.cfg.partial_create_body {
        v = evolution::partial_create(&v, coll.key);
    }
    Ok(Resp::json(201, v))
}

fn defaults_on_create(t: &Tenant, coll: &Coll, m: &mut Map<String, Value>) {
    if coll.scope_tags && !m.contains_key("roleScopeTagIds") {
        m.insert("roleScopeTagIds".into(), json!(["0"]));
    }
    if coll.counts_settings {
        let n = m
            .get("settings")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        m.insert("settingCount".into(), json!(n));
        m.insert("isAssigned".into(), json!(false));
    }
    if let Some(flag) = coll.built_in.flag() {
        m.insert(flag.into(), json!(false));
    }
    for (k, v) in coll.create_defaults {
        m.entry(*k).or_insert(json!(v));
    }
    if coll.named_by_template {
        let template = m.get("templateId").and_then(Value::as_str).unwrap_or("");
        let name = super::coll::DIRECTORY_SETTING_TEMPLATES
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(template))
            .map_or(template, |(_, n)| n);
        m.insert("displayName".into(), json!(name));
    }
    if coll.set_priority {
        let max = t
            .store(coll)
            .values()
            .filter_map(|o| o["priority"].as_i64())
            .max()
            .unwrap_or(0);
        m.insert("priority".into(), json!(max + 1));
    }
}

pub(crate) fn patch(t: &mut Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str) -> R {
    if !coll.writable {
        return Err(GraphError::no_route());
    }
    if coll.client_ids && t.store(coll).get(id).is_none() {
        // A PATCH of a free client-chosen id creates the object (docs/graph-notes.md,
        // "Authentication contexts").
        let mut body = body_object(req)?;
        body.insert("id".into(), json!(id));
        let create_req = Req {
            method: "POST".into(),
            ver: req.ver,
            path: req.path.clone(),
            query: req.query.clone(),
            body: Some(Value::Object(body)),
            eventual: req.eventual,
        };
        create(t, ctx, &create_req, coll)?;
        return Ok(Resp::empty(204));
    }
    let mut m = body_object(req)?;
    for nav in coll.navs {
        if m.contains_key(*nav) {
            // docs/graph-notes.md, "Writing settings catalog policies"
            return Err(GraphError::bad_request(format!(
                "Cannot apply PATCH to navigation property '{nav}' on entity type '{}'.",
                type_name(coll)
            )));
        }
    }
    let stored = find_obj(t, coll, id)?;
    let stored_type = stored["@odata.type"].clone();
    if let Some(f) = coll.patch_refused.iter().find(|f| m.contains_key(**f)) {
        // docs/graph-notes.md, "Enrollment configurations": priority only through setPriority; type
        // fields are fixed.
        return Err(GraphError::bad_request(format!(
            "The property '{f}' cannot be set in an update of '{}'.",
            type_name(coll)
        )));
    }
    if let Some(f) = coll
        .immutable
        .iter()
        .find(|f| m.get(**f).is_some_and(|v| *v != stored[**f]))
    {
        return Err(GraphError::bad_request(format!(
            "The property '{f}' cannot be changed after creation."
        )));
    }
    evolution::refuse_removed(ctx.cfg, coll, &m, stored_type.as_str())?;
    check_binary(coll, &m)?;
    match m.get("@odata.type") {
        None if coll.patch_type => {
            return Err(GraphError::bad_request(format!(
                "The '@odata.type' property is required to update an entity of the abstract type '{}'.",
                type_name(coll)
            )));
        }
        Some(ty) if *ty != stored_type => {
            return Err(GraphError::bad_request(
                "The '@odata.type' of the payload does not match the entity type.",
            ));
        }
        _ => {}
    }
    strip_read_only(coll, &mut m);
    linked(t, coll, &mut m)?;
    let mut patch = Value::Object(m);
    ingest_secrets(&mut patch, &mut t.secrets)?;
    let store = t.store_mut(coll);
    let obj = store
        .items
        .get_mut(id)
        .ok_or_else(|| GraphError::not_found(coll.missing, id))?;
    let (Some(o), Value::Object(p)) = (obj.as_object_mut(), patch) else {
        return Err(GraphError::bad_request("Invalid payload"));
    };
    for (k, v) in p {
        o.insert(k, v);
    }
    bump(coll, o);
    if evolution::update_status(ctx.cfg, coll.patch) == 204 {
        return Ok(Resp::empty(204));
    }
    let obj = obj.clone();
    Ok(Resp::json(
        200,
        present(ctx, req.ver, coll, &obj, &Query::default(), false),
    ))
}

/// `PUT` replaces the whole object including settings (docs/graph-notes.md, "Writing settings
/// catalog policies") → 204 (200 with the object under the `patch-200` variation).
/// A PUT's body checked against the stored object (same `@odata.type`, no property its type lost)
/// and without read-only fields; the stored object beside it.
fn put_body(
    t: &Tenant,
    ctx: &Ctx,
    req: &Req,
    coll: &Coll,
    id: &str,
) -> Result<(Map<String, Value>, Value), GraphError> {
    if !coll.put {
        return Err(GraphError::no_route());
    }
    let mut m = body_object(req)?;
    let old = find_obj(t, coll, id)?.clone();
    if let Some(ty) = m.get("@odata.type")
        && *ty != old["@odata.type"]
    {
        return Err(GraphError::bad_request(
            "The '@odata.type' of the payload does not match the entity type.",
        ));
    }
    strip_read_only(coll, &mut m);
    evolution::refuse_removed(ctx.cfg, coll, &m, old["@odata.type"].as_str())?;
    Ok((m, old))
}

/// PUT of a singleton: the whole object replaced by the body, its id, type and read-only
/// properties kept; 200 with the object (docs/graph-notes.md, "Entra tenant policies").
pub(crate) fn put_singleton(t: &mut Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str) -> R {
    let (m, old) = put_body(t, ctx, req, coll, id)?;
    let mut new = Map::new();
    for keep in ["@odata.type", "id"]
        .iter()
        .chain(behaviour::COMMON_READ_ONLY)
        .chain(coll.read_only)
    {
        if let Some(v) = old.get(*keep) {
            new.insert(keep.to_string(), v.clone());
        }
    }
    new.extend(m);
    bump(coll, &mut new);
    let obj = Value::Object(new);
    t.store_mut(coll).insert(id.to_string(), obj.clone());
    Ok(Resp::json(
        200,
        present(ctx, req.ver, coll, &obj, &Query::default(), false),
    ))
}

pub(crate) fn put(t: &mut Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str) -> R {
    let (mut m, old) = put_body(t, ctx, req, coll, id)?;
    if ctx.cfg.refuse_fixed_changes {
        let changed = |k: &str| m.get(k).is_some_and(|v| *v != old[k]);
        if changed("platforms")
            || changed("technologies")
            || m.get("templateReference")
                .is_some_and(|r| r["templateId"] != old["templateReference"]["templateId"])
        {
            return Err(GraphError::bad_request(
                "The platforms, technologies and template of a policy cannot be changed.",
            ));
        }
    }
    m.retain(|k, _| !coll.navs.contains(&k.as_str()) || k == "settings");
    let settings = m
        .remove("settings")
        .map(|s| id_settings(&s))
        .unwrap_or_else(|| json!([]));
    let mut new = Map::new();
    for keep in [
        "@odata.type",
        "id",
        "createdDateTime",
        "creationSource",
        "isAssigned",
    ] {
        if let Some(v) = old.get(keep) {
            new.insert(keep.into(), v.clone());
        }
    }
    for nav in coll.navs.iter().filter(|n| **n != "settings") {
        new.insert(
            (*nav).to_string(),
            old.get(*nav).cloned().unwrap_or_else(|| json!([])),
        );
    }
    new.insert(
        "settingCount".into(),
        json!(settings.as_array().map_or(0, Vec::len)),
    );
    new.insert("settings".into(), settings);
    new.extend(m);
    bump(coll, &mut new);
    let mut obj = Value::Object(new);
    evolution::complete_unknown(ctx.cfg, &mut obj);
    ingest_secrets(&mut obj, &mut t.secrets)?;
    t.store_mut(coll).insert(id.to_string(), obj.clone());
    if evolution::update_status(ctx.cfg, 204) == 200 {
        return Ok(Resp::json(
            200,
            present(ctx, req.ver, coll, &obj, &Query::default(), false),
        ));
    }
    Ok(Resp::empty(204))
}

pub(crate) fn delete(t: &mut Tenant, coll: &Coll, id: &str) -> R {
    if !coll.writable {
        return Err(GraphError::no_route());
    }
    if coll.is_default_enrollment(id) {
        return Err(GraphError::bad_request(
            "Default enrollment configurations cannot be deleted",
        ));
    }
    if t.store(coll).get(id).is_some_and(|o| coll.is_built_in(o)) {
        return Err(GraphError::bad_request(format!(
            "The built-in object '{id}' cannot be deleted."
        )));
    }
    if coll.assign == behaviour::Assign::Devices
        && t.store(coll)
            .get(id)
            .is_some_and(|o| o["assignments"].as_array().is_some_and(|a| !a.is_empty()))
    {
        // docs/graph-notes.md, "Autopilot profiles": unassign before deleting a profile (the 400 is
        // UNVERIFIED).
        return Err(GraphError::bad_request(format!(
            "The profile '{id}' is assigned; delete its assignments first."
        )));
    }
    t.store_mut(coll)
        .remove(id)
        .ok_or_else(|| GraphError::not_found(coll.missing, id))?;
    Ok(Resp::empty(coll.delete))
}

/// `POST /windowsAutopilotDeploymentProfiles/{id}/assignments {"target":…}` → 201
/// (docs/graph-notes.md, "Autopilot profiles").
pub(crate) fn add_assignment(t: &mut Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str) -> R {
    let m = body_object(req)?;
    let target = m
        .get("target")
        .filter(|v| v.is_object())
        .cloned()
        .ok_or_else(|| GraphError::bad_request("target is required"))?;
    find_obj(t, coll, id)?;
    if ctx.cfg.check_assignment_references {
        check_target_references(t, &target)?;
    }
    let obj = find_obj_mut(t, coll, id)?;
    let aid = format!("{id}_{}", uuid::Uuid::new_v4().simple());
    // Other properties of the assignment are kept as sent (server-set ones are not taken).
    let mut a = m;
    a.retain(|k, _| !matches!(k.as_str(), "id" | "source" | "sourceId") && !k.contains('@'));
    a.insert("id".into(), json!(aid));
    a.insert("target".into(), target);
    if coll.assignment_source {
        a.insert("source".into(), json!("direct"));
        a.insert("sourceId".into(), json!(id));
    }
    let mut a = Value::Object(a);
    evolution::complete_unknown_assignment(ctx.cfg, &mut a);
    match obj["assignments"].as_array_mut() {
        Some(arr) => arr.push(a.clone()),
        None => obj["assignments"] = json!([a.clone()]),
    }
    a["@odata.context"] = json!(context(
        ctx,
        req.ver,
        &format!("{}('{id}')/assignments/$entity", coll.path)
    ));
    Ok(Resp::json(201, a))
}

pub(crate) fn delete_assignment(t: &mut Tenant, coll: &Coll, id: &str, aid: &str) -> R {
    let obj = find_obj_mut(t, coll, id)?;
    let arr = obj["assignments"]
        .as_array_mut()
        .ok_or_else(|| GraphError::not_found(404, aid))?;
    let before = arr.len();
    arr.retain(|a| a["id"].as_str() != Some(aid));
    if arr.len() == before {
        return Err(GraphError::not_found(404, aid));
    }
    Ok(Resp::empty(200))
}

/// `POST /notificationMessageTemplates/{id}/localizedNotificationMessages` → 201
/// (docs/graph-notes.md, "Notification templates").
pub(crate) fn add_message(t: &mut Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str) -> R {
    let mut m = body_object(req)?;
    strip_read_only(coll, &mut m);
    if m.get("locale").and_then(Value::as_str).is_none() {
        return Err(GraphError::bad_request("locale is required"));
    }
    find_obj(t, coll, id)?;
    m.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    m.insert("lastModifiedDateTime".into(), json!(now()));
    m.entry("isDefault").or_insert(json!(false));
    let msg = Value::Object(m);
    let obj = t
        .store_mut(coll)
        .items
        .get_mut(id)
        .ok_or_else(|| GraphError::not_found(404, id))?;
    match obj["localizedNotificationMessages"].as_array_mut() {
        Some(arr) => arr.push(msg.clone()),
        None => obj["localizedNotificationMessages"] = json!([msg.clone()]),
    }
    if let Some(o) = obj.as_object_mut() {
        bump(coll, o);
    }
    let mut msg = msg;
    msg["@odata.context"] = json!(context(
        ctx,
        req.ver,
        &format!(
            "{}('{id}')/localizedNotificationMessages/$entity",
            coll.path
        )
    ));
    Ok(Resp::json(201, msg))
}

pub(crate) fn patch_message(t: &mut Tenant, req: &Req, coll: &Coll, id: &str, mid: &str) -> R {
    let mut m = body_object(req)?;
    strip_read_only(coll, &mut m);
    let obj = find_obj_mut(t, coll, id)?;
    let msg = obj["localizedNotificationMessages"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .find(|x| x["id"].as_str() == Some(mid))
        .ok_or_else(|| GraphError::not_found(404, mid))?;
    for (k, v) in m {
        msg[k] = v;
    }
    msg["lastModifiedDateTime"] = json!(now());
    Ok(Resp::empty(204))
}

/// A singleton's child collection answered inline and as its own route (the authentication
/// methods policy's method configurations, docs/graph-notes.md, "Authentication methods
/// policy"): `GET {singleton}/{nav}` lists it, `GET`/`PATCH {singleton}/{nav}/{id}` read and
/// change one child. A PATCH needs the child's `@odata.type` and may not name what the service
/// keeps to itself ([`Coll::child_refused`]).
pub(crate) fn singleton_child(
    t: &mut Tenant,
    ctx: &Ctx,
    req: &Req,
    coll: &Coll,
    id: &str,
    nav: &str,
    child: Option<&String>,
) -> R {
    let children = find_obj(t, coll, id)?[nav].clone();
    let items = children.as_array().cloned().unwrap_or_default();
    let Some(cid) = child else {
        return match req.method.as_str() {
            "GET" => Ok(Resp::json(
                200,
                json!({
                    "@odata.context": context(ctx, req.ver, &format!("{}/{nav}", coll.path)),
                    "value": items,
                }),
            )),
            _ => Err(GraphError::no_route()),
        };
    };
    // Method ids are case-insensitive in URLs (`microsoftAuthenticator`, `MicrosoftAuthenticator`).
    let at = items
        .iter()
        .position(|c| {
            c["id"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(cid))
        })
        .ok_or_else(|| GraphError::not_found(404, cid))?;
    match req.method.as_str() {
        "GET" => Ok(Resp::json(200, items[at].clone())),
        "PATCH" => {
            let mut m = body_object(req)?;
            let stored_type = items[at]["@odata.type"].clone();
            match m.get("@odata.type") {
                None => {
                    return Err(GraphError::bad_request(
                        "The '@odata.type' property is required to update this entity.",
                    ));
                }
                Some(ty) if *ty != stored_type => {
                    return Err(GraphError::bad_request(format!(
                        "The type {ty} does not match the entity's {stored_type}."
                    )));
                }
                Some(_) => {}
            }
            let body = Value::Object(m.clone());
            for path in coll.child_refused {
                // A dotted path into the body (`featureSettings.numberMatchingRequiredState`).
                let named = path.split('.').try_fold(&body, |v, k| v.get(k)).is_some();
                if named {
                    return Err(GraphError::bad_request(format!(
                        "'{path}' cannot be set: the service keeps it."
                    )));
                }
            }
            m.remove("id");
            m.retain(|k, _| k == "@odata.type" || !k.contains('@'));
            let obj = find_obj_mut(t, coll, id)?;
            if let Some(Value::Object(stored)) = obj[nav].get_mut(at) {
                stored.extend(m);
            }
            for f in coll.modified {
                obj[*f] = json!(now());
            }
            Ok(Resp::empty(204))
        }
        _ => Err(GraphError::no_route()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_keeps_root_type_only() {
        let coll = behaviour::by_path("deviceManagement/deviceConfigurations").unwrap();
        let mut m = json!({"@odata.type":"#t","@odata.context":"x","assignments@odata.context":"y","id":"1","version":3,"displayName":"d"})
            .as_object()
            .cloned()
            .unwrap();
        strip_read_only(coll, &mut m);
        let keys: Vec<&String> = m.keys().collect();
        assert_eq!(keys, vec!["@odata.type", "displayName"]);
    }

    #[test]
    fn default_enrollment_ids() {
        let coll = behaviour::by_path("deviceManagement/deviceEnrollmentConfigurations").unwrap();
        assert!(coll.is_default_enrollment("abc_DefaultLimit"));
        assert!(!coll.is_default_enrollment("abc_Limit"));
    }
}
