//! The shape of an answer after its content is decided: how date-times are written, how a hidden
//! secret is shown, whether objects carry an etag, and in what order an object's properties come. Graph varies all three without
//! changing what it says (`docs/graph-variation.md`); these knobs let tests prove the client does
//! not notice. They apply to every Graph answer with a body (lists, single reads, `$batch` items,
//! write answers), after the route has built it.

use serde_json::{Map, Value};

use super::config::{EmulatorConfig, SecretForm};

/// The mask of [`SecretForm::LongMask`].
pub(crate) const LONG_MASK: &str = "********";

/// Applies the date-time, secret and etag knobs to one answer body.
pub(crate) fn reshape(cfg: &EmulatorConfig, body: &mut Value) {
    if cfg.fraction_digits.is_none() && cfg.secret_form == SecretForm::Masked && !cfg.etags {
        return;
    }
    walk(cfg, body);
}

fn walk(cfg: &EmulatorConfig, v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some(d) = cfg.fraction_digits
                && let Some(t) = with_fraction_digits(s, d)
            {
                *s = t;
            }
        }
        Value::Object(m) => {
            if hides_secret(m) {
                match cfg.secret_form {
                    SecretForm::Masked => {}
                    SecretForm::Null => {
                        m.insert("value".into(), Value::Null);
                    }
                    SecretForm::Absent => {
                        m.remove("value");
                    }
                    SecretForm::LongMask => {
                        m.insert("value".into(), Value::String(LONG_MASK.into()));
                    }
                }
            }
            m.values_mut().for_each(|c| walk(cfg, c));
            if cfg.etags
                && let Some(id) = m.get("id").and_then(Value::as_str)
            {
                let tag = format!("W/\"{:016x}\"", super::routes::id_hash(7, id));
                m.insert("@odata.etag".into(), Value::String(tag));
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| walk(cfg, c)),
        _ => {}
    }
}

/// An object whose `value` Graph keeps to itself: an encrypted OMA-URI setting, or a secret
/// setting value answered as its token.
fn hides_secret(m: &Map<String, Value>) -> bool {
    m.get("isEncrypted") == Some(&Value::Bool(true))
        || m.get("valueState").and_then(Value::as_str) == Some("encryptedValueToken")
}

/// `s` rewritten with `digits` fractional-second digits when it is an RFC 3339 date-time
/// (`YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)`); `None` for any other string. A fraction that needs
/// more digits keeps all it needs, so the instant never changes.
pub(crate) fn with_fraction_digits(s: &str, digits: u8) -> Option<String> {
    let (head, frac, zone) = split_date_time(s)?;
    let significant = frac.trim_end_matches('0');
    let width = usize::from(digits).max(significant.len());
    if width == 0 {
        return Some(format!("{head}{zone}"));
    }
    Some(format!("{head}.{significant:0<width$}{zone}"))
}

/// `(YYYY-MM-DDTHH:MM:SS, fraction digits, zone)` of an RFC 3339 date-time.
fn split_date_time(s: &str) -> Option<(&str, &str, &str)> {
    let b = s.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if b.len() < shape.len() + 1 {
        return None;
    }
    for (c, want) in b.iter().zip(shape) {
        let ok = match want {
            b'd' => c.is_ascii_digit(),
            other => c == other,
        };
        if !ok {
            return None;
        }
    }
    let (head, rest) = s.split_at(shape.len());
    let (frac, zone) = match rest.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            r.split_at(n)
        }
        None => ("", rest),
    };
    let zb = zone.as_bytes();
    let zone_ok = zone == "Z"
        || (zb.len() == 6
            && matches!(zb[0], b'+' | b'-')
            && zb[1..3].iter().all(u8::is_ascii_digit)
            && zb[3] == b':'
            && zb[4..6].iter().all(u8::is_ascii_digit));
    zone_ok.then_some((head, frac, zone))
}

/// The body as JSON text, objects' properties in key order or, with a seed, in an order shuffled
/// by it (the same for the same keys and seed).
pub(crate) fn to_bytes(body: &Value, shuffle: Option<u64>) -> Vec<u8> {
    match shuffle {
        None => serde_json::to_vec(body).unwrap_or_default(),
        Some(seed) => {
            let mut out = String::new();
            write_shuffled(body, seed, &mut out);
            out.into_bytes()
        }
    }
}

