//! Objects that share a name: a tenant holding device configurations (of one `@odata.type` and of
//! two) and settings catalog policies named alike, all assigned, cleared and restored from its
//! backup, converges — every create read back by the id it returned, a new plan of the same commit
//! finds nothing to do, the backup that follows names each object's file by its own id, and a plan
//! of that backup pairs every document with the object created for it. Creates whose answers are
//! lost are found again without taking one same-named object for another.

use super::*;
use serde_json::json;
use tenant_atlas::emulator::TenantSeed;

const TYPES: &[&str] = &["deviceConfigurations", "settingsCatalog"];
const DC: &str = "beta/deviceManagement/deviceConfigurations";
const SC: &str = "beta/deviceManagement/configurationPolicies";
/// Groups of the demo seed.
const VIP: &str = "2a2258ba-8768-5f63-81c9-00e31b9958c5";
const FINANCE: &str = "69f3e39c-a058-563a-8b23-88448247d2d6";

fn assignment(owner: &str, group: &str) -> Value {
    json!({
        "id": format!("{owner}_{group}"),
        "intent": "apply",
        "source": "direct",
        "sourceId": owner,
        "target": {
            "@odata.type": "#microsoft.graph.groupAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": null,
            "deviceAndAppManagementAssignmentFilterType": "none",
            "groupId": group
        }
    })
}

fn device_configuration(id: &str, odata_type: &str, extra: Value, group: &str) -> Value {
    let mut v = json!({
        "@odata.type": odata_type,
        "id": id,
        "displayName": "Restrictions",
        "description": format!("copy {}", &id[..8]),
        "roleScopeTagIds": ["0"],
        "supportsScopeTags": true,
        "createdDateTime": "2025-03-12T03:11:07Z",
        "lastModifiedDateTime": "2025-07-26T03:11:07Z",
        "version": 1,
        "assignments": [assignment(id, group)]
    });
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    v
}

fn settings_policy(id: &str, value: &str, group: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy",
        "id": id,
        "name": "Edge – Baseline",
        "description": format!("copy {}", &id[..8]),
        "platforms": "windows10",
        "technologies": "mdm",
        "roleScopeTagIds": ["0"],
        "settingCount": 1,
        "createdDateTime": "2024-01-17T16:00:20Z",
        "lastModifiedDateTime": "2024-05-04T16:00:20Z",
        "isAssigned": true,
        "priorityMetaData": null,
        "creationSource": null,
        "templateReference": {
            "templateId": "", "templateFamily": "none",
            "templateDisplayName": null, "templateDisplayVersion": null
        },
        "settings": [{
            "id": "0",
            "settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": "device_vendor_msft_policy_config_microsoft_edgev80diff~policy~microsoft_edge_smartscreenenabled",
                "settingInstanceTemplateReference": null,
                "choiceSettingValue": {
                    "settingValueTemplateReference": null,
                    "value": format!("device_vendor_msft_policy_config_microsoft_edgev80diff~policy~microsoft_edge_smartscreenenabled_{value}"),
                    "children": []
                }
            }
        }],
        "assignments": [assignment(id, group)]
    })
}

/// The demo tenant's credentials, groups and scope tags, with three device configurations named
/// "Restrictions" (two iOS, one Android) and two settings catalog policies named "Edge – Baseline".
fn seed() -> TenantSeed {
    let demo = demo_seed_dir();
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "tenant.json".into(),
        std::fs::read(demo.join("tenant.json")).unwrap(),
    )];
    for dir in [
        "v1.0/groups",
        "beta/deviceManagement/roleScopeTags",
        "beta/deviceManagement/configurationSettings",
    ] {
        for e in std::fs::read_dir(demo.join(dir)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            files.push((format!("{dir}/{name}"), std::fs::read(e.path()).unwrap()));
        }
    }
    let ios = "#microsoft.graph.iosGeneralDeviceConfiguration";
    let objects = [
        (
            format!("{DC}/ios-a.json"),
            device_configuration(
                "1a000000-0000-4000-8000-00000000000a",
                ios,
                json!({"passcodeRequired": true, "passcodeMinimumLength": 6}),
                VIP,
            ),
        ),
        (
            format!("{DC}/ios-b.json"),
            device_configuration(
                "1b000000-0000-4000-8000-00000000000b",
                ios,
                json!({"passcodeRequired": true, "passcodeMinimumLength": 8}),
                FINANCE,
            ),
        ),
        (
            format!("{DC}/android.json"),
            device_configuration(
                "1c000000-0000-4000-8000-00000000000c",
                "#microsoft.graph.androidGeneralDeviceConfiguration",
                json!({"cameraBlocked": true}),
                VIP,
            ),
        ),
        (
            format!("{SC}/edge-a.json"),
            settings_policy("2a000000-0000-4000-8000-00000000000a", "0", VIP),
        ),
        (
            format!("{SC}/edge-b.json"),
            settings_policy("2b000000-0000-4000-8000-00000000000b", "1", FINANCE),
        ),
    ];
    for (path, v) in objects {
        files.push((path, serde_json::to_vec_pretty(&v).unwrap()));
    }
    TenantSeed::from_files(files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))).unwrap()
}

