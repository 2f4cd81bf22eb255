//! A full or failing disk (docs/ARCHITECTURE.md, "Crash safety"): `ATLAS_IO_FAULT` makes one file
//! operation of a run fail with ENOSPC or EIO — at points spread over every create, write, fsync
//! and rename a backup or an apply makes (work tree files, run logs, the journal, locks). The run
//! fails with an error naming the file and the cause, the repository stays `git fsck` clean, the
//! lock is released, no journal line already written is lost, and the next run completes.

use super::*;

/// The file operations a run made, as `ATLAS_IO_FAULT=trace:FILE` lists them: (op, path).
fn traced(env: &TestEnv, args: &[&str]) -> Vec<(String, String)> {
    let trace = env.path().join("io-trace.txt");
    let _ = std::fs::remove_file(&trace);
    let (code, stdout, stderr) = out(&cmd(env, args)
        .env("ATLAS_IO_FAULT", format!("trace:{}", trace.display()))
        .output()
        .unwrap());
    assert!(code == 0, "traced run {args:?}: {stdout}\n{stderr}");
    std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let _n = parts.next();
            let op = parts.next().unwrap().to_string();
            (op, parts.next().unwrap().to_string())
        })
        .collect()
}

/// About `n` operation numbers (1-based) spread over `ops`, always with the first and the last, and
/// the first of each kind of operation on each kind of file.
fn fault_points(ops: &[(String, String)], n: usize) -> Vec<usize> {
    let family = |p: &str| {
        [
            ".git/atlas/locks",
            ".git/atlas/journal",
            "runs/",
            ".git/index",
            "tenants/",
        ]
        .into_iter()
        .find(|f| p.contains(f))
        .unwrap_or("other")
    };
    let mut points: Vec<usize> = (0..n).map(|k| 1 + k * (ops.len() - 1) / (n - 1)).collect();
    let mut seen = std::collections::BTreeSet::new();
    for (i, (op, path)) in ops.iter().enumerate() {
        if seen.insert((op.clone(), family(path))) {
            points.push(i + 1);
        }
    }
    points.sort_unstable();
    points.dedup();
    points
}

/// `ATLAS_FAULT_AT=N`: replay the fault at operation N only (a failure names its N).
fn only_point() -> Option<usize> {
    std::env::var("ATLAS_FAULT_AT").ok()?.parse().ok()
}

/// The types the apply trials restore: 16 items with references between them.
const FAULT_TYPES: &[&str] = &[
    "scopeTags",
    "assignmentFilters",
    "notificationTemplates",
    "namedLocations",
];

/// Runs `args` with the fault `kind` at operation `at`; the run must fail naming the cause. Its
/// output.
fn failed_by_fault(env: &TestEnv, args: &[&str], kind: &str, at: usize, what: &str) -> String {
    let (code, stdout, stderr) = out(&cmd(env, args)
        .env("ATLAS_IO_FAULT", format!("{kind}@{at}"))
        .output()
        .unwrap());
    let all = format!("{stdout}\n{stderr}");
    assert_ne!(code, 0, "{what}: the run must fail\n{all}");
    assert!(
        all.contains(cause(kind)),
        "{what}: the cause is named\n{all}"
    );
    all
}

fn no_lock_left(env: &TestEnv, what: &str) {
    let locks = env.repo().join(".git/atlas/locks");
    let left: Vec<_> = std::fs::read_dir(&locks)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{what}: locks left behind: {left:?}");
}

/// The message a failed run must give: the cause, as the OS names it.
fn cause(kind: &str) -> &'static str {
    if kind == "enospc" {
        "No space left on device"
    } else {
        "Input/output error"
    }
}

