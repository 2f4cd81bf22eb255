//! Bad input gets a clear error naming the file, object or field, and loses nothing.

use crate::common::*;
use tenant_atlas::emulator::EmulatorConfig;

#[test]
fn malformed_config_names_file_line_and_key() {
    let env = TestEnv::new();
    assert_eq!(out(&env.run(&["init", "repo"])).0, 0);
    std::fs::write(
        env.repo().join("atlas.yaml"),
        "tenants:\n- name: contoso\n  tenantId: 00000000-0000-0000-0000-000000000001\n  clientId: 00000000-0000-0000-0000-000000000002\n  clientSecretEnvv: X\n",
    )
    .unwrap();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 64, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("atlas.yaml:5:"),
        "names file and line: {stderr}"
    );
    assert!(
        stderr.contains("clientSecretEnvv"),
        "names the key: {stderr}"
    );

    std::fs::write(env.repo().join("atlas.yaml"), "tenants: [\n").unwrap();
    let (code, _, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 64);
    assert!(stderr.contains("atlas.yaml:"), "{stderr}");
}

#[test]
fn wrong_credentials_give_a_clear_401_without_the_secret() {
    let emu = Emu::demo(EmulatorConfig::default());
    let wrong = "WRONG-SECRET-VALUE-4422";
    let env = TestEnv::new().env(DEMO_SECRET_ENV, wrong);
    init_repo_for(&env, &emu, "demo", "");
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo", "-vv"]));
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(
        all.contains("401") || all.contains("invalid_client"),
        "{all}"
    );
    assert!(
        all.contains("AADSTS"),
        "the token endpoint's reason is shown: {all}"
    );
    assert!(!all.contains(wrong), "the secret is never echoed");
    assert!(grep_dir(&env.repo(), wrong).is_empty());
    assert_eq!(commit_count(&env.repo()), 0, "nothing committed");
}

#[test]
fn missing_secret_variable_is_a_config_error() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = TestEnv::new();
    init_repo_for(&env, &emu, "demo", "");
    let (code, _, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains(DEMO_SECRET_ENV), "{stderr}");
}

#[test]
fn one_misconfigured_tenant_does_not_stop_the_others() {
    let emu = Emu::demo(EmulatorConfig::default());
    let (tenant, client, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, &emu, "demo", "");
    let url = emu.url();
    let mut config = std::fs::read_to_string(env.repo().join("atlas.yaml")).unwrap();
    config.push_str(&format!(
        "- name: other\n  tenantId: {tenant}\n  clientId: {client}\n  clientSecretEnv: OTHER_UNSET_SECRET\n  endpoints: {{graph: '{url}', login: '{url}'}}\n"
    ));
    std::fs::write(env.repo().join("atlas.yaml"), config).unwrap();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("demo: {} added", demo_objects())),
        "{stdout}"
    );
    assert!(
        stdout.contains("not run") && stdout.contains("OTHER_UNSET_SECRET"),
        "{stdout}"
    );
}

#[test]
fn forbidden_type_names_the_permission_and_the_rest_is_backed_up() {
    // The demo seed's app lacks DeviceManagementApps.Read.All.
    let emu = demo_emulator_with_roles(
        serde_json::json!([
            "DeviceManagementConfiguration.Read.All",
            "DeviceManagementServiceConfig.Read.All",
            "DeviceManagementRBAC.Read.All",
            "Policy.Read.All",
            "Group.Read.All"
        ]),
        EmulatorConfig::default(),
    );
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, &emu, "demo", "");
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("appProtectionPolicies")
            && stdout.contains("DeviceManagementApps.Read.All"),
        "{stdout}"
    );
    let tenant = env.repo().join("tenants/demo");
    assert!(
        !tenant.join("appProtectionPolicies").exists(),
        "the forbidden type is not committed"
    );
    assert!(
        tenant.join("settingsCatalog").exists() && tenant.join("deviceConfigurations").exists()
    );
    let msg = git(&env.repo(), &["log", "-1", "--format=%B"]);
    assert!(
        msg.contains("Atlas-Partial: true") && msg.contains("- appProtectionPolicies"),
        "{msg}"
    );
    let log = std::fs::read_to_string(
        env.repo()
            .join("runs/demo/2026/01/20260115T093000Z-test01.yaml"),
    )
    .unwrap();
    assert!(
        log.contains("outcome: partial") && log.contains("status: 403"),
        "{log}"
    );
}

