//! `$batch` hydration (graph.md §12.2): many GETs in POSTs of at most 20, results in input order.
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

pub(super) async fn batch_get(
    client: &GraphClient,
    version: ApiVersion,
    urls: &[String],
) -> Vec<Result<Value, GraphError>> {
    let chunks = urls
        .chunks(MAX_BATCH)
        .map(|chunk| run_chunk(client, version, chunk));
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
) -> Vec<Result<Value, GraphError>> {
    let inner = &*client.inner;
    let paths: Vec<String> = urls.iter().map(|url| format!("/{version}{url}")).collect();
    let mut results: Vec<Option<Result<Value, GraphError>>> = vec![None; urls.len()];
    let mut attempts = vec![0u32; urls.len()];
    let mut pending: Vec<usize> = (0..urls.len()).collect();
    let batch_url = match client.resolve(&format!("/{version}/$batch")) {
        Ok(url) => url,
        Err(err) => return vec![Err(err); urls.len()],
    };
    let mut round = 0;
    while !pending.is_empty() {
        round += 1;
        let requests: Vec<Value> = pending
            .iter()
            .map(|&i| json!({"id": i.to_string(), "method": "GET", "url": urls[i]}))
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
        bump(&inner.counters.batches, 1);
        let responses = match client
            .execute(&call)
            .await
            .and_then(|reply| parse_responses(&reply.body, &call))
        {
            Ok(responses) => responses,
            Err(err) => {
                for &i in &pending {
                    results[i] = Some(Err(err.clone()));
                }
                break;
            }
        };
        let mut again = Vec::new();
        let mut wait: Option<Duration> = None;
        let mut throttled = false;
        for &i in &pending {
            attempts[i] += 1;
            let Some(response) = responses.get(&i) else {
                results[i] = Some(Err(GraphError::InvalidResponse {
                    path: paths[i].clone(),
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
                results[i] = Some(complete(client, body).await);
                continue;
            }
            let err = inner_error(response, status, &paths[i]);
            let failure = Failure::Status(status);
            if status == 429 {
                bump(&inner.counters.throttled, 1);
                throttled = true;
            }
            if !retry::retryable(failure, true) {
                results[i] = Some(Err(err));
            } else if attempts[i] >= inner.retry.max_attempts {
                results[i] = Some(Err(exhausted(&paths[i], attempts[i], err)));
            } else {
                let retry_after = header(response, "retry-after").and_then(|value| {
                    retry::parse_retry_after(value, std::time::SystemTime::now())
                });
                wait = wait.max(retry_after);
                results[i] = Some(Err(err));
                again.push(i);
            }
        }
        if again.is_empty() {
            break;
        }
        let delay = wait.unwrap_or_else(|| retry::backoff(&inner.retry, round - 1));
        if throttled && wait.is_some() {
            inner.limiter.hold(Instant::now() + delay).await;
        }
        if !inner.budget.take(delay) {
            for &i in &again {
                if let Some(Err(last)) = results[i].take() {
                    results[i] = Some(Err(exhausted(&paths[i], attempts[i], last)));
                }
            }
            break;
        }
        bump(&inner.counters.retries, again.len() as u64);
        tracing::debug!(
            requests = again.len(),
            delay_ms = delay.as_millis() as u64,
            "re-batching throttled or unavailable requests"
        );
        tokio::time::sleep(delay).await;
        pending = again;
    }
    results
        .into_iter()
        .zip(&paths)
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
