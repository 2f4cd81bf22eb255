//! A process working an apply from the queue is killed half-way: the next process that works the
//! tenant takes the run up again and resumes it from its journal — nothing created twice.

use super::*;
use serde_json::Value;
use std::time::{Duration, Instant};

fn api(s: &Server, method: reqwest::Method, path: &str, token: &str, body: &str) -> Value {
    let a = s.request(
        method,
        path,
        Auth::Bearer(token),
        Some(body.as_bytes().to_vec()),
    );
    assert!(a.status < 300, "{path}: {} {}", a.status, a.body);
    serde_json::from_str(&a.body).unwrap()
}

fn run_of(s: &Server, run: &str) -> Value {
    serde_json::from_str(
        &s.get(
            &format!("/api/tenants/demo/runs/{run}"),
            Auth::Bearer(ADMIN),
        )
        .body,
    )
    .unwrap()
}

/// Waits until `done` holds for the run, or panics after a minute.
fn wait_for(s: &Server, run: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let v = run_of(s, run);
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < until, "{what}: {v}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A second `serve` on the repository that works its queue.
fn worker(s: &Server) -> std::process::Child {
    s.repo
        .env
        .cmd(&["serve", "--repo", "repo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_worker_killed_during_an_apply_is_resumed_without_duplicates() {
    let s = Repo::new().serve_with(&["--no-work"]);
    let (tenant, client, secret) = demo_credentials();
    let graph = client_for(&s.repo.emu, &tenant, &client, &secret);
    let rt = &s.repo.emu.rt;
    let path = "/beta/deviceManagement/deviceCategories";
    let categories = rt.block_on(graph.list(path)).unwrap();
    let names: std::collections::BTreeSet<String> = categories
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() >= 3);
    for c in &categories {
        let id = c["id"].as_str().unwrap();
        rt.block_on(graph.send(reqwest::Method::DELETE, &format!("{path}/{id}"), None))
            .unwrap();
    }

    let plan = api(
        &s,
        reqwest::Method::POST,
        "/api/tenants/demo/runs",
        TRIGGER,
        r#"{"kind": "plan", "types": ["deviceCategories"]}"#,
    );
    let plan = plan["run"].as_str().unwrap().to_string();
    let mut first = worker(&s);
    let p = wait_for(&s, &plan, "the plan", |v| v["status"] == "succeeded");
    assert_eq!(p["plan"]["toApply"], names.len(), "{p}");

    // Writes slow enough to stop the worker between two creates.
    let emu = s.repo.emu.handle.as_ref().unwrap();
    emu.set_write_latency(Duration::from_millis(400));
    let apply = api(
        &s,
        reqwest::Method::POST,
        &format!("/api/tenants/demo/runs/{plan}/apply"),
        RESTORE,
        "",
    );
    let apply = apply["run"].as_str().unwrap().to_string();
    let half = wait_for(&s, &apply, "the first create", |v| {
        v["progress"]["done"].as_u64().unwrap_or(0) >= 1
    });
    first.kill().unwrap();
    first.wait().unwrap();
    let done_before = half["progress"]["done"].as_u64().unwrap();
    assert!(done_before < names.len() as u64, "killed half-way: {half}");
    assert_eq!(
        run_of(&s, &apply)["status"],
        "running",
        "left running by the killed process"
    );

    emu.set_write_latency(Duration::ZERO);
    let mut second = worker(&s);
    let v = wait_for(&s, &apply, "the resumed apply", |v| {
        !["queued", "running"].contains(&v["status"].as_str().unwrap_or(""))
    });
    let _ = second.kill();
    let _ = second.wait();
    assert_eq!(v["status"], "succeeded", "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap_or("")
            .contains("taken up again")
            || v["items"].as_array().is_some(),
        "{v}"
    );
    // Every category once: none created twice.
    let after = rt.block_on(graph.list(path)).unwrap();
    let mut again: Vec<String> = after
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_string())
        .collect();
    again.sort();
    assert_eq!(
        again,
        names.into_iter().collect::<Vec<_>>(),
        "no duplicates"
    );
}
