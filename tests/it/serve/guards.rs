//! What the server refuses and guards: path traversal, malformed revisions, oversized bodies, the
//! webhook's scope, login cookies, `/metrics` as Prometheus text, tokens never in its output, and
//! starting without tokens.

use super::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn traversal_and_malformed_names_are_refused_without_reading_outside_the_tenant() {
    let s = Repo::new().serve();
    let ring = s.repo.ring();
    let base = "/tenants/demo/policies/windowsUpdateRings";
    let attempts = [
        format!("{base}/..%2F..%2F..%2Fatlas.yaml"),
        format!("{base}/%2e%2e"),
        format!("{base}/%2E%2E%2Ftenant.yaml"),
        format!("{base}/..%5C..%5Catlas.yaml"),
        format!("{base}/%2Fetc%2Fpasswd"),
        format!("{base}/x--05ff1b8f.yaml%00"),
        format!("{base}/tenant.yaml"),
        format!("{base}/update-ring-pilot--05ff1b8f.ps1"),
        "/tenants/demo/policies/_refs/groups.yaml".to_string(),
        "/tenants/demo/policies/..%2F_refs/groups--12345678.yaml".to_string(),
        "/tenants/%2e%2e/policies/x/y--12345678.yaml".to_string(),
        "/api/tenants/demo/policies/windowsUpdateRings/..%2F..%2Ftenant.yaml".to_string(),
        "/api/tenants/demo/runs/..%2F..%2F..%2Fconfig".to_string(),
        "/tenants/demo/runs/%2e%2e%2Fstatus%2Fdemo.json".to_string(),
    ];
    let secrets = ["sha256:", "clientSecretEnv", "tenantId:", "[core]"];
    for a in &attempts {
        let r = s.get(a, Auth::Bearer(ADMIN));
        assert!(
            matches!(r.status, 400 | 404),
            "{a}: {} {}",
            r.status,
            r.body
        );
        for x in secrets {
            assert!(!r.body.contains(x), "{a} leaked {x}");
        }
    }
    // Dot segments sent raw (a client would normalize them away).
    for raw in [
        "/tenants/demo/policies/windowsUpdateRings/../../../atlas.yaml",
        "/tenants/demo/../../.git/config",
        "/api/tenants/demo/runs/../../../../etc/passwd",
        "/tenants/demo/policies/windowsUpdateRings/..\\..\\atlas.yaml",
    ] {
        let (status, text) = s.raw(raw, ADMIN);
        assert!(matches!(status, 400 | 404), "{raw}: {status}");
        for x in secrets {
            assert!(!text.contains(x), "{raw} leaked {x}");
        }
    }
    // Revisions: well-formed and resolving, never option-like.
    for rev in [
        "--output=x",
        "-p",
        "HEAD@%7B1%7D",
        "HEAD..main",
        "nosuch",
        "%2Fetc",
        "a%20b",
    ] {
        let r = s.get(
            &format!("/api/tenants/demo/policies/{ring}?rev={rev}"),
            Auth::Bearer(READ),
        );
        assert_eq!(r.status, 400, "rev={rev}: {}", r.body);
        let r = s.get(
            &format!("/tenants/demo/policies/{ring}/diff?from={rev}&to=HEAD"),
            Auth::Bearer(READ),
        );
        assert_eq!(r.status, 400, "from={rev}");
    }
    assert_eq!(
        s.get(
            &format!("/tenants/demo/policies/{ring}/diff"),
            Auth::Bearer(READ)
        )
        .status,
        400,
        "two versions are needed"
    );
    assert_eq!(
        s.get(
            "/tenants/demo/policies/windowsUpdateRings/never-existed--12345678.yaml",
            Auth::Bearer(READ)
        )
        .status,
        404
    );
}

