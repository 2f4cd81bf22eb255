//! A plan file is a claim, the commit the truth: plans edited field by field — each with its hash
//! recomputed, as anyone holding the file can — are refused whole (exit 4, no write), and signed
//! plans catch the edits of the inputs that re-derivation follows.

use super::*;
use tenant_atlas::plan::Plan;

const KEY_ENV: &str = "PLAN_SIGNING_KEY";
const KEY: &str = "0123456789abcdef0123456789abcdef-pipeline-key";

/// A backed-up demo whose HEAD changes two settings catalog policies; `plan.json` updates both.
fn two_updates() -> (Emu, TestEnv, Plan) {
    let emu = emulator();
    let env = backed_up(&emu).env(KEY_ENV, KEY);
    for stem in ["bitlocker-os-drive--", "defender-antivirus-workstations--"] {
        let p = doc_path(&env, "settingsCatalog", stem);
        hand_edit(&env, &p, |t| {
            t.replacen("  description: ", "  description: edited in git #", 1)
        });
    }
    let plan = plan_to(
        &env,
        "plan.json",
        "HEAD",
        &["--type", "settingsCatalog", "--sign-key-env", KEY_ENV],
    );
    assert_eq!(items_with(&plan, "update").len(), 2, "{}", plan["summary"]);
    (emu, env, serde_json::from_value(plan).unwrap())
}

/// Writes `plan` edited by `f` to `file`, hash recomputed (signature kept as it was).
fn forge(env: &TestEnv, plan: &Plan, file: &str, f: impl FnOnce(&mut Plan)) {
    let mut p = plan.clone();
    f(&mut p);
    p.summary = tenant_atlas::plan::Summary::of(&p.items);
    p.hash = p.content_hash();
    assert!(p.is_intact());
    std::fs::write(
        path_in(env, file),
        serde_json::to_string_pretty(&p).unwrap(),
    )
    .unwrap();
}

fn update_index(plan: &Plan, name_start: &str) -> usize {
    plan.items
        .iter()
        .position(|i| {
            i.action == tenant_atlas::plan::Action::Update && i.name.starts_with(name_start)
        })
        .unwrap()
}

/// The live id of the demo's settings catalog policy whose document starts with `stem`.
fn id_of(env: &TestEnv, stem: &str) -> String {
    let p = doc_path(env, "settingsCatalog", stem);
    let text = std::fs::read_to_string(env.repo().join(p)).unwrap();
    let doc: Value = serde_yaml::from_str(&text).unwrap();
    doc["id"].as_str().unwrap().to_string()
}

#[test]
fn every_forged_request_item_commit_and_target_is_refused_without_a_write() {
    let (emu, env, plan) = two_updates();
    let u = update_index(&plan, "BitLocker");
    let other = id_of(&env, "win-mac-baseline--");
    let older = rev(&env, "HEAD~2");
    type Edit<'a> = Box<dyn Fn(&mut Plan) + 'a>;
    let path_of = |p: &Plan| p.items[u].requests[0].path.clone();
    let own = path_of(&plan);
    let elsewhere = format!("{}/{other}", own.rsplit_once('/').unwrap().0);
    let cases: Vec<(&str, Edit<'_>, &str)> = vec![
        (
            "method",
            Box::new(move |p: &mut Plan| {
                p.items[u].requests[0].method = "PATCH".into();
            }),
            "method",
        ),
        (
            "delete another policy (the request path)",
            Box::new({
                let elsewhere = elsewhere.clone();
                move |p: &mut Plan| {
                    let r = &mut p.items[u].requests[0];
                    r.method = "DELETE".into();
                    r.path = elsewhere.clone();
                    r.body = None;
                }
            }),
            "deletes only ever remove something below",
        ),
        (
            "path to another policy",
            Box::new({
                let elsewhere = elsewhere.clone();
                move |p: &mut Plan| p.items[u].requests[0].path = elsewhere.clone()
            }),
            "addresses neither",
        ),
        (
            "target and path of another policy",
            Box::new({
                let (elsewhere, other) = (elsewhere.clone(), other.clone());
                move |p: &mut Plan| {
                    p.items[u].target_id = Some(other.clone());
                    p.items[u].requests[0].path = elsewhere.clone();
                }
            }),
            "was changed since the plan was made",
        ),
        (
            "body",
            Box::new(move |p: &mut Plan| {
                p.items[u].requests[0].body.as_mut().unwrap()["description"] = "forged".into();
            }),
            "its body is not what the commit gives",
        ),
        (
            "an added item",
            Box::new(move |p: &mut Plan| {
                let mut extra = p.items[u].clone();
                extra.path = extra.path.replace("bitlocker-os-drive", "bitlocker-extra");
                p.items.push(extra);
            }),
            "the commit gives no such item",
        ),
        (
            "a removed item",
            Box::new(move |p: &mut Plan| {
                p.items.remove(u);
            }),
            "the file lacks it",
        ),
        (
            "an older source commit",
            Box::new(move |p: &mut Plan| p.commit = older.clone()),
            "the commit gives no-op",
        ),
        (
            "a commit the repository lacks",
            Box::new(move |p: &mut Plan| p.commit = "0123456789".repeat(4)),
            "which this repository does not have",
        ),
        (
            "a short commit",
            Box::new(move |p: &mut Plan| p.commit.truncate(12)),
            "not a full commit id",
        ),
        (
            "the target tenant",
            Box::new(move |p: &mut Plan| {
                p.target.tenant_id = "99999999-8888-4777-8666-555555555555".into()
            }),
            "the plan is for tenant",
        ),
        (
            "the source tenant id",
            Box::new(move |p: &mut Plan| p.source.tenant_id = "someone-else".into()),
            "the source tenant id",
        ),
        (
            "the selection, so the policy is not chosen",
            Box::new(move |p: &mut Plan| p.only = vec!["settingsCatalog/Defender*".into()]),
            "the commit gives no such item",
        ),
    ];
    let before = writes(&emu);
    for (what, edit, expected) in cases {
        forge(&env, &plan, "forged.json", edit);
        let (code, stdout, stderr) = apply(&env, "forged.json", &[]);
        assert_eq!(code, 4, "{what}: {stdout}\n{stderr}");
        assert!(stdout.contains("refused"), "{what}: {stdout}");
        assert!(
            stdout.contains(expected),
            "{what}: expected `{expected}` in {stdout}"
        );
        assert_eq!(writes(&emu), before, "{what}: nothing was written");
    }
    // The plan as made still applies, exactly its two items, and says what it checked.
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("plan {} from commit {}", plan.hash, plan.commit)),
        "{stdout}"
    );
    assert!(stdout.contains("2 items to write"), "{stdout}");
    assert_eq!(applied_failed(&stdout), (2, 0), "{stdout}");
    // The apply's run log, in the commit before the backup that follows the apply.
    let log = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("run log: "))
        .unwrap();
    let log: Value =
        serde_yaml::from_str(&git(&env.repo(), &["show", &format!("HEAD~1:{log}")])).unwrap();
    assert_eq!(log["checks"]["derivation"], "passed", "{log}");
    assert_eq!(log["checks"]["commit"], "passed", "{log}");
    assert_eq!(log["checks"]["signature"], "notChecked", "{log}");
    let after = writes(&emu);
    assert_eq!(
        after["DELETE"], before["DELETE"],
        "restore never deletes a policy"
    );
    assert_eq!(total_writes(&after) - total_writes(&before), 2, "{after}");
}

