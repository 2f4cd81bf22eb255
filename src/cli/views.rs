//! Output shared by the read-only views (`drift`, `diff`, `log`, `show`, `docs`): formats, reports
//! and the exit code a report means.

use super::{CliError, Exit, Out};
use crate::render::{self, Format, Report, text::Paint, text::count};

/// Prints reports in the chosen format; JSON is one object `{"reports": [...]}`.
pub fn print_reports(out: &Out, reports: &[Report], format: Format) {
    match format {
        Format::Json => {
            out.line(serde_json::to_string_pretty(&render::Reports { reports }).unwrap_or_default())
        }
        Format::Markdown => {
            for r in reports {
                out.line(render::markdown::report(r).trim_end());
            }
        }
        Format::Text => {
            for (i, r) in reports.iter().enumerate() {
                if i > 0 {
                    out.line("");
                }
                out.line(render::text::report(r, Paint(out.color)).trim_end());
            }
        }
    }
}

/// Warnings also go to stderr, so a pipeline's log shows them whatever the format.
pub fn warn_all(reports: &[Report]) {
    for r in reports {
        for w in &r.warnings {
            tracing::warn!("{w}");
        }
    }
}

/// What the reports found (see [`Exit::findings`]); with `changes_exit` false, differences are
/// not a finding of their own.
pub fn exit_code(reports: &[Report], changes_exit: bool) -> Exit {
    Exit::findings(
        reports.iter().any(|r| !r.warnings.is_empty()),
        changes_exit && reports.iter().any(|r| r.summary.total() > 0),
    )
}

/// A revision as reports name it: `HEAD (3c1cb1b0aa)`.
pub fn rev_label(repo: &crate::store::Repo, rev: &str) -> Result<String, CliError> {
    let info = repo.commit_info(rev).map_err(|e| rev_error(repo, rev, e))?;
    Ok(
        if rev.starts_with(&info.short_id) || info.id.starts_with(rev) {
            info.short_id
        } else {
            format!("{rev} ({})", info.short_id)
        },
    )
}

/// Why a revision does not resolve, in the user's terms: a repository without a backup yet, or
/// how far its history goes.
pub fn rev_error(repo: &crate::store::Repo, rev: &str, e: crate::store::StoreError) -> CliError {
    if !matches!(e, crate::store::StoreError::RevNotFound { .. }) {
        return e.into();
    }
    match repo.commit_count() {
        Ok(0) => no_backup(repo),
        Ok(n) => CliError::usage(format!(
            "revision {rev} not found: the repository has {}",
            history_span(n)
        ))
        .hint("any git revision works: HEAD~1, a branch, a tag, a commit id"),
        Err(e) => e.into(),
    }
}

/// `3 commits (HEAD is the newest, HEAD~2 the oldest)`.
pub fn history_span(n: usize) -> String {
    match n {
        1 => "1 commit (HEAD)".into(),
        n => format!(
            "{} (HEAD is the newest, HEAD~{} the oldest)",
            count(n, "commit", "commits"),
            n - 1
        ),
    }
}

/// A repository without any commit: nothing to read yet, and the command that writes the first.
pub fn no_backup(repo: &crate::store::Repo) -> CliError {
    CliError::usage(format!(
        "no backup yet in {}: the repository has no commits",
        repo.root().display()
    ))
    .hint("`tenant-atlas backup` makes the first one (`tenant-atlas backup --demo` for the built-in demo tenant)")
}

/// The tenant folders below `tenants/` at a revision.
pub fn tenant_folders(repo: &crate::store::Repo, rev: &str) -> Result<Vec<String>, CliError> {
    repo.tenant_folders(rev)
        .map_err(|e| rev_error(repo, rev, e))
}

/// `--tenant T` of a read command must name a tenant folder at `rev`; the error lists them.
pub fn check_tenant_folder(
    repo: &crate::store::Repo,
    rev: &str,
    tenant: &str,
) -> Result<(), CliError> {
    let folders = tenant_folders(repo, rev)?;
    if folders.iter().any(|f| f == tenant) {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "no tenant folder `{}` at {rev}",
        crate::store::layout::tenant(tenant)
    ))
    .hint(super::suggest::hint(
        tenant,
        "tenant folders",
        folders.iter().map(String::as_str),
    )))
}
