//! In-memory tenants: objects per collection as a GET-by-id with every navigation expanded returns
//! them, secrets in plaintext, plus what the service layers on top when serving
//! (docs/graph-notes.md, "Secrets Graph hides").

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::behaviour::{self, Coll};
use super::error::GraphError;
use super::seed::{ClientSeed, TenantSeed};

/// Internal key holding a secret setting's stable opaque token; never served or dumped.
pub(crate) const TOKEN_KEY: &str = "__emulatorSecretToken";

/// Objects of one collection in stored order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Store {
    pub order: Vec<String>,
    pub items: HashMap<String, Value>,
}

impl Store {
    pub fn get(&self, id: &str) -> Option<&Value> {
        self.items.get(id)
    }
    pub fn insert(&mut self, id: String, v: Value) {
        if self.items.insert(id.clone(), v).is_none() {
            self.order.push(id);
        }
    }
    pub fn remove(&mut self, id: &str) -> Option<Value> {
        let v = self.items.remove(id)?;
        self.order.retain(|x| x != id);
        Some(v)
    }
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.order.iter().filter_map(|id| self.items.get(id))
    }
}

/// One emulated tenant.
pub(crate) struct Tenant {
    pub id: String,
    pub display_name: String,
    pub clients: Vec<ClientSeed>,
    pub colls: HashMap<&'static str, Store>,
    /// Secret reference ids and setting tokens → plaintext, to resolve echoed tokens on write.
    pub secrets: HashMap<String, String>,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant")
            .field("id", &self.id)
            .field("collections", &self.colls.len())
            .finish_non_exhaustive()
    }
}

impl Tenant {
    pub fn from_seed(seed: TenantSeed) -> Result<Tenant, GraphError> {
        let mut t = Tenant {
            id: seed.info.tenant_id.clone(),
            display_name: seed.info.display_name.clone(),
            clients: seed.info.clients.clone(),
            colls: HashMap::new(),
            secrets: HashMap::new(),
        };
        for c in behaviour::COLLECTIONS {
            t.colls.insert(c.path, Store::default());
        }
        for (coll, mut obj) in seed.objects {
            strip_response_annotations(&mut obj);
            register_seed_references(&obj, &mut t.secrets);
            let id = obj["id"].as_str().unwrap_or_default().to_string();
            ingest_secrets(&mut obj, &mut t.secrets).map_err(|e| {
                GraphError::bad_request(format!("{}/{id}: {}", coll.path, e.message))
            })?;
            if let Some(defs) = coll.definitions {
                t.register_definitions(defs, &obj);
            }
            t.store_mut(coll).insert(id, obj);
        }
        t.add_missing_built_ins();
        Ok(t)
    }

    pub fn store(&self, coll: &Coll) -> &Store {
        &self.colls[coll.path]
    }
    pub fn store_mut(&mut self, coll: &Coll) -> &mut Store {
        self.colls.entry(coll.path).or_default()
    }

    /// Definitions inlined in definitionValues become known definitions (seed format), with the
    /// presentations their presentation values point at, so binds to them resolve.
    pub fn register_definitions(&mut self, definitions: &'static str, obj: &Value) {
        let store = self.colls.entry(definitions).or_default();
        for d in inline_definitions(obj) {
            let id = d["id"].as_str().unwrap_or_default().to_string();
            match store.items.get_mut(&id) {
                None => store.insert(id, d),
                Some(known) => {
                    if !known["presentations"].is_array() {
                        known["presentations"] = json!([]);
                    }
                    for p in d["presentations"].as_array().into_iter().flatten() {
                        if let Some(arr) = known["presentations"].as_array_mut()
                            && !arr.iter().any(|x| x["id"] == p["id"])
                        {
                            arr.push(p.clone());
                        }
                    }
                }
            }
        }
    }
}

/// The stored object `id` of `coll`, or the collection's "missing" answer.
pub(crate) fn find_obj<'a>(t: &'a Tenant, coll: &Coll, id: &str) -> Result<&'a Value, GraphError> {
    t.store(coll)
        .get(id)
        .ok_or_else(|| GraphError::not_found(coll.missing, id))
}

/// The stored object, for changing it; the same "missing" answer as [`find_obj`].
pub(crate) fn find_obj_mut<'a>(
    t: &'a mut Tenant,
    coll: &Coll,
    id: &str,
) -> Result<&'a mut Value, GraphError> {
    t.store_mut(coll)
        .items
        .get_mut(id)
        .ok_or_else(|| GraphError::not_found(coll.missing, id))
}

