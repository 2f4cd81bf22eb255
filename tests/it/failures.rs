//! Failures reported fast, once, and cleaned up after: an unreachable sign-in endpoint, refused
//! credentials (once per tenant, with the AADSTS code and a hint), Ctrl-C during a backup, and a
//! lock left by a process that is gone.

use crate::common::*;
use std::time::{Duration, Instant};
use tenant_atlas::emulator::EmulatorConfig;

/// A wrong secret that must appear nowhere.
const CANARY: &str = "CANARY-wrong-secret-5d1e";

/// What varies between runs, replaced in snapshots: temp paths, ports, times, waits.
fn filters(env: &TestEnv) -> Vec<(String, &'static str)> {
    vec![
        (regex_escape(&env.path().display().to_string()), "[TMP]"),
        (r"127\.0\.0\.1:\d+".into(), "127.0.0.1:[PORT]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z".into(), "[TIME]"),
        (r"\d+(\.\d)? s\b".into(), "[N] s"),
    ]
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// stdout and stderr of a run, as a snapshot shows them.
fn shown(code: i32, stdout: &str, stderr: &str) -> String {
    format!("exit {code}\n--- stdout\n{stdout}--- stderr\n{stderr}")
}

macro_rules! snapshot {
    ($env:expr, $name:expr, $text:expr) => {{
        let mut settings = insta::Settings::clone_current();
        for (from, to) in filters($env) {
            settings.add_filter(&from, to);
        }
        settings.bind(|| insta::assert_snapshot!($name, $text));
    }};
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn an_unreachable_login_endpoint_fails_the_tenant_within_its_budget_once() {
    let emu = Emu::demo(EmulatorConfig::default());
    let (tenant, client, secret) = demo_credentials();
    let env = TestEnv::new()
        .env(DEMO_SECRET_ENV, &secret)
        .env("ATLAS_SIGNIN_BUDGET", "3s");
    init_repo_for(&env, &emu, "demo", "");
    let port = closed_port();
    let config = format!(
        "tenants:\n- name: demo\n  tenantId: {tenant}\n  clientId: {client}\n  clientSecretEnv: {DEMO_SECRET_ENV}\n  endpoints: {{graph: '{}', login: 'http://127.0.0.1:{port}'}}\n",
        emu.url()
    );
    std::fs::write(env.repo().join("atlas.yaml"), config).unwrap();
    let started = Instant::now();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    // A correctness limit, not a timing claim: the budget is 3 s, the default retry budget 600 s.
    // (The waits take at most 7/8 of the budget, which now counts attempts too: 3 s leaves room.)
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_eq!(
        stdout.lines().filter(|l| l.contains("sign-in")).count(),
        1,
        "one line for the tenant: {stdout}"
    );
    assert!(stdout.contains("gave up after 4 attempts"), "{stdout}");
    assert!(!stdout.contains("1 attempts"), "{stdout}");
    assert_eq!(
        stderr.lines().filter(|l| l.contains("retrying in")).count(),
        3,
        "each retry is shown at the default verbosity: {stderr}"
    );
    let stats = emu.stats();
    assert_eq!(stats["requests"], 0, "Graph is never asked: {stats}");
    snapshot!(
        &env,
        "login-unreachable",
        shown(code, &stdout, &stderr).replace(&tenant, "[TENANT-ID]")
    );
}

/// A repository with the demo tenant as `name`, its secret in `var`.
fn two_tenant_config(emu: &Emu, tenants: &[(&str, &str, &str)]) -> String {
    let (_, client, _) = demo_credentials();
    let mut yaml = String::from("tenants:\n");
    for (name, tenant_id, var) in tenants {
        yaml.push_str(&format!(
            "- name: {name}\n  tenantId: {tenant_id}\n  clientId: {client}\n  clientSecretEnv: {var}\n  endpoints: {{graph: '{0}', login: '{0}'}}\n",
            emu.url()
        ));
    }
    yaml
}

/// Backs up with the given tenants and returns (env, code, stdout, stderr).
fn run_with(emu: &Emu, tenants: &[(&str, &str, &str)]) -> (TestEnv, i32, String, String) {
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new()
        .env(DEMO_SECRET_ENV, &secret)
        .env("WRONG_SECRET", CANARY);
    init_repo_for(&env, emu, "demo", "");
    std::fs::write(
        env.repo().join("atlas.yaml"),
        two_tenant_config(emu, tenants),
    )
    .unwrap();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    (env, code, stdout, stderr)
}

fn private_run_log(env: &TestEnv, tenant: &str) -> String {
    let dir = env.repo().join(".git/atlas/runs").join(tenant);
    let file = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap();
    std::fs::read_to_string(file.path()).unwrap()
}

#[test]
fn a_wrong_secret_is_reported_once_with_its_code_and_hint() {
    let emu = Emu::demo(EmulatorConfig::default());
    let (tenant, _, _) = demo_credentials();
    let (env, code, stdout, stderr) = run_with(&emu, &[("bad", &tenant, "WRONG_SECRET")]);
    assert_eq!(code, 1, "the only tenant failed: {stdout}\n{stderr}");
    assert_eq!(stdout.matches("AADSTS7000215").count(), 1, "{stdout}");
    assert!(stdout.contains("hint: the secret is wrong"), "{stdout}");
    assert!(!stdout.contains("scopeTags"), "no line per type: {stdout}");
    assert_eq!(emu.stats()["tokenRequests"], 1, "asked once");
    let log = private_run_log(&env, "bad");
    assert!(log.contains("outcome: failed"), "{log}");
    assert_eq!(
        log.matches("message: 'not read: authentication failed'")
            .count()
            + log
                .matches("message: not read: authentication failed")
                .count(),
        tenant_atlas::catalog::all().len(),
        "every type is marked not read: {log}"
    );
    assert!(!format!("{stdout}{stderr}").contains(CANARY));
    assert!(grep_dir(env.path(), CANARY).is_empty(), "not in run logs");
    snapshot!(
        &env,
        "wrong-secret",
        shown(code, &stdout, &stderr).replace(&tenant, "[TENANT-ID]")
    );

    // Beside a healthy tenant the run is partial: the healthy one is committed.
    let (env, code, stdout, stderr) = run_with(
        &emu,
        &[
            ("good", &tenant, DEMO_SECRET_ENV),
            ("bad", &tenant, "WRONG_SECRET"),
        ],
    );
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("AADSTS7000215").count(), 1, "{stdout}");
    assert_eq!(commit_count(&env.repo()), 1);
    assert!(grep_dir(env.path(), CANARY).is_empty());
}

#[test]
fn an_unknown_tenant_id_is_reported_once_with_its_code_and_hint() {
    let emu = Emu::demo(EmulatorConfig::default());
    let (tenant, _, _) = demo_credentials();
    let unknown = "00000000-0000-0000-0000-00000000dead";
    // A repository with a backup of the demo tenant, then a tenant id no one knows.
    let (env, code, _, _) = run_with(&emu, &[("demo", &tenant, DEMO_SECRET_ENV)]);
    assert_eq!(code, 0);
    std::fs::write(
        env.repo().join("atlas.yaml"),
        two_tenant_config(&emu, &[("lost", unknown, DEMO_SECRET_ENV)]),
    )
    .unwrap();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("AADSTS90002").count(), 1, "{stdout}");
    assert!(stdout.contains("hint: check `tenantId`"), "{stdout}");
    snapshot!(&env, "unknown-tenant", shown(code, &stdout, &stderr));
    // drift and plan read the tenant the same way and say so the same way.
    let (code, drift_out, drift_err) = out(&env.run(&["drift", "--repo", "repo"]));
    assert_eq!(code, 1, "{drift_out}\n{drift_err}");
    assert_eq!(drift_err.matches("AADSTS90002").count(), 1, "{drift_err}");
    let (code, plan_out, plan_err) = out(&env.run(&[
        "plan",
        "--repo",
        "repo",
        "--tenant",
        "demo",
        "--to-tenant",
        "lost",
    ]));
    assert_eq!(code, 1, "{plan_out}\n{plan_err}");
    assert_eq!(plan_err.matches("AADSTS90002").count(), 1, "{plan_err}");
    snapshot!(
        &env,
        "unknown-tenant-drift-plan",
        format!(
            "{}\n{}",
            shown(1, &drift_out, &drift_err),
            shown(1, &plan_out, &plan_err)
        )
    );
    // With a healthy tenant beside it, drift is partial.
    std::fs::write(
        env.repo().join("atlas.yaml"),
        two_tenant_config(
            &emu,
            &[
                ("demo", &tenant, DEMO_SECRET_ENV),
                ("lost", unknown, DEMO_SECRET_ENV),
            ],
        ),
    )
    .unwrap();
    let (code, drift_out, drift_err) = out(&env.run(&["drift", "--repo", "repo"]));
    assert_eq!(code, 3, "{drift_out}\n{drift_err}");
    // Beside a tenant that cannot run at all (its secret variable is not set), nothing was read:
    // a failure, as backup says too.
    std::fs::write(
        env.repo().join("atlas.yaml"),
        two_tenant_config(
            &emu,
            &[
                ("lost", unknown, DEMO_SECRET_ENV),
                ("unset", &tenant, "NO_SUCH_SECRET_VARIABLE"),
            ],
        ),
    )
    .unwrap();
    let (code, drift_out, drift_err) = out(&env.run(&["drift", "--repo", "repo"]));
    assert_eq!(code, 1, "{drift_out}\n{drift_err}");
    assert_eq!(drift_err.matches("AADSTS90002").count(), 1, "{drift_err}");
    assert!(drift_err.contains("not run"), "{drift_err}");
}

