//! Properties Graph no longer has: a document committed yesterday may carry a property its type
//! has since lost, and Graph refuses a write that names it (400 "does not exist on type"). Such a
//! property is left out of the requests and said so on the item, so the rest of the object still
//! restores and a new plan is a no-op.
//!
//! The rule (docs/graph-variation.md, "A property removed from its type"): a top-level property of
//! the desired document is gone when the target answers objects of the same `@odata.type` and none
//! of them has it — absent, not null (Graph answers every property of a type, null when unset).
//! For an update that includes the matched live object itself; for a create, its live siblings of
//! the same type. Without a live object of the type nothing is known and everything is sent.

use crate::normalize::Document;
use serde_json::Value;

/// How the note on an item starts.
pub const NOT_SENT: &str = "not sent: ";

/// Top-level properties of `desired` that none of `live` (the target's objects of the same
/// `@odata.type`) has; empty when `live` is empty.
pub fn gone<'a>(desired: &'a Document, live: &[&Document]) -> Vec<&'a str> {
    let (Value::Object(want), false) = (&desired.spec, live.is_empty()) else {
        return vec![];
    };
    want.keys()
        .filter(|k| {
            live.iter()
                .all(|l| l.spec.as_object().is_none_or(|m| !m.contains_key(*k)))
        })
        .map(String::as_str)
        .collect()
}

/// The note an item carries for a property it does not send.
pub fn note(property: &str, odata_type: Option<&str>, update: bool) -> String {
    let ty = odata_type.unwrap_or("its type");
    let why = if update {
        "the live object does not have it"
    } else {
        "no live object of this type has it"
    };
    format!("{NOT_SENT}'{property}' is no longer a property of {ty} ({why})")
}

/// Removes `properties` from the desired Graph body.
pub fn drop_from(body: &mut Value, properties: &[String]) {
    if let Some(m) = body.as_object_mut() {
        for p in properties {
            m.remove(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(spec: Value) -> Document {
        Document {
            kind: "powershellScripts".into(),
            id: "1".into(),
            name: "n".into(),
            odata_type: Some("#microsoft.graph.deviceManagementScript".into()),
            scope_tags: None,
            assignments: None,
            spec,
            sidecars: Default::default(),
            secrets: vec![],
        }
    }

    #[test]
    fn absent_from_every_live_object_of_the_type_is_gone_and_null_is_not() {
        let want = doc(json!({"a": 1, "b": true, "c": null}));
        let l1 = doc(json!({"a": 2, "c": null}));
        let l2 = doc(json!({"a": 3, "c": 1}));
        assert_eq!(gone(&want, &[&l1, &l2]), vec!["b"]);
        // One live object that has it: still a property of the type.
        let l3 = doc(json!({"a": 3, "b": null, "c": 1}));
        assert!(gone(&want, &[&l1, &l3]).is_empty());
        // Nothing live of the type: nothing known.
        assert!(gone(&want, &[]).is_empty());
    }

    #[test]
    fn the_note_names_property_type_and_why() {
        assert_eq!(
            note(
                "runAs32Bit",
                Some("#microsoft.graph.deviceManagementScript"),
                true
            ),
            "not sent: 'runAs32Bit' is no longer a property of #microsoft.graph.deviceManagementScript (the live object does not have it)"
        );
        let mut body = json!({"runAs32Bit": true, "x": 1});
        drop_from(&mut body, &["runAs32Bit".to_string()]);
        assert_eq!(body, json!({"x": 1}));
    }
}
