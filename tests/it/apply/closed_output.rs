//! `apply --yes | head -1`: the reader going away after the first line must not end the apply
//! before it wrote anything (with exit 0, as if it had); it applies, records, and exits with its code.

use super::*;
use std::process::Stdio;

#[test]
fn an_apply_whose_output_is_closed_still_applies_everything_and_says_so_in_its_code() {
    let emu = emulator();
    let env = backed_up(&emu);
    let backup = rev(&env, "HEAD");
    clear(&emu);
    let plan = plan_to(
        &env,
        "plan.json",
        &backup,
        &type_args(&["scopeTags", "assignmentFilters"]),
    );
    let creates = items_with(&plan, "create");
    assert!(creates.len() >= 5, "{}", plan["summary"]);
    let requests: usize = creates
        .iter()
        .map(|i| i["requests"].as_array().unwrap().len())
        .sum();
    let mut child = cmd(&env, &["apply", "plan.json", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert_eq!(total_writes(&writes(&emu)), requests as u64, "{err}");
    let again = plan_to(
        &env,
        "again.json",
        &backup,
        &type_args(&["scopeTags", "assignmentFilters"]),
    );
    assert_eq!(
        items_with(&again, "create").len(),
        0,
        "{}",
        again["summary"]
    );
}
