//! Building a plan: desired documents from a commit, live objects from the target tenant (read and
//! normalized exactly as a backup reads them), paired by [`identity`]: id first (the document's, or
//! the one a recorded create gave its object), then name only when unambiguous.
//!
//! Each desired object is rebuilt as a Graph object, its references mapped to the target's ids, and
//! normalized again in the target's terms — so "unchanged" is the same comparison a backup makes,
//! byte for byte, and a cross-tenant restore compares like with like. Only reads are sent.
//!
//! Planning goes one type at a time ([`plan_types`]): the type's live documents are parsed, its
//! desired documents read again from the commit, paired and planned, and both dropped before the
//! next type — what later stages need (references, ids by name, fingerprints) is kept apart, so a
//! large tenant's two sides are never held parsed at once. Identity is decided within a type, so
//! pairing a type alone pairs as pairing every type at once does.

use super::desired::{self, Pending, Selection, Source, restore_order};
use super::identity::{self, Links};
use super::item::Planner;
use super::live::{Live, LiveSide, live_objects};
use super::resolve::{self, Mappings, Resolver};
use super::{Action, FORMAT, Item, Plan, Side};
use crate::backup::snapshot::Snapshot;
use crate::backup::{self, TenantTarget};
use crate::catalog::{self, RefKind};
use crate::normalize::refs::RefTable;
use crate::render::Names;
use crate::store::{Repo, StoreError};
use globset::GlobSet;
use std::collections::{BTreeMap, BTreeSet};

/// What to plan.
pub struct Options<'a> {
    /// Revision holding the desired state (`--from`).
    pub rev: &'a str,
    /// Tenant folder in that commit (`--tenant`).
    pub source_tenant: &'a str,
    /// `--only` globs, matched against `<type>/<name>` and `<type>/<file stem>`.
    pub only: Option<&'a GlobSet>,
    pub only_patterns: Vec<String>,
    /// `--type` keys (empty: every type the target's configuration selects).
    pub type_keys: Vec<String>,
    pub mappings: &'a Mappings,
    /// Is a value supplied for this secret (document path, secret path)?
    pub secret_supplied: &'a (dyn Fn(&str, &str) -> bool + Sync),
    /// The supplied secret values: redacted wherever the live tenant returns them in clear.
    pub scrub: &'a [crate::graph::SecretString],
    /// Also create the scope tags, filters and notification templates of the commit that planned
    /// objects refer to and the target lacks, even when `--type`/`--only` leave them out.
    pub create_missing: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("there is no tenant folder `{}` at {rev}", crate::store::layout::tenant(.tenant))]
    NoTenant { tenant: String, rev: String },
    /// The target tenant could not be signed in to: nothing of it was read.
    #[error("tenant {tenant}: {error}")]
    SignIn {
        tenant: String,
        error: crate::graph::GraphError,
    },
}

/// Builds the plan for restoring `opts.source_tenant` at `opts.rev` into `target`.
pub async fn build(
    repo: &Repo,
    opts: &Options<'_>,
    target: &TenantTarget,
) -> Result<Plan, PlanError> {
    let again = Again {
        created: &Links::default(),
        live: None,
        read_back: false,
    };
    build_keeping(repo, opts, target, &again, false)
        .await
        .map(|(plan, _)| plan)
}

/// The target as [`build_with_live`] read it.
pub(crate) struct LiveObjects {
    /// Live objects by catalog key.
    pub(crate) objects: BTreeMap<String, Vec<Live>>,
    /// Types that could not be read, with why.
    pub(crate) unreadable: BTreeMap<String, String>,
}

