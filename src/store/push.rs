//! Pushing backup commits through the git CLI.
//!
//! Our libgit2 build has no network transports, and the git CLI already knows the user's
//! credential helpers and SSH setup. Several writers may push to one remote branch, so a
//! non-fast-forward rejection is met with fetch + rebase + retry (never a force push); a rebase
//! conflict is aborted so the local repository is left exactly as it was.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::{Identity, Repo, StoreError};

/// Push attempts before giving up on a remote that keeps moving.
pub const MAX_ATTEMPTS: u32 = 5;

/// How a push went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    /// Push attempts made (1 when the first one was accepted).
    pub attempts: u32,
    /// True when local commits were rebased onto the remote branch.
    pub rebased: bool,
}

/// `git push <remote> HEAD:refs/heads/<branch>` via the git CLI (never force). On a
/// non-fast-forward rejection: `git fetch <remote> <branch>`, `git rebase` our local commits
/// onto it, retry; at most 5 attempts. A rebase conflict aborts the rebase (repo left as
/// before) and returns an error naming the conflicting paths. Git runs without prompts, editors
/// or hooks (GIT_TERMINAL_PROMPT=0).
pub fn push(repo: &Repo, remote: &str, branch: &str) -> Result<PushOutcome, StoreError> {
    push_with_env(repo, remote, branch, &[])
}

/// Pushes one tag (`refs/tags/<tag>`) to `remote` through the git CLI, never forced: a tag of
/// that name on another commit there is an error, the same tag there is no change.
pub fn push_tag(repo: &Repo, remote: &str, tag: &str) -> Result<(), StoreError> {
    check_arg("remote", remote)?;
    let refname = format!("refs/tags/{tag}");
    if !git2::Reference::is_valid_name(&refname) {
        return Err(StoreError::Push {
            message: format!("{tag:?} is not a valid tag name"),
        });
    }
    let cli = GitCli {
        root: repo.root(),
        git_dir: repo.git_dir(),
        env: &[],
        identity: repo.config_identity(),
    };
    let out = cli.run(&[
        "push",
        "--porcelain",
        "--",
        remote,
        &format!("{refname}:{refname}"),
    ])?;
    if out.status.success() {
        tracing::info!(remote, tag, "pushed the tag");
        Ok(())
    } else {
        Err(StoreError::Push {
            message: format!("git push of {tag} to {remote} failed: {}", describe(&out)),
        })
    }
}

/// Whether `remote` answers with the credentials git is configured with (`git ls-remote`), for
/// `check`; the error is credential-free.
pub fn remote_reachable(repo: &Repo, remote: &str) -> Result<(), StoreError> {
    check_arg("remote", remote)?;
    let cli = GitCli {
        root: repo.root(),
        git_dir: repo.git_dir(),
        env: &[],
        identity: None,
    };
    let out = cli.run(&["ls-remote", "--heads", "--", remote])?;
    if out.status.success() {
        Ok(())
    } else {
        Err(StoreError::Push {
            message: format!("git ls-remote {remote} failed: {}", describe(&out)),
        })
    }
}

/// `push` with extra environment variables for the git CLI (e.g. `HOME` in hermetic tests or
/// `GIT_SSH_COMMAND`). They are applied after the defaults, so they can override them.
pub fn push_with_env(
    repo: &Repo,
    remote: &str,
    branch: &str,
    env: &[(String, String)],
) -> Result<PushOutcome, StoreError> {
    check_arg("remote", remote)?;
    check_arg("branch", branch)?;
    if !git2::Reference::is_valid_name(&format!("refs/heads/{branch}")) {
        return Err(StoreError::Push {
            message: format!("{branch:?} is not a valid branch name"),
        });
    }
    let identity = repo.config_identity().or_else(|| head_committer(repo));
    let cli = GitCli {
        root: repo.root(),
        git_dir: repo.git_dir(),
        env,
        identity,
    };
    let refspec = format!("HEAD:refs/heads/{branch}");
    let mut rebased = false;
    for attempt in 1..=MAX_ATTEMPTS {
        let out = cli.run(&["push", "--porcelain", "--", remote, &refspec])?;
        if out.status.success() {
            tracing::info!(remote, branch, attempt, rebased, "pushed");
            return Ok(PushOutcome {
                attempts: attempt,
                rebased,
            });
        }
        if !is_non_fast_forward(&out) {
            return Err(StoreError::Push {
                message: format!("git push to {remote} failed: {}", describe(&out)),
            });
        }
        if attempt == MAX_ATTEMPTS {
            break;
        }
        tracing::info!(
            remote,
            branch,
            attempt,
            "push rejected (remote moved); rebasing"
        );
        let fetched = cli.run(&["fetch", "--", remote, &format!("refs/heads/{branch}")])?;
        if !fetched.status.success() {
            return Err(StoreError::Push {
                message: format!("git fetch {remote} {branch} failed: {}", describe(&fetched)),
            });
        }
        // The rebase rewrites the index and work tree: no local writer may be mid-snapshot.
        repo.begin_write()?;
        let result = rebase_onto_fetched(&cli, remote, branch);
        repo.end_write();
        result?;
        rebased = true;
    }
    Err(StoreError::Push {
        message: format!(
            "{remote}/{branch} kept moving: push rejected {MAX_ATTEMPTS} times; run again later"
        ),
    })
}

