//! The real `serve` process on a benchmark repository, its peak memory, and concurrent clients
//! requesting its pages (tokio tasks sharing one reqwest client), with their latencies summed up.

use std::io::BufRead;
use std::path::Path;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// The bearer token of the benchmarks' clients.
pub const TOKEN: &str = "atl_bench_token_0123456789abcdefghijklmnop";

/// Adds a `server:` section to `atlas.yaml` with [`TOKEN`] for every tenant, with `roles`
/// (`[]` for reading only, `[operate]` to start runs).
pub fn add_token(repo: &Path, roles: &str) {
    let text = std::fs::read_to_string(repo.join("atlas.yaml")).unwrap();
    let roles = if roles == "[]" {
        String::new()
    } else {
        format!(", roles: {roles}")
    };
    std::fs::write(
        repo.join("atlas.yaml"),
        format!(
            "{text}server:\n  tokens:\n  - {{name: bench, sha256: {}, tenants: ['*']{roles}}}\n",
            tenant_atlas::server::sha256_hex(TOKEN)
        ),
    )
    .unwrap();
}

/// `serve --repo <repo>` on a free loopback port, with `env` (the tenants' secrets, for the runs
/// it works); stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start(repo: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenant-atlas"));
        cmd.args(["serve", "--repo", repo.to_str().unwrap()])
            .args(["--listen", "127.0.0.1:0"])
            .env("NO_COLOR", "1")
            .env("GIT_AUTHOR_NAME", "bench")
            .env("GIT_AUTHOR_EMAIL", "bench@localhost")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn serve");
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("serve said {first:?}"))
            .to_string();
        Server { child, base }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The peak resident memory (VmHWM) of a process, sampled every 20 ms until [`Peak::stop`].
