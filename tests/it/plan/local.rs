//! Restore plans into the tenant the backup came from: unchanged, hand-edited, emptied, blocked.

use super::*;
use tenant_atlas::emulator::EmulatorConfig;

#[test]
fn an_unchanged_tenant_plans_only_no_ops_and_plan_sends_no_write() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up(&emu, "", &[]);
    assert_eq!(writes(&emu), NO_WRITES(), "a backup only reads");
    let documents = tree(&env.repo().join("tenants/demo"))
        .keys()
        .filter(|k| {
            k.ends_with(".yaml")
                && k.contains('/')
                && !k.starts_with('_')
                && tenant_atlas::catalog::get(k.split('/').next().unwrap()).is_some()
        })
        .count();
    let filter_lists = |emu: &Emu| {
        emu.stats()["log"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["path"] == "/beta/deviceManagement/assignmentFilters")
            .count()
    };
    let lists_before = filter_lists(&emu);
    let (code, stdout, p) = plan(&env, &["--tenant", "demo", "--from", "HEAD"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        filter_lists(&emu) - lists_before,
        1,
        "filters are read once: as a type, and that read resolves references too"
    );
    assert_eq!(p.items.len(), documents, "one item per document");
    let not_noop: Vec<&Item> = p
        .items
        .iter()
        .filter(|i| i.action != Action::NoOp)
        .collect();
    assert!(not_noop.is_empty(), "{}", listing(&p));
    assert!(p.items.iter().all(|i| i.requests.is_empty()
        && i.target_id.as_deref() == Some(i.source_id.as_str())
        && i.fingerprint.starts_with("sha256:")));
    assert_eq!(p.summary.no_op, documents);
    assert!(
        stdout.contains(&format!("{documents} unchanged")),
        "{stdout}"
    );
    assert_eq!(writes(&emu), NO_WRITES(), "plan sends no write");
}