#[test]
fn a_full_or_failing_disk_fails_a_backup_cleanly_and_the_next_completes() {
    let emu = emulator();
    let reference = backed_up(&emu);
    let want: BTreeMap<String, Vec<u8>> = tree(&reference.repo().join("tenants/demo"))
        .into_iter()
        .filter(|(k, _)| k != "tenant.yaml")
        .collect();
    // The operations of a first backup into an empty repository (the largest).
    let probe = TestEnv::new().env(DEMO_SECRET_ENV, &demo_credentials().2);
    init_repo_for(&probe, &emu, "demo", RATE_LIMIT);
    let ops = traced(&probe, &["backup"]);
    assert!(ops.len() > 100, "{} operations", ops.len());
    let points = only_point().map_or_else(|| fault_points(&ops, 12), |at| vec![at]);
    for (i, at) in points.iter().enumerate() {
        let kind = if i % 2 == 0 { "enospc" } else { "eio" };
        let (op, path) = &ops[at - 1];
        let what = format!("{kind} at operation {at} of {} ({op} {path})", ops.len());
        let env = TestEnv::new().env(DEMO_SECRET_ENV, &demo_credentials().2);
        init_repo_for(&env, &emu, "demo", RATE_LIMIT);
        let all = failed_by_fault(&env, &["backup"], kind, *at, &what);
        let file = std::path::Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy();
        let dir = std::path::Path::new(path)
            .parent()
            .and_then(|p| p.file_name())
            .map(|d| d.to_string_lossy().to_string())
            .unwrap_or_default();
        assert!(
            all.contains(file.as_ref()) || all.contains(&dir),
            "{what}: the file is named\n{all}"
        );
        assert_fsck_clean(&env.repo(), &what);
        no_lock_left(&env, &what);
        let (code, stdout, stderr) = run(&env, &["backup"]);
        assert_eq!(code, 0, "{what}: the next backup\n{stdout}\n{stderr}");
        assert_fsck_clean(&env.repo(), &what);
        let got: BTreeMap<String, Vec<u8>> = tree(&env.repo().join("tenants/demo"))
            .into_iter()
            .filter(|(k, _)| k != "tenant.yaml")
            .collect();
        assert_same_tree(&got, &want, &what);
    }
}

/// In the suite: the journal fails before the first request (exit 1, nothing sent), then mid-apply
/// (exit 3, saying why, nothing more sent), and applying the same plan again resumes it to the end
/// without duplicates.
#[test]
fn a_journal_that_cannot_be_written_stops_the_apply_and_the_plan_resumes() {
    let emu = emulator();
    let before = live_by_name(&emu);
    let env = backed_up(&emu);
    let backup = rev(&env, "HEAD");
    clear(&emu);
    let plan = plan_to(&env, "plan.json", &backup, &type_args(FAULT_TYPES));
    let creates = items_with(&plan, "create").len();
    let faulty = |spec: &str| {
        out(&cmd(&env, &["apply", "plan.json", "--yes"])
            .env("ATLAS_IO_FAULT", spec)
            .output()
            .unwrap())
    };
    // The third journal operation is the fsync of the first "sending" line: nothing is sent.
    let (code, stdout, stderr) = faulty("eio@3:.git/atlas/journal");
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let all = format!("{stdout}\n{stderr}");
    assert!(
        all.contains("nothing was sent: the journal could not be written")
            && all.contains(cause("eio")),
        "{all}"
    );
    assert_eq!(applied_failed(&stdout), (0, 0), "{stdout}");
    // The eleventh is within the third request: two items are applied, then the run stops.
    let (code, stdout, stderr) = faulty("enospc@11:.git/atlas/journal");
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("the journal could not be written")
            && stdout.contains(cause("enospc"))
            && stdout.contains("applying the same plan again resumes it"),
        "{stdout}\n{stderr}"
    );
    let (applied, failed) = applied_failed(&stdout);
    assert!(
        (1..=2).contains(&applied) && failed == 0,
        "the items before the fault, nothing after it: {stdout}"
    );
    no_lock_left(&env, "after the journal failed");
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(applied_failed(&stdout).0 <= creates, "{stdout}");
    assert_eq!(duplicates(&before, &live_by_name(&emu)), vec![]);
    assert_nothing_left(&env, &backup, FAULT_TYPES, "after the resume");
}