fn lock_file(env: &TestEnv) -> std::path::PathBuf {
    env.repo().join(".git/atlas/locks/demo.lock")
}

#[test]
fn sigint_during_a_backup_releases_the_lock() {
    let emu = Emu::demo(EmulatorConfig {
        latency: Duration::from_millis(300),
        ..EmulatorConfig::default()
    });
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, &emu, "demo", "");
    let child = env
        .cmd(&["backup", "--repo", "repo"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Mid-run: the lock is taken and Graph is being read.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(lock_file(&env).exists() && emu.stats()["requests"].as_u64() > Some(0)) {
        assert!(Instant::now() < deadline, "the backup never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let (code, stdout, stderr) = out(&child.wait_with_output().unwrap());
    assert_eq!(code, 130, "{stdout}\n{stderr}");
    assert!(!lock_file(&env).exists(), "the lock is released");
    assert_eq!(commit_count(&env.repo()), 0);
    snapshot!(&env, "interrupted", shown(code, &stdout, &stderr));
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 0, "no --break-lock needed: {stdout}\n{stderr}");
    assert_eq!(commit_count(&env.repo()), 1);
}

#[test]
fn a_lock_left_by_a_dead_process_is_broken_with_one_notice() {
    let env = TestEnv::new();
    assert_eq!(out(&env.run(&["backup", "--demo", "repo"])).0, 0);
    let dead = serde_json::json!({
        "runId": "20260114T000000Z-killed",
        // Above Linux's largest pid (2^22): no such process.
        "pid": u32::MAX - 1,
        "host": tenant_atlas::store::lock::current_host(),
        "started": "2026-01-14T00:00:00Z",
        "command": "tenant-atlas backup",
        "pidNs": tenant_atlas::store::lock::current_pid_ns(),
    });
    std::fs::write(lock_file(&env), dead.to_string()).unwrap();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--demo", "repo"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("no changes"), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "one notice: {stderr}");
    assert!(stderr.contains("20260114T000000Z-killed"), "{stderr}");
    assert!(!lock_file(&env).exists());
    let host = tenant_atlas::store::lock::current_host();
    snapshot!(
        &env,
        "dead-lock-broken",
        shown(code, &stdout, &stderr).replace(&host, "[HOST]")
    );
}
