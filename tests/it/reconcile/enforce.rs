//! Enforcement: windows and guardrails refuse and write nothing, `--once` exit codes per mode, and
//! SIGTERM during an apply leaves a journal the next start resumes without duplicates.

use super::*;

#[test]
fn once_per_mode_windows_and_guardrails() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["solo"], 6);
    let g = &gens[0];
    let url = emu.url();
    let config = |extra: &str| tenant_yaml(g, &url, extra);
    let env = repo_with(&gens, &config("  mode: backup\n"), LOOP)
        .env("ATLAS_NOW", "2026-01-15T09:30:00Z"); // a Thursday
    let c = graph(&emu, g);
    let obj = plain_device_configuration(g);
    let original = obj["description"].as_str().unwrap_or_default().to_string();
    // Nothing drifted: every mode exits 0.
    for mode in [
        "mode: backup",
        "mode: report\n  desired: desired",
        "mode: enforce\n  desired: desired",
    ] {
        write_config(&env, &config(&format!("  {mode}\n")), LOOP);
        let (code, o, e) = once(&env, &[]);
        assert_eq!(code, 0, "{mode}: {o}\n{e}");
    }
    set_description(&emu, &c, &obj, "changed by hand");
    let before = writes(&emu);
    let last = |env: &TestEnv| status(env, "solo").unwrap()["lastRound"].clone();

    // A deny window (the fixed clock is inside it) refuses, naming the window; nothing is written.
    write_config(
        &env,
        &config(
            "  mode: enforce\n  desired: desired\n  windows: {timezone: Europe/Berlin, deny: [{days: [thu], from: '10:00', to: '11:00'}]}\n",
        ),
        LOOP,
    );
    let (code, o, e) = once(&env, &[]);
    assert_eq!(code, 4, "{o}\n{e}");
    let r = last(&env);
    assert_eq!(r["result"], "refused");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("deny window deny[0]"),
        "{r:#}"
    );
    let log = &run_logs(&env, "solo", "reconcile")[r["runId"].as_str().unwrap()];
    assert!(
        log["reasons"][0]
            .as_str()
            .unwrap()
            .contains("Thu 10:30 Europe/Berlin"),
        "{log:#}"
    );
    assert_eq!(
        log["drift"]["objects"].as_array().unwrap().len(),
        1,
        "{log:#}"
    );
    assert_eq!(writes(&emu), before, "a refused round writes nothing");

    // An allow window elsewhere refuses too.
    write_config(
        &env,
        &config(
            "  mode: enforce\n  desired: desired\n  windows: {allow: [{days: [sat, sun], from: '00:00', to: '24:00'}]}\n",
        ),
        LOOP,
    );
    let (code, _, _) = once(&env, &[]);
    assert_eq!(code, 4);
    assert!(
        last(&env)["message"]
            .as_str()
            .unwrap()
            .contains("outside every allow window")
    );

    // More changes than maxChanges: reported, not applied.
    write_config(
        &env,
        &config("  mode: enforce\n  desired: desired\n  guardrails: {maxChanges: 0}\n"),
        LOOP,
    );
    let (code, o, _) = once(&env, &[]);
    assert_eq!(code, 4, "{o}");
    assert!(o.contains("exceed guardrails.maxChanges (0)"), "{o}");
    assert_eq!(writes(&emu), before);

    // Report mode: drift found, exit 2, no commit, no write.
    let head = git(&env.repo(), &["rev-parse", "HEAD"]);
    write_config(&env, &config("  mode: report\n"), LOOP);
    let (code, o, _) = once(&env, &[]);
    assert_eq!(code, 2, "{o}");
    assert_eq!(last(&env)["result"], "drift");
    assert_eq!(git(&env.repo(), &["rev-parse", "HEAD"]), head);
    assert_eq!(writes(&emu), before);

    // Enforce within the guardrails: reverted with one write, then nothing to do.
    write_config(&env, &config("  mode: enforce\n  desired: desired\n"), LOOP);
    let (code, o, e) = once(&env, &[]);
    assert_eq!(code, 0, "{o}\n{e}");
    assert_eq!(last(&env)["result"], "success");
    assert_eq!(description(&emu, &c, &obj), original);
    let after = writes(&emu);
    let total = |w: &BTreeMap<String, u64>| w.values().sum::<u64>();
    assert_eq!(total(&after) - total(&before), 1, "{after:?}");
    let (code, _, _) = once(&env, &[]);
    assert_eq!(code, 0);
    assert_eq!(last(&env)["result"], "no-change");

    // Backup mode commits drift and exits 0.
    set_description(&emu, &c, &obj, "changed again");
    write_config(&env, &config("  mode: backup\n"), LOOP);
    let (code, o, _) = once(&env, &[]);
    assert_eq!(code, 0, "{o}");
    assert_eq!(last(&env)["result"], "success");
    assert!(at_rev_contains(
        &env.repo(),
        "HEAD",
        "changed again",
        "tenants/solo"
    ));

    // Enforce without `desired` is a configuration error naming the tenant.
    write_config(&env, &config("  mode: enforce\n"), LOOP);
    let (code, _, e) = once(&env, &[]);
    assert_eq!(code, 64, "{e}");
    assert!(e.contains("tenant solo") && e.contains("desired"), "{e}");
}

