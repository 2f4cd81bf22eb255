//! End-to-end tests of what restore tests lean on: the dropped-create fault, the write counters,
//! clearing a tenant and the reference-only copy of a tenant.

use reqwest::Method;
use serde_json::{Value, json};

use super::tests_fixture::{Env, boot};
use super::*;

const TAGS: &str = "/beta/deviceManagement/roleScopeTags";

/// A request whose response never arrives: the transport fails.
async fn is_dropped(env: &Env, m: Method, path: &str, body: Value) -> bool {
    let r = env
        .http
        .request(m, format!("{}{path}", env.h.base_url()))
        .bearer_auth(&env.token)
        .json(&body)
        .send()
        .await;
    match r {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    }
}

async fn names(env: &Env, path: &str) -> Vec<String> {
    let (items, _) = env.get_all(path).await;
    items
        .iter()
        .filter_map(|o| o["displayName"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn dropped_create_commits_the_object_and_counts() {
    let env = boot(EmulatorConfig {
        drop_create_rate: 1.0,
        fault_seed: 9,
        ..Default::default()
    })
    .await;
    assert!(
        is_dropped(
            &env,
            Method::POST,
            TAGS,
            json!({"displayName": "Lost answer"})
        )
        .await
    );
    assert!(names(&env, TAGS).await.contains(&"Lost answer".to_string()));
    // Failed creates, PATCH and DELETE are answered normally.
    assert_eq!(
        env.call(
            Method::POST,
            TAGS,
            Some(json!({"@odata.type": "#microsoft.graph.group"}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        env.call(
            Method::PATCH,
            &format!("{TAGS}/1"),
            Some(json!({"description": "d"}))
        )
        .await
        .0,
        200
    );
    // Inside a batch every item runs, then the whole response is dropped.
    let batch = json!({"requests": [
        {"id": "1", "method": "POST", "url": "/deviceManagement/roleScopeTags", "headers": {"Content-Type": "application/json"}, "body": {"displayName": "In batch"}},
        {"id": "2", "method": "DELETE", "url": "/deviceManagement/roleScopeTags/1"}]});
    assert!(is_dropped(&env, Method::POST, "/beta/$batch", batch).await);
    let now = names(&env, TAGS).await;
    assert!(now.contains(&"In batch".to_string()) && !now.contains(&"Berlin".to_string()));
    let st = env.h.stats();
    assert_eq!(st["droppedCreates"], 2);
    // POST ×3 (two creates, one refused), PATCH, DELETE in the batch; no envelope, no token.
    assert_eq!(
        st["writes"],
        json!({"POST": 3, "PATCH": 1, "PUT": 0, "DELETE": 1})
    );
    assert_eq!(st["faults"], 0, "read faults are a separate knob");
    env.h.shutdown().await;
}

#[tokio::test]
async fn drop_rate_is_deterministic_by_seed() {
    let run = |seed| async move {
        let env = boot(EmulatorConfig {
            drop_create_rate: 0.5,
            fault_seed: seed,
            ..Default::default()
        })
        .await;
        let mut pattern = Vec::new();
        for i in 0..16 {
            pattern.push(
                is_dropped(
                    &env,
                    Method::POST,
                    TAGS,
                    json!({"displayName": format!("t{i}")}),
                )
                .await,
            );
        }
        assert_eq!(
            names(&env, TAGS).await.len(),
            2 + 16,
            "every create committed"
        );
        assert_eq!(
            env.h.stats()["droppedCreates"],
            pattern.iter().filter(|d| **d).count() as u64
        );
        env.h.shutdown().await;
        pattern
    };
    let a = run(1).await;
    assert_eq!(a, run(1).await);
    assert!(a.contains(&true) && a.contains(&false), "{a:?}");
}
