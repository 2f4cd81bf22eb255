//! Graph under OData minimal metadata leaves `@odata.type` out of objects of their collection's
//! declared type. Backups are the same bytes either way, and a tenant of that shape, cleared and
//! restored from its backup, converges: every item applied once, a new plan finds nothing.

use super::*;

const TYPES: &[&str] = &[
    "scopeTags",
    "assignmentFilters",
    "notificationTemplates",
    "administrativeTemplates",
    "featureUpdateProfiles",
    "reusableSettings",
    "settingsCatalog",
    "complianceV2",
    "powershellScripts",
];

fn minimal() -> Emu {
    Emu::demo(EmulatorConfig {
        omit_declared_type: true,
        ..EmulatorConfig::default()
    })
}

#[test]
fn answers_without_the_declared_type_back_up_to_the_same_bytes() {
    let (full, bare) = (emulator(), minimal());
    // The emulator answers as minimal metadata does: no type on objects of the declared type.
    let policies = list(
        &bare,
        &client(&bare),
        "/beta/deviceManagement/configurationPolicies",
    );
    assert!(!policies.is_empty());
    assert!(
        policies.iter().all(|p| p.get("@odata.type").is_none()),
        "{policies:#?}"
    );
    let (a, b) = (backed_up(&full), backed_up(&bare));
    let tenant = |env: &TestEnv| {
        tree(&env.repo().join("tenants/demo"))
            .into_iter()
            .filter(|(k, _)| k != "tenant.yaml")
            .collect::<BTreeMap<_, _>>()
    };
    assert_same_tree(&tenant(&b), &tenant(&a), "minimal metadata");
    let (code, stdout, stderr) = run(&b, &["drift"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}

#[test]
fn a_backup_without_types_restores_into_a_tenant_that_answers_with_them_and_converges() {
    // Backed up where Graph left the types out; restored where it sends them.
    let (bare, full) = (minimal(), emulator());
    let env = backed_up(&bare);
    let backup = rev(&env, "HEAD");
    point_at(&env, &full);
    let before = live_by_name(&full);
    clear(&full);
    let plan = plan_to(&env, "plan.json", &backup, &type_args(TYPES));
    let creates = items_with(&plan, "create").len();
    assert!(creates >= 20, "{}", plan["summary"]);
    // Only what needs a secret Graph never returns (a Wi-Fi key) is blocked, never a type.
    let blocked: Vec<&Value> = items_with(&plan, "blocked");
    assert!(
        blocked.iter().all(|i| i["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("needs secret")),
        "{blocked:#?}"
    );
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(applied_failed(&stdout), (creates, 0), "{stdout}");
    assert!(!stdout.contains("not converged"), "{stdout}");
    let again = plan_to(&env, "again.json", &backup, &type_args(TYPES));
    assert_eq!(
        items_with(&again, "no-op").len() + blocked.len(),
        again["items"].as_array().unwrap().len(),
        "{}",
        again["summary"]
    );
    assert!(duplicates(&before, &live_by_name(&full)).is_empty());
}
