//! Applying a saved plan: exactly its requests, in its order, never twice.
//!
//! The tenant is locked; every target is re-read first and the whole plan refused when any object
//! changed since it was planned (an absent one appearing included). Each request is journalled and
//! synced before it is sent ([`journal`]), so a killed apply resumes without duplicates; a create
//! whose answer was lost is looked up by name before it is ever sent again. Afterwards every item is
//! read back and compared with the desired state, the run log is committed under `runs/`, and a
//! backup commit records the tenant's new state.

pub mod journal;
mod recover;
mod replan;
pub mod runlog;
mod secrets;
pub mod verify;

use crate::backup::{self, TenantTarget};
use crate::catalog;
use crate::graph::GraphError;
use crate::plan::{Action, Item, Plan, build};
use crate::store::lock::{LockError, LockHolder, TenantLock};
use crate::store::{Identity, Repo};
use journal::{Event, Journal, Progress};
use recover::{find_created, find_posted};
use replan::{created_links, replan, stale_reason};
use runlog::{ApplyRunLog, ItemResult, ItemStatus, Outcome, RequestResult};
use secrets::inject_secrets;
pub use secrets::{scrub_of, secret_value};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use verify::{Check, Checks};

/// Secret values by document path, then secret path (`spec.omaSettings[2].value`).
pub type Secrets = BTreeMap<String, BTreeMap<String, String>>;

pub struct ApplySettings {
    pub secrets: Secrets,
    pub author: Identity,
    pub command: String,
    pub break_lock: Option<String>,
    /// Back up the tenant after applying (the design's rule; off only in tests of apply alone).
    pub backup_after: bool,
    /// Unattended applies (reconcile): checked between requests. Once cancelled, the apply stops
    /// after the request in flight is answered and journalled, leaves the journal unfinished and
    /// keeps the plan beside it ([`journal::keep_plan`]) so the next start resumes it. `None`
    /// for a person's `apply`, which is never stopped half-way by this.
    pub stop: Option<tokio_util::sync::CancellationToken>,
    /// `--verify-key-env`: the plan must carry a signature made with this key.
    pub verify_key: Option<crate::plan::sign::Key>,
}

/// What an apply did.
#[derive(Debug)]
pub struct ApplyReport {
    pub run_id: String,
    pub outcome: Outcome,
    pub message: Option<String>,
    pub items: Vec<ItemResult>,
    pub run_log: Option<String>,
    pub commit: Option<String>,
    pub backup_commit: Option<String>,
    /// Run id of the backup that followed the apply (its own run log).
    pub backup_run: Option<String>,
    /// Stopped by [`ApplySettings::stop`] before every item was attempted (outcome `Partial`).
    pub interrupted: bool,
    /// Refused because another run holds the tenant's lock (worth trying again later).
    pub locked: bool,
    /// Refused for good: the plan no longer matches the tenant (changed since planned, another
    /// tenant, altered file) or was already applied. A kept plan refused so is dropped; one refused
    /// for a passing reason (lock held, tenant not readable) is kept.
    pub obsolete: bool,
    /// What was checked before anything was sent ([`verify`]).
    pub checks: Checks,
}

