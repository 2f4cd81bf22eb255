//! The web UI in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`)
//! driven through chromedriver with fantoccini, against the served demo repository. It logs in with
//! the token form, then goes tenants → tenant → policy → history → diff → runs → run, checks what
//! each page shows and saves a PNG screenshot of every step to `target/screenshots/` (or
//! `$ATLAS_SCREENSHOT_DIR`). Without Chromium the test fails, unless `ATLAS_SKIP` names `browser`.

use crate::common::demo_objects;
use crate::serve::{ADMIN, CHANGED, KIOSK, READ, RESTORE, RING_ID, Repo};
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

/// The served demo repository, chromedriver, a profile folder and where screenshots go.
struct Browser {
    server: crate::serve::Server,
    driver: Driver,
    profile: tempfile::TempDir,
    dir: PathBuf,
}

impl Browser {
    /// `None` when Chromium is missing and `ATLAS_SKIP` names `browser` (else that fails).
    fn start() -> Option<Browser> {
        if !chromium_present() {
            return None;
        }
        let server = Repo::new().serve();
        let driver = Driver::start(&server.repo.emu.rt);
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        Some(Browser {
            server,
            driver,
            profile: tempfile::tempdir().unwrap(),
            dir,
        })
    }

    /// Runs `steps` in a new Chromium session (the server's URL and the screenshot folder given),
    /// then closes the session.
    fn browse<F, Fut>(&self, steps: F)
    where
        F: FnOnce(Client, String, PathBuf) -> Fut,
        Fut: std::future::Future<Output = Client>,
    {
        self.server.repo.emu.rt.block_on(async {
            let c = session(&self.driver, self.profile.path()).await;
            let c = steps(c, self.server.url.clone(), self.dir.clone()).await;
            let _ = c.close().await;
        });
    }
}

/// Whether Chromium is there; without it the test fails unless `ATLAS_SKIP` names `browser`.
fn chromium_present() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    if crate::common::skip_requested("browser") {
        eprintln!("note: browser test skipped as ATLAS_SKIP asks");
        return false;
    }
    panic!(
        "the web UI test needs {CHROMIUM} and {CHROMEDRIVER}: `apt-get install chromium chromium-driver` (Debian), or set ATLAS_SKIP=browser to skip it knowingly"
    );
}

