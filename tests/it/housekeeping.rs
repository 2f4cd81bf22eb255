//! `housekeeping`: on a repository prepared with every kind of private file, old and new, it
//! removes exactly what it should, nothing with `--dry-run`, and never an unfinished journal, a
//! lock whose holder may still run, or anything of history; a removal that fails makes the run
//! partial; the loop runs it on `housekeeping.schedule`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use crate::common::*;
use tenant_atlas::store::lock::{LockHolder, current_host, current_pid_ns};

const DAY: Duration = Duration::from_secs(86_400);
/// Above Linux's largest pid (2^22): no such process.
const DEAD_PID: u32 = u32::MAX - 1;

fn atlas(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--repo", "repo"];
    all.extend(args);
    out(&env.run(&all))
}

/// Writes `.git/<rel>` of the repository, last modified `age` before the tests' fixed clock.
fn plant(repo: &Path, rel: &str, text: &str, age: Duration) {
    let path = repo.join(".git").join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    let now: jiff::Timestamp = NOW.parse().unwrap();
    let at = SystemTime::try_from(now).unwrap() - age;
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(at).unwrap();
}

fn lock(run_id: &str, pid: u32, host: &str) -> String {
    serde_json::to_string_pretty(&LockHolder {
        run_id: run_id.into(),
        pid,
        host: host.into(),
        started: NOW.parse().unwrap(),
        command: "backup".into(),
        pid_ns: current_pid_ns(),
    })
    .unwrap()
}

const FINISHED: &str = "{\"event\":\"sending\",\"item\":0,\"request\":0}\n{\"event\":\"done\",\"item\":0,\"request\":0,\"status\":204}\n{\"event\":\"finished\"}\n";
const UNFINISHED: &str = "{\"event\":\"sending\",\"item\":0,\"request\":0}\n";

/// The demo repository with a second configured tenant, housekeeping limits, and private files of
/// every kind; returns what a run must remove (paths relative to the repository root).
fn prepared() -> (TestEnv, BTreeSet<String>) {
    let env = demo_repo();
    let repo = env.repo();
    let config = std::fs::read_to_string(repo.join("atlas.yaml")).unwrap();
    let spare = "- name: spare\n  tenantId: 11111111-1111-1111-1111-111111111111\n  clientId: 22222222-2222-2222-2222-222222222222\n  clientSecretEnv: SPARE_SECRET\n";
    let config = config.replacen("git:\n", &format!("{spare}git:\n"), 1)
        + "housekeeping: {keepRuns: 4, runsMaxAge: 90d}\n";
    std::fs::write(repo.join("atlas.yaml"), config).unwrap();
    commit_all(&repo, "a second tenant and housekeeping limits");

    let mut gone = BTreeSet::new();
    let mut old = |rel: &str, text: &str, age: Duration| {
        plant(&repo, rel, text, age);
        gone.insert(format!(".git/{rel}"));
    };
    // Private run logs: two beyond the newest four, one past 90 days; logs of interrupted runs.
    old(
        "atlas/runs/demo/20250620T000000Z-aaaaa1.yaml",
        "outcome: no-change\n",
        DAY * 200,
    );
    old(
        "atlas/runs/demo/20250917T000000Z-aaaaa2.yaml",
        "outcome: no-change\n",
        DAY * 120,
    );
    old(
        "atlas/runs/demo/20251007T000000Z-aaaaa3.yaml",
        "outcome: no-change\n",
        DAY * 100,
    );
    old(
        "atlas/runs/demo/20251201T000000Z-cut001.interrupted.yaml",
        "outcome: success\n",
        DAY * 45,
    );
    // Finished journals past 30 days and the plan kept beside one.
    old(
        "atlas/journal/demo/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.jsonl",
        FINISHED,
        DAY * 40,
    );
    old(
        "atlas/journal/demo/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.plan.json",
        "{}\n",
        DAY * 40,
    );
    old(
        "atlas/journal/spare/dddddddddddddddddddddddddddddddd.jsonl",
        FINISHED,
        DAY * 90,
    );
    // A trigger of a tenant atlas.yaml does not list, one no loop took for two days.
    old(
        "atlas/triggers/gone",
        "{\"tenant\":\"gone\",\"source\":\"webhook:a\",\"at\":\"2026-01-15T09:00:00Z\"}",
        Duration::ZERO,
    );
    old(
        "atlas/triggers/spare",
        "{\"tenant\":\"spare\",\"source\":\"webhook:a\",\"at\":\"2026-01-13T09:30:00Z\"}",
        DAY * 2,
    );
    // A lock of a process of this host that no longer runs.
    old(
        "atlas/locks/demo.lock",
        &lock("20260101T000000Z-dead01", DEAD_PID, &current_host()),
        DAY,
    );

    // What stays: the newest run logs, a young interrupted log, an unfinished journal (however
    // old) with its plan, a young finished journal, a trigger a running loop will take, a lock of
    // another host and one of a process that runs.
    for (day, age) in [("05", 10), ("10", 5), ("14", 1)] {
        plant(
            &repo,
            &format!("atlas/runs/demo/202601{day}T000000Z-bbbbbb.yaml"),
            "outcome: no-change\n",
            DAY * age,
        );
    }
    plant(
        &repo,
        "atlas/runs/demo/20260110T000000Z-cut002.interrupted.yaml",
        "outcome: success\n",
        DAY * 5,
    );
    plant(
        &repo,
        "atlas/journal/demo/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.jsonl",
        UNFINISHED,
        DAY * 400,
    );
    plant(
        &repo,
        "atlas/journal/demo/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.plan.json",
        "{}\n",
        DAY * 400,
    );
    plant(
        &repo,
        "atlas/journal/demo/cccccccccccccccccccccccccccccccc.jsonl",
        FINISHED,
        DAY * 3,
    );
    plant(
        &repo,
        "atlas/triggers/demo",
        "{\"tenant\":\"demo\",\"source\":\"webhook:a\",\"at\":\"2026-01-13T09:30:00Z\"}",
        DAY * 2,
    );
    plant(
        &repo,
        "atlas/status/demo.json",
        &format!(
            "{{\"tenant\":\"demo\",\"mode\":\"backup\",\"state\":\"idle\",\"updated\":\"{NOW}\"}}\n"
        ),
        Duration::ZERO,
    );
    plant(
        &repo,
        "atlas/locks/spare.lock",
        &lock("20260101T000000Z-far001", DEAD_PID, "another-host.invalid"),
        DAY * 30,
    );
    plant(
        &repo,
        "atlas/locks/live.lock",
        &lock(
            "20260115T000000Z-live01",
            std::process::id(),
            &current_host(),
        ),
        DAY * 30,
    );
    (env, gone)
}

