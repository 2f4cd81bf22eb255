//! The command line: clap definitions, one file per command, output, progress and exit codes.
//! The only module that prints.

mod apply;
mod backup;
mod diff;
mod docs;
mod drift;
mod emulator;
mod init;
mod log;
mod logging;
mod plan;
mod progress;
mod reconcile;
mod restore;
mod serve;
mod show;
mod signals;
mod types;
mod views;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes shared by every command (DESIGN.md §1).
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const CHANGES: u8 = 2;
    pub const PARTIAL: u8 = 3;
    pub const REFUSED: u8 = 4;
    pub const USAGE: u8 = 64;
}

/// Configuration-as-code for Microsoft Intune and Entra Conditional Access, kept in git.
#[derive(Parser, Debug)]
#[command(name = "tenant-atlas", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// The backup repository (default: the current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Configuration file (default: <repo>/atlas.yaml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More logging (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log line format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Never show a progress bar.
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Colour in human output (NO_COLOR is honoured with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a backup repository: git init, an example atlas.yaml, a README and the schemas.
    Init(init::InitArgs),
    /// Export live tenants, normalize, write and commit (no commit when nothing changed).
    Backup(backup::BackupArgs),
    /// The live tenant against a commit (default HEAD), readable; exit 2 when it drifted.
    Drift(drift::DriftArgs),
    /// What changed between two commits (or a commit and the work tree), readable.
    Diff(diff::DiffArgs),
    /// History of a tenant or one policy: commits, who, what changed.
    Log(log::LogArgs),
    /// One policy at a version, readable: settings by name, assignments, scripts as text.
    Show(show::ShowArgs),
    /// Markdown documentation of a tenant's configuration.
    Docs(docs::DocsArgs),
    /// Restore preview: what restoring a commit would create, update or leave alone, and what is blocked.
    Plan(plan::PlanArgs),
    /// Execute a saved plan exactly; refused when the tenant changed since it was made.
    Apply(apply::ApplyArgs),
    /// Plan, show, confirm (or --yes) and apply in one step.
    Restore(restore::RestoreArgs),
    /// The unattended loop: back up, report drift or enforce each tenant on its schedule.
    Reconcile(reconcile::ReconcileArgs),
    /// Read-only web UI and JSON API over the repository and its runs.
    Serve(serve::ServeArgs),
    /// The policy-type catalog: key, Graph path, backup/restore capability.
    Types(types::TypesArgs),
    /// Run the built-in Microsoft Graph emulator.
    Emulator(emulator::EmulatorArgs),
}

/// An error the CLI reports: message, hints and exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
            hints: vec![],
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(exit::USAGE, message)
    }
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(exit::ERROR, message)
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl From<crate::config::ConfigError> for CliError {
    fn from(e: crate::config::ConfigError) -> Self {
        CliError::usage(e.to_string())
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        CliError::error(e.to_string())
    }
}

/// Where human output goes; a closed pipe ends the program quietly.
pub struct Out {
    pub color: bool,
}

impl Out {
    pub fn line(&self, text: impl AsRef<str>) {
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{}", text.as_ref()).is_err() {
            std::process::exit(0);
        }
    }

    /// A line for the person at the terminal (stderr), beside the output proper.
    pub fn note(&self, text: impl AsRef<str>) {
        let _ = writeln!(std::io::stderr().lock(), "{}", text.as_ref());
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

impl GlobalArgs {
    pub fn repo_dir(&self) -> PathBuf {
        self.repo.clone().unwrap_or_else(|| PathBuf::from("."))
    }

    pub fn config_path(&self, repo: &std::path::Path) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| repo.join("atlas.yaml"))
    }

    fn color(&self) -> bool {
        use std::io::IsTerminal;
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                crate::env::var(crate::env::NO_COLOR).is_none() && std::io::stdout().is_terminal()
            }
        }
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    logging::init(&cli.global);
    let out = Out {
        color: cli.global.color(),
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&cli.global, &out, args),
        Command::Backup(args) => backup::run(&cli.global, &out, args),
        Command::Drift(args) => drift::run(&cli.global, &out, args),
        Command::Diff(args) => diff::run(&cli.global, &out, args),
        Command::Log(args) => log::run(&cli.global, &out, args),
        Command::Show(args) => show::run(&cli.global, &out, args),
        Command::Docs(args) => docs::run(&cli.global, &out, args),
        Command::Plan(args) => plan::run(&cli.global, &out, args),
        Command::Apply(args) => apply::run(&cli.global, &out, args),
        Command::Restore(args) => restore::run(&cli.global, &out, args),
        Command::Reconcile(args) => reconcile::run(&cli.global, &out, args),
        Command::Types(args) => types::run(&out, args),
        Command::Emulator(args) => emulator::run(&out, args),
        Command::Serve(args) => serve::run(&cli.global, &out, args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", e.message);
            for h in &e.hints {
                let _ = writeln!(stderr, "hint: {h}");
            }
            ExitCode::from(e.code)
        }
    }
}

/// A tenant that could not be signed in to, as one line: the tenant, the error (authority, AADSTS
/// code) and what to check. Every command that reads a tenant reports it this way, once.
pub fn sign_in_line(tenant: &str, e: &crate::graph::GraphError) -> String {
    match e.hint() {
        Some(hint) => format!("{tenant}: {e} — hint: {hint}"),
        None => format!("{tenant}: {e}"),
    }
}

/// A multi-threaded runtime for commands that talk to Graph.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::error(format!("cannot start the async runtime: {e}")))
}
