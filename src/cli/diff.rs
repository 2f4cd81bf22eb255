//! `tenant-atlas diff REV [REV2] [PATH…]`: what changed between two versions, readable.

use super::views;
use super::{CliError, Exit, GlobalArgs, Out};
use crate::render::load::{self, DiskFiles, Files, Loader, RevFiles};
use crate::render::{Format, Report};
use crate::store::Side;
use crate::store::{Repo, layout};
use clap::Args;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// `REV [REV2] [PATH…]`: REV against REV2, or against the work tree when REV2 is not given;
    /// paths (or `--` then paths) limit the comparison: a type key or folder (in every tenant
    /// folder), or a path relative to the current folder, the --tenant folder or the repository.
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

pub fn run(global: &GlobalArgs, out: &Out, args: DiffArgs) -> Result<Exit, CliError> {
    let repo = Repo::open(&global.read_repo_dir())?;
    let revs = Revisions::of(&repo, &args.args);
    let from_label = views::rev_label(&repo, &revs.from)?;
    let to_label = match &revs.to {
        Some(r) => views::rev_label(&repo, r)?,
        None => "work tree".to_string(),
    };
    if let Some(t) = &args.tenant {
        views::check_tenant_folder(&repo, &revs.from, t).or_else(|e| {
            revs.to
                .as_deref()
                .map_or(Err(e), |r| views::check_tenant_folder(&repo, r, t))
        })?;
    }
    let prefixes = revs.prefixes(&repo, args.tenant.as_deref())?;
    let mut reports = reports(&repo, &revs, &prefixes, (&from_label, &to_label))?;
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

/// The command line's revisions and paths.
struct Revisions<'a> {
    from: String,
    /// `None`: the work tree.
    to: Option<String>,
    paths: Vec<&'a str>,
    /// The second argument may be a revision (no `--` before it).
    second_may_be_rev: bool,
}

impl<'a> Revisions<'a> {
    /// Reads `REV [REV2] [PATH…]`: the second argument is a revision when it resolves to one and
    /// is not a path (as in git).
    fn of(repo: &Repo, args: &'a [String]) -> Revisions<'a> {
        let mut rest = args.iter().map(String::as_str).filter(|a| *a != "--");
        let from = rest.next().unwrap_or("HEAD").to_string();
        let mut paths: Vec<&str> = rest.collect();
        let explicit_paths = args.iter().position(|a| a == "--");
        let second_may_be_rev = explicit_paths.is_none_or(|i| i > 1);
        let to = match paths.first() {
            Some(r)
                if second_may_be_rev
                    && !repo.root().join(r).exists()
                    && repo.commit_info(r).is_ok() =>
            {
                let r = r.to_string();
                paths.remove(0);
                Some(r)
            }
            _ => None,
        };
        Revisions {
            from,
            to,
            paths,
            second_may_be_rev,
        }
    }

    /// The repository folders the paths name (every tenant folder, or `tenant`'s, when none).
    fn prefixes(&self, repo: &Repo, tenant: Option<&str>) -> Result<Vec<String>, CliError> {
        if self.paths.is_empty() {
            return Ok(vec![match tenant {
                Some(t) => layout::tenant(t),
                None => layout::TENANTS.into(),
            }]);
        }
        let known = Known::read(repo, &self.from, self.to.as_deref())?;
        let cwd = current_dir_in(repo.root());
        let mut prefixes = vec![];
        for (i, p) in self.paths.iter().enumerate() {
            let found = known.resolve(p, tenant, cwd.as_deref());
            if found.is_empty() {
                let could_be_rev = i == 0 && self.second_may_be_rev && self.to.is_none();
                return Err(no_match(repo, &known, p, could_be_rev));
            }
            prefixes.extend(found);
        }
        Ok(prefixes)
    }
}

/// One report per tenant of the documents that changed below `prefixes`.
fn reports(
    repo: &Repo,
    revs: &Revisions<'_>,
    prefixes: &[String],
    (from_label, to_label): (&str, &str),
) -> Result<Vec<Report>, CliError> {
    let (from, to) = (&revs.from, &revs.to);
    let changes = repo.diff(
        Side::Rev(from),
        to.as_deref().map_or(Side::WorkTree, Side::Rev),
        prefixes,
    )?;
    let pairs = load::document_pairs(
        &changes
            .iter()
            .map(|c| (c.old_path.clone(), c.new_path.clone()))
            .collect::<Vec<_>>(),
    );
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
        repo,
        rev: from.clone(),
    };
    let disk = DiskFiles { root: repo.root() };
    let rev_files = to.as_ref().map(|r| RevFiles {
        repo,
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
            from_label.to_string(),
            to_label.to_string(),
        );
        r.extend(objects);
        r.warnings = warnings;
        r.documents_read = old.documents_read - before_old + new.documents_read - before_new;
        reports.push(r);
    }
    Ok(reports)
}

/// The current directory relative to the repository root, when it is inside the repository.
fn current_dir_in(root: &Path) -> Option<String> {
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    let rel = cwd.strip_prefix(root).ok()?;
    let rel = rel.to_string_lossy().replace('\\', "/");
    Some(rel)
}

/// The files of both sides of a diff, to find what a path argument names.
struct Known<'a> {
    root: &'a Path,
    /// Repository-relative files at the old side and (when it is a revision) the new side.
    files: BTreeSet<String>,
    tenants: BTreeSet<String>,
    /// The new side is the work tree: files on disk count too.
    work_tree: bool,
}

