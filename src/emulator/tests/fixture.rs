//! Shared fixture of the end-to-end tests: a small tenant covering every quirk, and a started
//! emulator with a token and request helpers.

use std::net::SocketAddr;

use reqwest::Method;
use serde_json::{Value, json};

use crate::emulator::*;

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
    o.push(("beta/deviceManagement/assignmentFilters/f.json".into(), json!({"@odata.type": "#microsoft.graph.deviceAndAppManagementAssignmentFilter", "id": "f", "displayName": "Windows 11", "platform": "windows10AndLater", "rule": "(device.osVersion -startsWith \"10.0.22\")", "roleScopeTags": ["0"]})));
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

/// A started emulator serving the demo tenant, with a token for its client.
pub(super) async fn boot_demo() -> Env {
    let seed = TenantSeed::from_files(crate::demo::files()).expect("demo seed loads");
    let h = start(
        EmulatorConfig::default(),
        vec![seed],
        "127.0.0.1:0".parse().expect("loopback"),
    )
    .await
    .expect("emulator starts");
    let (tenant, client, secret) = crate::demo::credentials().expect("demo credentials");
    let mut env = Env {
        h,
        http: reqwest::Client::new(),
        token: String::new(),
    };
    let (s, b) = env
        .token_req(
            &tenant,
            &[("client_id", &client), ("client_secret", &secret)],
        )
        .await;
    assert_eq!(s, 200, "{b}");
    env.token = b["access_token"].as_str().unwrap_or_default().to_string();
    env
}
