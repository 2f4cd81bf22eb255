//! Bound actions: `assign` (replace-all; docs/graph-notes.md, "Assignments"),
//! `updateDefinitionValues` (docs/graph-notes.md, "Administrative templates"),
//! `scheduleActionsForRules` (docs/graph-notes.md, "Compliance policies"), `setPriority`
//! (docs/graph-notes.md, "Enrollment configurations"), `targetApps` (docs/graph-notes.md, "App
//! protection policies"), intents `createInstance` / `updateSettings` (docs/graph-notes.md,
//! "Intents"), autopilot device `assign` (docs/graph-notes.md, "Autopilot profiles").

use serde_json::{Map, Value, json};

use super::behaviour::{self, Assign, Coll, Target};
use super::error::GraphError;
use super::http::{Ctx, R, Req, Resp, context};
use super::query::Query;
use super::state::{Tenant, find_obj, ingest_secrets, now};
use super::view::present;

/// Well-known ids Intune uses for the virtual "all devices" / "all users" groups.
const ALL_DEVICES: &str = "adadadad-808e-44e2-905a-0b7873a8a531";
const ALL_USERS: &str = "acacacac-9df4-4c7d-9d50-4ef0226f57a9";

pub(crate) fn body(req: &Req) -> Result<&Map<String, Value>, GraphError> {
    req.body
        .as_ref()
        .and_then(Value::as_object)
        .ok_or_else(|| GraphError::bad_request("Empty Payload. JSON content expected."))
}

/// `updateAllowedCombinations`: 200 with the previous and current combinations; built-in
/// strengths refuse it (docs/graph-notes.md, "Authentication strengths").
fn update_allowed_combinations(t: &mut Tenant, req: &Req, coll: &Coll, id: &str) -> R {
    if coll.is_built_in(find_obj(t, coll, id)?) {
        return Err(GraphError::bad_request(
            "Built-in authentication strengths cannot be changed.",
        ));
    }
    let current = body(req)?
        .get("allowedCombinations")
        .filter(|v| v.is_array())
        .cloned()
        .ok_or_else(|| GraphError::bad_request("allowedCombinations is required"))?;
    let mut previous = Value::Null;
    touch(t, coll, id, |o| {
        previous = o
            .insert("allowedCombinations".into(), current.clone())
            .unwrap_or_default();
        Ok(())
    })?;
    Ok(Resp::json(
        200,
        json!({
            "@odata.type": "#microsoft.graph.updateAllowedCombinationsResult",
            "previousCombinations": previous,
            "currentCombinations": current,
            "conditionalAccessReferences": [],
            "additionalInformation": null,
        }),
    ))
}

/// A combination configuration removed from a strength: 204.
pub(crate) fn remove_combination(t: &mut Tenant, coll: &Coll, id: &str, cid: &str) -> R {
    let mut found = false;
    touch(t, coll, id, |o| {
        if let Some(a) = o
            .get_mut("combinationConfigurations")
            .and_then(Value::as_array_mut)
        {
            let before = a.len();
            a.retain(|c| c["id"].as_str() != Some(cid));
            found = a.len() < before;
        }
        Ok(())
    })?;
    if !found {
        return Err(GraphError::not_found(404, cid));
    }
    Ok(Resp::empty(204))
}

/// A combination configuration added to a strength: 201 with its new id.
fn add_combination(t: &mut Tenant, req: &Req, coll: &Coll, id: &str) -> R {
    let mut c = Value::Object(body(req)?.clone());
    if !c["@odata.type"]
        .as_str()
        .is_some_and(|s| s.ends_with("CombinationConfiguration"))
    {
        return Err(GraphError::bad_request(
            "A combination configuration needs its derived @odata.type.",
        ));
    }
    c["id"] = json!(uuid::Uuid::new_v4().to_string());
    let added = c.clone();
    touch(t, coll, id, |o| {
        let list = o
            .entry("combinationConfigurations")
            .or_insert_with(|| json!([]));
        if let Some(a) = list.as_array_mut() {
            a.push(added);
        }
        Ok(())
    })?;
    Ok(Resp::json(201, c))
}

fn touch(
    t: &mut Tenant,
    coll: &Coll,
    id: &str,
    f: impl FnOnce(&mut Map<String, Value>) -> Result<(), GraphError>,
) -> Result<(), GraphError> {
    let obj = t
        .store_mut(coll)
        .items
        .get_mut(id)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| GraphError::not_found(coll.missing, id))?;
    f(obj)?;
    for m in coll.modified {
        obj.insert(m.to_string(), json!(now()));
    }
    Ok(())
}

