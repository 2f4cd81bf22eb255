//! The web UI in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`)
//! driven through chromedriver with fantoccini, against the served demo repository. It logs in with
//! the token form, then goes tenants → tenant → policy → history → diff → runs → run, checks what
//! each page shows and saves a PNG screenshot of every step to `target/screenshots/` (or
//! `$ATLAS_SCREENSHOT_DIR`). Without Chromium the test fails, unless `ATLAS_SKIP` names `browser`.

use crate::common::demo_objects;
use crate::serve::{CHANGED, READ, Repo};
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free loopback port, stopped on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(rt: &tokio::runtime::Runtime) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let status = format!("{url}/status");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = rt.block_on(async {
                reqwest::get(&status)
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
                    .is_some()
            });
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshot_dir() -> PathBuf {
    std::env::var_os("ATLAS_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"))
}

async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// The page's text once it contains `needle` (a click returns before the next page has loaded;
/// the generous limit only keeps a broken page from hanging the test).
async fn page_with(c: &Client, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(body) = c.find(Locator::Css("body")).await
            && let Ok(text) = body.text().await
        {
            if text.contains(needle) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no page with {needle:?}; the last one said:\n{last}");
}

async fn click(c: &Client, link: Locator<'_>) {
    c.find(link)
        .await
        .unwrap_or_else(|e| panic!("{link:?}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {link:?}: {e}"));
}

#[test]
fn a_person_browses_tenant_policy_history_diff_and_run_in_chromium() {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        if crate::common::skip_requested("browser") {
            eprintln!("note: browser test skipped as ATLAS_SKIP asks");
            return;
        }
        panic!(
            "the web UI test needs {CHROMIUM} and {CHROMEDRIVER}: `apt-get install chromium chromium-driver` (Debian), or set ATLAS_SKIP=browser to skip it knowingly"
        );
    }
    let server = Repo::new().serve();
    let rt = &server.repo.emu.rt;
    let driver = Driver::start(rt);
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "chrome".into());
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let base = server.url.clone();
    rt.block_on(async {
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a Chromium session");
        let result = async {
            // Not logged in: the login form.
            c.goto(&format!("{base}/")).await.unwrap();
            page_with(&c, "Access token").await;
            shot(&c, &dir, "01-login").await;
            c.find(Locator::Id("token"))
                .await
                .unwrap()
                .send_keys(READ)
                .await
                .unwrap();
            click(&c, Locator::Css("form[action='/login'] button")).await;

            // Tenants overview.
            let t = page_with(&c, "1 drifted").await;
            assert!(t.contains("Tenants") && t.contains("demo"), "{t}");
            assert!(
                !c.source().await.unwrap().contains(READ),
                "the token is not in the page"
            );
            shot(&c, &dir, "02-tenants").await;

            click(&c, Locator::LinkText("demo")).await;
            let t = page_with(&c, &format!("{} objects", demo_objects())).await;
            assert!(
                t.contains("Windows Update rings") && t.contains("Update Ring – Pilot"),
                "{t}"
            );
            shot(&c, &dir, "03-tenant").await;

            click(&c, Locator::LinkText("Update Ring – Pilot")).await;
            let t = page_with(&c, CHANGED).await;
            assert!(t.contains("History"), "{t}");
            shot(&c, &dir, "04-policy").await;

            click(&c, Locator::LinkText("History")).await;
            let t = page_with(&c, "History of Update Ring").await;
            assert!(
                t.contains("20260115T093000Z-test01") && t.contains("20260115T093000Z-test02"),
                "{t}"
            );
            shot(&c, &dir, "05-history").await;

            // The form compares the two latest versions by default.
            click(&c, Locator::Css("form.compare button")).await;
            let t = page_with(&c, "Diff of Update Ring – Pilot").await;
            assert!(
                t.contains("description") && t.contains(CHANGED),
                "the changed field: {t}"
            );
            assert!(t.contains("1 changed"), "{t}");
            shot(&c, &dir, "06-diff").await;

            click(&c, Locator::LinkText("demo")).await;
            page_with(&c, &format!("{} objects", demo_objects())).await;
            click(&c, Locator::LinkText("Runs")).await;
            let t = page_with(&c, "Runs of demo").await;
            assert!(t.contains("success"), "{t}");
            shot(&c, &dir, "07-runs").await;

            click(&c, Locator::LinkText("20260115T093000Z-test02")).await;
            let t = page_with(&c, "Run 20260115T093000Z-test02").await;
            assert!(t.contains("Types"), "{t}");
            assert!(t.contains("windowsUpdateRings"), "{t}");
            shot(&c, &dir, "08-run").await;
        }
        .await;
        let _ = c.close().await;
        result
    });
    for n in ["01-login", "02-tenants", "04-policy", "06-diff", "08-run"] {
        assert!(dir.join(format!("{n}.png")).exists(), "{n}");
    }
}
