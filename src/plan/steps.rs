//! The Graph requests that bring one object from its live state to the desired one, driven by the
//! catalog's write rule (each type's section of docs/graph-notes.md): create with `@odata.type`,
//! update by PATCH (or PUT for the settings catalog), follow-up actions for what a body cannot
//! carry, assignments as a set.
//!
//! Requests are data. `{id}` stands for the id of an object the plan creates. Bodies carry desired
//! values only — redacted secrets stay markers, which apply replaces with supplied values.

use super::Request;
pub use super::children::Context;
use super::children::{
    categories, children, combination_configurations, localized_messages, patch_each,
    policy_set_items, without,
};
use crate::catalog::{AssignWrite, FollowUp, UpdateMethod};
use serde_json::{Map, Value, json};

/// Placeholder for the id of the object being created.
pub const CREATED_ID: &str = "{id}";

/// Which parts of an existing object differ from the desired state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changed {
    /// Name, type, scope tags, sidecars or any property not written by an action.
    pub properties: bool,
    /// Fields written by follow-up actions.
    pub actions: Vec<&'static str>,
    pub assignments: bool,
}

/// Requests that create the object, then set what only actions can, then assign it.
pub fn create(ctx: &Context<'_>) -> Vec<Request> {
    let mut body = body_without(ctx, false);
    // Client-chosen ids travel with the create (docs/graph-notes.md, "Authentication contexts").
    if ctx.entry.write.client_ids
        && let Some(id) = ctx.desired.get("id")
    {
        body.insert("id".into(), id.clone());
    }
    let mut out = vec![];
    // Compliance actions go inline on create (docs/graph-notes.md, "Compliance policies": exactly
    // one block action is required).
    for a in ctx.entry.write.actions {
        if a.inline_on_create()
            && let Some(v) = ctx.desired.get(a.field())
        {
            body.insert(a.field().to_string(), v.clone());
        }
    }
    out.push(Request {
        method: "POST".into(),
        path: ctx.collection.clone(),
        body: Some(Value::Object(body)),
        purpose: "create".into(),
    });
    let object = format!("{}/{CREATED_ID}", ctx.collection);
    // What a create may not carry follows in a PATCH (docs/graph-notes.md, "Branding profiles").
    let later: Map<String, Value> = ctx
        .entry
        .write
        .create_later
        .iter()
        .filter_map(|f| Some((f.to_string(), ctx.desired.get(*f)?.clone())))
        .filter(|(_, v)| !v.is_null())
        .collect();
    if !later.is_empty() {
        let mut body = later;
        if let Some(t) = ctx.desired.get("@odata.type") {
            body.insert("@odata.type".into(), t.clone());
        }
        out.push(Request {
            method: "PATCH".into(),
            path: object.clone(),
            body: Some(Value::Object(body)),
            purpose: "update".into(),
        });
    }
    for a in ctx.entry.write.actions {
        out.extend(action(ctx, *a, &object, true));
    }
    out.extend(assign(ctx, &object, true));
    out
}

/// Requests that update an existing object's differing parts.
pub fn update(ctx: &Context<'_>, id: &str, changed: &Changed) -> Vec<Request> {
    // A singleton is addressed by its path, never by id (docs/ARCHITECTURE.md, "Singletons").
    let object = if ctx.entry.is_singleton() {
        ctx.collection.clone()
    } else {
        format!("{}/{id}", ctx.collection)
    };
    let mut out = vec![];
    if changed.properties {
        let put = ctx.entry.write.update == UpdateMethod::Put;
        let mut body = body_without(ctx, true);
        if put {
            // PUT replaces the whole object: the omitted immutable fields go back in.
            for f in ctx.entry.write.update_omit {
                if let Some(v) = ctx.desired.get(*f) {
                    body.insert(f.to_string(), v.clone());
                }
            }
        }
        out.push(Request {
            method: if put { "PUT" } else { "PATCH" }.into(),
            path: object.clone(),
            body: Some(Value::Object(body)),
            purpose: "update".into(),
        });
    }
    for a in ctx.entry.write.actions {
        if changed.actions.contains(&a.field()) {
            out.extend(action(ctx, *a, &object, false));
        }
    }
    if changed.assignments {
        out.extend(assign(ctx, &object, false));
    }
    out
}

