//! The commit is the truth, the plan file a claim: the checks that let `apply` send only what the
//! plan's source commit and the live tenant justify, whoever edited the file in between.
//!
//! Three layers, cheapest first (`docs/security.md`):
//! 1. [`shape_problems`] — before anything is read: every request of a writing item must be one the
//!    catalog's write rules can produce for that item: a create POSTs to its type's collection,
//!    every other request addresses the item's own object or something below it, DELETE only below
//!    it (an assignment, a localized message), never the object itself or another one.
//! 2. [`source_commit`] — the plan names a full commit id the repository has.
//! 3. [`differences`] — the plan is built again from that commit, with the file's own inputs,
//!    against the tenant as it is now; every item the file would write must be that item to the
//!    letter (action, target, fingerprint, requests with their bodies, secrets, readable change).
//!
//! An item the file does not write — `no-op`, `preview-only`, `blocked` — is not compared: a plan
//! made without a secret the apply has, or an object unchanged when planned that drifted since,
//! only makes apply send less than a new plan would. What re-derivation cannot see is an
//! edit of the inputs themselves (target, selection, mappings, `--create-missing`): signatures
//! ([`crate::plan::sign`]) cover those.

use crate::catalog::{self, Capability, CatalogEntry};
use crate::plan::steps::CREATED_ID;
use crate::plan::{ABSENT, Action, Item, Plan, Request};
use crate::store::Repo;
use std::collections::BTreeMap;

/// Methods the catalog's write rules use.
const METHODS: [&str; 4] = ["POST", "PATCH", "PUT", "DELETE"];

/// What the run log says of each check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Check {
    /// Not reached (an earlier check refused the plan) or not asked for.
    #[default]
    NotChecked,
    Passed,
    Refused,
    /// A resumed plan: its requests were derived again and matched when it first started (its
    /// journal exists only then), and the objects it already wrote differ from the plan by design.
    CheckedAtFirstStart,
}

/// The checks an apply made, for its run log.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checks {
    /// The plan's own hash.
    pub hash: Check,
    /// `--verify-key-env`.
    pub signature: Check,
    /// Requests shaped as the catalog writes them.
    pub shape: Check,
    /// The plan's commit is in the repository.
    pub commit: Check,
    /// Every written item derived again from the commit and the live tenant.
    pub derivation: Check,
}

/// Requests no write rule of the catalog produces for their item.
pub fn shape_problems(plan: &Plan) -> Vec<String> {
    let mut out = vec![];
    for item in &plan.items {
        if !item.action.writes() {
            if !item.requests.is_empty() {
                out.push(format!(
                    "{}: a {} item sends nothing, yet the file lists requests for it",
                    label(item),
                    item.action.as_str()
                ));
            }
            continue;
        }
        let Some(entry) = catalog::get(&item.kind) else {
            out.push(format!(
                "{}: `{}` is not a known type",
                label(item),
                item.kind
            ));
            continue;
        };
        if entry.capability != Capability::Full {
            out.push(format!(
                "{}: {} are never written by apply",
                label(item),
                entry.title
            ));
            continue;
        }
        if let Err(m) = item_shape(entry, item) {
            out.push(format!("{}: {m}", label(item)));
        }
    }
    out
}

/// One writing item's requests against its type's collections.
fn item_shape(entry: &CatalogEntry, item: &Item) -> Result<(), String> {
    let collections: Vec<String> = entry
        .sources
        .iter()
        .map(|s| format!("{}/{}", s.version.as_str(), s.collection))
        .collect();
    let (object, first_is_create) = match (item.action, &item.target_id) {
        (Action::Create, None) if item.fingerprint == ABSENT => {
            let Some(first) = item.requests.first() else {
                return Err("a create without requests".into());
            };
            if first.method != "POST" || first.purpose != "create" {
                return Err("a create must start with the POST that creates the object".into());
            }
            if !collections.contains(&first.path) {
                return Err(format!(
                    "creates in {}, which is not a collection of {}",
                    first.path, entry.title
                ));
            }
            (format!("{}/{CREATED_ID}", first.path), true)
        }
        (Action::Update, Some(id)) if item.fingerprint != ABSENT && plain_segment(id) => {
            let Some(c) = collections
                .iter()
                .find(|c| item.requests.iter().any(|r| r.path.starts_with(c.as_str())))
            else {
                return Err(format!(
                    "no request addresses a collection of {}",
                    entry.title
                ));
            };
            // A singleton is its collection path (docs/ARCHITECTURE.md, "Singletons").
            if entry.is_singleton() {
                (c.clone(), false)
            } else {
                (format!("{c}/{id}"), false)
            }
        }
        _ => return Err("its action, target id and fingerprint do not fit together".into()),
    };
    for (j, r) in item.requests.iter().enumerate() {
        if first_is_create && j == 0 {
            continue;
        }
        request_shape(r, &object)
            .map_err(|m| format!("request {} ({} {}): {m}", j + 1, r.method, r.path))?;
    }
    Ok(())
}

