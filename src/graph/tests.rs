//! Client tests against scripted local servers: auth and token cache, paging and link pinning,
//! retries and their budget, the rate limiter seen from the server, and secret hygiene.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::Digest as _;
use tokio::time::Instant;

use super::auth::AssertionClaims;
use super::testserver::{Hit, Reply, TEST_SECRET, TestServer, token_ok};
use super::*;

fn query_param(hit: &Hit, key: &str) -> Option<usize> {
    let url = url::Url::parse(&format!("http://x{}", hit.uri)).ok()?;
    url.query_pairs().find(|(k, _)| k == key)?.1.parse().ok()
}

/// A collection of `total` items served `page` at a time with absolute nextLinks.
async fn paged_server(total: usize, page: usize) -> TestServer {
    let base = Arc::new(Mutex::new(String::new()));
    let shared = base.clone();
    let server = TestServer::start(move |hit| {
        let skip = query_param(hit, "skip").unwrap_or(0);
        let end = (skip + page).min(total);
        let items: Vec<Value> = (skip..end)
            .map(|i| json!({"id": format!("item-{i}")}))
            .collect();
        let mut body = json!({"@odata.context": "ctx", "value": items});
        if end < total {
            let base = shared.lock().unwrap().clone();
            body["@odata.nextLink"] = json!(format!("{base}beta/items?skip={end}"));
        }
        Reply::json(200, body)
    })
    .await;
    *base.lock().unwrap() = server.base.to_string();
    server
}

#[tokio::test]
async fn one_token_for_many_concurrent_calls() {
    let server = TestServer::start(|_| Reply::json(200, json!({"ok": true}))).await;
    let client = server.client();
    let calls = (0..20).map(|i| {
        let client = client.clone();
        async move { client.get(&format!("/beta/things/{i}")).await }
    });
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.unwrap(), json!({"ok": true}));
    }
    assert_eq!(server.token_hits().len(), 1);
    assert_eq!(client.stats().token_requests, 1);
    let token = &server.token_hits()[0];
    assert_eq!(token.uri, "/tenant-1/oauth2/v2.0/token");
    assert_eq!(token.form_value("client_id").as_deref(), Some("client-1"));
    assert_eq!(
        token.form_value("grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(
        token.form_value("client_secret").as_deref(),
        Some(TEST_SECRET)
    );
    let scope = format!("{}/.default", server.base.as_str().trim_end_matches('/'));
    assert_eq!(token.form_value("scope"), Some(scope));

    let hits = server.hits();
    assert_eq!(hits.len(), 20);
    let mut ids = std::collections::HashSet::new();
    for hit in &hits {
        assert_eq!(hit.header("authorization"), Some("Bearer tok-1"));
        assert_eq!(hit.header("accept"), Some("application/json"));
        assert!(
            hit.header("user-agent")
                .unwrap()
                .starts_with("tenant-atlas/")
        );
        let id = hit.header("client-request-id").unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok());
        ids.insert(id.to_owned());
    }
    assert_eq!(ids.len(), 20, "a fresh client-request-id per request");
}

#[tokio::test]
async fn invalid_token_is_refreshed_once() {
    let server = TestServer::start(|hit| match hit.header("authorization") {
        Some("Bearer tok-1") => Reply::error(401, "InvalidAuthenticationToken"),
        _ => Reply::json(200, json!({"id": "x"})),
    })
    .await;
    let client = server.client();
    assert_eq!(client.get("/beta/x").await.unwrap(), json!({"id": "x"}));
    assert_eq!(server.token_hits().len(), 2);
    assert_eq!(server.hits().len(), 2);

    // A token that keeps being rejected is not refreshed in a loop.
    let server = TestServer::start(|_| Reply::error(401, "InvalidAuthenticationToken")).await;
    let err = server.client().get("/beta/x").await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.token_hits().len(), 2);
}

