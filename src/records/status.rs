//! What the reconcile loop knows about each tenant, kept in `.git/atlas/status/<tenant>.json` so
//! the server (another process) can show it: state, the last round, the last backup, the drift
//! found, failures and back-off. Written atomically after every change of state.

use crate::config::Mode;
use crate::store::{Repo, StoreError, state};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub const AREA: &str = "status";

/// Where a tenant stands in the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Waiting for its next run.
    Idle,
    /// A run is scheduled and waits for a slot.
    Queued,
    Running,
    /// The last round failed; the next waits until `backoffUntil`.
    BackingOff,
    /// The loop stopped (signal); the state is as it was left.
    Stopped,
}

/// Which work a round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoundKind {
    Backup,
    Report,
    Enforce,
}

impl RoundKind {
    /// The work a tenant's mode does.
    pub fn of(mode: Mode) -> RoundKind {
        match mode {
            Mode::Backup => RoundKind::Backup,
            Mode::Report => RoundKind::Report,
            Mode::Enforce => RoundKind::Enforce,
        }
    }
}

/// How a round ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoundResult {
    /// Backed up and committed what changed, or enforced and converged.
    Success,
    /// Nothing differed.
    NoChange,
    /// Drift found and recorded, nothing written to Graph (report mode, or enforce refused).
    Drift,
    /// Enforcement was not applied: a guardrail or window said no; `message` says why.
    Refused,
    /// Part of the work failed; the rest was done.
    Partial,
    Failed,
}

impl RoundResult {
    /// Counts as a failure for back-off and notifications.
    pub fn is_failure(self) -> bool {
        matches!(self, RoundResult::Partial | RoundResult::Failed)
    }
}

/// One finished round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Round {
    pub run_id: String,
    pub kind: RoundKind,
    pub result: RoundResult,
    pub started: Timestamp,
    pub finished: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What scheduled it: `timer`, `watch`, `webhook:<token name>`, `start`, `requeue`, `retry`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub trigger: String,
    /// Run ids of the backup / apply runs this round made (their run logs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<String>,
}

/// One object found drifted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftObject {
    /// `added` | `removed` | `changed` | `renamed` (as the report says).
    pub change: String,
    /// Catalog type key.
    #[serde(default)]
    pub kind: String,
    pub name: String,
    /// Document path relative to the repository root.
    pub path: String,
}

/// The drift last measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub checked: Timestamp,
    /// Full commit id live was compared with.
    pub against: String,
    pub objects: Vec<DriftObject>,
    /// Types that could not be read, so their drift is unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
    /// Drift an enforce round found and reverted (applied and converged): no longer drift.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrected: Vec<DriftObject>,
}

impl Drift {
    /// What the status keeps of a round's drift: with `corrected` (an enforce round that applied
    /// it and read every write back equal), nothing is left drifted and the objects are listed as
    /// corrected; otherwise the drift as found.
    pub fn settled(mut self, corrected: bool) -> Drift {
        if corrected {
            self.corrected = std::mem::take(&mut self.objects);
        }
        self
    }
}

/// The status file of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantStatus {
    pub tenant: String,
    pub mode: Mode,
    pub state: State,
    pub updated: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_run: Option<Timestamp>,
    #[serde(default)]
    pub consecutive_failures: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_until: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_round: Option<Round>,
    /// The last round that failed (kept while later ones succeed, for the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<Round>,
    /// When the tenant was last read completely and its backup committed (or found unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_backup: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
    /// Rounds run since the loop started.
    #[serde(default)]
    pub rounds: u64,
    /// The expiring certificates and tokens the last `health` notification named: the next one
    /// goes out when this changes (docs/ARCHITECTURE.md, "Expiry health").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<crate::health::Expiry>,
}

impl TenantStatus {
    pub fn new(tenant: &str, mode: Mode) -> TenantStatus {
        TenantStatus {
            tenant: tenant.to_string(),
            mode,
            state: State::Idle,
            updated: crate::clock::now(),
            next_run: None,
            consecutive_failures: 0,
            backoff_until: None,
            last_round: None,
            last_failure: None,
            last_backup: None,
            drift: None,
            rounds: 0,
            health: vec![],
        }
    }
}

fn file(tenant: &str) -> String {
    format!("{tenant}.json")
}

/// Writes a tenant's status (atomically).
pub fn write(repo: &Repo, s: &TenantStatus) -> Result<(), StoreError> {
    let mut bytes = serde_json::to_vec_pretty(s).unwrap_or_default();
    bytes.push(b'\n');
    state::write(repo, AREA, &file(&s.tenant), &bytes)
}

/// Reads a tenant's status; `None` when the loop never ran for it or the file is unreadable.
pub fn read(repo: &Repo, tenant: &str) -> Result<Option<TenantStatus>, StoreError> {
    Ok(state::read(repo, AREA, &file(tenant))?.and_then(|b| serde_json::from_slice(&b).ok()))
}

/// Every tenant's status, by tenant name.
pub fn read_all(repo: &Repo) -> Result<Vec<TenantStatus>, StoreError> {
    let mut all = vec![];
    for name in state::list(repo, AREA)? {
        if let Some(t) = name.strip_suffix(".json")
            && let Some(s) = read(repo, t)?
        {
            all.push(s);
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_state_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        let mut s = TenantStatus::new("contoso", Mode::Report);
        s.drift = Some(Drift {
            checked: s.updated,
            against: "a".repeat(40),
            objects: vec![DriftObject {
                change: "changed".into(),
                kind: "settingsCatalog".into(),
                name: "Baseline".into(),
                path: "tenants/contoso/settingsCatalog/baseline--12345678.yaml".into(),
            }],
            unread: vec![],
            corrected: vec![],
        });
        write(&repo, &s).unwrap();
        assert_eq!(read(&repo, "contoso").unwrap(), Some(s.clone()));
        assert_eq!(read_all(&repo).unwrap(), vec![s]);
        assert_eq!(read(&repo, "other").unwrap(), None);
    }

    #[test]
    fn drift_is_corrected_only_when_the_round_says_so() {
        let found = Drift {
            checked: crate::clock::now(),
            against: "a".repeat(40),
            objects: vec![DriftObject {
                change: "changed".into(),
                kind: "settingsCatalog".into(),
                name: "Baseline".into(),
                path: "tenants/c/settingsCatalog/baseline--12345678.yaml".into(),
            }],
            unread: vec![],
            corrected: vec![],
        };
        let kept = found.clone().settled(false);
        assert_eq!(kept, found);
        let gone = found.clone().settled(true);
        assert!(gone.objects.is_empty());
        assert_eq!(gone.corrected, found.objects);
    }
}
