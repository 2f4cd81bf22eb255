//! The plan's commit planned again against the tenant as it is now: before the writes, to check
//! that nothing changed since the plan was made and that the file is what the commit gives; after
//! them, to read every item back. Both pair documents with objects by the plan's identity rule
//! (`plan::identity`), with the ids this plan's creates returned.

use super::{Secrets, scrub_of, secret_value};
use crate::backup::TenantTarget;
use crate::catalog;
use crate::plan::identity::Links;
use crate::plan::{ABSENT, Action, Item, Plan, build};
use crate::store::Repo;
use std::collections::BTreeMap;

/// Links from the creates of `plan`'s items: (item index, the id its create returned).
pub(super) fn created_links<'a>(
    plan: &Plan,
    created: impl Iterator<Item = (usize, &'a String)>,
) -> Links {
    let mut links = Links::default();
    for (i, id) in created {
        if let Some(item) = plan.items.get(i).filter(|i| i.action == Action::Create) {
            links.insert(&item.kind, &item.source_id, id);
        }
    }
    links
}

/// Why an item's target no longer is what the plan saw, if it is not. An absent object now exists
/// when the commit planned again (`derived`, by the identity rule) pairs the item's document with
/// one — an object merely sharing its name may be another document's.
pub(super) fn stale_reason(
    item: &Item,
    live: &BTreeMap<String, Vec<crate::plan::live::Live>>,
    derived: &Plan,
) -> Option<String> {
    let objects = live.get(&item.kind).map(Vec::as_slice).unwrap_or(&[]);
    if item.fingerprint == ABSENT {
        let now = derived.items.iter().find(|d| d.path == item.path);
        let present = match now {
            Some(d) => d.target_id.clone(),
            None => objects
                .iter()
                .find(|l| l.doc.id == item.source_id)
                .map(|l| l.doc.id.clone()),
        };
        return present.map(|id| {
            format!(
                "{} \"{}\": was absent, now exists ({id})",
                item.kind, item.name
            )
        });
    }
    let id = item.target_id.as_deref().unwrap_or_default();
    match objects.iter().find(|l| l.doc.id == id) {
        None => Some(format!(
            "{} \"{}\": {id} no longer exists",
            item.kind, item.name
        )),
        Some(l) if l.fingerprint != item.fingerprint => Some(format!(
            "{} \"{}\": {id} was changed since the plan was made",
            item.kind, item.name
        )),
        Some(_) => None,
    }
}

/// The plan's commit planned again against the tenant as it is now (`again` says how: with which
/// created objects, from which read, for the check or the read-back).
pub(super) async fn replan(
    repo: &Repo,
    target: &TenantTarget,
    plan: &Plan,
    secrets: &Secrets,
    again: &build::Again<'_>,
) -> Result<(Plan, build::LiveObjects), String> {
    let scrub = &scrub_of(secrets);
    let mappings = crate::plan::resolve::Mappings::from_plain(&plan.mappings);
    let mut globs = globset::GlobSetBuilder::new();
    for p in &plan.only {
        globs.add(globset::Glob::new(p).map_err(|e| e.to_string())?);
    }
    let only = globs.build().map_err(|e| e.to_string())?;
    let supplied = |doc: &str, path: &str| secret_value(secrets, doc, path).is_some();
    let opts = build::Options {
        rev: &plan.commit,
        source_tenant: &plan.source.tenant,
        only: (!plan.only.is_empty()).then_some(&only),
        only_patterns: plan.only.clone(),
        type_keys: plan.types.clone(),
        mappings: &mappings,
        secret_supplied: &supplied,
        scrub,
        create_missing: plan.create_missing,
    };
    let mut entries: Vec<&'static catalog::CatalogEntry> = target.entries.clone();
    if !plan.types.is_empty() {
        entries = plan.types.iter().filter_map(|k| catalog::get(k)).collect();
    }
    let t = target.with_entries(entries);
    build::build_with_live(repo, &opts, &t, again)
        .await
        .map_err(|e| e.to_string())
}