/// Definitions only inlined in a configuration's definitionValues (seed format), with the
/// presentations its presentation values point at.
pub(crate) fn inline_definitions(config: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for dv in config["definitionValues"].as_array().into_iter().flatten() {
        let Some(mut def) = dv
            .get("definition")
            .filter(|d| d["id"].is_string())
            .cloned()
        else {
            continue;
        };
        let mut pres: Vec<Value> = def["presentations"].as_array().cloned().unwrap_or_default();
        for pv in dv["presentationValues"].as_array().into_iter().flatten() {
            if let Some(p) = pv.get("presentation").filter(|p| p["id"].is_string())
                && !pres.iter().any(|x| x["id"] == p["id"])
            {
                pres.push(p.clone());
            }
        }
        def["presentations"] = Value::Array(pres);
        match out.iter_mut().find(|d| d["id"] == def["id"]) {
            Some(d) => {
                for p in def["presentations"].as_array().into_iter().flatten() {
                    if let Some(arr) = d["presentations"].as_array_mut()
                        && !arr.iter().any(|x| x["id"] == p["id"])
                    {
                        arr.push(p.clone());
                    }
                }
            }
            None => out.push(def),
        }
    }
    out
}

/// Response annotations copied into a seed (`@odata.context`, `assignments@odata.context`, …) are
/// regenerated when serving; only `@odata.type` is data.
fn strip_response_annotations(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.contains('@') || k == "@odata.type");
            m.values_mut().for_each(strip_response_annotations);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_response_annotations),
        _ => {}
    }
}

/// A dumped seed keeps its `secretReferenceValueId`s: register them so they stay stable.
fn register_seed_references(v: &Value, secrets: &mut HashMap<String, String>) {
    match v {
        Value::Object(m) => {
            for s in m
                .get("omaSettings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(r), Some(val)) =
                    (s["secretReferenceValueId"].as_str(), s["value"].as_str())
                    && s.get("isEncrypted") == Some(&Value::Bool(true))
                    && val != "****"
                {
                    secrets.insert(r.to_string(), val.to_string());
                }
            }
            m.values()
                .for_each(|c| register_seed_references(c, secrets));
        }
        Value::Array(a) => a.iter().for_each(|c| register_seed_references(c, secrets)),
        _ => {}
    }
}

/// Store secrets in plaintext and give each a stable handle (docs/graph-notes.md, "Secrets Graph
/// hides"): encrypted OMA settings get a `secretReferenceValueId`; secret setting values a random
/// opaque token. A masked `****` or an echoed token resolves to the stored plaintext.
pub(crate) fn ingest_secrets(
    v: &mut Value,
    secrets: &mut HashMap<String, String>,
) -> Result<(), GraphError> {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(oma)) = m.get_mut("omaSettings") {
                for s in oma.iter_mut() {
                    ingest_oma(s, secrets)?;
                }
            }
            let is_secret = m
                .get("@odata.type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with("SecretSettingValue"));
            if is_secret {
                ingest_secret_value(m, secrets)?;
            }
            for (k, child) in m.iter_mut() {
                if k != "omaSettings" {
                    ingest_secrets(child, secrets)?;
                }
            }
        }
        Value::Array(a) => {
            for child in a {
                ingest_secrets(child, secrets)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn ingest_oma(s: &mut Value, secrets: &mut HashMap<String, String>) -> Result<(), GraphError> {
    if s.get("isEncrypted") != Some(&Value::Bool(true)) {
        return Ok(());
    }
    let reference = s["secretReferenceValueId"].as_str().map(str::to_string);
    let value = s["value"].as_str().map(str::to_string);
    match (value.as_deref(), reference) {
        (Some("****"), Some(r)) => {
            let plain = secrets.get(&r).cloned().ok_or_else(|| {
                GraphError::bad_request("Unknown secretReferenceValueId for a masked value")
            })?;
            s["value"] = json!(plain);
        }
        (Some("****"), None) => {
            return Err(GraphError::bad_request("A masked value cannot be stored"));
        }
        (_, r) => {
            let r = r
                .filter(|r| secrets.contains_key(r))
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            secrets.insert(r.clone(), value.unwrap_or_default());
            s["secretReferenceValueId"] = json!(r);
        }
    }
    Ok(())
}

fn ingest_secret_value(
    m: &mut Map<String, Value>,
    secrets: &mut HashMap<String, String>,
) -> Result<(), GraphError> {
    let state = m
        .get("valueState")
        .and_then(Value::as_str)
        .unwrap_or("notEncrypted");
    let value = m
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if state == "encryptedValueToken" {
        let plain = secrets
            .get(&value)
            .cloned()
            .ok_or_else(|| GraphError::bad_request("Invalid secret value token"))?;
        m.insert("value".into(), json!(plain));
        m.insert(TOKEN_KEY.into(), json!(value));
    } else {
        let token = uuid::Uuid::new_v4().simple().to_string();
        secrets.insert(token.clone(), value);
        m.insert(TOKEN_KEY.into(), json!(token));
    }
    m.insert("valueState".into(), json!("notEncrypted"));
    Ok(())
}

/// Serve secrets the way Graph does: OMA `****`, secret settings as their token.
pub(crate) fn mask_secrets(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(oma)) = m.get_mut("omaSettings") {
                for s in oma.iter_mut() {
                    if s.get("isEncrypted") == Some(&Value::Bool(true)) {
                        s["value"] = json!("****");
                    }
                }
            }
            if let Some(tok) = m.remove(TOKEN_KEY) {
                m.insert("value".into(), tok);
                m.insert("valueState".into(), json!("encryptedValueToken"));
            }
            for child in m.values_mut() {
                mask_secrets(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_secrets),
        _ => {}
    }
}

/// Seed form of a stored object: plaintext secrets, internal keys dropped.
pub(crate) fn seed_form(v: &Value) -> Value {
    let mut v = v.clone();
    strip_internal(&mut v);
    v
}

fn strip_internal(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove(TOKEN_KEY);
            m.values_mut().for_each(strip_internal);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_internal),
        _ => {}
    }
}

