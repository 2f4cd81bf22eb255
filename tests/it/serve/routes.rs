//! Every page and API route: 200 with the right token, 401 without or with a wrong one, 403 for a
//! token of another tenant (with no data of the tenant in the answer); and what the pages show.

use super::*;
use serde_json::Value;

/// Strings only the demo tenant's data contains.
fn demo_data() -> Vec<String> {
    let (tenant_id, _, _) = demo_credentials();
    vec![
        tenant_id,
        "Update Ring".into(),
        CHANGED.into(),
        "20260115T093000Z-test0".into(),
        "windowsUpdateRings".into(),
    ]
}

#[test]
fn every_route_answers_by_token_and_tenant_scope() {
    let s = Repo::new().serve();
    let tenant_wide = ["/", "/api/tenants", "/metrics"];
    for route in routes(&s) {
        let ok = s.get(&route, Auth::Bearer(READ));
        assert_eq!(
            ok.status, 200,
            "{route} with the tenant's token: {}",
            ok.body
        );
        let cookie = s.get(&route, Auth::Cookie(READ));
        assert_eq!(cookie.status, 200, "{route} with the login cookie");

        for (what, auth) in [
            ("no token", Auth::None),
            (
                "a wrong token",
                Auth::Bearer("atl_wrong_0000000000000000000000"),
            ),
            (
                "a wrong cookie",
                Auth::Cookie("atl_wrong_0000000000000000000000"),
            ),
        ] {
            let a = s.get(&route, auth);
            assert_eq!(a.status, 401, "{route} with {what}");
            assert_eq!(
                a.headers
                    .get("www-authenticate")
                    .map(|v| v.to_str().unwrap()),
                Some("Bearer"),
                "{route}"
            );
            if route.starts_with("/api/") {
                let v: Value = serde_json::from_str(&a.body).unwrap();
                assert_eq!(v["error"]["status"], 401, "{route}");
            } else if route != "/metrics" {
                assert!(
                    a.body.contains("action=\"/login\""),
                    "{route}: the login form"
                );
            }
            for d in demo_data() {
                assert!(!a.body.contains(&d), "{route} with {what} shows {d}");
            }
        }

        let other = s.get(&route, Auth::Bearer(OTHER));
        let path = route.split('?').next().unwrap();
        if tenant_wide.contains(&path) {
            assert_eq!(other.status, 200, "{route} lists only allowed tenants");
        } else {
            assert_eq!(
                other.status, 403,
                "{route} for another tenant's token: {}",
                other.body
            );
        }
        for d in demo_data() {
            assert!(
                !other.body.contains(&d),
                "{route} shows {d} to another tenant's token"
            );
        }
        assert!(!other.body.contains("\"demo\""), "{route}");
    }
    // An unknown tenant: 404 for a token that may read every tenant, 403 for any other.
    for route in [
        "/tenants/nosuch",
        "/api/tenants/nosuch/runs",
        "/tenants/nosuch/drift",
    ] {
        assert_eq!(s.get(route, Auth::Bearer(ADMIN)).status, 404, "{route}");
        assert_eq!(s.get(route, Auth::Bearer(READ)).status, 403, "{route}");
    }
    assert_eq!(
        s.get("/api/tenants/demo/runs/nosuch-run", Auth::Bearer(READ))
            .status,
        404
    );
    assert_eq!(s.get("/no/such/page", Auth::Bearer(READ)).status, 404);
    // /healthz needs no token.
    let h = s.get("/healthz", Auth::None);
    assert_eq!((h.status, h.body.trim()), (200, "ok"));
    // Security headers on pages and errors alike.
    for a in [s.get("/", Auth::Bearer(READ)), s.get("/", Auth::None)] {
        let h = |k: &str| a.headers.get(k).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            h("content-security-policy")
                .as_deref()
                .map(|c| c
                    .starts_with("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")),
            Some(true)
        );
        assert_eq!(h("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(h("x-frame-options").as_deref(), Some("DENY"));
        assert!(h("referrer-policy").is_some());
    }
}

#[test]
fn pages_and_api_show_tenants_policies_history_diffs_runs_and_drift() {
    let s = Repo::new().serve();
    let ring = s.repo.ring();
    let json = |path: &str| -> Value {
        let a = s.get(path, Auth::Bearer(READ));
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        serde_json::from_str(&a.body).unwrap()
    };
    let html = |path: &str| -> String {
        let a = s.get(path, Auth::Bearer(READ));
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        assert!(!a.body.contains("<script"), "{path}: no JavaScript");
        a.body
    };

    let tenants = json("/api/tenants");
    let t = &tenants["tenants"][0];
    assert_eq!(tenants["tenants"].as_array().unwrap().len(), 1);
    assert_eq!(t["name"], "demo");
    assert_eq!(t["objects"], crate::common::demo_objects());
    assert_eq!(t["types"]["windowsUpdateRings"], 3);
    assert_eq!(t["drift"]["state"], "drifted");
    assert_eq!(t["drift"]["objects"], 1);
    assert_eq!(t["lastRun"]["runId"], "20260115T093000Z-test02");
    assert_eq!(t["lastRun"]["kind"], "backup");
    assert_eq!(t["lastBackup"]["runId"], "20260115T093000Z-test02");
    assert_eq!(
        t["lastBackup"]["commit"].as_str().unwrap(),
        git(&s.repo.env.repo(), &["rev-parse", "HEAD"]).trim()
    );
    let overview = html("/");
    let objects = format!(">{}", crate::common::demo_objects());
    for want in ["href=\"/tenants/demo\"", "1 drifted", &objects, "success"] {
        assert!(overview.contains(want), "overview shows {want}: {overview}");
    }

    let detail = json("/api/tenants/demo");
    let rings = detail["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "windowsUpdateRings")
        .unwrap();
    assert_eq!(rings["title"], "Windows Update rings");
    assert_eq!(rings["count"], 3);
    assert!(
        rings["objects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "Update Ring – Pilot")
    );
    let page = html("/tenants/demo");
    assert!(page.contains("Update Ring – Pilot"), "{page}");
    assert!(page.contains(&format!("/tenants/demo/policies/{ring}")));

    let p = format!("/tenants/demo/policies/{ring}");
    let v = json(&format!("/api{p}"));
    assert_eq!(v["view"]["name"], "Update Ring – Pilot");
    assert!(
        v["view"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["value"] == CHANGED)
    );
    let old = json(&format!("/api{p}?rev=HEAD~1"));
    assert!(
        !old["view"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["value"] == CHANGED)
    );
    let page = html(&p);
    assert!(page.contains(CHANGED), "the current version");
    assert!(
        page.contains("20260115T093000Z-test01") && page.contains("20260115T093000Z-test02"),
        "history with run ids"
    );
    assert!(
        page.contains("<form class=\"compare\" method=\"get\""),
        "a GET form chooses versions"
    );

    let h = json(&format!("/api{p}/history"));
    let entries = h["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{h:#}");
    assert_eq!(entries[0]["commit"]["runId"], "20260115T093000Z-test02");
    assert_eq!(entries[0]["change"], "modified");
    assert_eq!(entries[1]["change"], "added");
    assert_eq!(entries[0]["commit"]["author"], "tenant-atlas");

    let d = json(&format!("/api{p}/diff?from=HEAD~1&to=HEAD"));
    let objs = d["report"]["objects"].as_array().unwrap();
    assert_eq!(objs.len(), 1, "{d:#}");
    let f = objs[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == "description")
        .unwrap();
    assert_eq!(f["new"], CHANGED);
    let page = html(&format!(
        "{p}/diff?from={}&to={}",
        entries[1]["commit"]["id"].as_str().unwrap(),
        entries[0]["commit"]["id"].as_str().unwrap()
    ));
    assert!(
        page.contains("description") && page.contains(CHANGED),
        "{page}"
    );

    let runs = json("/api/tenants/demo/runs");
    assert_eq!(runs["total"], 2);
    assert_eq!(runs["runs"][0]["runId"], "20260115T093000Z-test02");
    assert_eq!(runs["runs"][1]["runId"], "20260115T093000Z-test01");
    assert_eq!(
        json("/api/tenants/demo/runs?page=2")["runs"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.get("/api/tenants/demo/runs?page=0", Auth::Bearer(READ))
            .status,
        400
    );
    let page = html("/tenants/demo/runs");
    assert!(page.contains("/tenants/demo/runs/20260115T093000Z-test01"));

    let run = json("/api/tenants/demo/runs/20260115T093000Z-test02");
    assert_eq!(run["log"]["types"]["windowsUpdateRings"]["changed"], 1);
    assert_eq!(run["summary"]["outcome"], "success");
    let page = html("/tenants/demo/runs/20260115T093000Z-test02");
    for want in [
        "<h2>Types</h2>",
        "<h2>Graph</h2>",
        "windowsUpdateRings",
        "graphRequests",
    ] {
        assert!(page.contains(want), "run page shows {want}");
    }

    let drift = json("/api/tenants/demo/drift");
    assert_eq!(drift["drift"]["objects"][0]["name"], "Update Ring – Pilot");
    assert_eq!(drift["lastRound"]["result"], "drift");
    let page = html("/tenants/demo/drift");
    assert!(
        page.contains(&format!("href=\"/tenants/demo/policies/{ring}\"")),
        "drift links to the policy: {page}"
    );
}

/// Commit ids and dates are replaced so the snapshots say what the pages show.
fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"[0-9a-f]{40}", "[commit]"),
        (r"\b[0-9a-f]{10}\b", "[short]"),
        (r"127\.0\.0\.1:\d+", "[addr]"),
    ]
}

#[test]
fn snapshots_of_a_policy_page_and_the_overview() {
    let s = Repo::new().serve();
    let page = s.get(
        &format!("/tenants/demo/policies/{}", s.repo.ring()),
        Auth::Bearer(READ),
    );
    assert_eq!(page.status, 200);
    let body = page
        .body
        .split("<main>")
        .nth(1)
        .unwrap()
        .replace("><", ">\n<");
    let tenants = s.get("/api/tenants", Auth::Bearer(READ));
    let v: Value = serde_json::from_str(&tenants.body).unwrap();
    insta::with_settings!({filters => filters()}, {
        insta::assert_snapshot!("serve-policy-page", body);
        insta::assert_snapshot!("serve-overview-json", serde_json::to_string_pretty(&v).unwrap());
    });
}

#[test]
fn run_pages_show_apply_items_and_reconcile_rounds_written_while_serving() {
    let s = Repo::new().serve();
    // The index is built before the logs exist.
    assert_eq!(
        s.get("/api/tenants/demo/runs", Auth::Bearer(READ)).status,
        200
    );
    let ring = format!("tenants/demo/{}", s.repo.ring());
    let dir = s.repo.env.repo().join(".git/atlas/runs/demo");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("20260115T100000Z-apply1.yaml"),
        "runId: 20260115T100000Z-apply1\nkind: apply\ntoolVersion: 0.1.0\ntenant: demo\nstarted: 2026-01-15T10:00:00Z\nfinished: 2026-01-15T10:00:04Z\noutcome: partial\nitems:\n- index: 0\n  kind: windowsUpdateRings\n  name: Update Ring – Pilot\n  action: update\n  result: failed\n  message: Graph refused the update\n  requests:\n  - method: PATCH\n    path: beta/deviceManagement/deviceConfigurations/x\n    purpose: update\n    status: 400\n    requestId: req-4711\n    retries: 0\n    durationMs: 12\ngraph:\n  graphRequests: 3\n  throttled: 1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("20260115T110000Z-round1.yaml"),
        format!("runId: 20260115T110000Z-round1\nkind: reconcile\ntenant: demo\nstarted: 2026-01-15T11:00:00Z\nfinished: 2026-01-15T11:00:01Z\noutcome: refused\nmessage: inside the deny window sat 00:00-24:00\ndrift:\n  objects:\n  - change: changed\n    kind: windowsUpdateRings\n    name: Update Ring – Pilot\n    path: {ring}\nruns:\n- 20260115T093000Z-test02\n"),
    )
    .unwrap();
    let runs = s.get("/api/tenants/demo/runs", Auth::Bearer(READ));
    let v: Value = serde_json::from_str(&runs.body).unwrap();
    assert_eq!(v["total"], 4, "{v:#}");
    assert_eq!(v["runs"][0]["runId"], "20260115T110000Z-round1");
    assert_eq!(v["runs"][1]["kind"], "apply");
    assert_eq!(v["runs"][1]["source"]["in"], "private");

    let apply = s.get(
        "/tenants/demo/runs/20260115T100000Z-apply1",
        Auth::Bearer(READ),
    );
    assert_eq!(apply.status, 200);
    for want in [
        "<h2>Items</h2>",
        "Graph refused the update",
        "req-4711",
        "400",
        "partial",
    ] {
        assert!(apply.body.contains(want), "apply run page shows {want}");
    }
    let round = s.get(
        "/tenants/demo/runs/20260115T110000Z-round1",
        Auth::Bearer(READ),
    );
    assert_eq!(round.status, 200);
    for want in [
        "inside the deny window".to_string(),
        format!(
            "href=\"/{}\"",
            ring.replacen("tenants/demo/", "tenants/demo/policies/", 1)
        ),
        "href=\"/tenants/demo/runs/20260115T093000Z-test02\"".to_string(),
    ] {
        assert!(
            round.body.contains(&want),
            "round page shows {want}: {}",
            round.body
        );
    }
    let drift: Value =
        serde_json::from_str(&s.get("/api/tenants/demo/drift", Auth::Bearer(READ)).body).unwrap();
    assert_eq!(
        drift["lastReconcileRun"]["runId"],
        "20260115T110000Z-round1"
    );
    let m = s.get("/metrics", Auth::Bearer(READ)).body;
    assert!(
        m.contains("atlas_runs_total{tenant=\"demo\",kind=\"apply\",outcome=\"partial\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("atlas_graph_throttled_total{tenant=\"demo\"} 1"),
        "{m}"
    );
}

/// The tenant page and its API answer name the certificates and tokens about to expire, with a
/// link to each one's policy page.
#[test]
fn the_tenant_page_warns_of_tokens_about_to_expire() {
    let mut repo = Repo::new();
    repo.env
        .extra_env
        .push(("ATLAS_NOW".into(), "2026-12-02T09:30:00Z".into()));
    let s = repo.serve();
    let page = s.get("/tenants/demo", Auth::Bearer(READ));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Certificates and tokens"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("expires on 2026-12-12, in 10 days"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("href=\"/tenants/demo/policies/vppTokens/zurich-apple-vpp--3f9a1c52.yaml\""),
        "{}",
        page.body
    );
    let api = s.get("/api/tenants/demo", Auth::Bearer(READ));
    let v: Value = serde_json::from_str(&api.body).unwrap();
    let days: Vec<i64> = v["health"]
        .as_array()
        .expect("health in the API answer")
        .iter()
        .map(|e| e["daysLeft"].as_i64().unwrap())
        .collect();
    assert_eq!(days, [7, 10, 12], "{v:#}");
}

