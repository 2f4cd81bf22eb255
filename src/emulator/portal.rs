//! Changes made from inside the process, as an administrator makes them in the Intune portal: a
//! Graph request on one tenant with every permission, answered by the same handlers as a request
//! over HTTP (server-set fields, `@odata.type` checks and write rules included) and recorded in the
//! request log, but never throttled, failed by fault injection or reshaped — an edit someone made
//! in the portal is not a request of the client under test.
//!
//! The demo uses it to give its embedded tenant some drift (`serve --demo-drift`); what to change
//! is the caller's business, this module knows no tenant's objects.

use std::sync::Arc;

use serde_json::Value;

use super::coll::Ver;
use super::error::{EmulatorError, GraphError};
use super::http::{Ctx, Req, pct_decode};
use super::pipeline::{Outcome, Shared, lock, record};
use super::routes;

/// In-process access to a running emulator's tenants (cheap to clone; the emulator keeps serving
/// while it is held).
#[derive(Clone)]
pub struct Portal {
    pub(super) shared: Arc<Shared>,
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
            .field("base", &self.shared.base)
            .finish_non_exhaustive()
    }
}

/// The answer to a portal edit.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalAnswer {
    pub status: u16,
    pub body: Option<Value>,
}

impl PortalAnswer {
    /// A 2xx answer.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The Graph error message of a failed answer (empty for a success).
    pub fn message(&self) -> String {
        self.body
            .as_ref()
            .and_then(|b| b["error"]["message"].as_str())
            .unwrap_or_default()
            .to_string()
    }
}

impl Portal {
    /// Sends `method path` (`beta/deviceManagement/…` or `v1.0/…`, a query after `?`) with `body`
    /// to the tenant `tenant_id` as an administrator with every permission.
    pub fn request(
        &self,
        tenant_id: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<PortalAnswer, EmulatorError> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let Some((ver, rest)) = path
            .trim_start_matches('/')
            .split_once('/')
            .and_then(|(v, r)| Some((Ver::parse(v)?, r)))
        else {
            // As over HTTP: a path outside the versions has no route.
            let e = GraphError::no_route();
            return Ok(PortalAnswer {
                status: e.status,
                body: Some(e.body(&uuid::Uuid::new_v4().to_string(), None)),
            });
        };
        let req = Req {
            method: method.to_ascii_uppercase(),
            ver,
            path: pct_decode(rest),
            query: query.to_string(),
            body,
            eventual: false,
        };
        let sh = &self.shared;
        let request_id = uuid::Uuid::new_v4().to_string();
        let answer = {
            let mut tenants = lock(&sh.tenants);
            let t = tenants
                .get_mut(&tenant_id.to_ascii_lowercase())
                .ok_or_else(|| EmulatorError::UnknownTenant(tenant_id.to_string()))?;
            let ctx = Ctx {
                cfg: &sh.cfg,
                base: &sh.base,
                roles: None,
            };
            routes::dispatch(t, &ctx, &req)
        };
        lock(&sh.stats).record_write(&req.method);
        let o = match answer {
            Ok(r) => Outcome {
                status: r.status,
                body: r.body,
                retry_after: None,
                reset: false,
                request_id,
            },
            Err(e) => Outcome::error(e, &request_id, None),
        };
        let log_path = format!(
            "/{}/{}{}{query}",
            ver.as_str(),
            req.path,
            if query.is_empty() { "" } else { "?" }
        );
        record(sh, &req.method, &log_path, &o, None);
        Ok(PortalAnswer {
            status: o.status,
            body: o.body,
        })
    }
}
