//! A Microsoft Graph emulator: a real HTTP server on loopback that behaves like Graph for every
//! policy type, for reads and writes (docs/ARCHITECTURE.md, "The emulator").
//!
//! It exists so backups, restores, benchmarks and the `--demo` mode run without a tenant, and so
//! the client is tested against an independent reading of docs/graph-notes.md: this module keeps
//! its own table of Graph behaviour (`behaviour`) and imports neither `catalog`, `graph` nor
//! `normalize`.
//!
//! Documented choices where the sources leave room:
//! - `settings` expanded on a by-id GET returns every setting, unpaged (a 306-setting policy came
//!   back complete: docs/graph-notes.md, "Reading settings catalog policies"); the `/settings`
//!   route itself pages.
//! - The page-size knob is the server's maximum page: `$top` may ask for less, never more.
//! - `stats.requests` counts Graph requests including `$batch` items but not the envelopes
//!   (those are `batches`); an injected connection reset is logged with status 0.
//! - Throttling counts every `$batch` item on its own and not the envelope; latency is added once
//!   per HTTP request (a batch sleeps once).
//! - PATCH success codes follow IntuneCD where it gives them
//!   (docs/graph-notes.md, "Writes and their answers"); where it gives none
//!   (configurationPolicies, ADMX, MAM, notification templates, intents) the emulator answers 204.
//!   The write variations (`patch-200`/`patch-204`, `partial-create-body`, `unknown-properties`,
//!   `removed-property`) change these answers as `shapes` describes.
//! - `settings?$expand=settingDefinitions` attaches to each setting item the definitions (from the
//!   `configurationSettings` collection) of every setting in its instance tree; unknown ids are left
//!   out, and the `settings` route accepts no other `$expand`.
//! - A `$batch` item is eligible for fault injection whatever its verb; outside a batch only GETs are.
//! - A tenant seeded without the built-in scope tag "0" (Default) gets it: every tenant has it and
//!   real answers name it without carrying it (docs/graph-notes.md, "Scope tags").
//! - `drop_create_rate` applies to every POST answered 201 (collection creates, autopilot
//!   `assignments`, localized notification messages); inside `$batch` all items run and then the
//!   envelope's response is dropped. `stats.writes` counts writes that reached the router (past
//!   auth, throttling and read faults) whatever their answer.
//! - The answer-shape knobs (`shapes`: date-time digits, hidden-secret form, etags, property order)
//!   apply to every Graph answer with a body once its route has built it, `$batch` items included;
//!   `fraction_digits` never changes an instant, and an empty page inserted by `EmptyPages::Middle`
//!   is named by a `$skiptoken` even when nextLinks use `$skip`.
//! - A created enrollment configuration gets its `deviceEnrollmentConfigurationType` from the
//!   server and an id of a GUID, `_` and that type upper-cased first
//!   (`…_Windows10EnrollmentCompletionPageConfiguration`), as the real create answers in
//!   `fixtures/graph-samples` show for status pages and enrollment notifications; the other types
//!   follow the same rule (UNVERIFIED). Seeded objects keep the ids they were seeded with.
//! - Intent templates (`deviceManagement/templates`) are seed data kept by a clear, like setting
//!   definitions; their `intentCount` is counted from the tenant's intents when answered.
//! - `$count`/`$search` on `groups` need `ConsistencyLevel: eventual`; Intune collections count
//!   without it (docs/graph-variation.md, "Requests other clients send").
//!
//! Write rules where the sources leave room (UNVERIFIED, tolerant unless said otherwise):
//! - Read-only fields (docs/graph-notes.md, "Read-only fields") and navigation properties other
//!   than `settings` and compliance `scheduledActionsForRule` are silently dropped from create
//!   bodies; read-only fields are dropped from PATCH bodies, navigations refused (400) there.
//! - PATCH on deviceConfigurations and deviceCompliancePolicies needs the root `@odata.type`, as on
//!   named locations (docs/graph-notes.md, "Conditional Access and named locations"); the
//!   sources state it for named locations only.
//! - Assignment targets naming a group or include/exclude filter unknown to the tenant → 400
//!   (`check_assignment_references`, on by default).
//! - Unknown ADMX definitions / presentations in binds → 400 BadRequest; deleting a built-in object
//!   (scope tag "0", default enrollment configurations, Microsoft remediations) → 400; deleting an
//!   autopilot profile that still has group assignments → 400 ("unassign first",
//!   docs/graph-notes.md, "Autopilot profiles").
//! - Terms and conditions: `version` is the server's, incremented on every write; a
//!   `$expand=assignments` answers none (docs/graph-notes.md, "Terms and conditions").

