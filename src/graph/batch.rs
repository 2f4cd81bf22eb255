//! `$batch` hydration (docs/graph-notes.md, "Batching"): many GETs in POSTs of at most 20, results
//! in input order.
//!
//! Inner requests are throttled one by one, so only the inner 429/503/504 are sent again (after
//! their own `Retry-After`), and an inner collection or navigation that was paged is completed by
//! following its nextLinks, pinned to the Graph host like any listing.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::retry::{self, Failure};
use super::{ApiVersion, Call, GraphClient, GraphError, bump, error, paging};

/// Graph's limit of requests per `$batch`.
pub(crate) const MAX_BATCH: usize = 20;

const NEXT_LINK: &str = "@odata.nextLink";

/// Whether a paged inner answer is completed by following its nextLinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pages {
    All,
    /// The first page only: a probe (`check`) asks whether it may read, not what there is.
    First,
}

pub(super) async fn batch_get(
    client: &GraphClient,
    version: ApiVersion,
    urls: &[String],
    pages: Pages,
) -> Vec<Result<Value, GraphError>> {
    let chunks = urls
        .chunks(MAX_BATCH)
        .map(|chunk| run_chunk(client, version, chunk, pages));
    futures::future::join_all(chunks)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// One `$batch` of at most 20 GETs, re-batching the inner requests worth retrying.
async fn run_chunk(
    client: &GraphClient,
    version: ApiVersion,
    urls: &[String],
    pages: Pages,
) -> Vec<Result<Value, GraphError>> {
    let batch_url = match client.resolve(&format!("/{version}/$batch")) {
        Ok(url) => url,
        Err(err) => return vec![Err(err); urls.len()],
    };
    let mut chunk = Chunk {
        client,
        urls,
        paths: urls.iter().map(|url| format!("/{version}{url}")).collect(),
        results: vec![None; urls.len()],
        attempts: vec![0u32; urls.len()],
        pages,
    };
    let mut pending: Vec<usize> = (0..urls.len()).collect();
    let mut round = 0;
    while !pending.is_empty() {
        round += 1;
        let responses = match chunk.send(&batch_url, &pending).await {
            Ok(responses) => responses,
            Err(err) => {
                for &i in &pending {
                    chunk.results[i] = Some(Err(err.clone()));
                }
                break;
            }
        };
        let retry = chunk.take_answers(&pending, &responses).await;
        if retry.again.is_empty() || !chunk.wait_to_retry(&retry, round).await {
            break;
        }
        pending = retry.again;
    }
    chunk.results()
}

/// The inner requests of one chunk and what is known of each.
struct Chunk<'a> {
    client: &'a GraphClient,
    urls: &'a [String],
    /// Each request's path with its API version, as errors name it.
    paths: Vec<String>,
    /// The latest answer of each request (a retried one keeps its last error).
    results: Vec<Option<Result<Value, GraphError>>>,
    attempts: Vec<u32>,
    pages: Pages,
}

/// The requests of one round worth sending again, and how long Graph asked to wait.
struct Retry {
    again: Vec<usize>,
    /// The longest `Retry-After` among them.
    wait: Option<Duration>,
    /// One of them was a 429.
    throttled: bool,
}

