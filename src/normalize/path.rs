//! The small path language the catalog uses to point into Graph JSON.
//!
//! `a.b` walks properties, `a[]` means "each element of array a", `a[key=value]` "each element of
//! array a whose `key` is the string `value`", a number (`a.2.b`) one element of an array, a
//! leading `**.name` means "property `name` at any depth", and a leading `**[key=value].rest` "`rest`
//! of every object at any depth whose `key` is `value`". Dots inside brackets do not split. The catalog names strip rules, set-like arrays and reference
//! fields with it, so one walker serves them all.

use serde_json::Value;

/// The segments of a path: split at dots, but not at those inside `[…]`.
fn split(path: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (vec![], 0usize, 0);
    for (i, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                out.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&path[start..]);
    out
}

/// `**[key=value].rest` → (key, value, rest segments).
fn any_depth_where(path: &str) -> Option<(&str, &str, Vec<&str>)> {
    let inner = path.strip_prefix("**[")?;
    let (pred, rest) = inner.split_once("].")?;
    let (k, v) = pred.split_once('=')?;
    Some((k, v, split(rest)))
}

/// Calls `f` with every value the path selects (mutable), in document order.
pub fn for_each_mut(root: &mut Value, path: &str, f: &mut dyn FnMut(&mut Value)) {
    if let Some((k, v, rest)) = any_depth_where(path) {
        where_mut(root, k, v, &rest, f);
        return;
    }
    if let Some(name) = path.strip_prefix("**.") {
        any_depth_mut(root, name, f);
        return;
    }
    walk_mut(root, &split(path), f);
}

/// Calls `f` with every value the path selects, in document order.
pub fn for_each(root: &Value, path: &str, f: &mut dyn FnMut(&Value)) {
    if let Some((k, v, rest)) = any_depth_where(path) {
        where_any(root, k, v, &rest, f);
        return;
    }
    if let Some(name) = path.strip_prefix("**.") {
        any_depth(root, name, f);
        return;
    }
    walk(root, &split(path), f);
}

/// `rest` of every object at any depth whose `k` is the string `v`.
fn where_mut(v: &mut Value, k: &str, want: &str, rest: &[&str], f: &mut dyn FnMut(&mut Value)) {
    if v.get(k).and_then(Value::as_str) == Some(want) {
        walk_mut(v, rest, f);
        return;
    }
    match v {
        Value::Object(map) => map
            .values_mut()
            .for_each(|c| where_mut(c, k, want, rest, f)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|c| where_mut(c, k, want, rest, f)),
        _ => {}
    }
}

fn where_any(v: &Value, k: &str, want: &str, rest: &[&str], f: &mut dyn FnMut(&Value)) {
    if v.get(k).and_then(Value::as_str) == Some(want) {
        walk(v, rest, f);
        return;
    }
    match v {
        Value::Object(map) => map.values().for_each(|c| where_any(c, k, want, rest, f)),
        Value::Array(items) => items.iter().for_each(|c| where_any(c, k, want, rest, f)),
        _ => {}
    }
}

/// Removes the property the path ends in, wherever the path reaches; a path ending in a
/// predicate (`relationships[targetType=parent]`) removes the array elements it selects.
pub fn remove(root: &mut Value, path: &str) {
    let segments = split(path);
    let (parent, last) = match segments.split_last() {
        Some((l, p)) if !p.is_empty() => (Some(&path[..path.len() - l.len() - 1]), *l),
        _ => (None, path),
    };
    let (last, select) = segment(last.trim_end_matches("[]"));
    let mut remove_in = |v: &mut Value| {
        let Value::Object(map) = v else { return };
        match &select {
            Select::Where(..) => {
                if let Some(Value::Array(items)) = map.get_mut(last) {
                    items.retain(|i| !selected(i, &select));
                }
            }
            _ => {
                map.remove(last);
            }
        }
    };
    match parent {
        None => remove_in(root),
        Some(p) => for_each_mut(root, p, &mut |v| match v {
            Value::Array(items) => items.iter_mut().for_each(&mut remove_in),
            other => remove_in(other),
        }),
    }
}

/// How a path segment selects: the property itself, each element of the array it holds (`a[]`),
/// or the elements whose `key` is the string `value` (`a[key=value]`).
enum Select<'a> {
    One,
    Each,
    Where(&'a str, &'a str),
}

fn segment(s: &str) -> (&str, Select<'_>) {
    if let Some(n) = s.strip_suffix("[]") {
        return (n, Select::Each);
    }
    if let Some((n, pred)) = s.strip_suffix(']').and_then(|x| x.split_once('['))
        && let Some((k, v)) = pred.split_once('=')
    {
        return (n, Select::Where(k, v));
    }
    (s, Select::One)
}

