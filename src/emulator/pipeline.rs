//! The per-request pipeline shared by plain requests and `$batch` items: throttling, fault
//! injection, dispatch to the tenant, answer shapes and the request log — and the state every
//! handler shares. Apart from the HTTP glue (`server`) so that `batch`, which runs its items through
//! it, and `server`, which runs batches, do not import each other.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{Value, json};

use super::auth::{AuthClient, TokenInfo};
use super::config::EmulatorConfig;
use super::error::{EmulatorError, GraphError};
use super::faults::{Fault, Faults};
use super::http::{Ctx, Req};
use super::routes;
use super::shapes;
use super::state::Tenant;
use super::stats::{LogEntry, Stats};
use super::throttle::Throttler;

/// Everything the handlers share.
pub(crate) struct Shared {
    pub cfg: EmulatorConfig,
    pub base: String,
    /// By lower-cased tenant id.
    pub tenants: Mutex<HashMap<String, Tenant>>,
    pub auth: HashMap<String, Vec<AuthClient>>,
    pub tokens: Mutex<HashMap<String, TokenInfo>>,
    pub stats: Mutex<Stats>,
    pub throttle: Option<Mutex<Throttler>>,
    pub faults: Mutex<Faults>,
    /// `EmulatorConfig::write_latency` as it is now, in milliseconds.
    pub write_latency_ms: std::sync::atomic::AtomicU64,
}

/// Locks ignoring poisoning: a panicked handler must not take the emulator down.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub fn stats_json(&self) -> Value {
        let mut j = lock(&self.stats).to_json();
        let (throttled, early, max, limits) = match &self.throttle {
            Some(t) => {
                let t = lock(t);
                (t.throttled, t.early_retries, t.max_json(), t.limits_json())
            }
            None => (
                0,
                0,
                json!({"tenant": {"any": 0, "writes": 0}, "app": {"any": 0, "writes": 0}}),
                Value::Null,
            ),
        };
        j["throttled"] = json!(throttled);
        j["earlyRetries"] = json!(early);
        j["maxInWindow"] = max;
        j["limits"] = limits;
        j["faults"] = json!(lock(&self.faults).injected);
        j
    }
}

impl Shared {
    /// Clears one tenant (see `Tenant::clear`).
    pub fn clear_tenant(&self, tenant_id: &str) -> Result<Value, EmulatorError> {
        lock(&self.tenants)
            .get_mut(&tenant_id.to_ascii_lowercase())
            .map(Tenant::clear)
            .ok_or_else(|| EmulatorError::UnknownTenant(tenant_id.to_string()))
    }
}

/// Result of one Graph request (plain or batch item).
pub(crate) struct Outcome {
    pub status: u16,
    pub body: Option<Value>,
    pub retry_after: Option<u64>,
    pub reset: bool,
    pub request_id: String,
}

impl Outcome {
    /// A Graph error answered with request id `rid`.
    pub fn error(e: GraphError, rid: &str, crid: Option<&str>) -> Outcome {
        Outcome {
            status: e.status,
            body: Some(e.body(rid, crid)),
            retry_after: None,
            reset: false,
            request_id: rid.to_string(),
        }
    }
}

pub(crate) fn record(sh: &Shared, method: &str, path: &str, o: &Outcome, crid: Option<&str>) {
    lock(&sh.stats).record(LogEntry {
        method: method.to_string(),
        path: path.to_string(),
        status: if o.reset { 0 } else { o.status },
        client_request_id: crid.map(str::to_string),
        request_id: o.request_id.clone(),
    });
}

/// Throttle, fault, dispatch and record one request on behalf of `tok`.
pub(crate) fn run_item(
    sh: &Shared,
    tok: &TokenInfo,
    req: &Req,
    in_batch: bool,
    crid: Option<&str>,
) -> Outcome {
    let request_id = uuid::Uuid::new_v4().to_string();
    let log_path = format!(
        "/{}/{}{}{}",
        req.ver.as_str(),
        req.path,
        if req.query.is_empty() { "" } else { "?" },
        req.query
    );
    let o = throttled(sh, tok, req, &log_path, &request_id, crid)
        .or_else(|| injected_fault(sh, req, in_batch, &request_id, crid))
        .unwrap_or_else(|| dispatched(sh, tok, req, &request_id, crid));
    record(sh, &req.method, &log_path, &o, crid);
    if req.method == "GET" && o.status == 200 && first_page_of_list(req, &o) {
        let path = format!("/{}/{}", req.ver.as_str(), req.path);
        *lock(&sh.stats).list_reads.entry(path).or_default() += 1;
    }
    o
}

