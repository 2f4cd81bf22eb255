//! The demo tenant compiled into the binary, so `backup --demo` works from any directory, and the
//! embedded Graph emulator that serves it to every command of a process (`--demo`, and tenants
//! configured with `demo: true`); [`drift`] changes that tenant as an administrator would in the
//! portal (`serve --demo-drift`).

pub mod drift;

use include_dir::{Dir, include_dir};
use std::sync::OnceLock;

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

/// The base URL of this process's embedded emulator serving the demo tenant, started on first use
/// on a free loopback port, on its own thread, for the life of the process. Every command that
/// reads or writes the demo tenant in one process sees the same state, which starts as the embedded
/// seed each time a process starts.
pub fn emulator_url() -> Result<String, String> {
    embedded().map(|e| e.url.clone())
}

/// Changes to this process's embedded demo tenant, as made in the portal (the emulator is started
/// when it is not yet running).
pub fn portal() -> Result<crate::emulator::Portal, String> {
    embedded().map(|e| e.portal.clone())
}

/// This process's embedded emulator.
struct Embedded {
    url: String,
    portal: crate::emulator::Portal,
}

fn embedded() -> Result<&'static Embedded, String> {
    static EMBEDDED: OnceLock<Result<Embedded, String>> = OnceLock::new();
    EMBEDDED
        .get_or_init(start_emulator)
        .as_ref()
        .map_err(Clone::clone)
}

fn start_emulator() -> Result<Embedded, String> {
    let seed = crate::emulator::TenantSeed::from_files(files())
        .map_err(|e| format!("the embedded demo tenant does not load: {e}"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("demo-emulator".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            };
            rt.block_on(async move {
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                let config = crate::emulator::EmulatorConfig::default();
                match crate::emulator::start(config, vec![seed], addr).await {
                    Ok(handle) => {
                        let _ = tx.send(Ok(Embedded {
                            url: handle.base_url(),
                            portal: handle.portal(),
                        }));
                        // Served until the process ends.
                        std::future::pending::<()>().await;
                        drop(handle);
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                }
            });
        })
        .map_err(|e| format!("cannot start the demo emulator: {e}"))?;
    rx.recv()
        .map_err(|_| "the demo emulator stopped before it listened".to_string())?
        .map_err(|e| format!("cannot start the demo emulator: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_emulator_serves_the_process() {
        let a = super::emulator_url().unwrap();
        let b = super::emulator_url().unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with("http://127.0.0.1:"), "{a}");
    }
}