/// Whether an array element is selected by `select`.
fn selected(item: &Value, select: &Select<'_>) -> bool {
    match select {
        Select::Where(k, v) => item.get(*k).and_then(Value::as_str) == Some(*v),
        _ => true,
    }
}

/// The child a segment's name selects: a property of an object, or an element of an array by
/// its index.
fn child<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match v {
        Value::Array(items) => name.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => v.get(name),
    }
}

fn child_mut<'a>(v: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    match v {
        Value::Array(items) => name.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        Value::Object(m) => m.get_mut(name),
        _ => None,
    }
}

fn walk_mut(v: &mut Value, segments: &[&str], f: &mut dyn FnMut(&mut Value)) {
    let Some((first, rest)) = segments.split_first() else {
        f(v);
        return;
    };
    let (name, select) = segment(first);
    let Some(child) = child_mut(v, name) else {
        return;
    };
    match (&select, child) {
        (Select::One, child) => walk_mut(child, rest, f),
        (_, Value::Array(items)) => {
            for item in items.iter_mut().filter(|i| selected(i, &select)) {
                walk_mut(item, rest, f);
            }
        }
        _ => {}
    }
}

fn walk(v: &Value, segments: &[&str], f: &mut dyn FnMut(&Value)) {
    let Some((first, rest)) = segments.split_first() else {
        f(v);
        return;
    };
    let (name, select) = segment(first);
    let Some(child) = child(v, name) else {
        return;
    };
    match (&select, child) {
        (Select::One, child) => walk(child, rest, f),
        (_, Value::Array(items)) => {
            for item in items.iter().filter(|i| selected(i, &select)) {
                walk(item, rest, f);
            }
        }
        _ => {}
    }
}

fn any_depth_mut(v: &mut Value, name: &str, f: &mut dyn FnMut(&mut Value)) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == name {
                    f(child);
                }
                any_depth_mut(child, name, f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| any_depth_mut(i, name, f)),
        _ => {}
    }
}

fn any_depth(v: &Value, name: &str, f: &mut dyn FnMut(&Value)) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == name {
                    f(child);
                }
                any_depth(child, name, f);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| any_depth(i, name, f)),
        _ => {}
    }
}

/// Looks up a plain dotted path (no `[]`; numbers index arrays), e.g. the sort key of a set
/// element.
pub fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, child)
}

/// The concrete paths (array indexes spelled out, `rules.0.scriptContent`) of the values a path
/// with `[]` selects, in document order; a path without `[]` names itself when it is there.
pub fn concrete(root: &Value, path: &str) -> Vec<String> {
    fn go(v: &Value, segments: &[&str], at: String, out: &mut Vec<String>) {
        let Some((first, rest)) = segments.split_first() else {
            out.push(at);
            return;
        };
        let join = |s: &str| {
            if at.is_empty() {
                s.to_string()
            } else {
                format!("{at}.{s}")
            }
        };
        match first.strip_suffix("[]") {
            Some(name) => {
                if let Some(Value::Array(items)) = child(v, name) {
                    for (i, item) in items.iter().enumerate() {
                        go(item, rest, join(&format!("{name}.{i}")), out);
                    }
                }
            }
            None => {
                if let Some(c) = child(v, first) {
                    go(c, rest, join(first), out);
                }
            }
        }
    }
    let mut out = vec![];
    go(root, &split(path), String::new(), &mut out);
    out
}

