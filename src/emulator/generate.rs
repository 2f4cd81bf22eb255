//! `TenantSeed::generate`: a deterministic, realistic tenant of any size for benchmarks and load
//! tests: mostly device configurations and settings catalog policies, compliance with scheduled
//! actions, ADMX with definition values, scripts with content, every other policy type, and
//! assignments to generated groups with filters, exclusions and scope tags.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::behaviour::{self, Coll};
use super::faults::mix;
use super::seed::{ClientSeed, TenantInfo, TenantSeed};

const GROUPS: usize = 50;
const FILTERS: usize = 8;
const TAGS: usize = 5;
const APPS: usize = 12;
const DEFINITIONS: usize = 12;
const TS: &str = "2025-01-15T08:30:00Z";

/// What a generated policy of a collection gets beyond the common fields: (rng, references, index,
/// object).
type Body = fn(&mut Rng, &Refs, usize, &mut Value);

/// Collections, their relative weight among generated policies, and their bodies.
const MIX: &[(&str, u32, Body)] = &[
    (
        "deviceManagement/deviceConfigurations",
        34,
        device_configuration,
    ),
    (
        "deviceManagement/configurationPolicies",
        20,
        settings_catalog,
    ),
    ("deviceManagement/deviceCompliancePolicies", 8, compliance),
    (
        "deviceManagement/compliancePolicies",
        2,
        settings_compliance,
    ),
    ("deviceManagement/groupPolicyConfigurations", 6, admx),
    ("deviceManagement/deviceManagementScripts", 4, shell_script),
    ("deviceManagement/deviceShellScripts", 2, shell_script),
    (
        "deviceManagement/deviceCustomAttributeShellScripts",
        1,
        custom_attribute_script,
    ),
    ("deviceManagement/deviceHealthScripts", 3, remediation),
    (
        "deviceManagement/windowsFeatureUpdateProfiles",
        2,
        feature_update,
    ),
    (
        "deviceManagement/windowsQualityUpdateProfiles",
        1,
        quality_update,
    ),
    (
        "deviceManagement/windowsDriverUpdateProfiles",
        1,
        driver_update,
    ),
    (
        "deviceManagement/windowsAutopilotDeploymentProfiles",
        2,
        autopilot,
    ),
    (
        "deviceManagement/deviceEnrollmentConfigurations",
        2,
        enrollment,
    ),
    (
        "deviceManagement/notificationMessageTemplates",
        1,
        notification,
    ),
    ("deviceManagement/intents", 1, intent),
    (
        "deviceAppManagement/iosManagedAppProtections",
        2,
        managed_app,
    ),
    (
        "deviceAppManagement/androidManagedAppProtections",
        2,
        managed_app,
    ),
    (
        "deviceAppManagement/windowsManagedAppProtections",
        1,
        managed_app,
    ),
    (
        "deviceAppManagement/targetedManagedAppConfigurations",
        1,
        managed_app,
    ),
    (
        "deviceAppManagement/mobileAppConfigurations",
        2,
        app_configuration,
    ),
    ("identity/conditionalAccess/policies", 2, conditional_access),
    (
        "identity/conditionalAccess/namedLocations",
        1,
        named_location,
    ),
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = mix(self.0);
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn guid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

struct Refs {
    groups: Vec<String>,
    filters: Vec<String>,
    tags: Vec<String>,
    apps: Vec<String>,
    definitions: Vec<Value>,
}

fn coll(path: &str) -> &'static Coll {
    behaviour::by_path(path).unwrap_or(&behaviour::COLLECTIONS[0])
}

