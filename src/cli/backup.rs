//! `tenant-atlas backup`: export live tenants into the repository.

use super::progress::Bar;
use super::{CliError, Exit, GlobalArgs, Out, OutputFormat};
use crate::backup::runlog::Outcome;
use crate::backup::{self, BackupSettings, TenantOutcome, TenantTarget};
use crate::catalog::{self, CatalogEntry};
use crate::config::Config;
use crate::render::text::count;
use crate::store::Repo;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Default)]
pub struct BackupArgs {
    /// The repository (same as --repo); with --demo it is created if missing.
    pub dir: Option<PathBuf>,
    /// Tenant(s) from atlas.yaml to back up (default: all).
    #[arg(long, value_name = "T", conflicts_with = "all")]
    pub tenant: Vec<String>,
    /// Every tenant in atlas.yaml.
    #[arg(long)]
    pub all: bool,
    /// Only these catalog types (see `tenant-atlas types`); other types' files stay as they are.
    #[arg(long = "type", value_name = "KEY")]
    pub types: Vec<String>,
    /// Only objects whose `<type>/<name>` or `<type>/<file stem>` matches; nothing is removed.
    #[arg(long, value_name = "GLOB")]
    pub only: Vec<String>,
    /// Back up the built-in demo tenant (embedded Graph emulator; no config or credentials needed).
    #[arg(long, conflicts_with_all = ["tenant", "all"])]
    pub demo: bool,
    /// Extra text for the commit message.
    #[arg(long, short)]
    pub message: Option<String>,
    /// Push after committing (git CLI; rebases on a non-fast-forward).
    #[arg(long)]
    pub push: bool,
    /// Remove the lock of this run id, held from another host (one whose process is gone from this
    /// host is removed without it; one whose process still runs here is never broken).
    #[arg(long, value_name = "RUN-ID")]
    pub break_lock: Option<String>,
    /// Also regenerate each tenant's markdown documentation (`docs/<tenant>/`) in the same commit.
    #[arg(long)]
    pub docs: bool,
    /// Name the version each tenant is at after the backup (a backup set, `atlas/<tenant>/NAME`);
    /// pushed with the commit under --push.
    #[arg(long, value_name = "NAME")]
    pub tag: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

pub fn run(global: &GlobalArgs, out: &Out, args: BackupArgs) -> Result<Exit, CliError> {
    let rt = super::runtime()?;
    let _guard = rt.enter();
    // A stop signal ends the run between steps, so the locks are released (see `interrupted`).
    let stop = tokio_util::sync::CancellationToken::new();
    super::signals::cancel_on_signal(stop.clone());
    let BackedUp {
        repo,
        config,
        outcomes,
        config_errors,
    } = back_up(global, &rt, &args, stop)?;
    if outcomes.iter().any(|o| o.interrupted) {
        out.note(interrupted(&outcomes));
        return Ok(Exit::Interrupted);
    }
    if !outcomes.is_empty() && outcomes.iter().all(|o| o.nothing_matched) {
        let what: Vec<String> = outcomes
            .iter()
            .map(|o| format!("{}: {}", o.tenant, o.error.as_deref().unwrap_or_default()))
            .collect();
        let patterns: Vec<String> = args.only.iter().map(|p| format!("'{p}'")).collect();
        return Err(CliError::usage(format!(
            "--only {} matched no object\n{}",
            patterns.join(" "),
            what.join("\n")
        ))
        .hint("a pattern matches `<type>/<name>` or `<type>/<file stem>`, e.g. 'settingsCatalog/Edge*' or 'deviceConfigurations/*'"));
    }
    report(out, &outcomes, args.format);
    // Tenants whose configuration is unusable did not run; the others did, so the run is partial.
    for e in &config_errors {
        out.line(format!("{}: {e}", out.paint("31", "not run")));
    }
    let mut results: Vec<Exit> = outcomes.iter().map(exit_of).collect();
    if let Some(name) = &args.tag {
        let push_tags = args.push || config.git.push;
        // Named after the run, on the version each tenant is at (after any push's rebase).
        for (o, result) in outcomes.iter().zip(results.iter_mut()) {
            if o.error.is_some() || o.locked.is_some() {
                continue;
            }
            match super::tags::make_set(&repo, &config, &o.tenant, name, "HEAD", None, push_tags) {
                Ok((_, said)) => out.line(format!("  backup set {said}")),
                Err(e) => {
                    out.line(format!("{}: backup set not made: {}", o.tenant, e.message));
                    *result = Exit::Partial;
                }
            }
        }
    }
    Ok(Exit::across_tenants(&results, config_errors.len()))
}

/// What a backup run did, before it is reported.
pub(super) struct BackedUp {
    pub repo: Repo,
    pub config: Config,
    pub outcomes: Vec<TenantOutcome>,
    /// Why chosen tenants whose configuration is unusable did not run.
    pub config_errors: Vec<String>,
}

/// `backup` up to its report: prepares the repository (with `--demo`, creating it when missing),
/// then backs the chosen tenants up with a progress bar on a terminal, stopped between steps once
/// `stop` is cancelled. `serve --demo` backs the demo tenant up through here too.
pub(super) fn back_up(
    global: &GlobalArgs,
    rt: &tokio::runtime::Runtime,
    args: &BackupArgs,
    stop: tokio_util::sync::CancellationToken,
) -> Result<BackedUp, CliError> {
    let dir = args.dir.clone().unwrap_or_else(|| global.repo_dir());
    let types = selected_types(&args.types)?;
    let only = only_globs(&args.only)?;
    let mut config_errors: Vec<String> = vec![];
    let (repo, config, targets) = if args.demo {
        let repo = super::init::prepare_demo(&dir)?;
        (repo, Config::default(), demo_targets(&types)?)
    } else {
        let repo = Repo::open(&dir)?;
        let (config_path, config) = global.load_config(
            repo.root(),
            "run `tenant-atlas init` to create one, or pass --config FILE",
        )?;
        let (targets, unusable) =
            config_targets(&config, &args.tenant, &types, &config_path, "backup")?;
        if targets.is_empty() {
            // Every chosen tenant is misconfigured: a configuration error, nothing ran.
            return Err(CliError::usage(unusable.join("\n")));
        }
        config_errors = unusable;
        (repo, config, targets)
    };
    let author = repo.author(config.git_author());
    let push = (args.push || config.git.push)
        .then(|| (config.git.remote.clone(), config.git.branch.clone()));
    let settings = BackupSettings {
        only,
        message: args.message.clone(),
        author,
        push,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        restricted: types.is_some() || !args.only.is_empty(),
        break_lock: args.break_lock.clone(),
        docs: args.docs,
        scrub: vec![],
        run_id: None,
    };
    let bar = std::sync::Arc::new(Bar::tenants(targets.len(), global));
    let outcomes = rt.block_on(backup::run_until(
        repo.root().to_path_buf(),
        targets,
        std::sync::Arc::new(settings),
        bar.clone(),
        stop,
    ));
    bar.finish();
    Ok(BackedUp {
        repo,
        config,
        outcomes,
        config_errors,
    })
}

pub(super) fn selected_types(
    keys: &[String],
) -> Result<Option<Vec<&'static CatalogEntry>>, CliError> {
    if keys.is_empty() {
        return Ok(None);
    }
    keys.iter()
        .map(|k| {
            catalog::get(k).ok_or_else(|| {
                CliError::usage(format!("unknown type `{k}`"))
                    .hint(super::suggest::hint(
                        k,
                        "catalog keys",
                        catalog::all().iter().map(|e| e.key),
                    ))
                    .hint("`tenant-atlas types` describes each type")
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub(super) fn only_globs(patterns: &[String]) -> Result<Option<globset::GlobSet>, CliError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        b.add(globset::Glob::new(p).map_err(|e| CliError::usage(format!("--only {p}: {e}")))?);
    }
    b.build()
        .map(Some)
        .map_err(|e| CliError::usage(e.to_string()))
}

/// The tenants to back up, and the errors of chosen tenants whose credentials or endpoints are
/// unusable (one misconfigured tenant does not stop the others).
pub(super) fn config_targets(
    config: &Config,
    tenants: &[String],
    types: &Option<Vec<&'static CatalogEntry>>,
    config_path: &Path,
    command: &str,
) -> Result<(Vec<TenantTarget>, Vec<String>), CliError> {
    if config.tenants.is_empty() {
        let hint = if command == "apply" {
            "add the plan's target tenant under `tenants:`".to_string()
        } else {
            format!(
                "add a tenant under `tenants:` (the commented example shows the keys), or try `{command} --demo` for the built-in demo tenant"
            )
        };
        return Err(
            CliError::usage(format!("{} lists no tenants", config_path.display())).hint(hint),
        );
    }
    let chosen: Vec<_> = if tenants.is_empty() {
        config.tenants.iter().collect()
    } else {
        tenants
            .iter()
            .map(|name| {
                config
                    .tenant(name)
                    .ok_or_else(|| unknown_tenant(config, name))
            })
            .collect::<Result<_, _>>()?
    };
    let mut targets = vec![];
    let mut unusable = vec![];
    for t in chosen {
        match TenantTarget::from_config(t, config_path, types.as_deref()) {
            Ok(target) => targets.push(target),
            Err(e) => unusable.push(e),
        }
    }
    Ok((targets, unusable))
}

/// `--tenant NAME` names no tenant of atlas.yaml: the error lists the configured ones.
pub(super) fn unknown_tenant(config: &Config, name: &str) -> CliError {
    CliError::usage(format!("no tenant `{name}` in atlas.yaml")).hint(super::suggest::hint(
        name,
        "configured tenants",
        config.tenants.iter().map(|t| t.name.as_str()),
    ))
}

/// The built-in demo tenant, served by this process's embedded emulator (`crate::demo`).
pub(super) fn demo_targets(
    types: &Option<Vec<&'static CatalogEntry>>,
) -> Result<Vec<TenantTarget>, CliError> {
    let target = TenantTarget::from_config(
        &crate::config::TenantConfig::demo(),
        Path::new(crate::store::layout::CONFIG),
        types.as_deref(),
    )
    .map_err(CliError::error)?;
    Ok(vec![target])
}

fn report(out: &Out, outcomes: &[TenantOutcome], format: OutputFormat) {
    if format == OutputFormat::Json {
        let list: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "tenant": o.tenant, "runId": o.run_id, "outcome": o.outcome, "commit": o.commit,
                    "types": o.counts, "errors": o.failures, "runLog": o.run_log, "error": o.error,
                    "locked": o.locked, "pushed": o.pushed,
                })
            })
            .collect();
        out.line(serde_json::to_string_pretty(&list).unwrap_or_default());
        return;
    }
    for o in outcomes {
        let objects: usize = o.counts.values().map(|c| c.objects).sum();
        let changes = crate::backup::runlog::sentence(&o.counts);
        let types = count(o.counts.len(), "type", "types");
        let objects = count(objects, "object", "objects");
        if let Some(l) = &o.locked {
            out.line(format!(
                "{}: {} — {l}",
                o.tenant,
                out.paint("33", "refused")
            ));
            continue;
        }
        if let Some(e) = &o.sign_in {
            // One cause: the types it left unread are in the run log, not listed here.
            let rest = e.with_hint();
            out.line(format!(
                "{}: {} — {rest}",
                o.tenant,
                out.paint("31", "failed")
            ));
            if let Some(p) = &o.run_log {
                out.line(format!("  run log: {p}"));
            }
            continue;
        }
        if let Some(e) = &o.error {
            out.line(format!("{}: {} — {e}", o.tenant, out.paint("31", "failed")));
        }
        match o.outcome {
            Outcome::Success => out.line(format!(
                "{}: {changes} ({objects}, {types}) — commit {}",
                o.tenant,
                short(&o.commit)
            )),
            Outcome::NoChange => out.line(format!("{}: no changes ({objects}, {types})", o.tenant)),
            Outcome::Partial => {
                out.line(format!(
                    "{}: {} — {changes} ({objects}); previous files kept for:",
                    o.tenant,
                    out.paint("33", "partial"),
                ));
                if o.commit.is_some() {
                    out.line(format!("  commit {}", short(&o.commit)));
                }
            }
            Outcome::Failed | Outcome::Refused => {}
        }
        if matches!(o.outcome, Outcome::Success | Outcome::Partial) {
            objects_changed(out, &o.objects);
        }
        for f in &o.failures {
            let what = f
                .object
                .as_deref()
                .map(|id| format!("{} {id}", f.kind))
                .unwrap_or_else(|| f.kind.clone());
            out.line(format!("  ! {what}: {}", f.message));
        }
        if let Some(p) = &o.run_log {
            out.line(format!("  run log: {p}"));
        }
        if o.pushed {
            out.line("  pushed");
        }
    }
}

