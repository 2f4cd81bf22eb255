//! `serve --demo [DIR]`: the demo tenant backed up into DIR (or DIR reused), served with a token
//! that exists only in the process and a one-time login link; `--demo-drift` makes scripted portal
//! edits that the drift page then shows. No token or code is written to DIR or logged.

use crate::common::*;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tenant_atlas::demo::drift::{ADDED, RENAMED_TO};

/// What `--demo-drift` changes, by the names the drift report gives the objects (a renamed object
/// goes by its new name, a deleted one by its last).
const DRIFTED: [&str; 5] = [
    RENAMED_TO,
    "Windows – Compliance (BitLocker, Defender)",
    "Windows – BitLocker & Firewall",
    ADDED,
    "Update Ring – Executives",
];

/// A `serve --demo` process in the environment's folder, serving `atlas-demo/`.
struct DemoServer {
    child: Child,
    url: String,
    /// The one-time login link (second line printed).
    link: String,
    output: Arc<Mutex<Vec<u8>>>,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl DemoServer {
    fn start(env: &TestEnv, extra: &[&str]) -> DemoServer {
        // Every log line there is (trace), so none of them may show a secret.
        let mut args = vec![
            "-vvv",
            "serve",
            "--demo",
            "atlas-demo",
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        let mut child = env
            .cmd(&args)
            // The backup and the drift check each get a run id of their own.
            .env_remove("ATLAS_RUN_ID")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let err = child.stderr.take().unwrap();
        copy_into(Box::new(err), output.clone());
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = [String::new(), String::new()];
        for l in &mut lines {
            stdout.read_line(l).unwrap();
            output.lock().unwrap().extend_from_slice(l.as_bytes());
        }
        let [first, second] = lines;
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}\n{}", text(&output)))
            .to_string();
        let link = second
            .split_whitespace()
            .last()
            .filter(|l| l.starts_with(&format!("{url}/login/once?code=")))
            .unwrap_or_else(|| panic!("second line: {second:?}"))
            .to_string();
        copy_into(Box::new(stdout), output.clone());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let http = {
            let _g = rt.enter();
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap()
        };
        DemoServer {
            child,
            url,
            link,
            output,
            rt,
            http,
        }
    }

    /// GET `url` (absolute, or a path of the server) with an optional cookie header.
    fn get(&self, url: &str, cookie: Option<&str>) -> (u16, reqwest::header::HeaderMap, String) {
        let url = if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{url}", self.url)
        };
        let mut r = self.http.get(&url);
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        self.rt.block_on(async {
            let resp = r.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            (status, headers, resp.text().await.unwrap())
        })
    }

