//! `tenants add` and `tenants discover`: growing a fleet in `atlas.yaml` without retyping what
//! `defaults:` already says (docs/ARCHITECTURE.md, "Fleets").

use super::{CliError, Exit, GlobalArgs, Out, OutputFormat};
use crate::config::Config;
use crate::config::edit::{NewTenant, append_tenant};
use clap::Args;
use serde::Serialize;
use std::path::Path;

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The tenant's folder name below `tenants/` (a-z, 0-9, -).
    pub name: String,
    /// The Entra tenant id (GUID).
    #[arg(long, value_name = "GUID")]
    pub tenant_id: String,
    /// The app registration's client id; default `defaults.clientId`.
    #[arg(long, value_name = "GUID")]
    pub client_id: Option<String>,
    /// The environment variable holding the client secret; default the credential of `defaults`.
    #[arg(long, value_name = "VAR")]
    pub client_secret_env: Option<String>,
}

#[derive(Args, Debug)]
pub struct DiscoverArgs {
    /// The partner's own tenant to ask; default `defaults.partnerTenantId`.
    #[arg(long, value_name = "GUID")]
    pub partner_tenant_id: Option<String>,
    /// Add this customer (by suggested name, tenant id or display name; repeatable).
    #[arg(long, value_name = "CUSTOMER")]
    pub add: Vec<String>,
    /// Add every customer not configured yet.
    #[arg(long, conflicts_with = "add")]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// The configuration file's path and text.
fn config_text(global: &GlobalArgs) -> Result<(std::path::PathBuf, String), CliError> {
    let dir = global.read_repo_dir();
    let root = crate::store::Repo::open(&dir).map_or(dir, |r| r.root().to_path_buf());
    let (path, _) = global.load_config(
        &root,
        "run `tenant-atlas init` to create one, or pass --config FILE",
    )?;
    let text = fs_err::read_to_string(&path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    Ok((path, text))
}

/// Writes the edited configuration atomically (fsynced, as the store writes files).
fn write_config(path: &Path, text: &str) -> Result<(), CliError> {
    crate::store::write_atomic(path, text.as_bytes())
        .map_err(|e| CliError::error(format!("cannot write {}: {e}", path.display())))
}

pub fn add(global: &GlobalArgs, out: &Out, args: AddArgs) -> Result<Exit, CliError> {
    let (path, text) = config_text(global)?;
    let new = NewTenant {
        name: args.name.clone(),
        tenant_id: args.tenant_id.clone(),
        client_id: args.client_id,
        client_secret_env: args.client_secret_env,
    };
    let edited = append_tenant(&text, &path.display().to_string(), &new)
        .map_err(|e| CliError::usage(format!("not added: {e}")))?;
    write_config(&path, &edited)?;
    out.line(format!("added tenant {} to {}", args.name, path.display()));
    out.note(format!(
        "next: `tenant-atlas check --tenant {}`, then `tenant-atlas backup --tenant {}`",
        args.name, args.name
    ));
    Ok(Exit::Ok)
}

/// A customer tenant the partner reaches.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Customer {
    tenant_id: String,
    display_name: String,
    /// The configured tenant with this id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    configured_as: Option<String>,
    /// The folder name it gets when added.
    #[serde(skip_serializing_if = "Option::is_none")]
    suggested_name: Option<String>,
    /// Added by this run.
    added: bool,
    /// Where an administrator of the customer consents to the app once.
    #[serde(skip_serializing_if = "Option::is_none")]
    consent_url: Option<String>,
}

pub fn discover(global: &GlobalArgs, out: &Out, args: DiscoverArgs) -> Result<Exit, CliError> {
    let (path, text) = config_text(global)?;
    let file = path.display().to_string();
    let config = Config::parse(&text, &file)?;
    let defaults = config.defaults.clone().unwrap_or_default();
    let partner = args
        .partner_tenant_id
        .clone()
        .or_else(|| defaults.partner_tenant_id.clone())
        .ok_or_else(|| {
            CliError::usage("name the partner's own tenant: --partner-tenant-id, or defaults.partnerTenantId in atlas.yaml")
        })?;
    if defaults.client_id.is_none() {
        return Err(CliError::usage(
            "discover signs in with the app of `defaults:`; set defaults.clientId and its credential",
        ));
    }
    let partner_tenant = defaults.tenant("partner", &partner);
    let client = crate::graph::client_config(&partner_tenant, &path)
        .map_err(CliError::from)
        .and_then(|c| {
            crate::graph::GraphClient::new(c).map_err(|e| CliError::error(e.to_string()))
        })?;
    let rt = super::runtime()?;
    let listed = rt
        .block_on(client.list("/v1.0/tenantRelationships/delegatedAdminCustomers"))
        .map_err(|e| {
            let mut err = CliError::error(format!("partner tenant {partner}: {e}"));
            if e.status() == Some(403) {
                err = err.hint("the app needs the application permission DelegatedAdminRelationship.Read.All in the partner tenant, with admin consent");
            }
            err
        })?;
    let mut customers = customers(&config, &listed);
    let wanted = |c: &Customer| {
        args.all
            || args.add.iter().any(|a| {
                a.eq_ignore_ascii_case(&c.tenant_id)
                    || a.eq_ignore_ascii_case(&c.display_name)
                    || c.suggested_name.as_deref() == Some(a.as_str())
            })
    };
    for a in &args.add {
        let known = customers.iter().any(|c| {
            a.eq_ignore_ascii_case(&c.tenant_id)
                || a.eq_ignore_ascii_case(&c.display_name)
                || c.suggested_name.as_deref() == Some(a.as_str())
                || c.configured_as.as_deref() == Some(a.as_str())
        });
        if !known {
            return Err(CliError::usage(format!(
                "`{a}` is none of the partner's customers (see `tenant-atlas tenants discover`)"
            )));
        }
    }
    let mut edited = text.clone();
    let login = partner_tenant.cloud.login_host();
    for c in customers.iter_mut().filter(|c| c.configured_as.is_none()) {
        if !wanted(c) {
            continue;
        }
        let Some(name) = c.suggested_name.clone() else {
            continue;
        };
        let new = NewTenant {
            name: name.clone(),
            tenant_id: c.tenant_id.clone(),
            client_id: None,
            client_secret_env: None,
        };
        edited = append_tenant(&edited, &file, &new)
            .map_err(|e| CliError::usage(format!("{} not added: {e}", c.display_name)))?;
        c.added = true;
        c.configured_as = Some(name);
        c.consent_url = Some(format!(
            "https://{login}/{}/adminconsent?client_id={}",
            c.tenant_id,
            defaults.client_id.as_deref().unwrap_or_default()
        ));
    }
    if edited != text {
        write_config(&path, &edited)?;
    }
    match args.format {
        OutputFormat::Json => {
            out.line(serde_json::to_string_pretty(&customers).unwrap_or_default())
        }
        OutputFormat::Text => discover_text(out, &customers, &file),
    }
    Ok(Exit::Ok)
}

/// The listed customers, sorted by display name, each with its configured or suggested name.
fn customers(config: &Config, listed: &[serde_json::Value]) -> Vec<Customer> {
    let mut taken: Vec<String> = config.tenants.iter().map(|t| t.name.clone()).collect();
    let mut sorted: Vec<(&str, &str)> = listed
        .iter()
        .filter_map(|c| {
            let id = c["tenantId"].as_str().or_else(|| c["id"].as_str())?;
            Some((id, c["displayName"].as_str().unwrap_or_default()))
        })
        .collect();
    sorted.sort_by_key(|(id, name)| (name.to_lowercase(), id.to_string()));
    sorted
        .into_iter()
        .map(|(id, name)| {
            let configured_as = config
                .tenants
                .iter()
                .find(|t| t.tenant_id.eq_ignore_ascii_case(id))
                .map(|t| t.name.clone());
            let suggested_name = configured_as.is_none().then(|| {
                let base = crate::normalize::slug::slug(name);
                let mut candidate = base.clone();
                let mut n = 2;
                while taken.contains(&candidate) {
                    candidate = format!("{base}-{n}");
                    n += 1;
                }
                taken.push(candidate.clone());
                candidate
            });
            Customer {
                tenant_id: id.to_string(),
                display_name: name.to_string(),
                configured_as,
                suggested_name,
                added: false,
                consent_url: None,
            }
        })
        .collect()
}

fn discover_text(out: &Out, customers: &[Customer], file: &str) {
    if customers.is_empty() {
        out.line("the partner has no customer tenant with an active delegated admin relationship");
        return;
    }
    let w = customers
        .iter()
        .map(|c| c.display_name.chars().count())
        .max()
        .unwrap_or(0)
        .max("CUSTOMER".len());
    out.line(format!(
        "{:<36}  {:<w$}  IN ATLAS.YAML",
        "TENANT ID", "CUSTOMER"
    ));
    for c in customers {
        let state = match (&c.configured_as, c.added, &c.suggested_name) {
            (Some(n), true, _) => format!("{n} (added)"),
            (Some(n), false, _) => n.clone(),
            (None, _, Some(s)) => format!("not configured (would be {s})"),
            (None, _, None) => "not configured".into(),
        };
        out.line(format!(
            "{:<36}  {:<w$}  {state}",
            c.tenant_id, c.display_name
        ));
    }
    let added: Vec<&Customer> = customers.iter().filter(|c| c.added).collect();
    if added.is_empty() {
        if customers.iter().any(|c| c.configured_as.is_none()) {
            out.note("add them with --add CUSTOMER (repeatable) or --all");
        }
        return;
    }
    out.line(format!(
        "added {} tenant(s) to {file}; an administrator of each consents to the app once:",
        added.len()
    ));
    for c in added {
        out.line(format!(
            "  {}: {}",
            c.configured_as.as_deref().unwrap_or_default(),
            c.consent_url.as_deref().unwrap_or_default()
        ));
    }
}
