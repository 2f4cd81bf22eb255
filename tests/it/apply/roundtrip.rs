//! A cleared tenant restored from its own backup comes back the same, without duplicates; and
//! `restore` plans, confirms (or refuses to without a terminal) and applies in one step.

use super::*;
use std::process::Stdio;

/// Every document of the tenant folder at `commit`: path → parsed document.
pub(super) fn docs_at(env: &TestEnv, commit: &str) -> BTreeMap<String, Value> {
    let files = git(
        &env.repo(),
        &["ls-tree", "-r", "--name-only", commit, "tenants/demo"],
    );
    files
        .lines()
        .filter(|p| p.ends_with(".yaml") && !p.contains("/_refs/") && p.matches('/').count() == 3)
        .map(|p| {
            let text = git(&env.repo(), &["show", &format!("{commit}:{p}")]);
            let v: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{p}: {e}"));
            (p.to_string(), v)
        })
        .collect()
}

/// A document with its ids replaced by what they name: its own id dropped, references that carry
/// a name keep only the name, other strings that are ids of documents become `<kind>/<name>`.
pub(super) fn canonical(doc: &Value, labels: &BTreeMap<String, String>) -> Value {
    fn walk(v: &Value, labels: &BTreeMap<String, String>) -> Value {
        match v {
            Value::Object(m) if m.get("file").is_some_and(Value::is_string) => {
                // A sidecar: its file name carries the object's id.
                let mut m = m.clone();
                let file = strip_id(m["file"].as_str().unwrap());
                m.insert("file".into(), Value::String(file));
                Value::Object(m)
            }
            Value::Object(m) => {
                let named_ref = m.get("id").is_some_and(Value::is_string)
                    && m.get("name").is_some_and(Value::is_string);
                Value::Object(
                    m.iter()
                        .filter(|(k, _)| !(named_ref && k.as_str() == "id"))
                        .map(|(k, v)| (k.clone(), walk(v, labels)))
                        .collect(),
                )
            }
            Value::Array(a) => {
                let mut out: Vec<Value> = a.iter().map(|v| walk(v, labels)).collect();
                // A set of references is sorted by id, which a restore changes: compared by
                // what the ids name instead.
                if out.iter().zip(a).any(|(n, o)| n != o) {
                    out.sort_by_key(|v| v.to_string());
                }
                Value::Array(out)
            }
            Value::String(s) => match labels.get(s) {
                Some(l) => Value::String(l.clone()),
                None => v.clone(),
            },
            _ => v.clone(),
        }
    }
    let mut d = doc.clone();
    d.as_object_mut().unwrap().remove("id");
    walk(&d, labels)
}

pub(super) fn labels(docs: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    docs.values()
        .filter_map(|d| {
            Some((
                d["id"].as_str()?.to_string(),
                format!("{}/{}", d["kind"].as_str()?, d["name"].as_str()?),
            ))
        })
        .collect()
}