#[test]
fn bodies_over_the_limit_are_refused() {
    let s = Repo::new().serve();
    let big = vec![b'a'; 100 * 1024];
    for path in ["/hooks/reconcile/demo", "/login"] {
        let r = s.request(
            reqwest::Method::POST,
            path,
            Auth::Bearer(TRIGGER),
            Some(big.clone()),
        );
        assert_eq!(r.status, 413, "{path}");
    }
    assert!(
        !s.repo.env.repo().join(".git/atlas/triggers/demo").exists(),
        "a refused request triggers nothing"
    );
}

#[test]
fn the_webhook_needs_a_trigger_token_for_the_tenant() {
    let s = Repo::new().serve();
    let trigger = s.repo.env.repo().join(".git/atlas/triggers/demo");
    let post = |auth| {
        s.request(
            reqwest::Method::POST,
            "/hooks/reconcile/demo",
            auth,
            Some(b"{}".to_vec()),
        )
    };
    assert_eq!(post(Auth::None).status, 401);
    assert_eq!(
        post(Auth::Bearer("atl_wrong_0000000000000000000000")).status,
        401
    );
    assert_eq!(post(Auth::Bearer(READ)).status, 403, "read-only token");
    assert_eq!(
        post(Auth::Bearer(OTHER)).status,
        403,
        "trigger token of another tenant"
    );
    assert!(!trigger.exists());
    assert_eq!(
        s.get("/hooks/reconcile/demo", Auth::Bearer(TRIGGER)).status,
        405,
        "POST only"
    );
    let r = post(Auth::Bearer(TRIGGER));
    assert_eq!(r.status, 202, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["tenant"], "demo");
    assert_eq!(v["source"], "webhook:ci");
    assert!(v["at"].is_string());
    let file: Value = serde_json::from_slice(&std::fs::read(&trigger).unwrap()).unwrap();
    assert_eq!(file["source"], "webhook:ci");
    let none = s.request(
        reqwest::Method::POST,
        "/hooks/reconcile/nosuch",
        Auth::Bearer(ADMIN),
        None,
    );
    assert_eq!(
        none.status, 404,
        "unknown tenant for a token allowed everywhere"
    );
    assert!(
        !s.repo
            .env
            .repo()
            .join(".git/atlas/triggers/nosuch")
            .exists()
    );
}

#[test]
fn login_sets_a_strict_cookie_and_logout_clears_it() {
    let s = Repo::new().serve();
    let form = s.get("/login", Auth::None);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"token\""));
    let bad = s.request(
        reqwest::Method::POST,
        "/login",
        Auth::None,
        Some(b"token=atl_nope".to_vec()),
    );
    assert_eq!(bad.status, 401);
    assert!(bad.headers.get("set-cookie").is_none());
    assert!(!bad.body.contains("atl_nope"), "a token is never echoed");
    let ok = s.request(
        reqwest::Method::POST,
        "/login",
        Auth::None,
        Some(format!("token={READ}").into_bytes()),
    );
    assert_eq!(ok.status, 303);
    assert_eq!(ok.headers["location"], "/");
    let cookie = ok.headers["set-cookie"].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    assert_eq!(s.get("/", Auth::Cookie(&value)).status, 200);
    // Served on loopback without an https public URL: the cookie is not marked Secure.
    assert!(!cookie.contains("Secure"), "{cookie}");
    // A login form posted from another site is refused (login CSRF), as a browser tells it.
    for (header, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "http://evil.example"),
    ] {
        let r = s.repo.emu.rt.block_on(async {
            s.http
                .post(format!("{}/login", s.url))
                .header(header, value)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("token={READ}"))
                .send()
                .await
                .unwrap()
        });
        assert_eq!(r.status().as_u16(), 403, "{header}: {value}");
        assert!(r.headers().get("set-cookie").is_none());
    }
    let out = s.request(reqwest::Method::POST, "/logout", Auth::Cookie(&value), None);
    assert_eq!(out.status, 303);
    assert!(
        out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // The cookie holds a session id, never the token, and logging out ends the session itself:
    // a copy of the cookie kept elsewhere no longer works.
    assert!(
        value.starts_with("ses_") && !value.contains(READ),
        "{value}"
    );
    assert_eq!(s.get("/", Auth::Cookie(&value)).status, 401);
}

