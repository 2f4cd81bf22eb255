//! The command line: clap definitions, one file per command, output, progress and exit codes.
//! The only module that prints.

mod apply;
mod backup;
mod check;
mod diff;
mod docs;
mod drift;
mod emulator;
mod fleet;
mod housekeeping;
mod init;
mod list;
mod log;
mod logging;
mod plan;
mod progress;
mod reconcile;
mod restore;
mod serve;
mod show;
mod signals;
mod suggest;
mod tags;
mod tenants;
mod types;
mod views;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

mod error;
mod exit;
pub use error::CliError;
pub use exit::Exit;

/// Configuration-as-code for Microsoft Intune and Entra Conditional Access, kept in git.
#[derive(Parser, Debug)]
#[command(
    name = "tenant-atlas",
    version,
    about,
    max_term_width = 100,
    after_help = "Examples:\n  tenant-atlas backup --demo ./atlas-demo      # back up the built-in demo tenant\n  tenant-atlas drift --repo ./atlas-demo       # the demo tenant against its backup\n  tenant-atlas init ./intune-backup            # a repository for your own tenants\n\n`tenant-atlas <command> --help` shows each command's options and examples."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// The backup repository (default: the current directory; diff, log, show and docs also find it
    /// from a folder inside it).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "DIR"
    )]
    pub repo: Option<PathBuf>,
    /// Configuration file (default: <repo>/atlas.yaml).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    /// More logging (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, help_heading = "Global options", action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// Log line format on stderr.
    #[arg(long, global = true, help_heading = "Global options", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Never show a progress bar.
    #[arg(long, global = true, help_heading = "Global options")]
    pub no_progress: bool,
    /// Colour in human output (NO_COLOR is honoured with `auto`).
    #[arg(long, global = true, help_heading = "Global options", value_enum, default_value_t = ColorChoice::Auto)]
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

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a backup repository: git init, an example atlas.yaml, a README and the schemas.
    #[command(
        after_help = "Examples:\n  tenant-atlas init ./intune-backup\n  tenant-atlas init                     # the current directory"
    )]
    Init(init::InitArgs),
    /// Export live tenants, normalize, write and commit (no commit when nothing changed).
    #[command(
        after_help = "Examples:\n  tenant-atlas backup --demo ./atlas-demo              # the built-in demo tenant, no account needed\n  tenant-atlas backup --repo ./intune-backup           # secrets from the variables atlas.yaml names\n  tenant-atlas backup --tenant contoso --type settingsCatalog\n  tenant-atlas backup --only 'settingsCatalog/Edge*' --message \"Edge baseline\""
    )]
    Backup(backup::BackupArgs),
    /// The live tenant against a commit (default HEAD), readable; exit 2 when it drifted.
    #[command(
        after_help = "Examples:\n  tenant-atlas drift                                   # every configured tenant against HEAD\n  tenant-atlas drift --tenant contoso --format markdown > drift.md\n  tenant-atlas drift --demo --against HEAD~1"
    )]
    Drift(drift::DriftArgs),
    /// What changed between two commits (or a commit and the work tree), readable.
    #[command(
        after_help = "Examples:\n  tenant-atlas diff HEAD~1 HEAD settingsCatalog        # a type folder, in every tenant\n  tenant-atlas diff HEAD~3 HEAD --tenant contoso\n  tenant-atlas diff HEAD                               # HEAD against hand edits in the work tree"
    )]
    Diff(diff::DiffArgs),
    /// History of a tenant or one policy: commits, who, what changed.
    #[command(
        after_help = "Examples:\n  tenant-atlas log --tenant contoso -n 10\n  tenant-atlas log \"Edge – security baseline\" --since 30d"
    )]
    Log(log::LogArgs),
    /// The inventory: every configured object with its platform, scope tags, assignments and last
    /// change, from git alone.
    #[command(
        after_help = "Examples:\n  tenant-atlas list --tenant contoso\n  tenant-atlas list --assigned-to \"Finance Users\"          # what a group gets, exclusions included\n  tenant-atlas list --platform windows --unassigned --format csv > unassigned.csv\n  tenant-atlas list --type settingsCatalog --name 'Edge*' --rev HEAD~10"
    )]
    List(list::ListArgs),
    /// One policy at a version, readable: settings by name, assignments, scripts as text.
    #[command(
        after_help = "Examples:\n  tenant-atlas show 8d2f3c1e                           # by id (or its first 8 hex digits)\n  tenant-atlas show HEAD~1:\"Edge – security baseline\"\n  tenant-atlas show tenants/contoso/settingsCatalog/edge-security-baseline--8d2f3c1e.yaml"
    )]
    Show(show::ShowArgs),
    /// Markdown documentation of a tenant's configuration.
    #[command(
        after_help = "Examples:\n  tenant-atlas docs --tenant contoso\n  tenant-atlas docs --out ./site --rev HEAD~1"
    )]
    Docs(docs::DocsArgs),
    /// Restore preview: what restoring a commit would create, update or leave alone, and what is blocked.
    #[command(
        after_help = "Examples:\n  tenant-atlas plan --tenant contoso --from HEAD~5 --out plan.json\n  tenant-atlas plan --tenant contoso --to-tenant fabrikam --mappings map.yaml\n  tenant-atlas plan --tenant demo --demo --type settingsCatalog"
    )]
    Plan(plan::PlanArgs),
    /// Execute a saved plan exactly; refused when the tenant changed since it was made.
    #[command(
        after_help = "Examples:\n  tenant-atlas apply plan.json\n  tenant-atlas apply plan.json --yes --verify-key-env ATLAS_PLAN_KEY"
    )]
    Apply(apply::ApplyArgs),
    /// Plan, show, confirm (or --yes) and apply in one step.
    #[command(
        after_help = "Examples:\n  tenant-atlas restore --tenant contoso --from HEAD~1 --only 'settingsCatalog/Edge*'\n  tenant-atlas restore --tenant demo --demo --yes"
    )]
    Restore(restore::RestoreArgs),
    /// The unattended loop: back up, report drift or enforce each tenant on its schedule.
    #[command(
        after_help = "Examples:\n  tenant-atlas reconcile                               # the loop, until SIGINT/SIGTERM\n  tenant-atlas reconcile --once --tenant contoso       # one round, for CI schedules"
    )]
    Reconcile(reconcile::ReconcileArgs),
    /// Read-only web UI and JSON API over the repository and its runs.
    #[command(
        after_help = "Examples:\n  tenant-atlas serve --new-token auditor --tenants contoso,fabrikam\n  tenant-atlas serve --listen 127.0.0.1:0\n  tenant-atlas serve --demo --demo-drift          # the demo tenant in ./atlas-demo, a one-time login link"
    )]
    Serve(serve::ServeArgs),
    /// The configured tenants: last backup, drift, mode, next scheduled round; `tenants add` and
    /// `tenants discover` add tenants to atlas.yaml.
    #[command(
        after_help = "Examples:\n  tenant-atlas tenants\n  tenant-atlas tenants --format json\n  tenant-atlas tenants add fabrikam --tenant-id 3d5f7a9c-1b2e-4c6d-8e0f-a1b2c3d4e5f6\n  tenant-atlas tenants discover\n  tenant-atlas tenants discover --add fabrikam-inc --add 8a0c2e4f-6b7d-4e9f-a1c3-d5e7f9a1b3c5"
    )]
    Tenants(tenants::TenantsArgs),
    /// Is each tenant set up for the tool? Sign-in, read (and with --write, write) permission per
    /// type, the credential's expiry, the clock, the repository and its remote; exit 3 when
    /// something the tenant's mode needs is missing.
    #[command(
        after_help = "Examples:\n  tenant-atlas check\n  tenant-atlas check --tenant contoso --write\n  tenant-atlas check --format json"
    )]
    Check(check::CheckArgs),
    /// Name a version of a tenant (a backup set): an annotated tag `atlas/<tenant>/<NAME>` that
    /// every revision argument accepts by name.
    #[command(
        after_help = "Examples:\n  tenant-atlas tag before-migration --tenant contoso\n  tenant-atlas tag q3-audit HEAD~4 --tenant contoso -m \"approved by the CAB\" --push\n  tenant-atlas plan --tenant contoso --from before-migration"
    )]
    Tag(tags::TagArgs),
    /// The backup sets: tag, commit, date and the backup each names.
    #[command(
        after_help = "Examples:\n  tenant-atlas tags\n  tenant-atlas tags --tenant contoso --format json"
    )]
    Tags(tags::TagsArgs),
    /// Prune the private state below .git/atlas/ (old run logs and journals, stray triggers,
    /// dead locks) and run `git gc --auto`.
    #[command(
        after_help = "Examples:\n  tenant-atlas housekeeping --dry-run                  # what would go, removing nothing\n  tenant-atlas housekeeping --format json"
    )]
    Housekeeping(housekeeping::HousekeepingArgs),
    /// The policy-type catalog: key, Graph path, backup/restore capability.
    #[command(after_help = "Examples:\n  tenant-atlas types\n  tenant-atlas types --format json")]
    Types(types::TypesArgs),
    /// Run the built-in Microsoft Graph emulator.
    #[command(
        after_help = "Examples:\n  tenant-atlas emulator                                # the demo tenant on 127.0.0.1:18080\n  tenant-atlas emulator --generate 1000 --throttle intune --latency-ms 50\n  tenant-atlas emulator --seed fixtures/tenants/demo --dump ./state"
    )]
    Emulator(emulator::EmulatorArgs),
}

