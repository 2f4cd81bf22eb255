//! `tenant-atlas reconcile`: the unattended loop (see `reconcile`). Maps SIGINT/SIGTERM to the
//! loop's stop token (a second one exits at once, code 130), prints a line per round, and turns
//! the rounds' results into the exit code.

use super::{CliError, Exit, GlobalArgs, Out};
use crate::config::Mode;
use crate::reconcile::{self, Options};
use crate::records::status::Round;
use crate::store::Repo;
use clap::Args;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// One round per tenant, then exit with the worst exit code (for CI schedules).
    #[arg(long)]
    pub once: bool,
    /// Only these tenants of atlas.yaml (default: all).
    #[arg(long, value_name = "T")]
    pub tenant: Vec<String>,
}

pub fn run(global: &GlobalArgs, out: &Out, args: ReconcileArgs) -> Result<Exit, CliError> {
    let repo = Repo::open(&global.repo_dir())?;
    let (config_path, config) = global.load_config(
        repo.root(),
        "reconcile runs the tenants of atlas.yaml; run `tenant-atlas init` to create one",
    )?;
    if config.tenants.is_empty() {
        return Err(
            CliError::usage(format!("{} lists no tenants", config_path.display())).hint(
                "add a tenant under `tenants:` (`tenant-atlas init` writes a commented example)",
            ),
        );
    }
    if let Some(name) = args.tenant.iter().find(|n| config.tenant(n).is_none()) {
        return Err(super::backup::unknown_tenant(&config, name));
    }
    let rt = super::runtime()?;
    let stop = CancellationToken::new();
    let signals = stop.clone();
    rt.spawn(async move {
        let mut listen = super::signals::StopSignals::new();
        listen.next().await;
        tracing::info!("stop signal: finishing the current step of running rounds");
        signals.cancel();
        // A second signal does not wait: an apply's journal makes that as safe as a kill.
        listen.next().await;
        eprintln!("second stop signal: exiting at once");
        std::process::exit(i32::from(Exit::Interrupted.code()));
    });
    let printer = Out::new(out.color);
    let closed = stop.clone();
    let on_round: reconcile::OnRound = Arc::new(move |tenant: &str, mode: Mode, r: &Round| {
        let mode = format!("{mode:?}").to_lowercase();
        let result = format!("{:?}", r.result).to_lowercase();
        let mut line = format!(
            "{tenant} {mode} {result} (trigger {}) run {}",
            r.trigger, r.run_id
        );
        if let Some(m) = &r.message {
            line.push_str(&format!(": {}", m.replace('\n', " ")));
        }
        // Nobody reads any more (`reconcile | head -1`): stop as on a stop signal.
        printer.line(line);
        if printer.closed() {
            closed.cancel();
        }
    });
    let opts = Options {
        once: args.once,
        tenants: args.tenant,
        stop: stop.clone(),
    };
    let summary = rt.block_on(reconcile::run(
        repo.root().to_path_buf(),
        config,
        config_path,
        opts,
        on_round,
    ))?;
    let codes = summary.last.values().map(|r| {
        // A stopped loop exits 0 unless a tenant's last round failed: drift and refusals are
        // what a service reports, not how it ends.
        if args.once || r.is_failure() {
            Exit::from(*r)
        } else {
            Exit::Ok
        }
    });
    Ok(Exit::worst(codes))
}
