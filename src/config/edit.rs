//! Adding a tenant to `atlas.yaml` as text, so the file's comments, order and layout survive
//! (`tenants add`, `tenants discover`; docs/ARCHITECTURE.md, "Fleets").
//!
//! A YAML library would re-emit the whole file and drop every comment. Instead the parser's
//! event positions locate the `tenants` sequence, and the new entry is inserted after its last
//! item in the sequence's own style: a block item at the block's indentation, a flow mapping in
//! a non-empty flow sequence, a block list in place of an empty `[]` or a missing value. The
//! caller parses the result with [`Config::parse`] before writing it.

use super::Config;
use saphyr_parser::{Event, Parser};

/// A tenant to add: its name and ids and, when `defaults` does not supply them, its client and
/// credential variable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewTenant {
    pub name: String,
    pub tenant_id: String,
    pub client_id: Option<String>,
    pub client_secret_env: Option<String>,
}

impl NewTenant {
    /// `(key, value)` pairs in the order they are written.
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        let mut v = vec![("name", self.name.as_str()), ("tenantId", &self.tenant_id)];
        if let Some(c) = &self.client_id {
            v.push(("clientId", c));
        }
        if let Some(e) = &self.client_secret_env {
            v.push(("clientSecretEnv", e));
        }
        v
    }

    /// The entry as block lines, `-` at column `indent`.
    fn block(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        self.pairs()
            .iter()
            .enumerate()
            .map(|(i, (k, v))| {
                let lead = if i == 0 { "- " } else { "  " };
                format!("{pad}{lead}{k}: {}\n", scalar(v))
            })
            .collect()
    }

    /// The entry as a flow mapping.
    fn flow(&self) -> String {
        let inner: Vec<String> = self
            .pairs()
            .iter()
            .map(|(k, v)| format!("{k}: {}", scalar(v)))
            .collect();
        format!("{{{}}}", inner.join(", "))
    }
}

/// A value as a plain scalar when that reads back as the same string, else single-quoted.
fn scalar(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !v.starts_with(['-', '.'])
        && v.parse::<f64>().is_err()
        && !v.starts_with("0x")
        && !v.starts_with("0o")
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null"
        );
    if plain {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "''"))
    }
}

/// Where the top-level `tenants` value is.
enum Found {
    /// No `tenants` key.
    Missing,
    /// `tenants:` with no value (or `~`): insert a block after the key's line (byte offset).
    Empty { after_line_of: usize },
    /// A block sequence whose items start at `indent`; insert after the line holding byte `last`.
    Block { indent: usize, last: usize },
    /// A flow sequence; `open` and `close` are the byte offsets of `[` and `]`.
    Flow {
        open: usize,
        close: usize,
        empty: bool,
    },
}

/// `text` with `tenant` appended to its `tenants` list, checked by parsing it; `file` names it in
/// errors.
pub fn append_tenant(text: &str, file: &str, tenant: &NewTenant) -> Result<String, String> {
    let edited = insert(text, tenant)?;
    let config = Config::parse(&edited, file).map_err(|e| e.to_string())?;
    if config.tenant(&tenant.name).is_none() {
        return Err(format!(
            "{file}: the tenant was not added (unexpected layout)"
        ));
    }
    Ok(edited)
}

fn insert(text: &str, tenant: &NewTenant) -> Result<String, String> {
    let byte = |chars: usize| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(b, _)| b)
    };
    let line_end = |b: usize| text[b..].find('\n').map_or(text.len(), |i| b + i + 1);
    let mut out = text.to_string();
    match locate(text)? {
        Found::Missing => {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("tenants:\n");
            out.push_str(&tenant.block(0));
        }
        Found::Empty { after_line_of } => {
            let at = line_end(byte(after_line_of));
            let nl = if at == text.len() && !text.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            out.insert_str(at, &format!("{nl}{}", tenant.block(0)));
        }
        Found::Block { indent, last } => {
            let at = line_end(byte(last));
            let nl = if at == text.len() && !text.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            out.insert_str(at, &format!("{nl}{}", tenant.block(indent)));
        }
        Found::Flow { open, close, empty } => {
            let (open, close) = (byte(open), byte(close));
            if empty {
                // `tenants: []  # comment` → `tenants:  # comment` and a block below.
                let at = line_end(close);
                let block = tenant.block(0);
                let nl = if at == text.len() && !text.ends_with('\n') {
                    "\n"
                } else {
                    ""
                };
                out.insert_str(at, &format!("{nl}{block}"));
                let from = text[..open].trim_end_matches(' ').len();
                out.replace_range(from..=close, "");
            } else {
                out.insert_str(close, &format!(", {}", tenant.flow()));
            }
        }
    }
    Ok(out)
}

