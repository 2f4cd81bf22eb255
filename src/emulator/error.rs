//! Errors of the emulator API, and the Graph / AAD error bodies it serves (docs/graph-notes.md,
//! "Authentication", "Errors").
//!
//! Two kinds of failure live here: `EmulatorError` for the Rust API (seed loading, binding, dumping)
//! and `GraphError` for HTTP answers. Neither ever carries a submitted secret or token.

use serde_json::{Value, json};

/// Failure of the emulator's Rust API.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// A seed file could not be read or written.
    #[error("seed I/O failed at {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A seed file is not valid JSON.
    #[error("seed file {path} is not valid JSON")]
    Json {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// The seed is structurally wrong (missing tenant.json, unknown collection, object without id …).
    #[error("invalid seed: {0}")]
    Seed(String),
    /// No tenant with this id is served.
    #[error("no tenant {0} is served")]
    UnknownTenant(String),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A Graph error answer: status plus the body fields of docs/graph-notes.md, "Errors".
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GraphError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl GraphError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }
    /// Intune's answer for a route it has no handler for (docs/graph-notes.md, "Errors").
    pub fn no_route() -> Self {
        Self::bad_request("No method match route template")
    }
    /// The 404 for a missing object (400 on configurationPolicies, see the behaviour table).
    pub fn not_found(status: u16, what: &str) -> Self {
        Self::new(
            status,
            "ResourceNotFound",
            format!("Resource not found: {what}"),
        )
    }

    /// The error body (docs/graph-notes.md, "Errors") with `innerError{date, request-id,
    /// client-request-id}`.
    pub fn body(&self, request_id: &str, client_request_id: Option<&str>) -> Value {
        let mut inner = json!({
            "date": now_second(),
            "request-id": request_id,
        });
        if let Some(c) = client_request_id {
            inner["client-request-id"] = json!(c);
        }
        if self.status == 429 {
            inner["code"] = json!("429");
            inner["message"] = json!("Please retry after");
            inner["status"] = json!("429");
        }
        json!({"error": {"code": self.code, "message": self.message, "innerError": inner}})
    }
}

/// Now as Graph writes `innerError.date`: seconds precision, no zone suffix.
pub(crate) fn now_second() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// An AAD token endpoint error body (docs/graph-notes.md, "Authentication"), never echoing the
/// submitted credential.
pub(crate) fn aad_error(error: &str, code: u32, description: &str) -> Value {
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = uuid::Uuid::new_v4().to_string();
    json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {corr} Timestamp: {}", now_second()),
        "error_codes": [code],
        "timestamp": now_second(),
        "trace_id": trace,
        "correlation_id": corr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_error_body_has_inner_error_ids() {
        let e = GraphError::not_found(404, "x");
        let b = e.body("rid", Some("cid"));
        assert_eq!(b["error"]["code"], "ResourceNotFound");
        assert_eq!(b["error"]["innerError"]["request-id"], "rid");
        assert_eq!(b["error"]["innerError"]["client-request-id"], "cid");
        assert!(b["error"]["innerError"]["date"].as_str().unwrap().len() == 19);
    }

    #[test]
    fn throttle_body_carries_429_inner_fields() {
        let b =
            GraphError::new(429, "TooManyRequests", "Please retry again later.").body("r", None);
        assert_eq!(b["error"]["innerError"]["status"], "429");
        assert!(b["error"]["innerError"].get("client-request-id").is_none());
    }

    #[test]
    fn aad_error_lists_code() {
        let b = aad_error("invalid_client", 7000215, "Invalid client secret provided.");
        assert_eq!(b["error_codes"][0], 7000215);
        assert!(
            b["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS7000215:")
        );
    }
}
