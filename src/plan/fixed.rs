//! Properties an object keeps for life (`WriteRule::fixed`): when the commit and the target differ
//! in one, the update is blocked with what differs instead of sent, since Graph refuses the change
//! or does something unverified with it (docs/graph-variation.md, "Properties fixed at creation").

use crate::catalog::CatalogEntry;
use crate::normalize::Document;
use serde_json::Value;

/// The value at a dotted `path` of a document's spec (`None` when absent).
fn at<'a>(spec: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(spec, |v, key| v.get(key))
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "none".into(),
        Some(Value::String(s)) => format!("'{s}'"),
        Some(other) => other.to_string(),
    }
}

/// One reason per fixed property that differs between the target (`live`) and the commit.
pub fn differences(entry: &CatalogEntry, live: &Document, desired: &Document) -> Vec<String> {
    entry
        .write
        .fixed
        .iter()
        .filter_map(|path| {
            let (have, want) = (at(&live.spec, path), at(&desired.spec, path));
            (have != want).then(|| {
                format!(
                    "{path} differs: the target has {}, the commit {}; it is fixed when an object is created, so it cannot be changed in place (delete the object in Intune and plan again to create it)",
                    shown(have),
                    shown(want)
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(spec: Value) -> Document {
        serde_json::from_value(
            json!({"kind": "settingsCatalog", "id": "1", "name": "n", "spec": spec}),
        )
        .unwrap()
    }

    #[test]
    fn a_fixed_property_that_differs_is_named_with_both_values() {
        let entry = crate::catalog::get("settingsCatalog").unwrap();
        let live = doc(json!({"platforms": "windows10", "technologies": "mdm",
            "templateReference": {"templateId": "a_1", "templateFamily": "none"}}));
        let same = doc(json!({"platforms": "windows10", "technologies": "mdm",
            "templateReference": {"templateId": "a_1", "templateFamily": "other"}}));
        assert!(differences(entry, &live, &same).is_empty());
        let moved = doc(json!({"platforms": "macOS", "technologies": "mdm",
            "templateReference": {"templateId": "b_1"}}));
        let got = differences(entry, &live, &moved);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].starts_with("platforms differs: the target has 'windows10', the commit 'macOS'")
        );
        assert!(got[1].starts_with(
            "templateReference.templateId differs: the target has 'a_1', the commit 'b_1'"
        ));
        let gone = doc(json!({"platforms": "windows10", "technologies": "mdm"}));
        assert!(differences(entry, &live, &gone)[0].contains("the commit none"));
    }

    #[test]
    fn types_without_fixed_properties_never_block() {
        let entry = crate::catalog::get("deviceConfigurations").unwrap();
        assert!(differences(entry, &doc(json!({"a": 1})), &doc(json!({"a": 2}))).is_empty());
    }
}
