//! HTTP glue: the axum router, bearer-token checks, the per-request pipeline (latency, throttling,
//! faults, dispatch, stats) shared by plain requests and `$batch` items, and `/_emulator/*`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::{self, AuthClient, TokenInfo};
use super::batch;
use super::behaviour::Ver;
use super::config::EmulatorConfig;
use super::error::{EmulatorError, GraphError, aad_error};
use super::faults::{Fault, Faults};
use super::http::{Ctx, Req, pct_decode};
use super::routes;
use super::shapes;
use super::state::Tenant;
use super::stats::{LogEntry, Stats};
use super::throttle::Throttler;

/// Largest accepted request body.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

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

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/tenants/{tenant}/clear", post(clear))
        .fallback(graph)
        .with_state(shared)
}

async fn stats(State(sh): State<Arc<Shared>>) -> Response {
    axum::Json(sh.stats_json()).into_response()
}

async fn reset(State(sh): State<Arc<Shared>>) -> Response {
    lock(&sh.stats).reset();
    if let Some(t) = &sh.throttle {
        lock(t).reset_counters();
    }
    lock(&sh.faults).reset();
    axum::Json(json!({})).into_response()
}

async fn clear(State(sh): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    match sh.clear_tenant(&tenant) {
        Ok(counts) => axum::Json(counts).into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": {"code": "ResourceNotFound", "message": e.to_string()}})),
        )
            .into_response(),
    }
}

async fn token(State(sh): State<Arc<Shared>>, Path(tenant): Path<String>, body: Bytes) -> Response {
    {
        let mut s = lock(&sh.stats);
        s.http_requests += 1;
        s.token_requests += 1;
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let key = tenant.to_ascii_lowercase();
    let Some(clients) = sh.auth.get(&key) else {
        let b = aad_error(
            "invalid_request",
            90002,
            "Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
        );
        return (StatusCode::BAD_REQUEST, axum::Json(b)).into_response();
    };
    let url = format!("{}/{tenant}/oauth2/v2.0/token", sh.base);
    match auth::authenticate(clients, &key, &url, &form) {
        Ok(mut info) => {
            let (tok, mut body) = auth::token_body(sh.cfg.token_lifetime);
            if sh.cfg.token_expiry_as_string {
                for k in ["expires_in", "ext_expires_in"] {
                    body[k] = json!(body[k].to_string());
                }
            }
            info.expires = Instant::now() + sh.cfg.token_lifetime;
            tracing::debug!(tenant = %key, client = %info.client_id, "token issued");
            lock(&sh.tokens).insert(tok, info);
            axum::Json(body).into_response()
        }
        Err((status, body)) => {
            tracing::debug!(tenant = %key, status, "token request rejected");
            (
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                axum::Json(body),
            )
                .into_response()
        }
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

fn record(sh: &Shared, method: &str, path: &str, o: &Outcome, crid: Option<&str>) {
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
    let err = |e: GraphError, rid: &str| Outcome {
        status: e.status,
        body: Some(e.body(rid, crid)),
        retry_after: None,
        reset: false,
        request_id: rid.to_string(),
    };
    let mut out = None;
    if let Some(th) = &sh.throttle
        && let Err(secs) = lock(th).check(
            &tok.tenant,
            &tok.client_id,
            &format!("{} {log_path}", req.method),
            req.method != "GET",
            Instant::now(),
        )
    {
        let mut o = err(
            GraphError::new(429, "TooManyRequests", "Please retry again later."),
            &request_id,
        );
        o.retry_after = Some(secs);
        out = Some(o);
    }
    if out.is_none() && (in_batch || req.method == "GET") {
        let fault = lock(&sh.faults).next(in_batch);
        out = match fault {
            None => None,
            Some(Fault::Unavailable) => Some(err(
                GraphError::new(
                    503,
                    "ServiceUnavailable",
                    "The service is temporarily unavailable.",
                ),
                &request_id,
            )),
            Some(Fault::GatewayTimeout) => Some(err(
                GraphError::new(504, "GatewayTimeout", "The gateway timed out."),
                &request_id,
            )),
            Some(Fault::Reset) => Some(Outcome {
                status: 200,
                body: None,
                retry_after: None,
                reset: true,
                request_id: request_id.clone(),
            }),
        };
    }
    let o = out.unwrap_or_else(|| {
        lock(&sh.stats).record_write(&req.method);
        let mut tenants = lock(&sh.tenants);
        let Some(t) = tenants.get_mut(&tok.tenant) else {
            return err(
                GraphError::new(
                    401,
                    "InvalidAuthenticationToken",
                    "Access token validation failure.",
                ),
                &request_id,
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
                let dropped =
                    req.method == "POST" && r.status == 201 && lock(&sh.faults).drop_create();
                if dropped {
                    lock(&sh.stats).dropped_creates += 1;
                    tracing::debug!(path = %req.path, "create committed, response dropped");
                }
                Outcome {
                    status: r.status,
                    body: r.body,
                    retry_after: None,
                    reset: dropped,
                    request_id: request_id.clone(),
                }
            }
            Err(e) => err(e, &request_id),
        }
    });
    record(sh, &req.method, &log_path, &o, crid);
    o
}

/// The HTTP response of an outcome; `shuffle` orders every object's properties by that seed.
fn respond(o: Outcome, crid: Option<&str>, shuffle: Option<u64>) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&o.request_id) {
        headers.insert("request-id", v);
    }
    if let Some(c) = crid.and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.insert("client-request-id", c);
    }
    if let Some(secs) = o.retry_after {
        headers.insert("Retry-After", HeaderValue::from(secs));
    }
    let status = StatusCode::from_u16(o.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if o.reset {
        // A body that fails makes hyper abort the connection: the client sees a transport error.
        let stream = futures::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected connection reset",
            ))
        });
        return (status, headers, Body::from_stream(stream)).into_response();
    }
    match o.body {
        Some(b) => {
            headers.insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            (status, headers, shapes::to_bytes(&b, shuffle)).into_response()
        }
        None => (status, headers).into_response(),
    }
}

