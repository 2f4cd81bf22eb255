//! Writing a tenant back in the seed format (`EmulatorHandle::dump`, `emulator --dump`), so a
//! state reached through writes can be loaded again as a seed. Apart from `seed`, which only reads
//! the format, because a tenant is built from a seed and the dump reads a tenant.

use std::path::Path;

use super::behaviour;
use super::error::EmulatorError;
use super::seed::TenantInfo;
use super::state::{Tenant, seed_form};

/// Writes one tenant in seed format into `dir`.
pub(crate) fn dump_tenant(t: &Tenant, dir: &Path) -> Result<(), EmulatorError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| EmulatorError::Io { path, source }
    };
    fs_err::create_dir_all(dir).map_err(io(dir))?;
    let info = TenantInfo {
        tenant_id: t.id.clone(),
        display_name: t.display_name.clone(),
        clients: t.clients.clone(),
    };
    let tj = dir.join("tenant.json");
    let text = serde_json::to_string_pretty(&info).unwrap_or_default();
    fs_err::write(&tj, text).map_err(io(&tj))?;
    for coll in behaviour::COLLECTIONS {
        let store = t.store(coll);
        if store.order.is_empty() {
            continue;
        }
        let folder = dir.join(coll.primary.as_str()).join(coll.path);
        fs_err::create_dir_all(&folder).map_err(io(&folder))?;
        for obj in store.values() {
            let id = obj["id"].as_str().unwrap_or_default();
            let name: String = id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let file = folder.join(format!("{name}.json"));
            let text = serde_json::to_string_pretty(&seed_form(obj)).unwrap_or_default();
            fs_err::write(&file, text).map_err(io(&file))?;
        }
    }
    Ok(())
}