impl TenantSeed {
    /// A realistic tenant with `objects` policies (plus reference data), deterministic for `seed`.
    /// Its single client has id and secret derived from the seed (see `tenant.json` of a dump).
    pub fn generate(objects: usize, seed: u64) -> TenantSeed {
        let mut r = Rng(seed ^ 0x5eed_0fa7_1a50_0000);
        let tenant_id = r.guid();
        let client_id = r.guid();
        let info = TenantInfo {
            tenant_id: tenant_id.clone(),
            display_name: format!("Generated tenant {seed}"),
            clients: vec![ClientSeed {
                client_id,
                client_secret: Some(format!("generated-secret-{seed}")),
                certificates: vec![],
                roles: None,
            }],
        };
        let mut out: Vec<(&'static Coll, Value)> = Vec::with_capacity(objects + 150);
        let refs = references(&mut r, &tenant_id, &mut out);
        let total: u32 = MIX.iter().map(|(_, w, _)| w).sum();
        for i in 0..objects {
            let mut pick = (r.next() % u64::from(total)) as u32;
            let (path, _, body) = MIX
                .iter()
                .find(|(_, w, _)| {
                    if pick < *w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .unwrap_or(&MIX[0]);
            let c = coll(path);
            let obj = policy(&mut r, &refs, c, *body, i);
            out.push((c, obj));
        }
        TenantSeed::new(info, out)
    }
}

fn references(r: &mut Rng, tenant: &str, out: &mut Vec<(&'static Coll, Value)>) -> Refs {
    let groups: Vec<String> = (0..GROUPS).map(|_| r.guid()).collect();
    for (i, g) in groups.iter().enumerate() {
        out.push((coll("groups"), json!({"@odata.type":"#microsoft.graph.group","id": g, "displayName": format!("Devices – ring {i:02}"), "mailEnabled": false, "securityEnabled": true})));
    }
    let platforms = ["windows10AndLater", "iOS", "macOS", "androidForWork"];
    let filters: Vec<String> = (0..FILTERS).map(|_| r.guid()).collect();
    for (i, f) in filters.iter().enumerate() {
        out.push((coll("deviceManagement/assignmentFilters"), json!({
            "@odata.type":"#microsoft.graph.deviceAndAppManagementAssignmentFilter","id": f,
            "displayName": format!("Filter {i}"), "description": "", "platform": platforms[i % 4],
            "rule": format!("(device.osVersion -startsWith \"10.0.{}\")", 19000 + i), "roleScopeTags": ["0"],
            "assignmentFilterManagementType": "devices", "createdDateTime": TS, "lastModifiedDateTime": TS})));
    }
    let tags: Vec<String> = (0..TAGS).map(|i| i.to_string()).collect();
    for t in &tags {
        let builtin = t == "0";
        out.push((
            coll("deviceManagement/roleScopeTags"),
            json!({
            "@odata.type":"#microsoft.graph.roleScopeTag","id": t,
            "displayName": if builtin { "Default".to_string() } else { format!("Region {t}") },
            "description": "", "isBuiltIn": builtin, "assignments": []}),
        ));
    }
    let apps: Vec<String> = (0..APPS).map(|_| r.guid()).collect();
    for (i, a) in apps.iter().enumerate() {
        out.push((
            coll("deviceAppManagement/mobileApps"),
            json!({
            "@odata.type":"#microsoft.graph.iosVppApp","id": a, "displayName": format!("App {i}"),
            "bundleId": format!("com.example.app{i}"), "publisher": "Example"}),
        ));
    }
    let definitions: Vec<Value> = (0..DEFINITIONS)
        .map(|i| {
            let id = r.guid();
            let pres = r.guid();
            json!({"id": id, "displayName": format!("Setting {i}"), "classType": if i % 2 == 0 { "machine" } else { "user" },
                "categoryPath": "\\Windows Components\\Example", "policyType": "admxBacked",
                "presentations": [{"@odata.type":"#microsoft.graph.groupPolicyPresentationTextBox","id": pres, "label": "Value", "required": false}]})
        })
        .collect();
    for d in &definitions {
        out.push((coll("deviceManagement/groupPolicyDefinitions"), d.clone()));
    }
    for (suffix, ty) in [
        ("DefaultLimit", "deviceEnrollmentLimitConfiguration"),
        (
            "DefaultPlatformRestrictions",
            "deviceEnrollmentPlatformRestrictionsConfiguration",
        ),
        (
            "DefaultWindowsHelloForBusiness",
            "deviceEnrollmentWindowsHelloForBusinessConfiguration",
        ),
        (
            "DefaultWindows10EnrollmentCompletionPageConfiguration",
            "windows10EnrollmentCompletionPageConfiguration",
        ),
    ] {
        out.push((coll("deviceManagement/deviceEnrollmentConfigurations"), json!({
            "@odata.type": format!("#microsoft.graph.{ty}"), "id": format!("{tenant}_{suffix}"),
            "displayName": "All users and all devices", "description": "", "priority": 0, "version": 0,
            "createdDateTime": "0001-01-01T00:00:00Z", "lastModifiedDateTime": TS, "roleScopeTagIds": [], "assignments": []})));
    }
    Refs {
        groups,
        filters,
        tags,
        apps,
        definitions,
    }
}

fn assignments(r: &mut Rng, refs: &Refs, id: &str) -> Value {
    let n = r.below(4);
    let mut used = Vec::new();
    let mut out = Vec::new();
    for k in 0..n {
        let g = refs.groups[r.below(refs.groups.len())].clone();
        if used.contains(&g) {
            continue;
        }
        used.push(g.clone());
        let mut target = if k > 0 && r.chance(25) {
            json!({"@odata.type":"#microsoft.graph.exclusionGroupAssignmentTarget","groupId": g})
        } else if r.chance(10) {
            json!({"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"})
        } else {
            json!({"@odata.type":"#microsoft.graph.groupAssignmentTarget","groupId": g})
        };
        if target["@odata.type"] != "#microsoft.graph.exclusionGroupAssignmentTarget"
            && r.chance(30)
        {
            target["deviceAndAppManagementAssignmentFilterId"] =
                json!(refs.filters[r.below(refs.filters.len())]);
            target["deviceAndAppManagementAssignmentFilterType"] =
                json!(if r.chance(70) { "include" } else { "exclude" });
        }
        out.push(json!({"id": format!("{id}_{g}"), "source": "direct", "sourceId": id, "target": target}));
    }
    Value::Array(out)
}

fn tags(r: &mut Rng, refs: &Refs) -> Value {
    if r.chance(70) {
        json!(["0"])
    } else {
        json!(["0", refs.tags[1 + r.below(refs.tags.len() - 1)]])
    }
}

fn setting(r: &mut Rng, i: usize, policy: usize) -> Value {
    let def = format!("device_vendor_msft_policy_config_generated_{policy}_{i}");
    let inst = match r.below(5) {
        0 => {
            json!({"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId": def,
            "simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValue","value": r.below(100)}})
        }
        1 => {
            json!({"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId": def,
            "simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationStringSettingValue","value": format!("value-{i}")}})
        }
        2 => {
            json!({"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","settingDefinitionId": def,
            "choiceSettingValue":{"value": format!("{def}_1"), "children":[
                {"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId": format!("{def}_child"),
                 "simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValue","value": 5}}]}})
        }
        3 if r.chance(15) => {
            json!({"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId": def,
            "simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSecretSettingValue","value": format!("secret-{policy}-{i}"),"valueState":"notEncrypted"}})
        }
        _ => {
            json!({"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","settingDefinitionId": def,
            "choiceSettingValue":{"value": format!("{def}_0"), "children": []}})
        }
    };
    json!({"id": i.to_string(), "settingInstance": inst})
}

