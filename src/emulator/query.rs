//! OData query options as Graph accepts them (graph.md §12.1): `$top` (or bare `top`),
//! `$skiptoken`, `$expand` with nested options, the `$filter` forms tools use, `$select`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use serde_json::Value;

use super::error::GraphError;
pub(crate) use super::filter::{Filter, parse_filter};

/// Largest honoured `$top` (graph.md §12.1: max unverified, 1000 is what tools send).
pub(crate) const TOP_CAP: usize = 1000;

/// One `$expand` item with its nested `$expand`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Expand {
    pub name: String,
    pub nested: Vec<Expand>,
}

/// Find an expand item by name.
pub(crate) fn find<'a>(items: &'a [Expand], name: &str) -> Option<&'a Expand> {
    items.iter().find(|e| e.name.eq_ignore_ascii_case(name))
}

/// Parsed query options of one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    /// Raw pairs in order, to rebuild nextLinks.
    pub raw: Vec<(String, String)>,
    pub top: Option<usize>,
    pub skip: usize,
    pub expand: Vec<Expand>,
    pub filter: Option<Filter>,
    pub select: Option<Vec<String>>,
    /// `$count=true` adds `@odata.count` (graph.md §12.1).
    pub count: bool,
    /// `$search`, e.g. `"displayName:sales"` (directory objects).
    pub search: Option<String>,
}

impl Query {
    pub fn parse(qs: &str) -> Result<Query, GraphError> {
        let mut q = Query::default();
        for (k, v) in url::form_urlencoded::parse(qs.as_bytes()) {
            let (k, v) = (k.into_owned(), v.into_owned());
            let name = k.trim_start_matches('$').to_ascii_lowercase();
            match name.as_str() {
                "top" => {
                    let n: usize = v.parse().map_err(|_| {
                        GraphError::bad_request(format!("Invalid $top value '{v}'"))
                    })?;
                    q.top = Some(n.clamp(1, TOP_CAP));
                }
                "skiptoken" => q.skip = decode_skiptoken(&v)?,
                // `$skip` before a `$skiptoken` of a later page: the token holds the whole offset.
                "skip" => {
                    q.skip = v.parse().map_err(|_| {
                        GraphError::bad_request(format!("Invalid $skip value '{v}'"))
                    })?;
                }
                "expand" => q.expand = parse_expand(&v)?,
                "filter" => q.filter = Some(parse_filter(&v)?),
                "count" => q.count = v.eq_ignore_ascii_case("true"),
                "search" => q.search = Some(v.clone()),
                "select" => {
                    q.select = Some(v.split(',').map(|s| s.trim().to_string()).collect());
                }
                _ => {}
            }
            if name != "skiptoken" {
                q.raw.push((k, v));
            }
        }
        Ok(q)
    }

    /// Whether `obj` is found by `$search`: every quoted clause `"property:words"` (or bare words,
    /// looked up in `displayName` and `description`) must appear, case-insensitively; clauses
    /// joined by `OR` need one.
    pub fn search_matches(&self, obj: &Value) -> bool {
        let Some(s) = &self.search else { return true };
        let clause = |c: &str| {
            let c = c.trim().trim_matches('"');
            let (props, words) = match c.split_once(':') {
                Some((p, w)) => (vec![p.trim()], w),
                None => (vec!["displayName", "description"], c),
            };
            let words = words.to_lowercase();
            props.iter().any(|p| {
                obj[*p]
                    .as_str()
                    .is_some_and(|v| v.to_lowercase().contains(words.trim()))
            })
        };
        s.split(" OR ").any(|alt| alt.split(" AND ").all(clause))
    }

    /// Query string of the next page: every option but `$skiptoken`, plus the new one.
    pub fn next_query(&self, skip: usize) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.raw {
            s.append_pair(k, v);
        }
        s.append_pair("$skiptoken", &encode_skiptoken(skip));
        s.finish()
    }
}

/// Opaque page token (graph.md §12.1: clients must not parse it).
pub(crate) fn encode_skiptoken(skip: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("emu1:{skip}"))
}

fn decode_skiptoken(t: &str) -> Result<usize, GraphError> {
    let bad = || GraphError::bad_request("Invalid $skiptoken");
    let raw = URL_SAFE_NO_PAD.decode(t).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    s.strip_prefix("emu1:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)
}

/// Splits on `sep` outside parentheses.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0usize, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

pub(crate) fn parse_expand(s: &str) -> Result<Vec<Expand>, GraphError> {
    let mut out = Vec::new();
    for item in split_top(s, ',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(GraphError::bad_request("Invalid $expand"));
        }
        let (name, opts) = match item.find('(') {
            Some(i) if item.ends_with(')') => (&item[..i], &item[i + 1..item.len() - 1]),
            Some(_) => return Err(GraphError::bad_request("Invalid $expand")),
            None => (item, ""),
        };
        let mut nested = Vec::new();
        for opt in split_top(opts, ';') {
            if let Some((k, v)) = opt.split_once('=')
                && k.trim()
                    .trim_start_matches('$')
                    .eq_ignore_ascii_case("expand")
            {
                nested = parse_expand(v)?;
            }
        }
        out.push(Expand {
            name: name.trim().to_string(),
            nested,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expand_nested_and_combined() {
        let e = parse_expand("definition,presentationValues($expand=presentation)").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].nested[0].name, "presentation");
        let e = parse_expand(
            "scheduledActionsForRule($expand=scheduledActionConfigurations),assignments",
        )
        .unwrap();
        assert_eq!(e[0].nested[0].name, "scheduledActionConfigurations");
        assert!(parse_expand("a,,b").is_err());
    }

    #[test]
    fn filters() {
        let f = parse_filter("isof('microsoft.graph.windows10CustomConfiguration')").unwrap();
        assert!(f.matches(&json!({"@odata.type":"#microsoft.graph.windows10CustomConfiguration"})));
        let f = parse_filter("not isof('microsoft.graph.x')").unwrap();
        assert!(!f.matches(&json!({"@odata.type":"#microsoft.graph.x"})));
        let f = parse_filter("displayName eq 'O''Brien'").unwrap();
        assert!(f.matches(&json!({"displayName":"O'Brien"})));
        assert!(
            parse_filter("isBuiltIn eq false")
                .unwrap()
                .matches(&json!({"isBuiltIn":false}))
        );
        assert!(parse_filter("displayName eq").is_err());
        assert!(parse_filter("foo lt 1").is_err());
    }

    #[test]
    fn top_bare_and_capped_and_skiptoken_round_trip() {
        let q = Query::parse("top=5000&$expand=assignments").unwrap();
        assert_eq!(q.top, Some(TOP_CAP));
        let next = q.next_query(25);
        let q2 = Query::parse(&next).unwrap();
        assert_eq!(q2.skip, 25);
        assert_eq!(q2.expand[0].name, "assignments");
        assert!(Query::parse("$skiptoken=zzz").is_err());
        let q = Query::parse("$top=2&$skip=3").unwrap();
        assert_eq!(q.skip, 3);
        let q2 = Query::parse(&q.next_query(5)).unwrap();
        assert_eq!((q2.skip, q2.top), (5, Some(2)));
    }
}
