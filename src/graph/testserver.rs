//! A scripted HTTP server on 127.0.0.1:0 for the client's tests: a closure answers each Graph
//! request, a token endpoint answers `/{tenant}/oauth2/v2.0/token`, and every request is recorded
//! with its arrival time so tests can check counts, headers and timing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use tokio::time::Instant;
use url::Url;

use super::{
    ClientConfig, Credential, Endpoints, GraphClient, RateLimits, RetryPolicy, SecretString,
    SignInPolicy,
};

/// The client secret the test configuration uses.
pub(crate) const TEST_SECRET: &str = "canary-client-secret-5f1c";

/// One recorded request.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Hit {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The form fields of a token request.
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    pub(crate) fn form_value(&self, key: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Option<Duration>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            delay: None,
        }
    }

    pub(crate) fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: None,
        }
    }

    /// A Graph error body with `code`.
    pub(crate) fn error(status: u16, code: &str) -> Reply {
        Reply::json(
            status,
            json!({"error": {"code": code, "message": format!("{code} happened")}}),
        )
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&Hit) -> Reply + Send + Sync;

/// A running server; stops when dropped.
pub(crate) struct TestServer {
    pub base: Url,
    hits: Arc<Mutex<Vec<Hit>>>,
    token_hits: Arc<Mutex<Vec<Hit>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Token endpoint answer: a numbered token valid for an hour.
pub(crate) fn token_ok(_hit: &Hit, n: usize) -> Reply {
    Reply::json(
        200,
        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": format!("tok-{n}")}),
    )
}

impl TestServer {
    /// Serve Graph requests with `handler` and tokens with [`token_ok`].
    pub(crate) async fn start(
        handler: impl Fn(&Hit) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        TestServer::start_with(token_ok, handler).await
    }

    /// Serve tokens with `token` (given the token request and its 1-based number) and the rest
    /// with `handler`.
    pub(crate) async fn start_with(
        token: impl Fn(&Hit, usize) -> Reply + Send + Sync + 'static,
        handler: impl Fn(&Hit) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let token_hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let token = Arc::new(token);
        let (graph_log, token_log) = (hits.clone(), token_hits.clone());
        let app = axum::Router::new().fallback(move |request: Request| {
            let (graph_log, token_log, handler, token) = (
                graph_log.clone(),
                token_log.clone(),
                handler.clone(),
                token.clone(),
            );
            async move {
                let at = Instant::now();
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .unwrap_or_default();
                let hit = Hit {
                    method: parts.method.to_string(),
                    uri: parts
                        .uri
                        .path_and_query()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    headers: parts.headers,
                    body: body.to_vec(),
                    at,
                };
                let reply = if hit.uri.ends_with("/oauth2/v2.0/token") {
                    let n = {
                        let mut log = token_log.lock().unwrap();
                        log.push(hit.clone());
                        log.len()
                    };
                    token(&hit, n)
                } else {
                    graph_log.lock().unwrap().push(hit.clone());
                    handler(&hit)
                };
                if let Some(delay) = reply.delay {
                    tokio::time::sleep(delay).await;
                }
                let mut response = Response::builder().status(reply.status);
                for (name, value) in &reply.headers {
                    response = response.header(name, value);
                }
                response.body(Body::from(reply.body)).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            base,
            hits,
            token_hits,
            task,
        }
    }

    /// Graph requests received so far (token requests excluded).
    pub(crate) fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub(crate) fn token_hits(&self) -> Vec<Hit> {
        self.token_hits.lock().unwrap().clone()
    }

    /// An absolute URL on this server for `path` ("beta/…").
    pub(crate) fn url(&self, path: &str) -> String {
        self.base
            .join(path.trim_start_matches('/'))
            .unwrap()
            .to_string()
    }

    /// A fast client configuration pointing at this server.
    pub(crate) fn config(&self) -> ClientConfig {
        let mut config = ClientConfig::new(
            "tenant-1",
            "client-1",
            Credential::Secret(SecretString::new(TEST_SECRET)),
        );
        config.endpoints = Some(Endpoints {
            graph: self.base.clone(),
            login: self.base.clone(),
        });
        config.retry = RetryPolicy {
            max_attempts: 4,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(10),
            budget: Duration::from_secs(5),
        };
        config.sign_in = SignInPolicy {
            attempts: 3,
            // Waits take at most 3/8 of it; the rest is room for the attempts themselves.
            budget: Duration::from_millis(400),
        };
        config.limits = RateLimits {
            requests: 100_000,
            writes: 100_000,
            window: Duration::from_secs(20),
        };
        config.timeout = Duration::from_secs(5);
        config
    }

    pub(crate) fn client(&self) -> GraphClient {
        GraphClient::new(self.config()).unwrap()
    }
}