    /// Everything printed so far (stdout and stderr), once it holds `needle` or after 10 s.
    fn output_with(&self, needle: &str) -> String {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let out = text(&self.output);
            if out.contains(needle) || Instant::now() > until {
                return out;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops it with SIGTERM, as Ctrl-C would; its exit code.
    fn stop(mut self) -> i32 {
        // SAFETY: signals our own child.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "serve did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_into(mut r: Box<dyn Read + Send>, into: Arc<Mutex<Vec<u8>>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
}

fn text(output: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&output.lock().unwrap()).into_owned()
}

/// Logs in with the one-time link: the `atlas_session=…` pair of its cookie.
fn log_in(s: &DemoServer) -> String {
    let (status, headers, body) = s.get(&s.link, None);
    assert_eq!(status, 303, "{body}");
    assert_eq!(headers["location"], "/");
    let cookie = headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_string()
}

#[test]
fn the_link_logs_in_once_and_no_token_is_written_or_logged() {
    let env = TestEnv::new();
    let dir = env.path().join("atlas-demo");
    let s = DemoServer::start(&env, &[]);
    let out = s.output_with("Ctrl-C");
    assert!(
        out.contains("demo tenant: backed up into atlas-demo")
            && out.contains("drift: none")
            && out.contains("Ctrl-C stops the server"),
        "{out}"
    );
    let cookie = log_in(&s);
    let (status, _, body) = s.get(&s.link, None);
    assert_eq!(status, 403, "a second use is refused: {body}");
    assert!(body.contains("used already"), "{body}");
    let (status, _, _) = s.get("/tenants/demo", None);
    assert_eq!(status, 401, "no cookie, no page");

    let (status, _, page) = s.get("/tenants/demo", Some(&cookie));
    assert_eq!(status, 200, "{page}");
    for name in [
        "Windows – Device restrictions (Standard)",
        "Update Ring – Executives",
    ] {
        assert!(page.contains(name), "{name} on the policy browser");
    }
    let (status, _, drift) = s.get("/api/tenants/demo/drift", Some(&cookie));
    assert_eq!(status, 200, "{drift}");
    let drift: serde_json::Value = serde_json::from_str(&drift).unwrap();
    assert_eq!(drift["drift"]["objects"], serde_json::json!([]), "{drift}");

    // Neither the code nor the token is anywhere but in the one line that shows the link.
    let code = s.link.split("code=").nth(1).unwrap().to_string();
    // The cookie holds a session id; the token stays in the server.
    let token = cookie.strip_prefix("atlas_session=").unwrap().to_string();
    assert!(token.starts_with("ses_"), "{cookie}");
    let out = s.output_with("logged in with the one-time link");
    assert!(out.contains("logged in with the one-time link"), "{out}");
    assert_eq!(out.matches(&code).count(), 1, "{out}");
    assert!(!out.contains(&token), "{out}");
    for secret in [&code, &token] {
        assert_eq!(grep_dir(&dir, secret), Vec::<String>::new());
    }
    let config = std::fs::read_to_string(dir.join("atlas.yaml")).unwrap();
    assert!(
        config.contains("demo: true") && !config.contains("\nserver:"),
        "{config}"
    );
    // atlas.yaml is reloaded when it changes; the session's token is not one of its tokens, and
    // stays.
    let reloads = |out: &str| {
        out.matches("tokens reloaded from the configuration")
            .count()
    };
    let before = reloads(&s.output_with("tokens reloaded"));
    std::fs::write(dir.join("atlas.yaml"), format!("{config}# edited\n")).unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    while reloads(&text(&s.output)) == before {
        assert!(Instant::now() < until, "{}", text(&s.output));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(s.get("/tenants/demo", Some(&cookie)).0, 200);
    std::fs::write(dir.join("atlas.yaml"), &config).unwrap();
    assert_eq!(s.stop(), 0, "Ctrl-C ends the server cleanly");
    assert_eq!(commit_count(&dir), 1);

    // A second start reuses the repository: its backup finds nothing new and commits nothing, and
    // the first link no longer works (a new token, a new code).
    let again = DemoServer::start(&env, &[]);
    let out = again.output_with("Ctrl-C");
    assert!(
        out.contains("demo tenant: atlas-demo reused, no change since its last backup"),
        "{out}"
    );
    assert_eq!(commit_count(&dir), 1);
    let old = link_on(&again, &code);
    assert_eq!(again.get(&old, None).0, 403);
    let (status, _, _) = again.get("/tenants/demo", Some(&cookie));
    assert_eq!(status, 401, "the first start's token died with it");
    log_in(&again);
}

/// The first start's link, on the second server's address.
fn link_on(s: &DemoServer, code: &str) -> String {
    format!("{}/login/once?code={code}", s.url)
}

#[test]
fn demo_drift_shows_the_scripted_portal_edits_on_the_drift_page() {
    let env = TestEnv::new();
    let s = DemoServer::start(&env, &["--demo-drift"]);
    let out = s.output_with("Ctrl-C");
    assert!(
        out.contains("portal-style edits made to the demo tenant")
            && out.contains("drift: 5 objects differ from the last backup"),
        "{out}"
    );
    let cookie = log_in(&s);
    let (status, _, body) = s.get("/api/tenants/demo/drift", Some(&cookie));
    assert_eq!(status, 200, "{body}");
    let drift: serde_json::Value = serde_json::from_str(&body).unwrap();
    let objects = drift["drift"]["objects"].as_array().unwrap();
    let mut found: Vec<(String, String)> = objects
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_string(),
                o["change"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let mut expected: Vec<(String, String)> = DRIFTED
        .iter()
        .zip(["renamed", "changed", "changed", "added", "removed"])
        .map(|(n, c)| (n.to_string(), c.to_string()))
        .collect();
    expected.sort();
    assert_eq!(found, expected, "{body}");
    assert_eq!(drift["lastRound"]["result"], "drift", "{body}");
    assert_eq!(drift["lastReconcileRun"]["kind"], "reconcile", "{body}");
    let (status, _, page) = s.get("/tenants/demo/drift", Some(&cookie));
    assert_eq!(status, 200);
    for name in DRIFTED {
        let html = name.replace('&', "&amp;");
        assert!(page.contains(&html), "{name} on the drift page:\n{page}");
    }
    // The backup holds the tenant as it was; the edits are only live.
    assert_eq!(commit_count(&env.path().join("atlas-demo")), 1);
}

#[test]
fn a_repository_of_other_tenants_is_refused_untouched() {
    let env = TestEnv::new();
    let dir = env.path().join("atlas-demo");
    std::fs::create_dir_all(&dir).unwrap();
    let config = config_for(
        "contoso",
        "00000000-0000-4000-8000-0000000000c1",
        "00000000-0000-4000-8000-0000000000c2",
        "http://127.0.0.1:9",
        "",
    );
    std::fs::write(dir.join("atlas.yaml"), &config).unwrap();
    let before = tree(&dir);
    let (code, o, e) = out(&env.run(&["serve", "--demo", "atlas-demo"]));
    assert_eq!(code, 64, "{o}\n{e}");
    assert!(e.contains("without the demo tenant"), "{e}");
    assert_eq!(tree(&dir), before, "nothing written");
}