/// A request addresses `object` (PATCH/PUT) or something below it (POST actions, DELETE of a
/// child); `purpose` `create` only for the first request of a create.
fn request_shape(r: &Request, object: &str) -> Result<(), String> {
    if !METHODS.contains(&r.method.as_str()) {
        return Err("not a method the write rules use".into());
    }
    if r.purpose == "create" {
        return Err("a second create".into());
    }
    let below = r
        .path
        .strip_prefix(object)
        .and_then(|rest| rest.strip_prefix('/'))
        // `$ref` is OData's link segment (an app's categories, docs/graph-notes.md, "Apps").
        .filter(|rest| {
            !rest.is_empty() && rest.split('/').all(|s| plain_segment(s) || s == "$ref")
        });
    match r.method.as_str() {
        "PATCH" | "PUT" if r.path == object || below.is_some() => Ok(()),
        "POST" | "DELETE" if below.is_some() => Ok(()),
        "DELETE" => Err("deletes only ever remove something below the item's own object".into()),
        _ => Err("addresses neither the item's own object nor something below it".into()),
    }
}

/// A path segment that cannot leave its place: no dots alone, no query, no encoding tricks.
fn plain_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_{}:.".contains(c))
}

/// The plan's commit, as a full id the repository has.
pub fn source_commit(repo: &Repo, plan: &Plan) -> Result<(), String> {
    let full = plan.commit.len() == 40 && plan.commit.bytes().all(|b| b.is_ascii_hexdigit());
    if !full {
        return Err(format!(
            "the plan's commit `{}` is not a full commit id",
            plan.commit
        ));
    }
    match repo.commit_info(&plan.commit) {
        Ok(c) if c.id.eq_ignore_ascii_case(&plan.commit) => Ok(()),
        _ => Err(format!(
            "the plan was made from commit {}, which this repository does not have (fetch it, or plan here)",
            plan.commit
        )),
    }
}

/// Where the file differs from the plan derived again (`derived`), one line per item.
pub fn differences(file: &Plan, derived: &Plan) -> Vec<String> {
    let mut out = vec![];
    if file.source.tenant_id != derived.source.tenant_id {
        out.push(format!(
            "the source tenant id is {} in the file, {} in the commit",
            file.source.tenant_id, derived.source.tenant_id
        ));
    }
    let key = |i: &Item| (i.kind.clone(), i.path.clone());
    let by_key: BTreeMap<_, &Item> = derived.items.iter().map(|i| (key(i), i)).collect();
    for item in &file.items {
        match by_key.get(&key(item)) {
            None => out.push(format!("{}: the commit gives no such item", label(item))),
            // An item the file does not write (no-op, preview-only, blocked) sends nothing, whatever
            // the derivation says of it now: a plan file can make apply do less, never more.
            Some(_) if !item.action.writes() => {}
            Some(d) => {
                if let Some(m) = item_difference(item, d) {
                    out.push(format!("{}: {m}", label(item)));
                }
            }
        }
    }
    let in_file: std::collections::BTreeSet<_> = file.items.iter().map(key).collect();
    for d in derived.items.iter().filter(|d| !in_file.contains(&key(d))) {
        out.push(format!(
            "{}: the commit gives this item ({}), the file lacks it",
            label(d),
            d.action.as_str()
        ));
    }
    let order = |p: &Plan| -> Vec<_> { p.items.iter().map(key).collect() };
    if out.is_empty() && order(file) != order(derived) {
        out.push("the items are not in the order the commit gives".into());
    }
    out
}

