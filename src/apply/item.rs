//! Sending one plan item's requests, journalled one by one: what a killed or interrupted earlier
//! run may already have done is looked up before anything is sent again. Split from the apply run
//! ([`super::run_locked`]) so each stage of one request has a name: [`ItemRun::recover_create`],
//! [`ItemRun::prepared`], [`ItemRun::send`], [`ItemRun::record_answer`].

use super::journal::{Event, Journal, Progress};
use super::recover::{find_created, find_posted};
use super::runlog::{ItemResult, ItemStatus, RequestResult};
use super::secrets::inject_secrets;
use super::{ApplySettings, stopped};
use crate::backup::TenantTarget;
use crate::graph::{GraphError, GraphResponse};
use crate::plan::Item;
use crate::plan::Request;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What every item of one apply shares.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a> {
    pub(super) target: &'a TenantTarget,
    pub(super) settings: &'a ApplySettings,
    /// What an earlier, interrupted run of this plan did.
    pub(super) progress: &'a Progress,
    /// Ids of objects created so far, by their placeholder.
    pub(super) created_refs: &'a BTreeMap<String, String>,
    /// Ids of objects that belong to other items.
    pub(super) taken: &'a BTreeSet<String>,
}

/// Why an item did not finish.
#[derive(Debug)]
pub(super) enum ItemError {
    /// The item failed (Graph refused a request, a reference it needs is missing); later items
    /// still run.
    Failed(String),
    /// The journal could not be written (a full or failing disk): nothing more may be sent, since
    /// a request the journal does not know of could be sent twice after a crash. The run stops as
    /// on a stop signal, and applying the plan again resumes it.
    Journal(String),
}

impl From<String> for ItemError {
    fn from(message: String) -> Self {
        ItemError::Failed(message)
    }
}

fn journal_error(e: crate::store::StoreError) -> ItemError {
    ItemError::Journal(e.to_string())
}

/// Sends one item's requests that are not done yet; `Ok(false)` when the stop signal came before
/// all were sent.
pub(super) async fn apply_item(
    index: usize,
    item: &Item,
    ctx: &Ctx<'_>,
    journal: &mut Journal,
    result: &mut ItemResult,
) -> Result<bool, ItemError> {
    let mut run = ItemRun {
        index,
        item,
        ctx: *ctx,
        journal,
        created: ctx.progress.created.get(&index).cloned(),
        result,
    };
    run.result.target_id = item.target_id.clone().or_else(|| run.created.clone());
    if let Some(m) = ctx.progress.failed.get(&index) {
        return Err(ItemError::Failed(format!("failed in an earlier run: {m}")));
    }
    for (j, req) in item.requests.iter().enumerate() {
        if ctx.progress.done.contains_key(&(index, j)) {
            continue;
        }
        if stopped(ctx.settings) {
            return Ok(false);
        }
        run.request(j, req).await?;
    }
    run.result.result = ItemStatus::Applied;
    Ok(true)
}

/// One item being applied.
struct ItemRun<'a, 'b> {
    index: usize,
    item: &'a Item,
    ctx: Ctx<'a>,
    journal: &'b mut Journal,
    /// The id of the object this item created, in this run or an earlier one.
    created: Option<String>,
    result: &'b mut ItemResult,
}

impl ItemRun<'_, '_> {
    /// Sends request `j`, unless an earlier run's copy of it is found to have been applied.
    async fn request(&mut self, j: usize, req: &Request) -> Result<(), ItemError> {
        let is_create = req.purpose == "create";
        let in_flight = self.ctx.progress.in_flight.contains(&(self.index, j));
        if is_create && (in_flight || self.created.is_some()) && self.recover_create(j, req).await?
        {
            return Ok(());
        }
        let (path, body) = self.prepared(req)?;
        // A sub-collection POST sent before the process died may have happened too.
        if in_flight
            && !is_create
            && req.method == "POST"
            && find_posted(self.ctx.target, &path, body.as_ref()).await?
        {
            self.done(j, 201, None)?;
            self.result.requests.push(RequestResult::recovered(req));
            return Ok(());
        }
        self.journal
            .record(&Event::Sending {
                item: self.index,
                request: j,
            })
            .map_err(journal_error)?;
        let client = &self.ctx.target.client;
        let before = client.stats().retries;
        let clock = std::time::Instant::now();
        let answer = self.send(req, &path, body.as_ref()).await?;
        let rr = RequestResult {
            method: req.method.clone(),
            path,
            purpose: req.purpose.clone(),
            status: None,
            request_id: None,
            retries: client.stats().retries - before,
            duration_ms: clock.elapsed().as_millis() as u64,
            recovered: false,
        };
        self.record_answer(j, req, answer, rr)
    }