impl Chunk<'_> {
    /// Sends the `pending` requests in one `$batch`: its inner responses by request index.
    async fn send(
        &self,
        batch_url: &url::Url,
        pending: &[usize],
    ) -> Result<HashMap<usize, Value>, GraphError> {
        let requests: Vec<Value> = pending
            .iter()
            .map(|&i| json!({"id": i.to_string(), "method": "GET", "url": self.urls[i]}))
            .collect();
        let body = json!({ "requests": requests });
        let call = Call {
            method: reqwest::Method::POST,
            url: batch_url.clone(),
            body: Some(&body),
            cost: u32::try_from(pending.len()).unwrap_or(u32::MAX),
            writes: 0,
            replayable: true,
        };
        bump(&self.client.inner.counters.batches, 1);
        self.client
            .execute(&call)
            .await
            .and_then(|reply| parse_responses(&reply.body, &call))
    }

    /// Keeps each pending request's answer (a success completed by following its nextLinks) and
    /// says which are worth sending again.
    async fn take_answers(
        &mut self,
        pending: &[usize],
        responses: &HashMap<usize, Value>,
    ) -> Retry {
        let inner = &*self.client.inner;
        let mut retry = Retry {
            again: Vec::new(),
            wait: None,
            throttled: false,
        };
        for &i in pending {
            self.attempts[i] += 1;
            let Some(response) = responses.get(&i) else {
                self.results[i] = Some(Err(GraphError::InvalidResponse {
                    path: self.paths[i].clone(),
                    message: "the $batch answer has no response for this request".into(),
                }));
                continue;
            };
            let status = response
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0);
            if (200..300).contains(&status) {
                let body = response.get("body").cloned().unwrap_or(Value::Null);
                self.results[i] = Some(match self.pages {
                    Pages::All => complete(self.client, body).await,
                    Pages::First => Ok(body),
                });
                continue;
            }
            let err = inner_error(response, status, &self.paths[i]);
            let failure = Failure::Status(status);
            if status == 429 {
                bump(&inner.counters.throttled, 1);
                retry.throttled = true;
            }
            if !retry::retryable(failure, true) {
                self.results[i] = Some(Err(err));
            } else if self.attempts[i] >= inner.retry.max_attempts {
                self.results[i] = Some(Err(exhausted(&self.paths[i], self.attempts[i], err)));
            } else {
                let retry_after = header(response, "retry-after").and_then(|value| {
                    retry::parse_retry_after(value, std::time::SystemTime::now())
                });
                retry.wait = retry.wait.max(retry_after);
                self.results[i] = Some(Err(err));
                retry.again.push(i);
            }
        }
        retry
    }

    /// Waits before round `round + 1` (Graph's `Retry-After`, else backoff), holding every request
    /// of the tenant when throttled; false, with the retried requests marked exhausted, when the
    /// retry budget cannot pay for the wait.
    async fn wait_to_retry(&mut self, retry: &Retry, round: u32) -> bool {
        let inner = &*self.client.inner;
        let delay = retry
            .wait
            .unwrap_or_else(|| retry::backoff(&inner.retry, round - 1));
        if retry.throttled && retry.wait.is_some() {
            inner.limiter.hold(Instant::now() + delay).await;
        }
        if !inner.budget.take(delay) {
            for &i in &retry.again {
                if let Some(Err(last)) = self.results[i].take() {
                    self.results[i] = Some(Err(exhausted(&self.paths[i], self.attempts[i], last)));
                }
            }
            return false;
        }
        bump(&inner.counters.retries, retry.again.len() as u64);
        tracing::debug!(
            requests = retry.again.len(),
            delay_ms = delay.as_millis() as u64,
            "re-batching throttled or unavailable requests"
        );
        tokio::time::sleep(delay).await;
        true
    }

    /// The answers in input order.
    fn results(self) -> Vec<Result<Value, GraphError>> {
        self.results
            .into_iter()
            .zip(&self.paths)
            .map(|(result, path)| {
                result.unwrap_or_else(|| {
                    Err(GraphError::InvalidResponse {
                        path: path.clone(),
                        message: "no result".into(),
                    })
                })
            })
            .collect()
    }
}

fn exhausted(path: &str, attempts: u32, last: GraphError) -> GraphError {
    GraphError::RetriesExhausted {
        path: path.to_owned(),
        attempts,
        last: Box::new(last),
    }
}

/// The `responses` of a `$batch` answer by request index.
fn parse_responses(body: &[u8], call: &Call<'_>) -> Result<HashMap<usize, Value>, GraphError> {
    let invalid = |message: &str| GraphError::InvalidResponse {
        path: super::display_path(&call.url),
        message: message.to_owned(),
    };
    let parsed: Value =
        serde_json::from_slice(body).map_err(|_| invalid("$batch answer is not JSON"))?;
    let Some(Value::Array(responses)) = parsed.get("responses") else {
        return Err(invalid("$batch answer without a `responses` array"));
    };
    Ok(responses
        .iter()
        .filter_map(|response| {
            let id = response.get("id")?.as_str()?.parse().ok()?;
            Some((id, response.clone()))
        })
        .collect())
}

/// An inner response header, looked up case-insensitively.
fn header<'a>(response: &'a Value, name: &str) -> Option<&'a str> {
    response
        .get("headers")?
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))?
        .1
        .as_str()
}

fn inner_error(response: &Value, status: u16, path: &str) -> GraphError {
    let parsed = error::parse_error_value(response.get("body").unwrap_or(&Value::Null));
    GraphError::Http {
        method: "GET".into(),
        path: path.to_owned(),
        status,
        code: parsed.code,
        message: parsed.message,
        request_id: header(response, "request-id")
            .map(str::to_owned)
            .or(parsed.request_id),
    }
}