/// One sample of the text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A strict reader of Prometheus' text format: HELP and TYPE before each family's samples,
/// `name{label="value",…} value` lines with escaped label values.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    let mut help = BTreeSet::new();
    let mut types = BTreeMap::new();
    let mut samples = vec![];
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !n.starts_with(|c: char| c.is_ascii_digit())
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (n, h) = rest.split_once(' ').expect("HELP text");
            assert!(name_ok(n) && !h.is_empty(), "{line}");
            help.insert(n.to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (n, t) = rest.split_once(' ').expect("TYPE");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                "{line}"
            );
            types.insert(n.to_string(), t.to_string());
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "stray line {line:?}"
        );
        let (series, value) = line.rsplit_once(' ').expect("a value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value of {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), BTreeMap::new()),
            Some((n, rest)) => {
                let body = rest.strip_suffix('}').expect("closing brace");
                let mut labels = BTreeMap::new();
                let mut chars = body.chars().peekable();
                while chars.peek().is_some() {
                    let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
                    assert!(name_ok(&key), "label name in {line}");
                    assert_eq!(chars.next(), Some('"'), "{line}");
                    let mut v = String::new();
                    loop {
                        match chars.next().expect("closing quote") {
                            '\\' => match chars.next() {
                                Some('n') => v.push('\n'),
                                Some(c @ ('\\' | '"')) => v.push(c),
                                other => panic!("bad escape {other:?} in {line}"),
                            },
                            '"' => break,
                            c => v.push(c),
                        }
                    }
                    labels.insert(key, v);
                    match chars.next() {
                        Some(',') | None => {}
                        other => panic!("{other:?} after a label in {line}"),
                    }
                }
                (n.to_string(), labels)
            }
        };
        assert!(name_ok(&name), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(&name)
            .to_string();
        assert!(
            help.contains(&family) && types.contains_key(&family),
            "{family} has HELP and TYPE before {line}"
        );
        samples.push(Sample {
            name,
            labels,
            value,
        });
    }
    samples
}

