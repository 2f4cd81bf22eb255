//! The built-in demo tenant in `atlas.yaml`: `demo: true` marks the tenant an emulator embedded in
//! each command serves (`crate::demo`), so a repository made by `backup --demo` works with every
//! command without credentials or endpoints.

use super::*;

/// A `demo: true` tenant has the demo's ids and nothing that would send it elsewhere.
pub(super) fn check_demo(t: &TenantConfig) -> Result<(), (&'static str, String)> {
    let (tenant_id, client_id, _) = crate::demo::credentials()
        .ok_or(("demo", "the embedded demo tenant has no client".to_string()))?;
    for (key, set) in [
        ("clientSecretEnv", t.client_secret_env.is_some()),
        ("certificate", t.certificate.is_some()),
        ("endpoints", t.endpoints.is_some()),
    ] {
        if set {
            return Err((
                key,
                "a demo tenant is served by the embedded emulator: remove this key (or `demo: true`)"
                    .into(),
            ));
        }
    }
    for (key, got, want) in [
        ("tenantId", &t.tenant_id, &tenant_id),
        ("clientId", &t.client_id, &client_id),
    ] {
        if got != want {
            return Err((key, format!("the demo tenant's {key} is {want}")));
        }
    }
    Ok(())
}

impl TenantConfig {
    /// The entry of the built-in demo tenant (`backup --demo`, `drift --demo`, `plan --demo`).
    pub fn demo() -> TenantConfig {
        let (tenant_id, client_id, _) = crate::demo::credentials().unwrap_or_default();
        TenantConfig {
            name: "demo".into(),
            tenant_id,
            client_id,
            client_secret_env: None,
            certificate: None,
            cloud: Cloud::default(),
            endpoints: None,
            types: TypesConfig::default(),
            schedule: None,
            mode: Mode::default(),
            desired: None,
            guardrails: Guardrails::default(),
            windows: Windows::default(),
            demo: true,
            rate_limit: None,
        }
    }
}

/// `atlas.yaml` of a repository made by `backup --demo`: the example with the demo tenant configured.
pub fn demo_example() -> String {
    let t = TenantConfig::demo();
    EXAMPLE.replacen(
        "tenants: []\n",
        &format!(
            "tenants:\n- name: demo\n  tenantId: {}\n  clientId: {}\n  demo: true            # the built-in demo tenant: every command serves it from an embedded Graph emulator\n",
            t.tenant_id, t.client_id
        ),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_tenant_takes_no_credential_and_only_the_demo_ids() {
        let good = demo_example();
        let c = Config::parse(&good, "atlas.yaml").unwrap();
        let with_secret = good.replace("  demo: true", "  clientSecretEnv: X\n  demo: true");
        let e = Config::parse(&with_secret, "atlas.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("(demo).clientSecretEnv"), "{e}");
        let other_id = good.replace(
            &c.tenants[0].tenant_id,
            "00000000-0000-0000-0000-000000000009",
        );
        let e = Config::parse(&other_id, "atlas.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("(demo).tenantId") && e.contains("the demo tenant's tenantId"),
            "{e}"
        );
    }
}
