//! Every environment variable tenant-atlas reads, in one place, with what it does.
//!
//! Credentials are named in `atlas.yaml` (`clientSecretEnv`) and read from the variable it names;
//! the variables here tune the tool itself.

/// The tenant `plan`, `restore` and `tag` act on without `--tenant` (read through clap's `env`).
pub const TENANT: &str = "ATLAS_TENANT";

/// Log filter (tracing `EnvFilter` syntax), overriding `-v`/`-q`. Example: `ATLAS_LOG=tenant_atlas=debug`.
pub const LOG: &str = "ATLAS_LOG";
/// Fixes the clock (RFC 3339, e.g. `2026-01-01T00:00:00Z`) for run ids, commit dates and run logs,
/// so runs are reproducible byte for byte (tests, golden fixtures).
pub const NOW: &str = "ATLAS_NOW";
/// Fixes the run id (tests).
pub const RUN_ID: &str = "ATLAS_RUN_ID";
/// Most time a sign-in takes, attempts and the waits between them together, against a token
/// endpoint that cannot be reached or keeps failing (a duration: `15s` by default, at most four
/// attempts); tests shorten it.
pub const SIGNIN_BUDGET: &str = "ATLAS_SIGNIN_BUDGET";
/// Injected disk faults, for tests only: `enospc@N` or `eio@N` makes the N-th file operation the
/// tool makes (create, write, fsync, rename — of work tree files, run logs, the apply journal,
/// locks; counted from 1 in each process) fail with that error, `eio@N:TEXT` the N-th of those on
/// a path containing TEXT; `trace:FILE` appends one line per
/// operation (`N op path`) to FILE. See `store::fault`.
pub const IO_FAULT: &str = "ATLAS_IO_FAULT";
/// Disables colour when set to anything (https://no-color.org).
pub const NO_COLOR: &str = "NO_COLOR";

/// Prefix of variables holding secret values for a restore: `ATLAS_SECRET_` followed by the
/// document's path below its tenant folder and the secret's path in it, upper-cased, every other
/// character `_` — e.g. `ATLAS_SECRET_DEVICECONFIGURATIONS_X_CDCC6849_SPEC_OMASETTINGS_7_VALUE`.
pub const SECRET_PREFIX: &str = "ATLAS_SECRET_";

/// The variable that can hold the secret at `secret_path` of the document at `doc_path`.
pub fn secret_var(doc_path: &str, secret_path: &str) -> String {
    // tenants/<tenant>/<kind>/<stem>.yaml → <kind>/<stem>
    let rel = doc_path.splitn(3, '/').nth(2).unwrap_or(doc_path);
    let rel = rel.strip_suffix(".yaml").unwrap_or(rel);
    let mut name = String::from(SECRET_PREFIX);
    let mut last_sep = true;
    for c in format!("{rel}_{secret_path}").chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_uppercase());
            last_sep = false;
        } else if !last_sep {
            name.push('_');
            last_sep = true;
        }
    }
    name.trim_end_matches('_').to_string()
}

/// Every secret value given through `ATLAS_SECRET_*` variables.
pub fn secret_values() -> Vec<String> {
    std::env::vars()
        .filter(|(k, v)| k.starts_with(SECRET_PREFIX) && !v.is_empty())
        .map(|(_, v)| v)
        .collect()
}

/// Reads a variable; empty counts as unset.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_variables_are_named_by_document_and_secret_path() {
        assert_eq!(
            super::secret_var(
                "tenants/demo/deviceConfigurations/windows-custom-oma-uri-mixed--cdcc6849.yaml",
                "spec.omaSettings[7].value"
            ),
            "ATLAS_SECRET_DEVICECONFIGURATIONS_WINDOWS_CUSTOM_OMA_URI_MIXED_CDCC6849_SPEC_OMASETTINGS_7_VALUE"
        );
    }
}
