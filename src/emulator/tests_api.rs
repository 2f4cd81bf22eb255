//! End-to-end tests of the read side and authentication against a started emulator, plus the
//! shared test fixture (a small tenant covering every quirk) used by the other test modules.

use std::net::SocketAddr;

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

pub(super) const TENANT: &str = "11111111-2222-3333-4444-555555555555";
pub(super) const APP: &str = "aaaaaaaa-0000-0000-0000-000000000001";
pub(super) const SECRET: &str = "app-secret-value";
pub(super) const RO: &str = "aaaaaaaa-0000-0000-0000-000000000002";

fn any_addr() -> SocketAddr {
    "127.0.0.1:0"
        .parse()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// tenant.json with the app client, a read-only client and optional certificate clients.
pub(super) fn tenant_json(tenant: &str, certs: &[(&str, &str)]) -> String {
    let mut clients = vec![
        json!({"clientId": APP, "clientSecret": SECRET}),
        json!({"clientId": RO, "clientSecret": "ro-secret", "roles": ["DeviceManagementConfiguration.Read.All"]}),
    ];
    for (id, pem) in certs {
        clients.push(json!({"clientId": id, "certificates": [pem]}));
    }
    json!({"tenantId": tenant, "displayName": "Test", "clients": clients}).to_string()
}

fn asg(pid: &str, g: &str) -> Value {
    json!({"id": format!("{pid}_{g}"), "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": g}})
}