fn script(r: &mut Rng, i: usize) -> String {
    STANDARD.encode(format!(
        "# generated script {i}\r\nWrite-Output \"{}\"\r\n",
        r.next()
    ))
}

fn policy(r: &mut Rng, refs: &Refs, c: &'static Coll, body: Body, i: usize) -> Value {
    let id = if c.numeric_id {
        (100 + i).to_string()
    } else {
        r.guid()
    };
    let name = format!("{} {i:05}", c.path.rsplit('/').next().unwrap_or("policy"));
    let mut o = json!({"@odata.type": c.base_type, "id": id, "displayName": name, "description": "Generated",
        "createdDateTime": TS, "lastModifiedDateTime": TS});
    if c.scope_tags {
        o["roleScopeTagIds"] = tags(r, refs);
    }
    if c.navs.contains(&"assignments") {
        o["assignments"] = assignments(r, refs, &id);
    }
    body(r, refs, i, &mut o);
    o
}

fn device_configuration(r: &mut Rng, _: &Refs, i: usize, o: &mut Value) {
    match r.below(4) {
        0 => {
            o["@odata.type"] = json!("#microsoft.graph.windows10CustomConfiguration");
            o["omaSettings"] = json!([
                {"@odata.type":"#microsoft.graph.omaSettingString","displayName":"Setting","omaUri":"./Device/Vendor/MSFT/Policy/Config/X","value":"plain","isEncrypted":false},
                {"@odata.type":"#microsoft.graph.omaSettingString","displayName":"Secret","omaUri":"./Device/Vendor/MSFT/Policy/Config/Y","value": format!("hidden-{i}"),"isEncrypted":true}]);
        }
        1 => {
            o["@odata.type"] = json!("#microsoft.graph.windowsUpdateForBusinessConfiguration");
            o["qualityUpdatesDeferralPeriodInDays"] = json!(r.below(30));
            o["featureUpdatesDeferralPeriodInDays"] = json!(r.below(365));
            o["automaticUpdateMode"] = json!("autoInstallAtMaintenanceTime");
        }
        2 => {
            o["@odata.type"] = json!("#microsoft.graph.iosGeneralDeviceConfiguration");
            o["passcodeRequired"] = json!(r.chance(50));
        }
        _ => {
            o["@odata.type"] = json!("#microsoft.graph.windows10GeneralConfiguration");
            o["passwordRequired"] = json!(true);
            o["passwordMinimumLength"] = json!(6 + r.below(10));
        }
    }
}

