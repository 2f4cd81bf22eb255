//! The unattended loop: triggers (timer, file watch, webhook) only *schedule* a round; each tenant
//! has at most one round queued or running; a round backs up, reports drift or enforces the desired
//! commit according to the tenant's mode, within its guardrails and windows.
//!
//! Reconcile is level-triggered: every round recomputes desired against live, so a missed trigger
//! costs latency, never correctness, and a periodic requeue runs even when watches exist.
//!
//! Scheduling uses tokio's monotonic clock; timestamps in status files and run logs use
//! `clock::now()`. A stop (the CLI maps SIGINT/SIGTERM to it) ends scheduling at once; running
//! rounds finish their current step — an apply stops between two requests and keeps its journal
//! and plan, which the next start resumes before anything else while the desired commit and the
//! guardrails still allow it (else it is dropped and the tenant planned afresh). An apply not yet
//! started when the stop comes is not started.
//!
//! With `housekeeping.schedule` the loop also prunes the private state at that interval, on a
//! blocking thread beside the rounds ([`housekeeping`]). It also works the runs people queued in
//! `serve` for its tenants ([`jobs`]), as `serve` does unless started with `--no-work`.

pub mod guard;
mod health;
pub mod housekeeping;
pub mod jobs;
pub mod round;
pub mod runlog;
pub mod schedule;
pub mod scheduler;
pub mod watch;
pub mod windows;

use crate::config::{Config, Mode, TenantConfig};
use crate::records::status::{self, Round, RoundResult, State, TenantStatus};
use crate::records::trigger;
use crate::store::{Repo, StoreError};
use round::{RoundCtx, RoundOutcome};
use scheduler::Scheduler;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How the loop runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// One round per selected tenant, then return.
    pub once: bool,
    /// Only these tenants (default: every tenant of the configuration).
    pub tenants: Vec<String>,
    /// Cancelled to stop: no new rounds; running rounds finish their current step.
    pub stop: CancellationToken,
}

/// What the loop did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub rounds: u64,
    /// The last round's result per tenant.
    pub last: BTreeMap<String, RoundResult>,
    /// Every result seen, counted.
    pub results: BTreeMap<String, u64>,
}

/// Called after every round (the CLI prints a line).
pub type OnRound = Arc<dyn Fn(&str, Mode, &Round) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The configuration cannot run unattended (message names the tenant and key).
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Notify(#[from] crate::notify::NotifyError),
}

/// The notification events a round sends: `drift` when it found drift (a backup that committed
/// changes, a report, an enforcement whether applied or refused), then `failed` for partial, failed
/// and refused rounds, else `finished`.
pub fn events_of(result: RoundResult, drifted: bool) -> Vec<crate::config::NotificationEvent> {
    use crate::config::NotificationEvent as E;
    let mut events = vec![];
    if drifted {
        events.push(E::Drift);
    }
    events.push(if result.is_failure() || result == RoundResult::Refused {
        E::Failed
    } else {
        E::Finished
    });
    events
}

/// The tenants the loop works on, checked: enforce needs `desired`.
pub fn selected(config: &Config, names: &[String]) -> Result<Vec<String>, ReconcileError> {
    if config.tenants.is_empty() {
        return Err(ReconcileError::Config("atlas.yaml lists no tenants".into()));
    }
    for n in names {
        if config.tenant(n).is_none() {
            return Err(ReconcileError::Config(format!(
                "no tenant `{n}` in atlas.yaml"
            )));
        }
    }
    let chosen: Vec<&TenantConfig> = config
        .tenants
        .iter()
        .filter(|t| names.is_empty() || names.contains(&t.name))
        .collect();
    for t in &chosen {
        if t.mode == Mode::Enforce && t.desired.is_none() {
            return Err(ReconcileError::Config(format!(
                "tenant {}: mode enforce needs `desired` (the ref whose content is the desired state)",
                t.name
            )));
        }
    }
    Ok(chosen.into_iter().map(|t| t.name.clone()).collect())
}