async fn graph(State(sh): State<Arc<Shared>>, req: Request) -> Response {
    lock(&sh.stats).http_requests += 1;
    let (parts, body) = req.into_parts();
    let crid = parts
        .headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let crid = crid.as_deref();
    let eventual = parts
        .headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
    if !sh.cfg.latency.is_zero() {
        tokio::time::sleep(sh.cfg.latency).await;
    }
    let method = parts.method.as_str().to_string();
    let raw_path = parts.uri.path().to_string();
    let fail = |e: GraphError| {
        let o = Outcome {
            status: e.status,
            body: Some(e.body(&uuid::Uuid::new_v4().to_string(), crid)),
            retry_after: None,
            reset: false,
            request_id: uuid::Uuid::new_v4().to_string(),
        };
        record(&sh, &method, &raw_path, &o, crid);
        respond(o, crid, sh.cfg.shuffled_properties)
    };
    let Some((ver, rest)) = raw_path
        .trim_start_matches('/')
        .split_once('/')
        .and_then(|(v, r)| Some((Ver::parse(v)?, r)))
    else {
        return fail(GraphError::no_route());
    };
    let bearer = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::to_string);
    let tok = bearer.and_then(|b| lock(&sh.tokens).get(&b).cloned());
    let tok = match tok {
        None => {
            return fail(GraphError::new(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty or invalid.",
            ));
        }
        Some(t) if t.expires <= Instant::now() => {
            return fail(GraphError::new(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            ));
        }
        Some(t) => t,
    };
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return fail(GraphError::bad_request(
                "Request body too large or unreadable",
            ));
        }
    };
    let json_body = if bytes.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => Some(v),
            Err(_) => return fail(GraphError::bad_request("Invalid JSON payload")),
        }
    };
    if rest == "$batch" {
        if method != "POST" {
            return fail(GraphError::no_route());
        }
        let (status, body, reset) = batch::run(&sh, &tok, ver, json_body, crid);
        let o = Outcome {
            status,
            body: Some(body),
            retry_after: None,
            reset,
            request_id: uuid::Uuid::new_v4().to_string(),
        };
        return respond(o, crid, sh.cfg.shuffled_properties);
    }
    let req = Req {
        method,
        ver,
        path: pct_decode(rest),
        query: parts.uri.query().unwrap_or_default().to_string(),
        body: json_body,
        eventual,
    };
    let o = run_item(&sh, &tok, &req, false, crid);
    respond(o, crid, sh.cfg.shuffled_properties)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(pct_decode("a%27b%28c%29"), "a'b(c)");
        assert_eq!(pct_decode("100%"), "100%");
        assert_eq!(pct_decode("x%zz"), "x%zz");
    }
}
