//! Canary secrets in the demo tenant appear nowhere: repository, history, run logs, output, logs.

use crate::common::*;

const CANARY: &str = "ATLAS-CANARY";

#[test]
fn canaries_never_leave_the_tenant() {
    let env = TestEnv::new();
    let mut output = String::new();
    for args in [
        vec!["backup", "--demo", "repo", "-vvv"],
        vec![
            "backup",
            "--demo",
            "repo",
            "-vvv",
            "--log-format",
            "json",
            "--format",
            "json",
        ],
        vec!["types", "--format", "json"],
    ] {
        let o = env.run(&args);
        let (code, stdout, stderr) = out(&o);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        output.push_str(&stdout);
        output.push_str(&stderr);
    }
    assert!(
        output.contains("DEBUG") || output.contains("\"level\""),
        "verbose logs were on"
    );
    assert!(!output.contains(CANARY), "a canary reached the output");
    assert!(
        grep_dir(&env.repo(), CANARY).is_empty(),
        "a canary reached the repository: {:?}",
        grep_dir(&env.repo(), CANARY)
    );
    let history = git(&env.repo(), &["log", "-p", "--all", "--format=%B"]);
    assert!(history.len() > 1000);
    assert!(!history.contains(CANARY), "a canary reached the history");
    // The redaction is visible instead.
    let docs = tree(&env.repo().join("tenants/demo"));
    let redacted = docs
        .values()
        .filter(|b| String::from_utf8_lossy(b).contains("<redacted>"))
        .count();
    assert!(
        redacted >= 2,
        "the OMA-URI value and the secret setting are redacted ({redacted} documents)"
    );
}
