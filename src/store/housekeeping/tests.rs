//! Tests of housekeeping in the store: run logs by count and age, interrupted logs by age, locks
//! only with proof their holder is gone, dry runs that remove nothing, failures reported.

use std::time::{Duration, SystemTime};

use super::*;
use crate::store::lock::{LockHolder, current_host, current_pid_ns};

const NOW: &str = "2026-01-15T09:30:00Z";
const DAY: Duration = Duration::from_secs(86_400);

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

/// Writes `path` (and its folders) last modified `age` before [`NOW`].
fn plant(path: &Path, text: &str, age: Duration) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    let at = SystemTime::try_from(now()).unwrap() - age;
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(at)
        .unwrap();
}

fn policy(yaml: &str) -> Policy {
    let c: HousekeepingConfig =
        serde_json::from_value(serde_json::from_str(yaml).unwrap()).unwrap();
    Policy::of(&c)
}

fn new_repo() -> (tempfile::TempDir, Repo) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path()).unwrap();
    (tmp, repo)
}

fn paths(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i.path.as_str()).collect()
}

#[test]
fn run_logs_go_beyond_the_newest_and_past_their_age() {
    let (_tmp, repo) = new_repo();
    let runs = repo.git_dir().join("atlas/runs/contoso");
    for (i, age) in [400, 200, 100, 5, 1].iter().enumerate() {
        plant(
            &runs.join(format!("2026010{i}T000000Z-aaaaaa.yaml")),
            "outcome: no-change\n",
            DAY * *age,
        );
    }
    plant(&runs.join("old.interrupted.yaml"), "x", DAY * 31);
    plant(&runs.join("new.interrupted.yaml"), "x", DAY * 29);
    plant(&runs.join(".atlas-tmp-1-2"), "partial", DAY * 400);
    let p = policy(r#"{"keepRuns": 4, "runsMaxAge": "90d"}"#);
    let (logs, interrupted) = run_logs(&repo, &p, now()).unwrap();
    let logs = carry_out_sweep(logs, true);
    assert_eq!(
        logs.removed
            .iter()
            .map(|i| (i.path.rsplit('/').next().unwrap(), i.reason.as_str()))
            .collect::<Vec<_>>(),
        [
            ("20260100T000000Z-aaaaaa.yaml", "beyond the newest 4"),
            ("20260101T000000Z-aaaaaa.yaml", "older than 90d"),
            ("20260102T000000Z-aaaaaa.yaml", "older than 90d"),
        ]
    );
    assert_eq!(logs.left, 2);
    assert_eq!(logs.freed, 3 * "outcome: no-change\n".len() as u64);
    let interrupted = carry_out_sweep(interrupted, true);
    assert_eq!(
        paths(&interrupted.removed),
        [".git/atlas/runs/contoso/old.interrupted.yaml"]
    );
    assert_eq!(interrupted.left, 1);
    assert!(
        runs.join("20260100T000000Z-aaaaaa.yaml").exists(),
        "a dry run removes nothing"
    );

    // Without an age, only the count bounds them.
    let (logs, _) = run_logs(&repo, &Policy::default(), now()).unwrap();
    let logs = carry_out_sweep(logs, false);
    assert!(logs.removed.is_empty());
    assert_eq!(logs.left, 5);
}

#[test]
fn a_real_run_removes_exactly_what_the_dry_run_named() {
    let (_tmp, repo) = new_repo();
    let runs = repo.git_dir().join("atlas/runs/t");
    plant(&runs.join("a.yaml"), "a", DAY * 100);
    plant(&runs.join("b.yaml"), "b", DAY);
    plant(&runs.join("c.interrupted.yaml"), "c", DAY * 100);
    let p = policy(r#"{"runsMaxAge": "30d"}"#);
    let dry = carry_out(&repo, sweep_store(&repo, &p, now()).unwrap(), true);
    assert!(dry.dry_run);
    assert_eq!(dry.gc, Gc::DryRun);
    assert_eq!(dry.removed(), 2);
    assert_eq!(dry.size_before, dry.size_after, "a dry run changes nothing");
    assert!(runs.join("a.yaml").exists() && runs.join("c.interrupted.yaml").exists());

    let done = carry_out(&repo, sweep_store(&repo, &p, now()).unwrap(), false);
    assert_eq!(done.gc, Gc::Ran, "git gc --auto runs");
    assert!(!done.failed());
    let removed = |r: &Report| -> Vec<String> {
        r.sections
            .iter()
            .flat_map(|s| s.removed.iter().map(|i| i.path.clone()))
            .collect()
    };
    assert_eq!(removed(&done), removed(&dry));
    assert_eq!(done.freed(), 2);
    assert!(!runs.join("a.yaml").exists() && !runs.join("c.interrupted.yaml").exists());
    assert!(runs.join("b.yaml").exists());
    assert_eq!(
        done.size_before, dry.size_before,
        "measured before removing"
    );
}

#[test]
fn the_size_counts_files_below_the_folder_and_follows_no_link() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("git");
    plant(&dir.join("a"), "12345", DAY);
    plant(&dir.join("objects/ab/cd"), "123", DAY);
    plant(&tmp.path().join("outside"), &"x".repeat(1000), DAY);
    std::os::unix::fs::symlink(tmp.path().join("outside"), dir.join("link")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), dir.join("up")).unwrap();
    assert_eq!(size_of(&dir), 8);
    assert_eq!(size_of(&tmp.path().join("missing")), 0);
}

