//! The keys that drive unattended operation: schedules, guardrails and windows for enforcement, the
//! reconcile loop's own settings, notification targets and the read-only server.
//!
//! They live apart from the tenant and git keys because only `reconcile` and `serve` read them; every
//! value is checked when the file loads (durations parse, times are `HH:MM`, time zones exist,
//! tokens are sha256 hex), so a daemon never finds a bad value hours after it started.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `schedule: {backup: 1h, jitter: 5m}` — how often a tenant's round runs.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Interval between rounds, e.g. `1h`, `30m`, `90s` (at least 10 ms, so tests can run fast).
    pub backup: String,
    /// Random delay added to each interval (0 to this), so many tenants do not start together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<String>,
}

impl ScheduleConfig {
    pub fn interval(&self) -> Duration {
        duration(&self.backup).unwrap_or(Duration::from_secs(3600))
    }
    pub fn jitter(&self) -> Duration {
        self.jitter
            .as_deref()
            .and_then(|j| duration(j).ok())
            .unwrap_or_default()
    }
}

/// `guardrails:` — what an `enforce` round may write without a person.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Guardrails {
    /// Most items (creates + updates) one enforcement may apply; a larger plan is reported, not applied.
    #[serde(default = "default_max_changes")]
    pub max_changes: usize,
}

fn default_max_changes() -> usize {
    20
}

impl Default for Guardrails {
    fn default() -> Self {
        Guardrails {
            max_changes: default_max_changes(),
        }
    }
}

/// `windows:` — when an `enforce` round may write. Deny windows always win; when allow windows are
/// listed, writes happen only inside one of them. Backups and reports run at any time.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Windows {
    /// IANA time zone the windows are written in (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<Window>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Window>,
}

/// One weekly window: on `days` (default every day), from `from` to `to` (`HH:MM`, 24 h; `to` may be
/// `24:00`; a window whose `to` is before its `from` runs past midnight into the next day).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Window {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<Weekday>,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub fn of(d: jiff::civil::Weekday) -> Weekday {
        use jiff::civil::Weekday as W;
        match d {
            W::Monday => Weekday::Mon,
            W::Tuesday => Weekday::Tue,
            W::Wednesday => Weekday::Wed,
            W::Thursday => Weekday::Thu,
            W::Friday => Weekday::Fri,
            W::Saturday => Weekday::Sat,
            W::Sunday => Weekday::Sun,
        }
    }
}

impl Window {
    /// `from` and `to` in minutes after midnight (checked at load).
    pub fn minutes(&self) -> (u32, u32) {
        (
            clock_minutes(&self.from).unwrap_or(0),
            clock_minutes(&self.to).unwrap_or(0),
        )
    }
}

impl Windows {
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        match &self.timezone {
            Some(name) => jiff::tz::TimeZone::get(name).unwrap_or(jiff::tz::TimeZone::UTC),
            None => jiff::tz::TimeZone::UTC,
        }
    }
}

/// `reconcile:` — the loop's own settings (all optional).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReconcileConfig {
    /// Tenants worked on at the same time.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Quiet time after a file event before it schedules a run.
    #[serde(default = "default_debounce")]
    pub debounce: String,
    /// First delay after a failed round; doubles per failure up to `backoffMax` (both jittered).
    #[serde(default = "default_backoff")]
    pub backoff: String,
    #[serde(default = "default_backoff_max")]
    pub backoff_max: String,
    /// Default schedule of tenants without their own `schedule`.
    #[serde(default = "default_interval")]
    pub interval: String,
}

fn default_concurrency() -> usize {
    4
}
fn default_debounce() -> String {
    "2s".into()
}
fn default_backoff() -> String {
    "1m".into()
}
fn default_backoff_max() -> String {
    "1h".into()
}
fn default_interval() -> String {
    "1h".into()
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        ReconcileConfig {
            concurrency: default_concurrency(),
            debounce: default_debounce(),
            backoff: default_backoff(),
            backoff_max: default_backoff_max(),
            interval: default_interval(),
        }
    }
}

/// `housekeeping:` — what `tenant-atlas housekeeping` removes from the private state below
/// `.git/atlas/`, and how often the reconcile loop runs it (docs/ARCHITECTURE.md, "Housekeeping").
/// Ages are durations (`30d`, `12h`); committed history is never touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HousekeepingConfig {
    /// Private run logs kept per tenant, the newest (default 2000): every run that writes one
    /// removes the oldest beyond this, and so does `housekeeping`.
    #[serde(default = "default_keep_runs")]
    #[schemars(range(min = 1))]
    pub keep_runs: usize,
    /// Private run logs older than this are removed too (default: none; only `keepRuns` bounds
    /// them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_max_age: Option<String>,
    /// Logs of interrupted runs (`*.interrupted.yaml`) older than this are removed (default `30d`).
    #[serde(default = "default_interrupted_max_age")]
    pub interrupted_max_age: String,
    /// Finished apply journals, and the plans kept beside them, older than this are removed
    /// (default `30d`); an unfinished journal is never removed.
    #[serde(default = "default_journals_max_age")]
    pub journals_max_age: String,
    /// A trigger file of a configured tenant waiting longer than this while no loop runs the
    /// tenant is removed (default `1d`); one of a tenant the file does not list goes at once.
    #[serde(default = "default_triggers_max_age")]
    pub triggers_max_age: String,
    /// How often the reconcile loop runs housekeeping, e.g. `24h` (default: never; run the
    /// command yourself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
}