    /// A create sent before the process died may have happened: finds its object before sending
    /// again. True when found (and journalled as done).
    async fn recover_create(&mut self, j: usize, req: &Request) -> Result<bool, ItemError> {
        if self.created.is_none() {
            self.created =
                find_created(self.ctx.target, self.item, &req.path, self.ctx.taken).await?;
        }
        let Some(id) = self.created.clone() else {
            return Ok(false);
        };
        self.done(j, 201, Some(id.clone()))?;
        self.result.target_id = Some(id);
        self.result.requests.push(RequestResult::recovered(req));
        Ok(true)
    }

    /// The request's path with the created object's id, and its body with the ids of objects this
    /// apply created and the secrets it needs.
    fn prepared(&self, req: &Request) -> Result<(String, Option<Value>), String> {
        let id = self
            .created
            .as_deref()
            .or(self.item.target_id.as_deref())
            .unwrap_or_default();
        let path = req.path.replace(crate::plan::steps::CREATED_ID, id);
        let mut body = match &req.body {
            Some(b) => Some(with_created_refs(b, self.ctx.created_refs)?),
            None => None,
        };
        if matches!(req.purpose.as_str(), "create" | "update")
            && let Some(b) = body.as_mut()
        {
            inject_secrets(b, self.item, &self.ctx.settings.secrets)?;
        }
        Ok((path, body))
    }

    /// Sends the request. When its answer is lost, looks for what it would have made (a created
    /// object, an object added to a sub-collection) and sends again only when it is not there.
    async fn send(
        &self,
        req: &Request,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Result<GraphResponse, GraphError>, String> {
        let target = self.ctx.target;
        let method =
            reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| e.to_string())?;
        let url = format!("/{path}");
        let answer = target.client.send(method.clone(), &url, body).await;
        if !matches!(answer, Err(GraphError::Transport { .. })) {
            return Ok(answer);
        }
        let found = if req.purpose == "create" {
            find_created(target, self.item, &req.path, self.ctx.taken)
                .await?
                .map(|id| Some(serde_json::json!({ "id": id })))
        } else if req.method == "POST" {
            find_posted(target, path, body).await?.then_some(None)
        } else {
            return Ok(answer);
        };
        Ok(match found {
            Some(body) => Ok(GraphResponse {
                status: 201,
                body,
                request_id: None,
            }),
            None => target.client.send(method, &url, body).await,
        })
    }

    /// Journals Graph's answer and keeps it in the item's result; an error fails the item.
    fn record_answer(
        &mut self,
        j: usize,
        req: &Request,
        answer: Result<GraphResponse, GraphError>,
        mut rr: RequestResult,
    ) -> Result<(), ItemError> {
        let is_create = req.purpose == "create";
        match answer {
            Ok(resp) => {
                rr.status = Some(resp.status);
                rr.request_id = resp.request_id.clone();
                let new_id = is_create
                    .then(|| {
                        let entry = crate::catalog::get(&self.item.kind);
                        resp.body
                            .as_ref()
                            .and_then(|b| entry.map_or(b["id"].as_str(), |e| e.id_of(b)))
                            .map(str::to_string)
                    })
                    .flatten();
                if is_create {
                    let Some(new_id) = new_id.clone() else {
                        self.result.requests.push(rr);
                        return Err(ItemError::Failed(
                            "Graph created the object but returned no id".into(),
                        ));
                    };
                    self.created = Some(new_id.clone());
                    self.result.target_id = Some(new_id);
                }
                self.done(j, resp.status, new_id)?;
                self.result.requests.push(rr);
                Ok(())
            }
            Err(e) => {
                rr.status = e.status();
                rr.request_id = e.request_id().map(str::to_string);
                self.result.requests.push(rr);
                let message = format!("{} {}: {e}", req.method, req.purpose);
                self.journal
                    .record(&Event::Failed {
                        item: self.index,
                        request: j,
                        message: message.clone(),
                    })
                    .map_err(journal_error)?;
                Err(ItemError::Failed(message))
            }
        }
    }

    /// Journals request `j` as done.
    fn done(&mut self, j: usize, status: u16, created: Option<String>) -> Result<(), ItemError> {
        self.journal
            .record(&Event::Done {
                item: self.index,
                request: j,
                status,
                created,
            })
            .map_err(journal_error)
    }
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
