//! Runs started from `serve`: each kind queued by the API and worked to its end, one run for many
//! identical starts, an idempotency key's retry, request handlers that never reach Graph (a
//! `serve --no-work` only queues; another process works), read-only plans, a stale plan refused,
//! roles and tenants enforced on every new route, forms without the session's value refused.

use super::*;
use serde_json::Value;

fn post(s: &Server, path: &str, token: &str, body: &str, extra: &[(&str, &str)]) -> Answer {
    let mut headers = vec![
        ("authorization", format!("Bearer {token}")),
        ("content-type", "application/json".to_string()),
    ];
    headers.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    s.request_with(
        reqwest::Method::POST,
        path,
        &headers,
        Some(body.to_string()),
    )
}

fn json(a: &Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("{e}: {}", a.body))
}

/// The run's view once it is no longer queued or running.
fn finished(s: &Server, run: &str) -> Value {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let v = json(&s.get(
            &format!("/api/tenants/demo/runs/{run}"),
            Auth::Bearer(ADMIN),
        ));
        let status = v["status"].as_str().unwrap_or_default().to_string();
        if !["queued", "running"].contains(&status.as_str()) {
            return v;
        }
        assert!(
            std::time::Instant::now() < until,
            "run {run} still {status}: {}",
            s.output()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn start(s: &Server, token: &str, body: &str) -> String {
    let a = post(s, "/api/tenants/demo/runs", token, body, &[]);
    assert_eq!(a.status, 202, "{body}: {}", a.body);
    let v = json(&a);
    assert_eq!(
        v["url"],
        format!("/tenants/demo/runs/{}", v["run"].as_str().unwrap())
    );
    v["run"].as_str().unwrap().to_string()
}

fn ring_description(s: &Server) -> Value {
    let (tenant, client, secret) = demo_credentials();
    let c = client_for(&s.repo.emu, &tenant, &client, &secret);
    s.repo
        .emu
        .rt
        .block_on(c.get(&format!(
            "/beta/deviceManagement/deviceConfigurations/{RING_ID}"
        )))
        .unwrap()["description"]
        .clone()
}

#[test]
fn each_kind_is_queued_worked_and_followed_to_its_end() {
    let s = Repo::new().serve();
    // A backup: nothing changed since the last one.
    let run = start(&s, TRIGGER, r#"{"kind": "backup"}"#);
    let v = finished(&s, &run);
    assert_eq!(v["status"], "succeeded", "{v}");
    assert_eq!(v["requestedBy"], "ci");
    assert_eq!(v["runs"].as_array().unwrap().len(), 1, "its run log: {v}");
    // A capture of the ring by its path.
    let ring = s.repo.ring();
    let run = start(
        &s,
        TRIGGER,
        &format!(r#"{{"kind": "capture", "policy": "{ring}"}}"#),
    );
    let v = finished(&s, &run);
    assert_eq!(v["status"], "succeeded", "{v}");
    assert_eq!(v["spec"]["policy"], ring.as_str());

    // A preview of the version before the change: one update, nothing written.
    let writes = s.repo.emu.stats()["writes"].clone();
    let run = start(
        &s,
        TRIGGER,
        r#"{"kind": "plan", "from": "HEAD~1", "only": ["windowsUpdateRings/*"]}"#,
    );
    let plan = finished(&s, &run);
    assert_eq!(plan["status"], "succeeded", "{plan}");
    assert_eq!(plan["plan"]["toApply"], 1, "{plan}");
    assert_eq!(plan["planDetail"]["summary"]["update"], 1);
    assert_eq!(
        s.repo.emu.stats()["writes"],
        writes,
        "a plan writes nothing"
    );
    assert_eq!(ring_description(&s), CHANGED);

    // The page's form applies only the plan it showed.
    let page = s.get(&format!("/tenants/demo/runs/{run}"), Auth::Cookie(RESTORE));
    assert!(
        page.body.contains("Apply this plan (1 item(s) to demo)"),
        "{}",
        page.body
    );
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page.body[at..at + 64].to_string();
    let other = s.request(
        reqwest::Method::POST,
        &format!("/tenants/demo/runs/{run}/apply"),
        Auth::Cookie(RESTORE),
        Some(format!("csrf={csrf}&hash=sha256%3Aanother").into_bytes()),
    );
    assert_eq!(other.status, 409, "{}", other.body);
    assert_eq!(
        s.repo.emu.stats()["writes"],
        writes,
        "nothing queued, nothing written"
    );

    // Applying needs the restore role; with it the ring is back.
    let apply = format!("/api/tenants/demo/runs/{run}/apply");
    assert_eq!(post(&s, &apply, TRIGGER, "", &[]).status, 403);
    let a = post(&s, &apply, RESTORE, "", &[]);
    assert_eq!(a.status, 202, "{}", a.body);
    let applied = json(&a)["run"].as_str().unwrap().to_string();
    let v = finished(&s, &applied);
    assert_eq!(v["status"], "succeeded", "{v}");
    let applied_items: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["result"] == "applied")
        .collect();
    assert_eq!(applied_items.len(), 1, "{v}");
    assert_eq!(applied_items[0]["name"], "Update Ring – Pilot");
    assert!(
        !applied_items[0]["requestIds"]
            .as_array()
            .unwrap()
            .is_empty(),
        "Graph's request ids: {v}"
    );
    assert_ne!(ring_description(&s), CHANGED);
    // The same plan again: stale now (the tenant changed since), refused, nothing written.
    let writes = s.repo.emu.stats()["writes"].clone();
    let again = json(&post(&s, &apply, RESTORE, "", &[]));
    let v = finished(&s, again["run"].as_str().unwrap());
    assert_eq!(v["status"], "refused", "{v}");
    assert_eq!(s.repo.emu.stats()["writes"], writes);
    // The runs page lists what was started here.
    let page = s.get("/tenants/demo/runs", Auth::Bearer(READ));
    assert!(page.body.contains("Started here") && page.body.contains(&applied));

    // The audit trail: who applied which plan, in the committed run log and its commit too.
    let audit = json(&s.get(
        "/api/tenants/demo/audit?who=desk&kind=apply",
        Auth::Bearer(READ),
    ));
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 2, "the apply and the refused one: {audit}");
    assert!(
        entries
            .iter()
            .any(|e| e["run"] == applied.as_str() && e["outcome"] == "succeeded")
    );
    assert!(
        entries.iter().all(|e| e["plan"] == plan["plan"]["hash"]),
        "{audit}"
    );
    let log_id = v["runs"][0].as_str().unwrap();
    let committed = git(
        &s.repo.env.repo(),
        &["grep", "-l", "requestedBy: desk", "HEAD", "--", "runs"],
    );
    assert!(committed.contains(log_id), "{committed}");
    let message = git(
        &s.repo.env.repo(),
        &["log", "--format=%B", "--grep", "Atlas-Requested-By: desk"],
    );
    assert!(
        message.contains(&format!("Atlas-Run: {log_id}")),
        "{message}"
    );
    let page = s.get("/tenants/demo/audit?kind=backup", Auth::Bearer(READ));
    assert!(
        page.body.contains("Audit of demo") && page.body.contains(">ci<"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&applied), "filtered by kind");
    assert_eq!(
        s.get("/api/tenants/demo/audit?since=soon", Auth::Bearer(READ))
            .status,
        400
    );
    assert_eq!(
        s.get("/api/tenants/demo/audit", Auth::Bearer(OTHER)).status,
        403
    );

    // Each token's inbox: its own runs, and the drift of the tenants it reads.
    let inbox = |token: &str| json(&s.get("/api/inbox", Auth::Bearer(token)));
    let texts = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_string())
            .collect()
    };
    let desk = texts(&inbox(RESTORE));
    assert!(
        desk.iter()
            .any(|t| t.starts_with("apply of demo succeeded")),
        "{desk:?}"
    );
    assert!(desk.iter().any(|t| t.contains("drifted")), "{desk:?}");
    assert!(
        !desk.iter().any(|t| t.starts_with("backup of demo")),
        "ci's runs are ci's: {desk:?}"
    );
    let ci = inbox(TRIGGER);
    assert!(
        ci.as_array()
            .unwrap()
            .iter()
            .any(|m| m["link"] == format!("/tenants/demo/runs/{run}")),
        "{ci}"
    );
    assert!(
        inbox(OTHER).as_array().unwrap().is_empty(),
        "nothing of demo for fabrikam's token"
    );
    let page = s.get("/inbox", Auth::Cookie(RESTORE));
    assert!(
        page.body.contains("View run") && page.body.contains("Mark all read"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("name=\"id\" value=\"run:{applied}\"")),
        "the form names what the page shows: {}",
        page.body
    );
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page.body[at..at + 64].to_string();
    // Marking one read leaves the others unread.
    let one = s.request(
        reqwest::Method::POST,
        "/inbox/read",
        Auth::Cookie(RESTORE),
        Some(format!("csrf={csrf}&id=run%3A{applied}").into_bytes()),
    );
    assert_eq!(one.status, 303);
    let after = inbox(RESTORE);
    let read: Vec<bool> = after
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["read"] == true)
        .collect();
    assert_eq!(read.iter().filter(|r| **r).count(), 1, "{after}");
    let forged = s.request(
        reqwest::Method::POST,
        "/inbox/read",
        Auth::Cookie(RESTORE),
        Some(b"csrf=0000".to_vec()),
    );
    assert_eq!(forged.status, 403);
    let all = s.request(
        reqwest::Method::POST,
        "/inbox/read",
        Auth::Cookie(RESTORE),
        Some(format!("csrf={csrf}").into_bytes()),
    );
    assert_eq!(all.status, 303);
    assert!(
        inbox(RESTORE)
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["read"] == true)
    );
    assert!(
        inbox(TRIGGER)
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["read"] == false),
        "per token"
    );
}

