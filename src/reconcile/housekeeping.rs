//! Housekeeping of the private state, as `tenant-atlas housekeeping` runs it
//! (docs/ARCHITECTURE.md, "Housekeeping").
//!
//! Each kind of private file is judged by the module that writes it — `store` for run logs and
//! locks, `apply::journal` for journals and kept plans, `records::trigger` for trigger files — and
//! only here, above all of them, are the judgements gathered and carried out. The loop is the one
//! that owns trigger files, so this is where the two meet.

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
    let report = hk::carry_out(repo, sweeps, dry_run);
    if !dry_run {
        hk::record(repo, &report)?;
    }
    Ok(report)
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
}
