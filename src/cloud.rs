//! Where Graph is: API versions, national clouds (docs/graph-notes.md, "Authentication") and
//! endpoint overrides. A leaf below `config`, `catalog` and `graph`, which all name these.
//!
//! An override exists for the emulator; it may use plain `http://` only on a loopback host, so a
//! typo in a config can never send a bearer token over an unencrypted network link.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use url::{Host, Url};

/// An endpoint URL that is not `https://`, or `http://` on a loopback host, or that carries
/// credentials (shown without them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("endpoint {url} refused: use an https:// URL (http:// only on a loopback host)")]
pub struct InsecureEndpoint {
    pub url: String,
}

/// A Graph API version segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ApiVersion {
    #[serde(rename = "beta")]
    Beta,
    #[serde(rename = "v1.0")]
    V1,
}

impl ApiVersion {
    /// The URL segment: `beta` or `v1.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::Beta => "beta",
            ApiVersion::V1 => "v1.0",
        }
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Microsoft cloud a tenant lives in.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Global service, including GCC.
    #[default]
    Global,
    /// US Government L4 (GCC High).
    UsGov,
    /// US Government L5 (DoD).
    UsGovDod,
    /// China, operated by 21Vianet.
    China,
}

impl Cloud {
    /// Host of the Entra token endpoint.
    pub fn login_host(self) -> &'static str {
        match self {
            Cloud::Global => "login.microsoftonline.com",
            Cloud::UsGov | Cloud::UsGovDod => "login.microsoftonline.us",
            Cloud::China => "login.chinacloudapi.cn",
        }
    }

    /// Host of Microsoft Graph.
    pub fn graph_host(self) -> &'static str {
        match self {
            Cloud::Global => "graph.microsoft.com",
            Cloud::UsGov => "graph.microsoft.us",
            Cloud::UsGovDod => "dod-graph.microsoft.us",
            Cloud::China => "microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The endpoints of this cloud (always https).
    pub fn endpoints(self) -> Endpoints {
        let parse = |host: &str| {
            Url::parse(&format!("https://{host}/")).expect("static cloud host is a valid URL")
        };
        Endpoints {
            graph: parse(self.graph_host()),
            login: parse(self.login_host()),
        }
    }
}

/// Base URLs of Graph and of the token service, overriding the cloud's (the emulator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub graph: Url,
    pub login: Url,
}

impl Endpoints {
    /// Parse and check both URLs (see [`Endpoints::validate`]).
    pub fn parse(graph: &str, login: &str) -> Result<Endpoints, InsecureEndpoint> {
        let parse = |text: &str| {
            Url::parse(text).map_err(|_| InsecureEndpoint {
                url: text.to_owned(),
            })
        };
        let endpoints = Endpoints {
            graph: parse(graph)?,
            login: parse(login)?,
        };
        endpoints.validate()?;
        Ok(endpoints)
    }

    /// `https://` anywhere; `http://` only on 127.0.0.0/8, ::1 or localhost; nothing else.
    pub fn validate(&self) -> Result<(), InsecureEndpoint> {
        for url in [&self.graph, &self.login] {
            check_secure(url)?;
        }
        Ok(())
    }
}

/// Parses and checks one endpoint URL with the rules of [`Endpoints::validate`].
pub fn check_endpoint(text: &str) -> Result<Url, InsecureEndpoint> {
    let url = Url::parse(text).map_err(|_| InsecureEndpoint {
        url: text.to_owned(),
    })?;
    check_secure(&url)?;
    Ok(url)
}

fn check_secure(url: &Url) -> Result<(), InsecureEndpoint> {
    let ok = match url.scheme() {
        "https" => url.host().is_some(),
        "http" => url.host().is_some_and(|host| is_loopback(&host)),
        _ => false,
    };
    let no_credentials = url.username().is_empty() && url.password().is_none();
    if ok && no_credentials {
        Ok(())
    } else {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        Err(InsecureEndpoint {
            url: shown.as_str().to_owned(),
        })
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// `base` without its trailing slash, so `"{trimmed}{path}"` keeps any path prefix of the base.
pub(crate) fn trimmed(base: &Url) -> &str {
    base.as_str().trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_clouds_serialize_as_documented() {
        assert_eq!(serde_json::to_string(&ApiVersion::V1).unwrap(), "\"v1.0\"");
        assert_eq!(ApiVersion::Beta.as_str(), "beta");
        let cloud: Cloud = serde_json::from_str("\"usgovdod\"").unwrap();
        assert_eq!(cloud, Cloud::UsGovDod);
        assert_eq!(serde_json::to_string(&Cloud::UsGov).unwrap(), "\"usgov\"");
        assert_eq!(cloud.graph_host(), "dod-graph.microsoft.us");
        assert_eq!(Cloud::China.login_host(), "login.chinacloudapi.cn");
        assert_eq!(
            Cloud::Global.endpoints().graph.as_str(),
            "https://graph.microsoft.com/"
        );
    }

    #[test]
    fn http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:18080",
            "http://127.5.0.1",
            "http://[::1]:80/",
            "http://LOCALHOST:1",
            "https://graph.example.com",
        ] {
            assert!(Endpoints::parse(ok, ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://graph.microsoft.com",
            "http://10.0.0.1",
            "http://169.254.169.254",
            "http://localhost.evil.com",
            "ftp://127.0.0.1",
            "https://user:pw@graph.example.com",
        ] {
            let err = Endpoints::parse(bad, "https://login.example.com").unwrap_err();
            assert!(matches!(err, InsecureEndpoint { .. }), "{bad}");
        }
        let err = Endpoints::parse("https://user:pw@graph.example.com", "https://x.example.com");
        assert!(!err.unwrap_err().to_string().contains("pw"));
        let err = Endpoints::parse("https://graph.example.com", "http://login.example.com");
        assert!(err.is_err());
    }
}
