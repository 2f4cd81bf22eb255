//! `tenant-atlas check`: is each tenant set up correctly for the tool? Prints what the onboarding
//! check found and what to do; keeps it for `serve`.

use super::{CliError, Exit, GlobalArgs, Out, OutputFormat};
use crate::onboard::{self, Access, CheckOptions, CredentialState, TenantCheck};
use crate::store::Repo;
use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Only these tenants (repeatable); default every configured tenant.
    #[arg(long, value_name = "T")]
    pub tenant: Vec<String>,
    /// Also check the write permissions a restore needs (read from the token, never by writing);
    /// always checked for `mode: enforce`.
    #[arg(long)]
    pub write: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

pub fn run(global: &GlobalArgs, out: &Out, args: CheckArgs) -> Result<Exit, CliError> {
    let dir = global.read_repo_dir();
    let repo = Repo::open(&dir).ok();
    let root = repo
        .as_ref()
        .map_or(dir.clone(), |r| r.root().to_path_buf());
    let (config_path, config) = global.load_config(
        &root,
        "run `tenant-atlas init` to create one, or pass --config FILE",
    )?;
    for t in &args.tenant {
        if config.tenant(t).is_none() {
            return Err(CliError::usage(format!(
                "no tenant `{t}` in {}",
                config_path.display()
            )));
        }
    }
    let chosen: Vec<&crate::config::TenantConfig> = config
        .tenants
        .iter()
        .filter(|t| args.tenant.is_empty() || args.tenant.contains(&t.name))
        .collect();
    if chosen.is_empty() {
        return Err(CliError::usage(format!(
            "{} has no tenant to check",
            config_path.display()
        )));
    }
    let opts = CheckOptions {
        write: args.write,
        now: crate::clock::now(),
    };
    let rt = super::runtime()?;
    let checks: Vec<TenantCheck> = rt.block_on(async {
        let mut checks = vec![];
        for t in chosen {
            checks
                .push(onboard::check_tenant(repo.as_ref(), &config, &config_path, t, &opts).await);
        }
        checks
    });
    if let Some(repo) = &repo {
        for c in &checks {
            if let Err(e) = onboard::record(repo, c) {
                tracing::warn!("could not keep the check of {}: {e}", c.tenant);
            }
        }
    }
    match args.format {
        OutputFormat::Json => out.line(serde_json::to_string_pretty(&checks).unwrap_or_default()),
        OutputFormat::Text => {
            for (i, c) in checks.iter().enumerate() {
                if i > 0 {
                    out.line("");
                }
                text(out, c);
            }
        }
    }
    Ok(if checks.iter().all(|c| c.ready) {
        Exit::Ok
    } else {
        Exit::Partial
    })
}

/// One tenant's check as people read it.
fn text(out: &Out, c: &TenantCheck) {
    let writes = if c.write_checked {
        ", writes checked"
    } else {
        ""
    };
    out.line(format!("{} ({} mode{writes})", c.tenant, c.mode));
    let row = |label: &str, text: String| out.line(format!("  {label:<12} {text}"));
    row(
        "sign-in",
        if c.sign_in.ok {
            match c.sign_in.clock_skew_seconds {
                Some(s) if s.abs() > 60 => format!(
                    "ok; this clock is {} s {} the token endpoint's",
                    s.abs(),
                    if s > 0 { "behind" } else { "ahead of" }
                ),
                Some(_) => "ok; the clock is in step with the token endpoint".into(),
                None => "ok".into(),
            }
        } else {
            format!("FAILED: {}", c.sign_in.detail)
        },
    );
    row("credential", credential_line(&c.credential));
    row("repository", repository_line(&c.repository));
    if c.sign_in.ok {
        let readable = c.types.iter().filter(|t| t.read.granted()).count();
        let mut summary = format!("{readable} of {} readable", c.types.len());
        if c.write_checked {
            let writes: Vec<&Access> = c.types.iter().filter_map(|t| t.write.as_ref()).collect();
            let writable = writes.iter().filter(|a| a.granted()).count();
            summary.push_str(&format!(", {writable} of {} writable", writes.len()));
        }
        row("types", summary);
    }
    for m in &c.missing {
        row(
            "missing",
            format!(
                "{} ({}) blocks {}",
                m.permission,
                m.access,
                m.blocks.join(", ")
            ),
        );
    }
    for t in &c.types {
        if let Access::Failed { message, .. } = &t.read {
            row("failed", format!("{}: {message}", t.key));
        }
    }
    out.line(format!(
        "  {:<12} {}",
        "ready",
        if c.ready { "yes" } else { "no" }
    ));
    for (i, a) in c.advice.iter().enumerate() {
        if i == 0 {
            out.line("  to do:");
        }
        out.line(format!("  {}. {a}", i + 1));
    }
}

fn credential_line(cred: &onboard::CredentialCheck) -> String {
    let day = |e: &String| e[..10.min(e.len())].to_string();
    match (cred.state, &cred.expires, cred.days_left) {
        (CredentialState::Unknown, _, _) => {
            format!("{}: expiry unknown ({})", cred.kind, cred.detail)
        }
        (CredentialState::Expired, Some(e), _) => {
            format!("EXPIRED: {} ended {}", cred.detail, day(e))
        }
        (state, Some(e), Some(d)) => format!(
            "{} ends {} ({d} days){}",
            cred.detail,
            day(e),
            if state == CredentialState::Expiring {
                ": renew it soon"
            } else {
                ""
            }
        ),
        _ => cred.detail.clone(),
    }
}

fn repository_line(repo: &onboard::RepositoryCheck) -> String {
    let remote = match &repo.remote {
        Some(r) if r.reachable => format!("; remote {}: reachable", r.name),
        Some(r) if !r.configured && !r.needed => format!("; no remote {} (push is off)", r.name),
        Some(r) if r.needed => format!("; remote {}: UNREACHABLE: {}", r.name, r.detail),
        Some(r) => format!(
            "; remote {}: not reachable (push is off): {}",
            r.name, r.detail
        ),
        None => String::new(),
    };
    if repo.writable {
        format!("writable{remote}")
    } else {
        format!("NOT WRITABLE: {}{remote}", repo.detail)
    }
}