/// Private run logs kept per tenant unless `housekeeping.keepRuns` says otherwise.
pub const DEFAULT_KEEP_RUNS: usize = 2000;

fn default_keep_runs() -> usize {
    DEFAULT_KEEP_RUNS
}
fn default_interrupted_max_age() -> String {
    "30d".into()
}
fn default_journals_max_age() -> String {
    "30d".into()
}
fn default_triggers_max_age() -> String {
    "1d".into()
}

impl Default for HousekeepingConfig {
    fn default() -> Self {
        HousekeepingConfig {
            keep_runs: default_keep_runs(),
            runs_max_age: None,
            interrupted_max_age: default_interrupted_max_age(),
            journals_max_age: default_journals_max_age(),
            triggers_max_age: default_triggers_max_age(),
            schedule: None,
        }
    }
}

impl HousekeepingConfig {
    /// How often the loop runs housekeeping; `None` when it does not.
    pub fn every(&self) -> Option<Duration> {
        self.schedule.as_deref().and_then(|s| duration(s).ok())
    }
}

/// Checks the `housekeeping` section; the error is (key below `housekeeping`, message).
pub fn check_housekeeping(h: &HousekeepingConfig) -> Result<(), (String, String)> {
    if h.keep_runs == 0 {
        return Err(("keepRuns".into(), "must be at least 1".into()));
    }
    let ages = [
        ("runsMaxAge", h.runs_max_age.as_deref()),
        ("interruptedMaxAge", Some(h.interrupted_max_age.as_str())),
        ("journalsMaxAge", Some(h.journals_max_age.as_str())),
        ("triggersMaxAge", Some(h.triggers_max_age.as_str())),
    ];
    for (key, v) in ages {
        if let Some(v) = v {
            duration(v).map_err(|m| (key.to_string(), m))?;
        }
    }
    if let Some(s) = &h.schedule {
        check_interval(s).map_err(|m| ("schedule".to_string(), m))?;
    }
    Ok(())
}

/// One notification target (`notifications:`).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationTarget {
    /// Shown in logs instead of the URL (webhook URLs are secrets).
    pub name: String,
    #[serde(default)]
    pub format: NotificationFormat,
    /// Environment variable holding the URL (Teams and Slack webhook URLs carry their own secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// The URL itself, for endpoints whose address is not a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Which events to send (default all).
    #[serde(default = "all_events")]
    pub events: Vec<NotificationEvent>,
    /// Only these tenants (default all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<String>,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum NotificationFormat {
    /// `{"event": …, "tenant": …, …}` — for scripts and chat bridges.
    #[default]
    Json,
    /// A Microsoft Teams message (Adaptive Card in a `message` attachment).
    Teams,
    /// A Slack incoming-webhook message (`text` + `blocks`).
    Slack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NotificationEvent {
    /// A round finished (success or no change).
    Finished,
    /// A round failed, partly failed or was refused.
    Failed,
    /// Drift was found (report and enforce modes).
    Drift,
    /// A certificate or token of the tenant expires within 30 days or has expired; sent after a
    /// round when that list changed since the last health message (docs/ARCHITECTURE.md, "Expiry
    /// health").
    Health,
}

fn all_events() -> Vec<NotificationEvent> {
    vec![
        NotificationEvent::Finished,
        NotificationEvent::Failed,
        NotificationEvent::Drift,
        NotificationEvent::Health,
    ]
}

/// `server:` — the read-only web UI and API.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on (default loopback); a non-loopback address needs tokens.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Base URL people reach the server at, for links in notifications (default `http://<listen>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(default)]
    pub tokens: Vec<ServerToken>,
    /// Time a connection has to send a whole request head, and that an idle kept-alive connection
    /// stays open (default `10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_timeout: Option<String>,
    /// Connections served at once (default 256); further ones wait until one closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}

/// A bearer token: only its sha256 is stored.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerToken {
    pub name: String,
    /// sha256 (lower-case hex) of the bearer token.
    pub sha256: String,
    /// Tenants it may read (`*` for all).
    #[serde(default)]
    pub tenants: Vec<String>,
    /// May trigger reconcile runs of those tenants through `POST /hooks/reconcile/{tenant}` (as
    /// the `operate` role does).
    #[serde(default)]
    pub trigger: bool,
    /// What it may do beyond reading: `read` (the default), `operate` (also trigger rounds and
    /// name versions), `restore` (also what restores need; implies operate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<TokenRole>,
}

/// A role of a `serve` token, each including the ones before it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TokenRole {
    Read,
    Operate,
    Restore,
}

impl ServerToken {
    pub fn allows(&self, tenant: &str) -> bool {
        self.tenants.iter().any(|t| t == "*" || t == tenant)
    }

