//! One round of one tenant, as its mode says: `backup` backs up and commits what changed, `report`
//! compares live with the desired commit and records the drift, `enforce` plans the desired commit
//! against live and applies it when every guardrail holds. Every failure becomes the round's result
//! and message — a round never fails the loop.

use super::guard;
use crate::apply::{self, ApplySettings, journal};
use crate::backup::{self, BackupSettings, TenantTarget};
use crate::config::{Config, Mode, TenantConfig};
use crate::graph::ClientStats;
use crate::plan::{Action, Plan, build, resolve::Mappings};
use crate::records::status::{Drift, DriftObject, Round, RoundKind, RoundResult};
use crate::render::text::count;
use crate::store::Repo;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What every round shares.
#[derive(Clone)]
pub struct RoundCtx {
    pub root: PathBuf,
    pub config: Arc<Config>,
    pub config_path: PathBuf,
    /// Enforcement stops between two requests once this is cancelled.
    pub stop: CancellationToken,
    /// The tenant's Graph client, kept by the loop across rounds so its request budget (Intune's
    /// per-app limits) and token span rounds; `None` builds one for the round.
    pub client: Option<crate::graph::GraphClient>,
}

/// A finished round and what it found.
#[derive(Debug, Clone)]
pub struct RoundOutcome {
    pub round: Round,
    pub drift: Option<Drift>,
    /// The objects a backup round committed (what changed in the tenant since its last backup).
    pub committed: Option<Drift>,
    /// Why enforcement was refused.
    pub reasons: Vec<String>,
    /// Set when the tenant was read completely and its backup committed or found unchanged.
    pub backed_up: bool,
    /// An enforce round's apply: every item it wrote was read back equal to the desired commit.
    pub verified: bool,
    /// Graph requests the round made itself, outside the backup and apply runs it lists (those count
    /// theirs in their own run logs), so that summing every run log counts each request once.
    pub graph: ClientStats,
    /// Requests of the runs it made (subtracted from the round's total).
    children: ClientStats,
    pub tenant_id: String,
}

/// The command recorded in locks the loop takes.
pub const COMMAND: &str = "tenant-atlas reconcile";

/// Runs one round of `tenant` (`trigger` says what scheduled it).
pub async fn run(ctx: &RoundCtx, tenant: &TenantConfig, trigger: &str) -> RoundOutcome {
    let started = crate::clock::now();
    let kind = RoundKind::of(tenant.mode);
    let mut out = RoundOutcome {
        round: Round {
            run_id: crate::clock::run_id(started),
            kind,
            result: RoundResult::Failed,
            started,
            finished: started,
            message: None,
            trigger: trigger.to_string(),
            runs: vec![],
        },
        drift: None,
        committed: None,
        reasons: vec![],
        backed_up: false,
        verified: false,
        graph: ClientStats::default(),
        children: ClientStats::default(),
        tenant_id: tenant.tenant_id.clone(),
    };
    let base = ctx.client.as_ref().map(|c| c.stats());
    let done = match Repo::open(&ctx.root) {
        Err(e) => Err(e.to_string()),
        Ok(repo) => match tenant.mode {
            Mode::Backup => backup_round(ctx, &repo, tenant, &mut out).await,
            Mode::Report => report_round(ctx, &repo, tenant, &mut out).await,
            Mode::Enforce => enforce_round(ctx, &repo, tenant, &mut out).await,
        },
    };
    if let Err(e) = done {
        out.round.result = RoundResult::Failed;
        out.round.message = Some(e);
    }
    if let (Some(c), Some(base)) = (&ctx.client, base) {
        out.graph = c.stats().since(&base).since(&out.children);
    }
    out.round.finished = crate::clock::now();
    out
}

pub(super) fn target_of(ctx: &RoundCtx, t: &TenantConfig) -> Result<TenantTarget, String> {
    match &ctx.client {
        Some(client) => Ok(TenantTarget::with_client(t, client.clone())),
        None => TenantTarget::from_config(t, &ctx.config_path, None),
    }
}

