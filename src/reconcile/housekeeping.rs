//! Housekeeping of the private state, as `tenant-atlas housekeeping` runs it and as the loop runs
//! it on `housekeeping.schedule` (docs/ARCHITECTURE.md, "Housekeeping").
//!
//! Each kind of private file is judged by the module that writes it — `store` for run logs and
//! locks, `apply::journal` for journals and kept plans, `records::trigger` for trigger files,
//! `records::jobs` for the runs queued from `serve` — and
//! only here, above all of them, are the judgements gathered and carried out; the command and the
//! loop both call [`run`].

use std::time::Duration;

use crate::config::Config;
use crate::store::housekeeping::{self as hk, Policy, Report};
use crate::store::{Repo, StoreError};

/// Sweeps the private state of `repo` by the policy of `config` and removes what may go (nothing
/// with `dry_run`), runs `git gc --auto` (not with `dry_run`) and keeps the report of a run that
/// removed in `.git/atlas/housekeeping/last.json`. Committed history, the work tree and an
/// unfinished journal are never touched.
pub fn run(repo: &Repo, config: &Config, dry_run: bool) -> Result<Report, StoreError> {
    let policy = Policy::of(&config.housekeeping);
    let now = crate::clock::now();
    let mut sweeps = hk::sweep_store(repo, &policy, now)?;
    sweeps.push(crate::apply::journal::sweep(
        repo,
        &policy.journals_max_age,
        now,
    )?);
    sweeps.push(crate::records::trigger::sweep(
        repo,
        |t| config.tenant(t).is_some(),
        &policy.triggers_max_age,
        now,
    )?);
    // Ended runs of the queue go when journals do: both are the record of finished work.
    sweeps.push(crate::records::jobs::sweep(
        repo,
        &policy.journals_max_age,
        now,
    )?);
    let report = hk::carry_out(repo, sweeps, dry_run);
    if !dry_run {
        hk::record(repo, &report)?;
    }
    Ok(report)
}

/// How long the loop waits, from its start, before its first housekeeping: what is left of the
/// schedule since the last one recorded, nothing when there is none or it is overdue.
pub fn first_delay(repo: &Repo, every: Duration) -> Duration {
    let Ok(Some(last)) = hk::last(repo) else {
        return Duration::ZERO;
    };
    let since = crate::clock::now().duration_since(last.finished);
    let since = Duration::try_from(since).unwrap_or(Duration::ZERO);
    every.saturating_sub(since)
}

/// The loop's housekeeping, on a blocking thread: the outcome is logged and kept as the last
/// report; a failure is logged, never the end of the loop.
pub fn in_loop(root: std::path::PathBuf, config: std::sync::Arc<Config>) {
    let outcome = Repo::open(&root).and_then(|repo| run(&repo, &config, false));
    match outcome {
        Ok(report) => {
            let failed: usize = report.sections.iter().map(|s| s.failed.len()).sum();
            tracing::info!(
                removed = report.removed(),
                freed = report.freed(),
                failed,
                gc = ?report.gc,
                size_before = report.size_before,
                size_after = report.size_after,
                "housekeeping finished"
            );
        }
        Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_that_removes_is_recorded_and_a_dry_run_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let config = Config::default();
        let dry = run(&repo, &config, true).unwrap();
        assert!(dry.dry_run);
        assert_eq!(hk::last(&repo).unwrap(), None);
        let report = run(&repo, &config, false).unwrap();
        assert!(!report.dry_run);
        assert_eq!(hk::last(&repo).unwrap(), Some(report));
    }

    #[test]
    fn the_loop_waits_for_what_is_left_of_the_schedule() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let day = Duration::from_secs(86_400);
        assert_eq!(first_delay(&repo, day), Duration::ZERO, "never ran: now");
        run(&repo, &Config::default(), false).unwrap();
        let waits = first_delay(&repo, day);
        assert!(
            waits > day - Duration::from_secs(60) && waits <= day,
            "{waits:?}"
        );
        assert_eq!(first_delay(&repo, Duration::ZERO), Duration::ZERO);
    }
}
