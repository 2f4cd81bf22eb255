//! The seed format shared with the fixture tenants: `tenant.json` plus one JSON file per object at
//! `<version>/<collection path>/<name>.json`, each as GET-by-id with every navigation expanded.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::behaviour::{self, Coll, Ver};
use super::error::EmulatorError;

/// One app registration allowed to get tokens for a tenant.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientSeed {
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<String>,
    /// Absent = every permission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

impl std::fmt::Debug for ClientSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSeed")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("certificates", &self.certificates.len())
            .field("roles", &self.roles)
            .finish()
    }
}

/// `tenant.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TenantInfo {
    pub tenant_id: String,
    #[serde(default)]
    pub display_name: String,
    pub clients: Vec<ClientSeed>,
}

/// One tenant to serve: `tenant.json` and its objects.
#[derive(Clone)]
pub struct TenantSeed {
    pub(crate) info: TenantInfo,
    pub(crate) objects: Vec<(&'static Coll, Value)>,
}

/// Objects carry plaintext secrets: Debug shows only the tenant and the object count.
impl std::fmt::Debug for TenantSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantSeed")
            .field("tenant_id", &self.info.tenant_id)
            .field("clients", &self.info.clients)
            .field("objects", &self.objects.len())
            .finish()
    }
}

impl TenantSeed {
    /// Reads a seed directory (see the module doc for the layout).
    pub fn load_dir(dir: &Path) -> Result<TenantSeed, EmulatorError> {
        let mut files = Vec::new();
        collect(dir, dir, &mut files)?;
        files.sort();
        let mut loaded = Vec::with_capacity(files.len());
        for rel in files {
            let full = dir.join(&rel);
            let bytes = fs_err::read(&full).map_err(|source| EmulatorError::Io {
                path: full.display().to_string(),
                source,
            })?;
            loaded.push((rel, bytes));
        }
        Self::from_files(loaded.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
    }

    /// Builds a seed from `(relative '/'-separated path, bytes)` pairs, e.g. a compiled-in seed.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<TenantSeed, EmulatorError> {
        let mut info = None;
        let mut objects = Vec::new();
        for (path, bytes) in files {
            let path = path.trim_start_matches("./").trim_start_matches('/');
            if !path.ends_with(".json") {
                continue;
            }
            let json = |b: &[u8]| {
                serde_json::from_slice::<Value>(b).map_err(|source| EmulatorError::Json {
                    path: path.to_string(),
                    source,
                })
            };
            if path == "tenant.json" {
                let v = json(bytes)?;
                let t: TenantInfo =
                    serde_json::from_value(v).map_err(|source| EmulatorError::Json {
                        path: path.to_string(),
                        source,
                    })?;
                info = Some(t);
                continue;
            }
            let (ver, rest) = path.split_once('/').ok_or_else(|| {
                EmulatorError::Seed(format!("{path}: not under a version folder"))
            })?;
            let ver = Ver::parse(ver)
                .ok_or_else(|| EmulatorError::Seed(format!("{path}: unknown version folder")))?;
            let coll_path = rest
                .rsplit_once('/')
                .map(|(c, _)| c)
                .ok_or_else(|| EmulatorError::Seed(format!("{path}: no collection folder")))?;
            let coll = behaviour::served(ver, coll_path).ok_or_else(|| {
                EmulatorError::Seed(format!("{path}: unknown collection {coll_path}"))
            })?;
            let mut v = json(bytes)?;
            // An object keyed by another property (a cross-tenant partner's `tenantId`) is kept
            // under that key.
            if coll.key != "id"
                && let Some(key) = v.get(coll.key).cloned()
                && let Some(m) = v.as_object_mut()
            {
                m.entry("id").or_insert(key);
            }
            // Stored as every object is, with its type; answers leave the declared type out
            // under the `omit-declared-type` variation.
            if let Some(m) = v.as_object_mut()
                && !coll.base_type.is_empty()
            {
                m.entry("@odata.type")
                    .or_insert_with(|| Value::String(coll.base_type.to_string()));
            }
            if !v.is_object() || v.get("id").and_then(Value::as_str).is_none() {
                return Err(EmulatorError::Seed(format!(
                    "{path}: object without a string id"
                )));
            }
            objects.push((coll, v));
        }
        let info = info.ok_or_else(|| EmulatorError::Seed("tenant.json missing".into()))?;
        for c in &info.clients {
            if c.client_secret.is_none() && c.certificates.is_empty() {
                return Err(EmulatorError::Seed(format!(
                    "client {} has neither a secret nor a certificate",
                    c.client_id
                )));
            }
        }
        Ok(TenantSeed { info, objects })
    }

