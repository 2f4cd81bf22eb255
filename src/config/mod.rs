//! `atlas.yaml`: tenants, schedules and options — never secrets
//! (docs/ARCHITECTURE.md, "Configuration").
//!
//! The file is read by the strict YAML loader and checked beyond its shape: tenant names are folder
//! names, ids are GUIDs, each tenant has exactly one credential source, type keys exist in the
//! catalog, plain-http endpoints point at loopback only. Every error names the file, the line where
//! serde saw it, and the key.

use crate::catalog;
use crate::cloud::Cloud;
use crate::normalize::yaml::{self, YamlError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

mod defaults;
mod demo;
pub mod edit;
pub mod unattended;
pub use defaults::TenantDefaults;
use demo::check_demo;
pub use demo::demo_example;
pub use unattended::{
    Guardrails, HousekeepingConfig, NotificationEvent, NotificationFormat, NotificationTarget,
    ReconcileConfig, ScheduleConfig, ServerConfig, ServerToken, TokenRole, Weekday, Window,
    Windows,
};

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// What every tenant inherits unless it sets the key itself (a fleet's one app registration,
    /// credential, schedule, types…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<TenantDefaults>,
    #[serde(default)]
    pub tenants: Vec<TenantConfig>,
    /// The tenant `plan`, `restore` and `tag` act on when no `--tenant` (nor `ATLAS_TENANT`) says;
    /// not needed when the file has one tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_tenant: Option<String>,
    #[serde(default)]
    pub git: GitConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerConfig>,
    /// Settings of the reconcile loop.
    #[serde(default)]
    pub reconcile: ReconcileConfig,
    /// Where run results are sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<NotificationTarget>,
    /// What `housekeeping` removes from the private state, and how often the loop runs it.
    #[serde(default)]
    pub housekeeping: HousekeepingConfig,
}

/// One tenant.
// Its keys: docs/ARCHITECTURE.md, "Configuration".
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantConfig {
    /// Folder name below `tenants/`: lower-case letters, digits and `-`.
    pub name: String,
    /// Entra tenant id (GUID).
    pub tenant_id: String,
    /// Application (client) id of the app registration (GUID); inherited from `defaults` when
    /// not set.
    #[serde(default)]
    pub client_id: String,
    /// Name of the environment variable holding the client secret (the secret itself never goes here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_env: Option<String>,
    /// Certificate credential: PEM certificate and PEM private key files (relative to the config file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateConfig>,
    #[serde(default)]
    pub cloud: Cloud,
    /// Override Graph and login base URLs (for the emulator); plain http only on loopback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<EndpointsConfig>,
    #[serde(default)]
    pub types: TypesConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleConfig>,
    #[serde(default)]
    pub mode: Mode,
    /// For `enforce`: the ref whose content is desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<String>,
    /// For `enforce`: what one round may write without a person.
    #[serde(default)]
    pub guardrails: Guardrails,
    /// For `enforce`: when writes may happen.
    #[serde(default)]
    pub windows: Windows,
    /// The built-in demo tenant: served by an emulator embedded in each command, so it needs no
    /// credential or endpoints (`backup --demo` writes this entry). Its tenantId and clientId are
    /// the demo's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
    /// Client-side request budget per 20 s window (defaults: 800 requests and 90 writes, 80% and 90% of
    /// Intune's per-app limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointsConfig {
    pub graph: String,
    pub login: String,
}

/// Which catalog types a tenant backs up: `all` or catalog keys.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypesConfig {
    #[serde(default = "all_types")]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

fn all_types() -> Vec<String> {
    vec!["all".into()]
}

impl Default for TypesConfig {
    fn default() -> Self {
        TypesConfig {
            include: all_types(),
            exclude: vec![],
        }
    }
}

impl TypesConfig {
    /// Is a catalog key selected?
    pub fn selects(&self, key: &str) -> bool {
        let included = self.include.iter().any(|k| k == "all" || k == key);
        included && !self.exclude.iter().any(|k| k == key)
    }
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Backup,
    Report,
    Enforce,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests per 20-second window (Intune allows 1000 per app per tenant).
    pub requests: u32,
    /// Writes per 20-second window (Intune allows 100 per app per tenant).
    pub writes: u32,
    /// Length of the window in seconds (default 20, as Intune measures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_seconds: Option<u64>,
}