pub(crate) fn action(t: &mut Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str, name: &str) -> R {
    find_obj(t, coll, id)?;
    match name {
        "assign" => assign(t, ctx, req, coll, id),
        "updateAllowedCombinations" if coll.strength => {
            update_allowed_combinations(t, req, coll, id)
        }
        "combinationConfigurations" if coll.strength => add_combination(t, req, coll, id),
        "updateDefinitionValues" if coll.navs.contains(&"definitionValues") => {
            update_definition_values(t, req, coll, id)
        }
        "scheduleActionsForRules" if coll.block_rule => {
            let rules = body(req)?
                .get("deviceComplianceScheduledActionForRules")
                .filter(|v| v.is_array())
                .cloned()
                .ok_or_else(|| {
                    GraphError::bad_request("deviceComplianceScheduledActionForRules is required")
                })?;
            check_block_action(&rules)?;
            touch(t, coll, id, |o| {
                o.insert("scheduledActionsForRule".into(), id_rules(&rules));
                Ok(())
            })?;
            Ok(Resp::empty(204))
        }
        "setPriority" if coll.set_priority => {
            if coll.is_default_enrollment(id) {
                return Err(GraphError::bad_request(
                    "The priority of a default configuration cannot be changed",
                ));
            }
            let p = body(req)?
                .get("priority")
                .and_then(Value::as_i64)
                .filter(|p| *p > 0)
                .ok_or_else(|| GraphError::bad_request("priority must be a positive integer"))?;
            touch(t, coll, id, |o| {
                o.insert("priority".into(), json!(p));
                Ok(())
            })?;
            Ok(Resp::empty(204))
        }
        "targetApps" if coll.navs.contains(&"apps") => target_apps(t, req, coll, id),
        "updateSettings" if coll.update_settings => {
            let settings = body(req)?
                .get("settings")
                .and_then(Value::as_array)
                .cloned()
                .ok_or_else(|| GraphError::bad_request("settings is required"))?;
            touch(t, coll, id, |o| {
                let mut cur = o
                    .get("settings")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for mut s in settings {
                    let def = s["definitionId"].clone();
                    match cur.iter_mut().find(|c| c["definitionId"] == def) {
                        Some(c) => {
                            s["id"] = c["id"].clone();
                            *c = s;
                        }
                        None => {
                            s["id"] = json!(uuid::Uuid::new_v4().to_string());
                            cur.push(s);
                        }
                    }
                }
                o.insert("settings".into(), Value::Array(cur));
                Ok(())
            })?;
            Ok(Resp::empty(204))
        }
        _ => Err(GraphError::no_route()),
    }
}

