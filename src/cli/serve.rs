//! `tenant-atlas serve [--listen ADDR]`: the read-only web UI and JSON API over the repository;
//! `serve --new-token NAME` makes a token for `server.tokens`.

use super::{CliError, Exit, GlobalArgs, Out};
use crate::config::Config;
use crate::server::{self, ServerOptions};
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
    /// With --new-token: its roles — `read` (the default), `operate` (start backups, captures and
    /// restore previews; name versions; trigger rounds), `restore` (also apply plans).
    #[arg(
        long,
        value_name = "ROLE,…",
        value_delimiter = ',',
        requires = "new_token"
    )]
    pub roles: Vec<RoleArg>,
    /// Leave the runs people start here to another process that works the tenants (a reconcile
    /// loop, or another `serve`): this one only queues them.
    #[arg(long)]
    pub no_work: bool,
}

/// A token role as `--roles` takes it.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Read,
    Operate,
    Restore,
}

pub fn run(global: &GlobalArgs, out: &Out, args: ServeArgs) -> Result<Exit, CliError> {
    if let Some(name) = &args.new_token {
        return new_token(global, out, name, &args);
    }
    // The repository first: a directory that is not one is told so before its configuration is
    // looked for, as every other command does.
    let repo = crate::store::Repo::open(&global.repo_dir())?;
    let (_, config) = global.load_config(
        repo.root(),
        "serve shows the tenants of atlas.yaml; run `tenant-atlas init` to create one",
    )?;
    let listen = match args.listen {
        Some(a) => a,
        None => config
            .server
            .as_ref()
            .and_then(|s| s.listen.parse().ok())
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
    };
    let config_path = global.config_path(repo.root());
    let mut opts = options(&config, config_path);
    opts.work = !args.no_work;
    let rt = super::runtime()?;
    rt.block_on(async {
        let handle = server::start(repo, &config, listen, opts).await?;
        out.line(format!("listening on http://{}", handle.local_addr()));
        super::signals::StopSignals::new().next().await;
        tracing::info!("stopping");
        handle.shutdown().await;
        Ok(Exit::Ok)
    })
}

/// The server's knobs from `server:` (checked when the configuration loaded); tokens are
/// reloaded from `config_path` when it changes, after `reconcile.debounce`.
fn options(config: &Config, config_path: std::path::PathBuf) -> ServerOptions {
    let mut opts = ServerOptions::default();
    let duration = crate::config::unattended::duration;
    if let Some(s) = &config.server {
        if let Some(t) = s.header_timeout.as_deref().and_then(|t| duration(t).ok()) {
            opts.header_timeout = t;
        }
        if let Some(n) = s.max_connections {
            opts.max_connections = n;
        }
    }
    if let Ok(d) = duration(&config.reconcile.debounce) {
        opts.reload_debounce = d;
    }
    opts.config_file = Some(config_path);
    opts
}

fn new_token(
    global: &GlobalArgs,
    out: &Out,
    name: &str,
    args: &ServeArgs,
) -> Result<Exit, CliError> {
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(CliError::usage(
            "--new-token needs a name (without control characters)",
        ));
    }
    if args.tenants.is_empty() {
        return Err(CliError::usage(
            "--new-token needs --tenants (a list, or `*` for all)",
        ));
    }
    check_tenants(global, &args.tenants)?;
    let token = server::new_token();
    let tenants = args
        .tenants
        .iter()
        .map(|t| yaml_quote(t))
        .collect::<Vec<_>>()
        .join(", ");
    out.line(format!("token (shown once, keep it secret): {token}"));
    out.line("add to atlas.yaml under server.tokens:");
    let roles = if args.roles.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = args
            .roles
            .iter()
            .map(|r| match r {
                RoleArg::Read => "read",
                RoleArg::Operate => "operate",
                RoleArg::Restore => "restore",
            })
            .collect();
        format!(", roles: [{}]", names.join(", "))
    };
    out.line(format!(
        "  - {{name: {}, sha256: {}, tenants: [{tenants}], trigger: {}{roles}}}",
        yaml_quote(name),
        server::sha256_hex(&token),
        args.trigger
    ));
    Ok(Exit::Ok)
}

/// Every tenant of `--tenants` is `*` or configured in atlas.yaml (read only when a name needs it).
fn check_tenants(global: &GlobalArgs, tenants: &[String]) -> Result<(), CliError> {
    let named: Vec<&String> = tenants.iter().filter(|t| t.as_str() != "*").collect();
    if named.is_empty() {
        return Ok(());
    }
    let path = global.config_path(&global.repo_dir());
    let config = Config::load(&path)?;
    let configured: Vec<&str> = config.tenants.iter().map(|t| t.name.as_str()).collect();
    if let Some(unknown) = named.iter().find(|t| !configured.contains(&t.as_str())) {
        let listed = if configured.is_empty() {
            "none".to_string()
        } else {
            configured.join(", ")
        };
        return Err(CliError::usage(format!(
            "--tenants names `{unknown}`, which is not a tenant in {} (configured: {listed})",
            path.display()
        ))
        .hint("name configured tenants, or `*` for all"));
    }
    Ok(())
}

/// A YAML single-quoted scalar: read back as exactly `s` whatever it holds (`: `, `#`, quotes).
fn yaml_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::yaml_quote;

    #[test]
    fn quoted_values_read_back_as_written() {
        for v in [
            "ops", "a: b", "x # y", "it's", "*", "[x]", "{y}", "-z", "true", "é ü",
        ] {
            let line = format!("{{name: {}, n: 1}}", yaml_quote(v));
            let back: serde_yaml::Value = serde_yaml::from_str(&line).unwrap();
            assert_eq!(back["name"].as_str(), Some(v), "{line}");
        }
    }
}
