//! Sidecar payloads (scripts, profiles) as text, and what changed between two versions of one.
//!
//! Scripts are kept as exact bytes, so a change of byte order mark or line endings is a real change
//! — but a reader must not be shown a whole script as rewritten for it. Such a change is reported as
//! a note; a change of content is shown as a unified line diff of the decoded text.

use super::SidecarView;
use crate::normalize::SidecarRef;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How a payload is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decoded {
    /// The text without BOM, line endings as `\n`; `None` when the bytes are not text.
    text: Option<String>,
    encoding: String,
}

fn decode(bytes: &[u8]) -> Decoded {
    let (bom, body, utf16) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        ("UTF-8 with BOM", rest, None)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        ("UTF-16LE with BOM", rest, Some(true))
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        ("UTF-16BE with BOM", rest, Some(false))
    } else {
        ("UTF-8", bytes, None)
    };
    let text = match utf16 {
        None => std::str::from_utf8(body).ok().map(str::to_string),
        Some(le) if body.len() % 2 == 0 => {
            let units: Vec<u16> = body
                .chunks_exact(2)
                .map(|c| {
                    if le {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        u16::from_be_bytes([c[0], c[1]])
                    }
                })
                .collect();
            String::from_utf16(&units).ok()
        }
        Some(_) => None,
    };
    let Some(text) = text.filter(|t| !t.contains('\0')) else {
        return Decoded {
            text: None,
            encoding: "binary".into(),
        };
    };
    let crlf = text.matches("\r\n").count();
    let lf = text.matches('\n').count() - crlf;
    let endings = match (crlf, lf) {
        (0, 0) => "no line breaks",
        (_, 0) => "CRLF",
        (0, _) => "LF",
        _ => "mixed CRLF/LF",
    };
    Decoded {
        text: Some(text.replace("\r\n", "\n")),
        encoding: format!("{bom}, {endings}"),
    }
}

/// A sidecar as a reader sees it.
pub fn view(field: &str, r: &SidecarRef, bytes: Option<&[u8]>) -> SidecarView {
    let Some(bytes) = bytes else {
        return SidecarView {
            field: field.to_string(),
            file: r.file.clone(),
            encoding: String::new(),
            text: None,
            bytes: 0,
            problem: Some(format!("{} is missing", r.file)),
        };
    };
    let d = decode(bytes);
    let sha = hex::encode(Sha256::digest(bytes));
    SidecarView {
        field: field.to_string(),
        file: r.file.clone(),
        encoding: d.encoding,
        text: d.text,
        bytes: bytes.len(),
        problem: (sha != r.sha256).then(|| {
            format!(
                "{} does not match the sha256 in its document (edited by hand?)",
                r.file
            )
        }),
    }
}

/// What changed in a payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SidecarChange {
    pub field: String,
    pub file: String,
    /// Set when the file was renamed with its document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_file: Option<String>,
    /// E.g. `line endings only: UTF-8, LF → UTF-8, CRLF`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Unified diff lines of the decoded text (`-`, `+`, ` ` prefixed, `@@` hunk headers).
    pub diff: Vec<String>,
}

/// Compares two versions of a payload; `None` when the bytes are equal.
pub fn compare(
    field: &str,
    old: Option<(&str, &[u8])>,
    new: Option<(&str, &[u8])>,
) -> Option<SidecarChange> {
    let file = new.or(old).map(|(f, _)| f.to_string()).unwrap_or_default();
    let old_file = match (old, new) {
        (Some((a, _)), Some((b, _))) if a != b => Some(a.to_string()),
        _ => None,
    };
    let (a, b) = (old.map(|(_, b)| b), new.map(|(_, b)| b));
    if a == b {
        return None;
    }
    let (da, db) = (a.map(decode), b.map(decode));
    let text_a = da.as_ref().and_then(|d| d.text.clone()).unwrap_or_default();
    let text_b = db.as_ref().and_then(|d| d.text.clone()).unwrap_or_default();
    let enc_a = da.as_ref().map(|d| d.encoding.as_str()).unwrap_or("absent");
    let enc_b = db.as_ref().map(|d| d.encoding.as_str()).unwrap_or("absent");
    let binary = da.as_ref().is_some_and(|d| d.text.is_none())
        || db.as_ref().is_some_and(|d| d.text.is_none());
    let mut note = None;
    let mut diff = vec![];
    if binary {
        note = Some(format!(
            "binary content changed ({} → {} bytes)",
            a.map_or(0, <[u8]>::len),
            b.map_or(0, <[u8]>::len)
        ));
    } else if text_a == text_b {
        note = Some(format!(
            "only encoding, byte order mark or line endings changed: {enc_a} → {enc_b}"
        ));
    } else {
        if a.is_some() && b.is_some() && enc_a != enc_b {
            note = Some(format!(
                "encoding or line endings also changed: {enc_a} → {enc_b}"
            ));
        }
        let td = similar::TextDiff::configure()
            .algorithm(similar::Algorithm::Patience)
            .diff_lines(text_a.as_str(), text_b.as_str());
        for hunk in td.unified_diff().context_radius(3).iter_hunks() {
            diff.push(hunk.header().to_string());
            for change in hunk.iter_changes() {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                diff.push(format!("{sign}{}", change.value().trim_end_matches('\n')));
            }
        }
    }
    Some(SidecarChange {
        field: field.to_string(),
        file,
        old_file,
        note,
        diff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_named() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFa\r\nb\r\n").encoding,
            "UTF-8 with BOM, CRLF"
        );
        assert_eq!(decode(b"a\nb").encoding, "UTF-8, LF");
        assert_eq!(decode(b"a\r\nb\n").encoding, "UTF-8, mixed CRLF/LF");
        assert_eq!(decode(b"\xFF\xFEa\0\n\0").text.as_deref(), Some("a\n"));
        assert_eq!(decode(b"\xFF\x00\x01").encoding, "binary");
    }

    #[test]
    fn a_line_ending_change_is_a_note_not_a_rewrite() {
        let c = compare(
            "scriptContent",
            Some(("x.ps1", b"a\nb\n")),
            Some(("x.ps1", b"a\r\nb\r\n")),
        )
        .unwrap();
        assert_eq!(
            c.note.as_deref(),
            Some("only encoding, byte order mark or line endings changed: UTF-8, LF → UTF-8, CRLF")
        );
        assert!(c.diff.is_empty());
        let bom = compare("s", Some(("x", b"a\n")), Some(("x", b"\xEF\xBB\xBFa\n"))).unwrap();
        assert!(bom.note.unwrap().contains("UTF-8, LF → UTF-8 with BOM, LF"));
    }

    #[test]
    fn a_content_change_is_a_line_diff() {
        let c = compare(
            "s",
            Some(("x", b"one\ntwo\nthree\n")),
            Some(("x", b"one\n2\nthree\n")),
        )
        .unwrap();
        assert_eq!(c.diff, ["@@ -1,3 +1,3 @@", " one", "-two", "+2", " three"]);
        assert!(compare("s", Some(("x", b"same")), Some(("x", b"same"))).is_none());
    }

    #[test]
    fn a_missing_or_edited_file_is_a_problem() {
        let r = SidecarRef {
            file: "x.ps1".into(),
            sha256: "00".into(),
        };
        assert!(view("f", &r, None).problem.unwrap().contains("missing"));
        assert!(
            view("f", &r, Some(b"x"))
                .problem
                .unwrap()
                .contains("sha256")
        );
    }
}