/// docs/graph-notes.md, "Compliance policies": exactly one `block` action across the rules.
pub(crate) fn check_block_action(rules: &Value) -> Result<(), GraphError> {
    let blocks = rules
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| {
            r["scheduledActionConfigurations"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .filter(|a| a["actionType"] == "block")
        .count();
    if blocks == 1 {
        Ok(())
    } else {
        Err(GraphError::bad_request(
            "Compliance policy must have one and only one block scheduled action",
        ))
    }
}

/// Server ids on scheduled action rules and their configurations.
pub(crate) fn id_rules(rules: &Value) -> Value {
    let mut rules = rules.clone();
    for r in rules.as_array_mut().into_iter().flatten() {
        r["id"] = json!(uuid::Uuid::new_v4().to_string());
        for a in r["scheduledActionConfigurations"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            a["id"] = json!(uuid::Uuid::new_v4().to_string());
        }
        if r.get("scheduledActionConfigurations").is_none() {
            r["scheduledActionConfigurations"] = json!([]);
        }
    }
    rules
}

/// Ids that mean "no filter" in exports (`…FilterType: none`, docs/graph-notes.md, "Assignments").
fn no_filter(id: &str) -> bool {
    id.is_empty() || id.chars().all(|c| c == '0' || c == '-')
}

/// An assignment target may only name groups and assignment filters of this tenant (UNVERIFIED,
/// see `EmulatorConfig::check_assignment_references`).
pub(crate) fn check_target_references(t: &Tenant, target: &Value) -> Result<(), GraphError> {
    let known = |kind: Target, id: &str| {
        behaviour::find(|c| c.target == kind).is_some_and(|c| t.store(c).get(id).is_some())
    };
    if let Some(g) = target.get("groupId").and_then(Value::as_str)
        && !known(Target::Group, g)
    {
        return Err(GraphError::bad_request(format!(
            "The group '{g}' in the assignment target does not exist."
        )));
    }
    let kind = target["deviceAndAppManagementAssignmentFilterType"]
        .as_str()
        .unwrap_or("none");
    if let Some(f) = target["deviceAndAppManagementAssignmentFilterId"].as_str()
        && kind != "none"
        && !no_filter(f)
        && !known(Target::Filter, f)
    {
        return Err(GraphError::bad_request(format!(
            "The assignment filter '{f}' does not exist."
        )));
    }
    Ok(())
}

fn assign(t: &mut Tenant, ctx: &Ctx, req: &Req, coll: &Coll, id: &str) -> R {
    let (key, value) = match coll.assign {
        Assign::No => return Err(GraphError::no_route()),
        Assign::Devices => {
            // docs/graph-notes.md, "Autopilot profiles": autopilot `assign` assigns devices, not
            // groups.
            body(req)?
                .get("deviceIds")
                .filter(|v| v.is_array())
                .ok_or_else(|| GraphError::bad_request("deviceIds is required"))?;
            return Ok(Resp::empty(204));
        }
        Assign::Replace { key, value } => (key, value),
    };
    if coll.is_default_enrollment(id) {
        return Err(GraphError::bad_request(
            "Default enrollment configurations cannot be assigned",
        ));
    }
    let given = body(req)?
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            GraphError::bad_request(format!("The request body must contain '{key}'."))
        })?;
    let mut out = Vec::with_capacity(given.len());
    for a in given {
        let Some(mut a) = a.as_object().cloned() else {
            return Err(GraphError::bad_request("Invalid assignment"));
        };
        let target = a
            .get("target")
            .and_then(Value::as_object)
            .ok_or_else(|| GraphError::bad_request("Assignment target is required"))?;
        let ty = target
            .get("@odata.type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !ty.ends_with("AssignmentTarget") {
            return Err(GraphError::bad_request(format!(
                "Invalid assignment target type '{ty}'"
            )));
        }
        if ctx.cfg.check_assignment_references {
            check_target_references(t, &Value::Object(target.clone()))?;
        }
        let gid = match ty {
            "#microsoft.graph.allDevicesAssignmentTarget" => ALL_DEVICES.to_string(),
            "#microsoft.graph.allLicensedUsersAssignmentTarget" => ALL_USERS.to_string(),
            _ => target
                .get("groupId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| {
                    GraphError::bad_request("groupId is required for a group assignment target")
                })?,
        };
        let mut aid = format!("{id}_{gid}");
        if out.iter().any(|o: &Value| o["id"] == aid.as_str()) {
            aid = format!("{aid}_{}", out.len());
        }
        a.retain(|k, _| !k.contains("@odata.context"));
        a.insert("id".into(), json!(aid));
        if coll.assignment_source {
            a.insert("source".into(), json!("direct"));
            a.insert("sourceId".into(), json!(id));
        }
        out.push(Value::Object(a));
    }
    let stored = Value::Array(out);
    touch(t, coll, id, |o| {
        o.insert("assignments".into(), stored.clone());
        Ok(())
    })?;
    if value {
        let ctxs = format!(
            "{}/{}/$metadata#Collection({})",
            ctx.base,
            req.ver.as_str(),
            "microsoft.graph.assignment"
        );
        return Ok(Resp::json(
            200,
            json!({"@odata.context": ctxs, "value": stored}),
        ));
    }
    Ok(Resp::empty(204))
}

/// Definition id in `…/groupPolicyDefinitions('DEF')`, and presentation id after `/presentations('P')`.
fn bind_ids(bind: &str) -> (Option<String>, Option<String>) {
    let grab = |marker: &str| {
        let i = bind.find(marker)? + marker.len();
        let rest = &bind[i..];
        let end = rest.find("')")?;
        Some(rest[..end].to_string())
    };
    (grab("groupPolicyDefinitions('"), grab("presentations('"))
}

fn definition(t: &Tenant, coll: &Coll, bind: Option<&Value>) -> Result<Value, GraphError> {
    let bind = bind
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request("definition@odata.bind is required"))?;
    let (Some(def_id), _) = bind_ids(bind) else {
        return Err(GraphError::bad_request("Invalid definition@odata.bind"));
    };
    let defs = coll
        .definitions
        .and_then(behaviour::by_path)
        .ok_or_else(GraphError::no_route)?;
    t.store(defs).get(&def_id).cloned().ok_or_else(|| {
        GraphError::bad_request(format!(
            "The groupPolicyDefinition '{def_id}' in definition@odata.bind does not exist."
        ))
    })
}