    /// The token's highest role (`trigger: true` is `operate`).
    pub fn role(&self) -> TokenRole {
        let trigger = if self.trigger {
            TokenRole::Operate
        } else {
            TokenRole::Read
        };
        self.roles
            .iter()
            .copied()
            .max()
            .unwrap_or(TokenRole::Read)
            .max(trigger)
    }
}

/// Parses a duration: `90s`, `5m`, `1h30m`, `2h`, `250ms`, `30d`, `2w` (jiff's friendly format, or
/// ISO 8601); a day is 24 hours and a week 7 days.
pub fn duration(s: &str) -> Result<Duration, String> {
    let text = s.trim();
    let d: jiff::SignedDuration = text
        .parse()
        .or_else(|_| {
            text.parse::<jiff::Span>()
                .and_then(|span| span.to_duration(jiff::SpanRelativeTo::days_are_24_hours()))
        })
        .map_err(|_| format!("`{s}` is not a duration (write e.g. 90s, 5m, 1h30m, 30d)"))?;
    Duration::try_from(d).map_err(|_| format!("`{s}` is negative"))
}

/// A schedule interval: a duration of at least 10 ms (short intervals are for tests; real
/// schedules are minutes or hours).
pub fn check_interval(s: &str) -> Result<(), String> {
    if duration(s)? < Duration::from_millis(10) {
        return Err(format!("`{s}` is shorter than 10ms"));
    }
    Ok(())
}

/// Checks windows; the error is (key below `windows`, message).
pub fn check_windows(w: &Windows) -> Result<(), (String, String)> {
    if let Some(tz) = &w.timezone {
        jiff::tz::TimeZone::get(tz)
            .map_err(|_| ("timezone".to_string(), format!("unknown time zone `{tz}`")))?;
    }
    for (list, name) in [(&w.deny, "deny"), (&w.allow, "allow")] {
        for (i, win) in list.iter().enumerate() {
            for (key, v) in [("from", &win.from), ("to", &win.to)] {
                if clock_minutes(v).is_none() {
                    return Err((
                        format!("{name}[{i}].{key}"),
                        format!("`{v}` is not a time of day HH:MM"),
                    ));
                }
            }
            if win.from == win.to {
                return Err((format!("{name}[{i}].to"), "the window is empty".to_string()));
            }
        }
    }
    Ok(())
}

/// An http(s) URL.
pub fn check_url(u: &str) -> Result<(), String> {
    match url::Url::parse(u) {
        Ok(p) if matches!(p.scheme(), "http" | "https") => Ok(()),
        Ok(_) => Err(format!("`{u}` is not an http(s) URL")),
        Err(e) => Err(format!("`{u}`: {e}")),
    }
}

/// `HH:MM` (00:00 to 24:00) as minutes after midnight.
pub fn clock_minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(duration("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(duration("1w 1d").unwrap(), Duration::from_secs(8 * 86_400));
        assert_eq!(duration("1d12h").unwrap(), Duration::from_secs(36 * 3600));
        assert!(duration("1 month").is_err(), "months have no fixed length");
        assert!(duration("soon").is_err());
        assert!(duration("-5m").is_err());
    }

    #[test]
    fn housekeeping_keys_are_checked_with_their_line() {
        let head = "tenants: []\n";
        let c = super::super::Config::parse(head, "atlas.yaml").unwrap();
        assert_eq!(c.housekeeping, HousekeepingConfig::default());
        assert_eq!(c.housekeeping.keep_runs, 2000);
        assert_eq!(c.housekeeping.every(), None);
        let set =
            format!("{head}housekeeping:\n  keepRuns: 10\n  runsMaxAge: 90d\n  schedule: 24h\n");
        let c = super::super::Config::parse(&set, "atlas.yaml").unwrap();
        assert_eq!(c.housekeeping.keep_runs, 10);
        assert_eq!(c.housekeeping.every(), Some(Duration::from_secs(86_400)));
        for (text, key, line) in [
            (set.replace("keepRuns: 10", "keepRuns: 0"), "keepRuns", 3),
            (set.replace("90d", "a while"), "runsMaxAge", 4),
            (set.replace("24h", "1ms"), "schedule", 5),
            (
                format!("{head}housekeeping:\n  journalsMaxAge: -3d\n"),
                "journalsMaxAge",
                3,
            ),
        ] {
            let e = super::super::Config::parse(&text, "atlas.yaml")
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!("atlas.yaml:{line}: housekeeping.{key}: ")),
                "{key}: {e}"
            );
        }
        let e = super::super::Config::parse(&format!("{head}housekeeping: {{keep: 3}}\n"), "a")
            .unwrap_err()
            .to_string();
        assert!(e.contains("keep"), "unknown keys are errors: {e}");
    }

    #[test]
    fn clock_times() {
        assert_eq!(clock_minutes("00:00"), Some(0));
        assert_eq!(clock_minutes("08:30"), Some(510));
        assert_eq!(clock_minutes("24:00"), Some(1440));
        for bad in ["24:01", "8:30", "08:60", "noon", "0830"] {
            assert_eq!(clock_minutes(bad), None, "{bad}");
        }
    }
}
