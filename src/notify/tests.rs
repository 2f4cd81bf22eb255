//! Notification formats and delivery against a local receiver: each format's shape, per-target
//! order, retries, and a dead receiver that costs a counter and never shows its URL.

use super::*;
use crate::records::status::{DriftObject, RoundKind, RoundResult};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use std::sync::Mutex;

type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;
type Script = Arc<Mutex<std::collections::HashMap<String, Vec<u16>>>>;

/// A local receiver: answers each path with the status scripted for it (default 200), records bodies.
async fn receiver(script: Vec<(&'static str, Vec<u16>)>) -> (String, Received) {
    let got: Received = Arc::default();
    let script = Arc::new(Mutex::new(
        script
            .into_iter()
            .map(|(p, s)| (p.to_string(), s))
            .collect::<std::collections::HashMap<_, _>>(),
    ));
    let app = Router::new()
        .route(
            "/{*path}",
            post(
                |State((got, script)): State<(Received, Script)>,
                 uri: axum::http::Uri,
                 body: axum::Json<serde_json::Value>| async move {
                    let path = uri.path().to_string();
                    let status = script
                        .lock()
                        .unwrap()
                        .get_mut(&path)
                        .and_then(|s| (!s.is_empty()).then(|| s.remove(0)))
                        .unwrap_or(200);
                    got.lock().unwrap().push((path, body.0));
                    StatusCode::from_u16(status).unwrap()
                },
            ),
        )
        .with_state((got.clone(), script));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), got)
}

fn target(name: &str, format: NotificationFormat, url: String) -> NotificationTarget {
    NotificationTarget {
        name: name.into(),
        format,
        url_env: None,
        url: Some(url),
        events: vec![
            NotificationEvent::Finished,
            NotificationEvent::Failed,
            NotificationEvent::Drift,
        ],
        tenants: vec![],
    }
}

fn event(kind: NotificationEvent, result: RoundResult) -> Event {
    let t: jiff::Timestamp = "2026-03-04T05:06:07Z".parse().unwrap();
    Event {
        kind,
        tenant: "contoso".into(),
        mode: Mode::Report,
        round: Round {
            run_id: "20260304T050607Z-abcdef".into(),
            kind: RoundKind::Report,
            result,
            started: t,
            finished: t + jiff::SignedDuration::from_secs(42),
            message: Some("1 object drifted <since> the last backup".into()),
            trigger: "timer".into(),
            runs: vec![],
        },
        drift: Some(Drift {
            checked: t,
            against: "a".repeat(40),
            objects: (0..12)
                .map(|i| DriftObject {
                    change: "changed".into(),
                    kind: "settingsCatalog".into(),
                    name: format!("Baseline <{i}> & co"),
                    path: format!("tenants/contoso/settingsCatalog/baseline-{i}--0000000{i}.yaml"),
                })
                .collect(),
            unread: vec![],
            corrected: vec![],
        }),
        health: vec![],
    }
}

#[test]
fn formats_say_the_same_things() {
    let e = event(NotificationEvent::Drift, RoundResult::Drift);
    let url = "https://atlas.example/tenants/contoso/runs/20260304T050607Z-abcdef";
    let link = Some(url);
    let j = format::payload(NotificationFormat::Json, &e, link);
    assert_eq!(j["event"], "drift");
    assert_eq!(j["tenant"], "contoso");
    assert_eq!(j["result"], "drift");
    assert_eq!(j["mode"], "report");
    assert_eq!(j["drift"]["count"], 12);
    assert_eq!(j["link"], url);

    let t = format::payload(NotificationFormat::Teams, &e, link);
    assert_eq!(t["type"], "message");
    let a = &t["attachments"][0];
    assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
    assert_eq!(a["content"]["type"], "AdaptiveCard");
    assert_eq!(a["content"]["actions"][0]["type"], "Action.OpenUrl");
    assert_eq!(a["content"]["actions"][0]["url"], url);
    let text = a["content"].to_string();
    assert!(text.contains("drift in 12 objects"), "{text}");
    assert!(text.contains("… and 2 more"), "{text}");
    let facts = a["content"]["body"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "FactSet")
        .unwrap();
    assert!(facts["facts"].to_string().contains("42 s"));

    let s = format::payload(NotificationFormat::Slack, &e, link);
    assert!(s["text"].as_str().unwrap().contains("contoso"));
    assert_eq!(s["blocks"][0]["type"], "header");
    let blocks = s["blocks"].to_string();
    assert!(blocks.contains("Baseline &lt;0&gt; &amp; co"), "{blocks}");
    assert!(!blocks.contains("Baseline <0>"), "{blocks}");
    let button = s["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .unwrap();
    assert_eq!(button["elements"][0]["url"], url);
}

#[tokio::test]
async fn delivers_each_format_to_the_targets_that_want_it() {
    let (base, got) = receiver(vec![]).await;
    let mut only_failed = target(
        "failures",
        NotificationFormat::Json,
        format!("{base}/failed"),
    );
    only_failed.events = vec![NotificationEvent::Failed];
    let mut other_tenant = target("other", NotificationFormat::Json, format!("{base}/other"));
    other_tenant.tenants = vec!["fabrikam".into()];
    let n = Notifier::new(
        &[
            target("json", NotificationFormat::Json, format!("{base}/json")),
            target("teams", NotificationFormat::Teams, format!("{base}/teams")),
            target("slack", NotificationFormat::Slack, format!("{base}/slack")),
            only_failed,
            other_tenant,
        ],
        Some("https://atlas.example/"),
    )
    .unwrap();
    n.send(&event(NotificationEvent::Drift, RoundResult::Drift));
    n.flush(Duration::from_secs(30)).await;
    let mut got = got.lock().unwrap().clone();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["/json", "/slack", "/teams"]);
    let link = "https://atlas.example/tenants/contoso/runs/20260304T050607Z-abcdef";
    assert_eq!(got[0].1["link"], link);
    assert_eq!(
        got[2].1["attachments"][0]["content"]["type"],
        "AdaptiveCard"
    );
    assert!(got[1].1["blocks"].is_array());
    assert_eq!(
        n.stats(),
        DeliveryStats {
            delivered: 3,
            failed: 0,
            retries: 0
        }
    );
}

