//! An object as Graph serves it: navigation properties only when expanded (with their per-collection
//! quirks), lazy fields off lists, secrets masked, `$select` applied (docs/graph-notes.md,
//! "Assignments", "Administrative templates", "Compliance policies"). Reads, writes and actions all
//! answer with it, so it stands apart from the dispatcher.

use serde_json::{Value, json};

use super::behaviour::{Coll, ExpandAssignments, Ver};
use super::evolution;
use super::http::{Ctx, context};
use super::query::{self, Expand, Query};
use super::state::mask_secrets;
use super::templates;

/// An object as served: navigations only when expanded (with quirks), lazy fields off lists,
/// secrets masked, `$select` applied.
pub(crate) fn present(
    ctx: &Ctx,
    ver: Ver,
    coll: &Coll,
    obj: &Value,
    q: &Query,
    list: bool,
) -> Value {
    let mut v = obj.clone();
    let id = obj["id"].as_str().unwrap_or_default().to_string();
    let Some(m) = v.as_object_mut() else { return v };
    if coll.key != "id" {
        // Known by its key alone (docs/graph-notes.md, "Cross-tenant access partners").
        m.remove("id");
    }
    for nav in coll.navs {
        let Some(e) = query::find(&q.expand, nav) else {
            if !coll.inline_navs.contains(nav) {
                m.remove(*nav);
            }
            continue;
        };
        let mut val = m.remove(*nav).unwrap_or_else(|| json!([]));
        // docs/graph-notes.md, "Assignments": by-id expand of assignments is empty on
        // configurationPolicies; always on scope tags.
        let empty = *nav == "assignments"
            && match coll.expand_assignments {
                ExpandAssignments::Stored => false,
                ExpandAssignments::EmptyById => !list,
                ExpandAssignments::Empty => true,
            };
        if empty {
            val = json!([]);
        }
        transform_nav(nav, &mut val, &e.nested);
        m.insert(
            format!("{nav}@odata.context"),
            json!(context(ctx, ver, &format!("{}('{id}')/{nav}", coll.path))),
        );
        m.insert((*nav).to_string(), val);
    }
    if list {
        for f in coll.lazy.iter().chain(coll.list_omits) {
            m.remove(*f);
        }
    }
    let selected = |f: &str| {
        q.select
            .as_ref()
            .is_some_and(|sel| sel.iter().any(|s| s.eq_ignore_ascii_case(f)))
    };
    for f in coll.property_routes {
        m.remove(*f);
    }
    for f in coll.select_only {
        if !selected(f) {
            m.remove(*f);
        }
    }
    mask_secrets(&mut v);
    evolution::hide_removed(ctx.cfg, &mut v);
    if let Some(sel) = &q.select {
        v = select(&v, sel, !ctx.cfg.select_omits_key);
    }
    if ctx.cfg.omit_declared_type
        && let Some(m) = v.as_object_mut()
        && m.get("@odata.type").and_then(Value::as_str) == Some(coll.base_type)
    {
        m.remove("@odata.type");
    }
    v
}

/// `$select`: the named fields (and `@odata.type`); the key too when `with_key`, as Intune answers
/// (clients match `$select` answers by `id`).
fn select(v: &Value, sel: &[String], with_key: bool) -> Value {
    let ty = v["@odata.type"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches('#')
        .to_string();
    let mut out = serde_json::Map::new();
    if let Some(t) = v.get("@odata.type") {
        out.insert("@odata.type".into(), t.clone());
    }
    if with_key && let Some(id) = v.get("id") {
        out.insert("id".into(), id.clone());
    }
    for s in sel {
        let field = match s.split_once('/') {
            Some((cast, f)) if cast == ty => f,
            Some(_) => continue,
            None => s.as_str(),
        };
        // `$select` names properties in any case, as Graph takes them (`settinginstance`).
        if let Some((k, x)) = v
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(field)))
        {
            out.insert(k.clone(), x.clone());
        }
    }
    Value::Object(out)
}

/// Nested `$expand` on navigation items (docs/graph-notes.md, "Administrative templates",
/// "Compliance policies").
pub(crate) fn transform_nav(nav: &str, val: &mut Value, nested: &[Expand]) {
    let Some(items) = val.as_array_mut() else {
        return;
    };
    for it in items {
        match nav {
            "definitionValues" => definition_value_view(it, nested),
            "scheduledActionsForRule" => {
                if query::find(nested, "scheduledActionConfigurations").is_none()
                    && let Some(o) = it.as_object_mut()
                {
                    o.remove("scheduledActionConfigurations");
                }
            }
            "categories" => templates::category_view(it, nested),
            _ => {}
        }
    }
}

pub(crate) fn definition_value_view(dv: &mut Value, expand: &[Expand]) {
    let Some(o) = dv.as_object_mut() else { return };
    if query::find(expand, "definition").is_none() {
        o.remove("definition");
    }
    match query::find(expand, "presentationValues") {
        None => {
            o.remove("presentationValues");
        }
        Some(pv) => {
            if let Some(Value::Array(pvs)) = o.get_mut("presentationValues") {
                for p in pvs {
                    presentation_value_view(p, &pv.nested);
                }
            }
        }
    }
}

pub(crate) fn presentation_value_view(pv: &mut Value, expand: &[Expand]) {
    if query::find(expand, "presentation").is_none()
        && let Some(o) = pv.as_object_mut()
    {
        o.remove("presentation");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_value_nested_expand() {
        let dv = json!({"id":"d","definition":{"id":"x"},"presentationValues":[{"id":"p","presentation":{"id":"q"}}]});
        let mut a = dv.clone();
        definition_value_view(
            &mut a,
            &query::parse_expand("definition,presentationValues($expand=presentation)").unwrap(),
        );
        assert_eq!(a, dv);
        let mut b = dv.clone();
        definition_value_view(&mut b, &query::parse_expand("presentationValues").unwrap());
        assert!(b.get("definition").is_none());
        assert!(b["presentationValues"][0].get("presentation").is_none());
    }
}