/// Rebases the current branch onto FETCH_HEAD; on failure aborts and names the conflicts.
fn rebase_onto_fetched(cli: &GitCli<'_>, remote: &str, branch: &str) -> Result<(), StoreError> {
    let out = cli.run(&["rebase", "--no-autostash", "FETCH_HEAD"])?;
    if out.status.success() {
        return Ok(());
    }
    let conflicts = cli.run(&["diff", "--name-only", "--diff-filter=U", "-z"])?;
    let paths: Vec<String> = String::from_utf8_lossy(&conflicts.stdout)
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let aborted = if rebase_in_progress(cli.git_dir) {
        cli.run(&["rebase", "--abort"])?.status.success()
    } else {
        true
    };
    let mut message = if paths.is_empty() {
        format!("rebasing onto {remote}/{branch} failed: {}", describe(&out))
    } else {
        format!(
            "rebasing onto {remote}/{branch} conflicts in: {}; local commits were left as they were",
            paths.join(", ")
        )
    };
    if !aborted {
        message.push_str(" (and `git rebase --abort` failed: resolve the repository by hand)");
    }
    Err(StoreError::Push { message })
}

fn rebase_in_progress(git_dir: &Path) -> bool {
    git_dir.join("rebase-merge").exists() || git_dir.join("rebase-apply").exists()
}

/// True when the porcelain output reports our ref rejected because the remote has commits we
/// lack.
fn is_non_fast_forward(out: &Output) -> bool {
    String::from_utf8_lossy(&out.stdout).lines().any(|line| {
        line.starts_with('!')
            && (line.contains("(fetch first)") || line.contains("(non-fast-forward)"))
    })
}

/// Committer of HEAD: the identity for rebased commits when git config has none.
fn head_committer(repo: &Repo) -> Option<Identity> {
    let git = repo.lock_git();
    let head = super::head_commit(&git).ok()??;
    let committer = head.committer();
    Some(Identity {
        name: committer.name().ok()?.to_string(),
        email: committer.email().ok()?.to_string(),
    })
}

fn check_arg(what: &str, value: &str) -> Result<(), StoreError> {
    if value.is_empty() || value.starts_with('-') || value.contains(['\0', '\n']) {
        return Err(StoreError::Push {
            message: format!("invalid {what} name {value:?}"),
        });
    }
    Ok(())
}

/// Runs git in the repository root with a controlled environment.
pub(super) struct GitCli<'a> {
    pub(super) root: &'a Path,
    pub(super) git_dir: &'a Path,
    pub(super) env: &'a [(String, String)],
    pub(super) identity: Option<Identity>,
}

impl GitCli<'_> {
    fn run(&self, args: &[&str]) -> Result<Output, StoreError> {
        tracing::debug!(args = ?args, "running git");
        self.command(args).output().map_err(|e| StoreError::Push {
            message: format!("could not run git ({e}); is git installed and on PATH?"),
        })
    }

    /// `git -C <root> <args>` without prompts, editors or hooks, in a controlled environment.
    pub(super) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(self.root);
        #[cfg(unix)]
        cmd.args(["-c", "core.hooksPath=/dev/null"]);
        if let Some(identity) = &self.identity {
            cmd.arg("-c")
                .arg(format!("user.name={}", identity.name))
                .arg("-c")
                .arg(format!("user.email={}", identity.email));
        }
        cmd.args(args).stdin(Stdio::null());
        for var in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
            "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_COMMON_DIR",
            "GIT_NAMESPACE",
            "GIT_PREFIX",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("GIT_TERMINAL_PROMPT", "0")
            .env("GCM_INTERACTIVE", "never")
            .env("GIT_EDITOR", "true")
            .env("GIT_SEQUENCE_EDITOR", "true")
            .env("GIT_MERGE_AUTOEDIT", "no")
            .env("LC_ALL", "C");
        for (key, value) in self.env {
            cmd.env(key, value);
        }
        cmd
    }
}

/// A short, credential-free description of a failed git command.
pub(super) fn describe(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = if stderr.trim().is_empty() {
        String::from_utf8_lossy(&out.stdout).into_owned()
    } else {
        stderr.into_owned()
    };
    let mut text = scrub_userinfo(text.trim());
    if text.len() > 2000 {
        let cut = (0..=2000)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push_str(" …");
    }
    format!("{} ({})", text, out.status)
}

/// Replaces `user:password@` in URLs with `***@`, so tokens in remote URLs never reach an
/// error message.
fn scrub_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
