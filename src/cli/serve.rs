//! `tenant-atlas serve [--listen ADDR]`: the read-only web UI and JSON API over the repository;
//! `serve --new-token NAME` makes a token for `server.tokens`; `serve --demo [DIR]` serves the
//! built-in demo tenant, backed up into DIR, with a one-time login link.

use super::{CliError, Exit, GlobalArgs, Out};
use crate::config::{Config, Mode, TenantConfig, TokenRole};
use crate::server::{self, ServerOptions};
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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
    /// Serve the built-in demo tenant from DIR (default ./atlas-demo): backs it up there as
    /// `backup --demo DIR` does (creating the repository, or reusing it), keeps its embedded
    /// emulator running, checks its drift, and prints a one-time login link — no token to
    /// configure. The second line printed is the link.
    #[arg(
        long,
        value_name = "DIR",
        num_args = 0..=1,
        default_missing_value = "./atlas-demo",
        conflicts_with = "new_token"
    )]
    pub demo: Option<PathBuf>,
    /// With --demo: first make a few scripted portal-style edits to the demo tenant (a policy
    /// renamed, a setting changed, an assignment removed, a policy added, one deleted), so the
    /// drift check finds them.
    #[arg(long, requires = "demo")]
    pub demo_drift: bool,
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
    if let Some(dir) = &args.demo {
        return demo(global, out, dir, &args);
    }
    // The repository first: a directory that is not one is told so before its configuration is
    // looked for, as every other command does.
    let repo = crate::store::Repo::open(&global.repo_dir())?;
    let (_, config) = global.load_config(
        repo.root(),
        "serve shows the tenants of atlas.yaml; run `tenant-atlas init` to create one",
    )?;
    let listen = listen_addr(args.listen, &config);
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

/// `--listen`, else `server.listen`, else 127.0.0.1:8080.
fn listen_addr(listen: Option<SocketAddr>, config: &Config) -> SocketAddr {
    listen.unwrap_or_else(|| {
        config
            .server
            .as_ref()
            .and_then(|s| s.listen.parse().ok())
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)))
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

/// How long the one-time login link of `serve --demo` works (once).
const LOGIN_LINK_VALID: Duration = Duration::from_secs(15 * 60);

/// `serve --demo [DIR]`: the demo tenant backed up into DIR (as `backup --demo DIR` does; a
/// repository made before is reused, and its backup makes no commit unless the embedded tenant
/// changed), optionally drifted by scripted portal edits, checked for drift as a `report` round of
/// the reconcile loop would (so the drift page shows it), then served with a token that exists
/// only in this process and a one-time link that logs a browser in with it. `atlas.yaml` is left
/// as `backup --demo` writes it: no token, no hash of one.
fn demo(global: &GlobalArgs, out: &Out, dir: &Path, args: &ServeArgs) -> Result<Exit, CliError> {
    let demo = TenantConfig::demo();
    demo_dir_usable(dir, &demo.name)?;
    let rt = super::runtime()?;
    let _guard = rt.enter();
    let stop = tokio_util::sync::CancellationToken::new();
    super::signals::cancel_on_signal(stop.clone());
    let backup_args = super::backup::BackupArgs {
        dir: Some(dir.to_path_buf()),
        demo: true,
        ..Default::default()
    };
    let backed = super::backup::back_up(global, &rt, &backup_args, stop.clone())?;
    let backed_up = demo_backup_line(dir, &backed.outcomes)?;
    let edits = if args.demo_drift {
        crate::demo::drift::apply().map_err(CliError::error)?
    } else {
        vec![]
    };
    let repo = backed.repo;
    let config_path = repo.root().join(crate::store::layout::CONFIG);
    let config = Config::load(&config_path)?;
    if config.tenant(&demo.name).is_none_or(|t| !t.demo) {
        return Err(not_a_demo_dir(dir));
    }
    rt.block_on(crate::reconcile::run(
        repo.root().to_path_buf(),
        drift_check_config(&config, &demo.name),
        config_path.clone(),
        crate::reconcile::Options {
            once: true,
            tenants: vec![demo.name.clone()],
            stop: stop.clone(),
        },
        Arc::new(|_: &str, _: Mode, _: &crate::records::status::Round| {}),
    ))?;
    if stop.is_cancelled() {
        out.note("interrupted before the server started");
        return Ok(Exit::Interrupted);
    }
    let drift = crate::records::status::read(&repo, &demo.name)?.and_then(|s| s.drift);
    let (session, code) = server::Session::new(
        &demo.name,
        vec![demo.name.clone()],
        TokenRole::Restore,
        LOGIN_LINK_VALID,
    );
    let mut opts = options(&config, config_path);
    opts.session = Some(Arc::new(session));
    let listen = listen_addr(args.listen, &config);
    rt.block_on(async {
        let handle = server::start(repo, &config, listen, opts).await?;
        let addr = handle.local_addr();
        out.line(format!("listening on http://{addr}"));
        out.line(format!(
            "log in (the link works once, within {} minutes): http://{}/login/once?code={code}",
            LOGIN_LINK_VALID.as_secs() / 60,
            browsable(addr)
        ));
        demo_summary(out, dir, &backed_up, &edits, drift.as_ref());
        stop.cancelled().await;
        tracing::info!("stopping");
        handle.shutdown().await;
        Ok(Exit::Ok)
    })
}

