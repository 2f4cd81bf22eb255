//! The `defaults:` block: what every tenant of a fleet shares, written once
//! (docs/ARCHITECTURE.md, "Configuration", "Fleets").
//!
//! An MSP reaches its customer tenants with one multi-tenant app registration, one secret variable
//! or certificate, one schedule and one type selection; without this block each of 200 tenants
//! repeats them. A tenant inherits each key of `defaults` it does not set itself and replaces a key
//! it sets, whole (a tenant's `types` is its own, not merged with the default's). The credential
//! is one key for this: a tenant that names `clientSecretEnv` or `certificate` inherits neither.
//! A demo tenant inherits no client, credential, cloud or endpoints (the embedded emulator is its).
//!
//! Inheritance happens on the parsed YAML, before the typed tenants are read, so a tenant is
//! checked exactly as if it had been written out in full; the block itself is read typed first,
//! so a misspelt key in it is an error with its line.

use super::*;
use serde_yaml::{Mapping, Value};

/// Keys a tenant inherits from `defaults` (camelCase, as written).
// The fields of `TenantDefaults` other than `partnerTenantId`.
const INHERITED: &[&str] = &[
    "clientId",
    "clientSecretEnv",
    "certificate",
    "cloud",
    "endpoints",
    "types",
    "schedule",
    "mode",
    "desired",
    "guardrails",
    "windows",
    "rateLimit",
];

/// Keys that make one credential: a tenant setting one of them inherits none.
const CREDENTIAL: &[&str] = &["clientSecretEnv", "certificate"];

/// Keys a demo tenant never inherits.
const NOT_FOR_DEMO: &[&str] = &[
    "clientId",
    "clientSecretEnv",
    "certificate",
    "cloud",
    "endpoints",
];

/// What every tenant inherits unless it sets the key itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantDefaults {
    /// The partner's own tenant (GUID), where the multi-tenant app registration lives:
    /// `tenants discover` asks it which customer tenants the app can reach. Not inherited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_tenant_id: Option<String>,
    /// Application (client) id of the (multi-tenant) app registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<Cloud>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<EndpointsConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<TypesConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrails: Option<Guardrails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<Windows>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitConfig>,
}

impl TenantDefaults {
    /// A tenant entry made of the defaults alone (`tenants discover` signs in to the partner's
    /// own tenant this way).
    pub fn tenant(&self, name: &str, tenant_id: &str) -> TenantConfig {
        TenantConfig {
            name: name.to_string(),
            tenant_id: tenant_id.to_string(),
            client_id: self.client_id.clone().unwrap_or_default(),
            client_secret_env: self.client_secret_env.clone(),
            certificate: self.certificate.clone(),
            cloud: self.cloud.unwrap_or_default(),
            endpoints: self.endpoints.clone(),
            types: self.types.clone().unwrap_or_default(),
            schedule: self.schedule.clone(),
            mode: self.mode.unwrap_or_default(),
            desired: self.desired.clone(),
            guardrails: self.guardrails.clone().unwrap_or_default(),
            windows: self.windows.clone().unwrap_or_default(),
            demo: false,
            rate_limit: self.rate_limit.clone(),
        }
    }
}

/// The configuration text as a YAML value with `defaults` copied into every tenant that lacks
/// the key; `None` when the file has no `defaults` (nothing to copy).
pub(super) fn inherit(text: &str, file: &str) -> Result<Option<Value>, YamlError> {
    let mut root: Value = yaml::from_str(text, file)?;
    let Some(defaults) = root.get("defaults").and_then(Value::as_mapping).cloned() else {
        return Ok(None);
    };
    if let Some(tenants) = root.get_mut("tenants").and_then(Value::as_sequence_mut) {
        for tenant in tenants.iter_mut().filter_map(Value::as_mapping_mut) {
            fill(tenant, &defaults);
        }
    }
    Ok(Some(root))
}

