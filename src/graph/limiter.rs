//! Per-client sliding-window rate limiter, with a global hold after a throttled response.
//!
//! Intune counts requests per app per tenant in sliding 20 s windows (docs/graph-notes.md,
//! "Throttling"); staying at 80% of the request limit and 90% of the write limit keeps a run clear
//! of 429s (writes are few and sent one at a time, so a smaller margin suffices, and a restore's
//! wall time is set by it). When Graph does answer 429 + `Retry-After`, every request of the client
//! waits until it has passed, not only the one that was throttled.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Requests and writes allowed in any `window` (per client, i.e. per app per tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub requests: u32,
    pub writes: u32,
    pub window: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            requests: 800,
            writes: 90,
            window: Duration::from_secs(20),
        }
    }
}

#[derive(Debug)]
struct Windows {
    requests: VecDeque<Instant>,
    writes: VecDeque<Instant>,
    hold_until: Option<Instant>,
}

/// The limiter itself; `acquire` waits until a request may be sent and records it.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: RateLimits,
    state: Mutex<Windows>,
}

impl Limiter {
    pub(crate) fn new(limits: RateLimits) -> Limiter {
        let limits = RateLimits {
            requests: limits.requests.max(1),
            writes: limits.writes.max(1),
            window: limits.window,
        };
        Limiter {
            limits,
            state: Mutex::new(Windows {
                requests: VecDeque::new(),
                writes: VecDeque::new(),
                hold_until: None,
            }),
        }
    }

    /// Wait for room for `cost` requests (a `$batch` of N costs N; more than the window allows is
    /// clamped to the window) of which `writes` are writes, then record them as sent now.
    pub(crate) async fn acquire(&self, cost: u32, writes: u32) {
        let cost = cost.clamp(1, self.limits.requests) as usize;
        let writes = writes.min(self.limits.writes) as usize;
        loop {
            let wait_until = {
                let mut state = self.state.lock().await;
                let now = Instant::now();
                match state.hold_until {
                    Some(until) if until > now => Some(until),
                    _ => {
                        let window = self.limits.window;
                        prune(&mut state.requests, now, window);
                        prune(&mut state.writes, now, window);
                        let free_at = |log: &VecDeque<Instant>, limit: u32, want: usize| {
                            let limit = limit as usize;
                            (log.len() + want > limit)
                                .then(|| log[log.len() + want - limit - 1] + window)
                        };
                        let blocked = [
                            free_at(&state.requests, self.limits.requests, cost),
                            free_at(&state.writes, self.limits.writes, writes),
                        ]
                        .into_iter()
                        .flatten()
                        .max();
                        if blocked.is_none() {
                            state.requests.extend(std::iter::repeat_n(now, cost));
                            state.writes.extend(std::iter::repeat_n(now, writes));
                            return;
                        }
                        blocked
                    }
                }
            };
            if let Some(until) = wait_until {
                tokio::time::sleep_until(until).await;
            }
        }
    }

    /// Hold every request of this client until `until` (only ever extends an existing hold).
    pub(crate) async fn hold(&self, until: Instant) {
        let mut state = self.state.lock().await;
        if state.hold_until.is_none_or(|current| current < until) {
            state.hold_until = Some(until);
        }
    }
}

fn prune(log: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while log.front().is_some_and(|&at| at + window <= now) {
        log.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// Most timestamps in any half-open interval of `window` (less 2 ms: the timestamps are
    /// taken just after `acquire` returns, a few microseconds after the limiter's own).
    fn max_in_window(times: &[Instant], window: Duration) -> usize {
        let window = window - Duration::from_millis(2);
        times
            .iter()
            .map(|&start| {
                times
                    .iter()
                    .filter(|&&t| t >= start && t < start + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn never_exceeds_its_window() {
        let window = Duration::from_millis(150);
        let limiter = Arc::new(Limiter::new(RateLimits {
            requests: 5,
            writes: 2,
            window,
        }));
        let times = Arc::new(std::sync::Mutex::new(Vec::new()));
        let writes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let (limiter, times, writes) = (limiter.clone(), times.clone(), writes.clone());
                tokio::spawn(async move {
                    let is_write = i % 3 == 0;
                    limiter.acquire(1, u32::from(is_write)).await;
                    let now = Instant::now();
                    times.lock().unwrap().push(now);
                    if is_write {
                        writes.lock().unwrap().push(now);
                    }
                })
            })
            .collect();
        let start = Instant::now();
        for task in tasks {
            task.await.unwrap();
        }
        let times = times.lock().unwrap().clone();
        let writes = writes.lock().unwrap().clone();
        assert_eq!(times.len(), 16);
        assert!(max_in_window(&times, window) <= 5);
        assert!(max_in_window(&writes, window) <= 2);
        // 16 requests at 5 per window need at least three full windows of waiting.
        assert!(start.elapsed() >= window * 3);
    }

    #[tokio::test]
    async fn batch_cost_counts_every_inner_request() {
        let window = Duration::from_millis(120);
        let limiter = Limiter::new(RateLimits {
            requests: 20,
            writes: 1,
            window,
        });
        let start = Instant::now();
        limiter.acquire(15, 0).await;
        limiter.acquire(15, 0).await;
        assert!(
            start.elapsed() >= window,
            "second batch waits for the first to age out"
        );
        // A cost above the window is clamped instead of waiting forever.
        limiter.acquire(50, 0).await;
    }

    #[tokio::test]
    async fn hold_blocks_everything_until_it_passes() {
        let limiter = Limiter::new(RateLimits::default());
        let start = Instant::now();
        limiter.hold(start + Duration::from_millis(120)).await;
        limiter.hold(start + Duration::from_millis(10)).await;
        limiter.acquire(1, 0).await;
        assert!(start.elapsed() >= Duration::from_millis(120));
    }
}
