//! Notifications: a finished, failed or drifted reconcile round, and certificates or tokens about
//! to expire, are posted to the configured webhook targets (generic JSON, Microsoft Teams, Slack)
//! with a link to the round's run page.
//!
//! Delivery never holds up the loop: `send` queues the message on each target's own queue and
//! returns; one worker per target delivers in order (a channel reads "drift", then "finished"),
//! retries briefly on 429, 5xx and connection errors and then gives up with a log line naming the
//! target, never its URL (Teams and Slack webhook URLs carry their own secret). A dead receiver
//! costs a counter, not a round.

mod format;

use crate::config::{Mode, NotificationEvent, NotificationFormat, NotificationTarget};
use crate::graph::SecretString;
use crate::records::status::{Drift, Round};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Deliveries waiting or in flight beyond which new ones are dropped (and counted as failed).
const MAX_PENDING: usize = 256;
/// Attempts per delivery (the first and two retries).
const ATTEMPTS: u32 = 3;
/// Time allowed for one attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// What happened, for one tenant.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: NotificationEvent,
    pub tenant: String,
    pub mode: Mode,
    pub round: Round,
    pub drift: Option<Drift>,
    /// Expiring certificates and tokens (the `health` event).
    pub health: Vec<crate::health::Expiry>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("notifications[{index}] ({name}): environment variable {var} is not set")]
    MissingUrl {
        index: usize,
        name: String,
        var: String,
    },
    #[error("notifications[{index}] ({name}): the URL does not parse")]
    BadUrl { index: usize, name: String },
    #[error("cannot build the HTTP client for notifications: {0}")]
    Client(String),
}

/// Delivery counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    pub delivered: u64,
    pub failed: u64,
    /// Attempts beyond the first.
    pub retries: u64,
}

/// The last delivery failure, as logged: the target's name and the error, never the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastFailure {
    pub target: String,
    pub error: String,
}

struct Target {
    name: String,
    format: NotificationFormat,
    url: SecretString,
    events: Vec<NotificationEvent>,
    tenants: Vec<String>,
}

impl Target {
    fn wants(&self, e: &Event) -> bool {
        self.events.contains(&e.kind)
            && (self.tenants.is_empty() || self.tenants.iter().any(|t| t == "*" || *t == e.tenant))
    }
}

struct Inner {
    targets: Vec<Target>,
    public_url: Option<String>,
    http: reqwest::Client,
    /// Each target's queue, its worker started on the first message.
    queues: std::sync::Mutex<Vec<Option<tokio::sync::mpsc::UnboundedSender<serde_json::Value>>>>,
    pending: AtomicUsize,
    idle: tokio::sync::Notify,
    delivered: AtomicU64,
    failed: AtomicU64,
    retries: AtomicU64,
    last_failure: std::sync::Mutex<Option<LastFailure>>,
}

/// Sends events to the configured targets. Cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.inner.targets.iter().map(|t| t.name.as_str()).collect();
        f.debug_struct("Notifier").field("targets", &names).finish()
    }
}

