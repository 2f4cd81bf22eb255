//! HTTP glue: the axum router, the token endpoint, bearer-token checks, latency, `$batch` envelopes
//! and `/_emulator/*`; each Graph request then goes through `pipeline`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::{self, TokenInfo};
use super::batch;
use super::behaviour::Ver;
use super::error::{GraphError, aad_error};
use super::http::{Req, pct_decode};
use super::pipeline::{Outcome, Shared, lock, record, run_item};
use super::shapes;

/// Largest accepted request body.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

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
            let (tok, mut body) = auth::token_body(sh.cfg.token_lifetime, &info, &sh.base);
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
    let crid = header(&parts.headers, "client-request-id");
    let crid = crid.as_deref();
    let eventual = header(&parts.headers, "consistencylevel")
        .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
    if !sh.cfg.latency.is_zero() {
        tokio::time::sleep(sh.cfg.latency).await;
    }
    let method = parts.method.as_str().to_string();
    let raw_path = parts.uri.path().to_string();
    let write_ms = sh
        .write_latency_ms
        .load(std::sync::atomic::Ordering::Relaxed);
    if write_ms > 0 && method != "GET" && !raw_path.ends_with("/$batch") {
        tokio::time::sleep(std::time::Duration::from_millis(write_ms)).await;
    }
    let fail = |e: GraphError| {
        let mut o = Outcome::error(e, &uuid::Uuid::new_v4().to_string(), crid);
        o.request_id = uuid::Uuid::new_v4().to_string();
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
    let tok = match bearer_token(&sh, &parts.headers) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let json_body = match json_body(body).await {
        Ok(b) => b,
        Err(e) => return fail(e),
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

/// A request header as text, when it is text.
fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The caller of a Graph request: a bearer token this emulator issued and that has not expired.
fn bearer_token(sh: &Shared, headers: &HeaderMap) -> Result<TokenInfo, GraphError> {
    let bearer = header(headers, "authorization").and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .map(str::to_string)
    });
    match bearer.and_then(|b| lock(&sh.tokens).get(&b).cloned()) {
        None => Err(GraphError::new(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty or invalid.",
        )),
        Some(t) if t.expires <= Instant::now() => Err(GraphError::new(
            401,
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired.",
        )),
        Some(t) => Ok(t),
    }
}

/// The request body as JSON; `None` when it is empty or only whitespace.
async fn json_body(body: Body) -> Result<Option<Value>, GraphError> {
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| GraphError::bad_request("Request body too large or unreadable"))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<Value>(&bytes)
        .map(Some)
        .map_err(|_| GraphError::bad_request("Invalid JSON payload"))
}
