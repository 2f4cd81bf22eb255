//! `serve`: a web UI and JSON API over the backup repository and its run logs.
//!
//! Auditors and engineers browse tenants, policies, their history and diffs, runs and drift
//! without a git client; monitoring scrapes `/metrics`; a CI job or a chat bot asks the reconcile
//! loop for a round through `POST /hooks/reconcile/{tenant}`. The server reads the repository and
//! writes only trigger files under `.git/atlas/triggers/` and the tags of versions `operate`
//! tokens name; it never talks to Graph. Every route but `/healthz`, `/login` and `/login/once`
//! needs a bearer token from `server.tokens` (or the session token `serve --demo` gives the
//! server, [`auth::Session`]), scoped to tenants, with a role.
//!
//! What a page needs is read from an [`index`] built once per HEAD commit and run-log state, so a
//! request costs a lookup, not a tree walk; git work runs on blocking threads.

mod api;
mod audit;
pub mod auth;
mod conn;
mod inbox;
mod index;
mod inventory;
mod job_pages;
mod jobs;
mod limits;
mod metrics;
mod operate;
mod pages;
mod policy;
mod reload;
mod run_pages;
pub mod runs;
mod switch;

use crate::config::{Config, ServerToken};
use crate::store::{Repo, StoreError};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use auth::{Caller, Session, new_token, sha256_hex};
pub use index::{LastBackup, ObjectEntry};
pub use runs::RunSummary;

/// Knobs of the server; the defaults are what `serve` uses.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Largest accepted request body (413 above).
    pub body_limit: usize,
    /// A request taking longer is answered 503.
    pub request_timeout: Duration,
    /// Entries of a policy's history.
    pub history_limit: usize,
    /// Runs per page of the runs list.
    pub runs_per_page: usize,
    /// A connection that has not sent a whole request head this long after it opened (or after
    /// its previous answer) is closed.
    pub header_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// Largest request head: request line and headers (431 above).
    pub head_limit: usize,
    /// Longest request target (414 above).
    pub uri_limit: usize,
    /// The configuration file whose tokens are reloaded when it changes (none: never reloaded).
    pub config_file: Option<PathBuf>,
    /// Quiet time after a change of the configuration file before it is read.
    pub reload_debounce: Duration,
    /// Work the queued runs of the configured tenants here (off: another process, a reconcile
    /// loop or another `serve`, works them).
    pub work: bool,
    /// A token for this start only, beside `server.tokens`, with its one-time login link
    /// (`serve --demo`); the server starts with it even when `server.tokens` is empty.
    pub session: Option<Arc<auth::Session>>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            body_limit: 64 * 1024,
            request_timeout: Duration::from_secs(30),
            history_limit: 50,
            runs_per_page: 50,
            header_timeout: Duration::from_secs(10),
            max_connections: 256,
            head_limit: 32 * 1024,
            uri_limit: 8 * 1024,
            config_file: None,
            reload_debounce: Duration::from_secs(2),
            work: true,
            session: None,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "no tokens are configured (`server.tokens` in atlas.yaml): the server does not start without access control"
    )]
    NoTokens,
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// What every handler shares.
pub(crate) struct App {
    pub repo: Repo,
    /// The tokens of atlas.yaml as last read (replaced when the file changes).
    tokens: RwLock<Arc<Vec<ServerToken>>>,
    /// Tenants named in atlas.yaml (listed even before their first backup).
    pub configured: Vec<String>,
    pub opts: ServerOptions,
    pub index: index::Cache,
    pub policies: policy::Cache,
    /// Login cookies carry `Secure`: people reach the server over https (`publicUrl`) or beyond
    /// loopback (through a TLS proxy).
    pub secure_cookie: bool,
    /// Keys the anti-forgery values of browser forms (random per start).
    pub csrf_key: [u8; 32],
    /// The workers of the run queue.
    pub workers: jobs::Workers,
    /// Browser sessions.
    pub sessions: auth::Sessions,
}