impl Notifier {
    /// Resolves each target's URL (`urlEnv` from the environment); a missing variable is an error
    /// naming the target and the variable. `public_url` is the server's base for run links.
    pub fn new(
        targets: &[NotificationTarget],
        public_url: Option<&str>,
    ) -> Result<Notifier, NotifyError> {
        let mut resolved = vec![];
        for (index, t) in targets.iter().enumerate() {
            let url = match (&t.url, &t.url_env) {
                (Some(u), _) => u.clone(),
                (None, Some(var)) => {
                    crate::env::var(var).ok_or_else(|| NotifyError::MissingUrl {
                        index,
                        name: t.name.clone(),
                        var: var.clone(),
                    })?
                }
                (None, None) => {
                    return Err(NotifyError::BadUrl {
                        index,
                        name: t.name.clone(),
                    });
                }
            };
            if url::Url::parse(&url).is_err() {
                return Err(NotifyError::BadUrl {
                    index,
                    name: t.name.clone(),
                });
            }
            resolved.push(Target {
                name: t.name.clone(),
                format: t.format,
                url: SecretString::new(url),
                events: t.events.clone(),
                tenants: t.tenants.clone(),
            });
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("tenant-atlas/", env!("CARGO_PKG_VERSION")))
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NotifyError::Client(e.without_url().to_string()))?;
        Ok(Notifier {
            inner: Arc::new(Inner {
                targets: resolved,
                public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
                http,
                queues: std::sync::Mutex::new(vec![None; targets.len()]),
                pending: AtomicUsize::new(0),
                idle: tokio::sync::Notify::new(),
                delivered: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                last_failure: std::sync::Mutex::new(None),
            }),
        })
    }

    /// A notifier with no targets.
    pub fn none() -> Notifier {
        Notifier::new(&[], None).expect("a notifier without targets")
    }

    /// Link to the round's run page, when the server's address is known.
    pub fn link(&self, tenant: &str, run_id: &str) -> Option<String> {
        self.inner
            .public_url
            .as_deref()
            .map(|base| run_link(base, tenant, run_id))
    }

    /// Queues the event for every target that wants it and returns at once. Must be called inside a
    /// tokio runtime.
    pub fn send(&self, event: &Event) {
        let link = self.link(&event.tenant, &event.round.run_id);
        for (i, target) in self.inner.targets.iter().enumerate() {
            if !target.wants(event) {
                continue;
            }
            if self.inner.pending.fetch_add(1, Ordering::SeqCst) >= MAX_PENDING {
                self.done();
                self.inner.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(target_name = %target.name, "notification dropped: too many deliveries pending");
                continue;
            }
            let body = format::payload(target.format, event, link.as_deref());
            let mut queues = self.inner.queues.lock().unwrap_or_else(|p| p.into_inner());
            let queue = queues[i].get_or_insert_with(|| self.worker(i));
            if queue.send(body).is_err() {
                self.done();
            }
        }
    }

    /// Starts the worker delivering target `index`'s messages in order. It holds the notifier weakly
    /// and ends when the notifier is dropped (its queue closes).
    fn worker(&self, index: usize) -> tokio::sync::mpsc::UnboundedSender<serde_json::Value> {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<serde_json::Value>();
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            while let Some(body) = rx.recv().await {
                let Some(inner) = weak.upgrade() else { break };
                let me = Notifier { inner };
                me.deliver(index, body).await;
                me.done();
            }
        });
        tx
    }

    fn done(&self) {
        if self.inner.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.inner.idle.notify_waiters();
        }
    }

    /// Waits until every queued delivery has finished, at most `timeout`.
    pub async fn flush(&self, timeout: Duration) {
        let wait = async {
            loop {
                let idle = self.inner.idle.notified();
                if self.inner.pending.load(Ordering::SeqCst) == 0 {
                    return;
                }
                idle.await;
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
    }

    pub fn stats(&self) -> DeliveryStats {
        DeliveryStats {
            delivered: self.inner.delivered.load(Ordering::Relaxed),
            failed: self.inner.failed.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
        }
    }

    /// The last delivery that failed, if any.
    pub fn last_failure(&self) -> Option<LastFailure> {
        self.inner
            .last_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    async fn deliver(&self, index: usize, body: serde_json::Value) {
        let target = &self.inner.targets[index];
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                self.inner.retries.fetch_add(1, Ordering::Relaxed);
            }
            let sent = self
                .inner
                .http
                .post(target.url.expose())
                .json(&body)
                .send()
                .await;
            let wait = match sent {
                Ok(r) if r.status().is_success() => {
                    self.inner.delivered.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(target_name = %target.name, status = r.status().as_u16(), "notification delivered");
                    return;
                }
                Ok(r) => {
                    let status = r.status();
                    last = format!("HTTP {}", status.as_u16());
                    if !(status.as_u16() == 429 || status.is_server_error()) {
                        break; // the receiver refuses this message; resending will not help
                    }
                    retry_after(&r).unwrap_or(Duration::from_secs(u64::from(attempt)))
                }
                Err(e) => {
                    last = e.without_url().to_string();
                    Duration::from_secs(u64::from(attempt))
                }
            };
            if attempt < ATTEMPTS {
                tokio::time::sleep(wait.min(Duration::from_secs(10))).await;
            }
        }
        self.inner.failed.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(target_name = %target.name, error = %last, "notification not delivered");
        *self
            .inner
            .last_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(LastFailure {
            target: target.name.clone(),
            error: last,
        });
    }
}

fn retry_after(r: &reqwest::Response) -> Option<Duration> {
    let v = r
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// `{base}/tenants/{tenant}/runs/{run-id}` — the server's run page.
pub fn run_link(base: &str, tenant: &str, run_id: &str) -> String {
    format!(
        "{}/tenants/{tenant}/runs/{run_id}",
        base.trim_end_matches('/')
    )
}

/// The base URL for links: `server.publicUrl`, else `http://<server.listen>`, else none.
pub fn base_url(config: &crate::config::Config) -> Option<String> {
    let server = config.server.as_ref()?;
    Some(
        server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", server.listen)),
    )
}

#[cfg(test)]
mod tests;
