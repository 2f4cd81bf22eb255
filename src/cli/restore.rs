//! `tenant-atlas restore`: plan, show the plan, ask (or `--yes`), apply — in one step.

use super::{CliError, Exit, GlobalArgs, Out};
use clap::Args;

#[derive(Args, Debug)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub plan: super::plan::PlanArgs,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// Remove the lock of this run id, held from another host (one whose process is gone from this
    /// host is removed without it; one whose process still runs here is never broken).
    #[arg(long, value_name = "RUN-ID")]
    pub break_lock: Option<String>,
}

pub fn run(global: &GlobalArgs, out: &Out, args: RestoreArgs) -> Result<Exit, CliError> {
    let key = super::plan::signing_key(args.plan.sign_key_env.as_deref())?;
    let mut made = super::plan::make(global, &args.plan)?;
    if let Some(key) = &key {
        crate::plan::sign::sign(&mut made.plan, key);
    }
    super::plan::show(out, &made.plan, args.plan.format);
    super::plan::write_out(out, &made.plan, args.plan.out.as_deref())?;
    if !made.plan.warnings.is_empty() {
        return Ok(Exit::Partial);
    }
    let _guard = made.rt.enter();
    super::apply::execute(
        out,
        &made.repo,
        &made.config,
        made.target,
        made.plan,
        made.secrets,
        args.yes,
        args.break_lock,
        None,
        &made.rt,
    )
}