/// In the suite: an apply whose writes all happened but whose run log cannot be committed, or
/// whose backup afterwards fails, is partial (exit 3) and says which, never success.
#[test]
fn an_apply_that_cannot_record_itself_is_partial() {
    for (spec, says) in [
        ("eio@1:runs/demo", "the run log could not be committed"),
        (
            "enospc@1:tenants/demo",
            "applied, but the backup after it failed",
        ),
    ] {
        let emu = emulator();
        let env = backed_up(&emu);
        let backup = rev(&env, "HEAD");
        clear(&emu);
        plan_to(&env, "plan.json", &backup, &type_args(FAULT_TYPES));
        let (code, stdout, stderr) = out(&cmd(&env, &["apply", "plan.json", "--yes"])
            .env("ATLAS_IO_FAULT", spec)
            .output()
            .unwrap());
        let all = format!("{stdout}\n{stderr}");
        assert_eq!(code, 3, "{spec}: {all}");
        assert!(all.contains(says), "{spec}: {all}");
        assert!(
            stdout.contains("16 applied, 0 failed — run"),
            "{spec}: every item was written: {stdout}"
        );
        no_lock_left(&env, spec);
        assert_fsck_clean(&env.repo(), spec);
    }
}

#[test]
fn a_full_or_failing_disk_stops_an_apply_without_losing_its_journal() {
    // Each run starts from the same state — a new demo tenant, a new repository with one backup,
    // the tenant cleared, a plan of the types — so its file operations are numbered as in the
    // traced run.
    let start = || {
        let emu = emulator();
        let env = backed_up(&emu);
        let backup = rev(&env, "HEAD");
        clear(&emu);
        let plan = plan_to(&env, "plan.json", &backup, &type_args(FAULT_TYPES));
        let hash = plan["hash"].as_str().unwrap().trim_start_matches("sha256:");
        let journal = env
            .repo()
            .join(".git/atlas/journal/demo")
            .join(format!("{}.jsonl", &hash[..32]));
        (emu, env, backup, journal)
    };
    let ops = traced(&start().1, &["apply", "plan.json", "--yes"]);
    let before = live_by_name(&emulator());
    let journal_ops = ops
        .iter()
        .filter(|(_, p)| p.contains(".git/atlas/journal"))
        .count();
    assert!(journal_ops > 20, "{journal_ops} journal operations");
    let points = only_point().map_or_else(|| fault_points(&ops, 6), |at| vec![at]);
    for (i, at) in points.iter().enumerate() {
        let kind = if i % 2 == 0 { "eio" } else { "enospc" };
        let (op, path) = &ops[at - 1];
        let what = format!(
            "{kind} at operation {at} of {} ({op} {path}; replay with ATLAS_FAULT_AT={at})",
            ops.len()
        );
        let (emu, env, backup, journal) = start();
        failed_by_fault(&env, &["apply", "plan.json", "--yes"], kind, *at, &what);
        assert_fsck_clean(&env.repo(), &what);
        no_lock_left(&env, &what);
        let kept = std::fs::read_to_string(&journal).unwrap_or_default();
        // The next apply of the same plan finishes what the failed one started.
        let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
        let resumed = std::fs::read_to_string(&journal).unwrap_or_default();
        if code == 4 && stdout.contains("already applied") {
            // The fault came after the last request (committing the run): nothing left to send.
            assert!(kept.contains("\"finished\""), "{what}: {stdout}\n{stderr}");
        } else {
            assert_eq!(code, 0, "{what}: the next apply\n{stdout}\n{stderr}");
            // Every complete line the failed run wrote is still the journal's beginning.
            let complete = &kept[..kept.rfind('\n').map_or(0, |i| i + 1)];
            assert!(
                resumed.starts_with(complete),
                "{what}: journal lines lost\nbefore: {kept}\nafter: {resumed}"
            );
        }
        assert_fsck_clean(&env.repo(), &what);
        assert_eq!(
            duplicates(&before, &live_by_name(&emu)),
            vec![],
            "{what}: duplicates"
        );
        assert_nothing_left(&env, &backup, FAULT_TYPES, &what);
    }
}

