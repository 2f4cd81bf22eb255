//! The onboarding check: against the emulator, a client lacking two permissions is told both
//! with the types they block (exit 3); a full client is ready (exit 0); write permissions come
//! from the token, never from a write; the last check is kept for `serve`.

use crate::common::*;
use tenant_atlas::emulator::EmulatorConfig;

fn atlas(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--repo", "repo"];
    all.extend(args);
    out(&env.run(&all))
}

/// A repository for the demo tenant served by an emulator whose client holds `roles` (`None`:
/// every permission).
fn with_roles(roles: Option<serde_json::Value>, extra: &str) -> (Emu, TestEnv) {
    // One object a page: a probe that followed nextLinks would cost hundreds of requests.
    let config = EmulatorConfig {
        page_size: Some(1),
        ..EmulatorConfig::default()
    };
    let emu = match roles {
        Some(roles) => demo_emulator_with_roles(roles, config),
        None => Emu::demo(config),
    };
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, &emu, "contoso", extra);
    (emu, env)
}

/// Every permission the demo's types need to be read, but two: the apps' and the Entra
/// policies'. Writes: only the configuration one.
fn all_but_two() -> serde_json::Value {
    serde_json::json!([
        "DeviceManagementConfiguration.ReadWrite.All",
        "DeviceManagementServiceConfig.Read.All",
        "DeviceManagementRBAC.Read.All",
        "CloudPC.Read.All",
        "Group.Read.All",
        "User.Read.All",
        "RoleManagement.Read.Directory",
        "Application.Read.All",
        "Directory.Read.All",
        "Agreement.Read.All",
        "Domain.Read.All",
        "Policy.Read.DeviceConfiguration"
    ])
}

#[test]
fn a_client_lacking_two_permissions_is_told_both_and_what_they_block() {
    let (emu, env) = with_roles(Some(all_but_two()), "");
    let before = emu.stats();
    let (code, stdout, stderr) = atlas(&env, &["check"]);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    insta::assert_snapshot!("check-two-missing", mask_ids(&stdout));
    for (permission, blocks) in [
        ("DeviceManagementApps.Read.All", "appProtectionPolicies"),
        ("Policy.Read.All", "conditionalAccess"),
    ] {
        let line = stdout
            .lines()
            .find(|l| l.contains(&format!("missing      {permission} (read)")))
            .unwrap_or_else(|| panic!("{permission} named: {stdout}"));
        assert!(line.contains(blocks), "{line}");
    }
    assert!(stdout.contains("grant admin consent"), "{stdout}");
    // A whole catalog read in a handful of requests, none a write.
    let after = emu.stats();
    let requests =
        after["httpRequests"].as_u64().unwrap() - before["httpRequests"].as_u64().unwrap();
    assert!(requests <= 10, "{requests} requests");
    assert_eq!(after["writes"], before["writes"], "a check never writes");

    // JSON says the same, and the check is kept for serve.
    let (code, stdout, _) = atlas(&env, &["check", "--format", "json"]);
    assert_eq!(code, 3);
    let checks: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let missing: Vec<&str> = checks[0]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["permission"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        ["DeviceManagementApps.Read.All", "Policy.Read.All"]
    );
    assert_eq!(checks[0]["ready"], false);
    assert!(env.repo().join(".git/atlas/check/contoso.json").exists());
}

#[test]
fn writes_are_read_from_the_token() {
    let (_emu, env) = with_roles(Some(all_but_two()), "");
    let (code, stdout, _) = atlas(&env, &["check", "--write", "--format", "json"]);
    assert_eq!(code, 3);
    let checks: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let write_missing: Vec<&str> = checks[0]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["access"] == "write")
        .map(|m| m["permission"].as_str().unwrap())
        .collect();
    assert!(
        write_missing.contains(&"DeviceManagementServiceConfig.ReadWrite.All"),
        "{write_missing:?}"
    );
    assert!(
        !write_missing.contains(&"DeviceManagementConfiguration.ReadWrite.All"),
        "held: {write_missing:?}"
    );
    let settings = checks[0]["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "settingsCatalog")
        .unwrap();
    assert_eq!(settings["write"]["state"], "granted");
}

#[test]
fn a_full_client_is_ready() {
    let (_emu, env) = with_roles(None, "  mode: enforce\n  desired: HEAD\n");
    let (code, stdout, stderr) = atlas(&env, &["check"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    insta::assert_snapshot!("check-ready", mask_ids(&stdout));
    assert!(
        stdout.contains("writes checked") && stdout.contains("ready        yes"),
        "{stdout}"
    );
    // The secret's expiry is read from the app registration by its hint, which is never shown.
    assert!(stdout.contains("ends 2027-01-12"), "{stdout}");
    let (_, _, secret) = demo_credentials();
    assert!(
        !stdout.contains(&secret) && !stdout.contains("ATL"),
        "{stdout}"
    );
}

#[test]
fn a_wrong_secret_and_a_push_without_remote_are_named() {
    let (_emu, env) = with_roles(None, "git:\n  push: true\n");
    let env = env.env(DEMO_SECRET_ENV, "not-the-secret");
    let (code, stdout, _) = atlas(&env, &["check"]);
    assert_eq!(code, 3, "{stdout}");
    assert!(
        stdout.contains("sign-in      FAILED") && stdout.contains("7000215"),
        "{stdout}"
    );
    assert!(stdout.contains("remote origin: UNREACHABLE"), "{stdout}");
    assert!(!stdout.contains("not-the-secret"), "{stdout}");
}
