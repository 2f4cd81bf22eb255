//! OData query options as Graph accepts them (docs/graph-notes.md, "Query options"): `$top` (or
//! bare `top`), `$skiptoken` or `$skip` (both accepted, whichever form the nextLinks use),
//! `$expand` with nested options, the `$filter` forms tools use, `$select`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use serde_json::Value;

use super::config::NextLinkForm;
use super::error::GraphError;
pub(crate) use super::filter::{Filter, parse_filter};

/// Largest honoured `$top` (max unverified, 1000 is what tools send: docs/graph-notes.md,
/// "Query options").
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
    /// This request is an empty page inserted before the page at `skip` (`EmptyPages::Middle`).
    pub empty_page: bool,
    pub expand: Vec<Expand>,
    pub filter: Option<Filter>,
    pub select: Option<Vec<String>>,
    /// `$count=true` adds `@odata.count` (docs/graph-notes.md, "Paging").
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
                "skiptoken" => (q.skip, q.empty_page) = decode_skiptoken(&v)?,
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
            if name != "skiptoken" && name != "skip" {
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

    /// Query string of the next page: every option but `$skiptoken` / `$skip`, plus the position
    /// in `form`. An inserted empty page is always named by a token.
    pub fn next_query(&self, skip: usize, form: NextLinkForm, empty_page: bool) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.raw {
            s.append_pair(k, v);
        }
        match (form, empty_page) {
            (NextLinkForm::Skip, false) => s.append_pair("$skip", &skip.to_string()),
            (_, empty) => s.append_pair("$skiptoken", &encode_skiptoken(skip, empty)),
        };
        s.finish()
    }
}

/// Opaque page token (docs/graph-notes.md, "Paging": clients must not parse it).
pub(crate) fn encode_skiptoken(skip: usize, empty_page: bool) -> String {
    let mark = if empty_page { ":empty" } else { "" };
    URL_SAFE_NO_PAD.encode(format!("emu1:{skip}{mark}"))
}

fn decode_skiptoken(t: &str) -> Result<(usize, bool), GraphError> {
    let bad = || GraphError::bad_request("Invalid $skiptoken");
    let raw = URL_SAFE_NO_PAD.decode(t).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let s = s.strip_prefix("emu1:").ok_or_else(bad)?;
    let (n, empty) = match s.strip_suffix(":empty") {
        Some(n) => (n, true),
        None => (s, false),
    };
    n.parse().map(|n| (n, empty)).map_err(|_| bad())
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
        let next = q.next_query(25, NextLinkForm::SkipToken, false);
        let q2 = Query::parse(&next).unwrap();
        assert_eq!((q2.skip, q2.empty_page), (25, false));
        assert_eq!(q2.expand[0].name, "assignments");
        assert!(Query::parse("$skiptoken=zzz").is_err());
        let q = Query::parse("$top=2&$skip=3").unwrap();
        assert_eq!(q.skip, 3);
        let q2 = Query::parse(&q.next_query(5, NextLinkForm::SkipToken, false)).unwrap();
        assert_eq!((q2.skip, q2.top), (5, Some(2)));
    }

    #[test]
    fn skip_and_skiptoken_both_accepted_and_never_repeated() {
        let q = Query::parse("$skip=7&$top=3").unwrap();
        assert_eq!((q.skip, q.top), (7, Some(3)));
        assert_eq!(Query::parse("skip=4").unwrap().skip, 4);
        assert!(Query::parse("$skip=x").is_err());
        let next = q.next_query(10, NextLinkForm::Skip, false);
        assert_eq!(next, "%24top=3&%24skip=10");
        let q2 = Query::parse(&q2_of(&q, 10, true)).unwrap();
        assert_eq!((q2.skip, q2.empty_page), (10, true));
        let q3 = Query::parse(&q2.next_query(10, NextLinkForm::SkipToken, false)).unwrap();
        assert_eq!((q3.skip, q3.empty_page, q3.top), (10, false, Some(3)));
    }

    fn q2_of(q: &Query, skip: usize, empty: bool) -> String {
        let s = q.next_query(skip, NextLinkForm::Skip, empty);
        assert!(s.contains("skiptoken") && !s.contains("skip="), "{s}");
        s
    }
}