/// The desired body without assignments, action-written fields and (for updates) omitted fields;
/// single-valued navigations as binds.
fn body_without(ctx: &Context<'_>, update: bool) -> Map<String, Value> {
    let mut body = ctx.desired.as_object().cloned().unwrap_or_default();
    body.remove("assignments");
    body.remove("id");
    let version = ctx.collection.split('/').next().unwrap_or("beta");
    for (field, collection) in ctx.entry.write.binds {
        let target = body.remove(*field);
        // An update leaves the link alone (a change of it blocks, `fixed`).
        if update {
            continue;
        }
        if let Some(id) = target.and_then(|v| v["id"].as_str().map(str::to_string)) {
            body.insert(
                format!("{field}@odata.bind"),
                Value::String(format!("{}{version}/{collection}/{id}", ctx.graph_base)),
            );
        }
    }
    for a in ctx.entry.write.actions {
        body.remove(a.field());
    }
    if !update {
        for f in ctx.entry.write.create_later {
            body.remove(*f);
        }
    }
    if update {
        for f in ctx.entry.write.update_omit {
            body.remove(*f);
        }
    }
    body
}

fn action(ctx: &Context<'_>, a: FollowUp, object: &str, creating: bool) -> Vec<Request> {
    let desired = ctx.desired.get(a.field()).cloned().unwrap_or(Value::Null);
    let post = |path: String, body: Value, purpose: &str| Request {
        method: "POST".into(),
        path,
        body: Some(body),
        purpose: purpose.into(),
    };
    match a {
        FollowUp::ScheduledActions(_) if creating => vec![],
        FollowUp::ScheduledActions(_) => vec![post(
            format!("{object}/scheduleActionsForRules"),
            json!({ "deviceComplianceScheduledActionForRules": desired }),
            "scheduleActionsForRules",
        )],
        FollowUp::DefinitionValues(f) => {
            let live = if creating { vec![] } else { children(ctx, f) };
            definition_values(ctx.graph_base, &desired, &live)
                .map(|body| {
                    post(
                        format!("{object}/updateDefinitionValues"),
                        body,
                        "updateDefinitionValues",
                    )
                })
                .into_iter()
                .collect()
        }
        FollowUp::TargetApps(_) => {
            if creating && desired.as_array().is_none_or(Vec::is_empty) {
                return vec![];
            }
            let apps: Vec<Value> = desired
                .as_array()
                .into_iter()
                .flatten()
                .map(|app| without(app, &["id", "version"]))
                .collect();
            vec![post(
                format!("{object}/targetApps"),
                json!({ "apps": apps }),
                "targetApps",
            )]
        }
        FollowUp::SetPriority(_) => {
            if desired.is_null() || creating && desired == json!(0) {
                return vec![];
            }
            vec![post(
                format!("{object}/setPriority"),
                json!({ "priority": desired }),
                "setPriority",
            )]
        }
        FollowUp::AllowedCombinations(_) if creating => vec![],
        FollowUp::AllowedCombinations(f) => vec![post(
            format!("{object}/updateAllowedCombinations"),
            json!({ f: desired }),
            "updateAllowedCombinations",
        )],
        FollowUp::CombinationConfigurations(f) => {
            combination_configurations(ctx, f, object, creating, &desired)
        }
        FollowUp::LocalizedMessages(f) => localized_messages(ctx, f, object, creating, &desired),
        FollowUp::PatchEach(f) => patch_each(ctx, f, object, creating, &desired),
        FollowUp::Categories(f) => categories(ctx, f, object, creating, &desired),
        FollowUp::PolicySetItems(_) if creating => vec![],
        FollowUp::PolicySetItems(f) => policy_set_items(ctx, f, &desired)
            .map(|body| post(format!("{object}/update"), body, "update items"))
            .into_iter()
            .collect(),
        FollowUp::Relationships(_) => {
            let relationships: Vec<Value> = desired
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| without(r, &["id", "targetType"]))
                .collect();
            if creating && relationships.is_empty() {
                return vec![];
            }
            // The action replaces the whole set: dependencies and supersedences go together.
            vec![post(
                format!("{object}/updateRelationships"),
                json!({ "relationships": relationships }),
                "updateRelationships",
            )]
        }
    }
}