#[tokio::test]
async fn certificate_assertion_is_signed_and_shaped() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let params = rcgen::CertificateParams::new(vec!["atlas.test".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let other_key = rcgen::KeyPair::generate().unwrap();
    let other = rcgen::CertificateParams::new(vec!["ca.test".to_owned()])
        .unwrap()
        .self_signed(&other_key)
        .unwrap();
    let server = TestServer::start(|_| Reply::json(200, json!({}))).await;
    let mut config = server.config();
    config.credential = Credential::Certificate {
        // A chain: the leaf comes first.
        cert_pem: format!("{}{}", cert.pem(), other.pem()),
        key_pem: SecretString::new(key.serialize_pem()),
    };
    let client = GraphClient::new(config).unwrap();
    client.get("/beta/x").await.unwrap();

    let token = &server.token_hits()[0];
    assert!(token.form_value("client_secret").is_none());
    assert_eq!(
        token.form_value("client_assertion_type").as_deref(),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    let assertion = token.form_value("client_assertion").unwrap();
    let header = jsonwebtoken::decode_header(&assertion).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let der = cert.der();
    assert_eq!(
        header.x5t,
        Some(URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(der)))
    );
    assert_eq!(
        header.x5t_s256,
        Some(URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(der)))
    );

    let token_url = format!("{}tenant-1/oauth2/v2.0/token", server.base);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[token_url.as_str()]);
    validation.set_issuer(&["client-1"]);
    let public = jsonwebtoken::DecodingKey::from_rsa_pem(key.public_key_pem().as_bytes()).unwrap();
    let claims = jsonwebtoken::decode::<AssertionClaims>(&assertion, &public, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims.aud, token_url);
    assert_eq!(
        (claims.iss.as_str(), claims.sub.as_str()),
        ("client-1", "client-1")
    );
    assert!(uuid::Uuid::parse_str(&claims.jti).is_ok());
    assert_eq!(claims.nbf, claims.iat);
    assert_eq!(claims.exp - claims.iat, 600);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(claims.iat.abs_diff(now) < 60);

    // Signed by another key: the signature does not verify.
    let wrong = jsonwebtoken::DecodingKey::from_rsa_pem(
        rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
            .unwrap()
            .public_key_pem()
            .as_bytes(),
    )
    .unwrap();
    assert!(jsonwebtoken::decode::<AssertionClaims>(&assertion, &wrong, &validation).is_err());
}

#[tokio::test]
async fn paging_is_complete_for_every_page_size() {
    for (total, page) in [
        (0, 25),
        (1, 1),
        (1, 25),
        (25, 25),
        (26, 25),
        (120, 1),
        (1001, 25),
        (1001, 1000),
        (2500, 1000),
    ] {
        let server = paged_server(total, page).await;
        let items = server.client().list("/beta/items").await.unwrap();
        assert_eq!(items.len(), total, "total {total}, page {page}");
        let expected: Vec<Value> = (0..total)
            .map(|i| json!({"id": format!("item-{i}")}))
            .collect();
        assert_eq!(items, expected);
        assert_eq!(server.hits().len(), total.div_ceil(page).max(1));
    }
}

#[tokio::test]
async fn foreign_next_link_is_refused_unsent() {
    let other = TestServer::start(|_| Reply::json(200, json!({"value": []}))).await;
    let other_link = other.url("beta/items?skip=1");
    let server = TestServer::start(move |_| {
        Reply::json(
            200,
            json!({"value": [{"id": 1}], "@odata.nextLink": other_link}),
        )
    })
    .await;
    let err = server.client().list("/beta/items").await.unwrap_err();
    assert!(matches!(err, GraphError::ForeignNextLink { .. }), "{err}");
    assert_eq!(other.hits().len(), 0);
    assert_eq!(other.token_hits().len(), 0);
    assert_eq!(server.hits().len(), 1);

    // An absolute URL given directly is pinned the same way.
    let err = server.client().get(&other.url("beta/x")).await.unwrap_err();
    assert!(matches!(err, GraphError::ForeignNextLink { .. }));
    // A path that looks like a host stays a path on the Graph host.
    for path in [
        "//evil.example.com/beta/x",
        "\\\\evil.example.com/beta/x",
        "@evil.example.com/x",
    ] {
        server.client().get(path).await.unwrap();
    }
    assert_eq!(server.hits().len(), 4);
    assert_eq!(other.hits().len(), 0);
}

