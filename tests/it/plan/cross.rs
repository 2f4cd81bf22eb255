//! Restore plans into another tenant: references mapped by name to the other tenant's ids, a
//! missing group blocks what is assigned to it, `--mappings` names a substitute.

use super::*;
use tenant_atlas::emulator::{EmulatorConfig, TenantSeed};

const OTHER: &str = "99999999-8888-4777-8666-555555555555";
const OTHER_APP: &str = "bbbbbbbb-0000-0000-0000-000000000001";
const OTHER_SECRET_ENV: &str = "OTHER_CLIENT_SECRET";
const OTHER_SECRET: &str = "other-tenant-secret-1";

/// Every string value of a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn request_strings(i: &Item) -> Vec<String> {
    let mut out = vec![];
    for r in &i.requests {
        if let Some(b) = &r.body {
            strings(b, &mut out);
        }
    }
    out
}

/// Deletes an object in a tenant of the emulator.
fn delete(emu: &Emu, c: &GraphClient, path: &str) {
    let _guard = emu.rt.enter();
    let r = emu.rt.block_on(c.send(Method::DELETE, path, None)).unwrap();
    assert!(r.status < 300, "DELETE {path}: {}", r.status);
}

/// Arguments of a plan from the demo into `other`, of the given types.
fn to_other<'a>(types: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--tenant", "demo", "--to-tenant", "other"];
    for t in types {
        args.extend(["--type", t]);
    }
    args
}

/// The plan's item whose path holds `fragment`.
fn item_at(p: &Plan, fragment: &str) -> Item {
    p.items
        .iter()
        .find(|i| i.path.contains(fragment))
        .unwrap_or_else(|| panic!("{fragment}: {}", listing(p)))
        .clone()
}

/// Asserts the item is blocked by a reason that names every one of `words`.
fn assert_blocked_naming(i: &Item, words: &[&str]) {
    assert_eq!(i.action, Action::Blocked, "{}: {:?}", i.path, i.reasons);
    assert!(
        i.reasons
            .iter()
            .any(|r| words.iter().all(|w| r.contains(w))),
        "{words:?} in {:?}",
        i.reasons
    );
}

/// The demo tenant and `other`, a copy of its reference data under other ids, both in the
/// emulator; a repository with the demo backed up and `other` configured.
fn two_tenants() -> (Emu, TestEnv) {
    two_tenants_where(|_| {})
}

/// [`two_tenants`], with `other` changed by `edit` before it is served.
fn two_tenants_where(edit: impl FnOnce(&mut TenantSeed)) -> (Emu, TestEnv) {
    let seed = TenantSeed::load_dir(&demo_seed_dir()).unwrap();
    let mut copy = seed.references_copy(OTHER, OTHER_APP, OTHER_SECRET, 7);
    edit(&mut copy);
    let emu = Emu::start(EmulatorConfig::default(), vec![seed, copy]);
    let other_tenant = format!(
        "- name: other\n  tenantId: {OTHER}\n  clientId: {OTHER_APP}\n  clientSecretEnv: {OTHER_SECRET_ENV}\n  endpoints: {{graph: '{u}', login: '{u}'}}\n",
        u = emu.url()
    );
    let env = backed_up(&emu, &other_tenant, &[(OTHER_SECRET_ENV, OTHER_SECRET)]);
    (emu, env)
}

