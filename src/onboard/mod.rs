//! The onboarding check: is this tenant set up correctly for the tool? (`tenant-atlas check`,
//! docs/ARCHITECTURE.md, "Onboarding check").
//!
//! A new user learns which permission their app registration lacks before a backup fails on it:
//! one `$top=1` read per catalog type (in `$batch`, so a whole catalog costs a handful of
//! requests), write permissions read from the token's `roles` claim (never by writing), the
//! credential's expiry, the clock against the token endpoint's, and whether the repository can be
//! written and its remote reached. Each missing permission is named once with the types it
//! blocks. The result is kept in the repository's private state for `serve` to show.

mod probe;
mod report;

pub use report::{
    Access, CredentialCheck, CredentialState, MissingPermission, RepositoryCheck, SignInCheck,
    TenantCheck, TypeAccess,
};

use crate::catalog::{self, Capability, CatalogEntry};
use crate::config::{Config, Mode, TenantConfig};
use crate::graph::{Credential, GraphClient};
use crate::store::{Repo, StoreError, state};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::path::Path;

/// Private-state area of the last check per tenant: `.git/atlas/check/<tenant>.json`.
pub const AREA: &str = "check";

/// Clock skew beyond which a certificate assertion is refused (Entra allows about five minutes).
pub const SKEW_LIMIT_SECONDS: i64 = 300;

/// What the check is asked.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Check write permissions even when the tenant's mode does not write.
    pub write: bool,
    /// The clock expiry dates are measured against.
    pub now: Timestamp,
}

/// Checks one tenant. Never fails: what cannot be checked is reported as such.
pub async fn check_tenant(
    repo: Option<&Repo>,
    config: &Config,
    config_path: &Path,
    t: &TenantConfig,
    opts: &CheckOptions,
) -> TenantCheck {
    let needs_write = opts.write || t.mode == Mode::Enforce;
    let mut check = TenantCheck::new(t, opts.now, needs_write);
    check.repository = repository(repo, config);
    let client_config = match crate::graph::client_config(t, config_path) {
        Ok(c) => c,
        Err(e) => {
            check.sign_in = SignInCheck::failed(e.to_string(), None);
            check.finish();
            return check;
        }
    };
    let secret_hint = match &client_config.credential {
        Credential::Secret(s) => Some(s.expose().chars().take(3).collect::<String>()),
        Credential::Certificate { .. } => None,
    };
    check.credential = match &client_config.credential {
        Credential::Certificate { cert_pem, .. } => probe::certificate(cert_pem, opts.now),
        Credential::Secret(_) => CredentialCheck::secret_unknown("not checked yet"),
    };
    let client = match GraphClient::new(client_config) {
        Ok(c) => c,
        Err(e) => {
            check.sign_in = SignInCheck::failed(e.to_string(), e.hint().map(str::to_string));
            check.finish();
            return check;
        }
    };
    let facts = match client.sign_in_facts().await {
        Ok(f) => f,
        Err(e) => {
            check.sign_in = SignInCheck::failed(e.to_string(), e.hint().map(str::to_string));
            check.finish();
            return check;
        }
    };
    check.sign_in = SignInCheck::ok(facts.clock_skew, facts.roles.is_some());
    let entries: Vec<&'static CatalogEntry> = catalog::all()
        .iter()
        .filter(|e| t.types.selects(e.key))
        .collect();
    let reads = probe::reads(&client, &entries).await;
    for entry in &entries {
        let read = refused_read(
            reads.get(entry.key).cloned().unwrap_or(Access::NotChecked),
            entry.read_permission,
            facts.roles.as_deref(),
        );
        let write = (needs_write && entry.capability == Capability::Full).then(|| {
            match facts.roles.as_deref() {
                None => Access::Unknown {
                    reason: "the token is not a JWT whose permissions can be read".into(),
                },
                Some(roles) => match lacking(entry.write_permission, Some(roles), true) {
                    missing if missing.is_empty() => Access::Granted,
                    permissions => Access::Missing { permissions },
                },
            }
        });
        check.types.push(TypeAccess {
            key: entry.key.to_string(),
            title: entry.title.to_string(),
            read,
            write,
        });
    }
    if let Some(hint) = secret_hint {
        check.credential = probe::secret(&client, &t.client_id, &hint, opts.now).await;
    }
    check.finish();
    check
}

/// A read Graph refused (403) names the listed permissions the token lacks; when the token holds
/// them all, the refusal has another cause (a role scope, a license) and is a failure, never
/// "granted by omission".
fn refused_read(read: Access, listed: &str, roles: Option<&[String]>) -> Access {
    match read {
        Access::Missing { .. } => match lacking(listed, roles, false) {
            missing if missing.is_empty() => Access::Failed {
                status: Some(403),
                message: format!(
                    "Graph refused the read although the token holds {listed}: check the app's role scope or the tenant's license"
                ),
            },
            permissions => Access::Missing { permissions },
        },
        other => other,
    }
}

/// The permissions of `listed` (comma-separated, all needed) that `roles` lacks; all of them when
/// the roles are unknown. A `ReadWrite` permission grants its `Read` one.
fn lacking(listed: &str, roles: Option<&[String]>, write: bool) -> Vec<String> {
    let held = |p: &str| {
        roles.is_some_and(|roles| {
            roles.iter().any(|r| {
                r == p
                    || (!write
                        && p.contains(".Read.")
                        && *r == p.replacen(".Read.", ".ReadWrite.", 1))
            })
        })
    };
    listed
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty() && !held(p))
        .map(str::to_string)
        .collect()
}

