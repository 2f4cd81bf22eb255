//! One spelling per instant. Graph writes the same date-time with no fractional seconds, with three
//! or with seven digits (`…T10:00:00Z`, `…T10:00:00.000Z`, `…T10:00:00.0000000Z`), so a backup would
//! change bytes, and drift would report a change, without anything having changed. Every RFC 3339
//! date-time in a document is written in its shortest exact form: trailing zero digits of the
//! fraction dropped, the dot too when none remain; date, time and zone are kept as Graph wrote them.
//! Graph accepts that form on writes (`docs/graph-variation.md`).

use serde_json::Value;

/// Rewrites every date-time string below `v` in canonical form; other strings are left alone.
pub fn canonicalize(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some(c) = canonical(s) {
                *s = c;
            }
        }
        Value::Object(map) => map.values_mut().for_each(canonicalize),
        Value::Array(items) => items.iter_mut().for_each(canonicalize),
        _ => {}
    }
}

/// The canonical form of `s` when it is an RFC 3339 date-time with a `T` and a zone
/// (`YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)`) whose fraction has trailing zeros; `None` otherwise.
pub fn canonical(s: &str) -> Option<String> {
    const HEAD: usize = "YYYY-MM-DDTHH:MM:SS".len();
    let b = s.as_bytes();
    if b.len() <= HEAD || !head_ok(&b[..HEAD]) {
        return None;
    }
    let rest = s[HEAD..].strip_prefix('.')?;
    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (frac, zone) = rest.split_at(n);
    if n == 0 || !zone_ok(zone) || !frac.ends_with('0') {
        return None;
    }
    let kept = frac.trim_end_matches('0');
    let dot = if kept.is_empty() { "" } else { "." };
    Some(format!("{}{dot}{kept}{zone}", &s[..HEAD]))
}

fn head_ok(b: &[u8]) -> bool {
    b.iter()
        .zip(b"dddd-dd-ddTdd:dd:dd")
        .all(|(c, want)| match want {
            b'd' => c.is_ascii_digit(),
            other => c == other,
        })
}

fn zone_ok(zone: &str) -> bool {
    let z = zone.as_bytes();
    zone == "Z"
        || (z.len() == 6
            && matches!(z[0], b'+' | b'-')
            && z[1..3].iter().all(u8::is_ascii_digit)
            && z[3] == b':'
            && z[4..6].iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_spelling_per_instant() {
        for (given, want) in [
            ("2024-05-01T10:00:00.0000000Z", "2024-05-01T10:00:00Z"),
            ("2024-05-01T10:00:00.000Z", "2024-05-01T10:00:00Z"),
            ("2024-05-01T10:00:00.1230000Z", "2024-05-01T10:00:00.123Z"),
            (
                "2024-05-01T10:00:00.120+02:00",
                "2024-05-01T10:00:00.12+02:00",
            ),
            ("0001-01-01T00:00:00.0000000Z", "0001-01-01T00:00:00Z"),
        ] {
            assert_eq!(canonical(given).as_deref(), Some(want), "{given}");
        }
        // Already canonical, or not a date-time with a T and a zone: untouched.
        for s in [
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00.1234567Z",
            "2024-05-01T10:00:00.000",
            "2024-05-01 10:00:00.000Z",
            "2024-05-01",
            "10:00:00.000Z",
            "v1.0",
            "2024-05-01T10:00:00.000Zz",
            "2024-05-01T10:00:00.000+0200",
            "x2024-05-01T10:00:00.000Z",
        ] {
            assert_eq!(canonical(s), None, "{s}");
        }
    }

    #[test]
    fn every_depth_and_only_strings() {
        let mut v = json!({"a": "2025-06-10T00:00:00.0000000Z",
            "b": [{"c": "2025-06-10T00:00:00.500Z"}, 7, "text .000Z"],
            "d": {"e": null}});
        canonicalize(&mut v);
        assert_eq!(
            v,
            json!({"a": "2025-06-10T00:00:00Z",
                "b": [{"c": "2025-06-10T00:00:00.5Z"}, 7, "text .000Z"],
                "d": {"e": null}})
        );
    }
}
