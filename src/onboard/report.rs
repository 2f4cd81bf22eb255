//! What a check found for one tenant, as data (`check --format json`, the kept last check) and the
//! verdict and advice drawn from it.

use super::SKEW_LIMIT_SECONDS;
use crate::config::TenantConfig;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The check of one tenant.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantCheck {
    pub tenant: String,
    pub tenant_id: String,
    pub client_id: String,
    /// The tenant's mode: what it needs (`enforce` needs write permissions).
    pub mode: String,
    /// When the check ran (RFC 3339).
    pub checked_at: String,
    /// Everything the configured mode needs is there.
    pub ready: bool,
    /// Write permissions were checked (`--write`, or the mode writes).
    pub write_checked: bool,
    pub sign_in: SignInCheck,
    pub credential: CredentialCheck,
    pub repository: RepositoryCheck,
    /// Per catalog type the tenant selects.
    pub types: Vec<TypeAccess>,
    /// Each missing permission once, with the types it blocks.
    pub missing: Vec<MissingPermission>,
    /// Permissions the tool can do without that would let it check more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional: Vec<String>,
    /// What to do, in order.
    pub advice: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInCheck {
    pub ok: bool,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Seconds the token endpoint's clock is ahead of this machine's (negative: behind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_skew_seconds: Option<i64>,
}

impl SignInCheck {
    pub(super) fn failed(detail: String, hint: Option<String>) -> SignInCheck {
        SignInCheck {
            ok: false,
            detail,
            hint,
            clock_skew_seconds: None,
        }
    }

    pub(super) fn ok(clock_skew: Option<i64>, roles_readable: bool) -> SignInCheck {
        let detail = if roles_readable {
            "token issued; its permissions are readable"
        } else {
            "token issued; it is not a JWT, so write permissions cannot be read from it"
        };
        SignInCheck {
            ok: true,
            detail: detail.into(),
            hint: None,
            clock_skew_seconds: clock_skew,
        }
    }

    /// The clock is further off than a certificate assertion tolerates.
    pub fn skewed(&self) -> bool {
        self.clock_skew_seconds
            .is_some_and(|s| s.abs() > SKEW_LIMIT_SECONDS)
    }
}

/// Whether one kind of access to a type is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum Access {
    Granted,
    /// Refused (403) or absent from the token: these permissions are needed.
    Missing {
        permissions: Vec<String>,
    },
    /// Graph answered another error (a feature the tenant is not licensed for, a 5xx).
    Failed {
        status: Option<u16>,
        message: String,
    },
    /// Cannot be told (the token's permissions are not readable).
    Unknown {
        reason: String,
    },
    /// Not checked: sign-in failed first.
    NotChecked,
}

impl Access {
    pub fn granted(&self) -> bool {
        matches!(self, Access::Granted)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TypeAccess {
    /// Catalog key.
    pub key: String,
    pub title: String,
    pub read: Access,
    /// Checked for types a restore writes, when writes are checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<Access>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MissingPermission {
    /// The Microsoft Graph application permission, as the Entra admin center names it.
    pub permission: String,
    /// `read` or `write`.
    pub access: String,
    /// Catalog keys of the types it blocks.
    pub blocks: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CredentialState {
    Ok,
    /// Within `health::WARN_DAYS` of its end.
    Expiring,
    Expired,
    Unknown,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialCheck {
    /// `secret` or `certificate`.
    pub kind: String,
    pub state: CredentialState,
    /// The end date (RFC 3339), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    pub detail: String,
    /// The permission that would let the check read the end date, when its lack is why it is
    /// unknown (an optional one: nothing else needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
}

impl CredentialCheck {
    pub(super) fn secret_unknown(detail: &str) -> CredentialCheck {
        CredentialCheck {
            kind: "secret".into(),
            state: CredentialState::Unknown,
            expires: None,
            days_left: None,
            detail: detail.into(),
            needs: None,
        }
    }

    /// A credential ending at `end`, measured from `now`.
    pub(super) fn ending(kind: &str, end: Timestamp, now: Timestamp, detail: String) -> Self {
        let days_left = end.duration_since(now).as_secs().div_euclid(86_400);
        let state = if end <= now {
            CredentialState::Expired
        } else if days_left < crate::health::WARN_DAYS {
            CredentialState::Expiring
        } else {
            CredentialState::Ok
        };
        CredentialCheck {
            kind: kind.into(),
            state,
            expires: Some(end.to_string()),
            days_left: Some(days_left),
            detail,
            needs: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryCheck {
    pub writable: bool,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteCheck>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemoteCheck {
    pub name: String,
    /// The repository's git configuration names it.
    pub configured: bool,
    pub reachable: bool,
    /// `git.push` is on, so runs need it.
    pub needed: bool,
    pub detail: String,
}

impl TenantCheck {
    pub(super) fn new(t: &TenantConfig, now: Timestamp, write_checked: bool) -> TenantCheck {
        TenantCheck {
            tenant: t.name.clone(),
            tenant_id: t.tenant_id.clone(),
            client_id: t.client_id.clone(),
            mode: serde_json::to_value(t.mode)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            checked_at: now.to_string(),
            ready: false,
            write_checked,
            sign_in: SignInCheck::failed("not attempted".into(), None),
            credential: CredentialCheck::secret_unknown("not checked"),
            repository: RepositoryCheck {
                writable: false,
                detail: "not checked".into(),
                remote: None,
            },
            types: vec![],
            missing: vec![],
            optional: vec![],
            advice: vec![],
        }
    }

    /// Draws the missing permissions, the verdict and the advice from what was found.
    pub(super) fn finish(&mut self) {
        self.missing = super::missing(&self.types);
        self.optional.extend(self.credential.needs.clone());
        let failed: Vec<&TypeAccess> = self
            .types
            .iter()
            .filter(|t| matches!(t.read, Access::Failed { .. }))
            .collect();
        let writes_unknown = self
            .types
            .iter()
            .any(|t| matches!(t.write, Some(Access::Unknown { .. })));
        let remote_broken = self
            .repository
            .remote
            .as_ref()
            .is_some_and(|r| r.needed && !r.reachable);
        self.ready = self.sign_in.ok
            && !self.sign_in.skewed()
            && self.missing.is_empty()
            && failed.is_empty()
            && !writes_unknown
            && self.credential.state != CredentialState::Expired
            && self.repository.writable
            && !remote_broken;
        self.advice = self.advice(&failed, writes_unknown, remote_broken);
    }

    fn advice(
        &self,
        failed: &[&TypeAccess],
        writes_unknown: bool,
        remote_broken: bool,
    ) -> Vec<String> {
        let mut advice = vec![];
        if !self.sign_in.ok {
            advice.push(match &self.sign_in.hint {
                Some(h) => format!("Fix the sign-in first: {h}."),
                None => "Fix the sign-in first; nothing else could be checked.".into(),
            });
        }
        if self.sign_in.skewed() {
            advice.push(format!(
                "Set this machine's clock right (NTP): it is {} s off the token endpoint's, and certificate sign-ins fail beyond {SKEW_LIMIT_SECONDS} s.",
                self.sign_in.clock_skew_seconds.unwrap_or_default().abs()
            ));
        }
        if !self.missing.is_empty() {
            // One entry per permission and access: a permission missing for both is named once.
            let mut names: Vec<&str> = self.missing.iter().map(|m| m.permission.as_str()).collect();
            names.sort();
            names.dedup();
            advice.push(format!(
                "Add the Microsoft Graph application permissions {} to the app registration {} (Entra admin center → App registrations → API permissions → Add a permission → Microsoft Graph → Application permissions), then grant admin consent for the tenant: a permission without admin consent is not in the token.",
                names.join(", "),
                self.client_id
            ));
        }
        if !failed.is_empty() {
            let keys: Vec<&str> = failed.iter().map(|t| t.key.as_str()).collect();
            advice.push(format!(
                "Graph refused to list {} for another reason than a permission (see each); a tenant without the license for a feature cannot be backed up for it: exclude it with `types.exclude`.",
                keys.join(", ")
            ));
        }
        if writes_unknown {
            advice.push(
                "The token's permissions could not be read, so writes were not checked.".into(),
            );
        }
        match self.credential.state {
            CredentialState::Expired => advice.push(format!(
                "The {} has expired: add a new one to the app registration and configure it.",
                self.credential.kind
            )),
            CredentialState::Expiring => advice.push(format!(
                "The {} expires in {} days: add a new one to the app registration before then.",
                self.credential.kind,
                self.credential.days_left.unwrap_or_default()
            )),
            _ => {}
        }
        if !self.optional.is_empty() {
            advice.push(format!(
                "Optional: {} lets `check` see when the client secret expires.",
                self.optional.join(", ")
            ));
        }
        if !self.repository.writable {
            advice.push(format!("The repository: {}.", self.repository.detail));
        }
        if remote_broken && let Some(r) = &self.repository.remote {
            advice.push(format!(
                "`git.push` is on but the remote `{}` cannot be reached: {}.",
                r.name, r.detail
            ));
        }
        advice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A check where everything is there: signed in, writable, nothing missing.
    fn ready() -> TenantCheck {
        let t = crate::config::TenantDefaults::default().tenant("contoso", "tid");
        let now: Timestamp = "2026-01-15T09:30:00Z".parse().unwrap();
        let mut c = TenantCheck::new(&t, now, false);
        c.sign_in = SignInCheck::ok(Some(1), true);
        c.credential = CredentialCheck::ending(
            "secret",
            "2027-01-15T00:00:00Z".parse().unwrap(),
            now,
            "the secret".into(),
        );
        c.repository = RepositoryCheck {
            writable: true,
            detail: "writable".into(),
            remote: None,
        };
        c
    }

    #[test]
    fn the_verdict_and_the_advice() {
        let mut c = ready();
        c.finish();
        assert!(c.ready && c.advice.is_empty(), "{:?}", c.advice);

        let mut skewed = ready();
        skewed.sign_in.clock_skew_seconds = Some(-400);
        skewed.finish();
        assert!(!skewed.ready);
        assert!(
            skewed.advice[0].contains("400 s off"),
            "{:?}",
            skewed.advice
        );

        let now: Timestamp = "2026-01-15T09:30:00Z".parse().unwrap();
        let mut expired = ready();
        expired.credential = CredentialCheck::ending(
            "certificate",
            "2026-01-01T00:00:00Z".parse().unwrap(),
            now,
            "CN=app".into(),
        );
        expired.finish();
        assert_eq!(expired.credential.state, CredentialState::Expired);
        assert!(!expired.ready && expired.advice[0].contains("has expired"));

        let mut expiring = ready();
        expiring.credential = CredentialCheck::ending(
            "secret",
            "2026-01-25T09:30:00Z".parse().unwrap(),
            now,
            "s".into(),
        );
        expiring.finish();
        assert_eq!(expiring.credential.state, CredentialState::Expiring);
        assert!(expiring.ready, "expiring is a warning");
        assert!(
            expiring.advice[0].contains("expires in 10 days"),
            "{:?}",
            expiring.advice
        );

        let mut unreadable = ready();
        unreadable.credential = CredentialCheck::secret_unknown("reading it needs a permission");
        unreadable.credential.needs = Some("Application.Read.All".into());
        unreadable.finish();
        assert!(unreadable.ready, "an optional permission does not block");
        assert_eq!(unreadable.optional, ["Application.Read.All"]);
        assert!(unreadable.advice[0].starts_with("Optional: Application.Read.All"));
    }
}
