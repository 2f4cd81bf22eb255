//! The queue of rounds: at most one round per tenant queued or running, a trigger while queued joins
//! it, a trigger while running marks one follow-up (several are still one), a bounded number of
//! rounds at a time, a timer per tenant that requeues it every interval, and back-off after failed
//! rounds. A plain state machine over monotonic instants passed in by the loop, so its rules are
//! tested without a clock.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// What a trigger did to a tenant's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// A new round was queued.
    New,
    /// A round was already queued: the trigger joined it.
    Joined,
    /// A round is running: one follow-up round will run after it.
    FollowUp,
    /// A follow-up was already marked: the trigger joined it.
    FollowUpJoined,
}

#[derive(Debug, Default)]
struct Slot {
    /// The trigger of the queued round.
    queued: Option<String>,
    running: bool,
    /// The tenant left the configuration while its round ran: the slot stays (and counts against
    /// the concurrency) until that round is joined, then goes.
    removed: bool,
    follow_up: Option<String>,
    /// When the timer next queues a round.
    due: Option<Instant>,
    /// No round starts before this (a back-off after a failure, or a start delay).
    not_before: Option<Instant>,
    failures: u32,
}

/// The queue of every tenant.
#[derive(Debug)]
pub struct Scheduler {
    slots: BTreeMap<String, Slot>,
    order: VecDeque<String>,
    concurrency: usize,
}

impl Scheduler {
    pub fn new(concurrency: usize) -> Scheduler {
        Scheduler {
            slots: BTreeMap::new(),
            order: VecDeque::new(),
            concurrency: concurrency.max(1),
        }
    }

    pub fn set_concurrency(&mut self, n: usize) {
        self.concurrency = n.max(1);
    }

    /// Adds a tenant (no round queued, no timer). A tenant removed while its round still runs is
    /// back: its round keeps its slot, so a new one starts only after it.
    pub fn add(&mut self, tenant: &str) {
        self.slots.entry(tenant.to_string()).or_default().removed = false;
    }

    /// Removes a tenant no longer configured; a running round finishes, nothing follows it. Its
    /// slot is kept (marked removed) until [`Scheduler::finished`].
    pub fn remove(&mut self, tenant: &str) {
        self.order.retain(|t| t != tenant);
        match self.slots.get_mut(tenant) {
            Some(slot) if slot.running => {
                *slot = Slot {
                    running: true,
                    removed: true,
                    ..Slot::default()
                };
            }
            _ => {
                self.slots.remove(tenant);
            }
        }
    }

    /// A round [`Scheduler::start_next`] handed out that will not run: its slot is free again.
    pub fn not_started(&mut self, tenant: &str) {
        if let Some(slot) = self.slots.get_mut(tenant) {
            slot.running = false;
            if slot.removed {
                self.slots.remove(tenant);
            }
        }
    }

    pub fn tenants(&self) -> impl Iterator<Item = &String> {
        self.slots
            .iter()
            .filter(|(_, s)| !s.removed)
            .map(|(t, _)| t)
    }

    /// Asks for a round of `tenant`, started by `source`.
    pub fn trigger(&mut self, tenant: &str, source: &str) -> Option<Queued> {
        let slot = self.slots.get_mut(tenant).filter(|s| !s.removed)?;
        Some(if slot.running {
            if slot.follow_up.is_some() {
                Queued::FollowUpJoined
            } else {
                slot.follow_up = Some(source.to_string());
                Queued::FollowUp
            }
        } else if slot.queued.is_some() {
            Queued::Joined
        } else {
            slot.queued = Some(source.to_string());
            self.order.push_back(tenant.to_string());
            Queued::New
        })
    }

    pub fn running(&self) -> usize {
        self.slots.values().filter(|s| s.running).count()
    }

    pub fn is_running(&self, tenant: &str) -> bool {
        self.slots.get(tenant).is_some_and(|s| s.running)
    }