mod actions;
mod apps;
mod auth;
mod batch;
mod behaviour;
mod coll;
mod config;
mod definitions;
mod dump;
mod error;
mod evolution;
mod faults;
mod filter;
#[doc(hidden)]
pub mod fuzzing;
mod generate;
mod http;
mod pipeline;
mod policy_sets;
mod portal;
mod query;
mod references;
mod routes;
mod seed;
mod server;
mod shapes;
mod state;
mod stats;
mod templates;
mod throttle;
mod vary;
mod view;
mod writes;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

pub use config::{
    EmptyPages, EmulatorConfig, HostileLink, ListOrder, NextLinkForm, SecretForm, Throttle,
};
pub use error::EmulatorError;
pub use portal::{Portal, PortalAnswer};
pub use seed::TenantSeed;
pub use vary::{CHANGES_CONTENT, VARIATIONS, Variation, VaryError, pairwise, random_combination};

use auth::AuthClient;
use faults::Faults;
use pipeline::{Shared, lock};
use state::Tenant;
use stats::Stats;
use throttle::Throttler;

/// A running emulator.
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Starts an emulator serving `tenants` on `addr` (`127.0.0.1:0` picks a free port).
pub async fn start(
    config: EmulatorConfig,
    tenants: Vec<TenantSeed>,
    addr: SocketAddr,
) -> Result<EmulatorHandle, EmulatorError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| EmulatorError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind { addr, source })?;
    let base = format!("http://{addr}");
    let mut by_id = HashMap::new();
    let mut auth = HashMap::new();
    for seed in tenants {
        let key = seed.tenant_id().to_ascii_lowercase();
        if by_id.contains_key(&key) {
            return Err(EmulatorError::Seed(format!(
                "tenant {} is seeded twice",
                seed.tenant_id()
            )));
        }
        auth.insert(
            key.clone(),
            seed.info
                .clients
                .iter()
                .map(AuthClient::new)
                .collect::<Vec<_>>(),
        );
        let mut t = Tenant::from_seed(seed).map_err(|e| EmulatorError::Seed(e.message))?;
        if config.unknown_properties {
            evolution::seed_unknown(&mut t);
        }
        by_id.insert(key, t);
    }
    let throttle = match config.throttle {
        Throttle::Off => None,
        Throttle::Intune { window, scale } => Some(Mutex::new(Throttler::new(window, scale))),
    };
    let write_latency_ms = config.write_latency.as_millis() as u64;
    let shared = Arc::new(Shared {
        write_latency_ms: std::sync::atomic::AtomicU64::new(write_latency_ms),
        faults: Mutex::new(
            Faults::new(config.fault_rate, config.fault_seed)
                .with_drop_create_rate(config.drop_create_rate),
        ),
        cfg: config,
        base,
        tenants: Mutex::new(by_id),
        auth,
        tokens: Mutex::new(HashMap::new()),
        stats: Mutex::new(Stats::default()),
        throttle,
    });
    let app = server::router(shared.clone());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::warn!(error = %e, "emulator server stopped with an error");
        }
    });
    tracing::info!(%addr, "graph emulator listening");
    Ok(EmulatorHandle {
        addr,
        shared,
        stop,
        task,
    })
}

impl EmulatorHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.shared.base.clone()
    }

    /// Changes the latency added to every write from now on.
    pub fn set_write_latency(&self, latency: std::time::Duration) {
        self.shared.write_latency_ms.store(
            latency.as_millis() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Same JSON as `GET /_emulator/stats`.
    pub fn stats(&self) -> serde_json::Value {
        self.shared.stats_json()
    }

    /// Writes the current state of every tenant in seed format (one subdirectory per tenant id
    /// when there is more than one tenant, else `dir` itself).
    pub fn dump(&self, dir: &Path) -> Result<(), EmulatorError> {
        let tenants = lock(&self.shared.tenants);
        if tenants.len() == 1 {
            for t in tenants.values() {
                dump::dump_tenant(t, dir)?;
            }
            return Ok(());
        }
        for t in tenants.values() {
            dump::dump_tenant(t, &dir.join(&t.id))?;
        }
        Ok(())
    }

    /// Removes every object of `tenant_id` except reference data (groups, mobile apps, setting and
    /// group-policy definitions) and built-in objects (scope tag "0", default enrollment
    /// configurations, Microsoft-published remediations); the same JSON as
    /// `POST /_emulator/tenants/{tenantId}/clear`.
    pub fn clear_tenant(&self, tenant_id: &str) -> Result<serde_json::Value, EmulatorError> {
        self.shared.clear_tenant(tenant_id)
    }

    /// Changes to its tenants from inside the process, as made in the portal (see [`Portal`]);
    /// valid while the emulator runs.
    pub fn portal(&self) -> Portal {
        Portal {
            shared: self.shared.clone(),
        }
    }

    /// Stops accepting, lets in-flight requests finish (bounded), and returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}
