//! Every environment variable tenant-atlas reads, in one place, with what it does.
//!
//! Credentials are named in `atlas.yaml` (`clientSecretEnv`) and read from the variable it names;
//! the variables here tune the tool itself.

/// Log filter (tracing `EnvFilter` syntax), overriding `-v`/`-q`. Example: `ATLAS_LOG=tenant_atlas=debug`.
pub const LOG: &str = "ATLAS_LOG";
/// Fixes the clock (RFC 3339, e.g. `2026-01-01T00:00:00Z`) for run ids, commit dates and run logs,
/// so runs are reproducible byte for byte (tests, golden fixtures).
pub const NOW: &str = "ATLAS_NOW";
/// Fixes the run id (tests).
pub const RUN_ID: &str = "ATLAS_RUN_ID";
/// Disables colour when set to anything (https://no-color.org).
pub const NO_COLOR: &str = "NO_COLOR";

/// Reads a variable; empty counts as unset.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