    pub fn is_queued(&self, tenant: &str) -> bool {
        self.slots.get(tenant).is_some_and(|s| s.queued.is_some())
    }

    /// Nothing queued or running.
    pub fn idle(&self) -> bool {
        self.slots
            .values()
            .all(|s| !s.running && s.queued.is_none() && s.follow_up.is_none())
    }

    /// The next queued round that may start now (a free slot, its back-off passed), marked running;
    /// returns the tenant and the trigger.
    pub fn start_next(&mut self, now: Instant) -> Option<(String, String)> {
        if self.running() >= self.concurrency {
            return None;
        }
        let pos = self.order.iter().position(|t| {
            self.slots
                .get(t)
                .is_some_and(|s| !s.running && s.not_before.is_none_or(|b| b <= now))
        })?;
        let tenant = self.order.remove(pos)?;
        let slot = self.slots.get_mut(&tenant)?;
        let trigger = slot.queued.take().unwrap_or_default();
        slot.running = true;
        slot.not_before = None;
        // Whatever started this round, it is the timer's round too: `finished` sets the next one.
        slot.due = None;
        Some((tenant, trigger))
    }

    /// A round finished. `failed` rounds back off by `backoff(consecutive failures)`; the timer is
    /// set `next` after now. A follow-up marked while it ran is queued. Returns the consecutive
    /// failures and the back-off end, if any.
    pub fn finished(
        &mut self,
        tenant: &str,
        failed: bool,
        now: Instant,
        next: Duration,
        backoff: impl Fn(u32) -> Duration,
    ) -> (u32, Option<Instant>) {
        let Some(slot) = self.slots.get_mut(tenant) else {
            return (0, None);
        };
        slot.running = false;
        if slot.removed {
            self.slots.remove(tenant);
            return (0, None);
        }
        if failed {
            slot.failures += 1;
            let until = now + backoff(slot.failures);
            slot.not_before = Some(until);
            // The retry is the next round; the interval timer resumes after it.
            slot.due = Some(until);
        } else {
            slot.failures = 0;
            slot.not_before = None;
            slot.due = Some(now + next);
        }
        if let Some(src) = slot.follow_up.take() {
            slot.queued = Some(src);
            self.order.push_back(tenant.to_string());
        }
        (slot.failures, slot.not_before)
    }

    /// No round of `tenant` starts before `at` (a start delay; a failure's back-off replaces it).
    pub fn hold_until(&mut self, tenant: &str, at: Instant) {
        if let Some(s) = self.slots.get_mut(tenant) {
            s.not_before = Some(at);
        }
    }

    /// Sets when the timer next queues `tenant`.
    pub fn set_due(&mut self, tenant: &str, at: Instant) {
        if let Some(s) = self.slots.get_mut(tenant) {
            s.due = Some(at);
        }
    }

    pub fn due(&self, tenant: &str) -> Option<Instant> {
        self.slots.get(tenant).and_then(|s| s.due)
    }

    /// Queues every tenant whose timer expired (`retry` after a failure, else `timer`); their timers
    /// are cleared until their rounds finish. Returns the tenants queued.
    pub fn fire_timers(&mut self, now: Instant) -> Vec<String> {
        let expired: Vec<(String, bool)> = self
            .slots
            .iter()
            .filter(|(_, s)| s.due.is_some_and(|d| d <= now))
            .map(|(t, s)| (t.clone(), s.failures > 0))
            .collect();
        let mut fired = vec![];
        for (t, retry) in expired {
            if let Some(s) = self.slots.get_mut(&t) {
                s.due = None;
            }
            let source = if retry { "retry" } else { "timer" };
            if self.trigger(&t, source).is_some() {
                fired.push(t);
            }
        }
        fired
    }

