//! `tenant-atlas drift`: the live tenant against a commit, without writing anything.

use super::views;
use super::{CliError, Exit, GlobalArgs, Out};
use crate::render::Format;
use crate::store::Repo;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DriftArgs {
    /// The repository (same as --repo).
    pub dir: Option<PathBuf>,
    /// Tenant(s) from atlas.yaml (default: all).
    #[arg(long, value_name = "T")]
    pub tenant: Vec<String>,
    /// The commit to compare with.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub against: String,
    /// Compare the built-in demo tenant (embedded Graph emulator) with the repository.
    #[arg(long, conflicts_with = "tenant")]
    pub demo: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(global: &GlobalArgs, out: &Out, args: DriftArgs) -> Result<Exit, CliError> {
    let dir = args.dir.clone().unwrap_or_else(|| global.repo_dir());
    let repo = Repo::open(&dir)?;
    let label = views::rev_label(&repo, &args.against)?;
    let rt = super::runtime()?;
    let _guard = rt.enter();
    let (targets, not_run) = if args.demo {
        (super::backup::demo_targets(&None)?, vec![])
    } else {
        let (config_path, config) = global.load_config(
            repo.root(),
            "drift reads the tenants from atlas.yaml; try `drift --demo` for the demo tenant",
        )?;
        let (targets, unusable) =
            super::backup::config_targets(&config, &args.tenant, &None, &config_path, "drift")?;
        if targets.is_empty() {
            return Err(CliError::usage(unusable.join("\n")));
        }
        (targets, unusable)
    };
    let mut reports = vec![];
    let mut results = vec![];
    for t in &targets {
        let d = rt.block_on(crate::drift::drift(&repo, &args.against, &label, t))?;
        if let Some(e) = &d.sign_in {
            // Nothing of the tenant was read: one line says why, no report of unread types.
            out.note(format!("error: {}", super::sign_in_line(&t.name, e)));
            results.push(Exit::Error);
            continue;
        }
        let one = std::slice::from_ref(&d.report);
        results.push(if d.failures.is_empty() {
            views::exit_code(one, true)
        } else {
            Exit::Partial
        });
        reports.push(d.report);
    }
    views::warn_all(&reports);
    views::print_reports(out, &reports, args.format);
    // Tenants whose configuration is unusable did not run.
    for e in &not_run {
        tracing::error!("not run: {e}");
    }
    // No tenant read at all is a failure, as it is for backup.
    Ok(Exit::across_tenants(&results, not_run.len()))
}