/// libgit2 writes objects through its own calls, which `ATLAS_IO_FAULT` cannot reach: here the
/// repository's object store is a 64 KiB filesystem (a tmpfs mounted in a user and mount namespace
/// of the test's own, `unshare -rm`), so the backup's object writes run out of space. The run fails
/// naming the cause, `git fsck` stays clean, and once the filesystem grows the next backup
/// completes. Without user namespaces the test fails, unless `ATLAS_SKIP` names `fullfs`.
#[test]
fn libgit2_object_writes_on_a_full_filesystem() {
    let probe = std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        if crate::common::skip_requested("fullfs") {
            eprintln!("note: full-filesystem test skipped as ATLAS_SKIP asks");
            return;
        }
        panic!(
            "this test mounts a small tmpfs in its own namespace (`unshare -rm`), which fails here: {probe:?}; set ATLAS_SKIP=fullfs to skip it knowingly"
        );
    }
    let emu = emulator();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &demo_credentials().2);
    init_repo_for(&env, &emu, "demo", RATE_LIMIT);
    let backup = cmd(&env, &["backup"]);
    let bin = backup.get_program().to_string_lossy().to_string();
    let args: Vec<String> = backup
        .get_args()
        .map(|a| format!("'{}'", a.to_string_lossy()))
        .collect();
    let objects = env.repo().join(".git/objects");
    let script = format!(
        r#"set -u
objects='{objects}'
mount -t tmpfs -o size=64k tmpfs "$objects" && mkdir -p "$objects/info" "$objects/pack"
'{bin}' {args} > first.out 2>&1; echo "first: $?"
git -C repo fsck --full --no-progress > fsck1.out 2>&1; echo "fsck1: $?"
mount -o remount,size=64m "$objects"
'{bin}' {args} > second.out 2>&1; echo "second: $?"
git -C repo fsck --full --no-progress > fsck2.out 2>&1; echo "fsck2: $?"
git -C repo rev-list --count HEAD 2>&1 | sed 's/^/commits: /'
"#,
        objects = objects.display(),
        args = args.join(" ")
    );
    let mut sh = std::process::Command::new("unshare");
    sh.args(["-rm", "sh", "-c", &script])
        .current_dir(env.path())
        .env_clear();
    for (k, v) in backup.get_envs() {
        if let Some(v) = v {
            sh.env(k, v);
        }
    }
    let (code, stdout, stderr) = out(&sh.output().unwrap());
    let file = |name: &str| std::fs::read_to_string(env.path().join(name)).unwrap_or_default();
    let report = format!(
        "{stdout}\n{stderr}\nfirst:\n{}\nsecond:\n{}\nfsck:\n{}{}",
        file("first.out"),
        file("second.out"),
        file("fsck1.out"),
        file("fsck2.out")
    );
    assert_eq!(code, 0, "{report}");
    assert!(
        !stdout.contains("first: 0"),
        "the backup into a full object store fails\n{report}"
    );
    assert!(
        file("first.out").contains("No space left on device"),
        "the cause is named\n{report}"
    );
    assert!(
        stdout.contains("fsck1: 0"),
        "fsck after the failure\n{report}"
    );
    assert!(
        stdout.contains("second: 0"),
        "the next backup completes\n{report}"
    );
    assert!(
        stdout.contains("fsck2: 0"),
        "fsck after the next backup\n{report}"
    );
    assert!(stdout.contains("commits: 1"), "one backup commit\n{report}");
}
