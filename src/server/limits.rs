//! What every request passes through: body size and time limits, refusal of paths that try to
//! leave their folder, the answers to heads the connection layer refused, one error shape for every
//! error answer, security headers; and the checks of names and revisions taken from URLs.
//!
//! Names in a URL (tenant, type, file, run id) are checked against the repository's own naming
//! rules before anything is looked up, and a policy is then read only from git's tree of
//! `tenants/<tenant>/<type>/`, so no URL can make the server read another file. Revisions must look
//! like revisions (never like an option) and must resolve to a commit.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Duration;

use super::Problem;

/// Size, time and path checks around every handler, the error shape on every error answer, and
/// security headers on every answer.
pub(crate) async fn guard(limits: Limits, req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let rejected = req
        .headers()
        .get(super::conn::REJECTED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u16>().ok());
    let resp = if let Some(status) = rejected {
        // A head the connection layer refused (src/server/conn.rs): answered here, as JSON for
        // API paths. A client sending this header itself only gets that refusal.
        refusal(status, &limits).for_path(&path)
    } else if length.is_some_and(|n| n > limits.body as u64) {
        refusal(413, &limits).for_path(&path)
    } else if let Err(why) = check_path(&path) {
        Problem::bad_request(why).for_path(&path)
    } else {
        match tokio::time::timeout(limits.timeout, next.run(req)).await {
            Ok(r) => shaped(r, &path, &limits),
            Err(_) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the request took too long; try again",
            )
            .for_path(&path),
        }
    };
    secure(resp)
}

/// What the request guard needs to know.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub body: usize,
    pub head: usize,
    pub uri: usize,
    pub timeout: Duration,
}

/// The answer to a request refused before any handler ran.
fn refusal(status: u16, limits: &Limits) -> Problem {
    let (status, message) = match status {
        413 => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request bodies are limited to {} bytes", limits.body),
        ),
        414 => (
            StatusCode::URI_TOO_LONG,
            format!("request targets are limited to {} bytes", limits.uri),
        ),
        431 => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "request headers are limited to {} bytes and 100 lines",
                limits.head
            ),
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            "the request is malformed (request line, header names or values, or framing)".into(),
        ),
    };
    Problem::new(status, message)
}

/// An error answer made by axum itself (an extractor's rejection, a wrong method, a body over the
/// limit) gets the error shape of every other one; its headers (`Allow`, say) are kept.
fn shaped(resp: Response, path: &str, limits: &Limits) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error())
        || resp.extensions().get::<super::ProblemAnswer>().is_some()
    {
        return resp;
    }
    let problem = match status {
        StatusCode::PAYLOAD_TOO_LARGE => refusal(413, limits),
        StatusCode::METHOD_NOT_ALLOWED => Problem::new(status, "this method is not allowed here"),
        s if s.is_server_error() => Problem::internal(format!("answered {s}")),
        s => Problem::new(
            s,
            format!(
                "the request was refused: {}",
                s.canonical_reason().unwrap_or("error").to_lowercase()
            ),
        ),
    };
    let (parts, _) = resp.into_parts();
    let mut fresh = problem.for_path(path);
    for (k, v) in &parts.headers {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            fresh.headers_mut().insert(k.clone(), v.clone());
        }
    }
    fresh
}

/// The security headers every answer carries.
fn secure(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    for (k, v) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    resp
}

/// Refuses request paths with dot segments, backslashes or NUL, raw or percent-encoded.
pub(crate) fn check_path(raw: &str) -> Result<(), String> {
    let decoded = percent_decode(raw);
    for p in [raw, decoded.as_str()] {
        if p.contains('\\') || p.contains('\0') {
            return Err("backslashes and NUL are not allowed in paths".into());
        }
        if p.split('/').any(|seg| seg == ".." || seg == ".") {
            return Err("dot segments are not allowed in paths".into());
        }
    }
    Ok(())
}

/// Percent-decoding of a URL path (invalid UTF-8 replaced).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A tenant folder name: `[a-z0-9-]`, as atlas.yaml requires.
pub(crate) fn tenant_name(s: &str) -> Result<(), Problem> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Problem::bad_request("not a tenant name"))
    }
}