/// Sets the value at a plain dotted path (no `[]`), creating the objects on the way; a
/// non-object on the way is replaced by one, but for an array an index of which (`rules.0`) walks
/// into its element.
pub fn set(root: &mut Value, path: &str, value: Value) {
    let (parents, last) = match path.rsplit_once('.') {
        Some((p, l)) => (p.split('.').collect::<Vec<_>>(), l),
        None => (vec![], path),
    };
    let mut v = root;
    for seg in parents {
        let index = match &*v {
            Value::Array(items) => seg.parse::<usize>().ok().filter(|i| *i < items.len()),
            _ => None,
        };
        if let Some(i) = index {
            v = &mut v[i];
            continue;
        }
        if !v.is_object() {
            *v = Value::Object(Default::default());
        }
        v = v
            .as_object_mut()
            .expect("object")
            .entry(seg)
            .or_insert_with(|| Value::Object(Default::default()));
    }
    if !v.is_object() {
        *v = Value::Object(Default::default());
    }
    v.as_object_mut()
        .expect("object")
        .insert(last.into(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_creates_the_way_and_keeps_siblings() {
        let mut v = json!({"a": {"keep": 1}, "n": null});
        set(&mut v, "a.b", json!("x"));
        set(&mut v, "n.c.d", json!(2));
        set(&mut v, "top", json!(true));
        assert_eq!(
            v,
            json!({"a": {"keep": 1, "b": "x"}, "n": {"c": {"d": 2}}, "top": true})
        );
    }

    #[test]
    fn selects_array_elements_by_a_property() {
        let mut v = json!({"values": [
            {"name": "A", "value": "1"},
            {"name": "GroupId", "value": "g1"},
            {"name": "GroupId", "value": "g2"},
            {"value": "no name"}
        ]});
        let mut seen = vec![];
        for_each(&v, "values[name=GroupId].value", &mut |x| {
            seen.push(x.clone())
        });
        assert_eq!(seen, vec![json!("g1"), json!("g2")]);
        for_each_mut(&mut v, "values[name=A].value", &mut |x| *x = json!("2"));
        assert_eq!(v["values"][0]["value"], "2");
        remove(&mut v, "values[name=GroupId].value");
        assert_eq!(v["values"][1], json!({"name": "GroupId"}));
        assert_eq!(v["values"][3], json!({"value": "no name"}));
    }

    #[test]
    fn predicates_may_hold_dots_and_reach_any_depth() {
        const REF: &str = "#microsoft.graph.referenceValue";
        let mut v = json!({"settings": [{"a": {"values": [
            {"@odata.type": REF, "value": "r1"},
            {"@odata.type": "#microsoft.graph.stringValue", "value": "s"}
        ]}}, {"b": {"@odata.type": REF, "value": "r2", "deeper": {"@odata.type": REF, "value": "no"}}}]});
        let mut seen = vec![];
        let any = format!("**[@odata.type={REF}].value");
        for_each(&v, &any, &mut |x| seen.push(x.clone()));
        assert_eq!(
            seen,
            vec![json!("r1"), json!("r2")],
            "a match is not searched below"
        );
        for_each_mut(&mut v, &any, &mut |x| *x = json!("mapped"));
        assert_eq!(v["settings"][0]["a"]["values"][0]["value"], "mapped");
        let mut typed = vec![];
        for_each(
            &v,
            &format!("settings.0.a.values[@odata.type={REF}].value"),
            &mut |x| typed.push(x.clone()),
        );
        assert_eq!(typed, vec![json!("mapped")]);
        remove(
            &mut v,
            "settings.0.a.values[@odata.type=#microsoft.graph.stringValue]",
        );
        assert_eq!(v["settings"][0]["a"]["values"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn indexes_spell_out_array_elements() {
        let mut v = json!({"rules": [
            {"ruleType": "detection", "scriptContent": "AA=="},
            {"ruleType": "requirement"},
            {"ruleType": "requirement", "scriptContent": "AQ=="}
        ], "relationships": [{"targetType": "child"}, {"targetType": "parent"}]});
        let paths = concrete(&v, "rules[].scriptContent");
        assert_eq!(paths, ["rules.0.scriptContent", "rules.2.scriptContent"]);
        assert_eq!(get(&v, "rules.2.scriptContent"), Some(&json!("AQ==")));
        remove(&mut v, "rules.0.scriptContent");
        assert_eq!(v["rules"][0], json!({"ruleType": "detection"}));
        set(&mut v, "rules.0.scriptContent", json!("AB=="));
        assert_eq!(v["rules"][0]["scriptContent"], "AB==");
        assert_eq!(concrete(&v, "missing[].x"), Vec::<String>::new());
        assert_eq!(concrete(&v, "rules"), ["rules"]);
        remove(&mut v, "relationships[targetType=parent]");
        assert_eq!(v["relationships"], json!([{"targetType": "child"}]));
    }

    #[test]
    fn walks_arrays_and_nested_properties() {
        let mut v = json!({"a": [{"b": {"c": 1}}, {"b": {"c": 2}}, {"x": 0}]});
        let mut seen = vec![];
        for_each(&v, "a[].b.c", &mut |x| seen.push(x.clone()));
        assert_eq!(seen, vec![json!(1), json!(2)]);
        remove(&mut v, "a[].b.c");
        assert_eq!(v, json!({"a": [{"b": {}}, {"b": {}}, {"x": 0}]}));
    }

    #[test]
    fn any_depth_finds_every_occurrence() {
        let mut v = json!({"children": [1], "x": {"children": [2], "y": [{"children": [3]}]}});
        let mut n = 0;
        for_each_mut(&mut v, "**.children", &mut |_| n += 1);
        assert_eq!(n, 3);
    }

    #[test]
    fn remove_top_level_and_array_elements() {
        let mut v = json!({"id": 1, "apps": [{"id": 2, "k": 3}]});
        remove(&mut v, "id");
        remove(&mut v, "apps[].id");
        assert_eq!(v, json!({"apps": [{"k": 3}]}));
        assert_eq!(get(&json!({"a": {"b": 5}}), "a.b"), Some(&json!(5)));
    }
}
