//! Trigger requests between processes: the server's webhook drops `.git/atlas/triggers/<tenant>`,
//! the reconcile loop watches that folder (and polls it at every requeue), takes the file and
//! schedules a round. A request carries no payload beyond who asked: reconcile recomputes
//! everything. Several requests before the loop takes them are one request.

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
}
