//! `tenant-atlas tenants`: the configured tenants, each with its last backup, its drift as the
//! loop last measured it, its mode and its next scheduled round.

use super::{CliError, Exit, GlobalArgs, Out, OutputFormat};
use crate::records::status;
use crate::store::Repo;
use clap::Args;
use serde::Serialize;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TenantsArgs {
    #[command(subcommand)]
    pub action: Option<TenantsAction>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(clap::Subcommand, Debug)]
pub enum TenantsAction {
    /// Append a tenant to atlas.yaml, keeping the file's comments; what `defaults:` says need not
    /// be repeated.
    Add(super::fleet::AddArgs),
    /// The customer tenants the partner's app reaches through granular delegated admin
    /// relationships; `--add` or `--all` appends them to atlas.yaml.
    Discover(super::fleet::DiscoverArgs),
}

/// One tenant as listed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    name: String,
    tenant_id: String,
    /// Whether `defaultTenant` (or the only tenant) names it.
    default: bool,
    mode: String,
    /// The backup interval of its schedule; absent when the loop uses its default.
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<String>,
    /// The commit that last changed its folder, and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_backup: Option<Version>,
    /// Objects drifted at the loop's last check; absent when the loop never checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    drift: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_round: Option<String>,
}

#[derive(Debug, Serialize)]
struct Version {
    commit: String,
    at: String,
}

pub fn run(global: &GlobalArgs, out: &Out, args: TenantsArgs) -> Result<Exit, CliError> {
    match args.action {
        Some(TenantsAction::Add(a)) => return super::fleet::add(global, out, a),
        Some(TenantsAction::Discover(a)) => return super::fleet::discover(global, out, a),
        None => {}
    }
    let repo = Repo::open(&global.read_repo_dir())?;
    let (_, config) = global.load_config(
        repo.root(),
        "run `tenant-atlas init` to create one, or pass --config FILE",
    )?;
    let default = config.the_tenant().ok();
    let mut lines = vec![];
    for t in &config.tenants {
        let version = match repo.head()? {
            Some(_) => repo.tenant_version(&t.name, "HEAD")?,
            None => None,
        };
        let st = status::read(&repo, &t.name)?;
        lines.push(Line {
            name: t.name.clone(),
            tenant_id: t.tenant_id.clone(),
            default: default.as_deref() == Some(t.name.as_str()),
            mode: serde_json::to_value(t.mode)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            schedule: t.schedule.as_ref().map(|s| s.backup.clone()),
            last_backup: version.map(|v| Version {
                commit: v.short_id,
                at: v.time.to_string(),
            }),
            drift: st
                .as_ref()
                .and_then(|s| s.drift.as_ref())
                .map(|d| d.objects.len()),
            state: st.as_ref().and_then(|s| {
                serde_json::to_value(s.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
            }),
            next_round: st.and_then(|s| s.next_run).map(|n| n.to_string()),
        });
    }
    match args.format {
        OutputFormat::Json => out.line(serde_json::to_string_pretty(&lines).unwrap_or_default()),
        OutputFormat::Text => text(out, &lines),
    }
    Ok(Exit::Ok)
}

fn text(out: &Out, lines: &[Line]) {
    let header = [
        "TENANT",
        "TENANT ID",
        "MODE",
        "LAST BACKUP",
        "DRIFT",
        "NEXT ROUND",
    ]
    .map(String::from);
    let rows: Vec<[String; 6]> = lines
        .iter()
        .map(|l| {
            [
                if l.default {
                    format!("{} (default)", l.name)
                } else {
                    l.name.clone()
                },
                l.tenant_id.clone(),
                match &l.schedule {
                    Some(s) => format!("{} every {s}", l.mode),
                    None => l.mode.clone(),
                },
                l.last_backup
                    .as_ref()
                    .map_or("never".into(), |v| format!("{} {}", v.commit, v.at)),
                l.drift.map_or("not checked".into(), |n| match n {
                    0 => "none".into(),
                    n => format!("{n} object(s)"),
                }),
                match (&l.state, &l.next_round) {
                    (Some(s), Some(n)) => format!("{n} ({s})"),
                    (Some(s), None) => s.clone(),
                    _ => "no loop has run".into(),
                },
            ]
        })
        .collect();
    let w: Vec<usize> = (0..5)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in [&header].into_iter().chain(rows.iter()) {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate().take(5) {
            line.push_str(cell);
            line.push_str(&" ".repeat(w[i] - cell.chars().count() + 2));
        }
        line.push_str(&r[5]);
        out.line(line);
    }
}
