//! The requests and local looks a check makes: one `$top=1` read per collection (in `$batch`),
//! the app registration's secrets, the certificate file, the repository's folders.

use super::report::{Access, CredentialCheck};
use crate::catalog::{CatalogEntry, PARENT_SEGMENT};
use crate::graph::{ApiVersion, GraphClient, GraphError};
use crate::store::Repo;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// The read a probe of one source makes: the collection's first object, or the singleton; a
/// collection below each object of another is probed by its parent collection.
fn probe_url(collection: &str, singleton: bool) -> String {
    match collection.split_once(PARENT_SEGMENT) {
        Some((parent, _)) => format!("/{parent}?$top=1"),
        None if singleton => format!("/{collection}"),
        None => format!("/{collection}?$top=1"),
    }
}

/// The read access of each entry, by catalog key. Collections several types share are read once.
pub(super) async fn reads(
    client: &GraphClient,
    entries: &[&'static CatalogEntry],
) -> BTreeMap<&'static str, Access> {
    let mut urls: BTreeMap<(ApiVersion, String), Option<Access>> = BTreeMap::new();
    for e in entries {
        for s in e.sources {
            urls.insert((s.version, probe_url(s.collection, s.singleton)), None);
        }
    }
    for version in [ApiVersion::Beta, ApiVersion::V1] {
        let of_version: Vec<String> = urls
            .keys()
            .filter(|(v, _)| *v == version)
            .map(|(_, u)| u.clone())
            .collect();
        if of_version.is_empty() {
            continue;
        }
        let answers = client.batch_probe(version, &of_version).await;
        for (url, answer) in of_version.into_iter().zip(answers) {
            let singleton = !url.contains("?$top=1");
            urls.insert((version, url), Some(access(answer, singleton)));
        }
    }
    entries
        .iter()
        .map(|e| {
            let all: Vec<Access> = e
                .sources
                .iter()
                .filter_map(|s| {
                    urls.get(&(s.version, probe_url(s.collection, s.singleton)))
                        .cloned()
                        .flatten()
                })
                .collect();
            let worst = all
                .iter()
                .find(|a| matches!(a, Access::Missing { .. }))
                .or_else(|| all.iter().find(|a| !a.granted()))
                .cloned()
                .unwrap_or(Access::Granted);
            (e.key, worst)
        })
        .collect()
}

/// What one probe's answer says. A singleton that is not configured (404) is readable.
fn access(answer: Result<serde_json::Value, GraphError>, singleton: bool) -> Access {
    match answer {
        Ok(_) => Access::Granted,
        Err(e) => match e.status() {
            Some(403) => Access::Missing {
                permissions: vec![],
            },
            Some(404) if singleton => Access::Granted,
            status => Access::Failed {
                status,
                message: e.to_string(),
            },
        },
    }
}

/// The certificate file's end date.
pub(super) fn certificate(cert_pem: &str, now: Timestamp) -> CredentialCheck {
    let unknown = |detail: String| CredentialCheck {
        kind: "certificate".into(),
        state: super::CredentialState::Unknown,
        expires: None,
        days_left: None,
        detail,
        needs: None,
    };
    let Some(Ok(pem)) = x509_parser::pem::Pem::iter_from_buffer(cert_pem.as_bytes()).next() else {
        return unknown("the certificate file holds no PEM certificate".into());
    };
    let Ok(cert) = pem.parse_x509() else {
        return unknown("the certificate cannot be parsed".into());
    };
    let subject = cert.subject().to_string();
    match Timestamp::from_second(cert.validity().not_after.timestamp()) {
        Ok(end) => CredentialCheck::ending("certificate", end, now, subject),
        Err(_) => unknown(format!("{subject}: its end date is out of range")),
    }
}

/// The end date of the configured client secret, found among the app registration's secrets by
/// its first three characters (Graph's `hint`; neither is ever shown).
pub(super) async fn secret(
    client: &GraphClient,
    client_id: &str,
    hint: &str,
    now: Timestamp,
) -> CredentialCheck {
    let path =
        format!("/v1.0/applications(appId='{client_id}')?$select=displayName,passwordCredentials");
    let app = match client.get(&path).await {
        Ok(app) => app,
        Err(e) => {
            let detail = match e.status() {
                Some(403) => {
                    let mut unknown = CredentialCheck::secret_unknown(
                        "reading the app registration needs Application.Read.All",
                    );
                    unknown.needs = Some("Application.Read.All".into());
                    return unknown;
                }
                Some(404) => "the app registration is not in this tenant (a multi-tenant app's registration is in its home tenant; check that one)".to_string(),
                _ => format!("the app registration could not be read: {}", e.cause()),
            };
            return CredentialCheck::secret_unknown(&detail);
        }
    };
    let ends = app["passwordCredentials"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["hint"].as_str() == Some(hint))
        .filter_map(|c| {
            let end = c["endDateTime"].as_str()?.parse::<Timestamp>().ok()?;
            Some((
                end,
                c["displayName"].as_str().unwrap_or_default().to_string(),
            ))
        })
        .max_by_key(|(end, _)| *end);
    match ends {
        Some((end, name)) => {
            let detail = if name.is_empty() {
                "the app registration's secret".to_string()
            } else {
                format!("the app registration's secret “{name}”")
            };
            CredentialCheck::ending("secret", end, now, detail)
        }
        None => CredentialCheck::secret_unknown(
            "no secret of the app registration begins as the configured one does",
        ),
    }
}

/// Whether a file can be created in the work tree and in the private state.
pub(super) fn writable(repo: &Repo) -> Result<(), String> {
    let state = repo.state_dir().map_err(|e| e.to_string())?;
    for dir in [repo.root().to_path_buf(), state] {
        let probe = dir.join(format!(".atlas-check-{}", std::process::id()));
        fs_err::write(&probe, b"")
            .and_then(|()| fs_err::remove_file(&probe))
            .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_urls() {
        assert_eq!(
            probe_url("deviceManagement/deviceConfigurations", false),
            "/deviceManagement/deviceConfigurations?$top=1"
        );
        assert_eq!(
            probe_url("policies/authorizationPolicy", true),
            "/policies/authorizationPolicy"
        );
        assert_eq!(
            probe_url(
                "deviceManagement/depOnboardingSettings/{parent}/enrollmentProfiles",
                false
            ),
            "/deviceManagement/depOnboardingSettings?$top=1"
        );
    }

    #[test]
    fn answers() {
        let refused = GraphError::Http {
            method: "GET".into(),
            path: "/x".into(),
            status: 403,
            code: "Forbidden".into(),
            message: "no".into(),
            request_id: None,
        };
        assert!(matches!(
            access(Err(refused), false),
            Access::Missing { .. }
        ));
        let gone = |s| GraphError::Http {
            method: "GET".into(),
            path: "/x".into(),
            status: s,
            code: "x".into(),
            message: "no".into(),
            request_id: None,
        };
        assert_eq!(access(Err(gone(404)), true), Access::Granted);
        assert!(matches!(
            access(Err(gone(400)), false),
            Access::Failed {
                status: Some(400),
                ..
            }
        ));
    }
}
