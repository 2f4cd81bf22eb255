//! One vocabulary: a policy renamed live is `renamed` in drift, in the backup's summary and commit
//! message, in the tenant log, in a restore plan of the older commit — and `log` finds the policy by
//! the name it had.

use super::*;

/// Ids and run times out of the text, so snapshots hold only what a person reads.
fn stable(text: &str) -> String {
    mask_ids(text)
        .lines()
        .map(|line| {
            line.split(' ')
                .map(|w| {
                    if w.starts_with("2026") && w.len() >= 10 {
                        "[time]"
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_live_rename_is_a_rename_in_every_command() {
    let emu = Emu::demo(Default::default());
    let env = backed_up_demo(&emu);
    let c = client(&emu);
    rename(&emu, &c);

    let (code, stdout, stderr) = text_of(&env, &["drift"]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(stdout.trim_end().ends_with("1 renamed"), "{stdout}");

    let (code, stdout, stderr) = out(&env
        .cmd(&["backup", "--repo", "repo"])
        .env("ATLAS_RUN_ID", "20260115T093000Z-rename")
        .output()
        .unwrap());
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    insta::assert_snapshot!("rename-backup", stable(&stdout));
    let message = git(&env.repo(), &["log", "-1", "--format=%B"]);
    insta::assert_snapshot!("rename-commit-message", stable(&message));

    let (code, stdout, _) = text_of(&env, &["log", "-n", "1"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(
            "1 renamed: windowsUpdateRings \"Update Ring – Pilot\" → \"Update Ring – Early adopters\""
        ),
        "{stdout}"
    );

    // The policy by the name it had: the whole history, the rename included.
    let (code, stdout, stderr) = text_of(&env, &["log", "Update Ring – Pilot"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    insta::assert_snapshot!("rename-log-old-name", stable(&stdout));
    let (_, by_new_name, _) = text_of(&env, &["log", "Update Ring – Early adopters"]);
    assert_eq!(
        stdout, by_new_name,
        "one policy, whichever name it is asked by"
    );

    // Restoring the commit before the rename renames it back.
    let (code, stdout, stderr) = text_of(
        &env,
        &[
            "plan",
            "--tenant",
            "demo",
            "--from",
            "HEAD~1",
            "--type",
            "windowsUpdateRings",
        ],
    );
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("\"Update Ring – Early adopters\" → \"Update Ring – Pilot\" (renamed)"),
        "{stdout}"
    );
}
