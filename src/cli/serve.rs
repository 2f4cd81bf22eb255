//! `tenant-atlas serve [--listen ADDR]`: the read-only web UI and JSON API over the repository;
//! `serve --new-token NAME` makes a token for `server.tokens`.

use super::{CliError, GlobalArgs, Out, exit};
use crate::config::Config;
use crate::server::{self, ServerError, ServerOptions};
use clap::Args;
use std::net::SocketAddr;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (default `server.listen` from atlas.yaml, else 127.0.0.1:8080; port 0
    /// picks a free port). The first line printed is `listening on http://ADDR`.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Make a new random token named NAME: prints it once, with the line to add to `server.tokens`.
    #[arg(long, value_name = "NAME")]
    pub new_token: Option<String>,
    /// With --new-token: the tenants it may read (`*` for all).
    #[arg(
        long,
        value_name = "T,…",
        value_delimiter = ',',
        requires = "new_token"
    )]
    pub tenants: Vec<String>,
    /// With --new-token: it may also trigger reconcile rounds (`POST /hooks/reconcile/{tenant}`).
    #[arg(long, requires = "new_token")]
    pub trigger: bool,
}

pub fn run(global: &GlobalArgs, out: &Out, args: ServeArgs) -> Result<u8, CliError> {
    if let Some(name) = &args.new_token {
        return new_token(out, name, &args);
    }
    let repo = global.repo_dir();
    let config = Config::load(&global.config_path(&repo))?;
    let listen = match args.listen {
        Some(a) => a,
        None => config
            .server
            .as_ref()
            .and_then(|s| s.listen.parse().ok())
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
    };
    let rt = super::runtime()?;
    rt.block_on(async {
        let handle = server::start(&repo, &config, listen, ServerOptions::default())
            .await
            .map_err(|e| match e {
                ServerError::NoTokens => CliError::usage(e.to_string()).hint(
                    "make one with `tenant-atlas serve --new-token NAME --tenants T` and add the printed line to server.tokens",
                ),
                ServerError::Bind { .. } => CliError::error(e.to_string()),
                ServerError::Store(e) => CliError::from(e),
            })?;
        out.line(format!("listening on http://{}", handle.local_addr()));
        super::signals::StopSignals::new().next().await;
        tracing::info!("stopping");
        handle.shutdown().await;
        Ok(exit::OK)
    })
}

fn new_token(out: &Out, name: &str, args: &ServeArgs) -> Result<u8, CliError> {
    if name.trim().is_empty() {
        return Err(CliError::usage("--new-token needs a name"));
    }
    if args.tenants.is_empty() {
        return Err(CliError::usage(
            "--new-token needs --tenants (a list, or `*` for all)",
        ));
    }
    let token = server::new_token();
    let tenants = args
        .tenants
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    out.line(format!("token (shown once, keep it secret): {token}"));
    out.line("add to atlas.yaml under server.tokens:");
    out.line(format!(
        "  - {{name: {name}, sha256: {}, tenants: [{tenants}], trigger: {}}}",
        server::sha256_hex(&token),
        args.trigger
    ));
    Ok(exit::OK)
}
