//! When to retry a Graph request and how long to wait: one classifier, full-jitter backoff,
//! `Retry-After` parsing and the per-client sleep budget.
//!
//! Kept in one place so the rules (docs/graph-notes.md, "Throttling", "Retries") are tested
//! once: retry 429/503/504 and transport failures, never other statuses, and never replay a POST
//! that may have reached the server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Retry limits of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// First backoff ceiling.
    pub base: Duration,
    /// Largest backoff ceiling.
    pub cap: Duration,
    /// Total time this client may spend sleeping before retries.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
            budget: Duration::from_secs(600),
        }
    }
}

/// Retry limits of the token endpoint. Kept short and apart from [`RetryPolicy`]: without a token
/// nothing of the tenant can be read, so a login host that cannot be reached fails the tenant after
/// a few attempts instead of spending the budget meant for a throttled Graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    /// Attempts of one token request, the first included.
    pub attempts: u32,
    /// Most time the sign-in takes, attempts and waits together; the waits grow 1, 2, 4… eighths
    /// of it, each jittered down by up to a half, so four attempts wait between 3.5 and 7 eighths
    /// of it, and no retry starts that would end past it.
    pub budget: Duration,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            attempts: 4,
            budget: Duration::from_secs(15),
        }
    }
}

impl SignInPolicy {
    /// The default, with its budget from `ATLAS_SIGNIN_BUDGET` when that holds a duration.
    pub fn from_env() -> SignInPolicy {
        let mut policy = SignInPolicy::default();
        if let Some(budget) = crate::env::var(crate::env::SIGNIN_BUDGET)
            .and_then(|v| crate::config::unattended::duration(&v).ok())
        {
            policy.budget = budget;
        }
        policy
    }

    /// The wait before retry number `retry` (from 0).
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let ceiling = (self.budget / 8).saturating_mul(2u32.saturating_pow(retry.min(30)));
        let half = u64::try_from(ceiling.as_millis() / 2).unwrap_or(u64::MAX);
        Duration::from_millis(half + rand::random_range(0..=half))
    }
}

/// How one attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// An HTTP status other than success.
    Status(u16),
    /// The connection could not be established: the request provably never reached the server.
    Connect,
    /// The request timed out (it may have reached the server).
    Timeout,
    /// Sending or reading the body failed midway (it may have reached the server).
    Body,
    /// The request could not even be built: sending it again cannot help.
    Invalid,
}

impl Failure {
    pub(crate) fn from_reqwest(err: &reqwest::Error) -> Failure {
        if err.is_builder() {
            Failure::Invalid
        } else if err.is_connect() {
            Failure::Connect
        } else if err.is_timeout() {
            Failure::Timeout
        } else {
            Failure::Body
        }
    }
}

/// The retry classifier. `replayable` is false for a POST that creates or acts on something: it is
/// retried only when it provably never reached the server.
pub(crate) fn retryable(failure: Failure, replayable: bool) -> bool {
    match failure {
        Failure::Connect => true,
        Failure::Status(429 | 503 | 504) | Failure::Timeout | Failure::Body => replayable,
        Failure::Status(_) | Failure::Invalid => false,
    }
}

/// Whether a request with this method may be replayed after it possibly reached the server.
pub(crate) fn method_replayable(method: &reqwest::Method) -> bool {
    method != reqwest::Method::POST
}

/// A `Retry-After` value: delay-seconds or an HTTP-date (a date in the past means "now").
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>()
        && seconds.is_finite()
        && seconds >= 0.0
    {
        return Some(Duration::from_secs_f64(seconds.min(86_400.0)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The `Retry-After` header of a response, if present and readable.
pub(crate) fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// Full-jitter exponential backoff: uniform in `0..=min(cap, base·2^retry)` (`retry` from 0).
pub(crate) fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let ceiling = policy
        .base
        .saturating_mul(2u32.saturating_pow(retry.min(30)))
        .min(policy.cap);
    let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::random_range(0..=ceiling_ms))
}

/// The sleep budget shared by every request of one client.
#[derive(Debug)]
pub(crate) struct Budget {
    limit_ms: u64,
    spent_ms: AtomicU64,
}

impl Budget {
    pub(crate) fn new(limit: Duration) -> Budget {
        Budget {
            limit_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
            spent_ms: AtomicU64::new(0),
        }
    }

    /// Reserve `delay` from the budget; false (and nothing reserved) when it does not fit.
    pub(crate) fn take(&self, delay: Duration) -> bool {
        let want = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.spent_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |spent| {
                let next = spent.checked_add(want)?;
                (next <= self.limit_ms).then_some(next)
            })
            .is_ok()
    }

    pub(crate) fn spent_ms(&self) -> u64 {
        self.spent_ms.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifier_retries_only_transient_failures() {
        for status in [429, 503, 504] {
            assert!(retryable(Failure::Status(status), true), "{status}");
            assert!(!retryable(Failure::Status(status), false), "POST {status}");
        }
        for status in [400, 401, 403, 404, 409, 500, 502] {
            assert!(!retryable(Failure::Status(status), true), "{status}");
        }
        assert!(retryable(Failure::Connect, true));
        assert!(
            retryable(Failure::Connect, false),
            "unsent POST may be retried"
        );
        assert!(retryable(Failure::Timeout, true));
        assert!(
            !retryable(Failure::Timeout, false),
            "a timed-out POST may have landed"
        );
        assert!(retryable(Failure::Body, true));
        assert!(!retryable(Failure::Body, false));
        assert!(!retryable(Failure::Invalid, true));
        assert!(!method_replayable(&reqwest::Method::POST));
        for method in [
            reqwest::Method::GET,
            reqwest::Method::PATCH,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
        ] {
            assert!(method_replayable(&method));
        }
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
            budget: Duration::from_secs(1),
        };
        for _ in 0..200 {
            assert!(backoff(&policy, 0) <= Duration::from_millis(100));
            assert!(backoff(&policy, 2) <= Duration::from_millis(400));
            assert!(backoff(&policy, 40) <= Duration::from_millis(1000));
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| backoff(&policy, 5)).collect();
        assert!(spread.len() > 1, "jittered");
    }

    #[test]
    fn sign_in_waits_stay_within_their_budget() {
        let policy = SignInPolicy {
            attempts: 4,
            budget: Duration::from_millis(800),
        };
        for _ in 0..200 {
            let waits: Vec<Duration> = (0..policy.attempts - 1).map(|r| policy.delay(r)).collect();
            let total: Duration = waits.iter().sum();
            assert!(total >= Duration::from_millis(350), "{waits:?}");
            assert!(total <= policy.budget, "{waits:?}");
            assert!(
                waits[0] >= Duration::from_millis(50) && waits[0] <= Duration::from_millis(100)
            );
        }
    }

    #[test]
    fn budget_refuses_what_does_not_fit() {
        let budget = Budget::new(Duration::from_millis(100));
        assert!(budget.take(Duration::from_millis(60)));
        assert!(!budget.take(Duration::from_millis(60)));
        assert!(budget.take(Duration::from_millis(40)));
        assert!(!budget.take(Duration::from_millis(1)));
        assert_eq!(budget.spent_ms(), 100);
    }
}