#[test]
fn hand_edits_become_the_minimal_requests_in_every_format() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up(&emu, "", &[]);
    let repo = env.repo();
    replace(&repo, EDGE, "value: 900\n", "value: 1800\n");
    replace(&repo, ONEDRIVE, "      value: 70\n", "      value: 50\n");
    replace(
        &repo,
        ONEDRIVE,
        "- target: exclusionGroup\n  group:\n    id: ea6cbde1-3f30-5121-b2ab-522c864ae332\n    name: Contractors – Externe Mitarbeiter\n",
        "",
    );
    replace(
        &repo,
        LOCKDOWN,
        "passwordMinimumLength: 8",
        "passwordMinimumLength: 12",
    );
    replace(
        &repo,
        TOKYO,
        "東京オフィス (Tokyo office)",
        "Tokyo office (Shibuya)",
    );
    commit_all(&repo, "desired state edited by hand");

    let (code, text, p) = plan(&env, &["--tenant", "demo", "--from", "HEAD"]);
    assert_eq!(code, 2, "something to apply: {text}");
    let updates: Vec<&str> = p
        .items
        .iter()
        .filter(|i| i.action != Action::NoOp)
        .map(|i| i.path.as_str())
        .collect();
    // Restore order: scope tags first, then policies.
    assert_eq!(
        updates,
        [TOKYO, ONEDRIVE, LOCKDOWN, EDGE],
        "{}",
        listing(&p)
    );
    assert!(
        p.items
            .iter()
            .all(|i| matches!(i.action, Action::NoOp | Action::Update))
    );

    // Settings catalog: one PUT of the whole policy with every setting.
    let edge = item(&p, EDGE);
    assert_eq!(edge.requests.len(), 1, "{:?}", edge.requests);
    assert_eq!(edge.requests[0].method, "PUT");
    assert_eq!(
        edge.requests[0].path,
        "beta/deviceManagement/configurationPolicies/783e9214-5e54-5783-a1c6-783711a9b145"
    );
    let settings = body(edge, 0)["settings"].as_array().unwrap();
    let doc = std::fs::read_to_string(repo.join(EDGE)).unwrap();
    assert_eq!(
        settings.len(),
        doc.matches("\n  - settingInstance:").count()
    );
    let all = serde_json::to_string(settings).unwrap();
    assert!(all.contains("\"value\":1800") && !all.contains("\"value\":900"));
    assert!(body(edge, 0).get("assignments").is_none());

    // ADMX: one updateDefinitionValues touching only the changed value, then the remaining set.
    let c = demo_client(&emu);
    let live = list(
        &emu,
        &c,
        "beta/deviceManagement/groupPolicyConfigurations/a1c2b965-1fdd-5136-b505-3c6a45b3830d/definitionValues?$expand=definition",
    );
    let value_of =
        |def: &str| live.iter().find(|v| v["definition"]["id"] == def).unwrap()["id"].clone();
    let onedrive = item(&p, ONEDRIVE);
    let purposes: Vec<&str> = onedrive
        .requests
        .iter()
        .map(|r| r.purpose.as_str())
        .collect();
    assert_eq!(purposes, ["updateDefinitionValues", "assign"]);
    let dv = body(onedrive, 0);
    assert_eq!(
        dv["deletedIds"],
        json!([value_of("84947cf5-678a-52f5-8c52-561a2f1dfa7b")])
    );
    assert_eq!(dv["updated"], json!([]));
    let added = dv["added"].as_array().unwrap();
    assert_eq!(added.len(), 1, "{dv:#}");
    assert!(
        added[0]["definition@odata.bind"]
            .as_str()
            .unwrap()
            .ends_with("groupPolicyDefinitions('84947cf5-678a-52f5-8c52-561a2f1dfa7b')")
    );
    assert_eq!(added[0]["presentationValues"][0]["value"], 50);
    assert!(
        !dv.to_string().contains("ee68a09c"),
        "the other value is untouched"
    );
    assert_eq!(onedrive.requests[1].method, "POST");
    assert!(
        onedrive.requests[1]
            .path
            .ends_with("/a1c2b965-1fdd-5136-b505-3c6a45b3830d/assign")
    );
    assert_eq!(
        body(onedrive, 1),
        &json!({"assignments": [{"target": {"@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget"}}]})
    );

    // Device configuration: one PATCH with its type; scope tag: one PATCH.
    let lockdown = item(&p, LOCKDOWN);
    assert_eq!(lockdown.requests.len(), 1);
    assert_eq!(lockdown.requests[0].method, "PATCH");
    assert_eq!(body(lockdown, 0)["passwordMinimumLength"], 12);
    assert_eq!(
        body(lockdown, 0)["@odata.type"],
        "#microsoft.graph.windows10GeneralConfiguration"
    );
    let tokyo = item(&p, TOKYO);
    assert_eq!(tokyo.requests.len(), 1);
    assert_eq!(tokyo.requests[0].method, "PATCH");
    assert_eq!(
        tokyo.requests[0].path,
        "beta/deviceManagement/roleScopeTags/3"
    );
    assert_eq!(body(tokyo, 0)["description"], "Tokyo office (Shibuya)");

    // Text names settings by their display names.
    for want in [
        "Set the background tab inactivity timeout",
        "900 → 1800",
        "Throughput percentage",
        "70 → 50",
        "Contractors – Externe Mitarbeiter",
        "passwordMinimumLength: 8 → 12",
        "4 to update",
    ] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
    assert!(
        !text.contains("sleepingtabstimeout"),
        "ids are not shown: {text}"
    );
    assert_eq!(writes(&emu), NO_WRITES(), "plan sends no write");

    // JSON on stdout: the same plan, intact; it validates against the committed schema.
    let (code, stdout, _) = out(&env.run(&[
        "--repo", "repo", "plan", "--tenant", "demo", "--format", "json",
    ]));
    assert_eq!(code, 2);
    let from_stdout: Plan = serde_json::from_str(&stdout).unwrap();
    assert!(from_stdout.is_intact());
    assert_eq!(from_stdout.items, p.items);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest_dir().join("schemas/plan.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance: Value = serde_json::from_str(&stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");

    // Markdown: a table with one row per item that does something.
    let (code, md, _) = out(&env.run(&[
        "--repo", "repo", "plan", "--tenant", "demo", "--format", "markdown",
    ]));
    assert_eq!(code, 2);
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    // The first table lists the items; the changes below it have their own.
    let (mut tables, mut rows) = (0, 0);
    for e in Parser::new_ext(&md, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::End(TagEnd::TableRow) if tables == 1 => rows += 1,
            _ => {}
        }
    }
    assert_eq!((tables, rows), (5, 4), "{md}");
    assert!(
        md.contains("| update | Scope tags (scopeTags) | Tokyo |"),
        "{md}"
    );

    // --type and --only restrict the items.
    let (_, _, tags) = plan(&env, &["--tenant", "demo", "--type", "scopeTags"]);
    assert_eq!(tags.types, ["scopeTags"]);
    assert_eq!(tags.items.len(), 4, "{}", listing(&tags));
    assert!(tags.items.iter().all(|i| i.kind == "scopeTags"));
    let (code, _, one) = plan(
        &env,
        &[
            "--tenant",
            "demo",
            "--only",
            "deviceConfigurations/*Lockdown",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(one.only, ["deviceConfigurations/*Lockdown"]);
    let paths: Vec<&str> = one.items.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths, [LOCKDOWN]);
    let (code, _, none) = plan(
        &env,
        &[
            "--tenant",
            "demo",
            "--only",
            "settingsCatalog/Win*",
            "--from",
            "HEAD~1",
        ],
    );
    assert_eq!(
        code,
        0,
        "the backup commit itself is live: {}",
        listing(&none)
    );
    assert!(!none.items.is_empty(), "{}", listing(&none));
    assert!(
        none.items
            .iter()
            .all(|i| i.kind == "settingsCatalog" && i.name.starts_with("Win"))
    );
}