/// `serve --demo` works in a repository of its own: DIR may be missing, empty, made by `init`
/// (whose example atlas.yaml the demo's replaces) or by `backup --demo`; a repository whose
/// atlas.yaml has other tenants and no demo tenant is refused before anything is written to it.
fn demo_dir_usable(dir: &Path, demo: &str) -> Result<(), CliError> {
    let path = dir.join(crate::store::layout::CONFIG);
    let Ok(text) = fs_err::read_to_string(&path) else {
        return Ok(());
    };
    if text == crate::config::EXAMPLE {
        return Ok(());
    }
    let config = Config::load(&path)?;
    if config.tenant(demo).is_some_and(|t| t.demo) {
        return Ok(());
    }
    Err(not_a_demo_dir(dir))
}

fn not_a_demo_dir(dir: &Path) -> CliError {
    CliError::usage(format!(
        "{} has an atlas.yaml without the demo tenant (`demo: true`): serve --demo backs the demo tenant up into a directory of its own",
        dir.display()
    ))
    .hint("name another directory (`tenant-atlas serve --demo ./atlas-demo`), or serve this repository with `tenant-atlas serve --repo DIR` and a token of server.tokens")
}

/// What the demo's backup did, in one line; an error when it did not back the tenant up.
fn demo_backup_line(
    dir: &Path,
    outcomes: &[crate::backup::TenantOutcome],
) -> Result<String, CliError> {
    use crate::backup::runlog::Outcome;
    let o = outcomes
        .first()
        .ok_or_else(|| CliError::error("the demo backup ran no tenant"))?;
    if o.interrupted {
        return Err(CliError::new(
            Exit::Interrupted,
            "interrupted: the demo backup stopped, nothing of it committed",
        ));
    }
    let objects: usize = o.counts.values().map(|c| c.objects).sum();
    let size = format!(
        "{}, {}",
        crate::render::text::count(objects, "object", "objects"),
        crate::render::text::count(o.counts.len(), "type", "types")
    );
    let commit = o.commit.as_deref().map(|c| &c[..c.len().min(10)]);
    let dir = dir.display();
    match (o.outcome, commit) {
        (Outcome::Success, Some(c)) => Ok(format!(
            "demo tenant: backed up into {dir} ({size}), commit {c}"
        )),
        (Outcome::NoChange, _) | (Outcome::Success, None) => Ok(format!(
            "demo tenant: {dir} reused, no change since its last backup ({size})"
        )),
        _ => {
            let why = o.locked.as_deref().or(o.error.as_deref());
            Err(CliError::error(format!(
                "the demo tenant could not be backed up into {dir}: {}",
                why.unwrap_or("see the run log")
            )))
        }
    }
}

/// The configuration of the drift check at start: the demo tenant alone, in `report` mode
/// (compared with HEAD; nothing written to Graph or git), notifying nobody.
fn drift_check_config(config: &Config, demo: &str) -> Config {
    let mut c = config.clone();
    c.tenants.retain(|t| t.name == demo);
    for t in &mut c.tenants {
        t.mode = Mode::Report;
        t.desired = None;
    }
    c.notifications.clear();
    c
}

/// A loopback address for the link when the server listens on every address.
fn browsable(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    }
}

/// The lines after the login link: the repository, the edits made, the drift found, what to
/// look at and how to stop.
fn demo_summary(
    out: &Out,
    dir: &Path,
    backed_up: &str,
    edits: &[String],
    drift: Option<&crate::records::status::Drift>,
) {
    out.line(backed_up);
    if !edits.is_empty() {
        out.line("portal-style edits made to the demo tenant (--demo-drift):");
        for e in edits {
            out.line(format!("  {e}"));
        }
    }
    match drift.map(|d| d.objects.as_slice()) {
        Some([]) => out
            .line("drift: none, the demo tenant matches its last backup (--demo-drift makes some)"),
        Some(objects) => {
            out.line(format!(
                "drift: {} differ from the last backup (/tenants/demo/drift):",
                crate::render::text::count(objects.len(), "object", "objects")
            ));
            for o in objects {
                out.line(format!("  {} {} “{}”", o.change, o.kind, o.name));
            }
        }
        None => out.line("drift: not checked (see the log)"),
    }
    out.line("open the link to browse the demo tenant: its policies with history and diffs, the inventory, runs and drift");
    out.line(format!(
        "Ctrl-C stops the server; the repository stays in {} for every other command (--repo)",
        dir.display()
    ));
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
