//! Hardening of `serve`: what the server answers before a handler runs (timeouts, oversized and
//! malformed requests), tokens reloaded from atlas.yaml while it runs, unreadable committed
//! documents, and the configuration line `--new-token` prints.

use super::*;
use std::collections::BTreeMap;
use std::time::Duration;

#[test]
fn new_token_checks_tenants_against_the_config_and_quotes_what_it_prints() {
    let env = TestEnv::new();
    assert_eq!(out(&env.run(&["init", "repo"])).0, 0);
    let (tenant, client, _) = demo_credentials();
    let config = env.repo().join("atlas.yaml");
    std::fs::write(
        &config,
        format!(
            "{}- name: fabrikam\n  tenantId: {tenant}\n  clientId: {client}\n  clientSecretEnv: X\n",
            config_for("contoso", &tenant, &client, "http://127.0.0.1:9", "")
        ),
    )
    .unwrap();
    let (code, o, err) = out(&env.run(&[
        "serve",
        "--repo",
        "repo",
        "--new-token",
        "ops",
        "--tenants",
        "contoso,nosuch",
    ]));
    assert_eq!(code, 64, "{o}\n{err}");
    assert!(o.is_empty(), "no token is made: {o}");
    assert!(
        err.contains("`nosuch`") && err.contains("configured: contoso, fabrikam"),
        "{err}"
    );

    let name = "ops: night #2 'shift'";
    let (code, o, err) = out(&env.run(&[
        "serve",
        "--repo",
        "repo",
        "--new-token",
        name,
        "--tenants",
        "contoso,*",
        "--trigger",
    ]));
    assert_eq!(code, 0, "{err}");
    let token = o.lines().next().unwrap().rsplit(' ').next().unwrap();
    let line = o.lines().nth(2).unwrap();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}server:\n  tokens:\n{line}\n")).unwrap();
    let loaded = tenant_atlas::config::Config::load(&config).unwrap();
    let t = &loaded.server.unwrap().tokens[0];
    assert_eq!(t.name, name, "{line}");
    assert_eq!(t.tenants, ["contoso", "*"]);
    assert_eq!(t.sha256, tenant_atlas::server::sha256_hex(token));
    assert!(t.trigger);
}

/// Appends keys to the `server:` block (the last block of the test configuration).
fn server_keys(repo: &Repo, keys: &str) {
    let config = repo.env.repo().join("atlas.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.trim_end().ends_with('}'), "server tokens come last");
    std::fs::write(&config, format!("{text}{keys}")).unwrap();
}

/// An answer read off a raw connection.
struct RawAnswer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

/// Sends `request` byte for byte on a new connection and reads the answer up to the end of the
/// connection (every request here asks to close it, or is refused, which closes it).
fn exchange(s: &Server, request: &[u8]) -> RawAnswer {
    let addr = s.url.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // The server may answer and close before it has read everything: a failed write is fine.
    let _ = c.write_all(request);
    let mut raw = vec![];
    let _ = c.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    RawAnswer {
        status,
        headers,
        body: body.to_string(),
    }
}

const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
];