pub struct Peak {
    kib: Arc<AtomicI64>,
    sampling: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Peak {
    pub fn watch(pid: u32) -> Peak {
        let kib = Arc::new(AtomicI64::new(0));
        let sampling = Arc::new(AtomicBool::new(true));
        let thread = {
            let (kib, sampling) = (kib.clone(), sampling.clone());
            std::thread::spawn(move || {
                while sampling.load(Ordering::Relaxed) {
                    if let Some(k) = hwm(pid) {
                        kib.fetch_max(k, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        Peak {
            kib,
            sampling,
            thread,
        }
    }

    /// The peak in MiB.
    pub fn stop(self) -> f64 {
        self.sampling.store(false, Ordering::Relaxed);
        self.thread.join().unwrap();
        self.kib.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

fn hwm(pid: u32) -> Option<i64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The HTTP client the load's tasks share, made on `rt`.
pub fn http(rt: &tokio::runtime::Runtime, clients: usize) -> reqwest::Client {
    let _g = rt.enter();
    reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// One GET with the benchmark token: its latency (through the whole body) and status.
pub async fn get(http: &reqwest::Client, url: &str) -> (Duration, u16) {
    let t = Instant::now();
    let r = http
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let _ = r.bytes().await.expect("body");
    (t.elapsed(), status)
}

/// When a client of [`load`] stops.
#[derive(Clone)]
pub enum Until {
    /// After this many requests.
    Requests(usize),
    /// Once this is set (checked before each request).
    Set(Arc<AtomicBool>),
    /// Once this long has passed since the load started (checked before each request).
    For(Duration),
}

/// The URL a client requests: (client, its request number) → URL.
pub type Target = Arc<dyn Fn(usize, usize) -> String + Send + Sync>;

/// How the clients of [`load`] connect.
pub enum Connections {
    /// Through one shared HTTP client. Its pool opens a connection whenever none is idle and can
    /// hold more connections than there are clients (a new connection raced against a busy one
    /// coming free is kept too).
    Shared(reqwest::Client),
    /// Each client on one HTTP/1.1 connection of its own (see [`open`]).
    Own(Vec<Own>),
}

/// One connection to `serve` per client, opened before the load starts (so that the load does
/// not begin with every client connecting at the same instant).
pub async fn open(base: &str, clients: usize) -> Connections {
    let authority = base.trim_start_matches("http://").to_string();
    let opened = futures::future::join_all((0..clients).map(|_| {
        let authority = authority.clone();
        async move {
            let mut own = Own {
                authority,
                send: None,
            };
            own.connect().await.expect("connect to serve");
            own
        }
    }));
    Connections::Own(opened.await)
}

/// One client's own connection, reopened only when the server closes it.
pub struct Own {
    authority: String,
    send: Option<hyper::client::conn::http1::SendRequest<String>>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

impl Own {
    async fn connect(&mut self) -> Result<(), Error> {
        let stream = tokio::net::TcpStream::connect(&self.authority).await?;
        let io = hyper_util::rt::TokioIo::new(stream);
        let (send, connection) = hyper::client::conn::http1::handshake(io).await?;
        tokio::spawn(connection);
        self.send = Some(send);
        Ok(())
    }

    /// As [`get`], on this connection.
    async fn get(&mut self, url: &str) -> (Duration, u16) {
        let t = Instant::now();
        let uri: hyper::Uri = url.parse().expect("a URL");
        let answer = async {
            if self.send.as_ref().is_none_or(|s| s.is_closed()) {
                self.connect().await?;
            }
            let send = self.send.as_mut().unwrap();
            send.ready().await?;
            let request = hyper::Request::get(uri.path_and_query().unwrap().as_str())
                .header(hyper::header::HOST, &self.authority)
                .header(hyper::header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(String::new())?;
            let mut response = send.send_request(request).await?;
            let body = response.body_mut();
            while let Some(frame) =
                std::future::poll_fn(|cx| hyper::body::Body::poll_frame(Pin::new(&mut *body), cx))
                    .await
            {
                frame?;
            }
            Ok::<_, Error>(response.status().as_u16())
        };
        let status = tokio::time::timeout(Duration::from_secs(120), answer)
            .await
            .expect("an answer within 120 s")
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        (t.elapsed(), status)
    }
}

/// One client of [`load`]: its own connection, or the shared HTTP client.
enum Client {
    Shared(reqwest::Client),
    Own(Own),
}

impl Client {
    async fn get(&mut self, url: &str) -> (Duration, u16) {
        match self {
            Client::Shared(http) => get(http, url).await,
            Client::Own(own) => own.get(url).await,
        }
    }
}

/// `clients` concurrent clients each requesting `target(client, i)` for i = 0, 1, … until `until`;
/// every answer must be 200. Returns the latencies of each client in the order of its requests,
/// and the wall time of the whole load.
pub async fn load(
    connections: Connections,
    clients: usize,
    target: Target,
    until: Until,
) -> (Vec<Vec<Duration>>, Duration) {
    let each: Vec<Client> = match connections {
        Connections::Shared(http) => (0..clients).map(|_| Client::Shared(http.clone())).collect(),
        Connections::Own(own) => {
            assert_eq!(own.len(), clients, "one connection per client");
            own.into_iter().map(Client::Own).collect()
        }
    };
    let started = Instant::now();
    let tasks: Vec<_> = each
        .into_iter()
        .enumerate()
        .map(|(c, mut client)| {
            let (target, until) = (target.clone(), until.clone());
            tokio::spawn(async move {
                let mut own = vec![];
                for i in 0.. {
                    match &until {
                        Until::Requests(n) if i >= *n => break,
                        Until::Set(done) if done.load(Ordering::Relaxed) => break,
                        Until::For(d) if started.elapsed() >= *d => break,
                        _ => {}
                    }
                    let url = target(c, i);
                    let (d, status) = client.get(&url).await;
                    assert_eq!(status, 200, "{url}");
                    own.push(d);
                }
                own
            })
        })
        .collect();
    let mut all = vec![];
    for t in tasks {
        all.push(t.await.unwrap());
    }
    (all, started.elapsed())
}

/// Latencies summed up: count, p50, p99, max (ms) and requests per second.
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    pub per_sec: f64,
}

pub fn summary(latencies: impl IntoIterator<Item = Duration>, wall: Duration) -> Summary {
    let mut latencies: Vec<Duration> = latencies.into_iter().collect();
    assert!(!latencies.is_empty(), "no requests");
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let q = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    Summary {
        count: latencies.len(),
        p50: ms(q(0.50)),
        p99: ms(q(0.99)),
        max: ms(*latencies.last().unwrap()),
        per_sec: latencies.len() as f64 / wall.as_secs_f64(),
    }
}

/// `<type>/<file>` of a document of `tenant` the last commit touching its folder changed.
pub fn changed_policy(repo: &Path, tenant: &str) -> String {
    let o = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["log", "-1", "--format=", "--name-only", "--"])
        .arg(format!("tenants/{tenant}"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let path = text
        .lines()
        .find(|l| l.ends_with(".yaml") && l.split('/').count() == 4 && !l.contains("/_"))
        .expect("a changed document");
    path.splitn(3, '/').nth(2).unwrap().to_string()
}