#[tokio::test]
async fn client_is_shared_across_spawned_tasks() {
    fn shared<T: Send + Sync + Clone + 'static>(_: &T) {}
    let server = TestServer::start(|hit| {
        if hit.uri.ends_with("$batch") {
            Reply::json(
                200,
                json!({"responses": [{"id": "0", "status": 200, "body": {"id": "a"}}]}),
            )
        } else {
            Reply::json(200, json!({"value": []}))
        }
    })
    .await;
    let client = server.client();
    shared(&client);
    let c = client.clone();
    let list = tokio::spawn(async move { c.list("/beta/x").await });
    let c = client.clone();
    let batch =
        tokio::spawn(async move { c.batch_get(ApiVersion::Beta, &["/a".to_owned()]).await });
    let c = client.clone();
    let send =
        tokio::spawn(async move { c.send(reqwest::Method::DELETE, "/beta/x/1", None).await });
    assert!(list.await.unwrap().unwrap().is_empty());
    assert_eq!(
        batch.await.unwrap()[0].as_ref().unwrap(),
        &json!({"id": "a"})
    );
    assert_eq!(send.await.unwrap().unwrap().status, 200);
    assert_eq!(client.stats().http_requests, 3);
}

#[tokio::test]
async fn repeated_next_link_is_a_paging_loop() {
    let link = Arc::new(Mutex::new(String::new()));
    let shared = link.clone();
    let server = TestServer::start(move |_| {
        let link = shared.lock().unwrap().clone();
        Reply::json(200, json!({"value": [{"id": 1}], "@odata.nextLink": link}))
    })
    .await;
    *link.lock().unwrap() = server.url("beta/items?$skiptoken=same");
    let err = server.client().list("/beta/items").await.unwrap_err();
    assert!(matches!(err, GraphError::PagingLoop { .. }), "{err}");
    assert_eq!(server.hits().len(), 2, "detected within two pages");
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let calls = AtomicUsize::new(0);
    let server = TestServer::start(move |_| match calls.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::error(429, "TooManyRequests").header("Retry-After", "1"),
        _ => Reply::json(200, json!({"id": "x"})),
    })
    .await;
    let client = server.client();
    assert_eq!(client.get("/beta/x").await.unwrap(), json!({"id": "x"}));
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    assert!(hits[1].at - hits[0].at >= Duration::from_secs(1));
    let stats = client.stats();
    assert_eq!(
        (stats.throttled, stats.retries, stats.retry_sleep_ms),
        (1, 1, 1000)
    );
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let calls = AtomicUsize::new(0);
    let server = TestServer::start(move |_| match calls.fetch_add(1, Ordering::SeqCst) {
        0 => {
            let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
            Reply::error(503, "ServiceUnavailable").header("Retry-After", &date)
        }
        _ => Reply::json(200, json!({"id": "x"})),
    })
    .await;
    server.client().get("/beta/x").await.unwrap();
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    // HTTP-dates have one-second resolution: at least one full second remains.
    assert!(hits[1].at - hits[0].at >= Duration::from_millis(1000));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 403, 404, 409, 500] {
        let server = TestServer::start(move |_| {
            Reply::error(status, "Nope").header("request-id", "rid-123")
        })
        .await;
        let err = server
            .client()
            .get("/beta/deviceManagement/x?$expand=settings")
            .await
            .unwrap_err();
        assert_eq!(server.hits().len(), 1, "{status}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.request_id(), Some("rid-123"));
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "GET /beta/deviceManagement/x?$expand=settings failed: {status}"
            )),
            "{text}"
        );
        assert!(text.contains("request-id rid-123"), "{text}");
    }
}

