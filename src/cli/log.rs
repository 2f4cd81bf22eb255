//! `tenant-atlas log [POLICY]`: the history of a tenant or of one policy — who changed what, when.

use super::{CliError, Exit, GlobalArgs, Out};
use crate::render::load::{self, Loader, RevFiles};
use crate::render::{ChangeKind, Format, LogLine, markdown};
use crate::store::objects::object_lines;
use crate::store::{CommitInfo, LogEntry, LogQuery};
use crate::store::{Repo, layout};
use clap::Args;

#[derive(Args, Debug)]
pub struct LogArgs {
    /// One policy (path, id or name), followed through renames; without it, every commit touching the tenant(s).
    pub policy: Option<String>,
    /// Limit to one tenant.
    #[arg(long, value_name = "T")]
    pub tenant: Option<String>,
    /// Only commits at or after: a date (2026-01-31), a timestamp, or an age (7d, 12h, 30m).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only commits at or before (same forms as --since).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// At most this many commits.
    #[arg(short = 'n', long, value_name = "N")]
    pub max_count: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(global: &GlobalArgs, out: &Out, args: LogArgs) -> Result<Exit, CliError> {
    let repo = Repo::open(&global.read_repo_dir())?;
    let now = crate::clock::now();
    let since = args
        .since
        .as_deref()
        .map(|s| parse_when(s, now))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_when(s, now))
        .transpose()?;
    let mut query = LogQuery {
        since,
        until,
        limit: args.max_count,
        ..Default::default()
    };
    let following = select(&repo, &args, &mut query)?;
    let entries = repo.log(&query)?;
    let mut lines = vec![];
    let mut warnings = vec![];
    for e in &entries {
        let changes = if following.is_some() {
            policy_changes(&repo, e, &mut warnings)
        } else {
            tenant_changes(&repo, e)
        };
        lines.push(line(&e.commit, changes, following.as_ref().map(|_| e)));
    }
    for w in &warnings {
        tracing::warn!("{w}");
    }
    match args.format {
        Format::Json => out.line(serde_json::to_string_pretty(&lines).unwrap_or_default()),
        Format::Markdown => out.line(markdown_table(&lines).trim_end()),
        Format::Text => print_text(out, &lines),
    }
    Ok(Exit::findings(!warnings.is_empty(), false))
}

/// Points `query` at the policy followed (its path, returned) or at the tenant folders.
fn select(repo: &Repo, args: &LogArgs, query: &mut LogQuery) -> Result<Option<String>, CliError> {
    let Some(p) = &args.policy else {
        super::views::rev_label(repo, "HEAD")?;
        if let Some(t) = &args.tenant {
            super::views::check_tenant_folder(repo, "HEAD", t)?;
        }
        query.paths = vec![match &args.tenant {
            Some(t) => layout::tenant(t),
            None => layout::TENANTS.into(),
        }];
        return Ok(None);
    };
    let (rev, path) = match super::show::locate_arg(repo, p, args.tenant.as_deref()) {
        Ok(found) => found,
        // A name the policy had once: found in the history, followed from where it is now.
        Err(e) => {
            let (rev, q) = super::show::split_rev(repo, p);
            match former_name(repo, &rev, &q, args.tenant.as_deref())? {
                Some(found) => found,
                None => return Err(e),
            }
        }
    };
    query.rev = Some(rev);
    query.follow = Some(path.clone());
    Ok(Some(path))
}

/// The log as a markdown table.
fn markdown_table(lines: &[LogLine]) -> String {
    let mut s = String::from("| Commit | Date | Author | Run | Change |\n|---|---|---|---|---|\n");
    for l in lines {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            l.short_id,
            l.time,
            markdown::cell(&l.author),
            l.run
                .as_deref()
                .map(|r| format!("`{r}`"))
                .unwrap_or_default(),
            markdown::cell(&format!("{} — {}", l.subject, l.changes))
        ));
    }
    s
}

