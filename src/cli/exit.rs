//! The one seam from what a command found to how the process ends. Every command returns an
//! [`Exit`] (or a [`super::CliError`] carrying one); the library's outcomes — a backup's, an
//! apply's, a reconcile round's — become exit codes here and nowhere else, and the README's table
//! of exit codes is checked against [`Exit::ALL`] by a test, so the two cannot drift apart.

use crate::records::status::RoundResult;

/// How a command ends, ordered from best to worst: when several results meet (tenants of one run,
/// rounds of `reconcile --once`), the greatest wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exit {
    /// Success, or nothing to do.
    Ok,
    /// Changes or drift found (`plan`, `drift`, `diff`, a report round).
    Changes,
    /// Partial failure: some types, objects or tenants failed; the rest was done.
    Partial,
    /// Refused for safety: nothing was written.
    Refused,
    /// Error: nothing could be done.
    Error,
    /// Stopped by a second SIGINT or SIGTERM (128 + SIGINT, as shells report an interrupt).
    Interrupted,
    /// Usage or configuration error: the command did not start.
    Usage,
}

impl Exit {
    /// Every exit code, in the order the README's table lists them.
    pub const ALL: [Exit; 7] = [
        Exit::Ok,
        Exit::Error,
        Exit::Changes,
        Exit::Partial,
        Exit::Refused,
        Exit::Usage,
        Exit::Interrupted,
    ];

    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Error => 1,
            Exit::Changes => 2,
            Exit::Partial => 3,
            Exit::Refused => 4,
            Exit::Usage => 64,
            Exit::Interrupted => 130,
        }
    }

    /// What the code means, as the README's table says it.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "success, or nothing to do",
            Exit::Error => {
                "error: nothing could be done (no tenant could be read, the repository is corrupt)"
            }
            Exit::Changes => "changes or drift found",
            Exit::Partial => {
                "partial failure: some types, objects or tenants failed, the rest was done"
            }
            Exit::Refused => {
                "refused for safety: tenant lock held, stale or edited plan, guardrail or deny window"
            }
            Exit::Usage => {
                "usage or configuration error, including a path, pattern, type, tenant or revision that matches nothing"
            }
            Exit::Interrupted => "stopped by a second SIGINT or SIGTERM",
        }
    }

    /// The worst of several results; `Ok` for none.
    pub fn worst(results: impl IntoIterator<Item = Exit>) -> Exit {
        results.into_iter().max().unwrap_or(Exit::Ok)
    }

    /// What a read-only look found: `Partial` when something could not be read (the rest was
    /// still compared), else `Changes` when something differs, else `Ok`.
    pub fn findings(unreadable: bool, differs: bool) -> Exit {
        if unreadable {
            Exit::Partial
        } else if differs {
            Exit::Changes
        } else {
            Exit::Ok
        }
    }

    /// How a run over several tenants ends, from each tenant's result and the number of tenants
    /// whose configuration kept them from running: `Refused` when any tenant was refused (a lock
    /// held), `Error` when every tenant that ran failed, `Partial` when some failed or did not
    /// run, else the worst of the rest.
    pub fn across_tenants(results: &[Exit], not_run: usize) -> Exit {
        if results.contains(&Exit::Refused) {
            return Exit::Refused;
        }
        let failed = results.iter().filter(|r| **r == Exit::Error).count();
        if failed > 0 && failed == results.len() {
            return Exit::Error;
        }
        if failed > 0 || not_run > 0 {
            return Exit::Partial;
        }
        Exit::worst(results.iter().copied())
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

impl From<crate::apply::runlog::Outcome> for Exit {
    fn from(o: crate::apply::runlog::Outcome) -> Exit {
        use crate::apply::runlog::Outcome;
        match o {
            Outcome::Success => Exit::Ok,
            Outcome::Partial => Exit::Partial,
            Outcome::Refused => Exit::Refused,
            Outcome::Failed => Exit::Error,
        }
    }
}

impl From<crate::backup::runlog::Outcome> for Exit {
    fn from(o: crate::backup::runlog::Outcome) -> Exit {
        use crate::backup::runlog::Outcome;
        match o {
            Outcome::Success | Outcome::NoChange => Exit::Ok,
            Outcome::Partial => Exit::Partial,
            Outcome::Refused => Exit::Refused,
            Outcome::Failed => Exit::Error,
        }
    }
}

impl From<RoundResult> for Exit {
    fn from(r: RoundResult) -> Exit {
        match r {
            RoundResult::Success | RoundResult::NoChange => Exit::Ok,
            RoundResult::Drift => Exit::Changes,
            RoundResult::Partial => Exit::Partial,
            RoundResult::Refused => Exit::Refused,
            RoundResult::Failed => Exit::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_ranks_error_over_refused_over_partial_over_changes() {
        assert_eq!(Exit::worst([]), Exit::Ok);
        assert_eq!(Exit::worst([Exit::Ok, Exit::Changes]), Exit::Changes);
        assert_eq!(Exit::worst([Exit::Partial, Exit::Changes]), Exit::Partial);
        assert_eq!(Exit::worst([Exit::Partial, Exit::Refused]), Exit::Refused);
        assert_eq!(
            Exit::worst([Exit::Refused, Exit::Error, Exit::Ok]),
            Exit::Error
        );
    }

    #[test]
    fn codes_are_distinct_and_listed_once() {
        let mut codes: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes, [0, 1, 2, 3, 4, 64, 130]);
    }

    #[test]
    fn tenants_together() {
        use Exit::*;
        assert_eq!(Exit::across_tenants(&[Ok, Ok], 0), Ok);
        assert_eq!(Exit::across_tenants(&[Ok, Changes], 0), Changes);
        assert_eq!(Exit::across_tenants(&[Ok, Error], 0), Partial);
        assert_eq!(Exit::across_tenants(&[Error, Error], 0), Error);
        assert_eq!(Exit::across_tenants(&[Error], 2), Error);
        assert_eq!(Exit::across_tenants(&[Ok], 1), Partial);
        assert_eq!(Exit::across_tenants(&[Ok, Refused, Error], 0), Refused);
        assert_eq!(Exit::across_tenants(&[Partial, Changes], 0), Partial);
    }

    #[test]
    fn outcomes_map_as_documented() {
        assert_eq!(Exit::from(RoundResult::NoChange), Exit::Ok);
        assert_eq!(Exit::from(RoundResult::Drift), Exit::Changes);
        assert_eq!(Exit::from(RoundResult::Refused), Exit::Refused);
        assert_eq!(
            Exit::from(crate::backup::runlog::Outcome::NoChange),
            Exit::Ok
        );
        assert_eq!(
            Exit::from(crate::apply::runlog::Outcome::Failed),
            Exit::Error
        );
    }

    /// The README's table of exit codes is this enum, row for row.
    #[test]
    fn readme_table_is_the_enum() {
        let readme = include_str!("../../README.md");
        let rows: Vec<(String, String)> = readme
            .lines()
            .skip_while(|l| !l.starts_with("| Exit code |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
                (cells[0].trim_matches('`').to_string(), cells[1].to_string())
            })
            .collect();
        let want: Vec<(String, String)> = Exit::ALL
            .iter()
            .map(|e| (e.code().to_string(), e.meaning().to_string()))
            .collect();
        assert_eq!(
            rows, want,
            "README.md's exit code table differs from cli::exit::Exit"
        );
    }
}