#[test]
fn an_emptied_tenant_plans_creates_in_restore_order() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up(&emu, "", &[]);
    let (tenant, _, _) = demo_credentials();
    emu.handle.as_ref().unwrap().clear_tenant(&tenant).unwrap();
    let (code, stdout, p) = plan(&env, &["--tenant", "demo"]);
    assert_eq!(code, 2, "{stdout}");
    let mut last_order = 0;
    for i in &p.items {
        let entry = tenant_atlas::catalog::get(&i.kind).unwrap();
        assert!(
            entry.restore_order >= last_order,
            "restore order: {}",
            listing(&p)
        );
        last_order = entry.restore_order;
        let why = format!("{} {} {:?}", i.action.as_str(), i.path, i.reasons);
        // Singletons are built in: a clear keeps them, unchanged.
        if entry.is_singleton() {
            assert_eq!(i.action, Action::NoOp, "{why}");
            continue;
        }
        if entry.capability == tenant_atlas::catalog::Capability::BackupOnly {
            assert_eq!(i.action, Action::Blocked, "{why}");
            assert!(i.reasons[0].contains("backed up but not restored"), "{why}");
            continue;
        }
        match i.kind.as_str() {
            "conditionalAccess" | "appleEnrollmentProfiles" => {
                assert_eq!(i.action, Action::PreviewOnly, "{why}");
                continue;
            }
            // The defaults survive a clear (built in): unchanged; the others are shown only.
            "enrollmentRestrictions" | "enrollmentStatusPages"
                if i.source_id.starts_with(&tenant) =>
            {
                assert_eq!(i.action, Action::NoOp, "{why}");
                continue;
            }
            "enrollmentRestrictions" => {
                assert_eq!(i.action, Action::PreviewOnly, "{why}");
                continue;
            }
            // Microsoft's own apps and the default branding profile are in every tenant: a
            // clear keeps them, unchanged.
            "apps" if i.name == "Microsoft Word" => {
                assert_eq!(i.action, Action::NoOp, "{why}");
                continue;
            }
            "brandingProfiles" if i.name == "Default" => {
                assert_eq!(i.action, Action::NoOp, "{why}");
                continue;
            }
            _ => {}
        }
        if i.requests.is_empty() {
            // Blocked, for one of the fixture's two known reasons.
            assert_eq!(i.action, Action::Blocked, "{why}");
            let secret = [CUSTOM_OMA, MACOS_WIFI, AOSP_WIFI].contains(&i.path.as_str())
                && i.reasons[0].contains("needs secret value");
            let group = i.reasons[0].contains(UNRESOLVED_GROUP);
            // Apps whose package or store a backup does not hold (docs/graph-notes.md, "Apps").
            let app = i.kind == "apps" && i.reasons[0].starts_with("not created: ");
            // ... and what names such an app.
            let app_ref = i.reasons.iter().any(|r| {
                r.starts_with("app \"") && r.ends_with("does not exist in the target tenant")
            });
            assert!(secret || group || app || app_ref, "{why}");
            continue;
        }
        assert_eq!(i.action, Action::Create, "{why}");
        assert_eq!(i.fingerprint, "absent");
        assert_eq!(i.target_id, None);
        let first = &i.requests[0];
        assert_eq!(
            (first.method.as_str(), first.purpose.as_str()),
            ("POST", "create")
        );
        assert!(entry.paths().contains(&first.path), "{why}: {}", first.path);
        let b = first.body.as_ref().unwrap();
        assert!(
            b["@odata.type"]
                .as_str()
                .is_some_and(|t| t.starts_with("#microsoft.graph.")),
            "{why}"
        );
        // Only ids the client chooses (authentication contexts' slots) travel with a create.
        assert_eq!(
            b.get("id").and_then(Value::as_str),
            entry.write.client_ids.then_some(i.source_id.as_str()),
            "{why}: a create sends no id of its own"
        );
        for r in &i.requests[1..] {
            assert!(
                r.path.starts_with(&format!("{}/{{id}}", first.path)),
                "{why}: {}",
                r.path
            );
        }
    }
    let creates = p.summary.create;
    assert!(creates > 70, "{}", listing(&p));
    // References to scope tags and filters the tenant lost point at the objects the plan creates.
    let edge = item(&p, EDGE);
    assert_eq!(
        body(edge, 0)["roleScopeTagIds"],
        json!(["0", "{created:scopeTags:2}"])
    );
    assert!(
        body(edge, 1)
            .to_string()
            .contains("{created:assignmentFilters:0a8d6113-bc65-5986-91bb-6ca4a1ba462f}")
    );
    assert_eq!(
        item(&p, "tenants/demo/scopeTags/munchen--d4735e3a.yaml").action,
        Action::Create
    );
    assert_eq!(writes(&emu), NO_WRITES(), "plan sends no write");

    // A scope tag left out of the plan is not created: what refers to it is blocked, named.
    let (_, _, p) = plan(&env, &["--tenant", "demo", "--type", "settingsCatalog"]);
    let edge = item(&p, EDGE);
    assert_eq!(edge.action, Action::Blocked, "{:?}", edge.reasons);
    assert!(
        edge.reasons.iter().any(|r| r.contains("München")),
        "{:?}",
        edge.reasons
    );

    // --create-missing plans the scope tags and filters those objects need, and only those.
    let (_, _, p) = plan(
        &env,
        &[
            "--tenant",
            "demo",
            "--type",
            "settingsCatalog",
            "--create-missing",
        ],
    );
    assert_eq!(item(&p, EDGE).action, Action::Create, "{}", listing(&p));
    assert_eq!(
        item(&p, "tenants/demo/scopeTags/munchen--d4735e3a.yaml").action,
        Action::Create
    );
    let tags: Vec<&str> = p
        .items
        .iter()
        .filter(|i| i.kind == "scopeTags")
        .map(|i| i.name.as_str())
        .collect();
    for t in &tags {
        let used = p
            .items
            .iter()
            .filter(|i| i.kind == "settingsCatalog")
            .any(|i| {
                i.requests.iter().any(|r| {
                    r.body
                        .as_ref()
                        .is_some_and(|b| b.to_string().contains("{created:scopeTags:"))
                })
            });
        assert!(used, "scope tag {t} planned though nothing refers to it");
    }
    assert!(!tags.contains(&"Tokyo"), "unreferenced: {tags:?}");
    assert!(
        p.items.iter().all(|i| i.kind != "notificationTemplates"),
        "{}",
        listing(&p)
    );

    // A scope tag the plan cannot create (its group is unknown) blocks what refers to it.
    let berlin = "tenants/demo/scopeTags/berlin--6b86b273.yaml";
    replace(
        &env.repo(),
        berlin,
        "51ee33f0-5cac-548c-8fe9-a5df43c1a0c1",
        "0badc0de-0000-4000-8000-000000000002",
    );
    commit_all(&env.repo(), "Berlin tag assigned to an unknown group");
    let (_, _, p) = plan(&env, &["--tenant", "demo"]);
    assert_eq!(item(&p, berlin).action, Action::Blocked);
    let lockdown = item(&p, LOCKDOWN);
    assert_eq!(lockdown.action, Action::Blocked, "{:?}", lockdown.reasons);
    assert!(lockdown.requests.is_empty());
    assert_eq!(
        lockdown.reasons,
        ["scope tag \"Berlin\" does not exist in the target tenant"],
        "Berlin is not created by this plan"
    );
    let still = item(&p, "tenants/demo/scopeTags/munchen--d4735e3a.yaml");
    assert_eq!(still.action, Action::Create);
}