#[test]
fn sigterm_during_an_apply_leaves_a_journal_the_next_start_resumes() {
    let (emu, gens, env) = cleared_enforce_tenant("apply", TYPES);
    let g = &gens[0];
    // Settings catalog policies with secret settings are blocked (no ATLAS_SECRET_… given): the
    // whole enforcement is refused and nothing written.
    let before = writes(&emu);
    let (code, o, _) = once(&env, &[]);
    assert_eq!(code, 4, "{o}");
    assert!(o.contains("blocked settingsCatalog"), "{o}");
    assert_eq!(writes(&emu), before);
    // Without the settings catalog, everything can be restored.
    write_config(
        &env,
        &tenant_yaml_types(
            g,
            &emu.url(),
            RESTORABLE,
            "  mode: enforce\n  desired: desired\n  guardrails: {maxChanges: 1000}\n",
        ),
        LOOP,
    );
    let journal_dir = env.repo().join(".git/atlas/journal/apply");
    let code = interrupt_apply(&env, &journal_dir);
    let (stdout, stderr) = output_of(&env);
    assert_eq!(
        code, 3,
        "an interrupted apply is partial\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("stopped after"), "{stdout}");
    // The journal is unfinished, the plan kept beside it, the lock released.
    let files: Vec<String> = std::fs::read_dir(&journal_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let journal = files.iter().find(|f| f.ends_with(".jsonl")).unwrap();
    let text = std::fs::read_to_string(journal_dir.join(journal)).unwrap();
    assert!(!text.contains("finished"), "{text}");
    assert!(files.iter().any(|f| f.ends_with(".plan.json")), "{files:?}");
    assert!(!env.repo().join(".git/atlas/locks/apply.lock").exists());
    let s = status(&env, "apply").unwrap();
    assert_eq!(s["state"], "stopped");
    assert_eq!(s["lastRound"]["result"], "partial");
    let posts_before = writes(&emu)["POST"];
    assert!(posts_before > 0);

    // The next start resumes the kept plan first, without resending what was done.
    let (code, o, e) = once(&env, &[]);
    assert_eq!(code, 0, "{o}\n{e}");
    assert!(o.contains("resumed the interrupted apply"), "{o}");
    // The drift the round applied away is no longer drift: the status lists it as corrected.
    let s = status(&env, "apply").unwrap();
    assert_eq!(
        s["drift"]["objects"].as_array().map_or(0, Vec::len),
        0,
        "{s:#}"
    );
    assert!(
        !s["drift"]["corrected"].as_array().unwrap().is_empty(),
        "{s:#}"
    );
    // The round lists its apply and the backup that followed it (its last run, not that backup).
    assert_eq!(s["lastRound"]["runs"].as_array().unwrap().len(), 2, "{s:#}");
    let text = std::fs::read_to_string(journal_dir.join(journal)).unwrap();
    assert!(text.contains("finished"), "{text}");
    assert!(
        !std::fs::read_dir(&journal_dir)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".plan.json")),
        "the kept plan is dropped once its journal finished"
    );
    // Every restorable object exactly once, by name.
    let live = names_live(&emu, g, false);
    let seeded = names_seeded(g);
    for coll in [
        "beta/deviceManagement/deviceConfigurations",
        "beta/deviceManagement/deviceCompliancePolicies",
        "beta/deviceManagement/roleScopeTags",
        "beta/deviceManagement/assignmentFilters",
    ] {
        assert_eq!(live.get(coll), seeded.get(coll), "{coll}");
    }
    // A new plan finds nothing to do, and the next round agrees.
    let (code, o, e) = out(&env.run(&[
        "--repo", "repo", "plan", "--tenant", "apply", "--from", "desired",
    ]));
    assert_eq!(code, 0, "{o}\n{e}");
    let (code, o, _) = once(&env, &[]);
    assert_eq!(code, 0, "{o}");
    assert_eq!(
        status(&env, "apply").unwrap()["lastRound"]["result"],
        "no-change"
    );
}

