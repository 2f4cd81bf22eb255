//! End-to-end tests of the protocol machinery: `$batch`, throttling windows, fault injection,
//! latency and the stats endpoint.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Env, boot};
use crate::emulator::*;

async fn batch(env: &Env, body: Value) -> (u16, Value) {
    env.call(Method::POST, "/beta/$batch", Some(body)).await
}

fn by_id(b: &Value, id: &str) -> Value {
    b["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn batch_rules_and_results() {
    let env = boot(EmulatorConfig {
        fault_seed: 9,
        ..Default::default()
    })
    .await;
    let reqs: Vec<Value> = (0..20).map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/deviceManagement/deviceConfigurations/dc-{i:02}")})).collect();
    let (s, b) = batch(&env, json!({"requests": reqs})).await;
    assert_eq!(s, 200);
    let order: Vec<&str> = b["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(order.len(), 20);
    let sorted: Vec<String> = (0..20).map(|i| i.to_string()).collect();
    assert_ne!(
        order,
        sorted.iter().map(String::as_str).collect::<Vec<_>>(),
        "responses shuffled"
    );
    assert_eq!(by_id(&b, "7")["body"]["id"], "dc-07");
    assert_eq!(by_id(&b, "7")["status"], 200);
    // Same seed and batch position → same order.
    let env2 = boot(EmulatorConfig {
        fault_seed: 9,
        ..Default::default()
    })
    .await;
    let reqs: Vec<Value> = (0..20).map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/deviceManagement/deviceConfigurations/dc-{i:02}")})).collect();
    let (_, b2) = batch(&env2, json!({"requests": reqs})).await;
    let order2: Vec<&str> = b2["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, order2);
    env2.h.shutdown().await;
    // Over 20, duplicate ids (case-insensitive), body without Content-Type → whole batch 400.
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/groups"}))
        .collect();
    assert_eq!(batch(&env, json!({"requests": many})).await.0, 400);
    let dup = json!({"requests": [{"id": "a", "method": "GET", "url": "/groups"}, {"id": "A", "method": "GET", "url": "/groups"}]});
    assert_eq!(batch(&env, dup).await.0, 400);
    let no_ct = json!({"requests": [{"id": "a", "method": "POST", "url": "/deviceManagement/roleScopeTags", "body": {"displayName": "x"}}]});
    assert_eq!(batch(&env, no_ct).await.0, 400);
    // Independent statuses, dependsOn → 424, writes inside a batch, v1.0 batch.
    let mixed = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/deviceManagement/deviceConfigurations/missing"},
        {"id": "2", "method": "PATCH", "url": "/deviceManagement/deviceConfigurations/dc-01", "dependsOn": ["1"], "headers": {"Content-Type": "application/json"}, "body": {"displayName": "never"}},
        {"id": "3", "method": "POST", "url": "/deviceManagement/roleScopeTags", "headers": {"Content-Type": "application/json"}, "body": {"displayName": "Batch tag"}},
        {"id": "4", "method": "GET", "url": "/deviceManagement/roleScopeTags?$filter=isBuiltIn eq false", "dependsOn": ["3"]}]});
    let (s, b) = batch(&env, mixed).await;
    assert_eq!(s, 200);
    assert_eq!(by_id(&b, "1")["status"], 404);
    assert_eq!(by_id(&b, "1")["body"]["error"]["code"], "ResourceNotFound");
    assert_eq!(by_id(&b, "2")["status"], 424);
    assert_eq!(by_id(&b, "3")["status"], 201);
    assert_eq!(by_id(&b, "4")["body"]["value"].as_array().unwrap().len(), 2);
    assert!(
        by_id(&b, "4")["body"]["@odata.context"]
            .as_str()
            .unwrap()
            .starts_with(&env.h.base_url())
    );
    assert_eq!(
        env.get("/beta/deviceManagement/deviceConfigurations/dc-01")
            .await
            .1["displayName"],
        "Config 01"
    );
    let (s, b) = env.call(Method::POST, "/v1.0/$batch", Some(json!({"requests": [{"id": "1", "method": "GET", "url": "/identity/conditionalAccess/policies"}]}))).await;
    assert_eq!((s, by_id(&b, "1")["status"].as_u64()), (200, Some(200)));
    let st = env.h.stats();
    assert_eq!(st["batches"], 6);
    assert!(st["requests"].as_u64().unwrap() >= 25);
    env.h.shutdown().await;
}

