//! `tenant-atlas show [REV:]POLICY`: one policy at a version, readable.

use super::views;
use super::{CliError, Exit, GlobalArgs, Out};
use crate::render::load::{Loader, RevFiles};
use crate::render::locate::{self, LocateError};
use crate::render::{self, Format, text::Paint};
use crate::store::{Repo, layout};
use clap::Args;

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// `[REV:]POLICY` — POLICY is a path, an id (or its first 8 hex digits) or a name; REV defaults to HEAD.
    pub policy: String,
    /// Look only in this tenant's folder.
    #[arg(long, value_name = "T")]
    pub tenant: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(global: &GlobalArgs, out: &Out, args: ShowArgs) -> Result<Exit, CliError> {
    let repo = Repo::open(&global.read_repo_dir())?;
    let (rev, path) = locate_arg(&repo, &args.policy, args.tenant.as_deref())?;
    let label = views::rev_label(&repo, &rev)?;
    let files = RevFiles {
        repo: &repo,
        rev: rev.clone(),
    };
    let mut loader = Loader::new(&files);
    let mut warnings = vec![];
    let loaded = loader.load(&path, &mut warnings);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let Ok(Some(loaded)) = loaded else {
        return Err(CliError::new(
            Exit::Partial,
            format!(
                "{path} at {label} cannot be read: {}",
                warnings
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "it is missing".into())
            ),
        ));
    };
    let view = loaded.view;
    match args.format {
        Format::Json => out.line(serde_json::to_string_pretty(&view).unwrap_or_default()),
        Format::Markdown => out.line(render::markdown::view(&view, 2).trim_end()),
        Format::Text => {
            out.line(render::text::view(&view, Paint(out.color)).trim_end());
            out.line(format!("\n(at {label})"));
        }
    }
    Ok(Exit::findings(!warnings.is_empty(), false))
}

/// `REV:POLICY` when the part before the first `:` is a revision; else the whole text at HEAD
/// (policy names may contain colons).
pub fn split_rev(repo: &Repo, arg: &str) -> (String, String) {
    if let Some((rev, rest)) = arg.split_once(':')
        && !rev.is_empty()
        && !rest.is_empty()
        && repo.commit_info(rev).is_ok()
    {
        return (rev.to_string(), rest.to_string());
    }
    ("HEAD".into(), arg.to_string())
}

/// The revision and document path a `[REV:]POLICY` argument names. A `REV:` part that looks like
/// a revision but names none is reported as such, with how far the history goes, rather than as a
/// policy name that matches nothing.
pub fn locate_arg(
    repo: &Repo,
    arg: &str,
    tenant: Option<&str>,
) -> Result<(String, String), CliError> {
    let (rev, query) = split_rev(repo, arg);
    views::rev_label(repo, &rev)?;
    if let Some(t) = tenant {
        views::check_tenant_folder(repo, &rev, t)?;
    }
    match find(repo, &rev, &query, tenant) {
        Ok(path) => Ok((rev, path)),
        Err(e) => match arg.split_once(':') {
            Some((prefix, rest)) if !rest.is_empty() && looks_like_rev(prefix) => {
                let commits = repo.commit_count()?;
                Err(CliError::usage(format!(
                    "revision {prefix} does not exist: the repository has {}",
                    views::history_span(commits)
                ))
                .hint("`tenant-atlas log` lists the commits"))
            }
            _ => Err(e),
        },
    }
}

/// `HEAD`, `HEAD~50`, `main^`, `@{1}`, a commit id: text that is meant as a revision.
fn looks_like_rev(s: &str) -> bool {
    s.starts_with("HEAD")
        || s.starts_with('@')
        || s.contains('~')
        || s.contains('^')
        || ((7..=40).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The document path a query names at `rev`.
pub fn find(repo: &Repo, rev: &str, query: &str, tenant: Option<&str>) -> Result<String, CliError> {
    let paths = repo.list_at(rev, layout::TENANTS)?;
    let paths: Vec<String> = paths
        .into_iter()
        .map(|p| layout::under_tenants(&p))
        .collect();
    let mut read = |p: &str| -> Option<(String, String)> {
        let bytes = repo.read_at(rev, p).ok()??;
        let doc = crate::normalize::from_yaml(&String::from_utf8_lossy(&bytes), p).ok()?;
        Some((doc.id, doc.name))
    };
    locate::locate(&paths, query, tenant, &mut read).map_err(|e| match e {
        LocateError::NotFound { .. } => CliError::error(format!("{e} at {rev}"))
            .hint("a policy is named by path, id (or its first 8 hex digits) or name; `--tenant T` narrows the search"),
        LocateError::Ambiguous { .. } => CliError::usage(e.to_string())
            .hint("name it by path or id, or pass --tenant"),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn revision_like_prefixes() {
        for rev in ["HEAD", "HEAD~50", "main^", "@{1}", "3c1cb1b0aa"] {
            assert!(super::looks_like_rev(rev), "{rev}");
        }
        for name in ["Edge", "settingsCatalog/x", "abc"] {
            assert!(!super::looks_like_rev(name), "{name}");
        }
    }
}
