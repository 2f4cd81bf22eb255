//! Guard for server-controlled links (`@odata.nextLink`): host pinning and loop detection.
//!
//! A nextLink is data from the server; following a tampered one would send the bearer token to
//! another host, and a repeated one would page forever (docs/graph-notes.md, "Paging").

use std::collections::HashSet;

use url::Url;

use super::GraphError;

/// Checks every link of one listing against the Graph base and the links already followed.
#[derive(Debug)]
pub(crate) struct LinkGuard<'a> {
    base: &'a Url,
    seen: HashSet<String>,
}

impl<'a> LinkGuard<'a> {
    /// A guard for a listing whose first request went to `first`.
    pub(crate) fn new(base: &'a Url, first: &Url) -> LinkGuard<'a> {
        LinkGuard {
            base,
            seen: HashSet::from([first.as_str().to_owned()]),
        }
    }

    /// Accept `link` as the next URL to request, or refuse it without any request being made.
    pub(crate) fn next(&mut self, link: &str) -> Result<Url, GraphError> {
        let url = pinned(self.base, link)?;
        if !self.seen.insert(url.as_str().to_owned()) {
            return Err(GraphError::PagingLoop {
                link: link.to_owned(),
            });
        }
        Ok(url)
    }
}

/// Parse an absolute link and accept it only on the scheme, host and port of `base`, with no
/// user info.
pub(crate) fn pinned(base: &Url, link: &str) -> Result<Url, GraphError> {
    let foreign = || GraphError::ForeignNextLink {
        link: link.to_owned(),
    };
    let url = Url::parse(link).map_err(|_| foreign())?;
    let same_origin = url.scheme() == base.scheme()
        && url.host() == base.host()
        && url.port_or_known_default() == base.port_or_known_default()
        && url.username().is_empty()
        && url.password().is_none();
    if same_origin { Ok(url) } else { Err(foreign()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_scheme_host_and_port() {
        let base = Url::parse("https://graph.microsoft.com/").unwrap();
        assert!(pinned(&base, "https://graph.microsoft.com/beta/x?$skiptoken=1").is_ok());
        assert!(pinned(&base, "https://graph.microsoft.com:443/beta/x").is_ok());
        for bad in [
            "http://graph.microsoft.com/beta/x",
            "https://graph.microsoft.com:8443/beta/x",
            "https://evil.example.com/beta/x",
            "https://graph.microsoft.com.evil.example.com/beta/x",
            "https://graph.microsoft.com@evil.example.com/beta/x",
            "https://user@graph.microsoft.com/beta/x",
            "https://169.254.169.254/latest/meta-data",
            "/beta/relative",
            "not a url",
        ] {
            let err = pinned(&base, bad).unwrap_err();
            assert!(matches!(err, GraphError::ForeignNextLink { .. }), "{bad}");
        }
    }

    #[test]
    fn detects_repeated_links() {
        let base = Url::parse("http://127.0.0.1:9/").unwrap();
        let first = Url::parse("http://127.0.0.1:9/beta/x").unwrap();
        let mut guard = LinkGuard::new(&base, &first);
        assert!(guard.next("http://127.0.0.1:9/beta/x?page=2").is_ok());
        assert!(matches!(
            guard.next("http://127.0.0.1:9/beta/x?page=2"),
            Err(GraphError::PagingLoop { .. })
        ));
        assert!(matches!(
            guard.next("http://127.0.0.1:9/beta/x"),
            Err(GraphError::PagingLoop { .. })
        ));
    }
}