/// Whether `o` answers `req` with the first page of a collection (a `value` array, no paging
/// position in the query), or with a singleton, which is read whole in one GET of its path.
fn first_page_of_list(req: &Req, o: &Outcome) -> bool {
    if super::behaviour::by_path(req.path.trim_matches('/')).is_some_and(|c| c.singleton) {
        return true;
    }
    let paged = req.query.split('&').any(|p| {
        let name = p.split('=').next().unwrap_or("");
        let name = name.replace("%24", "$");
        name.trim_start_matches('$')
            .eq_ignore_ascii_case("skiptoken")
            || name.trim_start_matches('$').eq_ignore_ascii_case("skip")
    });
    !paged
        && o.body
            .as_ref()
            .is_some_and(|b| b.get("value").is_some_and(Value::is_array))
}

/// Stage 1: a 429 when the request is over Intune's limits (docs/graph-notes.md, "Throttling").
fn throttled(
    sh: &Shared,
    tok: &TokenInfo,
    req: &Req,
    log_path: &str,
    request_id: &str,
    crid: Option<&str>,
) -> Option<Outcome> {
    let th = sh.throttle.as_ref()?;
    let secs = lock(th)
        .check(
            &tok.tenant,
            &tok.client_id,
            &format!("{} {log_path}", req.method),
            req.method != "GET",
            Instant::now(),
        )
        .err()?;
    let mut o = Outcome::error(
        GraphError::new(429, "TooManyRequests", "Please retry again later."),
        request_id,
        crid,
    );
    o.retry_after = Some(secs);
    Some(o)
}

/// Stage 2: an injected fault, for GETs and every `$batch` item.
fn injected_fault(
    sh: &Shared,
    req: &Req,
    in_batch: bool,
    request_id: &str,
    crid: Option<&str>,
) -> Option<Outcome> {
    if !in_batch && req.method != "GET" {
        return None;
    }
    let fault = lock(&sh.faults).next(in_batch)?;
    let e = match fault {
        Fault::Unavailable => GraphError::new(
            503,
            "ServiceUnavailable",
            "The service is temporarily unavailable.",
        ),
        Fault::GatewayTimeout => GraphError::new(504, "GatewayTimeout", "The gateway timed out."),
        Fault::Reset => {
            return Some(Outcome {
                status: 200,
                body: None,
                retry_after: None,
                reset: true,
                request_id: request_id.to_string(),
            });
        }
    };
    Some(Outcome::error(e, request_id, crid))
}

/// Stage 3: the tenant's answer, reshaped by the answer-shape knobs; a committed create's answer
/// may be dropped (`drop_create_rate`).
fn dispatched(
    sh: &Shared,
    tok: &TokenInfo,
    req: &Req,
    request_id: &str,
    crid: Option<&str>,
) -> Outcome {
    lock(&sh.stats).record_write(&req.method);
    let mut tenants = lock(&sh.tenants);
    let Some(t) = tenants.get_mut(&tok.tenant) else {
        return Outcome::error(
            GraphError::new(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure.",
            ),
            request_id,
            crid,
        );
    };
    let ctx = Ctx {
        cfg: &sh.cfg,
        base: &sh.base,
        roles: tok.roles.as_deref(),
    };
    match routes::dispatch(t, &ctx, req) {
        Ok(mut r) => {
            if let Some(b) = r.body.as_mut() {
                shapes::reshape(&sh.cfg, b);
            }
            // The object is committed; the client may still never hear about it.
            let dropped = req.method == "POST" && r.status == 201 && lock(&sh.faults).drop_create();
            if dropped {
                lock(&sh.stats).dropped_creates += 1;
                tracing::debug!(path = %req.path, "create committed, response dropped");
            }
            Outcome {
                status: r.status,
                body: r.body,
                retry_after: None,
                reset: dropped,
                request_id: request_id.to_string(),
            }
        }
        Err(e) => Outcome::error(e, request_id, crid),
    }
}
