//! Notifications from the loop: drift and the round's end reach a local receiver as JSON with a
//! link to the run page; a receiver that is down changes nothing about the round.

use super::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A minimal HTTP receiver: answers 204 to every POST and keeps the bodies.
pub(super) fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(vec![]));
    let keep = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_ok()
                && let Ok(v) = serde_json::from_slice::<Value>(&body)
            {
                keep.lock().unwrap().push(v);
            }
            let mut s = stream;
            let _ = s.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
        }
    });
    (url, got)
}

/// The `event` of every message the receiver got, in order.
fn kinds(got: &Arc<Mutex<Vec<Value>>>) -> Vec<String> {
    got.lock()
        .unwrap()
        .iter()
        .map(|v| v["event"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn drift_and_round_ends_reach_a_receiver_and_a_dead_one_blocks_nothing() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["noisy"], 6);
    let g = &gens[0];
    let (url, got) = receiver();
    // A port nothing listens on.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    let rest = format!(
        "{LOOP}server: {{listen: '127.0.0.1:8089', publicUrl: 'https://atlas.example/'}}\nnotifications:\n- {{name: receiver, url: '{url}'}}\n- {{name: dead, urlEnv: DEAD_HOOK}}\n"
    );
    let env = repo_with(
        &gens,
        &tenant_yaml(g, &emu.url(), "  mode: report\n"),
        &rest,
    )
    .env("DEAD_HOOK", &dead);
    set_description(
        &emu,
        &graph(&emu, g),
        &plain_device_configuration(g),
        "drifted",
    );
    let (code, o, e) = once(&env, &[]);
    assert_eq!(
        code, 2,
        "the dead receiver does not change the result\n{o}\n{e}"
    );
    let events = got.lock().unwrap().clone();
    let kinds: Vec<&str> = events
        .iter()
        .map(|v| v["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["drift", "finished"], "{events:#?}");
    let run = status(&env, "noisy").unwrap()["lastRound"]["runId"]
        .as_str()
        .unwrap()
        .to_string();
    for v in &events {
        assert_eq!(v["tenant"], "noisy");
        assert_eq!(v["runId"], run.as_str());
        assert_eq!(
            v["link"],
            format!("https://atlas.example/tenants/noisy/runs/{run}")
        );
    }
    assert_eq!(events[0]["drift"]["count"], 1, "{:#}", events[0]);
    // The dead target's URL is a secret: never in the output.
    assert!(!e.contains(&dead) && !o.contains(&dead), "{e}");
    assert!(grep_dir(&env.repo(), &dead).is_empty());

    // A target whose variable is not set stops the loop at start, naming target and variable.
    let env = env.env("DEAD_HOOK", "");
    let (code, _, e) = once(&env, &[]);
    assert_eq!(code, 64, "{e}");
    assert!(e.contains("dead") && e.contains("DEAD_HOOK"), "{e}");
}

#[test]
fn a_backup_that_commits_a_change_notifies_what_changed() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["kept"], 6);
    let g = &gens[0];
    let (url, got) = receiver();
    let rest = format!("{LOOP}notifications:\n- {{name: receiver, url: '{url}'}}\n");
    let env = repo_with(&gens, &tenant_yaml(g, &emu.url(), ""), &rest);
    // Nothing changed since the repository's backup: the round only finishes.
    let (code, o, e) = once(&env, &[]);
    assert_eq!(code, 0, "{o}\n{e}");
    assert_eq!(kinds(&got), ["finished"]);
    let obj = plain_device_configuration(g);
    set_description(&emu, &graph(&emu, g), &obj, "changed between backups");
    let (code, o, e) = once(&env, &[]);
    assert_eq!(code, 0, "{o}\n{e}");
    assert_eq!(kinds(&got), ["finished", "drift", "finished"]);
    let drift = got.lock().unwrap()[1].clone();
    assert_eq!(drift["result"], "success", "{drift:#}");
    assert_eq!(drift["drift"]["count"], 1, "{drift:#}");
    let changed = &drift["drift"]["objects"][0];
    assert_eq!(changed["change"], "changed");
    assert_eq!(changed["name"], obj["displayName"], "{drift:#}");
    let parent = git(&env.repo(), &["rev-parse", "HEAD^"]);
    assert_eq!(drift["drift"]["against"].as_str().unwrap(), parent.trim());
}

#[test]
fn a_second_sigterm_exits_at_once_while_deliveries_wait() {
    // A receiver that accepts connections and never answers: the stopped loop waits for it.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", silent.local_addr().unwrap());
    let (emu, gens) = fleet(EmulatorConfig::default(), &["quiet"], 4);
    let g = &gens[0];
    let rest = format!("{LOOP}notifications:\n- {{name: silent, url: '{url}'}}\n");
    let env = repo_with(&gens, &tenant_yaml(g, &emu.url(), ""), &rest);
    let mut child = spawn(&env, &[]);
    wait_for("a round", &env, || {
        (rounds(&env, "quiet") >= 1).then_some(())
    });
    // SAFETY: signals our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    wait_for("the stop to be seen", &env, || {
        output_of(&env).1.contains("stop signal").then_some(())
    });
    let code = terminate(&mut child);
    let (o, e) = output_of(&env);
    assert_eq!(code, 130, "{o}\n{e}");
    assert!(e.contains("second stop signal"), "{e}");
    drop(silent);
}

/// A token expiring in ten days is announced by a `health` message after the round that finds it,
/// once: the next round, with nothing new to say, sends none.
#[test]
fn a_token_about_to_expire_is_announced_once() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["apple"], 3);
    let g = &gens[0];
    let c = graph(&emu, g);
    // The loop's clock is the real one here: the token expires ten days and an hour from now.
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 10 + 1);
    let token = json!({
        "@odata.type": "#microsoft.graph.vppToken",
        "displayName": "Zürich – Apple \"VPP\" 🍎",
        "organizationName": "Contoso Schweiz AG",
        "appleId": "vpp@contoso.example",
        "expirationDateTime": soon.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "token": "ATLAS-CANARY-VPP-TOKEN-77c1d2",
        "roleScopeTagIds": ["0"],
    });
    let r = emu
        .rt
        .block_on(c.send(
            reqwest::Method::POST,
            "beta/deviceAppManagement/vppTokens",
            Some(&token),
        ))
        .unwrap();
    assert_eq!(r.status, 201, "{:?}", r.body);
    let (url, got) = receiver();
    let rest = format!("{LOOP}notifications:\n- {{name: receiver, url: '{url}'}}\n");
    let env = repo_with(
        &gens,
        &tenant_yaml_types(g, &emu.url(), "[vppTokens, deviceConfigurations]", ""),
        &rest,
    );
    let (code, o, e) = once(&env, &[]);
    assert_eq!(code, 0, "{o}\n{e}");
    assert_eq!(kinds(&got), ["finished", "health"]);
    let health = got.lock().unwrap()[1].clone();
    assert_eq!(health["tenant"], "apple");
    let list = health["health"].as_array().expect("the expiries");
    assert_eq!(list.len(), 1, "{health:#}");
    assert_eq!(list[0]["type"], "vppTokens");
    assert_eq!(list[0]["name"], "Zürich – Apple \"VPP\" 🍎");
    assert_eq!(list[0]["daysLeft"], 10, "{health:#}");
    // Nothing new: the next round sends no second health message.
    let (code, o, e) = once(&env, &[]);
    assert_eq!(code, 0, "{o}\n{e}");
    assert_eq!(kinds(&got), ["finished", "health", "finished"]);
    // The token itself never reached the repository.
    assert!(grep_dir(&env.repo(), "ATLAS-CANARY").is_empty());
}