#[tokio::test]
async fn post_is_not_retried_but_patch_is() {
    let server = TestServer::start(|_| Reply::error(503, "ServiceUnavailable")).await;
    let client = server.client();
    let err = client
        .send(reqwest::Method::POST, "/beta/x", Some(&json!({"a": 1})))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(matches!(err, GraphError::Http { .. }));
    assert_eq!(server.hits().len(), 1);

    let calls = AtomicUsize::new(0);
    let server = TestServer::start(move |hit| match calls.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::error(503, "ServiceUnavailable"),
        _ if hit.method == "PATCH" => Reply::empty(204).header("request-id", "rid-p"),
        _ => Reply::json(201, hit.json()),
    })
    .await;
    let client = server.client();
    let response = client
        .send(
            reqwest::Method::PATCH,
            "/beta/x/1",
            Some(&json!({"displayName": "n"})),
        )
        .await
        .unwrap();
    assert_eq!(
        response,
        GraphResponse {
            status: 204,
            body: None,
            request_id: Some("rid-p".into())
        }
    );
    let created = client
        .send(
            reqwest::Method::POST,
            "/beta/x",
            Some(&json!({"displayName": "n"})),
        )
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    assert_eq!(created.body, Some(json!({"displayName": "n"})));
    let hits = server.hits();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[2].header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn retry_budget_is_shared_and_bounded() {
    let server =
        TestServer::start(|_| Reply::error(503, "ServiceUnavailable").header("Retry-After", "0.2"))
            .await;
    let mut config = server.config();
    config.retry.max_attempts = 100;
    config.retry.budget = Duration::from_millis(500);
    let client = GraphClient::new(config).unwrap();
    let err = client.get("/beta/x").await.unwrap_err();
    let GraphError::RetriesExhausted { attempts, last, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(
        *attempts, 3,
        "two 200 ms sleeps fit in 500 ms, a third does not"
    );
    assert_eq!(last.status(), Some(503));
    assert_eq!(client.stats().retry_sleep_ms, 400);
    // The budget is per client: the next request cannot sleep at all.
    let err = client.get("/beta/y").await.unwrap_err();
    assert!(matches!(
        err,
        GraphError::RetriesExhausted { attempts: 1, .. }
    ));
    assert_eq!(server.hits().len(), 4);
}

#[tokio::test]
async fn max_attempts_bound_transport_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let tokens = TestServer::start(|_| Reply::empty(500)).await;
    let mut config = tokens.config();
    let graph = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    config.endpoints = Some(Endpoints {
        graph,
        login: tokens.base.clone(),
    });
    let client = GraphClient::new(config).unwrap();
    let err = client.get("/beta/x").await.unwrap_err();
    match &err {
        GraphError::RetriesExhausted {
            attempts: 4, last, ..
        } => {
            assert!(matches!(**last, GraphError::Transport { .. }), "{last}")
        }
        other => panic!("{other}"),
    }
    assert_eq!(client.stats().retries, 3);
}

#[tokio::test]
async fn unreachable_login_fails_after_the_sign_in_policy_and_is_remembered() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let graph = TestServer::start(|_| Reply::json(200, json!({}))).await;
    let mut config = graph.config();
    let login = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    config.endpoints = Some(Endpoints {
        graph: graph.base.clone(),
        login,
    });
    let client = GraphClient::new(config).unwrap();
    let err = client.sign_in().await.unwrap_err();
    match &err {
        GraphError::LoginUnavailable {
            authority,
            attempts: 3,
            last,
            ..
        } => {
            assert_eq!(authority, &format!("http://127.0.0.1:{port}/tenant-1"));
            assert!(matches!(**last, GraphError::Transport { .. }), "{last}");
        }
        other => panic!("{other}"),
    }
    assert!(err.is_sign_in() && err.hint().is_some());
    assert_eq!(client.stats().token_requests, 3);
    // Every request after it fails with the same error, without asking again or reaching Graph.
    let again = client.get("/beta/x").await.unwrap_err();
    assert_eq!(again.to_string(), err.to_string());
    assert_eq!(client.stats().token_requests, 3);
    assert!(graph.hits().is_empty());
}

