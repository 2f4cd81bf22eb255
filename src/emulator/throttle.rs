//! Intune throttling (docs/graph-notes.md, "Throttling") as sliding windows per tenant and per
//! (tenant, app), with the counters tests use to prove a client kept under the limits.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Published limits per 20 s: tenant any / writes, app any / writes.
const TENANT_ANY: f64 = 2000.0;
const TENANT_WRITES: f64 = 200.0;
const APP_ANY: f64 = 1000.0;
const APP_WRITES: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    TenantAny,
    TenantWrites,
    AppAny,
    AppWrites,
}

/// Sliding-window limiter.
#[derive(Debug)]
pub(crate) struct Throttler {
    window: Duration,
    limits: [usize; 4],
    windows: HashMap<(Kind, String), VecDeque<Instant>>,
    max: [usize; 4],
    /// (tenant/app, method + path) of throttled requests → when their Retry-After passes.
    retry_at: HashMap<(String, String), Instant>,
    pub throttled: u64,
    pub early_retries: u64,
}

fn idx(k: Kind) -> usize {
    k as usize
}

impl Throttler {
    pub fn new(window: Duration, scale: f64) -> Throttler {
        let l = |x: f64| ((x * scale).floor() as usize).max(1);
        Throttler {
            window,
            limits: [l(TENANT_ANY), l(TENANT_WRITES), l(APP_ANY), l(APP_WRITES)],
            windows: HashMap::new(),
            max: [0; 4],
            retry_at: HashMap::new(),
            throttled: 0,
            early_retries: 0,
        }
    }

    /// Admits a request or returns the whole seconds until a slot frees (`Retry-After`).
    ///
    /// `resource` (method and path) identifies the request: sending a throttled request again before
    /// the Retry-After it was given has passed counts as an early retry. Other requests that were
    /// already on their way (in flight, or items of the same `$batch`) are not retries of it.
    pub fn check(
        &mut self,
        tenant: &str,
        app: &str,
        resource: &str,
        write: bool,
        now: Instant,
    ) -> Result<(), u64> {
        let app_key = format!("{tenant}/{app}");
        let retry_key = (app_key.clone(), resource.to_string());
        if self.retry_at.get(&retry_key).is_some_and(|t| now < *t) {
            self.early_retries += 1;
        }
        self.retry_at.retain(|_, t| *t > now);
        let mut kinds = vec![
            (Kind::TenantAny, tenant.to_string()),
            (Kind::AppAny, app_key.clone()),
        ];
        if write {
            kinds.push((Kind::TenantWrites, tenant.to_string()));
            kinds.push((Kind::AppWrites, app_key.clone()));
        }
        let mut wait: Option<Duration> = None;
        for key in &kinds {
            let w = self.windows.entry(key.clone()).or_default();
            while w
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                w.pop_front();
            }
            if w.len() >= self.limits[idx(key.0)] {
                let oldest = *w.front().unwrap_or(&now);
                let free = (oldest + self.window).saturating_duration_since(now);
                wait = Some(wait.map_or(free, |x| x.max(free)));
            }
        }
        if let Some(free) = wait {
            let secs = free.as_secs() + u64::from(free.subsec_nanos() > 0);
            let secs = secs.max(1);
            self.throttled += 1;
            self.retry_at
                .insert(retry_key, now + Duration::from_secs(secs));
            return Err(secs);
        }
        for key in kinds {
            let w = self.windows.entry(key.clone()).or_default();
            w.push_back(now);
            let i = idx(key.0);
            self.max[i] = self.max[i].max(w.len());
        }
        Ok(())
    }

    pub fn reset_counters(&mut self) {
        self.max = [0; 4];
        self.throttled = 0;
        self.early_retries = 0;
        self.retry_at.clear();
    }

    pub fn max_json(&self) -> Value {
        json!({
            "tenant": {"any": self.max[0], "writes": self.max[1]},
            "app": {"any": self.max[2], "writes": self.max[3]},
        })
    }

    pub fn limits_json(&self) -> Value {
        json!({
            "windowSeconds": self.window.as_secs_f64(),
            "tenant": {"any": self.limits[0], "writes": self.limits[1]},
            "app": {"any": self.limits[2], "writes": self.limits[3]},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_limit_then_window_frees() {
        // scale 0.005 → app any 5, app writes 1 (floor 0.5 → min 1).
        let mut t = Throttler::new(Duration::from_secs(2), 0.005);
        let start = Instant::now();
        for _ in 0..5 {
            t.check("t", "a", "GET /x", false, start).unwrap();
        }
        let secs = t.check("t", "a", "GET /x", false, start).unwrap_err();
        assert_eq!(secs, 2);
        assert_eq!(t.throttled, 1);
        // Another app of the same tenant still has room (tenant any = 10).
        t.check("t", "b", "GET /x", false, start).unwrap();
        // Early retry is counted.
        assert!(
            t.check(
                "t",
                "a",
                "GET /x",
                false,
                start + Duration::from_millis(500)
            )
            .is_err()
        );
        assert_eq!(t.early_retries, 1);
        // After the window the app is admitted again.
        t.check("t", "a", "GET /x", false, start + Duration::from_secs(3))
            .unwrap();
        assert_eq!(t.max_json()["app"]["any"], 5);
    }

    #[test]
    fn writes_limited_separately() {
        let mut t = Throttler::new(Duration::from_secs(1), 0.01);
        let now = Instant::now();
        t.check("t", "a", "POST /x", true, now).unwrap();
        assert!(t.check("t", "a", "POST /x", true, now).is_err());
        assert!(t.check("t", "a", "GET /x", false, now).is_ok());
        assert_eq!(t.limits_json()["app"]["writes"], 1);
    }
}
