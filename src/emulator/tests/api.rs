//! End-to-end tests of authentication (secret and certificate assertion), permissions, error
//! bodies and headers, and missing-id status codes.

use reqwest::Method;
use serde_json::json;

use super::fixture::{APP, RO, SECRET, TENANT, boot, boot_seeds, seed_with};
use crate::emulator::*;

#[tokio::test]
async fn token_by_secret_and_aad_errors() {
    let env = boot(EmulatorConfig::default()).await;
    let (s, b) = env
        .token_req(TENANT, &[("client_id", APP), ("client_secret", SECRET)])
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["expires_in"], 3599);
    assert_eq!(
        b["access_token"].as_str().unwrap().split('.').count(),
        3,
        "shaped as Graph's tokens: a JWT"
    );
    let (s, b) = env
        .token_req(
            TENANT,
            &[("client_id", APP), ("client_secret", "wrong-guess-123")],
        )
        .await;
    assert_eq!(s, 401);
    assert_eq!(b["error"], "invalid_client");
    assert_eq!(b["error_codes"][0], 7000215);
    assert!(
        b["trace_id"].is_string() && b["correlation_id"].is_string() && b["timestamp"].is_string()
    );
    assert!(!b.to_string().contains("wrong-guess-123"));
    let (s, b) = env
        .token_req(
            "99999999-0000-0000-0000-000000000000",
            &[("client_id", APP), ("client_secret", SECRET)],
        )
        .await;
    assert_eq!((s, b["error"].as_str()), (400, Some("invalid_request")));
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS90002")
    );
    // Graph without / with a bogus token.
    let r = env
        .http
        .get(format!(
            "{}/beta/deviceManagement/deviceConfigurations",
            env.h.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let (s, b, _) = env
        .call_with(
            "bogus",
            Method::GET,
            "/beta/deviceManagement/deviceConfigurations",
            None,
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    assert_eq!(env.h.stats()["tokenRequests"], 4);
    env.h.shutdown().await;
}

#[tokio::test]
async fn expired_token_is_rejected() {
    let env = boot(EmulatorConfig {
        token_lifetime: std::time::Duration::from_millis(200),
        ..Default::default()
    })
    .await;
    assert_eq!(env.get("/beta/deviceManagement/roleScopeTags").await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (s, b) = env.get("/beta/deviceManagement/roleScopeTags").await;
    assert_eq!(s, 401);
    assert!(b["error"]["message"].as_str().unwrap().contains("expired"));
    env.h.shutdown().await;
}

fn assertion(
    key: &rcgen::KeyPair,
    alg: jsonwebtoken::Algorithm,
    thumb: (&str, String),
    aud: &str,
    iss: &str,
    exp_offset: i64,
) -> String {
    let now = jiff::Timestamp::now().as_second();
    let mut header = jsonwebtoken::Header::new(alg);
    match thumb.0 {
        "x5t" => header.x5t = Some(thumb.1),
        _ => header.x5t_s256 = Some(thumb.1),
    }
    let claims = json!({"aud": aud, "iss": iss, "sub": iss, "jti": uuid::Uuid::new_v4().to_string(), "nbf": now - 5, "iat": now - 5, "exp": now + exp_offset});
    let ek =
        jsonwebtoken::EncodingKey::from_rsa_pem(key.serialize_pem().as_bytes()).expect("rsa key");
    jsonwebtoken::encode(&header, &claims, &ek).expect("sign")
}

#[tokio::test]
async fn token_by_certificate_assertion() {
    use base64::Engine;
    use sha1::Digest;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("rsa keygen");
    let cert = rcgen::CertificateParams::new(vec!["tenant-atlas".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let der = cert.der().to_vec();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let s256 = b64.encode(sha2::Sha256::digest(&der));
    let s1 = b64.encode(sha1::Sha1::digest(&der));
    let cid = "cccccccc-0000-0000-0000-000000000003";
    let env = boot_seeds(
        EmulatorConfig::default(),
        vec![seed_with(TENANT, &[(cid, &cert.pem())])],
    )
    .await;
    let aud = format!("{}/{TENANT}/oauth2/v2.0/token", env.h.base_url());
    let try_it = |a: String| {
        let env = &env;
        async move {
            env.token_req(
                TENANT,
                &[
                    ("client_id", cid),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", a.as_str()),
                ],
            )
            .await
        }
    };
    use jsonwebtoken::Algorithm::{PS256, RS256};
    let (s, b) = try_it(assertion(
        &key,
        PS256,
        ("x5t#S256", s256.clone()),
        &aud,
        cid,
        600,
    ))
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, _) = try_it(assertion(&key, RS256, ("x5t", s1.clone()), &aud, cid, 600)).await;
    assert_eq!(s, 200);
    let (s, b) = try_it(assertion(
        &key,
        RS256,
        ("x5t", "AAAA".into()),
        &aud,
        cid,
        600,
    ))
    .await;
    assert_eq!((s, b["error"].as_str()), (401, Some("invalid_client")));
    let (s, _) = try_it(assertion(
        &key,
        RS256,
        ("x5t#S256", s256.clone()),
        "https://login.microsoftonline.com/x/oauth2/v2.0/token",
        cid,
        600,
    ))
    .await;
    assert_eq!(s, 401);
    let (s, b) = try_it(assertion(
        &key,
        RS256,
        ("x5t#S256", s256.clone()),
        &aud,
        cid,
        -600,
    ))
    .await;
    assert_eq!(s, 401);
    assert_eq!(b["error_codes"][0], 700024);
    let (s, _) = try_it(assertion(
        &key,
        RS256,
        ("x5t#S256", s256.clone()),
        &aud,
        "someone-else",
        600,
    ))
    .await;
    assert_eq!(s, 401);
    // Signed by another key with the registered thumbprint: signature fails.
    let other = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let (s, b) = try_it(assertion(&other, RS256, ("x5t#S256", s256), &aud, cid, 600)).await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (401, Some(700027)));
    env.h.shutdown().await;
}

#[tokio::test]
async fn permissions_errors_and_headers() {
    let env = boot(EmulatorConfig::default()).await;
    let (_, b) = env
        .token_req(TENANT, &[("client_id", RO), ("client_secret", "ro-secret")])
        .await;
    let ro = b["access_token"].as_str().unwrap().to_string();
    let (s, _, _) = env
        .call_with(
            &ro,
            Method::GET,
            "/beta/deviceManagement/deviceConfigurations",
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, b, _) = env
        .call_with(
            &ro,
            Method::POST,
            "/beta/deviceManagement/deviceConfigurations",
            Some(json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration"})),
        )
        .await;
    assert_eq!((s, b["error"]["code"].as_str()), (403, Some("Forbidden")));
    let (s, _, _) = env
        .call_with(
            &ro,
            Method::GET,
            "/v1.0/identity/conditionalAccess/policies",
            None,
        )
        .await;
    assert_eq!(s, 403);
    let (s, b, h) = env
        .call_with(
            &env.token,
            Method::GET,
            "/beta/deviceManagement/nothingHere",
            None,
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["message"], "No method match route template");
    assert_eq!(b["error"]["innerError"]["client-request-id"], "test-crid");
    assert_eq!(h["client-request-id"], "test-crid");
    let rid = h["request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(rid).is_ok());
    assert_eq!(b["error"]["innerError"]["request-id"], rid);
    // v1.0 has no settings catalog.
    assert_eq!(
        env.get("/v1.0/deviceManagement/configurationPolicies")
            .await
            .0,
        400
    );
    assert_eq!(
        env.get("/v1.0/deviceManagement/deviceConfigurations/dc-01")
            .await
            .0,
        200
    );
    // Missing ids: 404 generally, 400 on configurationPolicies.
    let (s, b) = env
        .get("/beta/deviceManagement/deviceConfigurations/nope")
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (404, Some("ResourceNotFound"))
    );
    let (s, b) = env
        .get("/beta/deviceManagement/configurationPolicies/nope")
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("ResourceNotFound"))
    );
    assert_eq!(
        env.call(
            Method::DELETE,
            "/beta/deviceManagement/configurationPolicies/nope",
            None
        )
        .await
        .0,
        400
    );
    env.h.shutdown().await;
}