    /// The earliest instant something is due: a timer, or a back-off ending for a queued round.
    pub fn next_wakeup(&self) -> Option<Instant> {
        self.slots
            .values()
            .flat_map(|s| {
                let waiting = s.queued.as_ref().and(s.not_before);
                [s.due, waiting]
            })
            .flatten()
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    fn two(concurrency: usize) -> Scheduler {
        let mut s = Scheduler::new(concurrency);
        s.add("a");
        s.add("b");
        s
    }

    #[test]
    fn triggers_while_queued_join_and_while_running_make_one_follow_up() {
        let now = Instant::now();
        let mut s = two(4);
        assert_eq!(s.trigger("a", "start"), Some(Queued::New));
        assert_eq!(s.trigger("a", "watch"), Some(Queued::Joined));
        assert_eq!(s.trigger("x", "watch"), None, "unknown tenant");
        assert_eq!(s.start_next(now), Some(("a".into(), "start".into())));
        assert_eq!(s.start_next(now), None, "a is running, b not queued");
        assert_eq!(s.trigger("a", "webhook:1"), Some(Queued::FollowUp));
        for _ in 0..9 {
            assert_eq!(s.trigger("a", "webhook:n"), Some(Queued::FollowUpJoined));
        }
        assert_eq!(s.start_next(now), None, "never two rounds of one tenant");
        s.finished("a", false, now, 60 * SEC, |_| SEC);
        assert_eq!(s.start_next(now), Some(("a".into(), "webhook:1".into())));
        s.finished("a", false, now, 60 * SEC, |_| SEC);
        assert_eq!(s.start_next(now), None, "exactly one follow-up");
        assert!(s.idle());
    }

    #[test]
    fn concurrency_bounds_rounds_and_order_is_kept() {
        let now = Instant::now();
        let mut s = two(1);
        s.add("c");
        for t in ["b", "c", "a"] {
            s.trigger(t, "start");
        }
        assert_eq!(s.start_next(now).unwrap().0, "b");
        assert_eq!(s.start_next(now), None, "one at a time");
        s.finished("b", false, now, SEC, |_| SEC);
        assert_eq!(s.start_next(now).unwrap().0, "c");
        s.set_concurrency(2);
        assert_eq!(s.start_next(now).unwrap().0, "a");
        assert_eq!(s.running(), 2);
    }

    #[test]
    fn timers_requeue_and_failures_back_off() {
        let t0 = Instant::now();
        let mut s = two(4);
        s.trigger("a", "start");
        s.start_next(t0).unwrap();
        let backoff = |n: u32| SEC * 10 * 2u32.pow(n - 1);
        // Success: the next round is due one interval later.
        s.finished("a", false, t0, 60 * SEC, backoff);
        assert_eq!(s.next_wakeup(), Some(t0 + 60 * SEC));
        assert!(s.fire_timers(t0 + 59 * SEC).is_empty());
        assert_eq!(s.fire_timers(t0 + 60 * SEC), vec!["a".to_string()]);
        assert_eq!(s.next_wakeup(), None, "the timer waits for the round");
        let t1 = t0 + 60 * SEC;
        assert_eq!(s.start_next(t1), Some(("a".into(), "timer".into())));
        // Two failures: 10 s then 20 s; a trigger during back-off waits for it.
        assert_eq!(
            s.finished("a", true, t1, 60 * SEC, backoff),
            (1, Some(t1 + 10 * SEC))
        );
        s.trigger("a", "webhook:x");
        assert_eq!(s.start_next(t1 + 5 * SEC), None, "backing off");
        assert_eq!(s.next_wakeup(), Some(t1 + 10 * SEC));
        let t2 = t1 + 10 * SEC;
        assert_eq!(s.start_next(t2), Some(("a".into(), "webhook:x".into())));
        assert_eq!(
            s.finished("a", true, t2, 60 * SEC, backoff),
            (2, Some(t2 + 20 * SEC))
        );
        assert_eq!(s.fire_timers(t2 + 20 * SEC), vec!["a".to_string()]);
        let t3 = t2 + 20 * SEC;
        assert_eq!(s.start_next(t3), Some(("a".into(), "retry".into())));
        // Success resets the count.
        assert_eq!(s.finished("a", false, t3, 60 * SEC, backoff), (0, None));
    }

    #[test]
    fn a_timer_expiring_during_a_triggered_round_adds_no_round() {
        let t0 = Instant::now();
        let mut s = two(4);
        s.set_due("a", t0 + 60 * SEC);
        s.trigger("a", "webhook:x");
        assert_eq!(s.start_next(t0), Some(("a".into(), "webhook:x".into())));
        assert_eq!(s.due("a"), None, "the running round is the timer's round");
        assert!(s.fire_timers(t0 + 61 * SEC).is_empty());
        s.finished("a", false, t0 + 62 * SEC, 60 * SEC, |_| SEC);
        assert_eq!(s.start_next(t0 + 62 * SEC), None, "no follow-up");
        assert_eq!(s.due("a"), Some(t0 + 122 * SEC));
    }

    #[test]
    fn a_start_delay_holds_the_first_round() {
        let t0 = Instant::now();
        let mut s = two(4);
        s.trigger("a", "start");
        s.trigger("b", "start");
        s.hold_until("a", t0 + 3 * SEC);
        assert_eq!(s.start_next(t0).unwrap().0, "b");
        assert_eq!(s.start_next(t0 + 2 * SEC), None, "a waits");
        assert_eq!(s.next_wakeup(), Some(t0 + 3 * SEC));
        assert_eq!(
            s.start_next(t0 + 3 * SEC),
            Some(("a".into(), "start".into()))
        );
    }

    #[test]
    fn a_removed_tenant_is_never_started() {
        let now = Instant::now();
        let mut s = two(4);
        s.trigger("a", "start");
        s.remove("a");
        assert_eq!(s.start_next(now), None);
        assert_eq!(s.tenants().collect::<Vec<_>>(), vec!["b"]);
    }

    #[test]
    fn a_tenant_removed_and_added_back_while_running_never_runs_twice() {
        let now = Instant::now();
        let mut s = two(2);
        s.trigger("a", "start");
        assert_eq!(s.start_next(now).unwrap().0, "a");
        // Reload without a, then with a again, while a's round still runs.
        s.remove("a");
        assert_eq!(s.tenants().collect::<Vec<_>>(), vec!["b"]);
        assert_eq!(s.trigger("a", "config"), None, "removed");
        assert_eq!(s.running(), 1, "the removed round still holds its slot");
        s.add("a");
        assert_eq!(s.trigger("a", "config"), Some(Queued::FollowUp));
        assert_eq!(s.start_next(now), None, "a is still running");
        s.trigger("b", "start");
        assert_eq!(s.start_next(now).unwrap().0, "b");
        assert_eq!(s.start_next(now), None, "concurrency 2: a and b");
        // The old round is joined: a's follow-up is queued, then starts once.
        s.finished("a", false, now, 60 * SEC, |_| SEC);
        assert!(s.is_running("b"));
        assert_eq!(s.start_next(now), Some(("a".into(), "config".into())));
        assert_eq!(s.running(), 2);
        assert_eq!(s.start_next(now), None);
    }

    #[test]
    fn a_removed_running_tenant_goes_when_its_round_is_joined() {
        let now = Instant::now();
        let mut s = two(1);
        s.trigger("a", "start");
        s.trigger("b", "start");
        assert_eq!(s.start_next(now).unwrap().0, "a");
        s.remove("a");
        assert_eq!(s.start_next(now), None, "a's round still counts");
        assert_eq!(s.finished("a", true, now, SEC, |_| SEC), (0, None));
        assert!(!s.is_running("a"));
        assert_eq!(s.start_next(now).unwrap().0, "b");
        s.finished("b", false, now, SEC, |_| SEC);
        assert!(s.fire_timers(now + SEC).iter().all(|t| t != "a"));
        // A handed-out round that is not run frees its slot.
        s.not_started("b");
        assert_eq!(s.running(), 0);
    }
}
