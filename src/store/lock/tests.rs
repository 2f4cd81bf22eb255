//! Tests of tenant locks: exclusion, holder reports, staleness, nonce-checked breaking.

use std::sync::{Arc, Barrier};

use super::*;

fn holder(run_id: &str, pid: u32) -> LockHolder {
    LockHolder {
        run_id: run_id.into(),
        pid,
        host: current_host(),
        started: "2026-01-01T00:00:00Z".parse().unwrap(),
        command: "backup --tenant contoso".into(),
        pid_ns: current_pid_ns(),
    }
}

/// A pid above Linux's maximum (2^22), so no such process exists.
const DEAD_PID: u32 = u32::MAX - 1;

fn new_repo() -> (tempfile::TempDir, Repo) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path()).unwrap();
    (tmp, repo)
}

#[test]
fn acquire_writes_holder_json_and_drop_removes_it() {
    let (_tmp, repo) = new_repo();
    let me = holder("run-1", std::process::id());
    let lock = TenantLock::acquire(&repo, "contoso", me.clone()).unwrap();
    assert_eq!(lock.path(), repo.git_dir().join("atlas/locks/contoso.lock"));
    let json: serde_json::Value =
        serde_json::from_slice(&fs_err::read(lock.path()).unwrap()).unwrap();
    assert_eq!(json["runId"], "run-1");
    assert_eq!(json["pid"], std::process::id());
    assert_eq!(json["host"], current_host());
    assert_eq!(json["started"], "2026-01-01T00:00:00Z");
    assert_eq!(json["command"], "backup --tenant contoso");
    let path = lock.path().to_path_buf();
    drop(lock);
    assert!(!path.exists());
    // Free again.
    TenantLock::acquire(&repo, "contoso", me)
        .unwrap()
        .release()
        .unwrap();
}

#[test]
fn second_acquire_reports_live_holder() {
    let (_tmp, repo) = new_repo();
    let _first =
        TenantLock::acquire(&repo, "contoso", holder("run-1", std::process::id())).unwrap();
    let err = TenantLock::acquire(&repo, "contoso", holder("run-2", 1)).unwrap_err();
    match &err {
        LockError::Held {
            tenant,
            holder,
            stale,
        } => {
            assert_eq!(tenant, "contoso");
            assert_eq!(holder.run_id, "run-1");
            assert!(!stale);
        }
        other => panic!("expected Held, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("run-1") && message.contains(&current_host()),
        "{message}"
    );
    // Other tenants are independent.
    TenantLock::acquire(&repo, "fabrikam", holder("run-3", std::process::id())).unwrap();
}

#[test]
fn dead_holder_on_this_host_is_replaced_and_named() {
    let (_tmp, repo) = new_repo();
    let dead = TenantLock::acquire(&repo, "contoso", holder("run-dead", DEAD_PID)).unwrap();
    let path = dead.path().to_path_buf();
    std::mem::forget(dead); // the holder "crashed": its guard never ran
    let lock = TenantLock::acquire(&repo, "contoso", holder("run-2", std::process::id())).unwrap();
    assert_eq!(lock.replaced().map(|h| h.run_id.as_str()), Some("run-dead"));
    let json: serde_json::Value = serde_json::from_slice(&fs_err::read(&path).unwrap()).unwrap();
    assert_eq!(json["runId"], "run-2");
    let leftovers: Vec<_> = fs_err::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "nothing set aside is left: {leftovers:?}"
    );
    lock.release().unwrap();
    // A lock taken normally replaced nothing.
    let fresh = TenantLock::acquire(&repo, "contoso", holder("run-3", std::process::id())).unwrap();
    assert!(fresh.replaced().is_none());
}

#[test]
fn a_stale_lock_replaced_meanwhile_is_left_alone() {
    let (_tmp, repo) = new_repo();
    let path = lock_path(&repo, "contoso").unwrap();
    // What a reader saw as stale was replaced by a live run before the removal.
    let live = holder("run-live", std::process::id());
    fs_err::write(&path, serde_json::to_vec(&live).unwrap()).unwrap();
    assert!(!remove_stale(&path, &holder("run-dead", DEAD_PID)).unwrap());
    assert_eq!(read_holder(&path).unwrap(), Some(live));
    assert!(
        !path.with_extension("lock.breaking").exists(),
        "the guard is released"
    );
}

#[test]
fn a_removal_in_progress_elsewhere_is_not_repeated() {
    let (_tmp, repo) = new_repo();
    let path = lock_path(&repo, "contoso").unwrap();
    let dead = holder("run-dead", DEAD_PID);
    fs_err::write(&path, serde_json::to_vec(&dead).unwrap()).unwrap();
    let guard = path.with_extension("lock.breaking");
    fs_err::write(&guard, b"").unwrap();
    assert!(!remove_stale(&path, &dead).unwrap());
    assert_eq!(read_holder(&path).unwrap(), Some(dead.clone()));
    fs_err::remove_file(&guard).unwrap();
    assert!(remove_stale(&path, &dead).unwrap());
    assert_eq!(read_holder(&path).unwrap(), None);
}

