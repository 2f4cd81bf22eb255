//! Graph as it really answers: every sample of `fixtures/graph-samples/` (real responses collected
//! from public, permissively licensed sources; see that folder's README) is served by the emulator,
//! backed up, checked in its document, and restored into the emptied tenant; a new plan then finds
//! nothing to do, and an object whose real id carries a suffix after its GUID is recreated with one
//! of the same form. Types that are never applied end with the outcome their plan documents instead.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use tenant_atlas::catalog::{self, Capability, CatalogEntry};
use tenant_atlas::emulator::{EmulatorConfig, TenantSeed};

/// One sample file.
struct Sample {
    file: String,
    collection: String,
    response: Value,
}

fn samples_dir() -> std::path::PathBuf {
    manifest_dir().join("fixtures/graph-samples")
}

/// The samples of one catalog type, by file name.
fn samples(type_key: &str) -> Vec<Sample> {
    let dir = samples_dir().join(type_key);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            Sample {
                file: p.file_name().unwrap().to_string_lossy().into_owned(),
                collection: v["collection"].as_str().unwrap().to_string(),
                response: v["response"].clone(),
            }
        })
        .collect()
}

/// Group ids the samples' assignment targets name.
fn assigned_groups(samples: &[Sample]) -> BTreeSet<String> {
    samples
        .iter()
        .flat_map(|s| {
            s.response["assignments"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|a| a["target"]["groupId"].as_str().map(str::to_string))
        .collect()
}

/// Mobile apps the samples name, with the app a seed holds for each: app configurations target
/// theirs (`targetedMobileApps`, with the package id the sample names), enrollment status pages
/// wait for theirs (`selectedMobileAppIds`, Windows apps).
fn referenced_apps(samples: &[Sample]) -> Vec<Value> {
    let mut apps = vec![];
    for s in samples {
        let ids = |k: &str| {
            s.response[k]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|id| id.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        };
        let package = s.response["packageId"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("app:");
        // Apps outlive the clear (Microsoft's own, in every tenant) or come back with it (a
        // WinGet app restore creates); a content app would block what names it.
        for id in ids("targetedMobileApps") {
            apps.push(
                json!({"@odata.type": "#microsoft.graph.managedAndroidStoreApp", "id": id,
                "displayName": format!("Sample app {}", &id[..8]), "packageId": package,
                "appAvailability": "global"}),
            );
        }
        for id in ids("selectedMobileAppIds") {
            apps.push(
                json!({"@odata.type": "#microsoft.graph.winGetApp", "id": id,
                "displayName": format!("Sample app {}", &id[..8]),
                "packageIdentifier": format!("9SAMPLE{}", &id[..8]),
                "installExperience": {"runAsAccount": "system"}}),
            );
        }
    }
    apps
}

/// Scope tags the samples name besides the built-in "0" (`roleScopeTagIds`, or `roleScopeTags` on
/// assignment filters).
fn named_scope_tags(samples: &[Sample]) -> BTreeSet<String> {
    samples
        .iter()
        .flat_map(|s| {
            ["roleScopeTagIds", "roleScopeTags"]
                .iter()
                .flat_map(|k| s.response[*k].as_array().cloned().unwrap_or_default())
                .collect::<Vec<_>>()
        })
        .filter_map(|t| t.as_str().map(str::to_string))
        .filter(|t| t != "0")
        .collect()
}

/// The demo tenant's `tenant.json` with the samples as its only objects, and the groups, apps and
/// scope tags they refer to (which the sample's tenant had).
fn seed(samples: &[Sample]) -> TenantSeed {
    let tenant = std::fs::read(demo_seed_dir().join("tenant.json")).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = vec![("tenant.json".into(), tenant)];
    for s in samples {
        files.push((
            format!("{}/{}", s.collection, s.file),
            serde_json::to_vec(&s.response).unwrap(),
        ));
    }
    for id in assigned_groups(samples) {
        let group = json!({"id": id, "displayName": format!("Sample group {}", &id[..8])});
        files.push((
            format!("v1.0/groups/{id}.json"),
            serde_json::to_vec(&group).unwrap(),
        ));
    }
    for id in named_scope_tags(samples) {
        let tag = json!({"@odata.type": "#microsoft.graph.roleScopeTag", "id": id,
            "displayName": format!("Sample scope tag {id}"), "description": "", "isBuiltIn": false});
        files.push((
            format!("beta/deviceManagement/roleScopeTags/{id}.json"),
            serde_json::to_vec(&tag).unwrap(),
        ));
    }
    for app in referenced_apps(samples) {
        files.push((
            format!(
                "beta/deviceAppManagement/mobileApps/{}.json",
                app["id"].as_str().unwrap()
            ),
            serde_json::to_vec(&app).unwrap(),
        ));
    }
    TenantSeed::from_files(files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))).unwrap()
}

static RUNS: AtomicUsize = AtomicUsize::new(0);

fn run(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--repo", "repo"];
    all.extend_from_slice(args);
    let mut c = env.cmd(&all);
    c.env(
        "ATLAS_RUN_ID",
        format!(
            "20260115T093000Z-{:06x}",
            RUNS.fetch_add(1, Ordering::SeqCst) + 0x5a00
        ),
    );
    out(&c.output().unwrap())
}

fn plan(env: &TestEnv, file: &str, from: &str) -> Value {
    let (code, stdout, stderr) = run(
        env,
        &["plan", "--tenant", "demo", "--from", from, "--out", file],
    );
    assert!(code == 0 || code == 2, "plan {code}: {stdout}\n{stderr}");
    serde_json::from_slice(&std::fs::read(env.path().join(file)).unwrap()).unwrap()
}

fn items(plan: &Value) -> &Vec<Value> {
    plan["items"].as_array().unwrap()
}

/// Top-level properties of a response the document must keep in its `spec`: all but annotations,
/// read-only and volatile ones (the common list and the type's own), the name, scope tags and
/// navigation properties, which the document holds elsewhere or not at all.
fn kept_properties(entry: &CatalogEntry, response: &Value) -> Vec<String> {
    let navs: Vec<&str> = entry
        .sources
        .iter()
        .flat_map(|s| s.navs.iter().map(|n| n.path))
        .collect();
    let own_strip: Vec<&str> = entry
        .strip
        .iter()
        .copied()
        .filter(|p| !p.contains(['.', '[']))
        .collect();
    let sidecars: Vec<&str> = entry.sidecars.iter().map(|s| s.field).collect();
    response
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with('@') && !k.starts_with('#') && !k.contains("@odata."))
        .filter(|k| !catalog::COMMON_STRIP.contains(&k.as_str()))
        .filter(|k| !own_strip.contains(&k.as_str()))
        .filter(|k| !navs.contains(&k.as_str()) && !sidecars.contains(&k.as_str()))
        .filter(|k| Some(k.as_str()) != entry.name.property() && *k != "assignments")
        .filter(|k| Some(k.as_str()) != entry.scope_tags.property())
        .cloned()
        .collect()
}