/// A monotonic instant as a wall-clock timestamp.
fn wall(at: Instant) -> jiff::Timestamp {
    let now = crate::clock::now();
    let ahead = at.saturating_duration_since(Instant::now());
    jiff::SignedDuration::try_from(ahead)
        .ok()
        .and_then(|d| now.checked_add(d).ok())
        .unwrap_or(now)
}

/// The loop's state between events.
struct Loop {
    repo: Repo,
    root: PathBuf,
    config: Arc<Config>,
    config_path: PathBuf,
    opts: Options,
    sched: Scheduler,
    statuses: BTreeMap<String, TenantStatus>,
    /// Commit each report/enforce tenant's desired ref pointed at when last looked.
    desired_seen: BTreeMap<String, Option<String>>,
    summary: Summary,
    on_round: OnRound,
    notifier: crate::notify::Notifier,
    /// The bytes of `atlas.yaml` last loaded: an event that leaves them unchanged reloads nothing.
    config_bytes: Option<Vec<u8>>,
    /// Each tenant's Graph client with the configuration it was built from.
    clients: BTreeMap<String, (String, crate::graph::GraphClient)>,
    /// When housekeeping runs next (`housekeeping.schedule`; never with `--once`), and the one
    /// running now.
    housekeeping_due: Option<Instant>,
    housekeeping: Option<tokio::task::JoinHandle<()>>,
}

/// Runs the loop until `opts.stop` is cancelled (or, with `opts.once`, until every selected
/// tenant ran one round).
pub async fn run(
    root: PathBuf,
    config: Config,
    config_path: PathBuf,
    opts: Options,
    on_round: OnRound,
) -> Result<Summary, ReconcileError> {
    let names = selected(&config, &opts.tenants)?;
    let repo = Repo::open(&root)?;
    let root = repo.root().to_path_buf();
    let config_path = config_path.canonicalize().unwrap_or(config_path);
    let notifier = crate::notify::Notifier::new(
        &config.notifications,
        crate::notify::base_url(&config).as_deref(),
    )?;
    let mut lp = Loop {
        notifier,
        clients: BTreeMap::new(),
        config_bytes: std::fs::read(&config_path).ok(),
        sched: Scheduler::new(config.reconcile.concurrency),
        config: Arc::new(config),
        repo,
        root,
        config_path,
        opts,
        statuses: BTreeMap::new(),
        desired_seen: BTreeMap::new(),
        summary: Summary::default(),
        on_round,
        housekeeping_due: None,
        housekeeping: None,
    };
    lp.queue_at_start(&names)?;
    if !lp.opts.once {
        lp.housekeeping_due = lp
            .config
            .housekeeping
            .every()
            .map(|every| Instant::now() + housekeeping::first_delay(&lp.repo, every));
    }
    lp.desired_seen = lp.desired_commits();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _watch = if lp.opts.once { None } else { lp.watch(tx)? };
    let queue = (!lp.opts.once).then(|| lp.work_queues(names.clone()));
    let mut tasks: Rounds = tokio::task::JoinSet::new();
    let mut running: BTreeMap<tokio::task::Id, String> = BTreeMap::new();
    loop {
        if !lp.opts.once {
            lp.take_trigger_files();
        }
        lp.start_rounds(&mut tasks, &mut running);
        if lp.opts.once && tasks.is_empty() && lp.sched.idle() {
            break;
        }
        let wake = if lp.opts.once {
            None
        } else {
            lp.sched.next_wakeup()
        };
        tokio::select! {
            _ = lp.opts.stop.cancelled() => break,
            Some(done) = tasks.join_next_with_id() => lp.joined(done, &mut running),
            Some(change) = rx.recv() => lp.changed(change),
            _ = sleep_until(lp.housekeeping_due) => lp.housekeep(),
            _ = sleep_until(wake) => {
                for t in lp.sched.fire_timers(Instant::now()) {
                    if !lp.sched.is_running(&t) {
                        lp.set_state(&t, State::Queued);
                    }
                }
            }
        }
    }
    // Stopped: rounds in flight finish their current step, housekeeping its run.
    while let Some(done) = tasks.join_next_with_id().await {
        lp.joined(done, &mut running);
    }
    if let Some(running) = lp.housekeeping.take() {
        let _ = running.await;
    }
    if let Some(queue) = queue {
        let _ = queue.await;
    }
    if lp.opts.stop.is_cancelled() {
        let names: Vec<String> = lp.statuses.keys().cloned().collect();
        for n in names {
            lp.set_state(&n, State::Stopped);
        }
    }
    lp.notifier.flush(Duration::from_secs(15)).await;
    Ok(lp.summary)
}

