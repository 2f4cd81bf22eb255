//! Trigger requests between processes: the server's webhook drops `.git/atlas/triggers/<tenant>`,
//! the reconcile loop watches that folder (and polls it at every requeue), takes the file and
//! schedules a round. A request carries no payload beyond who asked: reconcile recomputes
//! everything. Several requests before the loop takes them are one request.

use crate::store::housekeeping::{Age, Category, Sweep};
use crate::store::{Repo, StoreError, state};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The folder below `.git/atlas/`.
pub const AREA: &str = "triggers";

/// A request to reconcile a tenant soon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub tenant: String,
    /// Who asked, e.g. `webhook:<token name>`.
    pub source: String,
    pub at: Timestamp,
}

/// Asks the loop to reconcile `tenant` (a later request replaces an earlier one not yet taken).
pub fn request(repo: &Repo, tenant: &str, source: &str) -> Result<Request, StoreError> {
    let r = Request {
        tenant: tenant.to_string(),
        source: source.to_string(),
        at: crate::clock::now(),
    };
    let bytes = serde_json::to_vec(&r).unwrap_or_default();
    state::write(repo, AREA, tenant, &bytes)?;
    Ok(r)
}

/// Takes every pending request (removing its file). A file that does not parse still counts as a
/// request for the tenant it is named after.
pub fn take_all(repo: &Repo) -> Result<Vec<Request>, StoreError> {
    take_for(repo, |_| true)
}

/// Takes the pending requests of the tenants `mine` accepts (by file name), leaving the others for
/// the loops that run them.
pub fn take_for(repo: &Repo, mine: impl Fn(&str) -> bool) -> Result<Vec<Request>, StoreError> {
    let mut taken = vec![];
    for name in state::list(repo, AREA)?.into_iter().filter(|n| mine(n)) {
        let bytes = state::read(repo, AREA, &name)?;
        if !state::remove(repo, AREA, &name)? {
            continue; // taken by someone else meanwhile
        }
        let parsed = bytes.and_then(|b| serde_json::from_slice::<Request>(&b).ok());
        taken.push(parsed.unwrap_or_else(|| Request {
            tenant: name.clone(),
            source: "trigger file".into(),
            at: crate::clock::now(),
        }));
    }
    Ok(taken)
}

/// The folder the loop watches.
pub fn dir(repo: &Repo) -> Result<std::path::PathBuf, StoreError> {
    state::dir(repo, AREA)
}