/// A type folder: a catalog key shape (ASCII letters and digits, starting with a letter).
pub(crate) fn kind_name(s: &str) -> Result<(), Problem> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Problem::bad_request("not a policy type"))
    }
}

/// A document file name as backups write it: `<slug>--<8 or 16 hex>.yaml`.
pub(crate) fn document_file(s: &str) -> Result<(), Problem> {
    let bad = || Problem::bad_request("not a policy document name (<slug>--<id>.yaml)");
    let stem = s.strip_suffix(".yaml").ok_or_else(bad)?;
    let (slug, id) = stem.rsplit_once("--").ok_or_else(bad)?;
    let slug_ok = !slug.is_empty()
        && slug.len() <= 60
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let id_ok = matches!(id.len(), 8 | 16) && id.chars().all(|c| c.is_ascii_hexdigit());
    if slug_ok && id_ok { Ok(()) } else { Err(bad()) }
}

/// A run id: letters, digits, `.`, `_`, `-`, not starting with `.`.
pub(crate) fn run_id(s: &str) -> Result<(), Problem> {
    let ok = !s.is_empty()
        && s.len() <= 128
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Problem::bad_request("not a run id"))
    }
}

/// A revision as a URL may name it: a commit id, `HEAD`, `HEAD~2`, a branch or tag; never
/// option-like, never with `..`, `@{` or spaces. Whether it resolves is checked by the caller.
pub(crate) fn revision(s: &str) -> Result<(), Problem> {
    let ok = !s.is_empty()
        && s.len() <= 128
        && !s.starts_with(['-', '/', '.'])
        && !s.contains("..")
        && !s.ends_with(['/', '.'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '~' | '^'));
    if ok {
        Ok(())
    } else {
        Err(Problem::bad_request(
            "not a revision (a commit id, HEAD~N, a branch or a tag)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_in_paths_is_refused_raw_and_encoded() {
        for bad in [
            "/tenants/../etc",
            "/tenants/demo/policies/x/%2e%2e",
            "/tenants/demo/policies/x/%2E%2E/y",
            "/tenants/demo%2f..%2fx",
            "/a\\b",
            "/a%5cb",
            "/a%00b",
            "/./x",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        assert!(check_path("/tenants/demo/policies/settingsCatalog/a--12345678.yaml").is_ok());
        assert!(
            check_path("/x/..y").is_ok(),
            "a name starting with dots is a name"
        );
    }

    #[test]
    fn names_follow_the_repository_rules() {
        assert!(tenant_name("contoso-1").is_ok());
        for bad in ["", "Contoso", "a/b", "..", "a b"] {
            assert!(tenant_name(bad).is_err(), "{bad}");
        }
        assert!(kind_name("settingsCatalog").is_ok());
        for bad in ["_refs", "..", "a/b", "1x", ""] {
            assert!(kind_name(bad).is_err(), "{bad}");
        }
        assert!(document_file("bitlocker-os-drive--3e3e3c21.yaml").is_ok());
        assert!(document_file("x--0123456789abcdef.yaml").is_ok());
        for bad in [
            "tenant.yaml",
            "../atlas.yaml",
            "a--3e3e3c21.ps1",
            "a--xyz.yaml",
            "/etc/passwd",
            "A--3e3e3c21.yaml",
            "--3e3e3c21.yaml",
        ] {
            assert!(document_file(bad).is_err(), "{bad}");
        }
        assert!(run_id("20260115T093000Z-test01").is_ok());
        assert!(run_id("r.interrupted").is_ok());
        for bad in ["", "../x", ".hidden", "a/b"] {
            assert!(run_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn revisions_never_look_like_options() {
        for good in [
            "HEAD",
            "HEAD~1",
            "main",
            "v2026-01",
            "3e3e3c21aa",
            "refs/heads/main",
            "HEAD^",
        ] {
            assert!(revision(good).is_ok(), "{good}");
        }
        for bad in [
            "--output=x",
            "-p",
            "a..b",
            "HEAD@{1}",
            "a b",
            "",
            "/etc",
            "x/",
        ] {
            assert!(revision(bad).is_err(), "{bad}");
        }
    }
}