/// Whether the repository can be written and its remote reached.
fn repository(repo: Option<&Repo>, config: &Config) -> RepositoryCheck {
    let Some(repo) = repo else {
        return RepositoryCheck {
            writable: false,
            detail: "not in a git repository (run `tenant-atlas init`)".into(),
            remote: None,
        };
    };
    let writable = probe::writable(repo);
    let remote_name = &config.git.remote;
    let remote = if repo.has_remote(remote_name) {
        Some(
            match crate::store::push::remote_reachable(repo, remote_name) {
                Ok(()) => report::RemoteCheck {
                    name: remote_name.clone(),
                    configured: true,
                    reachable: true,
                    needed: config.git.push,
                    detail: "reachable".into(),
                },
                Err(e) => report::RemoteCheck {
                    name: remote_name.clone(),
                    configured: true,
                    reachable: false,
                    needed: config.git.push,
                    detail: e.to_string(),
                },
            },
        )
    } else {
        Some(report::RemoteCheck {
            name: remote_name.clone(),
            configured: false,
            reachable: false,
            needed: config.git.push,
            detail: format!("no remote `{remote_name}` in the repository's git configuration"),
        })
    };
    RepositoryCheck {
        writable: writable.is_ok(),
        detail: writable.err().unwrap_or_else(|| "writable".into()),
        remote,
    }
}

/// Keeps the check in the repository's private state (atomically), for `serve`.
pub fn record(repo: &Repo, check: &TenantCheck) -> Result<(), StoreError> {
    let mut bytes = serde_json::to_vec_pretty(check).unwrap_or_default();
    bytes.push(b'\n');
    state::write(repo, AREA, &format!("{}.json", check.tenant), &bytes)
}

/// The last check of `tenant`, if one was kept and is readable.
pub fn last(repo: &Repo, tenant: &str) -> Option<TenantCheck> {
    let bytes = state::read(repo, AREA, &format!("{tenant}.json")).ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// The missing permissions of the types, each once with the types it blocks (read before write,
/// then by name).
fn missing(types: &[TypeAccess]) -> Vec<MissingPermission> {
    let mut by: BTreeMap<(bool, String), Vec<String>> = BTreeMap::new();
    for t in types {
        for (write, access) in [(false, Some(&t.read)), (true, t.write.as_ref())] {
            if let Some(Access::Missing { permissions }) = access {
                for p in permissions {
                    by.entry((write, p.clone()))
                        .or_default()
                        .push(t.key.clone());
                }
            }
        }
    }
    by.into_iter()
        .map(|((write, permission), blocks)| MissingPermission {
            permission,
            access: if write { "write" } else { "read" }.into(),
            blocks,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lacking_permissions() {
        let roles = vec![
            "DeviceManagementConfiguration.ReadWrite.All".to_string(),
            "Policy.Read.All".to_string(),
        ];
        assert!(
            lacking(
                "DeviceManagementConfiguration.Read.All",
                Some(&roles),
                false
            )
            .is_empty()
        );
        assert_eq!(
            lacking(
                "Policy.ReadWrite.ConditionalAccess, Policy.Read.All",
                Some(&roles),
                true
            ),
            vec!["Policy.ReadWrite.ConditionalAccess"]
        );
        assert_eq!(
            lacking("DeviceManagementApps.Read.All", None, false),
            vec!["DeviceManagementApps.Read.All"]
        );
    }

    #[test]
    fn a_refused_read_the_roles_cannot_explain_is_a_failure() {
        let refused = || Access::Missing {
            permissions: vec![],
        };
        let held = vec!["Policy.Read.All".to_string()];
        assert!(matches!(
            refused_read(refused(), "Policy.Read.All", Some(&held)),
            Access::Failed {
                status: Some(403),
                ..
            }
        ));
        assert_eq!(
            refused_read(refused(), "Policy.Read.All", Some(&[])),
            Access::Missing {
                permissions: vec!["Policy.Read.All".into()]
            }
        );
        assert_eq!(
            refused_read(Access::Granted, "Policy.Read.All", None),
            Access::Granted
        );
    }

    #[test]
    fn missing_names_each_permission_once_with_what_it_blocks() {
        let t = |key: &str, read: Access, write: Option<Access>| TypeAccess {
            key: key.into(),
            title: key.into(),
            read,
            write,
        };
        let gone = |p: &str| Access::Missing {
            permissions: vec![p.into()],
        };
        let m = missing(&[
            t("a", gone("X.Read.All"), Some(gone("X.ReadWrite.All"))),
            t("b", gone("X.Read.All"), Some(Access::Granted)),
            t("c", Access::Granted, None),
        ]);
        let got: Vec<(String, String, Vec<String>)> = m
            .into_iter()
            .map(|m| (m.permission, m.access, m.blocks))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "X.Read.All".into(),
                    "read".into(),
                    vec!["a".into(), "b".into()]
                ),
                ("X.ReadWrite.All".into(), "write".into(), vec!["a".into()]),
            ]
        );
    }
}