/// The rounds in flight, each answering with its tenant.
type Rounds = tokio::task::JoinSet<(String, RoundOutcome)>;

impl Loop {
    /// Adds the selected tenants and queues their first round; tenants with jitter start at
    /// random within it, not all at once (`--once` at once).
    fn queue_at_start(&mut self, names: &[String]) -> Result<(), ReconcileError> {
        let start = Instant::now();
        for n in names {
            self.add_tenant(n)?;
            let delay = match self.config.tenant(n) {
                Some(t) if !self.opts.once => {
                    schedule::start_delay(schedule::jitter(t), schedule::unit())
                }
                _ => Duration::ZERO,
            };
            if !delay.is_zero() {
                self.sched.hold_until(n, start + delay);
            }
            self.queue(n, "start");
        }
        Ok(())
    }

    /// Watches the repository, `atlas.yaml` and the trigger folder, sending changes to `tx`;
    /// `None` when watches are unavailable (the timer still requeues every tenant).
    fn watch(
        &self,
        tx: tokio::sync::mpsc::UnboundedSender<watch::Change>,
    ) -> Result<Option<watch::Watch>, ReconcileError> {
        let paths = watch::Paths {
            git_dir: self
                .repo
                .git_dir()
                .canonicalize()
                .unwrap_or_else(|_| self.repo.git_dir().to_path_buf()),
            config: self.config_path.clone(),
            triggers: trigger::dir(&self.repo)?,
        };
        let debounce = crate::config::unattended::duration(&self.config.reconcile.debounce)
            .unwrap_or(Duration::from_secs(2));
        Ok(match watch::start(paths, debounce, tx) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(error = %e, "file watches unavailable; the timer still requeues every tenant");
                None
            }
        })
    }

    /// Starts the rounds the scheduler lets start now (none once stopped), never two of one
    /// tenant.
    fn start_rounds(
        &mut self,
        tasks: &mut Rounds,
        running: &mut BTreeMap<tokio::task::Id, String>,
    ) {
        while !self.opts.stop.is_cancelled()
            && let Some((name, source)) = self.sched.start_next(Instant::now())
        {
            let Some(t) = self.config.tenant(&name).cloned() else {
                self.sched.not_started(&name);
                self.sched.remove(&name);
                continue;
            };
            if running.values().any(|n| *n == name) {
                // Never two rounds of one tenant: this one follows the round still running.
                tracing::error!(tenant = %name, "a round of this tenant is still running; following it");
                self.sched.trigger(&name, &source);
                continue;
            }
            self.set_state(&name, State::Running);
            let c = RoundCtx {
                root: self.root.clone(),
                config: self.config.clone(),
                config_path: self.config_path.clone(),
                stop: self.opts.stop.clone(),
                client: self.client_for(&t),
            };
            let handle = tasks.spawn(async move {
                let name = t.name.clone();
                (name, round::run(&c, &t, &source).await)
            });
            running.insert(handle.id(), name);
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Loop {
    fn add_tenant(&mut self, name: &str) -> Result<(), ReconcileError> {
        let mode = self.config.tenant(name).map(|t| t.mode).unwrap_or_default();
        let mut s =
            status::read(&self.repo, name)?.unwrap_or_else(|| TenantStatus::new(name, mode));
        s.mode = mode;
        s.rounds = 0;
        s.next_run = None;
        self.statuses.insert(name.to_string(), s);
        self.sched.add(name);
        Ok(())
    }

    /// The tenant's client, built again when its configuration changed; `None` when it cannot be
    /// built (the round reports why).
    fn client_for(&mut self, t: &TenantConfig) -> Option<crate::graph::GraphClient> {
        let key = serde_json::to_string(t).unwrap_or_default();
        if let Some((k, c)) = self.clients.get(&t.name)
            && *k == key
        {
            return Some(c.clone());
        }
        let target = crate::backup::TenantTarget::from_config(t, &self.config_path, None).ok()?;
        self.clients
            .insert(t.name.clone(), (key, target.client.clone()));
        Some(target.client)
    }

    fn queue(&mut self, tenant: &str, source: &str) {
        if let Some(q) = self.sched.trigger(tenant, source) {
            tracing::debug!(tenant, source, queued = ?q, "round requested");
            if q == scheduler::Queued::New {
                self.set_state(tenant, State::Queued);
            }
        }
    }

    fn set_state(&mut self, tenant: &str, state: State) {
        let next = self.sched.due(tenant).map(wall);
        if let Some(s) = self.statuses.get_mut(tenant) {
            s.state = state;
            s.updated = crate::clock::now();
            s.next_run = next;
            if let Err(e) = status::write(&self.repo, s) {
                tracing::warn!(tenant, error = %e, "could not write the status file");
            }
        }
    }

    /// Works the runs people started in `serve` for `tenants` (docs/ARCHITECTURE.md, "Runs from
    /// the browser") until the loop stops: whichever process takes a tenant's queue lock first
    /// works its next run.
    fn work_queues(&self, tenants: Vec<String>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(jobs::work_queues(
            round::RoundCtx {
                root: self.root.clone(),
                config: self.config.clone(),
                config_path: self.config_path.clone(),
                stop: self.opts.stop.clone(),
                client: None,
            },
            Arc::new(jobs::Running::default()),
            tenants,
            Arc::new(tokio::sync::Notify::new()),
        ))
    }

    /// Starts housekeeping on a blocking thread unless the last one still runs, and schedules the
    /// next.
    fn housekeep(&mut self) {
        self.housekeeping_due = self
            .config
            .housekeeping
            .every()
            .map(|every| Instant::now() + every);
        if self.housekeeping.as_ref().is_some_and(|h| !h.is_finished()) {
            tracing::warn!(
                "housekeeping is still running since its last turn; this one is skipped"
            );
            return;
        }
        let (root, config) = (self.root.clone(), self.config.clone());
        self.housekeeping = Some(tokio::task::spawn_blocking(move || {
            housekeeping::in_loop(root, config)
        }));
    }

    fn take_trigger_files(&mut self) {
        // Only this loop's tenants: loops split by `--tenant` share the folder.
        let statuses = &self.statuses;
        match trigger::take_for(&self.repo, |t| statuses.contains_key(t)) {
            Ok(requests) => {
                for r in requests {
                    self.queue(&r.tenant, &r.source);
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the trigger folder"),
        }
    }

    /// The commit each report/enforce tenant compares with.
    fn desired_commits(&self) -> BTreeMap<String, Option<String>> {
        self.statuses
            .keys()
            .filter_map(|n| self.config.tenant(n))
            .filter(|t| t.mode != Mode::Backup)
            .map(|t| {
                let rev = t.desired.as_deref().unwrap_or("HEAD");
                (
                    t.name.clone(),
                    self.repo.commit_info(rev).ok().map(|c| c.id),
                )
            })
            .collect()
    }

    fn changed(&mut self, change: watch::Change) {
        match change {
            watch::Change::Triggers => self.take_trigger_files(),
            watch::Change::Refs => {
                let now = self.desired_commits();
                for (t, c) in &now {
                    if self.desired_seen.get(t) != Some(c) {
                        tracing::info!(tenant = %t, "desired ref moved");
                        self.queue(t, "watch");
                    }
                }
                self.desired_seen = now;
            }
            watch::Change::Config => self.reload(),
        }
    }

    /// Reloads `atlas.yaml`; a file that does not load keeps the configuration running.
    fn reload(&mut self) {
        let bytes = std::fs::read(&self.config_path).ok();
        if bytes.is_some() && bytes == self.config_bytes {
            return;
        }
        self.config_bytes = bytes;
        let config = match Config::load(&self.config_path) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "atlas.yaml changed but does not load; keeping the configuration loaded before");
                return;
            }
        };
        let names = match selected(&config, &self.opts.tenants) {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "atlas.yaml changed but cannot run; keeping the configuration loaded before");
                return;
            }
        };
        match crate::notify::Notifier::new(
            &config.notifications,
            crate::notify::base_url(&config).as_deref(),
        ) {
            Ok(n) => {
                // Messages already queued for the old targets are still delivered.
                let old = std::mem::replace(&mut self.notifier, n);
                tokio::spawn(async move { old.flush(Duration::from_secs(60)).await });
            }
            Err(e) => {
                tracing::error!(error = %e, "atlas.yaml changed but its notifications cannot run; keeping the configuration loaded before");
                return;
            }
        }
        tracing::info!("atlas.yaml reloaded");
        crate::store::runlog::keep_private(config.housekeeping.keep_runs);
        if config.housekeeping.schedule != self.config.housekeeping.schedule {
            self.housekeeping_due = config
                .housekeeping
                .every()
                .map(|every| Instant::now() + every);
        }
        self.config = Arc::new(config);
        self.sched
            .set_concurrency(self.config.reconcile.concurrency);
        let gone: Vec<String> = self
            .statuses
            .keys()
            .filter(|n| !names.contains(n))
            .cloned()
            .collect();
        for n in gone {
            self.sched.remove(&n);
            self.statuses.remove(&n);
            self.clients.remove(&n);
        }
        for n in &names {
            if !self.statuses.contains_key(n)
                && let Err(e) = self.add_tenant(n)
            {
                tracing::warn!(tenant = %n, error = %e, "could not read the status file");
            }
            self.queue(n, "config");
        }
        self.desired_seen = self.desired_commits();
    }

    fn joined(
        &mut self,
        done: Result<(tokio::task::Id, (String, RoundOutcome)), tokio::task::JoinError>,
        running: &mut BTreeMap<tokio::task::Id, String>,
    ) {
        match done {
            Ok((id, (tenant, o))) => {
                running.remove(&id);
                self.finished(&tenant, o);
            }
            Err(e) => {
                // A round that panicked: the tenant is free again and backs off like a failure.
                let tenant = running.remove(&e.id()).unwrap_or_default();
                tracing::error!(tenant = %tenant, error = %e, "a round ended abnormally");
                let (base, max) = schedule::backoff_settings(&self.config);
                self.sched
                    .finished(&tenant, true, Instant::now(), base, |n| {
                        schedule::backoff(base, max, n, schedule::unit())
                    });
                self.set_state(&tenant, State::BackingOff);
            }
        }
    }

    fn finished(&mut self, tenant: &str, o: RoundOutcome) {
        let round = o.round.clone();
        let failed = round.result.is_failure();
        let (next, (base, max)) = match self.config.tenant(tenant) {
            Some(t) => (
                schedule::jittered(
                    schedule::interval(&self.config, t),
                    schedule::jitter(t),
                    schedule::unit(),
                ),
                schedule::backoff_settings(&self.config),
            ),
            None => (
                Duration::from_secs(3600),
                schedule::backoff_settings(&self.config),
            ),
        };
        let (failures, until) = self
            .sched
            .finished(tenant, failed, Instant::now(), next, |n| {
                schedule::backoff(base, max, n, schedule::unit())
            });
        let mode = self
            .config
            .tenant(tenant)
            .map(|t| t.mode)
            .unwrap_or_default();
        let log = runlog::ReconcileRunLog::new(
            &round,
            tenant,
            &o.tenant_id,
            mode,
            &o.reasons,
            o.drift.as_ref(),
            o.graph.clone(),
        );
        if let Err(e) = log.write(&self.repo) {
            tracing::warn!(tenant, error = %e, "could not write the reconcile run log");
        }
        let state = if until.is_some() {
            State::BackingOff
        } else if self.sched.is_queued(tenant) {
            State::Queued
        } else {
            State::Idle
        };
        if let Some(s) = self.statuses.get_mut(tenant) {
            s.mode = mode;
            s.rounds += 1;
            s.consecutive_failures = failures;
            s.backoff_until = until.map(wall);
            if failed {
                s.last_failure = Some(round.clone());
            }
            if o.backed_up {
                s.last_backup = Some(round.finished);
            }
            if let Some(d) = &o.drift {
                let corrected =
                    mode == Mode::Enforce && round.result == RoundResult::Success && o.verified;
                s.drift = Some(d.clone().settled(corrected));
            }
            s.last_round = Some(round.clone());
        }
        self.set_state(tenant, state);
        self.summary.rounds += 1;
        self.summary.last.insert(tenant.to_string(), round.result);
        *self
            .summary
            .results
            .entry(format!("{:?}", round.result))
            .or_default() += 1;
        tracing::info!(
            tenant,
            mode = ?mode,
            result = ?round.result,
            trigger = %round.trigger,
            run = %round.run_id,
            detail = round.message.as_deref().unwrap_or(""),
            "round finished"
        );
        // Drift for a notification: what report/enforce found, or what a backup committed.
        let found = o.drift.clone().or(o.committed.clone());
        let drifted = found.as_ref().is_some_and(|d| !d.objects.is_empty());
        for kind in events_of(round.result, drifted) {
            self.notifier.send(&crate::notify::Event {
                kind,
                tenant: tenant.to_string(),
                mode,
                round: round.clone(),
                drift: found.clone(),
                health: vec![],
            });
        }
        self.notify_health(tenant, mode, &round);
        (self.on_round)(tenant, mode, &round);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NotificationEvent as E;

    #[test]
    fn rounds_notify_drift_and_how_they_ended() {
        assert_eq!(events_of(RoundResult::Success, false), vec![E::Finished]);
        assert_eq!(
            events_of(RoundResult::Success, true),
            vec![E::Drift, E::Finished]
        );
        assert_eq!(events_of(RoundResult::Partial, false), vec![E::Failed]);
        assert_eq!(
            events_of(RoundResult::Drift, true),
            vec![E::Drift, E::Finished]
        );
        assert_eq!(
            events_of(RoundResult::Refused, true),
            vec![E::Drift, E::Failed]
        );
        assert_eq!(
            events_of(RoundResult::Success, true),
            vec![E::Drift, E::Finished]
        );
        assert_eq!(events_of(RoundResult::NoChange, false), vec![E::Finished]);
    }

    #[test]
    fn enforce_without_desired_is_a_configuration_error() {
        let head = "tenants:\n- name: a\n  tenantId: 11111111-1111-1111-1111-111111111111\n  clientId: 22222222-2222-2222-2222-222222222222\n  clientSecretEnv: S\n";
        let c = Config::parse(&format!("{head}  mode: enforce\n"), "atlas.yaml").unwrap();
        let e = selected(&c, &[]).unwrap_err().to_string();
        assert!(e.contains("tenant a") && e.contains("desired"), "{e}");
        let c = Config::parse(
            &format!("{head}  mode: enforce\n  desired: main\n"),
            "atlas.yaml",
        )
        .unwrap();
        assert_eq!(selected(&c, &[]).unwrap(), vec!["a".to_string()]);
        assert!(
            selected(&c, &["b".into()])
                .unwrap_err()
                .to_string()
                .contains("no tenant `b`")
        );
    }
}
