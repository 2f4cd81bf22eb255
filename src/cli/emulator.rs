//! `tenant-atlas emulator`: the built-in Microsoft Graph emulator as a server.

use super::{CliError, Exit, Out};
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
    /// Latency added to every write besides --latency-ms (Intune's writes take seconds).
    #[arg(long, default_value_t = 0)]
    pub write_latency_ms: u64,
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
    /// Answer as Graph does in one of its legitimate variations (repeatable, or comma-separated);
    /// `--vary list` prints them all.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub vary: Vec<String>,
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

pub fn run(out: &Out, args: EmulatorArgs) -> Result<Exit, CliError> {
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
    if args.vary.iter().any(|v| v == "list") {
        for v in crate::emulator::VARIATIONS {
            out.line(format!("{:<24} {}", v.name, v.what));
        }
        return Ok(Exit::Ok);
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
    // Tenant folder names for the printed configuration: `demo` for the built-in tenant (as
    // `backup --demo` names it), else the display name folded to a folder name.
    let mut names: Vec<String> = seeds
        .iter()
        .map(|s| crate::normalize::slug::slug(s.display_name()))
        .collect();
    if args.demo || seeds.is_empty() {
        seeds.push(
            TenantSeed::from_files(crate::demo::files())
                .map_err(|e| CliError::error(e.to_string()))?,
        );
        names.push("demo".into());
    }
    let mut config = config_of(&args);
    config
        .vary(&args.vary, args.random_seed)
        .map_err(|e| CliError::usage(format!("--vary: {e}")))?;
    let served: Vec<Served> = seeds
        .iter()
        .zip(&names)
        .map(|(s, name)| Served {
            name: name.clone(),
            display_name: s.display_name().to_string(),
            tenant_id: s.tenant_id().to_string(),
            client: s
                .secret_client()
                .map(|(id, secret)| (id.to_string(), secret.to_string())),
        })
        .collect();
    let rt = super::runtime()?;
    rt.block_on(async {
        let handle = crate::emulator::start(config, seeds, args.listen)
            .await
            .map_err(|e| {
                CliError::error(format!("cannot start the emulator on {}: {e}", args.listen))
            })?;
        for line in banner(&handle.base_url(), &served) {
            out.line(line);
        }
        let _ = tokio::signal::ctrl_c().await;
        if let Some(dir) = &args.dump {
            handle
                .dump(dir)
                .map_err(|e| CliError::error(format!("--dump {}: {e}", dir.display())))?;
            out.line(format!("state written to {}", dir.display()));
        }
        handle.shutdown().await;
        Ok(Exit::Ok)
    })
}

/// A tenant the emulator serves, as the banner shows it.
struct Served {
    /// Tenant folder name for `atlas.yaml`.
    name: String,
    display_name: String,
    tenant_id: String,
    /// (client id, secret) of the seed's first client that signs in with a secret.
    client: Option<(String, String)>,
}

/// What to know to reach the emulator: per tenant its ids, the (test) secret with an `export` line,
/// the token URL, and a tenant entry for `atlas.yaml` pointing at the emulator.
fn banner(base: &str, served: &[Served]) -> Vec<String> {
    let mut lines = vec![
        format!("Graph emulator listening on {base}"),
        format!("  stats: {base}/_emulator/stats"),
    ];
    for t in served {
        let var = format!("{}_SECRET", t.name.to_uppercase().replace('-', "_"));
        lines.push(String::new());
        lines.push(format!("tenant {} ({})", t.name, t.display_name));
        lines.push(format!("  tenant id:  {}", t.tenant_id));
        lines.push(format!(
            "  token URL:  {base}/{}/oauth2/v2.0/token",
            t.tenant_id
        ));
        let Some((client_id, secret)) = &t.client else {
            lines.push(
                "  (no client signs in with a secret: use a certificate from its seed)".into(),
            );
            continue;
        };
        lines.push(format!("  client id:  {client_id}"));
        lines.push(format!(
            "  secret:     {secret}   (a test value of the emulator's seed)"
        ));
        lines.push(String::new());
        lines.push(format!("  export {var}='{secret}'"));
        lines.push(String::new());
        lines.push("  # atlas.yaml, under `tenants:`".into());
        lines.push(format!("  - name: {}", t.name));
        lines.push(format!("    tenantId: {}", t.tenant_id));
        lines.push(format!("    clientId: {client_id}"));
        lines.push(format!("    clientSecretEnv: {var}"));
        lines.push(format!(
            "    endpoints: {{graph: '{base}', login: '{base}'}}"
        ));
    }
    lines.push(String::new());
    lines.push("Ctrl-C stops the emulator.".into());
    lines
}

/// The emulator's knobs as the arguments set them (variations are applied after).
fn config_of(args: &EmulatorArgs) -> EmulatorConfig {
    EmulatorConfig {
        page_size: args.page_size,
        latency: Duration::from_millis(args.latency_ms),
        write_latency: Duration::from_millis(args.write_latency_ms),
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
    }
}