fn throttled_cfg() -> EmulatorConfig {
    // scale 0.0025 → tenant 5 any / 1 write(0.5 → 1), app 2 any / 1 write (floors, min 1).
    EmulatorConfig {
        throttle: Throttle::Intune {
            window: Duration::from_secs(1),
            scale: 0.0025,
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn throttling_sliding_windows() {
    let env = boot(throttled_cfg()).await;
    let path = "/beta/deviceManagement/roleScopeTags";
    assert_eq!(env.get(path).await.0, 200);
    assert_eq!(env.get(path).await.0, 200);
    let (s, b, h) = env.call_with(&env.token, Method::GET, path, None).await;
    assert_eq!(s, 429);
    assert_eq!(b["error"]["code"], "TooManyRequests");
    assert_eq!(h["retry-after"], "1");
    // Arriving before Retry-After passed counts as an early retry.
    assert_eq!(env.get(path).await.0, 429);
    let st = env.h.stats();
    assert_eq!(st["throttled"], 2);
    assert_eq!(st["earlyRetries"], 1);
    assert_eq!(st["maxInWindow"]["app"]["any"], 2);
    assert_eq!(st["limits"]["app"]["any"], 2);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(env.get(path).await.0, 200);
    assert_eq!(env.h.stats()["earlyRetries"], 1);
    // Writes have their own, smaller window.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let tag = json!({"displayName": "T"});
    assert_eq!(env.call(Method::POST, path, Some(tag.clone())).await.0, 201);
    assert_eq!(env.call(Method::POST, path, Some(tag)).await.0, 429);
    // Batch items are throttled one by one, with an inner Retry-After.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let reqs: Vec<Value> = (0..4).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/deviceManagement/roleScopeTags"})).collect();
    let (s, b) = env
        .call(
            Method::POST,
            "/beta/$batch",
            Some(json!({"requests": reqs})),
        )
        .await;
    assert_eq!(s, 200);
    let statuses: Vec<u64> = b["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        2,
        "{statuses:?}"
    );
    let inner = b["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == 429)
        .unwrap();
    assert_eq!(inner["headers"]["Retry-After"], "1");
    assert_eq!(env.h.stats()["maxInWindow"]["app"]["writes"], 1);
    env.h.shutdown().await;
}

#[tokio::test]
async fn faults_rotate_and_spare_writes_and_tokens() {
    let env = boot(EmulatorConfig {
        fault_rate: 1.0,
        fault_seed: 1,
        ..Default::default()
    })
    .await;
    let url = format!("{}/beta/deviceManagement/roleScopeTags", env.h.base_url());
    let send = || env.http.get(&url).bearer_auth(&env.token).send();
    assert_eq!(send().await.unwrap().status().as_u16(), 503);
    assert_eq!(send().await.unwrap().status().as_u16(), 504);
    let reset = match send().await {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(reset, "a connection reset is a transport error");
    // Writes and token requests are never faulted.
    assert_eq!(
        env.call(
            Method::POST,
            "/beta/deviceManagement/roleScopeTags",
            Some(json!({"displayName": "x"}))
        )
        .await
        .0,
        201
    );
    assert_eq!(
        env.token_req(
            super::fixture::TENANT,
            &[
                ("client_id", super::fixture::APP),
                ("client_secret", super::fixture::SECRET)
            ]
        )
        .await
        .0,
        200
    );
    // Inside a batch only 503/504.
    let reqs: Vec<Value> = (0..6)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/groups"}))
        .collect();
    let (s, b) = env
        .call(
            Method::POST,
            "/beta/$batch",
            Some(json!({"requests": reqs})),
        )
        .await;
    assert_eq!(s, 200);
    assert!(
        b["responses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 503 || r["status"] == 504)
    );
    let st = env.h.stats();
    assert_eq!(st["faults"], 9);
    assert_eq!(st["byStatus"]["0"], 1);
    env.h.shutdown().await;
}

#[tokio::test]
async fn partial_fault_rate_is_deterministic() {
    let run = || async {
        let env = boot(EmulatorConfig {
            fault_rate: 0.3,
            fault_seed: 77,
            ..Default::default()
        })
        .await;
        let mut out = Vec::new();
        for _ in 0..30 {
            let r = env
                .http
                .get(format!("{}/v1.0/groups", env.h.base_url()))
                .bearer_auth(&env.token)
                .send()
                .await;
            out.push(match r {
                Ok(r) => match r.bytes().await {
                    Ok(_) => 1,
                    Err(_) => 0,
                },
                Err(_) => 0,
            });
        }
        let faults = env.h.stats()["faults"].as_u64().unwrap();
        env.h.shutdown().await;
        (out, faults)
    };
    let (a, fa) = run().await;
    let (b, fb) = run().await;
    assert_eq!(fa, fb);
    assert!(fa > 0 && fa < 30);
    assert_eq!(
        a.iter().filter(|x| **x == 0).count(),
        b.iter().filter(|x| **x == 0).count()
    );
}

#[tokio::test]
async fn latency_and_stats_and_reset() {
    let env = boot(EmulatorConfig {
        latency: Duration::from_millis(150),
        ..Default::default()
    })
    .await;
    let t = Instant::now();
    assert_eq!(env.get("/v1.0/groups").await.0, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    let r: Value = env
        .http
        .get(format!("{}/_emulator/stats", env.h.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["requests"], 1);
    assert_eq!(r["tokenRequests"], 1);
    assert_eq!(r["httpRequests"], 2);
    assert_eq!(r["byStatus"]["200"], 1);
    assert_eq!(r["byMethod"]["GET"], 1);
    assert_eq!(r["limits"], Value::Null);
    let entry = &r["log"][0];
    assert_eq!(entry["path"], "/v1.0/groups");
    assert_eq!(entry["clientRequestId"], "test-crid");
    assert!(entry["requestId"].is_string() && entry["seq"] == 1 && entry["status"] == 200);
    assert_eq!(r, env.h.stats());
    let s = env
        .http
        .post(format!("{}/_emulator/reset", env.h.base_url()))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s.as_u16(), 200);
    let st = env.h.stats();
    assert_eq!(st["requests"], 0);
    assert_eq!(st["log"], json!([]));
    env.h.shutdown().await;
}

#[tokio::test]
async fn numeric_batch_ids_are_answered_as_strings() {
    let env = boot(EmulatorConfig::default()).await;
    let reqs = json!({"requests": [
        {"id": 1, "method": "GET", "url": "/deviceManagement/deviceConfigurations/dc-01"},
        {"id": 2, "method": "GET", "url": "/deviceManagement/deviceConfigurations/dc-02", "dependsOn": [1]},
    ]});
    let (s, b) = batch(&env, reqs).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(by_id(&b, "1")["body"]["id"], "dc-01", "{b}");
    assert_eq!(by_id(&b, "2")["status"], 200, "{b}");
}

/// `listReads` counts reads of a collection from its first page: every page after it, a GET by
/// id and a navigation of one object are not another read of the collection; a list inside
/// `$batch` is one.
#[tokio::test]
async fn list_reads_count_first_pages_only() {
    let env = boot(EmulatorConfig {
        page_size: Some(1),
        ..Default::default()
    })
    .await;
    const DC: &str = "/beta/deviceManagement/deviceConfigurations";
    let reads = |env: &Env| env.h.stats()["listReads"][DC].as_u64().unwrap_or(0);
    let (items, pages) = env.get_all(DC).await;
    assert!(pages > 1, "{pages} pages");
    assert_eq!(reads(&env), 1);
    let id = items[0]["id"].as_str().unwrap();
    assert_eq!(env.get(&format!("{DC}/{id}")).await.0, 200);
    assert_eq!(env.get(&format!("{DC}/{id}/assignments")).await.0, 200);
    assert_eq!(reads(&env), 1);
    let (s, b) = batch(
        &env,
        json!({"requests": [{"id": "1", "method": "GET", "url": "/deviceManagement/deviceConfigurations"}]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(reads(&env), 2);
    let stats = env.h.stats();
    let paths: Vec<&String> = stats["listReads"].as_object().unwrap().keys().collect();
    assert!(
        paths.iter().all(|p| !p.contains('?')),
        "counted by path: {paths:?}"
    );
}