/// Prints the log as text, a few lines per commit.
fn print_text(out: &Out, lines: &[LogLine]) {
    let p = crate::render::text::Paint(out.color);
    for l in lines {
        let run = l
            .run
            .as_deref()
            .map(|r| format!("  run {r}"))
            .unwrap_or_default();
        out.line(format!(
            "{}  {}  {}{}",
            p.yellow(&l.short_id),
            l.time,
            p.bold(&l.author),
            p.dim(&run)
        ));
        out.line(format!("    {}", l.subject));
        if !l.changes.is_empty() {
            out.line(format!("    {}", l.changes));
        }
        if let Some(path) = &l.path {
            out.line(format!("    {}", p.dim(path)));
        }
    }
    if lines.is_empty() {
        out.line("no commits");
    }
}

fn line(c: &CommitInfo, changes: String, entry: Option<&LogEntry>) -> LogLine {
    LogLine {
        commit: c.id.clone(),
        short_id: c.short_id.clone(),
        author: c.author.clone(),
        email: c.email.clone(),
        time: c.time.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        run: c.trailers.get("Atlas-Run").cloned(),
        subject: c.summary.clone(),
        changes,
        path: entry.and_then(|e| e.changes.first().map(|c| c.path().to_string())),
    }
}

/// What a commit changed in the tenant(s): counts in the words `drift` uses, then the objects by
/// name (the first few; a commit of many objects, such as a first backup, shows counts only, which
/// come from paths alone).
fn tenant_changes(repo: &Repo, e: &LogEntry) -> String {
    const NAMED: usize = 5;
    let changes: Vec<(Option<String>, Option<String>)> = e
        .changes
        .iter()
        .map(|c| (c.old_path.clone(), c.new_path.clone()))
        .collect();
    // From paths alone first: the counts, and which objects are shown. Only those are read, so a
    // commit of thousands of objects costs at most 2 × NAMED blob reads.
    let none = |_: &str| None;
    let by_path = object_lines(&changes, &none, &none);
    if by_path.is_empty() {
        return String::new();
    }
    let shown: std::collections::BTreeSet<&str> = by_path
        .iter()
        .take(NAMED)
        .flat_map(|o| std::iter::once(o.path.as_str()).chain(o.old_path.as_deref()))
        .collect();
    let parent = format!("{}^", e.commit.id);
    let name_at = |rev: &str, path: &str| -> Option<String> {
        if !shown.contains(path) {
            return None;
        }
        let bytes = repo.read_at(rev, path).ok()??;
        crate::normalize::from_yaml(&String::from_utf8_lossy(&bytes), path)
            .ok()
            .map(|d| d.name)
    };
    let objects = object_lines(&changes, &|p: &str| name_at(&parent, p), &|p: &str| {
        name_at(&e.commit.id, p)
    });
    let mut summary = crate::render::Summary::default();
    for o in &objects {
        summary.add(o.change);
    }
    let names: Vec<String> = objects
        .iter()
        .take(NAMED)
        .map(|o| match &o.old_name {
            Some(old) => format!("{} \"{old}\" → \"{}\"", o.kind, o.name),
            None => format!("{} \"{}\"", o.kind, o.name),
        })
        .collect();
    let mut text = format!("{}: {}", summary.sentence(), names.join(", "));
    if objects.len() > NAMED {
        text.push_str(&format!(" and {} more", objects.len() - NAMED));
    }
    text
}