#[tokio::test]
async fn retries_server_errors_but_not_refusals() {
    let (base, got) = receiver(vec![("/flaky", vec![503]), ("/refuses", vec![400])]).await;
    let n = Notifier::new(
        &[
            target("flaky", NotificationFormat::Json, format!("{base}/flaky")),
            target(
                "refuses",
                NotificationFormat::Json,
                format!("{base}/refuses"),
            ),
        ],
        None,
    )
    .unwrap();
    n.send(&event(NotificationEvent::Finished, RoundResult::NoChange));
    n.flush(Duration::from_secs(30)).await;
    let s = n.stats();
    assert_eq!((s.delivered, s.failed, s.retries), (1, 1, 1));
    // The flaky one was sent twice; the refused one once; no link without a server address.
    assert_eq!(got.lock().unwrap().len(), 3);
    assert!(got.lock().unwrap()[0].1.get("link").is_none());
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_dead_receiver_costs_a_counter_and_never_shows_its_url() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // A port nobody listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let canary = "hook-secret-CANARY-7f3a";
    let mut t = target("dead", NotificationFormat::Teams, String::new());
    t.url = None;
    t.url_env = Some("ATLAS_TEST_DEAD_HOOK".into());
    let missing = Notifier::new(std::slice::from_ref(&t), None).unwrap_err();
    assert!(
        missing.to_string().contains("ATLAS_TEST_DEAD_HOOK")
            && missing.to_string().contains("(dead)"),
        "{missing}"
    );
    t.url_env = None;
    t.url = Some(format!("http://127.0.0.1:{port}/webhook/{canary}"));
    let n = Notifier::new(&[t], None).unwrap();
    assert!(!format!("{n:?}").contains(canary));
    n.send(&event(NotificationEvent::Failed, RoundResult::Failed));
    // `send` returned at once; the delivery fails in the background after its retries.
    assert_eq!(n.stats().delivered + n.stats().failed, 0);
    n.flush(Duration::from_secs(60)).await;
    assert_eq!(n.stats().failed, 1);
    assert_eq!(n.stats().retries, ATTEMPTS as u64 - 1);
    let last = n.last_failure().unwrap();
    assert_eq!(last.target, "dead");
    assert!(
        !last.error.is_empty() && !last.error.contains(canary),
        "{last:?}"
    );
    // Whatever reached the log (the HTTP stack's own lines included) does not carry the URL's path.
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        !text.contains(canary),
        "the URL leaked into the log: {text}"
    );
}

#[test]
fn links_and_base_urls() {
    assert_eq!(
        run_link("https://a.example/", "contoso", "r1"),
        "https://a.example/tenants/contoso/runs/r1"
    );
    let mut config = crate::config::Config::default();
    assert_eq!(base_url(&config), None);
    config.server = Some(crate::config::ServerConfig {
        listen: "127.0.0.1:8080".into(),
        public_url: None,
        tokens: vec![],
        header_timeout: None,
        max_connections: None,
    });
    assert_eq!(base_url(&config).as_deref(), Some("http://127.0.0.1:8080"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_receives_events_in_the_order_they_happened() {
    let (base, got) = receiver(vec![("/ordered", vec![503])]).await;
    let n = Notifier::new(
        &[target(
            "ordered",
            NotificationFormat::Json,
            format!("{base}/ordered"),
        )],
        None,
    )
    .unwrap();
    let mut sent = vec![];
    for i in 0..8 {
        let mut e = event(NotificationEvent::Finished, RoundResult::NoChange);
        e.round.run_id = format!("run-{i}");
        sent.push(e.round.run_id.clone());
        n.send(&e);
    }
    n.flush(Duration::from_secs(60)).await;
    // The first delivery is retried once (503) and still arrives before the second.
    let got: Vec<String> = got
        .lock()
        .unwrap()
        .iter()
        .map(|(_, v)| v["runId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got[1..], sent[..], "{got:?}");
    assert_eq!(n.stats().delivered, 8);
}

#[test]
fn long_messages_are_clipped_in_chat_formats_only() {
    let mut e = event(NotificationEvent::Failed, RoundResult::Refused);
    e.round.message = Some("reason; ".repeat(1000));
    let slack = format::payload(NotificationFormat::Slack, &e, None).to_string();
    let teams = format::payload(NotificationFormat::Teams, &e, None).to_string();
    let json = format::payload(NotificationFormat::Json, &e, None);
    assert!(slack.len() < 4000 && slack.contains('…'), "{}", slack.len());
    assert!(teams.len() < 4000 && teams.contains('…'), "{}", teams.len());
    assert_eq!(json["message"].as_str().unwrap().len(), 8000);
}
