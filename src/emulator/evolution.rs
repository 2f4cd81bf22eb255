//! How Graph's answers around writes vary, as emulator knobs (`vary.rs` names them): the PATCH / PUT
//! success code, a create answered with a partial body, properties Graph added after our fixtures
//! were captured, and properties Graph has removed since an object was backed up.
//!
//! It exists so every writer in `writes.rs` applies the same rule in one place, and so the rules
//! can be read (and documented in `docs/graph-variation.md`) apart from the plain write semantics.

use serde_json::{Map, Value, json};

use super::behaviour::Coll;
use super::config::EmulatorConfig;
use super::error::GraphError;
use super::state::Tenant;

/// Unknown properties the `unknown-properties` knob stores on every object, nested setting
/// instance, assignment and assignment target: a scalar, an object and a list. None of the names
/// exists in Graph's models.
pub(crate) const UNKNOWN_SCALAR: &str = "contosoFutureFlag";
pub(crate) const UNKNOWN_OBJECT: &str = "futureOptions";
pub(crate) const UNKNOWN_LIST: &str = "futureList";

/// Properties the `removed-property` knob takes away, by `@odata.type`: no longer served, and a
/// write that names one is refused as Graph refuses a property its type does not have. Chosen on
/// types the demo tenant has, on objects that carry a value for them.
pub(crate) const REMOVED: &[(&str, &str)] = &[
    (
        "#microsoft.graph.windowsFeatureUpdateProfile",
        "installLatestWindows10OnWindows11IneligibleDevice",
    ),
    ("#microsoft.graph.deviceManagementScript", "runAs32Bit"),
];

/// The values seeded objects carry (different from what a create that omits them gets, so a
/// restore that drops them cannot go unnoticed).
fn unknown_values(m: &mut Map<String, Value>) {
    m.entry(UNKNOWN_SCALAR).or_insert(json!(true));
    m.entry(UNKNOWN_OBJECT)
        .or_insert(json!({"futureMode": "strict", "futureLevel": 3}));
    m.entry(UNKNOWN_LIST).or_insert(json!(["alpha", "beta"]));
}

/// What Graph stores for the unknown properties when a create leaves them out: their defaults.
fn unknown_defaults(m: &mut Map<String, Value>) {
    m.entry(UNKNOWN_SCALAR).or_insert(json!(false));
    m.entry(UNKNOWN_OBJECT).or_insert(json!({}));
    m.entry(UNKNOWN_LIST).or_insert(json!([]));
}

/// Applies `f` to the object, its settings' `settingInstance`s and its assignments and their
/// targets: every place the unknown properties live.
fn each_place(obj: &mut Value, f: fn(&mut Map<String, Value>)) {
    let Some(m) = obj.as_object_mut() else { return };
    f(m);
    for s in m
        .get_mut("settings")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(i) = s.get_mut("settingInstance").and_then(Value::as_object_mut) {
            f(i);
        }
    }
    for a in m
        .get_mut("assignments")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(a) = a.as_object_mut() {
            f(a);
            if let Some(t) = a.get_mut("target").and_then(Value::as_object_mut) {
                f(t);
            }
        }
    }
}

/// `unknown-properties`: every object of the seed the tool backs up gets the unknown properties.
pub(crate) fn seed_unknown(t: &mut Tenant) {
    // Reference data the tool reads names from but never backs up is left as it is.
    let backed_up = |c: &&Coll| c.writable && !c.reference_data;
    for c in super::behaviour::COLLECTIONS.iter().filter(backed_up) {
        for obj in t.store_mut(c).items.values_mut() {
            each_place(obj, unknown_values);
        }
    }
}

/// `unknown-properties`: a created object (its settings and assignments too) has the unknown
/// properties, at their defaults where the body did not give them.
pub(crate) fn complete_unknown(cfg: &EmulatorConfig, obj: &mut Value) {
    if cfg.unknown_properties {
        each_place(obj, unknown_defaults);
    }
}

/// `unknown-properties`: an assignment written on its own (Autopilot) is completed the same way.
pub(crate) fn complete_unknown_assignment(cfg: &EmulatorConfig, a: &mut Value) {
    if !cfg.unknown_properties {
        return;
    }
    if let Some(m) = a.as_object_mut() {
        unknown_defaults(m);
        if let Some(t) = m.get_mut("target").and_then(Value::as_object_mut) {
            unknown_defaults(t);
        }
    }
}

/// The removed properties of `type_name` under `removed-property`.
fn removed_of<'a>(
    cfg: &EmulatorConfig,
    type_name: Option<&'a str>,
) -> impl Iterator<Item = &'static str> + 'a {
    let on = cfg.removed_properties;
    REMOVED
        .iter()
        .filter(move |(ty, _)| on && Some(*ty) == type_name)
        .map(|(_, p)| *p)
}

/// `removed-property`: an answer does not carry the properties its type no longer has.
pub(crate) fn hide_removed(cfg: &EmulatorConfig, v: &mut Value) {
    let ty = v["@odata.type"].as_str().map(str::to_string);
    let gone: Vec<&str> = removed_of(cfg, ty.as_deref()).collect();
    if let Some(m) = v.as_object_mut() {
        for p in gone {
            m.remove(p);
        }
    }
}

/// `removed-property`: a write naming a property its type no longer has is refused as Graph
/// refuses any property its type does not define (OData `RequestBodyRead`).
pub(crate) fn refuse_removed(
    cfg: &EmulatorConfig,
    coll: &Coll,
    body: &Map<String, Value>,
    stored_type: Option<&str>,
) -> Result<(), GraphError> {
    let ty = body
        .get("@odata.type")
        .and_then(Value::as_str)
        .or(stored_type)
        .unwrap_or(coll.base_type);
    match removed_of(cfg, Some(ty)).find(|p| body.contains_key(*p)) {
        Some(p) => Err(GraphError::new(
            400,
            "RequestBodyRead",
            format!(
                "The property '{p}' does not exist on type '{}'. Make sure to only use property names that are defined by the type or mark the type as open type.",
                ty.trim_start_matches('#')
            ),
        )),
        None => Ok(()),
    }
}

/// `partial-create-body`: the 201 of a create carries the id and a few scalars only — no
/// navigations, no `@odata.type`, no `createdDateTime`.
pub(crate) fn partial_create(full: &Value, key: &str) -> Value {
    let mut out = Map::new();
    // The key always: the id, or the property a collection is keyed by (a partner's tenantId).
    for k in ["@odata.context", key, "displayName", "name", "description"] {
        if let Some(v) = full.get(k).filter(|v| !v.is_object() && !v.is_array()) {
            out.insert(k.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// The success status of a PATCH or PUT: the knob's when set, else the collection's.
pub(crate) fn update_status(cfg: &EmulatorConfig, default: u16) -> u16 {
    cfg.update_status.unwrap_or(default)
}
