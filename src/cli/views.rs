//! Output shared by the read-only views (`drift`, `diff`, `log`, `show`, `docs`): formats, reports
//! and the exit code a report means.

use super::{CliError, Out, exit};
use crate::render::{self, Format, Report, text::Paint};

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

/// 3 when a document could not be read, else 2 when something changed, else 0.
pub fn exit_code(reports: &[Report], changes_exit: bool) -> u8 {
    if reports.iter().any(|r| !r.warnings.is_empty()) {
        exit::PARTIAL
    } else if changes_exit && reports.iter().any(|r| r.summary.total() > 0) {
        exit::CHANGES
    } else {
        exit::OK
    }
}

/// A revision as reports name it: `HEAD (3c1cb1b0aa)`.
pub fn rev_label(repo: &crate::store::Repo, rev: &str) -> Result<String, CliError> {
    let info = repo.commit_info(rev).map_err(|e| {
        CliError::usage(e.to_string())
            .hint("any git revision works: HEAD~1, a branch, a tag, a commit id")
    })?;
    Ok(
        if rev.starts_with(&info.short_id) || info.id.starts_with(rev) {
            info.short_id
        } else {
            format!("{rev} ({})", info.short_id)
        },
    )
}