/// Copies into `tenant` each inherited key of `defaults` it lacks.
fn fill(tenant: &mut Mapping, defaults: &Mapping) {
    let has = |m: &Mapping, k: &str| m.contains_key(Value::from(k));
    let demo = tenant
        .get(Value::from("demo"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let own_credential = CREDENTIAL.iter().any(|k| has(tenant, k));
    for key in INHERITED {
        let skip = has(tenant, key)
            || (own_credential && CREDENTIAL.contains(key))
            || (demo && NOT_FOR_DEMO.contains(key));
        if let (false, Some(v)) = (skip, defaults.get(Value::from(*key))) {
            tenant.insert(Value::from(*key), v.clone());
        }
    }
}

/// Whether tenant `i` of `text` got `key` from `defaults` (the tenant does not write it), so an
/// error in it points at the `defaults` line.
pub(super) fn inherited_path(
    path: &str,
    lines: &std::collections::BTreeMap<String, usize>,
) -> Option<String> {
    let rest = path.strip_prefix("tenants[")?.split_once("].")?.1;
    let from = format!("defaults.{rest}");
    (!lines.contains_key(path) && lines.contains_key(&from)).then_some(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLEET: &str = "defaults:\n  clientId: 00000000-0000-0000-0000-0000000000c1\n  clientSecretEnv: FLEET_SECRET\n  schedule: {backup: 4h}\n  types: {include: [settingsCatalog]}\n  mode: report\ntenants:\n- name: a\n  tenantId: 00000000-0000-0000-0000-000000000001\n- name: b\n  tenantId: 00000000-0000-0000-0000-000000000002\n  certificate: {cert: b.pem, key: b.key}\n  mode: backup\n  types: {include: [all], exclude: [conditionalAccess]}\n";

    #[test]
    fn tenants_inherit_what_they_do_not_set() {
        let c = Config::parse(FLEET, "atlas.yaml").unwrap();
        let a = c.tenant("a").unwrap();
        assert_eq!(a.client_id, "00000000-0000-0000-0000-0000000000c1");
        assert_eq!(a.client_secret_env.as_deref(), Some("FLEET_SECRET"));
        assert_eq!(a.mode, Mode::Report);
        assert!(a.types.selects("settingsCatalog") && !a.types.selects("compliancePolicies"));
        assert_eq!(a.schedule.as_ref().unwrap().interval().as_secs(), 4 * 3600);
        let b = c.tenant("b").unwrap();
        assert_eq!(b.client_id, "00000000-0000-0000-0000-0000000000c1");
        assert!(
            b.certificate.is_some() && b.client_secret_env.is_none(),
            "one credential, its own"
        );
        assert_eq!(b.mode, Mode::Backup);
        assert!(b.types.selects("compliancePolicies") && !b.types.selects("conditionalAccess"));
    }

    #[test]
    fn a_problem_in_an_inherited_key_points_at_defaults() {
        let text = FLEET.replace("backup: 4h", "backup: often");
        let e = Config::parse(&text, "atlas.yaml").unwrap_err().to_string();
        assert!(e.starts_with("atlas.yaml:4:"), "{e}");
        assert!(e.contains("(a).schedule.backup (from defaults)"), "{e}");
        let text = FLEET.replace("  clientSecretEnv", "  clientSecretEnvv");
        let e = Config::parse(&text, "atlas.yaml").unwrap_err().to_string();
        assert!(
            e.starts_with("atlas.yaml:3:") && e.contains("clientSecretEnvv"),
            "{e}"
        );
        let text = FLEET.replace("  clientId: 00000000-0000-0000-0000-0000000000c1\n", "");
        let e = Config::parse(&text, "atlas.yaml").unwrap_err().to_string();
        assert!(e.contains("(a).clientId") && e.contains("defaults"), "{e}");
    }

    #[test]
    fn a_demo_tenant_keeps_its_own_client() {
        let text = format!(
            "{FLEET}{}",
            demo_example()
                .split_once("tenants:\n")
                .unwrap()
                .1
                .lines()
                .take_while(|l| l.starts_with('-') || l.starts_with(' '))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        );
        let c = Config::parse(&text, "atlas.yaml").unwrap();
        let demo = c.tenant("demo").unwrap();
        assert!(demo.demo && demo.client_secret_env.is_none());
        assert_eq!(demo.mode, Mode::Report, "other keys are inherited");
    }
}
