//! `list`, the inventory: one line per object from git alone, filtered by type, platform, scope
//! tag, audience (inclusions, exclusions and filters), assignment and name, at any revision; text,
//! JSON (with its schema) and CSV.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// The JSON rows of `list` with these filters.
fn rows(env: &TestEnv, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--repo", "repo", "list", "--format", "json"];
    all.extend(args);
    let (code, stdout, stderr) = out(&env.run(&all));
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["unreadable"], serde_json::json!([]));
    v["objects"].as_array().unwrap().clone()
}

fn names(rows: &[Value]) -> BTreeSet<String> {
    rows.iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["type"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn filters_answer_what_a_group_gets_what_is_unassigned_and_what_a_tag_holds() {
    let env = demo_repo();
    let all = rows(&env, &[]);
    assert_eq!(all.len(), demo_objects(), "one row per document");

    // What the kiosk devices get: inclusions and exclusions, with intents.
    let kiosk = rows(&env, &["--assigned-to", "kiosk devices"]);
    let got = names(&kiosk);
    for want in [
        "deviceConfigurations/🔒 Lockdown",
        "autopilotProfiles/  Kiosk Autopilot  ",
        "enrollmentStatusPages/ESP – Kiosk",
        "apps/Company Portal",
        "settingsCatalog/Defender Antivirus – Workstations",
    ] {
        assert!(got.iter().any(|g| g.contains(want)), "{want} in {got:?}");
    }
    let portal = kiosk
        .iter()
        .find(|r| r["name"] == "Company Portal")
        .unwrap();
    assert!(
        portal["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["mode"] == "exclude" && a["group"] == "Kiosk Devices"),
        "{portal}"
    );
    // By id too, and the filter of an assignment is part of the answer.
    let windows = rows(
        &env,
        &["--assigned-to", "230ab0ce-4746-53ee-a088-5df17c920f5a"],
    );
    let zip = windows
        .iter()
        .find(|r| r["name"] == "7-Zip 24.09 (x64)")
        .expect("7-Zip is required on all Windows devices");
    let a = zip["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["group"] == "All Windows devices")
        .unwrap();
    assert_eq!(
        (
            a["filter"].as_str(),
            a["filterMode"].as_str(),
            a["intent"].as_str()
        ),
        (Some("Windows 11 only"), Some("include"), Some("required"))
    );
    // Everyone: all users.
    let everyone = rows(&env, &["--assigned-to", "all-users"]);
    assert!(!everyone.is_empty());
    for r in &everyone {
        assert!(
            r["assignments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["target"] == "allUsers"),
            "{r}"
        );
    }

    // Unassigned means assignable and assigned to no one.
    let unassigned = rows(&env, &["--unassigned"]);
    assert!(!unassigned.is_empty());
    for r in &unassigned {
        assert_eq!(
            (
                r["assignable"].as_bool(),
                r["assignments"].as_array().map(Vec::len)
            ),
            (Some(true), Some(0)),
            "{r}"
        );
    }
    assert!(names(&unassigned).contains("apps/7-Zip 23.01 (x64)"));

    // A scope tag, a platform, a type, a name glob: each row says what it was chosen by.
    let tokyo = rows(&env, &["--scope-tag", "tokyo"]);
    assert!(
        names(&tokyo).contains("notificationTemplates/iOS update reminder"),
        "{tokyo:?}"
    );
    for r in tokyo {
        assert!(
            r["scopeTags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "Tokyo"),
            "{r}"
        );
    }
    let mac = rows(&env, &["--platform", "macos"]);
    assert!(mac.len() >= 5, "{mac:?}");
    assert!(mac.iter().all(|r| r["platform"] == "macOS"));
    assert!(
        names(&mac).iter().any(|n| n.starts_with("shellScripts/")),
        "scripts are for the platform their type is for"
    );
    // Two types: both listed; with a platform, only the type whose objects are for it.
    let two = ["--type", "settingsCatalog", "--type", "complianceV2"];
    let kinds = |rows: &[Value]| -> BTreeSet<String> {
        rows.iter()
            .map(|r| r["type"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        kinds(&rows(&env, &two)),
        BTreeSet::from(["complianceV2".into(), "settingsCatalog".into()])
    );
    let linux = rows(&env, &[two.as_slice(), &["--platform", "linux"]].concat());
    assert_eq!(kinds(&linux), BTreeSet::from(["complianceV2".to_string()]));
    assert!(linux.iter().all(|r| r["platform"] == "linux"));
    let named = rows(&env, &["--name", "windows*"]);
    assert!(!named.is_empty());
    assert!(named.iter().all(|r| {
        r["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .starts_with("windows")
    }));
}

#[test]
fn the_last_change_is_the_commit_that_touched_the_document_and_any_revision_can_be_listed() {
    let env = demo_repo();
    let repo = env.repo();
    let first = git(&repo, &["rev-parse", "--short=10", "HEAD"]);
    let old_name = rename_first(&repo, "deviceCategories", "Renamed – by hand");
    let second = git(&repo, &["rev-parse", "--short=10", "HEAD"]);

    let now = rows(&env, &["--type", "deviceCategories"]);
    let changed: Vec<(&str, &str)> = now
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["changed"]["commit"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        changed.contains(&("Renamed – by hand", second.trim())),
        "{changed:?}"
    );
    assert_eq!(
        changed.iter().filter(|(_, c)| *c == first.trim()).count(),
        now.len() - 1,
        "{changed:?}"
    );

    let before = rows(&env, &["--type", "deviceCategories", "--rev", "HEAD~1"]);
    assert!(names(&before).contains(&format!("deviceCategories/{old_name}")));
    assert!(
        before
            .iter()
            .all(|r| r["changed"]["commit"] == first.trim())
    );
}

#[test]
fn bad_filters_are_usage_errors_that_say_what_exists() {
    let env = demo_repo();
    let (code, _, stderr) = out(&env.run(&["--repo", "repo", "list", "--tenant", "contoso"]));
    assert_eq!(code, 64, "{stderr}");
    assert!(
        stderr.contains("no tenant `contoso`") && stderr.contains("demo"),
        "{stderr}"
    );
    let (code, _, stderr) = out(&env.run(&["--repo", "repo", "list", "--type", "settingCatalog"]));
    assert_eq!(code, 64);
    assert!(stderr.contains("unknown type `settingCatalog`"), "{stderr}");
    let (code, _, stderr) = out(&env.run(&["--repo", "repo", "list", "--name", "[x"]));
    assert_eq!(code, 64);
    assert!(stderr.contains("--name [x"), "{stderr}");
    // A revision that names nothing is the user's to fix, and says what the history holds.
    let (code, _, stderr) = out(&env.run(&["--repo", "repo", "list", "--rev", "nope"]));
    assert_eq!(code, 64, "{stderr}");
    assert!(
        stderr.contains("revision nope not found") && stderr.contains("HEAD"),
        "{stderr}"
    );
}

/// What a user reads, in each format (the type list keeps the snapshots short).
#[test]
fn snapshots_of_the_three_formats() {
    let env = demo_repo();
    let args = [
        "--repo",
        "repo",
        "list",
        "--type",
        "scopeTags",
        "--type",
        "appleEnrollmentProfiles",
    ];
    for (format, name) in [
        ("text", "list-text"),
        ("json", "list-json"),
        ("csv", "list-csv"),
    ] {
        let mut a = args.to_vec();
        a.extend(["--format", format]);
        let (code, stdout, stderr) = out(&env.run(&a));
        assert_eq!(code, 0, "{stderr}");
        // The commit's id moves with anything the demo repository holds (its schemas too).
        let head = git(&env.repo(), &["rev-parse", "HEAD"]);
        let stdout = stdout.replace(&head.trim()[..10], "[HEAD]");
        insta::assert_snapshot!(name, stdout);
    }
}
