//! `reconcile` and `serve` as the separate processes they are in production, sharing one
//! repository: the webhook schedules a round of the running loop, the round's notification links to
//! its run page, and that page shows the round.

use super::*;
use std::io::{BufRead, BufReader};

const TRIGGER_TOKEN: &str = "atl_e2e_trigger_Jm4Ns7Pq0Rt3Uv6W";

#[test]
fn the_webhook_schedules_a_round_whose_notification_links_to_its_page() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["served"], 4);
    let g = &gens[0];
    let (hook, got) = super::notifications::receiver();
    // A free port for the server, known before it starts: run links are built from `server.listen`.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rest = format!(
        "{LOOP}notifications:\n- {{name: receiver, url: '{hook}'}}\nserver:\n  listen: '127.0.0.1:{port}'\n  tokens:\n  - {{name: ci, sha256: {}, tenants: [served], trigger: true}}\n",
        tenant_atlas::server::sha256_hex(TRIGGER_TOKEN)
    );
    let env = repo_with(
        &gens,
        &tenant_yaml(g, &emu.url(), "  mode: report\n"),
        &rest,
    );
    let mut reconcile = spawn(&env, &[]);
    wait_for("the first round", &env, || {
        status(&env, "served").filter(|s| s["rounds"] == 1 && s["state"] == "idle")
    });
    let mut serve = env
        .cmd(&["--repo", "repo", "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    assert!(first.contains(&base), "{first}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let post = rt
        .block_on(
            http.post(format!("{base}/hooks/reconcile/served"))
                .bearer_auth(TRIGGER_TOKEN)
                .send(),
        )
        .unwrap();
    assert_eq!(post.status().as_u16(), 202);
    let s = wait_for("the webhook's round", &env, || {
        status(&env, "served").filter(|s| s["rounds"] == 2 && s["state"] == "idle")
    });
    assert_eq!(s["lastRound"]["trigger"], "webhook:ci", "{s:#}");
    let run = s["lastRound"]["runId"].as_str().unwrap().to_string();

    // The round's notification links to its run page, which the server shows.
    let link = wait_for("the round's notification", &env, || {
        got.lock()
            .unwrap()
            .iter()
            .find(|v| v["runId"] == run.as_str())
            .map(|v| v["link"].as_str().unwrap().to_string())
    });
    assert_eq!(link, format!("{base}/tenants/served/runs/{run}"));
    let page = rt
        .block_on(async {
            let r = http.get(&link).bearer_auth(TRIGGER_TOKEN).send().await?;
            assert_eq!(r.status().as_u16(), 200);
            r.text().await
        })
        .unwrap();
    assert!(page.contains(&run) && page.contains("webhook:ci"), "{page}");
    // Without the token, the page is not shown.
    let anonymous = rt.block_on(http.get(&link).send()).unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    let _ = serve.kill();
    let _ = serve.wait();
    assert_eq!(terminate(&mut reconcile), 0);
}