/// A running server.
pub struct ServerHandle {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    reload: Option<tokio::task::JoinHandle<()>>,
    /// Stops the queue's workers (a running apply between two requests, its journal kept).
    workers: tokio_util::sync::CancellationToken,
    work: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// The address the server listens on (the port chosen for `:0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight requests finish (at most 10 s), and returns.
    pub async fn shutdown(self) {
        if let Some(r) = &self.reload {
            r.abort();
        }
        self.workers.cancel();
        if let Some(w) = self.work {
            let _ = tokio::time::timeout(Duration::from_secs(10), w).await;
        }
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(10), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// Serves the repository on `addr` (`127.0.0.1:0` picks a port). Refuses to start without tokens
/// (configured, or the session's of `opts`); a non-loopback address is logged as a warning (plain
/// http).
pub async fn start(
    repo: Repo,
    config: &Config,
    addr: SocketAddr,
    opts: ServerOptions,
) -> Result<ServerHandle, ServerError> {
    let tokens = config
        .server
        .as_ref()
        .map(|s| s.tokens.clone())
        .unwrap_or_default();
    if tokens.is_empty() && opts.session.is_none() {
        return Err(ServerError::NoTokens);
    }
    let tokens = with_session(tokens, &opts);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServerError::Bind { addr, source })?;
    if !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "listening beyond loopback over plain http: put the server behind a TLS-terminating proxy"
        );
    }
    let stop_workers = tokio_util::sync::CancellationToken::new();
    let work_ctx = opts.work.then(|| crate::reconcile::round::RoundCtx {
        root: repo.root().to_path_buf(),
        config: Arc::new(config.clone()),
        config_path: opts.config_file.clone().unwrap_or_default(),
        stop: stop_workers.clone(),
        client: None,
    });
    let app = Arc::new(App {
        repo,
        tokens: RwLock::new(Arc::new(tokens)),
        configured: config.tenants.iter().map(|t| t.name.clone()).collect(),
        opts,
        index: index::Cache::default(),
        policies: policy::Cache::default(),
        secure_cookie: !addr.ip().is_loopback()
            || config
                .server
                .as_ref()
                .and_then(|s| s.public_url.as_deref())
                .is_some_and(|u| u.starts_with("https:")),
        csrf_key: rand::random(),
        workers: jobs::Workers::new(work_ctx.clone()),
        sessions: auth::Sessions::default(),
    });
    let reload = reload::start(app.clone());
    let work = work_ctx
        .is_some()
        .then(|| tokio::spawn(jobs::work(app.clone())));
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(accept(listener, app, rx));
    tracing::info!(%addr, "serving the repository");
    Ok(ServerHandle {
        addr,
        stop,
        task,
        reload,
        workers: stop_workers,
        work,
    })
}

/// Accepts connections until `stop`, at most `max_connections` at once (the others wait in the
/// listen backlog), each served by hyper over [`conn::Checked`] with the header-read timeout; then
/// lets the open ones finish their requests.
async fn accept(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let opts = app.opts.clone();
    let router = router(app);
    let slots = Arc::new(tokio::sync::Semaphore::new(opts.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(opts.header_timeout);
    let limits = conn::HeadLimits {
        head: opts.head_limit,
        uri: opts.uri_limit,
        body: opts.body_limit,
    };
    loop {
        let slot = tokio::select! {
            _ = &mut stop => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let io = hyper_util::rt::TokioIo::new(conn::Checked::new(stream, limits));
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

fn router(app: Arc<App>) -> Router {
    let limit = app.opts.body_limit;
    let limits = limits::Limits {
        body: limit,
        head: app.opts.head_limit,
        uri: app.opts.uri_limit,
        timeout: app.opts.request_timeout,
    };
    Router::new()
        .route("/", get(pages::overview))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/login/once", get(pages::login_once))
        .route("/logout", post(pages::logout))
        .route("/tenants/{tenant}", get(pages::tenant))
        .route("/tenants/{tenant}/sets", post(operate::name_form))
        .route("/api/tenants/{tenant}/sets", post(operate::name_api))
        .route("/switch", get(switch::switch))
        .route(
            "/tenants/{tenant}/policies/{kind}/{file}",
            get(pages::policy),
        )
        .route(
            "/tenants/{tenant}/policies/{kind}/{file}/history",
            get(pages::history),
        )
        .route(
            "/tenants/{tenant}/policies/{kind}/{file}/diff",
            get(pages::diff),
        )
        .route("/tenants/{tenant}/inventory", get(inventory::page_view))
        .route("/tenants/{tenant}/groups/{group}", get(inventory::group))
        .route("/api/tenants/{tenant}/inventory", get(inventory::api))
        .route(
            "/tenants/{tenant}/runs",
            get(run_pages::runs).post(job_pages::start_form),
        )
        .route(
            "/tenants/{tenant}/runs/{run}/apply",
            post(job_pages::apply_form),
        )
        .route(
            "/tenants/{tenant}/runs/{run}/cancel",
            post(job_pages::cancel_form),
        )
        .route("/tenants/{tenant}/restore", get(job_pages::wizard))
        .route("/tenants/{tenant}/audit", get(audit::page_view))
        .route("/inbox", get(inbox::page_view))
        .route("/inbox/read", post(inbox::mark_read))
        .route("/api/inbox", get(inbox::api))
        .route("/api/tenants/{tenant}/audit", get(audit::api))
        .route("/tenants/{tenant}/runs/{run}", get(run_pages::run))
        .route("/tenants/{tenant}/drift", get(run_pages::drift))
        .route("/api/tenants", get(api::tenants))
        .route("/api/tenants/{tenant}", get(api::tenant))
        .route(
            "/api/tenants/{tenant}/policies/{kind}/{file}",
            get(api::policy),
        )
        .route(
            "/api/tenants/{tenant}/policies/{kind}/{file}/history",
            get(api::history),
        )
        .route(
            "/api/tenants/{tenant}/policies/{kind}/{file}/diff",
            get(api::diff),
        )
        .route(
            "/api/tenants/{tenant}/runs",
            get(api::runs).post(jobs::start_api),
        )
        .route(
            "/api/tenants/{tenant}/runs/{run}",
            get(api::run).delete(jobs::cancel_api),
        )
        .route(
            "/api/tenants/{tenant}/runs/{run}/apply",
            post(jobs::apply_api),
        )
        .route("/api/tenants/{tenant}/drift", get(api::drift))
        .route("/hooks/reconcile/{tenant}", post(api::hook))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(metrics::handler))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(move |req, next| {
            limits::guard(limits, req, next)
        }))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .with_state(app)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    Problem::new(StatusCode::NOT_FOUND, "no such page").for_path(uri.path())
}

/// An error answer: JSON for the API, a page for people.
#[derive(Debug)]
pub(crate) struct Problem {
    pub status: StatusCode,
    pub message: String,
    pub api: bool,
    /// The repository file the problem is about (a malformed document).
    pub file: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Problem {
        Problem {
            status,
            message: message.into(),
            api: false,
            file: None,
        }
    }
    pub fn api(mut self, api: bool) -> Problem {
        self.api = api;
        self
    }
    pub fn bad_request(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, message)
    }
    pub fn internal(message: impl std::fmt::Display) -> Problem {
        tracing::warn!(error = %message, "request failed");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the repository could not be read",
        )
    }
    /// A committed document that cannot be read: 422, naming the file, the line when known, and
    /// why.
    pub fn unreadable(w: &crate::render::compare::Warning) -> Problem {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("malformed document: {w}"),
        );
        p.file = Some(w.file.clone());
        p
    }
    /// Answers as the API would for `/api/…`, `/metrics` and `/hooks/…`, else as a page.
    pub(crate) fn for_path(self, path: &str) -> Response {
        let api = ["/api/", "/metrics", "/hooks/"]
            .iter()
            .any(|p| path.starts_with(p));
        self.api(api).into_response()
    }
}