/// Objects of the test tenant, as `(seed path, json)`.
pub(super) fn objects() -> Vec<(String, Value)> {
    let mut o = Vec::new();
    let dc = "beta/deviceManagement/deviceConfigurations";
    for i in 0..30 {
        o.push((format!("{dc}/d{i:02}.json"), json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "id": format!("dc-{i:02}"), "displayName": format!("Config {i:02}"), "version": 1, "assignments": [asg(&format!("dc-{i:02}"), "g1")]})));
    }
    o.push((format!("{dc}/oma.json"), json!({"@odata.type": "#microsoft.graph.windows10CustomConfiguration", "id": "oma-1", "displayName": "OMA", "version": 3,
        "omaSettings": [{"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "s", "omaUri": "./x", "value": "oma-plain-secret", "isEncrypted": true},
                        {"@odata.type": "#microsoft.graph.omaSettingInteger", "displayName": "i", "omaUri": "./y", "value": 4}], "assignments": []})));
    let settings: Vec<Value> = (0..60).map(|i| json!({"id": i.to_string(), "settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance", "settingDefinitionId": format!("def_{i}"), "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue", "value": i}}})).collect();
    o.push(("beta/deviceManagement/configurationPolicies/big.json".into(), json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy", "id": "cp-big", "name": "Big", "platforms": "windows10", "technologies": "mdm", "settings": settings, "assignments": [asg("cp-big", "g1")]})));
    o.push(("beta/deviceManagement/configurationPolicies/secret.json".into(), json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy", "id": "cp-secret", "name": "Secret", "platforms": "windows10", "technologies": "mdm", "assignments": [],
        "settings": [{"id": "0", "settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance", "settingDefinitionId": "pw", "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue", "value": "catalog-plain-secret", "valueState": "notEncrypted"}}}]})));
    o.push(("beta/deviceManagement/groupPolicyConfigurations/admx.json".into(), json!({"@odata.type": "#microsoft.graph.groupPolicyConfiguration", "id": "gp-1", "displayName": "ADMX", "assignments": [],
        "definitionValues": [{"id": "dv-1", "enabled": true, "configurationType": "policy", "definition": {"id": "def-1", "displayName": "Home page", "classType": "user"},
            "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "id": "pv-1", "value": "contoso.com", "presentation": {"id": "pres-1", "label": "URL"}}]}]})));
    o.push(("beta/deviceManagement/groupPolicyDefinitions/def2.json".into(), json!({"id": "def-2", "displayName": "Proxy", "classType": "machine", "presentations": [{"id": "pres-2", "label": "Server"}]})));
    o.push(("beta/deviceManagement/deviceCompliancePolicies/c.json".into(), json!({"@odata.type": "#microsoft.graph.windows10CompliancePolicy", "id": "comp-1", "displayName": "Comp", "version": 1, "assignments": [],
        "scheduledActionsForRule": [{"id": "r1", "ruleName": "PasswordRequired", "scheduledActionConfigurations": [{"id": "a1", "actionType": "block", "gracePeriodHours": 0}]}]})));
    o.push(("beta/deviceManagement/deviceShellScripts/sh.json".into(), json!({"@odata.type": "#microsoft.graph.deviceShellScript", "id": "sh-1", "displayName": "Shell", "scriptContent": "IyEvYmluL3No", "assignments": [asg("sh-1", "g2")]})));
    o.push(("beta/deviceManagement/deviceManagementScripts/ps.json".into(), json!({"@odata.type": "#microsoft.graph.deviceManagementScript", "id": "ps-1", "displayName": "PS", "scriptContent": "V3JpdGUtT3V0cHV0", "assignments": []})));
    o.push(("beta/deviceManagement/roleScopeTags/0.json".into(), json!({"@odata.type": "#microsoft.graph.roleScopeTag", "id": "0", "displayName": "Default", "isBuiltIn": true, "assignments": []})));
    o.push(("beta/deviceManagement/roleScopeTags/1.json".into(), json!({"@odata.type": "#microsoft.graph.roleScopeTag", "id": "1", "displayName": "Berlin", "isBuiltIn": false, "assignments": [asg("1", "g1")]})));
    o.push(("beta/deviceAppManagement/iosManagedAppProtections/i.json".into(), json!({"@odata.type": "#microsoft.graph.iosManagedAppProtection", "id": "mam-1", "displayName": "iOS MAM", "assignments": [], "apps": [{"id": "com.x.ios", "mobileAppIdentifier": {"@odata.type": "#microsoft.graph.iosMobileAppIdentifier", "bundleId": "com.x"}}]})));
    o.push(("beta/deviceAppManagement/targetedManagedAppConfigurations/t.json".into(), json!({"@odata.type": "#microsoft.graph.targetedManagedAppConfiguration", "id": "tac-1", "displayName": "Targeted", "assignments": [], "apps": []})));
    o.push(("beta/deviceManagement/notificationMessageTemplates/n.json".into(), json!({"@odata.type": "#microsoft.graph.notificationMessageTemplate", "id": "nt-1", "displayName": "Notify", "localizedNotificationMessages": [{"id": "m1", "locale": "en-us", "subject": "S", "messageTemplate": "M", "isDefault": true}]})));
    o.push(("beta/deviceManagement/deviceEnrollmentConfigurations/default.json".into(), json!({"@odata.type": "#microsoft.graph.deviceEnrollmentLimitConfiguration", "id": format!("{TENANT}_DefaultLimit"), "displayName": "All users and all devices", "priority": 0, "version": 0, "limit": 5, "assignments": []})));
    o.push(("beta/deviceManagement/deviceEnrollmentConfigurations/esp.json".into(), json!({"@odata.type": "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration", "id": "esp-1", "displayName": "ESP", "priority": 1, "version": 2, "assignments": []})));
    o.push(("beta/deviceManagement/windowsAutopilotDeploymentProfiles/ap.json".into(), json!({"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "id": "ap-1", "displayName": "AP", "assignments": []})));
    o.push(("v1.0/identity/conditionalAccess/policies/ca.json".into(), json!({"@odata.type": "#microsoft.graph.conditionalAccessPolicy", "id": "ca-1", "displayName": "CA", "state": "disabled"})));
    o.push(("v1.0/identity/conditionalAccess/namedLocations/nl.json".into(), json!({"@odata.type": "#microsoft.graph.ipNamedLocation", "id": "nl-1", "displayName": "Office", "isTrusted": true, "ipRanges": []})));
    for g in ["g1", "g2", "g3"] {
        o.push((
            format!("v1.0/groups/{g}.json"),
            json!({"id": g, "displayName": format!("Group {g}"), "mailEnabled": false}),
        ));
    }
    o
}

pub(super) fn seed_with(tenant: &str, certs: &[(&str, &str)]) -> TenantSeed {
    let tj = tenant_json(tenant, certs);
    let objs: Vec<(String, String)> = objects()
        .into_iter()
        .map(|(p, v)| (p, v.to_string()))
        .collect();
    let mut files: Vec<(&str, &[u8])> = vec![("tenant.json", tj.as_bytes())];
    files.extend(objs.iter().map(|(p, v)| (p.as_str(), v.as_bytes())));
    TenantSeed::from_files(files).expect("fixture seed loads")
}

/// A started emulator with a token for the all-permissions app.
pub(super) struct Env {
    pub h: EmulatorHandle,
    pub http: reqwest::Client,
    pub token: String,
}

pub(super) async fn boot(cfg: EmulatorConfig) -> Env {
    boot_seeds(cfg, vec![seed_with(TENANT, &[])]).await
}

pub(super) async fn boot_seeds(cfg: EmulatorConfig, seeds: Vec<TenantSeed>) -> Env {
    let h = start(cfg, seeds, any_addr())
        .await
        .expect("emulator starts");
    let http = reqwest::Client::new();
    let mut env = Env {
        h,
        http,
        token: String::new(),
    };
    let (status, body) = env
        .token_req(TENANT, &[("client_id", APP), ("client_secret", SECRET)])
        .await;
    assert_eq!(status, 200, "{body}");
    env.token = body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    env
}

impl Env {
    pub async fn token_req(&self, tenant: &str, extra: &[(&str, &str)]) -> (u16, Value) {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ];
        form.extend_from_slice(extra);
        let r = self
            .http
            .post(format!("{}/{tenant}/oauth2/v2.0/token", self.h.base_url()))
            .form(&form)
            .send()
            .await
            .expect("token request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn call_with(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.h.base_url())
        };
        let mut rb = self
            .http
            .request(method, url)
            .bearer_auth(token)
            .header("client-request-id", "test-crid");
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("graph request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        )
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let (s, b, _) = self.call_with(&self.token, method, path, body).await;
        (s, b)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    /// Follows nextLinks; returns every item and the number of pages.
    pub async fn get_all(&self, path: &str) -> (Vec<Value>, usize) {
        let (mut items, mut pages, mut next) = (Vec::new(), 0, Some(path.to_string()));
        while let Some(p) = next.take() {
            let (s, b) = self.get(&p).await;
            assert_eq!(s, 200, "{p}: {b}");
            pages += 1;
            items.extend(b["value"].as_array().cloned().unwrap_or_default());
            if let Some(n) = b["@odata.nextLink"].as_str() {
                assert!(n.starts_with(&self.h.base_url()), "absolute nextLink: {n}");
                next = Some(n.to_string());
            }
            assert!(pages < 500, "runaway paging");
        }
        (items, pages)
    }
}

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
        2,
        "opaque, not a JWT"
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

#[tokio::test]
async fn paging_complete_for_every_page_size() {
    for (size, pages) in [(Some(1), 31), (Some(25), 2), (Some(1000), 1), (None, 1)] {
        let env = boot(EmulatorConfig {
            page_size: size,
            ..Default::default()
        })
        .await;
        let (items, n) = env
            .get_all("/beta/deviceManagement/deviceConfigurations")
            .await;
        assert_eq!(items.len(), 31, "page size {size:?}");
        assert_eq!(n, pages, "page size {size:?}");
        let ids: std::collections::HashSet<&str> =
            items.iter().filter_map(|i| i["id"].as_str()).collect();
        assert_eq!(ids.len(), 31);
        env.h.shutdown().await;
    }
    let env = boot(EmulatorConfig::default()).await;
    // $top and bare top ask for smaller pages; options survive into the nextLink.
    let (s, b) = env.get("/beta/deviceManagement/deviceConfigurations?$top=10&$filter=isof('microsoft.graph.windows10GeneralConfiguration')").await;
    assert_eq!(s, 200);
    assert_eq!(b["value"].as_array().unwrap().len(), 10);
    let next = b["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("skiptoken") && next.contains("filter") && next.contains("top=10"));
    let (items, pages) = env
        .get_all("/beta/deviceManagement/deviceConfigurations?top=7")
        .await;
    assert_eq!((items.len(), pages), (31, 5));
    // Settings route pages at 25 by default; by-id expand returns them all.
    let (items, pages) = env
        .get_all("/beta/deviceManagement/configurationPolicies/cp-big/settings")
        .await;
    assert_eq!((items.len(), pages), (60, 3));
    let (items, pages) = env
        .get_all("/beta/deviceManagement/configurationPolicies/cp-big/settings?top=1000")
        .await;
    assert_eq!((items.len(), pages), (60, 1));
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies/cp-big?$expand=settings")
        .await;
    assert_eq!(b["settings"].as_array().unwrap().len(), 60);
    assert!(b.get("settings@odata.nextLink").is_none());
    assert!(
        b["settings@odata.context"]
            .as_str()
            .unwrap()
            .contains("/settings")
    );
    env.h.shutdown().await;
}

#[tokio::test]
async fn hostile_and_looping_next_links() {
    let cfg = EmulatorConfig {
        hostile_next_link: Some(HostileLink {
            collection: "deviceManagement/deviceConfigurations".into(),
            target_base: "http://evil.example".into(),
        }),
        looping_next_link: Some("deviceManagement/roleScopeTags".into()),
        page_size: Some(1),
        ..Default::default()
    };
    let env = boot(cfg).await;
    let (_, b) = env.get("/beta/deviceManagement/deviceConfigurations").await;
    assert_eq!(
        b["@odata.nextLink"],
        "http://evil.example/beta/deviceManagement/deviceConfigurations?$skiptoken=x"
    );
    let (_, p1) = env.get("/beta/deviceManagement/roleScopeTags").await;
    let n1 = p1["@odata.nextLink"].as_str().unwrap().to_string();
    let (_, p2) = env.get(&n1).await;
    assert_eq!(p2["@odata.nextLink"].as_str().unwrap(), n1);
    assert_eq!(p1["value"], p2["value"]);
    env.h.shutdown().await;
}

#[tokio::test]
async fn lists_omit_navigation_and_lazy_fields() {
    let env = boot(EmulatorConfig::default()).await;
    let (_, b) = env
        .get("/beta/deviceManagement/deviceManagementScripts")
        .await;
    let item = &b["value"][0];
    assert!(item.get("scriptContent").is_none() && item.get("assignments").is_none());
    assert!(
        b["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/beta/$metadata#deviceManagement/deviceManagementScripts")
    );
    let (_, b) = env
        .get("/beta/deviceManagement/deviceManagementScripts/ps-1")
        .await;
    assert_eq!(b["scriptContent"], "V3JpdGUtT3V0cHV0");
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies")
        .await;
    assert!(b["@microsoft.graph.tips"].is_string());
    assert!(b["value"][0].get("settings").is_none());
    env.h.shutdown().await;
}

#[tokio::test]
async fn expand_forms_and_quirks() {
    let env = boot(EmulatorConfig::default()).await;
    // configurationPolicies: by-id expand of assignments is empty; the route and list expand work.
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies/cp-big?$expand=assignments")
        .await;
    assert_eq!(b["assignments"], json!([]));
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies/cp-big/assignments")
        .await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    let (_, b) = env
        .get("/beta/deviceManagement/configurationPolicies?$expand=assignments")
        .await;
    let big = b["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "cp-big")
        .unwrap()
        .clone();
    assert_eq!(big["assignments"].as_array().unwrap().len(), 1);
    assert!(big["assignments@odata.context"].is_string());
    // Shell scripts: /assignments is 400, by-id expand works.
    let (s, b) = env
        .get("/beta/deviceManagement/deviceShellScripts/sh-1/assignments")
        .await;
    assert_eq!(s, 400);
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("No OData route exists")
    );
    let (_, b) = env
        .get("/beta/deviceManagement/deviceShellScripts/sh-1?$expand=assignments")
        .await;
    assert_eq!(b["assignments"][0]["target"]["groupId"], "g2");
    // Scope tags: expand is empty, the route works.
    let (_, b) = env
        .get("/beta/deviceManagement/roleScopeTags/1?$expand=assignments")
        .await;
    assert_eq!(b["assignments"], json!([]));
    let (_, b) = env
        .get("/beta/deviceManagement/roleScopeTags/1/assignments")
        .await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    // MAM: list expand not allowed on the view and on targeted configurations.
    assert_eq!(
        env.get("/beta/deviceAppManagement/managedAppPolicies?$expand=assignments")
            .await
            .0,
        400
    );
    assert_eq!(
        env.get("/beta/deviceAppManagement/targetedManagedAppConfigurations?$expand=apps")
            .await
            .0,
        400
    );
    let (_, b) = env
        .get("/beta/deviceAppManagement/managedAppPolicies")
        .await;
    assert_eq!(b["value"].as_array().unwrap().len(), 2);
    let (_, b) = env
        .get("/beta/deviceAppManagement/iosManagedAppProtections/mam-1?$expand=apps,assignments")
        .await;
    assert_eq!(b["apps"][0]["id"], "com.x.ios");
    // Compliance: nested expand of scheduled action configurations; the nav route is 400.
    let (_, b) = env.get("/beta/deviceManagement/deviceCompliancePolicies/comp-1?$expand=scheduledActionsForRule($expand=scheduledActionConfigurations)").await;
    assert_eq!(
        b["scheduledActionsForRule"][0]["scheduledActionConfigurations"][0]["actionType"],
        "block"
    );
    let (_, b) = env.get("/beta/deviceManagement/deviceCompliancePolicies/comp-1?$expand=scheduledActionsForRule").await;
    assert!(
        b["scheduledActionsForRule"][0]
            .get("scheduledActionConfigurations")
            .is_none()
    );
    assert_eq!(
        env.get("/beta/deviceManagement/deviceCompliancePolicies/comp-1/scheduledActionsForRule")
            .await
            .0,
        400
    );
    // ADMX: nested expand on definitionValues, and the presentationValues route.
    let (_, b) = env.get("/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues?$expand=definition,presentationValues($expand=presentation)").await;
    assert_eq!(b["value"][0]["definition"]["id"], "def-1");
    assert_eq!(
        b["value"][0]["presentationValues"][0]["presentation"]["id"],
        "pres-1"
    );
    let (_, b) = env.get("/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues?$expand=definition").await;
    assert!(b["value"][0].get("presentationValues").is_none());
    let (_, b) = env.get("/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues/dv-1/presentationValues?$expand=presentation").await;
    assert_eq!(b["value"][0]["presentation"]["label"], "URL");
    let (_, b) = env.get("/beta/deviceManagement/groupPolicyConfigurations/gp-1/definitionValues/dv-1/presentationValues").await;
    assert!(b["value"][0].get("presentation").is_none());
    // The inline definition is registered as a known definition.
    assert_eq!(
        env.get("/beta/deviceManagement/groupPolicyDefinitions/def-1")
            .await
            .0,
        200
    );
    // Other navs.
    let (_, b) = env.get("/beta/deviceManagement/notificationMessageTemplates/nt-1?$expand=localizedNotificationMessages").await;
    assert_eq!(b["localizedNotificationMessages"][0]["locale"], "en-us");
    let (_, b) = env.get("/beta/deviceManagement/notificationMessageTemplates/nt-1/localizedNotificationMessages").await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    assert_eq!(
        env.get("/beta/deviceManagement/deviceConfigurations?$expand=nonsense")
            .await
            .0,
        400
    );
    assert_eq!(env.get("/beta/deviceManagement/configurationPolicies/cp-big?$expand=settings($expand=settingDefinitions),assignments").await.0, 200);
    env.h.shutdown().await;
}

#[tokio::test]
async fn filter_select_and_order() {
    let env = boot(EmulatorConfig::default()).await;
    let (_, b) = env.get("/beta/deviceManagement/deviceConfigurations?$filter=isof('microsoft.graph.windows10CustomConfiguration')").await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    let (_, b) = env.get("/beta/deviceManagement/deviceConfigurations?$filter=not%20isof('microsoft.graph.windows10CustomConfiguration')&$top=100").await;
    assert_eq!(b["value"].as_array().unwrap().len(), 30);
    let (_, b) = env
        .get("/beta/deviceManagement/roleScopeTags?$filter=isBuiltIn%20eq%20false")
        .await;
    assert_eq!(b["value"].as_array().unwrap().len(), 1);
    let (_, b) = env
        .get("/beta/deviceManagement/deviceConfigurations?$filter=displayName%20eq%20'Config%2003'")
        .await;
    assert_eq!(b["value"][0]["id"], "dc-03");
    assert_eq!(
        env.get("/beta/deviceManagement/deviceConfigurations?$filter=contains(displayName,'x')")
            .await
            .0,
        400
    );
    let (_, b) = env.get("/v1.0/groups?$select=id,displayName").await;
    assert_eq!(
        b["value"][0]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| !k.starts_with('@'))
            .count(),
        2
    );
    env.h.shutdown().await;
    let ids = |cfg: EmulatorConfig| async move {
        let env = boot(cfg).await;
        let (items, _) = env
            .get_all("/beta/deviceManagement/deviceConfigurations")
            .await;
        env.h.shutdown().await;
        items
            .iter()
            .map(|i| i["id"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    let stored = ids(EmulatorConfig::default()).await;
    let mut rev = ids(EmulatorConfig {
        order: ListOrder::Reverse,
        ..Default::default()
    })
    .await;
    let sh1 = ids(EmulatorConfig {
        order: ListOrder::Shuffle(3),
        page_size: Some(4),
        ..Default::default()
    })
    .await;
    let sh2 = ids(EmulatorConfig {
        order: ListOrder::Shuffle(3),
        page_size: Some(4),
        ..Default::default()
    })
    .await;
    assert_eq!(sh1, sh2);
    assert_ne!(sh1, stored);
    let mut sorted = sh1.clone();
    sorted.sort();
    let mut s2 = stored.clone();
    s2.sort();
    assert_eq!(sorted, s2, "shuffled pages still cover everything once");
    rev.reverse();
    assert_eq!(rev, stored);
}