    /// Leaves out the objects of a collection (its path below the version, `users`) that `matches`,
    /// so the tenant is served without them; how many there were.
    pub fn remove(&mut self, collection: &str, matches: impl Fn(&Value) -> bool) -> usize {
        let before = self.objects.len();
        self.objects
            .retain(|(c, o)| !(c.path == collection && matches(o)));
        before - self.objects.len()
    }

    /// The tenant id from `tenant.json`.
    pub fn tenant_id(&self) -> &str {
        &self.info.tenant_id
    }

    /// The display name from `tenant.json`.
    pub fn display_name(&self) -> &str {
        &self.info.display_name
    }

    /// The first client that signs in with a secret: (client id, secret). Seeds hold test values
    /// only; the emulator prints them so a configuration can reach it.
    pub fn secret_client(&self) -> Option<(&str, &str)> {
        self.info
            .clients
            .iter()
            .find_map(|c| Some((c.client_id.as_str(), c.client_secret.as_deref()?)))
    }

    pub(crate) fn new(info: TenantInfo, objects: Vec<(&'static Coll, Value)>) -> Self {
        TenantSeed { info, objects }
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), EmulatorError> {
    let io = |source| EmulatorError::Io {
        path: dir.display().to_string(),
        source,
    };
    for entry in fs_err::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let p = entry.path();
        if p.is_dir() {
            collect(root, &p, out)?;
        } else if let Ok(rel) = p.strip_prefix(root) {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str =
        r#"{"tenantId":"t1","displayName":"T","clients":[{"clientId":"c","clientSecret":"s"}]}"#;

    #[test]
    fn from_files_maps_collections() {
        let obj = br#"{"id":"a","displayName":"x"}"#;
        let s = TenantSeed::from_files([
            ("tenant.json", TENANT.as_bytes()),
            (
                "beta/deviceManagement/deviceConfigurations/a.json",
                obj.as_slice(),
            ),
            (
                "v1.0/identity/conditionalAccess/policies/p.json",
                obj.as_slice(),
            ),
        ])
        .unwrap();
        assert_eq!(s.tenant_id(), "t1");
        assert_eq!(s.objects.len(), 2);
        assert_eq!(s.objects[1].0.path, "identity/conditionalAccess/policies");
    }

    #[test]
    fn rejects_unknown_collection_and_missing_tenant() {
        let obj = br#"{"id":"a"}"#;
        let e = TenantSeed::from_files([
            ("tenant.json", TENANT.as_bytes()),
            ("beta/deviceManagement/nope/a.json", obj.as_slice()),
        ]);
        assert!(matches!(e, Err(EmulatorError::Seed(_))));
        let e = TenantSeed::from_files([(
            "beta/deviceManagement/deviceConfigurations/a.json",
            obj.as_slice(),
        )]);
        assert!(matches!(e, Err(EmulatorError::Seed(_))));
    }

    #[test]
    fn client_debug_hides_secret() {
        let info: TenantInfo = serde_json::from_str(TENANT).unwrap();
        let d = format!("{:?}", info);
        assert!(!d.contains("\"s\""), "{d}");
        assert!(d.contains("redacted"));
    }

    #[test]
    fn seed_debug_hides_object_secrets() {
        let obj = br#"{"id":"a","omaSettings":[{"isEncrypted":true,"value":"plain-oma-secret"}]}"#;
        let s = TenantSeed::from_files([
            ("tenant.json", TENANT.as_bytes()),
            (
                "beta/deviceManagement/deviceConfigurations/a.json",
                obj.as_slice(),
            ),
        ])
        .unwrap();
        let d = format!("{s:?}");
        assert!(!d.contains("plain-oma-secret"), "{d}");
        assert!(d.contains("objects: 1"));
    }
}