/// The inventory page and its JSON twin list what `list` lists, filtered the same way; a group's
/// page shows what it gets and what excludes it, each object linked to its page.
#[test]
fn the_inventory_and_a_groups_page_show_what_list_shows() {
    let s = Repo::new().serve();
    let api = s.get(
        "/api/tenants/demo/inventory?platform=macOS",
        Auth::Bearer(READ),
    );
    assert_eq!(api.status, 200, "{}", api.body);
    let v: Value = serde_json::from_str(&api.body).unwrap();
    let (code, cli, stderr) = out(&s.repo.env.run(&[
        "--repo",
        "repo",
        "list",
        "--tenant",
        "demo",
        "--platform",
        "macOS",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let cli: Value = serde_json::from_str(&cli).unwrap();
    assert_eq!(
        v["objects"], cli["objects"],
        "the page's twin is the command's answer"
    );
    assert!(!v["objects"].as_array().unwrap().is_empty());

    let page = s.get(
        "/tenants/demo/inventory?type=apps&sort=name",
        Auth::Bearer(READ),
    );
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("7-Zip 24.09 (x64)") && !page.body.contains("Update Ring"),
        "apps only"
    );
    assert!(
        page.body.contains(&format!("/tenants/demo/groups/{KIOSK}")),
        "groups link to their page"
    );
    let bad = s.get("/api/tenants/demo/inventory?type=nope", Auth::Bearer(READ));
    assert_eq!(bad.status, 400, "{}", bad.body);
    let bad = s.get("/api/tenants/demo/inventory?rev=nope", Auth::Bearer(READ));
    assert_eq!(
        bad.status, 400,
        "a revision that names nothing: {}",
        bad.body
    );

    let group = s.get(&format!("/tenants/demo/groups/{KIOSK}"), Auth::Bearer(READ));
    assert_eq!(group.status, 200);
    assert!(
        group.body.contains("What Kiosk Devices gets"),
        "{}",
        group.body
    );
    assert!(group.body.contains("Lockdown"), "{}", group.body);
    // Company Portal excludes the group: shown as an exclusion, counted.
    assert!(group.body.contains("Company Portal"), "{}", group.body);
    assert!(group.body.contains("required: exclude"), "{}", group.body);
    assert!(!group.body.contains("excluded from 0"), "{}", group.body);
    let tenant = s.get("/tenants/demo", Auth::Bearer(READ));
    assert!(tenant.body.contains("/tenants/demo/inventory"));
}

/// A tenant's backup sets show on its page and in its JSON, each with a link to the inventory at
/// that version.
#[test]
fn backup_sets_show_on_the_tenant_page_with_the_inventory_then() {
    let s = Repo::new().serve();
    let (code, _, stderr) = out(&s.repo.env.run(&[
        "--repo",
        "repo",
        "tag",
        "audit-2026",
        "HEAD~1",
        "--tenant",
        "demo",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let api = s.get("/api/tenants/demo", Auth::Bearer(READ));
    let v: Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["backupSets"][0]["tag"], "atlas/demo/audit-2026", "{v}");
    let page = s.get("/tenants/demo", Auth::Bearer(READ));
    assert!(page.body.contains("Backup sets") && page.body.contains("atlas/demo/audit-2026"));
    let then = s.get(
        "/api/tenants/demo/inventory?rev=audit-2026&type=windowsUpdateRings",
        Auth::Bearer(READ),
    );
    assert_eq!(then.status, 200, "{}", then.body);
    // At the set, every ring's last change is the first backup; now the changed ring's is the
    // second.
    let commit = |rev: &str| {
        git(&s.repo.env.repo(), &["rev-parse", "--short=10", rev])
            .trim()
            .to_string()
    };
    let changed = |body: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(body).unwrap();
        v["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["changed"]["commit"].as_str().unwrap().to_string())
            .collect()
    };
    let at_set = changed(&then.body);
    assert_eq!(at_set.len(), 3);
    assert!(at_set.iter().all(|c| *c == commit("HEAD~1")), "{at_set:?}");
    let now = s.get(
        "/api/tenants/demo/inventory?type=windowsUpdateRings",
        Auth::Bearer(READ),
    );
    assert_eq!(now.status, 200);
    assert!(changed(&now.body).contains(&commit("HEAD")), "{}", now.body);
    let link = "/tenants/demo/inventory?rev=atlas%2Fdemo%2Faudit-2026";
    assert!(
        page.body.contains(link),
        "the set links to the inventory then"
    );
}