fn write_shuffled(v: &Value, seed: u64, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by_cached_key(|k| super::routes::id_hash(seed, k));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_shuffled(&m[k], seed, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_shuffled(x, seed, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn date_times_get_the_digits_asked_and_keep_their_instant() {
        let w = with_fraction_digits;
        assert_eq!(
            w("2024-05-01T10:00:00Z", 7).unwrap(),
            "2024-05-01T10:00:00.0000000Z"
        );
        assert_eq!(
            w("2024-05-01T10:00:00.0000000Z", 0).unwrap(),
            "2024-05-01T10:00:00Z"
        );
        assert_eq!(
            w("2024-05-01T10:00:00.12Z", 3).unwrap(),
            "2024-05-01T10:00:00.120Z"
        );
        assert_eq!(
            w("2024-05-01T10:00:00.1234567Z", 3).unwrap(),
            "2024-05-01T10:00:00.1234567Z"
        );
        assert_eq!(
            w("2024-05-01T10:00:00.5+02:00", 0).unwrap(),
            "2024-05-01T10:00:00.5+02:00"
        );
        assert_eq!(
            w("2024-05-01T10:00:00-05:30", 3).unwrap(),
            "2024-05-01T10:00:00.000-05:30"
        );
        for not in [
            "2024-05-01",
            "2024-05-01T10:00:00",
            "2024-05-01 10:00:00Z",
            "2024-05-01T10:00:00.Z",
            "2024-05-01T10:00:00Zx",
            "at 2024-05-01T10:00:00Z",
            "10:00:00",
            "",
        ] {
            assert_eq!(w(not, 7), None, "{not}");
        }
    }

    #[test]
    fn secrets_answered_in_the_chosen_form_and_nothing_else_touched() {
        let body = json!({"omaSettings": [
            {"isEncrypted": true, "value": "****", "secretReferenceValueId": "r"},
            {"isEncrypted": false, "value": "plain"}],
            "s": {"valueState": "encryptedValueToken", "value": "tok"},
            "t": {"valueState": "notEncrypted", "value": "x"}});
        let cfg = |f| EmulatorConfig {
            secret_form: f,
            ..Default::default()
        };
        let served = |f| {
            let mut v = body.clone();
            reshape(&cfg(f), &mut v);
            v
        };
        assert_eq!(served(SecretForm::Masked), body);
        let forms = [
            (SecretForm::Null, Some(Value::Null)),
            (SecretForm::Absent, None),
            (SecretForm::LongMask, Some(json!(LONG_MASK))),
        ];
        for (form, want) in forms {
            let v = served(form);
            assert_eq!(v["omaSettings"][0].get("value").cloned(), want, "{form:?}");
            assert_eq!(v["s"].get("value").cloned(), want, "{form:?}");
            // Plain values and the state of the secret stay.
            assert_eq!(v["omaSettings"][1]["value"], "plain");
            assert_eq!(v["t"]["value"], "x");
            assert_eq!(v["s"]["valueState"], "encryptedValueToken");
        }
    }

    #[test]
    fn etags_on_objects_with_an_id_only() {
        let mut v = json!({"value": [{"id": "a", "settings": [{"id": "0", "x": {"y": 1}}]}], "n": {"z": 1}});
        reshape(
            &EmulatorConfig {
                etags: true,
                ..Default::default()
            },
            &mut v,
        );
        let tag = v["value"][0]["@odata.etag"].as_str().unwrap();
        assert!(tag.starts_with("W/\""), "{tag}");
        assert!(v["value"][0]["settings"][0]["@odata.etag"].is_string());
        assert!(v.get("@odata.etag").is_none() && v["n"].get("@odata.etag").is_none());
        assert!(
            v["value"][0]["settings"][0]["x"]
                .get("@odata.etag")
                .is_none()
        );
    }

    #[test]
    fn shuffled_text_is_the_same_json_in_another_order() {
        let v = json!({"a": 1, "b": {"c": [1, {"d": "x\"y", "e": null, "f": 2.5}], "g": true}, "h": "i", "j": 3});
        let plain = String::from_utf8(to_bytes(&v, None)).unwrap();
        assert_eq!(plain, v.to_string());
        let shuffled: Vec<String> = (0..8)
            .map(|seed| String::from_utf8(to_bytes(&v, Some(seed))).unwrap())
            .collect();
        for s in &shuffled {
            assert_eq!(serde_json::from_str::<Value>(s).unwrap(), v);
        }
        assert!(shuffled.iter().any(|s| *s != plain), "{shuffled:?}");
        assert_eq!(to_bytes(&v, Some(3)), to_bytes(&v, Some(3)));
    }
}