fn settings_catalog(r: &mut Rng, _: &Refs, i: usize, o: &mut Value) {
    let name = o.as_object_mut().and_then(|m| m.remove("displayName"));
    o["name"] = name.unwrap_or(Value::Null);
    o["platforms"] = json!("windows10");
    o["technologies"] = json!("mdm");
    o["templateReference"] = json!({"templateId": ""});
    let n = 5 + r.below(36);
    o["settings"] = Value::Array((0..n).map(|k| setting(r, k, i)).collect());
    o["settingCount"] = json!(n);
}

fn settings_compliance(r: &mut Rng, refs: &Refs, i: usize, o: &mut Value) {
    settings_catalog(r, refs, i, o);
    o["scheduledActionsForRule"] = json!([]);
}

fn compliance(r: &mut Rng, _: &Refs, _: usize, o: &mut Value) {
    o["@odata.type"] = json!("#microsoft.graph.windows10CompliancePolicy");
    o["version"] = json!(1);
    o["bitLockerEnabled"] = json!(r.chance(80));
    o["scheduledActionsForRule"] = json!([{"id": r.guid(), "ruleName": "PasswordRequired", "scheduledActionConfigurations": [
        {"id": r.guid(), "actionType":"block","gracePeriodHours": 0,"notificationTemplateId":"","notificationMessageCCList":[]},
        {"id": r.guid(), "actionType":"notification","gracePeriodHours": 24,"notificationTemplateId":"","notificationMessageCCList":[]}]}]);
}

fn admx(r: &mut Rng, refs: &Refs, _: usize, o: &mut Value) {
    let n = 1 + r.below(6);
    let dvs: Vec<Value> = (0..n)
        .map(|_| {
            let d = refs.definitions[r.below(refs.definitions.len())].clone();
            let pres = d["presentations"][0].clone();
            let mut def = d.clone();
            if let Some(m) = def.as_object_mut() {
                m.remove("presentations");
            }
            json!({"id": r.guid(), "enabled": true, "configurationType": "policy", "createdDateTime": TS, "lastModifiedDateTime": TS,
                "definition": def, "presentationValues": [{"@odata.type":"#microsoft.graph.groupPolicyPresentationValueText",
                "id": r.guid(), "value": "example.com", "createdDateTime": TS, "lastModifiedDateTime": TS, "presentation": pres}]})
        })
        .collect();
    o["definitionValues"] = Value::Array(dvs);
}

fn shell_script(r: &mut Rng, _: &Refs, i: usize, o: &mut Value) {
    o["scriptContent"] = json!(script(r, i));
    o["runAsAccount"] = json!("system");
    o["fileName"] = json!(format!("script{i}.ps1"));
}

fn custom_attribute_script(r: &mut Rng, refs: &Refs, i: usize, o: &mut Value) {
    shell_script(r, refs, i, o);
    o["customAttributeName"] = json!(format!("attr{i}"));
    o["customAttributeType"] = json!("string");
}

fn remediation(r: &mut Rng, _: &Refs, i: usize, o: &mut Value) {
    o["publisher"] = json!("Contoso");
    o["version"] = json!("1");
    o["isGlobalScript"] = json!(false);
    o["detectionScriptContent"] = json!(script(r, i));
    o["remediationScriptContent"] = json!(script(r, i + 1));
    o["runAsAccount"] = json!("system");
}

fn feature_update(_: &mut Rng, _: &Refs, _: usize, o: &mut Value) {
    o["featureUpdateVersion"] = json!("Windows 11, version 23H2");
}

fn quality_update(_: &mut Rng, _: &Refs, _: usize, o: &mut Value) {
    o["expeditedUpdateSettings"] =
        json!({"qualityUpdateRelease": "2025-01-14T00:00:00Z", "daysUntilForcedReboot": 1});
}

fn driver_update(_: &mut Rng, _: &Refs, _: usize, o: &mut Value) {
    o["approvalType"] = json!("manual");
}

fn autopilot(_: &mut Rng, _: &Refs, _: usize, o: &mut Value) {
    o["@odata.type"] = json!("#microsoft.graph.azureADWindowsAutopilotDeploymentProfile");
    o["deviceNameTemplate"] = json!("PC-%RAND:5%");
    o["deviceType"] = json!("windowsPc");
}