#[test]
fn missing_or_corrupt_repository_writes_nothing() {
    let env = TestEnv::new();
    let (code, _, stderr) = out(&env.run(&["backup", "--repo", "nowhere"]));
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("nowhere"), "{stderr}");
    assert!(!env.path().join("nowhere").exists(), "nothing created");

    std::fs::create_dir(env.path().join("plain")).unwrap();
    let (code, _, stderr) = out(&env.run(&["backup", "--repo", "plain"]));
    assert_eq!(code, 64);
    assert!(stderr.contains("not a git repository"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(env.path().join("plain")).unwrap().count(),
        0
    );

    assert_eq!(out(&env.run(&["backup", "--demo", "repo"])).0, 0);
    let head = git(&env.repo(), &["rev-parse", "HEAD"]);
    let objects = env.repo().join(".git/objects").join(&head[..2]);
    std::fs::remove_dir_all(&objects).unwrap();
    let before = tree(&env.repo());
    let (code, _, stderr) = out(&env.run(&["backup", "--demo", "repo"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.to_lowercase().contains("corrupt"), "{stderr}");
    assert_same_tree(
        &tree(&env.repo()),
        &before,
        "a corrupt repository is left alone",
    );
}

#[test]
fn not_a_repository_is_a_usage_error_for_every_command_and_a_corrupt_one_an_error() {
    let env = TestEnv::new();
    std::fs::create_dir(env.path().join("plain")).unwrap();
    let commands: [&[&str]; 4] = [
        &["backup"],
        &["log"],
        &["show", "anything"],
        &["serve", "--listen", "127.0.0.1:0"],
    ];
    for dir in ["plain", "nowhere"] {
        for cmd in commands {
            let mut args = cmd.to_vec();
            args.extend(["--repo", dir]);
            let (code, stdout, stderr) = out(&env.run(&args));
            assert_eq!(code, 64, "{args:?}: {stdout}\n{stderr}");
            assert!(
                stderr.contains(&format!("{dir} is not a tenant-atlas repository"))
                    && stderr.contains(&format!("`tenant-atlas init {dir}`")),
                "{args:?}: {stderr}"
            );
        }
    }
    assert_eq!(out(&env.run(&["init", "repo"])).0, 0);
    std::fs::write(env.repo().join(".git/HEAD"), "not a ref at all\n").unwrap();
    for cmd in commands {
        let mut args = cmd.to_vec();
        args.extend(["--repo", "repo"]);
        let (code, stdout, stderr) = out(&env.run(&args));
        assert_eq!(code, 1, "{args:?}: {stdout}\n{stderr}");
        assert!(stderr.contains("corrupt"), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("not a tenant-atlas repository"),
            "{stderr}"
        );
    }
}

pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for (rel, bytes) in tree(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

#[test]
fn a_held_lock_refuses_and_one_held_elsewhere_is_broken_by_run_id() {
    use tenant_atlas::store::{
        Repo,
        lock::{LockHolder, TenantLock},
    };
    let env = TestEnv::new();
    assert_eq!(out(&env.run(&["backup", "--demo", "repo"])).0, 0);
    let repo = Repo::open(&env.repo()).unwrap();
    let holder = |pid: u32, run: &str| LockHolder {
        pid,
        ..LockHolder::current(run, NOW.parse().unwrap(), "tenant-atlas backup")
    };
    // Held by a live process (this test): refused with the holder named, exit 4, nothing written.
    let live = TenantLock::acquire(&repo, "demo", holder(std::process::id(), "live-run")).unwrap();
    let (code, stdout, _) = out(&env.run(&["backup", "--demo", "repo"]));
    assert_eq!(code, 4, "{stdout}");
    assert!(
        stdout.contains("locked by run live-run")
            && stdout.contains(&format!("pid {}", std::process::id())),
        "{stdout}"
    );
    let (code, stdout, _) =
        out(&env.run(&["backup", "--demo", "repo", "--break-lock", "live-run"]));
    assert_eq!(code, 4, "a live holder's lock is never broken: {stdout}");
    drop(live);

    // Held from another host: only its run id breaks it.
    let far = LockHolder {
        host: "another-host".into(),
        ..holder(4_000_000, "far-run")
    };
    std::mem::forget(TenantLock::acquire(&repo, "demo", far).unwrap());
    let (code, stdout, _) = out(&env.run(&["backup", "--demo", "repo"]));
    assert_eq!(code, 4);
    assert!(stdout.contains("locked by run far-run"), "{stdout}");
    let (code, _, _) = out(&env.run(&["backup", "--demo", "repo", "--break-lock", "wrong"]));
    assert_eq!(code, 4, "a wrong run id breaks nothing");
    let (code, stdout, stderr) =
        out(&env.run(&["backup", "--demo", "repo", "--break-lock", "far-run"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "breaking logs one line: {stderr}"
    );
    assert!(stdout.contains("no changes"), "{stdout}");
}