#[test]
fn another_tenant_gets_its_own_ids_and_missing_groups_block() {
    let (emu, env) = two_tenants();

    let demo = demo_client(&emu);
    let other = client_for(&emu, OTHER, OTHER_APP, OTHER_SECRET);
    let lists = |c: &GraphClient| {
        [
            "v1.0/groups",
            "beta/deviceManagement/assignmentFilters",
            "beta/deviceManagement/roleScopeTags",
        ]
        .map(|p| list(&emu, c, p))
    };
    let [groups, filters, tags] = lists(&other);
    let [demo_groups, demo_filters, demo_tags] = lists(&demo);
    let demo_ids: Vec<String> = demo_groups
        .iter()
        .chain(&demo_filters)
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    let demo_tag_ids: Vec<Value> = demo_tags
        .iter()
        .filter(|t| t["id"] != "0")
        .map(|t| t["id"].clone())
        .collect();

    let (code, stdout, p) = plan(&env, &["--tenant", "demo", "--to-tenant", "other"]);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(p.target.tenant_id, OTHER);
    assert!(p.summary.create > 60, "{}", listing(&p));
    // Reference-like objects exist in the copy under other ids: matched by name.
    for i in p.items.iter().filter(|i| i.kind == "scopeTags") {
        assert_ne!(i.action, Action::Create, "{}", listing(&p));
        assert!(i.target_id.as_ref().is_some_and(|t| *t != i.source_id));
    }
    // No body sends one of the source tenant's ids.
    for i in p.items.iter().filter(|i| i.action == Action::Create) {
        let used = request_strings(i);
        let leaked: Vec<&String> = used.iter().filter(|s| demo_ids.contains(s)).collect();
        assert!(leaked.is_empty(), "{}: {leaked:?}", i.path);
        for key in ["roleScopeTagIds", "roleScopeTags"] {
            let tags = body(i, 0)[key].as_array().cloned().unwrap_or_default();
            assert!(
                tags.iter().all(|t| !demo_tag_ids.contains(t)),
                "{}: {tags:?}",
                i.path
            );
        }
    }
    let edge = item(&p, EDGE);
    assert_eq!(edge.action, Action::Create, "{:?}", edge.reasons);
    assert_eq!(
        body(edge, 0)["roleScopeTagIds"],
        json!(["0", id_named(&tags, "München")])
    );
    let assign = body(edge, 1)["assignments"].as_array().unwrap();
    let target = |n: usize, k: &str| assign[n]["target"][k].as_str().unwrap().to_string();
    let kiosk = id_named(&groups, "Kiosk Devices");
    assert_eq!(
        target(0, "groupId"),
        id_named(&groups, "All Windows devices")
    );
    assert_eq!(
        target(0, "deviceAndAppManagementAssignmentFilterId"),
        id_named(&filters, "Windows 11 only")
    );
    assert_eq!(target(1, "groupId"), kiosk);
    // The readable change compares like with like: group names, not ids.
    assert!(stdout.contains("Kiosk Devices"), "{stdout}");
    let with_kiosk: Vec<String> = p
        .items
        .iter()
        .filter(|i| request_strings(i).contains(&kiosk))
        .map(|i| i.path.clone())
        .collect();
    assert!(with_kiosk.len() >= 2, "{with_kiosk:?}");
    let p0 = p;
    assert_eq!(writes(&emu), NO_WRITES(), "plan sends no write");

    // The group disappears from the other tenant: what is assigned to it is blocked, named.
    let _guard = emu.rt.enter();
    let r = emu
        .rt
        .block_on(other.send(Method::DELETE, &format!("v1.0/groups/{kiosk}"), None))
        .unwrap();
    assert!(r.status < 300, "{}", r.status);
    let (code, _, p) = plan(&env, &["--tenant", "demo", "--to-tenant", "other"]);
    assert_eq!(code, 2);
    for path in &with_kiosk {
        let i = item(&p, path);
        assert_eq!(i.action, Action::Blocked, "{path}");
        assert!(
            i.reasons
                .iter()
                .any(|r| r.contains("\"Kiosk Devices\" does not exist")),
            "{path}: {:?}",
            i.reasons
        );
    }

    // A mapping names a substitute: unblocked, assigned to it.
    // A group none of those items uses yet.
    let vip = groups
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .find(|g| {
            *g != kiosk
                && with_kiosk
                    .iter()
                    .all(|p| !request_strings(item(&p0, p)).contains(g))
        })
        .unwrap();
    let mappings = env.path().join("mappings.yaml");
    std::fs::write(&mappings, format!("groups:\n  Kiosk Devices: {vip}\n")).unwrap();
    let (_, _, p) = plan(
        &env,
        &[
            "--tenant",
            "demo",
            "--to-tenant",
            "other",
            "--mappings",
            mappings.to_str().unwrap(),
        ],
    );
    for path in &with_kiosk {
        let i = item(&p, path);
        assert_eq!(i.action, Action::Create, "{path}: {:?}", i.reasons);
        assert!(request_strings(i).contains(&vip), "{path}");
    }
    assert_eq!(writes(&emu)["POST"], 0, "plan sends no write");

    // Applied: the policies land in the other tenant, assigned to its groups, each once.
    let file = env.path().join("plan.json");
    let (code, stdout, stderr) =
        out(&env.run(&["--repo", "repo", "apply", file.to_str().unwrap(), "--yes"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains(" applied, 0 failed"), "{stdout}");
    let policies = list(
        &emu,
        &other,
        "beta/deviceManagement/configurationPolicies?$expand=assignments",
    );
    let edge_name = item(&p, EDGE).name.clone();
    let landed: Vec<&Value> = policies
        .iter()
        .filter(|o| o["name"] == edge_name.as_str())
        .collect();
    assert_eq!(landed.len(), 1, "created once: {landed:?}");
    let groups_of: Vec<&str> = landed[0]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["target"]["groupId"].as_str())
        .collect();
    assert!(
        groups_of.contains(&id_named(&groups, "All Windows devices").as_str()),
        "{groups_of:?}"
    );
    assert!(
        groups_of.contains(&vip.as_str()),
        "the mapped substitute: {groups_of:?}"
    );
    let mut names: Vec<&str> = policies.iter().filter_map(|o| o["name"].as_str()).collect();
    let all = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), all, "no policy created twice");
}

