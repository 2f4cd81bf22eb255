//! The repository layout: where each kind of file lives, in one place (docs/ARCHITECTURE.md,
//! "Repository layout"). Every other module asks here for a path instead of spelling it, so the
//! layout can be read (and changed) in one file.
//!
//! Committed, relative to the repository root:
//! - `atlas.yaml` — the configuration (unless `--config` names another file);
//! - `tenants/<tenant>/<type>/<name>--<id8>.yaml` — one document per object, sidecars beside it;
//! - `tenants/<tenant>/_refs/<kind>.yaml` — names of the objects documents refer to by id;
//! - `tenants/<tenant>/tenant.yaml` — the tenant's backup summary, changed by every backup commit;
//! - `runs/<tenant>/<yyyy>/<mm>/<run-id>.yaml` — the log of every run that changed something;
//! - `docs/<tenant>/` — the generated Markdown pages of the tenant's documents.
//!
//! Private, below the git directory's `atlas/` ([`super::Repo::state_dir`]), never committed:
//! `runs/<tenant>/` (logs of runs that changed nothing, and of interrupted runs), `journal/`,
//! `locks/`, `status/`, `triggers/`, `housekeeping/` and `write.lock`.

use std::path::{Path, PathBuf};

use crate::catalog::RefKind;

/// The configuration file at the repository root.
pub const CONFIG: &str = "atlas.yaml";
/// Folder of the tenant folders.
pub const TENANTS: &str = "tenants";
/// Folder of the committed run logs, and area of the private ones.
pub const RUNS: &str = "runs";
/// Folder, inside a tenant folder, of the reference names.
pub const REFS: &str = "_refs";
/// Folder of the generated Markdown pages.
pub const DOCS: &str = "docs";
/// The tenant's backup summary, inside its folder.
pub const TENANT_FILE: &str = "tenant.yaml";

/// `tenants/<tenant>`.
pub fn tenant(tenant: &str) -> String {
    format!("{TENANTS}/{tenant}")
}

/// `tenants/<tenant>/<rel>`: a path of the tenant folder (a type folder, a document, `_refs/…`).
pub fn in_tenant(tenant: &str, rel: &str) -> String {
    format!("{TENANTS}/{tenant}/{rel}")
}

/// `tenants/<rel>`: a path given relative to the folder of the tenant folders (`<tenant>/…`).
pub fn under_tenants(rel: &str) -> String {
    format!("{TENANTS}/{rel}")
}

/// `tenants/<tenant>/tenant.yaml`.
pub fn tenant_file(tenant: &str) -> String {
    in_tenant(tenant, TENANT_FILE)
}

/// `_refs/<kind>.yaml`, relative to the tenant folder.
pub fn refs_file(kind: RefKind) -> String {
    format!("{REFS}/{}.yaml", kind.file_stem())
}

/// `docs/<tenant>`: the tenant's generated pages.
pub fn docs(tenant: &str) -> String {
    format!("{DOCS}/{tenant}")
}

/// `runs/<tenant>`: the tenant's committed run logs.
pub fn runs(tenant: &str) -> String {
    format!("{RUNS}/{tenant}")
}

/// `runs/<tenant>/<yyyy>/<mm>/<run-id>.yaml` (UTC year and month of `started`).
pub fn run_log(tenant: &str, run_id: &str, started: jiff::Timestamp) -> String {
    let utc = started.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    format!(
        "{RUNS}/{tenant}/{:04}/{:02}/{run_id}.yaml",
        utc.year(),
        utc.month()
    )
}

/// `<git dir>/atlas/runs/<tenant>`: the tenant's private run logs (not created here).
pub fn private_runs(git_dir: &Path, tenant: &str) -> PathBuf {
    git_dir.join(super::STATE).join(RUNS).join(tenant)
}

/// `<git dir>/atlas/<area>` (not created here).
pub fn private_area(git_dir: &Path, area: &str) -> PathBuf {
    git_dir.join(super::STATE).join(area)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_kind() {
        assert_eq!(tenant("contoso"), "tenants/contoso");
        assert_eq!(
            in_tenant("contoso", "settingsCatalog/a--1.yaml"),
            "tenants/contoso/settingsCatalog/a--1.yaml"
        );
        assert_eq!(tenant_file("c"), "tenants/c/tenant.yaml");
        assert_eq!(under_tenants("c/x"), "tenants/c/x");
        assert_eq!(refs_file(RefKind::Groups), "_refs/groups.yaml");
        assert_eq!(runs("c"), "runs/c");
        assert_eq!(docs("c"), "docs/c");
        assert_eq!(
            private_runs(Path::new("/r/.git"), "c"),
            Path::new("/r/.git/atlas/runs/c")
        );
    }
}
