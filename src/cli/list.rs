//! `tenant-atlas list`: the inventory — one line per configured object, from git alone.

use super::{CliError, Exit, GlobalArgs, Out};
use crate::inventory::{self, Audience, InventoryError, Query, Row};
use crate::store::Repo;
use clap::{Args, ValueEnum};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
    Csv,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only these tenants (repeatable); default every tenant in the repository.
    #[arg(long, value_name = "T")]
    pub tenant: Vec<String>,
    /// Only these types (catalog keys, repeatable).
    #[arg(long = "type", value_name = "KEY")]
    pub types: Vec<String>,
    /// Only objects for this platform: windows, macOS, iOS, android, linux.
    #[arg(long, value_name = "P")]
    pub platform: Option<String>,
    /// Only objects under this scope tag (by name).
    #[arg(long, value_name = "NAME")]
    pub scope_tag: Option<String>,
    /// Only objects assigned to (or excluding) this group, by name or id; or `all-users`,
    /// `all-devices`.
    #[arg(long, value_name = "GROUP")]
    pub assigned_to: Option<String>,
    /// Only objects that can be assigned and are assigned to no one.
    #[arg(long)]
    pub unassigned: bool,
    /// Only objects whose name matches this glob (case-insensitive), e.g. 'Windows*'.
    #[arg(long, value_name = "GLOB")]
    pub name: Option<String>,
    /// The revision to read (a commit, a branch, `HEAD~3`); default HEAD.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

pub fn run(global: &GlobalArgs, out: &Out, args: ListArgs) -> Result<Exit, CliError> {
    let repo = Repo::open(&global.read_repo_dir())?;
    let query = Query {
        tenants: args.tenant,
        types: args.types,
        platform: args.platform,
        scope_tag: args.scope_tag,
        assigned_to: args.assigned_to.as_deref().map(Audience::parse),
        unassigned: args.unassigned,
        name: args.name,
        rev: args.rev,
    };
    let rev = query.rev.clone().unwrap_or_else(|| "HEAD".into());
    let (rows, unreadable) = inventory::list(&repo, &query).map_err(|e| match e {
        InventoryError::Store(s) => super::views::rev_error(&repo, &rev, s),
        other => CliError::usage(other.to_string()),
    })?;
    match args.format {
        ListFormat::Json => {
            let doc = inventory::Inventory {
                objects: rows,
                unreadable: unreadable.clone(),
            };
            out.line(serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        ListFormat::Csv => out.line(csv(&rows)?.trim_end()),
        ListFormat::Text => text(out, &rows, query.assigned_to.as_ref()),
    }
    for u in &unreadable {
        tracing::warn!("{}: cannot be read: {}", u.path, u.reason);
    }
    Ok(Exit::findings(!unreadable.is_empty(), false))
}

/// Who an object is assigned to, in one cell: every assignment, or with `--assigned-to` the
/// ones to that audience (their exclusions and filters included).
fn assigned(r: &Row, audience: Option<&Audience>) -> String {
    if !r.assignable {
        return "-".into();
    }
    let shown: Vec<String> = r
        .assignments
        .iter()
        .filter(|t| audience.is_none_or(|a| a.matches(t)))
        .map(inventory::Target::describe)
        .collect();
    if shown.is_empty() {
        "unassigned".into()
    } else {
        shown.join("; ")
    }
}

/// Names longer than this are cut in the table (JSON and CSV keep them whole).
const NAME_WIDTH: usize = 60;

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

fn text(out: &Out, rows: &[Row], audience: Option<&Audience>) {
    let header = [
        "TENANT",
        "TYPE",
        "NAME",
        "PLATFORM",
        "SCOPE TAGS",
        "CHANGED",
        "ASSIGNED",
    ]
    .map(String::from);
    let dash = |s: String| if s.is_empty() { "-".to_string() } else { s };
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.tenant.clone(),
                r.kind.clone(),
                cut(&r.name, NAME_WIDTH),
                dash(r.platform.clone().unwrap_or_default()),
                dash(r.scope_tags.join(", ")),
                dash(
                    r.changed
                        .as_ref()
                        .map(|c| format!("{} {}", c.commit, c.date.get(..10).unwrap_or(&c.date)))
                        .unwrap_or_default(),
                ),
                assigned(r, audience),
            ]
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .chain([&header])
            .map(|c| c[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let w: Vec<usize> = (0..6).map(width).collect();
    for c in [&header].into_iter().chain(cells.iter()) {
        let mut line = String::new();
        for (i, cell) in c.iter().enumerate().take(6) {
            line.push_str(cell);
            line.push_str(&" ".repeat(w[i] - cell.chars().count() + 2));
        }
        line.push_str(&c[6]);
        out.line(line);
    }
    let (by_type, by_platform) = inventory::counts(rows);
    let platforms: Vec<String> = by_platform
        .iter()
        .map(|(p, n)| format!("{p} {n}"))
        .collect();
    out.line(format!(
        "\n{} object(s) of {} type(s); by platform: {}",
        rows.len(),
        by_type.len(),
        dash(platforms.join(", "))
    ));
}

fn csv(rows: &[Row]) -> Result<String, CliError> {
    let mut w = ::csv::Writer::from_writer(vec![]);
    let fail = |e: ::csv::Error| CliError::new(Exit::Error, format!("writing CSV: {e}"));
    w.write_record([
        "tenant",
        "type",
        "name",
        "id",
        "platform",
        "scopeTags",
        "assignments",
        "changedCommit",
        "changedDate",
        "path",
    ])
    .map_err(fail)?;
    for r in rows {
        w.write_record([
            r.tenant.as_str(),
            r.kind.as_str(),
            r.name.as_str(),
            r.id.as_str(),
            r.platform.as_deref().unwrap_or(""),
            &r.scope_tags.join("; "),
            &assigned(r, None),
            r.changed.as_ref().map_or("", |c| c.commit.as_str()),
            r.changed.as_ref().map_or("", |c| c.date.as_str()),
            r.path.as_str(),
        ])
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| CliError::new(Exit::Error, format!("writing CSV: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