/// The assignments as a set: the `assign` action with all of them, or — for types whose `assign`
/// means something else (Autopilot) — one POST per added target and one DELETE per removed one.
fn assign(ctx: &Context<'_>, object: &str, creating: bool) -> Vec<Request> {
    let Some(rule) = &ctx.entry.assignments else {
        return vec![];
    };
    let desired: Vec<Value> = ctx
        .desired
        .get("assignments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match rule.write {
        AssignWrite::AssignAction => {
            if creating && desired.is_empty() {
                return vec![];
            }
            vec![Request {
                method: "POST".into(),
                path: format!("{object}/assign"),
                body: Some(json!({ rule.assign_key: desired })),
                purpose: "assign".into(),
            }]
        }
        AssignWrite::UpdateAction => {
            if creating && desired.is_empty() {
                return vec![];
            }
            vec![Request {
                method: "POST".into(),
                path: format!("{object}/update"),
                body: Some(json!({ rule.assign_key: desired })),
                purpose: "assign".into(),
            }]
        }
        AssignWrite::PerTarget => {
            let live = if creating {
                vec![]
            } else {
                children(ctx, "assignments")
            };
            let mut out = vec![];
            for l in &live {
                if !desired.iter().any(|d| d.get("target") == l.get("target"))
                    && let Some(aid) = l["id"].as_str()
                {
                    out.push(Request {
                        method: "DELETE".into(),
                        path: format!("{object}/assignments/{aid}"),
                        body: None,
                        purpose: "unassign".into(),
                    });
                }
            }
            for d in &desired {
                if !live.iter().any(|l| l.get("target") == d.get("target")) {
                    out.push(Request {
                        method: "POST".into(),
                        path: format!("{object}/assignments"),
                        body: Some(d.clone()),
                        purpose: "assign".into(),
                    });
                }
            }
            out
        }
    }
}

/// `updateDefinitionValues` for administrative templates (docs/graph-notes.md, "Administrative
/// templates"): values of definitions the live object lacks are added, values it has but
/// differently are updated (enabled only) or replaced (presentations changed), values the desired
/// state no longer has are deleted. `None` when nothing differs.
pub fn definition_values(graph_base: &str, desired: &Value, live: &[Value]) -> Option<Value> {
    let def_id = |v: &Value| {
        v.pointer("/definition/id")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let bind =
        |def: &str| format!("{graph_base}beta/deviceManagement/groupPolicyDefinitions('{def}')");
    let body_of = |v: &Value, def: &str| -> Value {
        let mut out = Map::new();
        for k in ["enabled", "configurationType"] {
            if let Some(x) = v.get(k) {
                out.insert(k.into(), x.clone());
            }
        }
        out.insert("definition@odata.bind".into(), Value::String(bind(def)));
        let pvs: Vec<Value> = v
            .get("presentationValues")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|pv| {
                let mut p = pv.as_object().cloned().unwrap_or_default();
                let pres = p
                    .remove("presentation")
                    .and_then(|pr| pr.get("id").and_then(Value::as_str).map(str::to_string));
                p.remove("id");
                if let Some(pres) = pres {
                    p.insert(
                        "presentation@odata.bind".into(),
                        Value::String(format!("{}/presentations('{pres}')", bind(def))),
                    );
                }
                Value::Object(p)
            })
            .collect();
        out.insert("presentationValues".into(), Value::Array(pvs));
        Value::Object(out)
    };
    let desired: Vec<&Value> = desired.as_array().into_iter().flatten().collect();
    let (mut added, mut updated, mut deleted) = (vec![], vec![], vec![]);
    for d in &desired {
        let Some(def) = def_id(d) else { continue };
        match live
            .iter()
            .find(|l| def_id(l).as_deref() == Some(def.as_str()))
        {
            None => added.push(body_of(d, &def)),
            Some(l) => {
                let ignore = [
                    "id",
                    "createdDateTime",
                    "lastModifiedDateTime",
                    "definition",
                ];
                if same_values(l, d, &ignore) {
                    continue;
                }
                let live_id = l["id"].as_str().unwrap_or_default().to_string();
                if presentations(l) == presentations(d) {
                    let mut u = body_of(d, &def);
                    if let Some(m) = u.as_object_mut() {
                        m.remove("presentationValues");
                        m.insert("id".into(), Value::String(live_id));
                    }
                    updated.push(u);
                } else {
                    deleted.push(Value::String(live_id));
                    added.push(body_of(d, &def));
                }
            }
        }
    }
    for l in live {
        let def = def_id(l);
        if !desired.iter().any(|d| def_id(d) == def)
            && let Some(id) = l["id"].as_str()
        {
            deleted.push(Value::String(id.to_string()));
        }
    }
    if added.is_empty() && updated.is_empty() && deleted.is_empty() {
        return None;
    }
    Some(json!({ "added": added, "updated": updated, "deletedIds": deleted }))
}

