//! The only place that touches YAML: our emitter settings for writing, and a strict loader for reading.
//!
//! Documents are written by serde_yaml (block style, UTF-8, no anchors). Reading refuses what our
//! emitter never writes and what makes YAML dangerous to load: anchors and aliases (alias bombs),
//! documents over 8 MiB and nesting deeper than 128 levels. Errors name the file, line and column.

use saphyr_parser::{Event, Parser};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest document the loader accepts.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Deepest nesting the loader accepts.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", location(*.line, *.column))]
pub struct YamlError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// Serializes a value with the project's emitter settings.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, YamlError> {
    serde_yaml::to_string(value).map_err(|e| YamlError {
        file: String::new(),
        line: None,
        column: None,
        message: e.to_string(),
    })
}

/// Parses one YAML document strictly. `file` names the source in errors.
pub fn from_str<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, YamlError> {
    check_shape(text, file)?;
    serde_yaml::from_str(text).map_err(|e| {
        let loc = e.location();
        YamlError {
            file: file.to_string(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: strip_location(&e.to_string()),
        }
    })
}

/// serde_yaml appends " at line X column Y" to messages; we report the location separately.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Refuses oversized input, anchors, aliases, excessive nesting and multi-document streams.
fn check_shape(text: &str, file: &str) -> Result<(), YamlError> {
    let err = |line: Option<usize>, column: Option<usize>, message: String| YamlError {
        file: file.to_string(),
        line,
        column,
        message,
    };
    if text.len() > MAX_BYTES {
        return Err(err(
            None,
            None,
            format!("document is {} bytes; the limit is {MAX_BYTES}", text.len()),
        ));
    }
    let mut depth = 0usize;
    let mut documents = 0usize;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            let m = e.marker();
            err(Some(m.line()), Some(m.col() + 1), e.info().to_string())
        })?;
        let (line, col) = (Some(span.start.line()), Some(span.start.col() + 1));
        match event {
            Event::Alias(_) => {
                return Err(err(line, col, "aliases (*name) are not allowed".into()));
            }
            Event::Scalar(_, _, anchor, _) if anchor != 0 => {
                return Err(err(line, col, "anchors (&name) are not allowed".into()));
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if anchor != 0 {
                    return Err(err(line, col, "anchors (&name) are not allowed".into()));
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(err(
                        line,
                        col,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(err(
                        line,
                        col,
                        "more than one YAML document in the file".into(),
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The line of every mapping key, by path (`tenants[0].types.exclude`), so that errors found after
/// parsing can still point at a line. Best effort: unparsable text gives what was read so far.
pub fn key_lines(text: &str) -> std::collections::BTreeMap<String, usize> {
    enum Frame {
        Map(Option<String>),
        Seq(usize),
    }
    fn path(stack: &[Frame], last: &str) -> String {
        let mut p = String::new();
        for f in stack {
            match f {
                Frame::Map(Some(k)) => {
                    if !p.is_empty() {
                        p.push('.');
                    }
                    p.push_str(k);
                }
                Frame::Seq(i) => p.push_str(&format!("[{i}]")),
                Frame::Map(None) => {}
            }
        }
        if !p.is_empty() {
            p.push('.');
        }
        p.push_str(last);
        p
    }
    fn value_done(stack: &mut [Frame]) {
        match stack.last_mut() {
            Some(Frame::Map(key)) => *key = None,
            Some(Frame::Seq(i)) => *i += 1,
            None => {}
        }
    }
    let mut stack: Vec<Frame> = vec![];
    let mut out = std::collections::BTreeMap::new();
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { break };
        match event {
            Event::Scalar(v, ..) => {
                if let Some(Frame::Map(None)) = stack.last() {
                    out.insert(path(&stack, &v), span.start.line());
                    if let Some(Frame::Map(key)) = stack.last_mut() {
                        *key = Some(v.to_string());
                    }
                } else {
                    value_done(&mut stack);
                }
            }
            Event::MappingStart(..) => stack.push(Frame::Map(None)),
            Event::SequenceStart(..) => stack.push(Frame::Seq(0)),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                value_done(&mut stack);
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn round_trips_values_exactly() {
        let v: Value = serde_json::json!({
            "s": "line1\nline2\n", "n": 5, "f": 1.5, "b": true, "z": null, "num_string": "0",
            "t": "tab\there", "crlf": "a\r\nb", "u": "Grüße – “quoted” 🔒", "e": "", "neg": -3,
            "big": 9007199254740993u64, "list": [1, "2", {"k": "v"}], "empty_list": [], "empty_map": {}
        });
        let text = to_string(&v).unwrap();
        let back: Value = from_str(&text, "t.yaml").unwrap();
        assert_eq!(back, v);
        assert!(
            text.contains("s: |"),
            "multi-line text is a block scalar:\n{text}"
        );
    }

    #[test]
    fn refuses_anchors_and_aliases() {
        let e = from_str::<Value>("a: &x [1]\nb: *x\n", "f.yaml").unwrap_err();
        assert_eq!(e.file, "f.yaml");
        assert!(e.message.contains("anchors"), "{e}");
        let e = from_str::<Value>("a: 1\nb: *x\n", "f.yaml").unwrap_err();
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn refuses_deep_nesting_and_huge_input() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        let e = from_str::<Value>(&deep, "d.yaml").unwrap_err();
        assert!(e.message.contains("nesting"), "{e}");
        let huge = "a: ".to_string() + &"x".repeat(MAX_BYTES);
        assert!(
            from_str::<Value>(&huge, "h.yaml")
                .unwrap_err()
                .message
                .contains("limit")
        );
    }

    #[test]
    fn key_lines_by_path() {
        let text = "tenants:\n- name: a\n  types: {include: [all], exclude: [x]}\n- name: b\n  tenantId: t\ngit:\n  push: true\n";
        let lines = key_lines(text);
        assert_eq!(lines["tenants"], 1);
        assert_eq!(lines["tenants[0].name"], 2);
        assert_eq!(lines["tenants[0].types.exclude"], 3);
        assert_eq!(lines["tenants[1].tenantId"], 5);
        assert_eq!(lines["git.push"], 7);
    }

    #[test]
    fn errors_carry_line_and_column() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct S {
            a: u32,
        }
        let e = from_str::<S>("a: 1\nb: 2\n", "conf.yaml").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().starts_with("conf.yaml:2:"), "{e}");
        assert!(e.message.contains("unknown field `b`"), "{e}");
    }
}