/// Every file below `dir`, `.git` included, with its bytes.
fn everything(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let kind = std::fs::symlink_metadata(&p).unwrap().file_type();
            if kind.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap_or_default();
                found.insert(p.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    found
}

/// The files below `.git/atlas/`, relative to the repository root.
fn private_files(repo: &Path) -> BTreeSet<String> {
    everything(&repo.join(".git/atlas"))
        .into_keys()
        .map(|p| format!(".git/atlas/{}", p.display()))
        .collect()
}

/// The paths a JSON report lists under `removed`, in every category.
fn removed_in(json: &str) -> BTreeSet<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["removed"].as_array().unwrap().iter())
        .map(|i| i["path"].as_str().unwrap().to_string())
        .collect()
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// Snapshots text output with the sizes, this host and this process's pid masked.
macro_rules! snapshot {
    ($name:expr, $text:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(r" *\d+(\.\d)? (B|KiB|MiB|GiB)\b", " [SIZE]");
        settings.add_filter(
            &format!(r"\bon {}\b", regex_escape(&current_host())),
            "on [HOST]",
        );
        settings.add_filter(&format!(r"\bpid {}\b", std::process::id()), "pid [PID]");
        settings.bind(|| insta::assert_snapshot!($name, $text));
    }};
}

#[test]
fn removes_exactly_what_it_should_and_nothing_in_a_dry_run() {
    let (env, gone) = prepared();
    let repo = env.repo();
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let log = git(&repo, &["log", "--format=%H %s"]);
    let before = everything(&repo);
    let private = private_files(&repo);
    assert!(gone.is_subset(&private));

    // A dry run names exactly the files that should go and changes nothing at all.
    let (code, json, stderr) = atlas(&env, &["housekeeping", "--dry-run", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(removed_in(&json), gone);
    let (code, text, stderr) = atlas(&env, &["housekeeping", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    snapshot!("housekeeping-dry-run", text);
    assert!(
        everything(&repo) == before,
        "a dry run changed the repository"
    );

    // The run removes exactly those, and keeps a report of what it did.
    let (code, text, stderr) = atlas(&env, &["housekeeping"]);
    assert_eq!(code, 0, "{stderr}");
    snapshot!("housekeeping", text);
    let last = ".git/atlas/housekeeping/last.json".to_string();
    let left: BTreeSet<String> = private
        .difference(&gone)
        .cloned()
        .chain([last.clone()])
        .collect();
    assert_eq!(private_files(&repo), left);
    let report = std::fs::read_to_string(repo.join(&last)).unwrap();
    assert_eq!(removed_in(&report), gone);
    // The unfinished journal, its plan and the locks of holders that may run are untouched.
    for rel in [
        "journal/demo/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.jsonl",
        "journal/demo/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.plan.json",
        "locks/live.lock",
        "locks/spare.lock",
    ] {
        let key = PathBuf::from(".git/atlas").join(rel);
        assert_eq!(
            std::fs::read(repo.join(&key)).unwrap(),
            before[&key],
            "{rel} is as it was"
        );
    }
    // History, the branch and the work tree are as they were.
    assert_eq!(git(&repo, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(&repo, &["log", "--format=%H %s"]), log);
    assert_eq!(git(&repo, &["status", "--porcelain"]), "");
    assert_fsck_clean(&repo, "after housekeeping");

    // Again: nothing left to remove.
    let (code, json, _) = atlas(&env, &["housekeeping", "--format", "json"]);
    assert_eq!(code, 0);
    assert!(removed_in(&json).is_empty(), "{json}");
}

#[test]
fn a_removal_that_fails_is_named_and_the_run_is_partial() {
    let (env, gone) = prepared();
    let repo = env.repo();
    let o = env
        .cmd(&["--repo", "repo", "housekeeping"])
        .env("ATLAS_IO_FAULT", "eio@1:atlas/triggers/gone")
        .output()
        .unwrap();
    let (code, stdout, stderr) = out(&o);
    assert_eq!(code, 3, "partial: {stdout}\n{stderr}");
    assert!(
        stdout.contains("Could not remove:\n  .git/atlas/triggers/gone: "),
        "{stdout}"
    );
    let left = private_files(&repo);
    let stuck: Vec<&String> = gone.iter().filter(|p| left.contains(*p)).collect();
    assert_eq!(stuck, [".git/atlas/triggers/gone"], "the rest was removed");
}

#[test]
fn the_loop_runs_it_on_its_schedule() {
    let env = demo_repo();
    let repo = env.repo();
    let config = std::fs::read_to_string(repo.join("atlas.yaml")).unwrap();
    std::fs::write(
        repo.join("atlas.yaml"),
        config + "reconcile: {interval: 1h}\nhousekeeping: {schedule: 100ms}\n",
    )
    .unwrap();
    let old = ".git/atlas/runs/demo/20251201T000000Z-cut001.interrupted.yaml";
    plant(&repo, &old[5..], "outcome: success\n", DAY * 45);

    // One round per tenant and out: no housekeeping.
    let (code, _, stderr) = atlas(&env, &["reconcile", "--once"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(repo.join(old).exists(), "--once does not run housekeeping");

    let log = std::fs::File::create(env.path().join("reconcile.err")).unwrap();
    let mut child = env
        .cmd(&["--repo", "repo", "reconcile"])
        .env("ATLAS_LOG", "tenant_atlas=info")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let last = repo.join(".git/atlas/housekeeping/last.json");
    let wait_until_gone = |rel: &str| {
        let start = Instant::now();
        while repo.join(rel).exists() || !last.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the loop did not run housekeeping: {}",
                std::fs::read_to_string(env.path().join("reconcile.err")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_until_gone(old);
    // And again at the next interval.
    let later = ".git/atlas/runs/demo/20251202T000000Z-cut002.interrupted.yaml";
    plant(&repo, &later[5..], "outcome: success\n", DAY * 45);
    wait_until_gone(later);
    // SAFETY: signals our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if stopped.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("reconcile did not exit after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let stderr = std::fs::read_to_string(env.path().join("reconcile.err")).unwrap();
    assert!(stderr.contains("housekeeping finished"), "{stderr}");
    // The last report is a run's (a later one may have found nothing left).
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&last).unwrap()).unwrap();
    assert_eq!(report["dryRun"], false);
    assert_eq!(report["gc"]["result"], "ran");
}
