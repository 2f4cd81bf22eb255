//! `tenant-atlas apply FILE`: execute a saved plan exactly, and `restore`: plan, confirm, apply.

use super::{CliError, Exit, GlobalArgs, Out};
use crate::apply::{self, ApplyReport, ApplySettings, runlog::ItemStatus, runlog::Outcome};
use crate::backup::TenantTarget;
use crate::config::Config;
use crate::plan::Plan;
use crate::store::Repo;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The plan file `plan --out` wrote.
    pub file: PathBuf,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// Secret values the plan's items need: `<document path>: {<secret path>: value}`.
    #[arg(long, value_name = "FILE")]
    pub secrets: Option<PathBuf>,
    /// Remove the lock of this run id, held from another host (one whose process is gone from this
    /// host is removed without it; one whose process still runs here is never broken).
    #[arg(long, value_name = "RUN-ID")]
    pub break_lock: Option<String>,
    /// Refuse the plan unless it is signed with the key in this environment variable
    /// (`plan --sign-key-env`).
    #[arg(long, value_name = "VAR")]
    pub verify_key_env: Option<String>,
}

pub fn run(global: &GlobalArgs, out: &Out, args: ApplyArgs) -> Result<Exit, CliError> {
    let verify_key = super::plan::signing_key(args.verify_key_env.as_deref())?
        .map(|k| (k, args.verify_key_env.clone().unwrap_or_default()));
    let file = args.file.display().to_string();
    let text = fs_err::read_to_string(&args.file).map_err(|e| CliError::usage(e.to_string()))?;
    let plan: Plan = serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("{file}: not a tenant-atlas plan: {e}")))?;
    if plan.format != crate::plan::FORMAT {
        return Err(CliError::usage(format!(
            "{file}: plan format {} is not supported (this tool writes {})",
            plan.format,
            crate::plan::FORMAT
        )));
    }
    let repo = Repo::open(&global.repo_dir())?;
    let rt = super::runtime()?;
    let _guard = rt.enter();
    let (config_path, config) = global.load_config(
        repo.root(),
        "apply signs in to the plan's target tenant as atlas.yaml configures it",
    )?;
    let (mut targets, unusable) = super::backup::config_targets(
        &config,
        std::slice::from_ref(&plan.target.tenant),
        &None,
        &config_path,
        "apply",
    )?;
    if targets.is_empty() {
        return Err(CliError::usage(unusable.join("\n")));
    }
    let secrets = super::plan::load_secrets(args.secrets.as_ref())?;
    execute(
        out,
        &repo,
        &config,
        targets.remove(0),
        plan,
        secrets,
        args.yes,
        args.break_lock,
        verify_key,
        &rt,
    )
}

/// Confirms (unless `yes`), applies and reports.
#[allow(clippy::too_many_arguments)]
pub fn execute(
    out: &Out,
    repo: &Repo,
    config: &Config,
    target: TenantTarget,
    plan: Plan,
    secrets: apply::Secrets,
    yes: bool,
    break_lock: Option<String>,
    verify_key: Option<(crate::plan::sign::Key, String)>,
    rt: &tokio::runtime::Runtime,
) -> Result<Exit, CliError> {
    // A plan that fails a check is not shown or offered: apply refuses it, with a run log. The
    // checks come first: an edited or unsigned plan is refused even when it claims to write nothing.
    let acceptable = apply::check_file(
        repo,
        &plan,
        verify_key.as_ref().map(|(k, _)| k),
        &mut Default::default(),
    )
    .is_ok();
    let n = crate::plan::Summary::of(&plan.items).to_apply();
    if n == 0 && acceptable {
        out.line(format!("nothing to apply ({})", plan.summary.sentence()));
        return Ok(Exit::Ok);
    }
    if acceptable {
        preview(out, &plan, verify_key.as_ref().map(|(_, var)| var.as_str()));
    }
    let items = crate::render::text::count(n, "item", "items");
    if !yes && acceptable {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::usage(format!(
                "{items} would be written to tenant {}; pass --yes to apply without asking",
                plan.target.tenant
            )));
        }
        eprint!("Apply {items} to tenant {}? [y/N] ", plan.target.tenant);
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            out.line("not applied");
            return Ok(Exit::Refused);
        }
    }
    let author = repo.author(config.git_author());
    let settings = ApplySettings {
        secrets,
        author,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        break_lock,
        backup_after: true,
        stop: None,
        verify_key: verify_key.map(|(k, _)| k),
        requested_by: None,
    };
    let report = rt.block_on(apply::apply(
        repo.root().to_path_buf(),
        target,
        plan,
        settings,
    ));
    print(out, &report);
    Ok(report.outcome.into())
}

/// What apply is about to do: the plan's identity and the items it writes.
fn preview(out: &Out, plan: &Plan, verified_with: Option<&str>) {
    out.line(format!(
        "plan {} from commit {} ({}) for tenant {} ({})",
        plan.hash,
        plan.commit,
        crate::store::layout::tenant(&plan.source.tenant),
        plan.target.tenant,
        plan.target.tenant_id
    ));
    if let Some(var) = verified_with {
        out.line(format!("signature verified with the key in {var}"));
    }
    let n = plan.summary.to_apply();
    out.line(format!(
        "{} ({}); every request is checked against the commit before anything is sent:",
        crate::render::text::count(n, "item to write", "items to write"),
        plan.summary.sentence()
    ));
    for item in plan.items.iter().filter(|i| i.action.writes()) {
        out.line(format!(
            "  {} {} \"{}\" — {}",
            item.action.as_str(),
            crate::catalog::label(&item.kind),
            item.name,
            crate::render::text::count(item.requests.len(), "request", "requests")
        ));
    }
}

fn print(out: &Out, r: &ApplyReport) {
    for i in r
        .items
        .iter()
        .filter(|i| i.result != ItemStatus::NotApplied)
    {
        let (mark, word) = match (i.result, i.converged) {
            (ItemStatus::Applied, Some(false)) => (out.paint("33", "!"), "applied, not converged"),
            (ItemStatus::Applied, _) => (out.paint("32", "✓"), "applied"),
            (ItemStatus::Failed, _) => (out.paint("31", "✗"), "failed"),
            (ItemStatus::NotApplied, _) => (" ".into(), "skipped"),
        };
        out.line(format!(
            "{mark} {} {} \"{}\" — {word}",
            i.action.as_str(),
            crate::catalog::label(&i.kind),
            i.name
        ));
        if let Some(m) = &i.message {
            out.line(format!("    {m}"));
        }
    }
    if let Some(m) = &r.message {
        out.line(format!(
            "{}: {m}",
            match r.outcome {
                Outcome::Refused => out.paint("33", "refused"),
                _ => out.paint("31", "error"),
            }
        ));
    }
    let applied = r
        .items
        .iter()
        .filter(|i| i.result == ItemStatus::Applied)
        .count();
    let failed = r
        .items
        .iter()
        .filter(|i| i.result == ItemStatus::Failed)
        .count();
    out.line(format!(
        "{applied} applied, {failed} failed — run {}",
        r.run_id
    ));
    if let Some(p) = &r.run_log {
        out.line(format!("  run log: {p}"));
    }
    if let Some(c) = &r.backup_commit {
        out.line(format!("  backup commit {}", &c[..c.len().min(10)]));
    }
}