/// How apply plans its commit again ([`build_with_live`]): before writing, to check the plan file
/// against the tenant as it is, and after, to read back what it wrote.
pub(crate) struct Again<'a> {
    /// Objects made for documents by creates recorded outside the committed run logs.
    pub(crate) created: &'a Links,
    /// The tenant as already read (the read-back shares the read of the backup that follows an
    /// apply); `None` reads it.
    pub(crate) live: Option<&'a Snapshot>,
    /// The read-back: dependency items (`--create-missing`) stay in the plan when no request needs
    /// them any more — that is what a created dependency that converged looks like — and the live
    /// objects are not returned.
    pub(crate) read_back: bool,
}

/// [`build`], also returning the live objects it read (apply checks its fingerprints against
/// them without reading the tenant twice).
pub(crate) async fn build_with_live(
    repo: &Repo,
    opts: &Options<'_>,
    target: &TenantTarget,
    again: &Again<'_>,
) -> Result<(Plan, LiveObjects), PlanError> {
    build_keeping(repo, opts, target, again, !again.read_back).await
}

/// [`build`]; the live objects are returned only when `keep_live` (otherwise each type's are
/// dropped once planned).
async fn build_keeping(
    repo: &Repo,
    opts: &Options<'_>,
    target: &TenantTarget,
    again: &Again<'_>,
    keep_live: bool,
) -> Result<(Plan, LiveObjects), PlanError> {
    let selection = Selection {
        rev: opts.rev,
        source_tenant: opts.source_tenant,
        types: target.entries.iter().map(|e| e.key).collect(),
        only: opts.only,
        create_missing: opts.create_missing,
    };
    let Some(mut source) = desired::read(repo, &selection)? else {
        return Err(PlanError::NoTenant {
            tenant: opts.source_tenant.into(),
            rev: opts.rev.into(),
        });
    };
    let live = match again.live {
        Some(snap) => live_side(target, snap.files.clone(), snap).map_err(|e| *e)?,
        None => read_live(opts, repo, target).await?,
    };
    // Setting names for the readable changes: the commit's, then the target's.
    let mut names = std::mem::take(&mut source.names);
    names.merge(desired::names_from(live.files.get(Names::FILE).cloned()));
    // The reference-like types: needed before any type is planned, and planned first.
    let mut objects = live_objects(&live.files, |k| {
        catalog::get(k).is_some_and(|e| e.referenced.is_some())
    });
    let (resolver, target_refs) = resolve_references(opts, target, &source, &live, &objects).await;
    let mut links = Links::recorded(repo, &target.name, &target.tenant_id, opts.source_tenant);
    links.extend(again.created);
    // What every item is planned against; [`plan_types`] gives each type its live objects and
    // each document its pairing.
    let planner = Planner {
        secret_supplied: opts.secret_supplied,
        target,
        source_refs: &source.refs,
        live: &live,
        type_live: &[],
        pairing: &Ok(None),
        resolver: &resolver,
        target_refs: &target_refs,
        names: &names,
        read_back: again.read_back,
        cross_tenant: !source.tenant_id.is_empty() && source.tenant_id != target.tenant_id,
    };
    let (mut items, warnings) =
        plan_types(repo, &source, &planner, &links, &mut objects, keep_live).await;
    source.warnings.extend(warnings);
    if keep_live {
        let planned: BTreeSet<String> = objects.keys().cloned().collect();
        objects.extend(live_objects(&live.files, |k| !planned.contains(k)));
    } else {
        objects.clear();
    }
    if !again.read_back {
        drop_unused_dependencies(&mut items, &source.desired);
    }
    items.sort_by(|a, b| {
        (restore_order(&a.kind), &a.kind, &a.path).cmp(&(restore_order(&b.kind), &b.kind, &b.path))
    });
    let plan = seal(opts, target, source, items);
    Ok((
        plan,
        LiveObjects {
            objects,
            unreadable: live.unreadable,
        },
    ))
}

