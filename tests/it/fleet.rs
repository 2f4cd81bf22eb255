//! Fleets: a `defaults:` block every tenant inherits and may override, `tenants add` keeping the
//! file's comments, and `tenants discover` adding a partner's customers that then back up with
//! nothing but their name and tenant id.

use crate::common::*;
use tenant_atlas::emulator::{EmulatorConfig, TenantSeed};

const FABRIKAM: &str = "3d5f7a9c-1b2e-4c6d-8e0f-a1b2c3d4e5f6";

fn atlas(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--repo", "repo"];
    all.extend(args);
    out(&env.run(&all))
}

/// A fleet configuration: the partner (the demo tenant) and its app in `defaults`.
fn fleet_yaml(emu: &Emu, tenants: &str) -> String {
    let (tenant, client, _) = demo_credentials();
    format!(
        "# Contoso MSP fleet\ndefaults:\n  partnerTenantId: {tenant}   # our own tenant\n  clientId: {client}\n  clientSecretEnv: {DEMO_SECRET_ENV}\n  endpoints: {{graph: '{u}', login: '{u}'}}\n  mode: report\n  schedule: {{backup: 4h}}\n# customers below\n{tenants}git:\n  push: false\n",
        u = emu.url()
    )
}

#[test]
fn tenants_inherit_defaults_and_override_them() {
    let emu = Emu::demo(EmulatorConfig::default());
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    let (code, _, err) = out(&env.run(&["init", "repo"]));
    assert_eq!(code, 0, "{err}");
    let (tenant, _, _) = demo_credentials();
    let yaml = fleet_yaml(
        &emu,
        &format!("tenants:\n- name: contoso\n  tenantId: {tenant}\n  mode: backup\n"),
    );
    std::fs::write(env.repo().join("atlas.yaml"), &yaml).unwrap();
    let (code, stdout, stderr) = atlas(&env, &["tenants", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let listed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(listed[0]["mode"], "backup", "overridden");
    assert_eq!(listed[0]["schedule"], "4h", "inherited");
    // The inherited client, secret variable and endpoints sign in and back up.
    let (code, stdout, stderr) = atlas(&env, &["backup"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(env.repo().join("tenants/contoso/settingsCatalog").exists());

    // A mistake in an inherited key is reported at its line in `defaults`.
    std::fs::write(
        env.repo().join("atlas.yaml"),
        yaml.replace("backup: 4h", "backup: sometimes"),
    )
    .unwrap();
    let (code, _, stderr) = atlas(&env, &["tenants"]);
    assert_eq!(code, 64);
    assert!(
        stderr.contains("atlas.yaml:8:")
            && stderr.contains("(contoso).schedule.backup (from defaults)"),
        "{stderr}"
    );
    // A misspelt key in `defaults` is named with its line.
    std::fs::write(
        env.repo().join("atlas.yaml"),
        yaml.replace("  mode: report", "  mood: report"),
    )
    .unwrap();
    let (code, _, stderr) = atlas(&env, &["tenants"]);
    assert_eq!(code, 64);
    assert!(
        stderr.contains("atlas.yaml:7") && stderr.contains("mood"),
        "{stderr}"
    );
}

#[test]
fn tenants_add_keeps_comments_and_refuses_what_would_not_load() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = TestEnv::new();
    let (code, _, err) = out(&env.run(&["init", "repo"]));
    assert_eq!(code, 0, "{err}");
    let yaml = fleet_yaml(&emu, "tenants: []   # none yet\n");
    std::fs::write(env.repo().join("atlas.yaml"), &yaml).unwrap();
    let (code, stdout, stderr) = atlas(
        &env,
        &["tenants", "add", "fabrikam", "--tenant-id", FABRIKAM],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("added tenant fabrikam"), "{stdout}");
    let after = std::fs::read_to_string(env.repo().join("atlas.yaml")).unwrap();
    assert_eq!(
        after,
        yaml.replace(
            "tenants: []   # none yet\n",
            &format!("tenants:   # none yet\n- name: fabrikam\n  tenantId: {FABRIKAM}\n")
        ),
        "only the entry is added; every comment stays"
    );
    // A second one goes after the first, in the list's own layout.
    let (code, _, stderr) = atlas(
        &env,
        &[
            "tenants",
            "add",
            "tailspin",
            "--tenant-id",
            "8a0c2e4f-6b7d-4e9f-a1c3-d5e7f9a1b3c5",
            "--client-secret-env",
            "TAILSPIN_SECRET",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let after2 = std::fs::read_to_string(env.repo().join("atlas.yaml")).unwrap();
    assert!(
        after2.contains(&format!("- name: fabrikam\n  tenantId: {FABRIKAM}\n- name: tailspin\n  tenantId: 8a0c2e4f-6b7d-4e9f-a1c3-d5e7f9a1b3c5\n  clientSecretEnv: TAILSPIN_SECRET\ngit:\n")),
        "{after2}"
    );
    // Refused, and the file untouched: a taken name, an id that is no GUID.
    for (args, says) in [
        (vec!["fabrikam", "--tenant-id", FABRIKAM], "listed twice"),
        (vec!["other", "--tenant-id", "nope"], "is not a GUID"),
        (
            vec!["Bad Name", "--tenant-id", FABRIKAM],
            "must use only a-z",
        ),
    ] {
        let mut all = vec!["tenants", "add"];
        all.extend(args);
        let (code, _, stderr) = atlas(&env, &all);
        assert_eq!(code, 64, "{stderr}");
        assert!(
            stderr.contains(says) && stderr.contains("not added"),
            "{stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(env.repo().join("atlas.yaml")).unwrap(),
            after2
        );
    }
}

#[test]
fn discover_lists_the_partners_customers_and_adds_the_chosen_ones() {
    let demo = TenantSeed::load_dir(&demo_seed_dir()).unwrap();
    let (_, client, secret) = demo_credentials();
    // Fabrikam consented to the partner's multi-tenant app: the same client signs in there.
    let fabrikam = demo.references_copy(FABRIKAM, &client, &secret, 3);
    let emu = Emu::start(EmulatorConfig::default(), vec![demo, fabrikam]);
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    let (code, _, err) = out(&env.run(&["init", "repo"]));
    assert_eq!(code, 0, "{err}");
    let yaml = fleet_yaml(&emu, "tenants:\n");
    std::fs::write(env.repo().join("atlas.yaml"), &yaml).unwrap();

    let (code, stdout, stderr) = atlas(&env, &["tenants", "discover"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("discover-list", stdout);
    assert_eq!(
        std::fs::read_to_string(env.repo().join("atlas.yaml")).unwrap(),
        yaml,
        "listing changes nothing"
    );
    let (code, _, stderr) = atlas(&env, &["tenants", "discover", "--add", "no-such-customer"]);
    assert_eq!(code, 64);
    assert!(
        stderr.contains("none of the partner's customers"),
        "{stderr}"
    );

    let (code, stdout, stderr) = atlas(
        &env,
        &[
            "tenants",
            "discover",
            "--add",
            "fabrikam-inc",
            "--add",
            "Northwind 'Traders' & Sons",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let shown = stdout.replace(&env.path().display().to_string(), "[tmp]");
    insta::assert_snapshot!("discover-add", shown);
    let config = std::fs::read_to_string(env.repo().join("atlas.yaml")).unwrap();
    assert!(config.starts_with("# Contoso MSP fleet\n"), "{config}");
    assert!(
        config.contains(&format!("- name: fabrikam-inc\n  tenantId: {FABRIKAM}\n"))
            && config.contains("- name: northwind-traders-sons\n"),
        "{config}"
    );
    // Discovering again shows them configured; the added tenant backs up on the defaults alone.
    let (code, stdout, _) = atlas(&env, &["tenants", "discover", "--format", "json"]);
    assert_eq!(code, 0);
    let listed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(listed[0]["configuredAs"], "fabrikam-inc", "{stdout}");
    let (code, stdout, stderr) = atlas(&env, &["backup", "--tenant", "fabrikam-inc"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(env.repo().join("tenants/fabrikam-inc").exists());
}

#[test]
fn discover_without_the_permission_says_which_one() {
    let emu = demo_emulator_with_roles(
        serde_json::json!(["DeviceManagementConfiguration.Read.All"]),
        EmulatorConfig::default(),
    );
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    let (code, _, err) = out(&env.run(&["init", "repo"]));
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        env.repo().join("atlas.yaml"),
        fleet_yaml(&emu, "tenants: []\n"),
    )
    .unwrap();
    let (code, _, stderr) = atlas(&env, &["tenants", "discover"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("DelegatedAdminRelationship.Read.All"),
        "{stderr}"
    );
}