/// Finds the top-level `tenants` value by the parser's events (positions in characters).
fn locate(text: &str) -> Result<Found, String> {
    let mut depth = 0usize;
    let mut key_expected = false;
    let mut events = Parser::new_from_str(text);
    while let Some(item) = events.next() {
        let (event, span) = item.map_err(|e| e.info().to_string())?;
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                depth += 1;
                key_expected = depth == 1;
                if depth == 1 && !matches!(event, Event::MappingStart(..)) {
                    return Err("the file is not a mapping of keys".into());
                }
                if depth == 1 {
                    continue;
                }
                // A nested value of a top-level key: skip it whole.
                skip_nested(&mut events)?;
                depth -= 1;
                key_expected = true;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                depth = depth.saturating_sub(1);
            }
            Event::Scalar(v, ..) if depth == 1 && key_expected && v == "tenants" => {
                let chars: Vec<char> = text.chars().collect();
                return value_of_tenants(&mut events, &chars, span.end.index());
            }
            Event::Scalar(..) if depth == 1 => key_expected = !key_expected,
            _ => {}
        }
    }
    Ok(Found::Missing)
}

type Events<'a> = Parser<'a, saphyr_parser::StrInput<'a>>;

/// The column of the `-` that starts the first block item, the sequence starting at character
/// `at` (the parser places it at the dash of an indented sequence, at the first item's content
/// of one at its key's indentation).
fn dash_column(chars: &[char], at: usize) -> usize {
    let line_start = chars[..at]
        .iter()
        .rposition(|c| *c == '\n')
        .map_or(0, |i| i + 1);
    let end = (at + 1).min(chars.len());
    chars[line_start..end]
        .iter()
        .rposition(|c| *c == '-')
        .unwrap_or(0)
}

