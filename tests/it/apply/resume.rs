//! An apply killed at any point (SIGKILL) resumes without duplicates, and creates whose answers
//! are lost (the connection reset after the server committed) are found instead of resent.

use super::*;
use std::time::{Duration, Instant};

/// Deterministic pseudo-random numbers (64-bit LCG).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn journal_lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

/// How a trial stops the first apply.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// Right after the journal holds this many lines.
    AfterLines(usize),
    /// After this long.
    After(Duration),
}

/// Spawns `apply --yes` and SIGKILLs it as `kill` says; returns whether it was killed.
fn apply_killed(env: &TestEnv, journal: &Path, kill: Kill) -> bool {
    let mut child = cmd(env, &["apply", "plan.json", "--yes"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let due = match kill {
            Kill::AfterLines(n) => journal_lines(journal) >= n,
            Kill::After(d) => start.elapsed() >= d,
        };
        if due {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "apply hangs");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `apply --yes` until it finishes, breaking the lock a killed run left; returns its output.
fn apply_to_the_end(env: &TestEnv) -> (i32, String, String) {
    let lock = env.repo().join(".git/atlas/locks/demo.lock");
    let mut extra: Vec<String> = vec![];
    if let Ok(text) = std::fs::read_to_string(&lock) {
        let holder: Value = serde_json::from_str(&text).unwrap();
        extra = vec![
            "--break-lock".into(),
            holder["runId"].as_str().unwrap().into(),
        ];
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    apply(env, "plan.json", &extra)
}

#[test]
fn kill_9_at_any_point_resumes_without_duplicates() {
    kill_trials(20);
}

/// The long run: `cargo test --release --test it -- --ignored kill_9` (50 kills of an apply, 50 of
/// a backup).
#[test]
#[ignore = "50 kill -9 trials; minutes in a release build"]
fn kill_9_fifty_times_resumes_without_duplicates() {
    kill_trials(50);
}

/// `n` applies of the same plan, each SIGKILLed (half after a number of journal lines spread over
/// the run, half after a random delay) and run again to the end.
fn kill_trials(n: usize) {
    let started = Instant::now();
    // A little latency per request, so an apply runs long enough for kills at random moments to
    // land mid-run however fast the machine is.
    let emu = Emu::demo(EmulatorConfig {
        latency: Duration::from_millis(4),
        ..EmulatorConfig::default()
    });
    let env = backed_up(&emu);
    let backup = rev(&env, "HEAD");
    let before = live_by_name(&emu);
    let mut rng = Lcg(20260115);
    let (mut killed, mut recovered, mut resumed_requests) = (0, 0, 0);
    for trial in 0..n {
        clear(&emu);
        // The same plan each trial: a fresh journal, as in a fresh repository.
        let _ = std::fs::remove_dir_all(env.repo().join(".git/atlas/journal"));
        let plan = plan_to(&env, "plan.json", &backup, &type_args(SUBSET));
        let creates = items_with(&plan, "create").len();
        assert!(creates >= 40, "{}", plan["summary"]);
        let requests: usize = items_with(&plan, "create")
            .iter()
            .map(|i| i["requests"].as_array().unwrap().len())
            .sum();
        let hash = plan["hash"].as_str().unwrap().trim_start_matches("sha256:");
        let journal = env
            .repo()
            .join(".git/atlas/journal/demo")
            .join(format!("{}.jsonl", &hash[..32]));
        // Even trials: right after N journal lines (N spread over the 2 lines per request);
        // odd trials: after a random delay.
        let kill = if trial % 2 == 0 {
            Kill::AfterLines(
                1 + (trial / 2) * (2 * requests) / n.div_ceil(2) + rng.below(3) as usize,
            )
        } else {
            Kill::After(Duration::from_millis(150 + rng.below(900)))
        };
        let was_killed = apply_killed(&env, &journal, kill);
        killed += usize::from(was_killed);
        let lines_at_kill = journal_lines(&journal);
        let finished = std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .contains("\"finished\"");
        if was_killed {
            let (code, stdout, stderr) = apply_to_the_end(&env);
            if finished {
                // Killed after the last request, while committing: nothing is left to send.
                assert_eq!(code, 4, "trial {trial}: {stdout}\n{stderr}");
                assert!(stdout.contains("already applied"), "{stdout}");
            } else {
                assert_eq!(code, 0, "trial {trial} ({kill:?}): {stdout}\n{stderr}");
                let (applied, failed) = applied_failed(&stdout);
                assert_eq!(failed, 0, "trial {trial}: {stdout}");
                assert!(applied <= creates, "trial {trial}: {stdout}");
                let log = git(&env.repo(), &["show", "HEAD~1", "--", "runs"]);
                recovered += log.matches("recovered: true").count();
                resumed_requests += usize::from(lines_at_kill > 0);
            }
        }
        let after = live_by_name(&emu);
        assert_eq!(
            duplicates(&before, &after),
            vec![],
            "trial {trial} ({kill:?}, {lines_at_kill} journal lines at the kill)"
        );
        assert_nothing_left(&env, &backup, SUBSET, &format!("trial {trial}"));
    }
    assert!(
        killed >= n * 3 / 5,
        "most trials killed a running apply: {killed} of {n}"
    );
    assert!(
        resumed_requests >= n / 2,
        "{resumed_requests} of {n} trials resumed a journal"
    );
    eprintln!(
        "{n} trials, {killed} killed, {recovered} in-flight creates found again, {:?}",
        started.elapsed()
    );
}

#[test]
fn lost_create_answers_make_no_duplicates() {
    let emu = Emu::demo(EmulatorConfig {
        drop_create_rate: 0.2,
        fault_seed: 11,
        ..EmulatorConfig::default()
    });
    let env = backed_up(&emu);
    let before = live_by_name(&emu);
    let backup = rev(&env, "HEAD");
    clear(&emu);
    let plan = plan_to(&env, "plan.json", &backup, &type_args(SUBSET));
    let creates = items_with(&plan, "create").len();
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(applied_failed(&stdout), (creates, 0), "{stdout}");
    let stats = emu.stats();
    assert!(
        stats["droppedCreates"].as_u64().unwrap() > 0,
        "the fault fired: {}",
        stats["droppedCreates"]
    );
    assert_eq!(duplicates(&before, &live_by_name(&emu)), vec![]);
    let again = plan_to(&env, "again.json", &backup, &type_args(SUBSET));
    assert_eq!(again["summary"]["create"], 0, "{}", again["summary"]);
    assert_eq!(again["summary"]["update"], 0, "{}", again["summary"]);
    eprintln!(
        "{} creates, {} answers dropped",
        creates, stats["droppedCreates"]
    );
}