/// A Windows compliance policy names its compliance script by id: a plan into another tenant maps
/// it to that tenant's script of the same name, and when the script is missing there (and not
/// planned with the policy) the policy is blocked, naming the script.
#[test]
fn compliance_scripts_are_mapped_by_name_and_a_missing_one_blocks() {
    let (emu, env) = two_tenants();
    let demo = demo_client(&emu);
    let other = client_for(&emu, OTHER, OTHER_APP, OTHER_SECRET);
    const SCRIPTS: &str = "beta/deviceManagement/deviceComplianceScripts";
    const NAME: &str = "BIOS ≥ 2.3 – München/Werk 1";
    let theirs = id_named(&list(&emu, &other, SCRIPTS), NAME);
    let ours = id_named(&list(&emu, &demo, SCRIPTS), NAME);
    assert_ne!(theirs, ours, "the copy has its own ids");
    let args = to_other(&["compliancePolicies"]);
    let windows = |p: &Plan| item_at(p, "/windows-compliance-bitlocker-defender--");
    let (_, _, p) = plan(&env, &args);
    let w = windows(&p);
    assert_eq!(w.action, Action::Create, "{:?}", w.reasons);
    let script = &body(&w, 0)["deviceCompliancePolicyScript"];
    assert_eq!(
        script["deviceComplianceScriptId"],
        theirs.as_str(),
        "{script:#}"
    );
    // The rules travel from their readable sidecar, as base64 again.
    use base64::Engine as _;
    let rules = base64::engine::general_purpose::STANDARD
        .decode(script["rulesContent"].as_str().unwrap())
        .unwrap();
    assert!(
        String::from_utf8(rules)
            .unwrap()
            .contains("\"SettingName\": \"BiosVersion\""),
        "{script:#}"
    );

    delete(&emu, &other, &format!("{SCRIPTS}/{theirs}"));
    let (_, _, p) = plan(&env, &args);
    assert_blocked_naming(&windows(&p), &["compliance script", NAME]);
}

