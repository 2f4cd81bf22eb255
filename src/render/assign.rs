//! Assignments in words: who is included or excluded, through which filter, with which intent.
//!
//! Each line is keyed by who it targets (intent, target kind, group), so changing an assignment's
//! filter reads as that assignment changing, and adding or removing a group as a line coming or going.

use super::AssignmentLine;
use crate::normalize::assignments::Assignment;

/// One line per assignment, in the document's (canonical) order.
pub fn lines(assignments: &[Assignment]) -> Vec<AssignmentLine> {
    assignments.iter().map(line).collect()
}

fn line(a: &Assignment) -> AssignmentLine {
    let group = a.group.as_ref().map(|g| match &g.name {
        Some(name) => format!("\"{name}\""),
        None => format!("group {} (not found in the tenant)", g.id),
    });
    let who = match (a.target.as_str(), &group) {
        ("group", Some(g)) => format!("include {g}"),
        ("exclusionGroup", Some(g)) => format!("exclude {g}"),
        ("allDevices", _) => "include all devices".to_string(),
        ("allLicensedUsers", _) => "include all users".to_string(),
        (other, Some(g)) => format!("{other} {g}"),
        (other, None) => other.to_string(),
    };
    let mut text = match &a.intent {
        Some(intent) => format!("{intent}: {who}"),
        None => who.clone(),
    };
    if let Some(f) = &a.filter {
        let name = f
            .name
            .as_ref()
            .map(|n| format!("\"{n}\""))
            .unwrap_or_else(|| format!("{} (not found in the tenant)", f.id));
        text.push_str(&format!(", filter {name} ({})", f.mode));
    }
    if let Some(source) = &a.source {
        text.push_str(&format!(", via {source}"));
    }
    // Other properties (a remediation's schedule, …) as `property = value`, nested ones as paths.
    let extra: serde_json::Map<String, serde_json::Value> = a
        .target_properties
        .iter()
        .chain(&a.properties)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let extra: Vec<String> = super::properties::fields(&serde_json::Value::Object(extra), None)
        .into_iter()
        .filter(|f| f.leaf != "@odata.type")
        .map(|f| format!("{} = {}", f.label, f.value))
        .collect();
    if !extra.is_empty() {
        text.push_str(&format!(" [{}]", extra.join("; ")));
    }
    let key = format!(
        "{}|{}|{}",
        a.intent.as_deref().unwrap_or(""),
        a.target,
        a.group.as_ref().map(|g| g.id.as_str()).unwrap_or("")
    );
    AssignmentLine { key, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::assignments::{FilterRef, NamedId};

    fn assignment(target: &str, group: Option<(&str, Option<&str>)>) -> Assignment {
        Assignment {
            target: target.into(),
            group: group.map(|(id, name)| NamedId {
                id: id.into(),
                name: name.map(str::to_string),
            }),
            filter: None,
            intent: None,
            source: None,
            target_properties: Default::default(),
            properties: Default::default(),
        }
    }

    #[test]
    fn assignments_read_as_sentences() {
        let mut with_filter = assignment("allDevices", None);
        with_filter.filter = Some(FilterRef {
            id: "f1".into(),
            name: Some("Windows 11 only".into()),
            mode: "include".into(),
        });
        let mut required = assignment("group", Some(("g2", Some("Finance"))));
        required.intent = Some("required".into());
        let got: Vec<String> = lines(&[
            with_filter,
            assignment("exclusionGroup", Some(("g1", Some("Break Glass")))),
            assignment("group", Some(("g3", None))),
            required,
        ])
        .into_iter()
        .map(|l| l.text)
        .collect();
        assert_eq!(
            got,
            [
                "include all devices, filter \"Windows 11 only\" (include)",
                "exclude \"Break Glass\"",
                "include group g3 (not found in the tenant)",
                "required: include \"Finance\"",
            ]
        );
    }

    #[test]
    fn the_key_ignores_the_filter_so_a_filter_change_is_a_change() {
        let a = assignment("group", Some(("g1", Some("A"))));
        let mut b = a.clone();
        b.filter = Some(FilterRef {
            id: "f".into(),
            name: None,
            mode: "exclude".into(),
        });
        assert_eq!(line(&a).key, line(&b).key);
        assert_ne!(line(&a).text, line(&b).text);
    }
}