/// A definition value's presentations reduced to what they set: presentation id and value(s).
fn presentations(v: &Value) -> Value {
    let mut items: Vec<Value> = v
        .get("presentationValues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|pv| {
            json!({
                "presentation": pv.pointer("/presentation/id"),
                "value": pv.get("value"),
                "values": pv.get("values"),
                "type": pv.get("@odata.type"),
            })
        })
        .collect();
    items.sort_by_key(|i| i.to_string());
    Value::Array(items)
}

/// Equal after dropping `ignore` at the top level and comparing presentations by content.
fn same_values(a: &Value, b: &Value, ignore: &[&str]) -> bool {
    let (mut x, mut y) = (without(a, ignore), without(b, ignore));
    if let (Some(mx), Some(my)) = (x.as_object_mut(), y.as_object_mut())
        && (mx.contains_key("presentationValues") || my.contains_key("presentationValues"))
    {
        mx.insert("presentationValues".into(), presentations(a));
        my.insert("presentationValues".into(), presentations(b));
    }
    x == y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn ctx<'a>(key: &str, desired: &'a Value, children: &'a Map<String, Value>) -> Context<'a> {
        let entry = catalog::get(key).unwrap();
        Context {
            entry,
            collection: entry.paths()[0].clone(),
            desired,
            graph_base: "https://graph.microsoft.com/",
            live_children: children,
        }
    }

    #[test]
    fn settings_catalog_updates_with_one_put_of_the_whole_policy() {
        let desired =
            json!({"name": "x", "settings": [{"settingInstance": {}}], "assignments": []});
        let none = Map::new();
        let c = ctx("settingsCatalog", &desired, &none);
        let r = update(
            &c,
            "p1",
            &Changed {
                properties: true,
                ..Default::default()
            },
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].method, "PUT");
        assert_eq!(r[0].path, "beta/deviceManagement/configurationPolicies/p1");
        assert!(r[0].body.as_ref().unwrap()["settings"].is_array());
        assert!(r[0].body.as_ref().unwrap().get("assignments").is_none());
    }

    /// The methods policy's configurations: one the live one covers (Graph adds a property the
    /// document strips) sends nothing, a changed one is PATCHed by its id with its type, one the
    /// target lacks is POSTed; none is removed.
    #[test]
    fn method_configurations_are_patched_by_id_and_missing_ones_added() {
        const SMS: &str = "#microsoft.graph.smsAuthenticationMethodConfiguration";
        let target = |id: &str| json!({"id": id, "targetType": "group"});
        let desired = json!({"reconfirmationInDays": 90, "authenticationMethodConfigurations": [
            {"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "id": "Fido2",
                "state": "enabled", "includeTargets": [target("g1"), target("g2")]},
            {"@odata.type": SMS, "id": "Sms", "state": "enabled", "includeTargets": [target("g1")]},
            {"@odata.type": "#microsoft.graph.externalAuthenticationMethodConfiguration",
                "id": "b1c2", "state": "enabled", "displayName": "Partner MFA"}]});
        let mut live = Map::new();
        live.insert(
            "authenticationMethodConfigurations".into(),
            json!([
                // Targets in another order, and a property Graph answers that the document strips.
                {"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "id": "Fido2",
                    "state": "enabled", "includeTargets": [target("g2"), target("g1")],
                    "includeTargets@odata.context": "x"},
                {"@odata.type": SMS, "id": "Sms", "state": "disabled", "includeTargets": [target("g1")]},
                {"@odata.type": "#microsoft.graph.voiceAuthenticationMethodConfiguration", "id": "Voice",
                    "state": "disabled"}
            ]),
        );
        let c = ctx("authenticationMethodsPolicy", &desired, &live);
        let changed = Changed {
            actions: vec!["authenticationMethodConfigurations"],
            ..Default::default()
        };
        let r = update(&c, "authenticationMethodsPolicy", &changed);
        let shape: Vec<(&str, &str)> = r
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        const AT: &str =
            "v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations";
        assert_eq!(shape, [("PATCH", &*format!("{AT}/Sms")), ("POST", AT)]);
        let patch = r[0].body.as_ref().unwrap();
        assert_eq!(
            (patch["@odata.type"].as_str(), patch.get("id")),
            (Some(SMS), None)
        );
        assert_eq!(r[1].body.as_ref().unwrap()["displayName"], "Partner MFA");
    }

    #[test]
    fn apps_and_policy_sets_write_their_links_through_their_actions() {
        const APP: &str = "#microsoft.graph.mobileAppPolicySetItem";
        let desired = json!({"@odata.type": "#microsoft.graph.webApp", "displayName": "x",
            "categories": [{"id": "c1"}, {"id": "c3"}],
            "relationships": [{"@odata.type": "#microsoft.graph.mobileAppDependency", "id": "a_b",
                "targetId": "b", "targetType": "child", "dependencyType": "autoInstall"}],
            "assignments": []});
        let mut live = Map::new();
        live.insert("categories".into(), json!([{"id": "c1"}, {"id": "c2"}]));
        let c = ctx("apps", &desired, &live);
        let changed = Changed {
            actions: vec!["categories", "relationships"],
            ..Default::default()
        };
        let r = update(&c, "a", &changed);
        let shape: Vec<(&str, &str)> = r
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        assert_eq!(
            shape,
            [
                (
                    "DELETE",
                    "beta/deviceAppManagement/mobileApps/a/categories/c2/$ref"
                ),
                (
                    "POST",
                    "beta/deviceAppManagement/mobileApps/a/categories/$ref"
                ),
                (
                    "POST",
                    "beta/deviceAppManagement/mobileApps/a/updateRelationships"
                ),
            ]
        );
        assert_eq!(
            r[1].body.as_ref().unwrap()["@odata.id"],
            "https://graph.microsoft.com/beta/deviceAppManagement/mobileAppCategories/c3"
        );
        assert_eq!(
            r[2].body.as_ref().unwrap()["relationships"],
            json!([{"@odata.type": "#microsoft.graph.mobileAppDependency", "targetId": "b", "dependencyType": "autoInstall"}])
        );
        // On create the body cannot carry them: the links follow the create.
        let created = create(&c);
        assert!(
            created[0]
                .body
                .as_ref()
                .unwrap()
                .get("categories")
                .is_none()
        );
        assert_eq!(created.len(), 4, "create, two links, relationships");

        let desired = json!({"displayName": "set", "items": [
            {"@odata.type": APP, "payloadId": "keep", "intent": "required"},
            {"@odata.type": APP, "payloadId": "change", "intent": "available"},
            {"@odata.type": APP, "payloadId": "new", "intent": "required"}],
            "assignments": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g"}}]});
        let mut live = Map::new();
        live.insert(
            "items".into(),
            json!([{"id": "s_keep", "@odata.type": APP, "payloadId": "keep", "intent": "required", "status": "success"},
                   {"id": "s_change", "@odata.type": APP, "payloadId": "change", "intent": "required"},
                   {"id": "s_gone", "@odata.type": APP, "payloadId": "gone", "intent": "required"}]),
        );
        let c = ctx("policySets", &desired, &live);
        let changed = Changed {
            actions: vec!["items"],
            assignments: true,
            ..Default::default()
        };
        let r = update(&c, "s", &changed);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].path, "beta/deviceAppManagement/policySets/s/update");
        let b = r[0].body.as_ref().unwrap();
        assert_eq!(b["addedPolicySetItems"][0]["payloadId"], "new");
        assert_eq!(
            b["updatedPolicySetItems"],
            json!([{"@odata.type": APP, "payloadId": "change", "intent": "available", "id": "s_change"}])
        );
        assert_eq!(b["deletedPolicySetItems"], json!(["s_gone"]));
        assert_eq!(r[1].path, "beta/deviceAppManagement/policySets/s/update");
        assert!(r[1].body.as_ref().unwrap()["assignments"].is_array());
        // A create carries the items in its body.
        let created = create(&c);
        assert_eq!(
            created[0].body.as_ref().unwrap()["items"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn create_posts_then_assigns_the_created_id() {
        let desired = json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": "x",
            "assignments": [{"target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}]});
        let none = Map::new();
        let r = create(&ctx("deviceConfigurations", &desired, &none));
        assert_eq!(
            r.iter().map(|r| r.purpose.as_str()).collect::<Vec<_>>(),
            ["create", "assign"]
        );
        assert_eq!(
            r[1].path,
            "beta/deviceManagement/deviceConfigurations/{id}/assign"
        );
        assert_eq!(
            r[0].body.as_ref().unwrap()["@odata.type"],
            "#microsoft.graph.windows10GeneralConfiguration"
        );
    }

    #[test]
    fn compliance_actions_go_inline_on_create_and_through_the_action_on_update() {
        let desired = json!({"@odata.type": "#microsoft.graph.iosCompliancePolicy", "displayName": "x",
            "scheduledActionsForRule": [{"ruleName": "r", "scheduledActionConfigurations": [{"actionType": "block"}]}]});
        let none = Map::new();
        let c = ctx("compliancePolicies", &desired, &none);
        let r = create(&c);
        assert_eq!(r.len(), 1);
        assert!(r[0].body.as_ref().unwrap()["scheduledActionsForRule"].is_array());
        let u = update(
            &c,
            "c1",
            &Changed {
                actions: vec!["scheduledActionsForRule"],
                ..Default::default()
            },
        );
        assert_eq!(u.len(), 1);
        assert_eq!(
            u[0].path,
            "beta/deviceManagement/deviceCompliancePolicies/c1/scheduleActionsForRules"
        );
    }

    #[test]
    fn definition_values_are_added_updated_and_deleted() {
        let desired = json!([
            {"enabled": true, "definition": {"id": "d1"}, "presentationValues": [
                {"@odata.type": "#t", "presentation": {"id": "p1"}, "value": "new"}]},
            {"enabled": false, "definition": {"id": "d2"}, "presentationValues": []},
            {"enabled": true, "definition": {"id": "d4"}, "presentationValues": []}
        ]);
        let live = vec![
            json!({"id": "v1", "enabled": true, "definition": {"id": "d1"}, "presentationValues": [
                {"id": "pv", "@odata.type": "#t", "presentation": {"id": "p1"}, "value": "old"}]}),
            json!({"id": "v2", "enabled": true, "definition": {"id": "d2"}, "presentationValues": []}),
            json!({"id": "v3", "enabled": true, "definition": {"id": "d3"}, "presentationValues": []}),
        ];
        let b = definition_values("https://g/", &desired, &live).unwrap();
        assert_eq!(b["deletedIds"], json!(["v1", "v3"]));
        assert_eq!(b["updated"][0]["id"], "v2");
        assert_eq!(b["updated"][0]["enabled"], false);
        let added: Vec<&str> = b["added"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["definition@odata.bind"].as_str().unwrap())
            .collect();
        assert_eq!(
            added,
            [
                "https://g/beta/deviceManagement/groupPolicyDefinitions('d1')",
                "https://g/beta/deviceManagement/groupPolicyDefinitions('d4')",
            ]
        );
        assert_eq!(
            b["added"][0]["presentationValues"][0]["presentation@odata.bind"],
            "https://g/beta/deviceManagement/groupPolicyDefinitions('d1')/presentations('p1')"
        );
        assert!(definition_values("https://g/", &json!([]), &[]).is_none());
    }

    #[test]
    fn autopilot_assignments_are_written_one_by_one() {
        let t = |g: &str| json!({"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": g});
        let desired =
            json!({"displayName": "x", "assignments": [{"target": t("g1")}, {"target": t("g2")}]});
        let mut children = Map::new();
        children.insert(
            "assignments".into(),
            json!([{"id": "a1", "target": t("g1")}, {"id": "a3", "target": t("g3")}]),
        );
        let c = ctx("autopilotProfiles", &desired, &children);
        let r = update(
            &c,
            "ap",
            &Changed {
                assignments: true,
                ..Default::default()
            },
        );
        let got: Vec<String> = r
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert_eq!(
            got,
            [
                "DELETE beta/deviceManagement/windowsAutopilotDeploymentProfiles/ap/assignments/a3",
                "POST beta/deviceManagement/windowsAutopilotDeploymentProfiles/ap/assignments",
            ]
        );
    }
}