async fn backup_round(
    ctx: &RoundCtx,
    repo: &Repo,
    t: &TenantConfig,
    out: &mut RoundOutcome,
) -> Result<(), String> {
    use backup::runlog::Outcome;
    let target = target_of(ctx, t)?;
    let client = target.client.clone();
    let git = &ctx.config.git;
    let settings = BackupSettings {
        only: None,
        message: None,
        author: repo.author(ctx.config.git_author()),
        push: git.push.then(|| (git.remote.clone(), git.branch.clone())),
        command: COMMAND.into(),
        break_lock: None,
        restricted: false,
        docs: false,
        scrub: vec![],
        run_id: None,
    };
    let before = client.stats();
    let outcomes = backup::run(
        ctx.root.clone(),
        vec![target],
        Arc::new(settings),
        Arc::new(backup::NoProgress),
    )
    .await;
    out.children = out.children.plus(&client.stats().since(&before));
    let o = outcomes
        .into_iter()
        .next()
        .ok_or("the backup returned nothing")?;
    if !o.run_id.is_empty() {
        out.round.runs.push(o.run_id.clone());
    }
    out.round.result = match o.outcome {
        Outcome::Success => RoundResult::Success,
        Outcome::NoChange => RoundResult::NoChange,
        Outcome::Partial => RoundResult::Partial,
        Outcome::Failed => RoundResult::Failed,
        Outcome::Refused => RoundResult::Refused,
    };
    out.backed_up = matches!(o.outcome, Outcome::Success | Outcome::NoChange);
    if let Some(c) = &o.commit {
        out.committed = committed_changes(repo, &t.name, c);
    }
    out.round.message = o.locked.or(o.error).or_else(|| {
        let failed: Vec<String> = o
            .failures
            .iter()
            .map(|f| format!("{}: {}", f.kind, f.message))
            .collect();
        match (&o.commit, failed.is_empty()) {
            (_, false) => Some(format!("not read: {}", failed.join("; "))),
            (Some(c), true) => Some(format!("committed {}", &c[..c.len().min(10)])),
            (None, true) => None,
        }
    });
    Ok(())
}

/// A changed object as the status file and notifications list it.
fn drift_object(o: &crate::render::ObjectChange) -> DriftObject {
    DriftObject {
        change: o.change.as_str().to_string(),
        kind: o.kind.clone(),
        name: o.name.clone(),
        path: o.path.clone(),
    }
}

/// What the backup commit `commit` changed in the tenant's folder, as drift objects (None when it
/// has no parent or cannot be read: the notification then goes without the list).
fn committed_changes(repo: &Repo, tenant: &str, commit: &str) -> Option<Drift> {
    let parent = format!("{commit}^");
    let against = repo.commit_info(&parent).ok()?.id;
    let mut warnings = vec![];
    let objects = crate::render::load::compare_revs(
        repo,
        &parent,
        commit,
        &[crate::store::layout::tenant(tenant)],
        &mut warnings,
    )
    .ok()?;
    Some(Drift {
        checked: crate::clock::now(),
        against,
        objects: objects.iter().map(drift_object).collect(),
        unread: vec![],
        corrected: vec![],
    })
}

async fn report_round(
    ctx: &RoundCtx,
    repo: &Repo,
    t: &TenantConfig,
    out: &mut RoundOutcome,
) -> Result<(), String> {
    let rev = t.desired.as_deref().unwrap_or("HEAD");
    let commit = repo
        .commit_info(rev)
        .map_err(|e| format!("desired state {rev}: {e}"))?;
    let target = target_of(ctx, t)?;
    let label = format!("{rev} ({})", commit.short_id);
    let d = crate::drift::drift(repo, &commit.id, &label, &target)
        .await
        .map_err(|e| e.to_string())?;
    let objects: Vec<DriftObject> = d.report.objects.iter().map(drift_object).collect();
    let unread: Vec<String> = d
        .report
        .unread
        .iter()
        .map(|u| match &u.object {
            Some(o) => format!("{} {o}", u.kind),
            None => u.kind.clone(),
        })
        .collect();
    let n = objects.len();
    out.round.result = if !d.failures.is_empty() {
        RoundResult::Partial
    } else if n > 0 {
        RoundResult::Drift
    } else {
        RoundResult::NoChange
    };
    out.round.message = match (n, unread.len()) {
        (0, 0) => None,
        (n, 0) => Some(format!(
            "{} drifted from {label}",
            count(n, "object", "objects")
        )),
        (n, u) => Some(format!(
            "{} drifted from {label}; {u} not read: {}",
            count(n, "object", "objects"),
            unread.join(", ")
        )),
    };
    out.drift = Some(Drift {
        checked: crate::clock::now(),
        against: commit.id,
        objects,
        unread,
        corrected: vec![],
    });
    Ok(())
}

