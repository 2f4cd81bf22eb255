//! The demo tenant compiled into the binary, so `backup --demo` works from any directory.

use include_dir::{Dir, include_dir};

/// `fixtures/tenants/demo`, embedded at build time.
pub static DEMO_SEED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/tenants/demo");

/// Every file of the demo seed as (path relative to the seed directory, bytes).
pub fn files() -> Vec<(&'static str, &'static [u8])> {
    let mut out = vec![];
    collect(&DEMO_SEED, &mut out);
    out.sort_by_key(|(p, _)| *p);
    out
}

fn collect(dir: &'static Dir<'static>, out: &mut Vec<(&'static str, &'static [u8])>) {
    for f in dir.files() {
        if let Some(p) = f.path().to_str() {
            out.push((p, f.contents()));
        }
    }
    for d in dir.dirs() {
        collect(d, out);
    }
}

/// The demo tenant's id and its first client's id and secret, from the embedded `tenant.json`.
pub fn credentials() -> Option<(String, String, String)> {
    let tenant: serde_json::Value =
        serde_json::from_slice(DEMO_SEED.get_file("tenant.json")?.contents()).ok()?;
    let client = tenant.get("clients")?.get(0)?;
    Some((
        tenant.get("tenantId")?.as_str()?.to_string(),
        client.get("clientId")?.as_str()?.to_string(),
        client.get("clientSecret")?.as_str()?.to_string(),
    ))
}