/// The items of every desired object, a type at a time in restore order: the type's live
/// objects (taken from `objects` when already parsed, else parsed from the files) are paired
/// with its documents, each document is read again and planned by `base` with its pairing. The
/// type's live objects go back into `objects` when `keep_live`, and are dropped otherwise.
/// Also returns the documents that could not be read again.
async fn plan_types(
    repo: &Repo,
    source: &Source,
    base: &Planner<'_>,
    links: &Links,
    objects: &mut BTreeMap<String, Vec<Live>>,
    keep_live: bool,
) -> (Vec<Item>, Vec<String>) {
    let mut items = vec![];
    let mut warnings = vec![];
    let mut planned: BTreeSet<(RefKind, String)> = BTreeSet::new();
    for group in source.desired.chunk_by(|a, b| a.kind == b.kind) {
        let kind = group[0].kind.as_str();
        let mut of_type = BTreeMap::new();
        let live = match objects.remove(kind) {
            Some(l) => l,
            None => live_objects(&base.live.files, |k| k == kind)
                .remove(kind)
                .unwrap_or_default(),
        };
        of_type.insert(kind.to_string(), live);
        // The type's documents, chosen or not (one left out still owns its object).
        let keys: Vec<usize> = (0..source.keys.len())
            .filter(|i| source.keys[*i].kind == kind)
            .collect();
        let documents: Vec<identity::Key> = keys.iter().map(|i| source.keys[*i].clone()).collect();
        let pairing = identity::pair(&documents, &of_type, links);
        for p in group {
            let d = match source.load(repo, p) {
                Ok(d) => d,
                Err(e) => {
                    warnings.push(format!("{e}; left out of the plan"));
                    continue;
                }
            };
            let Ok(at) = keys.binary_search(&p.key) else {
                continue;
            };
            let planner = Planner {
                type_live: of_type.get(kind).map(Vec::as_slice).unwrap_or(&[]),
                pairing: &pairing[at],
                ..*base
            };
            items.extend(planner.item(&d, &mut planned).await);
        }
        drop(pairing);
        if keep_live {
            objects.append(&mut of_type);
        }
    }
    (items, warnings)
}

/// Reads the live tenant as a backup would write it (reference-like types always: restore maps
/// by them).
async fn read_live(
    opts: &Options<'_>,
    repo: &Repo,
    target: &TenantTarget,
) -> Result<LiveSide, PlanError> {
    let mut live_target = target.with_entries(target.entries.clone());
    for (e, r) in catalog::referenced() {
        if r.whole && !live_target.entries.iter().any(|x| x.key == e.key) {
            live_target.entries.push(e);
        }
    }
    // Policy sets name objects of any type: the target is read whole to find them.
    let spans_types =
        |e: &&catalog::CatalogEntry| e.refs.iter().any(|r| r.kind == RefKind::Policies);
    if live_target.entries.iter().any(spans_types) {
        for e in catalog::all() {
            if !live_target.entries.iter().any(|x| x.key == e.key) {
                live_target.entries.push(e);
            }
        }
    }
    let mut snap = backup::preview(repo, "HEAD", &live_target, opts.scrub).await;
    let files = std::mem::take(&mut snap.files);
    live_side(target, files, &snap).map_err(|e| *e)
}

/// The live side of a plan from what a backup read of the target gives: its `files`, and what
/// `snap` says could not be read.
fn live_side(
    target: &TenantTarget,
    files: BTreeMap<String, Vec<u8>>,
    snap: &Snapshot,
) -> Result<LiveSide, Box<PlanError>> {
    if let Some(error) = snap.sign_in.clone() {
        return Err(Box::new(PlanError::SignIn {
            tenant: target.name.clone(),
            error,
        }));
    }
    let unreadable = snap
        .failures
        .iter()
        .filter(|f| f.object.is_none())
        .map(|f| (f.kind.clone(), f.message.clone()))
        .collect();
    let failed_objects = snap
        .failures
        .iter()
        .filter_map(|f| f.object.clone().map(|o| (o, f.message.clone())))
        .collect();
    Ok(LiveSide {
        files,
        unreadable,
        failed_objects,
        listed: snap.listed.clone(),
    })
}