/// docs/graph-notes.md, "Administrative templates": entries bind `definition` / `presentation`;
/// expanded objects are refused.
fn refuse_expanded(entry: &Value, nav: &str) -> Result<(), GraphError> {
    if entry.get(nav).is_some() {
        return Err(GraphError::bad_request(format!(
            "The navigation property '{nav}' cannot be sent inline; use '{nav}@odata.bind'."
        )));
    }
    Ok(())
}

fn presentation_values(
    def: &Value,
    given: Option<&Value>,
    old: &[Value],
) -> Result<Value, GraphError> {
    let mut out = Vec::new();
    for pv in given.and_then(Value::as_array).into_iter().flatten() {
        let mut pv = pv
            .as_object()
            .cloned()
            .ok_or_else(|| GraphError::bad_request("Invalid presentation value"))?;
        refuse_expanded(&Value::Object(pv.clone()), "presentation")?;
        let bind = pv.remove("presentation@odata.bind");
        let existing = pv
            .get("id")
            .and_then(Value::as_str)
            .and_then(|i| old.iter().find(|o| o["id"].as_str() == Some(i)));
        let presentation = match bind.as_ref().and_then(Value::as_str) {
            Some(b) => {
                let (_, Some(pid)) = bind_ids(b) else {
                    return Err(GraphError::bad_request("Invalid presentation@odata.bind"));
                };
                def["presentations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|p| p["id"].as_str() == Some(pid.as_str()))
                    .cloned()
                    .ok_or_else(|| {
                        GraphError::bad_request(format!(
                            "The presentation '{pid}' in presentation@odata.bind is not a presentation of definition '{}'.",
                            def["id"].as_str().unwrap_or_default()
                        ))
                    })?
            }
            None => existing
                .and_then(|e| e.get("presentation").cloned())
                .ok_or_else(|| GraphError::bad_request("presentation@odata.bind is required"))?,
        };
        let id = existing
            .and_then(|e| e["id"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        pv.insert("id".into(), json!(id));
        pv.insert("lastModifiedDateTime".into(), json!(now()));
        pv.entry("createdDateTime").or_insert(json!(now()));
        pv.insert("presentation".into(), presentation);
        out.push(Value::Object(pv));
    }
    Ok(Value::Array(out))
}

fn inline_definition(def: &Value) -> Value {
    let mut d = def.clone();
    if let Some(o) = d.as_object_mut() {
        o.remove("presentations");
    }
    d
}

/// `POST /groupPolicyConfigurations/{id}/updateDefinitionValues` → 204 (docs/graph-notes.md,
/// "Administrative templates").
fn update_definition_values(t: &mut Tenant, req: &Req, coll: &Coll, id: &str) -> R {
    let b = body(req)?.clone();
    for entry in ["added", "updated"]
        .iter()
        .flat_map(|k| b.get(*k).and_then(Value::as_array).into_iter().flatten())
    {
        refuse_expanded(entry, "definition")?;
    }
    let mut dvs = find_obj(t, coll, id)?["definitionValues"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for del in b
        .get("deletedIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let before = dvs.len();
        dvs.retain(|d| d["id"] != *del);
        if dvs.len() == before {
            return Err(GraphError::not_found(404, del.as_str().unwrap_or_default()));
        }
    }
    for u in b
        .get("updated")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let uid = u["id"]
            .as_str()
            .ok_or_else(|| GraphError::bad_request("updated entries need an id"))?;
        let pos = dvs
            .iter()
            .position(|d| d["id"].as_str() == Some(uid))
            .ok_or_else(|| GraphError::not_found(404, uid))?;
        let def = match u.get("definition@odata.bind") {
            Some(bind) => definition(t, coll, Some(bind))?,
            None => dvs[pos]["definition"].clone(),
        };
        let old_pvs = dvs[pos]["presentationValues"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let full_def = definition(
            t,
            coll,
            Some(&json!(format!(
                "groupPolicyDefinitions('{}')",
                def["id"].as_str().unwrap_or_default()
            ))),
        )
        .unwrap_or_else(|_| def.clone());
        let pvs = match u.get("presentationValues") {
            Some(p) => presentation_values(&full_def, Some(p), &old_pvs)?,
            None => Value::Array(old_pvs),
        };
        let d = &mut dvs[pos];
        if let Some(e) = u.get("enabled") {
            d["enabled"] = e.clone();
        }
        if let Some(c) = u.get("configurationType") {
            d["configurationType"] = c.clone();
        }
        d["definition"] = inline_definition(&def);
        d["presentationValues"] = pvs;
        d["lastModifiedDateTime"] = json!(now());
    }
    for a in b
        .get("added")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let def = definition(t, coll, a.get("definition@odata.bind"))?;
        let pvs = presentation_values(&def, a.get("presentationValues"), &[])?;
        dvs.push(json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "enabled": a.get("enabled").cloned().unwrap_or(json!(true)),
            "configurationType": a.get("configurationType").cloned().unwrap_or(json!("policy")),
            "createdDateTime": now(),
            "lastModifiedDateTime": now(),
            "definition": inline_definition(&def),
            "presentationValues": pvs,
        }));
    }
    touch(t, coll, id, |o| {
        o.insert("definitionValues".into(), Value::Array(dvs));
        Ok(())
    })?;
    Ok(Resp::empty(204))
}

/// `POST /{typed MAM}/{id}/targetApps` → 204 (docs/graph-notes.md, "App protection policies").
fn target_apps(t: &mut Tenant, req: &Req, coll: &Coll, id: &str) -> R {
    let b = body(req)?.clone();
    let apps = b
        .get("apps")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| GraphError::bad_request("apps is required"))?;
    let mut out = Vec::new();
    for app in apps {
        let ident = app
            .get("mobileAppIdentifier")
            .and_then(Value::as_object)
            .ok_or_else(|| GraphError::bad_request("mobileAppIdentifier is required"))?;
        let ty = ident
            .get("@odata.type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (key, suffix) = match ty {
            "#microsoft.graph.iosMobileAppIdentifier" => ("bundleId", ".ios"),
            "#microsoft.graph.androidMobileAppIdentifier" => ("packageId", ".android"),
            "#microsoft.graph.windowsAppIdentifier" => ("windowsAppId", ".windows"),
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Unknown mobileAppIdentifier type '{ty}'"
                )));
            }
        };
        let value = ident
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::bad_request(format!("{key} is required")))?;
        out.push(json!({"id": format!("{value}{suffix}"), "version": "-1", "mobileAppIdentifier": Value::Object(ident.clone())}));
    }
    touch(t, coll, id, |o| {
        o.insert("apps".into(), Value::Array(out));
        if let Some(g) = b.get("appGroupType") {
            o.insert("appGroupType".into(), g.clone());
        }
        Ok(())
    })?;
    Ok(Resp::empty(204))
}

