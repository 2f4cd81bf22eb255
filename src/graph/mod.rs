//! The Microsoft Graph client: one per tenant per run, shared by every task of that run.
//!
//! Everything that talks to Graph goes through here so the rules of docs/ARCHITECTURE.md, "Graph
//! client rules" hold in one place: app-only auth with a cached token, complete paging with pinned
//! nextLinks, `$batch` hydration, retries only where they are safe, a per-tenant rate limit under
//! Intune's published limits, and Graph's `request-id` in every error and debug line.

mod auth;
mod batch;
mod error;
mod limiter;
mod paging;
mod retry;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod testserver;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

pub use auth::{Credential, SecretString, SignInFacts};
mod tenant;
pub use crate::cloud::{ApiVersion, Cloud, Endpoints, check_endpoint};
pub use error::GraphError;
pub use limiter::RateLimits;
pub use retry::{RetryPolicy, SignInPolicy};
pub use tenant::client_config;

/// Log target of the lines saying the client is waiting to retry (sign-in, throttling, faults):
/// shown by default, and in the progress display when there is one.
pub const WAIT_LOG_TARGET: &str = "tenant_atlas::wait";

/// How long a client waits for a connection to be established.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Least time between two wait lines of one client about Graph requests: concurrent requests
/// throttled together say so once.
const WAIT_NOTICE_EVERY: Duration = Duration::from_secs(5);

use auth::TokenCache;
use limiter::Limiter;
use retry::{Budget, Failure};

/// Everything needed to build a [`GraphClient`] for one tenant.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub tenant_id: String,
    pub client_id: String,
    pub credential: Credential,
    pub cloud: Cloud,
    /// Overrides the cloud's hosts (the emulator); see [`Endpoints::validate`].
    pub endpoints: Option<Endpoints>,
    pub limits: RateLimits,
    pub retry: RetryPolicy,
    /// Retries of the token endpoint.
    pub sign_in: SignInPolicy,
    /// Who the client works for (the tenant's name), in wait lines; the tenant id when unset.
    pub label: Option<String>,
    /// Maximum HTTP requests in flight.
    pub concurrency: usize,
    /// Timeout of one HTTP request, body included.
    pub timeout: Duration,
    pub user_agent: String,
}

