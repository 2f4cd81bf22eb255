//! Graph requests are counted once: the loop keeps one client per tenant across rounds, and each
//! run log (backup, report round) records only the requests of its own run, so summing run logs —
//! as `/metrics` does — gives the requests Graph saw.

use super::*;

#[test]
fn run_logs_count_each_graph_request_once_across_rounds() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["kept", "watched"], 4);
    let tenants = format!(
        "{}{}",
        tenant_yaml(
            &gens[0],
            &emu.url(),
            "  schedule: {backup: 200ms}\n  mode: backup\n"
        ),
        tenant_yaml(
            &gens[1],
            &emu.url(),
            "  schedule: {backup: 200ms}\n  mode: report\n"
        ),
    );
    let env = repo_with(&gens, &tenants, LOOP);
    let before = emu.stats()["requests"].as_u64().unwrap();
    let mut child = spawn(&env, &[]);
    wait_for("four rounds of each tenant", &env, || {
        (rounds(&env, "kept") >= 4 && rounds(&env, "watched") >= 4).then_some(())
    });
    assert_eq!(terminate(&mut child), 0);
    let seen = emu.stats()["requests"].as_u64().unwrap() - before;

    // No-op backups of an unchanged tenant make the same requests every time.
    let backups = run_logs(&env, "kept", "backup");
    let counts: Vec<u64> = backups
        .values()
        .map(|v| v["graph"]["httpRequests"].as_u64().unwrap())
        .collect();
    assert!(counts.len() >= 4, "{counts:?}");
    assert!(
        counts.iter().all(|&c| c == counts[0] && c > 0),
        "{counts:?}"
    );
    // A backup round's own log counts nothing beyond its backup; a report round counts its reads.
    for v in run_logs(&env, "kept", "reconcile").values() {
        assert_eq!(v["graph"]["httpRequests"], 0, "{v:#}");
    }
    let reports = run_logs(&env, "watched", "reconcile");
    assert!(
        reports
            .values()
            .all(|v| v["graph"]["httpRequests"].as_u64().unwrap() > 0)
    );
    // Summed over every run log, the Graph requests (`$batch` items counted one by one, tokens
    // apart) are the ones the emulator answered.
    let logged: u64 = ["kept", "watched"]
        .iter()
        .flat_map(|t| {
            ["backup", "reconcile"]
                .iter()
                .flat_map(|k| run_logs(&env, t, k).into_values())
                .collect::<Vec<_>>()
        })
        .map(|v| v["graph"]["graphRequests"].as_u64().unwrap())
        .sum();
    assert_eq!(logged, seen, "run logs count {logged}, Graph saw {seen}");
}
