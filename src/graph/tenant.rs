//! A configured tenant's Graph client settings: the credential its `atlas.yaml` entry names (a
//! secret from the environment, certificate files beside the configuration), its cloud, endpoint
//! overrides and rate limits — or, for `demo: true`, the embedded demo emulator.

use super::{ClientConfig, Credential, Endpoints, RateLimits, SecretString};
use crate::config::{ConfigError, TenantConfig};
use std::path::{Path, PathBuf};

/// The Graph client settings for a tenant. Reads the client secret from the environment
/// variable the config names, or the certificate files (relative to the config file's folder).
pub fn client_config(t: &TenantConfig, config_file: &Path) -> Result<ClientConfig, ConfigError> {
    let base = config_file.parent().unwrap_or(Path::new("."));
    let invalid = |at: &str, message: String| ConfigError::Invalid {
        file: config_file.display().to_string(),
        line: None,
        at: format!("tenant {}.{at}", t.name),
        message,
    };
    if t.demo {
        return demo_client_config(t).map_err(|m| invalid("demo", m));
    }
    let credential = match (&t.client_secret_env, &t.certificate) {
        (Some(var), _) => {
            let secret = crate::env::var(var).ok_or_else(|| {
                invalid(
                    "clientSecretEnv",
                    format!("environment variable {var} is not set"),
                )
            })?;
            Credential::Secret(SecretString::new(secret))
        }
        (None, Some(c)) => {
            let read = |p: &PathBuf, key: &str| {
                let path = if p.is_absolute() {
                    p.clone()
                } else {
                    base.join(p)
                };
                fs_err::read_to_string(&path)
                    .map_err(|e| invalid(&format!("certificate.{key}"), e.to_string()))
            };
            Credential::Certificate {
                cert_pem: read(&c.cert, "cert")?,
                key_pem: SecretString::new(read(&c.key, "key")?),
            }
        }
        (None, None) => {
            return Err(invalid(
                "clientSecretEnv",
                "no credential configured".into(),
            ));
        }
    };
    let endpoints = match &t.endpoints {
        Some(e) => Some(Endpoints {
            graph: url::Url::parse(&e.graph)
                .map_err(|err| invalid("endpoints.graph", err.to_string()))?,
            login: url::Url::parse(&e.login)
                .map_err(|err| invalid("endpoints.login", err.to_string()))?,
        }),
        None => None,
    };
    let mut limits = RateLimits::default();
    if let Some(r) = &t.rate_limit {
        limits.requests = r.requests;
        limits.writes = r.writes;
        if let Some(w) = r.window_seconds {
            limits.window = std::time::Duration::from_secs(w.max(1));
        }
    }
    let mut config = ClientConfig::new(t.tenant_id.clone(), t.client_id.clone(), credential);
    config.cloud = t.cloud;
    config.label = Some(t.name.clone());
    config.endpoints = endpoints;
    config.limits = limits;
    Ok(config)
}

/// The demo tenant's client: the embedded emulator's URL and the demo seed's test secret.
fn demo_client_config(t: &TenantConfig) -> Result<ClientConfig, String> {
    let (tenant_id, client_id, secret) =
        crate::demo::credentials().ok_or("the embedded demo tenant has no client")?;
    let url = crate::demo::emulator_url()?;
    let base = url::Url::parse(&url).map_err(|e| e.to_string())?;
    let mut config = ClientConfig::new(
        tenant_id,
        client_id,
        Credential::Secret(SecretString::new(secret)),
    );
    config.cloud = t.cloud;
    config.endpoints = Some(Endpoints {
        graph: base.clone(),
        login: base,
    });
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_tenant_is_served_by_the_embedded_emulator() {
        let text = crate::config::demo_example();
        let c = crate::config::Config::parse(&text, "atlas.yaml").unwrap();
        let client = client_config(&c.tenants[0], Path::new("atlas.yaml")).unwrap();
        let url = crate::demo::emulator_url().unwrap();
        assert_eq!(
            client
                .endpoints
                .unwrap()
                .graph
                .as_str()
                .trim_end_matches('/'),
            url.trim_end_matches('/')
        );
    }
}
