//! The token endpoint (docs/graph-notes.md, "Authentication"): client secret or a
//! certificate-signed JWT assertion (RS256/PS256, `x5t` / `x5t#S256` thumbprints), opaque bearer
//! tokens, AAD error bodies. Submitted secrets and assertions never appear in an answer or a log
//! line.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use sha1::Digest;

use super::error::aad_error;
use super::seed::ClientSeed;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A registered certificate, reduced to what verification needs.
#[derive(Clone)]
pub(crate) struct CertKey {
    pub x5t: String,
    pub x5t_s256: String,
    pub public_key_der: Vec<u8>,
}

/// An app registration with its certificates parsed.
#[derive(Clone)]
pub(crate) struct AuthClient {
    pub seed: ClientSeed,
    pub certs: Vec<CertKey>,
}

impl AuthClient {
    pub fn new(seed: &ClientSeed) -> AuthClient {
        let certs = seed
            .certificates
            .iter()
            .filter_map(|pem| cert_key(pem))
            .collect();
        AuthClient {
            seed: seed.clone(),
            certs,
        }
    }
}

fn cert_key(pem: &str) -> Option<CertKey> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).ok()?;
    let der = pem.contents;
    let (_, cert) = x509_parser::parse_x509_certificate(&der).ok()?;
    let pk = cert
        .tbs_certificate
        .subject_pki
        .subject_public_key
        .data
        .to_vec();
    Some(CertKey {
        x5t: URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&der)),
        x5t_s256: URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&der)),
        public_key_der: pk,
    })
}

/// An issued access token.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub tenant: String,
    pub client_id: String,
    pub roles: Option<Vec<String>>,
    pub expires: Instant,
}

/// A rejected token request: HTTP status and AAD body.
pub(crate) type AadError = (u16, Value);

/// Checks a client-credentials form for `clients` of `tenant_id`; `token_url` is the `aud` an
/// assertion must carry.
pub(crate) fn authenticate(
    clients: &[AuthClient],
    tenant_id: &str,
    token_url: &str,
    form: &HashMap<String, String>,
) -> Result<TokenInfo, AadError> {
    let get = |k: &str| form.get(k).map(String::as_str);
    check_grant(get("grant_type"), get("scope"))?;
    let client = find_client(clients, get("client_id"))?;
    check_credential(
        client,
        token_url,
        get("client_secret"),
        get("client_assertion_type"),
        get("client_assertion"),
    )?;
    Ok(TokenInfo {
        tenant: tenant_id.to_string(),
        client_id: client.seed.client_id.clone(),
        roles: client.seed.roles.clone(),
        expires: Instant::now(),
    })
}

/// Stage 1: the client credentials grant with a `/.default` scope.
fn check_grant(grant_type: Option<&str>, scope: Option<&str>) -> Result<(), AadError> {
    if grant_type != Some("client_credentials") {
        return Err((
            400,
            aad_error(
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type.",
            ),
        ));
    }
    let Some(scope) = scope else {
        return Err((
            400,
            aad_error(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'scope'.",
            ),
        ));
    };
    if !scope.ends_with("/.default") {
        return Err((
            400,
            aad_error(
                "invalid_scope",
                1002012,
                "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
            ),
        ));
    }
    Ok(())
}

/// Stage 2: the app registration named by `client_id`.
fn find_client<'a>(
    clients: &'a [AuthClient],
    client_id: Option<&str>,
) -> Result<&'a AuthClient, AadError> {
    let Some(client_id) = client_id else {
        return Err((
            400,
            aad_error(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            ),
        ));
    };
    clients
        .iter()
        .find(|c| c.seed.client_id.eq_ignore_ascii_case(client_id))
        .ok_or_else(|| {
            (
                400,
                aad_error(
                    "unauthorized_client",
                    700016,
                    "Application with the given identifier was not found in the directory.",
                ),
            )
        })
}

/// Stage 3: the client's secret or certificate assertion.
fn check_credential(
    client: &AuthClient,
    token_url: &str,
    secret: Option<&str>,
    assertion_type: Option<&str>,
    assertion: Option<&str>,
) -> Result<(), AadError> {
    let invalid = |code, msg: &str| (401, aad_error("invalid_client", code, msg));
    match (secret, assertion_type, assertion) {
        (Some(secret), _, _) => {
            let ok = client
                .seed
                .client_secret
                .as_deref()
                .is_some_and(|s| constant_eq(s.as_bytes(), secret.as_bytes()));
            if ok {
                Ok(())
            } else {
                Err(invalid(
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.",
                ))
            }
        }
        (None, Some(ASSERTION_TYPE), Some(assertion)) => {
            verify_assertion(client, token_url, assertion).map_err(|(code, msg)| invalid(code, msg))
        }
        (None, Some(_), Some(_)) => Err((
            400,
            aad_error(
                "invalid_request",
                70011,
                "The provided client_assertion_type is not supported.",
            ),
        )),
        _ => Err((
            400,
            aad_error(
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ),
        )),
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn verify_assertion(
    client: &AuthClient,
    token_url: &str,
    assertion: &str,
) -> Result<(), (u32, &'static str)> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| (700025u32, "Client assertion is not a valid JWT."))?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
        return Err((
            700027,
            "Client assertion failed signature validation. [Reason - unsupported algorithm.]",
        ));
    }
    let cert = client
        .certs
        .iter()
        .find(|c| {
            header.x5t_s256.as_deref() == Some(c.x5t_s256.as_str())
                || header.x5t.as_deref() == Some(c.x5t.as_str())
        })
        .ok_or((
            700027,
            "Client assertion failed signature validation. [Reason - The key was not found.]",
        ))?;
    let key = DecodingKey::from_rsa_der(&cert.public_key_der);
    let mut v = Validation::new(header.alg);
    v.algorithms = vec![Algorithm::RS256, Algorithm::PS256];
    v.leeway = 30;
    v.validate_nbf = true;
    v.set_audience(&[token_url]);
    v.set_issuer(&[client.seed.client_id.as_str()]);
    v.sub = Some(client.seed.client_id.clone());
    v.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    jsonwebtoken::decode::<Value>(assertion, &key, &v).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature | K::ImmatureSignature => (
                700024u32,
                "Client assertion is not within its valid time range.",
            ),
            K::InvalidAudience => (
                700212,
                "Client assertion audience claim does not match the token endpoint.",
            ),
            K::InvalidIssuer | K::InvalidSubject | K::MissingRequiredClaim(_) => (
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter.",
            ),
            _ => (700027, "Client assertion failed signature validation."),
        }
    })?;
    Ok(())
}

