//! Plans apply refuses without writing: already applied, stale, an absent object that appeared,
//! a tenant locked by another run.

use super::*;
use serde_json::json;

const FILTERS: &[&str] = &["scopeTags", "assignmentFilters"];

/// A backed-up demo, cleared, with a plan of its scope tags and filters in `plan.json`.
fn cleared_with_plan() -> (Emu, TestEnv, Value) {
    let emu = emulator();
    let env = backed_up(&emu);
    clear(&emu);
    let plan = plan_to(&env, "plan.json", "HEAD", &type_args(FILTERS));
    assert_eq!(items_with(&plan, "create").len(), 9, "{}", plan["summary"]);
    (emu, env, plan)
}

#[test]
fn a_plan_is_applied_once() {
    let (emu, env, _) = cleared_with_plan();
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let before = writes(&emu);
    assert!(total_writes(&before) >= 9, "{before}");
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(stdout.contains("already applied"), "{stdout}");
    assert_eq!(writes(&emu), before, "a second apply writes nothing");
}

#[test]
fn an_edited_plan_file_is_refused() {
    let (emu, env, _) = cleared_with_plan();
    let p = path_in(&env, "plan.json");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replacen("\"Berlin\"", "\"Hamburg\"", 1)).unwrap();
    let before = writes(&emu);
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(stdout.contains("hash"), "{stdout}");
    assert_eq!(writes(&emu), before);
}

#[test]
fn a_stale_plan_is_refused_whole() {
    let emu = emulator();
    let env = backed_up(&emu);
    // Desired: two filters changed in the commit; the plan updates them.
    let p = doc_path(&env, "assignmentFilters", "windows-11-only--");
    hand_edit(&env, &p, |t| {
        t.replacen("description: ", "description: 'edited' #", 1)
    });
    let q = doc_path(&env, "assignmentFilters", "virtual-machines--");
    let head = hand_edit(&env, &q, |t| {
        t.replacen("description: ", "description: 'edited' #", 1)
    });
    let plan = plan_to(&env, "plan.json", &head, &type_args(FILTERS));
    let updates = items_with(&plan, "update");
    assert_eq!(updates.len(), 2, "{}", plan["summary"]);
    let id = updates
        .iter()
        .find(|i| i["name"] == "Virtual machines")
        .unwrap()["targetId"]
        .as_str()
        .unwrap()
        .to_string();
    // Someone changes one of them live after planning.
    let c = client(&emu);
    send(
        &emu,
        &c,
        Method::PATCH,
        &format!("/beta/deviceManagement/assignmentFilters/{id}"),
        Some(json!({"description": "changed live"})),
    );
    let before = writes(&emu);
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("\"Virtual machines\"") && stdout.contains("changed since the plan"),
        "{stdout}"
    );
    assert!(stdout.contains("nothing was applied"), "{stdout}");
    assert_eq!(
        writes(&emu),
        before,
        "not even the unchanged filter was written"
    );
}

#[test]
fn an_absent_object_that_appeared_is_refused() {
    let (emu, env, _) = cleared_with_plan();
    let c = client(&emu);
    send(
        &emu,
        &c,
        Method::POST,
        "/beta/deviceManagement/roleScopeTags",
        Some(json!({"displayName": "Tokyo", "description": "made by hand"})),
    );
    let before = writes(&emu);
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("\"Tokyo\": was absent, now exists"),
        "{stdout}"
    );
    assert_eq!(writes(&emu), before);
    let tags = list(&emu, &c, "/beta/deviceManagement/roleScopeTags");
    assert_eq!(
        tags.iter().filter(|t| t["displayName"] == "Tokyo").count(),
        1
    );
}

#[test]
fn a_locked_tenant_is_refused_naming_the_run() {
    let (emu, env, _) = cleared_with_plan();
    let locks = env.repo().join(".git/atlas/locks");
    std::fs::create_dir_all(&locks).unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_else(|_| "localhost".into())
        .trim()
        .to_string();
    let holder = json!({
        "runId": "20260115T092900Z-beefed",
        "pid": std::process::id(),
        "host": host,
        "started": "2026-01-15T09:29:00Z",
        "command": "tenant-atlas backup",
    });
    std::fs::write(locks.join("demo.lock"), holder.to_string()).unwrap();
    let before = writes(&emu);
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("locked by run 20260115T092900Z-beefed since 2026-01-15T09:29:00Z"),
        "{stdout}"
    );
    assert_eq!(writes(&emu), before);
    // A live holder's lock is not broken with the wrong run id.
    let (code, stdout, _) = apply(
        &env,
        "plan.json",
        &["--break-lock", "20260115T000000Z-000000"],
    );
    assert_eq!(code, 4, "{stdout}");
    assert_eq!(writes(&emu), before);
    assert!(locks.join("demo.lock").exists());
}