/// Where human output goes. A closed pipe (`… | head -1`) does not end the program: output stops,
/// the command finishes what it started (locks released, journals closed) and exits with its own
/// code; a long-running command asks [`Out::closed`] and stops as on a stop signal.
pub struct Out {
    pub color: bool,
    closed: std::sync::atomic::AtomicBool,
}

impl Out {
    pub fn new(color: bool) -> Out {
        Out {
            color,
            closed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Writes a line to stdout; nothing more once stdout is closed (see [`Out::closed`]).
    pub fn line(&self, text: impl AsRef<str>) {
        use std::sync::atomic::Ordering;
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        let written = writeln!(stdout, "{}", text.as_ref()).and_then(|()| stdout.flush());
        if written.is_err() {
            self.closed.store(true, Ordering::Relaxed);
            tracing::info!("standard output closed; output stops, the command finishes its step");
        }
    }

    /// Whether the reader of stdout went away.
    pub fn closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::Relaxed)
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

    /// The repository a read-only command works on: `--repo`, else the nearest folder from the
    /// current directory upwards that holds `.git` (as git finds it), else the current directory.
    pub fn read_repo_dir(&self) -> PathBuf {
        if let Some(r) = &self.repo {
            return r.clone();
        }
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        cwd.ancestors()
            .find(|d| d.join(".git").exists())
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    pub fn config_path(&self, repo: &std::path::Path) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| repo.join(crate::store::layout::CONFIG))
    }

