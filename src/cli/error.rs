//! The one place where the library's errors become what the user reads and the exit code: each
//! library error converts into a [`CliError`] here (usage errors 64, failures 1), so commands use
//! `?` and never choose a code for an error themselves. Outcomes that are not errors become exit
//! codes in [`super::exit`].

use super::Exit;

/// An error the CLI reports: message, hints and exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: Exit,
    pub message: String,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn new(code: Exit, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
            hints: vec![],
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Exit::Error, message)
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

/// The one place store errors become exit codes: a directory that is not a usable repository is a
/// usage error (64) with the command that makes one; every other store failure, a corrupt
/// repository included, is an error (1).
impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        let not_a_repo = |path: &std::path::Path, why: &str| {
            CliError::usage(format!(
                "{} is not a tenant-atlas repository: {why}",
                path.display()
            ))
            .hint(format!(
                "`tenant-atlas init {}` makes one, or pass --repo DIR",
                path.display()
            ))
        };
        match &e {
            StoreError::NotFound { path } => not_a_repo(path, "it does not exist"),
            StoreError::NotARepository { path } => not_a_repo(path, "not a git repository"),
            StoreError::Bare { path } => not_a_repo(path, "a bare git repository has no work tree"),
            StoreError::AmbiguousRev { .. } | StoreError::BackupSet { .. } => {
                CliError::usage(e.to_string())
            }
            _ => CliError::error(e.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    /// File errors come from `fs_err`, whose messages name the path.
    fn from(e: std::io::Error) -> Self {
        CliError::error(e.to_string())
    }
}

impl From<crate::reconcile::ReconcileError> for CliError {
    fn from(e: crate::reconcile::ReconcileError) -> Self {
        use crate::reconcile::ReconcileError;
        match e {
            ReconcileError::Config(m) => CliError::usage(m),
            ReconcileError::Notify(e) => CliError::usage(e.to_string()),
            ReconcileError::Store(e) => e.into(),
        }
    }
}

impl From<crate::plan::build::PlanError> for CliError {
    fn from(e: crate::plan::build::PlanError) -> Self {
        use crate::plan::build::PlanError;
        match e {
            PlanError::SignIn { tenant, error } => {
                CliError::error(super::sign_in_line(&tenant, &error))
            }
            PlanError::Store(e) => e.into(),
            other => CliError::error(other.to_string()),
        }
    }
}

impl From<crate::server::ServerError> for CliError {
    fn from(e: crate::server::ServerError) -> Self {
        use crate::server::ServerError;
        match e {
            ServerError::NoTokens => CliError::usage(e.to_string())
                .hint(
                    "make one with `tenant-atlas serve --new-token NAME --tenants T` and add the printed line to server.tokens",
                )
                .hint(
                    "to look at the built-in demo tenant, `tenant-atlas serve --demo [DIR]` needs no token: it prints a one-time login link",
                ),
            ServerError::Bind { .. } => CliError::error(e.to_string())
                .hint("listen elsewhere with --listen ADDR (port 0 picks a free port)"),
        }
    }
}
