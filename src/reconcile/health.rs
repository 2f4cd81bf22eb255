//! The `health` notification: after each round, the tenant's certificates and tokens at HEAD
//! (docs/ARCHITECTURE.md, "Expiry health"). A message goes out when the list of those expiring or
//! expired changes — kept in the tenant's status file, so across restarts too — so a token
//! expiring in ten days is announced once, and again once it has expired, not after every round.

use super::Loop;
use crate::config::{Mode, NotificationEvent};
use crate::health::Expiry;
use crate::records::status::Round;

impl Loop {
    /// Sends the tenant's `health` message when its expiries changed, after the round's own
    /// messages; the tenant's status file keeps what was announced.
    pub(super) fn notify_health(&mut self, tenant: &str, mode: Mode, round: &Round) {
        let health = match crate::health::at_rev(&self.repo, "HEAD", tenant, crate::clock::now()) {
            Ok(h) => h,
            Err(e) => {
                tracing::debug!(tenant, error = %e, "no health: HEAD could not be read");
                return;
            }
        };
        let Some(status) = self.statuses.get_mut(tenant) else {
            return;
        };
        let news = |list: &[Expiry]| list.iter().map(key).collect::<Vec<_>>();
        if news(&health) == news(&status.health) {
            return;
        }
        status.health = health.clone();
        if let Err(e) = crate::records::status::write(&self.repo, status) {
            tracing::warn!(tenant, error = %e, "could not write the status file");
        }
        if health.is_empty() {
            return; // renewed: nothing to warn of
        }
        self.notifier.send(&crate::notify::Event {
            kind: NotificationEvent::Health,
            tenant: tenant.to_string(),
            mode,
            round: round.clone(),
            drift: None,
            health,
        });
    }
}

/// What makes an expiry news: which date of which object, and whether it has passed.
fn key(e: &Expiry) -> String {
    format!("{}|{}|{}|{}", e.path, e.field, e.expires, e.expired())
}
