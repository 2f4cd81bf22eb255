//! Who is asking: bearer tokens from `server.tokens`, stored only as their sha256, each scoped to
//! tenants and optionally allowed to trigger reconcile rounds — and, for `serve --demo`, a
//! [`Session`] token that lives only as long as the server, with a one-time login link.
//!
//! A token arrives as `Authorization: Bearer <token>` (scripts, monitoring). People in a browser,
//! where no header can be added without JavaScript, log in once with `POST /login` (or the one-time link of `serve --demo`, `GET /login/once`): the server
//! keeps a session (in memory) that refers to the token by its hash, and the `atlas_session` cookie
//! holds only the session's random id — never the token. Logging out ends the session, and a token
//! taken out of `server.tokens` ends every session made with it, since a session is checked against
//! the tokens in force on every request. A presented token is hashed and compared with every
//! configured hash in constant time, so neither a match's position nor a prefix leaks through
//! timing. A token is never logged, echoed or kept beyond the request.

use crate::config::{ServerToken, TokenRole};
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

/// The cookie `POST /login` sets: a session id.
pub const COOKIE: &str = "atlas_session";

/// Longest a browser session lasts.
pub const SESSION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

/// Browser sessions: session id → the token's sha256 and when the session began.
#[derive(Debug, Default)]
pub struct Sessions(
    std::sync::Mutex<std::collections::HashMap<String, (String, std::time::Instant)>>,
);

impl Sessions {
    fn map(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (String, std::time::Instant)>>
    {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new session for a token that authenticated; its id.
    pub fn open(&self, token: &str) -> String {
        let id = new_token().replacen("atl_", "ses_", 1);
        let mut map = self.map();
        map.retain(|_, (_, at)| at.elapsed() < SESSION_LIFETIME);
        map.insert(id.clone(), (sha256_hex(token), std::time::Instant::now()));
        id
    }

    /// The token hash of a live session.
    pub fn token_hash(&self, id: &str) -> Option<String> {
        let map = self.map();
        map.get(id)
            .filter(|(_, at)| at.elapsed() < SESSION_LIFETIME)
            .map(|(h, _)| h.clone())
    }

    /// Ends a session.
    pub fn close(&self, id: &str) {
        self.map().remove(id);
    }
}

/// An authenticated caller: the token's name and scope (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub tenants: Vec<String>,
    pub role: TokenRole,
    /// The configured tenants it may read, for the tenant switcher (set by `App::caller`).
    pub readable: Vec<String>,
    /// The anti-forgery value its forms carry when the token came in the login cookie (a
    /// browser); `None` for a bearer header, which no other site can make a browser send.
    pub csrf: Option<String>,
}

impl Caller {
    pub fn allows(&self, tenant: &str) -> bool {
        self.tenants.iter().any(|t| t == "*" || t == tenant)
    }