impl RateLimitConfig {
    /// At or under Intune's per-app limits (1000 requests, 100 writes per 20 s) whatever the window.
    pub fn within_intune_limits(&self) -> bool {
        let window = self.window_seconds.unwrap_or(20).max(1) as f64;
        let per20 = |n: u32| f64::from(n) * 20.0 / window;
        self.requests > 0
            && self.writes > 0
            && per20(self.requests) <= 1000.0
            && per20(self.writes) <= 100.0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GitConfig {
    /// Commit author, `Name <email>`; default: git config, else `tenant-atlas <atlas@localhost>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default = "default_remote")]
    pub remote: String,
    #[serde(default = "default_branch")]
    pub branch: String,
    /// Push after every backup commit.
    #[serde(default)]
    pub push: bool,
}

fn default_remote() -> String {
    "origin".into()
}
fn default_branch() -> String {
    "main".into()
}

impl Default for GitConfig {
    fn default() -> Self {
        GitConfig {
            author: None,
            remote: default_remote(),
            branch: default_branch(),
            push: false,
        }
    }
}

/// A configuration error, naming the file and where.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Parse(#[from] YamlError),
    #[error("{file}{}: {at}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        file: String,
        /// Line of the offending key (or of its tenant) when known.
        line: Option<usize>,
        at: String,
        message: String,
    },
}

