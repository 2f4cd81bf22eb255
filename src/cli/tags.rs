//! `tenant-atlas tag NAME [REV]` and `tenant-atlas tags`: named backups (backup sets), annotated
//! tags `atlas/<tenant>/<name>` that every revision argument accepts by name.

use super::{CliError, Exit, GlobalArgs, Out, OutputFormat};
use crate::store::{Repo, tags::BackupSet};
use clap::Args;

#[derive(Args, Debug)]
pub struct TagArgs {
    /// The set's name (letters, digits, `-`, `_`, `.`), e.g. `before-migration`.
    pub name: String,
    /// The commit to name; default the tenant's latest version at HEAD.
    pub rev: Option<String>,
    /// The tenant; default `ATLAS_TENANT`, else `defaultTenant` of atlas.yaml, else the
    /// repository's only tenant.
    #[arg(long, value_name = "T", env = crate::env::TENANT)]
    pub tenant: Option<String>,
    /// A line to keep with the set.
    #[arg(long, short, value_name = "TEXT")]
    pub message: Option<String>,
    /// Push the tag to the configured remote (`git.remote`).
    #[arg(long)]
    pub push: bool,
}

#[derive(Args, Debug)]
pub struct TagsArgs {
    /// Only this tenant's sets.
    #[arg(long, value_name = "T")]
    pub tenant: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// The one tenant of the repository at `rev`, or the asked one, which must be there.
fn tenant_at(repo: &Repo, rev: &str, asked: Option<&str>) -> Result<String, CliError> {
    if let Some(t) = asked {
        super::views::check_tenant_folder(repo, rev, t)?;
        return Ok(t.to_string());
    }
    match super::views::tenant_folders(repo, rev)?.as_slice() {
        [one] => Ok(one.clone()),
        present => Err(CliError::usage(format!(
            "name the tenant with --tenant (tenants at {rev}: {})",
            present.join(", ")
        ))),
    }
}

/// Tags the tenant's version at `rev` (the commit that last changed its folder) as a backup set,
/// pushing the tag when asked; what a line of output says about it.
pub(super) fn make_set(
    repo: &Repo,
    config: &crate::config::Config,
    tenant: &str,
    name: &str,
    rev: &str,
    message: Option<&str>,
    push: bool,
) -> Result<(BackupSet, String), CliError> {
    let tagger = repo.author(config.git_author());
    let set = repo.name_version(tenant, name, rev, &tagger, message)?;
    let mut said = format!(
        "{}: {} → {}",
        set.tag,
        &set.commit[..10],
        set.backup.as_deref().unwrap_or("")
    );
    if push {
        let remote = config.git.remote.clone();
        crate::store::push::push_tag(repo, &remote, &set.tag)?;
        said.push_str(&format!(" (pushed to {remote})"));
    }
    Ok((set, said))
}

pub fn tag(global: &GlobalArgs, out: &Out, args: TagArgs) -> Result<Exit, CliError> {
    let repo = Repo::open(&global.read_repo_dir())?;
    let rev = args.rev.as_deref().unwrap_or("HEAD");
    let config = global.config_or_default(repo.root())?;
    let default = config.default_tenant.as_deref();
    let tenant = tenant_at(&repo, rev, args.tenant.as_deref().or(default))?;
    let (_, said) = make_set(
        &repo,
        &config,
        &tenant,
        &args.name,
        rev,
        args.message.as_deref(),
        args.push,
    )?;
    out.line(said);
    Ok(Exit::Ok)
}

pub fn tags(global: &GlobalArgs, out: &Out, args: TagsArgs) -> Result<Exit, CliError> {
    let repo = Repo::open(&global.read_repo_dir())?;
    let sets = repo.backup_sets(args.tenant.as_deref())?;
    match args.format {
        OutputFormat::Json => {
            out.line(serde_json::to_string_pretty(&sets).unwrap_or_default());
        }
        OutputFormat::Text if sets.is_empty() => {
            out.line(
                "no backup sets (make one with `tenant-atlas tag NAME` or `backup --tag NAME`)",
            );
        }
        OutputFormat::Text => {
            let w = sets
                .iter()
                .map(|s| s.tag.chars().count())
                .max()
                .unwrap_or(0);
            for s in &sets {
                let pad = " ".repeat(w - s.tag.chars().count());
                out.line(format!(
                    "{}{pad}  {}  {}  {}",
                    s.tag,
                    &s.commit[..10],
                    s.tagged.get(..10).unwrap_or(&s.tagged),
                    s.backup.as_deref().unwrap_or("")
                ));
            }
        }
    }
    Ok(Exit::Ok)
}
