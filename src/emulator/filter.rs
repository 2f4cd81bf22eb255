//! `$filter` as OData clients write it (docs/graph-notes.md, "Query options"): `isof('ns.type')`,
//! comparisons of a property with a literal, `startswith`/`endswith`, combined with `and`, `or`,
//! `not` and parentheses. `contains` stays refused, as Intune refuses it on the collections tools
//! filter.
//!
//! It exists because SDKs and scripts build filters by composition — `(isof('a') or isof('b'))
//! and not isof('c')`, `templateType eq 'securityBaseline'` — and Graph accepts them on every
//! collection; a table of whole clauses accepted one by one refused most of what they send.
//! `isof` compares the object's own `@odata.type` (the emulator keeps no type hierarchy, so a
//! base type matches only objects of exactly that type; UNVERIFIED whether Graph widens it).

use serde_json::Value;

use super::error::GraphError;

/// A parsed `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    IsOf(String),
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Cmp(String, Op, Value),
    Func(Func, String, String),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
}

/// String functions of a property and a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    StartsWith,
    EndsWith,
}

impl Filter {
    pub fn matches(&self, obj: &Value) -> bool {
        match self {
            Filter::IsOf(t) => obj["@odata.type"].as_str().unwrap_or_default() == format!("#{t}"),
            Filter::Not(f) => !f.matches(obj),
            Filter::And(a, b) => a.matches(obj) && b.matches(obj),
            Filter::Or(a, b) => a.matches(obj) || b.matches(obj),
            Filter::Cmp(field, op, v) => {
                let equal = match (property(obj, field), v) {
                    (Some(a), Value::String(b)) => {
                        a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(b)) || a == v
                    }
                    (Some(a), b) => a == b,
                    // An absent boolean reads as false, an absent value as null.
                    (None, Value::Bool(false) | Value::Null) => true,
                    (None, _) => false,
                };
                equal == (*op == Op::Eq)
            }
            Filter::Func(func, field, s) => {
                let Some(a) = property(obj, field).and_then(Value::as_str) else {
                    return false;
                };
                let (a, s) = (a.to_lowercase(), s.to_lowercase());
                match func {
                    Func::StartsWith => a.starts_with(&s),
                    Func::EndsWith => a.ends_with(&s),
                }
            }
        }
    }
}

/// `a/b` walks into complex properties.
fn property<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/').try_fold(obj, |v, f| v.get(f))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Comma,
    Word(String),
    Str(String),
}