    /// Whether the token's role includes `role`.
    pub fn may(&self, role: TokenRole) -> bool {
        self.role >= role
    }
}

/// The anti-forgery value of a browser session: a keyed hash of its id, so it is stable for the
/// session, differs per session and per server start, and reveals nothing of the id.
pub fn csrf_value(key: &[u8; 32], session: &str) -> String {
    let mut h = Sha256::new();
    h.update(key);
    h.update(sha256_hex(session).as_bytes());
    hex::encode(h.finalize())
}

/// Lower-case hex sha256 of a token, as `server.tokens[].sha256` stores it.
pub fn sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token (256 bits, URL-safe), for `serve --new-token`.
pub fn new_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    format!(
        "atl_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// A token that holds for one start of the server only, beside `server.tokens`, and a single-use
/// code that logs one browser in with it (`GET /login/once?code=…`, which `serve --demo` prints).
/// The token is never written anywhere: the server knows it by its hash like every other token,
/// and keeps the token itself only until the code is used or expires, to set it as the login
/// cookie. The code is kept as its hash, compared in constant time, and spent on first use.
pub struct Session {
    token: ServerToken,
    once: std::sync::Mutex<Option<Once>>,
}

/// The pending one-time login.
struct Once {
    code_sha256: String,
    token: String,
    expires: std::time::Instant,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("name", &self.token.name)
            .field("tenants", &self.token.tenants)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A new random token named `name` for `tenants` with `role`, and the code that logs a
    /// browser in with it once within `ttl` (shown to whoever starts the server, never logged).
    pub fn new(
        name: &str,
        tenants: Vec<String>,
        role: TokenRole,
        ttl: std::time::Duration,
    ) -> (Session, String) {
        let token = new_token();
        let code = {
            use base64::Engine;
            let bytes: [u8; 32] = rand::random();
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        };
        let session = Session {
            token: ServerToken {
                name: name.to_string(),
                sha256: sha256_hex(&token),
                tenants,
                trigger: false,
                roles: vec![role],
            },
            once: std::sync::Mutex::new(Some(Once {
                code_sha256: sha256_hex(&code),
                token,
                expires: std::time::Instant::now() + ttl,
            })),
        };
        (session, code)
    }

    /// The session's token as the server checks it (its hash).
    pub fn token(&self) -> &ServerToken {
        &self.token
    }

    /// The token to set as the login cookie when `code` is the pending code and has not expired;
    /// the code is spent then, and `None` answers it from then on (an expired code is dropped).
    pub fn redeem(&self, code: &str) -> Option<String> {
        let mut once = self.once.lock().unwrap_or_else(|p| p.into_inner());
        let pending = once.as_ref()?;
        if pending.expires <= std::time::Instant::now() {
            *once = None;
            return None;
        }
        if !ct_eq(sha256_hex(code).as_bytes(), pending.code_sha256.as_bytes()) {
            return None;
        }
        once.take().map(|o| o.token)
    }
}

/// The configured token `presented` is, compared in constant time with every configured hash.
pub fn authenticate(tokens: &[ServerToken], presented: &str) -> Option<Caller> {
    if presented.is_empty() {
        return None;
    }
    by_hash(tokens, &sha256_hex(presented))
}

/// The configured token whose sha256 is `digest` (a session's), compared in constant time.
pub fn by_hash(tokens: &[ServerToken], digest: &str) -> Option<Caller> {
    let mut found = None;
    for t in tokens {
        // Every hash is compared, whether an earlier one matched or not.
        if ct_eq(digest.as_bytes(), t.sha256.to_ascii_lowercase().as_bytes()) && found.is_none() {
            found = Some(Caller {
                name: t.name.clone(),
                tenants: t.tenants.clone(),
                role: t.role(),
                readable: vec![],
                csrf: None,
            });
        }
    }
    found
}

/// Equality whose time does not depend on where the inputs differ.
pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a request presents: a bearer token, else a session cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    Bearer(String),
    Session(String),
}

/// What the request carries: the bearer header first, else the session cookie.
pub fn presented(headers: &HeaderMap) -> Option<Presented> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, rest) = v.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| Presented::Bearer(rest.trim().to_string()));
    }
    session_cookie(headers).map(Presented::Session)
}

/// The session id of the login cookie.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == COOKIE).then(|| cookie_value(v))
        })
}

/// `Set-Cookie` value that logs a browser in with a session id.
pub fn login_cookie(session: &str, secure: bool) -> String {
    let value: String = url::form_urlencoded::byte_serialize(session.as_bytes()).collect();
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/{secure}")
}

/// A form posted from another site (login CSRF: logging a person in with someone else's token):
/// the browser says so in `Sec-Fetch-Site`, or its `Origin` names another host than `Host`.
/// Clients that send neither (scripts) are not browsers posting forms across sites.
pub fn cross_site(headers: &HeaderMap) -> bool {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match (get("origin"), get("host")) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => url::Url::parse(origin)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
            })
            .is_none_or(|o| !o.eq_ignore_ascii_case(host)),
        _ => false,
    }
}

