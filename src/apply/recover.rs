//! Finding what an interrupted or answer-less request did: a POST whose answer was lost (the
//! connection broke after Graph committed it, or the process died waiting) is looked up before it
//! is ever sent again, so no object is created twice.

use crate::backup::TenantTarget;
use crate::catalog;
use crate::plan::Item;
use serde_json::Value;

/// The id of the object an item creates, if it exists already (found by name and type among the
/// objects that are not `taken` by other items: objects may share a name).
pub(super) async fn find_created(
    target: &TenantTarget,
    item: &Item,
    collection: &str,
    taken: &std::collections::BTreeSet<String>,
) -> Result<Option<String>, String> {
    let entry = catalog::get(&item.kind).ok_or("unknown type")?;
    let odata_type = item
        .requests
        .first()
        .and_then(|r| r.body.as_ref())
        .and_then(|b| b["@odata.type"].as_str());
    let all = target
        .client
        .list(&format!("/{collection}"))
        .await
        .map_err(|e| format!("could not look for an object created before: {e}"))?;
    let found: Vec<&Value> = all
        .iter()
        .filter(|o| entry.name.of(o) == item.name)
        .filter(|o| odata_type.is_none_or(|t| o["@odata.type"].as_str().is_none_or(|x| x == t)))
        .filter(|o| entry.id_of(o).is_none_or(|id| !taken.contains(id)))
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(entry.id_of(one).map(str::to_string)),
        many => Err(format!(
            "{} objects named \"{}\" exist; not guessing which one an earlier run created",
            many.len(),
            item.name
        )),
    }
}

/// Does the collection at `path` hold an object with every scalar field of `body` (a POST that
/// added to a sub-collection and whose answer was lost)? Only for collection paths: an action
/// (`…/assign`) cannot be listed and is answered `false`, so it is sent again (actions replace).
pub(super) async fn find_posted(
    target: &TenantTarget,
    path: &str,
    body: Option<&Value>,
) -> Result<bool, String> {
    let Some(Value::Object(fields)) = body else {
        return Ok(false);
    };
    let Ok(all) = target.client.list(&format!("/{path}")).await else {
        return Ok(false);
    };
    let scalars: Vec<(&String, &Value)> = fields
        .iter()
        .filter(|(k, v)| !k.starts_with('@') && !v.is_object() && !v.is_array())
        .collect();
    Ok(!scalars.is_empty()
        && all
            .iter()
            .any(|o| scalars.iter().all(|(k, v)| o.get(k.as_str()) == Some(*v))))
}