/// A headless Chromium session with its own profile.
async fn session(driver: &Driver, profile: &Path) -> Client {
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
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Logs in with the token form.
async fn log_in(c: &Client, base: &str, token: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    page_with(c, "Access token").await;
    c.find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(token)
        .await
        .unwrap();
    click(c, Locator::Css("form[action='/login'] button")).await;
}

#[test]
fn a_person_browses_tenant_policy_history_diff_and_run_in_chromium() {
    let Some(b) = Browser::start() else {
        return;
    };
    let dir = b.dir.clone();
    b.browse(|c, base, dir| async move {
        {
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
        c
    });
    for n in ["01-login", "02-tenants", "04-policy", "06-diff", "08-run"] {
        assert!(dir.join(format!("{n}.png")).exists(), "{n}");
    }
}

#[test]
fn a_person_filters_the_inventory_follows_a_group_and_switches_tenant_in_chromium() {
    let Some(b) = Browser::start() else {
        return;
    };
    let dir = b.dir.clone();
    b.browse(|c, base, dir| async move {
        {
            // A token of both tenants.
            log_in(&c, &base, ADMIN).await;
            page_with(&c, "fabrikam").await;
            c.goto(&format!("{base}/tenants/demo/inventory"))
                .await
                .unwrap();
            let t = page_with(&c, "Inventory of demo").await;
            assert!(t.contains(&format!("{} object(s)", demo_objects())), "{t}");
            shot(&c, &dir, "09-inventory").await;

            // Filter by name: only the update rings are left.
            let name = c
                .find(Locator::Css("form.filters input[name='name']"))
                .await
                .unwrap();
            name.send_keys("Update Ring*").await.unwrap();
            click(&c, Locator::Css("form.filters button")).await;
            let t = page_with(&c, "3 object(s)").await;
            assert!(
                t.contains("Update Ring – Pilot") && !t.contains("Edge – security baseline"),
                "{t}"
            );
            assert!(
                c.current_url()
                    .await
                    .unwrap()
                    .as_str()
                    .contains("name=Update+Ring")
            );
            // Sorted by name: the names come in order, the filter kept.
            click(&c, Locator::LinkText("name")).await;
            let t = page_with(&c, "3 object(s)").await;
            let at = |n: &str| t.find(n).unwrap_or_else(|| panic!("{n}: {t}"));
            let (b, e, p) = (
                at("Update Ring – Broad"),
                at("Update Ring – Executives"),
                at("Update Ring – Pilot"),
            );
            assert!(b < e && e < p, "{t}");
            assert!(
                c.current_url()
                    .await
                    .unwrap()
                    .as_str()
                    .contains("sort=name")
            );
            shot(&c, &dir, "10-inventory-filtered").await;

            // The kiosk group: what it gets, exclusions included.
            c.goto(&format!("{base}/tenants/demo/groups/{KIOSK}"))
                .await
                .unwrap();
            let t = page_with(&c, "What Kiosk Devices gets").await;
            assert!(t.contains("include") && t.contains("exclude"), "{t}");
            shot(&c, &dir, "11-group").await;

            // Switch to the other tenant: its inventory, not the group (which belongs to demo).
            let select = c.find(Locator::Id("switch-to")).await.unwrap();
            select.select_by_value("fabrikam").await.unwrap();
            click(&c, Locator::Css("form.switch button")).await;
            let t = page_with(&c, "Inventory of fabrikam").await;
            assert!(t.contains("0 object(s)"), "{t}");
            assert!(
                c.current_url().await.unwrap().path() == "/tenants/fabrikam/inventory",
                "the same kind of page"
            );
            shot(&c, &dir, "12-switched").await;
        }
        c
    });
    for n in [
        "09-inventory",
        "10-inventory-filtered",
        "11-group",
        "12-switched",
    ] {
        assert!(dir.join(format!("{n}.png")).exists(), "{n}");
    }
}

#[test]
fn a_person_restores_an_earlier_version_through_the_wizard_in_chromium() {
    let Some(b) = Browser::start() else {
        return;
    };
    b.browse(|c, base, dir| async move {
        {
            log_in(&c, &base, RESTORE).await;
            page_with(&c, "Tenants").await;
            click(&c, Locator::LinkText("demo")).await;
            page_with(&c, "Back up now").await;
            click(&c, Locator::LinkText("Update Ring – Pilot")).await;
            page_with(&c, CHANGED).await;
            click(&c, Locator::LinkText("History")).await;
            page_with(&c, "History of Update Ring").await;
            // The version before the change (the history lists the newest first).
            click(&c, Locator::XPath("(//a[text()='view'])[2]")).await;
            let t = page_with(&c, "Restore this version").await;
            assert!(!t.contains(CHANGED), "the earlier version: {t}");
            click(&c, Locator::LinkText("Restore this version…")).await;
            let t = page_with(&c, "Preview the restore").await;
            assert!(t.contains("Update Ring – Broad"), "{t}");
            // The ring is chosen already; choose a second item.
            let broad = c
                .find(Locator::XPath(
                    "//label[contains(., 'Update Ring – Broad')]/input",
                ))
                .await
                .unwrap();
            broad.click().await.unwrap();
            shot(&c, &dir, "13-restore-wizard").await;
            click(&c, Locator::Id("preview")).await;
            // The preview: the ring back to its earlier description, the other unchanged.
            let t = page_with(&c, "Apply this plan").await;
            assert!(t.contains("1 to update") && t.contains("succeeded"), "{t}");
            assert!(
                t.contains("Update Ring – Pilot") && t.contains("1 unchanged"),
                "{t}"
            );
            shot(&c, &dir, "14-restore-preview").await;
            click(&c, Locator::Css("form.apply button")).await;
            let t = page_with(&c, "Items").await;
            let t = if t.contains("succeeded") {
                t
            } else {
                page_with(&c, "succeeded").await
            };
            assert!(t.contains("applied"), "{t}");
            shot(&c, &dir, "15-restore-applied").await;
            // What it leaves: the inbox's word of the run, and the audit naming the token.
            c.goto(&format!("{base}/inbox")).await.unwrap();
            let t = page_with(&c, "View run").await;
            assert!(t.contains("apply of demo succeeded"), "{t}");
            shot(&c, &dir, "16-inbox").await;
            c.goto(&format!("{base}/tenants/demo/audit?who=desk"))
                .await
                .unwrap();
            let t = page_with(&c, "Audit of demo").await;
            assert!(t.contains("apply") && t.contains("plan"), "{t}");
            shot(&c, &dir, "17-audit").await;
        }
        c
    });
    let (tenant, client, secret) = crate::common::demo_credentials();
    let graph = crate::common::client_for(&b.server.repo.emu, &tenant, &client, &secret);
    let ring = b
        .server
        .repo
        .emu
        .rt
        .block_on(graph.get(&format!(
            "/beta/deviceManagement/deviceConfigurations/{RING_ID}"
        )))
        .unwrap();
    assert_ne!(
        ring["description"], CHANGED,
        "the policy is back in the tenant"
    );
}