/// What housekeeping may remove of the trigger files: the ones no loop will take
/// (docs/ARCHITECTURE.md, "Housekeeping"). A file named after a tenant `configured` does not
/// accept goes at once: a loop runs only the tenants of its configuration. A file of a configured
/// tenant goes once it has waited longer than `max_age` with no loop running the tenant — its
/// status file absent, `stopped`, or last written before the trigger came (a loop that runs a
/// tenant takes its trigger within seconds, and writes its status at every round). A loop started
/// later runs every tenant at once anyway, so such a request asks for nothing.
pub fn sweep(
    repo: &Repo,
    configured: impl Fn(&str) -> bool,
    max_age: &Age,
    now: Timestamp,
) -> Result<Sweep, StoreError> {
    let mut sweep = Sweep::new(Category::Triggers);
    let dir = dir(repo)?;
    for name in state::list(repo, AREA)? {
        let path = dir.join(&name);
        if !configured(&name) {
            sweep.remove(
                repo,
                &path,
                format!("no tenant `{name}` in the configuration: no loop takes it"),
            );
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue; // taken meanwhile
        };
        if !max_age.exceeded_by(&meta, now) {
            sweep.leave();
            continue;
        }
        let came = meta
            .modified()
            .ok()
            .and_then(|t| Timestamp::try_from(t).ok());
        let status = super::status::read(repo, &name)?;
        let idle = match &status {
            None => Some("no loop has run the tenant".to_string()),
            Some(s) if s.state == super::status::State::Stopped => {
                Some(format!("its loop stopped at {}", s.updated))
            }
            Some(s) if came.is_some_and(|c| s.updated < c) => Some(format!(
                "its status was last written at {}, before the request",
                s.updated
            )),
            Some(_) => None,
        };
        match idle {
            Some(why) => sweep.remove(
                repo,
                &path,
                format!("waiting longer than {}: {why}", max_age.shown),
            ),
            None => sweep.keep(
                repo,
                &path,
                "waiting, but a loop runs the tenant: it takes the request",
            ),
        }
    }
    Ok(sweep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_coalesce_per_tenant_and_are_taken_once() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        request(&repo, "contoso", "webhook:a").unwrap();
        request(&repo, "contoso", "webhook:b").unwrap();
        request(&repo, "fabrikam", "webhook:a").unwrap();
        let taken = take_all(&repo).unwrap();
        assert_eq!(taken.len(), 2);
        assert_eq!(taken[0].tenant, "contoso");
        assert_eq!(taken[0].source, "webhook:b");
        assert!(take_all(&repo).unwrap().is_empty());
        assert!(request(&repo, "../x", "w").is_err());
    }

    #[test]
    fn a_loop_takes_only_its_tenants_requests() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        request(&repo, "contoso", "webhook:a").unwrap();
        request(&repo, "fabrikam", "webhook:a").unwrap();
        let taken = take_for(&repo, |t| t == "contoso").unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].tenant, "contoso");
        assert!(take_for(&repo, |t| t == "contoso").unwrap().is_empty());
        let rest = take_all(&repo).unwrap();
        assert_eq!(rest.len(), 1, "the other loop's request is left");
        assert_eq!(rest[0].tenant, "fabrikam");
    }
    #[test]
    fn housekeeping_removes_the_triggers_no_loop_takes() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let now: Timestamp = "2026-01-15T09:30:00Z".parse().unwrap();
        let day = std::time::Duration::from_secs(86_400);
        let plant = |tenant: &str, age: std::time::Duration| {
            request(&repo, tenant, "webhook:a").unwrap();
            let path = dir(&repo).unwrap().join(tenant);
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(std::time::SystemTime::try_from(now).unwrap() - age)
                .unwrap();
        };
        plant("gone", std::time::Duration::ZERO);
        plant("fresh", day / 2);
        plant("orphan", day * 2);
        plant("stopped", day * 2);
        plant("running", day * 2);
        plant("dead-loop", day * 2);
        let status = |tenant: &str, state, updated: Timestamp| {
            let mut s =
                super::super::status::TenantStatus::new(tenant, crate::config::Mode::Backup);
            s.state = state;
            s.updated = updated;
            super::super::status::write(&repo, &s).unwrap();
        };
        use super::super::status::State;
        status("stopped", State::Stopped, now);
        status("running", State::Idle, now);
        status(
            "dead-loop",
            State::Running,
            now - jiff::SignedDuration::from_hours(24 * 3),
        );
        let max_age = crate::store::housekeeping::Policy::default().triggers_max_age;
        let sweep = sweep(&repo, |t| t != "gone", &max_age, now).unwrap();
        let report = crate::store::housekeeping::carry_out(&repo, vec![sweep], false);
        let s = &report.sections[0];
        let names = crate::store::housekeeping::Item::names;
        assert_eq!(
            names(&s.removed),
            ["dead-loop", "gone", "orphan", "stopped"]
        );
        assert_eq!(names(&s.kept), ["running"]);
        assert_eq!(s.left, 1);
        assert!(
            s.removed[1].reason.contains("no tenant `gone`"),
            "{:?}",
            s.removed
        );
        let rest = take_all(&repo).unwrap();
        assert_eq!(
            rest.iter().map(|r| r.tenant.as_str()).collect::<Vec<_>>(),
            ["fresh", "running"]
        );
    }
}