    /// The configuration every command that reads tenants loads: `--config` or `<repo>/atlas.yaml`.
    /// A missing file is a usage error naming the path, with `hint` saying what this command
    /// needs it for; a broken one is reported by `Config::load` with its line and key.
    pub fn load_config(
        &self,
        repo: &std::path::Path,
        hint: &str,
    ) -> Result<(PathBuf, crate::config::Config), CliError> {
        let path = self.config_path(repo);
        if !path.exists() {
            return Err(
                CliError::usage(format!("no configuration at {}", path.display())).hint(hint),
            );
        }
        let config = crate::config::Config::load(&path)?;
        // The run logs this process writes keep what the configuration says.
        crate::store::runlog::keep_private(config.housekeeping.keep_runs);
        Ok((path, config))
    }

    /// The configuration when there is one, else the defaults: a command that works without one
    /// (the author, the remote, the default tenant, housekeeping's limits) uses them.
    pub fn config_or_default(
        &self,
        repo: &std::path::Path,
    ) -> Result<crate::config::Config, CliError> {
        if self.config_path(repo).exists() {
            Ok(self.load_config(repo, "")?.1)
        } else {
            Ok(crate::config::Config::default())
        }
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
                Exit::Usage
            } else {
                Exit::Ok
            };
            let _ = e.print();
            return code.into();
        }
    };
    logging::init(&cli.global);
    let out = Out::new(cli.global.color());
    let result = match cli.command {
        Command::Init(args) => init::run(&cli.global, &out, args),
        Command::Backup(args) => backup::run(&cli.global, &out, args),
        Command::Drift(args) => drift::run(&cli.global, &out, args),
        Command::Diff(args) => diff::run(&cli.global, &out, args),
        Command::Log(args) => log::run(&cli.global, &out, args),
        Command::Show(args) => show::run(&cli.global, &out, args),
        Command::List(args) => list::run(&cli.global, &out, args),
        Command::Tenants(args) => tenants::run(&cli.global, &out, args),
        Command::Check(args) => check::run(&cli.global, &out, args),
        Command::Tag(args) => tags::tag(&cli.global, &out, args),
        Command::Tags(args) => tags::tags(&cli.global, &out, args),
        Command::Housekeeping(args) => housekeeping::run(&cli.global, &out, args),
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
        Ok(code) => code.into(),
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", e.message);
            for h in &e.hints {
                let _ = writeln!(stderr, "hint: {h}");
            }
            e.code.into()
        }
    }
}

/// A tenant that could not be signed in to, as one line: the tenant, the error (authority, AADSTS
/// code) and what to check. Every command that reads a tenant reports it this way, once.
pub fn sign_in_line(tenant: &str, e: &crate::graph::GraphError) -> String {
    format!("{tenant}: {}", e.with_hint())
}

/// A multi-threaded runtime for commands that talk to Graph.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::error(format!("cannot start the async runtime: {e}")))
}
