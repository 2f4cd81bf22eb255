//! The variation matrix, read side: whichever legitimate shape Graph answers reads in, a backup of
//! the demo tenant is the same bytes as under the default emulator, drift right after it finds
//! nothing, a plan writes nothing, and no secret of the tenant appears anywhere.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use tenant_atlas::emulator::EmulatorConfig;

/// Canary secrets seeded in the demo tenant (an OMA-URI value, a settings catalog secret, the
/// client secret).
const CANARY: &str = "ATLAS-CANARY";

/// The demo tenant's folder after a backup through `atlas.yaml`, without `tenant.yaml` (it
/// names the run).
fn tenant_tree(env: &TestEnv) -> BTreeMap<String, Vec<u8>> {
    tree(&env.repo().join("tenants/demo"))
        .into_iter()
        .filter(|(k, _)| k != "tenant.yaml")
        .collect()
}

/// Runs the CLI on the repository; appends what it printed to `output`.
fn run(env: &TestEnv, args: &[&str], output: &mut String) -> i32 {
    let mut all = vec!["--repo", "repo"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = out(&env.run(&all));
    output.push_str(&stdout);
    output.push_str(&stderr);
    code
}

/// Backs up the demo tenant served under `config`; the repository and everything printed.
fn backed_up(config: EmulatorConfig) -> (TestEnv, Emu, String) {
    let emu = Emu::demo(config);
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, &emu, "demo", "");
    let mut output = String::new();
    let code = run(&env, &["backup", "-vv"], &mut output);
    assert_eq!(code, 0, "backup: {output}");
    (env, emu, output)
}

/// The backup under the default emulator, made once.
fn default_tree() -> &'static BTreeMap<String, Vec<u8>> {
    static TREE: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    TREE.get_or_init(|| tenant_tree(&backed_up(EmulatorConfig::default()).0))
}

/// The variations `names` over `base`: the backup is byte-identical to the default one, drift
/// right after it is empty, a plan of it writes nothing, and no canary appears in the repository
/// (history and run logs included) or in anything printed.
fn same_as_default(names: &[&str], base: EmulatorConfig) {
    let mut config = base;
    config.vary(names, 17).unwrap();
    let (env, _emu, mut output) = backed_up(config);
    assert_same_tree(&tenant_tree(&env), default_tree(), &names.join("+"));
    let code = run(&env, &["drift", "-vv"], &mut output);
    assert_eq!(code, 0, "drift under {names:?}: {output}");
    let plan_file = env.path().join("plan.json");
    let code = run(
        &env,
        &[
            "plan",
            "--tenant",
            "demo",
            "--out",
            plan_file.to_str().unwrap(),
        ],
        &mut output,
    );
    assert!(code == 0 || code == 2, "plan under {names:?}: {output}");
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    let writes: Vec<&Value> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| matches!(i["action"].as_str(), Some("create" | "update")))
        .collect();
    assert!(
        writes.is_empty(),
        "plan under {names:?} writes: {writes:#?}"
    );
    let plan_text = std::fs::read_to_string(&plan_file).unwrap();
    assert!(
        !output.contains(CANARY),
        "a canary reached the output under {names:?}"
    );
    assert!(
        !plan_text.contains(CANARY),
        "a canary reached the plan under {names:?}"
    );
    let hits = grep_dir(&env.repo(), CANARY);
    assert!(
        hits.is_empty(),
        "a canary reached the repository under {names:?}: {hits:?}"
    );
}

/// A small server page, so every list of the demo spans several pages.
fn paged() -> EmulatorConfig {
    EmulatorConfig {
        page_size: Some(3),
        ..EmulatorConfig::default()
    }
}

#[test]
fn odata_count_on_every_page() {
    same_as_default(&["odata-count"], paged());
}

#[test]
fn next_links_by_skip() {
    same_as_default(&["next-link-skip"], paged());
}

#[test]
fn empty_pages_in_the_middle() {
    same_as_default(&["empty-middle-pages"], paged());
}

#[test]
fn an_empty_last_page() {
    same_as_default(&["empty-last-page"], EmulatorConfig::default());
}

#[test]
fn small_pages() {
    same_as_default(&["small-pages"], EmulatorConfig::default());
}

#[test]
fn shuffled_properties() {
    same_as_default(&["shuffled-properties"], EmulatorConfig::default());
}

#[test]
fn date_times_without_fractional_digits() {
    same_as_default(&["fraction-digits-0"], EmulatorConfig::default());
}

