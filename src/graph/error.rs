//! Typed errors of the Graph client, and the tolerant parser for Graph error bodies.
//!
//! Messages are written for an operator ("GET /beta/… failed: 403 Forbidden (request-id …): …") and
//! are built only from data that cannot hold a credential: no header, token, secret or key ever
//! reaches a `GraphError`.

use std::fmt;

/// Everything that can go wrong talking to Microsoft Graph or its token endpoint.
#[derive(thiserror::Error, Debug, Clone)]
pub enum GraphError {
    /// The token endpoint refused the client credentials (AADSTS…). `authority` is the login URL
    /// of the tenant (`https://login.microsoftonline.com/<tenant id>`).
    #[error("authentication failed at {authority}: {}", AuthText { code, description })]
    Auth {
        authority: String,
        status: u16,
        code: String,
        description: String,
    },
    /// The token endpoint could not be reached (or kept failing) within the sign-in retry budget.
    #[error(
        "cannot reach the sign-in endpoint {authority}: {} (gave up after {} in {:.0} s)",
        .last.cause(),
        crate::render::text::count(*.attempts as usize, "attempt", "attempts"),
        .waited.as_secs_f64()
    )]
    LoginUnavailable {
        authority: String,
        attempts: u32,
        waited: std::time::Duration,
        last: Box<GraphError>,
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
    #[error("{path}: giving up after {}: {last}", crate::render::text::count(*.attempts as usize, "attempt", "attempts"))]
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

    /// Whether this is a failure to sign in (credentials refused, or the token endpoint out of
    /// reach): nothing of the tenant can be read, so it is reported once for the tenant.
    pub fn is_sign_in(&self) -> bool {
        matches!(
            self,
            GraphError::Auth { .. } | GraphError::LoginUnavailable { .. }
        )
    }

    /// The `AADSTS` number of a refused sign-in.
    pub fn aadsts(&self) -> Option<u32> {
        match self {
            GraphError::Auth { description, .. } => aadsts_code(description),
            _ => None,
        }
    }

    /// The error, then what to check when its cause is known (`… — hint: …`): how a sign-in
    /// failure is reported, in output and run logs alike.
    pub fn with_hint(&self) -> String {
        match self.hint() {
            Some(hint) => format!("{self} — hint: {hint}"),
            None => self.to_string(),
        }
    }

    /// What to check, for a sign-in failure whose cause is known.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            GraphError::Auth { .. } => self.aadsts().and_then(known_aadsts).map(|k| k.hint),
            GraphError::LoginUnavailable { .. } => Some(
                "check that this machine can reach the login host (proxy, firewall, DNS), or the tenant's `endpoints.login`",
            ),
            _ => None,
        }
    }

    /// The end of the error's text, where its cause is: "Connection refused (os error 111)" of a
    /// transport error, "503 …" of a refused request.
    pub fn cause(&self) -> String {
        match self {
            GraphError::Transport { message, .. } => {
                message.rsplit(": ").next().unwrap_or(message).to_string()
            }
            GraphError::Auth { status, code, .. } => format!("{status} {code}"),
            GraphError::RetriesExhausted { last, .. } => last.cause(),
            other => other.to_string(),
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

/// An Entra ID sign-in error this tool can explain.
pub(crate) struct KnownAadsts {
    pub code: u32,
    /// What it means, in a few words.
    pub what: &'static str,
    pub hint: &'static str,
}

/// The sign-in errors of an app-only client worth a hint (codes as Entra ID documents them in its
/// AADSTS error reference; the emulator answers the same, see `src/emulator/auth.rs`).
const KNOWN_AADSTS: &[KnownAadsts] = &[
    KnownAadsts {
        code: 7000215,
        what: "invalid client secret",
        hint: "the secret is wrong: use the secret's Value (not its Secret ID) from the app registration's Certificates & secrets",
    },
    KnownAadsts {
        code: 7000222,
        what: "client secret expired",
        hint: "the secret has expired: add a new one to the app registration and update the environment variable",
    },
    KnownAadsts {
        code: 700016,
        what: "app not found in the tenant",
        hint: "check `clientId`, and that the app is registered in (or consented to by) this tenant",
    },
    KnownAadsts {
        code: 90002,
        what: "tenant not found",
        hint: "check `tenantId`, and `cloud` for a national cloud tenant",
    },
    KnownAadsts {
        code: 700027,
        what: "client assertion not accepted",
        hint: "the certificate is not one of the app registration's: upload it under Certificates & secrets",
    },
];

pub(crate) fn known_aadsts(code: u32) -> Option<&'static KnownAadsts> {
    KNOWN_AADSTS.iter().find(|k| k.code == code)
}

/// The number after `AADSTS` in an Entra ID error description.
fn aadsts_code(description: &str) -> Option<u32> {
    let rest = &description[description.find("AADSTS")? + "AADSTS".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A refused sign-in in a few words: the AADSTS code and what it means, or Entra's first sentence
/// when the code is not one this tool explains.
struct AuthText<'a> {
    code: &'a str,
    description: &'a str,
}

impl fmt::Display for AuthText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = aadsts_code(self.description);
        if let Some(known) = number.and_then(known_aadsts) {
            return write!(f, "AADSTS{} {} ({})", known.code, known.what, self.code);
        }
        // "AADSTS123: Text. Trace ID: … Correlation ID: … Timestamp: …" → "AADSTS123: Text."
        let text = self
            .description
            .split(" Trace ID:")
            .next()
            .unwrap_or_default()
            .trim();
        match (text.is_empty(), self.code.is_empty()) {
            (true, _) => write!(f, "{}", self.code),
            (false, true) => write!(f, "{text}"),
            (false, false) => write!(f, "{text} ({})", self.code),
        }
    }
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

/// `code`, `message` and the body's `request-id` from a Graph error body (docs/graph-notes.md,
/// "Errors").
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

impl From<crate::cloud::InsecureEndpoint> for GraphError {
    fn from(e: crate::cloud::InsecureEndpoint) -> Self {
        GraphError::InsecureEndpoint { url: e.url }
    }
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
    fn sign_in_errors_name_the_code_and_a_hint() {
        let auth = |description: &str| GraphError::Auth {
            authority: "https://login.microsoftonline.com/t1".into(),
            status: 401,
            code: "invalid_client".into(),
            description: description.into(),
        };
        let err = auth(
            "AADSTS7000215: Invalid client secret provided. Trace ID: 1 Correlation ID: 2 Timestamp: 3",
        );
        assert_eq!(
            err.to_string(),
            "authentication failed at https://login.microsoftonline.com/t1: AADSTS7000215 invalid client secret (invalid_client)"
        );
        assert_eq!(err.aadsts(), Some(7000215));
        assert!(err.hint().unwrap().contains("Value"));
        assert!(err.is_sign_in());
        for (code, words) in [
            (7000222, "expired"),
            (700016, "clientId"),
            (90002, "tenantId"),
        ] {
            let err = auth(&format!("AADSTS{code}: Something. Trace ID: x"));
            assert_eq!(err.aadsts(), Some(code));
            assert!(err.hint().unwrap().contains(words), "{code}");
        }
        let unknown = auth("AADSTS50000: There was an error. Trace ID: 9 Correlation ID: 8");
        assert_eq!(unknown.hint(), None);
        assert!(
            unknown
                .to_string()
                .ends_with(": AADSTS50000: There was an error. (invalid_client)"),
            "{unknown}"
        );
        let unreachable = GraphError::LoginUnavailable {
            authority: "http://127.0.0.1:9/t1".into(),
            attempts: 1,
            waited: std::time::Duration::from_secs(2),
            last: Box::new(GraphError::Transport {
                path: "/t1/oauth2/v2.0/token".into(),
                message: "Connection refused".into(),
            }),
        };
        assert!(unreachable.is_sign_in() && unreachable.hint().is_some());
        assert!(
            unreachable
                .to_string()
                .ends_with(": Connection refused (gave up after 1 attempt in 2 s)"),
            "{unreachable}"
        );
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
        assert!(wrapped.to_string().contains("giving up after 3 attempts"));
        assert_eq!(wrapped.status(), Some(403));
        assert_eq!(wrapped.request_id(), Some("abc"));
    }
}
