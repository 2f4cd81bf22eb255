//! `tenant-atlas init [DIR]`: a new backup repository.

use super::{CliError, Exit, GlobalArgs, Out};
use crate::store::{Repo, layout};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to create the repository (default: --repo or the current directory).
    pub dir: Option<PathBuf>,
}

const REPO_README: &str = "# Intune configuration backup

This repository is written by [tenant-atlas](https://github.com/tenant-atlas/tenant-atlas): every commit is
a backup of one or more Microsoft Intune / Entra tenants, every diff is drift.

- `atlas.yaml` — tenants, schedules and options (never secrets).
- `tenants/<tenant>/<type>/<name>--<id8>.yaml` — one normalized document per policy; scripts and
  payloads as exact-bytes sidecar files beside it.
- `tenants/<tenant>/_refs/` — names of the groups, filters, scope tags, apps and locations the
  documents refer to.
- `runs/<tenant>/<yyyy>/<mm>/<run-id>.yaml` — a run log for every run that changed something.
- `schemas/` — JSON Schemas of the documents and of `atlas.yaml` (editors use them for validation).

Run `tenant-atlas backup` to take a backup, `tenant-atlas types` for the supported policy types.
";

/// The files every backup repository carries, with their current content.
pub fn repo_files() -> Vec<(&'static str, String)> {
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    vec![
        (
            "schemas/policy.schema.json",
            pretty(crate::normalize::document_schema()),
        ),
        ("schemas/atlas.schema.json", pretty(crate::config::schema())),
    ]
}

/// Creates (or completes) a backup repository in `dir`: the files are written, not committed — the
/// first backup commit adopts them (see `backup::REPO_FILES`), so a new repository's first commit is
/// its first backup.
pub fn prepare(dir: &Path) -> Result<Repo, CliError> {
    prepare_with(dir, crate::config::EXAMPLE.to_string())
}

/// As `prepare`, with an `atlas.yaml` that configures the built-in demo tenant (`demo: true`), so
/// every command works in the repository `backup --demo` makes. An `atlas.yaml` that is still
/// `init`'s example in a repository without commits gets the demo tenant too.
pub fn prepare_demo(dir: &Path) -> Result<Repo, CliError> {
    let config = dir.join(layout::CONFIG);
    if fs_err::read_to_string(&config).is_ok_and(|t| t == crate::config::EXAMPLE)
        && Repo::open(dir).is_ok_and(|r| r.head().is_ok_and(|h| h.is_none()))
    {
        fs_err::remove_file(&config)?;
    }
    prepare_with(dir, crate::config::demo_example())
}

fn prepare_with(dir: &Path, config: String) -> Result<Repo, CliError> {
    let repo = Repo::init(dir)?;
    let mut files = vec![
        (layout::CONFIG, config),
        ("README.md", REPO_README.to_string()),
    ];
    files.extend(repo_files());
    for (path, text) in files {
        let target = repo.root().join(path);
        let schema = path.starts_with("schemas/");
        let current = fs_err::read(&target).ok();
        if current.is_none() || (schema && current.as_deref() != Some(text.as_bytes())) {
            if let Some(parent) = target.parent() {
                fs_err::create_dir_all(parent)?;
            }
            fs_err::write(&target, text)?;
        }
    }
    Ok(repo)
}

pub fn run(global: &GlobalArgs, out: &Out, args: InitArgs) -> Result<Exit, CliError> {
    let dir = args.dir.unwrap_or_else(|| global.repo_dir());
    prepare(&dir)?;
    out.line(format!(
        "Initialized a tenant-atlas repository in {}",
        dir.display()
    ));
    out.line("Next: add your tenants to atlas.yaml, then run `tenant-atlas backup`.");
    Ok(Exit::Ok)
}