/// Consumes events up to the end of the collection just started.
fn skip_nested(events: &mut Events) -> Result<(), String> {
    let mut depth = 1usize;
    for item in events.by_ref() {
        let (event, _) = item.map_err(|e| e.info().to_string())?;
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => {
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The `tenants` key's value, the key ending at character `key_end` of `chars`.
fn value_of_tenants(events: &mut Events, chars: &[char], key_end: usize) -> Result<Found, String> {
    let Some(item) = events.next() else {
        return Ok(Found::Empty {
            after_line_of: key_end,
        });
    };
    let (event, span) = item.map_err(|e| e.info().to_string())?;
    match event {
        Event::Scalar(v, ..) if v.is_empty() || v == "~" || v == "null" => Ok(Found::Empty {
            after_line_of: key_end,
        }),
        Event::SequenceStart(..) => {
            let start = span.start;
            let mut depth = 1usize;
            let mut last = start.index();
            let mut items = 0usize;
            for item in events.by_ref() {
                let (event, span) = item.map_err(|e| e.info().to_string())?;
                match event {
                    Event::SequenceEnd if depth == 1 => {
                        if chars.get(start.index()) == Some(&'[') {
                            return Ok(Found::Flow {
                                open: start.index(),
                                close: span.start.index(),
                                empty: items == 0,
                            });
                        }
                        return Ok(Found::Block {
                            indent: dash_column(chars, start.index()),
                            last,
                        });
                    }
                    Event::MappingStart(..) | Event::SequenceStart(..) => {
                        if depth == 1 {
                            items += 1;
                        }
                        depth += 1;
                    }
                    Event::MappingEnd | Event::SequenceEnd => depth -= 1,
                    Event::Scalar(..) => {
                        if depth == 1 {
                            items += 1;
                        }
                        last = last.max(span.end.index().saturating_sub(1));
                    }
                    _ => {}
                }
            }
            Err("the tenants list does not end".into())
        }
        _ => Err("`tenants` is not a list".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(name: &str) -> NewTenant {
        NewTenant {
            name: name.into(),
            tenant_id: "00000000-0000-0000-0000-0000000000aa".into(),
            client_id: Some("00000000-0000-0000-0000-0000000000bb".into()),
            client_secret_env: Some("NEW_SECRET".into()),
        }
    }

    const ONE: &str = "# fleet\ntenants:\n  # the first customer\n  - name: a   # keep me\n    tenantId: 00000000-0000-0000-0000-000000000001\n    clientId: 00000000-0000-0000-0000-000000000002\n    clientSecretEnv: A_SECRET\n    types:\n      include: [all]\n# git settings below\ngit:\n  push: false\n";

    #[test]
    fn a_block_list_gets_an_item_in_its_own_indentation_and_keeps_comments() {
        let out = append_tenant(ONE, "atlas.yaml", &new("b")).unwrap();
        assert_eq!(
            out,
            ONE.replace(
                "      include: [all]\n",
                "      include: [all]\n  - name: b\n    tenantId: 00000000-0000-0000-0000-0000000000aa\n    clientId: 00000000-0000-0000-0000-0000000000bb\n    clientSecretEnv: NEW_SECRET\n"
            )
        );
    }

    #[test]
    fn empty_missing_and_flow_lists() {
        let cases = [
            (
                "tenants: []   # none yet\ngit: {push: false}\n",
                "tenants:   # none yet\n- name: b\n",
            ),
            ("tenants:\ngit: {push: false}\n", "tenants:\n- name: b\n"),
            (
                "git: {push: false}",
                "git: {push: false}\ntenants:\n- name: b\n",
            ),
            (
                "tenants: [{name: a, tenantId: 00000000-0000-0000-0000-000000000001, clientId: 00000000-0000-0000-0000-000000000002, clientSecretEnv: X}]\n",
                ", {name: b, tenantId: 00000000-0000-0000-0000-0000000000aa",
            ),
        ];
        for (text, want) in cases {
            let out = append_tenant(text, "atlas.yaml", &new("b")).unwrap();
            assert!(out.contains(want), "{text:?} gave {out:?}");
            let c = Config::parse(&out, "atlas.yaml").unwrap();
            assert_eq!(c.tenants.last().unwrap().name, "b");
        }
        let example = append_tenant(super::super::EXAMPLE, "atlas.yaml", &new("b")).unwrap();
        assert!(example.contains("# - name: contoso"), "comments kept");
        assert_eq!(Config::parse(&example, "x").unwrap().tenants.len(), 1);
    }

    #[test]
    fn a_result_that_would_not_load_is_refused() {
        let e = append_tenant(ONE, "atlas.yaml", &new("a")).unwrap_err();
        assert!(e.contains("listed twice"), "{e}");
        let mut no_credential = new("c");
        no_credential.client_secret_env = None;
        let e = append_tenant(ONE, "atlas.yaml", &no_credential).unwrap_err();
        assert!(e.contains("(c).clientSecretEnv"), "{e}");
        let with_defaults = format!(
            "defaults: {{clientId: 00000000-0000-0000-0000-0000000000bb, clientSecretEnv: FLEET}}\n{ONE}"
        );
        let mut bare = new("c");
        bare.client_id = None;
        bare.client_secret_env = None;
        let out = append_tenant(&with_defaults, "atlas.yaml", &bare).unwrap();
        let c = Config::parse(&out, "x").unwrap();
        assert_eq!(
            c.tenant("c").unwrap().client_secret_env.as_deref(),
            Some("FLEET")
        );
    }

    #[test]
    fn items_at_the_keys_indentation() {
        let text = "tenants:   # none yet\n- name: a\n  tenantId: 00000000-0000-0000-0000-000000000001\n  clientId: 00000000-0000-0000-0000-000000000002\n  clientSecretEnv: X\ngit:\n  push: false\n";
        let out = append_tenant(text, "atlas.yaml", &new("b")).unwrap();
        assert!(
            out.contains("  clientSecretEnv: X\n- name: b\n  tenantId: "),
            "{out}"
        );
    }

    #[test]
    fn odd_values_are_quoted() {
        assert_eq!(scalar("CONTOSO_SECRET"), "CONTOSO_SECRET");
        assert_eq!(scalar("yes"), "'yes'");
        assert_eq!(scalar("0abc"), "0abc");
        assert_eq!(
            scalar("00000000-0000-0000-0000-0000000000aa"),
            "00000000-0000-0000-0000-0000000000aa"
        );
        assert_eq!(scalar("1e5"), "'1e5'");
        assert_eq!(scalar("0x1F"), "'0x1F'");
        assert_eq!(scalar(".inf"), "'.inf'");
        assert_eq!(scalar("it's"), "'it''s'");
    }
}