/// A problem of a configuration: (what the user reads, the YAML path) and why.
type Problem = ((String, String), String);

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = fs_err::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            source: e,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses and validates config text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        // Read as written first, so that a misspelt or mistyped key is named with its line.
        let mut config: Config = yaml::from_str(text, file)?;
        if let Some(merged) = defaults::inherit(text, file)? {
            config = serde_yaml::from_value(merged).map_err(|e| YamlError {
                file: file.to_string(),
                line: None,
                column: None,
                message: format!("with defaults applied: {e}"),
            })?;
        }
        config.validate(file, text)?;
        Ok(config)
    }

    /// Checks what the types cannot say; the error names the key and its line.
    fn validate(&self, file: &str, text: &str) -> Result<(), ConfigError> {
        let lines = yaml::key_lines(text);
        // `at` is (what the user reads, the YAML path); the line is the key's, else its tenant's.
        let invalid = |(at, path): (String, String), message: String| {
            let tenant = path
                .split_once('.')
                .map(|(t, _)| format!("{t}.name"))
                .unwrap_or_default();
            // A key the tenant inherited is pointed at in `defaults`.
            let (at, path) = match defaults::inherited_path(&path, &lines) {
                Some(from) => (format!("{at} (from defaults)"), from),
                None => (at, path),
            };
            ConfigError::Invalid {
                file: file.to_string(),
                line: lines.get(&path).or_else(|| lines.get(&tenant)).copied(),
                at,
                message,
            }
        };
        self.problem().map_err(|(at, message)| invalid(at, message))
    }

    /// The first problem of a parsed configuration: (what the user reads, the YAML path) and why.
    fn problem(&self) -> Result<(), Problem> {
        let mut names = std::collections::HashSet::new();
        for (i, t) in self.tenants.iter().enumerate() {
            Self::tenant_problem(i, t, &mut names)?;
        }
        let top = |key: &str| (key.to_string(), key.to_string());
        if let Some(p) = self
            .defaults
            .as_ref()
            .and_then(|d| d.partner_tenant_id.as_ref())
            && !crate::normalize::slug::is_guid(p)
        {
            return Err((
                top("defaults.partnerTenantId"),
                format!("`{p}` is not a GUID"),
            ));
        }
        let r = &self.reconcile;
        if r.concurrency == 0 {
            return Err((top("reconcile.concurrency"), "must be at least 1".into()));
        }
        for (key, v) in [
            ("reconcile.debounce", &r.debounce),
            ("reconcile.backoff", &r.backoff),
            ("reconcile.backoffMax", &r.backoff_max),
        ] {
            unattended::duration(v).map_err(|m| (top(key), m))?;
        }
        unattended::check_interval(&r.interval).map_err(|m| (top("reconcile.interval"), m))?;
        unattended::check_housekeeping(&self.housekeeping)
            .map_err(|(key, m)| (top(&format!("housekeeping.{key}")), m))?;
        if let Some(t) = &self.default_tenant
            && self.tenant(t).is_none()
        {
            return Err((
                top("defaultTenant"),
                format!("no tenant `{t}` in this file"),
            ));
        }
        let known = |t: &String| t == "*" || self.tenant(t).is_some();
        for (i, n) in self.notifications.iter().enumerate() {
            let at = |key: &str| {
                (
                    format!("notifications[{i}] ({}).{key}", n.name),
                    format!("notifications[{i}].{key}"),
                )
            };
            match (&n.url, &n.url_env) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err((at("url"), "set url or urlEnv, one of them".into()));
                }
                (Some(u), None) => unattended::check_url(u).map_err(|m| (at("url"), m))?,
                (None, Some(v)) if v.is_empty() || v.contains('=') => {
                    return Err((at("urlEnv"), "must name an environment variable".into()));
                }
                _ => {}
            }
            if let Some(t) = n.tenants.iter().find(|t| !known(t)) {
                return Err((at("tenants"), format!("no tenant `{t}` in this file")));
            }
        }
        if let Some(server) = &self.server {
            self.server_problem(server)?;
        }
        if let Some(a) = &self.git.author {
            parse_author(a).ok_or_else(|| {
                (
                    ("git.author".into(), "git.author".into()),
                    format!("`{a}` is not `Name <email>`"),
                )
            })?;
        }
        Ok(())
    }

    /// The first problem of tenant `i`, `names` holding the names of the tenants before it.
    fn tenant_problem<'a>(
        i: usize,
        t: &'a TenantConfig,
        names: &mut std::collections::HashSet<&'a String>,
    ) -> Result<(), Problem> {
        let at = |key: &str| {
            (
                format!("tenants[{i}] ({}).{key}", t.name),
                format!("tenants[{i}].{key}"),
            )
        };
        if t.name.is_empty()
            || !t
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err((
                at("name"),
                format!("`{}` must use only a-z, 0-9 and -", t.name),
            ));
        }
        if !names.insert(&t.name) {
            return Err((at("name"), format!("tenant `{}` is listed twice", t.name)));
        }
        if t.client_id.is_empty() {
            return Err((
                at("clientId"),
                "missing: set clientId here or in defaults".into(),
            ));
        }
        for (key, v) in [("tenantId", &t.tenant_id), ("clientId", &t.client_id)] {
            if !crate::normalize::slug::is_guid(v) {
                return Err((at(key), format!("`{v}` is not a GUID")));
            }
        }
        if t.demo {
            check_demo(t).map_err(|(key, m)| (at(key), m))?;
        }
        match (&t.client_secret_env, &t.certificate) {
            _ if t.demo => {}
            (Some(_), Some(_)) => {
                return Err((
                    at("clientSecretEnv"),
                    "set clientSecretEnv or certificate, not both".into(),
                ));
            }
            (None, None) => {
                return Err((
                    at("clientSecretEnv"),
                    "a credential is needed: clientSecretEnv or certificate".into(),
                ));
            }
            (Some(env), None) if env.is_empty() || env.contains('=') => {
                return Err((
                    at("clientSecretEnv"),
                    "must name an environment variable".into(),
                ));
            }
            _ => {}
        }
        for (list, key) in [
            (&t.types.include, "types.include"),
            (&t.types.exclude, "types.exclude"),
        ] {
            for k in list {
                if k != "all" && catalog::get(k).is_none() {
                    return Err((
                        at(key),
                        format!("unknown type `{k}` (see `tenant-atlas types`)"),
                    ));
                }
            }
        }
        if let Some(ep) = &t.endpoints {
            for (key, u) in [
                ("endpoints.graph", &ep.graph),
                ("endpoints.login", &ep.login),
            ] {
                check_endpoint(u).map_err(|m| (at(key), m))?;
            }
        }
        if let Some(r) = &t.rate_limit
            && !r.within_intune_limits()
        {
            return Err((at("rateLimit"), "requests and writes must stay at or under Intune's per-app limits (1000 and 100 per 20 s)".into()));
        }
        if let Some(s) = &t.schedule {
            unattended::check_interval(&s.backup).map_err(|m| (at("schedule.backup"), m))?;
            if let Some(j) = &s.jitter {
                unattended::duration(j).map_err(|m| (at("schedule.jitter"), m))?;
            }
        }
        if t.desired.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err((at("desired"), "must name a ref or commit".into()));
        }
        unattended::check_windows(&t.windows)
            .map_err(|(key, m)| (at(&format!("windows.{key}")), m))?;
        Ok(())
    }

    /// The first problem of the `server` section.
    fn server_problem(&self, server: &ServerConfig) -> Result<(), Problem> {
        let top = |key: &str| (key.to_string(), key.to_string());
        let known = |t: &String| t == "*" || self.tenant(t).is_some();
        server.listen.parse::<std::net::SocketAddr>().map_err(|_| {
            (
                top("server.listen"),
                format!("`{}` is not an address like 127.0.0.1:8080", server.listen),
            )
        })?;
        if let Some(u) = &server.public_url {
            unattended::check_url(u).map_err(|m| (top("server.publicUrl"), m))?;
        }
        if let Some(t) = &server.header_timeout {
            match unattended::duration(t) {
                Ok(d) if d.is_zero() => Err("must be longer than 0".to_string()),
                Ok(_) => Ok(()),
                Err(m) => Err(m),
            }
            .map_err(|m| (top("server.headerTimeout"), m))?;
        }
        if server.max_connections == Some(0) {
            return Err((top("server.maxConnections"), "must be at least 1".into()));
        }
        for (i, tok) in server.tokens.iter().enumerate() {
            let at = |key: &str| {
                (
                    format!("server.tokens[{i}] ({}).{key}", tok.name),
                    format!("server.tokens[{i}].{key}"),
                )
            };
            if tok.sha256.len() != 64
                || !tok
                    .sha256
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            {
                return Err((at("sha256"), "must be the token's sha256 in 64 lower-case hex digits (`printf %s TOKEN | sha256sum`)".into()));
            }
            if tok.tenants.is_empty() {
                return Err((
                    at("tenants"),
                    "list the tenants this token may read, or `*`".into(),
                ));
            }
            if let Some(t) = tok.tenants.iter().find(|t| !known(t)) {
                return Err((at("tenants"), format!("no tenant `{t}` in this file")));
            }
        }
        Ok(())
    }

    /// The tenant a command that acts on one acts on without `--tenant`: `defaultTenant`, else the
    /// file's only tenant; else what to say.
    pub fn the_tenant(&self) -> Result<String, String> {
        if let Some(t) = &self.default_tenant {
            return Ok(t.clone());
        }
        match self.tenants.as_slice() {
            [one] => Ok(one.name.clone()),
            [] => Err("atlas.yaml has no tenant".into()),
            many => Err(format!(
                "name the tenant with --tenant or ATLAS_TENANT, or set defaultTenant in atlas.yaml (tenants: {})",
                many.iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The commit author `git.author` names, as (name, email); `Repo::author` falls back from it.
    pub fn git_author(&self) -> Option<(String, String)> {
        self.git.author.as_deref().and_then(parse_author)
    }

    pub fn tenant(&self, name: &str) -> Option<&TenantConfig> {
        self.tenants.iter().find(|t| t.name == name)
    }
}

/// `Name <email>` → (name, email).
pub fn parse_author(s: &str) -> Option<(String, String)> {
    let (name, rest) = s.split_once('<')?;
    let email = rest.strip_suffix('>')?;
    let name = name.trim();
    (!name.is_empty() && email.contains('@')).then(|| (name.to_string(), email.trim().to_string()))
}

/// An endpoint must be https, or http on a loopback host, without credentials in the URL (the
/// Graph client's own rule, so config and client never disagree).
pub fn check_endpoint(u: &str) -> Result<(), String> {
    crate::cloud::check_endpoint(u).map(|_| ()).map_err(|_| {
        format!("`{u}`: must be https, or plain http on a loopback address, without credentials")
    })
}

/// JSON Schema of `atlas.yaml` (`schemas/atlas.schema.json`).
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Config)).expect("schema serializes")
}