/// Emulator latency of the tests that stop an apply mid-way: the restore has 17 creates, so after
/// the three the test waits for, at least four seconds of requests remain for the SIGTERM to land
/// in, even on a loaded machine.
const APPLY_LATENCY: Duration = Duration::from_millis(300);

/// The types a restore can write without secrets.
const RESTORABLE: &str =
    "[deviceConfigurations, windowsUpdateRings, compliancePolicies, scopeTags, assignmentFilters]";

/// Journal lines written in `dir` so far.
fn journal_lines(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
        .map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap_or_default()
                .lines()
                .count()
        })
        .sum()
}

/// Starts the loop, sends SIGTERM once its apply journalled a few requests (journal in
/// `journal_dir`), and returns the exit code.
/// A tenant `name` in enforce mode backing up `types`, backed up once and then emptied in the
/// emulator (latency wide enough to stop its restore mid-way), so enforcing restores it all.
fn cleared_enforce_tenant(name: &str, types: &str) -> (Emu, Vec<Gen>, TestEnv) {
    let (emu, gens) = fleet(
        EmulatorConfig {
            latency: APPLY_LATENCY,
            ..EmulatorConfig::default()
        },
        &[name],
        14,
    );
    let enforce = tenant_yaml_types(
        &gens[0],
        &emu.url(),
        types,
        "  mode: enforce\n  desired: desired\n  guardrails: {maxChanges: 1000}\n",
    );
    let env = repo_with(&gens, &enforce, LOOP);
    emu.handle
        .as_ref()
        .unwrap()
        .clear_tenant(&gens[0].id)
        .unwrap();
    (emu, gens, env)
}

fn interrupt_apply(env: &TestEnv, journal_dir: &Path) -> i32 {
    let mut child = spawn(env, &[]);
    wait_for("the apply under way", env, || {
        (journal_lines(journal_dir) >= 6).then_some(())
    });
    terminate(&mut child)
}

/// The kept plans in a journal folder.
fn kept_plans(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".plan.json"))
        .collect()
}

