//! What schedules a round besides the timer: the desired ref moving, `atlas.yaml` changing (a
//! broken file keeps the running configuration); and failed rounds backing off, visibly.

use super::*;

#[test]
fn a_moved_desired_ref_and_a_config_edit_schedule_rounds() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["watched"], 4);
    let g = &gens[0];
    let report = tenant_yaml(g, &emu.url(), "  mode: report\n  desired: desired\n");
    let env = repo_with(&gens, &report, LOOP);
    let repo = env.repo();
    let mut child = spawn(&env, &[]);
    wait_for("the first round", &env, || {
        status(&env, "watched").filter(|s| s["rounds"] == 1 && s["state"] == "idle")
    });
    // A commit on the desired branch: the watch schedules a round.
    std::fs::write(repo.join("notes.txt"), "moved\n").unwrap();
    commit_all(&repo, "a change of the desired state");
    git(&repo, &["branch", "-f", "desired", "HEAD"]);
    let s = wait_for("a round after the ref moved", &env, || {
        status(&env, "watched").filter(|s| s["rounds"] == 2 && s["state"] == "idle")
    });
    assert_eq!(s["lastRound"]["trigger"], "watch", "{s:#}");
    let head = git(&repo, &["rev-parse", "HEAD"]);
    assert_eq!(s["drift"]["against"].as_str().unwrap(), head.trim());

    // A broken atlas.yaml is reported and the loop keeps the configuration it has.
    std::fs::write(repo.join("atlas.yaml"), "tenants:\n- name: [\n").unwrap();
    wait_for("the reload error", &env, || {
        let (_, err) = output_of(&env);
        err.contains("does not load").then_some(())
    });
    let (_, err) = output_of(&env);
    assert!(err.contains("atlas.yaml"), "{err}");
    assert_eq!(rounds(&env, "watched"), 2);
    // A good one is loaded and runs every tenant with it.
    write_config(&env, &tenant_yaml(g, &emu.url(), "  mode: backup\n"), LOOP);
    let s = wait_for("a round with the new configuration", &env, || {
        status(&env, "watched").filter(|s| s["rounds"] == 3 && s["state"] == "idle")
    });
    assert_eq!(s["lastRound"]["trigger"], "config", "{s:#}");
    assert_eq!(s["mode"], "backup");
    assert_eq!(s["lastRound"]["kind"], "backup");
    assert_eq!(terminate(&mut child), 0);
}

#[test]
fn failed_rounds_back_off_visibly_and_recover() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["flaky"], 4);
    let mut g = gens[0].clone();
    let env = repo_with(&gens, &tenant_yaml(&g, &emu.url(), ""), LOOP);
    // The secret's variable is not set: every round fails.
    g.env = "NOT_SET_ANYWHERE".into();
    write_config(
        &env,
        &tenant_yaml(&g, &emu.url(), "  schedule: {backup: 50ms}\n"),
        LOOP,
    );
    let mut child = spawn(&env, &[]);
    let s = wait_for("three failed rounds", &env, || {
        status(&env, "flaky").filter(|s| s["consecutiveFailures"].as_u64() >= Some(3))
    });
    assert_eq!(s["lastFailure"]["result"], "failed", "{s:#}");
    assert!(
        s["lastFailure"]["message"]
            .as_str()
            .unwrap()
            .contains("NOT_SET_ANYWHERE"),
        "{s:#}"
    );
    let logs = run_logs(&env, "flaky", "reconcile");
    let triggers: Vec<&str> = logs
        .values()
        .map(|v| v["trigger"].as_str().unwrap())
        .collect();
    assert!(triggers.contains(&"retry"), "{triggers:?}");
    let backing_off = wait_for("a status while backing off", &env, || {
        status(&env, "flaky").filter(|s| s["state"] == "backing-off")
    });
    assert!(backing_off["backoffUntil"].is_string(), "{backing_off:#}");
    // Fixed: the next round succeeds and the count resets; the last failure stays on record.
    write_config(
        &env,
        &tenant_yaml(&gens[0], &emu.url(), "  schedule: {backup: 1h}\n"),
        LOOP,
    );
    let s = wait_for("a successful round", &env, || {
        status(&env, "flaky")
            .filter(|s| s["consecutiveFailures"] == 0 && s["lastRound"]["result"] == "no-change")
    });
    assert_eq!(s["lastFailure"]["result"], "failed");
    assert!(s.get("backoffUntil").is_none(), "{s:#}");
    assert_eq!(terminate(&mut child), 0);
}

#[test]
fn a_tenant_locked_by_another_run_is_refused_not_backed_off() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["busy"], 6);
    let g = &gens[0];
    let url = emu.url();
    let env = repo_with(&gens, &tenant_yaml(g, &url, ""), LOOP);
    let repo = tenant_atlas::store::Repo::open(&env.repo()).unwrap();
    use tenant_atlas::store::lock::{LockHolder, TenantLock};
    // A person's apply holds the tenant (this test process: alive, so not stale).
    let lock = TenantLock::acquire(
        &repo,
        "busy",
        LockHolder::current(
            "20260115T093000Z-person",
            "2026-01-15T09:00:00Z".parse().unwrap(),
            "tenant-atlas apply plan.json",
        ),
    )
    .unwrap();
    for mode in ["mode: backup", "mode: enforce\n  desired: desired"] {
        if mode.contains("enforce") {
            set_description(
                &emu,
                &graph(&emu, g),
                &plain_device_configuration(g),
                "drift",
            );
        }
        write_config(&env, &tenant_yaml(g, &url, &format!("  {mode}\n")), LOOP);
        let (code, o, e) = once(&env, &[]);
        assert_eq!(code, 4, "{mode}: {o}\n{e}");
        assert!(o.contains("locked by run 20260115T093000Z-person"), "{o}");
        let s = status(&env, "busy").unwrap();
        assert_eq!(s["lastRound"]["result"], "refused");
        assert_eq!(
            s["consecutiveFailures"], 0,
            "a lock is not a failure: {s:#}"
        );
        assert!(s.get("backoffUntil").is_none());
    }
    lock.release().unwrap();
    let (code, o, _) = once(&env, &[]);
    assert_eq!(code, 0, "{o}");
    assert_eq!(
        status(&env, "busy").unwrap()["lastRound"]["result"],
        "success"
    );
}
