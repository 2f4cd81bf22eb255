//! JSON batching (docs/graph-notes.md, "Batching"): ≤ 20 items, unique ids, relative urls without
//! version (or the absolute URL of this service and version, as Microsoft's SDKs send),
//! `Content-Type` with bodies, `dependsOn` with 424, answers in shuffled (seeded) order; every item
//! is throttled and fault-injected on its own.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::auth::TokenInfo;
use super::behaviour::Ver;
use super::error::GraphError;
use super::faults::mix;
use super::http::{Req, pct_decode};
use super::pipeline::{Shared, lock, run_item};
use super::stats::LogEntry;

/// Maximum items per batch.
pub(crate) const MAX_ITEMS: usize = 20;

pub(super) struct Item {
    id: String,
    pub(super) req: Req,
    depends: Vec<String>,
}

/// `base` is the service's own origin (`http://127.0.0.1:PORT`).
pub(super) fn parse(ver: Ver, base: &str, body: Option<Value>) -> Result<Vec<Item>, GraphError> {
    let requests = body
        .as_ref()
        .and_then(|b| b.get("requests"))
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::bad_request("Invalid batch payload format."))?;
    if requests.is_empty() {
        return Err(GraphError::bad_request(
            "Invalid batch payload format: no requests.",
        ));
    }
    if requests.len() > MAX_ITEMS {
        return Err(GraphError::bad_request(format!(
            "Number of batch request steps exceeds the maximum of {MAX_ITEMS}."
        )));
    }
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for r in requests {
        // Graph takes a number as an id too (clients send `"id": 1`) and answers with its text.
        let id = id_text(&r["id"])
            .ok_or_else(|| GraphError::bad_request("Batch request is missing an id."))?;
        let id = id.as_str();
        if !seen.insert(id.to_ascii_lowercase()) {
            return Err(GraphError::bad_request(format!(
                "Batch request id '{id}' is duplicated."
            )));
        }
        let method = r["method"]
            .as_str()
            .ok_or_else(|| {
                GraphError::bad_request(format!("Batch request {id} is missing a method."))
            })?
            .to_ascii_uppercase();
        let url = r["url"].as_str().ok_or_else(|| {
            GraphError::bad_request(format!("Batch request {id} is missing a url."))
        })?;
        // Microsoft's SDKs send the item's absolute URL; one on this service and version is taken
        // as its relative path, any other absolute URL refused.
        let own = format!("{base}/{}/", ver.as_str());
        let url = match url.strip_prefix(&own) {
            Some(rest) => rest,
            None if url.starts_with("http://") || url.starts_with("https://") => {
                return Err(GraphError::bad_request(format!(
                    "Batch request {id}: url must be relative."
                )));
            }
            None => url,
        };
        let body = r.get("body").filter(|b| !b.is_null()).cloned();
        if body.is_some() {
            let has_ct = r["headers"]
                .as_object()
                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("content-type")));
            if !has_ct {
                return Err(GraphError::bad_request(format!(
                    "Write request id : {id} does not contain Content-Type header or body."
                )));
            }
        }
        let depends: Vec<String> = r["dependsOn"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(id_text)
            .collect();
        for d in &depends {
            if !items.iter().any(|i: &Item| i.id.eq_ignore_ascii_case(d)) {
                return Err(GraphError::bad_request(format!(
                    "Batch request {id} depends on '{d}', which is not an earlier request."
                )));
            }
        }
        let url = url.trim_start_matches('/');
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        items.push(Item {
            id: id.to_string(),
            req: Req {
                method,
                ver,
                path: pct_decode(path),
                query: query.to_string(),
                body,
                eventual: r["headers"].as_object().is_some_and(|h| {
                    h.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case("consistencylevel")
                            && v.as_str()
                                .is_some_and(|v| v.eq_ignore_ascii_case("eventual"))
                    })
                }),
            },
            depends,
        });
    }
    Ok(items)
}