/// Paths of OData annotations and action links (`@odata.id`, `prop@odata.type`,
/// `#microsoft.graph.restore`, …) below `v`; a nested object's `@odata.type` is data.
fn annotations(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k.starts_with('#') || (k.contains('@') && k != "@odata.type") {
                    out.push(format!("{at}.{k}"));
                }
                annotations(x, &format!("{at}.{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                annotations(x, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The backed-up document of a sample: found under the type's folder by its name; its `spec` keeps
/// every property the response had that restore can write, scalar values unchanged.
fn check_document(env: &TestEnv, entry: &CatalogEntry, s: &Sample) {
    let name = entry.name.of(&s.response);
    let folder = env.repo().join("tenants/demo").join(entry.key);
    let docs: Vec<Value> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {} ({e})", s.file, folder.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| serde_yaml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap())
        .collect();
    let doc = docs
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{}: no document named {name:?} in {}", s.file, entry.key));
    assert_eq!(doc["kind"], entry.key, "{}", s.file);
    if let Some(t) = s.response["@odata.type"].as_str() {
        assert_eq!(doc["odataType"], t, "{}", s.file);
    }
    let spec = &doc["spec"];
    let mut notes = vec![];
    annotations(spec, "spec", &mut notes);
    assert!(notes.is_empty(), "{}: annotations kept: {notes:?}", s.file);
    for k in kept_properties(entry, &s.response) {
        let want = &s.response[&k];
        let got = spec
            .get(&k)
            .unwrap_or_else(|| panic!("{}: spec lost {k:?} ({want})", s.file));
        if !(want.is_object() || want.is_array()) {
            assert_eq!(got, want, "{}: {k}", s.file);
        }
    }
}

/// Ids of every object the emulator holds.
fn live_ids(emu: &Emu) -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    emu.handle.as_ref().unwrap().dump(dir.path()).unwrap();
    tree(dir.path())
        .into_values()
        .filter_map(|b| serde_json::from_slice::<Value>(&b).ok())
        .filter_map(|v| v["id"].as_str().map(str::to_string))
        .collect()
}

/// Types for which only one real answer could be found in a permissively licensed source; every
/// other type has at least two.
const ONE_SAMPLE: &[&str] = &[
    "complianceV2",
    "featureUpdateProfiles",
    "powershellScripts",
    "remediations",
];

/// Serves a type's samples, backs them up and checks each document, clears the tenant and
/// restores it from the backup, then plans again.
fn round_trip(type_key: &str) {
    let entry = catalog::get(type_key).unwrap();
    let samples = samples(type_key);
    let least = if ONE_SAMPLE.contains(&type_key) { 1 } else { 2 };
    assert!(
        samples.len() >= least,
        "{type_key}: {} samples",
        samples.len()
    );
    let emu = Emu::start(EmulatorConfig::default(), vec![seed(&samples)]);
    let (tenant, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(
        &env,
        &emu,
        "demo",
        "  rateLimit: {requests: 1000, writes: 100, windowSeconds: 20}\n",
    );
    let (code, stdout, stderr) = run(&env, &["backup"]);
    assert_eq!(code, 0, "backup: {stdout}\n{stderr}");
    for s in &samples {
        check_document(&env, entry, s);
    }
    let backup = git(&env.repo(), &["rev-parse", "HEAD"]).trim().to_string();

    emu.handle.as_ref().unwrap().clear_tenant(&tenant).unwrap();
    let kept = live_ids(&emu);
    let p = plan(&env, "plan.json", &backup);
    let ours: Vec<&Value> = items(&p).iter().filter(|i| i["kind"] == type_key).collect();
    assert_eq!(ours.len(), samples.len(), "{}", p["summary"]);
    // Built-in objects (a tenant's default enrollment configurations) outlive the clear as they
    // were: nothing to do for them.
    let (ours, built_in): (Vec<&Value>, Vec<&Value>) = ours
        .into_iter()
        .partition(|i| !kept.contains(i["sourceId"].as_str().unwrap()));
    for i in &built_in {
        assert_eq!(i["action"], "no-op", "{i:#}");
    }
    match entry.capability {
        Capability::PreviewOnly => {
            for i in &ours {
                assert_eq!(i["action"], "preview-only", "{i:#}");
            }
            return;
        }
        Capability::BackupOnly => {
            for i in &ours {
                assert_eq!(i["action"], "blocked", "{i:#}");
                let why = i["reasons"][0].as_str().unwrap();
                assert!(why.contains("can be backed up but not restored"), "{why}");
            }
            return;
        }
        Capability::Full => {}
    }
    for i in &ours {
        assert_eq!(i["action"], "create", "{i:#}");
    }
    let (code, stdout, stderr) = run(&env, &["apply", "plan.json", "--yes"]);
    assert_eq!(code, 0, "apply: {stdout}\n{stderr}");
    assert!(!stdout.contains("not converged"), "{stdout}");
    let again = plan(&env, "again.json", &backup);
    for i in items(&again) {
        assert_eq!(i["action"], "no-op", "{type_key}: {i:#}");
    }
    let created =
        |i: &&Value| i["kind"] == type_key && !kept.contains(i["sourceId"].as_str().unwrap());
    for i in items(&again).iter().filter(created) {
        let (source, target) = (
            i["sourceId"].as_str().unwrap(),
            i["targetId"].as_str().unwrap(),
        );
        if let Some(suffix) = id_suffix(source) {
            assert!(
                target != source && id_suffix(target) == Some(suffix),
                "{type_key}: {source} was recreated as {target}, not as Graph names one"
            );
        }
    }
}

/// What Graph appends to a GUID in the ids it gives some objects (enrollment configurations:
/// `<guid>_Windows10EnrollmentCompletionPageConfiguration`).
fn id_suffix(id: &str) -> Option<&str> {
    let (guid, suffix) = id.split_once('_')?;
    uuid::Uuid::parse_str(guid).ok().map(|_| suffix)
}

#[test]
fn every_sample_names_its_source_licence_and_a_catalog_collection() {
    let mut seen = 0;
    for dir in std::fs::read_dir(samples_dir()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let key = dir.file_name().unwrap().to_string_lossy().into_owned();
        let entry = catalog::get(&key).unwrap_or_else(|| panic!("{key}: not a catalog type"));
        let collections: Vec<String> = entry
            .sources
            .iter()
            .map(|s| format!("{}/{}", s.version.as_str(), s.collection))
            .collect();
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            let what = p.display();
            for k in ["repository", "path", "commit", "url", "licence"] {
                assert!(
                    v["source"][k].as_str().is_some_and(|s| !s.is_empty()),
                    "{what}: source.{k}"
                );
            }
            assert!(v["notes"].is_string(), "{what}: notes");
            assert!(
                collections.iter().any(|c| v["collection"] == c.as_str()),
                "{what}: {} is not one of {collections:?}",
                v["collection"]
            );
            assert!(v["response"]["id"].is_string(), "{what}: response.id");
            seen += 1;
        }
    }
    assert!(seen > 0);
}

macro_rules! round_trips {
    ($($name:ident => $key:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                round_trip($key);
            }
        )*
    };
}

round_trips! {
    assignment_filters => "assignmentFilters",
    windows_update_rings => "windowsUpdateRings",
    shell_scripts => "shellScripts",
    powershell_scripts => "powershellScripts",
    remediations => "remediations",
    feature_update_profiles => "featureUpdateProfiles",
    intents => "intents",
    custom_attribute_scripts => "customAttributeScripts",
    device_configurations => "deviceConfigurations",
    compliance_policies => "compliancePolicies",
    settings_catalog => "settingsCatalog",
    compliance_v2 => "complianceV2",
    app_protection_policies => "appProtectionPolicies",
    notification_templates => "notificationTemplates",
    app_configurations => "appConfigurations",
    autopilot_profiles => "autopilotProfiles",
    administrative_templates => "administrativeTemplates",
    enrollment_restrictions => "enrollmentRestrictions",
    enrollment_status_pages => "enrollmentStatusPages",
    named_locations => "namedLocations",
    conditional_access => "conditionalAccess",
}
