//! `tenant-atlas diff REV [REV2] [PATH…]`: what changed between two versions, readable.

use super::views;
use super::{CliError, GlobalArgs, Out};
use crate::render::load::{self, DiskFiles, Files, Loader, RevFiles};
use crate::render::{Format, Report};
use crate::store::Repo;
use crate::store::Side;
use clap::Args;
use std::collections::BTreeMap;

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// `REV [REV2] [PATH…]`: REV against REV2, or against the work tree when REV2 is not given;
    /// paths (or `--` then paths) limit the comparison.
    #[arg(required = true, value_name = "REV [REV2] [PATH]")]
    pub args: Vec<String>,
    /// Limit to one tenant's folder (paths are then relative to it).
    #[arg(long, value_name = "T")]
    pub tenant: Option<String>,
    /// Exit 2 when there are differences (as `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(global: &GlobalArgs, out: &Out, args: DiffArgs) -> Result<u8, CliError> {
    let repo = Repo::open(&global.repo_dir())?;
    let mut rest = args.args.iter().map(String::as_str).filter(|a| *a != "--");
    let from = rest.next().unwrap_or("HEAD").to_string();
    let from_label = views::rev_label(&repo, &from)?;
    let mut remaining: Vec<&str> = rest.collect();
    let explicit_paths = args.args.iter().position(|a| a == "--");
    let to = match remaining.first() {
        Some(r)
            if explicit_paths.is_none_or(|i| i > 1)
                && !repo.root().join(r).exists()
                && repo.commit_info(r).is_ok() =>
        {
            let r = r.to_string();
            remaining.remove(0);
            Some(r)
        }
        _ => None,
    };
    let to_label = match &to {
        Some(r) => views::rev_label(&repo, r)?,
        None => "work tree".to_string(),
    };
    let base = args
        .tenant
        .as_ref()
        .map(|t| format!("tenants/{t}"))
        .unwrap_or_default();
    let prefixes: Vec<String> = if remaining.is_empty() {
        vec![if base.is_empty() {
            "tenants".into()
        } else {
            base.clone()
        }]
    } else {
        remaining
            .iter()
            .map(|p| {
                let p = p.trim_end_matches('/');
                if base.is_empty() || p.starts_with("tenants/") {
                    p.to_string()
                } else {
                    format!("{base}/{p}")
                }
            })
            .collect()
    };
    let changes = repo.diff(
        Side::Rev(&from),
        to.as_deref().map_or(Side::WorkTree, Side::Rev),
        &prefixes,
    )?;
    let pairs = load::document_pairs(
        &changes
            .iter()
            .map(|c| (c.old_path.clone(), c.new_path.clone()))
            .collect::<Vec<_>>(),
    );
    // One report per tenant.
    let mut by_tenant: BTreeMap<String, Vec<load::Pair>> = BTreeMap::new();
    for p in pairs {
        let path = p
            .new
            .as_ref()
            .or(p.old.as_ref())
            .cloned()
            .unwrap_or_default();
        let tenant = path.split('/').nth(1).unwrap_or("").to_string();
        by_tenant.entry(tenant).or_default().push(p);
    }
    let old_files = RevFiles {
        repo: &repo,
        rev: from.clone(),
    };
    let disk = DiskFiles { root: repo.root() };
    let rev_files = to.as_ref().map(|r| RevFiles {
        repo: &repo,
        rev: r.clone(),
    });
    let new_files: &dyn Files = match &rev_files {
        Some(f) => f,
        None => &disk,
    };
    let mut old = Loader::new(&old_files);
    let mut new = Loader::new(new_files);
    let mut reports = vec![];
    for (tenant, pairs) in &by_tenant {
        let mut warnings = vec![];
        let (before_old, before_new) = (old.documents_read, new.documents_read);
        let objects = load::compare_pairs(&mut old, &mut new, pairs, &mut warnings);
        let mut r = Report::new(
            "diff",
            Some(tenant.clone()),
            from_label.clone(),
            to_label.clone(),
        );
        r.extend(objects);
        r.warnings = warnings;
        r.documents_read = old.documents_read - before_old + new.documents_read - before_new;
        reports.push(r);
    }
    if reports.is_empty() {
        reports.push(Report::new(
            "diff",
            args.tenant.clone(),
            from_label,
            to_label,
        ));
    }
    views::warn_all(&reports);
    views::print_reports(out, &reports, args.format);
    Ok(views::exit_code(&reports, args.exit_code))
}