#[test]
fn metrics_are_prometheus_text_for_the_tokens_tenants() {
    let s = Repo::new().serve();
    let m = s.get("/metrics", Auth::Bearer(READ));
    assert_eq!(m.status, 200);
    assert!(
        m.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let samples = parse_prometheus(&m.body);
    let find = |name: &str, labels: &[(&str, &str)]| -> f64 {
        samples
            .iter()
            .find(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .unwrap_or_else(|| panic!("{name} {labels:?} in\n{}", m.body))
            .value
    };
    assert_eq!(
        find(
            "atlas_runs_total",
            &[
                ("tenant", "demo"),
                ("kind", "backup"),
                ("outcome", "success")
            ]
        ),
        2.0
    );
    assert_eq!(
        find(
            "atlas_run_duration_seconds_count",
            &[("tenant", "demo"), ("kind", "backup")]
        ),
        2.0
    );
    assert_eq!(
        find(
            "atlas_run_duration_seconds_bucket",
            &[("tenant", "demo"), ("le", "+Inf")]
        ),
        2.0
    );
    assert!(find("atlas_graph_requests_total", &[("tenant", "demo")]) > 0.0);
    assert_eq!(
        find("atlas_graph_throttled_total", &[("tenant", "demo")]),
        0.0
    );
    assert_eq!(find("atlas_drift_objects", &[("tenant", "demo")]), 1.0);
    assert_eq!(
        find(
            "atlas_objects",
            &[("tenant", "demo"), ("type", "windowsUpdateRings")]
        ),
        3.0
    );
    let now: jiff::Timestamp = NOW.parse().unwrap();
    assert_eq!(
        find("atlas_last_backup_timestamp_seconds", &[("tenant", "demo")]),
        now.as_second() as f64
    );

    let other = s.get("/metrics", Auth::Bearer(OTHER));
    assert_eq!(other.status, 200);
    let samples = parse_prometheus(&other.body);
    assert!(
        samples
            .iter()
            .all(|s| s.labels.get("tenant").map(String::as_str) != Some("demo")),
        "{}",
        other.body
    );
    assert_eq!(s.get("/metrics", Auth::None).status, 401);
}

#[test]
fn tokens_never_appear_in_the_servers_output() {
    let s = Repo::new().serve();
    for route in routes(&s) {
        for t in [READ, OTHER] {
            s.get(&route, Auth::Bearer(t));
        }
    }
    s.request(
        reqwest::Method::POST,
        "/hooks/reconcile/demo",
        Auth::Bearer(TRIGGER),
        None,
    );
    s.request(
        reqwest::Method::POST,
        "/login",
        Auth::None,
        Some(format!("token={ADMIN}").into_bytes()),
    );
    s.request(
        reqwest::Method::POST,
        "/login",
        Auth::None,
        Some(b"token=atl_wrong_guess_123456".to_vec()),
    );
    s.get("/", Auth::Bearer("atl_wrong_guess_654321"));
    let out = s.output_with("reconcile round requested");
    assert!(out.starts_with("listening on http://127.0.0.1:"), "{out}");
    assert!(
        out.contains("reconcile round requested"),
        "the debug log was captured: {out}"
    );
    for t in [
        READ,
        OTHER,
        TRIGGER,
        ADMIN,
        "atl_wrong_guess_123456",
        "atl_wrong_guess_654321",
    ] {
        assert!(!out.contains(t), "a token in the server's output");
    }
}

#[test]
fn serve_refuses_to_start_without_tokens_and_makes_new_ones() {
    let env = TestEnv::new();
    assert_eq!(out(&env.run(&["init", "repo"])).0, 0);
    let (code, _, err) = out(&env.run(&["serve", "--repo", "repo", "--listen", "127.0.0.1:0"]));
    assert_eq!(code, 64, "{err}");
    assert!(
        err.contains("no tokens are configured") && err.contains("--new-token"),
        "{err}"
    );

    let (code, o, err) =
        out(&env.run(&["serve", "--new-token", "ops", "--tenants", "*", "--trigger"]));
    assert_eq!(code, 0, "{err}");
    let token = o.lines().next().unwrap().rsplit(' ').next().unwrap();
    assert!(token.starts_with("atl_") && token.len() > 40, "{o}");
    let line = o.lines().nth(2).unwrap();
    assert_eq!(
        line,
        format!(
            "  - {{name: 'ops', sha256: {}, tenants: ['*'], trigger: true}}",
            tenant_atlas::server::sha256_hex(token)
        )
    );
    // The printed line is valid configuration.
    std::fs::write(
        env.repo().join("atlas.yaml"),
        format!("server:\n  tokens:\n{line}\n"),
    )
    .unwrap();
    let config = tenant_atlas::config::Config::load(&env.repo().join("atlas.yaml")).unwrap();
    assert!(config.server.unwrap().tokens[0].allows("any"));
    // With roles, the line names them and loads with them.
    let (code, o, err) = out(&env.run(&[
        "serve",
        "--new-token",
        "desk",
        "--tenants",
        "*",
        "--roles",
        "restore",
    ]));
    assert_eq!(code, 0, "{err}");
    let line = o.lines().nth(2).unwrap();
    assert!(
        line.ends_with("trigger: false, roles: [restore]}"),
        "{line}"
    );
    std::fs::write(
        env.repo().join("atlas.yaml"),
        format!("server:\n  tokens:\n{line}\n"),
    )
    .unwrap();
    let config = tenant_atlas::config::Config::load(&env.repo().join("atlas.yaml")).unwrap();
    assert_eq!(
        config.server.unwrap().tokens[0].role(),
        tenant_atlas::config::TokenRole::Restore
    );
}