/// `Set-Cookie` value that logs a browser out.
pub fn logout_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// Decodes a cookie value set by [`login_cookie`].
pub fn cookie_value(v: &str) -> String {
    url::form_urlencoded::parse(format!("t={v}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use std::time::Duration;

    #[test]
    fn cross_site_posts_are_recognized() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(!cross_site(&h(&[])));
        assert!(!cross_site(&h(&[("sec-fetch-site", "same-origin")])));
        assert!(cross_site(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&h(&[("sec-fetch-site", "same-site")])));
        let host = ("host", "127.0.0.1:8080");
        assert!(!cross_site(&h(&[
            ("origin", "http://127.0.0.1:8080"),
            host
        ])));
        assert!(cross_site(&h(&[("origin", "http://evil.example"), host])));
        assert!(cross_site(&h(&[("origin", "null"), host])));
        assert!(login_cookie("t", true).ends_with("; Secure"));
        assert!(!login_cookie("t", false).contains("Secure"));
    }

    fn token(name: &str, secret: &str, tenants: &[&str]) -> ServerToken {
        ServerToken {
            name: name.into(),
            sha256: sha256_hex(secret),
            tenants: tenants.iter().map(|t| t.to_string()).collect(),
            trigger: false,
            roles: vec![],
        }
    }

    #[test]
    fn tokens_match_by_hash_and_carry_their_scope() {
        let tokens = [token("a", "alpha", &["x"]), token("b", "beta", &["*"])];
        let a = authenticate(&tokens, "alpha").unwrap();
        assert_eq!(a.name, "a");
        assert!(a.allows("x") && !a.allows("y"));
        assert!(authenticate(&tokens, "beta").unwrap().allows("anything"));
        assert_eq!(authenticate(&tokens, "gamma"), None);
        assert_eq!(authenticate(&tokens, ""), None);
        assert_eq!(
            authenticate(&tokens, &sha256_hex("alpha")),
            None,
            "the hash is not the token"
        );
    }

    #[test]
    fn bearer_header_wins_over_the_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("x=1; atlas_session=from-cookie"),
        );
        assert_eq!(
            presented(&h),
            Some(Presented::Session("from-cookie".into()))
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer from-header"),
        );
        assert_eq!(presented(&h), Some(Presented::Bearer("from-header".into())));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(presented(&h), None, "another scheme is no token");
    }

    #[test]
    fn new_tokens_are_random_and_cookie_safe() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.len() > 40);
        assert_eq!(
            cookie_value(
                login_cookie(&a, false)
                    .split(';')
                    .next()
                    .unwrap()
                    .split_once('=')
                    .unwrap()
                    .1
            ),
            a
        );
        assert_eq!(
            cookie_value(
                login_cookie("a b;c", false)
                    .split(';')
                    .next()
                    .unwrap()
                    .split_once('=')
                    .unwrap()
                    .1
            ),
            "a b;c"
        );
    }

    #[test]
    fn sessions_refer_to_tokens_by_hash_and_end() {
        let sessions = Sessions::default();
        let tokens = [token("a", "alpha", &["x"])];
        let id = sessions.open("alpha");
        assert!(id.starts_with("ses_") && !id.contains("alpha"));
        assert_ne!(sessions.open("alpha"), id, "one session per login");
        let hash = sessions.token_hash(&id).unwrap();
        assert_eq!(by_hash(&tokens, &hash).unwrap().name, "a");
        assert_eq!(
            by_hash(&[], &hash),
            None,
            "a token taken out ends its sessions"
        );
        sessions.close(&id);
        assert_eq!(sessions.token_hash(&id), None);
        assert_eq!(sessions.token_hash("ses_forged"), None);
        let key = [7u8; 32];
        assert_ne!(csrf_value(&key, &id), csrf_value(&[8u8; 32], &id));
        assert_eq!(csrf_value(&key, &id).len(), 64);
    }

    #[test]
    fn a_one_time_code_logs_in_once_with_the_sessions_token() {
        let hour = std::time::Duration::from_secs(3600);
        let (s, code) = Session::new("demo", vec!["demo".into()], TokenRole::Restore, hour);
        assert!(code.len() >= 43, "{code}");
        assert_eq!(s.redeem("not the code"), None);
        let token = s.redeem(&code).expect("the first use");
        assert_eq!(s.redeem(&code), None, "a second use is refused");
        let c = authenticate(std::slice::from_ref(s.token()), &token).unwrap();
        assert_eq!((c.name.as_str(), c.role), ("demo", TokenRole::Restore));
        assert!(c.allows("demo") && !c.allows("other"));
        assert_ne!(
            s.token().sha256,
            sha256_hex(&code),
            "the code is not the token"
        );
        assert!(!format!("{s:?}").contains(&token));

        let (expired, code) = Session::new("demo", vec![], TokenRole::Read, Duration::ZERO);
        assert_eq!(expired.redeem(&code), None, "expired");
    }

    #[test]
    fn constant_time_equality() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