/// Source id → the id its create returned, from the apply run log committed under `runs/`.
fn created_by_run_log(env: &TestEnv) -> BTreeMap<String, String> {
    let logs = git(
        &env.repo(),
        &["ls-tree", "-r", "--name-only", "HEAD", "runs/demo"],
    );
    let mut out = BTreeMap::new();
    for p in logs.lines() {
        let v: Value = serde_yaml::from_str(&git(&env.repo(), &["show", &format!("HEAD:{p}")]))
            .unwrap_or_else(|e| panic!("{p}: {e}"));
        if v["kind"] != "apply" {
            continue;
        }
        for i in v["items"].as_array().unwrap() {
            if i["action"] == "create" {
                out.insert(
                    i["sourceId"].as_str().unwrap().to_string(),
                    i["targetId"].as_str().unwrap().to_string(),
                );
            }
        }
    }
    out
}

/// Type folder → file → id of each document of the tenant folder at HEAD.
fn documents(env: &TestEnv) -> BTreeMap<String, String> {
    TYPES
        .iter()
        .flat_map(|kind| {
            let dir = env.repo().join("tenants/demo").join(kind);
            std::fs::read_dir(dir).unwrap().map(move |e| {
                let e = e.unwrap();
                let text = std::fs::read_to_string(e.path()).unwrap();
                let v: Value = serde_yaml::from_str(&text).unwrap();
                (
                    format!("{kind}/{}", e.file_name().to_string_lossy()),
                    v["id"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect()
}

fn all_no_op(plan: &Value) -> bool {
    plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["action"] == "no-op")
}

#[test]
fn a_cleared_tenant_whose_objects_share_names_is_restored_and_converges() {
    let emu = Emu::start(EmulatorConfig::default(), vec![seed()]);
    let env = backed_up(&emu);
    let backup = rev(&env, "HEAD");
    let original = documents(&env);
    assert_eq!(original.len(), 5, "{original:?}");
    let before = live_by_name(&emu);
    clear(&emu);

    let plan = plan_to(&env, "plan.json", &backup, &type_args(TYPES));
    assert_eq!(items_with(&plan, "create").len(), 5, "{}", plan["summary"]);
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(applied_failed(&stdout), (5, 0), "{stdout}");
    assert!(!stdout.contains("not converged"), "{stdout}");

    // One object per document, none twice.
    let after = live_by_name(&emu);
    for coll in [DC, SC] {
        let names = |s: &BTreeMap<String, BTreeMap<String, Vec<Value>>>| {
            s[coll]
                .iter()
                .map(|(n, o)| (n.clone(), o.len()))
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(names(&after), names(&before), "{coll}");
    }
    assert_eq!(duplicates(&before, &after), vec![], "duplicates");

    // The same commit planned again: every item is the object created for it.
    let again = plan_no_changes(&env, &backup, "again.json");
    assert!(all_no_op(&again), "{again:#}");
    let created = created_by_run_log(&env);
    assert_eq!(created.len(), 5, "{created:?}");
    for item in again["items"].as_array().unwrap() {
        assert_eq!(
            item["targetId"].as_str(),
            created
                .get(item["sourceId"].as_str().unwrap())
                .map(String::as_str),
            "{item:#}"
        );
    }

    // The backup after the apply: each object under its own id, in a file named by that id.
    let restored = documents(&env);
    assert_eq!(restored.len(), 5, "{restored:?}");
    let mut ids: Vec<&String> = restored.values().collect();
    ids.sort();
    let mut expected: Vec<&String> = created.values().collect();
    expected.sort();
    assert_eq!(ids, expected, "the backup holds the created objects");
    for (file, id) in &restored {
        assert!(
            file.contains(&format!("--{}.yaml", &id[..8])),
            "{file}: {id}"
        );
    }
    // Backed up again: the same files, no commit.
    let head = rev(&env, "HEAD");
    let (code, stdout, stderr) = run(&env, &["backup"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(rev(&env, "HEAD"), head, "{stdout}");
    assert_eq!(documents(&env), restored);

    // A restore from that later commit pairs each document with its object by id.
    let later = plan_no_changes(&env, &head, "later.json");
    assert!(all_no_op(&later), "{later:#}");
    for item in later["items"].as_array().unwrap() {
        assert_eq!(item["targetId"], item["sourceId"], "{item:#}");
    }
}

#[test]
fn creates_whose_answers_are_lost_are_found_among_objects_named_alike() {
    // Every create's answer is lost: each is looked up by name among the objects no other item
    // owns, so the second "Restrictions" is never taken for the first one's.
    let emu = Emu::start(
        EmulatorConfig {
            drop_create_rate: 1.0,
            fault_seed: 5,
            ..EmulatorConfig::default()
        },
        vec![seed()],
    );
    let env = backed_up(&emu);
    let backup = rev(&env, "HEAD");
    let before = live_by_name(&emu);
    clear(&emu);
    let plan = plan_to(&env, "plan.json", &backup, &type_args(TYPES));
    assert_eq!(items_with(&plan, "create").len(), 5, "{}", plan["summary"]);
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(applied_failed(&stdout), (5, 0), "{stdout}");
    assert!(emu.stats()["droppedCreates"].as_u64().unwrap() >= 5);
    assert_eq!(duplicates(&before, &live_by_name(&emu)), vec![]);
    let again = plan_to(&env, "again.json", &backup, &type_args(TYPES));
    assert!(all_no_op(&again), "{again:#}");
}

/// `plan` of the test's types from `from` into `out`, which must exit 0 (nothing to change).
fn plan_no_changes(env: &TestEnv, from: &str, out: &str) -> Value {
    let mut args = vec!["plan", "--tenant", "demo", "--from", from, "--out", out];
    args.extend(type_args(TYPES));
    let (code, stdout, stderr) = run(env, &args);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    read_plan(env, out)
}
