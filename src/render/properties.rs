//! Generic renderer: any `spec` as `property = value` lines.
//!
//! Nested objects become dotted paths, arrays of plain values become readable lists, and arrays of
//! objects are addressed by what identifies an element (its display name, OMA-URI, definition id…)
//! rather than its position, so a reordered or inserted element changes only its own lines.
//! Classic device configurations, update rings, scripts' metadata, unknown `@odata.type`s and the
//! properties around settings and definition values all render here.

use super::{Field, Section};
use serde_json::Value;
use std::collections::BTreeMap;

/// Properties that name an element of an array of objects, in order of preference.
const ELEMENT_NAMES: &[&str] = &[
    "displayName",
    "name",
    "omaUri",
    "settingDefinitionId",
    "definitionId",
    "bundleId",
    "packageId",
    "appId",
    "ruleType",
    "id",
];

/// Fields of every property of `spec` except `skip` (a property another renderer owns).
pub fn fields(spec: &Value, skip: Option<&str>) -> Vec<Field> {
    let mut out = vec![];
    if let Value::Object(map) = spec {
        for (k, v) in map {
            if Some(k.as_str()) == skip {
                continue;
            }
            walk(v, &mut vec![k.clone()], &mut out);
        }
    } else {
        walk(spec, &mut vec!["spec".into()], &mut out);
    }
    out
}

fn walk(v: &Value, path: &mut Vec<String>, out: &mut Vec<Field>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, child) in map {
                path.push(k.clone());
                walk(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            let labels = element_labels(items);
            let last = path.pop().unwrap_or_default();
            for (item, label) in items.iter().zip(labels) {
                path.push(format!("{last}[{label}]"));
                match item {
                    Value::Object(m) if !m.is_empty() => walk(item, path, out),
                    _ => push(path, super::scalar(item), out),
                }
                path.pop();
            }
            path.push(last);
        }
        _ => push(path, super::scalar(v), out),
    }
}

fn push(path: &[String], value: String, out: &mut Vec<Field>) {
    let label = path.join(".");
    out.push(Field {
        section: Section::Properties,
        key: label.clone(),
        leaf: path.last().cloned().unwrap_or_default(),
        depth: path.len().saturating_sub(1),
        label,
        value,
        detail: false,
    });
}

/// A label per element: its naming property when that is unique in the array, else its position
/// (1-based) — with the name beside it when there is one.
fn element_labels(items: &[Value]) -> Vec<String> {
    let name_of = |item: &Value| -> Option<String> {
        ELEMENT_NAMES.iter().find_map(|k| match item.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let names: Vec<Option<String>> = items.iter().map(name_of).collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for n in names.iter().flatten() {
        *counts.entry(n.as_str()).or_default() += 1;
    }
    names
        .iter()
        .enumerate()
        .map(|(i, n)| match n {
            Some(n) if counts[n.as_str()] == 1 => n.clone(),
            Some(n) => format!("{} {n}", i + 1),
            None => (i + 1).to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(spec: Value) -> Vec<String> {
        fields(&spec, None)
            .into_iter()
            .map(|f| format!("{} = {}", f.label, f.value))
            .collect()
    }

    #[test]
    fn nested_objects_become_paths_and_lists_stay_readable() {
        let got = lines(json!({
            "description": "",
            "passwordRequired": true,
            "deliveryOptimization": {"mode": "httpOnly", "bandwidth": {"max": 10}},
            "allowedApps": ["a", "b"],
            "emptyList": [],
            "unset": null
        }));
        assert_eq!(
            got,
            [
                "allowedApps = a, b",
                "deliveryOptimization.bandwidth.max = 10",
                "deliveryOptimization.mode = httpOnly",
                "description = \"\"",
                "emptyList = (none)",
                "passwordRequired = true",
                "unset = (not set)",
            ]
        );
    }

    #[test]
    fn array_elements_are_named_by_what_identifies_them() {
        let got = lines(json!({"omaSettings": [
            {"displayName": "Block USB", "omaUri": "./Device/x", "value": 1},
            {"omaUri": "./Device/y", "value": 2},
            {"value": 3},
            {"displayName": "Twin", "value": 4},
            {"displayName": "Twin", "value": 5}
        ]}));
        assert!(got.contains(&"omaSettings[Block USB].value = 1".to_string()));
        assert!(got.contains(&"omaSettings[./Device/y].value = 2".to_string()));
        assert!(got.contains(&"omaSettings[3].value = 3".to_string()));
        assert!(got.contains(&"omaSettings[4 Twin].value = 4".to_string()));
        assert!(got.contains(&"omaSettings[5 Twin].value = 5".to_string()));
    }

    #[test]
    fn the_owned_property_is_left_to_its_renderer() {
        let got = lines_skip(json!({"settings": [{"a": 1}], "name": "x"}), "settings");
        assert_eq!(got, ["name = x"]);
    }

    fn lines_skip(spec: Value, skip: &str) -> Vec<String> {
        fields(&spec, Some(skip))
            .into_iter()
            .map(|f| format!("{} = {}", f.label, f.value))
            .collect()
    }
}
