//! Disk faults on demand, for the tests that prove a full or failing disk loses nothing
//! (docs/ARCHITECTURE.md, "Crash safety"). Every file operation the tool makes itself — creating,
//! writing, fsyncing and renaming work tree files, run logs, the apply journal and locks — passes
//! [`check`] first. Unset (always, outside tests) it does nothing; `ATLAS_IO_FAULT=enospc@N` or
//! `eio@N` makes the N-th operation of the process fail with that error, and `trace:FILE` lists the
//! operations so a test knows how many there are and what each one is. libgit2 writes objects
//! and refs through its own calls, which this cannot reach (a full filesystem covers them).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

enum Plan {
    Off,
    /// The `at`-th operation (counting only those on a path containing `within`, when given).
    Fail {
        at: u64,
        errno: i32,
        within: Option<String>,
    },
    Trace(PathBuf),
}

static COUNT: AtomicU64 = AtomicU64::new(0);

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| parse(crate::env::var(crate::env::IO_FAULT).as_deref()))
}

fn parse(value: Option<&str>) -> Plan {
    let Some(v) = value else { return Plan::Off };
    if let Some(file) = v.strip_prefix("trace:") {
        return Plan::Trace(PathBuf::from(file));
    }
    let fail = v.split_once('@').and_then(|(kind, at)| {
        let errno = match kind {
            "enospc" => libc::ENOSPC,
            "eio" => libc::EIO,
            _ => return None,
        };
        let (at, within) = match at.split_once(':') {
            Some((n, within)) => (n, Some(within.to_string())),
            None => (at, None),
        };
        Some(Plan::Fail {
            at: at.parse().ok()?,
            errno,
            within,
        })
    });
    fail.unwrap_or_else(|| {
        tracing::warn!(
            "{}={v} is not enospc@N[:PATH], eio@N[:PATH] or trace:FILE; ignored",
            crate::env::IO_FAULT
        );
        Plan::Off
    })
}

/// Called before each file operation `op` (`create`, `write`, `fsync`, `rename`) on `path`: the
/// injected error when this is the operation `ATLAS_IO_FAULT` names.
pub fn check(op: &'static str, path: &Path) -> std::io::Result<()> {
    match plan() {
        Plan::Off => Ok(()),
        Plan::Fail { at, errno, within } => {
            if within
                .as_deref()
                .is_some_and(|w| !path.to_string_lossy().contains(w))
            {
                return Ok(());
            }
            let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
            if n == *at {
                tracing::debug!(n, op, path = %path.display(), "injected disk fault");
                Err(std::io::Error::from_raw_os_error(*errno))
            } else {
                Ok(())
            }
        }
        Plan::Trace(file) => {
            let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
            let line = format!("{n} {op} {}\n", path.display());
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
                .and_then(|mut f| f.write_all(line.as_bytes()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_parse() {
        assert!(matches!(parse(None), Plan::Off));
        assert!(matches!(
            parse(Some("enospc@7")),
            Plan::Fail { at: 7, errno, within: None } if errno == libc::ENOSPC
        ));
        assert!(matches!(
            parse(Some("eio@3:journal")),
            Plan::Fail { at: 3, errno, within: Some(w) } if errno == libc::EIO && w == "journal"
        ));
        assert!(matches!(parse(Some("trace:/tmp/x")), Plan::Trace(_)));
        assert!(matches!(parse(Some("full@3")), Plan::Off));
        assert!(matches!(parse(Some("enospc@x")), Plan::Off));
    }
}