/// Runs a batch; returns the envelope status and body, and whether the envelope's response is to
/// be dropped (an item was a create chosen by `drop_create_rate`: every item still runs).
pub(crate) fn run(
    sh: &Shared,
    tok: &TokenInfo,
    ver: Ver,
    body: Option<Value>,
    crid: Option<&str>,
) -> (u16, Value, bool) {
    let batch_no = {
        let mut s = lock(&sh.stats);
        s.batches += 1;
        s.batches
    };
    let items = match parse(ver, &sh.base, body) {
        Ok(i) => i,
        Err(e) => {
            let rid = uuid::Uuid::new_v4().to_string();
            return (e.status, e.body(&rid, crid), false);
        }
    };
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::with_capacity(items.len());
    let mut drop_envelope = false;
    for it in items {
        let failed_dep = it.depends.iter().any(|d| {
            !statuses
                .get(&d.to_ascii_lowercase())
                .is_some_and(|s| (200..300).contains(s))
        });
        let (status, body, retry_after, rid) = if failed_dep {
            let rid = uuid::Uuid::new_v4().to_string();
            let e = GraphError::new(
                424,
                "FailedDependency",
                "A request this request depends on failed.",
            );
            lock(&sh.stats).record(LogEntry {
                method: it.req.method.clone(),
                path: format!("/{}/{}", ver.as_str(), it.req.path),
                status: 424,
                client_request_id: crid.map(str::to_string),
                request_id: rid.clone(),
            });
            (424, Some(e.body(&rid, crid)), None, rid)
        } else {
            let o = run_item(sh, tok, &it.req, true, crid);
            drop_envelope |= o.reset;
            (o.status, o.body, o.retry_after, o.request_id)
        };
        statuses.insert(it.id.to_ascii_lowercase(), status);
        let mut headers = Map::new();
        headers.insert("request-id".into(), json!(rid));
        if body.is_some() {
            headers.insert("Content-Type".into(), json!("application/json"));
        }
        if let Some(s) = retry_after {
            headers.insert("Retry-After".into(), json!(s.to_string()));
        }
        let mut r = json!({"id": it.id, "status": status, "headers": headers});
        if let Some(b) = body {
            r["body"] = b;
        }
        responses.push(r);
    }
    // docs/graph-notes.md, "Batching": answers come in any order; shuffle deterministically by the
    // fault seed.
    let seed = sh.cfg.fault_seed ^ mix(batch_no);
    responses.sort_by_cached_key(|r| {
        mix(seed
            ^ mix(r["id"]
                .as_str()
                .unwrap_or_default()
                .bytes()
                .fold(0u64, |h, b| mix(h ^ u64::from(b)))))
    });
    (200, json!({"responses": responses}), drop_envelope)
}

/// A batch item id or a `dependsOn` entry: a string, or an integer taken as its decimal text.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:9";

    #[test]
    fn absolute_urls_on_this_service_are_taken_as_relative() {
        let sdk = json!({"requests":[
            {"id":"a","method":"GET","url":"http://127.0.0.1:9/beta/deviceManagement/intents?$top=1"}]});
        let items = parse(Ver::Beta, BASE, Some(sdk)).unwrap();
        assert_eq!(
            (items[0].req.path.as_str(), items[0].req.query.as_str()),
            ("deviceManagement/intents", "$top=1")
        );
        for other in [
            "https://graph.example.com/beta/deviceManagement/intents",
            "http://127.0.0.1:9/v1.0/groups",
        ] {
            let body = json!({"requests":[{"id":"a","method":"GET","url": other}]});
            assert!(parse(Ver::Beta, BASE, Some(body)).is_err(), "{other}");
        }
    }

    #[test]
    fn numeric_ids_are_taken_as_their_text() {
        let numeric = json!({"requests":[
            {"id":1,"method":"GET","url":"/x"},
            {"id":2,"method":"GET","url":"/y","dependsOn":[1]}]});
        let items = parse(Ver::Beta, BASE, Some(numeric)).unwrap();
        assert_eq!(items[0].id, "1");
        assert_eq!(items[1].depends, vec!["1"]);
        for bad in [json!(1.5), json!(null), json!({"a": 1})] {
            let body = json!({"requests":[{"id": bad, "method":"GET","url":"/x"}]});
            assert!(parse(Ver::Beta, BASE, Some(body)).is_err());
        }
    }

    #[test]
    fn parse_rules() {
        let ok = json!({"requests":[
            {"id":"1","method":"GET","url":"/deviceManagement/deviceConfigurations?$top=5"},
            {"id":"2","method":"POST","url":"/x","dependsOn":["1"],"headers":{"content-type":"application/json"},"body":{}}]});
        let items = parse(Ver::Beta, BASE, Some(ok)).unwrap();
        assert_eq!(items[0].req.query, "$top=5");
        assert_eq!(items[1].depends, vec!["1"]);
        let dup = json!({"requests":[{"id":"a","method":"GET","url":"/x"},{"id":"A","method":"GET","url":"/y"}]});
        assert!(parse(Ver::Beta, BASE, Some(dup)).is_err());
        let no_ct = json!({"requests":[{"id":"a","method":"POST","url":"/x","body":{}}]});
        assert!(parse(Ver::Beta, BASE, Some(no_ct)).is_err());
        let many: Vec<Value> = (0..21)
            .map(|i| json!({"id": i.to_string(), "method":"GET","url":"/x"}))
            .collect();
        assert!(parse(Ver::Beta, BASE, Some(json!({"requests": many}))).is_err());
        let fwd = json!({"requests":[{"id":"a","method":"GET","url":"/x","dependsOn":["b"]},{"id":"b","method":"GET","url":"/y"}]});
        assert!(parse(Ver::Beta, BASE, Some(fwd)).is_err());
    }
}