/// The plan's items that differ from live, as drift.
fn plan_drift(plan: &Plan) -> Drift {
    let objects = plan
        .items
        .iter()
        .filter(|i| i.action != Action::NoOp)
        .map(|i| DriftObject {
            change: if i.target_id.is_none() {
                "removed".into()
            } else {
                "changed".into()
            },
            kind: i.kind.clone(),
            name: i.name.clone(),
            path: i.path.clone(),
        })
        .collect();
    Drift {
        checked: crate::clock::now(),
        against: plan.commit.clone(),
        objects,
        unread: vec![],
        corrected: vec![],
    }
}

async fn enforce_round(
    ctx: &RoundCtx,
    repo: &Repo,
    t: &TenantConfig,
    out: &mut RoundOutcome,
) -> Result<(), String> {
    // An apply a stop (or a kill) interrupted is finished first, exactly as planned — while it still
    // is what would be planned now: the same desired commit, within today's guardrails and windows.
    // Otherwise it is dropped and the tenant planned afresh from live, which already holds whatever
    // it did apply.
    let pending = journal::pending_plans(repo, &t.name).map_err(|e| e.to_string())?;
    let mut dropped = vec![];
    for plan in pending {
        match resumable(repo, t, &plan) {
            Ok(()) => {
                out.round.trigger = format!("{} (resume)", out.round.trigger);
                out.drift = Some(plan_drift(&plan));
                return apply_plan(ctx, repo, t, plan, out, true).await;
            }
            Err(why) => {
                tracing::info!(tenant = %t.name, plan = %plan.hash, reason = %why, "dropping an interrupted apply's kept plan");
                journal::drop_plan(repo, &t.name, &plan.hash);
                dropped.push(format!(
                    "dropped the interrupted apply of plan {} ({why})",
                    plan.hash
                ));
            }
        }
    }
    let done = plan_and_enforce(ctx, repo, t, out).await;
    if !dropped.is_empty() {
        let mut m = dropped.join("; ");
        if let Some(rest) = &out.round.message {
            m = format!("{m}; {rest}");
        }
        out.round.message = Some(m);
    }
    done
}

/// Why a kept plan may not be resumed now (`Ok` when it may).
fn resumable(repo: &Repo, t: &TenantConfig, plan: &Plan) -> Result<(), String> {
    let desired = t.desired.as_deref().unwrap_or("HEAD");
    let now = repo
        .commit_info(desired)
        .map_err(|e| format!("desired state {desired}: {e}"))?;
    if now.id != plan.commit {
        return Err(format!(
            "`{desired}` moved from {} to {}",
            &plan.commit[..plan.commit.len().min(10)],
            now.short_id
        ));
    }
    let reasons = guard::reasons(plan, t, crate::clock::now());
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons.join("; "))
    }
}

/// Plans the desired commit against live and applies it when every guardrail holds.
async fn plan_and_enforce(
    ctx: &RoundCtx,
    repo: &Repo,
    t: &TenantConfig,
    out: &mut RoundOutcome,
) -> Result<(), String> {
    let desired = t
        .desired
        .as_deref()
        .ok_or_else(|| format!("tenant {}: enforce needs `desired`", t.name))?;
    let commit = repo
        .commit_info(desired)
        .map_err(|e| format!("desired state {desired}: {e}"))?;
    let target = target_of(ctx, t)?;
    let plan = build_plan(repo, &t.name, &commit.id, &target).await?;
    let drift = plan_drift(&plan);
    let differs = !drift.objects.is_empty();
    out.drift = Some(drift);
    let mut reasons = guard::reasons(&plan, t, crate::clock::now());
    reasons.extend(
        plan.warnings
            .iter()
            .map(|w| format!("desired document unreadable: {w}")),
    );
    if !differs && reasons.is_empty() {
        out.round.result = RoundResult::NoChange;
        return Ok(());
    }
    if !reasons.is_empty() {
        out.round.result = RoundResult::Refused;
        out.round.message = Some(format!(
            "{} not applied: {}",
            plan.summary.sentence(),
            reasons.join("; ")
        ));
        out.reasons = reasons;
        return Ok(());
    }
    apply_plan(ctx, repo, t, plan, out, false).await
}