/// The references of every desired object resolved in the target in one pass, and the names of
/// the target's ids the desired objects are normalized with.
async fn resolve_references(
    opts: &Options<'_>,
    target: &TenantTarget,
    source: &Source,
    live: &LiveSide,
    reference_objects: &BTreeMap<String, Vec<Live>>,
) -> (Resolver, RefTable) {
    // Reference kinds the live read listed whole (built-in scope tags included) need no second
    // list; nor do reference-like types read in full as documents (those that skip none).
    let mut known = live.listed.clone();
    for (entry, referenced) in catalog::referenced() {
        let complete = entry.sources.iter().all(|s| s.skip_when.is_none());
        let read = referenced.whole || target.entries.iter().any(|e| e.key == entry.key);
        if complete && read && !live.unreadable.contains_key(entry.key) {
            let objs = reference_objects
                .get(entry.key)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            known.entry(referenced.kind).or_insert_with(|| {
                objs.iter()
                    .map(|l| {
                        let name = referenced
                            .kind
                            .label(&l.doc.name, l.doc.odata_type.as_deref());
                        (l.doc.id.clone(), name)
                    })
                    .collect()
            });
        }
    }
    let resolver = Resolver::load(
        &target.client,
        &source.refs,
        &source.needed,
        opts.mappings,
        &known,
    )
    .await;
    let mut target_refs = desired::ref_table(&|rel: &str| live.files.get(rel).cloned());
    for kind in RefKind::ALL {
        for id in resolver.target_names().used(kind) {
            if let Some(n) = resolver.target_names().name(kind, &id) {
                target_refs.insert(kind, &id, n);
            }
        }
    }
    // Names of the target's own reference-like objects, from its documents.
    for objs in reference_objects.values() {
        for l in objs {
            if let Some(r) = catalog::get(&l.doc.kind).and_then(|e| e.referenced) {
                let name = r.kind.label(&l.doc.name, l.doc.odata_type.as_deref());
                target_refs.insert(r.kind, &l.doc.id, &name);
            }
        }
    }
    (resolver, target_refs)
}

/// Drops the dependencies (`--create-missing`) no planned request refers to.
fn drop_unused_dependencies(items: &mut Vec<Item>, desired: &[Pending]) {
    let dependencies: BTreeSet<String> = desired
        .iter()
        .filter(|d| d.dependency)
        .map(|d| d.path.clone())
        .collect();
    if dependencies.is_empty() {
        return;
    }
    let used: String = items
        .iter()
        .filter(|i| !dependencies.contains(&i.path))
        .map(|i| serde_json::to_string(&i.requests).unwrap_or_default())
        .collect();
    items.retain(|i| {
        !dependencies.contains(&i.path)
            || i.action == Action::Create
                && catalog::get(&i.kind)
                    .and_then(|e| e.referenced)
                    .is_some_and(|r| {
                        used.contains(&resolve::created_placeholder(r.kind, &i.source_id))
                    })
    });
}

/// The plan file around `items`, hashed.
fn seal(opts: &Options<'_>, target: &TenantTarget, source: Source, items: Vec<Item>) -> Plan {
    let mut plan = Plan {
        format: FORMAT,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        created: crate::clock::now().to_string(),
        commit: source.commit_id,
        source: Side {
            tenant: opts.source_tenant.into(),
            tenant_id: source.tenant_id,
        },
        target: Side {
            tenant: target.name.clone(),
            tenant_id: target.tenant_id.clone(),
        },
        types: opts.type_keys.clone(),
        only: opts.only_patterns.clone(),
        create_missing: opts.create_missing,
        mappings: opts.mappings.to_plain(),
        summary: Default::default(),
        items,
        warnings: source.warnings,
        hash: String::new(),
        signature: None,
    };
    plan.seal();
    plan
}