/// The example `atlas.yaml` written by `init`.
pub const EXAMPLE: &str = r#"# yaml-language-server: $schema=schemas/atlas.schema.json
# tenant-atlas configuration. Never put secrets here: name the environment variable that holds them.
tenants: []
# - name: contoso                                   # folder below tenants/, [a-z0-9-]
#   tenantId: 00000000-0000-0000-0000-000000000000
#   clientId: 00000000-0000-0000-0000-000000000000
#   clientSecretEnv: CONTOSO_SECRET                 # or: certificate: {cert: certs/app.pem, key: certs/app.key}
#   cloud: global                                   # global | usgov | usgovdod | china
#   types: {include: [all], exclude: []}
git:
  remote: origin
  branch: main
  push: false
# server:                                           # `tenant-atlas serve`: read-only web UI and JSON API
#   listen: 127.0.0.1:8080                          # another address needs TLS in front
#   publicUrl: https://atlas.example                # base of the links in notifications
#   tokens:                                         # `serve --new-token NAME --tenants T` prints a line for here
#   - {name: auditor, sha256: <64 hex digits>, tenants: [contoso]}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "tenants:\n- name: contoso\n  tenantId: 00000000-0000-0000-0000-000000000001\n  clientId: 00000000-0000-0000-0000-000000000002\n  clientSecretEnv: CONTOSO_SECRET\n  types: {include: [all], exclude: [conditionalAccess]}\n";

    #[test]
    fn parses_a_valid_config() {
        let c = Config::parse(GOOD, "atlas.yaml").unwrap();
        let t = c.tenant("contoso").unwrap();
        assert!(t.types.selects("settingsCatalog"));
        assert!(!t.types.selects("conditionalAccess"));
        assert_eq!(c.git.remote, "origin");
        Config::parse(EXAMPLE, "example").unwrap();
        let demo = Config::parse(&demo_example(), "demo").unwrap();
        assert!(demo.tenant("demo").unwrap().demo);
    }

    #[test]
    fn the_example_server_block_works_once_uncommented() {
        let sha = "0".repeat(64);
        let (before, block) = EXAMPLE.split_at(EXAMPLE.find("# server:").unwrap());
        let block: String = block
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .map(|l| {
                l.replace("<64 hex digits>", &sha)
                    .replace("[contoso]", "['*']")
            })
            .collect::<Vec<_>>()
            .join("\n");
        let text = format!("{before}{block}\n");
        let c = Config::parse(&text, "example").unwrap();
        let server = c.server.expect("a server section");
        assert_eq!(server.listen, "127.0.0.1:8080");
        assert_eq!(server.tokens.len(), 1);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = GOOD.replace("clientSecretEnv", "clientSecretEnvv");
        let e = Config::parse(&text, "atlas.yaml").unwrap_err().to_string();
        assert!(
            e.starts_with("atlas.yaml:2:") || e.starts_with("atlas.yaml:5:"),
            "{e}"
        );
        assert!(e.contains("clientSecretEnvv"), "{e}");
    }

    #[test]
    fn semantic_errors_name_the_key() {
        let cases = [
            (GOOD.replace("name: contoso", "name: Contoso"), "name"),
            (
                GOOD.replace("00000000-0000-0000-0000-000000000001", "nope"),
                "tenantId",
            ),
            (GOOD.replace("conditionalAccess", "bogus"), "types.exclude"),
            (
                GOOD.replace("  clientSecretEnv: CONTOSO_SECRET\n", ""),
                "clientSecretEnv",
            ),
            (
                format!(
                    "{GOOD}  endpoints: {{graph: 'http://10.0.0.1', login: 'http://127.0.0.1:1'}}\n"
                ),
                "endpoints.graph",
            ),
        ];
        for (text, key) in cases {
            let e = Config::parse(&text, "atlas.yaml").unwrap_err().to_string();
            let line = e
                .strip_prefix("atlas.yaml:")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse::<usize>().ok());
            assert!(
                line.is_some_and(|l| (2..=7).contains(&l)),
                "{key}: the error names a line: {e}"
            );
            assert!(
                e.contains(&format!("(contoso).{key}")) || e.contains(&format!("(Contoso).{key}")),
                "{key}: {e}"
            );
        }
    }

    #[test]
    fn unattended_keys_are_checked() {
        let full = format!(
            "{GOOD}  schedule: {{backup: 30m, jitter: 5m}}\n  mode: enforce\n  desired: refs/heads/main\n  guardrails: {{maxChanges: 5}}\n  windows: {{timezone: UTC, deny: [{{days: [sat, sun], from: '00:00', to: '24:00'}}], allow: [{{from: '22:00', to: '06:00'}}]}}\nreconcile: {{concurrency: 2, debounce: 500ms}}\nnotifications:\n- {{name: ops, format: teams, urlEnv: OPS_HOOK, events: [failed, drift]}}\nserver: {{listen: '127.0.0.1:9000', tokens: [{{name: a, sha256: {}, tenants: [contoso], trigger: true}}]}}\n",
            "ab".repeat(32)
        );
        let c = Config::parse(&full, "atlas.yaml").unwrap();
        let t = c.tenant("contoso").unwrap();
        assert_eq!(t.mode, Mode::Enforce);
        assert_eq!(t.guardrails.max_changes, 5);
        assert_eq!(t.schedule.as_ref().unwrap().interval().as_secs(), 1800);
        assert_eq!(t.windows.allow[0].minutes(), (1320, 360));
        assert_eq!(c.reconcile.concurrency, 2);
        assert!(c.server.as_ref().unwrap().tokens[0].allows("contoso"));
        let cases = [
            (
                full.replace("backup: 30m", "backup: often"),
                "schedule.backup",
            ),
            (full.replace("'24:00'", "'25:00'"), "windows.deny[0].to"),
            (
                full.replace("timezone: UTC", "timezone: Mars/Olympus"),
                "windows.timezone",
            ),
            (
                full.replace("debounce: 500ms", "debounce: x"),
                "reconcile.debounce",
            ),
            (full.replace("urlEnv: OPS_HOOK", "url: 'ftp://x'"), "url"),
            (full.replace(&"ab".repeat(32), "abc"), "sha256"),
            (
                full.replace("tenants: [contoso], trigger", "tenants: [other], trigger"),
                "tenants",
            ),
            (full.replace("'127.0.0.1:9000'", "'here'"), "server.listen"),
            (
                full.replace("listen: '127.0.0.1:9000'", "headerTimeout: 0s"),
                "server.headerTimeout",
            ),
            (
                full.replace("listen: '127.0.0.1:9000'", "maxConnections: 0"),
                "server.maxConnections",
            ),
        ];
        for (text, key) in cases {
            let e = Config::parse(&text, "atlas.yaml").unwrap_err().to_string();
            assert!(e.contains(key), "{key}: {e}");
            assert!(e.starts_with("atlas.yaml:"), "{key}: {e}");
        }
    }

    #[test]
    fn shipped_example_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/atlas.yaml");
        let c = Config::load(&path).unwrap();
        assert_eq!(c.tenants.len(), 3);
        assert!(c.tenant("fabrikam-gov").unwrap().certificate.is_some());
        assert!(c.git.push);
    }

    #[test]
    fn endpoint_rules() {
        assert!(check_endpoint("https://graph.microsoft.com").is_ok());
        assert!(check_endpoint("http://127.0.0.1:8080").is_ok());
        assert!(check_endpoint("http://localhost:1").is_ok());
        assert!(check_endpoint("http://[::1]:1").is_ok());
        assert!(check_endpoint("http://graph.microsoft.com").is_err());
        assert!(check_endpoint("http://169.254.169.254").is_err());
    }

    #[test]
    fn authors() {
        assert_eq!(
            parse_author("A B <a@b.c>"),
            Some(("A B".into(), "a@b.c".into()))
        );
        assert_eq!(parse_author("nobody"), None);
        let mut c = Config::parse("tenants: []\n", "atlas.yaml").unwrap();
        c.git.author = Some("A B <a@b.c>".into());
        assert_eq!(c.git_author(), Some(("A B".into(), "a@b.c".into())));
    }
}