/// Current time as Graph writes timestamps.
pub(crate) fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S.%7fZ")
        .to_string()
}

/// The object of `target` a reference names — an id, or a URL ending in one (`…/{id}`,
/// `…('{id}')`, as binds and `$ref` links spell it); 400 when it names nothing.
pub(crate) fn referenced(t: &Tenant, target: &str, reference: &str) -> Result<Value, GraphError> {
    let id = reference
        .trim_end_matches("')")
        .rsplit(['/', '\''])
        .next()
        .unwrap_or_default();
    let store = behaviour::by_path(target).ok_or_else(GraphError::no_route)?;
    t.store(store).get(id).cloned().ok_or_else(|| {
        GraphError::bad_request(format!(
            "The reference '{reference}' names nothing in {target}."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oma_secret_gets_reference_and_masks() {
        let mut secrets = HashMap::new();
        let mut v =
            json!({"omaSettings":[{"isEncrypted":true,"value":"hunter2"},{"value":"plain"}]});
        ingest_secrets(&mut v, &mut secrets).unwrap();
        let r = v["omaSettings"][0]["secretReferenceValueId"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(secrets[&r], "hunter2");
        assert!(v["omaSettings"][1].get("secretReferenceValueId").is_none());
        let mut served = v.clone();
        mask_secrets(&mut served);
        assert_eq!(served["omaSettings"][0]["value"], "****");
        assert_eq!(served["omaSettings"][1]["value"], "plain");
        // Writing back the masked value with its reference keeps the plaintext.
        ingest_secrets(&mut served, &mut secrets).unwrap();
        assert_eq!(served["omaSettings"][0]["value"], "hunter2");
        assert_eq!(
            served["omaSettings"][0]["secretReferenceValueId"],
            r.as_str()
        );
    }

    #[test]
    fn secret_setting_token_round_trip() {
        let mut secrets = HashMap::new();
        let ty = "#microsoft.graph.deviceManagementConfigurationSecretSettingValue";
        let mut v = json!({"x":{"@odata.type": ty, "value":"s3cret","valueState":"notEncrypted"}});
        ingest_secrets(&mut v, &mut secrets).unwrap();
        let mut served = v.clone();
        mask_secrets(&mut served);
        let tok = served["x"]["value"].as_str().unwrap().to_string();
        assert_ne!(tok, "s3cret");
        assert_eq!(served["x"]["valueState"], "encryptedValueToken");
        ingest_secrets(&mut served, &mut secrets).unwrap();
        assert_eq!(served["x"]["value"], "s3cret");
        assert_eq!(seed_form(&served)["x"].get(TOKEN_KEY), None);
        let mut bad = json!({"@odata.type": ty, "value":"nope","valueState":"encryptedValueToken"});
        assert!(ingest_secrets(&mut bad, &mut secrets).is_err());
    }

    #[test]
    fn seed_annotations_are_dropped() {
        let mut v = json!({"@odata.context":"x","@odata.type":"#t","assignments@odata.context":"y",
            "assignments":[{"@odata.type":"#a","target":{"@odata.type":"#g"}}],"@microsoft.graph.tips":"z"});
        strip_response_annotations(&mut v);
        assert_eq!(
            v,
            json!({"@odata.type":"#t","assignments":[{"@odata.type":"#a","target":{"@odata.type":"#g"}}]})
        );
    }

    #[test]
    fn store_keeps_order() {
        let mut s = Store::default();
        s.insert("b".into(), json!(1));
        s.insert("a".into(), json!(2));
        s.insert("b".into(), json!(3));
        assert_eq!(s.order, vec!["b", "a"]);
        s.remove("b");
        assert_eq!(s.values().count(), 1);
    }
}