#[tokio::test]
async fn a_login_endpoint_that_never_answers_costs_one_attempt_timeout_not_the_clients() {
    let server = TestServer::start_with(
        |_, _| Reply {
            delay: Some(Duration::from_secs(60)),
            ..Reply::empty(200)
        },
        |_| Reply::json(200, json!({})),
    )
    .await;
    let mut config = server.config();
    config.timeout = Duration::from_secs(60);
    let client = GraphClient::new(config).unwrap();
    let started = std::time::Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(30), client.sign_in())
        .await
        .expect("the sign-in gives up on its own")
        .unwrap_err();
    // One attempt cut off after max(budget, 5 s); the budget is then spent, so no second one.
    assert!(
        matches!(err, GraphError::LoginUnavailable { attempts: 1, .. }),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(server.token_hits().len(), 1);
}

#[tokio::test]
async fn a_refused_credential_is_asked_for_once_per_run() {
    let server = TestServer::start_with(
        |_, _| {
            Reply::json(
                400,
                json!({"error": "invalid_request", "error_description": "AADSTS90002: Tenant 'x' not found. Trace ID: a Correlation ID: b"}),
            )
        },
        |_| Reply::json(200, json!({})),
    )
    .await;
    let client = server.client();
    for _ in 0..5 {
        let err = client.get("/beta/x").await.unwrap_err();
        assert_eq!(err.aadsts(), Some(90002), "{err}");
        assert!(err.to_string().contains("tenant not found"), "{err}");
    }
    assert_eq!(server.token_hits().len(), 1);
    assert!(server.hits().is_empty());
}

#[tokio::test]
async fn limiter_holds_the_window_at_the_server() {
    let server = TestServer::start(|_| Reply::json(200, json!({}))).await;
    let mut config = server.config();
    let window = Duration::from_millis(200);
    config.limits = RateLimits {
        requests: 3,
        writes: 1,
        window,
    };
    let client = GraphClient::new(config).unwrap();
    let calls = (0..9).map(|i| {
        let client = client.clone();
        async move {
            if i % 3 == 0 {
                client
                    .send(reqwest::Method::DELETE, &format!("/beta/x/{i}"), None)
                    .await
                    .map(|_| ())
            } else {
                client.get(&format!("/beta/x/{i}")).await.map(|_| ())
            }
        }
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    // Arrival times at the server carry connection jitter; the exact window is checked on the
    // client side in limiter::tests.
    const JITTER: Duration = Duration::from_millis(25);
    let hits = server.hits();
    let max_in_window = |filter: &dyn Fn(&Hit) -> bool| {
        let times: Vec<Instant> = hits.iter().filter(|h| filter(h)).map(|h| h.at).collect();
        times
            .iter()
            .map(|&start| {
                times
                    .iter()
                    .filter(|&&t| t >= start && t < start + window - JITTER)
                    .count()
            })
            .max()
            .unwrap_or(0)
    };
    assert_eq!(hits.len(), 9);
    assert!(max_in_window(&|_| true) <= 3);
    assert!(max_in_window(&|h| h.method == "DELETE") <= 1);
}

#[tokio::test]
async fn a_429_holds_every_request_of_the_client() {
    let calls = AtomicUsize::new(0);
    let server = TestServer::start(move |hit| {
        if hit.uri == "/beta/a" && calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::error(429, "TooManyRequests").header("Retry-After", "0.5")
        } else {
            Reply::json(200, json!({}))
        }
    })
    .await;
    let client = server.client();
    let first = client.get("/beta/a");
    let second = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        client.get("/beta/b").await
    };
    let (a, b) = tokio::join!(first, second);
    a.unwrap();
    b.unwrap();
    let hits = server.hits();
    let throttled_at = hits.iter().find(|h| h.uri == "/beta/a").unwrap().at;
    let b_at = hits.iter().find(|h| h.uri == "/beta/b").unwrap().at;
    assert!(
        b_at - throttled_at >= Duration::from_millis(490),
        "{:?}",
        b_at - throttled_at
    );
}