#[test]
fn identical_starts_make_one_run_and_handlers_never_reach_graph() {
    // This server only queues; the runs wait for a process that works the tenant.
    let s = Repo::new().serve_with(&["--no-work"]);
    let graph = s.repo.emu.stats()["httpRequests"].clone();
    let answers: Vec<(u16, String)> = s.repo.emu.rt.block_on(async {
        let all = (0..20).map(|_| {
            s.http
                .post(format!("{}/api/tenants/demo/runs", s.url))
                .bearer_auth(TRIGGER)
                .body(r#"{"kind": "backup"}"#)
                .send()
        });
        let mut out = vec![];
        for r in futures::future::join_all(all).await {
            let r = r.unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap();
            out.push((status, v["run"].as_str().unwrap().to_string()));
        }
        out
    });
    let runs: std::collections::BTreeSet<&String> = answers.iter().map(|(_, r)| r).collect();
    assert_eq!(runs.len(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|(s, _)| *s == 202).count(), 1);
    assert_eq!(answers.iter().filter(|(s, _)| *s == 200).count(), 19);
    // A retried POST with the same key is the run it made; the key for another start is refused.
    let key = [("idempotency-key", "plan-7f3a")];
    let first = post(
        &s,
        "/api/tenants/demo/runs",
        TRIGGER,
        r#"{"kind": "plan"}"#,
        &key,
    );
    assert_eq!(first.status, 202);
    let retry = post(
        &s,
        "/api/tenants/demo/runs",
        TRIGGER,
        r#"{"kind": "plan"}"#,
        &key,
    );
    assert_eq!(retry.status, 200);
    assert_eq!(json(&retry)["run"], json(&first)["run"]);
    assert_eq!(json(&retry)["deduplicated"], true);
    let reused = post(
        &s,
        "/api/tenants/demo/runs",
        TRIGGER,
        r#"{"kind": "capture", "policy": "x"}"#,
        &key,
    );
    assert_eq!(
        reused.status, 400,
        "the policy is checked first: {}",
        reused.body
    );
    let ring = s.repo.ring();
    let reused = post(
        &s,
        "/api/tenants/demo/runs",
        TRIGGER,
        &format!(r#"{{"kind": "capture", "policy": "{ring}"}}"#),
        &key,
    );
    assert_eq!(reused.status, 422, "{}", reused.body);
    assert!(reused.body.contains(json(&first)["run"].as_str().unwrap()));
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        s.repo.emu.stats()["httpRequests"],
        graph,
        "no request of a handler reached Graph"
    );
    let queued = json(&s.get(
        &format!("/api/tenants/demo/runs/{}", answers[0].1),
        Auth::Bearer(READ),
    ));
    assert_eq!(queued["status"], "queued");

    // A queued run can be cancelled; the other is worked by the reconcile loop of the tenant.
    let cancel = s.repo.emu.rt.block_on(async {
        s.http
            .delete(format!(
                "{}/api/tenants/demo/runs/{}",
                s.url,
                json(&first)["run"].as_str().unwrap()
            ))
            .bearer_auth(TRIGGER)
            .send()
            .await
            .unwrap()
    });
    assert_eq!(cancel.status().as_u16(), 202);
    let mut worker = s
        .repo
        .env
        .cmd(&["reconcile", "--repo", "repo", "--tenant", "demo"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let v = finished(&s, &answers[0].1);
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(v["status"], "succeeded", "{v}");
    let cancelled = json(&s.get(
        &format!(
            "/api/tenants/demo/runs/{}",
            json(&first)["run"].as_str().unwrap()
        ),
        Auth::Bearer(READ),
    ));
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancelledBy"], "ci");
}

#[test]
fn roles_tenants_and_forged_forms_are_refused_on_every_new_route() {
    let s = Repo::new().serve_with(&["--no-work"]);
    let plan = start(&s, TRIGGER, r#"{"kind": "plan"}"#);
    let cases: Vec<(&str, &str, &str, u16)> = vec![
        // (token, path, body, status)
        (READ, "/api/tenants/demo/runs", r#"{"kind": "backup"}"#, 403),
        (
            OTHER,
            "/api/tenants/demo/runs",
            r#"{"kind": "backup"}"#,
            403,
        ),
        (
            TRIGGER,
            "/api/tenants/demo/runs",
            r#"{"kind": "plan", "toTenant": "fabrikam"}"#,
            403,
        ),
        (
            TRIGGER,
            "/api/tenants/fabrikam/runs",
            r#"{"kind": "backup"}"#,
            403,
        ),
        (
            TRIGGER,
            "/api/tenants/demo/runs",
            r#"{"kind": "delete-everything"}"#,
            400,
        ),
        (
            TRIGGER,
            "/api/tenants/demo/runs",
            r#"{"kind": "capture", "policy": "nope/x.yaml"}"#,
            400,
        ),
        (
            TRIGGER,
            "/api/tenants/demo/runs",
            r#"{"kind": "plan", "from": "no-such-rev"}"#,
            400,
        ),
        (
            TRIGGER,
            "/api/tenants/demo/runs",
            r#"{"kind": "plan", "types": ["bogus"]}"#,
            400,
        ),
        (
            TRIGGER,
            "/api/tenants/demo/runs",
            r#"{"kind": "backup", "extra": 1}"#,
            400,
        ),
        (TRIGGER, "/api/tenants/demo/runs", "not json", 400),
        (
            OTHER,
            &format!("/api/tenants/demo/runs/{plan}/apply"),
            "",
            403,
        ),
        (
            READ,
            &format!("/api/tenants/demo/runs/{plan}/apply"),
            "",
            403,
        ),
        (
            RESTORE,
            "/api/tenants/demo/runs/20260101T000000Z-nope/apply",
            "",
            404,
        ),
    ]
    .into_iter()
    .map(|(t, p, b, c)| (t, Box::leak(p.to_string().into_boxed_str()) as &str, b, c))
    .collect();
    for (token, path, body, status) in cases {
        let a = post(&s, path, token, body, &[]);
        assert_eq!(a.status, status, "{path} {body}: {}", a.body);
        assert_eq!(json(&a)["error"]["status"], status);
    }
    // The plan run is still queued: applying it is a conflict, not a start.
    let a = post(
        &s,
        &format!("/api/tenants/demo/runs/{plan}/apply"),
        RESTORE,
        "",
        &[],
    );
    assert_eq!(a.status, 409, "{}", a.body);
    // Another tenant's token reads no run of demo.
    assert_eq!(
        s.get(
            &format!("/api/tenants/demo/runs/{plan}"),
            Auth::Bearer(OTHER)
        )
        .status,
        403
    );
    assert_eq!(
        s.get(&format!("/tenants/demo/runs/{plan}"), Auth::Bearer(OTHER))
            .status,
        403
    );

    // A browser session must send its anti-forgery value, from the same site.
    let session = format!("atlas_session={}", s.session(TRIGGER));
    let forged = s.repo.emu.rt.block_on(async {
        s.http
            .post(format!("{}/api/tenants/demo/runs", s.url))
            .header("cookie", &session)
            .body(r#"{"kind": "backup"}"#)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(forged, 403);
    let form = s.repo.emu.rt.block_on(async {
        s.http
            .post(format!("{}/tenants/demo/runs", s.url))
            .header("cookie", &session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("kind=backup&csrf=0000")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(form, 403);
    // With the page's value the same form queues a run and leads to its page.
    let page = s.get("/tenants/demo", Auth::Cookie(TRIGGER));
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &page.body[at..at + 64];
    let (status, location) = s.repo.emu.rt.block_on(async {
        let r = s
            .http
            .post(format!("{}/tenants/demo/runs", s.url))
            .header("cookie", &session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("kind=backup&csrf={csrf}"))
            .send()
            .await
            .unwrap();
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap().to_string(),
        )
    });
    assert_eq!(status, 303);
    assert!(location.starts_with("/tenants/demo/runs/"), "{location}");
    let run_page = s.get(&location, Auth::Cookie(TRIGGER));
    assert!(run_page.body.contains("queued") && run_page.body.contains("http-equiv=\"refresh\""));
}