/// A fresh access token shaped as Graph's are: a JWT whose claims say who it is for (`tid`,
/// `appid`), until when (`exp`) and which application permissions the app holds (`roles`, every
/// permission the emulator knows for a client seeded without a list), and its success body. The
/// signature is random: Graph's tokens are for Graph to check, and the emulator checks its own by
/// looking them up (docs/graph-notes.md, "Authentication").
pub(crate) fn token_body(lifetime: Duration, info: &TokenInfo, audience: &str) -> (String, Value) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let secs = lifetime.as_secs();
    let roles: Vec<String> = match &info.roles {
        Some(r) => r.clone(),
        None => super::behaviour::all_roles(),
    };
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "emulator"});
    let mut claims = json!({
        "aud": audience,
        "iss": format!("https://sts.windows.net/{}/", info.tenant),
        "iat": now, "nbf": now, "exp": now + secs,
        "appid": info.client_id, "appidacr": "1", "idtyp": "app",
        "tid": info.tenant,
        "uti": uuid::Uuid::new_v4().simple().to_string(),
        "ver": "1.0",
    });
    // As in Entra: no `roles` claim when the app holds no application permission.
    if !roles.is_empty() {
        claims["roles"] = json!(roles);
    }
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let signature = URL_SAFE_NO_PAD.encode(
        uuid::Uuid::new_v4()
            .as_bytes()
            .iter()
            .chain(uuid::Uuid::new_v4().as_bytes())
            .copied()
            .collect::<Vec<u8>>(),
    );
    let token = format!("{}.{}.{signature}", part(&header), part(&claims));
    let body = json!({"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": token});
    (token, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> AuthClient {
        AuthClient::new(&ClientSeed {
            client_id: "cid".into(),
            client_secret: Some("topsecret".into()),
            certificates: vec![],
            roles: None,
        })
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn secret_ok_and_wrong() {
        let base = [
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_id", "cid"),
        ];
        let mut ok = form(&base);
        ok.insert("client_secret".into(), "topsecret".into());
        assert!(authenticate(&[client()], "t", "u", &ok).is_ok());
        let mut bad = form(&base);
        bad.insert("client_secret".into(), "guess-me".into());
        let (status, body) = authenticate(&[client()], "t", "u", &bad).unwrap_err();
        assert_eq!(status, 401);
        assert_eq!(body["error_codes"][0], 7000215);
        assert!(!body.to_string().contains("guess-me"));
        let none = form(&base);
        assert_eq!(
            authenticate(&[client()], "t", "u", &none).unwrap_err().0,
            400
        );
    }

    #[test]
    fn scope_and_grant_checked() {
        let f = form(&[
            ("grant_type", "password"),
            ("scope", "x/.default"),
            ("client_id", "cid"),
        ]);
        assert_eq!(
            authenticate(&[client()], "t", "u", &f).unwrap_err().1["error"],
            "unsupported_grant_type"
        );
        let f = form(&[
            ("grant_type", "client_credentials"),
            ("scope", "x"),
            ("client_id", "cid"),
        ]);
        assert_eq!(
            authenticate(&[client()], "t", "u", &f).unwrap_err().1["error"],
            "invalid_scope"
        );
    }

    #[test]
    fn tokens_are_unique_jwts_that_name_the_app_and_its_roles() {
        let info = |roles: Option<Vec<String>>| TokenInfo {
            tenant: "tid-1".into(),
            client_id: "cid".into(),
            roles,
            expires: Instant::now(),
        };
        let claims = |token: &str| -> Value {
            let part = token.split('.').nth(1).unwrap();
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
        };
        let some = Some(vec!["Policy.Read.All".to_string()]);
        let (a, body) = token_body(Duration::from_secs(3599), &info(some), "https://graph");
        let (b, _) = token_body(Duration::from_secs(1), &info(None), "https://graph");
        assert_ne!(a, b);
        assert_eq!(a.split('.').count(), 3, "a JWT");
        assert_eq!(body["expires_in"], 3599);
        let c = claims(&a);
        assert_eq!(c["roles"], json!(["Policy.Read.All"]));
        assert_eq!(
            (c["tid"].as_str(), c["appid"].as_str()),
            (Some("tid-1"), Some("cid"))
        );
        assert_eq!(
            c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(),
            3599
        );
        let every = claims(&b)["roles"].as_array().unwrap().len();
        assert!(
            every > 10,
            "a client seeded without roles holds every permission: {every}"
        );
        let (none, _) = token_body(Duration::from_secs(1), &info(Some(vec![])), "https://graph");
        assert!(
            claims(&none).get("roles").is_none(),
            "no permission, no claim"
        );
    }
}