#[test]
fn blocked_items_say_why_and_supplied_secrets_stay_out_of_the_plan() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up(&emu, "", &[]);
    let repo = env.repo();
    // A type change the live object does not share.
    replace(
        &repo,
        LOCKDOWN,
        "odataType: '#microsoft.graph.windows10GeneralConfiguration'",
        "odataType: '#microsoft.graph.windows10EndpointProtectionConfiguration'",
    );
    // One `iOS – Restrictions` under a third id, the two live ones left out of the commit.
    let dir = repo.join("tenants/demo/deviceConfigurations");
    let a = std::fs::read_to_string(dir.join("ios-restrictions--815e7ecc.yaml")).unwrap();
    let id = a
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .to_string();
    std::fs::remove_file(dir.join("ios-restrictions--815e7ecc.yaml")).unwrap();
    std::fs::remove_file(dir.join("ios-restrictions--8b4641c8.yaml")).unwrap();
    let third = "tenants/demo/deviceConfigurations/ios-restrictions--0badc0de.yaml";
    std::fs::write(
        repo.join(third),
        a.replace(&id, "0badc0de-0000-4000-8000-000000000001"),
    )
    .unwrap();
    // A change to the policy holding the encrypted OMA value: its body must be written.
    replace(
        &repo,
        CUSTOM_OMA,
        "  deviceManagementApplicabilityRuleOsEdition: null",
        "  deviceManagementApplicabilityRuleOsEdition:\n    '@odata.type': '#microsoft.graph.deviceManagementApplicabilityRuleOsEdition'\n    name: Enterprise only\n    osEditionTypes: [windows10Enterprise]\n    ruleType: include",
    );
    commit_all(&repo, "blocked cases");

    let (code, stdout, p) = plan(&env, &["--tenant", "demo"]);
    assert_eq!(code, 0, "nothing can be applied: {}", listing(&p));
    assert!(
        stdout.contains("0 to update") && stdout.contains("3 blocked"),
        "{stdout}"
    );
    let reason = |path: &str| {
        let i = item(&p, path);
        assert_eq!(i.action, Action::Blocked, "{path}: {:?}", i.reasons);
        assert!(i.requests.is_empty());
        i.reasons.join("; ")
    };
    let r = reason(LOCKDOWN);
    assert!(
        r.contains("@odata.type differs") && r.contains("windows10GeneralConfiguration"),
        "{r}"
    );
    let r = reason(third);
    assert!(r.contains("2 objects") && r.contains("ambiguous"), "{r}");
    assert_eq!(item(&p, third).target_id, None, "not guessed");
    let r = reason(CUSTOM_OMA);
    assert!(
        r.contains(OMA_SECRET_PATH) && r.contains("--secrets"),
        "{r}"
    );
    assert!(stdout.contains(OMA_SECRET_PATH), "{stdout}");

    // With the value supplied the item is an update naming the secret; the value is nowhere.
    let value = "supplied-psk-7f3a91";
    let secrets = env.path().join("secrets.yaml");
    std::fs::write(
        &secrets,
        format!("{CUSTOM_OMA}:\n  {OMA_SECRET_PATH}: {value}\n"),
    )
    .unwrap();
    let (code, stdout, p) = plan(
        &env,
        &["--tenant", "demo", "--secrets", secrets.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stdout}");
    let oma = item(&p, CUSTOM_OMA);
    assert_eq!(oma.action, Action::Update, "{:?}", oma.reasons);
    assert_eq!(oma.secrets, [OMA_SECRET_PATH]);
    assert_eq!(oma.requests.len(), 1);
    assert_eq!(oma.requests[0].method, "PATCH");
    let plan_file = std::fs::read_to_string(env.path().join("plan.json")).unwrap();
    for needle in [value, "ATLAS-CANARY"] {
        assert!(!plan_file.contains(needle), "{needle} in the plan");
        assert!(!stdout.contains(needle), "{needle} in the output");
    }
    assert!(grep_dir(&env.repo(), value).is_empty());

    // The same value from the variable the blocked reason names.
    let var = tenant_atlas::env::secret_var(CUSTOM_OMA, OMA_SECRET_PATH);
    assert!(r.contains(&var), "{r}");
    let file = env.path().join("plan.json");
    let (code, stdout, stderr) = out(&env
        .cmd(&[
            "--repo",
            "repo",
            "plan",
            "--out",
            file.to_str().unwrap(),
            "--tenant",
            "demo",
        ])
        .env(&var, value)
        .output()
        .unwrap());
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    let p: Plan = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(item(&p, CUSTOM_OMA).action, Action::Update);
    assert!(!std::fs::read_to_string(&file).unwrap().contains(value));
    assert_eq!(writes(&emu), NO_WRITES(), "plan sends no write");
}

