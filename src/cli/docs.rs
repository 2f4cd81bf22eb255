//! `tenant-atlas docs`: markdown documentation of tenants, written to a folder.

use super::{CliError, Exit, GlobalArgs, Out};
use crate::render::load::RevFiles;
use crate::store::{Repo, layout};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct DocsArgs {
    /// Tenant(s) to document (default: every tenant folder in the repository).
    #[arg(long, value_name = "T")]
    pub tenant: Vec<String>,
    /// Output folder; each tenant gets `<DIR>/<tenant>/` (default: `<repo>/docs`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The commit to document.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub rev: String,
}

pub fn run(global: &GlobalArgs, out: &Out, args: DocsArgs) -> Result<Exit, CliError> {
    let repo = Repo::open(&global.read_repo_dir())?;
    super::views::rev_label(&repo, &args.rev)?;
    let mut tenants = super::views::tenant_folders(&repo, &args.rev)?;
    let all = repo.list_at(&args.rev, layout::TENANTS)?;
    if !args.tenant.is_empty() {
        for t in &args.tenant {
            super::views::check_tenant_folder(&repo, &args.rev, t)?;
        }
        tenants.retain(|t| args.tenant.contains(t));
    }
    let root = args
        .out
        .clone()
        .unwrap_or_else(|| repo.root().join(layout::DOCS));
    let files = RevFiles {
        repo: &repo,
        rev: args.rev.clone(),
    };
    let mut partial = false;
    for t in &tenants {
        let docs: Vec<String> = all
            .iter()
            .filter(|p| p.starts_with(&format!("{t}/")))
            .map(|p| layout::under_tenants(p))
            .filter(|p| crate::render::load::document_of(p).as_deref() == Some(p.as_str()))
            .collect();
        let (pages, warnings) = crate::render::docs::tenant(&files, t, &docs);
        for w in &warnings {
            tracing::warn!("{w}");
        }
        partial |= !warnings.is_empty();
        let dir = root.join(t);
        write_pages(&dir, &pages)?;
        out.line(format!(
            "{t}: {} in {}",
            crate::render::text::count(pages.len(), "page", "pages"),
            dir.display()
        ));
    }
    Ok(Exit::findings(partial, false))
}

/// Writes the pages and removes markdown files of types that no longer have policies.
pub fn write_pages(
    dir: &Path,
    pages: &std::collections::BTreeMap<String, String>,
) -> Result<(), CliError> {
    fs_err::create_dir_all(dir)?;
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".md") && !pages.contains_key(&name) {
            fs_err::remove_file(entry.path())?;
        }
    }
    for (name, text) in pages {
        let path = dir.join(name);
        if fs_err::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs_err::write(&path, text)?;
        }
    }
    Ok(())
}