impl<'a> Known<'a> {
    fn read(repo: &'a Repo, from: &str, to: Option<&str>) -> Result<Known<'a>, CliError> {
        let mut files = BTreeSet::new();
        for rev in std::iter::once(from).chain(to) {
            let listed = repo
                .list_at(rev, layout::TENANTS)
                .map_err(|e| views::rev_error(repo, rev, e))?;
            files.extend(listed.into_iter().map(|p| layout::under_tenants(&p)));
        }
        let mut tenants: BTreeSet<String> = files
            .iter()
            .filter_map(|p| p.split('/').nth(1).map(str::to_string))
            .collect();
        if to.is_none()
            && let Ok(dir) = fs_err::read_dir(repo.root().join(layout::TENANTS))
        {
            tenants.extend(
                dir.flatten()
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned()),
            );
        }
        Ok(Known {
            root: repo.root(),
            files,
            tenants,
            work_tree: to.is_none(),
        })
    }

    /// Is there a file at `path` or below it, on either side?
    fn exists(&self, path: &str) -> bool {
        let below = format!("{path}/");
        // `contoso-eu/…` sorts between `contoso` and `contoso/…`: look from `path/` on.
        self.files.contains(path)
            || self
                .files
                .range(below.clone()..)
                .next()
                .is_some_and(|f| f.starts_with(&below))
            || (self.work_tree && self.root.join(path).exists())
    }

    /// The repository paths a path argument names, first rule that finds something: relative to
    /// the current directory (inside the repository), to `--tenant`'s folder, to the repository
    /// root, then to every tenant folder (`settingsCatalog` in each tenant).
    fn resolve(&self, arg: &str, tenant: Option<&str>, cwd: Option<&str>) -> Vec<String> {
        let arg = arg.trim_end_matches('/');
        let mut single = vec![];
        if let Some(cwd) = cwd.filter(|c| !c.is_empty()) {
            single.push(normalize(&format!("{cwd}/{arg}")));
        }
        if let Some(t) = tenant {
            single.push(Some(layout::in_tenant(t, arg)));
        }
        single.push(normalize(arg));
        for c in single.into_iter().flatten() {
            if c.starts_with(layout::TENANTS) && self.exists(&c) {
                return vec![c];
            }
        }
        self.tenants
            .iter()
            .filter(|t| tenant.is_none_or(|want| want == t.as_str()))
            .map(|t| layout::in_tenant(t, arg))
            .filter(|c| normalize(c).as_deref() == Some(c.as_str()) && self.exists(c))
            .collect()
    }

    /// Type folders present on either side.
    fn types(&self) -> BTreeSet<&str> {
        self.files
            .iter()
            .filter_map(|p| p.split('/').nth(2))
            .filter(|k| crate::catalog::get(k).is_some())
            .collect()
    }
}

/// `a/./b/../c` → `a/c`; None when it climbs above the root or is empty.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = vec![];
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A path argument that names nothing: what exists instead (and, for the second argument, that it
/// is no revision either).
fn no_match(repo: &Repo, known: &Known, arg: &str, could_be_rev: bool) -> CliError {
    let first = arg.trim_end_matches('/').split('/').next().unwrap_or(arg);
    let types: Vec<&str> = known.types().into_iter().collect();
    let tenants: Vec<&str> = known.tenants.iter().map(String::as_str).collect();
    let mut e = if could_be_rev {
        let span = repo
            .commit_count()
            .map(views::history_span)
            .unwrap_or_default();
        CliError::usage(format!(
            "`{arg}` is neither a revision nor a path in the repository"
        ))
        .hint(format!(
            "revision {arg} not found: the repository has {span}"
        ))
    } else {
        CliError::usage(format!("no file or folder matches `{arg}`"))
    };
    let candidates = types.iter().chain(&tenants).copied();
    let close = super::suggest::closest(first, candidates);
    if !close.is_empty() {
        let quoted: Vec<String> = close.iter().map(|c| format!("`{c}`")).collect();
        e = e.hint(format!("did you mean {}?", quoted.join(" or ")));
    }
    e = e.hint(format!(
        "a path is a type folder ({}) or a path below it, relative to the tenant folders ({}), to the current directory, or to the repository root (tenants/…)",
        types.join(", "),
        tenants.join(", ")
    ));
    e
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tenant_folder_is_found_beside_one_whose_name_it_prefixes() {
        let files = [
            "tenants/contoso-eu/settingsCatalog/a--11111111.yaml",
            "tenants/contoso/settingsCatalog/b--22222222.yaml",
        ];
        let known = super::Known {
            root: std::path::Path::new("/nonexistent"),
            files: files.iter().map(|f| f.to_string()).collect(),
            tenants: Default::default(),
            work_tree: false,
        };
        assert!(known.exists("tenants/contoso"));
        assert!(known.exists("tenants/contoso-eu"));
        assert!(known.exists(files[1]), "a file itself");
        assert!(!known.exists("tenants/contos"));
        assert!(!known.exists("tenants/contoso/deviceConfigurations"));
    }

    #[test]
    fn paths_are_normalized_lexically() {
        use super::normalize;
        assert_eq!(
            normalize("tenants/demo/./x/").as_deref(),
            Some("tenants/demo/x")
        );
        assert_eq!(
            normalize("tenants/demo/../other").as_deref(),
            Some("tenants/other")
        );
        assert_eq!(normalize("../x"), None);
        assert_eq!(normalize("."), None);
    }
}
