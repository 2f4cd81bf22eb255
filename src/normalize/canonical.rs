//! Canonical form: the same tenant state always produces the same bytes.
//!
//! Object keys are kept sorted (serde_json's map is ordered by key; a test guards that no dependency
//! switches it to insertion order), and the arrays the catalog marks as sets are sorted by their key.
//! Ordered arrays are left exactly as Graph sent them.

use super::path;
use crate::catalog::SetRule;
use serde_json::Value;
use std::cmp::Ordering;

/// Sorts every set-like array named by `rules`; inner sets before the sets that contain them, so an
/// element's canonical text is itself canonical when it is used as a sort key.
pub fn sort_sets(root: &mut Value, rules: &[SetRule]) {
    let mut ordered: Vec<&SetRule> = rules.iter().collect();
    ordered.sort_by_key(|r| {
        let any_depth = r.path.starts_with("**.");
        (!any_depth, std::cmp::Reverse(r.path.matches('.').count()))
    });
    for rule in ordered {
        path::for_each_mut(root, rule.path, &mut |v| {
            if let Value::Array(items) = v {
                sort_items(items, rule.key);
            }
        });
    }
}

/// Sorts array elements by the value at `key` (then by their whole canonical text, so ties are stable).
pub fn sort_items(items: &mut [Value], key: Option<&str>) {
    let mut keyed: Vec<(String, String, Value)> = items
        .iter_mut()
        .map(|v| {
            let k = key
                .and_then(|k| path::get(v, k))
                .map(sort_text)
                .unwrap_or_default();
            (k, to_text(v), std::mem::take(v))
        })
        .collect();
    keyed.sort_by(|a, b| match a.0.cmp(&b.0) {
        Ordering::Equal => a.1.cmp(&b.1),
        o => o,
    });
    for (slot, (_, _, v)) in items.iter_mut().zip(keyed) {
        *slot = v;
    }
}

/// Compact canonical JSON text of a value (keys sorted).
pub fn to_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Sort text of a key: strings compare by their content (case-insensitively first, so `Alpha` and
/// `alpha` sit together), everything else by canonical JSON.
fn sort_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{}\u{0}{}", s.to_lowercase(), s),
        other => to_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serde_json_maps_iterate_in_key_order() {
        // If a dependency ever enables serde_json's `preserve_order`, canonical output would follow
        // Graph's key order; this guards against that.
        let v: Value = serde_json::from_str(r#"{"b":1,"a":2,"C":3}"#).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["C", "a", "b"]);
    }

    #[test]
    fn sets_are_sorted_and_ordered_arrays_kept() {
        let rules = [
            SetRule {
                path: "settings",
                key: Some("settingInstance.settingDefinitionId"),
            },
            SetRule {
                path: "**.children",
                key: Some("settingDefinitionId"),
            },
            SetRule {
                path: "tags",
                key: None,
            },
        ];
        let mut v = json!({
            "settings": [
                {"settingInstance": {"settingDefinitionId": "b", "children": [{"settingDefinitionId": "z"}, {"settingDefinitionId": "y"}]}},
                {"settingInstance": {"settingDefinitionId": "a"}}
            ],
            "tags": ["2", "10", "1"],
            "ordered": [3, 1, 2]
        });
        sort_sets(&mut v, &rules);
        assert_eq!(
            v["settings"][0]["settingInstance"]["settingDefinitionId"],
            "a"
        );
        assert_eq!(
            v["settings"][1]["settingInstance"]["children"][0]["settingDefinitionId"],
            "y"
        );
        assert_eq!(v["tags"], json!(["1", "10", "2"]));
        assert_eq!(v["ordered"], json!([3, 1, 2]));
    }

    #[test]
    fn any_input_order_gives_one_output() {
        let rules = [SetRule {
            path: "a",
            key: Some("k"),
        }];
        let mut x = json!({"a": [{"k": "B", "v": 1}, {"k": "a"}, {"k": "B", "v": 0}]});
        let mut y = json!({"a": [{"k": "B", "v": 0}, {"k": "B", "v": 1}, {"k": "a"}]});
        sort_sets(&mut x, &rules);
        sort_sets(&mut y, &rules);
        assert_eq!(x, y);
        assert_eq!(x["a"][0]["k"], "a");
    }
}