/// Authentication contexts keep their slot ids (`c1`…): a plan into another tenant creates them
/// with the same ids, and a slot the target already uses for another context blocks, naming it.
#[test]
fn authentication_contexts_keep_their_slots_and_a_taken_one_blocks() {
    let (emu, env) = two_tenants();
    let other = client_for(&emu, OTHER, OTHER_APP, OTHER_SECRET);
    const CONTEXTS: &str = "beta/identity/conditionalAccess/authenticationContextClassReferences";
    let _guard = emu.rt.enter();
    let taken = json!({
        "id": "c1",
        "displayName": "Partner portal step-up",
        "description": "",
        "isAvailable": true
    });
    let r = emu
        .rt
        .block_on(other.send(Method::POST, CONTEXTS, Some(&taken)))
        .unwrap();
    assert_eq!(r.status, 201, "{:?}", r.body);
    let args = to_other(&["authenticationContexts"]);
    let (_, _, p) = plan(&env, &args);
    let by_id = |id: &str| -> Item {
        p.items
            .iter()
            .find(|i| i.source_id == id)
            .unwrap_or_else(|| panic!("{}", listing(&p)))
            .clone()
    };
    let c7 = by_id("c7");
    assert_eq!(c7.action, Action::Create, "{:?}", c7.reasons);
    assert_eq!(body(&c7, 0)["id"], "c7", "the slot travels with the create");
    let c1 = by_id("c1");
    assert_eq!(c1.action, Action::Blocked, "{:?}", c1.reasons);
    assert!(
        c1.reasons
            .iter()
            .any(|r| r.contains("c1") && r.contains("Partner portal step-up")),
        "{:?}",
        c1.reasons
    );
    // Applied: c7 and c25 land under their own ids, each once.
    let file = env.path().join("plan.json");
    let (code, stdout, stderr) =
        out(&env.run(&["--repo", "repo", "apply", file.to_str().unwrap(), "--yes"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let live = list(&emu, &other, CONTEXTS);
    let mut ids: Vec<&str> = live.iter().filter_map(|o| o["id"].as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["c1", "c25", "c7"], "{live:?}");
}

/// Conditional Access names authentication strengths: a plan into another tenant finds a built-in
/// strength by its id and a custom one by name; once the custom one is gone there, the policy
/// says which strength it lacks.
#[test]
fn strengths_in_conditional_access_are_found_by_name_and_a_missing_one_is_named() {
    let (emu, env) = two_tenants();
    let other = client_for(&emu, OTHER, OTHER_APP, OTHER_SECRET);
    const STRENGTHS: &str = "v1.0/policies/authenticationStrengthPolicies";
    const NAME: &str = "FIDO2 – Zürich \"Tresor\"";
    let strengths = list(&emu, &other, STRENGTHS);
    let theirs = id_named(&strengths, NAME);
    assert_ne!(theirs, "5a1c0b6e-3f0e-4b8e-9d0a-1f2e3d4c5b6a", "its own id");
    assert!(
        strengths
            .iter()
            .any(|s| s["id"] == "00000000-0000-0000-0000-000000000002"),
        "built-ins keep their ids"
    );
    let args = to_other(&["conditionalAccess"]);
    let missing = |p: &Plan| -> Vec<String> {
        p.items
            .iter()
            .filter(|i| i.kind == "conditionalAccess")
            .flat_map(|i| i.reasons.iter())
            .filter(|r| r.contains("authentication strength"))
            .cloned()
            .collect()
    };
    let (_, _, p) = plan(&env, &args);
    assert!(missing(&p).is_empty(), "{}", listing(&p));

    delete(&emu, &other, &format!("{STRENGTHS}/{theirs}"));
    let (_, _, p) = plan(&env, &args);
    let said = missing(&p);
    assert_eq!(said.len(), 1, "{}", listing(&p));
    assert!(said[0].contains(NAME), "{said:?}");
}

/// A command that acts on one tenant takes it from `--tenant`, else `ATLAS_TENANT`, else
/// `defaultTenant`; with two tenants and none of them it asks, naming both; a default that names
/// no tenant of the file is refused with its line.
#[test]
fn the_tenant_a_plan_restores_defaults_to_the_configured_one() {
    let (_emu, env) = two_tenants();
    let (code, _, stderr) = out(&env.run(&["--repo", "repo", "plan", "--demo"]));
    assert_ne!(code, 64, "--demo: the demo tenant: {stderr}");
    let (code, _, stderr) = out(&env.run(&["--repo", "repo", "plan"]));
    assert_eq!(code, 64, "{stderr}");
    assert!(
        stderr.contains("demo, other") && stderr.contains("defaultTenant"),
        "{stderr}"
    );
    let plan_into = |tenant_env: Option<&str>| {
        let mut c = env.cmd(&["--repo", "repo", "plan", "--format", "json"]);
        if let Some(t) = tenant_env {
            c.env("ATLAS_TENANT", t);
        }
        let (code, stdout, stderr) = out(&c.output().unwrap());
        assert_eq!(code, 0, "{stderr}");
        let p: Value = serde_json::from_str(&stdout).unwrap();
        p["target"]["tenant"].as_str().unwrap().to_string()
    };
    assert_eq!(plan_into(Some("demo")), "demo");
    let config = env.repo().join("atlas.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("defaultTenant: demo\n{text}")).unwrap();
    assert_eq!(plan_into(None), "demo");
    std::fs::write(&config, format!("defaultTenant: contoso\n{text}")).unwrap();
    let (code, _, stderr) = out(&env.run(&["--repo", "repo", "plan"]));
    assert_eq!(code, 64);
    assert!(
        stderr.contains("defaultTenant") && stderr.contains("contoso") && stderr.contains(":1"),
        "{stderr}"
    );
}

/// `tenants` lists what atlas.yaml configures, each with its last backup (the commit that last
/// changed its folder) and the default the single-tenant commands use.
#[test]
fn tenants_are_listed_with_their_last_backup_and_the_default() {
    let (_emu, env) = two_tenants();
    let head = git(&env.repo(), &["rev-parse", "--short=10", "HEAD"]);
    let list = |env: &TestEnv| {
        let (code, stdout, stderr) =
            out(&env.run(&["--repo", "repo", "tenants", "--format", "json"]));
        assert_eq!(code, 0, "{stderr}");
        serde_json::from_str::<Value>(&stdout).unwrap()
    };
    let v = list(&env);
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["demo", "other"]);
    assert_eq!(v[0]["lastBackup"]["commit"], head.trim());
    assert!(v[1].get("lastBackup").is_none(), "never backed up: {v}");
    assert!(v.as_array().unwrap().iter().all(|t| t["default"] == false));
    let config = env.repo().join("atlas.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("defaultTenant: other\n{text}")).unwrap();
    assert_eq!(list(&env)[1]["default"], true);
    let (code, stdout, _) = out(&env.run(&["--repo", "repo", "tenants"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("other (default)") && stdout.contains("never"),
        "{stdout}"
    );
}

/// Conditional Access names users by principal name, directory roles and applications: into
/// another tenant, a user is found by principal name, Microsoft's roles keep their template ids
/// and applications their application ids — also one neither tenant has a service principal for —
/// and keywords (`GuestsOrExternalUsers`) stay as they are; a user or an application the target
/// lacks blocks, named.
#[test]
fn users_roles_and_applications_in_conditional_access_are_mapped_and_missing_ones_named() {
    const ZOE: &str = "8e3c1a9d-4b2f-5d7e-9a06-c5b4e3d2f1a0";
    const INTUNE_APP: &str = "0000000a-0000-0000-c000-000000000000";
    const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
    const PAYROLL_APP: &str = "4f1d2c3b-8a7e-4b6d-9c5f-0e1a2b3c4d5f";
    let args = to_other(&["conditionalAccess"]);

    let (emu, env) = two_tenants();
    let other = client_for(&emu, OTHER, OTHER_APP, OTHER_SECRET);
    let users = list(&emu, &other, "v1.0/users");
    let their_zoe = users
        .iter()
        .find(|u| u["userPrincipalName"] == "zoe.obrien@contosodemo.com")
        .and_then(|u| u["id"].as_str())
        .unwrap()
        .to_string();
    assert_ne!(their_zoe, ZOE, "users have ids of their own in each tenant");
    let (_, _, p) = plan(&env, &args);
    let payroll = item_at(&p, "ca005");
    let admins = item_at(&p, "ca004");
    for i in [&payroll, &admins] {
        assert!(
            !i.reasons.iter().any(|r| r.contains("does not exist")),
            "{}: {:?}",
            i.path,
            i.reasons
        );
    }
    // Conditional Access is preview-only: the preview shows the policy in the target's ids.
    let shown = |i: &Item| {
        let mut out = vec![];
        strings(&serde_json::to_value(&i.change).unwrap(), &mut out);
        out
    };
    let sent = shown(&payroll);
    for want in [
        &their_zoe,
        GLOBAL_ADMIN,
        PAYROLL_APP,
        "GuestsOrExternalUsers",
    ] {
        assert!(sent.iter().any(|s| s.contains(want)), "{want} in {sent:?}");
    }
    assert!(!sent.iter().any(|s| s.contains(ZOE)), "{sent:?}");
    let sent = shown(&admins);
    assert!(sent.iter().any(|s| s.contains(INTUNE_APP)), "{sent:?}");
    drop((emu, env));

    let (_emu, env) = two_tenants_where(|other| {
        let gone = [
            ("users", "userPrincipalName", "zoe.obrien@contosodemo.com"),
            ("servicePrincipals", "appId", PAYROLL_APP),
        ];
        for (collection, field, value) in gone {
            assert_eq!(
                other.remove(collection, |o| o[field] == value),
                1,
                "{value}"
            );
        }
    });
    let (_, _, p) = plan(&env, &args);
    let lacks = |i: &Item, what: &str| {
        assert!(
            i.reasons
                .iter()
                .any(|r| r.contains(what) && r.contains("does not exist in the target")),
            "{what} in {:?}",
            i.reasons
        );
    };
    lacks(&item_at(&p, "ca005"), "user \"zoe.obrien@contosodemo.com\"");
    lacks(
        &item_at(&p, "ca004"),
        "application \"Contoso HR – Payroll (prod) & \"Lohn\"\"",
    );
}

/// Cross-tenant partners into another tenant: created under the partner's tenant id, the
/// outbound users and groups (this tenant's) mapped to the target's, inbound applications kept by
/// application id, the partner's own users and groups kept as they are; a group the target lacks
/// blocks the partner, named.
#[test]
fn cross_tenant_partners_keep_the_partner_and_map_this_tenants_users_and_groups() {
    const NORTHWIND: &str = "5f2a9c71-0d3e-4b8a-a6f4-3e1c7b9d2a80";
    const FINANCE: &str = "69f3e39c-a058-563a-8b23-88448247d2d6";
    const ZOE: &str = "8e3c1a9d-4b2f-5d7e-9a06-c5b4e3d2f1a0";
    const PAYROLL_APP: &str = "4f1d2c3b-8a7e-4b6d-9c5f-0e1a2b3c4d5f";
    const THEIR_HELPDESK: &str = "3d9e5b1f-7c2a-4e68-b0d4-a1f6c8e2b5d7";
    let args = to_other(&["crossTenantAccessPartners"]);
    let (emu, env) = two_tenants();
    let other = client_for(&emu, OTHER, OTHER_APP, OTHER_SECRET);
    let groups = list(&emu, &other, "v1.0/groups");
    let their_finance = id_named(&groups, "Finance Users");
    let (_, _, p) = plan(&env, &args);
    let northwind = item_at(&p, NORTHWIND);
    assert_eq!(northwind.action, Action::Create, "{:?}", northwind.reasons);
    let sent = request_strings(&northwind);
    for want in [NORTHWIND, their_finance.as_str(), PAYROLL_APP, "AllUsers"] {
        assert!(sent.iter().any(|s| s == want), "{want} in {sent:?}");
    }
    assert!(!sent.iter().any(|s| s == FINANCE || s == ZOE), "{sent:?}");
    let woodgrove = request_strings(&item_at(&p, "b7e40c2d"));
    assert!(
        woodgrove.iter().any(|s| s == THEIR_HELPDESK),
        "{woodgrove:?}"
    );
    drop((emu, env));

    let (_emu, env) = two_tenants_where(|other| {
        assert_eq!(
            other.remove("groups", |o| o["displayName"] == "Finance Users"),
            1
        );
    });
    let (_, _, p) = plan(&env, &args);
    assert_blocked_naming(&item_at(&p, NORTHWIND), &["Finance Users"]);
}

/// Apps into another tenant: their categories and the apps they supersede are found there by
/// name; a category the target lacks blocks, naming it, until `--create-missing` creates it, and
/// a superseded app the target lacks blocks, naming it (apps are never created for others).
#[test]
fn app_categories_and_relationships_are_mapped_by_name_and_a_missing_one_is_named() {
    let (emu, env) = two_tenants();
    let other = client_for(&emu, OTHER, OTHER_APP, OTHER_SECRET);
    const APPS: &str = "beta/deviceAppManagement/mobileApps";
    const CATEGORIES: &str = "beta/deviceAppManagement/mobileAppCategories";
    const LAB: &str = "🧪 Labor-Apps \"Beta\"";
    let args = to_other(&["apps"]);
    // The copy holds the same apps and categories under other ids: nothing to write.
    let (_, _, p) = plan(&env, &args);
    for stem in ["/company-portal--", "/7-zip-24-09-x64--", "/intranet-wiki-"] {
        let i = item_at(&p, stem);
        assert_eq!(i.action, Action::NoOp, "{stem}: {:?}", i.reasons);
    }

    delete(
        &emu,
        &other,
        &format!(
            "{CATEGORIES}/{}",
            id_named(&list(&emu, &other, CATEGORIES), LAB)
        ),
    );
    delete(
        &emu,
        &other,
        &format!(
            "{APPS}/{}",
            id_named(&list(&emu, &other, APPS), "7-Zip 23.01 (x64)")
        ),
    );
    let (_, _, p) = plan(&env, &args);
    assert_blocked_naming(&item_at(&p, "/company-portal--"), &["app category", LAB]);
    assert_blocked_naming(
        &item_at(&p, "/7-zip-24-09-x64--"),
        &["app \"7-Zip 23.01 (x64) (win32LobApp)\""],
    );

    // The category is created first; the app links to it by the id its create returns.
    let mut with = args.to_vec();
    with.push("--create-missing");
    let (_, _, p) = plan(&env, &with);
    let portal = item_at(&p, "/company-portal--");
    assert_eq!(portal.action, Action::Update, "{:?}", portal.reasons);
    let links: Vec<&str> = portal
        .requests
        .iter()
        .filter(|r| r.path.ends_with("/categories/$ref"))
        .filter_map(|r| r.body.as_ref()?["@odata.id"].as_str())
        .collect();
    assert_eq!(links.len(), 1, "{:#?}", portal.requests);
    assert!(
        links[0].contains("/mobileAppCategories/{created:appCategories:"),
        "{links:?}"
    );
    assert!(
        p.items
            .iter()
            .any(|i| i.kind == "appCategories" && i.action == Action::Create && i.name == LAB),
        "{}",
        listing(&p)
    );
}

/// Settings catalog values that name reusable settings (a firewall rule's address groups) are
/// mapped by name to the other tenant's ids; a missing one blocks, naming it.
#[test]
fn reusable_settings_in_firewall_rules_are_mapped_by_name_and_a_missing_one_is_named() {
    let (emu, env) = two_tenants();
    let demo = demo_client(&emu);
    let other = client_for(&emu, OTHER, OTHER_APP, OTHER_SECRET);
    const REUSABLE: &str = "beta/deviceManagement/reusablePolicySettings";
    const MUC: &str = "Büro München – Subnetze";
    const SAAS: &str = "🌐 SaaS FQDNs / Allow";
    let ids = |c: &GraphClient, name: &str| id_named(&list(&emu, c, REUSABLE), name);
    let theirs = [ids(&other, MUC), ids(&other, SAAS)];
    assert_ne!(theirs[0], ids(&demo, MUC), "the copy has its own ids");
    let args = to_other(&["settingsCatalog"]);
    let rules = |p: &Plan| item_at(p, "/firewall-rules-line-of-business--");
    let (_, _, p) = plan(&env, &args);
    let r = rules(&p);
    assert_eq!(r.action, Action::Create, "{:?}", r.reasons);
    let sent = request_strings(&r);
    for id in &theirs {
        assert!(sent.contains(id), "{id} not in {sent:?}");
    }
    assert!(!sent.contains(&ids(&demo, MUC)), "no source id is sent");

    delete(&emu, &other, &format!("{REUSABLE}/{}", theirs[0]));
    let (_, _, p) = plan(&env, &args);
    assert_blocked_naming(&rules(&p), &["reusable setting", MUC]);
}

/// A policy set into another tenant: the apps it holds are found there by name and type, the
/// policies by type and name — created by the same plan when it restores their type too — and a
/// missing one blocks, naming it.
#[test]
fn policy_set_items_are_mapped_by_name_and_a_missing_one_is_named() {
    let (emu, env) = two_tenants();
    let other = client_for(&emu, OTHER, OTHER_APP, OTHER_SECRET);
    const APPS: &str = "beta/deviceAppManagement/mobileApps";
    const MAM: &str = "appProtectionPolicies/iOS – App protection (corporate data)";
    let outlook_ios = list(&emu, &other, APPS)
        .into_iter()
        .find(|a| {
            a["displayName"] == "Microsoft Outlook"
                && a["@odata.type"] == "#microsoft.graph.iosStoreApp"
        })
        .map(|a| a["id"].as_str().unwrap().to_string())
        .expect("the copy's Outlook for iOS");
    let byod = |p: &Plan| -> Item {
        p.items
            .iter()
            .find(|i| i.kind == "policySets" && i.name == "📱 iOS BYOD / MAM")
            .unwrap_or_else(|| panic!("{}", listing(p)))
            .clone()
    };
    let sets = to_other(&["policySets"]);
    // The app protection policy is not in the other tenant: named, blocking.
    let (_, _, p) = plan(&env, &sets);
    assert_blocked_naming(
        &byod(&p),
        &[&format!(
            "policy \"{MAM}\" does not exist in the target tenant"
        )],
    );
    // Restored with its type, it is created first and the set holds the new one.
    let with = to_other(&["policySets", "appProtectionPolicies"]);
    let (_, _, p) = plan(&env, &with);
    let b = byod(&p);
    assert_eq!(b.action, Action::Create, "{:?}", b.reasons);
    let items = body(&b, 0)["items"].as_array().unwrap().clone();
    let payload = |ty: &str| {
        items
            .iter()
            .find(|i| i["@odata.type"] == ty)
            .map(|i| i["payloadId"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(
        payload("#microsoft.graph.mobileAppPolicySetItem"),
        outlook_ios
    );
    assert_eq!(
        payload("#microsoft.graph.managedAppProtectionPolicySetItem"),
        "{created:policies:beffd843-3d52-5f60-83db-61584b3df52c}"
    );
    // Without its app the set blocks, naming the app by name and type.
    delete(&emu, &other, &format!("{APPS}/{outlook_ios}"));
    let (_, _, p) = plan(&env, &with);
    assert_blocked_naming(
        &byod(&p),
        &["app \"Microsoft Outlook (iosStoreApp)\" does not exist"],
    );
}

/// A Tunnel site names its server configuration: in another tenant without it the site blocks,
/// naming it; restored with its type, the configuration is created first and the site names the
/// new one.
#[test]
fn tunnel_sites_name_their_configuration_by_name() {
    let (_emu, env) = two_tenants();
    const CONFIG: &str = "Köln \"Full-Tunnel\" / Ü 🔒";
    let sites = to_other(&["tunnelSites"]);
    let (_, _, p) = plan(&env, &sites);
    assert_blocked_naming(
        &item_at(&p, "/koln-bonn-edge--"),
        &["Tunnel server configuration", CONFIG],
    );
    let with = to_other(&["tunnelSites", "tunnelConfigurations"]);
    let (_, _, p) = plan(&env, &with);
    let site = item_at(&p, "/koln-bonn-edge--");
    assert_eq!(site.action, Action::Create, "{:?}", site.reasons);
    assert_eq!(
        body(&site, 0)["microsoftTunnelConfiguration"],
        json!({"id": "{created:tunnelConfigurations:c9cec57a-c57a-c9ce-7ac5-cec97ac5b002}"})
    );
}