/// Applies `plan` to `target`.
pub async fn apply(
    root: PathBuf,
    target: TenantTarget,
    plan: Plan,
    settings: ApplySettings,
) -> ApplyReport {
    let started = crate::clock::now();
    // The client may serve several runs (the reconcile loop keeps one): this run logs its own requests.
    let base = target.client.stats();
    let run_id = crate::clock::run_id(started);
    let mut report = ApplyReport {
        run_id: run_id.clone(),
        outcome: Outcome::Refused,
        message: None,
        items: vec![],
        run_log: None,
        commit: None,
        backup_commit: None,
        backup_run: None,
        interrupted: false,
        locked: false,
        obsolete: false,
        checks: Checks::default(),
    };
    let repo = match Repo::open(&root) {
        Ok(r) => r,
        Err(e) => {
            report.outcome = Outcome::Failed;
            report.message = Some(e.to_string());
            return report;
        }
    };
    // Refusals keep a run log too (outside history).
    let refuse = |mut r: ApplyReport, m: String| {
        r.message = Some(m);
        record(&repo, &target, &plan, &settings, &mut r, (started, &base));
        r
    };
    if let Err(m) = check_file(
        &repo,
        &plan,
        settings.verify_key.as_ref(),
        &mut report.checks,
    ) {
        report.obsolete = true;
        return refuse(report, m);
    }
    if plan.target.tenant_id != target.tenant_id {
        report.obsolete = true;
        return refuse(
            report,
            format!(
                "the plan is for tenant {} ({}), but {} is {}",
                plan.target.tenant, plan.target.tenant_id, target.name, target.tenant_id
            ),
        );
    }
    if let Some(stale) = &settings.break_lock
        && let Err(e) = TenantLock::break_stale(&repo, &target.name, stale)
        && !matches!(e, LockError::NotHeld { .. })
    {
        return refuse(report, e.to_string());
    }
    let holder = LockHolder::current(&run_id, started, &settings.command);
    let lock = match TenantLock::acquire(&repo, &target.name, holder) {
        Ok(l) => l,
        Err(LockError::Held { holder, .. }) => {
            report.locked = true;
            let m = format!(
                "tenant {} is locked by run {} since {} (pid {} on {}, `{}`)",
                target.name, holder.run_id, holder.started, holder.pid, holder.host, holder.command
            );
            return refuse(report, m);
        }
        Err(e) => return refuse(report, e.to_string()),
    };
    let outcome = run_locked(&repo, &target, &plan, &settings, &mut report).await;
    let _ = lock.release();
    report.outcome = outcome;
    record(
        &repo,
        &target,
        &plan,
        &settings,
        &mut report,
        (started, &base),
    );
    if settings.backup_after
        && !report.interrupted
        && !matches!(report.outcome, Outcome::Refused | Outcome::Failed)
        && let Some((commit, run)) = backup_after(&root, target, &settings, &report.run_id).await
    {
        report.backup_commit = commit;
        report.backup_run = Some(run);
    }
    report
}

/// The checks that need neither the lock nor Graph: hash, signature, request shapes, commit.
/// `apply` makes them first; the CLI makes them before it asks for confirmation too.
pub fn check_file(
    repo: &Repo,
    plan: &Plan,
    verify_key: Option<&crate::plan::sign::Key>,
    checks: &mut Checks,
) -> Result<(), String> {
    let fail = |check: &mut Check, m: String| {
        *check = Check::Refused;
        Err(m)
    };
    if !plan.is_intact() {
        return fail(
            &mut checks.hash,
            "the plan file was changed after it was made (its hash does not match); make a new plan"
                .into(),
        );
    }
    checks.hash = Check::Passed;
    if let Some(key) = verify_key {
        if let Err(e) = crate::plan::sign::verify(plan, key) {
            return fail(&mut checks.signature, format!("{e}; nothing was applied"));
        }
        checks.signature = Check::Passed;
    }
    let problems = verify::shape_problems(plan);
    if !problems.is_empty() {
        return fail(
            &mut checks.shape,
            format!(
                "the plan file asks for requests tenant-atlas never makes; nothing was applied:\n  {}",
                problems.join("\n  ")
            ),
        );
    }
    checks.shape = Check::Passed;
    if let Err(m) = verify::source_commit(repo, plan) {
        return fail(&mut checks.commit, format!("{m}; nothing was applied"));
    }
    checks.commit = Check::Passed;
    Ok(())
}

