//! The request and answer of one Graph call as the handlers see them, shared by the dispatcher,
//! the write and action handlers and the HTTP pipeline: a leaf, so that none of them has to import
//! another to name a request.

use serde_json::Value;

use super::behaviour::Ver;
use super::config::EmulatorConfig;
use super::error::GraphError;

/// One Graph request after auth, as the dispatcher sees it (also used for `$batch` items).
#[derive(Clone)]
pub(crate) struct Req {
    pub method: String,
    pub ver: Ver,
    /// Path below the version, percent-decoded, no leading slash.
    pub path: String,
    pub query: String,
    pub body: Option<Value>,
    /// Sent with `ConsistencyLevel: eventual`, which directory objects need for `$count` and
    /// `$search` (advanced queries).
    pub eventual: bool,
}

/// Bodies may carry plaintext secrets being written: Debug leaves them out.
impl std::fmt::Debug for Req {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Req")
            .field("method", &self.method)
            .field("ver", &self.ver)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &self.body.as_ref().map(|_| "<omitted>"))
            .field("eventual", &self.eventual)
            .finish()
    }
}

/// A Graph answer before it becomes HTTP.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resp {
    pub status: u16,
    pub body: Option<Value>,
}

impl Resp {
    pub fn json(status: u16, body: Value) -> Resp {
        Resp {
            status,
            body: Some(body),
        }
    }
    pub fn empty(status: u16) -> Resp {
        Resp { status, body: None }
    }
}

/// What a handler needs besides the tenant.
pub(crate) struct Ctx<'a> {
    pub cfg: &'a EmulatorConfig,
    /// `http://127.0.0.1:PORT`
    pub base: &'a str,
    /// `None` = every permission.
    pub roles: Option<&'a [String]>,
}

pub(crate) type R = Result<Resp, GraphError>;

/// `@odata.context` of a response: `<base>/<version>/$metadata#<what>`.
pub(crate) fn context(ctx: &Ctx, ver: Ver, what: &str) -> String {
    format!("{}/{}/$metadata#{what}", ctx.base, ver.as_str())
}

/// Percent-decoding of a URL path (invalid UTF-8 replaced).
pub(crate) fn pct_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(pct_decode("a%27b%28c%29"), "a'b(c)");
        assert_eq!(pct_decode("100%"), "100%");
        assert_eq!(pct_decode("x%zz"), "x%zz");
    }
}