/// The readable names of what changed in the followed policy at this commit.
fn policy_changes(repo: &Repo, e: &LogEntry, warnings: &mut Vec<crate::render::Warning>) -> String {
    let Some(c) = e.changes.iter().find(|c| {
        c.new_path
            .as_deref()
            .or(c.old_path.as_deref())
            .is_some_and(|p| p.ends_with(".yaml"))
    }) else {
        return String::new();
    };
    let parent = format!("{}^", e.commit.id);
    let (old_files, new_files) = (
        RevFiles { repo, rev: parent },
        RevFiles {
            repo,
            rev: e.commit.id.clone(),
        },
    );
    let (mut old, mut new) = (Loader::new(&old_files), Loader::new(&new_files));
    let pairs = [load::Pair {
        old: c.old_path.clone(),
        new: c.new_path.clone(),
    }];
    let objects = load::compare_pairs(&mut old, &mut new, &pairs, warnings);
    let Some(o) = objects.first() else {
        return "no visible change".into();
    };
    if matches!(o.change, ChangeKind::Added | ChangeKind::Removed) {
        return o.change.as_str().to_string();
    }
    let mut parts = vec![o.change.as_str().to_string()];
    if let Some(old_name) = &o.old_name {
        parts.push(format!("name: {old_name} → {}", o.name));
    }
    let mut labels: Vec<&str> = o.fields.iter().map(|f| f.label.as_str()).collect();
    labels.dedup();
    if !labels.is_empty() {
        let shown: Vec<&str> = labels.iter().take(3).copied().collect();
        let more = labels.len().saturating_sub(3);
        parts.push(if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        });
    }
    if !o.assignments.is_empty() {
        parts.push(format!("{} assignment change(s)", o.assignments.len()));
    }
    if !o.scope_tags.is_empty() {
        parts.push("scope tags".into());
    }
    for s in &o.sidecars {
        parts.push(
            s.note
                .clone()
                .unwrap_or_else(|| format!("{} edited", s.field)),
        );
    }
    parts.join("; ")
}

/// The policy that was named `query` at some commit before `rev`: (revision, path) to follow it
/// from — `rev` and its path there when the object still exists (same id marker in its type
/// folder), else the last commit that had it under that name. Only documents whose file name
/// carries the name's slug are read.
fn former_name(
    repo: &Repo,
    rev: &str,
    query: &str,
    tenant: Option<&str>,
) -> Result<Option<(String, String)>, CliError> {
    let slug = crate::normalize::slug::slug(query);
    let q = LogQuery {
        paths: vec![tenant.map_or(layout::TENANTS.into(), layout::tenant)],
        rev: Some(rev.to_string()),
        ..Default::default()
    };
    for e in repo.log(&q)? {
        for old in e.changes.iter().filter_map(|c| c.old_path.as_deref()) {
            let file = old.rsplit('/').next().unwrap_or_default();
            let Some((file_slug, marker)) = file.trim_end_matches(".yaml").rsplit_once("--") else {
                continue;
            };
            if file_slug != slug || !file.ends_with(".yaml") {
                continue;
            }
            let before = format!("{}^", e.commit.id);
            let bytes = repo
                .read_at(&before, old)
                .ok()
                .flatten()
                .unwrap_or_default();
            let named = crate::normalize::from_yaml(&String::from_utf8_lossy(&bytes), old)
                .is_ok_and(|d| d.name.eq_ignore_ascii_case(query));
            if !named {
                continue;
            }
            let folder = old.rsplit_once('/').map(|(f, _)| f).unwrap_or_default();
            let now = repo
                .list_at(rev, folder)
                .unwrap_or_default()
                .into_iter()
                .find(|f| f.ends_with(&format!("--{marker}.yaml")));
            return Ok(Some(match now {
                Some(f) => (rev.to_string(), format!("{folder}/{f}")),
                None => (before, old.to_string()),
            }));
        }
    }
    Ok(None)
}

/// `2026-01-31`, an RFC 3339 timestamp, or an age before now (`7d`, `12h`, `30m`).
fn parse_when(s: &str, now: jiff::Timestamp) -> Result<jiff::Timestamp, CliError> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return jiff::tz::TimeZone::UTC
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .map_err(|e| CliError::usage(format!("{s}: {e}")));
    }
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let seconds = match (n.parse::<i64>(), unit) {
        (Ok(n), "d") => n * 86_400,
        (Ok(n), "h") => n * 3_600,
        (Ok(n), "m") => n * 60,
        _ => {
            return Err(CliError::usage(format!(
                "cannot read `{s}` as a time: use 2026-01-31, 2026-01-31T09:00:00Z or an age such as 7d"
            )));
        }
    };
    now.checked_sub(jiff::SignedDuration::from_secs(seconds))
        .map_err(|e| CliError::usage(format!("{s}: {e}")))
}
