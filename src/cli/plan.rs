//! `tenant-atlas plan`: the restore preview — what restoring a commit into a tenant would create,
//! update or leave alone, and what is blocked and why. Reads Graph only.

use super::{CliError, Exit, GlobalArgs, Out};
use crate::config::Config;
use crate::plan::{self, Plan, build, resolve::Mappings};
use crate::render::{Format, text::Paint};
use crate::store::Repo;
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The tenant folder whose configuration is restored (and the target, unless --to-tenant);
    /// default `ATLAS_TENANT`, else `defaultTenant` of atlas.yaml, else its only tenant.
    #[arg(long, value_name = "T", env = crate::env::TENANT)]
    pub tenant: Option<String>,
    /// The commit holding the desired state.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub from: String,
    /// Restore into this tenant of atlas.yaml instead (cross-tenant: references are matched by name).
    #[arg(long, value_name = "T2")]
    pub to_tenant: Option<String>,
    /// Only objects whose `<type>/<name>` or `<type>/<file stem>` matches.
    #[arg(long, value_name = "GLOB")]
    pub only: Vec<String>,
    /// Only these catalog types.
    #[arg(long = "type", value_name = "KEY")]
    pub types: Vec<String>,
    /// Explicit reference mappings: `groups: {"Source name or id": "<target id>"}` (keys as in `_refs/`).
    #[arg(long, value_name = "FILE")]
    pub mappings: Option<PathBuf>,
    /// Secret values for documents that need them: `<document path>: {<secret path>: value}`.
    #[arg(long, value_name = "FILE")]
    pub secrets: Option<PathBuf>,
    /// Also create the scope tags, filters and notification templates planned objects refer to and
    /// the target lacks, even when --type/--only leave them out (never groups).
    #[arg(long)]
    pub create_missing: bool,
    /// Write the plan (JSON) to this file, for `apply`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Sign the plan with the key in this environment variable (HMAC-SHA256), so that
    /// `apply --verify-key-env` can prove it is this plan, inputs included.
    #[arg(long, value_name = "VAR")]
    pub sign_key_env: Option<String>,
    /// Plan against the built-in demo tenant (embedded Graph emulator) as the target.
    #[arg(long, conflicts_with = "to_tenant")]
    pub demo: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Secret values by document path, then secret path. Only their presence is used by `plan`.
pub fn load_secrets(
    path: Option<&PathBuf>,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, CliError> {
    let Some(path) = path else {
        return Ok(BTreeMap::new());
    };
    let text = fs_err::read_to_string(path).map_err(|e| CliError::usage(e.to_string()))?;
    crate::normalize::yaml::from_str(&text, &path.display().to_string())
        .map_err(|e| CliError::usage(e.to_string()))
}

pub fn run(global: &GlobalArgs, out: &Out, args: PlanArgs) -> Result<Exit, CliError> {
    // A missing key fails before Graph is read.
    let key = signing_key(args.sign_key_env.as_deref())?;
    let mut made = make(global, &args)?;
    if let Some(key) = &key {
        plan::sign::sign(&mut made.plan, key);
    }
    let plan = &made.plan;
    show(out, plan, args.format);
    write_out(out, plan, args.out.as_deref())?;
    Ok(code(plan))
}

/// The key in environment variable `var`, when one is named.
pub fn signing_key(var: Option<&str>) -> Result<Option<plan::sign::Key>, CliError> {
    var.map(|v| plan::sign::Key::from_env(v).map_err(|e| CliError::usage(e.to_string())))
        .transpose()
}

/// Writes the plan file (`--out`) and says where it went and what to run next.
pub fn write_out(out: &Out, plan: &Plan, path: Option<&std::path::Path>) -> Result<(), CliError> {
    let Some(path) = path else { return Ok(()) };
    let json = serde_json::to_string_pretty(plan).unwrap_or_default() + "\n";
    fs_err::write(path, json)?;
    let signed = if plan.signature.is_some() {
        ", signed"
    } else {
        ""
    };
    out.note(format!(
        "plan written to {} ({}{signed}); apply it with: tenant-atlas apply {}",
        path.display(),
        plan.hash,
        path.display()
    ));
    Ok(())
}

/// Shows a plan in the chosen format.
pub fn show(out: &Out, plan: &Plan, format: Format) {
    match format {
        Format::Json => out.line(serde_json::to_string_pretty(plan).unwrap_or_default()),
        Format::Markdown => out.line(plan::view::markdown(plan).trim_end()),
        Format::Text => out.line(plan::view::text(plan, Paint(out.color)).trim_end()),
    }
    for w in &plan.warnings {
        tracing::warn!("{w}");
    }
}

/// Partial when documents could not be read, else Changes when there is something to apply.
pub fn code(plan: &Plan) -> Exit {
    Exit::findings(!plan.warnings.is_empty(), plan.summary.to_apply() > 0)
}

/// A plan and everything needed to apply it in the same process.
pub struct Made {
    pub plan: Plan,
    pub repo: Repo,
    pub config: Config,
    pub target: crate::backup::TenantTarget,
    pub secrets: crate::apply::Secrets,
    pub rt: tokio::runtime::Runtime,
}

/// Builds the plan the arguments describe.
pub fn make(global: &GlobalArgs, args: &PlanArgs) -> Result<Made, CliError> {
    let repo = Repo::open(&global.repo_dir())?;
    super::views::rev_label(&repo, &args.from)?;
    let types = super::backup::selected_types(&args.types)?;
    let only = super::backup::only_globs(&args.only)?;
    let mappings = match &args.mappings {
        Some(p) => {
            let text = fs_err::read_to_string(p).map_err(|e| CliError::usage(e.to_string()))?;
            Mappings::from_yaml(&text, &p.display().to_string())
                .map_err(|e| CliError::usage(e.to_string()))?
        }
        None => Mappings::default(),
    };
    let secrets = load_secrets(args.secrets.as_ref())?;
    let rt = super::runtime()?;
    let guard = rt.enter();
    let (target, config, tenant) = if args.demo {
        (
            super::backup::demo_targets(&types)?.remove(0),
            Config::default(),
            args.tenant.clone().unwrap_or_else(|| "demo".into()),
        )
    } else {
        let (config_path, config) = global.load_config(
            repo.root(),
            "plan reads the target tenant from atlas.yaml; try `plan --demo` for the demo tenant",
        )?;
        let tenant = match &args.tenant {
            Some(t) => t.clone(),
            None => config.the_tenant().map_err(CliError::usage)?,
        };
        let name = args.to_tenant.clone().unwrap_or_else(|| tenant.clone());
        let (mut targets, unusable) = super::backup::config_targets(
            &config,
            std::slice::from_ref(&name),
            &types,
            &config_path,
            "plan",
        )?;
        if targets.is_empty() {
            return Err(CliError::usage(unusable.join("\n")));
        }
        (targets.remove(0), config, tenant)
    };
    let scrub = crate::apply::scrub_of(&secrets);
    let secret_supplied =
        |doc: &str, path: &str| crate::apply::secret_value(&secrets, doc, path).is_some();
    let opts = build::Options {
        rev: &args.from,
        source_tenant: &tenant,
        only: only.as_ref(),
        only_patterns: args.only.clone(),
        type_keys: args.types.clone(),
        mappings: &mappings,
        secret_supplied: &secret_supplied,
        scrub: &scrub,
        create_missing: args.create_missing,
    };
    let plan = rt.block_on(build::build(&repo, &opts, &target))?;
    drop(guard);
    Ok(Made {
        plan,
        repo,
        config,
        target,
        secrets,
        rt,
    })
}
