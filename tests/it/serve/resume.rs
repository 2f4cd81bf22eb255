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
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The address a worker `serve` listens on (its first line).
fn address_of(worker: &mut std::process::Child) -> String {
    let mut first = String::new();
    BufReader::new(worker.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string()
}

/// The device categories deleted live, a plan restoring them, and its apply killed after its
/// first create: the server, the categories' names and the apply run.
fn killed_half_way() -> (Server, std::collections::BTreeSet<String>, String) {
    let (s, names, apply, mut first) = half_way();
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(
        run_of(&s, &apply)["status"],
        "running",
        "left running by the killed process"
    );
    s.repo
        .emu
        .handle
        .as_ref()
        .unwrap()
        .set_write_latency(Duration::ZERO);
    (s, names, apply)
}

/// The device categories deleted live, a plan restoring them, and its apply worked by another
/// `serve` with slow writes, after its first create: the server, the categories' names, the
/// apply run and the worker.
fn half_way() -> (
    Server,
    std::collections::BTreeSet<String>,
    String,
    std::process::Child,
) {
    let s = Repo::new().serve_with(&["--no-work"]);
    let (tenant, client, secret) = demo_credentials();
    let graph = client_for(&s.repo.emu, &tenant, &client, &secret);
    let rt = &s.repo.emu.rt;
    let path = "/beta/deviceManagement/deviceCategories";
    let live = rt.block_on(graph.list(path)).unwrap();
    let names: std::collections::BTreeSet<String> = live
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() >= 3);
    for c in &live {
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
    let first = worker(&s);
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
    let done_before = half["progress"]["done"].as_u64().unwrap();
    assert!(done_before < names.len() as u64, "half-way: {half}");
    (s, names, apply, first)
}

/// The device categories' names in the tenant now, sorted.
fn categories(s: &Server) -> Vec<String> {
    let (tenant, client, secret) = demo_credentials();
    let graph = client_for(&s.repo.emu, &tenant, &client, &secret);
    let all = s
        .repo
        .emu
        .rt
        .block_on(graph.list("/beta/deviceManagement/deviceCategories"))
        .unwrap();
    let mut names: Vec<String> = all
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Starts a worker and waits for the run to end.
fn resumed(s: &Server, apply: &str) -> Value {
    let mut second = worker(s);
    let v = wait_for(s, apply, "the resumed apply", |v| {
        !["queued", "running"].contains(&v["status"].as_str().unwrap_or(""))
    });
    let _ = second.kill();
    let _ = second.wait();
    v
}

#[test]
fn a_worker_killed_during_an_apply_is_resumed_without_duplicates() {
    let (s, names, apply) = killed_half_way();
    let v = resumed(&s, &apply);
    assert_eq!(v["status"], "succeeded", "{v}");
    let applied = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["result"] == "applied")
        .count();
    assert_eq!(applied, names.len(), "each item applied: {v}");
    // Every category once: none created twice.
    assert_eq!(
        categories(&s),
        names.into_iter().collect::<Vec<_>>(),
        "no duplicates"
    );
}

#[test]
fn a_killed_apply_whose_tenant_changed_since_is_refused_with_the_reason() {
    let (s, names, apply) = killed_half_way();
    // Someone makes the categories still missing by hand meanwhile: the objects the plan would
    // create exist now, so the plan no longer matches the tenant.
    let (tenant, client, secret) = demo_credentials();
    let graph = client_for(&s.repo.emu, &tenant, &client, &secret);
    let there = categories(&s);
    for name in names.iter().filter(|n| !there.contains(n)) {
        let body = serde_json::json!({"displayName": name, "description": "made by hand"});
        s.repo
            .emu
            .rt
            .block_on(graph.send(
                reqwest::Method::POST,
                "/beta/deviceManagement/deviceCategories",
                Some(&body),
            ))
            .unwrap();
    }
    let before = categories(&s);
    let v = resumed(&s, &apply);
    assert_eq!(v["status"], "refused", "{v}");
    let reason = v["message"].as_str().unwrap_or("");
    assert!(reason.contains("changed"), "the reason: {v}");
    assert_eq!(categories(&s), before, "nothing more written");
    assert_eq!(before.len(), names.len(), "none twice: {before:?}");
}

#[test]
fn a_running_apply_is_stopped_between_two_requests_by_the_process_working_it() {
    let (s, names, apply, mut w) = half_way();
    let url = address_of(&mut w);
    let stop = s.repo.emu.rt.block_on(async {
        s.http
            .delete(format!("{url}/api/tenants/demo/runs/{apply}"))
            .bearer_auth(TRIGGER)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(stop, 202);
    // The server that does not work it says so.
    let elsewhere = s.request(
        reqwest::Method::DELETE,
        &format!("/api/tenants/demo/runs/{apply}"),
        Auth::Bearer(TRIGGER),
        None,
    );
    assert_eq!(elsewhere.status, 409, "{}", elsewhere.body);
    let v = wait_for(&s, &apply, "the stopped apply", |v| {
        !["queued", "running"].contains(&v["status"].as_str().unwrap_or(""))
    });
    let _ = w.kill();
    let _ = w.wait();
    assert_eq!(v["status"], "partial", "stopped half-way: {v}");
    assert_eq!(v["cancelledBy"], "ci", "who stopped it is kept: {v}");
    assert!(
        categories(&s).len() < names.len(),
        "not every create was sent: {:?}",
        categories(&s)
    );
}

#[test]
fn an_apply_stopped_by_its_servers_shutdown_is_queued_again_and_finished_by_the_next() {
    let (s, names, apply, mut w) = half_way();
    // SIGTERM: the server stops its workers between two requests and exits.
    let pid = w.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(w.wait().unwrap().success(), "a clean stop");
    let v = run_of(&s, &apply);
    assert_eq!(v["status"], "queued", "back in the queue: {v}");
    s.repo
        .emu
        .handle
        .as_ref()
        .unwrap()
        .set_write_latency(Duration::ZERO);
    let v = resumed(&s, &apply);
    assert_eq!(v["status"], "succeeded", "{v}");
    assert_eq!(
        categories(&s),
        names.into_iter().collect::<Vec<_>>(),
        "no duplicates"
    );
}