#[test]
fn documents_committed_without_their_declared_type_are_unchanged_not_blocked() {
    // A backup taken where Graph left `@odata.type` out, by a version that kept it out.
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up(&emu, "", &[]);
    let dir = env.repo().join("tenants/demo/settingsCatalog");
    let mut edited = 0;
    for f in std::fs::read_dir(&dir).unwrap().flatten() {
        let rel = format!(
            "tenants/demo/settingsCatalog/{}",
            f.file_name().to_string_lossy()
        );
        if rel.ends_with(".yaml") {
            replace(
                &env.repo(),
                &rel,
                "odataType: '#microsoft.graph.deviceManagementConfigurationPolicy'\n",
                "",
            );
            edited += 1;
        }
    }
    assert!(edited >= 5);
    commit_all(&env.repo(), "documents without odataType");
    let (code, stdout, p) = plan(&env, &["--tenant", "demo", "--type", "settingsCatalog"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(p.summary.no_op, edited, "{}", listing(&p));
    assert!(!stdout.contains("@odata.type"), "{stdout}");
}

/// An authentication strength's combinations change through their action and its combination
/// configurations through their sub-collection, never by PATCH; applied, the next plan is a no-op.
#[test]
fn authentication_strengths_change_through_their_actions_and_converge() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up(&emu, "", &[]);
    let repo = env.repo();
    let dir = repo.join("tenants/demo/authenticationStrengths");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|f| f.starts_with("fido2-zurich-tresor--"))
        .expect("the FIDO2 strength's document");
    let rel = format!("tenants/demo/authenticationStrengths/{file}");
    replace(
        &repo,
        &rel,
        "  allowedCombinations:\n  - fido2\n",
        "  allowedCombinations:\n  - fido2\n  - windowsHelloForBusiness\n",
    );
    replace(
        &repo,
        &rel,
        "    - ee882879-721c-4913-9775-3dfcce97072a\n",
        "",
    );
    commit_all(&repo, "a second combination; one authenticator less");
    let (code, stdout, p) = plan(&env, &["--tenant", "demo"]);
    assert_eq!(code, 2, "{stdout}");
    let i = item(&p, &rel);
    assert_eq!(i.action, Action::Update, "{:?}", i.reasons);
    let shape: Vec<(&str, &str)> = i
        .requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.rsplit('/').next().unwrap()))
        .collect();
    assert_eq!(
        shape,
        [
            ("POST", "updateAllowedCombinations"),
            ("DELETE", "96cb1a17-e45e-4b4f-8b4b-4a9490d63d66"),
            ("POST", "combinationConfigurations"),
        ],
        "{:#?}",
        i.requests
    );
    assert_eq!(
        body(i, 0)["allowedCombinations"],
        json!(["fido2", "windowsHelloForBusiness"])
    );
    assert_eq!(
        body(i, 2)["allowedAAGUIDs"],
        json!(["cb69481e-8ff7-4039-93ec-0a2729a154a8"])
    );
    applied_then_unchanged(&env, &rel);
}