fn tokens(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(&c) = it.peek() {
        match c {
            c if c.is_whitespace() => {
                it.next();
            }
            '(' | ')' | ',' => {
                it.next();
                out.push(match c {
                    '(' => Tok::Open,
                    ')' => Tok::Close,
                    _ => Tok::Comma,
                });
            }
            '\'' => {
                it.next();
                let mut lit = String::new();
                loop {
                    match it.next()? {
                        '\'' if it.peek() == Some(&'\'') => {
                            it.next();
                            lit.push('\'');
                        }
                        '\'' => break,
                        ch => lit.push(ch),
                    }
                }
                out.push(Tok::Str(lit));
            }
            _ => {
                let mut w = String::new();
                while let Some(&ch) = it.peek() {
                    if ch.is_whitespace() || matches!(ch, '(' | ')' | ',' | '\'') {
                        break;
                    }
                    w.push(ch);
                    it.next();
                }
                out.push(Tok::Word(w));
            }
        }
    }
    Some(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.at), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn expect(&mut self, t: Tok) -> Option<()> {
        (self.next()? == t).then_some(())
    }
    fn or(&mut self) -> Option<Filter> {
        let mut f = self.and()?;
        while self.peek_word("or") {
            self.at += 1;
            f = Filter::Or(Box::new(f), Box::new(self.and()?));
        }
        Some(f)
    }
    fn and(&mut self) -> Option<Filter> {
        let mut f = self.unary()?;
        while self.peek_word("and") {
            self.at += 1;
            f = Filter::And(Box::new(f), Box::new(self.unary()?));
        }
        Some(f)
    }
    fn unary(&mut self) -> Option<Filter> {
        if self.peek_word("not") {
            self.at += 1;
            return Some(Filter::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Option<Filter> {
        match self.next()? {
            Tok::Open => {
                let f = self.or()?;
                self.expect(Tok::Close)?;
                Some(f)
            }
            Tok::Word(w) if self.toks.get(self.at) == Some(&Tok::Open) => {
                self.at += 1;
                let f = match w.to_ascii_lowercase().as_str() {
                    "isof" => match self.next()? {
                        Tok::Str(t) => Filter::IsOf(t),
                        _ => return None,
                    },
                    name => {
                        let func = match name {
                            "startswith" => Func::StartsWith,
                            "endswith" => Func::EndsWith,
                            _ => return None,
                        };
                        let Tok::Word(field) = self.next()? else {
                            return None;
                        };
                        self.expect(Tok::Comma)?;
                        let Tok::Str(s) = self.next()? else {
                            return None;
                        };
                        Filter::Func(func, field, s)
                    }
                };
                self.expect(Tok::Close)?;
                Some(f)
            }
            Tok::Word(field) if is_property(&field) => {
                let op = match self.next()? {
                    Tok::Word(o) if o.eq_ignore_ascii_case("eq") => Op::Eq,
                    Tok::Word(o) if o.eq_ignore_ascii_case("ne") => Op::Ne,
                    _ => return None,
                };
                let v = match self.next()? {
                    Tok::Str(s) => Value::String(s),
                    Tok::Word(w) => literal(&w)?,
                    _ => return None,
                };
                Some(Filter::Cmp(field, op, v))
            }
            _ => None,
        }
    }
}

fn is_property(w: &str) -> bool {
    w.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '/')
}

/// A literal that is not a quoted string: boolean, null, number, or a bare GUID (OData v4).
fn literal(w: &str) -> Option<Value> {
    match w {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        "null" => Some(Value::Null),
        _ if uuid::Uuid::parse_str(w).is_ok() && w.len() == 36 => {
            Some(Value::String(w.to_string()))
        }
        _ => serde_json::from_str::<serde_json::Number>(w)
            .ok()
            .map(Value::Number),
    }
}

pub(crate) fn parse_filter(s: &str) -> Result<Filter, GraphError> {
    let bad = || GraphError::bad_request(format!("Invalid filter clause: {s}"));
    let toks = tokens(s).ok_or_else(bad)?;
    let mut p = Parser { toks, at: 0 };
    let f = p.or().ok_or_else(bad)?;
    if p.at != p.toks.len() {
        return Err(bad());
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn typed(t: &str) -> Value {
        json!({"@odata.type": format!("#microsoft.graph.{t}"), "displayName": "Win – Base"})
    }

    #[test]
    fn isof_combinations_as_sdks_write_them() {
        let (win, ios, mac) = (
            typed("winGetApp"),
            typed("iosStoreApp"),
            typed("macOSDmgApp"),
        );
        let f = parse_filter("(isof('microsoft.graph.winGetApp'))").unwrap();
        assert!(f.matches(&win) && !f.matches(&ios));
        let f = parse_filter(
            "isof('microsoft.graph.winGetApp') or isof('microsoft.graph.iosStoreApp')",
        )
        .unwrap();
        assert!(f.matches(&win) && f.matches(&ios) && !f.matches(&mac));
        let f = parse_filter(
            "(isof('microsoft.graph.winGetApp') or isof('microsoft.graph.iosStoreApp')) and not isof('microsoft.graph.iosStoreApp')",
        )
        .unwrap();
        assert!(f.matches(&win) && !f.matches(&ios) && !f.matches(&mac));
        let f = parse_filter("not (isof('microsoft.graph.winGetApp'))").unwrap();
        assert!(!f.matches(&win) && f.matches(&mac));
        let f =
            parse_filter("NOT isof('microsoft.graph.winGetApp') AND startswith(displayName,'win')")
                .unwrap();
        assert!(!f.matches(&win) && f.matches(&mac));
    }

    #[test]
    fn comparisons_and_literals() {
        let o = json!({"templateType": "securityBaseline", "isBuiltIn": false, "priority": 2,
            "id": "034ccd46-190c-4afc-adf1-ad7cc11262eb", "name": "O'Brien"});
        for (f, want) in [
            ("templateType eq 'securityBaseline'", true),
            ("templateType ne 'securityBaseline'", false),
            ("isBuiltIn eq false and priority eq 2", true),
            ("priority eq 3 or name eq 'O''Brien'", true),
            ("id eq 034ccd46-190c-4afc-adf1-ad7cc11262eb", true),
            ("isGlobalScript eq false", true),
            ("endswith(name,'brien')", true),
        ] {
            assert_eq!(parse_filter(f).unwrap().matches(&o), want, "{f}");
        }
    }

    #[test]
    fn malformed_clauses_are_refused() {
        for f in [
            "",
            "isof(",
            "isof('a'",
            "displayName eq",
            "displayName gt 'a' extra",
            "(isof('a')",
            "isof('a') or",
            "unknownfn(displayName,'a')",
            "contains(displayName,'a')",
            "displayName eq 'open",
        ] {
            assert!(parse_filter(f).is_err(), "{f}");
        }
    }
}