/// Follow the nextLinks of an inner result: `@odata.nextLink` completes `value`,
/// `<nav>@odata.nextLink` completes the `<nav>` array.
async fn complete(client: &GraphClient, mut body: Value) -> Result<Value, GraphError> {
    let Value::Object(map) = &mut body else {
        return Ok(body);
    };
    let link_keys: Vec<String> = map
        .keys()
        .filter(|key| key.ends_with(NEXT_LINK))
        .cloned()
        .collect();
    for key in link_keys {
        let Some(Value::String(link)) = map.remove(&key) else {
            continue;
        };
        let nav = match key.strip_suffix(NEXT_LINK).unwrap_or_default() {
            "" => "value",
            nav => nav,
        };
        let first = paging::pinned(&client.inner.graph, &link)?;
        let rest = client.list_from(first).await?;
        match map.get_mut(nav) {
            Some(Value::Array(items)) => items.extend(rest),
            _ => {
                return Err(GraphError::InvalidResponse {
                    path: link,
                    message: format!("`{key}` without a `{nav}` array"),
                });
            }
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::super::testserver::{Hit, Reply, TestServer};
    use super::*;

    /// Answers a `$batch` with `answer(id, url)` for each inner request, in reverse order.
    fn batch_reply(hit: &Hit, answer: &dyn Fn(&str, &str) -> Value) -> Reply {
        let requests = hit.json()["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let responses: Vec<Value> = requests
            .iter()
            .rev()
            .map(|r| {
                let (id, url) = (r["id"].as_str().unwrap(), r["url"].as_str().unwrap());
                let mut response = answer(id, url);
                response["id"] = json!(id);
                response
            })
            .collect();
        Reply::json(200, json!({ "responses": responses }))
    }

    fn urls(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("/deviceManagement/things/{i}?$expand=settings"))
            .collect()
    }

    #[tokio::test]
    async fn chunks_at_twenty_and_keeps_input_order() {
        let server = TestServer::start(|hit| {
            assert_eq!(hit.method, "POST");
            assert_eq!(hit.uri, "/beta/$batch");
            batch_reply(hit, &|_, url| json!({"status": 200, "body": {"url": url}}))
        })
        .await;
        let client = server.client();
        let urls = urls(45);
        let results = client.batch_get(ApiVersion::Beta, &urls).await;
        assert_eq!(results.len(), 45);
        for (url, result) in urls.iter().zip(&results) {
            assert_eq!(result.as_ref().unwrap(), &json!({"url": url}));
        }
        let hits = server.hits();
        let sizes: Vec<usize> = hits
            .iter()
            .map(|h| h.json()["requests"].as_array().unwrap().len())
            .collect();
        assert_eq!(sizes.iter().sum::<usize>(), 45);
        assert!(sizes.iter().all(|&n| n <= MAX_BATCH));
        for hit in &hits {
            let ids: std::collections::HashSet<_> = hit.json()["requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].clone())
                .collect();
            assert_eq!(
                ids.len(),
                hit.json()["requests"].as_array().unwrap().len(),
                "unique ids"
            );
        }
        let stats = client.stats();
        assert_eq!(
            (stats.batches, stats.http_requests, stats.graph_requests),
            (3, 3, 45)
        );
        assert!(client.batch_get(ApiVersion::V1, &[]).await.is_empty());
    }

    #[tokio::test]
    async fn inner_throttling_is_retried_alone_after_its_retry_after() {
        let throttled = AtomicUsize::new(0);
        let server = TestServer::start(move |hit| {
            batch_reply(hit, &|id, url| {
                if id == "3" && throttled.fetch_add(1, Ordering::SeqCst) == 0 {
                    json!({"status": 429, "headers": {"Retry-After": "1"},
                           "body": {"error": {"code": "TooManyRequests", "message": "later"}}})
                } else if id == "4" {
                    json!({"status": 404, "headers": {"request-id": "rid-4"},
                           "body": {"error": {"code": "ResourceNotFound", "message": "gone"}}})
                } else {
                    json!({"status": 200, "body": {"url": url}})
                }
            })
        })
        .await;
        let client = server.client();
        let urls = urls(6);
        let results = client.batch_get(ApiVersion::V1, &urls).await;
        assert_eq!(results[3].as_ref().unwrap(), &json!({"url": urls[3]}));
        let missing = results[4].as_ref().unwrap_err();
        assert_eq!(missing.status(), Some(404));
        assert_eq!(missing.request_id(), Some("rid-4"));
        assert!(
            missing
                .to_string()
                .starts_with("GET /v1.0/deviceManagement/things/4?$expand=settings failed: 404")
        );
        let hits = server.hits();
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].uri, "/v1.0/$batch");
        let retried = hits[1].json()["requests"].clone();
        assert_eq!(
            retried,
            json!([{"id": "3", "method": "GET", "url": urls[3]}])
        );
        assert!(hits[1].at - hits[0].at >= Duration::from_secs(1));
        let stats = client.stats();
        assert_eq!(
            (stats.throttled, stats.retries, stats.graph_requests),
            (1, 1, 7)
        );
    }

    #[tokio::test]
    async fn inner_unavailable_gives_up_after_max_attempts() {
        let server = TestServer::start(|hit| {
            batch_reply(
                hit,
                &|_, _| json!({"status": 503, "body": {"error": {"code": "ServiceUnavailable"}}}),
            )
        })
        .await;
        let results = server.client().batch_get(ApiVersion::Beta, &urls(2)).await;
        for result in results {
            let err = result.unwrap_err();
            assert!(
                matches!(err, GraphError::RetriesExhausted { attempts: 4, .. }),
                "{err}"
            );
            assert_eq!(err.status(), Some(503));
        }
        assert_eq!(server.hits().len(), 4);
    }

    #[tokio::test]
    async fn outer_failure_is_retried_then_reported_per_item() {
        let calls = AtomicUsize::new(0);
        let server = TestServer::start(move |hit| match calls.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::error(504, "GatewayTimeout"),
            1 => batch_reply(hit, &|_, _| json!({"status": 200, "body": {"ok": 1}})),
            _ => Reply::error(400, "BadRequest"),
        })
        .await;
        let client = server.client();
        let results = client.batch_get(ApiVersion::Beta, &urls(2)).await;
        assert!(results.iter().all(Result::is_ok));
        let results = client.batch_get(ApiVersion::Beta, &urls(2)).await;
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().unwrap_err().status() == Some(400))
        );
        assert_eq!(server.hits().len(), 3);
    }

    #[tokio::test]
    async fn inner_next_links_are_followed() {
        let base = Arc::new(Mutex::new(String::new()));
        let shared = base.clone();
        let server = TestServer::start(move |hit| {
            let base = shared.lock().unwrap().clone();
            match hit.uri.as_str() {
                "/beta/$batch" => batch_reply(hit, &|id, _| match id {
                    "0" => json!({"status": 200, "body": {
                        "value": [{"n": 1}], "@odata.nextLink": format!("{base}beta/list?page=2")}}),
                    _ => json!({"status": 200, "body": {
                        "id": "p", "settings": [{"n": 1}],
                        "settings@odata.context": "ctx",
                        "settings@odata.nextLink": format!("{base}beta/p/settings?page=2")}}),
                }),
                "/beta/list?page=2" => Reply::json(200, json!({"value": [{"n": 2}]})),
                "/beta/p/settings?page=2" => Reply::json(
                    200,
                    json!({"value": [{"n": 2}], "@odata.nextLink": format!("{base}beta/p/settings?page=3")}),
                ),
                "/beta/p/settings?page=3" => Reply::json(200, json!({"value": [{"n": 3}]})),
                other => panic!("unexpected {other}"),
            }
        })
        .await;
        *base.lock().unwrap() = server.base.to_string();
        let urls = vec!["/list".to_owned(), "/p?$expand=settings".to_owned()];
        let results = server.client().batch_get(ApiVersion::Beta, &urls).await;
        assert_eq!(
            results[0].as_ref().unwrap(),
            &json!({"value": [{"n": 1}, {"n": 2}]})
        );
        assert_eq!(
            results[1].as_ref().unwrap(),
            &json!({"id": "p", "settings": [{"n": 1}, {"n": 2}, {"n": 3}], "settings@odata.context": "ctx"})
        );
        assert_eq!(server.hits().len(), 4);
    }

    #[tokio::test]
    async fn inner_foreign_next_link_fails_only_that_item() {
        let other = TestServer::start(|_| Reply::json(200, json!({"value": []}))).await;
        let link = other.url("beta/list?page=2");
        let server = TestServer::start(move |hit| {
            batch_reply(hit, &|id, _| match id {
                "0" => json!({"status": 200, "body": {"value": [], "@odata.nextLink": link}}),
                _ => json!({"status": 200, "body": {"id": "ok"}}),
            })
        })
        .await;
        let results = server.client().batch_get(ApiVersion::Beta, &urls(2)).await;
        assert!(matches!(
            results[0],
            Err(GraphError::ForeignNextLink { .. })
        ));
        assert_eq!(results[1].as_ref().unwrap(), &json!({"id": "ok"}));
        assert_eq!(other.hits().len(), 0);
    }
}