#[test]
fn holder_on_another_host_is_never_stale() {
    let (_tmp, repo) = new_repo();
    let mut other = holder("run-far", DEAD_PID);
    other.host = format!("{}-elsewhere", current_host());
    std::mem::forget(TenantLock::acquire(&repo, "contoso", other).unwrap());
    let err = TenantLock::acquire(&repo, "contoso", holder("run-2", 1)).unwrap_err();
    assert!(
        matches!(err, LockError::Held { stale: false, .. }),
        "{err:?}"
    );
    // With the nonce an operator may still break it.
    TenantLock::break_stale(&repo, "contoso", "run-far").unwrap();
    TenantLock::acquire(&repo, "contoso", holder("run-2", std::process::id())).unwrap();
}

#[test]
fn break_stale_needs_the_right_nonce() {
    let (_tmp, repo) = new_repo();
    // Held from another host: only an operator can tell that it is gone.
    let far = LockHolder {
        host: "far-away-host".into(),
        ..holder("run-dead", DEAD_PID)
    };
    std::mem::forget(TenantLock::acquire(&repo, "contoso", far).unwrap());
    let err = TenantLock::break_stale(&repo, "contoso", "run-wrong").unwrap_err();
    assert!(
        matches!(&err, LockError::NonceMismatch { holder, .. } if holder.run_id == "run-dead"),
        "{err:?}"
    );
    assert!(TenantLock::acquire(&repo, "contoso", holder("run-2", 1)).is_err());
    let broken = TenantLock::break_stale(&repo, "contoso", "run-dead").unwrap();
    assert_eq!(broken.pid, DEAD_PID);
    TenantLock::acquire(&repo, "contoso", holder("run-2", std::process::id())).unwrap();
    assert!(matches!(
        TenantLock::break_stale(&repo, "fabrikam", "x"),
        Err(LockError::NotHeld { .. })
    ));
}

#[test]
fn live_holder_on_this_host_cannot_be_broken() {
    let (_tmp, repo) = new_repo();
    let _live =
        TenantLock::acquire(&repo, "contoso", holder("run-live", std::process::id())).unwrap();
    let err = TenantLock::break_stale(&repo, "contoso", "run-live").unwrap_err();
    assert!(
        matches!(err, LockError::Held { stale: false, .. }),
        "{err:?}"
    );
}

#[test]
fn guard_does_not_remove_a_lock_taken_over_by_another_run() {
    let (_tmp, repo) = new_repo();
    let mine = TenantLock::acquire(&repo, "contoso", holder("run-old", DEAD_PID)).unwrap();
    TenantLock::break_stale(&repo, "contoso", "run-old").unwrap();
    let theirs =
        TenantLock::acquire(&repo, "contoso", holder("run-new", std::process::id())).unwrap();
    drop(mine);
    assert!(theirs.path().exists());
}

#[test]
fn concurrent_acquire_from_threads_only_one_wins() {
    let (_tmp, repo) = new_repo();
    let repo = Arc::new(repo);
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let repo = Arc::clone(&repo);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                TenantLock::acquire(
                    &repo,
                    "contoso",
                    holder(&format!("run-{i}"), std::process::id()),
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{results:?}");
    let winner = results
        .iter()
        .find_map(|r| r.as_ref().ok())
        .map(|lock| {
            serde_json::from_slice::<LockHolder>(&fs_err::read(lock.path()).unwrap()).unwrap()
        })
        .unwrap();
    for result in &results {
        if let Err(err) = result {
            assert!(
                matches!(err, LockError::Held { holder, .. } if holder.run_id == winner.run_id),
                "{err:?}"
            );
        }
    }
}

#[test]
fn unreadable_lock_file_is_reported_with_its_path() {
    let (_tmp, repo) = new_repo();
    let dir = repo.state_dir().unwrap().join("locks");
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(dir.join("contoso.lock"), b"{not json").unwrap();
    let err = TenantLock::acquire(&repo, "contoso", holder("r", 1)).unwrap_err();
    assert!(matches!(err, LockError::Unreadable { .. }), "{err:?}");
    assert!(err.to_string().contains("contoso.lock"), "{err}");
}

#[test]
fn tenant_names_that_are_not_file_names_are_refused() {
    let (_tmp, repo) = new_repo();
    for bad in ["", "..", "a/b", "../../hooks/pre-commit"] {
        let err = TenantLock::acquire(&repo, bad, holder("r", 1)).unwrap_err();
        assert!(
            matches!(err, LockError::InvalidTenant(_)),
            "{bad:?}: {err:?}"
        );
    }
}

#[test]
fn process_liveness() {
    assert!(process_alive(std::process::id()));
    if Path::new("/proc/self").exists() {
        assert!(!process_alive(DEAD_PID));
    }
}

#[test]
fn a_dead_pid_of_another_pid_namespace_or_an_unknown_one_is_not_stale() {
    // Another container with the same host name: its pids are not ours to judge.
    let elsewhere = LockHolder {
        pid_ns: Some("pid:[1]".into()),
        ..holder("run-other-ns", DEAD_PID)
    };
    assert!(!is_stale(&elsewhere));
    let unknown = LockHolder {
        pid_ns: None,
        ..holder("run-old-lock", DEAD_PID)
    };
    assert!(!is_stale(&unknown));
    if current_pid_ns().is_some() {
        assert!(is_stale(&holder("run-dead-here", DEAD_PID)));
    }
}