fn enrollment(_: &mut Rng, _: &Refs, i: usize, o: &mut Value) {
    o["@odata.type"] = json!("#microsoft.graph.windows10EnrollmentCompletionPageConfiguration");
    o["priority"] = json!(1 + i);
    o["version"] = json!(1);
    o["showInstallationProgress"] = json!(true);
}

fn notification(r: &mut Rng, _: &Refs, _: usize, o: &mut Value) {
    o["brandingOptions"] = json!("includeCompanyLogo");
    o["defaultLocale"] = json!("en-us");
    o["localizedNotificationMessages"] = json!([{"id": r.guid(), "locale": "en-us", "subject": "Non-compliant", "messageTemplate": "Please fix.", "isDefault": true, "lastModifiedDateTime": TS}]);
}

fn intent(r: &mut Rng, _: &Refs, _: usize, o: &mut Value) {
    o["templateId"] = json!(r.guid());
    o["settings"] = json!([{"@odata.type":"#microsoft.graph.deviceManagementBooleanSettingInstance","id": r.guid(),"definitionId":"deviceConfiguration--example","valueJson":"true"}]);
}

fn managed_app(_: &mut Rng, _: &Refs, _: usize, o: &mut Value) {
    o["apps"] = json!([{"id": "com.microsoft.office.outlook.ios", "mobileAppIdentifier": {"@odata.type":"#microsoft.graph.iosMobileAppIdentifier","bundleId":"com.microsoft.office.outlook"}}]);
    o["appGroupType"] = json!("selectedPublicApps");
}

fn app_configuration(r: &mut Rng, refs: &Refs, _: usize, o: &mut Value) {
    o["@odata.type"] = json!("#microsoft.graph.iosMobileAppConfiguration");
    o["targetedMobileApps"] = json!([refs.apps[r.below(refs.apps.len())]]);
    o["settings"] = json!([{"appConfigKey":"server","appConfigKeyType":"stringType","appConfigKeyValue":"mail.example.com"}]);
}

/// Conditional Access objects carry `modifiedDateTime` and no description.
fn entra(o: &mut Value) {
    if let Some(m) = o.as_object_mut() {
        m.remove("lastModifiedDateTime");
        m.remove("description");
    }
    o["modifiedDateTime"] = json!(TS);
}

fn conditional_access(r: &mut Rng, refs: &Refs, _: usize, o: &mut Value) {
    entra(o);
    o["state"] = json!("enabledForReportingButNotEnforced");
    o["conditions"] = json!({"users": {"includeGroups": [refs.groups[r.below(GROUPS)]], "excludeGroups": []}, "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"]});
    o["grantControls"] = json!({"operator": "OR", "builtInControls": ["mfa"]});
}

fn named_location(r: &mut Rng, _: &Refs, _: usize, o: &mut Value) {
    entra(o);
    o["@odata.type"] = json!("#microsoft.graph.ipNamedLocation");
    o["isTrusted"] = json!(r.chance(50));
    o["ipRanges"] = json!([{"@odata.type":"#microsoft.graph.iPv4CidrRange","cidrAddress": format!("10.{}.0.0/16", r.below(255))}]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_spread() {
        let a = TenantSeed::generate(500, 42);
        let b = TenantSeed::generate(500, 42);
        assert_eq!(a.tenant_id(), b.tenant_id());
        let av: Vec<&Value> = a.objects.iter().map(|(_, v)| v).collect();
        let bv: Vec<&Value> = b.objects.iter().map(|(_, v)| v).collect();
        assert_eq!(av, bv);
        assert_ne!(TenantSeed::generate(10, 43).tenant_id(), a.tenant_id());
        let count = |p: &str| a.objects.iter().filter(|(c, _)| c.path == p).count();
        assert!(
            count("deviceManagement/deviceConfigurations")
                > count("deviceManagement/configurationPolicies")
        );
        assert!(count("deviceManagement/configurationPolicies") > 50);
        assert_eq!(count("groups"), GROUPS);
        let sc = a
            .objects
            .iter()
            .find(|(c, _)| c.path == "deviceManagement/configurationPolicies")
            .unwrap();
        let n = sc.1["settings"].as_array().unwrap().len();
        assert!((5..=40).contains(&n));
    }

    #[test]
    fn ten_thousand_is_fast() {
        let t = std::time::Instant::now();
        let s = TenantSeed::generate(10_000, 1);
        assert!(s.objects.len() >= 10_000);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(3),
            "{:?}",
            t.elapsed()
        );
    }
}