/// Plans the tenant's folder at `commit` against live (secrets only from `ATLAS_SECRET_…`).
async fn build_plan(
    repo: &Repo,
    tenant: &str,
    commit: &str,
    target: &TenantTarget,
) -> Result<Plan, String> {
    let scrub = apply::scrub_of(&apply::Secrets::new());
    let no_file = apply::Secrets::new();
    let supplied = |doc: &str, path: &str| apply::secret_value(&no_file, doc, path).is_some();
    let mappings = Mappings::default();
    let opts = build::Options {
        rev: commit,
        source_tenant: tenant,
        only: None,
        only_patterns: vec![],
        type_keys: vec![],
        mappings: &mappings,
        secret_supplied: &supplied,
        scrub: &scrub,
        create_missing: false,
    };
    build::build(repo, &opts, target)
        .await
        .map_err(|e| e.to_string())
}

/// Was every item an apply wrote read back equal to the desired commit? (An item whose read-back
/// failed has no verdict and does not count as verified.)
fn all_written_verified(items: &[apply::runlog::ItemResult]) -> bool {
    items
        .iter()
        .all(|i| i.result != apply::runlog::ItemStatus::Applied || i.converged == Some(true))
}

async fn apply_plan(
    ctx: &RoundCtx,
    repo: &Repo,
    t: &TenantConfig,
    plan: Plan,
    out: &mut RoundOutcome,
    resumed: bool,
) -> Result<(), String> {
    use apply::runlog::Outcome;
    if ctx.stop.is_cancelled() {
        // Stopped while planning: nothing started, nothing to resume but a plan kept before.
        out.round.result = RoundResult::Refused;
        out.round.message = Some(apply::STOPPED_BEFORE.into());
        out.reasons = vec![apply::STOPPED_BEFORE.into()];
        return Ok(());
    }
    let target = target_of(ctx, t)?;
    let client = target.client.clone();
    let settings = ApplySettings {
        secrets: apply::Secrets::new(),
        author: repo.author(ctx.config.git_author()),
        command: COMMAND.into(),
        break_lock: None,
        backup_after: true,
        stop: Some(ctx.stop.clone()),
        verify_key: None,
        requested_by: None,
    };
    let hash = plan.hash.clone();
    let sentence = plan.summary.sentence();
    let before = client.stats();
    let report = apply::apply(ctx.root.clone(), target, plan, settings).await;
    out.children = out.children.plus(&client.stats().since(&before));
    out.round.runs.push(report.run_id.clone());
    out.round.runs.extend(report.backup_run.clone());
    out.backed_up = report.backup_commit.is_some();
    // Drift counts as corrected only when every item written was read back equal to the commit.
    out.verified = all_written_verified(&report.items);
    out.round.result = match report.outcome {
        Outcome::Success => RoundResult::Success,
        Outcome::Partial => RoundResult::Partial,
        Outcome::Refused => RoundResult::Refused,
        Outcome::Failed => RoundResult::Failed,
    };
    let what = if resumed {
        format!("resumed the interrupted apply of plan {hash}")
    } else {
        format!("applied ({sentence})")
    };
    out.round.message = Some(match &report.message {
        Some(m) => format!("{what}: {m}"),
        None => what,
    });
    if report.outcome == Outcome::Refused {
        out.reasons = report.message.iter().cloned().collect();
        // A kept plan the tenant no longer matches (or one already applied) is dropped: the next
        // round plans afresh from live, which already holds whatever the plan did apply. A plan
        // refused for a passing reason (the lock held, the tenant not readable) is kept, with its
        // journal, for the next round.
        if resumed && report.obsolete {
            journal::drop_plan(repo, &t.name, &hash);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use apply::runlog::{ItemResult, ItemStatus};

    #[test]
    fn only_writes_read_back_equal_count_as_verified() {
        let item = |result: ItemStatus, converged: Option<bool>| ItemResult {
            index: 0,
            kind: "scopeTags".into(),
            name: "Berlin".into(),
            source_id: "1".into(),
            action: crate::plan::Action::Create,
            result,
            target_id: None,
            converged,
            message: None,
            requests: vec![],
        };
        let ok = item(ItemStatus::Applied, Some(true));
        let skipped = item(ItemStatus::NotApplied, None);
        assert!(all_written_verified(&[ok.clone(), skipped.clone()]));
        assert!(all_written_verified(&[]));
        // A failed read-back leaves no verdict: not verified.
        assert!(!all_written_verified(&[
            ok.clone(),
            item(ItemStatus::Applied, None)
        ]));
        assert!(!all_written_verified(&[
            ok,
            item(ItemStatus::Applied, Some(false))
        ]));
    }
}
