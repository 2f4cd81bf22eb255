//! App-only authentication (client credentials, docs/graph-notes.md, "Authentication"): client
//! secret or certificate assertion, and a token cache shared by every request of one client.
//!
//! The token endpoint throttles too, so a token is requested once per lifetime, under a single-flight
//! lock. Secrets live in [`SecretString`], which never prints its value.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::GraphError;
use super::retry::{self, Failure, SignInPolicy};

/// A secret value: `Debug` and `Display` print `***`; read it with [`SecretString::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> SecretString {
        SecretString(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(value)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How the app proves its identity.
#[derive(Debug, Clone)]
pub enum Credential {
    Secret(SecretString),
    /// PEM certificate (the first CERTIFICATE block is used when it holds a chain) and its RSA key.
    Certificate {
        cert_pem: String,
        key_pem: SecretString,
    },
}

/// The credential in the form needed to build a token request.
enum Proof {
    Secret(SecretString),
    Assertion(Box<AssertionSigner>),
}

/// Signs client assertions with the certificate's key.
pub(crate) struct AssertionSigner {
    key: EncodingKey,
    x5t: String,
    x5t_s256: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub(crate) struct AssertionClaims {
    pub aud: String,
    pub iss: String,
    pub sub: String,
    pub jti: String,
    pub nbf: u64,
    pub iat: u64,
    pub exp: u64,
}

const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

impl AssertionSigner {
    pub(crate) fn new(
        cert_pem: &str,
        key_pem: &SecretString,
    ) -> Result<AssertionSigner, GraphError> {
        let certificate = |message: String| GraphError::Certificate { message };
        let der = x509_parser::pem::Pem::iter_from_buffer(cert_pem.as_bytes())
            .filter_map(Result::ok)
            .find(|pem| pem.label == "CERTIFICATE")
            .ok_or_else(|| certificate("no CERTIFICATE block in the certificate PEM".into()))?
            .contents;
        x509_parser::parse_x509_certificate(&der)
            .map_err(|err| certificate(format!("not an X.509 certificate: {err}")))?;
        let key = EncodingKey::from_rsa_pem(key_pem.expose().as_bytes())
            .map_err(|err| certificate(format!("private key is not an RSA PEM key ({err})")))?;
        Ok(AssertionSigner {
            key,
            x5t: URL_SAFE_NO_PAD.encode(Sha1::digest(&der)),
            x5t_s256: URL_SAFE_NO_PAD.encode(Sha256::digest(&der)),
        })
    }

    /// An RS256 assertion for `token_url`, valid for ten minutes from `now`.
    pub(crate) fn sign(
        &self,
        client_id: &str,
        token_url: &str,
        now: SystemTime,
    ) -> Result<String, GraphError> {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.x5t = Some(self.x5t.clone());
        header.x5t_s256 = Some(self.x5t_s256.clone());
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let claims = AssertionClaims {
            aud: token_url.to_owned(),
            iss: client_id.to_owned(),
            sub: client_id.to_owned(),
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|err| GraphError::Certificate {
            message: format!("signing the client assertion failed ({err})"),
        })
    }
}

struct CachedToken {
    value: SecretString,
    renew_at: Instant,
}

/// How long a failed sign-in is answered from memory: every request of a run that needs a token
/// fails with the same error at once, and the next run (or reconcile round) asks again.
const FAILURE_MEMORY: Duration = Duration::from_secs(30);

#[derive(Default)]
struct TokenState {
    token: Option<CachedToken>,
    failure: Option<(GraphError, Instant)>,
}

/// Token cache with single-flight refresh.
pub(crate) struct TokenCache {
    token_url: Url,
    /// `<login host>/<tenant id>`, as shown in errors.
    authority: String,
    /// Who this client signs in for (the tenant's name), in wait notices.
    label: String,
    policy: SignInPolicy,
    scope: String,
    client_id: String,
    proof: Proof,
    current: Mutex<TokenState>,
    /// What the last successful sign-in showed (`check` reads it).
    facts: std::sync::Mutex<Option<SignInFacts>>,
    pub(crate) requests: AtomicU64,
}

/// What a sign-in shows besides the token: the application permissions the token carries and the
/// token endpoint's clock, for the onboarding check. Never the token itself.
#[derive(Debug, Clone, Default)]
pub struct SignInFacts {
    /// The token's `roles` claim; `None` when the token is not a JWT the client can read (an
    /// empty list when it is one without the claim: the app holds no application permission).
    pub roles: Option<Vec<String>>,
    /// Seconds the token endpoint's `Date` header is ahead of this machine's clock (negative:
    /// behind), to the second; `None` without the header.
    pub clock_skew: Option<i64>,
}

/// The `roles` claim of an access token, read without checking its signature (the token is for
/// Graph to check; the claim only tells what the app was granted).
pub(crate) fn token_roles(token: &str) -> Option<Vec<String>> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let roles = match claims.get("roles") {
        None => vec![],
        Some(v) => v
            .as_array()?
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect(),
    };
    Some(roles)
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("token_url", &self.token_url.as_str())
            .field("scope", &self.scope)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: serde_json::Value,
}

impl TokenCache {
    pub(crate) fn new(
        login_base: &Url,
        graph_base: &Url,
        config: &super::ClientConfig,
    ) -> Result<TokenCache, GraphError> {
        let (tenant_id, client_id, credential) =
            (&config.tenant_id, &config.client_id, &config.credential);
        let authority = format!("{}/{tenant_id}", crate::cloud::trimmed(login_base));
        let token_url = format!("{authority}/oauth2/v2.0/token");
        let token_url =
            Url::parse(&token_url).map_err(|_| GraphError::InsecureEndpoint { url: token_url })?;
        let proof = match credential {
            Credential::Secret(secret) => Proof::Secret(secret.clone()),
            Credential::Certificate { cert_pem, key_pem } => {
                Proof::Assertion(Box::new(AssertionSigner::new(cert_pem, key_pem)?))
            }
        };
        Ok(TokenCache {
            token_url,
            authority,
            label: config.label.clone().unwrap_or_else(|| tenant_id.clone()),
            policy: config.sign_in,
            scope: format!("{}/.default", crate::cloud::trimmed(graph_base)),
            client_id: client_id.to_owned(),
            proof,
            current: Mutex::new(TokenState::default()),
            facts: std::sync::Mutex::new(None),
            requests: AtomicU64::new(0),
        })
    }

    /// A valid access token: the cached one, or a new one (only one refresh runs at a time). A
    /// sign-in that just failed fails again at once (see [`FAILURE_MEMORY`]).
    pub(crate) async fn token(&self, http: &reqwest::Client) -> Result<SecretString, GraphError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.token.as_ref()
            && token.renew_at > Instant::now()
        {
            return Ok(token.value.clone());
        }
        if let Some((error, at)) = &current.failure
            && at.elapsed() < FAILURE_MEMORY
        {
            return Err(error.clone());
        }
        match self.fetch(http).await {
            Ok((value, lifetime)) => {
                *current = TokenState {
                    token: Some(CachedToken {
                        value: value.clone(),
                        renew_at: Instant::now() + lifetime,
                    }),
                    failure: None,
                };
                Ok(value)
            }
            Err(error) => {
                if error.is_sign_in() {
                    current.failure = Some((error.clone(), Instant::now()));
                }
                Err(error)
            }
        }
    }

    /// What the last successful sign-in showed.
    pub(crate) fn facts(&self) -> Option<SignInFacts> {
        self.facts.lock().ok().and_then(|f| f.clone())
    }

    /// Forget `rejected` (Graph said it is invalid) unless it was already replaced.
    pub(crate) async fn invalidate(&self, rejected: &SecretString) {
        let mut current = self.current.lock().await;
        if current
            .token
            .as_ref()
            .is_some_and(|token| &token.value == rejected)
        {
            current.token = None;
        }
    }

    /// A token request, retried within the [`SignInPolicy`]: a refused credential at once, a
    /// token endpoint that cannot be reached (or keeps failing) after its few attempts.
    async fn fetch(&self, http: &reqwest::Client) -> Result<(SecretString, Duration), GraphError> {
        let policy = self.policy;
        let mut attempt = 0;
        let mut waited = Duration::ZERO;
        // The budget bounds the whole sign-in, attempts included: an endpoint that accepts the
        // connection and never answers costs one attempt's timeout, not the client's.
        let started = Instant::now();
        let per_attempt = policy.budget.max(Duration::from_secs(5));
        loop {
            attempt += 1;
            let (failure, error, retry_after) = match self.fetch_once(http, per_attempt).await {
                Ok(token) => return Ok(token),
                Err(failed) => failed,
            };
            if !retry::retryable(failure, true) {
                return Err(error);
            }
            let delay = retry_after.unwrap_or_else(|| policy.delay(attempt - 1));
            if attempt >= policy.attempts.max(1) || started.elapsed() + delay > policy.budget {
                return Err(GraphError::LoginUnavailable {
                    authority: self.authority.clone(),
                    attempts: attempt,
                    waited,
                    last: Box::new(error),
                });
            }
            tracing::warn!(
                target: super::WAIT_LOG_TARGET,
                "{}: sign-in at {} failed ({}); attempt {attempt} of {}, retrying in {}",
                self.label,
                self.authority,
                error.cause(),
                policy.attempts,
                super::seconds(delay),
            );
            waited += delay;
            tokio::time::sleep(delay).await;
        }
    }

    async fn fetch_once(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> Result<(SecretString, Duration), (Failure, GraphError, Option<Duration>)> {
        let mut form = vec![
            ("client_id", self.client_id.clone()),
            ("scope", self.scope.clone()),
            ("grant_type", "client_credentials".to_owned()),
        ];
        match &self.proof {
            Proof::Secret(secret) => form.push(("client_secret", secret.expose().to_owned())),
            Proof::Assertion(signer) => {
                let assertion = signer
                    .sign(&self.client_id, self.token_url.as_str(), SystemTime::now())
                    .map_err(|err| (Failure::Status(0), err, None))?;
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ));
                form.push(("client_assertion", assertion));
            }
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let path = self.token_url.path().to_owned();
        let transport = |err: reqwest::Error| {
            let failure = Failure::from_reqwest(&err);
            let message = super::error::transport_message(&err);
            (
                failure,
                GraphError::Transport {
                    path: path.clone(),
                    message,
                },
                None,
            )
        };
        let started = Instant::now();
        let response = http
            .post(self.token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(timeout)
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = retry::retry_after_header(response.headers());
        let server_date = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok());
        let body = response.bytes().await.map_err(transport)?;
        tracing::debug!(
            status,
            duration_ms = started.elapsed().as_millis() as u64,
            "token request"
        );
        if (200..300).contains(&status) {
            return self.accepted(&body, server_date).ok_or_else(|| {
                let err = GraphError::InvalidResponse {
                    path: path.clone(),
                    message: "token response without access_token/expires_in".into(),
                };
                (Failure::Status(status), err, None)
            });
        }
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let text = |key: &str| {
            json.get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let mut description = text("error_description");
        if description.is_empty() {
            description = super::error::parse_error_body(&body).message;
        }
        if let Proof::Secret(secret) = &self.proof
            && !secret.expose().is_empty()
        {
            description = description.replace(secret.expose(), "***");
        }
        let err = GraphError::Auth {
            authority: self.authority.clone(),
            status,
            code: text("error"),
            description,
        };
        Err((Failure::Status(status), err, retry_after))
    }
}

impl TokenCache {
    /// The token of a success answer and how long to use it; keeps what the sign-in showed
    /// (`server_date`: the answer's `Date`). `None` for an answer without a token.
    fn accepted(
        &self,
        body: &[u8],
        server_date: Option<SystemTime>,
    ) -> Option<(SecretString, Duration)> {
        let parsed: TokenResponse = serde_json::from_slice(body).ok()?;
        let expires_in = match &parsed.expires_in {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .unwrap_or(300);
        let secs = |t: SystemTime| {
            t.duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        };
        let clock_skew = server_date.map(|d| secs(d) - secs(SystemTime::now()));
        if let Ok(mut facts) = self.facts.lock() {
            *facts = Some(SignInFacts {
                roles: token_roles(&parsed.access_token),
                clock_skew,
            });
        }
        Some((
            SecretString(parsed.access_token),
            cache_lifetime(expires_in),
        ))
    }
}

/// How long to use a token: until 5 minutes before expiry, or half its life when that is short.
fn cache_lifetime(expires_in: u64) -> Duration {
    if expires_in >= 600 {
        Duration::from_secs(expires_in - 300)
    } else {
        Duration::from_secs(expires_in) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = SecretString::new("hunter2-value");
        assert_eq!(format!("{secret:?} {secret}"), "*** ***");
        let credential = Credential::Certificate {
            cert_pem: "cert".into(),
            key_pem: SecretString::new(concat!("-----BEGIN PRIVATE", " KEY-----abc")),
        };
        assert!(!format!("{credential:?}").contains("PRIVATE"));
        assert_eq!(secret.expose(), "hunter2-value");
    }

    #[test]
    fn lifetime_renews_early() {
        assert_eq!(cache_lifetime(3599), Duration::from_secs(3299));
        assert_eq!(cache_lifetime(600), Duration::from_secs(300));
        assert_eq!(cache_lifetime(120), Duration::from_secs(60));
        assert_eq!(cache_lifetime(0), Duration::ZERO);
    }

    #[test]
    fn certificate_errors_are_clear_and_keyless() {
        let key = SecretString::new(concat!(
            "-----BEGIN PRIVATE",
            " KEY-----\nAAAA\n-----END PRIVATE",
            " KEY-----\n"
        ));
        let err = AssertionSigner::new("no pem here", &key).err().unwrap();
        assert!(err.to_string().contains("no CERTIFICATE block"));
        let cert = rcgen::generate_simple_self_signed(vec!["atlas".into()]).unwrap();
        let err = AssertionSigner::new(&cert.cert.pem(), &key).err().unwrap();
        assert!(matches!(err, GraphError::Certificate { .. }));
        assert!(!err.to_string().contains("AAAA"));
    }
}
