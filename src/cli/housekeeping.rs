//! `tenant-atlas housekeeping [--dry-run]`: removes what the private state below `.git/atlas/` no
//! longer needs — old private run logs, old logs of interrupted runs, old finished journals and
//! their kept plans, trigger files no loop takes, locks of processes that are gone — runs
//! `git gc --auto`, and says what it removed and how large the repository is
//! (docs/ARCHITECTURE.md, "Housekeeping").

use super::{CliError, Exit, GlobalArgs, Out, OutputFormat};
use crate::store::Repo;
use crate::store::housekeeping::{Gc, Item, Report};
use clap::Args;

#[derive(Args, Debug)]
pub struct HousekeepingArgs {
    /// Say what would be removed, and remove nothing (nor run `git gc`).
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

pub fn run(global: &GlobalArgs, out: &Out, args: HousekeepingArgs) -> Result<Exit, CliError> {
    let repo = Repo::open(&global.repo_dir())?;
    let config = global.config_or_default(repo.root())?;
    let report = crate::reconcile::housekeeping::run(&repo, &config, args.dry_run)?;
    match args.format {
        OutputFormat::Json => out.line(serde_json::to_string_pretty(&report).unwrap_or_default()),
        OutputFormat::Text => {
            for line in text(&report) {
                out.line(line);
            }
        }
    }
    // A removal (or `git gc`) that failed: the rest was done.
    Ok(if report.failed() {
        Exit::Partial
    } else {
        Exit::Ok
    })
}

/// The report as people read it: a line per category (removed, bytes, kept), the files removed
/// and the files kept for a reason, failures, `git gc` and the repository's size.
fn text(report: &Report) -> Vec<String> {
    let mut lines = vec![];
    if report.dry_run {
        lines.push("Dry run: nothing was removed; this is what housekeeping would remove.".into());
        lines.push(String::new());
    }
    let removed_head = if report.dry_run {
        "to remove"
    } else {
        "removed"
    };
    let mut rows = vec![[
        "".to_string(),
        removed_head.to_string(),
        "bytes".to_string(),
        "kept".to_string(),
    ]];
    for s in &report.sections {
        rows.push([
            s.category.title().to_string(),
            s.removed.len().to_string(),
            size(s.freed),
            (s.kept.len() + s.left).to_string(),
        ]);
    }
    let kept: usize = report.sections.iter().map(|s| s.kept.len() + s.left).sum();
    rows.push([
        "total".to_string(),
        report.removed().to_string(),
        size(report.freed()),
        kept.to_string(),
    ]);
    lines.extend(table(&rows));
    let listed = |title: &str, items: Vec<&Item>, lines: &mut Vec<String>| {
        if items.is_empty() {
            return;
        }
        lines.push(String::new());
        lines.push(format!("{title}:"));
        for i in items {
            lines.push(format!("  {} — {}", i.path, i.reason));
        }
    };
    let all = |pick: fn(&crate::store::housekeeping::Section) -> &Vec<Item>| -> Vec<&Item> {
        report
            .sections
            .iter()
            .flat_map(|s| pick(s).iter())
            .collect()
    };
    let removed_title = if report.dry_run {
        "Would remove"
    } else {
        "Removed"
    };
    listed(removed_title, all(|s| &s.removed), &mut lines);
    listed("Kept", all(|s| &s.kept), &mut lines);
    let failed: Vec<String> = report
        .sections
        .iter()
        .flat_map(|s| s.failed.iter())
        .map(|f| format!("  {}: {}", f.path, f.error))
        .collect();
    if !failed.is_empty() {
        lines.push(String::new());
        lines.push("Could not remove:".into());
        lines.extend(failed);
    }
    lines.push(String::new());
    lines.push(match &report.gc {
        Gc::Ran => "git gc --auto: ran".to_string(),
        Gc::DryRun => "git gc --auto: not run (dry run)".to_string(),
        Gc::Failed { message } => format!("git gc --auto: {message}"),
    });
    lines.push(format!(
        "Repository size (.git): {} before, {} after",
        size(report.size_before),
        size(report.size_after)
    ));
    lines
}

/// Rows as columns: the first left-aligned, the others right-aligned.
fn table(rows: &[[String; 4]]) -> Vec<String> {
    let width = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..4).map(width).collect();
    rows.iter()
        .map(|r| {
            let mut line = format!("{:<w$}", r[0], w = widths[0]);
            for c in 1..4 {
                line.push_str(&format!("  {:>w$}", r[c], w = widths[c]));
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// Bytes as people read them: `512 B`, `1.5 KiB`, `12.0 MiB`, `1.2 GiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(12 * 1024 * 1024), "12.0 MiB");
        assert_eq!(size(3 * 1024 * 1024 * 1024 * 1024), "3072.0 GiB");
    }

    #[test]
    fn columns_line_up() {
        let rows = [
            ["".into(), "removed".into(), "bytes".into(), "kept".into()],
            ["run logs".into(), "3".into(), "1.5 KiB".into(), "12".into()],
        ];
        assert_eq!(
            table(&rows),
            [
                "          removed    bytes  kept",
                "run logs        3  1.5 KiB    12"
            ]
        );
    }
}