/// The authentication methods policy: a changed method configuration is PATCHed alone, by its id
/// and with its `@odata.type`, never inside the policy's PATCH; a changed policy property is a
/// PATCH of the policy without its configurations; the migration state is never written (a
/// difference blocks); applied, the next plan is a no-op.
#[test]
fn authentication_methods_change_one_configuration_at_a_time_and_converge() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up(&emu, "", &[]);
    let repo = env.repo();
    let rel =
        "tenants/demo/authenticationMethodsPolicy/authentication-methods-policy--45593b65.yaml";
    // SMS back on for the VIP group; a shorter reconfirmation interval.
    replace(
        &repo,
        rel,
        "    id: Sms\n    includeTargets:\n    - id: all_users\n",
        "    id: Sms\n    includeTargets:\n    - id: 2a2258ba-8768-5f63-81c9-00e31b9958c5\n",
    );
    replace(
        &repo,
        rel,
        "  reconfirmationInDays: 180\n",
        "  reconfirmationInDays: 90\n",
    );
    commit_all(&repo, "SMS for the VIPs; reconfirm every 90 days");
    let (code, stdout, p) = plan(&env, &["--tenant", "demo"]);
    assert_eq!(code, 2, "{stdout}");
    let i = item(&p, rel);
    assert_eq!(i.action, Action::Update, "{:?}", i.reasons);
    let shape: Vec<(&str, &str)> = i
        .requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            ("PATCH", "v1.0/policies/authenticationMethodsPolicy"),
            (
                "PATCH",
                "v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms"
            ),
        ],
        "{:#?}",
        i.requests
    );
    let policy = body(i, 0);
    assert_eq!(policy["reconfirmationInDays"], 90);
    assert!(policy.get("authenticationMethodConfigurations").is_none());
    assert!(policy.get("policyMigrationState").is_none(), "{policy}");
    let sms = body(i, 1);
    assert_eq!(
        sms["@odata.type"],
        "#microsoft.graph.smsAuthenticationMethodConfiguration"
    );
    assert_eq!(
        sms["includeTargets"][0]["id"],
        "2a2258ba-8768-5f63-81c9-00e31b9958c5"
    );
    applied_then_unchanged(&env, rel);

    replace(
        &repo,
        rel,
        "  policyMigrationState: migrationComplete\n",
        "  policyMigrationState: preMigration\n",
    );
    commit_all(&repo, "back to the legacy policies");
    let (_, stdout, p) = plan(&env, &["--tenant", "demo"]);
    let i = item(&p, rel);
    assert_eq!(i.action, Action::Blocked, "{stdout}");
    assert!(
        i.reasons.iter().any(|r| r.contains("policyMigrationState")),
        "{:?}",
        i.reasons
    );
}

/// Applies the plan the last `plan` wrote (`plan.json`): every write converges, and planning
/// again finds the document unchanged.
fn applied_then_unchanged(env: &TestEnv, rel: &str) {
    let plan_file = env.path().join("plan.json");
    let (code, stdout, stderr) = out(&env.run(&[
        "--repo",
        "repo",
        "apply",
        plan_file.to_str().unwrap(),
        "--yes",
    ]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(!stdout.contains("not converged"), "{stdout}");
    let (code, stdout, p) = plan(env, &["--tenant", "demo"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(item(&p, rel).action, Action::NoOp);
}
