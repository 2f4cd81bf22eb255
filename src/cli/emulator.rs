//! `tenant-atlas emulator`: the built-in Microsoft Graph emulator as a server.

use super::{CliError, Out};
use crate::emulator::{EmulatorConfig, ListOrder, TenantSeed, Throttle};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct EmulatorArgs {
    /// Seed directory (tenant.json + <version>/<collection>/*.json); repeat for several tenants.
    #[arg(long, value_name = "DIR")]
    pub seed: Vec<PathBuf>,
    /// Serve the built-in demo tenant (the default when no seed is given).
    #[arg(long)]
    pub demo: bool,
    /// Serve a generated tenant of N policy objects.
    #[arg(long, value_name = "N")]
    pub generate: Option<usize>,
    /// Seed of the generator and of fault injection.
    #[arg(long, default_value_t = 1)]
    pub random_seed: u64,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:18080")]
    pub listen: std::net::SocketAddr,
    /// Page size of every collection (default: Graph's, 25 for settings catalog).
    #[arg(long)]
    pub page_size: Option<usize>,
    /// Latency added to every Graph request.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Throttling: Intune's published limits as sliding 20 s windows, or none.
    #[arg(long, value_enum, default_value_t = ThrottleArg::Off)]
    pub throttle: ThrottleArg,
    /// Fraction of Graph reads answered with 503, 504 or a connection reset.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Fraction of successful creates whose object is kept but whose response is dropped
    /// (connection reset), as when a connection breaks after the server committed.
    #[arg(long, default_value_t = 0.0)]
    pub drop_create_rate: f64,
    /// Order of list results.
    #[arg(long, value_enum, default_value_t = OrderArg::AsStored)]
    pub order: OrderArg,
    /// On exit (Ctrl-C), write the tenants' state in seed format here.
    #[arg(long, value_name = "DIR")]
    pub dump: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum ThrottleArg {
    Intune,
    Off,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum OrderArg {
    AsStored,
    Reverse,
    Shuffle,
}

pub fn run(out: &Out, args: EmulatorArgs) -> Result<u8, CliError> {
    if !args.listen.ip().is_loopback() {
        return Err(CliError::usage(format!(
            "--listen {}: the emulator serves tokens and tenant data and listens on loopback only",
            args.listen
        )));
    }
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(CliError::usage("--fault-rate must be between 0 and 1"));
    }
    if !(0.0..=1.0).contains(&args.drop_create_rate) {
        return Err(CliError::usage(
            "--drop-create-rate must be between 0 and 1",
        ));
    }
    let mut seeds = vec![];
    for dir in &args.seed {
        seeds.push(
            TenantSeed::load_dir(dir)
                .map_err(|e| CliError::usage(format!("--seed {}: {e}", dir.display())))?,
        );
    }
    if let Some(n) = args.generate {
        seeds.push(TenantSeed::generate(n, args.random_seed));
    }
    if args.demo || seeds.is_empty() {
        seeds.push(
            TenantSeed::from_files(crate::demo::files())
                .map_err(|e| CliError::error(e.to_string()))?,
        );
    }
    let config = EmulatorConfig {
        page_size: args.page_size,
        latency: Duration::from_millis(args.latency_ms),
        throttle: match args.throttle {
            ThrottleArg::Intune => Throttle::Intune {
                window: Duration::from_secs(20),
                scale: 1.0,
            },
            ThrottleArg::Off => Throttle::Off,
        },
        fault_rate: args.fault_rate,
        fault_seed: args.random_seed,
        drop_create_rate: args.drop_create_rate,
        order: match args.order {
            OrderArg::AsStored => ListOrder::AsStored,
            OrderArg::Reverse => ListOrder::Reverse,
            OrderArg::Shuffle => ListOrder::Shuffle(args.random_seed),
        },
        ..EmulatorConfig::default()
    };
    let ids: Vec<String> = seeds.iter().map(|s| s.tenant_id().to_string()).collect();
    let rt = super::runtime()?;
    rt.block_on(async {
        let handle = crate::emulator::start(config, seeds, args.listen)
            .await
            .map_err(|e| {
                CliError::error(format!("cannot start the emulator on {}: {e}", args.listen))
            })?;
        out.line(format!("Graph emulator listening on {}", handle.base_url()));
        for id in &ids {
            out.line(format!("  tenant {id}"));
        }
        out.line(format!("  stats: {}/_emulator/stats", handle.base_url()));
        let _ = tokio::signal::ctrl_c().await;
        if let Some(dir) = &args.dump {
            handle
                .dump(dir)
                .map_err(|e| CliError::error(format!("--dump {}: {e}", dir.display())))?;
            out.line(format!("state written to {}", dir.display()));
        }
        handle.shutdown().await;
        Ok(super::exit::OK)
    })
}
