//! Typed errors of the Graph client, and the tolerant parser for Graph error bodies.
//!
//! Messages are written for an operator ("GET /beta/… failed: 403 Forbidden (request-id …): …") and
//! are built only from data that cannot hold a credential: no header, token, secret or key ever
//! reaches a `GraphError`.

use std::fmt;

/// Everything that can go wrong talking to Microsoft Graph or its token endpoint.
#[derive(thiserror::Error, Debug, Clone)]
pub enum GraphError {
    /// The token endpoint refused the client credentials (AADSTS…).
    #[error("token request failed: {status} {code}: {description}")]
    Auth {
        status: u16,
        code: String,
        description: String,
    },
    /// Graph answered with an error status.
    #[error("{method} {path} failed: {} ({}): {code}: {message}", StatusText(*.status), RequestIdText(.request_id.as_deref()))]
    Http {
        method: String,
        path: String,
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
    /// A nextLink pointing to another scheme, host or port than the Graph base: refused unsent.
    #[error("refused to follow a link off the Graph host: {link}")]
    ForeignNextLink { link: String },
    /// A nextLink that was already followed in this listing.
    #[error("paging loop: the server repeated the link {link}")]
    PagingLoop { link: String },
    /// Connection, timeout or body-read failure.
    #[error("{path}: transport error: {message}")]
    Transport { path: String, message: String },
    /// The retry attempts or the client's retry time budget ran out.
    #[error("{path}: giving up after {attempts} attempts: {last}")]
    RetriesExhausted {
        path: String,
        attempts: u32,
        last: Box<GraphError>,
    },
    /// An endpoint override using `http://` on a non-loopback host, or another scheme.
    #[error("endpoint {url} refused: use an https:// URL (http:// only on a loopback host)")]
    InsecureEndpoint { url: String },
    /// The client certificate or its private key could not be used.
    #[error("client certificate: {message}")]
    Certificate { message: String },
    /// A response Graph should never send (not JSON, no `value` array, …).
    #[error("{path}: invalid response: {message}")]
    InvalidResponse { path: String, message: String },
}

impl GraphError {
    /// The HTTP status behind this error, looking through `RetriesExhausted`.
    pub fn status(&self) -> Option<u16> {
        match self {
            GraphError::Auth { status, .. } | GraphError::Http { status, .. } => Some(*status),
            GraphError::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Graph's `request-id` for this error, looking through `RetriesExhausted`.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            GraphError::Http { request_id, .. } => request_id.as_deref(),
            GraphError::RetriesExhausted { last, .. } => last.request_id(),
            _ => None,
        }
    }
}

/// A transport error as one line: the reqwest error and its causes, without the URL.
pub(crate) fn transport_message(err: &reqwest::Error) -> String {
    let mut message = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(current) = source {
        let text = current.to_string();
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
        source = current.source();
    }
    message
}

struct StatusText(u16);

impl fmt::Display for StatusText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.0)
            .ok()
            .and_then(|s| s.canonical_reason());
        match reason {
            Some(reason) => write!(f, "{} {reason}", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

struct RequestIdText<'a>(Option<&'a str>);

impl fmt::Display for RequestIdText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, "request-id {id}"),
            None => f.write_str("no request-id"),
        }
    }
}

/// `code`, `message` and the body's `request-id` from a Graph error body (graph.md §12.6).
///
/// Tolerant: a non-JSON body becomes the message (shortened); Intune's JSON-in-`message` is
/// unwrapped to its `Message` text.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ErrorBody {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

const MAX_MESSAGE_CHARS: usize = 500;

pub(crate) fn parse_error_body(body: &[u8]) -> ErrorBody {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return ErrorBody {
            message: shorten(String::from_utf8_lossy(body).trim()),
            ..ErrorBody::default()
        };
    };
    parse_error_value(&json)
}

pub(crate) fn parse_error_value(json: &serde_json::Value) -> ErrorBody {
    let error = json.get("error").unwrap_or(json);
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let code = text(error.get("code"));
    let mut message = text(error.get("message"));
    if let Ok(inner) = serde_json::from_str::<serde_json::Value>(&message)
        && let Some(text) = inner.get("Message").and_then(|m| m.as_str())
    {
        message = text.to_owned();
    }
    let request_id = error
        .get("innerError")
        .or_else(|| error.get("innererror"))
        .and_then(|inner| inner.get("request-id"))
        .and_then(|id| id.as_str())
        .map(str::to_owned);
    ErrorBody {
        code,
        message: shorten(&message),
        request_id,
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_standard_graph_error() {
        let body = br#"{"error":{"code":"Forbidden","message":"Missing role",
            "innerError":{"date":"2025-02-13T10:17:05","request-id":"2c5f","client-request-id":"e70c"}}}"#;
        let parsed = parse_error_body(body);
        assert_eq!(parsed.code, "Forbidden");
        assert_eq!(parsed.message, "Missing role");
        assert_eq!(parsed.request_id.as_deref(), Some("2c5f"));
    }

    #[test]
    fn unwraps_intune_json_in_message() {
        let inner = r#"{"_version":3,"Message":"An error has occurred - Operation ID: 1","CustomApiErrorPhrase":""}"#;
        let body = serde_json::json!({"error": {"code": "BadRequest", "message": inner}});
        let parsed = parse_error_value(&body);
        assert_eq!(parsed.code, "BadRequest");
        assert_eq!(parsed.message, "An error has occurred - Operation ID: 1");
    }

    #[test]
    fn tolerates_non_json_and_huge_bodies() {
        let parsed = parse_error_body(b"<html>bad gateway</html>");
        assert_eq!(parsed.code, "");
        assert_eq!(parsed.message, "<html>bad gateway</html>");
        let long = "x".repeat(2000);
        assert!(parse_error_body(long.as_bytes()).message.chars().count() <= MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn display_is_operator_readable() {
        let err = GraphError::Http {
            method: "GET".into(),
            path: "/beta/deviceManagement/deviceConfigurations".into(),
            status: 403,
            code: "Forbidden".into(),
            message: "Missing role".into(),
            request_id: Some("abc".into()),
        };
        assert_eq!(
            err.to_string(),
            "GET /beta/deviceManagement/deviceConfigurations failed: 403 Forbidden (request-id abc): Forbidden: Missing role"
        );
        let wrapped = GraphError::RetriesExhausted {
            path: "/beta/x".into(),
            attempts: 3,
            last: Box::new(err),
        };
        assert_eq!(wrapped.status(), Some(403));
        assert_eq!(wrapped.request_id(), Some("abc"));
    }
}