/// The objects a commit changed, by name, when they are few (a first backup's hundreds are in its
/// commit message).
fn objects_changed(out: &Out, objects: &[crate::backup::runlog::ObjectLine]) {
    const SHOWN: usize = 10;
    if objects.len() <= SHOWN {
        for o in objects {
            out.line(format!("  {}", o.describe()));
        }
    }
}

/// The one line of a run stopped by a signal: whose locks were released, and what was committed
/// before the stop (tenants already writing finish their commit).
fn interrupted(outcomes: &[TenantOutcome]) -> String {
    let names = |pick: &dyn Fn(&TenantOutcome) -> Option<String>| {
        outcomes.iter().filter_map(pick).collect::<Vec<_>>()
    };
    let stopped = names(&|o| o.interrupted.then(|| o.tenant.clone()));
    let committed = names(&|o| {
        o.commit
            .as_ref()
            .map(|_| format!("{} ({})", o.tenant, short(&o.commit)))
    });
    let released = match stopped.as_slice() {
        [one] => format!("lock of {one} released"),
        many => format!("locks of {} released", many.join(", ")),
    };
    if committed.is_empty() {
        format!("interrupted: {released}, nothing committed")
    } else {
        format!(
            "interrupted: {released}, nothing of them committed; committed before the stop: {}",
            committed.join(", ")
        )
    }
}

fn short(commit: &Option<String>) -> String {
    commit
        .as_deref()
        .map(|c| c[..c.len().min(10)].to_string())
        .unwrap_or_else(|| "-".into())
}

/// A tenant's result: refused when its lock was held, else its outcome's.
fn exit_of(o: &TenantOutcome) -> Exit {
    if o.locked.is_some() {
        Exit::Refused
    } else {
        o.outcome.into()
    }
}
