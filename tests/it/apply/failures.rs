//! A write Graph refuses (exit 3, the rest applied, the run log telling which and why), the
//! request shapes of settings catalog and ADMX updates, and secrets that reach Graph only.

use super::*;

/// Writes in the emulator's request log after sequence `after`: (method, path).
fn writes_after(emu: &Emu, after: u64) -> Vec<(String, String)> {
    emu.stats()["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["seq"].as_u64().unwrap() > after && e["method"] != "GET")
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn last_seq(emu: &Emu) -> u64 {
    emu.stats()["log"]
        .as_array()
        .unwrap()
        .last()
        .map_or(0, |e| e["seq"].as_u64().unwrap())
}

const BLOCK: &str = "    - actionType: block\n      gracePeriodHours: 0\n      notificationMessageCCList: []\n      notificationTemplateId: 00000000-0000-0000-0000-000000000000\n";

#[test]
fn a_refused_write_fails_its_item_only_and_a_fixed_rerun_finishes() {
    let emu = emulator();
    let env = backed_up(&emu);
    let before = live_by_name(&emu);
    let doc = doc_path(&env, "compliancePolicies", "ios-compliance--");
    // A compliance policy without its block action: Graph refuses it (400).
    let broken = hand_edit(&env, &doc, |t| t.replacen(BLOCK, "", 1));
    clear(&emu);
    let plan = plan_to(&env, "plan.json", &broken, &type_args(SUBSET));
    let creates = items_with(&plan, "create").len();
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert_eq!(applied_failed(&stdout), (creates - 1, 1), "{stdout}");
    assert!(
        stdout.contains(
            "✗ create Compliance policies (compliancePolicies) \"iOS – Compliance\" — failed"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("400"), "{stdout}");
    // The run log: every item with its result, the failing request's status and request id.
    let run_log = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("run log: "))
        .unwrap()
        .to_string();
    // From the apply's commit (the backup after it shares the run id these tests fix).
    let log: Value =
        serde_yaml::from_str(&git(&env.repo(), &["show", &format!("HEAD~1:{run_log}")])).unwrap();
    assert_eq!(log["kind"], "apply");
    assert_eq!(log["outcome"], "partial");
    let items = log["items"].as_array().unwrap();
    for planned in items_with(&plan, "create") {
        assert!(
            items
                .iter()
                .any(|i| i["name"] == planned["name"] && i["kind"] == planned["kind"]),
            "{} is in the run log",
            planned["name"]
        );
    }
    let failed: Vec<&Value> = items.iter().filter(|i| i["result"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{items:?}");
    assert_eq!(failed[0]["name"], "iOS – Compliance");
    let req = &failed[0]["requests"][0];
    assert_eq!(req["status"], 400, "{req}");
    let request_id = req["requestId"].as_str().expect("the failing request's id");
    assert!(
        emu.stats()["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["requestId"] == request_id && e["status"] == 400),
        "the emulator answered {request_id} with 400"
    );
    assert_eq!(
        items.iter().filter(|i| i["result"] == "applied").count(),
        creates - 1
    );
    for i in items.iter().filter(|i| i["result"] == "applied") {
        let r = &i["requests"][0];
        assert!(
            r["status"].as_u64().unwrap() < 300 && r["requestId"].is_string(),
            "{i:?}"
        );
    }

    // Fixed: the commit before the broken edit, planned and applied again: only the failed one
    // is created. (The backup after the apply dropped the document, as the tenant lacks it.)
    let fixed = format!("{broken}~1");
    let plan = plan_to(&env, "fixed.json", &fixed, &type_args(SUBSET));
    let creates: Vec<&str> = items_with(&plan, "create")
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(creates, vec!["iOS – Compliance"], "{}", plan["summary"]);
    let (code, stdout, stderr) = apply(&env, "fixed.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(duplicates(&before, &live_by_name(&emu)), vec![]);
}

#[test]
fn settings_catalog_is_one_put_and_admx_removes_dropped_values() {
    let emu = emulator();
    let env = backed_up(&emu);
    let sc = doc_path(&env, "settingsCatalog", "bitlocker-os-drive--");
    hand_edit(&env, &sc, |t| {
        t.replacen("xtsfdvdropdown_name_7", "xtsfdvdropdown_name_6", 1)
    });
    let admx = doc_path(
        &env,
        "administrativeTemplates",
        "onedrive-known-folder-move--",
    );
    let head = hand_edit(&env, &admx, |t| {
        let parts: Vec<&str> = t.split("\n  - configurationType: policy\n").collect();
        assert_eq!(parts.len(), 3, "two definition values");
        format!("{}\n  - configurationType: policy\n{}", parts[0], parts[2])
    });
    let plan = plan_to(
        &env,
        "plan.json",
        &head,
        &type_args(&["settingsCatalog", "administrativeTemplates"]),
    );
    let updates = items_with(&plan, "update");
    assert_eq!(updates.len(), 2, "{}", plan["summary"]);
    let id_of = |kind: &str| {
        updates.iter().find(|i| i["kind"] == kind).unwrap()["targetId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (sc_id, admx_id) = (id_of("settingsCatalog"), id_of("administrativeTemplates"));
    let seq = last_seq(&emu);
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let sent = writes_after(&emu, seq);
    let to_sc: Vec<&(String, String)> = sent.iter().filter(|(_, p)| p.contains(&sc_id)).collect();
    assert_eq!(to_sc.len(), 1, "{sent:?}");
    assert_eq!(to_sc[0].0, "PUT");
    assert!(
        to_sc[0]
            .1
            .ends_with(&format!("configurationPolicies/{sc_id}")),
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|(m, p)| m == "POST" && p.ends_with(&format!("{admx_id}/updateDefinitionValues"))),
        "{sent:?}"
    );
    let c = client(&emu);
    let settings = list(
        &emu,
        &c,
        &format!("/beta/deviceManagement/configurationPolicies/{sc_id}/settings"),
    );
    let text = serde_json::to_string(&settings).unwrap();
    assert!(text.contains("xtsfdvdropdown_name_6"), "{text}");
    assert!(
        !text.contains("xtsfdvdropdown_name_7"),
        "the whole settings were replaced"
    );
    assert!(
        text.contains("xtsosdropdown_name_7"),
        "the other settings kept"
    );
    let values = list(
        &emu,
        &c,
        &format!(
            "/beta/deviceManagement/groupPolicyConfigurations/{admx_id}/definitionValues?$expand=definition"
        ),
    );
    let names: Vec<&str> = values
        .iter()
        .map(|v| v["definition"]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["Silently move Windows known folders to OneDrive"]
    );
}

#[test]
fn a_supplied_secret_reaches_graph_and_nothing_else() {
    const CANARY: &str = "ATLAS-CANARY-OMA-VALUE-7f3a91";
    let emu = emulator();
    let env = backed_up(&emu);
    let doc = doc_path(
        &env,
        "deviceConfigurations",
        "windows-custom-oma-uri-mixed--",
    );
    // The policy is deleted live; its groups, filter and scope tags stay.
    let id8 = doc.rsplit("--").next().unwrap().trim_end_matches(".yaml");
    let c = client(&emu);
    let all = list(&emu, &c, "/beta/deviceManagement/deviceConfigurations");
    let id = all
        .iter()
        .filter_map(|o| o["id"].as_str())
        .find(|i| i.starts_with(id8))
        .unwrap()
        .to_string();
    send(
        &emu,
        &c,
        Method::DELETE,
        &format!("/beta/deviceManagement/deviceConfigurations/{id}"),
        None,
    );
    let secrets = path_in(&env, "secrets.yaml");
    std::fs::write(
        &secrets,
        format!("{doc}:\n  spec.omaSettings[7].value: {CANARY}\n"),
    )
    .unwrap();
    let secrets = secrets.display().to_string();
    let only = [
        "--only",
        "deviceConfigurations/Windows – Custom OMA-URI (mixed)",
    ];
    let (code, stdout, _) = run(
        &env,
        &[
            &["plan", "--tenant", "demo", "--out", "plan.json"][..],
            &only,
        ]
        .concat(),
    );
    assert_eq!(code, 0, "without the secret the item is blocked: {stdout}");
    let plan = read_plan(&env, "plan.json");
    assert_eq!(plan["summary"]["blocked"], 1, "{}", plan["summary"]);
    let plan = plan_to(
        &env,
        "plan.json",
        "HEAD",
        &[&only[..], &["--secrets", &secrets]].concat(),
    );
    assert_eq!(items_with(&plan, "create").len(), 1, "{}", plan["summary"]);
    let (code, stdout, stderr) = apply(&env, "plan.json", &["--secrets", &secrets]);
    // The value is sent and stored; reading it back, the supplied value is redacted like any
    // secret, so the object equals its document and the item converged.
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(applied_failed(&stdout), (1, 0), "{stdout}");
    let dump = tempfile::tempdir().unwrap();
    emu.handle.as_ref().unwrap().dump(dump.path()).unwrap();
    assert_eq!(
        grep_dir(dump.path(), CANARY).len(),
        1,
        "Graph stored the value"
    );
    for (what, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(!text.contains(CANARY), "{what}: {text}");
    }
    let mut hits = grep_dir(env.path(), CANARY);
    hits.retain(|h| !h.ends_with("secrets.yaml"));
    assert_eq!(hits, Vec::<String>::new(), "the value leaked into files");
    // Nor in the repository's history (objects are compressed: read them through git).
    let history = git(&env.repo(), &["log", "-p", "--all"]);
    assert!(!history.contains(CANARY));
    assert!(history.contains("apply(demo)"), "the run log was committed");
}
