//! `serve` against a real repository: the demo tenant backed up from the emulator, changed through
//! Graph and backed up again (so history, a diff and two runs exist), with a reconcile status file
//! and tokens in atlas.yaml. The real CLI process serves it on 127.0.0.1:0. Shared setup lives
//! here; the tests are split by what they exercise (routes and access, guards and the webhook).
//! `demo` starts `serve --demo` instead, which makes its own repository.

use crate::common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use tenant_atlas::records::status::{self, Drift, DriftObject, Round, RoundKind, RoundResult};

mod demo;
mod guards;
mod hardening;
mod operate;
mod resume;
mod routes;
mod runs;

/// Reads `demo`; no trigger.
pub const READ: &str = "atl_read_7Qm2v9XcB4kLp0sZr8TyWn3E";
/// Reads and triggers `demo`.
pub const TRIGGER: &str = "atl_trigger_Hq5Jd8Fs1Vb6Nc0Mx2Lz7Ke4";
/// Reads only `fabrikam`, which is configured but never backed up.
pub const OTHER: &str = "atl_other_Pw3Rt6Yu9Io1As4Df7Gh0Jk2";
/// Reads and triggers every tenant.
pub const ADMIN: &str = "atl_admin_Zx8Cv5Bn2Mq9Wl6Ek3Rt0Yu7";
/// Restores `demo` (the `restore` role).
pub const RESTORE: &str = "atl_restore_Mv4Tq8Lp1Wz6Xc3Bn9Ka5Sd2";

/// The windows update ring the test changes through Graph.
pub const RING_ID: &str = "05ff1b8f-292c-5e27-9f82-cd30afa19239";
pub const CHANGED: &str = "Changed through Graph by the serve test";
/// The demo's kiosk devices group: included by some objects, excluded by others.
pub const KIOSK: &str = "141f84b3-35e3-52cb-bab3-459741f2c987";

fn sha(t: &str) -> String {
    tenant_atlas::server::sha256_hex(t)
}

/// A second tenant (never backed up) and the `server:` block of atlas.yaml with the five tokens.
pub fn server_config() -> String {
    format!(
        "- name: fabrikam\n  tenantId: 00000000-0000-4000-8000-0000000000fb\n  clientId: 00000000-0000-4000-8000-0000000000fc\n  clientSecretEnv: {DEMO_SECRET_ENV}\nserver:\n  tokens:\n  - {{name: auditor, sha256: {}, tenants: [demo]}}\n  - {{name: ci, sha256: {}, tenants: [demo], trigger: true}}\n  - {{name: other, sha256: {}, tenants: [fabrikam], trigger: true}}\n  - {{name: admin, sha256: {}, tenants: ['*'], trigger: true}}\n  - {{name: desk, sha256: {}, tenants: [demo], roles: [restore]}}\n",
        sha(READ),
        sha(TRIGGER),
        sha(OTHER),
        sha(ADMIN),
        sha(RESTORE)
    )
}

/// The demo repository: two backups around a Graph change, a status file, tokens configured.
pub struct Repo {
    pub emu: Emu,
    pub env: TestEnv,
    /// `tenants/demo/windowsUpdateRings/<file>` of the changed ring.
    pub ring_file: String,
}