async fn run_locked(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    settings: &ApplySettings,
    report: &mut ApplyReport,
) -> Outcome {
    let journal_path = match Journal::path(repo, &target.name, &plan.hash) {
        Ok(p) => p,
        Err(e) => {
            report.message = Some(e.to_string());
            return Outcome::Failed;
        }
    };
    let progress = Journal::read(&journal_path);
    if progress.finished {
        report.obsolete = true;
        report.message =
            Some("this plan was already applied; make a new plan to restore again".into());
        return Outcome::Refused;
    }
    if stopped(settings) {
        report.message = Some(STOPPED_BEFORE.into());
        return Outcome::Refused;
    }
    // The commit planned again against the tenant as it is now: one read of the tenant serves the
    // fingerprint check and the derivation check. Objects an earlier run of this plan created are
    // their documents' objects, by the ids its journal recorded.
    let journalled = created_links(plan, progress.created.iter().map(|(i, id)| (*i, id)));
    let derived = replan(repo, target, plan, &settings.secrets, &journalled).await;
    let unreadable = |(p, l): (Plan, build::LiveObjects)| {
        let kinds: Vec<&str> = plan
            .items
            .iter()
            .filter(|i| i.action.writes())
            .map(|i| i.kind.as_str())
            .collect();
        match l
            .unreadable
            .iter()
            .find(|(k, _)| kinds.contains(&k.as_str()))
        {
            Some((k, m)) => Err(format!("{k}: {m}")),
            None => Ok((p, l.objects)),
        }
    };
    let (derived, live) = match derived.and_then(unreadable) {
        Ok(l) => l,
        Err(e) => {
            report.message = Some(format!(
                "the plan could not be checked against its commit and the tenant: {e}"
            ));
            return Outcome::Refused;
        }
    };
    let stale: Vec<String> = plan
        .items
        .iter()
        .enumerate()
        .filter(|(i, item)| item.action.writes() && !progress.started(*i))
        .filter_map(|(_, item)| stale_reason(item, &live, &derived))
        .collect();
    if !stale.is_empty() {
        report.obsolete = true;
        report.message = Some(format!(
            "the tenant changed since the plan was made; nothing was applied — make a new plan:\n  {}",
            stale.join("\n  ")
        ));
        return Outcome::Refused;
    }
    // Every item the file writes must be what the commit gives. A resumed plan was checked when it
    // first started (its journal exists only after that), and the objects it wrote since differ.
    if progress == Progress::default() {
        let differences = verify::differences(plan, &derived);
        if !differences.is_empty() {
            report.obsolete = true;
            report.checks.derivation = Check::Refused;
            report.message = Some(format!(
                "the plan file does not match what its commit gives against the tenant now (the file was edited, or objects it refers to changed); nothing was applied — make a new plan:\n  {}",
                differences.join("\n  ")
            ));
            return Outcome::Refused;
        }
        report.checks.derivation = Check::Passed;
    } else {
        report.checks.derivation = Check::CheckedAtFirstStart;
    }
    if stopped(settings) {
        report.message = Some(STOPPED_BEFORE.into());
        return Outcome::Refused;
    }
    // An unattended apply keeps its plan beside the journal until it finishes, so a stop or a
    // kill leaves what the next start needs to resume it.
    if settings.stop.is_some()
        && let Err(e) = journal::keep_plan(repo, &target.name, plan)
    {
        report.message = Some(e.to_string());
        return Outcome::Failed;
    }
    let mut journal = match Journal::open(journal_path) {
        Ok(j) => j,
        Err(e) => {
            report.message = Some(e.to_string());
            return Outcome::Failed;
        }
    };
    // Ids of objects this apply created, by (type, source id): later items refer to them.
    let mut created: BTreeMap<String, String> = BTreeMap::new();
    // Objects that are other items' (matched, or created by this plan): a create whose answer was
    // lost is never found among them, whatever their names.
    let mut taken: BTreeSet<String> = plan
        .items
        .iter()
        .filter_map(|i| i.target_id.clone())
        .chain(progress.created.values().cloned())
        .collect();
    for (i, item) in plan.items.iter().enumerate() {
        let mut result = ItemResult::new(item);
        result.index = i;
        if !item.action.writes() {
            result.result = ItemStatus::NotApplied;
            report.items.push(result);
            continue;
        }
        let ctx = Ctx {
            target,
            settings,
            progress: &progress,
            created_refs: &created,
            taken: &taken,
        };
        let applied = apply_item(i, item, &ctx, &mut journal, &mut result).await;
        if let Ok(false) = applied {
            // Stopped between two requests: the journal says what was done.
            result.message = Some("not finished: the apply was stopped".into());
            report.items.push(result);
            report.interrupted = true;
            break;
        }
        if let Some(id) = &result.target_id {
            taken.insert(id.clone());
        }
        if let Err(e) = applied {
            result.result = ItemStatus::Failed;
            result.message = Some(e);
        } else if item.action == Action::Create
            && let Some(id) = &result.target_id
        {
            created.insert(
                format!("{{created:{}:{}}}", item.kind, item.source_id),
                id.clone(),
            );
        }
        report.items.push(result);
    }
    let sent = report
        .items
        .iter()
        .any(|r| matches!(r.result, ItemStatus::Applied | ItemStatus::Failed));
    if report.interrupted && !sent && progress == Progress::default() {
        // Stopped before the first request of a plan never started: nothing to resume.
        journal::drop_plan(repo, &target.name, &plan.hash);
        report.interrupted = false;
        report.message = Some(STOPPED_BEFORE.into());
        return Outcome::Refused;
    }
    if report.interrupted {
        let done = report
            .items
            .iter()
            .filter(|r| r.result == ItemStatus::Applied)
            .count();
        report.message = Some(format!(
            "stopped after {done} of {}; the journal is kept and the next reconcile start resumes this plan",
            crate::render::text::count(plan.summary.to_apply(), "item", "items")
        ));
        return Outcome::Partial;
    }
    let _ = journal.record(&Event::Finished);
    if settings.stop.is_some() {
        journal::drop_plan(repo, &target.name, &plan.hash);
    }
    // Read back: planning the same commit again, each applied item must now be unchanged — paired
    // with the object its create returned, whatever other objects share its name.
    let made = created_links(
        plan,
        report
            .items
            .iter()
            .filter_map(|r| r.target_id.as_ref().map(|id| (r.index, id))),
    );
    match replan(repo, target, plan, &settings.secrets, &made).await {
        Ok((again, _)) => {
            for r in report
                .items
                .iter_mut()
                .filter(|r| r.result == ItemStatus::Applied)
            {
                let path = &plan.items[r.index].path;
                r.converged = Some(
                    again
                        .items
                        .iter()
                        .find(|i| &i.path == path)
                        .is_some_and(|i| i.action == Action::NoOp),
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not read the tenant back after applying"),
    }
    let failed = report.items.iter().any(|r| r.result == ItemStatus::Failed);
    let unconverged = report.items.iter().any(|r| r.converged == Some(false));
    if failed || unconverged {
        Outcome::Partial
    } else {
        Outcome::Success
    }
}

/// Why an apply stopped before its first request was refused.
pub const STOPPED_BEFORE: &str = "stopped before applying; nothing was sent";

/// Has [`ApplySettings::stop`] been cancelled?
fn stopped(settings: &ApplySettings) -> bool {
    settings.stop.as_ref().is_some_and(|s| s.is_cancelled())
}

/// What every item of one apply shares.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    target: &'a TenantTarget,
    settings: &'a ApplySettings,
    /// What an earlier, interrupted run of this plan did.
    progress: &'a Progress,
    /// Ids of objects created so far, by their placeholder.
    created_refs: &'a BTreeMap<String, String>,
    /// Ids of objects that belong to other items.
    taken: &'a BTreeSet<String>,
}

/// Sends one item's requests that are not done yet; `Ok(false)` when the stop signal came before
/// all were sent.
async fn apply_item(
    index: usize,
    item: &Item,
    ctx: &Ctx<'_>,
    journal: &mut Journal,
    result: &mut ItemResult,
) -> Result<bool, String> {
    let Ctx {
        target,
        settings,
        progress,
        created_refs,
        taken,
    } = *ctx;
    let mut created = progress.created.get(&index).cloned();
    result.target_id = item.target_id.clone().or_else(|| created.clone());
    if let Some(m) = progress.failed.get(&index) {
        return Err(format!("failed in an earlier run: {m}"));
    }
    for (j, req) in item.requests.iter().enumerate() {
        if progress.done.contains_key(&(index, j)) {
            continue;
        }
        if stopped(settings) {
            return Ok(false);
        }
        let is_create = req.purpose == "create";
        let in_flight = progress.in_flight.contains(&(index, j));
        // A create sent before the process died may have happened: find it before sending again.
        if is_create && (in_flight || created.is_some()) {
            if created.is_none() {
                created = find_created(target, item, &req.path, taken).await?;
            }
            if let Some(id) = &created {
                journal
                    .record(&Event::Done {
                        item: index,
                        request: j,
                        status: 201,
                        created: Some(id.clone()),
                    })
                    .map_err(|e| e.to_string())?;
                result.target_id = Some(id.clone());
                result.requests.push(RequestResult::recovered(req));
                continue;
            }
        }
        let id = created
            .as_deref()
            .or(item.target_id.as_deref())
            .unwrap_or_default();
        let path = req.path.replace(crate::plan::steps::CREATED_ID, id);
        let mut body = match &req.body {
            Some(b) => Some(with_created_refs(b, created_refs)?),
            None => None,
        };
        if matches!(req.purpose.as_str(), "create" | "update")
            && let Some(b) = body.as_mut()
        {
            inject_secrets(b, item, &settings.secrets)?;
        }
        // A sub-collection POST sent before the process died may have happened too.
        if in_flight
            && !is_create
            && req.method == "POST"
            && find_posted(target, &path, body.as_ref()).await?
        {
            journal
                .record(&Event::Done {
                    item: index,
                    request: j,
                    status: 201,
                    created: None,
                })
                .map_err(|e| e.to_string())?;
            result.requests.push(RequestResult::recovered(req));
            continue;
        }
        journal
            .record(&Event::Sending {
                item: index,
                request: j,
            })
            .map_err(|e| e.to_string())?;
        let method =
            reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| e.to_string())?;
        let before = target.client.stats().retries;
        let clock = std::time::Instant::now();
        let mut answer = target
            .client
            .send(method.clone(), &format!("/{path}"), body.as_ref())
            .await;
        // The answer to a create was lost: look for the object, send again only when it is not there.
        let lost = matches!(answer, Err(GraphError::Transport { .. }));
        if lost && !is_create && req.method == "POST" {
            // The same for an object added to a sub-collection (a localized message).
            if find_posted(target, &path, body.as_ref()).await? {
                answer = Ok(crate::graph::GraphResponse {
                    status: 201,
                    body: None,
                    request_id: None,
                });
            } else {
                answer = target
                    .client
                    .send(method.clone(), &format!("/{path}"), body.as_ref())
                    .await;
            }
        }
        if is_create && lost {
            if let Some(found) = find_created(target, item, &req.path, taken).await? {
                answer = Ok(crate::graph::GraphResponse {
                    status: 201,
                    body: Some(serde_json::json!({ "id": found })),
                    request_id: None,
                });
            } else {
                answer = target
                    .client
                    .send(method, &format!("/{path}"), body.as_ref())
                    .await;
            }
        }
        let mut rr = RequestResult {
            method: req.method.clone(),
            path: path.clone(),
            purpose: req.purpose.clone(),
            status: None,
            request_id: None,
            retries: target.client.stats().retries - before,
            duration_ms: clock.elapsed().as_millis() as u64,
            recovered: false,
        };
        match answer {
            Ok(resp) => {
                rr.status = Some(resp.status);
                rr.request_id = resp.request_id.clone();
                let new_id = is_create
                    .then(|| {
                        resp.body
                            .as_ref()
                            .and_then(|b| b["id"].as_str())
                            .map(str::to_string)
                    })
                    .flatten();
                if is_create {
                    let Some(new_id) = new_id.clone() else {
                        result.requests.push(rr);
                        return Err("Graph created the object but returned no id".into());
                    };
                    created = Some(new_id.clone());
                    result.target_id = Some(new_id);
                }
                journal
                    .record(&Event::Done {
                        item: index,
                        request: j,
                        status: resp.status,
                        created: new_id,
                    })
                    .map_err(|e| e.to_string())?;
                result.requests.push(rr);
            }
            Err(e) => {
                rr.status = e.status();
                rr.request_id = e.request_id().map(str::to_string);
                result.requests.push(rr);
                let message = format!("{} {}: {e}", req.method, req.purpose);
                journal
                    .record(&Event::Failed {
                        item: index,
                        request: j,
                        message: message.clone(),
                    })
                    .map_err(|e| e.to_string())?;
                return Err(message);
            }
        }
    }
    result.result = ItemStatus::Applied;
    Ok(true)
}

/// Replaces placeholders of objects this apply created (`{created:<type>:<source id>}`).
fn with_created_refs(body: &Value, created: &BTreeMap<String, String>) -> Result<Value, String> {
    let mut text = serde_json::to_string(body).unwrap_or_default();
    if !text.contains("{created:") {
        return Ok(body.clone());
    }
    for (placeholder, id) in created {
        text = text.replace(placeholder.as_str(), id);
    }
    if let Some(i) = text.find("{created:") {
        let end = text[i..].find('}').map_or(text.len(), |j| i + j + 1);
        return Err(format!(
            "depends on {}, which this apply did not create",
            &text[i..end]
        ));
    }
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Writes and commits the run log.
fn record(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    settings: &ApplySettings,
    report: &mut ApplyReport,
    (started, base): (jiff::Timestamp, &crate::graph::ClientStats),
) {
    let finished = crate::clock::now();
    let log = ApplyRunLog::new(
        report,
        target,
        plan,
        started,
        finished,
        target.client.stats().since(base),
    );
    let yaml = log.to_yaml();
    // Refused runs, and runs whose log cannot be committed, keep it outside history.
    let private = |report: &ApplyReport| {
        crate::store::runlog::write_private(repo, &target.name, &report.run_id, yaml.as_bytes())
            .ok()
            .map(|p| crate::store::runlog::shown(repo, &p))
    };
    if report.outcome == Outcome::Refused {
        report.run_log = private(report);
        return;
    }
    let path = crate::store::runlog::committed_path(&target.name, &report.run_id, started);
    let committed = repo
        .stage_file(&path, yaml.as_bytes())
        .and_then(|()| repo.commit(&log.commit_message(), &settings.author, finished));
    match committed {
        Ok(oid) => {
            report.commit = oid.map(|o| o.to_string());
            report.run_log = Some(path);
        }
        Err(e) => {
            tracing::error!(error = %e, "could not commit the apply run log");
            report.run_log = private(report);
        }
    }
}

/// A backup of the tenant's new state: its commit (when something changed) and run id.
async fn backup_after(
    root: &std::path::Path,
    target: TenantTarget,
    settings: &ApplySettings,
    apply_run: &str,
) -> Option<(Option<String>, String)> {
    let name = target.name.clone();
    let t = TenantTarget {
        entries: catalog::all().iter().collect(),
        ..target
    };
    let s = backup::BackupSettings {
        only: None,
        message: Some("after apply".into()),
        author: settings.author.clone(),
        push: None,
        command: settings.command.clone(),
        break_lock: None,
        restricted: false,
        docs: false,
        scrub: scrub_of(&settings.secrets),
        // A fixed run id (`ATLAS_RUN_ID`) would be the apply's too, and the backup's run log would
        // replace the apply's — the record of what its creates made.
        run_id: (crate::clock::run_id(crate::clock::now()) == apply_run)
            .then(|| format!("{apply_run}-backup")),
    };
    let outcomes = backup::run(
        root.to_path_buf(),
        vec![t],
        std::sync::Arc::new(s),
        std::sync::Arc::new(backup::NoProgress),
    )
    .await;
    let o = outcomes.into_iter().next()?;
    if let Some(e) = &o.error {
        tracing::warn!(tenant = %name, error = %e, "the backup after apply failed");
    }
    Some((o.commit, o.run_id))
}