fn holder(run_id: &str, pid: u32, host: &str, pid_ns: Option<String>) -> LockHolder {
    LockHolder {
        run_id: run_id.into(),
        pid,
        host: host.into(),
        started: now(),
        command: "backup".into(),
        pid_ns,
    }
}

#[test]
fn only_locks_whose_holder_is_provably_gone_are_removed() {
    let (_tmp, repo) = new_repo();
    let dir = repo.git_dir().join("atlas/locks");
    std::fs::create_dir_all(&dir).unwrap();
    // Above Linux's largest pid (2^22): no such process.
    let dead = u32::MAX - 1;
    let here = current_host();
    let write = |tenant: &str, h: &LockHolder| {
        std::fs::write(
            dir.join(format!("{tenant}.lock")),
            serde_json::to_vec(h).unwrap(),
        )
        .unwrap();
    };
    write("dead", &holder("run-dead", dead, &here, current_pid_ns()));
    write(
        "live",
        &holder("run-live", std::process::id(), &here, current_pid_ns()),
    );
    write(
        "far",
        &holder("run-far", dead, "another-host.invalid", current_pid_ns()),
    );
    write(
        "boxed",
        &holder("run-boxed", dead, &here, Some("pid:[1]".into())),
    );
    std::fs::write(dir.join("torn.lock"), "{\"runId\": ").unwrap();
    let sweep = locks(&repo).unwrap();
    let section = carry_out_sweep(sweep, false);
    if current_pid_ns().is_some() {
        assert_eq!(paths(&section.removed), [".git/atlas/locks/dead.lock"]);
        assert!(
            section.removed[0].reason.contains("run run-dead"),
            "{:?}",
            section.removed
        );
        assert!(!dir.join("dead.lock").exists());
    }
    let kept: Vec<(&str, &str)> = section
        .kept
        .iter()
        .map(|i| (i.path.rsplit('/').next().unwrap(), i.reason.as_str()))
        .collect();
    let reason = |name: &str| kept.iter().find(|(n, _)| *n == name).unwrap().1;
    assert!(reason("live.lock").ends_with(", running"), "{kept:?}");
    assert!(reason("far.lock").contains("another host"), "{kept:?}");
    assert!(
        reason("far.lock").contains("--break-lock run-far"),
        "{kept:?}"
    );
    assert!(reason("boxed.lock").contains("PID namespace"), "{kept:?}");
    assert!(reason("torn.lock").contains("unreadable"), "{kept:?}");
    for name in ["live", "far", "boxed", "torn"] {
        assert!(dir.join(format!("{name}.lock")).exists(), "{name} stays");
    }
}

#[test]
fn a_removal_that_fails_is_reported_and_the_rest_goes_on() {
    let (_tmp, repo) = new_repo();
    let area = repo.git_dir().join("atlas/runs/t");
    plant(&area.join("gone.yaml"), "x", DAY);
    std::fs::create_dir_all(area.join("stuck.yaml")).unwrap();
    let mut sweep = Sweep::new(Category::RunLogs);
    sweep.remove(&repo, &area.join("stuck.yaml"), "test");
    sweep.remove(&repo, &area.join("gone.yaml"), "test");
    sweep.remove(&repo, &area.join("never-there.yaml"), "test");
    let report = carry_out(&repo, vec![sweep], false);
    let s = &report.sections[0];
    assert_eq!(paths(&s.removed), [".git/atlas/runs/t/gone.yaml"]);
    assert_eq!(s.failed.len(), 1);
    assert_eq!(s.failed[0].path, ".git/atlas/runs/t/stuck.yaml");
    assert!(report.failed());
}

#[test]
fn the_last_report_is_kept_and_read_back() {
    let (_tmp, repo) = new_repo();
    assert_eq!(last(&repo).unwrap(), None);
    let report = carry_out(&repo, vec![Sweep::new(Category::Triggers)], false);
    record(&repo, &report).unwrap();
    assert_eq!(last(&repo).unwrap(), Some(report));
}

#[test]
fn ages_count_from_the_last_write_against_the_clock() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f");
    plant(&path, "x", DAY * 2);
    let meta = std::fs::metadata(&path).unwrap();
    let age = |s: &str| Age::of(s);
    assert!(age("1d").exceeded_by(&meta, now()));
    assert!(!age("3d").exceeded_by(&meta, now()));
    // A file written after the clock's now (a clock fixed in the past) is not old.
    let past: Timestamp = "2020-01-01T00:00:00Z".parse().unwrap();
    assert!(!age("1s").exceeded_by(&meta, past));
}