/// The security headers, and the error shape: JSON `{"error": {"status", "message"}}` for API
/// paths, an HTML page for the others.
fn assert_shaped(a: &RawAnswer, status: u16, api: bool, what: &str) {
    assert_eq!(a.status, status, "{what}: {:?} {}", a.headers, a.body);
    for (k, v) in SECURITY_HEADERS {
        assert_eq!(a.headers.get(k).map(String::as_str), Some(v), "{what}: {k}");
    }
    let ct = a.headers.get("content-type").cloned().unwrap_or_default();
    if api {
        assert!(ct.starts_with("application/json"), "{what}: {ct}");
        let v: serde_json::Value = serde_json::from_str(a.body.trim())
            .unwrap_or_else(|e| panic!("{what}: {e}: {}", a.body));
        assert_eq!(v["error"]["status"], status, "{what}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    } else {
        assert!(ct.starts_with("text/html"), "{what}: {ct}");
        assert!(a.body.contains("<!DOCTYPE html>"), "{what}: {}", a.body);
    }
}

#[test]
fn early_refusals_carry_the_security_headers_and_the_error_shape() {
    let s = Repo::new().serve();
    let get = |path: &str, extra: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n").into_bytes()
    };
    let mut bad_name = get("/", "");
    bad_name.splice(
        bad_name.len() - 2..bad_name.len() - 2,
        *b"Bad\x01Name: y\r\n",
    );
    assert_shaped(&exchange(&s, &bad_name), 400, false, "bad header name");
    let mut bad_value = get("/api/tenants", "");
    bad_value.splice(
        bad_value.len() - 2..bad_value.len() - 2,
        *b"X-Y: a\x7fb\r\n",
    );
    assert_shaped(&exchange(&s, &bad_value), 400, true, "bad header value");
    assert_shaped(
        &exchange(&s, b"G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n"),
        400,
        false,
        "bad method",
    );
    let long = format!("/api/tenants/{}", "a".repeat(10_000));
    assert_shaped(&exchange(&s, &get(&long, "")), 414, true, "long target");
    assert_shaped(
        &exchange(&s, &get(&format!("/{}", "b".repeat(10_000)), "")),
        414,
        false,
        "long page target",
    );
    let big = format!("X-Big: {}\r\n", "c".repeat(40_000));
    assert_shaped(&exchange(&s, &get("/", &big)), 431, false, "big headers");
    let many: String = (0..150).map(|i| format!("X-H{i}: v\r\n")).collect();
    assert_shaped(
        &exchange(&s, &get("/api/tenants", &many)),
        431,
        true,
        "many headers",
    );
    // A chunked body carries no length up front: it is refused once it passes the limit.
    let mut chunked = format!(
        "POST /hooks/reconcile/demo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {TRIGGER}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..100 {
        chunked.extend_from_slice(format!("400\r\n{}\r\n", "d".repeat(1024)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert_shaped(&exchange(&s, &chunked), 413, true, "chunked body");
    assert!(
        !s.repo.env.repo().join(".git/atlas/triggers/demo").exists(),
        "a refused request triggers nothing"
    );
    let declared = format!(
        "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        1 << 20
    );
    assert_shaped(
        &exchange(&s, declared.as_bytes()),
        413,
        false,
        "declared body",
    );
    // Ambiguous framing is refused rather than read one way by one side and another by the other.
    let smuggle = b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_shaped(&exchange(&s, smuggle), 400, false, "two framings");
    // axum's own refusals have the same shape, and keep their headers.
    let wrong_method = exchange(
        &s,
        &get(
            "/hooks/reconcile/demo",
            &format!("Authorization: Bearer {TRIGGER}\r\n"),
        ),
    );
    assert_shaped(&wrong_method, 405, true, "wrong method");
    assert_eq!(wrong_method.headers["allow"], "POST");
    // A connection keeps working after requests with bodies: heads are found behind them.
    let pipelined = format!(
        "POST /hooks/reconcile/demo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TRIGGER}\r\nContent-Length: 2\r\n\r\n{{}}GET /api/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {READ}\r\nConnection: close\r\n\r\n"
    );
    let a = exchange(&s, pipelined.as_bytes());
    assert_eq!(a.status, 202, "{}", a.body);
    assert!(
        a.body.contains("HTTP/1.1 200 OK") && a.body.contains("\"name\":\"demo\""),
        "{}",
        a.body
    );
}

#[test]
fn an_incomplete_request_head_is_closed_after_the_header_timeout() {
    let repo = Repo::new();
    server_keys(&repo, "  headerTimeout: 1s\n");
    let s = repo.serve();
    let addr = s.url.trim_start_matches("http://").to_string();
    let mut c = std::net::TcpStream::connect(&addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let started = std::time::Instant::now();
    c.write_all(b"GET /api/tenants HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut rest = vec![];
    let read = c.read_to_end(&mut rest);
    let took = started.elapsed();
    assert!(
        read.is_ok()
            || read
                .as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "closed, not timed out on the client's side: {read:?} after {took:?}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(10),
        "closed after {took:?}"
    );
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    // A whole head in time is answered as ever.
    let r = s.get("/api/tenants", Auth::Bearer(READ));
    assert_eq!(r.status, 200);
}

#[test]
fn connections_over_the_cap_wait_for_a_free_slot() {
    let repo = Repo::new();
    server_keys(&repo, "  maxConnections: 2\n  headerTimeout: 30s\n");
    let s = repo.serve();
    let addr = s.url.trim_start_matches("http://").to_string();
    let idle: Vec<std::net::TcpStream> = (0..2)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    // The third is accepted by the kernel but not served while both slots are taken.
    let mut third = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        third,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut buf = [0u8; 64];
    let early = third.read(&mut buf);
    assert!(
        early.as_ref().is_err_and(|e| matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )),
        "answered while both slots were taken: {early:?}"
    );
    drop(idle);
    third
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut answer = vec![];
    let _ = third.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Polls `f` every 100 ms until it holds, at most `limit`.
fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    f()
}

#[test]
fn a_token_removed_from_the_config_is_refused_without_a_restart() {
    let repo = Repo::new();
    let config = repo.env.repo().join("atlas.yaml");
    // A short quiet time after a change, so the test waits less.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}reconcile: {{debounce: 200ms}}\n")).unwrap();
    let s = repo.serve();
    let login = s.request(
        reqwest::Method::POST,
        "/login",
        Auth::None,
        Some(format!("token={READ}").into_bytes()),
    );
    assert_eq!(login.status, 303);
    assert_eq!(s.get("/api/tenants", Auth::Bearer(READ)).status, 200);
    assert_eq!(s.get("/", Auth::Cookie(READ)).status, 200);

    let text = std::fs::read_to_string(&config).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.contains(&sha(READ)))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, text);
    std::fs::write(&config, &without).unwrap();
    assert!(
        eventually(Duration::from_secs(10), || s
            .get("/api/tenants", Auth::Bearer(READ))
            .status
            == 401),
        "the removed token still works: {}",
        s.output()
    );
    assert_eq!(
        s.get("/", Auth::Cookie(READ)).status,
        401,
        "its login cookie too"
    );
    assert_eq!(s.get("/api/tenants", Auth::Bearer(ADMIN)).status, 200);

    // A broken file keeps the tokens in force and says where it is broken.
    std::fs::write(&config, format!("{without}  - {{name: [\n")).unwrap();
    assert!(
        eventually(Duration::from_secs(10), || s
            .output()
            .contains("could not be reloaded")),
        "{}",
        s.output()
    );
    let out = s.output();
    let line = out
        .lines()
        .find(|l| l.contains("could not be reloaded"))
        .unwrap();
    assert!(line.contains("atlas.yaml:"), "names file and line: {line}");
    assert_eq!(s.get("/api/tenants", Auth::Bearer(ADMIN)).status, 200);
    assert_eq!(s.get("/api/tenants", Auth::Bearer(READ)).status, 401);
}

#[test]
fn an_unreadable_document_is_answered_422_naming_it_and_the_rest_is_served() {
    let repo = Repo::new();
    let dir = repo.env.repo().join("tenants/demo/windowsUpdateRings");
    std::fs::write(
        dir.join("bomb--aaaaaaaa.yaml"),
        "kind: windowsUpdateRings\nid: aaaaaaaa-0000-4000-8000-000000000000\nname: &a Bomb\nodataType: x\nspec: {a: *a, b: *a}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("latin--bbbbbbbb.yaml"),
        b"kind: windowsUpdateRings\nname: Caf\xe9\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../../../atlas.yaml", dir.join("link--cccccccc.yaml")).unwrap();
    commit_all(&repo.env.repo(), "hand-made documents");
    let s = repo.serve();
    let base = "/tenants/demo/policies/windowsUpdateRings";
    for (file, why) in [
        ("bomb--aaaaaaaa.yaml", "anchors"),
        ("latin--bbbbbbbb.yaml", "UTF-8"),
        ("link--cccccccc.yaml", "symlink"),
    ] {
        let path = format!("tenants/demo/windowsUpdateRings/{file}");
        for route in [
            format!("{base}/{file}"),
            format!("{base}/{file}/diff?from=HEAD~1&to=HEAD"),
        ] {
            let page = s.get(&route, Auth::Bearer(READ));
            assert_eq!(page.status, 422, "{route}: {}", page.body);
            assert!(
                page.headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{route}"
            );
            assert!(
                page.body.contains(&path) && page.body.contains(why),
                "{route}: {}",
                page.body
            );
            assert!(
                !page.body.contains("sha256"),
                "nothing of atlas.yaml is shown"
            );
            let api = s.get(&format!("/api{route}"), Auth::Bearer(READ));
            assert_eq!(api.status, 422, "{route}: {}", api.body);
            let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
            assert_eq!(v["error"]["status"], 422);
            assert_eq!(v["error"]["file"], path.as_str());
            let message = v["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(&path) && message.contains(why),
                "{message}"
            );
        }
    }
    // The rest of the site is unaffected.
    for route in routes(&s) {
        let r = s.get(&route, Auth::Bearer(READ));
        assert_eq!(r.status, 200, "{route}: {}", r.body);
    }
    let tenant = s.get("/api/tenants/demo", Auth::Bearer(READ));
    assert!(
        tenant.body.contains("bomb--aaaaaaaa.yaml"),
        "{}",
        tenant.body
    );
}