#[test]
fn date_times_with_three_fractional_digits() {
    same_as_default(&["fraction-digits-3"], EmulatorConfig::default());
}

#[test]
fn date_times_with_seven_fractional_digits() {
    same_as_default(&["fraction-digits-7"], EmulatorConfig::default());
}

/// Backs up the demo tenant under `config`, empties the tenant and plans the restore: every item's
/// path, action and reasons (a secret-needing object is blocked until its secret is supplied).
fn restore_plan(config: EmulatorConfig) -> Vec<(String, String, String)> {
    let (env, emu, mut output) = backed_up(config);
    emu.handle
        .as_ref()
        .unwrap()
        .clear_tenant(&demo_credentials().0)
        .unwrap();
    let plan_file = env.path().join("restore.json");
    let code = run(
        &env,
        &[
            "plan",
            "--tenant",
            "demo",
            "--out",
            plan_file.to_str().unwrap(),
        ],
        &mut output,
    );
    assert!(code == 0 || code == 2, "{output}");
    let text = std::fs::read_to_string(&plan_file).unwrap();
    assert!(!text.contains(CANARY) && !output.contains(CANARY));
    let plan: Value = serde_json::from_str(&text).unwrap();
    plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let field = |k: &str| i[k].to_string();
            (field("path"), field("action"), field("reasons"))
        })
        .collect()
}

/// Under the secret form `name` the backup is the default one, and so is the restore plan of an
/// emptied tenant, secret-needing objects blocked alike.
fn secrets_alike(name: &str) {
    same_as_default(&[name], EmulatorConfig::default());
    static DEFAULT: OnceLock<Vec<(String, String, String)>> = OnceLock::new();
    let want = DEFAULT.get_or_init(|| restore_plan(EmulatorConfig::default()));
    assert!(
        want.iter()
            .any(|(_, a, r)| a == "\"blocked\"" && r.contains("needs secret")),
        "{want:#?}"
    );
    let got = restore_plan(EmulatorConfig::varied(&[name], 0).unwrap());
    assert_eq!(&got, want, "restore plan under {name}");
}

#[test]
fn secrets_answered_as_null() {
    secrets_alike("secrets-null");
}

#[test]
fn secrets_answered_without_a_value() {
    secrets_alike("secrets-absent");
}

#[test]
fn secrets_answered_as_a_longer_mask() {
    secrets_alike("secrets-mask");
}

#[test]
fn declared_types_left_out() {
    same_as_default(&["omit-declared-type"], EmulatorConfig::default());
}

#[test]
fn every_read_variation_at_once() {
    same_as_default(
        &[
            "odata-count",
            "next-link-skip",
            "empty-middle-pages",
            "shuffled-properties",
            "fraction-digits-7",
            "secrets-absent",
            "omit-declared-type",
            "shuffled-order",
            "etags",
        ],
        paged(),
    );
}

/// A committed date-time spelled with other fractional digits than Graph's answer is the same
/// instant: the plan changes nothing.
#[test]
fn a_committed_date_time_is_compared_by_instant() {
    let (env, _emu, _) = backed_up(EmulatorConfig::default());
    let from = "offerEndDateTimeInUTC: 2025-05-19T00:00:00Z";
    let rel = std::fs::read_dir(env.repo().join("tenants/demo/featureUpdateProfiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(from)))
        .expect("a feature update profile with a rollout end date");
    let text = std::fs::read_to_string(&rel).unwrap();
    std::fs::write(
        &rel,
        text.replace(from, "offerEndDateTimeInUTC: 2025-05-19T00:00:00.000Z"),
    )
    .unwrap();
    commit_all(&env.repo(), "the same instant, other digits");
    let plan_file = env.path().join("plan.json");
    let mut output = String::new();
    let code = run(
        &env,
        &[
            "plan",
            "--tenant",
            "demo",
            "--out",
            plan_file.to_str().unwrap(),
        ],
        &mut output,
    );
    assert!(code == 0 || code == 2, "{output}");
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    let path = rel
        .strip_prefix(env.repo())
        .unwrap()
        .to_string_lossy()
        .to_string();
    let item = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == path.as_str())
        .unwrap_or_else(|| panic!("no item {path}: {plan:#}"));
    assert_eq!(item["action"], "no-op", "{item:#}");
}

#[test]
fn etags_on_every_object() {
    same_as_default(&["etags"], EmulatorConfig::default());
}

#[test]
fn token_expiry_as_a_string() {
    same_as_default(&["token-expiry-string"], EmulatorConfig::default());
}