impl ClientConfig {
    /// A configuration for the global cloud with the default limits.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        credential: Credential,
    ) -> ClientConfig {
        ClientConfig {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            credential,
            cloud: Cloud::Global,
            endpoints: None,
            limits: RateLimits::default(),
            retry: RetryPolicy::default(),
            sign_in: SignInPolicy::from_env(),
            label: None,
            concurrency: 4,
            timeout: Duration::from_secs(100),
            user_agent: concat!("tenant-atlas/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A successful write's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphResponse {
    pub status: u16,
    /// The JSON body; a non-JSON body is kept as a JSON string; `None` when empty (204).
    pub body: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

/// Counters of one client, for run logs and benchmarks.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientStats {
    /// HTTP requests sent to Graph (a `$batch` POST counts once).
    pub http_requests: u64,
    /// Graph requests, counting every inner request of a `$batch`.
    pub graph_requests: u64,
    pub batches: u64,
    /// 429 answers seen, inner ones included.
    pub throttled: u64,
    pub retries: u64,
    pub token_requests: u64,
    pub retry_sleep_ms: u64,
}

impl ClientStats {
    /// What was counted since `base` (a snapshot of the same client taken earlier).
    pub fn since(&self, base: &ClientStats) -> ClientStats {
        ClientStats {
            http_requests: self.http_requests.saturating_sub(base.http_requests),
            graph_requests: self.graph_requests.saturating_sub(base.graph_requests),
            batches: self.batches.saturating_sub(base.batches),
            throttled: self.throttled.saturating_sub(base.throttled),
            retries: self.retries.saturating_sub(base.retries),
            token_requests: self.token_requests.saturating_sub(base.token_requests),
            retry_sleep_ms: self.retry_sleep_ms.saturating_sub(base.retry_sleep_ms),
        }
    }

    /// Both counts together.
    pub fn plus(&self, other: &ClientStats) -> ClientStats {
        ClientStats {
            http_requests: self.http_requests + other.http_requests,
            graph_requests: self.graph_requests + other.graph_requests,
            batches: self.batches + other.batches,
            throttled: self.throttled + other.throttled,
            retries: self.retries + other.retries,
            token_requests: self.token_requests + other.token_requests,
            retry_sleep_ms: self.retry_sleep_ms + other.retry_sleep_ms,
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    http_requests: AtomicU64,
    graph_requests: AtomicU64,
    batches: AtomicU64,
    throttled: AtomicU64,
    retries: AtomicU64,
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

/// The Graph client. Cheap to clone; all clones share token, limiter, budget and counters.
#[derive(Debug, Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    graph: Url,
    auth: TokenCache,
    limiter: Limiter,
    permits: Semaphore,
    retry: RetryPolicy,
    budget: Budget,
    counters: Counters,
    label: String,
    /// When the last wait line about a Graph request was logged (ms since `started`), plus one.
    last_notice_ms: AtomicU64,
    started: Instant,
}

/// One logical request as the retry loop sees it.
struct Call<'a> {
    method: reqwest::Method,
    url: Url,
    body: Option<&'a serde_json::Value>,
    /// Limiter cost: 1, or the number of inner requests of a `$batch`.
    cost: u32,
    writes: u32,
    /// May be sent again after it possibly reached the server.
    replayable: bool,
}

/// A 2xx answer.
struct Reply {
    status: u16,
    body: Vec<u8>,
    request_id: Option<String>,
}

/// A failed attempt: how it failed (for the classifier), the error, and the server's `Retry-After`.
type Failed = (Failure, GraphError, Option<Duration>);

impl GraphClient {
    /// Build a client; fails on an insecure endpoint override or an unusable certificate.
    pub fn new(config: ClientConfig) -> Result<GraphClient, GraphError> {
        let endpoints = match &config.endpoints {
            Some(endpoints) => endpoints.clone(),
            None => config.cloud.endpoints(),
        };
        endpoints.validate()?;
        let auth = TokenCache::new(&endpoints.login, &endpoints.graph, &config)?;
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(config.timeout))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| GraphError::Transport {
                path: String::new(),
                message: error::transport_message(&err),
            })?;
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                graph: endpoints.graph,
                auth,
                limiter: Limiter::new(config.limits),
                permits: Semaphore::new(config.concurrency.max(1)),
                retry: config.retry,
                budget: Budget::new(config.retry.budget),
                counters: Counters::default(),
                label: config.label.clone().unwrap_or(config.tenant_id),
                last_notice_ms: AtomicU64::new(0),
                started: Instant::now(),
            }),
        })
    }

    /// Signs in (or reuses the cached token): a run asks first, so a tenant it cannot sign in to
    /// fails once, before any Graph request.
    pub async fn sign_in(&self) -> Result<(), GraphError> {
        self.inner.auth.token(&self.inner.http).await.map(|_| ())
    }

    /// Signs in and tells what the sign-in showed: the permissions the token carries and the
    /// token endpoint's clock (`check`).
    pub async fn sign_in_facts(&self) -> Result<SignInFacts, GraphError> {
        self.sign_in().await?;
        Ok(self.inner.auth.facts().unwrap_or_default())
    }

    /// The Graph base URL requests are resolved against (and nextLinks pinned to).
    pub fn graph_base(&self) -> &Url {
        &self.inner.graph
    }

    /// GET one resource; `path` is "/beta/…" or "/v1.0/…" (with query) or an absolute URL on the
    /// Graph host.
    pub async fn get(&self, path: &str) -> Result<serde_json::Value, GraphError> {
        let url = self.resolve(path)?;
        self.get_url(url).await
    }

    /// GET a collection following every `@odata.nextLink`; returns all items of `value`.
    pub async fn list(&self, path: &str) -> Result<Vec<serde_json::Value>, GraphError> {
        self.list_from(self.resolve(path)?).await
    }

    /// The items of a collection page and of every page after it.
    async fn list_from(&self, first: Url) -> Result<Vec<serde_json::Value>, GraphError> {
        let mut guard = paging::LinkGuard::new(&self.inner.graph, &first);
        let mut url = first;
        let mut items = Vec::new();
        loop {
            let shown = display_path(&url);
            let mut page = self.get_url(url).await?;
            let Some(serde_json::Value::Array(values)) =
                page.get_mut("value").map(serde_json::Value::take)
            else {
                return Err(GraphError::InvalidResponse {
                    path: shown,
                    message: "collection page without a `value` array".into(),
                });
            };
            items.extend(values);
            match page
                .get("@odata.nextLink")
                .and_then(serde_json::Value::as_str)
            {
                Some(link) => url = guard.next(link)?,
                None => return Ok(items),
            }
        }
    }

    /// Many GETs in `$batch` (≤20 per batch), each answered with its first page only: whether
    /// each can be read (`check`). `urls` are relative without version; results in input order.
    pub async fn batch_probe(
        &self,
        version: ApiVersion,
        urls: &[String],
    ) -> Vec<Result<serde_json::Value, GraphError>> {
        batch::batch_get(self, version, urls, batch::Pages::First).await
    }

    /// Hydrate many resources with `$batch` (≤20 per batch), following every inner nextLink;
    /// `urls` are relative without version
    /// ("/deviceManagement/configurationPolicies/ID?$expand=settings"). Results in input order.
    pub async fn batch_get(
        &self,
        version: ApiVersion,
        urls: &[String],
    ) -> Vec<Result<serde_json::Value, GraphError>> {
        batch::batch_get(self, version, urls, batch::Pages::All).await
    }

    /// A write (POST/PATCH/PUT/DELETE), counted as a write by the limiter. PATCH, PUT and DELETE
    /// are retried like GETs; a POST only when it provably never reached the server.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<GraphResponse, GraphError> {
        let call = Call {
            replayable: retry::method_replayable(&method),
            method,
            url: self.resolve(path)?,
            body,
            cost: 1,
            writes: 1,
        };
        let reply = self.execute(&call).await?;
        let body = if reply.body.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(serde_json::from_slice(&reply.body).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&reply.body).into_owned())
            }))
        };
        Ok(GraphResponse {
            status: reply.status,
            body,
            request_id: reply.request_id,
        })
    }

    /// A snapshot of this client's counters.
    pub fn stats(&self) -> ClientStats {
        let c = &self.inner.counters;
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ClientStats {
            http_requests: load(&c.http_requests),
            graph_requests: load(&c.graph_requests),
            batches: load(&c.batches),
            throttled: load(&c.throttled),
            retries: load(&c.retries),
            token_requests: load(&self.inner.auth.requests),
            retry_sleep_ms: self.inner.budget.spent_ms(),
        }
    }

    /// A path ("/beta/…") or an absolute URL pinned to the Graph host.
    fn resolve(&self, path: &str) -> Result<Url, GraphError> {
        if path.starts_with("http://") || path.starts_with("https://") {
            return paging::pinned(&self.inner.graph, path);
        }
        let slash = if path.starts_with('/') { "" } else { "/" };
        let text = format!("{}{slash}{path}", crate::cloud::trimmed(&self.inner.graph));
        // Parsing may normalise the path; the result must still be on the Graph host.
        paging::pinned(&self.inner.graph, &text)
    }

    async fn get_url(&self, url: Url) -> Result<serde_json::Value, GraphError> {
        let call = Call {
            method: reqwest::Method::GET,
            url,
            body: None,
            cost: 1,
            writes: 0,
            replayable: true,
        };
        let reply = self.execute(&call).await?;
        serde_json::from_slice(&reply.body).map_err(|err| GraphError::InvalidResponse {
            path: display_path(&call.url),
            message: format!("body is not JSON: {err}"),
        })
    }

    /// Send `call` until it succeeds, fails for good, or the retry limits run out.
    async fn execute(&self, call: &Call<'_>) -> Result<Reply, GraphError> {
        let inner = &*self.inner;
        let path = display_path(&call.url);
        let mut attempt = 0;
        let mut reauthenticated = false;
        loop {
            attempt += 1;
            let token = inner.auth.token(&inner.http).await?;
            let (failure, error, retry_after) = match self.attempt(call, &token, &path).await {
                Ok(reply) => return Ok(reply),
                Err(failed) => failed,
            };
            if failure == Failure::Status(401) && !reauthenticated && is_invalid_token(&error) {
                tracing::debug!(path = %path, "access token rejected; requesting a new one");
                inner.auth.invalidate(&token).await;
                reauthenticated = true;
                attempt -= 1;
                continue;
            }
            if failure == Failure::Status(429) {
                bump(&inner.counters.throttled, 1);
                if let Some(delay) = retry_after {
                    inner.limiter.hold(Instant::now() + delay).await;
                }
            }
            if !retry::retryable(failure, call.replayable) {
                return Err(error);
            }
            let delay = retry_after.unwrap_or_else(|| retry::backoff(&inner.retry, attempt - 1));
            if attempt >= inner.retry.max_attempts || !inner.budget.take(delay) {
                return Err(GraphError::RetriesExhausted {
                    path,
                    attempts: attempt,
                    last: Box::new(error),
                });
            }
            bump(&inner.counters.retries, 1);
            self.wait_notice(call, &path, &error, attempt, delay);
            tokio::time::sleep(delay).await;
        }
    }

    /// Says that a request waits to be retried: a line at most every [`WAIT_NOTICE_EVERY`] per
    /// client (the others at debug level).
    fn wait_notice(
        &self,
        call: &Call<'_>,
        path: &str,
        error: &GraphError,
        attempt: u32,
        delay: Duration,
    ) {
        let inner = &*self.inner;
        let now_ms = u64::try_from(inner.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let every = u64::try_from(WAIT_NOTICE_EVERY.as_millis()).unwrap_or(u64::MAX);
        let due = inner
            .last_notice_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
                (last == 0 || now_ms + 1 >= last + every).then_some(now_ms + 1)
            })
            .is_ok();
        let why = match error {
            GraphError::Http { status: 429, .. } => "throttled by Graph".to_string(),
            GraphError::Http { status, .. } => format!("Graph answered {status}"),
            other => other.cause(),
        };
        let max = inner.retry.max_attempts;
        if due {
            tracing::warn!(
                target: WAIT_LOG_TARGET,
                "{}: {why}; retrying {} {path} in {} (attempt {attempt} of {max})",
                inner.label,
                call.method,
                seconds(delay),
            );
        } else {
            tracing::debug!(method = %call.method, path, attempt, delay_ms = delay.as_millis() as u64, "retrying");
        }
    }

    /// One HTTP exchange: wait for a permit and the limiter, send, read the whole body.
    async fn attempt(
        &self,
        call: &Call<'_>,
        token: &SecretString,
        path: &str,
    ) -> Result<Reply, Failed> {
        let inner = &*self.inner;
        let _permit = inner
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        inner.limiter.acquire(call.cost, call.writes).await;
        let mut request = inner
            .http
            .request(call.method.clone(), call.url.clone())
            .bearer_auth(token.expose())
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = call.body {
            request = request.json(body);
        }
        bump(&inner.counters.http_requests, 1);
        bump(&inner.counters.graph_requests, u64::from(call.cost));
        let transport = |err: reqwest::Error| {
            let failure = Failure::from_reqwest(&err);
            let message = error::transport_message(&err);
            tracing::debug!(method = %call.method, path, error = %message, "transport error");
            (
                failure,
                GraphError::Transport {
                    path: path.to_owned(),
                    message,
                },
                None,
            )
        };
        let started = Instant::now();
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = retry::retry_after_header(response.headers());
        let body = response.bytes().await.map_err(transport)?.to_vec();
        tracing::debug!(
            method = %call.method,
            path,
            status,
            duration_ms = started.elapsed().as_millis() as u64,
            request_id = request_id.as_deref().unwrap_or("-"),
            "graph request"
        );
        if (200..300).contains(&status) {
            return Ok(Reply {
                status,
                body,
                request_id,
            });
        }
        let parsed = error::parse_error_body(&body);
        let error = GraphError::Http {
            method: call.method.to_string(),
            path: path.to_owned(),
            status,
            code: parsed.code,
            message: parsed.message,
            request_id: request_id.or(parsed.request_id),
        };
        Err((Failure::Status(status), error, retry_after))
    }
}

fn is_invalid_token(error: &GraphError) -> bool {
    matches!(error, GraphError::Http { code, .. } if code == "InvalidAuthenticationToken")
}

/// A wait as people read it: `0.4 s`, `12 s`.
pub(crate) fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} s", d.as_secs_f64().round())
    }
}

/// Path and query of a URL, as shown in logs and errors.
fn display_path(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}