#[test]
fn cleared_demo_is_restored_from_its_backup() {
    let emu = emulator();
    let env = backed_up(&emu);
    let backup = rev(&env, "HEAD");
    let before = live_by_name(&emu);
    clear(&emu);
    let cleared = live_by_name(&emu);
    let plan = plan_to(&env, "plan.json", &backup, &[]);
    let creates = items_with(&plan, "create");
    assert!(creates.len() > 70, "{}", plan["summary"]);
    assert!(
        items_with(&plan, "update").is_empty(),
        "{}",
        plan["summary"]
    );
    // Apps whose package a backup never holds, and apps a store sync brings, are not created, and
    // the plan says why; web links, WinGet, Microsoft 365 Apps, Edge and store links come back.
    let mut apps_blocked: Vec<(String, String)> = items_with(&plan, "blocked")
        .iter()
        .filter(|i| i["kind"] == "apps")
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_string(),
                i["reasons"][0].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    apps_blocked.sort();
    let names: Vec<&str> = apps_blocked.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "7-Zip 23.01 (x64)",
            "7-Zip 24.09 (x64)",
            "Microsoft Outlook",
            "Microsoft Teams"
        ],
        "{apps_blocked:?}"
    );
    assert!(
        apps_blocked[0]
            .1
            .contains("content (its package file) is never part of a backup")
    );
    assert!(apps_blocked[2].1.contains("store sync"), "{apps_blocked:?}");
    let apps_created: Vec<&str> = creates
        .iter()
        .filter(|i| i["kind"] == "apps")
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(apps_created.len(), 5, "{apps_created:?}");

    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    // The demo holds two device configurations named "iOS – Restrictions" (one blocked: its group
    // was deleted): the created one is read back by the id its create returned, and converges.
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(!stdout.contains("not converged"), "{stdout}");
    assert_eq!(applied_failed(&stdout), (creates.len(), 0), "{stdout}");

    // No duplicates; every collection holds what it held before, less what was not restorable.
    let after = live_by_name(&emu);
    assert_eq!(duplicates(&before, &after), vec![], "duplicates");
    let restored_count: usize =
        counts(&after).values().sum::<usize>() - counts(&cleared).values().sum::<usize>();
    assert_eq!(restored_count, creates.len(), "one new object per create");

    // The backup after apply, compared document by document with the original.
    let head = rev(&env, "HEAD");
    assert!(
        git(&env.repo(), &["log", "-1", "--format=%s"]).starts_with("backup(demo)"),
        "a backup commit follows the apply"
    );
    let old = docs_at(&env, &backup);
    let new = docs_at(&env, &head);
    let (old_labels, new_labels) = (labels(&old), labels(&new));
    for item in &creates {
        let path = item["path"].as_str().unwrap();
        let (kind, name) = (
            item["kind"].as_str().unwrap(),
            item["name"].as_str().unwrap(),
        );
        let matches: Vec<(&String, &Value)> = new
            .iter()
            .filter(|(_, d)| d["kind"] == kind && d["name"] == name)
            .collect();
        assert_eq!(matches.len(), 1, "{kind}/{name} restored once");
        let (new_path, new_doc) = matches[0];
        assert_eq!(
            strip_id(new_path),
            strip_id(path),
            "file name of {kind}/{name}"
        );
        // Numeric ids (scope tags') are handed out again after a clear, client-chosen ones
        // (authentication contexts') are sent with the create, and so are keys that are not ids
        // (a cross-tenant partner's tenant id); others are new.
        let client_chosen = tenant_atlas::catalog::get(kind)
            .is_some_and(|e| e.write.client_ids || e.sources.iter().any(|s| s.key != "id"));
        if !client_chosen
            && !old[path]["id"]
                .as_str()
                .unwrap()
                .bytes()
                .all(|b| b.is_ascii_digit())
        {
            assert_ne!(
                new_doc["id"], old[path]["id"],
                "{kind}/{name} is a new object"
            );
        }
        assert_eq!(
            canonical(new_doc, &new_labels),
            canonical(&old[path], &old_labels),
            "{kind}/{name} differs from its backup"
        );
    }
    // References point at the new objects: a restored document names only ids of restored
    // objects or of reference data (groups), never an id of the cleared ones. (Ids that are
    // names — domains' — are not references.)
    let gone: Vec<&String> = old_labels
        .keys()
        .filter(|id| !new_labels.contains_key(*id))
        .filter(|id| id.len() == 36 && id.matches('-').count() == 4 || id.parse::<u64>().is_ok())
        .collect();
    for (p, d) in &new {
        let text = d.to_string();
        for id in &gone {
            assert!(
                !text.contains(id.as_str()),
                "{p} refers to {id}, which is gone"
            );
        }
    }
}

#[test]
fn restore_asks_and_without_a_terminal_refuses() {
    let emu = emulator();
    let env = backed_up(&emu);
    clear(&emu);
    let mut args = vec!["restore", "--tenant", "demo"];
    args.extend(type_args(&["scopeTags", "assignmentFilters"]));
    let before = writes(&emu);
    let o = cmd(&env, &args).stdin(Stdio::null()).output().unwrap();
    let (code, stdout, stderr) = out(&o);
    assert_eq!(code, 64, "{stdout}\n{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(writes(&emu), before, "nothing written without confirmation");

    args.push("--yes");
    let (code, stdout, stderr) = run(&env, &args);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(
        applied_failed(&stdout),
        (9, 0),
        "4 scope tags, 5 filters: {stdout}"
    );
    let c = client(&emu);
    let tags = list(&emu, &c, "/beta/deviceManagement/roleScopeTags");
    for name in ["Berlin", "München", "Security Operations", "Tokyo"] {
        assert_eq!(
            tags.iter().filter(|t| t["displayName"] == name).count(),
            1,
            "scope tag {name}: {tags:?}"
        );
    }
    // Restoring again has nothing to do.
    let (code, stdout, _) = run(&env, &args);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("nothing to apply"), "{stdout}");
}
