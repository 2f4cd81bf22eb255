//! The loop itself: 200 rounds over three tenants (one per mode) against an emulator with faults,
//! with drift injected between rounds; and triggers during a running round coalescing into one
//! follow-up.

use super::*;

#[test]
fn two_hundred_rounds_over_three_tenants_in_three_modes_with_faults() {
    let (emu, gens) = fleet(
        EmulatorConfig {
            fault_rate: 0.05,
            fault_seed: 11,
            ..EmulatorConfig::default()
        },
        &["t-backup", "t-report", "t-enforce"],
        12,
    );
    let url = emu.url();
    let tenants = [
        tenant_yaml(&gens[0], &url, "  schedule: {backup: 200ms}\n  mode: backup\n"),
        tenant_yaml(
            &gens[1],
            &url,
            "  schedule: {backup: 200ms}\n  mode: report\n  desired: desired\n",
        ),
        tenant_yaml(
            &gens[2],
            &url,
            "  schedule: {backup: 200ms, jitter: 50ms}\n  mode: enforce\n  desired: desired\n  guardrails: {maxChanges: 5}\n",
        ),
    ]
    .concat();
    let env = repo_with(&gens, &tenants, LOOP);
    let repo = env.repo();
    let before = writes(&emu);
    let clients: Vec<_> = gens.iter().map(|g| graph(&emu, g)).collect();
    let objs: Vec<Value> = gens.iter().map(plain_device_configuration).collect();
    let original: Vec<String> = objs
        .iter()
        .map(|o| o["description"].as_str().unwrap_or_default().to_string())
        .collect();
    let report_path = |s: &Value| -> Vec<String> {
        s["drift"]["objects"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|o| o["path"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut child = spawn(&env, &[]);
    let mut injected = 0u64;
    let total = || {
        ["t-backup", "t-report", "t-enforce"]
            .map(|t| rounds(&env, t))
            .iter()
            .sum::<u64>()
    };
    // Drift is injected between rounds for as long as the 200 rounds last.
    let mut i = 0;
    while i < 5 || total() < 200 {
        i += 1;
        let (b, r, e) = (
            format!("drift-b-{i}"),
            format!("drift-r-{i}"),
            format!("drift-e-{i}"),
        );
        set_description(&emu, &clients[0], &objs[0], &b);
        set_description(&emu, &clients[1], &objs[1], &r);
        set_description(&emu, &clients[2], &objs[2], &e);
        injected += 3;
        // backup: a later round commits the change.
        wait_for("the backup tenant's drift committed", &env, || {
            at_rev_contains(&repo, "HEAD", &b, "tenants/t-backup").then_some(())
        });
        // report: reported in the status (and its run log), not committed.
        let path = wait_for("the report tenant's drift reported", &env, || {
            let s = status(&env, "t-report")?;
            let paths = report_path(&s);
            paths
                .iter()
                .find(|p| p.contains("deviceConfigurations"))
                .cloned()
        });
        assert!(
            !at_rev_contains(&repo, "HEAD", &r, "tenants"),
            "report committed drift"
        );
        // enforce: reverted to the desired state.
        wait_for("the enforce tenant's drift reverted", &env, || {
            (description(&emu, &clients[2], &objs[2]) == original[2]).then_some(())
        });
        // The report tenant's drift is undone by hand, and a later round sees that too.
        set_description(&emu, &clients[1], &objs[1], &original[1]);
        injected += 1;
        wait_for("the report tenant's drift gone", &env, || {
            let s = status(&env, "t-report")?;
            (!report_path(&s).contains(&path)).then_some(())
        });
    }
    wait_for("200 rounds", &env, || (total() >= 200).then_some(()));
    let code = terminate(&mut child);
    let (stdout, stderr) = output_of(&env);
    // Stopped by a signal, the loop exits 0 unless a tenant's last round failed (1) or was
    // partial (3): faults are injected, so which it is depends on the last rounds, as recorded.
    let last: Vec<String> = ["t-backup", "t-report", "t-enforce"]
        .iter()
        .map(|t| {
            status(&env, t).unwrap()["lastRound"]["result"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let expected = if last.iter().any(|r| r == "failed") {
        1
    } else if last.iter().any(|r| r == "partial") {
        3
    } else {
        0
    };
    assert_eq!(code, expected, "last rounds {last:?}\n{stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stdout.lines().count() as u64 >= 200,
        "a line per round: {}",
        stdout.lines().count()
    );

    // No overlapping rounds per tenant, from the run logs.
    let mut all = 0;
    for g in &gens {
        let logs = run_logs(&env, &g.name, "reconcile");
        all += logs.len();
        let mut spans: Vec<(jiff::Timestamp, jiff::Timestamp)> = logs
            .values()
            .map(|v| {
                (
                    v["started"].as_str().unwrap().parse().unwrap(),
                    v["finished"].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect();
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[1].0 >= w[0].1, "{}: rounds overlap: {w:?}", g.name);
        }
        let s = status(&env, &g.name).unwrap();
        assert_eq!(s["state"], "stopped", "{s:#}");
        assert_eq!(
            s["rounds"].as_u64().unwrap() as usize,
            logs.len(),
            "{}",
            g.name
        );
    }
    assert!(all >= 200, "{all} run logs");

    // The report tenant was never committed again; the backup tenant was.
    let commits = |t: &str| {
        git(
            &repo,
            &["log", "--format=%H", "--", &format!("tenants/{t}")],
        )
        .lines()
        .count()
    };
    assert_eq!(commits("t-report"), 1);
    assert!(commits("t-backup") >= 6, "{}", commits("t-backup"));

    // Writes: the injected changes and exactly the requests the applies logged, nothing else.
    let mut applied = 0u64;
    let mut apply_logs = vec![];
    for dir in [
        repo.join("runs/t-enforce"),
        repo.join(".git/atlas/runs/t-enforce"),
    ] {
        for (_, bytes) in tree(&dir) {
            let v: Value = serde_yaml::from_slice(&bytes).unwrap_or(Value::Null);
            if v["kind"] == "apply" {
                apply_logs.push(v);
            }
        }
    }
    for v in &apply_logs {
        for item in v["items"].as_array().into_iter().flatten() {
            for r in item["requests"].as_array().into_iter().flatten() {
                if r["recovered"] != true {
                    applied += 1;
                }
            }
        }
    }
    assert!(applied >= 5, "every enforce drift was applied: {applied}");
    let after = writes(&emu);
    let sent = |m: &str| after[m] - before[m];
    assert_eq!(sent("POST"), 0, "nothing created");
    assert_eq!(sent("DELETE"), 0);
    assert_eq!(sent("PATCH") + sent("PUT"), injected + applied, "{after:?}");
    // No duplicates anywhere.
    for g in &gens {
        assert_eq!(names_live(&emu, g, true), names_seeded(g), "{}", g.name);
    }
}

#[test]
fn triggers_during_a_running_round_coalesce_into_one_follow_up() {
    let (emu, gens) = fleet(
        EmulatorConfig {
            latency: Duration::from_millis(250),
            ..EmulatorConfig::default()
        },
        &["slow"],
        4,
    );
    let env = repo_with(&gens, &tenant_yaml(&gens[0], &emu.url(), ""), LOOP);
    let mut child = spawn(&env, &[]);
    wait_for("the first round running", &env, || {
        status(&env, "slow").filter(|s| s["state"] == "running" && s["rounds"] == 0)
    });
    let repo = tenant_atlas::store::Repo::open(&env.repo()).unwrap();
    for i in 0..10 {
        tenant_atlas::records::trigger::request(&repo, "slow", &format!("webhook:hook-{i}"))
            .unwrap();
        std::thread::sleep(Duration::from_millis(30));
    }
    assert_eq!(
        rounds(&env, "slow"),
        0,
        "the first round is slow enough to drop triggers into"
    );
    wait_for("the follow-up round", &env, || {
        status(&env, "slow").filter(|s| s["rounds"] == 2 && s["state"] == "idle")
    });
    // Nothing else is pending: no third round comes (interval 1h, no more triggers).
    std::thread::sleep(Duration::from_millis(1500));
    let s = status(&env, "slow").unwrap();
    assert_eq!(s["rounds"], 2, "{s:#}");
    assert!(
        s["lastRound"]["trigger"]
            .as_str()
            .unwrap()
            .starts_with("webhook:hook-"),
        "{s:#}"
    );
    assert_eq!(terminate(&mut child), 0);
    let logs = run_logs(&env, "slow", "reconcile");
    let triggers: Vec<&str> = logs
        .values()
        .map(|v| v["trigger"].as_str().unwrap())
        .collect();
    assert_eq!(triggers.len(), 2, "{triggers:?}");
    assert!(triggers.contains(&"start"), "{triggers:?}");
}
