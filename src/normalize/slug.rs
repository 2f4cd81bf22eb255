//! Portable, stable file names: `<slug>--<id8>`.
//!
//! The slug is the object's name folded to lower-case ASCII `[a-z0-9-]` (accents dropped, every other
//! run of characters becomes one `-`), at most 60 characters, never empty. The id part makes names
//! unique per object and keeps reserved names (`CON`, `..`) and case-only differences harmless, on
//! Windows, macOS and Linux alike. A rename changes only the slug, so git sees a rename.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

pub const MAX_SLUG: usize = 60;

/// Folds a display name into a slug.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
            dash = false;
        } else if let Some(t) = transliterate(c) {
            out.push_str(t);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    out.truncate(MAX_SLUG);
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "unnamed".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Latin letters that do not decompose into ASCII plus a combining mark.
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        'ø' | 'Ø' => "o",
        'œ' | 'Œ' => "oe",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'ł' | 'Ł' => "l",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// The short id: the first 8 hex digits of a GUID id; for other ids (scope tag numbers, enrollment
/// defaults like `<tenant>_DefaultLimit`) the first 8 hex digits of the id's sha256, so the part is
/// always 8 safe characters and distinct objects sharing a GUID prefix still differ.
pub fn short_id(id: &str) -> String {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    if is_guid(id) {
        hex[..8].to_ascii_lowercase()
    } else {
        let digest = Sha256::digest(id.as_bytes());
        hex::encode(&digest[..4])
    }
}

/// A GUID in its usual 8-4-4-4-12 form.
pub fn is_guid(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// File stems for all objects of one type, given `(id, name)` pairs. Two objects never share a stem:
/// when slug and short id collide (same name, ids sharing 8 hex digits), both get the full id's hash.
pub fn stems<'a>(objects: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let objects: Vec<(&str, &str)> = objects.into_iter().collect();
    let first: Vec<String> = objects
        .iter()
        .map(|(id, name)| format!("{}--{}", slug(name), short_id(id)))
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for s in &first {
        *count.entry(s.as_str()).or_default() += 1;
    }
    objects
        .iter()
        .zip(&first)
        .map(|((id, name), s)| {
            if count[s.as_str()] > 1 {
                let digest = Sha256::digest(id.as_bytes());
                format!("{}--{}", slug(name), hex::encode(&digest[..8]))
            } else {
                s.clone()
            }
        })
        .collect()
}

/// The markers an object's file names carry, whichever form [`stems`] chose: `--<short id>.` or
/// `--<16 hex of the id's sha256>.`. Used to find a failed object's previous files.
pub fn id_markers(id: &str) -> [String; 2] {
    let digest = Sha256::digest(id.as_bytes());
    [
        format!("--{}.", short_id(id)),
        format!("--{}.", hex::encode(&digest[..8])),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_portable() {
        assert_eq!(slug("Edge – security baseline"), "edge-security-baseline");
        assert_eq!(slug("Win/Mac\\Baseline"), "win-mac-baseline");
        assert_eq!(slug(".."), "unnamed");
        assert_eq!(slug("CON"), "con");
        assert_eq!(slug("🔒 Lockdown"), "lockdown");
        assert_eq!(slug("Grüße Äpfel"), "grusse-apfel");
        assert_eq!(slug("\u{200f}سياسة"), "unnamed");
        assert_eq!(slug("  padded  "), "padded");
        let long = "a".repeat(200);
        assert_eq!(slug(&long).len(), MAX_SLUG);
        assert_eq!(slug(&format!("{}-b", "a".repeat(59))), "a".repeat(59));
    }

    #[test]
    fn short_ids() {
        assert_eq!(short_id("8D2F3C1E-0000-4000-8000-000000000001"), "8d2f3c1e");
        assert_eq!(short_id("0").len(), 8);
        assert_ne!(
            short_id("11111111-1111-1111-1111-111111111111_DefaultLimit"),
            short_id(
                "11111111-1111-1111-1111-111111111111_DefaultWindows10EnrollmentCompletionPageConfiguration"
            )
        );
    }

    #[test]
    fn stems_never_collide() {
        let a = "aaaaaaaa-0000-4000-8000-000000000001";
        let b = "aaaaaaaa-0000-4000-8000-000000000002";
        let c = "cccccccc-0000-4000-8000-000000000003";
        let s = stems([(a, "Same"), (b, "Same"), (c, "Same")]);
        assert_ne!(s[0], s[1]);
        assert_eq!(s[2], "same--cccccccc");
        assert!(s[0].starts_with("same--") && s[0].len() == "same--".len() + 16);
        for (stem, id) in s.iter().zip([a, b, c]) {
            let file = format!("{stem}.yaml");
            assert!(
                id_markers(id).iter().any(|m| file.contains(m.as_str())),
                "{file} carries a marker of {id}"
            );
        }
        let again = stems([(a, "Same"), (b, "Same")]);
        assert_eq!(&again[..], &s[..2]);
    }
}