/// Marks an answer made by [`Problem`] (the request guard gives every other error answer this
/// shape).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProblemAnswer;

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut resp = if self.api {
            (
                self.status,
                axum::Json(match &self.file {
                    None => serde_json::json!({
                        "error": {"status": self.status.as_u16(), "message": self.message}
                    }),
                    Some(file) => serde_json::json!({
                        "error": {"status": self.status.as_u16(), "message": self.message, "file": file}
                    }),
                }),
            )
                .into_response()
        } else {
            (self.status, pages::problem_page(&self)).into_response()
        };
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp.extensions_mut().insert(ProblemAnswer);
        resp
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        Problem::internal(e)
    }
}

impl App {
    /// The tokens in force now.
    pub fn tokens(&self) -> Arc<Vec<ServerToken>> {
        self.tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the tokens of `server.tokens` in force (the session's token stays).
    fn set_tokens(&self, tokens: Vec<ServerToken>) {
        let tokens = with_session(tokens, &self.opts);
        *self.tokens.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(tokens);
    }

    /// The caller's identity, or 401.
    pub fn caller(&self, headers: &axum::http::HeaderMap, api: bool) -> Result<Caller, Problem> {
        let tokens = self.tokens();
        match auth::presented(headers) {
            Some(auth::Presented::Bearer(t)) => auth::authenticate(&tokens, &t),
            Some(auth::Presented::Session(id)) => self
                .sessions
                .token_hash(&id)
                .and_then(|h| auth::by_hash(&tokens, &h))
                .map(|mut c| {
                    c.csrf = Some(auth::csrf_value(&self.csrf_key, &id));
                    c
                }),
            None => None,
        }
        .map(|mut c| {
            c.readable = self
                .configured
                .iter()
                .filter(|t| c.allows(t))
                .cloned()
                .collect();
            c
        })
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "a valid token is needed: send the header Authorization: Bearer <token>, or log in",
            )
            .api(api)
        })
    }

    /// 403 when the caller may not read `tenant` (whether it exists or not), 404 when it does not
    /// exist; else the current index.
    pub async fn tenant_index(
        self: &Arc<Self>,
        caller: &Caller,
        tenant: &str,
        api: bool,
    ) -> Result<Arc<index::Index>, Problem> {
        if !caller.allows(tenant) {
            return Err(
                Problem::new(StatusCode::FORBIDDEN, "this token may not read this tenant").api(api),
            );
        }
        let idx = self.current(api).await?;
        if !idx.tenants.contains_key(tenant) {
            return Err(Problem::not_found(format!("no tenant {tenant}")).api(api));
        }
        Ok(idx)
    }

    /// The index of the repository as it is now (rebuilt when HEAD or run logs changed).
    pub async fn current(self: &Arc<Self>, api: bool) -> Result<Arc<index::Index>, Problem> {
        let app = self.clone();
        blocking(move || app.index.current(&app.repo, &app.configured))
            .await
            .map_err(|p| p.api(api))
    }
}

/// The tokens of `server.tokens` and the session's, when the server has one.
fn with_session(mut tokens: Vec<ServerToken>, opts: &ServerOptions) -> Vec<ServerToken> {
    if let Some(s) = &opts.session {
        tokens.push(s.token().clone());
    }
    tokens
}

/// Runs repository work on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(Problem::internal(format!("a worker failed: {e}"))))
}