#[test]
fn a_signature_proves_the_inputs_that_derivation_follows() {
    let (emu, env, plan) = two_updates();
    assert!(
        plan.signature
            .as_deref()
            .unwrap()
            .starts_with("hmac-sha256:")
    );
    let verify = ["--verify-key-env", KEY_ENV];
    let u = update_index(&plan, "BitLocker");
    // Edits a derivation agrees with: only signing can tell.
    type Edit<'a> = Box<dyn Fn(&mut Plan) + 'a>;
    let cases: Vec<(&str, Edit<'_>)> = vec![
        (
            "selection narrowed and its item dropped",
            Box::new(move |p: &mut Plan| {
                p.only = vec!["settingsCatalog/Defender*".into()];
                p.items.remove(u);
            }),
        ),
        (
            "--create-missing",
            Box::new(move |p: &mut Plan| p.create_missing = true),
        ),
        (
            "a mapping",
            Box::new(move |p: &mut Plan| {
                p.mappings.entry("groups".into()).or_default().insert(
                    "All staff".into(),
                    "00000000-0000-0000-0000-000000000bad".into(),
                );
            }),
        ),
        (
            "the types",
            Box::new(move |p: &mut Plan| p.types.push("assignmentFilters".into())),
        ),
    ];
    let before = writes(&emu);
    for (what, edit) in cases {
        forge(&env, &plan, "forged.json", edit);
        let (code, stdout, stderr) = apply(&env, "forged.json", &verify);
        assert_eq!(code, 4, "{what}: {stdout}\n{stderr}");
        assert!(
            stdout.contains("signature does not match"),
            "{what}: {stdout}"
        );
        assert_eq!(writes(&emu), before, "{what}");
    }
    // A wrong key, an unsigned plan, a missing key variable.
    let (code, stdout, _) = out(&cmd(
        &env,
        &["apply", "plan.json", "--yes", "--verify-key-env", KEY_ENV],
    )
    .env(KEY_ENV, "another-key-of-enough-length-0123456789")
    .output()
    .unwrap());
    assert_eq!(code, 4, "{stdout}");
    assert!(stdout.contains("signature does not match"), "{stdout}");
    assert!(!stdout.contains(KEY), "the key is never shown");
    forge(&env, &plan, "unsigned.json", |p| p.signature = None);
    let (code, stdout, _) = apply(&env, "unsigned.json", &verify);
    assert_eq!(code, 4, "{stdout}");
    assert!(stdout.contains("not signed"), "{stdout}");
    // A plan that claims to write nothing is checked before "nothing to apply" is said.
    forge(&env, &plan, "quiet.json", |p| {
        for i in &mut p.items {
            i.action = tenant_atlas::plan::Action::NoOp;
            i.requests.clear();
        }
    });
    let (code, stdout, _) = apply(&env, "quiet.json", &verify);
    assert_eq!(code, 4, "{stdout}");
    assert!(stdout.contains("signature does not match"), "{stdout}");
    let (code, _, stderr) = apply(
        &env,
        "plan.json",
        &["--verify-key-env", "NO_SUCH_KEY_VARIABLE"],
    );
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("NO_SUCH_KEY_VARIABLE"), "{stderr}");
    assert_eq!(writes(&emu), before);
    // The signed plan, verified, applies.
    let (code, stdout, stderr) = apply(&env, "plan.json", &verify);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("signature verified with the key in {KEY_ENV}")),
        "{stdout}"
    );
    assert_eq!(applied_failed(&stdout), (2, 0), "{stdout}");
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
}