/// `POST /deviceManagement/templates/{templateId}/createInstance` → 200 intent at the root
/// (docs/graph-notes.md, "Intents").
pub(crate) fn create_instance(
    t: &mut Tenant,
    ctx: &Ctx,
    req: &Req,
    coll: &Coll,
    template: &str,
) -> R {
    let b = body(req)?.clone();
    let name = b
        .get("displayName")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request("displayName is required"))?;
    let mut settings = b
        .get("settingsDelta")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for s in &mut settings {
        s["id"] = json!(uuid::Uuid::new_v4().to_string());
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut obj = json!({
        "@odata.type": coll.base_type,
        "id": id,
        "displayName": name,
        "description": b.get("description").cloned().unwrap_or(json!("")),
        "isAssigned": false,
        "isMigratingToConfigurationPolicy": false,
        "lastModifiedDateTime": now(),
        "templateId": template,
        "roleScopeTagIds": b.get("roleScopeTagIds").cloned().unwrap_or(json!(["0"])),
        "settings": settings,
        "assignments": [],
    });
    ingest_secrets(&mut obj, &mut t.secrets)?;
    t.store_mut(coll).insert(id, obj.clone());
    let mut v = present(ctx, req.ver, coll, &obj, &Query::default(), false);
    v["@odata.context"] = json!(context(ctx, req.ver, &format!("{}/$entity", coll.path)));
    Ok(Resp::json(200, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_action_rule() {
        let ok = json!([{"ruleName":"r","scheduledActionConfigurations":[{"actionType":"block"},{"actionType":"notification"}]}]);
        assert!(check_block_action(&ok).is_ok());
        let none = json!([{"ruleName":"r","scheduledActionConfigurations":[{"actionType":"notification"}]}]);
        assert!(check_block_action(&none).is_err());
        let two = json!([{"scheduledActionConfigurations":[{"actionType":"block"}]},{"scheduledActionConfigurations":[{"actionType":"block"}]}]);
        assert!(check_block_action(&two).is_err());
    }

    #[test]
    fn bind_ids_parse() {
        let (d, p) = bind_ids(
            "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('DEF')/presentations('PRES')",
        );
        assert_eq!(d.as_deref(), Some("DEF"));
        assert_eq!(p.as_deref(), Some("PRES"));
        assert_eq!(bind_ids("nothing"), (None, None));
    }
}