impl Repo {
    pub fn new() -> Repo {
        let emu = Emu::demo(tenant_atlas::emulator::EmulatorConfig::default());
        let (_, _, secret) = demo_credentials();
        let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
        init_repo_for(&env, &emu, "demo", "");
        let (code, o, e) = out(&env.run(&["backup", "--repo", "repo"]));
        assert_eq!(code, 0, "{o}\n{e}");
        let (tenant, client, secret) = demo_credentials();
        let c = client_for(&emu, &tenant, &client, &secret);
        let body = serde_json::json!({
            "@odata.type": "#microsoft.graph.windowsUpdateForBusinessConfiguration",
            "description": CHANGED,
        });
        let r = emu
            .rt
            .block_on(c.send(
                reqwest::Method::PATCH,
                &format!("beta/deviceManagement/deviceConfigurations/{RING_ID}"),
                Some(&body),
            ))
            .unwrap();
        assert!(r.status < 300, "PATCH: {}", r.status);
        let (code, o, e) = out(&env
            .cmd(&["backup", "--repo", "repo"])
            .env("ATLAS_RUN_ID", "20260115T093000Z-test02")
            .output()
            .unwrap());
        assert_eq!(code, 0, "{o}\n{e}");
        assert_eq!(commit_count(&env.repo()), 2);
        let ring_file = std::fs::read_dir(env.repo().join("tenants/demo/windowsUpdateRings"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|f| f.ends_with(&format!("--{}.yaml", &RING_ID[..8])))
            .expect("the ring's document");
        // Tokens (and the tenant one of them is for) are configured after the backups, which would
        // otherwise try to back up that tenant too.
        let config = env.repo().join("atlas.yaml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, format!("{text}{}", server_config())).unwrap();
        let repo = tenant_atlas::store::Repo::open(&env.repo()).unwrap();
        let mut s = status::TenantStatus::new("demo", tenant_atlas::config::Mode::Report);
        let at: jiff::Timestamp = NOW.parse().unwrap();
        s.drift = Some(Drift {
            checked: at,
            against: git(&env.repo(), &["rev-parse", "HEAD"]).trim().to_string(),
            objects: vec![DriftObject {
                change: "changed".into(),
                kind: "windowsUpdateRings".into(),
                name: "Update Ring – Pilot".into(),
                path: format!("tenants/demo/windowsUpdateRings/{ring_file}"),
            }],
            unread: vec![],
            corrected: vec![],
        });
        s.last_round = Some(Round {
            run_id: "20260115T093000Z-test01".into(),
            kind: RoundKind::Report,
            result: RoundResult::Drift,
            started: at,
            finished: at,
            message: Some("1 object drifted".into()),
            trigger: "timer".into(),
            runs: vec![],
        });
        status::write(&repo, &s).unwrap();
        Repo {
            emu,
            env,
            ring_file,
        }
    }

    /// The ring's policy page path below `/tenants/demo/policies/`.
    pub fn ring(&self) -> String {
        format!("windowsUpdateRings/{}", self.ring_file)
    }

    pub fn serve(self) -> Server {
        Server::start(self, &[])
    }

    /// `serve` with more arguments (`--no-work`).
    pub fn serve_with(self, args: &[&str]) -> Server {
        Server::start(self, args)
    }
}

/// The `serve` process and what it printed.
pub struct Server {
    pub repo: Repo,
    child: Child,
    pub url: String,
    output: Arc<Mutex<Vec<u8>>>,
    pub http: reqwest::Client,
    /// Session ids of the tokens logged in so far (`Auth::Cookie`).
    sessions: Mutex<std::collections::HashMap<String, String>>,
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    Cookie(&'a str),
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Server {
    fn start(repo: Repo, more: &[&str]) -> Server {
        let mut args = vec!["-vv", "serve", "--repo", "repo", "--listen", "127.0.0.1:0"];
        args.extend(more);
        let mut child = repo
            .env
            .cmd(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        output.lock().unwrap().extend_from_slice(first.as_bytes());
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_string();
        for mut r in [
            Box::new(stdout) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let o = output.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = r.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    o.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
        let http = {
            let _g = repo.emu.rt.enter();
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .unwrap()
        };
        Server {
            repo,
            child,
            url,
            output,
            http,
            sessions: Mutex::new(Default::default()),
        }
    }

    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: Auth,
        body: Option<Vec<u8>>,
    ) -> Answer {
        let mut r = self.http.request(method, format!("{}{path}", self.url));
        r = match auth {
            Auth::None => r,
            Auth::Bearer(t) => r.bearer_auth(t),
            Auth::Cookie(t) => r.header("cookie", format!("atlas_session={}", self.session(t))),
        };
        if let Some(b) = body {
            r = r
                .header("content-type", "application/x-www-form-urlencoded")
                .body(b);
        }
        self.send(r, path)
    }

    /// The session id a browser logged in with `token` holds (logged in once, then kept; a value
    /// that is no token is taken as a session id).
    pub fn session(&self, token: &str) -> String {
        if !token.starts_with("atl_") {
            return token.to_string();
        }
        if let Some(id) = self.sessions.lock().unwrap().get(token) {
            return id.clone();
        }
        let login = self.repo.emu.rt.block_on(async {
            self.http
                .post(format!("{}/login", self.url))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("token={token}"))
                .send()
                .await
                .unwrap()
        });
        let Some(cookie) = login.headers().get("set-cookie") else {
            return token.to_string();
        };
        let id = cookie
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .and_then(|c| c.split_once('='))
            .map(|(_, v)| v.to_string())
            .unwrap();
        assert!(!id.contains(token), "the cookie never holds the token");
        self.sessions
            .lock()
            .unwrap()
            .insert(token.to_string(), id.clone());
        id
    }

    /// Sends a request and reads its whole answer.
    fn send(&self, r: reqwest::RequestBuilder, path: &str) -> Answer {
        self.repo.emu.rt.block_on(async {
            let resp = r.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
            Answer {
                status: resp.status().as_u16(),
                headers: resp.headers().clone(),
                body: resp.text().await.unwrap(),
            }
        })
    }

    /// A request with these headers and body, as they are.
    pub fn request_with(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<String>,
    ) -> Answer {
        let mut r = self.http.request(method, format!("{}{path}", self.url));
        for (k, v) in headers {
            r = r.header(*k, v);
        }
        if let Some(b) = body {
            r = r.body(b);
        }
        self.send(r, path)
    }

    pub fn get(&self, path: &str, auth: Auth) -> Answer {
        self.request(reqwest::Method::GET, path, auth, None)
    }

    /// A request written byte for byte (no client-side path normalization); the status code.
    pub fn raw(&self, request_line_path: &str, token: &str) -> (u16, String) {
        let addr = self.url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        write!(
            s,
            "GET {request_line_path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        let _ = s.read_to_string(&mut text);
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    /// Everything the server printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// The server's output once it holds `needle` (the reader threads copy it as it comes, so
    /// a line logged for the last request may still be on its way), or after 10 s as it is.
    pub fn output_with(&self, needle: &str) -> String {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let out = self.output();
            if out.contains(needle) || std::time::Instant::now() > until {
                return out;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every route of the UI and the API for the demo tenant, the ring and a run.
pub fn routes(s: &Server) -> Vec<String> {
    let ring = s.repo.ring();
    let p = format!("/tenants/demo/policies/{ring}");
    let run = "/runs/20260115T093000Z-test02";
    let mut all = vec![];
    for prefix in ["", "/api"] {
        all.extend([
            format!("{prefix}/tenants/demo"),
            format!("{prefix}{p}"),
            format!("{prefix}{p}?rev=HEAD~1"),
            format!("{prefix}{p}/history"),
            format!("{prefix}{p}/diff?from=HEAD~1&to=HEAD"),
            format!("{prefix}/tenants/demo/runs"),
            format!("{prefix}/tenants/demo/runs?page=1"),
            format!("{prefix}/tenants/demo{run}"),
            format!("{prefix}/tenants/demo/drift"),
            format!("{prefix}/tenants/demo/inventory"),
            format!("{prefix}/tenants/demo/inventory?platform=windows&sort=name"),
        ]);
    }
    all.push(format!("/tenants/demo/groups/{KIOSK}"));
    all.push("/".into());
    all.push("/api/tenants".into());
    all.push("/metrics".into());
    all
}