#[test]
fn a_kept_plan_is_not_resumed_once_desired_moved() {
    let (emu, gens, env) = cleared_enforce_tenant("moved", RESTORABLE);
    let g = &gens[0];
    let journal_dir = env.repo().join(".git/atlas/journal/moved");
    let code = interrupt_apply(&env, &journal_dir);
    let (stdout, stderr) = output_of(&env);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert_eq!(kept_plans(&journal_dir).len(), 1);

    // `desired` moves on: one device configuration gets another description.
    let obj = plain_device_configuration(g);
    let name = obj["displayName"].as_str().unwrap();
    let found = git(
        &env.repo(),
        &[
            "grep",
            "-l",
            name,
            "desired",
            "--",
            "tenants/moved/deviceConfigurations",
        ],
    );
    let path = found
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("desired:")
        .to_string();
    let wt = env.path().join("desired-wt");
    git(
        &env.repo(),
        &["worktree", "add", wt.to_str().unwrap(), "desired"],
    );
    let text = std::fs::read_to_string(wt.join(&path)).unwrap();
    let edited: String = text
        .lines()
        .map(|l| match l.split_once("description:") {
            Some((indent, _)) if indent.trim().is_empty() => {
                format!("{indent}description: moved on\n")
            }
            _ => format!("{l}\n"),
        })
        .collect();
    assert_ne!(edited, text, "{text}");
    std::fs::write(wt.join(&path), edited).unwrap();
    let id = ["-c", "user.name=T", "-c", "user.email=t@example.test"];
    git(
        &wt,
        &[&id[..], &["commit", "-qam", "desired moves on"]].concat(),
    );
    git(
        &env.repo(),
        &["worktree", "remove", "--force", wt.to_str().unwrap()],
    );

    // The next round drops the old plan and plans the new desired state.
    let (code, o, e) = once(&env, &[]);
    assert_eq!(code, 0, "{o}\n{e}");
    assert!(!o.contains("resumed the interrupted apply"), "{o}");
    assert!(o.contains("dropped the interrupted apply"), "{o}");
    assert!(kept_plans(&journal_dir).is_empty());
    let c = graph(&emu, g);
    let list = emu
        .rt
        .block_on(c.send(
            reqwest::Method::GET,
            "beta/deviceManagement/deviceConfigurations",
            None,
        ))
        .unwrap()
        .body
        .unwrap();
    let live = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["displayName"] == name)
        .cloned()
        .unwrap();
    assert_eq!(live["description"], "moved on", "{live:#}");
    // Every restorable object exactly once, by name.
    let live = names_live(&emu, g, false);
    let seeded = names_seeded(g);
    for coll in [
        "beta/deviceManagement/deviceConfigurations",
        "beta/deviceManagement/deviceCompliancePolicies",
        "beta/deviceManagement/roleScopeTags",
        "beta/deviceManagement/assignmentFilters",
    ] {
        assert_eq!(live.get(coll), seeded.get(coll), "{coll}");
    }
}

#[test]
fn an_apply_stopped_before_its_first_request_keeps_nothing() {
    use tenant_atlas::apply::{self, ApplySettings};
    let (emu, gens) = fleet(EmulatorConfig::default(), &["early"], 6);
    let g = &gens[0];
    let enforce = tenant_yaml_types(
        g,
        &emu.url(),
        RESTORABLE,
        "  mode: enforce\n  desired: desired\n",
    );
    let env = repo_with(&gens, &enforce, LOOP);
    let c = graph(&emu, g);
    set_description(&emu, &c, &plain_device_configuration(g), "changed by hand");
    let file = env.path().join("plan.json");
    let (code, o, e) = out(&env.run(&[
        "--repo",
        "repo",
        "plan",
        "--tenant",
        "early",
        "--from",
        "desired",
        "--out",
        file.to_str().unwrap(),
    ]));
    assert_eq!(code, 2, "{o}\n{e}");
    let plan: tenant_atlas::plan::Plan =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(plan.summary.to_apply(), 1);
    let target = tenant_atlas::backup::TenantTarget {
        name: g.name.clone(),
        tenant_id: g.id.clone(),
        cloud: Default::default(),
        client: c,
        entries: tenant_atlas::catalog::all().iter().collect(),
    };
    let stop = tokio_util::sync::CancellationToken::new();
    stop.cancel();
    let settings = ApplySettings {
        secrets: Default::default(),
        author: tenant_atlas::store::Identity {
            name: "T".into(),
            email: "t@example.test".into(),
        },
        command: "test".into(),
        break_lock: None,
        backup_after: false,
        stop: Some(stop),
        verify_key: None,
        requested_by: None,
    };
    let before = writes(&emu);
    let report = emu
        .rt
        .block_on(apply::apply(env.repo(), target, plan, settings));
    assert_eq!(
        report.outcome,
        apply::runlog::Outcome::Refused,
        "{report:?}"
    );
    assert_eq!(report.message.as_deref(), Some(apply::STOPPED_BEFORE));
    assert!(!report.interrupted);
    assert!(kept_plans(&env.repo().join(".git/atlas/journal/early")).is_empty());
    assert_eq!(writes(&emu), before);
}