/// The first field in which a file item differs from its derivation.
fn item_difference(file: &Item, derived: &Item) -> Option<String> {
    if file.action != derived.action {
        return Some(format!(
            "the file says {}, the commit gives {}{}",
            file.action.as_str(),
            derived.action.as_str(),
            derived
                .reasons
                .first()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
    }
    if file.source_id != derived.source_id || file.name != derived.name {
        return Some("its name or source id differs from the commit's".into());
    }
    if file.target_id != derived.target_id {
        return Some(format!(
            "the file targets {}, the commit matches {}",
            file.target_id.as_deref().unwrap_or("a new object"),
            derived.target_id.as_deref().unwrap_or("a new object")
        ));
    }
    if file.fingerprint != derived.fingerprint {
        return Some("its fingerprint is not the live object's".into());
    }
    if file.requests.len() != derived.requests.len() {
        return Some(format!(
            "the file has {}, the commit gives {}",
            crate::render::text::count(file.requests.len(), "request", "requests"),
            derived.requests.len()
        ));
    }
    for (j, (f, d)) in file.requests.iter().zip(&derived.requests).enumerate() {
        let what = if f.method != d.method {
            "method"
        } else if f.path != d.path {
            "path"
        } else if f.body != d.body {
            "body"
        } else if f.purpose != d.purpose {
            "purpose"
        } else {
            continue;
        };
        let derived = if what == "method" || what == "path" {
            format!(" ({} {})", d.method, d.path)
        } else {
            String::new()
        };
        return Some(format!(
            "request {} ({} {}): its {what} is not what the commit gives{derived}",
            j + 1,
            f.method,
            f.path,
        ));
    }
    if file.secrets != derived.secrets {
        return Some("its secret paths differ from the commit's".into());
    }
    if file.change != derived.change || file.reasons != derived.reasons {
        return Some("its readable change differs from the commit's".into());
    }
    None
}

fn label(item: &Item) -> String {
    format!("{} \"{}\" ({})", item.kind, item.name, item.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, path: &str, purpose: &str) -> Request {
        Request {
            method: method.into(),
            path: path.into(),
            body: Some(serde_json::json!({"displayName": "x"})),
            purpose: purpose.into(),
        }
    }

    fn item(action: Action, target: Option<&str>, requests: Vec<Request>) -> Item {
        Item {
            kind: "settingsCatalog".into(),
            name: "Baseline".into(),
            path: "tenants/c/settingsCatalog/baseline--11111111.yaml".into(),
            source_id: "11111111-0000".into(),
            target_id: target.map(str::to_string),
            action,
            reasons: vec![],
            fingerprint: if target.is_some() {
                "sha256:aa".into()
            } else {
                ABSENT.into()
            },
            change: None,
            requests,
            secrets: vec![],
        }
    }

    fn plan(items: Vec<Item>) -> Plan {
        let mut p = crate::plan::unsealed(items);
        p.seal();
        p
    }

    const C: &str = "beta/deviceManagement/configurationPolicies";

    #[test]
    fn requests_the_write_rules_make_pass() {
        let create = item(
            Action::Create,
            None,
            vec![
                req("POST", C, "create"),
                req("POST", &format!("{C}/{{id}}/assign"), "assign"),
            ],
        );
        let update = item(
            Action::Update,
            Some("p1"),
            vec![
                req("PUT", &format!("{C}/p1"), "update"),
                req("POST", &format!("{C}/p1/assign"), "assign"),
            ],
        );
        assert_eq!(
            shape_problems(&plan(vec![create, update])),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_delete_of_another_object_or_a_foreign_path_is_refused() {
        // Each with the reason it must be refused for.
        let cases = [
            (
                req("DELETE", &format!("{C}/other"), "update"),
                "deletes only ever remove something below",
            ),
            (
                req("DELETE", &format!("{C}/p1"), "update"),
                "deletes only ever remove something below",
            ),
            (
                req("PATCH", &format!("{C}/other"), "update"),
                "addresses neither",
            ),
            (
                req(
                    "PATCH",
                    "beta/deviceManagement/deviceConfigurations/p1",
                    "update",
                ),
                "addresses neither",
            ),
            (
                req("POST", &format!("{C}/p1/../other/assign"), "assign"),
                "addresses neither",
            ),
            (
                req("POST", &format!("{C}/p1/assign?x=1"), "assign"),
                "addresses neither",
            ),
            (
                req("GET", &format!("{C}/p1"), "update"),
                "not a method the write rules use",
            ),
            (req("POST", C, "create"), "a second create"),
        ];
        for (r, why) in cases {
            let shown = format!("{} {}", r.method, r.path);
            let i = item(
                Action::Update,
                Some("p1"),
                vec![req("PUT", &format!("{C}/p1"), "update"), r],
            );
            let problems = shape_problems(&plan(vec![i]));
            assert_eq!(problems.len(), 1, "{shown}");
            assert!(problems[0].contains(why), "{shown}: {problems:?}");
        }
        let refused = |i: Item, why: &str| {
            let problems = shape_problems(&plan(vec![i]));
            assert_eq!(problems.len(), 1, "{why}");
            assert!(problems[0].contains(why), "{why}: {problems:?}");
        };
        refused(
            item(
                Action::Create,
                None,
                vec![req("POST", "beta/users", "create")],
            ),
            "which is not a collection of",
        );
        refused(
            item(
                Action::NoOp,
                Some("p1"),
                vec![req("PUT", &format!("{C}/p1"), "update")],
            ),
            "sends nothing, yet the file lists requests",
        );
        refused(
            item(Action::Create, None, vec![]),
            "a create without requests",
        );
        refused(
            item(Action::Create, None, vec![req("PATCH", C, "update")]),
            "must start with the POST",
        );
        refused(
            item(
                Action::Update,
                Some("../x"),
                vec![req("PUT", &format!("{C}/../x"), "update")],
            ),
            "do not fit together",
        );
        refused(
            item(
                Action::Update,
                None,
                vec![req("PUT", &format!("{C}/p1"), "update")],
            ),
            "do not fit together",
        );
        let mut unknown = item(
            Action::Update,
            Some("p1"),
            vec![req("PUT", &format!("{C}/p1"), "update")],
        );
        unknown.kind = "noSuchType".into();
        refused(unknown, "is not a known type");
        let mut preview = item(
            Action::Update,
            Some("p1"),
            vec![req(
                "PATCH",
                "v1.0/identity/conditionalAccess/policies/p1",
                "update",
            )],
        );
        preview.kind = "conditionalAccess".into();
        refused(preview, "never written by apply");
    }

    #[test]
    fn differences_name_the_item_and_the_field() {
        let good = item(
            Action::Update,
            Some("p1"),
            vec![req("PUT", &format!("{C}/p1"), "update")],
        );
        let derived = plan(vec![good.clone()]);
        assert!(differences(&plan(vec![good.clone()]), &derived).is_empty());

        let mut body = good.clone();
        body.requests[0].body = Some(serde_json::json!({"displayName": "forged"}));
        let d = differences(&plan(vec![body]), &derived);
        assert_eq!(d.len(), 1);
        assert!(d[0].contains("Baseline") && d[0].contains("body"), "{d:?}");

        let mut extra = good.clone();
        extra.path = "tenants/c/settingsCatalog/extra--22222222.yaml".into();
        let d = differences(&plan(vec![good.clone(), extra]), &derived);
        assert!(d[0].contains("the commit gives no such item"), "{d:?}");

        let d = differences(&plan(vec![]), &derived);
        assert!(d[0].contains("the file lacks it"), "{d:?}");

        // One field at a time, each named.
        let differs = |f: &dyn Fn(&mut Item), why: &str| {
            let mut forged = good.clone();
            f(&mut forged);
            let d = differences(&plan(vec![forged]), &derived);
            assert_eq!(d.len(), 1, "{why}: {d:?}");
            assert!(d[0].contains(why), "{why}: {d:?}");
        };
        differs(&|i| i.target_id = Some("p2".into()), "the file targets p2");
        differs(
            &|i| i.fingerprint = "sha256:bb".into(),
            "fingerprint is not the live object's",
        );
        differs(&|i| i.name = "Other".into(), "name or source id");
        differs(
            &|i| i.action = Action::Create,
            "the file says create, the commit gives update",
        );
        differs(
            &|i| {
                i.requests
                    .push(req("POST", &format!("{C}/p1/assign"), "assign"))
            },
            "the file has 2 requests, the commit gives 1",
        );
        differs(
            &|i| i.requests[0].method = "PATCH".into(),
            "its method is not what the commit gives",
        );
        differs(&|i| i.requests[0].purpose = "assign".into(), "its purpose");
        differs(
            &|i| i.secrets = vec!["spec.x".into()],
            "secret paths differ",
        );
        differs(
            &|i| i.reasons = vec!["why".into()],
            "readable change differs",
        );
        // The same items in another order.
        let mut second = good.clone();
        second.path = "tenants/c/settingsCatalog/second--33333333.yaml".into();
        let both = plan(vec![good.clone(), second.clone()]);
        let d = differences(&plan(vec![second, good.clone()]), &both);
        assert_eq!(d, ["the items are not in the order the commit gives"]);

        // An item the file does not write sends nothing: tolerated.
        for action in [Action::Blocked, Action::NoOp, Action::PreviewOnly] {
            let mut quiet = good.clone();
            quiet.action = action;
            quiet.requests.clear();
            assert!(differences(&plan(vec![quiet]), &derived).is_empty());
        }
    }
}
