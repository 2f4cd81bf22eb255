//! Deny and allow windows of enforcement, evaluated in the windows' time zone at the wall-clock time
//! (`clock::now()`, so `ATLAS_NOW` fixes it in tests). A window runs on its days from `from` to
//! `to`; one whose `to` is before its `from` runs past midnight into the next day, and belongs to
//! the day it starts on. Deny windows always win; when allow windows exist, writes happen only
//! inside one of them.

use crate::config::{Weekday, Window, Windows};
use jiff::Timestamp;

/// Why enforcement may not write now, or `None` when it may.
pub fn closed(windows: &Windows, now: Timestamp) -> Option<String> {
    let tz = windows.time_zone();
    let local = now.to_zoned_datetime(tz);
    let minute = local.hour() as u32 * 60 + local.minute() as u32;
    let today = Weekday::of(local.weekday());
    let yesterday = Weekday::of(local.weekday().previous());
    let zone = windows.timezone.as_deref().unwrap_or("UTC");
    let at = format!("{} {zone}", local.strftime("%a %H:%M"));
    for (i, w) in windows.deny.iter().enumerate() {
        if inside(w, today, yesterday, minute) {
            return Some(format!(
                "inside deny window deny[{i}] ({}) at {at}",
                describe(w)
            ));
        }
    }
    if !windows.allow.is_empty()
        && !windows
            .allow
            .iter()
            .any(|w| inside(w, today, yesterday, minute))
    {
        let list: Vec<String> = windows.allow.iter().map(describe).collect();
        return Some(format!(
            "outside every allow window ({}) at {at}",
            list.join("; ")
        ));
    }
    None
}

/// Is `minute` of `today` inside the window?
fn inside(w: &Window, today: Weekday, yesterday: Weekday, minute: u32) -> bool {
    let (from, to) = w.minutes();
    let on = |d: Weekday| w.days.is_empty() || w.days.contains(&d);
    if from < to {
        on(today) && (from..to).contains(&minute)
    } else {
        // Past midnight: the evening part today, the morning part from yesterday's window.
        (on(today) && minute >= from) || (on(yesterday) && minute < to)
    }
}

fn describe(w: &Window) -> String {
    let days = if w.days.is_empty() {
        "every day".to_string()
    } else {
        let names: Vec<String> = w
            .days
            .iter()
            .map(|d| format!("{d:?}").to_lowercase())
            .collect();
        names.join(",")
    };
    format!("{days} {}–{}", w.from, w.to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(days: &[Weekday], from: &str, to: &str) -> Window {
        Window {
            days: days.to_vec(),
            from: from.into(),
            to: to.into(),
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn no_windows_means_always_open() {
        assert_eq!(
            closed(&Windows::default(), at("2026-01-15T09:30:00Z")),
            None
        );
    }

    #[test]
    fn deny_window_on_its_days() {
        let w = Windows {
            deny: vec![win(&[Weekday::Thu], "09:00", "10:00")],
            ..Windows::default()
        };
        // 2026-01-15 is a Thursday.
        let why = closed(&w, at("2026-01-15T09:30:00Z")).unwrap();
        assert!(
            why.contains("deny[0]") && why.contains("thu 09:00–10:00"),
            "{why}"
        );
        assert!(why.contains("Thu 09:30 UTC"), "{why}");
        assert_eq!(
            closed(&w, at("2026-01-15T10:00:00Z")),
            None,
            "to is exclusive"
        );
        assert_eq!(closed(&w, at("2026-01-15T08:59:00Z")), None);
        assert_eq!(closed(&w, at("2026-01-16T09:30:00Z")), None, "Friday");
    }

    #[test]
    fn over_midnight_belongs_to_the_day_it_starts() {
        let w = Windows {
            deny: vec![win(&[Weekday::Fri], "22:00", "06:00")],
            ..Windows::default()
        };
        assert!(
            closed(&w, at("2026-01-16T23:00:00Z")).is_some(),
            "Fri night"
        );
        assert!(
            closed(&w, at("2026-01-17T05:59:00Z")).is_some(),
            "Sat morning"
        );
        assert_eq!(closed(&w, at("2026-01-17T06:00:00Z")), None);
        assert_eq!(closed(&w, at("2026-01-17T23:00:00Z")), None, "Sat night");
        assert_eq!(closed(&w, at("2026-01-16T05:00:00Z")), None, "Fri morning");
    }

    #[test]
    fn windows_are_read_in_their_time_zone() {
        let w = Windows {
            timezone: Some("Europe/Berlin".into()),
            deny: vec![win(&[], "09:00", "17:00")],
            ..Windows::default()
        };
        // 08:30 UTC is 09:30 in Berlin in January (UTC+1), 07:30 UTC is 08:30.
        let why = closed(&w, at("2026-01-15T08:30:00Z")).unwrap();
        assert!(why.contains("09:30 Europe/Berlin"), "{why}");
        assert_eq!(closed(&w, at("2026-01-15T07:30:00Z")), None);
        // In July Berlin is UTC+2: 07:30 UTC is 09:30 there.
        assert!(closed(&w, at("2026-07-15T07:30:00Z")).is_some());
    }

    #[test]
    fn allow_windows_close_everything_else_and_deny_wins() {
        let w = Windows {
            allow: vec![win(&[Weekday::Sat, Weekday::Sun], "00:00", "24:00")],
            deny: vec![win(&[Weekday::Sun], "12:00", "13:00")],
            ..Windows::default()
        };
        let why = closed(&w, at("2026-01-15T09:30:00Z")).unwrap();
        assert!(why.contains("outside every allow window"), "{why}");
        assert_eq!(closed(&w, at("2026-01-17T23:59:00Z")), None, "Saturday");
        assert!(
            closed(&w, at("2026-01-18T12:30:00Z"))
                .unwrap()
                .contains("deny[0]")
        );
    }
}