#[tokio::test]
async fn http_endpoints_are_refused_off_loopback() {
    let mut config =
        ClientConfig::new("t", "c", Credential::Secret(SecretString::new(TEST_SECRET)));
    config.endpoints = Some(Endpoints {
        graph: url::Url::parse("http://graph.example.com/").unwrap(),
        login: url::Url::parse("https://login.example.com/").unwrap(),
    });
    let err = GraphClient::new(config).unwrap_err();
    assert!(matches!(err, GraphError::InsecureEndpoint { .. }));
    let client = GraphClient::new(ClientConfig::new(
        "t",
        "c",
        Credential::Secret(SecretString::new("s")),
    ))
    .unwrap();
    assert_eq!(client.graph_base().as_str(), "https://graph.microsoft.com/");
}

#[tokio::test]
async fn secrets_stay_out_of_errors_and_debug() {
    let server = TestServer::start_with(
        |hit, _| {
            // A hostile token endpoint echoing the secret back.
            let echoed = hit.form_value("client_secret").unwrap_or_default();
            Reply::json(401, json!({"error": "invalid_client", "error_description": format!("AADSTS7000215: Invalid client secret {echoed}")}))
        },
        |_| Reply::json(200, json!({})),
    )
    .await;
    let client = server.client();
    let err = client.get("/beta/x").await.unwrap_err();
    assert!(
        matches!(&err, GraphError::Auth { status: 401, code, .. } if code == "invalid_client"),
        "{err}"
    );
    for text in [
        err.to_string(),
        format!("{err:?}"),
        format!("{client:?}"),
        format!("{:?}", server.config()),
    ] {
        assert!(!text.contains(TEST_SECRET), "{text}");
    }
    assert!(err.to_string().contains("AADSTS7000215"));
    assert_eq!(
        server.token_hits().len(),
        1,
        "a refused credential is not retried"
    );

    let server = TestServer::start_with(token_ok, |hit| {
        // A hostile Graph echoing the Authorization header in its error.
        let auth = hit.header("authorization").unwrap_or_default().to_owned();
        Reply::json(
            400,
            json!({"error": {"code": "BadRequest", "message": "bad"}}),
        )
        .header("x-echo", &auth)
    })
    .await;
    let err = server.client().get("/beta/x").await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(
            !text.contains("tok-1") && !text.contains("Bearer"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn token_is_renewed_before_it_expires() {
    let server = TestServer::start_with(
        |_, n| {
            Reply::json(
                200,
                json!({"access_token": format!("tok-{n}"), "expires_in": "1"}),
            )
        },
        |_| Reply::json(200, json!({})),
    )
    .await;
    let client = server.client();
    client.get("/beta/a").await.unwrap();
    client.get("/beta/b").await.unwrap();
    assert_eq!(server.token_hits().len(), 1);
    // A 1 s token is used for half its life, then replaced once.
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.get("/beta/c").await.unwrap();
    client.get("/beta/d").await.unwrap();
    assert_eq!(server.token_hits().len(), 2);
    let tokens: Vec<_> = server
        .hits()
        .iter()
        .map(|h| h.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(
        tokens,
        [
            "Bearer tok-1",
            "Bearer tok-1",
            "Bearer tok-2",
            "Bearer tok-2"
        ]
    );
}
