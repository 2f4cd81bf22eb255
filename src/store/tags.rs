//! Named backups (backup sets): an annotated git tag `atlas/<tenant>/<name>` on the commit that
//! holds a version of a tenant, so it can be restored, compared or listed by name later.
//!
//! Any revision argument takes a set's name: what git does not know as a revision is looked up as
//! `atlas/<tenant>/<name>` (in `revisions`, where every revision is resolved), and must name one
//! tenant's set only. Tags are
//! pushed one by one after the branch, so a rebase during the push never leaves a tag on a commit
//! the remote does not have.

use super::{CommitInfo, Identity, LogQuery, Repo, StoreError, layout};
use serde::Serialize;

use super::revisions::BACKUP_SET_PREFIX as PREFIX;

/// One backup set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupSet {
    pub tenant: String,
    pub name: String,
    /// `atlas/<tenant>/<name>`.
    pub tag: String,
    /// The commit it names (full hex id).
    pub commit: String,
    /// When it was made (the tagger's time), RFC 3339.
    pub tagged: String,
    pub tagger: String,
    /// The tag's message: who made it, when, the counts and the run.
    pub message: String,
    /// The first line of the backup commit the set names (the `Backup:` line of its message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
}

/// `atlas/<tenant>/<name>`.
fn tag_name(tenant: &str, name: &str) -> String {
    format!("{PREFIX}{tenant}/{name}")
}

impl Repo {
    /// Tags `rev` as the backup set `name` of `tenant`. The same set on the same commit is kept
    /// as it is; a set of that name on another commit is refused (sets are never moved).
    pub fn tag_backup_set(
        &self,
        tenant: &str,
        name: &str,
        rev: &str,
        tagger: &Identity,
        message: &str,
    ) -> Result<BackupSet, StoreError> {
        let tag = tag_name(tenant, name);
        let refname = format!("refs/tags/{tag}");
        let bad = |reason: &str| StoreError::BackupSet {
            tag: tag.clone(),
            reason: reason.to_string(),
        };
        if name.is_empty() || name.contains('/') || !git2::Reference::is_valid_name(&refname) {
            return Err(bad(
                "not a valid name (letters, digits, `-`, `_` and `.`; no `/`, spaces or `..`)",
            ));
        }
        {
            let git = self.lock_git();
            let commit = super::revisions::resolve_commit(&git, rev)?;
            let has_tenant = commit
                .tree()
                .ok()
                .and_then(|t| {
                    t.get_path(std::path::Path::new(&layout::tenant(tenant)))
                        .ok()
                })
                .is_some();
            if !has_tenant {
                return Err(bad(&format!("{rev} holds no tenant `{tenant}`")));
            }
            if let Ok(existing) = git.find_reference(&refname) {
                let at = existing.peel_to_commit().map(|c| c.id());
                if at.ok() != Some(commit.id()) {
                    return Err(bad(&format!(
                        "exists on another commit; backup sets are never moved (`git tag -d {tag}` removes it)"
                    )));
                }
            } else {
                let sig = git2::Signature::new(
                    &tagger.name,
                    &tagger.email,
                    &git2::Time::new(crate::clock::now().as_second(), 0),
                )
                .map_err(|e| StoreError::git("make the tagger signature", e))?;
                git.tag(&tag, commit.as_object(), &sig, message, false)
                    .map_err(|e| StoreError::git(format!("create the tag {tag}"), e))?;
            }
        }
        self.backup_sets(Some(tenant))?
            .into_iter()
            .find(|s| s.tag == tag)
            .ok_or_else(|| bad("was not found after it was made"))
    }

    /// Names the version of `tenant` at `rev` (the commit that last changed its folder) as the
    /// backup set `name`, with the message every set carries: the version, its backup, who
    /// tagged it and when, and `note`.
    pub fn name_version(
        &self,
        tenant: &str,
        name: &str,
        rev: &str,
        tagger: &Identity,
        note: Option<&str>,
    ) -> Result<BackupSet, StoreError> {
        let version = self
            .tenant_version(tenant, rev)?
            .ok_or_else(|| StoreError::BackupSet {
                tag: tag_name(tenant, name),
                reason: format!("{rev} holds no version of tenant `{tenant}`"),
            })?;
        let text = format!(
            "Backup set {name} of {tenant}\n\nVersion: {} ({})\nBackup: {}\nTagged by {} <{}> at {}{}",
            version.short_id,
            version.time,
            version.summary,
            tagger.name,
            tagger.email,
            jiff::Timestamp::from_second(crate::clock::now().as_second()).unwrap_or_default(),
            note.map(|m| format!("\n\n{m}")).unwrap_or_default()
        );
        self.tag_backup_set(tenant, name, &version.id, tagger, &text)
    }

    /// Backup sets, of one tenant or all, sorted by tenant, then newest first.
    pub fn backup_sets(&self, tenant: Option<&str>) -> Result<Vec<BackupSet>, StoreError> {
        let git = self.lock_git();
        let pattern = match tenant {
            Some(t) => format!("{PREFIX}{t}/*"),
            None => format!("{PREFIX}*"),
        };
        let names = git
            .tag_names(Some(&pattern))
            .map_err(|e| StoreError::git("list the tags", e))?;
        let mut out = vec![];
        for tag in names.iter().flatten().flatten() {
            let Some((t, name)) = tag
                .strip_prefix(PREFIX)
                .and_then(|rest| rest.split_once('/'))
            else {
                continue;
            };
            let Ok(reference) = git.find_reference(&format!("refs/tags/{tag}")) else {
                continue;
            };
            let Ok(commit) = reference.peel_to_commit() else {
                continue;
            };
            // Annotated: the tagger and message; a lightweight tag (made by hand) has the commit's.
            let (tagged, tagger, message) = match reference.peel_to_tag() {
                Ok(a) => (
                    a.tagger().map(|s| s.when().seconds()),
                    a.tagger()
                        .map(|s| s.name().unwrap_or_default().to_string())
                        .unwrap_or_default(),
                    a.message()
                        .ok()
                        .flatten()
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                ),
                Err(_) => (
                    Some(commit.author().when().seconds()),
                    commit.author().name().unwrap_or_default().to_string(),
                    commit
                        .summary()
                        .ok()
                        .flatten()
                        .unwrap_or_default()
                        .to_string(),
                ),
            };
            let backup = message
                .lines()
                .find_map(|l| l.strip_prefix("Backup: "))
                .map(str::to_string);
            out.push(BackupSet {
                backup,
                tenant: t.to_string(),
                name: name.to_string(),
                tag: tag.to_string(),
                commit: commit.id().to_string(),
                tagged: tagged
                    .and_then(|s| jiff::Timestamp::from_second(s).ok())
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                tagger,
                message,
            });
        }
        out.sort_by(|a, b| (&a.tenant, &b.tagged, &a.name).cmp(&(&b.tenant, &a.tagged, &b.name)));
        Ok(out)
    }

    /// The commit that last changed a tenant's folder at `rev`: the version of that tenant a
    /// backup set made right after a backup names (a backup that changed nothing tags the
    /// commit of the one before).
    pub fn tenant_version(
        &self,
        tenant: &str,
        rev: &str,
    ) -> Result<Option<CommitInfo>, StoreError> {
        let log = self.log(&LogQuery {
            paths: vec![format!("{}/", layout::tenant(tenant))],
            rev: Some(rev.to_string()),
            limit: Some(1),
            ..LogQuery::default()
        })?;
        Ok(log.into_iter().next().map(|e| e.commit))
    }
}
