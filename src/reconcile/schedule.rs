//! Due times of the loop: a tenant's interval with its jitter, and the back-off after failed rounds.
//! Pure functions of their inputs (the random part is passed in), so the arithmetic is tested
//! without clocks; the loop measures time with tokio's monotonic clock, never the wall clock.

use crate::config::{Config, TenantConfig, unattended::duration};
use std::time::Duration;

/// The tenant's interval: its own `schedule.backup`, else `reconcile.interval`.
pub fn interval(config: &Config, tenant: &TenantConfig) -> Duration {
    match &tenant.schedule {
        Some(s) => s.interval(),
        None => duration(&config.reconcile.interval).unwrap_or(Duration::from_secs(3600)),
    }
}

/// The tenant's jitter (`schedule.jitter`, none by default).
pub fn jitter(tenant: &TenantConfig) -> Duration {
    tenant
        .schedule
        .as_ref()
        .map(|s| s.jitter())
        .unwrap_or_default()
}

/// `base` plus `unit` (0.0..1.0) of `jitter`.
pub fn jittered(base: Duration, jitter: Duration, unit: f64) -> Duration {
    base + jitter.mul_f64(unit.clamp(0.0, 1.0))
}

/// Delay before a tenant's first round, `unit` (0.0..1.0) of its jitter, so tenants with jitter
/// do not all start together.
pub fn start_delay(jitter: Duration, unit: f64) -> Duration {
    jitter.mul_f64(unit.clamp(0.0, 1.0))
}

/// Delay before the next round after `failures` consecutive failed rounds (at least 1):
/// `backoff * 2^(failures-1)`, capped at `max`, then jittered down by up to a fifth (`unit` in
/// 0.0..1.0), so tenants that failed together do not retry together and the cap is never exceeded.
pub fn backoff(base: Duration, max: Duration, failures: u32, unit: f64) -> Duration {
    let exp = failures.saturating_sub(1).min(32);
    let nominal = base
        .checked_mul(1u32 << exp.min(31))
        .unwrap_or(max)
        .min(max);
    nominal.mul_f64(1.0 - 0.2 * unit.clamp(0.0, 1.0))
}

/// The loop's back-off settings: (`reconcile.backoff`, `reconcile.backoffMax`).
pub fn backoff_settings(config: &Config) -> (Duration, Duration) {
    let base = duration(&config.reconcile.backoff).unwrap_or(Duration::from_secs(60));
    let max = duration(&config.reconcile.backoff_max).unwrap_or(Duration::from_secs(3600));
    (base, max.max(base))
}

/// A random unit in 0.0..1.0.
pub fn unit() -> f64 {
    rand::random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::parse(text, "atlas.yaml").unwrap()
    }

    const TENANT: &str = "tenants:\n- name: a\n  tenantId: 11111111-1111-1111-1111-111111111111\n  clientId: 22222222-2222-2222-2222-222222222222\n  clientSecretEnv: S\n";

    #[test]
    fn interval_is_the_tenants_else_the_loops() {
        let c = config(&format!("{TENANT}reconcile: {{interval: 10m}}\n"));
        assert_eq!(interval(&c, &c.tenants[0]), Duration::from_secs(600));
        assert_eq!(jitter(&c.tenants[0]), Duration::ZERO);
        let c = config(&format!(
            "{TENANT}  schedule: {{backup: 30s, jitter: 5s}}\nreconcile: {{interval: 10m}}\n"
        ));
        assert_eq!(interval(&c, &c.tenants[0]), Duration::from_secs(30));
        assert_eq!(jitter(&c.tenants[0]), Duration::from_secs(5));
    }

    #[test]
    fn jitter_adds_up_to_its_amount() {
        let (b, j) = (Duration::from_secs(60), Duration::from_secs(10));
        assert_eq!(jittered(b, j, 0.0), b);
        assert_eq!(jittered(b, j, 0.5), Duration::from_secs(65));
        assert!(jittered(b, j, 0.999) < Duration::from_secs(70));
        assert_eq!(jittered(b, j, 7.0), Duration::from_secs(70), "clamped");
    }

    #[test]
    fn the_start_delay_is_within_the_jitter() {
        let j = Duration::from_secs(10);
        assert_eq!(start_delay(Duration::ZERO, 0.7), Duration::ZERO);
        assert_eq!(start_delay(j, 0.0), Duration::ZERO);
        assert_eq!(start_delay(j, 0.25), Duration::from_millis(2500));
        assert!(start_delay(j, 0.999) < j);
        assert_eq!(start_delay(j, -3.0), Duration::ZERO, "clamped");
        for _ in 0..100 {
            assert!(start_delay(j, unit()) <= j);
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let (b, max) = (Duration::from_secs(60), Duration::from_secs(600));
        let at = |n| backoff(b, max, n, 0.0);
        assert_eq!(at(0), Duration::from_secs(60));
        assert_eq!(at(1), Duration::from_secs(60));
        assert_eq!(at(2), Duration::from_secs(120));
        assert_eq!(at(3), Duration::from_secs(240));
        assert_eq!(at(4), Duration::from_secs(480));
        assert_eq!(at(5), max);
        assert_eq!(at(u32::MAX), max, "no overflow");
        // Jitter only shortens, by at most a fifth.
        assert_eq!(backoff(b, max, 5, 1.0), Duration::from_secs(480));
        assert_eq!(backoff(b, max, 2, 0.5), Duration::from_secs(108));
    }

    #[test]
    fn backoff_settings_never_cap_below_the_base() {
        let c = config(&format!(
            "{TENANT}reconcile: {{backoff: 2m, backoffMax: 1m}}\n"
        ));
        assert_eq!(
            backoff_settings(&c),
            (Duration::from_secs(120), Duration::from_secs(120))
        );
    }
}
